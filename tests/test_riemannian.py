"""Riemannian gradients: independent checks of the family's entries.

The catalog verifies each gradient as the derivative of ``f(R_X(ξ))`` at ``ξ = 0`` in a
direction ``ξ`` mapped to the metric's representative. These tests check what that rests
on by other routes: the claimed gradients are tangent; they pair with tangent directions
through the metric as the definition says (central differences of ``f`` along the
retraction, no direction map); the canonical direction map represents the Frobenius
pairing under the canonical metric; the SPD entries exactly along the retraction itself at
2 x 2 and 3 x 3 rational points; and the Euclidean gradient (the mistake) fails.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp

import gradref
from gradref.identities import riemannian as rm

GRADIENTS = [
    "riemannian.sphere-rayleigh",
    "riemannian.stiefel-embedded",
    "riemannian.stiefel-canonical",
    "riemannian.orthogonal-procrustes",
    "riemannian.spd-affine-invariant",
    "riemannian.spd-gaussian-covariance",
]
SIZES = [1, 2, 3, 5]


def _point(inputs):
    return next(v for k, v in inputs.items() if k in ("x", "X", "Q", "Sigma"))


def _tangency_defect(identity_id, point, gradient):
    """How far ``gradient`` is from the tangent space at ``point`` (0 for a tangent vector)."""
    if identity_id.startswith("riemannian.sphere"):
        return abs(point @ gradient)
    if identity_id.startswith("riemannian.spd"):
        return np.linalg.norm(gradient - gradient.T)
    M = point.T @ gradient
    return np.linalg.norm(M + M.T)  # Stiefel and O(n): X^T ξ skew


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("identity_id", GRADIENTS)
def test_the_riemannian_gradient_is_tangent(identity_id, n):
    identity = gradref.get(identity_id)
    inputs = identity.sample(np.random.default_rng(n), n)
    gradient = identity.derivative(**inputs)
    scale = np.linalg.norm(gradient) + 1.0
    assert _tangency_defect(identity_id, _point(inputs), gradient) < 1e-12 * scale


def _euclidean_gradient(identity_id):
    """The Euclidean gradient of each entry's f, with the entry's arguments: the mistake."""
    return {
        "riemannian.sphere-rayleigh": lambda x, xi, A: 2 * A @ x,
        "riemannian.stiefel-embedded": lambda X, Xi, A, N: 2 * A @ X @ N,
        "riemannian.stiefel-canonical": lambda X, Xi, A, N: 2 * A @ X @ N,
        "riemannian.orthogonal-procrustes": lambda Q, Xi, B: B.copy(),
        "riemannian.spd-affine-invariant": lambda X, Xi, A: rm._sym(A) - np.linalg.inv(X),
        "riemannian.spd-gaussian-covariance": lambda Sigma, Xi, S: (
            np.linalg.inv(Sigma) - np.linalg.inv(Sigma) @ rm._sym(S) @ np.linalg.inv(Sigma)
        ),
    }[identity_id]


@pytest.mark.parametrize("identity_id", GRADIENTS)
def test_the_euclidean_gradient_fails_where_the_riemannian_one_passes(identity_id):
    identity = gradref.get(identity_id)
    assert gradref.verify(identity, rng=0)
    wrong = dataclasses.replace(identity, derivative=_euclidean_gradient(identity_id))
    assert gradref.verify(wrong, rng=0).verdict == "failed"


def _central(f, h=1e-6):
    return (f(h) - f(-h)) / (2 * h)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_canonical_gradient_pairs_with_tangent_directions_through_the_canonical_metric(n):
    """d/dt f(R_X(t η)) = tr(Γ^T (I - X X^T / 2) η) for tangent η, with no direction map."""
    rng = np.random.default_rng(n)
    inputs = rm._sample_stiefel(rng, n)
    X, A, N = inputs["X"], inputs["A"], inputs["N"]
    gamma = rm.stiefel_gradient_canonical(**inputs)
    for _ in range(3):
        eta = rm._project_stiefel(X, rng.standard_normal(X.shape))
        slope = _central(lambda t, eta=eta: rm._brockett(rm._polar(X + t * eta), A, N))
        metric = np.sum(gamma * (eta - X @ (X.T @ eta) / 2))
        assert slope == pytest.approx(metric, rel=1e-7, abs=1e-9)
        # ... and the embedded gradient pairs so through the Euclidean metric only
        embedded = rm.stiefel_gradient_embedded(**inputs)
        assert slope == pytest.approx(np.sum(embedded * eta), rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_the_canonical_direction_represents_the_frobenius_pairing(n):
    """ξ = (I + X X^T) P_X(Ξ) is tangent, equals Ξ - X Ξ^T X, and g_c(ξ, η) = <Ξ, η>."""
    rng = np.random.default_rng(n)
    X = rm._sample_stiefel(rng, n)["X"]
    Xi = rng.standard_normal(X.shape)
    xi = rm._project_stiefel(X, Xi) + X @ (X.T @ rm._project_stiefel(X, Xi))
    np.testing.assert_allclose(xi, Xi - X @ Xi.T @ X, atol=1e-12)
    assert _tangency_defect("riemannian.stiefel", X, xi) < 1e-12
    for _ in range(3):
        eta = rm._project_stiefel(X, rng.standard_normal(X.shape))
        canonical = np.sum(xi * (eta - X @ (X.T @ eta) / 2))
        assert canonical == pytest.approx(np.sum(Xi * eta), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_spd_gradient_pairs_through_the_affine_invariant_metric(n):
    """d/dt f(X + t η) = tr(X^{-1} Γ X^{-1} η) for symmetric η (X + t η is a retraction)."""
    rng = np.random.default_rng(n)
    inputs = rm._sample_spd(rng, n)
    X, A = inputs["X"], inputs["A"]
    gamma = rm.spd_gradient_affine_invariant(**inputs)
    eta = rm._sym(rng.standard_normal((n, n)))
    slope = _central(lambda t: rm._trace_minus_logdet(X + t * eta, A))
    metric = np.trace(np.linalg.solve(X, gamma) @ np.linalg.solve(X, eta))
    assert slope == pytest.approx(metric, rel=1e-7)


def _rational_spd(n, seed):
    generator = np.random.default_rng(seed)
    B = sp.Matrix(n, n, lambda i, j: sp.Rational(int(generator.integers(-5, 6)), 4))
    return B * B.T + sp.eye(n)


def _rational(n, seed):
    generator = np.random.default_rng(seed)
    return sp.Matrix(n, n, lambda i, j: sp.Rational(int(generator.integers(-9, 10)), 7))


def _exact_gradient_along_retraction(point, f, n):
    """∇_Ξ f(R_X(X sym(Ξ) X)) at Ξ = 0, exactly, with the second-order retraction: entry
    (i, j) is d/dt f(R_X(X sym(t E_ij) X)) at t = 0 (one symbol, so sympy stays fast)."""
    t = sp.Symbol("t", real=True)
    inverse = point.inv()
    gradient = sp.zeros(n, n)
    for i in range(n):
        for j in range(n):
            E = sp.zeros(n, n)
            E[i, j] = t
            tangent = point * (E + E.T) / 2 * point
            retracted = point + tangent + tangent * inverse * tangent / 2
            gradient[i, j] = sp.diff(f(retracted), t).subs(t, 0)
    return gradient


@pytest.mark.parametrize("n", [2, 3])
def test_spd_affine_invariant_exactly_along_the_retraction(n):
    X, A = _rational_spd(n, n), _rational(n, n + 10)
    exact = _exact_gradient_along_retraction(X, lambda Y: (A * Y).trace() - sp.log(Y.det()), n)
    claimed = X * (A + A.T) / 2 * X - X
    assert sp.simplify(exact - claimed) == sp.zeros(n, n)


@pytest.mark.parametrize("n", [2, 3])
def test_spd_gaussian_covariance_exactly_along_the_retraction(n):
    Sigma, S = _rational_spd(n, n + 20), _rational(n, n + 30)
    exact = _exact_gradient_along_retraction(
        Sigma, lambda Y: sp.log(Y.det()) + (S * Y.inv()).trace(), n
    )
    claimed = Sigma - (S + S.T) / 2
    assert sp.simplify(exact - claimed) == sp.zeros(n, n)


@pytest.mark.parametrize("n", [2, 4])
def test_sphere_hessian_is_the_second_derivative_along_geodesics(n):
    """At a point x with tangent unit ξ, f(cos t x + sin t ξ) has second derivative
    ⟨Hess f(x)[ξ], ξ⟩ at 0 (the second-order characterisation, independent of the code)."""
    rng = np.random.default_rng(n)
    inputs = rm._sample_sphere(rng, n)
    x, A = inputs["x"], inputs["A"]
    xi = rng.standard_normal(x.size)
    xi -= x * (x @ xi)
    xi /= np.linalg.norm(xi)
    H = rm.riemannian_hessian_rayleigh(**inputs)

    def f(t):
        y = np.cos(t) * x + np.sin(t) * xi
        return y @ A @ y

    h = 1e-4
    second = (f(h) - 2 * f(0.0) + f(-h)) / h**2
    assert second == pytest.approx(xi @ H @ xi, rel=1e-5, abs=1e-6)
    assert np.allclose(H @ x, 0)
    assert np.allclose(H, H.T)


def test_the_orthogonal_gradient_is_the_stiefel_gradient_at_p_equal_n():
    rng = np.random.default_rng(0)
    inputs = rm._sample_orthogonal(rng, 3)
    Q, B = inputs["Q"], inputs["B"]
    np.testing.assert_allclose(
        rm.orthogonal_gradient(**inputs), rm._project_stiefel(Q, B), atol=1e-12
    )
