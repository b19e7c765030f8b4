"""Cookbook section 2.5 (derivatives of traces, eqs. 99-128): accounted for and checked."""

import dataclasses

import numpy as np
import pytest

import gradref
from gradref.catalog import catalog, errata
from gradref.identities import traces
from gradref.verify import verify

RANGE = range(99, 129)
FAST = (1, 2, 3)


def _accounted():
    found: dict[int, list[str]] = {}
    for identity in catalog():
        for equation in identity.cookbook:
            if equation in RANGE:
                found.setdefault(equation, []).append(identity.id)
    for erratum in errata():
        for equation in erratum.equations:
            if equation in RANGE and erratum.source.startswith("Petersen"):
                found.setdefault(equation, []).append(erratum.id)
    for equation in traces.COOKBOOK_NOTES:
        found.setdefault(equation, []).append(f"note {equation}")
    return found


def _kind(target: str) -> str:
    if target.startswith("cookbook-2012-eq-"):
        return "erratum"
    return "note" if target.startswith("note") else "identity"


def test_every_equation_of_section_2_5_is_accounted_for_once():
    found = _accounted()
    assert sorted(found) == list(RANGE)
    for equation, targets in found.items():  # one kind of account per equation
        kinds = {_kind(target) for target in targets}
        assert len(kinds) == 1, (equation, targets)
    # Two forms on one line are two identities of the same equation.
    assert sorted(found[115]) == ["traces.xtx", "traces.xxt"]
    assert sorted(found[120]) == ["traces.kron-xx", "traces.trace-squared"]
    assert found[127] == ["cookbook-2012-eq-127"]


def test_the_section_has_its_identities():
    ids = [i.id for i in catalog() if i.family == "traces"]
    assert len(ids) >= 32
    assert "traces.axb" in ids


@pytest.mark.parametrize(
    "identity_id",
    [
        "traces.axtb",
        "traces.kron-ax",
        "traces.xtbx",
        "traces.axbx",
        "traces.axinvb",
        "traces.inv-congruence",
        "traces.inv-ratio",
        "traces.sin",
        "traces.exp",
    ],
)
def test_identity_verifies(identity_id):
    result = verify(gradref.get(identity_id), rng=1, dims=FAST)
    assert result.passed, result.report()


def test_eq_127_as_printed_fails_for_general_A_and_holds_for_symmetric_A():
    identity = gradref.get("traces.inv-shifted-ratio")
    printed = dataclasses.replace(
        identity, derivative=traces.inverses.printed_grad_trace_inv_shifted_ratio
    )
    assert verify(printed, rng=0, dims=FAST).verdict == "failed"

    def with_symmetric_a(rng, n):
        inputs = identity.sample(rng, n)
        return {**inputs, "A": (inputs["A"] + inputs["A"].T) / 2}

    symmetric_a = dataclasses.replace(printed, sample=with_symmetric_a)
    assert verify(symmetric_a, rng=0, dims=FAST).passed
    assert verify(identity, rng=0, dims=FAST).passed


def test_eq_125_needs_no_symmetric_A():
    # A is drawn general: the formula's A + A^T carries the asymmetry.
    identity = gradref.get("traces.inv-congruence")
    assert identity.structure == {"C": "symmetric"}
    assert verify(identity, rng=3, dims=FAST).passed


def test_eq_124_two_printed_forms_agree():
    rng = np.random.default_rng(0)
    A, X, B = (
        rng.standard_normal((3, 4)),
        rng.standard_normal((4, 4)) + 4 * np.eye(4),
        rng.standard_normal((4, 3)),
    )
    Xi = np.linalg.inv(X)
    np.testing.assert_allclose(-(Xi @ B @ A @ Xi).T, -Xi.T @ A.T @ B.T @ Xi.T, rtol=1e-12)


def test_eq_122_at_k_3_agrees_with_eq_121_when_A_is_the_identity():
    X = np.random.default_rng(2).standard_normal((4, 4))
    np.testing.assert_allclose(
        traces.cubic_quartic.grad_trace_ax3(np.eye(4), X),
        traces.cubic_quartic.grad_trace_cube(X),
        rtol=1e-12,
    )


def test_power_series_agree_with_the_eigendecomposition():
    rng = np.random.default_rng(4)
    S = rng.standard_normal((4, 4))
    X = (S + S.T) / 4  # symmetric: sin and exp act on the eigenvalues
    w, Q = np.linalg.eigh(X)
    assert traces.functions.trace_sin(X) == pytest.approx(np.sin(w).sum(), rel=1e-13)
    assert traces.functions.trace_exp(X) == pytest.approx(np.exp(w).sum(), rel=1e-13)
    np.testing.assert_allclose(
        traces.functions.grad_trace_sin(X), Q @ np.diag(np.cos(w)) @ Q.T, atol=1e-13
    )


def test_general_rule_holds_for_a_cubic_and_for_exp():
    # d tr F(X) / dX = f(X)^T (Cookbook 2.5, unnumbered): F = x^3 and F = exp.
    for identity_id in ("traces.power3", "traces.exp"):
        assert verify(gradref.get(identity_id), rng=5, dims=FAST).passed


def test_hessian_tensor_matches_an_einsum():
    rng = np.random.default_rng(6)
    X, B = rng.standard_normal((3, 2)), rng.standard_normal((3, 3))
    expected = np.einsum("ik,lj->ijkl", B + B.T, np.eye(2))
    np.testing.assert_allclose(traces.quadratic.hessian_trace_xtbx(X, B), expected)


def test_a_wrong_printed_transcription_would_be_caught():
    identity = gradref.get("traces.inv-congruence")
    as_if_A_symmetric = identity.mistakes[0].derivative
    wrong = dataclasses.replace(identity, derivative=as_if_A_symmetric)
    assert verify(wrong, rng=0, dims=FAST).verdict == "failed"


#: Eqs. 125-127 are printed for symmetric B and C; their general forms (B, C arbitrary,
#: X rectangular), as sympy's tests of the Cookbook's examples assert them.
GENERAL_FORMS = {
    125: ("traces.inv-congruence-general", traces.inverses.grad_trace_inv_congruence),
    126: ("traces.inv-ratio-general", traces.inverses.grad_trace_inv_ratio),
    127: ("traces.inv-shifted-ratio-general", traces.inverses.grad_trace_inv_shifted_ratio),
}


@pytest.mark.parametrize("equation", sorted(GENERAL_FORMS))
def test_eqs_125_to_127_have_general_forms_for_non_symmetric_b_and_c(equation):
    identity_id, symmetric_form = GENERAL_FORMS[equation]
    identity = gradref.get(identity_id)
    inputs = identity.sample(np.random.default_rng(0), 2)
    assert inputs["X"].shape[0] != inputs["X"].shape[1]
    for name in {"B", "C"} & set(inputs):
        assert not np.allclose(inputs[name], inputs[name].T), name
    assert verify(identity, rng=0, dims=FAST).passed
    # The symmetric-case form (kept, as its own identity) fails once B or C is not symmetric.
    as_if_symmetric = dataclasses.replace(identity, derivative=symmetric_form)
    assert verify(as_if_symmetric, rng=0, dims=FAST).verdict == "failed"
