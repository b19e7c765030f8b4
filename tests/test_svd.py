"""Singular values and the SVD: independent checks of the family's entries.

The catalog checks each entry exactly at 2 x 1 (the only size where sympy has the SVD) and
numerically against central differences of ``numpy.linalg.svd``. These tests check the same
formulas by routes that do not use an SVD at all: the eigenvectors of ``A^T A``
(``numpy.linalg.eigh``), the polar factor, the pseudo-inverse.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import gradref
from gradref.identities import svd
from gradref.readback import readback

SIZES = [2, 3, 4, 6]


def _gram_eigenpairs(A):
    """σ (descending) and the right singular vectors from eigh(A^T A), no SVD."""
    lam, W = np.linalg.eigh(A.T @ A)
    return np.sqrt(lam[::-1]), W[:, ::-1]


@pytest.mark.parametrize("n", SIZES)
def test_singular_value_gradients_against_the_eigenvectors_of_the_gram_matrix(n):
    """d(σ_i^2) = d λ_i(A^T A) = <2 A w_i w_i^T, dA>, so ∂σ_i/∂A = A w_i w_i^T / σ_i."""
    rng = np.random.default_rng(n)
    A = svd._sample_tall(rng, n)["A"]
    s, W = _gram_eigenpairs(A)
    J = svd.jac_singular_values(A)
    for i in range(n):
        expected = A @ np.outer(W[:, i], W[:, i]) / s[i]
        np.testing.assert_allclose(J[i], expected, atol=1e-10)
    np.testing.assert_allclose(svd.grad_spectral_norm(A), J[0], atol=1e-12)
    np.testing.assert_allclose(svd.grad_smallest_singular_value(A), J[-1], atol=1e-12)
    for k in (1, 2, n):
        expected = sum(A @ np.outer(W[:, i], W[:, i]) / s[i] for i in range(min(k, n)))
        np.testing.assert_allclose(svd.grad_ky_fan_norm(A, k), expected, atol=1e-10)


@pytest.mark.parametrize("n", SIZES)
def test_nuclear_norm_gradient_is_the_polar_factor(n):
    """U V^T = A (A^T A)^{-1/2}, the inverse square root taken through eigh."""
    A = svd._sample_tall(np.random.default_rng(10 + n), n)["A"]
    lam, W = np.linalg.eigh(A.T @ A)
    polar = A @ (W / np.sqrt(lam)) @ W.T
    np.testing.assert_allclose(svd.grad_nuclear_norm(A), polar, atol=1e-10)


@pytest.mark.parametrize("n", SIZES)
def test_nuclear_norm_of_a_product_is_the_polar_factor_of_the_product_times_a_transposed(n):
    """∇_X ||XA||_* = Y (Y^T Y)^{-1/2} A^T with Y = X A, no SVD; A on the left, or not
    transposed, or dropped, is not it."""
    inputs = svd._sample_product(np.random.default_rng(20 + n), n)
    X, A = inputs["X"], inputs["A"]
    Y = X @ A
    lam, W = np.linalg.eigh(Y.T @ Y)
    expected = Y @ (W / np.sqrt(lam)) @ W.T @ A.T
    claimed = svd.grad_nuclear_norm_product(X, A)
    np.testing.assert_allclose(claimed, expected, atol=1e-10)
    assert not np.allclose(svd.grad_nuclear_norm(X), expected, atol=1e-6)  # A dropped
    assert not np.allclose(claimed, Y @ (W / np.sqrt(lam)) @ W.T @ A[::-1].T, atol=1e-6)


@pytest.mark.parametrize("n", SIZES)
def test_log_singular_values_gradient_is_the_transposed_pseudo_inverse(n):
    A = svd._sample_tall(np.random.default_rng(20 + n), n)["A"]
    np.testing.assert_allclose(svd.grad_log_singular_values(A), np.linalg.pinv(A).T, atol=1e-10)
    sign, logdet = np.linalg.slogdet(A.T @ A)
    assert sign > 0
    assert np.isclose(svd.log_singular_values(A), logdet / 2)


def test_samplers_keep_distinct_well_separated_singular_values():
    rng = np.random.default_rng(0)
    for n in range(1, 9):
        for sample in (
            svd._sample_tall,
            svd._sample_recombination,
            svd._sample_projector,
            svd._sample_truncated,
        ):
            A = sample(rng, n)["A"]
            s = np.linalg.svd(A, compute_uv=False)
            assert A.shape[0] > A.shape[1]
            assert s[-1] >= 0.75 - 1e-12
            assert np.all(-np.diff(s) >= 0.5 - 1e-12)


def test_the_svd_where_line_is_read_and_a_transposed_formula_fails():
    identity = gradref.get("svd.spectral-norm")
    assert {r.field: r.status for r in readback(identity)}["formula"] == "agree"
    wrong = dataclasses.replace(identity, formula=r"\nabla_A \|A\|_2 = v_1 u_1^\top")
    assert {r.field: r.status for r in readback(wrong)}["formula"] == "disagree"
    wrong = dataclasses.replace(identity, formula=r"\nabla_A \|A\|_2 = u_2 v_2^\top")
    assert {r.field: r.status for r in readback(wrong)}["formula"] == "disagree"


def test_a_complex_argument_gives_a_real_result_so_the_checker_uses_central_differences():
    A = svd._sample_tall(np.random.default_rng(1), 3)["A"]
    value = svd.singular_values(A + 1e-20j)
    assert not np.iscomplexobj(value)
    np.testing.assert_array_equal(value, svd.singular_values(A))


def _sign_fixed_svd(A):
    """numpy's thin SVD with each v_i's largest entry made positive (u_i flipped with it):
    a smooth choice of signs near A, so that U and V themselves are differentiable."""
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    V = Vt.T
    signs = np.sign(V[np.argmax(np.abs(V), axis=0), np.arange(V.shape[1])])
    return U * signs, s, V * signs


@pytest.mark.parametrize("n", SIZES)
def test_the_thin_svd_rule_for_arbitrary_upstream_gradients(n):
    """For any (Ū, σ̄, V̄), not only gauge-invariant ones, the rule is the gradient of
    <Ū, U> + <σ̄, σ> + <V̄, V> for sign-fixed factors: checked by central differences."""
    rng = np.random.default_rng(30 + n)
    A = svd._sample_tall(rng, n)["A"]
    Ubar, sbar, Vbar = (rng.standard_normal(shape) for shape in ((n + 1, n), (n,), (n, n)))

    def f(X):
        U, s, V = _sign_fixed_svd(X)
        return np.sum(Ubar * U) + sbar @ s + np.sum(Vbar * V)

    h = 1e-6
    numeric = np.zeros_like(A)
    for index in np.ndindex(A.shape):
        E = np.zeros_like(A)
        E[index] = h
        numeric[index] = (f(A + E) - f(A - E)) / (2 * h)
    claimed = svd._svd_adjoint(*_sign_fixed_svd(A), Ubar, sbar, Vbar)
    np.testing.assert_allclose(claimed, numeric, atol=1e-7 * max(1.0, np.abs(numeric).max()))
    missing = svd._svd_adjoint(*_sign_fixed_svd(A), Ubar, sbar, Vbar, complement=False)
    assert np.abs(missing - numeric).max() > 1e-3  # the (I - U U^T) term matters


@pytest.mark.parametrize("n", [3, 4, 6])
def test_the_truncated_rule_is_the_thin_svd_rule_at_the_truncated_upstream_gradients(n):
    rng = np.random.default_rng(40 + n)
    A = svd._sample_tall(rng, n)["A"]
    Cbar = rng.standard_normal(A.shape)
    for k in (1, 2, n - 1):
        U, s, V = svd._svd(A)
        keep = (np.arange(n) < k).astype(float)
        Ubar = (Cbar @ V) * (s * keep)
        sbar = np.diag(U.T @ Cbar @ V) * keep
        Vbar = (Cbar.T @ U) * (s * keep)
        expected = svd._svd_adjoint(U, s, V, Ubar, sbar, Vbar)
        np.testing.assert_allclose(svd.adjoint_truncated_svd(A, Cbar, k), expected, atol=1e-10)


def test_the_gauge_invariant_adjoints_do_not_depend_on_the_signs_of_the_singular_vectors():
    rng = np.random.default_rng(7)
    A = svd._sample_tall(rng, 4)["A"]
    c, Cbar = rng.standard_normal(4), rng.standard_normal(A.shape)
    U, s, V = svd._svd(A)
    flips = np.array([1.0, -1.0, -1.0, 1.0])
    for Uf, Vf in ((U, V), (U * flips, V * flips)):
        Ubar, Vbar = (Cbar @ Vf) * c, (Cbar.T @ Uf) * c
        got = svd._svd_adjoint(Uf, s, Vf, Ubar, np.zeros(4), Vbar)
        np.testing.assert_allclose(got, svd.adjoint_svd_recombination(A, c, Cbar), atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_singular_value_gradients_at_2x2_against_sympy_closed_form(seed):
    """A square case, exactly: σ_{1,2}^2 = (t ± sqrt(t^2 - 4 d^2)) / 2 with t = ||A||_F^2 and
    d = det A; sympy differentiates the closed form and evaluates it at a rational point."""
    import sympy as sp

    rng = np.random.default_rng(seed)
    point = rng.integers(-9, 10, size=(2, 2))
    while abs(np.linalg.det(point)) < 1 or len(set(np.linalg.svd(point)[1].round(6))) < 2:
        point = rng.integers(-9, 10, size=(2, 2))
    X = sp.Matrix(2, 2, sp.symbols("a b c d", real=True))
    t, d = sum(x**2 for x in X), X.det()
    root = sp.sqrt(t**2 - 4 * d**2)
    sigma = [sp.sqrt((t + root) / 2), sp.sqrt((t - root) / 2)]
    values = dict(zip(X, (sp.Integer(int(v)) for v in point.ravel()), strict=True))
    A = point.astype(float)
    J = svd.jac_singular_values(A)
    for i in range(2):
        exact = np.array(
            [[float(sp.diff(sigma[i], x).subs(values)) for x in X.row(r)] for r in (0, 1)]
        )
        np.testing.assert_allclose(J[i], exact, atol=1e-12)
    np.testing.assert_allclose(svd.grad_spectral_norm(A), J[0], atol=1e-12)
    np.testing.assert_allclose(svd.grad_nuclear_norm(A), J[0] + J[1], atol=1e-12)
