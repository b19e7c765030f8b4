"""Activations and softmax: the entries verify, and the reference implementations are robust."""

from __future__ import annotations

import numpy as np
import pytest

from gradref.catalog import catalog
from gradref.identities import activations as act
from gradref.identities import softmax as sm
from gradref.record import entry_record

FAMILIES = ("activations", "softmax")
ENTRIES = [identity for identity in catalog() if identity.family in FAMILIES]


def test_the_families_hold_enough_entries_and_hessians():
    assert len(ENTRIES) >= 29
    assert sum(identity.hessian is not None for identity in ENTRIES) >= 15
    jacobians = {identity.id for identity in ENTRIES if identity.kind == "jacobian"}
    for name in ("sigmoid", "tanh", "softplus", "gelu-erf"):
        assert f"activations.{name}-jacobian" in jacobians


@pytest.mark.parametrize("identity", ENTRIES, ids=lambda identity: identity.id)
def test_entry_verifies_and_rejects_its_mistakes(identity):
    record = entry_record(identity)  # raises unless everything passes
    assert record["mistakes"], "every entry lists at least one mistake"
    known = {entry.id for entry in catalog()}
    assert set(record["related"]) <= known


@pytest.mark.parametrize(
    "function",
    [
        act.sigmoid_tanh_softplus.sum_sigmoid,
        act.sigmoid_tanh_softplus.sum_softplus,
        act.sigmoid_tanh_softplus.sum_log_sigmoid,
        act.silu_gelu_mish.sum_silu,
        act.silu_gelu_mish.sum_mish,
    ],
)
def test_activations_do_not_overflow_for_large_inputs(function):
    # pytest turns warnings into errors: an overflow in exp would fail here
    assert np.isfinite(function(np.array([-1000.0, 0.0, 1000.0])))


def test_log_sum_exp_and_softmax_are_stable_and_shift_invariant():
    x = np.array([1000.0, 999.0, -1000.0])
    assert sm.log_sum_exp(x) == pytest.approx(1000 + np.log1p(np.exp(-1.0)))
    np.testing.assert_allclose(sm.softmax(x), sm.softmax(x - 1000.0), rtol=1e-15)
    assert sm.log_sum_exp(x + 7.0) == pytest.approx(sm.log_sum_exp(x) + 7.0)
    np.testing.assert_allclose(sm.softmax_rows(np.vstack([x, x + 3.0])), [sm.softmax(x)] * 2)


def test_the_complex_step_goes_through_the_max_shift():
    # the shift uses max Re x, a constant: Im lse(x + i h e_k) / h is softmax_k even at 1e3
    x, h = np.array([1000.0, 999.0, 998.0]), 1e-20
    steps = [np.imag(sm.log_sum_exp(x + 1j * h * e)) / h for e in np.eye(3)]
    np.testing.assert_allclose(steps, sm.softmax(x), rtol=1e-14)


def test_the_erf_of_the_gelu_is_complex_analytic():
    x, h = np.array([-6.0, -1.0, 0.3, 4.0]), 1e-20
    np.testing.assert_allclose(
        np.imag(act.silu_gelu_mish.elementwise_gelu(x + 1j * h)) / h,
        act.silu_gelu_mish.grad_sum_gelu(x),
        rtol=1e-13,
    )


def test_the_tanh_approximation_stays_close_to_the_exact_gelu():
    x = np.linspace(-8.0, 8.0, 2001)
    assert (
        np.max(
            np.abs(
                act.silu_gelu_mish.elementwise_gelu(x) - act.silu_gelu_mish.elementwise_gelu_tanh(x)
            )
        )
        < 5e-4
    )
    assert (
        np.max(
            np.abs(act.silu_gelu_mish.grad_sum_gelu(x) - act.silu_gelu_mish.grad_sum_gelu_tanh(x))
        )
        < 1e-3
    )


@pytest.mark.parametrize("n", [1, 2, 3, 8])
def test_kink_samples_stay_away_from_zero_and_cover_both_signs(n):
    rng = np.random.default_rng(n)
    for sampler in (
        act.relu_elu._sample_kink,
        act.relu_elu._sample_slope,
        act.relu_elu._sample_elu,
    ):
        x = sampler(rng, n)["x"]
        assert np.min(np.abs(x)) >= 0.25
        if n >= 2:
            assert np.any(x > 0)
            assert np.any(x < 0)
    assert act.relu_elu._sample_kink(rng, 1)["x"][0] > 0  # the ReLU's gradient is not all zero
    assert act.relu_elu._sample_elu(rng, 1)["x"][0] < 0  # the ELU's curved branch is exercised


@pytest.mark.parametrize("T", [0.0, -1.0])
def test_a_temperature_must_be_positive(T):
    with pytest.raises(ValueError, match="`T` must be positive"):
        sm.softmax_temperature(np.zeros(2), T)


def test_a_wrong_shape_is_named():
    with pytest.raises(ValueError, match="`A` must have shape"):
        sm.log_sum_exp_affine(np.zeros(2), np.zeros((3, 4)), np.zeros(3))
