"""Layers: the entries verify, and the reference layers behave as the entries say."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gradref import shapes
from gradref.catalog import catalog
from gradref.identities import layers
from gradref.record import entry_record

ENTRIES = [identity for identity in catalog() if identity.family == "layers"]


def test_the_family_covers_every_variable_of_every_layer():
    ids = {identity.id for identity in ENTRIES}
    assert len(ENTRIES) >= 22
    expected = {
        "affine-weight", "affine-bias", "affine-input",
        "affine-col-weight", "affine-col-bias", "affine-col-input",
        "mlp-w1", "mlp-b1", "mlp-w2", "mlp-b2",
        "layernorm-input", "layernorm-gamma", "layernorm-beta",
        "batchnorm-input", "batchnorm-gamma", "batchnorm-beta",
        "attention-q", "attention-k", "attention-v",
        "conv1d-input", "conv1d-kernel", "relu",
    }  # fmt: skip
    assert {f"layers.{name}" for name in expected} <= ids
    # backpropagation through a layer: one vjp per variable; the MLP's loss is a scalar
    for identity in ENTRIES:
        assert identity.kind == ("gradient" if ".mlp-" in identity.id else "vjp"), identity.id


@pytest.mark.parametrize("identity", ENTRIES, ids=lambda identity: identity.id)
def test_entry_verifies_and_rejects_its_mistakes(identity):
    record = entry_record(identity)  # raises unless everything passes
    assert record["mistakes"], "every entry lists at least one mistake"
    assert identity.assumptions
    assert identity.derivation
    assert identity.sources
    known = {entry.id for entry in catalog()}
    assert set(record["related"]) <= known


def test_a_vjp_is_the_transpose_of_the_jacobian_applied_to_the_cotangent():
    # <Ybar, dY> = <Xbar, dX> along a random direction, with dY from a central difference
    rng = np.random.default_rng(1)
    X, W, b = rng.standard_normal((4, 3)), rng.standard_normal((5, 3)), rng.standard_normal(5)
    Ybar, dX, h = rng.standard_normal((4, 5)), rng.standard_normal((4, 3)), 1e-6
    dY = (
        layers.affine_relu.affine_rows(X + h * dX, W, b)
        - layers.affine_relu.affine_rows(X - h * dX, W, b)
    ) / (2 * h)
    Xbar = layers.affine_relu.adjoint_affine_rows_input(X, W, b, Ybar)
    assert np.sum(Ybar * dY) == pytest.approx(np.sum(Xbar * dX), rel=1e-8)


def test_the_convolution_input_adjoint_is_a_correlation_with_the_flipped_kernel():
    rng = np.random.default_rng(2)
    x, w, ybar = rng.standard_normal(9), rng.standard_normal(3), rng.standard_normal(7)
    padded = np.concatenate([np.zeros(2), ybar, np.zeros(2)])
    flipped = layers.convolution.conv1d_valid(
        padded, w[::-1]
    )  # 'full' correlation with the flipped kernel
    np.testing.assert_allclose(
        layers.convolution.adjoint_conv1d_input(x, w, ybar), flipped, rtol=1e-13
    )
    # and the forward map is numpy's (real) valid cross-correlation
    np.testing.assert_allclose(layers.convolution.conv1d_valid(x, w), np.correlate(x, w, "valid"))


def test_normalisation_adjoints_project_out_the_shift():
    rng = np.random.default_rng(3)
    X, gamma, beta = rng.standard_normal((3, 5)), rng.standard_normal(5), rng.standard_normal(5)
    Ybar = rng.standard_normal((3, 5))
    Xbar = layers.normalisation.adjoint_layer_norm_input(X, gamma, beta, 0.1, Ybar)
    np.testing.assert_allclose(Xbar.sum(axis=1), 0, atol=1e-13)  # a shift of a row does nothing
    Xbar = layers.normalisation.adjoint_batch_norm_input(X, gamma, beta, 0.1, Ybar)
    np.testing.assert_allclose(Xbar.sum(axis=0), 0, atol=1e-13)
    # batch normalisation is layer normalisation of the transpose (one gain per feature)
    np.testing.assert_allclose(
        layers.normalisation.batch_norm(X, gamma, beta, 0.1),
        (
            layers.normalisation.layer_norm(X.T, np.ones(3), np.zeros(3), 0.1) * gamma[:, None]
            + beta[:, None]
        ).T,
        rtol=1e-13,
    )


def test_layers_reject_bad_arguments_with_a_message():
    X, gamma = np.ones((2, 3)), np.ones(3)
    with pytest.raises(ValueError, match="`eps` must be positive"):
        layers.normalisation.layer_norm(X, gamma, gamma, 0.0)
    with pytest.raises(ValueError, match="`eps` must be positive"):
        layers.normalisation.batch_norm(X, gamma, gamma, -1e-5)
    with pytest.raises(ValueError, match=r"kernel `w`.*must not be longer"):
        layers.convolution.conv1d_valid(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="`W`"):
        layers.affine_relu.affine_rows(X, np.ones((4, 2)), np.ones(4))
    with pytest.raises(ValueError, match=r"^`ybar` must have shape \(l - k \+ 1,\) = \(3,\)"):
        layers.convolution.adjoint_conv1d_input(np.ones(5), np.ones(3), np.ones(4))


def test_attention_is_stable_for_large_scores():
    # pytest turns warnings into errors: an overflow in exp would fail here
    Q, K = np.full((2, 4), 30.0), np.full((3, 4), 30.0) * np.array([[1], [-1], [0.5]])
    V = np.arange(3.0)[:, None] * np.ones((3, 5))
    out = layers.attention.attention(Q, K, V)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, 0.0, atol=1e-12)  # all the weight on the first key


# -- the generic checks of tests/test_identities.py, with the cotangent of a vjp kept out of
# -- the value's arguments (the layer's value does not take the upstream gradient)


def _value_arguments(identity, inputs):
    return {name: v for name, v in inputs.items() if name != identity.cotangent}


def _declared(identity):
    spec = shapes.dims_of(identity.value)
    return {**spec, **shapes.dims_of(identity.derivative)} if identity.kind == "vjp" else spec


@pytest.mark.parametrize("n", range(1, 7))
@pytest.mark.parametrize("identity", ENTRIES, ids=lambda identity: identity.id)
def test_distinct_dimensions_are_sampled_with_distinct_sizes(identity, n):
    inputs = identity.sample(np.random.default_rng(n), n)
    declared = _declared(identity)
    assert sorted(inputs) == sorted(declared)
    sizes: dict[str, int] = {}
    for name, dims in declared.items():
        shape = np.shape(inputs[name])
        assert len(shape) == len(dims), f"{name} has shape {shape}, declared {dims}"
        for dim, size in zip(dims, shape, strict=True):
            assert sizes.setdefault(dim, size) == size, f"{dim} of {name} at n={n}"
    assert len(set(sizes.values())) == len(sizes), f"{identity.id} at n={n}: {sizes}"
    if identity.kind == "vjp":  # the cotangent has the output's shape, the adjoint wrt's
        output = identity.value(**_value_arguments(identity, inputs))
        assert np.shape(inputs[identity.cotangent]) == np.shape(output)
        assert np.shape(identity.derivative(**inputs)) == np.shape(inputs[identity.wrt])


@pytest.mark.parametrize("scale", [1e3, 1e12])
@pytest.mark.parametrize("identity", ENTRIES, ids=lambda identity: identity.id)
def test_large_inputs_give_finite_values_without_warnings(identity, scale):
    inputs = identity.sample(np.random.default_rng(1), 4)
    inputs = {k: scale * v if isinstance(v, np.ndarray) else v for k, v in inputs.items()}
    arguments = _value_arguments(identity, inputs)
    stepped = {**arguments, identity.wrt: arguments[identity.wrt] + 1e-20j}  # the complex step
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        results = [
            identity.value(**arguments),
            identity.derivative(**inputs),
            identity.value(**stepped),
        ]
    for result in results:
        assert np.all(np.isfinite(result)), f"{identity.id}: {result}"


@pytest.mark.parametrize("identity", ENTRIES, ids=lambda identity: identity.id)
def test_non_finite_input_is_refused_naming_the_argument(identity):
    inputs = identity.sample(np.random.default_rng(0), 3)
    for function in ("value", "derivative"):
        for name, value in inputs.items():
            if not isinstance(value, np.ndarray) or (
                function == "value" and name == identity.cotangent
            ):
                continue
            bad = value.copy()
            bad.flat[-1] = np.nan
            arguments = {**inputs, name: bad}
            if function == "value":
                arguments = _value_arguments(identity, arguments)
            with pytest.raises(ValueError, match=rf"^`{name}` must be finite"):
                getattr(identity, function)(**arguments)
