"""Linear maps: the inner product ``<a, x>`` and the matrix-vector product ``A x``."""

from __future__ import annotations

import numpy as np

from gradref._validate import matrix, vector
from gradref.catalog import Identity, register

SHEET = "Course sheet 01, *Gradients manipulations* (2023)"
COOKBOOK = "Petersen & Pedersen, *The Matrix Cookbook*, version of 15 November 2012"


def inner(a, x):
    """The inner product ``<a, x> = a^T x``.

    Parameters
    ----------
    a : ndarray, shape (n,)
    x : ndarray, shape (n,)

    Returns
    -------
    scalar

    Examples
    --------
    >>> inner(np.array([1.0, 2.0]), np.array([3.0, -1.0]))
    np.float64(1.0)
    """
    x = vector("x", x)
    a = vector("a", a, x.shape[0])
    return a @ x


def grad_inner(a, x):
    """Gradient of ``<a, x>`` with respect to ``x``: ``a``.

    Parameters
    ----------
    a : ndarray, shape (n,)
    x : ndarray, shape (n,)

    Returns
    -------
    ndarray, shape (n,)
        Same shape as `x`; it does not depend on `x`.

    Examples
    --------
    >>> grad_inner(np.array([1.0, 2.0]), np.array([3.0, -1.0]))
    array([1., 2.])
    """
    x = vector("x", x)
    a = vector("a", a, x.shape[0])
    return np.array(a, dtype=float, copy=True)


def matvec(A, x):
    """The linear map ``x -> A x``.

    Parameters
    ----------
    A : ndarray, shape (n, m)
    x : ndarray, shape (m,)

    Returns
    -------
    ndarray, shape (n,)

    Examples
    --------
    >>> matvec(np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0]]), np.array([1.0, 1.0, 1.0]))
    array([3., 0.])
    """
    x = vector("x", x)
    A = matrix("A", A, cols=x.shape[0])
    return A @ x


def jac_matvec(A, x):
    """Jacobian of ``x -> A x``: the matrix ``A`` itself, n x m.

    Parameters
    ----------
    A : ndarray, shape (n, m)
    x : ndarray, shape (m,)

    Returns
    -------
    ndarray, shape (n, m)
        Rows are outputs, columns are inputs.

    Examples
    --------
    >>> jac_matvec(np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0]]), np.zeros(3)).shape
    (2, 3)
    """
    x = vector("x", x)
    A = matrix("A", A, cols=x.shape[0])
    return np.array(A, dtype=float, copy=True)


def _sample_inner(rng, n):
    return {"a": rng.standard_normal(n), "x": rng.standard_normal(n)}


def _sample_matvec(rng, n):
    # A non-square A (n + 1 outputs, n inputs) makes a transposed Jacobian visible.
    return {"A": rng.standard_normal((n + 1, n)), "x": rng.standard_normal(n)}


def _symbolic_inner(a, x):
    return (a.T * x)[0, 0], a


def _symbolic_matvec(A, x):
    return A * x, A


def _general_inner():
    import sympy as sp

    n = sp.Symbol("n", integer=True, positive=True)
    a, x = sp.MatrixSymbol("a", n, 1), sp.MatrixSymbol("x", n, 1)
    return a.T * x, x, a


def _general_matvec():
    import sympy as sp

    n, m = sp.symbols("n m", integer=True, positive=True)
    A, x = sp.MatrixSymbol("A", n, m), sp.MatrixSymbol("x", m, 1)
    return A * x, x, A


register(
    Identity(
        id="linear.inner",
        title="Gradient of an inner product",
        latex=r"\nabla_x \langle a, x\rangle = \nabla_x\, a^\top x = a,"
        r"\qquad a, x \in \mathbb{R}^{n}",
        wrt="x",
        kind="gradient",
        sample=_sample_inner,
        value=inner,
        derivative=grad_inner,
        symbolic=_symbolic_inner,
        general=_general_inner,
        sources=(f"{SHEET}, exercise 3a", f"{COOKBOOK}, eq. (69)"),
        exercise="3a",
        keywords=("inner product", "linear form"),
    )
)

register(
    Identity(
        id="linear.matvec",
        title="Jacobian of a matrix-vector product",
        latex=r"J_{x \mapsto Ax}(x) = A,\qquad A \in \mathbb{R}^{n\times m},\ x \in \mathbb{R}^{m},"
        r"\ J \in \mathbb{R}^{n \times m}",
        wrt="x",
        kind="jacobian",
        sample=_sample_matvec,
        value=matvec,
        derivative=jac_matvec,
        symbolic=_symbolic_matvec,
        general=_general_matvec,
        sources=(f"{SHEET}, exercise 3b",),
        exercise="3b",
        keywords=("jacobian", "matrix-vector product", "linear map"),
    )
)
