"""Negative-binomial regression:
the identities of the page ``reference/statistics/negative-binomial.html``."""

import numpy as np

from gradref.catalog import Mistake
from gradref.identities.losses import GLM, _sigmoid, _softplus
from gradref.identities.statistics._common import _digamma, _lgamma, _psi, _register, _trigamma
from gradref.shapes import Arr, shaped, shaped_like

CAMERON = "Cameron & Trivedi, *Regression Analysis of Count Data*, 2nd ed. (2013)"


# -- negative-binomial regression ---------------------------------------------------------------
#
# NB2: y_i ~ NB(mean mu_i = exp(x_i^T beta), size r), Var y_i = mu_i + mu_i^2 / r; the
# dispersion alpha = 1 / r is the other common parametrisation (statsmodels, Cameron & Trivedi).


def _sample_negbin(rng, n):
    # m = n + 1 counts, p = n features; moderate rates exp(x^T beta); size r in (0.5, 4)
    return {
        "X": rng.standard_normal((n + 1, n)) / np.sqrt(n),
        "y": rng.poisson(2.0, n + 1).astype(float),
        "beta": rng.standard_normal(n) / 2,
        "r": rng.uniform(0.5, 4.0, 1),
    }


@shaped
def negbin_nll(X: Arr["m p"], y: Arr["m"], beta: Arr["p"], r: Arr["1"]):
    """Negative log-likelihood of NB2 regression (log link, size ``r``) of the counts ``y``.

    >>> round(float(negbin_nll(np.zeros((1, 1)), np.zeros(1), np.zeros(1), np.ones(1))), 4)
    0.6931
    """
    eta = X @ beta
    k = r[0]
    return np.sum(
        (y + k) * (np.log(k) + _softplus(eta - np.log(k)))  # ln(r + e^eta), without overflow
        - y * eta
        - k * np.log(k)
        - _lgamma(y + k)
        + _lgamma(k)
        + _lgamma(y + 1)
    )


@shaped_like(negbin_nll)
def grad_negbin_beta(X, y, beta, r):
    """Gradient in ``beta``: ``X^T (r (mu - y) / (mu + r))``, ``mu = exp(X beta)``.

    >>> grad_negbin_beta(np.ones((1, 1)), np.array([3.0]), np.zeros(1), np.ones(1))
    array([-1.])
    """
    # r (mu - y) / (mu + r) = (y + r) mu / (mu + r) - y, and mu / (mu + r) = sigmoid(eta - ln r)
    share = _sigmoid(X @ beta - np.log(r[0]))
    return X.T @ ((y + r[0]) * share - y)


@shaped_like(negbin_nll)
def hess_negbin_beta(X, y, beta, r):
    """Hessian in ``beta``: ``X^T diag(r mu (y + r) / (mu + r)^2) X``.

    >>> hess_negbin_beta(np.ones((1, 1)), np.array([3.0]), np.zeros(1), np.ones(1))
    array([[1.]])
    """
    z = X @ beta - np.log(r[0])  # r mu / (mu + r)^2 = sigmoid(z) sigmoid(-z), without overflow
    weights = (y + r[0]) * _sigmoid(z) * _sigmoid(-z)
    return X.T @ (weights[:, None] * X)


def _sp_negbin(X, y, beta, r):
    """The NB2 negative log-likelihood and the means ``mu``, in sympy."""
    import sympy as sp

    k = r[0]
    eta = X * beta
    mu = eta.applyfunc(sp.exp)
    value = sum(
        (y[i] + k) * sp.log(k + mu[i])
        - y[i] * eta[i]
        - k * sp.log(k)
        - sp.loggamma(y[i] + k)
        + sp.loggamma(k)
        + sp.loggamma(y[i] + 1)
        for i in range(X.rows)
    )
    return value, mu


def _sp_negbin_beta(X, y, beta, r):
    import sympy as sp

    value, mu = _sp_negbin(X, y, beta, r)
    k = r[0]
    # r (mu - y) / (mu + r) = (y + r) mu / (mu + r) - y: the form that expands to the exact one
    return value, X.T * sp.Matrix([(y[i] + k) * mu[i] / (k + mu[i]) - y[i] for i in range(X.rows)])


_NB_KEYWORDS = (
    "negative binomial regression",
    "NB2",
    "negative binomial GLM",
    "overdispersion",
    "count data",
    "log link",
    "generalized linear model",
    "GLM",
)

