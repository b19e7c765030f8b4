"""The forms family: the independent check of the row-space projection entries, whose exact
sympy check stops at m = 1, and the samplers' guarantees."""

import numpy as np
import pytest

import gradref
from gradref.identities import forms

SIZES = [(1, 3), (2, 3), (2, 5), (3, 4), (4, 7)]


def _projector_derivative(A, E):
    """``dP`` of ``P = A^+ A`` in the direction ``E``, from an SVD (Golub & Pereyra 1973).

    With ``M = A^T`` (full column rank), ``dP = P_perp dM M^+ + (P_perp dM M^+)^T``, and
    ``M^+ = (A^+)^T``: no ``(A A^T)^{-1}`` anywhere, so it shares no code with the entries.
    """
    _, _, Vt = np.linalg.svd(A, full_matrices=False)
    P = Vt.T @ Vt
    Aplus = np.linalg.pinv(A)
    perp = np.eye(A.shape[1]) - P
    return perp @ E.T @ Aplus.T + Aplus @ E @ perp


@pytest.mark.parametrize(("m", "n"), SIZES)
@pytest.mark.parametrize("seed", range(3))
def test_row_space_gradients_match_the_svd_projector_derivative(m, n, seed):
    rng = np.random.default_rng(seed)
    A, x = rng.standard_normal((m, n)), rng.standard_normal(n)
    for _ in range(3):
        E = rng.standard_normal((m, n))
        expected = x @ _projector_derivative(A, E) @ x
        assert np.sum(forms.grad_row_space_form(A, x) * E) == pytest.approx(expected, rel=1e-9)
        assert np.sum(forms.grad_row_space_residual(A, x) * E) == pytest.approx(-expected, rel=1e-9)


@pytest.mark.parametrize(("m", "n"), SIZES[1:])
def test_the_independent_check_rejects_the_missing_inverse_term(m, n):
    # the check can fail: 2 w x^T, with (A A^T)^{-1} held constant, disagrees with it
    rng = np.random.default_rng(7)
    A, x, E = rng.standard_normal((m, n)), rng.standard_normal(n), rng.standard_normal((m, n))
    wrong = gradref.get("forms.row-space-projection").mistakes[0].derivative(A, x)
    assert np.sum(wrong * E) != pytest.approx(x @ _projector_derivative(A, E) @ x, rel=1e-3)


def test_tall_and_wide_are_checked_with_the_argument_named():
    with pytest.raises(ValueError, match=r"`X` must be tall \(m x k with m >= k\); got shape"):
        forms.logdet_xtbx(np.eye(2), np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"`A` must be wide \(m x n with m <= n\); got shape"):
        forms.grad_row_space_form(np.ones((3, 2)), np.ones(2))


@pytest.mark.parametrize("n", [1, 2, 3, 5])
@pytest.mark.parametrize("seed", range(20))
def test_samplers_keep_the_determinants_positive(n, seed):
    rng = np.random.default_rng(seed)
    B, X = forms._sample_logdet_xtbx(rng, n).values()
    assert not np.allclose(B, B.T)
    assert np.linalg.det(X.T @ B @ X) > 0
    A, u, v = forms._sample_logdet_rank_one(rng, n).values()
    assert np.linalg.det(A) > 0
    assert 1 + v @ np.linalg.solve(A, u) >= 1


def _woodbury_inverse(A, U, C, V):
    """``(A + U C V)^{-1}`` by the Woodbury identity: solves with A and the k x k capacitance."""
    Ainv = np.linalg.inv(A)
    capacitance = np.linalg.inv(C) + V @ Ainv @ U
    return Ainv - Ainv @ U @ np.linalg.solve(capacitance, V @ Ainv)


@pytest.mark.parametrize("k", [1, 2, 3, 4])
@pytest.mark.parametrize("seed", range(3))
def test_woodbury_gradient_through_the_woodbury_identity(k, seed):
    # the gradient -W^T a b^T W^T V^T C^T with W = (A + U C V)^{-1} from the Woodbury form,
    # against the entry's code, which solves with M = A + U C V itself (n = k + 1)
    inputs = forms._sample_woodbury(np.random.default_rng(seed), k)
    W = _woodbury_inverse(inputs["A"], inputs["U"], inputs["C"], inputs["V"])
    a, b, V, C = inputs["a"], inputs["b"], inputs["V"], inputs["C"]
    expected = -W.T @ np.outer(a, b) @ W.T @ V.T @ C.T
    np.testing.assert_allclose(forms.grad_woodbury_form_u(**inputs), expected, rtol=1e-10)
    for mistake in gradref.get("forms.woodbury-u").mistakes:  # the check can fail
        if k > 1:  # (at k = 1, C is 1 x 1 and C^T = C)
            assert not np.allclose(mistake.derivative(**inputs), expected, rtol=1e-3)
