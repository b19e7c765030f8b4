"""Losses: least squares, logistic, cross-entropy, Huber, hinge, Poisson and KL, with Hessians."""

import numpy as np

from gradref import shapes
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
            "Hessian of logistic",
            "Hessian of the logistic loss",
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


# -- references, helpers and samplers for the losses below ---------------------------------

MML = "Deisenroth, Faisal & Ong, *Mathematics for Machine Learning* (2020)"
BISHOP = "Bishop, *Pattern Recognition and Machine Learning* (2006)"
ESL = "Hastie, Tibshirani & Friedman, *The Elements of Statistical Learning*, 2nd ed. (2009)"
DLBOOK = "Goodfellow, Bengio & Courville, *Deep Learning* (2016)"
MURPHY = "Murphy, *Probabilistic Machine Learning: An Introduction* (2022)"
GLM = "McCullagh & Nelder, *Generalized Linear Models*, 2nd ed. (1989)"
COVER = "Cover & Thomas, *Elements of Information Theory*, 2nd ed. (2006)"
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


# -- least squares ---------------------------------------------------------------------------


@shaped
def least_squares(X: Arr["m d"], y: Arr["m"], w: Arr["d"]):
    """The least-squares loss ``||X w - y||^2 / 2``.

    >>> float(least_squares(np.eye(2), np.array([1.0, 0.0]), np.array([3.0, 0.0])))
    2.0
    """
    r = X @ w - y
    return r @ r / 2


@shaped_like(least_squares)
def grad_least_squares(X, y, w):
    """Gradient of ``||X w - y||^2 / 2`` in ``w``: ``X^T (X w - y)``."""
    return X.T @ (X @ w - y)


@shaped_like(least_squares)
def hess_least_squares(X, y, w):
    """Hessian of ``||X w - y||^2 / 2`` in ``w``: ``X^T X``."""
    return X.T @ X


_register(
    id="losses.least-squares-w",
    title="Gradient and Hessian of the least-squares loss",
    formula=r"\nabla_w\, \tfrac12 \|X w - y\|_2^2 = X^\top (X w - y)",
    wrt="w",
    value=least_squares,
    derivative=grad_least_squares,
    symbolic=lambda X, y, w: (((X * w - y).T * (X * w - y))[0, 0] / 2, X.T * (X * w - y)),
    derivation=r"""
With the residual $r = Xw - y$, $dr = X\,dw$ and $d(\tfrac12 r^\top r) = r^\top dr
= \langle X^\top r, dw\rangle$, so $\nabla_w = X^\top (Xw - y)$. The gradient is affine in
$w$ with linear part $X^\top X$, which is the Hessian: positive semidefinite, and definite
when $X$ has full column rank. Setting the gradient to zero gives the normal equations
$X^\top X w = X^\top y$.
""",
    hessian=hess_least_squares,
    hessian_formula=r"\nabla_w^2\, \tfrac12 \|X w - y\|_2^2 = X^\top X",
    mistakes=(
        Mistake(
            r"2 X^\top (X w - y)",
            lambda X, y, w: 2 * X.T @ (X @ w - y),
            "the gradient of ||Xw - y||^2 without the 1/2: the factor 2 belongs to the other "
            "convention",
        ),
        Mistake(
            r"X^\top X w",
            lambda X, y, w: X.T @ X @ w,
            "drops the term -X^T y that the targets contribute",
        ),
    ),
    conventions={
        "numerator": r"\frac{\partial}{\partial w}\, \tfrac12 \|X w - y\|_2^2 = (X w - y)^\top X"
    },
    related=(
        "norms.half-squared",
        "quadratic.grad-x",
        "losses.ridge-w",
        "losses.least-squares-hvp",
    ),
    assumptions="any X, y and w; the loss carries the factor 1/2 (without it, the gradient doubles)",
    sources=(f"{BISHOP}, section 3.1.1", f"{MML}, chapter 9"),
    keywords=(
        "least squares",
        "linear regression",
        "normal equations",
        "squared error",
        "sum of squared errors",
        "residual sum of squares",
        "||Xw - y||^2",
        "X^T (Xw - y)",
        "ordinary least squares",
        "OLS",
    ),
)


@shaped
def weighted_least_squares(X: Arr["m d"], y: Arr["m"], c: Arr["m"], w: Arr["d"]):
    """The weighted least-squares loss ``sum_i c_i (x_i^T w - y_i)^2 / 2``.

    >>> float(weighted_least_squares(np.eye(2), np.zeros(2), np.array([2.0, 1.0]), np.ones(2)))
    1.5
    """
    r = X @ w - y
    return r @ (c * r) / 2


@shaped_like(weighted_least_squares)
def grad_weighted_least_squares(X, y, c, w):
    """Gradient of the weighted least-squares loss in ``w``: ``X^T C (X w - y)``, ``C = diag(c)``."""
    return X.T @ (c * (X @ w - y))


@shaped_like(weighted_least_squares)
def hess_weighted_least_squares(X, y, c, w):
    """Hessian of the weighted least-squares loss in ``w``: ``X^T C X``, ``C = diag(c)``."""
    return X.T @ (c[:, None] * X)


def _sp_weighted(X, y, c, w):
    import sympy as sp

    C = sp.diag(*c)
    r = X * w - y
    return (r.T * C * r)[0, 0] / 2, X.T * C * r


_register(
    id="losses.weighted-least-squares-w",
    title="Gradient and Hessian of the weighted least-squares loss",
    formula=r"\nabla_w\, \tfrac12 (X w - y)^\top C\, (X w - y) = X^\top C\, (X w - y),"
    r"\quad C = \operatorname{diag}(c)",
    wrt="w",
    value=weighted_least_squares,
    derivative=grad_weighted_least_squares,
    symbolic=_sp_weighted,
    structure={"c": "positive"},
    derivation=r"""
With $r = Xw - y$ and $C = \operatorname{diag}(c)$ symmetric,
$d(\tfrac12 r^\top C r) = \tfrac12 (dr^\top C r + r^\top C\, dr) = r^\top C\, dr
= \langle X^\top C r, dw\rangle$, so $\nabla_w = X^\top C (Xw - y)$. Differentiating the
affine gradient once more gives the Hessian $X^\top C X$, positive semidefinite for
nonnegative weights. This is the step that iteratively reweighted least squares repeats.
""",
    hessian=hess_weighted_least_squares,
    hessian_formula=r"\nabla_w^2\, \tfrac12 (X w - y)^\top C\, (X w - y) = X^\top C X",
    mistakes=(
        Mistake(
            r"X^\top (X w - y)",
            lambda X, y, c, w: X.T @ (X @ w - y),
            "forgets the weights: the ordinary least-squares gradient",
        ),
        Mistake(
            r"X^\top C^2 (X w - y)",
            lambda X, y, c, w: X.T @ (c**2 * (X @ w - y)),
            "weights both X and the residual by c, as if the weights were sqrt(c) twice over",
        ),
    ),
    conventions={
        "numerator": r"\frac{\partial}{\partial w}\, \tfrac12 (X w - y)^\top C\, (X w - y) "
        r"= (X w - y)^\top C X"
    },
    related=("losses.least-squares-w", "losses.logistic-01-mean-w"),
    assumptions="c holds the sample weights (positive here; the formula holds for any c)",
    sources=(ESL, BISHOP),
    keywords=(
        "weighted least squares",
        "WLS",
        "sample weights",
        "IRLS",
        "iteratively reweighted least squares",
        "X^T C (Xw - y)",
        "least squares",
    ),
)


@shaped
def generalized_least_squares(X: Arr["m d"], y: Arr["m"], S: Arr["m m"], w: Arr["d"]):
    """The generalized least-squares loss ``(X w - y)^T S (X w - y) / 2``, ``S`` SPD.

    >>> float(generalized_least_squares(np.eye(2), np.zeros(2), 2 * np.eye(2), np.ones(2)))
    2.0
    """
    r = X @ w - y
    return r @ S @ r / 2


@shaped_like(generalized_least_squares)
def grad_generalized_least_squares(X, y, S, w):
    """Gradient of ``(X w - y)^T S (X w - y) / 2`` in ``w``: ``X^T S (X w - y)``."""
    return X.T @ S @ (X @ w - y)


@shaped_like(generalized_least_squares)
def hess_generalized_least_squares(X, y, S, w):
    """Hessian of ``(X w - y)^T S (X w - y) / 2`` in ``w``: ``X^T S X``."""
    return X.T @ S @ X


def _sp_symmetric(S):
    # S with its lower triangle replaced by the upper one: symmetric symbols for the exact check.
    return type(S)(S.rows, S.cols, lambda i, j: S[min(i, j), max(i, j)])


def _sp_generalized(X, y, S, w):
    S = _sp_symmetric(S)
    r = X * w - y
    return (r.T * S * r)[0, 0] / 2, X.T * S * r


_register(
    id="losses.generalized-least-squares-w",
    title="Gradient and Hessian of the generalized least-squares loss",
    formula=r"\nabla_w\, \tfrac12 (X w - y)^\top S\, (X w - y) = X^\top S\, (X w - y)",
    wrt="w",
    value=generalized_least_squares,
    derivative=grad_generalized_least_squares,
    symbolic=_sp_generalized,
    structure={"S": "spd"},
    derivation=r"""
With $r = Xw - y$, the product rule gives $d(\tfrac12 r^\top S r) = \tfrac12 (dr^\top S r +
r^\top S\, dr) = r^\top S\, dr$ because $S = S^\top$, and $dr = X\, dw$; so
$\nabla_w = X^\top S (Xw - y)$. The Hessian is $X^\top S X$. For a weight matrix that is not
symmetric only its symmetric part $(S + S^\top)/2$ enters.
""",
    hessian=hess_generalized_least_squares,
    hessian_formula=r"\nabla_w^2\, \tfrac12 (X w - y)^\top S\, (X w - y) = X^\top S X",
    mistakes=(
        Mistake(
            r"X^\top S^{-1} (X w - y)",
            lambda X, y, S, w: X.T @ np.linalg.solve(S, X @ w - y),
            "confuses the weight matrix with the noise covariance it is the inverse of",
        ),
        Mistake(
            r"2 X^\top S (X w - y)",
            lambda X, y, S, w: 2 * X.T @ S @ (X @ w - y),
            "the factor 2 of the loss without its 1/2",
        ),
    ),
    conventions={
        "numerator": r"\frac{\partial}{\partial w}\, \tfrac12 (X w - y)^\top S\, (X w - y) "
        r"= (X w - y)^\top S X"
    },
    related=("losses.weighted-least-squares-w", "losses.least-squares-w", "quadratic.grad-x"),
    assumptions="S symmetric (positive definite here: S is the inverse noise covariance)",
    sources=(ESL, MURPHY),
    keywords=(
        "generalized least squares",
        "GLS",
        "Mahalanobis",
        "correlated noise",
        "X^T S (Xw - y)",
        "least squares",
    ),
)


def _positive_lam(rng, inputs, sizes):
    inputs["lam"] = rng.uniform(0.5, 2.0)


@shaped
def ridge(X: Arr["m d"], y: Arr["m"], lam: Arr[""], w: Arr["d"]):
    """The ridge loss ``||X w - y||^2 / 2 + lam ||w||^2 / 2``.

    >>> float(ridge(np.eye(2), np.zeros(2), 2.0, np.array([1.0, 0.0])))
    1.5
    """
    r = X @ w - y
    return r @ r / 2 + lam * (w @ w) / 2


@shaped_like(ridge)
def grad_ridge(X, y, lam, w):
    """Gradient of ``||X w - y||^2 / 2 + lam ||w||^2 / 2`` in ``w``: ``X^T (X w - y) + lam w``."""
    return X.T @ (X @ w - y) + lam * w


@shaped_like(ridge)
def hess_ridge(X, y, lam, w):
    """Hessian of ``||X w - y||^2 / 2 + lam ||w||^2 / 2`` in ``w``: ``X^T X + lam I``."""
    return X.T @ X + lam * np.eye(w.shape[0])


_register(
    id="losses.ridge-w",
    title="Gradient and Hessian of the ridge loss, halved convention",
    formula=r"\nabla_w \left(\tfrac12 \|X w - y\|_2^2 + \tfrac{\lambda}{2} \|w\|_2^2\right) "
    r"= X^\top (X w - y) + \lambda w",
    wrt="w",
    value=ridge,
    derivative=grad_ridge,
    symbolic=lambda X, y, lam, w: (
        ((X * w - y).T * (X * w - y))[0, 0] / 2 + lam * (w.T * w)[0, 0] / 2,
        X.T * (X * w - y) + lam * w,
    ),
    sample=_sampler(ridge, adjust=_positive_lam),
    derivation=r"""
The loss is a sum: the data term gives $X^\top (Xw - y)$ (least squares) and
$d(\tfrac{\lambda}{2} w^\top w) = \lambda\, w^\top dw$ gives $\lambda w$. Both halves are
there so that no factor 2 appears. The Hessian $X^\top X + \lambda I$ is positive definite
for $\lambda > 0$, whatever the rank of $X$, and the minimizer solves
$(X^\top X + \lambda I) w = X^\top y$.
""",
    hessian=hess_ridge,
    hessian_formula=r"\nabla_w^2 \left(\tfrac12 \|X w - y\|_2^2 + \tfrac{\lambda}{2} "
    r"\|w\|_2^2\right) = X^\top X + \lambda I",
    mistakes=(
        Mistake(
            r"X^\top (X w - y) + 2 \lambda w",
            lambda X, y, lam, w: X.T @ (X @ w - y) + 2 * lam * w,
            "differentiates lam ||w||^2 (no 1/2) while keeping the 1/2 of the data term: mixing "
            "the two conventions",
        ),
        Mistake(
            r"X^\top (X w - y) + \tfrac{\lambda}{2} w",
            lambda X, y, lam, w: X.T @ (X @ w - y) + lam * w / 2,
            "carries the 1/2 of the penalty into the gradient instead of cancelling it with the 2",
        ),
    ),
    conventions={"numerator": r"(X w - y)^\top X + \lambda w^\top"},
    related=("losses.ridge-mean-w", "losses.least-squares-w", "norms.half-squared"),
    assumptions="lambda > 0 is the regularization strength (the formula holds for any real "
    "lambda); both terms carry the factor 1/2",
    sources=(f"{BISHOP}, section 3.1.4", f"{ESL}, section 3.4.1"),
    keywords=(
        "ridge regression",
        "ridge",
        "L2 regularization",
        "weight decay",
        "Tikhonov regularization",
        "regularized least squares",
        "lambda/2 ||w||^2",
        "X^T X + lambda I",
    ),
)


