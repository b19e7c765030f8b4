"""Norms: the half squared Euclidean norm."""

import numpy as np  # noqa: F401  (the doctests use it)

from gradref.catalog import Identity, register
from gradref.identities.linear import COOKBOOK, SHEET
from gradref.shapes import Arr, shaped, shaped_like


@shaped
def half_squared_norm(x: Arr["n"]):
    """Half the squared Euclidean norm, ``||x||^2 / 2 = x^T x / 2``.

    >>> half_squared_norm(np.array([3.0, 4.0]))
    np.float64(12.5)
    """
    return x @ x / 2


@shaped_like(half_squared_norm)
def grad_half_squared_norm(x):
    """Gradient of ``||x||^2 / 2``: ``x`` itself.

    >>> grad_half_squared_norm(np.array([3.0, 4.0]))
    array([3., 4.])
    """
    return x.copy()


def _general():
    import sympy as sp

    n = sp.Symbol("n", integer=True, positive=True)
    x = sp.MatrixSymbol("x", n, 1)
    return x.T * x / 2, x, x


register(
    Identity(
        id="norms.half-squared",
        title="Gradient of half the squared Euclidean norm",
        formula=r"\nabla_x\, \tfrac12 \|x\|_2^2 = \nabla_x\, \tfrac12 x^\top x = x",
        wrt="x",
        kind="gradient",
        value=half_squared_norm,
        derivative=grad_half_squared_norm,
        symbolic=lambda x: ((x.T * x)[0, 0] / 2, x),
        general=_general,
        sources=(f"{SHEET}, exercise 4b", f"{COOKBOOK}, eq. (81), with B = I/2"),
        exercise="4b",
        keywords=(
            "norm",
            "squared norm",
            "euclidean norm",
            "l2 norm",
            "2-norm",
            "||x||^2",
            "x^T x",
            "sum of squares",
            "l2 regularization",
            "weight decay",
        ),
    )
)
