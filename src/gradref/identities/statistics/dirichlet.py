"""Dirichlet and Polya likelihoods:
the identities of the page ``reference/statistics/dirichlet.html``."""

import numpy as np

from gradref.catalog import Mistake
from gradref.identities.losses import BISHOP
from gradref.identities.statistics._common import _digamma, _lgamma, _psi, _register, _trigamma
from gradref.shapes import Arr, shaped, shaped_like

MINKA = 'Minka, "Estimating a Dirichlet distribution", technical report (2000, revised 2012)'


def _positive(rng, shape):
    return rng.uniform(0.5, 3.0, shape)


# -- Dirichlet ----------------------------------------------------------------------------------

_DIRICHLET_KEYWORDS = (
    "Dirichlet",
    "Dirichlet distribution",
    "concentration parameter",
    "digamma",
    "trigamma",
    "polygamma",
    "psi function",
)


def _sample_dirichlet(rng, n):
    # m = n observations on the simplex of k = n + 1 >= 2 categories; alpha bounded away from 0
    return {
        "P": rng.dirichlet(np.full(n + 1, 2.0), size=n),
        "alpha": _positive(rng, n + 1),
    }


@shaped
def dirichlet_log_likelihood(P: Arr["m k"], alpha: Arr["k"]):
    """Log-likelihood of ``Dir(alpha)`` for the rows of ``P`` (points of the simplex).

    >>> float(dirichlet_log_likelihood(np.array([[0.5, 0.5]]), np.ones(2)))  # ln Gamma(2) = 0
    0.0
    """
    m = P.shape[0]
    return (
        m * _lgamma(np.sum(alpha))
        - m * np.sum(_lgamma(alpha))
        + np.sum((alpha - 1) * np.sum(np.log(P), axis=0))
    )


@shaped_like(dirichlet_log_likelihood)
def grad_dirichlet_alpha(P, alpha):
    """Gradient in ``alpha``: ``m (psi(alpha_0) - psi(alpha)) + sum_i ln P_i``, ``alpha_0 = sum alpha``.

    >>> grad_dirichlet_alpha(np.array([[0.5, 0.5]]), np.ones(2)).round(4)  # 1 - ln 2
    array([0.3069, 0.3069])
    """
    m = P.shape[0]
    return m * (_digamma(np.sum(alpha)) - _digamma(alpha)) + np.sum(np.log(P), axis=0)


@shaped_like(dirichlet_log_likelihood)
def hess_dirichlet_alpha(P, alpha):
    """Hessian in ``alpha``: ``m (psi'(alpha_0) 1 1^T - diag(psi'(alpha)))``.

    >>> hess_dirichlet_alpha(np.full((3, 2), 0.5), np.ones(2)).shape
    (2, 2)
    """
    m, k = P.shape
    return m * (_trigamma(np.sum(alpha)) * np.ones((k, k)) - np.diag(_trigamma(alpha)))


def _sp_dirichlet(P, alpha):
    import sympy as sp

    m, k = P.shape
    a0 = sum(alpha)
    logs = [sum(sp.log(P[i, j]) for i in range(m)) for j in range(k)]
    value = (
        m * sp.loggamma(a0)
        - m * sum(sp.loggamma(a) for a in alpha)
        + sum((alpha[j] - 1) * logs[j] for j in range(k))
    )
    gradient = sp.Matrix([m * (_psi(a0) - _psi(alpha[j])) + logs[j] for j in range(k)])
    return value, gradient