@shaped
def ridge_mean(X: Arr["m d"], y: Arr["m"], lam: Arr[""], w: Arr["d"]):
    """The mean-squared-error ridge loss ``||X w - y||^2 / m + lam ||w||^2``.

    >>> float(ridge_mean(np.eye(2), np.zeros(2), 2.0, np.array([1.0, 0.0])))
    2.5
    """
    r = X @ w - y
    return r @ r / y.shape[0] + lam * (w @ w)


@shaped_like(ridge_mean)
def grad_ridge_mean(X, y, lam, w):
    """Gradient of ``||X w - y||^2 / m + lam ||w||^2`` in ``w``: ``2 X^T (X w - y) / m + 2 lam w``."""
    return 2 * X.T @ (X @ w - y) / y.shape[0] + 2 * lam * w


@shaped_like(ridge_mean)
def hess_ridge_mean(X, y, lam, w):
    """Hessian of ``||X w - y||^2 / m + lam ||w||^2`` in ``w``: ``2 X^T X / m + 2 lam I``."""
    return 2 * X.T @ X / y.shape[0] + 2 * lam * np.eye(w.shape[0])


_register(
    id="losses.ridge-mean-w",
    title="Gradient and Hessian of the ridge loss, mean-squared-error convention",
    formula=r"\nabla_w \left(\tfrac1m \|X w - y\|_2^2 + \lambda \|w\|_2^2\right) "
    r"= \tfrac2m X^\top (X w - y) + 2 \lambda w",
    wrt="w",
    value=ridge_mean,
    derivative=grad_ridge_mean,
    symbolic=lambda X, y, lam, w: (
        ((X * w - y).T * (X * w - y))[0, 0] / X.rows + lam * (w.T * w)[0, 0],
        2 * X.T * (X * w - y) / X.rows + 2 * lam * w,
    ),
    sample=_sampler(ridge_mean, adjust=_positive_lam),
    derivation=r"""
Here the data term is the mean squared error over the $m$ rows and neither term is halved,
so each derivative keeps its 2: $d(\tfrac1m r^\top r) = \tfrac2m r^\top X\, dw$ with
$r = Xw - y$, and $d(\lambda w^\top w) = 2\lambda\, w^\top dw$. The Hessian is
$\tfrac2m X^\top X + 2\lambda I$. The minimizer solves $(X^\top X + m\lambda I) w = X^\top y$:
the same as the halved form with $\lambda$ replaced by $m \lambda$.
""",
    hessian=hess_ridge_mean,
    hessian_formula=r"\nabla_w^2 \left(\tfrac1m \|X w - y\|_2^2 + \lambda \|w\|_2^2\right) "
    r"= \tfrac2m X^\top X + 2 \lambda I",
    mistakes=(
        Mistake(
            r"\tfrac1m X^\top (X w - y) + \lambda w",
            lambda X, y, lam, w: X.T @ (X @ w - y) / y.shape[0] + lam * w,
            "the missing 2: the halved convention's gradient applied to the unhalved loss",
        ),
        Mistake(
            r"\tfrac2m X^\top (X w - y) + \lambda w",
            lambda X, y, lam, w: 2 * X.T @ (X @ w - y) / y.shape[0] + lam * w,
            "differentiates the data term correctly but drops the 2 of the penalty",
        ),
        Mistake(
            r"2 X^\top (X w - y) + 2 \lambda w",
            lambda X, y, lam, w: 2 * X.T @ (X @ w - y) + 2 * lam * w,
            "forgets the 1/m of the mean",
        ),
    ),
    conventions={"numerator": r"\tfrac2m (X w - y)^\top X + 2 \lambda w^\top"},
    related=("losses.ridge-w", "losses.mse-prediction", "losses.least-squares-w"),
    assumptions="m is the number of rows of X (samples); lambda > 0 (the formula holds for any "
    "real lambda); neither term is halved",
    sources=(f"{ESL}, section 3.4.1", MURPHY),
    keywords=(
        "ridge regression",
        "mean squared error",
        "MSE",
        "L2 regularization",
        "weight decay",
        "1/n",
        "1/m",
        "factor 2",
    ),
)


@shaped
def mean_squared_error(yhat: Arr["m"], y: Arr["m"]):
    """The mean squared error ``||yhat - y||^2 / m`` of predictions ``yhat``.

    >>> float(mean_squared_error(np.array([1.0, 3.0]), np.array([1.0, 1.0])))
    2.0
    """
    r = yhat - y
    return r @ r / y.shape[0]


@shaped_like(mean_squared_error)
def grad_mean_squared_error(yhat, y):
    """Gradient of ``||yhat - y||^2 / m`` in ``yhat``: ``2 (yhat - y) / m``."""
    return 2 * (yhat - y) / y.shape[0]


@shaped_like(mean_squared_error)
def hess_mean_squared_error(yhat, y):
    """Hessian of ``||yhat - y||^2 / m`` in ``yhat``: ``2 I / m``."""
    return 2 * np.eye(y.shape[0]) / y.shape[0]


_register(
    id="losses.mse-prediction",
    title="Gradient of the mean squared error with respect to the predictions",
    formula=r"\nabla_{\hat y}\, \tfrac1m \|\hat y - y\|_2^2 = \tfrac2m (\hat y - y)",
    wrt="yhat",
    value=mean_squared_error,
    derivative=grad_mean_squared_error,
    symbolic=lambda yhat, y: (
        ((yhat - y).T * (yhat - y))[0, 0] / y.rows,
        2 * (yhat - y) / y.rows,
    ),
    derivation=r"""
$d(\tfrac1m r^\top r) = \tfrac2m r^\top dr$ with $r = \hat y - y$ and $dr = d\hat y$, so
$\nabla_{\hat y} = \tfrac2m (\hat y - y)$. This is the upstream gradient that
backpropagation starts from for a regression network; the chain rule through a linear
model $\hat y = Xw$ multiplies it by $X^\top$. The Hessian is $\tfrac2m I$.
""",
    hessian=hess_mean_squared_error,
    hessian_formula=r"\nabla_{\hat y}^2\, \tfrac1m \|\hat y - y\|_2^2 = \tfrac2m I",
    mistakes=(
        Mistake(
            r"\tfrac1m (\hat y - y)",
            lambda yhat, y: (yhat - y) / y.shape[0],
            "the missing 2: the gradient of the halved loss",
        ),
        Mistake(
            r"2 (\hat y - y)",
            lambda yhat, y: 2 * (yhat - y),
            "forgets the 1/m of the mean (the gradient of the sum)",
        ),
    ),
    conventions={"numerator": r"\tfrac2m (\hat y - y)^\top"},
    related=("losses.ridge-mean-w", "losses.least-squares-w", "norms.half-squared"),
    assumptions="m is the number of predictions; the mean, not the sum, and no factor 1/2",
    sources=(DLBOOK, MURPHY),
    keywords=(
        "mean squared error",
        "MSE",
        "L2 loss",
        "squared error",
        "regression loss",
        "2/m",
        "upstream gradient",
    ),
)


@shaped
def least_squares_matrix(W: Arr["d k"], X: Arr["m d"], Y: Arr["m k"]):
    """The multi-output least-squares loss ``||X W - Y||_F^2 / 2``.

    >>> float(least_squares_matrix(np.eye(2), np.eye(2), np.zeros((2, 2))))
    1.0
    """
    R = X @ W - Y
    return np.sum(R * R) / 2


@shaped_like(least_squares_matrix)
def grad_least_squares_matrix(W, X, Y):
    """Gradient of ``||X W - Y||_F^2 / 2`` in ``W``: ``X^T (X W - Y)``."""
    return X.T @ (X @ W - Y)


@shaped_like(least_squares_matrix)
def hess_least_squares_matrix(W, X, Y):
    """Hessian of ``||X W - Y||_F^2 / 2`` in ``W``: ``(X^T X)_ac delta_be``, shape (d, k, d, k)."""
    return np.einsum("ac,be->abce", X.T @ X, np.eye(W.shape[1]))


_register(
    id="losses.least-squares-matrix-W",
    title="Gradient and Hessian of the multi-output least-squares loss",
    formula=r"\nabla_W\, \tfrac12 \|X W - Y\|_F^2 = X^\top (X W - Y)",
    wrt="W",
    value=least_squares_matrix,
    derivative=grad_least_squares_matrix,
    symbolic=lambda W, X, Y: (
        ((X * W - Y).T * (X * W - Y)).trace() / 2,
        X.T * (X * W - Y),
    ),
    derivation=r"""
With $R = XW - Y$, $d\,\tfrac12 \|R\|_F^2 = \langle R, dR\rangle = \langle R, X\, dW\rangle
= \operatorname{tr}(R^\top X\, dW) = \langle X^\top R, dW\rangle$, so
$\nabla_W = X^\top (XW - Y)$: one least-squares gradient per column of $W$. The gradient is
linear in $W$; in a direction $V$ it changes by $X^\top X V$, which is the Hessian
(block diagonal over the $k$ outputs, each block $X^\top X$).
""",
    hessian=hess_least_squares_matrix,
    hessian_formula=r"\nabla_W^2\, \tfrac12 \|X W - Y\|_F^2\,[V] = X^\top X V",
    mistakes=(
        Mistake(
            r"(X W - Y)^\top X",
            lambda W, X, Y: (X @ W - Y).T @ X,
            "the numerator-layout derivative, shaped like W^T",
        ),
        Mistake(
            r"X^\top X W",
            lambda W, X, Y: X.T @ X @ W,
            "drops the term -X^T Y of the targets",
        ),
    ),
    conventions={"numerator": r"(X W - Y)^\top X \ \text{(shaped like } W^\top\text{)}"},
    related=("losses.least-squares-w", "traces.axb"),
    assumptions="any X, Y and W; Frobenius norm; the factor 1/2",
    sources=(MML, ESL),
    keywords=(
        "multi-output regression",
        "multivariate least squares",
        "Frobenius norm",
        "||XW - Y||_F^2",
        "least squares",
        "linear layer",
        "X^T (XW - Y)",
    ),
)


@shaped
def least_squares_directional(X: Arr["m d"], y: Arr["m"], v: Arr["d"], w: Arr["d"]):
    """The directional derivative ``<X^T (X w - y), v>`` of the least-squares loss along ``v``.

    >>> float(least_squares_directional(np.eye(2), np.zeros(2), np.ones(2), np.array([1.0, 2.0])))
    3.0
    """
    return (X @ w - y) @ (X @ v)


@shaped_like(least_squares_directional)
def hvp_least_squares(X, y, v, w):
    """Hessian-vector product of the least-squares loss: ``X^T (X v)``, without forming ``X^T X``."""
    return X.T @ (X @ v)


_register(
    id="losses.least-squares-hvp",
    title="Hessian-vector product of the least-squares loss",
    formula=r"\nabla_w \left\langle X^\top (X w - y),\, v \right\rangle = X^\top (X v)",
    wrt="w",
    value=least_squares_directional,
    derivative=hvp_least_squares,
    symbolic=lambda X, y, v, w: (((X * w - y).T * (X * v))[0, 0], X.T * (X * v)),
    derivation=r"""
The directional derivative of $L(w) = \tfrac12\|Xw - y\|^2$ along $v$ is
$g(w) = \langle \nabla L(w), v\rangle = (Xw - y)^\top X v$, a scalar; its gradient in $w$ is
$\nabla^2 L(w)\, v = X^\top (X v)$. Computed right to left it costs two matrix-vector
products, and a reader never forms the $d \times d$ matrix $X^\top X$: this is what
conjugate-gradient and Newton-CG solvers use (Pearlmutter's trick, which here needs no
automatic differentiation).
""",
    hessian="zero",
    hessian_formula=r"\nabla_w^2 \left\langle X^\top (X w - y),\, v \right\rangle = 0",
    mistakes=(
        Mistake(
            r"X^\top (X v - y)",
            lambda X, y, v, w: X.T @ (X @ v - y),
            "evaluates the gradient at v instead of differentiating it along v",
        ),
        Mistake(
            r"X^\top (X w - y)",
            lambda X, y, v, w: X.T @ (X @ w - y),
            "the gradient itself: forgets that v is the direction",
        ),
    ),
    conventions={"numerator": r"(X v)^\top X"},
    related=("losses.least-squares-w", "losses.logistic-hvp", "losses.softmax-ce-hvp"),
    assumptions="v is a fixed direction; the Hessian X^T X of the least-squares loss does not "
    "depend on w",
    sources=(PEARLMUTTER, "Nocedal & Wright, *Numerical Optimization*, 2nd ed. (2006)"),
    keywords=(
        "Hessian-vector product",
        "HVP",
        "Hv",
        "Pearlmutter",
        "Newton-CG",
        "conjugate gradient",
        "least squares",
        "directional derivative",
    ),
)


