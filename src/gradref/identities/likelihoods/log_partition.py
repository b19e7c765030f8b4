"""Log-partition functions:
the identities of the page ``reference/likelihoods/log-partition.html``."""

import numpy as np

from gradref.catalog import Mistake
from gradref.identities.likelihoods._common import _logdet_spd, _register, _sp_logdet, _sym
from gradref.identities.losses import (
    BISHOP,
    MURPHY,
    _logsumexp,
    _sigmoid,
    _softmax,
    _softplus,
    _sp_logsumexp,
    _sp_sigmoid,
    _sp_softmax,
    _sp_softplus,
)
from gradref.shapes import Arr, shaped, shaped_like

WAINWRIGHT = (
    "Wainwright & Jordan, *Graphical Models, Exponential Families, and Variational "
    "Inference* (2008)"
)


# -- log-partition functions of exponential families ----------------------------------------
#
# p(x | eta) = h(x) exp(<eta, T(x)> - A(eta)): the gradient of the log-partition function A is
# the mean of the sufficient statistic T(x), its Hessian the covariance of T(x).

_EXPFAM_KEYWORDS = (
    "log-partition function",
    "log partition function",
    "cumulant function",
    "exponential family",
    "natural parameter",
    "sufficient statistic",
    "mean parameter",
)

_EXPFAM_SOURCES = (f"{BISHOP}, section 2.4", WAINWRIGHT, MURPHY)


@shaped
def bernoulli_log_partition(eta: Arr["n"]):
    """``sum_i log(1 + exp(eta_i))``: the log-partition of independent Bernoulli variables.

    >>> round(float(bernoulli_log_partition(np.zeros(2))), 4)  # 2 log 2
    1.3863
    """
    return np.sum(_softplus(eta))


@shaped_like(bernoulli_log_partition)
def grad_bernoulli_log_partition(eta):
    """Gradient of the Bernoulli log-partition: the means ``sigmoid(eta)``."""
    return _sigmoid(eta)


@shaped_like(bernoulli_log_partition)
def hess_bernoulli_log_partition(eta):
    """Hessian of the Bernoulli log-partition: the variances ``diag(sigmoid(eta) sigmoid(-eta))``."""
    return np.diag(_sigmoid(eta) * _sigmoid(-eta))


_register(
    id="likelihoods.bernoulli-log-partition",
    title="Gradient and Hessian of the Bernoulli log-partition function: mean and variance",
    formula=r"\nabla_\eta \sum_i \ln\big(1 + e^{\eta_i}\big) = \sigma(\eta) = \mathbb E[x]",
    wrt="eta",
    value=bernoulli_log_partition,
    derivative=grad_bernoulli_log_partition,
    symbolic=lambda eta: (
        sum(_sp_softplus(e) for e in eta),
        eta.applyfunc(_sp_sigmoid),
    ),
    derivation=r"""
$\mathrm{Bern}(x \mid p) = \exp(\eta x - A(\eta))$ with the log-odds $\eta = \ln\frac{p}{1 - p}$,
the sufficient statistic $T(x) = x$ and $A(\eta) = \ln(1 + e^{\eta})$. Then
$A'(\eta) = e^\eta/(1 + e^\eta) = \sigma(\eta) = p = \mathbb E[x]$ and
$A''(\eta) = \sigma(\eta)(1 - \sigma(\eta)) = p(1 - p) = \operatorname{Var}[x]$. For independent
variables with natural parameters $\eta_i$ the log-partition is the sum, so the gradient is
$\sigma(\eta)$ entrywise and the Hessian diagonal.
""",
    hessian=hess_bernoulli_log_partition,
    hessian_formula=r"\nabla_\eta^2 A = \operatorname{diag}\big(\sigma(\eta) \odot (1 - \sigma"
    r"(\eta))\big) = \operatorname{Cov}[x]",
    mistakes=(
        Mistake(
            r"e^{\eta}",
            lambda eta: np.exp(eta),
            "differentiates 1 + e^eta and forgets the 1/(1 + e^eta) of the logarithm",
        ),
        Mistake(
            r"\sigma(-\eta)",
            lambda eta: _sigmoid(-eta),
            "the probability of x = 0, 1 - p, instead of the mean p",
        ),
    ),
    conventions={"numerator": r"\sigma(\eta)^\top"},
    related=(
        "activations.softplus",
        "activations.sigmoid",
        "likelihoods.categorical-log-partition",
        "losses.logistic-w",
    ),
    assumptions="none: eta any real vector of log-odds (independent Bernoulli variables); the "
    "implementation is overflow-free",
    sources=_EXPFAM_SOURCES,
    keywords=(*_EXPFAM_KEYWORDS, "Bernoulli", "log-odds", "logit", "sigmoid", "softplus"),
)


