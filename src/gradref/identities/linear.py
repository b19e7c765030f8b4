"""Linear maps: the inner product ``<a, x>`` and the matrix-vector product ``A x``."""

import numpy as np  # noqa: F401  (the doctests use it)

from gradref.catalog import Identity, register
from gradref.shapes import Arr, shaped, shaped_like

SHEET = "Course sheet 01, *Gradients manipulations* (2023)"
COOKBOOK = "Petersen & Pedersen, *The Matrix Cookbook*, version of 15 November 2012"


@shaped
def inner(a: Arr["n"], x: Arr["n"]):
    """The inner product ``<a, x> = a^T x``.

    >>> inner(np.array([1.0, 2.0]), np.array([3.0, -1.0]))
    np.float64(1.0)
    """
    return a @ x


@shaped_like(inner)
def grad_inner(a, x):
    """Gradient of ``<a, x>`` with respect to ``x``: ``a`` (it does not depend on ``x``).

    >>> grad_inner(np.array([1.0, 2.0]), np.array([3.0, -1.0]))
    array([1., 2.])
    """
    return a.copy()


@shaped
def matvec(A: Arr["n m"], x: Arr["m"]):
    """The linear map ``x -> A x``.

    >>> matvec(np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0]]), np.array([1.0, 1.0, 1.0]))
    array([3., 0.])
    """
    return A @ x


@shaped_like(matvec)
def jac_matvec(A, x):
    """Jacobian of ``x -> A x``: the matrix ``A`` itself, n x m (rows are outputs).

    >>> jac_matvec(np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0]]), np.zeros(3)).shape
    (2, 3)
    """
    return A.copy()


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
        formula=r"\nabla_x \langle a, x\rangle = \nabla_x\, a^\top x = a",
        wrt="x",
        kind="gradient",
        value=inner,
        derivative=grad_inner,
        symbolic=lambda a, x: ((a.T * x)[0, 0], a),
        general=_general_inner,
        sources=(f"{SHEET}, exercise 3a", f"{COOKBOOK}, eq. (69)"),
        exercise="3a",
        keywords=(
            "inner product",
            "dot product",
            "scalar product",
            "linear form",
            "linear function",
            "a^T x",
            "a^Tx",
            "aᵀx",
        ),
    )
)

register(
    Identity(
        id="linear.matvec",
        title="Jacobian of a matrix-vector product",
        formula=r"J_{x \mapsto Ax}(x) = A \in \mathbb{R}^{n \times m}",
        wrt="x",
        kind="jacobian",
        value=matvec,
        derivative=jac_matvec,
        symbolic=lambda A, x: (A * x, A),
        general=_general_matvec,
        sources=(f"{SHEET}, exercise 3b",),
        exercise="3b",
        keywords=(
            "jacobian",
            "matrix-vector product",
            "matrix vector product",
            "linear map",
            "Ax",
            "jacobian of a linear map",
        ),
    )
)
