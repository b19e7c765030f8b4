"""Losses: the logistic loss of a linear model."""

import numpy as np

from gradref._validate import array
from gradref.catalog import Identity, Mistake, register
from gradref.identities.linear import SHEET
from gradref.shapes import Arr, shaped, shaped_like


def _log1p(z):
    """``log(1 + z)``, with the real part accurate for tiny complex ``z`` too.

    numpy's complex ``log1p`` takes the real part as ``log|1 + z|``, which rounds
    to 0 for ``|z| < 1e-16``; ``|1 + z| = (1 + x) sqrt(1 + (y / (1 + x))^2)`` keeps it.
    """
    if not np.iscomplexobj(z):
        return np.log1p(z)
    x, y = z.real, z.imag
    return np.log1p(x) + 0.5 * np.log1p((y / (1 + x)) ** 2) + 1j * np.arctan2(y, 1 + x)


def _softplus(s):
    # log(1 + e^s) = max(s, 0) + log(1 + e^-|s|): the exponent has a real part <= 0.
    positive = np.real(s) > 0
    return (np.where(positive, s, 0) + _log1p(np.exp(np.where(positive, -s, s))))[()]


def _sigmoid(s):
    # 1 / (1 + e^-s) for Re s >= 0, e^s / (1 + e^s) otherwise: the exponent has a real part <= 0.
    nonnegative = np.real(s) >= 0
    e = np.exp(np.where(nonnegative, -s, s))
    return (np.where(nonnegative, 1, e) / (1 + e))[()]


def softplus(s):
    """``log(1 + exp(s))``, elementwise, without overflow.

    Scalars give scalars. Complex input is accepted (for the complex-step check).

    Examples
    --------
    >>> float(softplus(0.0)) == float(np.log(2.0))
    True
    >>> softplus(np.array([-1000.0, 0.0, 1000.0])).round(4).tolist()
    [0.0, 0.6931, 1000.0]
    >>> softplus(1.0 + 1e-20j).imag / 1e-20  # the complex step gives softplus' = sigmoid
    np.float64(0.7311)
    """
    return _softplus(array("s", s))


def sigmoid(s):
    """The logistic function ``1 / (1 + exp(-s))``, elementwise, without overflow.

    Examples
    --------
    >>> sigmoid(0.0)
    np.float64(0.5)
    >>> sigmoid(np.array([-1000.0, 1000.0]))
    array([0., 1.])
    """
    return _sigmoid(array("s", s))


def _score(x, w):
    # An overflowing score is +-inf, where the loss and its gradient saturate correctly.
    with np.errstate(over="ignore"):
        return w @ x


@shaped
def logistic_loss(x: Arr["d"], w: Arr["d"]):
    """Logistic loss of the linear score ``w^T x``: ``log(1 + exp(-w^T x))``.

    ``x`` is a sample (features multiplied by a label in {-1, +1}), ``w`` the weights.

    >>> float(logistic_loss(np.array([1.0, 2.0]), np.zeros(2))) == float(np.log(2.0))
    True
    """
    return _softplus(-_score(x, w))


@shaped_like(logistic_loss)
def grad_logistic_loss(x, w):
    """Gradient of ``log(1 + exp(-w^T x))`` with respect to ``w``: ``-sigmoid(-w^T x) x``.

    >>> grad_logistic_loss(np.array([1.0, 2.0]), np.zeros(2))
    array([-0.5, -1. ])
    """
    return -_sigmoid(-_score(x, w)) * x


@shaped_like(logistic_loss)
def hess_logistic_loss(x, w):
    """Hessian of ``log(1 + exp(-w^T x))`` in ``w``: ``sigmoid(w^T x) sigmoid(-w^T x) x x^T``."""
    t = _score(x, w)
    return _sigmoid(t) * _sigmoid(-t) * np.outer(x, x)


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
        formula=r"\nabla_w \log\!\left(1 + e^{-w^\top x}\right) = "
        r"-\frac{e^{-w^\top x}}{1 + e^{-w^\top x}}\, x = -\sigma(-w^\top x)\, x",
        wrt="w",
        kind="gradient",
        value=logistic_loss,
        derivative=grad_logistic_loss,
        symbolic=_symbolic,
        general=_general,
        derivation=r"""
Write $t = w^\top x$, so $dt = \langle x, dw\rangle$. The derivative of
$\log(1 + e^{-t})$ in $t$ is $-e^{-t}/(1 + e^{-t}) = -\sigma(-t)$, hence
$d\ell = -\sigma(-t)\, \langle x, dw\rangle$ and $\nabla_w \ell = -\sigma(-w^\top x)\, x$.
Differentiating once more, $\sigma'(s) = \sigma(s)\sigma(-s)$ gives the Hessian
$\sigma(t)\sigma(-t)\, x x^\top$, positive semidefinite: the loss is convex in $w$.
""",
        hessian=hess_logistic_loss,
        hessian_formula=r"\nabla_w^2 \log\!\left(1 + e^{-w^\top x}\right) = "
        r"\sigma(w^\top x)\,\sigma(-w^\top x)\, x x^\top",
        mistakes=(
            Mistake(
                r"\sigma(-w^\top x)\, x",
                lambda x, w: _sigmoid(-(w @ x)) * x,
                "loses the minus sign of the inner derivative of -w^T x",
            ),
            Mistake(
                r"-\sigma(w^\top x)\, x",
                lambda x, w: -_sigmoid(w @ x) * x,
                "sigma(w^T x) where sigma(-w^T x) is needed: the two differ unless w^T x = 0",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \ell}{\partial w} = -\sigma(-w^\top x)\, x^\top",
        },
        related=("elementary.sheet-xyz", "linear.inner"),
        assumptions="sigma(s) = 1 / (1 + exp(-s)) is the logistic function",
        sources=(f"{SHEET}, exercise 4c",),
        exercise="4c",
        keywords=(
            "logistic loss",
            "logistic regression",
            "cross entropy",
            "cross-entropy",
            "binary cross entropy",
            "binary cross-entropy",
            "log loss",
            "logistic",
            "sigmoid",
            "logistic function",
            "softplus",
        ),
    )
)