def _sample_classes(rng, n):
    # k = n + 1 >= 2 classes: with one class the family is a point mass and the Hessian is 0
    return {"eta": rng.standard_normal(n + 1)}


@shaped
def categorical_log_partition(eta: Arr["k"]):
    """``log sum_i exp(eta_i)``: the log-partition of the categorical family, one-hot ``T(x)``.

    >>> round(float(categorical_log_partition(np.zeros(2))), 4)  # log 2
    0.6931
    """
    return _logsumexp(eta)


@shaped_like(categorical_log_partition)
def grad_categorical_log_partition(eta):
    """Gradient of the categorical log-partition: the probabilities ``softmax(eta)``."""
    return _softmax(eta)


@shaped_like(categorical_log_partition)
def hess_categorical_log_partition(eta):
    """Hessian of the categorical log-partition: ``diag(p) - p p^T``, ``p = softmax(eta)``."""
    p = _softmax(eta)
    return np.diag(p) - np.outer(p, p)


_register(
    id="likelihoods.categorical-log-partition",
    title="Gradient and Hessian of the categorical log-partition function: mean and covariance",
    formula=r"\nabla_\eta \ln \sum_{i=1}^k e^{\eta_i} = \operatorname{softmax}(\eta) = "
    r"\mathbb E[T(x)],\quad T(x) = e_x \text{ (one-hot)}",
    wrt="eta",
    value=categorical_log_partition,
    derivative=grad_categorical_log_partition,
    symbolic=lambda eta: (_sp_logsumexp(eta), _sp_softmax(eta)),
    sample=_sample_classes,
    derivation=r"""
With the one-hot statistic $T(x) = e_x$, $p(x \mid \eta) = \exp(\langle\eta, e_x\rangle -
A(\eta))$ normalises to $A(\eta) = \ln \sum_i e^{\eta_i}$ (over-complete: $\eta$ and
$\eta + c\mathbf 1$ give the same distribution). $dA = \sum_i e^{\eta_i} d\eta_i / \sum_j
e^{\eta_j} = \langle p, d\eta\rangle$ with $p = \operatorname{softmax}(\eta) = \mathbb E[e_x]$.
Differentiating $p_i$ once more gives $\operatorname{diag}(p) - p p^\top =
\mathbb E[e_x e_x^\top] - p p^\top = \operatorname{Cov}[T(x)]$, singular along $\mathbf 1$.
""",
    hessian=hess_categorical_log_partition,
    hessian_formula=r"\nabla_\eta^2 A = \operatorname{diag}(p) - p p^\top = \operatorname{Cov}"
    r"[T(x)],\ p = \operatorname{softmax}(\eta)",
    mistakes=(
        Mistake(
            r"e^{\eta}",
            lambda eta: np.exp(eta),
            "forgets the normalisation: the derivative of the sum inside the logarithm",
        ),
        Mistake(
            r"\frac{e^{\eta}}{1 + \mathbf 1^\top e^{\eta}}",
            lambda eta: np.exp(eta) / (1 + np.sum(np.exp(eta))),
            "the minimal parametrisation's result (a reference class with eta = 0) applied to "
            "the over-complete one",
        ),
    ),
    conventions={"numerator": r"\operatorname{softmax}(\eta)^\top"},
    related=(
        "softmax.lse",
        "likelihoods.categorical-minimal-log-partition",
        "likelihoods.bernoulli-log-partition",
        "softmax.softmax-jacobian",
    ),
    assumptions="none: eta any real vector; the over-complete parametrisation (k natural "
    "parameters for k classes), so the Hessian is singular along the all-ones vector",
    sources=_EXPFAM_SOURCES,
    keywords=(
        *_EXPFAM_KEYWORDS,
        "categorical distribution",
        "multinoulli",
        "softmax",
        "log-sum-exp",
        "one-hot",
        "diag(p) - pp^T",
    ),
)