# -- logistic loss, labels in {-1, 1} and in {0, 1}; binary cross-entropy ---------------------


def _signs(rng, inputs, sizes):
    # Labels in {-1, 1}; with two or more samples, both labels occur.
    y = rng.choice([-1.0, 1.0], size=np.shape(inputs["y"]))
    if y.size >= 2:
        y.flat[:2] = (1.0, -1.0)
    inputs["y"] = y


def _bits(rng, inputs, sizes):
    # Labels in {0, 1}; with two or more samples, both labels occur.
    y = rng.integers(0, 2, size=np.shape(inputs["y"])).astype(float)
    if y.size >= 2:
        y.flat[:2] = (1.0, 0.0)
    inputs["y"] = y


@shaped
def logistic_pm1(x: Arr["d"], y: Arr[""], w: Arr["d"]):
    """Logistic loss ``log(1 + exp(-y w^T x))`` of one sample with label ``y`` in {-1, 1}.

    >>> float(logistic_pm1(np.array([1.0, 2.0]), -1.0, np.zeros(2))) == float(np.log(2.0))
    True
    """
    return _softplus(-y * _score(x, w))


@shaped_like(logistic_pm1)
def grad_logistic_pm1(x, y, w):
    """Gradient of ``log(1 + exp(-y w^T x))`` in ``w``: ``-y sigmoid(-y w^T x) x``."""
    return -y * _sigmoid(-y * _score(x, w)) * x


@shaped_like(logistic_pm1)
def hess_logistic_pm1(x, y, w):
    """Hessian of ``log(1 + exp(-y w^T x))`` in ``w``: ``sigmoid(t) sigmoid(-t) x x^T``."""
    t = _score(x, w)
    return _sigmoid(t) * _sigmoid(-t) * np.outer(x, x)


def _sp_logistic_pm1(x, y, w):
    t = (w.T * x)[0, 0]
    return _sp_softplus(-y * t), -y * _sp_sigmoid(-y * t) * x


_register(
    id="losses.logistic-pm1-w",
    title="Gradient of the logistic loss of one sample, labels in {-1, 1}",
    formula=r"\nabla_w \log\!\left(1 + e^{-y\, w^\top x}\right) = -y\, \sigma(-y\, w^\top x)\, x,"
    r"\quad y \in \{-1, 1\}",
    wrt="w",
    value=logistic_pm1,
    derivative=grad_logistic_pm1,
    symbolic=_sp_logistic_pm1,
    sample=_sampler(logistic_pm1, adjust=_signs),
    derivation=r"""
With the margin $s = y\, w^\top x$, $ds = y\, \langle x, dw\rangle$, and
$\tfrac{d}{ds} \log(1 + e^{-s}) = -\sigma(-s)$, so $\nabla_w = -y\,\sigma(-y\,w^\top x)\, x$:
the gradient is large for a misclassified sample ($s < 0$) and vanishes as the margin grows.
Differentiating again with $\sigma'(s) = \sigma(s)\sigma(-s)$ gives
$y^2 \sigma(s)\sigma(-s)\, x x^\top$, and $y^2 = 1$ removes the label.
""",
    hessian=hess_logistic_pm1,
    hessian_formula=r"\nabla_w^2 \log\!\left(1 + e^{-y\, w^\top x}\right) = "
    r"\sigma(w^\top x)\,\sigma(-w^\top x)\, x x^\top",
    mistakes=(
        Mistake(
            r"-y\, \sigma(y\, w^\top x)\, x",
            lambda x, y, w: -y * _sigmoid(y * (w @ x)) * x,
            "sigma of the margin where sigma of minus the margin is needed",
        ),
        Mistake(
            r"y\, \sigma(-y\, w^\top x)\, x",
            lambda x, y, w: y * _sigmoid(-y * (w @ x)) * x,
            "loses the minus sign of the inner derivative of -y w^T x",
        ),
    ),
    conventions={"numerator": r"-y\, \sigma(-y\, w^\top x)\, x^\top"},
    related=("losses.logistic-w", "losses.logistic-pm1-mean-w", "losses.logistic-01-w"),
    assumptions="y in {-1, 1} (the gradient holds for any real y; the Hessian uses y^2 = 1); "
    "sigma(s) = 1 / (1 + exp(-s))",
    sources=(MURPHY, ESL),
    keywords=(
        "logistic loss",
        "logistic regression",
        "labels -1 1",
        "margin",
        "log loss",
        "sigmoid",
        "softplus",
    ),
)


@shaped
def logistic_pm1_mean(X: Arr["m d"], y: Arr["m"], w: Arr["d"]):
    """Mean logistic loss ``(1/m) sum_i log(1 + exp(-y_i x_i^T w))``, labels in {-1, 1}.

    >>> float(logistic_pm1_mean(np.eye(2), np.array([1.0, -1.0]), np.zeros(2))) == float(np.log(2))
    True
    """
    return np.mean(_softplus(-y * (X @ w)))


@shaped_like(logistic_pm1_mean)
def grad_logistic_pm1_mean(X, y, w):
    """Gradient of the mean {-1, 1} logistic loss: ``-(1/m) X^T (y * sigmoid(-y * X w))``."""
    return -X.T @ (y * _sigmoid(-y * (X @ w))) / y.shape[0]


@shaped_like(logistic_pm1_mean)
def hess_logistic_pm1_mean(X, y, w):
    """Hessian of the mean {-1, 1} logistic loss: ``(1/m) X^T diag(sigma(s) sigma(-s)) X``."""
    s = X @ w
    return X.T @ ((_sigmoid(s) * _sigmoid(-s))[:, None] * X) / y.shape[0]


def _sp_logistic_pm1_mean(X, y, w):
    s = (X * w).multiply_elementwise(y)
    value = sum(_sp_softplus(-si) for si in s) / X.rows
    return value, -X.T * y.multiply_elementwise(s.applyfunc(lambda t: _sp_sigmoid(-t))) / X.rows


_register(
    id="losses.logistic-pm1-mean-w",
    title="Gradient of the mean logistic loss over a dataset, labels in {-1, 1}",
    formula=r"\nabla_w\, \frac1m \sum_{i=1}^m \log\!\left(1 + e^{-y_i x_i^\top w}\right) = "
    r"-\frac1m X^\top \left(y \odot \sigma(-y \odot X w)\right)",
    wrt="w",
    value=logistic_pm1_mean,
    derivative=grad_logistic_pm1_mean,
    symbolic=_sp_logistic_pm1_mean,
    sample=_sampler(logistic_pm1_mean, adjust=_signs),
    derivation=r"""
Each term is the single-sample loss with margin $s_i = y_i x_i^\top w$, whose gradient is
$-y_i \sigma(-s_i) x_i$; summing the rows $x_i^\top$ of $X$ weighted by
$y_i \sigma(-s_i)$ is the product $X^\top (y \odot \sigma(-s))$, and the mean divides by $m$.
The Hessian is the weighted Gram matrix $\tfrac1m X^\top D X$ with
$D = \operatorname{diag}(\sigma(s_i)\sigma(-s_i))$ ($y_i^2 = 1$ and $\sigma(s)\sigma(-s)$ is
even in $s$, so the labels drop out).
""",
    hessian=hess_logistic_pm1_mean,
    hessian_formula=r"\nabla_w^2 = \frac1m X^\top \operatorname{diag}\!\big(\sigma(X w) \odot "
    r"\sigma(-X w)\big) X",
    mistakes=(
        Mistake(
            r"\frac1m X^\top (\sigma(X w) - y)",
            lambda X, y, w: X.T @ (_sigmoid(X @ w) - y) / y.shape[0],
            "the {0, 1}-label formula applied to labels in {-1, 1}",
        ),
        Mistake(
            r"-X^\top \left(y \odot \sigma(-y \odot X w)\right)",
            lambda X, y, w: -X.T @ (y * _sigmoid(-y * (X @ w))),
            "the gradient of the sum: forgets the 1/m of the mean",
        ),
    ),
    conventions={"numerator": r"-\frac1m \left(y \odot \sigma(-y \odot X w)\right)^\top X"},
    related=("losses.logistic-pm1-w", "losses.logistic-01-mean-w", "losses.logistic-w"),
    assumptions="y in {-1, 1}^m (the gradient holds for any real y; the Hessian uses y_i^2 = 1); "
    "x_i^T is the i-th row of X",
    sources=(MURPHY, ESL),
    keywords=(
        "logistic regression",
        "logistic loss",
        "empirical risk",
        "labels -1 1",
        "mean loss",
        "sigmoid",
    ),
)


@shaped
def logistic_01(x: Arr["d"], y: Arr[""], w: Arr["d"]):
    """Cross-entropy of ``sigmoid(w^T x)`` for a label ``y`` in {0, 1}: ``softplus(t) - y t``.

    >>> float(logistic_01(np.array([1.0, 2.0]), 1.0, np.zeros(2))) == float(np.log(2.0))
    True
    """
    t = _score(x, w)
    return _softplus(t) - y * t


@shaped_like(logistic_01)
def grad_logistic_01(x, y, w):
    """Gradient of the {0, 1} logistic loss in ``w``: ``(sigmoid(w^T x) - y) x``."""
    return (_sigmoid(_score(x, w)) - y) * x


@shaped_like(logistic_01)
def hess_logistic_01(x, y, w):
    """Hessian of the {0, 1} logistic loss in ``w``: ``sigmoid(t) (1 - sigmoid(t)) x x^T``."""
    t = _score(x, w)
    return _sigmoid(t) * _sigmoid(-t) * np.outer(x, x)


def _sp_logistic_01(x, y, w):
    t = (w.T * x)[0, 0]
    return _sp_softplus(t) - y * t, (_sp_sigmoid(t) - y) * x


_register(
    id="losses.logistic-01-w",
    title="Gradient of the logistic loss (cross-entropy) of one sample, labels in {0, 1}",
    formula=r"\nabla_w \left(-y \log \sigma(w^\top x) - (1 - y) \log\big(1 - \sigma(w^\top x)"
    r"\big)\right) = \big(\sigma(w^\top x) - y\big)\, x,\quad y \in \{0, 1\}",
    wrt="w",
    value=logistic_01,
    derivative=grad_logistic_01,
    symbolic=_sp_logistic_01,
    sample=_sampler(logistic_01, adjust=_bits),
    derivation=r"""
With $t = w^\top x$, $-\log\sigma(t) = \log(1 + e^{-t})$ and $-\log(1 - \sigma(t)) =
\log(1 + e^{t})$, so the loss is $\log(1 + e^{t}) - y\, t$. Its derivative in $t$ is
$\sigma(t) - y$ (prediction minus label), and $dt = \langle x, dw\rangle$ gives
$\nabla_w = (\sigma(w^\top x) - y)\, x$. The Hessian $\sigma(t)(1 - \sigma(t))\, x x^\top$
does not depend on the label.
""",
    hessian=hess_logistic_01,
    hessian_formula=r"\nabla_w^2 = \sigma(w^\top x)\big(1 - \sigma(w^\top x)\big)\, x x^\top",
    mistakes=(
        Mistake(
            r"\big(y - \sigma(w^\top x)\big)\, x",
            lambda x, y, w: (y - _sigmoid(w @ x)) * x,
            "the gradient of the log-likelihood, which the loss negates",
        ),
        Mistake(
            r"\sigma(w^\top x)\big(1 - \sigma(w^\top x)\big)\big(\sigma(w^\top x) - y\big)\, x",
            lambda x, y, w: _sigmoid(w @ x) * _sigmoid(-(w @ x)) * (_sigmoid(w @ x) - y) * x,
            "chains through sigma' as for a squared error on the probability: for the "
            "cross-entropy the factor sigma' cancels",
        ),
    ),
    conventions={"numerator": r"\big(\sigma(w^\top x) - y\big)\, x^\top"},
    related=("losses.logistic-w", "losses.logistic-01-mean-w", "losses.bce-logits"),
    assumptions="y in {0, 1} (the formula holds for any real y, e.g. a soft label in [0, 1]); "
    "sigma(s) = 1 / (1 + exp(-s))",
    sources=(f"{BISHOP}, section 4.3.2", f"{DLBOOK}, section 6.2.2.2"),
    keywords=(
        "logistic regression",
        "binary cross-entropy",
        "log loss",
        "labels 0 1",
        "sigmoid minus label",
        "prediction minus target",
    ),
)


@shaped
def logistic_01_mean(X: Arr["m d"], y: Arr["m"], w: Arr["d"]):
    """Mean {0, 1} logistic loss ``(1/m) sum_i softplus(x_i^T w) - y_i x_i^T w``.

    >>> float(logistic_01_mean(np.eye(2), np.array([1.0, 0.0]), np.zeros(2))) == float(np.log(2))
    True
    """
    s = X @ w
    return np.mean(_softplus(s) - y * s)


@shaped_like(logistic_01_mean)
def grad_logistic_01_mean(X, y, w):
    """Gradient of the mean {0, 1} logistic loss: ``(1/m) X^T (sigmoid(X w) - y)``."""
    return X.T @ (_sigmoid(X @ w) - y) / y.shape[0]