_register(
    id="statistics.dirichlet-alpha",
    title="Gradient and Hessian of the Dirichlet log-likelihood with respect to the concentration",
    formula=r"\nabla_\alpha \sum_{i=1}^m \ln \operatorname{Dir}(p_i \mid \alpha) = "
    r"m\big(\psi(\alpha_0)\mathbf 1 - \psi(\alpha)\big) + (\ln P)^\top \mathbf 1",
    where=(r"\alpha_0 = \mathbf 1^\top \alpha",),
    wrt="alpha",
    value=dirichlet_log_likelihood,
    derivative=grad_dirichlet_alpha,
    symbolic=_sp_dirichlet,
    sample=_sample_dirichlet,
    derivation=r"""
With $\operatorname{Dir}(p \mid \alpha) = \frac{\Gamma(\alpha_0)}{\prod_j \Gamma(\alpha_j)}
\prod_j p_j^{\alpha_j - 1}$ and $\alpha_0 = \sum_j \alpha_j$, the log-likelihood of the rows
$p_i$ of $P$ is $m \ln\Gamma(\alpha_0) - m \sum_j \ln\Gamma(\alpha_j) +
\sum_j (\alpha_j - 1) \sum_i \ln P_{ij}$. The digamma function is $\psi = (\ln\Gamma)'$, and
$\partial\alpha_0/\partial\alpha_j = 1$, so $\partial L/\partial\alpha_j = m\psi(\alpha_0) -
m\psi(\alpha_j) + \sum_i \ln P_{ij}$: the normaliser couples every coordinate through
$\alpha_0$. Once more, with the trigamma function $\psi'$, the Hessian is a diagonal matrix
plus a rank-one matrix, which is what makes Minka's Newton step cost $O(k)$. The
log-likelihood is concave in $\alpha$ (the Hessian is negative definite).
""",
    hessian=hess_dirichlet_alpha,
    hessian_formula=r"\nabla_\alpha^2 L = m\,\psi'(\alpha_0)\mathbf 1 \mathbf 1^\top - "
    r"m\operatorname{diag}(\psi'(\alpha))",
    mistakes=(
        Mistake(
            r"-m\,\psi(\alpha) + (\ln P)^\top \mathbf 1",
            lambda P, alpha: -P.shape[0] * _digamma(alpha) + np.sum(np.log(P), axis=0),
            "treats the normaliser Gamma(alpha_0) as a constant: the term m psi(alpha_0), which "
            "couples the coordinates, is lost",
        ),
        Mistake(
            r"m\big(\ln\alpha_0 \mathbf 1 - \ln\alpha\big) + (\ln P)^\top \mathbf 1",
            lambda P, alpha: (
                P.shape[0] * (np.log(np.sum(alpha)) - np.log(alpha)) + np.sum(np.log(P), axis=0)
            ),
            "replaces the digamma function by the logarithm, its large-argument approximation "
            "(psi(x) = ln x - 1/(2x) + ...)",
        ),
        Mistake(
            r"\psi(\alpha_0)\mathbf 1 - \psi(\alpha) + (\ln P)^\top \mathbf 1",
            lambda P, alpha: _digamma(np.sum(alpha)) - _digamma(alpha) + np.sum(np.log(P), axis=0),
            "the normaliser's gradient of one observation with the data term of all m: the "
            "factor m is lost",
        ),
    ),
    conventions={
        "numerator": r"m\big(\psi(\alpha_0)\mathbf 1 - \psi(\alpha)\big)^\top + \mathbf 1^\top \ln P"
    },
    related=(
        "statistics.dirichlet-log-partition",
        "statistics.polya-alpha",
        "likelihoods.categorical-log-partition",
    ),
    assumptions="alpha > 0 entrywise; the rows of P are points in the open simplex (positive "
    "entries summing to 1); m observations",
    sources=(
        f"{MINKA}, section 1, eqs. (4) and (6), and the Hessian of its Newton-Raphson iteration",
        f"{BISHOP}, eq. (2.38)",
    ),
    keywords=(
        "Dirichlet log-likelihood",
        "gradient with respect to alpha",
        "Dirichlet maximum likelihood",
        "Dirichlet MLE",
        "Minka fixed-point iteration",
        *_DIRICHLET_KEYWORDS,
    ),
)


@shaped
def dirichlet_log_partition(alpha: Arr["k"]):
    """The Dirichlet log-partition ``sum_j ln Gamma(alpha_j) - ln Gamma(alpha_0)``.

    >>> round(float(dirichlet_log_partition(np.ones(3))), 4)  # -ln Gamma(3) = -ln 2
    -0.6931
    """
    return np.sum(_lgamma(alpha)) - _lgamma(np.sum(alpha))