@shaped
def categorical_minimal_log_partition(eta: Arr["k"]):
    """``log(1 + sum_i exp(eta_i))``: the categorical log-partition with a reference class.

    >>> round(float(categorical_minimal_log_partition(np.zeros(1))), 4)  # log 2
    0.6931
    """
    return _logsumexp(np.concatenate([eta, np.zeros(1)]))


@shaped_like(categorical_minimal_log_partition)
def grad_categorical_minimal_log_partition(eta):
    """Gradient: the probabilities of the first k classes, ``exp(eta) / (1 + sum exp(eta))``."""
    return _softmax(np.concatenate([eta, np.zeros(1)]))[:-1]


@shaped_like(categorical_minimal_log_partition)
def hess_categorical_minimal_log_partition(eta):
    """Hessian: ``diag(p) - p p^T`` with ``p`` the first k class probabilities."""
    p = _softmax(np.concatenate([eta, np.zeros(1)]))[:-1]
    return np.diag(p) - np.outer(p, p)


def _sp_minimal(eta):
    import sympy as sp

    e = eta.applyfunc(sp.exp)
    return sp.log(1 + sum(e)), e / (1 + sum(e))


_register(
    id="likelihoods.categorical-minimal-log-partition",
    title="Gradient and Hessian of the categorical log-partition function with a reference class",
    formula=r"\nabla_\eta \ln\Big(1 + \sum_{i=1}^{k} e^{\eta_i}\Big) = \frac{e^{\eta}}{1 + "
    r"\mathbf 1^\top e^{\eta}} = (p_1, \ldots, p_k)",
    wrt="eta",
    value=categorical_minimal_log_partition,
    derivative=grad_categorical_minimal_log_partition,
    symbolic=_sp_minimal,
    derivation=r"""
Fixing the natural parameter of class $k + 1$ at $0$ (multinomial logistic regression with a
reference class) leaves $\eta \in \mathbb R^k$, $T(x)$ the first $k$ entries of the one-hot
vector, and $A(\eta) = \ln(1 + \sum_i e^{\eta_i})$. Then $\partial A/\partial\eta_i =
e^{\eta_i}/(1 + \sum_j e^{\eta_j}) = p_i$, and the Hessian $\operatorname{diag}(p) - p p^\top$ is
now positive definite (because $\sum_{i \le k} p_i < 1$): the minimal family is identifiable.
For $k = 1$ this is the Bernoulli family.
""",
    hessian=hess_categorical_minimal_log_partition,
    hessian_formula=r"\nabla_\eta^2 A = \operatorname{diag}(p) - p p^\top,\ p = e^{\eta} / (1 + "
    r"\mathbf 1^\top e^{\eta})",
    mistakes=(
        Mistake(
            r"\operatorname{softmax}(\eta)",
            lambda eta: _softmax(eta),
            "the over-complete result, which forgets the reference class's 1 in the denominator",
        ),
        Mistake(
            r"\frac{e^{\eta}}{\mathbf 1^\top e^{\eta}} - \frac{1}{k + 1}",
            lambda eta: _softmax(eta) - 1 / (eta.size + 1),
            "a centring that is not there: the gradient is a vector of probabilities",
        ),
    ),
    conventions={"numerator": r"p^\top,\quad p = \frac{e^{\eta}}{1 + \mathbf 1^\top e^{\eta}}"},
    related=(
        "likelihoods.categorical-log-partition",
        "likelihoods.bernoulli-log-partition",
        "softmax.lse",
    ),
    assumptions="none: eta any real vector; class k + 1 is the reference class with natural "
    "parameter 0",
    sources=_EXPFAM_SOURCES,
    keywords=(
        *_EXPFAM_KEYWORDS,
        "minimal parametrisation",
        "reference class",
        "multinomial logistic regression",
        "categorical distribution",
    ),
)


@shaped
def poisson_log_partition(eta: Arr["n"]):
    """``sum_i exp(eta_i)``: the log-partition of independent Poisson variables, ``eta = log rate``.

    >>> float(poisson_log_partition(np.zeros(3)))
    3.0
    """
    return np.sum(np.exp(eta))


@shaped_like(poisson_log_partition)
def grad_poisson_log_partition(eta):
    """Gradient of the Poisson log-partition: the rates ``exp(eta)``."""
    return np.exp(eta)