@shaped_like(logistic_01_mean)
def hess_logistic_01_mean(X, y, w):
    """Hessian of the mean {0, 1} logistic loss: ``(1/m) X^T diag(sigma (1 - sigma)) X``."""
    s = X @ w
    return X.T @ ((_sigmoid(s) * _sigmoid(-s))[:, None] * X) / y.shape[0]


def _sp_logistic_01_mean(X, y, w):
    s = X * w
    value = sum(_sp_softplus(si) - yi * si for si, yi in zip(s, y, strict=True)) / X.rows
    return value, X.T * (s.applyfunc(_sp_sigmoid) - y) / X.rows


_register(
    id="losses.logistic-01-mean-w",
    title="Gradient of the mean logistic loss (cross-entropy) over a dataset, labels in {0, 1}",
    formula=r"\nabla_w\, \frac1m \sum_{i=1}^m \left(\log\!\left(1 + e^{x_i^\top w}\right) - "
    r"y_i\, x_i^\top w\right) = \frac1m X^\top \big(\sigma(X w) - y\big)",
    wrt="w",
    value=logistic_01_mean,
    derivative=grad_logistic_01_mean,
    symbolic=_sp_logistic_01_mean,
    sample=_sampler(logistic_01_mean, adjust=_bits),
    derivation=r"""
With scores $s = Xw$, $ds = X\, dw$, and each term's derivative in $s_i$ is
$\sigma(s_i) - y_i$; so $dL = \tfrac1m (\sigma(s) - y)^\top X\, dw$ and
$\nabla_w = \tfrac1m X^\top (\sigma(Xw) - y)$. Differentiating $\sigma(s)$ once more gives the
Hessian $\tfrac1m X^\top R X$ with $R = \operatorname{diag}(\sigma(s)\odot(1 - \sigma(s)))$:
the matrix that Newton's method (iteratively reweighted least squares) inverts.
""",
    hessian=hess_logistic_01_mean,
    hessian_formula=r"\nabla_w^2 = \frac1m X^\top \operatorname{diag}\!\big(\sigma(X w) \odot "
    r"(1 - \sigma(X w))\big) X",
    mistakes=(
        Mistake(
            r"\frac1m X^\top \big(y - \sigma(X w)\big)",
            lambda X, y, w: X.T @ (y - _sigmoid(X @ w)) / y.shape[0],
            "the gradient of the mean log-likelihood, of the opposite sign",
        ),
        Mistake(
            r"X^\top \big(\sigma(X w) - y\big)",
            lambda X, y, w: X.T @ (_sigmoid(X @ w) - y),
            "the gradient of the sum: forgets the 1/m of the mean",
        ),
    ),
    conventions={"numerator": r"\frac1m \big(\sigma(X w) - y\big)^\top X"},
    related=("losses.logistic-01-w", "losses.logistic-pm1-mean-w", "losses.logistic-hvp"),
    assumptions="y in {0, 1}^m (the formula holds for any real y); x_i^T is the i-th row of X",
    sources=(f"{BISHOP}, sections 4.3.2 and 4.3.3", MURPHY),
    keywords=(
        "logistic regression",
        "binary cross-entropy",
        "IRLS",
        "Newton's method",
        "labels 0 1",
        "X^T (sigma(Xw) - y)",
        "empirical risk",
    ),
)


@shaped
def bce_with_logits(z: Arr["n"], y: Arr["n"]):
    """Binary cross-entropy of logits ``z`` against targets ``y``, summed: ``sum softplus(z) - y z``.

    >>> float(bce_with_logits(np.zeros(2), np.array([1.0, 0.0]))) == float(2 * np.log(2))
    True
    """
    return np.sum(_softplus(z) - y * z)


@shaped_like(bce_with_logits)
def grad_bce_with_logits(z, y):
    """Gradient of the binary cross-entropy in the logits: ``sigmoid(z) - y``."""
    return _sigmoid(z) - y


@shaped_like(bce_with_logits)
def hess_bce_with_logits(z, y):
    """Hessian of the binary cross-entropy in the logits: ``diag(sigmoid(z) (1 - sigmoid(z)))``."""
    return np.diag(_sigmoid(z) * _sigmoid(-z))


def _uniform_targets(rng, inputs, sizes):
    inputs["y"] = rng.uniform(0.0, 1.0, size=np.shape(inputs["y"]))


_register(
    id="losses.bce-logits",
    title="Gradient of the binary cross-entropy with respect to the logits",
    formula=r"\nabla_z \sum_i \Big(-y_i \log \sigma(z_i) - (1 - y_i) \log\big(1 - \sigma(z_i)\big)"
    r"\Big) = \sigma(z) - y",
    wrt="z",
    value=bce_with_logits,
    derivative=grad_bce_with_logits,
    symbolic=lambda z, y: (
        sum(_sp_softplus(zi) - yi * zi for zi, yi in zip(z, y, strict=True)),
        z.applyfunc(_sp_sigmoid) - y,
    ),
    sample=_sampler(bce_with_logits, adjust=_uniform_targets),
    derivation=r"""
Entry by entry, $-y\log\sigma(z) - (1 - y)\log(1 - \sigma(z)) = \log(1 + e^{z}) - y z$
(using $\log(1 - \sigma(z)) = -\log(1 + e^{z})$), whose derivative is $\sigma(z) - y$.
Computing the loss from the logits this way (softplus, never $\log$ of a rounded
probability) is what makes it stable; the gradient has no division by
$\sigma(z)(1 - \sigma(z))$. The Hessian is diagonal, $\operatorname{diag}(\sigma(z)\odot(1 -
\sigma(z)))$.
""",
    hessian=hess_bce_with_logits,
    hessian_formula=r"\nabla_z^2 = \operatorname{diag}\!\big(\sigma(z) \odot (1 - \sigma(z))\big)",
    mistakes=(
        Mistake(
            r"\big(\sigma(z) - y\big) \odot \sigma(z) \odot \big(1 - \sigma(z)\big)",
            lambda z, y: (_sigmoid(z) - y) * _sigmoid(z) * _sigmoid(-z),
            "multiplies by sigma' as if the loss were a squared error on the probabilities",
        ),
        Mistake(
            r"\frac{\sigma(z) - y}{\sigma(z)\,(1 - \sigma(z))}",
            lambda z, y: (_sigmoid(z) - y) / (_sigmoid(z) * _sigmoid(-z)),
            "the gradient with respect to the probabilities p = sigma(z), not the logits",
        ),
    ),
    conventions={"numerator": r"\big(\sigma(z) - y\big)^\top"},
    related=("losses.logistic-01-w", "losses.softmax-ce-onehot", "losses.logistic-w"),
    assumptions="targets y in [0, 1] (the formula holds for any real y); summed over the n "
    "entries (divide by n for the mean reduction)",
    sources=(f"{DLBOOK}, section 6.2.2.2", MURPHY),
    keywords=(
        "binary cross-entropy",
        "BCE",
        "BCEWithLogitsLoss",
        "sigmoid cross-entropy",
        "logits",
        "multi-label",
        "sigmoid minus target",
    ),
)


@shaped
def logistic_directional(X: Arr["m d"], y: Arr["m"], v: Arr["d"], w: Arr["d"]):
    """Directional derivative ``<(1/m) X^T (sigmoid(X w) - y), v>`` of the mean logistic loss.

    >>> float(logistic_directional(np.eye(2), np.array([1.0, 0.0]), np.ones(2), np.zeros(2)))
    0.0
    """
    return (_sigmoid(X @ w) - y) @ (X @ v) / y.shape[0]


@shaped_like(logistic_directional)
def hvp_logistic(X, y, v, w):
    """Hessian-vector product of the mean logistic loss: ``(1/m) X^T (sigma' (X w) * X v)``."""
    s = X @ w
    return X.T @ (_sigmoid(s) * _sigmoid(-s) * (X @ v)) / y.shape[0]


@shaped_like(logistic_directional)
def hess_logistic_directional(X, y, v, w):
    """Third derivative along ``v``: ``(1/m) X^T diag(sigma''(X w) * X v) X``."""
    s = X @ w
    second = _sigmoid(s) * _sigmoid(-s) * (_sigmoid(-s) - _sigmoid(s))
    return X.T @ ((second * (X @ v))[:, None] * X) / y.shape[0]


def _sp_logistic_directional(X, y, v, w):
    s, u = X * w, X * v
    sigma = s.applyfunc(_sp_sigmoid)
    curvature = sigma.multiply_elementwise(sigma.applyfunc(lambda p: 1 - p))
    return ((sigma - y).T * u)[0, 0] / X.rows, X.T * curvature.multiply_elementwise(u) / X.rows


_register(
    id="losses.logistic-hvp",
    title="Hessian-vector product of the mean logistic loss",
    formula=r"\nabla_w \left\langle \tfrac1m X^\top \big(\sigma(X w) - y\big),\, v \right\rangle "
    r"= \tfrac1m X^\top \Big(\sigma(X w) \odot \big(1 - \sigma(X w)\big) \odot X v\Big)",
    wrt="w",
    value=logistic_directional,
    derivative=hvp_logistic,
    symbolic=_sp_logistic_directional,
    sample=_sampler(logistic_directional, adjust=_bits),
    derivation=r"""
The directional derivative of the mean {0, 1} logistic loss along $v$ is
$g(w) = \tfrac1m (\sigma(Xw) - y)^\top X v$. Only $\sigma(s)$, $s = Xw$, depends on $w$, with
$d\sigma(s) = \sigma'(s) \odot X\, dw$, so $dg = \tfrac1m (\sigma'(s) \odot Xv)^\top X\, dw$ and
$\nabla_w g = H v = \tfrac1m X^\top (\sigma'(s) \odot Xv)$. It costs two products with $X$
and one with $X^\top$; a reader never forms the $d \times d$ Hessian. Its own derivative
(the third derivative along $v$) is $\tfrac1m X^\top \operatorname{diag}(\sigma''(s) \odot
Xv) X$, with $\sigma'' = \sigma(1 - \sigma)(1 - 2\sigma)$.
""",
    hessian=hess_logistic_directional,
    hessian_formula=r"\nabla_w^2 \langle \nabla L(w), v\rangle = \tfrac1m X^\top "
    r"\operatorname{diag}\!\big(\sigma''(X w) \odot X v\big) X,\quad "
    r"\sigma'' = \sigma (1 - \sigma)(1 - 2\sigma)",
    mistakes=(
        Mistake(
            r"\tfrac1m X^\top \Big(\sigma(X w) \odot \big(1 - \sigma(X w)\big)\Big)",
            lambda X, y, v, w: X.T @ (_sigmoid(X @ w) * _sigmoid(-(X @ w))) / y.shape[0],
            "forgets the direction v: the Hessian's row sums, not H v",
        ),
        Mistake(
            r"\tfrac1m X^\top \big(\sigma(X v) - y\big)",
            lambda X, y, v, w: X.T @ (_sigmoid(X @ v) - y) / y.shape[0],
            "evaluates the gradient at v instead of differentiating it along v",
        ),
    ),
    conventions={
        "numerator": r"\tfrac1m \Big(\sigma(X w) \odot \big(1 - \sigma(X w)\big) \odot X v"
        r"\Big)^\top X"
    },
    related=("losses.logistic-01-mean-w", "losses.least-squares-hvp", "losses.softmax-ce-hvp"),
    assumptions="v is a fixed direction; y in {0, 1}^m (the formula holds for any y: the "
    "Hessian does not depend on the labels)",
    sources=(PEARLMUTTER, f"{BISHOP}, section 4.3.3"),
    keywords=(
        "Hessian-vector product",
        "HVP",
        "Hv",
        "logistic regression",
        "Newton-CG",
        "Pearlmutter",
        "truncated Newton",
    ),
)


# -- softmax cross-entropy and multinomial logistic regression -------------------------------


@shaped
def softmax_cross_entropy(z: Arr["k"], y: Arr["k"]):
    """Cross-entropy ``-sum_i y_i log softmax(z)_i`` of logits ``z`` against labels ``y``.

    >>> float(softmax_cross_entropy(np.zeros(2), np.array([0.0, 1.0]))) == float(np.log(2.0))
    True
    """
    return -(y @ (z - _logsumexp(z)))


@shaped_like(softmax_cross_entropy)
def grad_softmax_cross_entropy(z, y):
    """Gradient of the cross-entropy in the logits, labels summing to 1: ``softmax(z) - y``."""
    return _softmax(z) - y


@shaped_like(softmax_cross_entropy)
def hess_softmax_cross_entropy(z, y):
    """Hessian of the cross-entropy in the logits: ``diag(p) - p p^T``, ``p = softmax(z)``."""
    p = _softmax(z)
    return np.diag(p) - np.outer(p, p)


def _sp_cross_entropy(z, y):
    # -sum y_i log softmax(z)_i as the sum of y_i (log-sum-exp - z_i).
    lse = _sp_logsumexp(z)
    return sum(yi * (lse - zi) for zi, yi in zip(z, y, strict=True))


def _sp_softmax_ce_onehot(z, y):
    y = _normalized(y)
    return _sp_cross_entropy(z, y), _sp_softmax(z) - y


