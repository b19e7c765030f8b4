"""Independent checks of the matrix-function entries where sympy stops at 1 x 1.

Each check computes the same derivative by a route the entry's code does not use: a
quadrature of the Fréchet derivative's integral form, the Daleckii-Krein form from an
eigendecomposition, the Sylvester equation's residual, or an exact sympy closed form.
"""

import numpy as np
import pytest

from gradref.identities import matfun

SIZES = (2, 3, 5)


def _rng(n):
    return np.random.default_rng(1000 + n)


def _gauss_legendre(integrand, nodes=40):
    """``int_0^1 integrand(s) ds`` by Gauss-Legendre quadrature (exact to rounding here)."""
    s, w = np.polynomial.legendre.leggauss(nodes)
    return sum(wk / 2 * integrand((sk + 1) / 2) for sk, wk in zip(s, w, strict=True))


def _apply(J, E):
    """The linear map of a Jacobian 4-tensor ``[k, l, i, j]`` applied to a direction E."""
    return np.tensordot(J, E, axes=2)


def _eig_function(A, f):
    w, V = np.linalg.eig(A)
    return ((V * f(w)) @ np.linalg.inv(V)).real


def _diagonalizable_frechet(A, E, f, df):
    """``V (F ∘ V^{-1} E V) V^{-1}`` with complex divided differences: any diagonalizable A."""
    w, V = np.linalg.eig(A.astype(complex))
    gaps = w[:, None] - w[None, :]
    np.fill_diagonal(gaps, 1.0)
    F = (f(w)[:, None] - f(w)[None, :]) / gaps
    np.fill_diagonal(F, df(w))
    Vinv = np.linalg.inv(V)
    return (V @ (F * (Vinv @ E @ V)) @ Vinv).real


@pytest.mark.parametrize("n", SIZES)
def test_the_values_agree_with_the_eigendecomposition(n):
    A = matfun._spd_with_gaps(_rng(n), n)
    np.testing.assert_allclose(matfun.matrix_sqrt(A), _eig_function(A, np.sqrt), atol=1e-12)
    np.testing.assert_allclose(matfun.matrix_log(A), _eig_function(A, np.log), atol=1e-11)
    np.testing.assert_allclose(
        matfun.matrix_fractional_power(A, 0.7), _eig_function(A, lambda w: w**0.7), atol=1e-11
    )
    B = matfun._positive_spectrum(_rng(n), n)
    np.testing.assert_allclose(matfun.matrix_sqrt(B), _eig_function(B, np.sqrt), atol=1e-11)
    np.testing.assert_allclose(matfun.matrix_sin(B), _eig_function(B, np.sin), atol=1e-11)


@pytest.mark.parametrize("n", SIZES)
def test_sqrtm_frechet_solves_the_sylvester_equation(n):
    rng = _rng(n)
    A = matfun._spd_with_gaps(rng, n)
    E = rng.standard_normal((n, n))
    S = matfun.matrix_sqrt(A)
    L = _apply(matfun.jac_matrix_sqrt(A), E)
    np.testing.assert_allclose(S @ L + L @ S, E, atol=1e-12)
    # Daleckii-Krein with F_ij = 1 / (sigma_i + sigma_j), from eigh
    lam, U = np.linalg.eigh(A)
    sigma = np.sqrt(lam)
    np.testing.assert_allclose(
        L, U @ ((U.T @ E @ U) / (sigma[:, None] + sigma[None, :])) @ U.T, atol=1e-12
    )


@pytest.mark.parametrize("n", SIZES)
def test_sqrtm_vjp_is_the_adjoint_of_the_forward_rule(n):
    rng = _rng(n)
    A = matfun._positive_spectrum(rng, n)
    Cbar, E = rng.standard_normal((2, n, n))
    Abar = matfun.adjoint_matrix_sqrt(A, Cbar)
    S = matfun.matrix_sqrt(A)
    np.testing.assert_allclose(S.T @ Abar + Abar @ S.T, Cbar, atol=1e-12)
    forward = _apply(matfun.jac_matrix_sqrt(A), E)  # S L + L S = E, at a non-symmetric A
    assert np.sum(Cbar * forward) == pytest.approx(np.sum(Abar * E), rel=1e-11)