@shaped_like(poisson_log_partition)
def hess_poisson_log_partition(eta):
    """Hessian of the Poisson log-partition: the variances ``diag(exp(eta))``."""
    return np.diag(np.exp(eta))


def _sample_log_rates(rng, n):
    # log-rates in [-2, 2) (rates between 0.14 and 7.4): counts of every size.
    return {"eta": rng.uniform(-2.0, 2.0, n)}


_register(
    id="likelihoods.poisson-log-partition",
    title="Gradient and Hessian of the Poisson log-partition function: mean and variance",
    formula=r"\nabla_\eta \sum_i e^{\eta_i} = e^{\eta} = \lambda = \mathbb E[x]",
    wrt="eta",
    value=poisson_log_partition,
    derivative=grad_poisson_log_partition,
    symbolic=lambda eta: (
        sum(e for e in eta.applyfunc(__import__("sympy").exp)),
        eta.applyfunc(__import__("sympy").exp),
    ),
    sample=_sample_log_rates,
    derivation=r"""
$\mathrm{Poisson}(x \mid \lambda) = \frac{1}{x!} \exp(x \ln\lambda - \lambda)$: natural
parameter $\eta = \ln\lambda$, $T(x) = x$, $A(\eta) = e^\eta$. So $A'(\eta) = e^\eta = \lambda
= \mathbb E[x]$ and $A''(\eta) = e^\eta = \lambda = \operatorname{Var}[x]$: mean and variance
are equal, as they must be for a Poisson variable. For independent counts the log-partition
is the sum and the Hessian diagonal.
""",
    hessian=hess_poisson_log_partition,
    hessian_formula=r"\nabla_\eta^2 A = \operatorname{diag}(e^{\eta}) = \operatorname{Cov}[x]",
    mistakes=(
        Mistake(
            r"\mathbf 1",
            lambda eta: np.ones_like(eta),
            "differentiates A = lambda in the rate lambda instead of in the natural parameter "
            "eta = log lambda",
        ),
        Mistake(
            r"\eta \odot e^{\eta}",
            lambda eta: eta * np.exp(eta),
            "a product rule where there is no product",
        ),
    ),
    conventions={"numerator": r"(e^{\eta})^\top"},
    related=("likelihoods.bernoulli-log-partition", "likelihoods.exponential-log-partition"),
    assumptions="none: eta any real vector of log-rates (independent Poisson variables)",
    sources=_EXPFAM_SOURCES,
    keywords=(*_EXPFAM_KEYWORDS, "Poisson", "log rate", "count data", "GLM"),
)


@shaped
def exponential_log_partition(eta: Arr["n"]):
    """``-sum_i log(-eta_i)``: the log-partition of independent exponential variables, ``eta < 0``.

    >>> round(float(exponential_log_partition(-np.exp(-np.ones(2)))), 4)  # -2 log(1/e)
    2.0
    """
    return -np.sum(np.log(-eta))


@shaped_like(exponential_log_partition)
def grad_exponential_log_partition(eta):
    """Gradient of the exponential-family log-partition: the means ``-1 / eta``."""
    return -1 / eta


@shaped_like(exponential_log_partition)
def hess_exponential_log_partition(eta):
    """Hessian: the variances ``diag(1 / eta^2)``."""
    return np.diag(1 / eta**2)


def _sample_negative(rng, n):
    # natural parameters eta = -rate, rates in [0.5, 2]
    return {"eta": -rng.uniform(0.5, 2.0, n)}


def _sp_exponential(eta):
    import sympy as sp

    return -sum(sp.log(-e) for e in eta), eta.applyfunc(lambda e: -1 / e)


