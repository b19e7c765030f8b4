"""Cookbook eqs. 59-68 (inverses, eigenvalues) and 346-348, 390-396 (Gaussians)."""

import dataclasses

import numpy as np
import pytest

import gradref
from gradref.catalog import catalog, errata
from gradref.identities import eigenvalues, gaussian, inverses

RANGE = (*range(59, 69), *range(346, 349), *range(390, 397))
FAMILIES = {"inverses", "eigenvalues", "gaussian"}
OURS = [i for i in catalog() if i.family in FAMILIES]


def test_every_equation_of_the_range_is_accounted_for_exactly_once():
    seen: dict[int, list[str]] = {}
    for identity in OURS:
        for equation in identity.cookbook:
            seen.setdefault(equation, []).append(identity.id)
    for erratum in errata():
        for equation in erratum.equations:
            if equation in RANGE:
                seen.setdefault(equation, []).append(erratum.id)
    notes = {**inverses.__dict__.get("COOKBOOK_NOTES", {}), **gaussian.COOKBOOK_NOTES}
    notes.update(eigenvalues.__dict__.get("COOKBOOK_NOTES", {}))
    for equation in notes:
        assert equation not in seen, f"eq. {equation} has a note and an identity"
    accounted = set(seen) | set(notes)
    assert accounted == set(RANGE), sorted(set(RANGE) ^ accounted)
    # an equation may be verified by several identities (67: largest and smallest eigenvalue)
    assert all(len(ids) == len(set(ids)) for ids in seen.values())


def test_notes_checks_are_at_rounding_level():
    for equation, note in gaussian.COOKBOOK_NOTES.items():
        if note.check is not None:
            assert note.check(np.random.default_rng(equation)) < 1e-12


def test_identity_count():
    assert len(OURS) >= 20


@pytest.mark.parametrize("identity", OURS, ids=[i.id for i in OURS])
def test_verifies_at_several_seeds(identity):
    for seed in range(3):
        assert gradref.verify(identity, rng=seed).passed


def test_eigenvalue_gradient_also_holds_without_symmetrising_at_a_symmetric_point():
    # At a symmetric A the left and right eigenvectors agree, so v v^T is the unconstrained
    # gradient of the largest eigenvalue of A itself (eig, no symmetric part), in any direction.
    rng = np.random.default_rng(0)
    for n in (2, 3, 5):
        B = rng.standard_normal((n, n))
        A = (B + B.T) / 2
        lam, V = np.linalg.eig(A)
        v = V[:, np.argmax(lam.real)]
        G = np.outer(v, v) / (v @ v)
        E = rng.standard_normal((n, n))  # not symmetric
        h = 1e-20
        stepped = np.linalg.eigvals(A + 1j * h * E)
        derivative = stepped[np.argmax(stepped.real)].imag / h
        assert abs(derivative - np.sum(G * E)) < 1e-10 * max(1.0, abs(derivative))


def test_eigenpair_formulas_hold_at_larger_n():
    # The catalog checks eqs. (67), (68) at n = 2 (sympy's closed form); the numpy helpers
    # are written for any n: check the gradient and the eigenvector Jacobian at n = 5.
    rng = np.random.default_rng(1)
    B = rng.standard_normal((5, 5))
    A = (B + B.T) / 2
    lam, v, S = eigenvalues._eigenpair(A, 0)
    P = eigenvalues._pseudo_inverse_gap(lam, S)
    E = rng.standard_normal((5, 5))
    E = (E + E.T) / 2
    h = 1e-6
    plus, minus = eigenvalues._eigenpair(A + h * E, 0), eigenvalues._eigenpair(A - h * E, 0)
    d_lam = (plus[0] - minus[0]).real / (2 * h)
    d_v = (plus[1] - minus[1]).real / (2 * h)
    assert abs(d_lam - v @ E @ v) < 1e-7
    np.testing.assert_allclose(d_v, P @ E @ v, atol=1e-7)


def test_inverse_identities_hold_at_larger_n():
    # An independent complex-step check at n = 5, with A (4 x 5) and B (5 x 4) not square.
    rng = np.random.default_rng(2)
    n = 5
    X = np.eye(n) * 3 + rng.standard_normal((n, n))
    A, B = rng.standard_normal((4, n)), rng.standard_normal((n, 4))
    E = rng.standard_normal((n, n))
    h = 1e-20

    def f(Y):
        return np.trace(A @ np.linalg.inv(Y) @ B)

    W = np.linalg.inv(X)
    claimed = -(W @ B @ A @ W).T
    assert abs(f(X + 1j * h * E).imag / h - np.sum(claimed * E)) < 1e-10


def test_a_printed_transpose_dropped_is_caught():
    identity = gradref.get("inverses.trace-a-inverse-b")
    wrong = dataclasses.replace(
        identity, derivative=lambda A, X, B: -np.linalg.inv(X) @ B @ A @ np.linalg.inv(X)
    )
    assert gradref.verify(wrong, rng=0).verdict == "failed"


def test_mixture_log_density_does_not_underflow():
    s, z = np.full(2, 60.0), np.zeros(2)
    value = gaussian.mixture_log_density(s, np.array([0.3, 0.7]), z, np.eye(2), z, np.eye(2))
    assert np.isfinite(value)
    assert value < -3000


@pytest.mark.parametrize("d", [2, 3])
def test_mixture_covariance_gradient_holds_in_higher_dimension(d):
    # Eq. (396) is declared in d = 1 for sympy's sake; the numpy code is the same in any d.
    rng = np.random.default_rng(d)
    s, mu1, mu2 = (rng.standard_normal(d) for _ in range(3))
    B1, B2 = rng.standard_normal((d, d)), rng.standard_normal((d, d))
    Sigma1, Sigma2 = B1 @ B1.T / d + np.eye(d), B2 @ B2.T / d + np.eye(d)
    rho = np.array([0.4, 0.6])
    helper = gaussian._responsibility_and_log_density
    gamma = helper(s, rho, mu1, Sigma1, mu2, Sigma2)[0]
    P = np.linalg.inv(Sigma1)
    u = P @ (s - mu1)
    claimed = gamma * (-P + np.outer(u, u)) / 2
    E = rng.standard_normal((d, d))  # any direction: the unconstrained gradient
    h = 1e-20
    stepped = helper(s, rho, mu1, Sigma1 + 1j * h * E, mu2, Sigma2)[1]
    assert abs(stepped.imag / h - np.sum(claimed * E)) < 1e-10


@pytest.mark.parametrize(
    "identity_id",
    ["inverses.bilinear", "inverses.trace-a-inverse-b", "inverses.trace-inverse-of-sum"],
)
def test_general_formulas_are_checked_at_several_sizes(identity_id):
    # Their formulas hold at any size: the reference code must run, and verify, at several.
    identity = gradref.get(identity_id)
    assert not identity.fixed_dimension
    assert gradref.verify(identity, rng=4, dims=(2, 4, 6)).passed
