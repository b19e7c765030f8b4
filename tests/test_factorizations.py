"""Independent checks of the factorizations family, beyond the catalog's own verification.

The catalog verifies each entry against its own value function (written-out Gram-Schmidt,
elimination, Cholesky recurrence, normal equations). Here those value functions are compared
with numpy's LAPACK routines, the samplers' assumptions are checked, each forward rule is
shown to be the transpose of its reverse rule, and the pseudo-inverse rules are compared with
central differences of numpy's SVD-based routines.
"""

import dataclasses

import numpy as np
import pytest

import gradref
from gradref.identities import factorizations as fz
from gradref.identities import leastsquares as lsq
from gradref.readback import readback

SIZES = (1, 2, 3, 5)


def _central(f, X, V, h=1e-6):
    return (f(X + h * V) - f(X - h * V)) / (2 * h)


@pytest.mark.parametrize("n", SIZES)
def test_gram_schmidt_qr_is_numpys_qr_with_a_positive_diagonal(n):
    A = fz._sample_qr_jacobian(np.random.default_rng(n), n)["A"]
    Q, R = fz._qr(A)
    q, r = np.linalg.qr(A)
    signs = np.sign(np.diag(r))
    np.testing.assert_allclose(Q, q * signs, atol=1e-12)
    np.testing.assert_allclose(R, signs[:, None] * r, atol=1e-12)
    assert np.all(np.diag(R) > 0)


def _partial_pivoting_rows(A):
    """The pivot row that partial pivoting picks at each step (its own elimination)."""
    A = A.copy()
    rows = []
    for k in range(A.shape[0] - 1):
        p = k + int(np.argmax(np.abs(A[k:, k])))
        rows.append(p)
        A[[k, p]] = A[[p, k]]
        A[k + 1 :, k:] -= np.outer(A[k + 1 :, k] / A[k, k], A[k, k:])
    return rows


@pytest.mark.parametrize("n", [2, 3, 5, 8])
def test_the_lu_sample_needs_no_row_exchange_and_is_factored(n):
    A = fz._sample_lu(np.random.default_rng(n), n)["A"]
    assert _partial_pivoting_rows(A) == list(range(n - 1))
    L, U = fz._lu_factors(A)
    np.testing.assert_allclose(L @ U, A, atol=1e-12)
    np.testing.assert_allclose(np.diag(L), 1.0)


@pytest.mark.parametrize("n", SIZES)
def test_the_vech_jacobian_is_its_closed_form_with_the_commutation_matrix(n):
    a = fz._sample_vech(np.random.default_rng(n), n)["a"]
    np.testing.assert_allclose(fz.jac_cholesky_vech(a), fz._jac_vech_closed_form(a), atol=1e-12)


def test_a_vech_of_the_wrong_length_is_named():
    with pytest.raises(ValueError, match="`a` must have length n"):
        fz.cholesky_vech(np.ones(4))


@pytest.mark.parametrize("n", SIZES)
def test_the_cholesky_solve_is_numpys_solve(n):
    inputs = fz._sample_cholesky_solve(np.random.default_rng(n), n)
    x = fz.cholesky_solve(inputs["A"], inputs["b"])
    np.testing.assert_allclose(x, np.linalg.solve(inputs["A"], inputs["b"]), rtol=1e-10)


@pytest.mark.parametrize(
    ("forward", "reverse", "cotangent"),
    [
        ("factorizations.cholesky-jvp", "adjoints.cholesky", "Lbar"),
        ("factorizations.qr-jvp", "factorizations.qr-backward", "Cbar"),
        ("factorizations.lu-jvp", "factorizations.lu-backward", "Cbar"),
        ("leastsquares.pinv-jvp", "leastsquares.pinv-backward", "Cbar"),
    ],
)
@pytest.mark.parametrize("n", [2, 4])
def test_each_forward_rule_is_the_transpose_of_its_reverse_rule(forward, reverse, cotangent, n):
    rng = np.random.default_rng(n)
    jvp, vjp = gradref.get(forward), gradref.get(reverse)
    inputs = vjp.sample(rng, n)
    A, Cbar = inputs["A"], inputs[cotangent]
    V = rng.standard_normal(A.shape)
    tangent = np.tensordot(jvp.derivative(A), V, axes=2)
    np.testing.assert_allclose(np.sum(Cbar * tangent), np.sum(vjp.derivative(**inputs) * V))


@pytest.mark.parametrize("n", SIZES)
def test_the_pseudo_inverse_rule_matches_differences_of_numpys_svd_pinv(n):
    rng = np.random.default_rng(n)
    A = lsq._sample_pinv_jacobian(rng, n)["A"]
    V = rng.standard_normal(A.shape)
    claimed = np.tensordot(lsq.jac_pseudo_inverse(A), V, axes=2)
    np.testing.assert_allclose(claimed, _central(np.linalg.pinv, A, V), atol=1e-7)


@pytest.mark.parametrize("n", SIZES)
def test_the_least_squares_adjoints_match_differences_of_numpys_lstsq(n):
    rng = np.random.default_rng(n)
    inputs = lsq._sample_lstsq(rng, n)
    A, b, xbar = inputs["A"], inputs["b"], inputs["xbar"]
    V, v = rng.standard_normal(A.shape), rng.standard_normal(b.shape)

    def solve(M, rhs):
        return xbar @ np.linalg.lstsq(M, rhs, rcond=None)[0]

    along_A = _central(lambda M: solve(M, b), A, V)
    along_b = _central(lambda r: solve(A, r), b, v)
    np.testing.assert_allclose(np.sum(lsq.adjoint_least_squares_matrix(**inputs) * V), along_A,
                               atol=1e-7)  # fmt: skip
    np.testing.assert_allclose(np.sum(lsq.adjoint_least_squares_rhs(**inputs) * v), along_b,
                               atol=1e-7)  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (r"L\,\Phi", r"L\,\operatorname{tril}"),  # the half diagonal lost
        (r"dL = L", r"dL = -L"),
        (r"L^{-1}\operatorname{sym}", r"L^{-\top}\operatorname{sym}"),
    ],
)
def test_a_wrong_forward_rule_fails_its_readback(old, new):
    entry = gradref.get("factorizations.cholesky-jvp")
    assert old in entry.formula
    wrong = dataclasses.replace(entry, formula=entry.formula.replace(old, new))
    result = next(r for r in readback(wrong) if r.field == "formula")
    assert result.status == "disagree"


def test_the_golub_pereyra_rule_without_its_rank_terms_fails_its_readback():
    entry = gradref.get("leastsquares.pinv-jvp")
    cut = entry.formula.index(r" + A^+(A^+)^\top")
    wrong = dataclasses.replace(entry, formula=entry.formula[:cut])
    result = next(r for r in readback(wrong) if r.field == "formula")
    assert result.status == "disagree"
