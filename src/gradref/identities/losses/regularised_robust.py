"""Ridge, Huber and Poisson regression:
the identities of the page ``reference/losses/regularised-robust.html``."""

import numpy as np

from gradref.catalog import Mistake
from gradref.identities.losses._common import BISHOP, ESL, GLM, MURPHY, _register, _sampler
from gradref.shapes import Arr, shaped, shaped_like


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
    hessian_formula=r"\nabla_w^2 = X^\top \operatorname{diag}\!\big(\mathbf 1[|X w - y| "
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


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
    "regularised-robust",
    "Ridge, Huber and Poisson regression",
    ("losses.ridge-w", "losses.ridge-mean-w", "losses.huber-w", "losses.poisson-w"),
)