_register(
    id="likelihoods.exponential-log-partition",
    title="Gradient and Hessian of the exponential-distribution log-partition function",
    formula=r"\nabla_\eta \Big[-\sum_i \ln(-\eta_i)\Big] = -\frac{1}{\eta} = \frac{1}{\lambda} = "
    r"\mathbb E[x]",
    wrt="eta",
    value=exponential_log_partition,
    derivative=grad_exponential_log_partition,
    symbolic=_sp_exponential,
    sample=_sample_negative,
    derivation=r"""
$\mathrm{Exp}(x \mid \lambda) = \lambda e^{-\lambda x} = \exp(\eta x - A(\eta))$ with
$\eta = -\lambda < 0$, $T(x) = x$ and $A(\eta) = -\ln(-\eta)$. The chain rule through $-\eta$
gives $A'(\eta) = -1/\eta = 1/\lambda = \mathbb E[x]$, and $A''(\eta) = 1/\eta^2 =
1/\lambda^2 = \operatorname{Var}[x]$. Independent variables add their log-partitions.
""",
    hessian=hess_exponential_log_partition,
    hessian_formula=r"\nabla_\eta^2 A = \operatorname{diag}(1 / \eta^2) = \operatorname{Cov}[x]",
    mistakes=(
        Mistake(
            r"\frac{1}{\eta}",
            lambda eta: 1 / eta,
            "loses the sign of the chain rule through -eta (a negative 'mean')",
        ),
        Mistake(
            r"-\eta",
            lambda eta: -eta,
            "the rate lambda = -eta, not the mean 1 / lambda",
        ),
    ),
    conventions={"numerator": r"-(1 / \eta)^\top"},
    related=("likelihoods.poisson-log-partition", "likelihoods.bernoulli-log-partition"),
    assumptions="every eta_i < 0 (eta = -rate; the family is defined only there)",
    sources=_EXPFAM_SOURCES,
    keywords=(*_EXPFAM_KEYWORDS, "exponential distribution", "rate", "waiting time"),
)


@shaped
def gaussian_log_partition(eta1: Arr["n"], eta2: Arr["n n"]):
    """Gaussian log-partition ``-eta1^T S^-1 eta1 / 4 - log det(-2 S) / 2``, ``S = (eta2 + eta2^T)/2``.

    >>> round(float(gaussian_log_partition(np.zeros(1), -0.5 * np.eye(1))), 4)
    0.0
    """
    S = (eta2 + eta2.T) / 2  # only the symmetric part pairs with x x^T
    return -eta1 @ np.linalg.solve(S, eta1) / 4 - _logdet_spd(-2 * S) / 2


def _natural_moments(eta1, eta2):
    # the mean and the covariance of N(mu, Sigma) from its natural parameters
    Sigma = -np.linalg.inv(eta2 + eta2.T)  # -(2 S)^-1 = -S^-1 / 2
    return Sigma @ eta1, Sigma


@shaped_like(gaussian_log_partition)
def grad_gaussian_log_partition_eta1(eta1, eta2):
    """Gradient in ``eta1``: the mean ``mu = -S^-1 eta1 / 2``."""
    return -np.linalg.solve(eta2 + eta2.T, eta1)


@shaped_like(gaussian_log_partition)
def hess_gaussian_log_partition_eta1(eta1, eta2):
    """Hessian in ``eta1``: the covariance ``Sigma = -S^-1 / 2``."""
    return _natural_moments(eta1, eta2)[1]


def _sample_natural(rng, n):
    # eta1 = Sigma^-1 mu and eta2 = -Sigma^-1 / 2 (symmetric negative definite), Sigma SPD
    B = rng.standard_normal((n, n))
    P = np.linalg.inv(B @ B.T / n + np.eye(n))
    return {"eta1": rng.standard_normal(n), "eta2": -(P + P.T) / 4}


def _sp_gaussian_partition(eta1, eta2):
    S = (eta2 + eta2.T) / 2
    return -(eta1.T * S.inv() * eta1)[0, 0] / 4 - _sp_logdet(-2 * S) / 2


def _sp_natural_eta1(eta1, eta2):
    eta2 = _sym(eta2)
    return _sp_gaussian_partition(eta1, eta2), -eta2.inv() * eta1 / 2


_GAUSS_A = (
    r"A(\eta_1, \eta_2) = -\tfrac14 \eta_1^\top \eta_2^{-1} \eta_1 - \tfrac12 \ln\det(-2\eta_2)"
)