@shaped_like(dirichlet_log_partition)
def grad_dirichlet_log_partition(alpha):
    """Gradient of the Dirichlet log-partition: ``E[ln p] = psi(alpha) - psi(alpha_0)``.

    >>> grad_dirichlet_log_partition(np.ones(2)).round(4)  # psi(1) - psi(2) = -1
    array([-1., -1.])
    """
    return _digamma(alpha) - _digamma(np.sum(alpha))


@shaped_like(dirichlet_log_partition)
def hess_dirichlet_log_partition(alpha):
    """Fisher information of the Dirichlet: ``diag(psi'(alpha)) - psi'(alpha_0) 1 1^T``.

    >>> hess_dirichlet_log_partition(np.ones(2))[0, 0].round(4)  # psi'(1) - psi'(2) = 1
    np.float64(1.0)
    """
    k = alpha.size
    return np.diag(_trigamma(alpha)) - _trigamma(np.sum(alpha)) * np.ones((k, k))


def _sp_dirichlet_log_partition(alpha):
    import sympy as sp

    a0 = sum(alpha)
    value = sum(sp.loggamma(a) for a in alpha) - sp.loggamma(a0)
    return value, alpha.applyfunc(_psi) - _psi(a0) * sp.ones(alpha.rows, 1)


def _sample_concentration(rng, n):
    return {"alpha": _positive(rng, n + 1)}  # k >= 2 categories


_register(
    id="statistics.dirichlet-log-partition",
    title="Gradient and Hessian of the Dirichlet log-partition: E[ln p] and the Fisher information",
    formula=r"\nabla_\alpha \Big(\sum_{j=1}^k \ln\Gamma(\alpha_j) - \ln\Gamma(\alpha_0)\Big) = "
    r"\psi(\alpha) - \psi(\alpha_0)\mathbf 1",
    where=(r"\alpha_0 = \mathbf 1^\top \alpha",),
    wrt="alpha",
    value=dirichlet_log_partition,
    derivative=grad_dirichlet_log_partition,
    symbolic=_sp_dirichlet_log_partition,
    sample=_sample_concentration,
    derivation=r"""
The Dirichlet is an exponential family in $\alpha$ with sufficient statistic $T(p) = \ln p$
(entrywise): $\operatorname{Dir}(p \mid \alpha) = \exp\big(\langle\alpha, \ln p\rangle -
A(\alpha)\big) \prod_j p_j^{-1}$ with $A(\alpha) = \sum_j \ln\Gamma(\alpha_j) -
\ln\Gamma(\alpha_0)$. The gradient of a log-partition is the mean of the sufficient
statistic, so $\mathbb E[\ln p_j] = \psi(\alpha_j) - \psi(\alpha_0)$ (the expectation that
variational inference with Dirichlet factors needs); its Hessian is the covariance of
$\ln p$, which is also the Fisher information of $\alpha$:
$\operatorname{diag}(\psi'(\alpha)) - \psi'(\alpha_0)\mathbf 1\mathbf 1^\top$.
""",
    hessian=hess_dirichlet_log_partition,
    hessian_formula=r"\nabla_\alpha^2 A = \operatorname{diag}(\psi'(\alpha)) - \psi'(\alpha_0)"
    r"\mathbf 1 \mathbf 1^\top",
    mistakes=(
        Mistake(
            r"\ln\alpha - \ln\alpha_0 \mathbf 1",
            lambda alpha: np.log(alpha) - np.log(np.sum(alpha)),
            "the logarithm of the mean ln E[p] in place of the mean of the logarithm E[ln p] "
            "(Jensen's inequality: E[ln p] < ln E[p])",
        ),
        Mistake(
            r"\psi(\alpha)",
            lambda alpha: _digamma(alpha),
            "drops the normaliser ln Gamma(alpha_0), which depends on every alpha_j",
        ),
    ),
    conventions={"numerator": r"\big(\psi(\alpha) - \psi(\alpha_0)\mathbf 1\big)^\top"},
    related=(
        "statistics.dirichlet-alpha",
        "likelihoods.categorical-log-partition",
        "likelihoods.bernoulli-log-partition",
    ),
    assumptions="alpha > 0 entrywise, k >= 2 categories",
    sources=(f"{BISHOP}, eq. (B.21) and exercise 2.11", f"{MINKA}, section 1, eq. (8)"),
    keywords=(
        "expected log of a Dirichlet",
        "E[ln p]",
        "E log p Dirichlet",
        "Dirichlet Fisher information",
        "Fisher information",
        "Dirichlet log-partition",
        "log-partition function",
        "exponential family",
        *_DIRICHLET_KEYWORDS,
    ),
)