_NB_WHERE = (r"\mu = e^{X \beta}",)

_register(
    id="statistics.negbin-glm-beta",
    title="Gradient and Hessian of the negative-binomial regression loss in the coefficients",
    formula=r"\nabla_\beta\, \mathrm{NLL} = X^\top \big(r\,(\mu - y) \oslash (\mu + r)\big)",
    where=_NB_WHERE,
    wrt="beta",
    value=negbin_nll,
    derivative=grad_negbin_beta,
    symbolic=_sp_negbin_beta,
    sample=_sample_negbin,
    derivation=r"""
With mean $\mu_i = e^{\eta_i}$, $\eta = X\beta$, and size $r$, the NB2 log-probability of a count
$y_i$ is $\ln\Gamma(y_i + r) - \ln\Gamma(r) - \ln y_i! + r \ln\frac{r}{r + \mu_i} +
y_i \ln\frac{\mu_i}{r + \mu_i}$. As a function of $\eta_i$ the negative of it is
$(y_i + r)\ln(r + e^{\eta_i}) - y_i \eta_i$ plus constants, with derivative
$\frac{(y_i + r)\mu_i}{r + \mu_i} - y_i = \frac{r(\mu_i - y_i)}{r + \mu_i}$: the Poisson
residual $\mu_i - y_i$ shrunk by $r / (r + \mu_i)$, and the Poisson one as $r \to \infty$.
$d\eta = X\, d\beta$ gives the gradient. Differentiating once more in $\eta_i$ gives the
weight $\frac{r\mu_i(y_i + r)}{(r + \mu_i)^2}$ of the observed Hessian; its expectation
($y_i \to \mu_i$) is $\frac{r\mu_i}{r + \mu_i}$, the weight of Fisher scoring (IRLS), which
differs from the Hessian because the log link is not canonical for the negative binomial.
""",
    hessian=hess_negbin_beta,
    hessian_formula=r"\nabla_\beta^2\, \mathrm{NLL} = X^\top \operatorname{diag}\big(r\, \mu "
    r"\odot (y + r) \oslash (\mu + r)^{\odot 2}\big) X",
    mistakes=(
        Mistake(
            r"X^\top (\mu - y)",
            lambda X, y, beta, r: X.T @ (np.exp(X @ beta) - y),
            "the Poisson gradient: the shrinkage r / (r + mu) of the overdispersed model is lost",
        ),
        Mistake(
            r"X^\top \big((\mu - y) \oslash (1 + r\mu)\big)",
            lambda X, y, beta, r: X.T @ ((np.exp(X @ beta) - y) / (1 + r[0] * np.exp(X @ beta))),
            "the formula in the dispersion alpha = 1/r, (mu - y) / (1 + alpha mu), evaluated "
            "with the size r in place of alpha",
        ),
    ),
    conventions={"numerator": r"\big(r\,(\mu - y) \oslash (\mu + r)\big)^\top X"},
    related=("statistics.negbin-size", "losses.poisson-w", "likelihoods.poisson-log-partition"),
    assumptions="log link mu = exp(X beta); size r > 0 fixed (dispersion alpha = 1/r); counts "
    "y_i >= 0; the sum over the m samples",
    sources=(
        f"{CAMERON}, chapter 3 (the NB2 model)",
        f"{GLM}, chapter 2 (the likelihood equations of a GLM)",
    ),
    keywords=(
        "negative binomial gradient",
        "gradient with respect to beta",
        "negative binomial Hessian",
        "observed information",
        *_NB_KEYWORDS,
    ),
)


@shaped_like(negbin_nll)
def grad_negbin_r(X, y, beta, r):
    """Gradient in ``r``: ``sum_i ln((r + mu_i) / r) + (y_i + r) / (r + mu_i) - 1 + psi(r) - psi(y_i + r)``.

    >>> grad_negbin_r(np.zeros((1, 1)), np.zeros(1), np.zeros(1), np.ones(1)).round(4)  # ln 2 - 1/2
    array([0.1931])
    """
    k = r[0]
    z = X @ beta - np.log(k)  # ln((r + mu) / r) = softplus(z), r / (r + mu) = sigmoid(-z)
    terms = _softplus(z) + (y + k) / k * _sigmoid(-z) - 1 + _digamma(k) - _digamma(y + k)
    return np.array([np.sum(terms)])