_register(
    id="losses.softmax-ce-onehot",
    title="Gradient of the softmax cross-entropy with respect to the logits, one-hot labels",
    formula=r"\nabla_z \left(-\sum_{i=1}^k y_i \log \operatorname{softmax}(z)_i\right) = "
    r"\operatorname{softmax}(z) - y",
    wrt="z",
    value=softmax_cross_entropy,
    derivative=grad_softmax_cross_entropy,
    symbolic=_sp_softmax_ce_onehot,
    sample=_sampler(softmax_cross_entropy, {"y": "one-hot"}, base=1),
    derivation=r"""
$\log \operatorname{softmax}(z)_i = z_i - \operatorname{lse}(z)$ with
$\operatorname{lse}(z) = \log \sum_j e^{z_j}$, so the loss is
$(\textstyle\sum_i y_i)\operatorname{lse}(z) - y^\top z$. Since $\nabla \operatorname{lse} =
p = \operatorname{softmax}(z)$, the gradient is $(\sum_i y_i)\, p - y$, which is $p - y$
because a one-hot label sums to 1. The Hessian $\operatorname{diag}(p) - p p^\top$ (the
softmax Jacobian) does not depend on the label; it is singular, with null vector
$\mathbf 1$, since adding a constant to every logit changes nothing.
""",
    hessian=hess_softmax_cross_entropy,
    hessian_formula=r"\nabla_z^2 = \operatorname{diag}(p) - p p^\top,\quad "
    r"p = \operatorname{softmax}(z)",
    mistakes=(
        Mistake(
            r"y - \operatorname{softmax}(z)",
            lambda z, y: y - _softmax(z),
            "the gradient of the log-likelihood, of the opposite sign",
        ),
        Mistake(
            r"-y \oslash \operatorname{softmax}(z)",
            lambda z, y: -y / _softmax(z),
            "the gradient with respect to the probabilities, not the logits: the softmax "
            "Jacobian is left out of the chain rule",
        ),
    ),
    conventions={"numerator": r"\big(\operatorname{softmax}(z) - y\big)^\top"},
    related=("losses.softmax-ce-soft", "losses.softmax-ce-batch", "losses.bce-logits"),
    assumptions="y one-hot (the same holds for any label vector that sums to 1); "
    "softmax(z)_i = exp(z_i) / sum_j exp(z_j); k >= 2 classes",
    sources=(f"{DLBOOK}, section 6.2.2.3", f"{BISHOP}, section 4.3.4"),
    keywords=(
        "softmax cross-entropy",
        "cross-entropy loss",
        "categorical cross-entropy",
        "CrossEntropyLoss",
        "negative log-likelihood",
        "p - y",
        "softmax minus one-hot",
        "logits",
        "multiclass",
    ),
)


@shaped_like(softmax_cross_entropy)
def grad_softmax_cross_entropy_soft(z, y):
    """Gradient of the cross-entropy in the logits, any labels: ``softmax(z) sum(y) - y``."""
    return _softmax(z) * np.sum(y) - y


@shaped_like(softmax_cross_entropy)
def hess_softmax_cross_entropy_soft(z, y):
    """Hessian of the cross-entropy in the logits, any labels: ``sum(y) (diag(p) - p p^T)``."""
    p = _softmax(z)
    return np.sum(y) * (np.diag(p) - np.outer(p, p))


_register(
    id="losses.softmax-ce-soft",
    title="Gradient of the softmax cross-entropy with respect to the logits, soft labels",
    formula=r"\nabla_z \left(-\sum_{i=1}^k y_i \log \operatorname{softmax}(z)_i\right) = "
    r"\operatorname{softmax}(z) \textstyle\sum_i y_i - y",
    wrt="z",
    value=softmax_cross_entropy,
    derivative=grad_softmax_cross_entropy_soft,
    symbolic=lambda z, y: (_sp_cross_entropy(z, y), _sp_softmax(z) * sum(y) - y),
    sample=_sampler(softmax_cross_entropy, {"y": "positive"}, base=1),
    derivation=r"""
Write the loss as $(\sum_i y_i)\operatorname{lse}(z) - y^\top z$ with
$\operatorname{lse}(z) = \log\sum_j e^{z_j}$; since $\nabla\operatorname{lse} = p =
\operatorname{softmax}(z)$, the gradient is $p \sum_i y_i - y$. It reduces to the familiar
$p - y$ only when the labels sum to 1 (one-hot, smoothed or probability labels); for
unnormalized weights (class weights, counts, a mask) the factor $\sum_i y_i$ stays. The
Hessian is $(\sum_i y_i)(\operatorname{diag}(p) - p p^\top)$.
""",
    hessian=hess_softmax_cross_entropy_soft,
    hessian_formula=r"\nabla_z^2 = \Big(\textstyle\sum_i y_i\Big) \big(\operatorname{diag}(p) - "
    r"p p^\top\big),\quad p = \operatorname{softmax}(z)",
    mistakes=(
        Mistake(
            r"\operatorname{softmax}(z) - y",
            lambda z, y: _softmax(z) - y,
            "p - y is right only when the labels sum to 1; for general labels it misses the "
            "factor sum(y)",
        ),
    ),
    conventions={"numerator": r"\Big(\operatorname{softmax}(z) \textstyle\sum_i y_i - y\Big)^\top"},
    related=("losses.softmax-ce-onehot", "losses.kl-q-logits"),
    assumptions="any labels y (here positive weights that do not sum to 1); for labels that "
    "sum to 1 it is softmax(z) - y",
    sources=(f"{DLBOOK}, section 6.2.2.3", MURPHY),
    keywords=(
        "soft labels",
        "label smoothing",
        "soft targets",
        "knowledge distillation",
        "weighted cross-entropy",
        "softmax cross-entropy",
        "p sum(y) - y",
    ),
)


@shaped
def softmax_cross_entropy_batch(Z: Arr["m k"], Y: Arr["m k"]):
    """Mean cross-entropy ``-(1/m) sum_i sum_j Y_ij log softmax(Z_i)_j`` over the rows.

    >>> float(softmax_cross_entropy_batch(np.zeros((1, 2)), np.array([[1.0, 0.0]]))) == float(np.log(2))
    True
    """
    return -np.sum(Y * (Z - _logsumexp(Z)[:, None])) / Z.shape[0]


@shaped_like(softmax_cross_entropy_batch)
def grad_softmax_cross_entropy_batch(Z, Y):
    """Gradient of the mean cross-entropy in the logits: ``(softmax(Z) - Y) / m``, row-wise."""
    return (_softmax(Z) - Y) / Z.shape[0]


@shaped_like(softmax_cross_entropy_batch)
def hess_softmax_cross_entropy_batch(Z, Y):
    """Hessian of the mean cross-entropy in the logits, shape (m, k, m, k): block diagonal."""
    P, m, k = _softmax(Z), Z.shape[0], Z.shape[1]
    blocks = np.einsum("ia,ab->iab", P, np.eye(k)) - np.einsum("ia,ib->iab", P, P)
    return np.einsum("ij,iab->iajb", np.eye(m), blocks) / m


def _sp_softmax_ce_batch(Z, Y):
    import sympy as sp

    Y = _normalized(Y)
    rows = [_sp_cross_entropy(Z[i, :].T, Y[i, :].T) for i in range(Z.rows)]
    P = sp.Matrix.vstack(*[_sp_softmax(Z[i, :]) for i in range(Z.rows)])
    return sum(rows) / Z.rows, (P - Y) / Z.rows


_register(
    id="losses.softmax-ce-batch",
    title="Gradient of the mean softmax cross-entropy over a batch with respect to the logit matrix",
    formula=r"\nabla_Z \left(-\frac1m \sum_{i=1}^m \sum_{j=1}^k Y_{ij} \log "
    r"\operatorname{softmax}(Z_{i,:})_j\right) = \frac1m \big(P - Y\big),\quad "
    r"P_{i,:} = \operatorname{softmax}(Z_{i,:})",
    wrt="Z",
    value=softmax_cross_entropy_batch,
    derivative=grad_softmax_cross_entropy_batch,
    symbolic=_sp_softmax_ce_batch,
    sample=_sampler(softmax_cross_entropy_batch, {"Y": "one-hot"}, base=1),
    derivation=r"""
Row $i$ of $Z$ enters only the $i$-th term, whose gradient is
$\operatorname{softmax}(Z_{i,:}) - Y_{i,:}$ (one-hot rows sum to 1); stacking the rows and
dividing by the batch size gives $\tfrac1m (P - Y)$, the upstream gradient of a classifier's
logits. The Hessian is block diagonal over the rows: in a direction $V$ the gradient changes
by $\tfrac1m (P \odot V - P \odot ((P \odot V)\mathbf 1 \mathbf 1^\top))$.
""",
    hessian=hess_softmax_cross_entropy_batch,
    hessian_formula=r"\nabla_Z^2\,[V] = \frac1m \Big(P \odot V - P \odot \big((P \odot V)"
    r"\mathbf 1 \mathbf 1^\top\big)\Big)",
    mistakes=(
        Mistake(
            r"P - Y",
            lambda Z, Y: _softmax(Z) - Y,
            "forgets the 1/m of the batch mean",
        ),
        Mistake(
            r"\frac1m \big(\operatorname{softmax}_{\text{col}}(Z) - Y\big)",
            lambda Z, Y: (_softmax(Z, axis=0) - Y) / Z.shape[0],
            "normalizes the softmax over the batch (axis 0) instead of over the classes",
        ),
    ),
    conventions={
        "numerator": r"\frac1m (P - Y)^\top\ \text{(shaped like } Z^\top\text{, } k \times m\text{)}"
    },
    related=("losses.softmax-ce-onehot", "losses.multinomial-W-kd", "losses.multinomial-W-dk"),
    assumptions="each row of Y one-hot (or summing to 1); softmax over each row (the classes); "
    "k >= 2; the mean over the m rows",
    sources=(f"{DLBOOK}, section 6.2.2.3", f"{BISHOP}, section 4.3.4"),
    keywords=(
        "softmax cross-entropy",
        "batch",
        "logits",
        "(P - Y) / m",
        "classification loss",
        "CrossEntropyLoss",
        "minibatch",
    ),
)


def _multinomial_sizes(rng, n, layout):
    # d = n features, k = n + 1 >= 2 classes, m = n + 2 samples: all distinct.
    d, k, m = n, n + 1, n + 2
    Y = shapes.STRUCTURES["one-hot"][0](rng, (m, k))
    W = rng.standard_normal((k, d) if layout == "kd" else (d, k))
    return {"W": W, "X": rng.standard_normal((m, d)), "Y": np.asarray(Y, dtype=float)}


@shaped
def multinomial_kd(W: Arr["k d"], X: Arr["m d"], Y: Arr["m k"]):
    """Mean cross-entropy of the scores ``X W^T`` (``W`` is classes x features) against ``Y``.

    >>> float(multinomial_kd(np.zeros((2, 3)), np.ones((1, 3)), np.array([[0.0, 1.0]]))) == float(np.log(2))
    True
    """
    S = X @ W.T
    return -np.sum(Y * (S - _logsumexp(S)[:, None])) / X.shape[0]


@shaped_like(multinomial_kd)
def grad_multinomial_kd(W, X, Y):
    """Gradient in ``W`` (k x d) of the mean cross-entropy of ``X W^T``: ``(P - Y)^T X / m``."""
    return (_softmax(X @ W.T) - Y).T @ X / X.shape[0]


@shaped_like(multinomial_kd)
def hess_multinomial_kd(W, X, Y):
    """Hessian in ``W`` (k x d), shape (k, d, k, d): ``sum_i (diag(p_i) - p_i p_i^T) (x) x_i x_i^T / m``."""
    P = _softmax(X @ W.T)
    blocks = np.einsum("ia,ac->iac", P, np.eye(W.shape[0])) - np.einsum("ia,ic->iac", P, P)
    return np.einsum("iac,ib,ie->abce", blocks, X, X) / X.shape[0]


def _sp_multinomial(S, Y):
    import sympy as sp

    Y = _normalized(Y)
    value = sum(_sp_cross_entropy(S[i, :].T, Y[i, :].T) for i in range(S.rows)) / S.rows
    P = sp.Matrix.vstack(*[_sp_softmax(S[i, :]) for i in range(S.rows)])
    return value, P - Y


def _sp_multinomial_kd(W, X, Y):
    value, residual = _sp_multinomial(X * W.T, Y)
    return value, residual.T * X / X.rows