# -- Dirichlet-multinomial (Polya) -------------------------------------------------------------


def _sample_polya(rng, n):
    # m = n count vectors over k = n + 1 categories, with at least one count per row
    counts = rng.integers(0, 5, size=(n, n + 1)).astype(float)
    counts[:, 0] += 1
    return {"N": counts, "alpha": _positive(rng, n + 1)}


@shaped
def polya_log_likelihood(N: Arr["m k"], alpha: Arr["k"]):
    """Dirichlet-multinomial log-likelihood of the count rows of ``N``, up to multinomial coefficients.

    >>> round(float(polya_log_likelihood(np.array([[1.0, 0.0]]), np.ones(2))), 4)  # ln(1/2)
    -0.6931
    """
    a0 = np.sum(alpha)
    totals = np.sum(N, axis=1)
    return np.sum(_lgamma(a0) - _lgamma(totals + a0)) + np.sum(_lgamma(N + alpha) - _lgamma(alpha))


@shaped_like(polya_log_likelihood)
def grad_polya_alpha(N, alpha):
    """Gradient in ``alpha``: ``sum_i (psi(a0) - psi(n_i + a0)) 1 + sum_i (psi(N_i + alpha) - psi(alpha))``.

    >>> grad_polya_alpha(np.array([[1.0, 0.0]]), np.ones(2)).round(4)
    array([ 0.5, -0.5])
    """
    a0 = np.sum(alpha)
    totals = np.sum(N, axis=1)
    shared = np.sum(_digamma(a0) - _digamma(totals + a0))
    return shared + np.sum(_digamma(N + alpha) - _digamma(alpha), axis=0)


@shaped_like(polya_log_likelihood)
def hess_polya_alpha(N, alpha):
    """Hessian in ``alpha``: ``c 1 1^T + diag(sum_i psi'(N_i + alpha) - psi'(alpha))``.

    >>> hess_polya_alpha(np.array([[1.0, 0.0]]), np.ones(2)).shape
    (2, 2)
    """
    a0 = np.sum(alpha)
    k = alpha.size
    shared = np.sum(_trigamma(a0) - _trigamma(np.sum(N, axis=1) + a0))
    return shared * np.ones((k, k)) + np.diag(
        np.sum(_trigamma(N + alpha) - _trigamma(alpha), axis=0)
    )


def _sp_polya(N, alpha):
    import sympy as sp

    m, k = N.shape
    a0 = sum(alpha)
    totals = [sum(N[i, :]) for i in range(m)]
    value = sum(sp.loggamma(a0) - sp.loggamma(t + a0) for t in totals) + sum(
        sp.loggamma(N[i, j] + alpha[j]) - sp.loggamma(alpha[j]) for i in range(m) for j in range(k)
    )
    shared = sum(_psi(a0) - _psi(t + a0) for t in totals)
    gradient = sp.Matrix(
        [
            shared + sum(_psi(N[i, j] + alpha[j]) - _psi(alpha[j]) for i in range(m))
            for j in range(k)
        ]
    )
    return value, gradient