@shaped_like(negbin_nll)
def hess_negbin_r(X, y, beta, r):
    """Second derivative in ``r``, as a 1 x 1 matrix.

    >>> hess_negbin_r(np.zeros((1, 1)), np.zeros(1), np.zeros(1), np.ones(1))
    array([[-0.25]])
    """
    k = r[0]
    z = X @ beta - np.log(k)
    below = _sigmoid(-z) / k  # 1 / (r + mu), without overflow
    # 1 / (r + mu) + (mu - y) / (r + mu)^2 - 1 / r, with mu / (r + mu) = sigmoid(z)
    terms = below + (_sigmoid(z) - y * below) * below - 1 / k + _trigamma(k) - _trigamma(y + k)
    return np.array([[np.sum(terms)]])


def _sp_negbin_r(X, y, beta, r):
    import sympy as sp

    value, mu = _sp_negbin(X, y, beta, r)
    k = r[0]
    gradient = sum(
        sp.log(k + mu[i]) - sp.log(k) + (y[i] + k) / (k + mu[i]) - 1 + _psi(k) - _psi(y[i] + k)
        for i in range(X.rows)
    )
    return value, sp.Matrix([gradient])


_register(
    id="statistics.negbin-size",
    title="Gradient and Hessian of the negative-binomial regression loss in the size parameter",
    formula=r"\frac{\partial\, \mathrm{NLL}}{\partial r} = \sum_{i=1}^m \Big(\ln\frac{r + \mu_i}{r}"
    r" + \frac{y_i + r}{r + \mu_i} - 1 + \psi(r) - \psi(y_i + r)\Big)",
    where=_NB_WHERE,
    wrt="r",
    value=negbin_nll,
    derivative=grad_negbin_r,
    symbolic=_sp_negbin_r,
    sample=_sample_negbin,
    derivation=r"""
The size $r$ enters the NB2 negative log-likelihood of each count through
$-\ln\Gamma(y_i + r) + \ln\Gamma(r)$, with derivative $\psi(r) - \psi(y_i + r)$ (the digamma
function), through $(y_i + r)\ln(r + \mu_i)$, with derivative
$\ln(r + \mu_i) + \frac{y_i + r}{r + \mu_i}$, and through $-r\ln r$, with derivative
$-\ln r - 1$. The sum over the samples is the gradient; once more in $r$, with the trigamma
function $\psi'$, the second derivative. In the dispersion $\alpha = 1/r$ the chain rule
multiplies the gradient by $dr/d\alpha = -r^2$.
""",
    hessian=hess_negbin_r,
    hessian_formula=r"\frac{\partial^2 \mathrm{NLL}}{\partial r^2} = \sum_{i=1}^m \Big("
    r"\frac{1}{r + \mu_i} + \frac{\mu_i - y_i}{(r + \mu_i)^2} - \frac1r + \psi'(r) - "
    r"\psi'(y_i + r)\Big)",
    mistakes=(
        Mistake(
            r"\sum_{i=1}^m \Big(\ln(r + \mu_i) + \frac{y_i + r}{r + \mu_i} + \psi(r) - "
            r"\psi(y_i + r)\Big)",
            lambda X, y, beta, r: grad_negbin_r(X, y, beta, r) + X.shape[0] * (np.log(r[0]) + 1),
            "forgets the term -r ln r of r ln(r / (r + mu)): the size appears in the base of "
            "(r / (r + mu))^r too",
        ),
        Mistake(
            r"-r^2 \sum_{i=1}^m \Big(\ln\frac{r + \mu_i}{r} + \frac{y_i + r}{r + \mu_i} - 1 "
            r"+ \psi(r) - \psi(y_i + r)\Big)",
            lambda X, y, beta, r: -(r[0] ** 2) * grad_negbin_r(X, y, beta, r),
            "the gradient in the dispersion alpha = 1/r (statsmodels' parameter) taken for the "
            "gradient in the size r",
        ),
    ),
    related=("statistics.negbin-glm-beta", "statistics.student-t-dof"),
    assumptions="log link mu = exp(X beta); size r > 0; counts y_i >= 0; the sum over the m "
    "samples",
    sources=(f"{CAMERON}, chapter 3 (the NB2 model)",),
    keywords=(
        "negative binomial dispersion gradient",
        "derivative with respect to the size parameter",
        "negative binomial r",
        "digamma",
        *_NB_KEYWORDS,
    ),
)


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
    "negative-binomial",
    "Negative-binomial regression",
    ("statistics.negbin-glm-beta", "statistics.negbin-size"),
)
