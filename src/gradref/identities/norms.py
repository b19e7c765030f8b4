"""Norms: the half squared Euclidean norm."""

from __future__ import annotations

import numpy as np

from gradref._validate import vector
from gradref.catalog import Identity, register
from gradref.identities.linear import COOKBOOK, SHEET


def half_squared_norm(x):
    """Half the squared Euclidean norm, ``||x||^2 / 2 = x^T x / 2``.

    Parameters
    ----------
    x : ndarray, shape (n,)

    Returns
    -------
    scalar

    Notes
    -----
    Computed as ``x @ x`` (no complex conjugate), so that the complex-step
    derivative check applies.

    Examples
    --------
    >>> half_squared_norm(np.array([3.0, 4.0]))
    np.float64(12.5)
    """
    x = vector("x", x)
    return 0.5 * (x @ x)


def grad_half_squared_norm(x):
    """Gradient of ``||x||^2 / 2``: ``x`` itself.

    Parameters
    ----------
    x : ndarray, shape (n,)

    Returns
    -------
    ndarray, shape (n,)

    Examples
    --------
    >>> grad_half_squared_norm(np.array([3.0, 4.0]))
    array([3., 4.])
    """
    return np.array(vector("x", x), dtype=float, copy=True)


def _sample(rng, n):
    return {"x": rng.standard_normal(n)}


def _symbolic(x):
    return (x.T * x)[0, 0] / 2, x


def _general():
    import sympy as sp

    n = sp.Symbol("n", integer=True, positive=True)
    x = sp.MatrixSymbol("x", n, 1)
    return x.T * x / 2, x, x


register(
    Identity(
        id="norms.half-squared",
        title="Gradient of half the squared Euclidean norm",
        latex=r"\nabla_x\, \tfrac12 \|x\|_2^2 = \nabla_x\, \tfrac12 x^\top x = x,"
        r"\qquad x \in \mathbb{R}^{n}",
        wrt="x",
        kind="gradient",
        sample=_sample,
        value=half_squared_norm,
        derivative=grad_half_squared_norm,
        symbolic=_symbolic,
        general=_general,
        sources=(f"{SHEET}, exercise 4b", f"{COOKBOOK}, eq. (81), with B = I/2"),
        exercise="4b",
        keywords=("norm", "squared norm", "euclidean norm"),
    )
)
