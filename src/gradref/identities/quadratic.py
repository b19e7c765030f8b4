"""Quadratic forms ``x^T A x``, differentiated with respect to ``x`` and to ``A``."""

from __future__ import annotations

import numpy as np

from gradref._validate import square, vector
from gradref.catalog import Identity, register
from gradref.identities.linear import COOKBOOK, SHEET

MML = "Deisenroth, Faisal & Ong, *Mathematics for Machine Learning* (2020)"


def quadratic_form(A, x):
    """The quadratic form ``<x, A x> = x^T A x``.

    Parameters
    ----------
    A : ndarray, shape (n, n)
    x : ndarray, shape (n,)

    Returns
    -------
    scalar

    Examples
    --------
    >>> quadratic_form(np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([1.0, 1.0]))
    np.float64(4.0)
    """
    x = vector("x", x)
    A = square("A", A, x.shape[0])
    return x @ (A @ x)


def grad_quadratic_form(A, x):
    """Gradient of ``x^T A x`` with respect to ``x``: ``(A + A^T) x``.

    Parameters
    ----------
    A : ndarray, shape (n, n)
    x : ndarray, shape (n,)

    Returns
    -------
    ndarray, shape (n,)
        Same shape as `x` (gradients have the shape of the variable).

    Notes
    -----
    Not ``2 A x`` unless `A` is symmetric.

    Examples
    --------
    >>> grad_quadratic_form(np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([1.0, 1.0]))
    array([4., 4.])
    """
    x = vector("x", x)
    A = square("A", A, x.shape[0])
    return (A + A.T) @ x


def grad_quadratic_form_wrt_matrix(A, x):
    """Gradient of ``x^T A x`` with respect to ``A``: the outer product ``x x^T``.

    Parameters
    ----------
    A : ndarray, shape (n, n)
    x : ndarray, shape (n,)

    Returns
    -------
    ndarray, shape (n, n)
        Same shape as `A`; entry (i, j) is ``x_i x_j``.

    Examples
    --------
    >>> grad_quadratic_form_wrt_matrix(np.eye(2), np.array([1.0, 2.0]))
    array([[1., 2.],
           [2., 4.]])
    """
    x = vector("x", x)
    square("A", A, x.shape[0])
    return np.outer(x, x)


def _sample(rng, n):
    # A generic, non-symmetric A: the symmetric case would hide a missing transpose.
    return {"A": rng.standard_normal((n, n)), "x": rng.standard_normal(n)}


def _symbolic_wrt_x(A, x):
    return (x.T * A * x)[0, 0], (A + A.T) * x


def _symbolic_wrt_A(A, x):
    return (x.T * A * x)[0, 0], x * x.T


def _general_symbols():
    import sympy as sp

    n = sp.Symbol("n", integer=True, positive=True)
    return sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("x", n, 1)


def _general_wrt_x():
    A, x = _general_symbols()
    return x.T * A * x, x, (A + A.T) * x


def _general_wrt_A():
    A, x = _general_symbols()
    return x.T * A * x, A, x * x.T


register(
    Identity(
        id="quadratic.grad-x",
        title="Gradient of a quadratic form with respect to the vector",
        latex=r"\nabla_x\, x^\top A x = (A + A^\top)\,x,"
        r"\qquad A \in \mathbb{R}^{n\times n},\ x \in \mathbb{R}^{n}",
        wrt="x",
        kind="gradient",
        sample=_sample,
        value=quadratic_form,
        derivative=grad_quadratic_form,
        symbolic=_symbolic_wrt_x,
        general=_general_wrt_x,
        assumptions="A square; not necessarily symmetric (for symmetric A it is 2Ax)",
        sources=(
            f"{SHEET}, exercise 3c",
            f"{COOKBOOK}, eq. (81)",
            f"{MML}, eq. (5.107), stated there as the row vector x^T (B + B^T)",
        ),
        exercise="3c",
        keywords=("quadratic form",),
    )
)

register(
    Identity(
        id="quadratic.grad-A",
        title="Gradient of a quadratic form with respect to the matrix",
        latex=r"\nabla_A\, x^\top A x = x x^\top,"
        r"\qquad A \in \mathbb{R}^{n\times n},\ x \in \mathbb{R}^{n},\ "
        r"\nabla_A \in \mathbb{R}^{n\times n}",
        wrt="A",
        kind="gradient",
        sample=_sample,
        value=quadratic_form,
        derivative=grad_quadratic_form_wrt_matrix,
        symbolic=_symbolic_wrt_A,
        general=_general_wrt_A,
        assumptions="A square; the gradient does not depend on A",
        sources=(f"{SHEET}, exercise 3d", f"{COOKBOOK}, eq. (72), with a = x"),
        exercise="3d",
        keywords=("quadratic form", "gradient with respect to a matrix"),
    )
)