_register(
    id="likelihoods.gaussian-natural-eta1",
    title="Gaussian log-partition function in natural parameters, gradient in eta1: the mean",
    formula=r"\nabla_{\eta_1} A = -\tfrac12 \eta_2^{-1} \eta_1 = \mu = \mathbb E[x],\quad "
    + _GAUSS_A,
    where=(
        r"\Sigma = -\tfrac12 \eta_2^{-1}",
        r"\mu = \Sigma \eta_1",
    ),
    wrt="eta1",
    value=gaussian_log_partition,
    derivative=grad_gaussian_log_partition_eta1,
    symbolic=_sp_natural_eta1,
    sample=_sample_natural,
    derivation=r"""
$\mathcal N(x \mid \mu, \Sigma) = (2\pi)^{-n/2} \exp(\langle\eta_1, x\rangle + \langle\eta_2,
x x^\top\rangle - A)$ with $\eta_1 = \Sigma^{-1}\mu$, $\eta_2 = -\tfrac12 \Sigma^{-1}$, and
$A = \tfrac12 \mu^\top\Sigma^{-1}\mu + \tfrac12 \ln\det\Sigma$, which in natural parameters is the
formula. In $\eta_1$ it is a quadratic form with the symmetric matrix $-\tfrac14\eta_2^{-1}$, so
$\nabla_{\eta_1} A = -\tfrac12 \eta_2^{-1}\eta_1 = \Sigma\Sigma^{-1}\mu = \mu$ and the Hessian is
$-\tfrac12 \eta_2^{-1} = \Sigma = \operatorname{Cov}[x]$. The implementation uses the symmetric
part of $\eta_2$ (only it pairs with $x x^\top$).
""",
    hessian=hess_gaussian_log_partition_eta1,
    hessian_formula=r"\nabla_{\eta_1}^2 A = -\tfrac12 \eta_2^{-1} = \Sigma = \operatorname{Cov}[x]",
    mistakes=(
        Mistake(
            r"-\tfrac14 \eta_2^{-1} \eta_1",
            lambda eta1, eta2: -np.linalg.solve(eta2, eta1) / 4,
            "keeps the 1/4 of the value: the quadratic form's gradient has a factor 2",
        ),
        Mistake(
            r"\eta_1",
            lambda eta1, eta2: eta1,
            "takes the natural parameter Sigma^-1 mu for the mean mu",
        ),
    ),
    conventions={"numerator": r"-\tfrac12 \eta_1^\top \eta_2^{-1} = \mu^\top"},
    related=(
        "likelihoods.gaussian-natural-eta2",
        "likelihoods.gaussian-nll-precision",
        "likelihoods.categorical-log-partition",
    ),
    assumptions="eta2 symmetric negative definite (eta2 = -Sigma^-1 / 2 with Sigma SPD); eta1 "
    "any vector",
    sources=_EXPFAM_SOURCES,
    keywords=(
        *_EXPFAM_KEYWORDS,
        "Gaussian natural parameters",
        "information form",
        "canonical parameters",
        "multivariate normal",
    ),
)


@shaped_like(gaussian_log_partition)
def grad_gaussian_log_partition_eta2(eta1, eta2):
    """Gradient in the entries of ``eta2``: the second moment ``E[x x^T] = Sigma + mu mu^T``."""
    mu, Sigma = _natural_moments(eta1, eta2)
    return Sigma + np.outer(mu, mu)


@shaped_like(gaussian_log_partition)
def hess_gaussian_log_partition_eta2(eta1, eta2):
    """Hessian in ``eta2``: ``Cov[x_i x_j, x_k x_l]``, by Isserlis' theorem."""
    mu, Sigma = _natural_moments(eta1, eta2)
    pairs = np.einsum("ik,jl->ijkl", Sigma, Sigma) + np.einsum("il,jk->ijkl", Sigma, Sigma)
    mixed = (
        np.einsum("i,k,jl->ijkl", mu, mu, Sigma)
        + np.einsum("i,l,jk->ijkl", mu, mu, Sigma)
        + np.einsum("j,k,il->ijkl", mu, mu, Sigma)
        + np.einsum("j,l,ik->ijkl", mu, mu, Sigma)
    )
    return pairs + mixed


def _sp_natural_eta2(eta1, eta2):
    P = ((eta2 + eta2.T) / 2).inv()
    mu, Sigma = -P * eta1 / 2, -P / 2
    return _sp_gaussian_partition(eta1, eta2), Sigma + mu * mu.T