_register(
    id="losses.multinomial-W-kd",
    title="Multinomial logistic regression: gradient in W (classes x features), scores X W^T",
    formula=r"\nabla_W \left(-\frac1m \sum_{i=1}^m \sum_{j=1}^k Y_{ij} \log "
    r"\operatorname{softmax}(W x_i)_j\right) = \frac1m (P - Y)^\top X,\quad "
    r"P_{i,:} = \operatorname{softmax}\big((X W^\top)_{i,:}\big)",
    wrt="W",
    value=multinomial_kd,
    derivative=grad_multinomial_kd,
    symbolic=_sp_multinomial_kd,
    sample=lambda rng, n: _multinomial_sizes(rng, n, "kd"),
    derivation=r"""
The scores are $S = X W^\top$ ($m \times k$), and the loss has gradient
$G = \tfrac1m (P - Y)$ with respect to $S$ (the batch softmax cross-entropy). Then
$dS = X\, dW^\top$ and $\langle G, dS\rangle = \operatorname{tr}(G^\top X\, dW^\top) =
\operatorname{tr}(dW\, X^\top G) = \langle G^\top X, dW\rangle$, so
$\nabla_W = \tfrac1m (P - Y)^\top X$, shaped like $W$ ($k \times d$). Row $c$ of $W$ receives
$\tfrac1m \sum_i (p_{ic} - y_{ic}) x_i$. The Hessian sums, over the samples, the softmax
Jacobian $\operatorname{diag}(p_i) - p_i p_i^\top$ (over the classes) times $x_i x_i^\top$
(over the features).
""",
    hessian=hess_multinomial_kd,
    hessian_formula=r"\nabla_W^2\,[V] = \frac1m \Big(P \odot D - P \odot \big((P \odot D)"
    r"\mathbf 1 \mathbf 1^\top\big)\Big)^\top X,\quad D = X V^\top",
    mistakes=(
        Mistake(
            r"\frac1m X^\top (P - Y)",
            lambda W, X, Y: X.T @ (_softmax(X @ W.T) - Y) / X.shape[0],
            "the formula of the other layout (W features x classes), shaped like W^T",
        ),
        Mistake(
            r"\frac1m (Y - P)^\top X",
            lambda W, X, Y: (Y - _softmax(X @ W.T)).T @ X / X.shape[0],
            "the gradient of the log-likelihood, of the opposite sign",
        ),
    ),
    conventions={"numerator": r"\frac1m X^\top (P - Y)\ \text{(shaped like } W^\top\text{)}"},
    related=("losses.multinomial-W-dk", "losses.softmax-ce-batch", "losses.logistic-01-mean-w"),
    assumptions="W is k x d (one row of weights per class, as in a linear layer's weight "
    "matrix); each row of Y one-hot (or summing to 1); x_i^T is the i-th row of X; the mean "
    "over the m samples",
    sources=(f"{BISHOP}, section 4.3.4", MURPHY),
    keywords=(
        "multinomial logistic regression",
        "softmax regression",
        "multiclass logistic regression",
        "linear layer",
        "weight matrix",
        "(P - Y)^T X",
        "cross-entropy",
        "nn.Linear",
    ),
)


@shaped
def multinomial_dk(W: Arr["d k"], X: Arr["m d"], Y: Arr["m k"]):
    """Mean cross-entropy of the scores ``X W`` (``W`` is features x classes) against ``Y``.

    >>> float(multinomial_dk(np.zeros((3, 2)), np.ones((1, 3)), np.array([[0.0, 1.0]]))) == float(np.log(2))
    True
    """
    S = X @ W
    return -np.sum(Y * (S - _logsumexp(S)[:, None])) / X.shape[0]


@shaped_like(multinomial_dk)
def grad_multinomial_dk(W, X, Y):
    """Gradient in ``W`` (d x k) of the mean cross-entropy of ``X W``: ``X^T (P - Y) / m``."""
    return X.T @ (_softmax(X @ W) - Y) / X.shape[0]


@shaped_like(multinomial_dk)
def hess_multinomial_dk(W, X, Y):
    """Hessian in ``W`` (d x k), shape (d, k, d, k): ``sum_i x_i x_i^T (x) (diag(p_i) - p_i p_i^T) / m``."""
    P = _softmax(X @ W)
    blocks = np.einsum("ia,ac->iac", P, np.eye(W.shape[1])) - np.einsum("ia,ic->iac", P, P)
    return np.einsum("ib,ie,iac->baec", X, X, blocks) / X.shape[0]


def _sp_multinomial_dk(W, X, Y):
    value, residual = _sp_multinomial(X * W, Y)
    return value, X.T * residual / X.rows


_register(
    id="losses.multinomial-W-dk",
    title="Multinomial logistic regression: gradient in W (features x classes), scores X W",
    formula=r"\nabla_W \left(-\frac1m \sum_{i=1}^m \sum_{j=1}^k Y_{ij} \log "
    r"\operatorname{softmax}(W^\top x_i)_j\right) = \frac1m X^\top (P - Y),\quad "
    r"P_{i,:} = \operatorname{softmax}\big((X W)_{i,:}\big)",
    wrt="W",
    value=multinomial_dk,
    derivative=grad_multinomial_dk,
    symbolic=_sp_multinomial_dk,
    sample=lambda rng, n: _multinomial_sizes(rng, n, "dk"),
    derivation=r"""
The scores are $S = XW$ ($m \times k$) and the gradient of the loss with respect to $S$ is
$G = \tfrac1m (P - Y)$. With $dS = X\, dW$, $\langle G, X\, dW\rangle =
\langle X^\top G, dW\rangle$, so $\nabla_W = \tfrac1m X^\top (P - Y)$, shaped like $W$
($d \times k$): the transpose of the other layout's $\tfrac1m (P - Y)^\top X$, as it must be
for $W$ replaced by $W^\top$. The Hessian is the same sum of Kronecker-structured blocks,
with the feature and class axes in this layout's order.
""",
    hessian=hess_multinomial_dk,
    hessian_formula=r"\nabla_W^2\,[V] = \frac1m X^\top \Big(P \odot D - P \odot \big((P \odot D)"
    r"\mathbf 1 \mathbf 1^\top\big)\Big),\quad D = X V",
    mistakes=(
        Mistake(
            r"\frac1m (P - Y)^\top X",
            lambda W, X, Y: (_softmax(X @ W) - Y).T @ X / X.shape[0],
            "the formula of the other layout (W classes x features), shaped like W^T",
        ),
        Mistake(
            r"X^\top (P - Y)",
            lambda W, X, Y: X.T @ (_softmax(X @ W) - Y),
            "forgets the 1/m of the mean",
        ),
    ),
    conventions={"numerator": r"\frac1m (P - Y)^\top X\ \text{(shaped like } W^\top\text{)}"},
    related=("losses.multinomial-W-kd", "losses.softmax-ce-batch", "losses.least-squares-matrix-W"),
    assumptions="W is d x k (one column of weights per class); each row of Y one-hot (or "
    "summing to 1); x_i^T is the i-th row of X; the mean over the m samples",
    sources=(f"{BISHOP}, section 4.3.4", MURPHY),
    keywords=(
        "multinomial logistic regression",
        "softmax regression",
        "multiclass logistic regression",
        "X^T (P - Y)",
        "cross-entropy",
        "weight matrix",
    ),
)


@shaped
def softmax_ce_directional(z: Arr["k"], y: Arr["k"], v: Arr["k"]):
    """Directional derivative ``<softmax(z) - y, v>`` of the cross-entropy along ``v``.

    >>> float(softmax_ce_directional(np.zeros(2), np.array([1.0, 0.0]), np.array([1.0, 1.0])))
    0.0
    """
    return (_softmax(z) - y) @ v


@shaped_like(softmax_ce_directional)
def hvp_softmax_ce(z, y, v):
    """Hessian-vector product of the cross-entropy in the logits: ``p * v - p (p^T v)``."""
    p = _softmax(z)
    return p * v - p * (p @ v)


@shaped_like(softmax_ce_directional)
def hess_softmax_ce_directional(z, y, v):
    """Derivative of ``H v`` in ``z``: ``diag(u) - u p^T - p u^T`` with ``u = H v``."""
    p = _softmax(z)
    u = p * v - p * (p @ v)
    return np.diag(u) - np.outer(u, p) - np.outer(p, u)


def _sp_softmax_ce_directional(z, y, v):
    p = _sp_softmax(z)
    return ((p - y).T * v)[0, 0], p.multiply_elementwise(v) - p * (p.T * v)[0, 0]


_register(
    id="losses.softmax-ce-hvp",
    title="Hessian-vector product of the softmax cross-entropy in the logits",
    formula=r"\nabla_z \left\langle \operatorname{softmax}(z) - y,\, v \right\rangle = "
    r"p \odot v - p\, (p^\top v),\quad p = \operatorname{softmax}(z)",
    wrt="z",
    value=softmax_ce_directional,
    derivative=hvp_softmax_ce,
    symbolic=_sp_softmax_ce_directional,
    sample=_sampler(softmax_ce_directional, {"y": "one-hot"}, base=1),
    derivation=r"""
The gradient of the cross-entropy in the logits is $p - y$ (labels summing to 1), so its
directional derivative along $v$ is $g(z) = \langle p - y, v\rangle$. With
$dp = (\operatorname{diag}(p) - p p^\top)\, dz$ (symmetric), $dg = \langle
(\operatorname{diag}(p) - p p^\top) v, dz\rangle$, so $\nabla_z g = Hv = p \odot v -
p\,(p^\top v)$: $O(k)$ work, and a reader never forms the $k \times k$ Hessian. Its own
derivative (the third derivative along $v$) is $\operatorname{diag}(u) - u p^\top -
p u^\top$ with $u = Hv$.
""",
    hessian=hess_softmax_ce_directional,
    hessian_formula=r"\nabla_z^2 \langle p - y, v\rangle = \operatorname{diag}(u) - u p^\top - "
    r"p u^\top,\quad u = p \odot v - p\,(p^\top v)",
    mistakes=(
        Mistake(
            r"p \odot v",
            lambda z, y, v: _softmax(z) * v,
            "keeps only the diagonal of the softmax Jacobian and drops -p p^T",
        ),
        Mistake(
            r"p \odot (1 - p) \odot v",
            lambda z, y, v: _softmax(z) * (1 - _softmax(z)) * v,
            "treats the softmax as k independent sigmoids (the diagonal of diag(p) - p p^T only)",
        ),
    ),
    conventions={"numerator": r"\big(p \odot v - p\, (p^\top v)\big)^\top"},
    related=("losses.softmax-ce-onehot", "losses.logistic-hvp", "losses.least-squares-hvp"),
    assumptions="v is a fixed direction; y one-hot or summing to 1, so the gradient is p - y "
    "(y does not enter H v)",
    sources=(PEARLMUTTER, f"{DLBOOK}, section 6.2.2.3"),
    keywords=(
        "Hessian-vector product",
        "HVP",
        "softmax Jacobian",
        "Gauss-Newton",
        "Pearlmutter",
        "softmax cross-entropy",
        "diag(p) - p p^T",
    ),
)


# -- KL divergence between categorical distributions ---------------------------------------


@shaped
def kl_categorical(p: Arr["k"], q: Arr["k"]):
    """KL divergence ``sum_i p_i log(p_i / q_i)`` between probability vectors ``p`` and ``q``.

    >>> float(kl_categorical(np.array([0.5, 0.5]), np.array([0.5, 0.5])))
    0.0
    """
    return p @ (np.log(p) - np.log(q))


@shaped_like(kl_categorical)
def grad_kl_categorical_p(p, q):
    """Gradient of ``KL(p || q)`` in the entries of ``p``: ``log(p / q) + 1``."""
    return np.log(p) - np.log(q) + 1


@shaped_like(kl_categorical)
def hess_kl_categorical_p(p, q):
    """Hessian of ``KL(p || q)`` in ``p``: ``diag(1 / p)``."""
    return np.diag(1 / p)


def _sp_kl(p, q):
    import sympy as sp

    return sum(pi * (sp.log(pi) - sp.log(qi)) for pi, qi in zip(p, q, strict=True))


def _sp_kl_p(p, q):
    import sympy as sp

    return _sp_kl(p, q), p.applyfunc(sp.log) - q.applyfunc(sp.log) + sp.ones(p.rows, 1)


_register(
    id="losses.kl-p",
    title="KL divergence between categorical distributions, gradient in the first argument",
    formula=r"\nabla_p \sum_{i=1}^k p_i \log\frac{p_i}{q_i} = \log(p \oslash q) + \mathbf 1",
    wrt="p",
    value=kl_categorical,
    derivative=grad_kl_categorical_p,
    symbolic=_sp_kl_p,
    structure={"p": "probability", "q": "probability"},
    derivation=r"""
Entry by entry, $\partial_{p_i}\, p_i (\log p_i - \log q_i) = \log p_i - \log q_i + 1$,
so the gradient with the entries of $p$ as free variables is $\log(p \oslash q) +
\mathbf 1$. On the simplex only directions with $\mathbf 1^\top dp = 0$ are allowed, and
there the constant $\mathbf 1$ contributes nothing, which is why it is often dropped; as a
gradient in $\mathbb{R}^k$ it belongs. The Hessian $\operatorname{diag}(1/p)$ is positive
definite: KL is strictly convex in $p$.
""",
    hessian=hess_kl_categorical_p,
    hessian_formula=r"\nabla_p^2 \operatorname{KL}(p \,\|\, q) = \operatorname{diag}(1 \oslash p)",
    mistakes=(
        Mistake(
            r"\log(p \oslash q)",
            lambda p, q: np.log(p) - np.log(q),
            "drops the + 1 from the product rule; harmless only along directions tangent to "
            "the simplex",
        ),
        Mistake(
            r"-q \oslash p",
            lambda p, q: -q / p,
            "the gradient of KL(q || p) in its second argument: the divergence's arguments swapped",
        ),
    ),
    conventions={"numerator": r"\big(\log(p \oslash q) + \mathbf 1\big)^\top"},
    related=("losses.kl-q", "losses.kl-p-logits", "losses.kl-q-logits"),
    assumptions="p and q with positive entries (probability vectors here); the entries of p "
    "are treated as independent (the gradient in R^k, not projected onto the simplex)",
    sources=(f"{COVER}, section 2.3", f"{DLBOOK}, section 3.13"),
    keywords=(
        "KL divergence",
        "Kullback-Leibler divergence",
        "relative entropy",
        "categorical distribution",
        "log(p/q) + 1",
        "information theory",
    ),
)


@shaped_like(kl_categorical)
def grad_kl_categorical_q(p, q):
    """Gradient of ``KL(p || q)`` in the entries of ``q``: ``-p / q``."""
    return -p / q


