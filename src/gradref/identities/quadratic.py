"""Quadratic forms ``x^T A x``, differentiated with respect to ``x`` and to ``A``."""

import numpy as np

from gradref.catalog import Identity, register
from gradref.identities.linear import COOKBOOK, SHEET
from gradref.shapes import Arr, shaped, shaped_like

MML = "Deisenroth, Faisal & Ong, *Mathematics for Machine Learning* (2020)"


@shaped
def quadratic_form(A: Arr["n n"], x: Arr["n"]):
    """The quadratic form ``x^T A x``.

    >>> quadratic_form(np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([1.0, 1.0]))
    np.float64(4.0)
    """
    return x @ (A @ x)


@shaped_like(quadratic_form)
def grad_quadratic_form(A, x):
    """Gradient of ``x^T A x`` with respect to ``x``: ``(A + A^T) x`` (not ``2 A x``).

    >>> grad_quadratic_form(np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([1.0, 1.0]))
    array([4., 4.])
    """
    return (A + A.T) @ x


@shaped_like(quadratic_form)
def grad_quadratic_form_wrt_matrix(A, x):
    """Gradient of ``x^T A x`` with respect to ``A``: the outer product ``x x^T``.

    >>> grad_quadratic_form_wrt_matrix(np.eye(2), np.array([1.0, 2.0]))
    array([[1., 2.],
           [2., 4.]])
    """
    return np.outer(x, x)


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
        formula=r"\nabla_x\, x^\top A x = (A + A^\top)\,x",
        wrt="x",
        kind="gradient",
        value=quadratic_form,
        derivative=grad_quadratic_form,
        symbolic=lambda A, x: ((x.T * A * x)[0, 0], (A + A.T) * x),
        general=_general_wrt_x,
        assumptions="A square; not necessarily symmetric (for symmetric A it is 2Ax)",
        sources=(
            f"{SHEET}, exercise 3c",
            f"{COOKBOOK}, eq. (81)",
            f"{MML}, eq. (5.107), stated there as the row vector x^T (B + B^T)",
        ),
        exercise="3c",
        keywords=(
            "quadratic form",
            "x^T A x",
            "x^TAx",
            "xAx",
            "xᵀAx",
            "x'Ax",
            "x^\\top A x",
            "transpose",
            "A + A^T",
            "gradient of a quadratic form",
        ),
    )
)

register(
    Identity(
        id="quadratic.grad-A",
        title="Gradient of a quadratic form with respect to the matrix",
        formula=r"\nabla_A\, x^\top A x = x x^\top",
        wrt="A",
        kind="gradient",
        value=quadratic_form,
        derivative=grad_quadratic_form_wrt_matrix,
        symbolic=lambda A, x: ((x.T * A * x)[0, 0], x * x.T),
        general=_general_wrt_A,
        assumptions="A square; the gradient does not depend on A",
        sources=(f"{SHEET}, exercise 3d", f"{COOKBOOK}, eq. (72), with a = x"),
        exercise="3d",
        keywords=(
            "outer product",
            "x x^T",
            "xx^T",
            "xxᵀ",
            "gradient with respect to a matrix",
            "gradient of a matrix",
            "matrix gradient",
            "derivative with respect to a matrix",
            "quadratic form",
            "x^T A x",
            "xAx",
        ),
    )
)