_register(
    id="likelihoods.gaussian-natural-eta2",
    title="Gaussian log-partition function in natural parameters, gradient in eta2: the second "
    "moment",
    formula=r"\nabla_{\eta_2} A = \tfrac14 \eta_2^{-1}\eta_1\eta_1^\top\eta_2^{-1} - \tfrac12 "
    r"\eta_2^{-1} = \Sigma + \mu\mu^\top = \mathbb E[x x^\top],\quad " + _GAUSS_A,
    where=(
        r"\Sigma = -\tfrac12 \eta_2^{-1}",
        r"\mu = \Sigma \eta_1",
    ),
    wrt="eta2",
    value=gaussian_log_partition,
    derivative=grad_gaussian_log_partition_eta2,
    symbolic=_sp_natural_eta2,
    sample=_sample_natural,
    derivation=r"""
The value is written with the symmetric part $S = \tfrac12(\eta_2 + \eta_2^\top)$, so that it
is the log-partition for every $\eta_2$, with statistic $T(x) = x x^\top$ paired by
$\langle\eta_2, x x^\top\rangle = x^\top\eta_2 x$. With $P = S^{-1}$ symmetric,
$d(-\tfrac14 \eta_1^\top P \eta_1) = \tfrac14 \eta_1^\top P\, dS\, P \eta_1$ and
$d(-\tfrac12 \ln\det(-2S)) = -\tfrac12 \operatorname{tr}(P\, dS)$; both matrices are symmetric,
so $\langle\cdot, dS\rangle = \langle\cdot, d\eta_2\rangle$ and
$\nabla_{\eta_2} A = \tfrac14 P\eta_1\eta_1^\top P - \tfrac12 P = \mu\mu^\top + \Sigma$ (with
$P = -2\Sigma$, $P\eta_1 = -2\mu$). The Hessian is $\operatorname{Cov}[x_i x_j, x_k x_l]$, which
Isserlis' theorem gives below; without the symmetrisation the formula would have the same
gradient at a symmetric point but a Hessian that is not a covariance.
""",
    hessian=hess_gaussian_log_partition_eta2,
    hessian_formula=r"\big(\nabla_{\eta_2}^2 A\big)_{ij,kl} = \operatorname{Cov}[x_i x_j, x_k x_l]"
    r" = \Sigma_{ik}\Sigma_{jl} + \Sigma_{il}\Sigma_{jk} + \mu_i\mu_k\Sigma_{jl} + \mu_i\mu_l"
    r"\Sigma_{jk} + \mu_j\mu_k\Sigma_{il} + \mu_j\mu_l\Sigma_{ik}",
    mistakes=(
        Mistake(
            r"\Sigma = -\tfrac12 \eta_2^{-1}",
            lambda eta1, eta2: _natural_moments(eta1, eta2)[1],
            "the covariance instead of the second moment: T(x) = x x^T is not centred",
        ),
        Mistake(
            r"\tfrac14 \eta_2^{-1}\eta_1\eta_1^\top\eta_2^{-1} + \tfrac12 \eta_2^{-1}",
            lambda eta1, eta2: (lambda mu, Sigma: np.outer(mu, mu) - Sigma)(
                *_natural_moments(eta1, eta2)
            ),
            "the sign of the log-determinant term: d ln det(-2 eta2) = tr(eta2^-1 d eta2)",
        ),
    ),
    conventions={"numerator": r"\Sigma + \mu\mu^\top \text{ (symmetric: the same)}"},
    related=(
        "likelihoods.gaussian-natural-eta1",
        "likelihoods.gaussian-nll-precision",
        "likelihoods.kl-gauss-sigma2",
    ),
    assumptions="eta2 with a negative definite symmetric part (eta2 = -Sigma^-1 / 2 with Sigma "
    "SPD, sampled symmetric); its n^2 entries are independent variables, and the value uses "
    "its symmetric part",
    sources=_EXPFAM_SOURCES,
    # the inverse of a 3 x 3 symmetrised matrix of nine symbols is slow in sympy at size 3
    symbolic_dims=(1, 2),
    keywords=(
        *_EXPFAM_KEYWORDS,
        "Gaussian natural parameters",
        "second moment",
        "E[xx^T]",
        "Isserlis theorem",
        "fourth moment",
    ),
)


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
    "log-partition",
    "Log-partition functions",
    (
        "likelihoods.bernoulli-log-partition",
        "likelihoods.categorical-log-partition",
        "likelihoods.categorical-minimal-log-partition",
        "likelihoods.poisson-log-partition",
        "likelihoods.exponential-log-partition",
        "likelihoods.gaussian-natural-eta1",
        "likelihoods.gaussian-natural-eta2",
    ),
)
