"""Independent checks of the Kronecker and vec helpers and of the entries sympy checks small.

The helpers apply permutations by index (``commutation_order``, ``kron_order``), so each is
compared here with its defining property and with the dense matrix; ``kronecker.trace-kron``
(sympy at base size 1 only) is compared with the block sum of its derivation.
"""

import numpy as np
import pytest

from gradref.identities import kronecker
from gradref.identities.kronecker import commutation, commutation_order, kron_order, vec

SHAPES = ((1, 1), (1, 3), (2, 3), (4, 2), (3, 3))


def _rng(seed):
    return np.random.default_rng(2000 + seed)


@pytest.mark.parametrize(("m", "n"), SHAPES)
def test_commutation_matrix_maps_vec_to_the_vec_of_the_transpose(m, n):
    A = _rng(m * n).standard_normal((m, n))
    K = commutation(m, n)
    np.testing.assert_array_equal(K @ vec(A), vec(A.T))
    np.testing.assert_array_equal(K.T @ K, np.eye(m * n))
    np.testing.assert_array_equal(vec(A)[commutation_order(m, n)], vec(A.T))


def test_vec_is_column_major_not_numpys_ravel():
    X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    np.testing.assert_array_equal(vec(X), [1.0, 4.0, 2.0, 5.0, 3.0, 6.0])
    np.testing.assert_array_equal(vec(X), X.T.ravel())
    assert not np.array_equal(vec(X), X.ravel())


@pytest.mark.parametrize(("m", "n", "p", "q"), [(1, 1, 1, 1), (2, 3, 4, 1), (3, 2, 2, 4)])
def test_kron_order_is_the_permutation_of_magnus_neudecker_theorem_3_10(m, n, p, q):
    rng = _rng(m + 10 * n + 100 * p + 1000 * q)
    A, B = rng.standard_normal((m, n)), rng.standard_normal((p, q))
    dense = np.kron(np.kron(np.eye(n), commutation(q, m)), np.eye(p))
    v = np.kron(vec(A), vec(B))
    np.testing.assert_array_equal(v[kron_order(m, n, p, q)], dense @ v)
    np.testing.assert_allclose(dense @ v, vec(np.kron(A, B)), rtol=0, atol=0)
    swapped = np.kron(np.kron(np.eye(n), commutation(m, q)), np.eye(p))
    np.testing.assert_array_equal(v[kron_order(m, n, p, q, swapped=True)], swapped @ v)


def test_from_vec_jacobian_reads_a_column_major_jacobian():
    rng = _rng(7)
    A, X, B = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    J = kronecker.jac_vec_axb(A, X, B)
    E = rng.standard_normal(X.shape)
    np.testing.assert_allclose(np.tensordot(J, E, axes=2), A @ E @ B, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(
        np.kron(B.T, A) @ vec(E), vec(np.tensordot(J, E, axes=2)), rtol=1e-13, atol=1e-13
    )


def _block_sum_gradient(A, X, B):
    """``sum_ij A_ij B_ji^T`` with ``B_ji`` the (j, i) block (q x p) of B: the derivation's form."""
    (m, n), (p, q) = A.shape, X.shape
    return sum(
        A[i, j] * B[j * q : (j + 1) * q, i * p : (i + 1) * p].T for i in range(m) for j in range(n)
    )


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_trace_kron_gradient_is_the_block_sum(size):
    rng = _rng(size)
    inputs = kronecker._sample_trace_kron(rng, size)
    np.testing.assert_allclose(
        kronecker.grad_trace_kron_b(**inputs), _block_sum_gradient(**inputs), rtol=1e-12
    )


def test_trace_kron_gradient_is_tr_a_times_identity_for_b_identity():
    rng = _rng(11)
    A, X = rng.standard_normal((3, 3)), rng.standard_normal((2, 2))
    G = kronecker.grad_trace_kron_b(A, X, np.eye(6))
    np.testing.assert_allclose(G, np.trace(A) * np.eye(2), rtol=1e-13)


def test_trace_kron_names_b_and_its_expected_shape():
    with pytest.raises(ValueError, match=r"^`B` must have shape \(nq, mp\) = \(6, 8\)"):
        kronecker.trace_kron_b(np.ones((2, 3)), np.ones((4, 2)), np.ones((8, 6)))


def test_vec_quadratic_hessian_in_vec_layout_is_the_kronecker_sum():
    rng = _rng(13)
    X, A, B = rng.standard_normal((3, 2)), rng.standard_normal((2, 2)), rng.standard_normal((3, 3))
    H = kronecker.hessian_vec_quadratic(X, A, B)  # [i, j, k, l] = d^2 f / dX_ij dX_kl
    column_major = H.transpose(1, 0, 3, 2).reshape(6, 6)
    np.testing.assert_allclose(column_major, np.kron(A, B) + np.kron(A.T, B.T), rtol=1e-13)


def test_cookbook_eq_524_holds_with_b_transposed_only():
    """a^T X B X^T c = vec(X)^T (B^T ⊗ c a^T) vec(X); the form with B holds for symmetric B."""
    rng = _rng(17)
    a, c = rng.standard_normal(3), rng.standard_normal(3)
    X, B = rng.standard_normal((3, 4)), rng.standard_normal((4, 4))
    value = a @ X @ B @ X.T @ c
    corrected = vec(X) @ np.kron(B.T, np.outer(c, a)) @ vec(X)
    with_b = vec(X) @ np.kron(B, np.outer(c, a)) @ vec(X)
    assert corrected == pytest.approx(value, rel=1e-12)
    assert abs(with_b - value) > 1e-3 * abs(value)
    S = B + B.T
    assert vec(X) @ np.kron(S, np.outer(c, a)) @ vec(X) == pytest.approx(
        a @ X @ S @ X.T @ c, rel=1e-12
    )


def test_determinant_of_a_kronecker_product_cookbook_eq_516():
    rng = _rng(19)
    A, X = rng.standard_normal((2, 2)), rng.standard_normal((3, 3))
    assert np.linalg.det(np.kron(A, X)) == pytest.approx(
        np.linalg.det(A) ** 3 * np.linalg.det(X) ** 2, rel=1e-10
    )
