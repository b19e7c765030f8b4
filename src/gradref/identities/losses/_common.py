"""Helpers shared by the topic modules of :mod:`gradref.identities.losses`; other families
import some of them from the package, which re-exports them."""

import numpy as np

from gradref import shapes
from gradref._validate import array
from gradref.catalog import Identity, register


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


BISHOP = "Bishop, *Pattern Recognition and Machine Learning* (2006)"

ESL = "Hastie, Tibshirani & Friedman, *The Elements of Statistical Learning*, 2nd ed. (2009)"

DLBOOK = "Goodfellow, Bengio & Courville, *Deep Learning* (2016)"

MURPHY = "Murphy, *Probabilistic Machine Learning: An Introduction* (2022)"

GLM = "McCullagh & Nelder, *Generalized Linear Models*, 2nd ed. (1989)"

PEARLMUTTER = (
    'Pearlmutter, "Fast exact multiplication by the Hessian", *Neural Computation* 6(1) (1994)'
)


def _logsumexp(z, axis=-1):
    # log sum exp z along `axis`, shifted by the largest real part: exponents have real part <= 0.
    top = np.max(np.real(z), axis=axis, keepdims=True)
    return np.squeeze(top + np.log(np.sum(np.exp(z - top), axis=axis, keepdims=True)), axis)


def _softmax(z, axis=-1):
    # exp(z) / sum exp(z) along `axis`, shifted like _logsumexp (analytic: the shift is real).
    e = np.exp(z - np.max(np.real(z), axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _sp_softplus(t):
    import sympy as sp

    return sp.log(1 + sp.exp(t))


def _sp_sigmoid(t):
    # e^t / (1 + e^t): the form sympy's derivative of log(1 + e^t) takes, so that the exact
    # comparison cancels after expansion instead of needing simplify.
    import sympy as sp

    return sp.exp(t) / (1 + sp.exp(t))


def _sp_softmax(z):
    # softmax of the column (or row) z as a sympy Matrix of the same shape.
    import sympy as sp

    e = z.applyfunc(sp.exp)
    return e / sum(e)


def _sp_logsumexp(z):
    import sympy as sp

    return sp.log(sum(z.applyfunc(sp.exp)))


def _normalized(y):
    # The column y (or each row of the matrix y) with its last entry replaced by 1 minus the
    # sum of the others: the assumption "the labels sum to 1", built into the exact check.
    if y.cols == 1:
        return _normalized(y.T).T
    last = y.cols - 1
    return type(y)(y.rows, y.cols, lambda i, j: y[i, j] if j < last else 1 - sum(y[i, :last]))


def _sampler(value, structure=None, base=0, adjust=None):
    """A sampler drawn from `value`'s annotations at base size ``n + base``, then adjusted.

    ``adjust(rng, inputs, sizes)`` may replace inputs (labels, constructed residuals); a
    scalar input (``Arr[""]``) is returned as a numpy float, which sympy sees as one symbol.
    """
    spec = shapes.dims_of(value)

    def sample(rng, n):
        inputs = shapes.sample(spec, dict(structure or {}), rng, n + base)
        if adjust is not None:
            adjust(rng, inputs, shapes.sizes_for(spec, n + base))
        return {name: np.float64(x) if spec[name] == () else x for name, x in inputs.items()}

    return sample


def _register(**fields):
    return register(Identity(kind="gradient", **fields))
