"""Losses: the logistic loss of a linear model."""

from __future__ import annotations

import numpy as np

from gradref._validate import vector
from gradref.catalog import Identity, register
from gradref.identities.linear import SHEET


def softplus(s):
    """``log(1 + exp(s))`` for a scalar ``s``, without overflow.

    Uses ``s + log(1 + exp(-s))`` when the real part of ``s`` is positive.
    Complex input is accepted (for the complex-step check).

    Examples
    --------
    >>> float(softplus(0.0)) == float(np.log(2.0))
    True
    >>> softplus(1000.0)
    np.float64(1000.0)
    """
    s = np.asarray(s)[()]
    if np.real(s) > 0:
        return s + np.log1p(np.exp(-s))
    return np.log1p(np.exp(s))


def sigmoid(s):
    """The logistic function ``1 / (1 + exp(-s))`` for a scalar ``s``, without overflow.

    Examples
    --------
    >>> sigmoid(0.0)
    np.float64(0.5)
    >>> sigmoid(-1000.0)
    np.float64(0.0)
    """
    s = np.asarray(s)[()]
    if np.real(s) >= 0:
        return 1.0 / (1.0 + np.exp(-s))
    e = np.exp(s)
    return e / (1.0 + e)


def logistic_loss(x, w):
    """Logistic loss of the linear score ``w^T x``: ``log(1 + exp(-w^T x))``.

    Parameters
    ----------
    x : ndarray, shape (d,)
        A sample (features multiplied by a label in {-1, +1}).
    w : ndarray, shape (d,)
        The weights.

    Returns
    -------
    scalar

    Examples
    --------
    >>> float(logistic_loss(np.array([1.0, 2.0]), np.zeros(2))) == float(np.log(2.0))
    True
    """
    x = vector("x", x)
    w = vector("w", w, x.shape[0])
    return softplus(-(w @ x))


def grad_logistic_loss(x, w):
    """Gradient of ``log(1 + exp(-w^T x))`` with respect to ``w``.

    Equal to ``-exp(-w^T x) / (1 + exp(-w^T x)) x = -sigmoid(-w^T x) x``.

    Parameters
    ----------
    x : ndarray, shape (d,)
    w : ndarray, shape (d,)

    Returns
    -------
    ndarray, shape (d,)
        Same shape as `w`.

    Examples
    --------
    >>> grad_logistic_loss(np.array([1.0, 2.0]), np.zeros(2))
    array([-0.5, -1. ])
    """
    x = vector("x", x)
    w = vector("w", w, x.shape[0])
    return -sigmoid(-(w @ x)) * x


def _sample(rng, n):
    return {"x": rng.standard_normal(n), "w": rng.standard_normal(n)}


def _symbolic(x, w):
    import sympy as sp

    t = (w.T * x)[0, 0]
    return sp.log(1 + sp.exp(-t)), -sp.exp(-t) / (1 + sp.exp(-t)) * x


def _general():
    import sympy as sp

    n = sp.Symbol("n", integer=True, positive=True)
    x, w = sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("w", n, 1)
    t = (w.T * x)[0, 0]
    return sp.log(1 + sp.exp(-t)), w, -sp.exp(-t) / (1 + sp.exp(-t)) * x


register(
    Identity(
        id="losses.logistic-w",
        title="Gradient of the logistic loss with respect to the weights",
        latex=r"\nabla_w \log\!\left(1 + e^{-w^\top x}\right) = "
        r"-\frac{e^{-w^\top x}}{1 + e^{-w^\top x}}\, x = -\sigma(-w^\top x)\, x,"
        r"\qquad x, w \in \mathbb{R}^{d}",
        wrt="w",
        kind="gradient",
        sample=_sample,
        value=logistic_loss,
        derivative=grad_logistic_loss,
        symbolic=_symbolic,
        general=_general,
        assumptions="sigma(s) = 1 / (1 + exp(-s)) is the logistic function",
        sources=(f"{SHEET}, exercise 4c",),
        exercise="4c",
        keywords=("logistic loss", "logistic regression", "sigmoid"),
    )
)
