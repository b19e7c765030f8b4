"""Least-squares losses: the identities of the page ``reference/losses/least-squares.html``."""

import numpy as np

from gradref.catalog import Mistake
from gradref.identities.losses._common import BISHOP, DLBOOK, ESL, MURPHY, PEARLMUTTER, _register
from gradref.shapes import Arr, shaped, shaped_like

# -- references, helpers and samplers for the losses below ---------------------------------

MML = "Deisenroth, Faisal & Ong, *Mathematics for Machine Learning* (2020)"


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


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
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
)