@shaped_like(kl_categorical)
def hess_kl_categorical_q(p, q):
    """Hessian of ``KL(p || q)`` in ``q``: ``diag(p / q^2)``."""
    return np.diag(p / q**2)


_register(
    id="losses.kl-q",
    title="KL divergence between categorical distributions, gradient in q as a probability vector",
    formula=r"\nabla_q \sum_{i=1}^k p_i \log\frac{p_i}{q_i} = -p \oslash q",
    wrt="q",
    value=kl_categorical,
    derivative=grad_kl_categorical_q,
    symbolic=lambda p, q: (_sp_kl(p, q), -p.multiply_elementwise(q.applyfunc(lambda t: 1 / t))),
    structure={"p": "probability", "q": "probability"},
    derivation=r"""
Only the term $-\sum_i p_i \log q_i$ (the cross-entropy) depends on $q$, and
$\partial_{q_i}(-p_i \log q_i) = -p_i / q_i$: the gradient with the entries of $q$ as free
variables is $-p \oslash q$. This is the parametrization by the probabilities themselves;
with $q = \operatorname{softmax}(z)$ the chain rule through the softmax Jacobian turns it into
$q - p$ (see the logits form). The Hessian $\operatorname{diag}(p \oslash q^2)$ is positive
semidefinite: KL is convex in $q$.
""",
    hessian=hess_kl_categorical_q,
    hessian_formula=r"\nabla_q^2 \operatorname{KL}(p \,\|\, q) = "
    r"\operatorname{diag}(p \oslash q^{2})",
    mistakes=(
        Mistake(
            r"q - p",
            lambda p, q: q - p,
            "the gradient in the logits of q, used for q as a probability vector",
        ),
        Mistake(
            r"\log(q \oslash p) + \mathbf 1",
            lambda p, q: np.log(q) - np.log(p) + 1,
            "the gradient of KL(q || p) in its first argument: the divergence's arguments swapped",
        ),
    ),
    conventions={"numerator": r"-(p \oslash q)^\top"},
    related=("losses.kl-p", "losses.kl-q-logits", "losses.softmax-ce-soft"),
    assumptions="q is a probability vector whose entries are the variables (treated as "
    "independent, not projected onto the simplex); q > 0",
    sources=(f"{COVER}, section 2.3", f"{DLBOOK}, section 3.13"),
    keywords=(
        "KL divergence",
        "Kullback-Leibler divergence",
        "relative entropy",
        "cross-entropy",
        "-p/q",
        "probability vector",
    ),
)


@shaped
def kl_to_softmax(p: Arr["k"], z: Arr["k"]):
    """``KL(p || softmax(z))``: the divergence from ``p`` to the categorical with logits ``z``.

    >>> float(kl_to_softmax(np.array([0.5, 0.5]), np.zeros(2)))
    0.0
    """
    return p @ (np.log(p) - (z - _logsumexp(z)))


@shaped_like(kl_to_softmax)
def grad_kl_to_softmax(p, z):
    """Gradient of ``KL(p || softmax(z))`` in the logits ``z``: ``softmax(z) - p``."""
    return _softmax(z) - p


@shaped_like(kl_to_softmax)
def hess_kl_to_softmax(p, z):
    """Hessian of ``KL(p || softmax(z))`` in ``z``: ``diag(q) - q q^T``, ``q = softmax(z)``."""
    q = _softmax(z)
    return np.diag(q) - np.outer(q, q)


def _sp_kl_to_softmax(p, z):
    import sympy as sp

    p = _normalized(p)
    lse = _sp_logsumexp(z)
    value = sum(pi * (sp.log(pi) - zi + lse) for pi, zi in zip(p, z, strict=True))
    return value, _sp_softmax(z) - p


_register(
    id="losses.kl-q-logits",
    title="KL divergence to a softmax distribution, gradient in its logits",
    formula=r"\nabla_z \operatorname{KL}\big(p \,\|\, \operatorname{softmax}(z)\big) = "
    r"\operatorname{softmax}(z) - p",
    wrt="z",
    value=kl_to_softmax,
    derivative=grad_kl_to_softmax,
    symbolic=_sp_kl_to_softmax,
    sample=_sampler(kl_to_softmax, {"p": "probability"}, base=1),
    derivation=r"""
$\operatorname{KL}(p \,\|\, \operatorname{softmax}(z)) = \sum_i p_i \log p_i -
\sum_i p_i (z_i - \operatorname{lse}(z))$: the entropy term does not depend on $z$, and the
rest is the softmax cross-entropy with soft labels $p$, whose gradient is
$q \sum_i p_i - p = q - p$ with $q = \operatorname{softmax}(z)$, because $p$ sums to 1. So
minimizing the KL and the cross-entropy in the logits are the same problem (distillation).
The Hessian is the softmax Jacobian $\operatorname{diag}(q) - q q^\top$.
""",
    hessian=hess_kl_to_softmax,
    hessian_formula=r"\nabla_z^2 = \operatorname{diag}(q) - q q^\top,\quad "
    r"q = \operatorname{softmax}(z)",
    mistakes=(
        Mistake(
            r"-p \oslash \operatorname{softmax}(z)",
            lambda p, z: -p / _softmax(z),
            "the gradient in q as a probability vector, without the softmax Jacobian",
        ),
        Mistake(
            r"p - \operatorname{softmax}(z)",
            lambda p, z: p - _softmax(z),
            "the sign of the log-likelihood gradient",
        ),
    ),
    conventions={"numerator": r"\big(\operatorname{softmax}(z) - p\big)^\top"},
    related=("losses.kl-q", "losses.softmax-ce-soft", "losses.softmax-ce-onehot"),
    assumptions="q = softmax(z) is given by its logits z; p is a probability vector (sums to 1; "
    "otherwise the gradient is softmax(z) sum(p) - p); k >= 2",
    sources=(f"{COVER}, section 2.3", f"{DLBOOK}, section 6.2.2.3"),
    keywords=(
        "KL divergence",
        "knowledge distillation",
        "logits",
        "softmax",
        "q - p",
        "Kullback-Leibler divergence",
        "soft targets",
    ),
)


@shaped
def kl_from_softmax(a: Arr["k"], q: Arr["k"]):
    """``KL(softmax(a) || q)``: the divergence from the categorical with logits ``a`` to ``q``.

    >>> float(kl_from_softmax(np.zeros(2), np.array([0.5, 0.5])))
    0.0
    """
    log_p = a - _logsumexp(a)
    return np.exp(log_p) @ (log_p - np.log(q))


@shaped_like(kl_from_softmax)
def grad_kl_from_softmax(a, q):
    """Gradient of ``KL(softmax(a) || q)`` in ``a``: ``p * (g - KL)``, ``g = log p - log q``."""
    log_p = a - _logsumexp(a)
    p, g = np.exp(log_p), log_p - np.log(q)
    return p * (g - p @ g)


@shaped_like(kl_from_softmax)
def hess_kl_from_softmax(a, q):
    """Hessian of ``KL(softmax(a) || q)`` in ``a``: ``diag(p * (g - KL + 1)) - u p^T - p u^T - p p^T``."""
    log_p = a - _logsumexp(a)
    p, g = np.exp(log_p), log_p - np.log(q)
    kl = p @ g
    u = p * (g - kl)
    return np.diag(p * (g - kl + 1)) - np.outer(u, p) - np.outer(p, u) - np.outer(p, p)


def _sp_kl_from_softmax(a, q):
    import sympy as sp

    p = _sp_softmax(a)
    log_p = a - sp.ones(a.rows, 1) * _sp_logsumexp(a)
    g = log_p - q.applyfunc(sp.log)
    kl = (p.T * g)[0, 0]
    return kl, p.multiply_elementwise(g - kl * sp.ones(a.rows, 1))


_register(
    id="losses.kl-p-logits",
    title="KL divergence from a softmax distribution, gradient in its logits",
    formula=r"\nabla_a \operatorname{KL}\big(\operatorname{softmax}(a) \,\|\, q\big) = "
    r"p \odot \big(g - (p^\top g)\mathbf 1\big),\quad p = \operatorname{softmax}(a),\ "
    r"g = \log p - \log q",
    wrt="a",
    value=kl_from_softmax,
    derivative=grad_kl_from_softmax,
    symbolic=_sp_kl_from_softmax,
    sample=_sampler(kl_from_softmax, {"q": "probability"}, base=1),
    derivation=r"""
In $p$, the gradient is $g + \mathbf 1$ with $g = \log p - \log q$ (see the first-argument
form). The chain rule through the softmax multiplies by its symmetric Jacobian
$J = \operatorname{diag}(p) - p p^\top$, and $J\mathbf 1 = 0$ removes the constant:
$\nabla_a = J g = p \odot g - p\,(p^\top g)$, where $p^\top g$ is the divergence itself.
This is the reverse (mode-seeking) KL of variational inference. Differentiating once more,
with $dp = J\, da$ and $dg = (I - \mathbf 1 p^\top)\, da$, gives the Hessian below, with
$u = \nabla_a$.
""",
    hessian=hess_kl_from_softmax,
    hessian_formula=r"\nabla_a^2 = \operatorname{diag}\!\big(p \odot (g - \operatorname{KL} "
    r"\mathbf 1 + \mathbf 1)\big) - u p^\top - p u^\top - p p^\top,\quad "
    r"u = p \odot (g - \operatorname{KL}\,\mathbf 1)",
    mistakes=(
        Mistake(
            r"p \odot (\log p - \log q)",
            lambda a, q: _softmax(a) * (np.log(_softmax(a)) - np.log(q)),
            "keeps only the diagonal of the softmax Jacobian and drops the term -p (p^T g)",
        ),
        Mistake(
            r"\log p - \log q + \mathbf 1",
            lambda a, q: np.log(_softmax(a)) - np.log(q) + 1,
            "the gradient in the probabilities p, not the logits: the softmax Jacobian is "
            "left out of the chain rule",
        ),
    ),
    conventions={"numerator": r"\big(p \odot (g - (p^\top g)\mathbf 1)\big)^\top"},
    related=("losses.kl-p", "losses.kl-q-logits", "losses.softmax-ce-hvp"),
    assumptions="p = softmax(a) is given by its logits a; q has positive entries (a probability "
    "vector here); k >= 2",
    sources=(f"{COVER}, section 2.3", MURPHY),
    keywords=(
        "KL divergence",
        "reverse KL",
        "variational inference",
        "logits",
        "softmax",
        "Kullback-Leibler divergence",
        "mode-seeking",
    ),
)


# -- robust and margin losses away from their kinks; Poisson regression ---------------------


def _huber_residuals(rng, inputs, sizes):
    # Residuals |r_i| in [0.05, 0.8] delta (quadratic part) or [1.25, 3] delta (linear part),
    # with the first in the quadratic part and the second (if any) in the linear part, so the
    # sample stays at least 0.2 delta away from the kinks at |r| = delta.
    delta = rng.uniform(0.5, 2.0)
    m = sizes["m"]
    inside = rng.random(m) < 0.5
    inside[0] = True
    if m >= 2:
        inside[1] = False
    size = np.where(inside, rng.uniform(0.05, 0.8, m), rng.uniform(1.25, 3.0, m)) * delta
    r = rng.choice([-1.0, 1.0], size=m) * size
    inputs["delta"] = delta
    inputs["y"] = inputs["X"] @ inputs["w"] - r


@shaped
def huber_regression(X: Arr["m d"], y: Arr["m"], delta: Arr[""], w: Arr["d"]):
    """Huber loss ``sum_i h_delta(x_i^T w - y_i)``: quadratic for ``|r| <= delta``, linear beyond.

    >>> float(huber_regression(np.eye(2), np.zeros(2), 1.0, np.array([0.5, 3.0])))
    2.625
    """
    r = X @ w - y
    inside = np.abs(np.real(r)) <= delta
    return np.sum(np.where(inside, r * r / 2, delta * (np.sign(np.real(r)) * r - delta / 2)))


@shaped_like(huber_regression)
def grad_huber_regression(X, y, delta, w):
    """Gradient of the Huber loss in ``w``: ``X^T psi(X w - y)``, ``psi`` the clipped residual."""
    r = X @ w - y
    inside = np.abs(np.real(r)) <= delta
    return X.T @ np.where(inside, r, delta * np.sign(np.real(r)))


@shaped_like(huber_regression)
def hess_huber_regression(X, y, delta, w):
    """Hessian of the Huber loss in ``w`` away from the kinks: ``X^T diag(|r| < delta) X``."""
    inside = np.abs(np.real(X @ w - y)) <= delta
    return X.T @ (inside[:, None] * X)


def _sp_huber(X, y, delta, w):
    import sympy as sp

    r = X * w - y
    value = sum(
        sp.Piecewise((ri**2 / 2, sp.Abs(ri) <= delta), (delta * (sp.Abs(ri) - delta / 2), True))
        for ri in r
    )
    # X^T psi(r), entry j as sum_i Piecewise(X_ij r_i, X_ij delta sign(r_i)): the factor X_ij
    # inside each piece, where sympy's derivative of a Piecewise puts it.
    gradient = sp.Matrix(
        X.cols,
        1,
        lambda j, _: sum(
            sp.Piecewise((X[i, j] * ri, sp.Abs(ri) <= delta), (X[i, j] * delta * sp.sign(ri), True))
            for i, ri in enumerate(r)
        ),
    )
    return value, gradient