_register(
    id="statistics.polya-alpha",
    title="Gradient and Hessian of the Dirichlet-multinomial (Polya) log-likelihood in alpha",
    formula=r"\nabla_\alpha L = \sum_{i=1}^m \big(\psi(\alpha_0) - \psi(n_i + \alpha_0)\big)"
    r"\mathbf 1 + \sum_{i=1}^m \big(\psi(N_{i,:}^\top + \alpha) - \psi(\alpha)\big)",
    where=(r"\alpha_0 = \mathbf 1^\top \alpha", r"n = N \mathbf 1"),
    wrt="alpha",
    value=polya_log_likelihood,
    derivative=grad_polya_alpha,
    symbolic=_sp_polya,
    sample=_sample_polya,
    derivation=r"""
Integrating the multinomial's probabilities against $\operatorname{Dir}(\alpha)$ gives, for a
row of counts $N_{i,:}$ with total $n_i$, the likelihood
$\frac{\Gamma(\alpha_0)}{\Gamma(n_i + \alpha_0)} \prod_j
\frac{\Gamma(N_{ij} + \alpha_j)}{\Gamma(\alpha_j)}$ times a multinomial coefficient that does
not depend on $\alpha$. Its logarithm, summed over the rows, is $L$; with
$\psi = (\ln\Gamma)'$ and $\partial\alpha_0/\partial\alpha_j = 1$, the two terms in
$\alpha_0$ give the same number in every coordinate and the terms in $\alpha_j$ the
coordinate's own. The Hessian is again a diagonal plus a constant matrix: with
$c = \sum_i \big(\psi'(\alpha_0) - \psi'(n_i + \alpha_0)\big)$, it is
$c\,\mathbf 1\mathbf 1^\top + \operatorname{diag}\big(\sum_i (\psi'(N_{i,:}^\top + \alpha) -
\psi'(\alpha))\big)$.
""",
    hessian=hess_polya_alpha,
    hessian_formula=r"\nabla_\alpha^2 L = c\,\mathbf 1\mathbf 1^\top + \operatorname{diag}\Big("
    r"\sum_{i=1}^m \big(\psi'(N_{i,:}^\top + \alpha) - \psi'(\alpha)\big)\Big),\ c = \sum_{i=1}^m "
    r"\big(\psi'(\alpha_0) - \psi'(n_i + \alpha_0)\big)",
    mistakes=(
        Mistake(
            r"\sum_{i=1}^m \big(\psi(N_{i,:}^\top + \alpha) - \psi(\alpha)\big)",
            lambda N, alpha: np.sum(_digamma(N + alpha) - _digamma(alpha), axis=0),
            "forgets the normaliser Gamma(alpha_0) / Gamma(n_i + alpha_0), which depends on "
            "every alpha_j through alpha_0",
        ),
        Mistake(
            r"\sum_{i=1}^m \big(\psi(n_i + \alpha_0) - \psi(\alpha_0)\big)\mathbf 1 + "
            r"\sum_{i=1}^m \big(\psi(N_{i,:}^\top + \alpha) - \psi(\alpha)\big)",
            lambda N, alpha: (
                np.sum(_digamma(np.sum(N, axis=1) + np.sum(alpha)) - _digamma(np.sum(alpha)))
                + np.sum(_digamma(N + alpha) - _digamma(alpha), axis=0)
            ),
            "writes the normaliser Gamma(alpha_0) / Gamma(n_i + alpha_0) upside down, like the "
            "per-category ratios Gamma(N_ij + alpha_j) / Gamma(alpha_j)",
        ),
    ),
    conventions={
        "numerator": r"\sum_{i=1}^m \big(\psi(\alpha_0) - \psi(n_i + \alpha_0)\big)\mathbf 1^\top"
        r" + \sum_{i=1}^m \big(\psi(N_{i,:}^\top + \alpha) - \psi(\alpha)\big)^\top"
    },
    related=("statistics.dirichlet-alpha", "statistics.dirichlet-log-partition"),
    assumptions="alpha > 0 entrywise; N holds nonnegative counts (the formula holds for any "
    "N > -alpha); the multinomial coefficients, constant in alpha, are dropped",
    sources=(f"{MINKA}, the section on the Dirichlet-multinomial (Polya) distribution",),
    keywords=(
        "Dirichlet-multinomial",
        "Polya distribution",
        "Dirichlet compound multinomial",
        "DCM",
        "overdispersed counts",
        "gradient with respect to alpha",
        *_DIRICHLET_KEYWORDS,
    ),
)


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
    "dirichlet",
    "Dirichlet and Polya likelihoods",
    ("statistics.dirichlet-alpha", "statistics.dirichlet-log-partition", "statistics.polya-alpha"),
)