def test_trace_sqrtm_matches_the_exact_2x2_closed_form():
    import sympy as sp

    a = sp.Matrix(2, 2, sp.symbols("a0:4", real=True))
    trace = matfun._sp_sqrt_2x2(a).trace()
    exact = sp.Matrix(2, 2, lambda i, j: sp.diff(trace, a[i, j]))
    rng = np.random.default_rng(7)
    for _ in range(3):
        A = matfun._positive_spectrum(rng, 2)
        point = dict(zip(a, A.ravel(), strict=True))
        expected = np.array(exact.subs(point).evalf(30), dtype=float)
        np.testing.assert_allclose(matfun.grad_trace_sqrtm(A), expected, rtol=1e-12)


@pytest.mark.parametrize("n", SIZES)
def test_expm_frechet_equals_the_integral_form(n):
    rng = _rng(n)
    A = rng.standard_normal((n, n)) / np.sqrt(n)
    E = rng.standard_normal((n, n))
    L = _apply(matfun.jac_matrix_exp(A), E)
    expm = matfun.matrix_exp
    integral = _gauss_legendre(lambda s: expm(s * A) @ E @ expm((1 - s) * A))
    np.testing.assert_allclose(L, integral, atol=1e-12)
    # at a symmetric A, the block formula and the Daleckii-Krein form agree
    S = matfun._symmetric_with_gaps(rng, n)
    np.testing.assert_allclose(
        _apply(matfun.jac_matrix_exp(S), E),
        _apply(matfun.jac_matrix_exp_symmetric(S), E),
        atol=1e-12,
    )


@pytest.mark.parametrize("n", SIZES)
def test_logm_frechet_equals_the_integral_form(n):
    rng = _rng(n)
    A = matfun._spd_with_gaps(rng, n)
    E = rng.standard_normal((n, n))
    eye = np.eye(n)

    def integrand(t):
        R = np.linalg.inv(t * (A - eye) + eye)
        return R @ E @ R

    L = _apply(matfun.jac_matrix_log(A), E)
    np.testing.assert_allclose(L, _gauss_legendre(integrand, nodes=80), atol=1e-10)
    # the trace gradient is the same map applied to B^T (it is self-adjoint at symmetric A)
    B = rng.standard_normal((n, n))
    G = matfun.grad_trace_b_logm(B, A)
    assert np.sum(G * E) == pytest.approx(np.trace(B @ L), rel=1e-11)


@pytest.mark.parametrize("n", SIZES)
def test_power_frechet_at_the_powers_with_known_derivatives(n):
    rng = _rng(n)
    A = matfun._spd_with_gaps(rng, n)
    E = rng.standard_normal((n, n))
    inv = np.linalg.inv(A)
    known = {
        2.0: A @ E + E @ A,
        -1.0: -inv @ E @ inv,
        0.5: _apply(matfun.jac_matrix_sqrt(A), E),
    }
    for p, expected in known.items():
        got = _apply(matfun.jac_matrix_fractional_power(A, p), E)
        np.testing.assert_allclose(got, expected, atol=1e-11)


@pytest.mark.parametrize("n", SIZES)
def test_sinm_vjp_is_the_adjoint_of_the_daleckii_krein_form(n):
    rng = _rng(n)
    A = rng.standard_normal((n, n)) / np.sqrt(n)  # diagonalizable almost surely
    Cbar, E = rng.standard_normal((2, n, n))
    forward = _diagonalizable_frechet(A, E, np.sin, np.cos)
    np.testing.assert_allclose(forward, matfun._block_frechet(matfun._sinm, A, E), atol=1e-10)
    Abar = matfun.adjoint_matrix_sin(A, Cbar)
    assert np.sum(Cbar * forward) == pytest.approx(np.sum(Abar * E), rel=1e-9)


def test_the_daleckii_krein_formulas_refuse_a_non_symmetric_matrix():
    A = np.array([[2.0, 1.0], [0.0, 3.0]])
    with pytest.raises(ValueError, match="`A` must be symmetric"):
        matfun.jac_matrix_log(A)
    with pytest.raises(ValueError, match="`A` must be symmetric"):
        matfun.grad_trace_b_logm(np.eye(2), A)


def test_a_bad_shape_is_named():
    with pytest.raises(ValueError, match="`A` must be square"):
        matfun.matrix_sqrt(np.ones((2, 3)))
    with pytest.raises(ValueError, match="`Cbar`"):
        matfun.adjoint_matrix_power4(np.eye(2), np.eye(3))