_register(
    id="losses.huber-w",
    title="Gradient and Hessian of the Huber loss of a linear model (away from the kinks)",
    formula=r"\nabla_w \sum_{i=1}^m h_\delta(x_i^\top w - y_i) = X^\top \psi_\delta(X w - y),"
    r"\quad \psi_\delta(r) = \begin{cases} r & |r| \le \delta \\ \delta \operatorname{sign}(r) "
    r"& |r| > \delta \end{cases}",
    wrt="w",
    value=huber_regression,
    derivative=grad_huber_regression,
    symbolic=_sp_huber,
    sample=_sampler(huber_regression, adjust=_huber_residuals),
    derivation=r"""
The Huber function is $h_\delta(r) = r^2/2$ for $|r| \le \delta$ and
$\delta(|r| - \delta/2)$ beyond; both pieces and their slopes agree at $|r| = \delta$, so
$h_\delta$ is once continuously differentiable with $h_\delta' = \psi_\delta$, the residual
clipped to $[-\delta, \delta]$. With $r = Xw - y$, $dr = X\,dw$ gives
$\nabla_w = X^\top \psi_\delta(r)$. $\psi_\delta$ has kinks at $|r| = \delta$: away from
them the Hessian is $X^\top \operatorname{diag}(\mathbf 1[|r_i| < \delta]) X$ (only the
quadratic residuals curve the loss); at a kink the second derivative does not exist and
one uses a generalized Hessian. The sample keeps every residual at least $0.2\delta$ from
the kinks.
""",
    hessian=hess_huber_regression,
    hessian_formula=r"\nabla_w^2 = X^\top \operatorname{diag}\!\big(\mathbf 1[|x_i^\top w - y_i| "
    r"< \delta]\big) X \quad (\text{no residual at } |r_i| = \delta)",
    mistakes=(
        Mistake(
            r"X^\top (X w - y)",
            lambda X, y, delta, w: X.T @ (X @ w - y),
            "the least-squares gradient: forgets to clip the large residuals",
        ),
        Mistake(
            r"X^\top \operatorname{sign}(X w - y)",
            lambda X, y, delta, w: X.T @ np.sign(np.real(X @ w - y)),
            "the gradient of the absolute loss, without the factor delta and the quadratic part",
        ),
    ),
    conventions={"numerator": r"\psi_\delta(X w - y)^\top X"},
    related=("losses.least-squares-w", "losses.squared-hinge-w"),
    assumptions="delta > 0; no residual x_i^T w - y_i exactly at +-delta (the kinks of psi): "
    "the gradient exists everywhere, the Hessian only away from the kinks",
    sources=(
        'Huber, "Robust estimation of a location parameter", *Annals of Mathematical '
        "Statistics* 35(1) (1964)",
        ESL,
    ),
    keywords=(
        "Huber loss",
        "robust regression",
        "smooth L1",
        "SmoothL1Loss",
        "clipped residual",
        "psi function",
        "M-estimator",
    ),
)


def _hinge_margins(rng, inputs, sizes):
    # Labels in {-1, 1}, then each row of X moved along w so that its margin y_i x_i^T w lies
    # in [-2, 0.8] (active) or [1.2, 3] (inactive): at least 0.2 from the kink at 1, the first
    # row active.
    _signs(rng, inputs, sizes)
    X, y, w = inputs["X"], inputs["y"], inputs["w"]
    m = sizes["m"]
    active = rng.random(m) < 0.6
    active[0] = True
    margin = np.where(active, rng.uniform(-2.0, 0.8, m), rng.uniform(1.2, 3.0, m))
    inputs["X"] = X + np.outer(y * margin - X @ w, w) / (w @ w)


@shaped
def squared_hinge(X: Arr["m d"], y: Arr["m"], w: Arr["d"]):
    """Squared hinge loss ``sum_i max(0, 1 - y_i x_i^T w)^2``, labels in {-1, 1}.

    >>> float(squared_hinge(np.eye(2), np.array([1.0, -1.0]), np.array([0.5, -2.0])))
    0.25
    """
    slack = 1 - y * (X @ w)
    return np.sum(np.where(np.real(slack) > 0, slack * slack, 0))


@shaped_like(squared_hinge)
def grad_squared_hinge(X, y, w):
    """Gradient of the squared hinge loss: ``-2 X^T (y * max(0, 1 - y * X w))``."""
    slack = 1 - y * (X @ w)
    return -2 * X.T @ (y * np.where(np.real(slack) > 0, slack, 0))


@shaped_like(squared_hinge)
def hess_squared_hinge(X, y, w):
    """Hessian of the squared hinge loss away from the kinks: ``2 X^T diag(margin < 1) X``."""
    active = np.real(1 - y * (X @ w)) > 0
    return 2 * X.T @ (active[:, None] * X)


def _sp_squared_hinge(X, y, w):
    import sympy as sp

    margin = (X * w).multiply_elementwise(y)
    value = sum(sp.Piecewise(((1 - mi) ** 2, mi < 1), (0, True)) for mi in margin)
    # -2 X^T (y * max(0, 1 - margin)), entry j as sum_i Piecewise(-2 y_i X_ij (1 - margin_i), 0):
    # the factor inside the piece, where sympy's derivative of a Piecewise puts it.
    gradient = sp.Matrix(
        X.cols,
        1,
        lambda j, _: sum(
            sp.Piecewise((-2 * y[i] * X[i, j] * (1 - mi), mi < 1), (0, True))
            for i, mi in enumerate(margin)
        ),
    )
    return value, gradient


_register(
    id="losses.squared-hinge-w",
    title="Gradient and Hessian of the squared hinge loss (away from the kinks)",
    formula=r"\nabla_w \sum_{i=1}^m \max(0,\, 1 - y_i x_i^\top w)^2 = "
    r"-2 X^\top \big(y \odot \max(0,\, \mathbf 1 - y \odot X w)\big)",
    wrt="w",
    value=squared_hinge,
    derivative=grad_squared_hinge,
    symbolic=_sp_squared_hinge,
    sample=_sampler(squared_hinge, adjust=_hinge_margins),
    derivation=r"""
With margins $\mu_i = y_i x_i^\top w$, each term $\max(0, 1 - \mu_i)^2$ is once continuously
differentiable: its derivative in $\mu_i$ is $-2\max(0, 1 - \mu_i)$, which vanishes at the
kink $\mu_i = 1$ from both sides. With $d\mu = y \odot X\, dw$ the gradient is
$-2X^\top(y \odot \max(0, \mathbf 1 - \mu))$: only samples inside the margin contribute.
The derivative $-2\max(0, 1 - \mu)$ itself has a kink at $\mu = 1$, so the Hessian
$2X^\top \operatorname{diag}(\mathbf 1[\mu_i < 1]) X$ ($y_i^2 = 1$) holds away from it; the
sample keeps every margin at least 0.2 from 1.
""",
    hessian=hess_squared_hinge,
    hessian_formula=r"\nabla_w^2 = 2 X^\top \operatorname{diag}\!\big(\mathbf 1[y_i x_i^\top w "
    r"< 1]\big) X \quad (\text{no margin exactly } 1)",
    mistakes=(
        Mistake(
            r"-X^\top \big(y \odot \mathbf 1[y \odot X w < 1]\big)",
            lambda X, y, w: -X.T @ (y * (np.real(1 - y * (X @ w)) > 0)),
            "the subgradient of the plain hinge loss: forgets that the hinge is squared",
        ),
        Mistake(
            r"-2 X^\top \max(0,\, \mathbf 1 - y \odot X w)",
            lambda X, y, w: -2 * X.T @ np.maximum(0, np.real(1 - y * (X @ w))),
            "drops the label factor y_i of the inner derivative of the margin",
        ),
    ),
    conventions={"numerator": r"-2 \big(y \odot \max(0,\, \mathbf 1 - y \odot X w)\big)^\top X"},
    related=("losses.huber-w", "losses.logistic-pm1-mean-w"),
    assumptions="labels y in {-1, 1} (the Hessian uses y_i^2 = 1); no margin y_i x_i^T w "
    "exactly 1 (the kink of the derivative); the sum over samples, without a regularizer",
    sources=(
        'Chang, Hsieh & Lin, "Coordinate descent method for large-scale L2-loss linear support '
        'vector machines", *Journal of Machine Learning Research* 9 (2008)',
        MURPHY,
    ),
    keywords=(
        "squared hinge loss",
        "L2-SVM",
        "L2-loss SVM",
        "support vector machine",
        "SVM",
        "hinge loss",
        "margin",
    ),
)


def _counts(rng, inputs, sizes):
    inputs["y"] = rng.poisson(2.0, size=np.shape(inputs["y"])).astype(float)


@shaped
def poisson_nll(X: Arr["m d"], y: Arr["m"], w: Arr["d"]):
    """Poisson negative log-likelihood with log link, up to ``sum log y_i!``: ``sum exp(X w) - y X w``.

    >>> float(poisson_nll(np.eye(2), np.array([1.0, 0.0]), np.zeros(2)))
    2.0
    """
    s = X @ w
    return np.sum(np.exp(s) - y * s)


@shaped_like(poisson_nll)
def grad_poisson_nll(X, y, w):
    """Gradient of the Poisson negative log-likelihood: ``X^T (exp(X w) - y)``."""
    return X.T @ (np.exp(X @ w) - y)


@shaped_like(poisson_nll)
def hess_poisson_nll(X, y, w):
    """Hessian of the Poisson negative log-likelihood: ``X^T diag(exp(X w)) X``."""
    return X.T @ (np.exp(X @ w)[:, None] * X)


def _sp_poisson(X, y, w):
    import sympy as sp

    s = X * w
    return sum(sp.exp(si) - yi * si for si, yi in zip(s, y, strict=True)), X.T * (
        s.applyfunc(sp.exp) - y
    )


_register(
    id="losses.poisson-w",
    title="Poisson regression (log link): gradient and Hessian of the negative log-likelihood",
    formula=r"\nabla_w \sum_{i=1}^m \left(e^{x_i^\top w} - y_i\, x_i^\top w\right) = "
    r"X^\top \big(e^{X w} - y\big)",
    wrt="w",
    value=poisson_nll,
    derivative=grad_poisson_nll,
    symbolic=_sp_poisson,
    sample=_sampler(poisson_nll, adjust=_counts),
    derivation=r"""
With the log link the rate is $\lambda_i = e^{x_i^\top w}$, and
$-\log p(y_i) = \lambda_i - y_i \log\lambda_i + \log y_i!$; dropping the constant leaves
$e^{s_i} - y_i s_i$ with $s = Xw$. Its derivative in $s_i$ is $e^{s_i} - y_i$ (predicted
rate minus count, as for every canonical link), and $ds = X\,dw$ gives
$\nabla_w = X^\top(e^{Xw} - y)$. The Hessian $X^\top \operatorname{diag}(e^{Xw}) X$ is
positive semidefinite and does not depend on the counts.
""",
    hessian=hess_poisson_nll,
    hessian_formula=r"\nabla_w^2 = X^\top \operatorname{diag}\!\big(e^{X w}\big) X",
    mistakes=(
        Mistake(
            r"X^\top \big(y - e^{X w}\big)",
            lambda X, y, w: X.T @ (y - np.exp(X @ w)),
            "the gradient of the log-likelihood, which the loss negates",
        ),
        Mistake(
            r"X^\top (X w - y)",
            lambda X, y, w: X.T @ (X @ w - y),
            "the least-squares gradient: the identity link where the model has the log link",
        ),
    ),
    conventions={"numerator": r"\big(e^{X w} - y\big)^\top X"},
    related=("losses.logistic-01-mean-w", "losses.least-squares-w"),
    assumptions="log link (rate exp(x_i^T w)); counts y_i >= 0 (the formula holds for any real "
    "y); the constant sum log y_i! is dropped; the sum over samples",
    sources=(GLM, MURPHY),
    keywords=(
        "Poisson regression",
        "Poisson loss",
        "PoissonNLLLoss",
        "count data",
        "log link",
        "generalized linear model",
        "GLM",
        "negative log-likelihood",
    ),
)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "least-squares",
        "Least-squares losses",
        (
            "losses.mse-prediction",
            "losses.least-squares-w",
            "losses.weighted-least-squares-w",
            "losses.generalized-least-squares-w",
            "losses.least-squares-matrix-W",
            "losses.least-squares-hvp",
        ),
    ),
    (
        "regularised-robust",
        "Ridge, Huber and Poisson regression",
        (
            "losses.ridge-w",
            "losses.ridge-mean-w",
            "losses.huber-w",
            "losses.poisson-w",
        ),
    ),
    (
        "binary-classification",
        "Binary classification losses",
        (
            "losses.logistic-w",
            "losses.logistic-pm1-w",
            "losses.logistic-pm1-mean-w",
            "losses.logistic-01-w",
            "losses.logistic-01-mean-w",
            "losses.bce-logits",
            "losses.logistic-hvp",
            "losses.squared-hinge-w",
        ),
    ),
    (
        "softmax-cross-entropy",
        "Softmax cross-entropy",
        (
            "losses.softmax-ce-onehot",
            "losses.softmax-ce-soft",
            "losses.softmax-ce-batch",
            "losses.multinomial-W-kd",
            "losses.multinomial-W-dk",
            "losses.softmax-ce-hvp",
        ),
    ),
    (
        "kl-divergence",
        "Categorical KL divergence",
        (
            "losses.kl-p",
            "losses.kl-q",
            "losses.kl-q-logits",
            "losses.kl-p-logits",
        ),
    ),
)
