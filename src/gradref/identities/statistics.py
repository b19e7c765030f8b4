"""Statistical models: Dirichlet, Student t, Wishart and negative-binomial likelihoods.

The Dirichlet and Dirichlet-multinomial (Polya) log-likelihoods are differentiated in the
concentration alpha (digamma psi and trigamma psi' appear, Minka 2000); the Dirichlet
log-partition gives E[ln p] and the Fisher information; the multivariate Student t
log-density in its location, scale matrix and degrees of freedom; the Wishart and inverse
Wishart log-densities in their scale matrices and their argument; the negative-binomial
regression (log link, fixed size r) in its coefficients and in r. The Poisson GLM
(``losses.poisson-w``) and the categorical Fisher information diag(p) - p p^T
(``likelihoods.categorical-log-partition``) are in their families.

A matrix argument (a scale matrix, the Wishart variate) is a function of its d^2 entries
taken as independent, differentiated at a symmetric point, as in ``likelihoods``: the
gradients are symmetric there (the free entries of a symmetric matrix get 2G - diag(G)).
The exact sympy checks differentiate in a general matrix of symbols and state the claim with
the transposes this requires; a matrix that is not differentiated is symmetrised.

numpy has no log-gamma or digamma, and this package does not depend on scipy: ``_lgamma``,
``_digamma`` and ``_trigamma`` below are the Stirling series after a shift by recurrence,
accurate to rounding for positive arguments and analytic (the complex step passes through);
the exact checks compare them with sympy's ``loggamma`` and ``polygamma`` at every sample.
"""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.linear import COOKBOOK
from gradref.identities.losses import BISHOP, GLM, MURPHY, _sigmoid, _softplus
from gradref.shapes import Arr, shaped, shaped_like

MINKA = 'Minka, "Estimating a Dirichlet distribution", technical report (2000, revised 2012)'
KOTZ = "Kotz & Nadarajah, *Multivariate t Distributions and Their Applications* (2004)"
LIU_RUBIN = (
    'Liu & Rubin, "ML estimation of the t distribution using EM and its extensions, ECM and '
    'ECME", *Statistica Sinica* 5 (1995)'
)
GUPTA = "Gupta & Nagar, *Matrix Variate Distributions* (2000)"
CAMERON = "Cameron & Trivedi, *Regression Analysis of Count Data*, 2nd ed. (2013)"
LOG_2 = float(np.log(2.0))
LOG_PI = float(np.log(np.pi))


def _register(**fields):
    return register(Identity(kind="gradient", **fields))


# -- log-gamma, digamma and trigamma -----------------------------------------------------------
#
# For z >= 10 the Stirling series to B_14 is accurate to ~1e-17; smaller arguments are shifted
# by x -> x + 10 with Gamma(x + 1) = x Gamma(x). Only arithmetic and log: analytic.

_SHIFT = 10
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6)  # B_2 ... B_14


def _lgamma(x):
    """``ln Gamma(x)`` for ``x > 0`` (entrywise); analytic, so complex steps pass through."""
    x = np.asarray(x) + 0.0  # integers to floats (z ** 13 overflows int64); complex stays
    z = x + _SHIFT
    series = sum(
        b / ((2 * k) * (2 * k - 1) * z ** (2 * k - 1)) for k, b in enumerate(_BERNOULLI, 1)
    )
    stirling = (z - 0.5) * np.log(z) - z + 0.5 * np.log(2 * np.pi) + series
    return stirling - sum(np.log(x + j) for j in range(_SHIFT))


def _digamma(x):
    """The digamma function ``psi(x) = d ln Gamma(x) / dx`` for ``x > 0`` (entrywise)."""
    x = np.asarray(x) + 0.0  # integers to floats (z ** 13 overflows int64); complex stays
    z = x + _SHIFT
    series = sum(b / ((2 * k) * z ** (2 * k)) for k, b in enumerate(_BERNOULLI, 1))
    return np.log(z) - 1 / (2 * z) - series - sum(1 / (x + j) for j in range(_SHIFT))


def _trigamma(x):
    """The trigamma function ``psi'(x)`` for ``x > 0`` (entrywise)."""
    x = np.asarray(x) + 0.0  # integers to floats (z ** 13 overflows int64); complex stays
    z = x + _SHIFT
    series = sum(b / z ** (2 * k + 1) for k, b in enumerate(_BERNOULLI, 1))
    return 1 / z + 1 / (2 * z**2) + series + sum(1 / (x + j) ** 2 for j in range(_SHIFT))


def _lmvgamma(a, d):
    """``ln Gamma_d(a)``, the multivariate log-gamma: ``d(d-1)/4 ln pi + sum_j ln Gamma(a + (1-j)/2)``."""
    return d * (d - 1) / 4 * LOG_PI + sum(_lgamma(a + (1 - j) / 2) for j in range(1, d + 1))


def _sp_lmvgamma(a, d):
    import sympy as sp

    return sp.Rational(d * (d - 1), 4) * sp.log(sp.pi) + sum(
        sp.loggamma(a + sp.Rational(1 - j, 2)) for j in range(1, d + 1)
    )


def _psi(x):
    import sympy as sp

    return sp.polygamma(0, x)


def _psi1(x):
    import sympy as sp

    return sp.polygamma(1, x)


def _logdet_spd(S):
    # log det S for S with a positive determinant: analytic, unlike slogdet's log |det S|
    return np.log(np.linalg.det(S))


def _sym(M):
    # a sympy matrix with its upper triangle mirrored: a symmetric stand-in for an input that
    # is not differentiated and is symmetric by assumption
    import sympy as sp

    return sp.Matrix(M.rows, M.cols, lambda i, j: M[min(i, j), max(i, j)])


def _sandwich(A, B):
    """The 4-tensor ``H[i,j,k,l] = A_il B_kj`` of the linear map ``V -> A V^T B``."""
    return np.einsum("il,kj->ijkl", A, B)


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
    r"\mathbf 1 + \sum_{i=1}^m \big(\psi(N_{i,:} + \alpha) - \psi(\alpha)\big)",
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
$c\,\mathbf 1\mathbf 1^\top + \operatorname{diag}\big(\sum_i (\psi'(N_{i,:} + \alpha) -
\psi'(\alpha))\big)$.
""",
    hessian=hess_polya_alpha,
    hessian_formula=r"\nabla_\alpha^2 L = c\,\mathbf 1\mathbf 1^\top + \operatorname{diag}\Big("
    r"\sum_{i=1}^m \big(\psi'(N_{i,:} + \alpha) - \psi'(\alpha)\big)\Big),\ c = \sum_{i=1}^m "
    r"\big(\psi'(\alpha_0) - \psi'(n_i + \alpha_0)\big)",
    mistakes=(
        Mistake(
            r"\sum_{i=1}^m \big(\psi(N_{i,:} + \alpha) - \psi(\alpha)\big)",
            lambda N, alpha: np.sum(_digamma(N + alpha) - _digamma(alpha), axis=0),
            "forgets the normaliser Gamma(alpha_0) / Gamma(n_i + alpha_0), which depends on "
            "every alpha_j through alpha_0",
        ),
        Mistake(
            r"\sum_{i=1}^m \big(\psi(n_i + \alpha_0) - \psi(\alpha_0)\big)\mathbf 1 + "
            r"\sum_{i=1}^m \big(\psi(N_{i,:} + \alpha) - \psi(\alpha)\big)",
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
        r" + \sum_{i=1}^m \big(\psi(N_{i,:} + \alpha) - \psi(\alpha)\big)^\top"
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


# -- multivariate Student t ---------------------------------------------------------------------


def _sample_t(rng, n):
    # location, point and an SPD scale matrix in R^d (d = n), degrees of freedom nu in (0.5, 5)
    B = rng.standard_normal((n, n))
    return {
        "x": rng.standard_normal(n),
        "mu": rng.standard_normal(n),
        "Sigma": B @ B.T / n + np.eye(n),
        "nu": rng.uniform(0.5, 5.0, 1),
    }


@shaped
def student_t_log_density(x: Arr["d"], mu: Arr["d"], Sigma: Arr["d d"], nu: Arr["1"]):
    """Log-density of the multivariate Student t ``t_nu(mu, Sigma)`` at ``x``.

    >>> round(float(student_t_log_density(np.zeros(1), np.zeros(1), np.eye(1), np.ones(1))), 4)
    -1.1447
    """
    d = x.size
    v = nu[0]
    r = x - mu
    delta = r @ np.linalg.solve(Sigma, r)
    return (
        _lgamma((v + d) / 2)
        - _lgamma(v / 2)
        - d / 2 * np.log(v * np.pi)
        - _logdet_spd(Sigma) / 2
        - (v + d) / 2 * np.log(1 + delta / v)
    )


def _t_parts(x, mu, Sigma, nu):
    """``(u, delta, w)``: ``u = Sigma^-1 (x - mu)``, the squared Mahalanobis distance ``delta``
    and the weight ``w = (nu + d) / (nu + delta)``."""
    u = np.linalg.solve(Sigma, x - mu)
    delta = (x - mu) @ u
    return u, delta, (nu[0] + x.size) / (nu[0] + delta)


@shaped_like(student_t_log_density)
def grad_student_t_mu(x, mu, Sigma, nu):
    """Gradient in ``mu``: ``w Sigma^-1 (x - mu)`` with ``w = (nu + d) / (nu + delta)``.

    >>> grad_student_t_mu(np.ones(1), np.zeros(1), np.eye(1), np.ones(1))  # Cauchy: 2x/(1+x^2)
    array([1.])
    """
    u, _, w = _t_parts(x, mu, Sigma, nu)
    return w * u


@shaped_like(student_t_log_density)
def hess_student_t_mu(x, mu, Sigma, nu):
    """Hessian in ``mu``: ``-w Sigma^-1 + 2 w / (nu + delta) u u^T``, ``u = Sigma^-1 (x - mu)``.

    >>> hess_student_t_mu(np.zeros(1), np.zeros(1), np.eye(1), np.ones(1))
    array([[-2.]])
    """
    u, delta, w = _t_parts(x, mu, Sigma, nu)
    return -w * np.linalg.inv(Sigma) + 2 * w / (nu[0] + delta) * np.outer(u, u)


def _sp_t(x, mu, Sigma, nu):
    """``(value, u, delta, w)`` of the t log-density, in sympy."""
    import sympy as sp

    d, v = x.rows, nu[0]
    r = x - mu
    u = Sigma.inv() * r
    delta = (r.T * u)[0, 0]
    value = (
        sp.loggamma((v + d) / 2)
        - sp.loggamma(v / 2)
        - sp.Rational(d, 2) * sp.log(v * sp.pi)
        - sp.log(Sigma.det()) / 2
        - (v + d) / 2 * (sp.log(v + delta) - sp.log(v))  # ln(1 + delta/nu): fast to check
    )
    return value, u, delta, (v + d) / (v + delta)


def _sp_t_mu(x, mu, Sigma, nu):
    value, u, _, w = _sp_t(x, mu, _sym(Sigma), nu)
    return value, w * u


_T_KEYWORDS = (
    "multivariate t distribution",
    "Student t distribution",
    "multivariate Student t",
    "t log-likelihood",
    "robust regression",
    "heavy-tailed",
    "Mahalanobis distance",
)
_T_WHERE = (
    r"\delta = (x - \mu)^\top \Sigma^{-1} (x - \mu)",
    r"w = \frac{\nu + d}{\nu + \delta}",
)

_register(
    id="statistics.student-t-location",
    title="Gradient and Hessian of the multivariate Student t log-density in its location",
    formula=r"\nabla_\mu \ln t_\nu(x \mid \mu, \Sigma) = w\, \Sigma^{-1} (x - \mu)",
    where=_T_WHERE,
    wrt="mu",
    value=student_t_log_density,
    derivative=grad_student_t_mu,
    symbolic=_sp_t_mu,
    sample=_sample_t,
    derivation=r"""
The log-density is $\ln\Gamma(\frac{\nu + d}{2}) - \ln\Gamma(\frac\nu2) - \frac d2 \ln(\nu\pi) -
\frac12 \ln\det\Sigma - \frac{\nu + d}{2} \ln(1 + \delta/\nu)$, and only the last term depends
on $\mu$, through $\delta$. With $u = \Sigma^{-1}(x - \mu)$, $d\delta = -2 u^\top d\mu$ and
$\frac{d}{d\delta}\big(-\frac{\nu + d}{2}\ln(1 + \delta/\nu)\big) = -\frac{w}{2}$, so
$\nabla_\mu = w u$: the Gaussian score, down-weighted by $w$ at points far from $\mu$ (the
weights of the EM algorithm for the t distribution). Differentiating $w u$ once more, with
$dw = \frac{2w}{\nu + \delta} u^\top d\mu$ and $du = -\Sigma^{-1} d\mu$, gives the Hessian, which
is indefinite far from $\mu$: the t log-density is not concave.
""",
    hessian=hess_student_t_mu,
    hessian_formula=r"\nabla_\mu^2 \ln t_\nu = -w\, \Sigma^{-1} + \frac{2w}{\nu + \delta}\, u u^\top"
    r",\quad u = \Sigma^{-1}(x - \mu)",
    mistakes=(
        Mistake(
            r"\Sigma^{-1} (x - \mu)",
            lambda x, mu, Sigma, nu: np.linalg.solve(Sigma, x - mu),
            "the Gaussian score: the weight w = (nu + d) / (nu + delta) of the t is lost",
        ),
        Mistake(
            r"\frac{\nu + 1}{\nu + \delta} \Sigma^{-1} (x - \mu)",
            lambda x, mu, Sigma, nu: (
                (nu[0] + 1)
                / (nu[0] + _t_parts(x, mu, Sigma, nu)[1])
                * np.linalg.solve(Sigma, x - mu)
            ),
            "the univariate weight (nu + 1) / (nu + delta) carried over to d dimensions, where "
            "the exponent of the density is (nu + d) / 2",
        ),
    ),
    conventions={"numerator": r"w\, (x - \mu)^\top \Sigma^{-1}"},
    related=(
        "statistics.student-t-scale",
        "statistics.student-t-dof",
        "likelihoods.gaussian-nll-mu",
    ),
    assumptions="Sigma symmetric positive definite, nu > 0",
    sources=(
        f"{KOTZ}, chapter 1 (the density)",
        f"{BISHOP}, eq. (2.162)",
        f"{LIU_RUBIN}, the E-step weights (nu + p) / (nu + delta)",
    ),
    keywords=(
        "t distribution location gradient",
        "gradient with respect to the location",
        "Student t score",
        "EM weights",
        *_T_KEYWORDS,
    ),
)


@shaped_like(student_t_log_density)
def grad_student_t_sigma(x, mu, Sigma, nu):
    """Gradient in the entries of ``Sigma``: ``(w S r r^T S - S) / 2``, ``S = Sigma^-T``.

    >>> grad_student_t_sigma(np.zeros(1), np.zeros(1), np.eye(1), np.ones(1))
    array([[-0.5]])
    """
    S = np.linalg.inv(Sigma).T  # Sigma^-T: Sigma^-1 at a symmetric point, exact off it too
    r = x - mu
    w = (nu[0] + x.size) / (nu[0] + r @ np.linalg.solve(Sigma, r))
    return (w * np.outer(S @ r, r @ S) - S) / 2


@shaped_like(student_t_log_density)
def hess_student_t_sigma(x, mu, Sigma, nu):
    """Hessian in ``Sigma``: ``V -> (c (u^T V u) u u^T - w (S V^T u u^T + u u^T V^T S) + S V^T S) / 2``.

    >>> hess_student_t_sigma(np.zeros(1), np.zeros(1), np.eye(1), np.ones(1))
    array([[[[0.5]]]])
    """
    u, delta, w = _t_parts(x, mu, Sigma, nu)
    S = np.linalg.inv(Sigma)
    M = np.outer(u, u)
    c = w / (nu[0] + delta)
    return (c * np.einsum("ij,kl->ijkl", M, M) - w * (_sandwich(S, M) + _sandwich(M, S))) / 2 + (
        _sandwich(S, S) / 2
    )


def _sp_t_sigma(x, mu, Sigma, nu):
    value, _, _, w = _sp_t(x, mu, Sigma, nu)
    St = Sigma.inv().T
    r = x - mu
    return value, (w * St * r * r.T * St - St) / 2


_register(
    id="statistics.student-t-scale",
    title="Gradient of the multivariate Student t log-density with respect to its scale matrix",
    formula=r"\nabla_\Sigma \ln t_\nu(x \mid \mu, \Sigma) = \tfrac12 \big(w\, \Sigma^{-1} (x - \mu)"
    r"(x - \mu)^\top \Sigma^{-1} - \Sigma^{-1}\big)",
    where=_T_WHERE,
    wrt="Sigma",
    value=student_t_log_density,
    derivative=grad_student_t_sigma,
    symbolic=_sp_t_sigma,
    sample=_sample_t,
    derivation=r"""
Two terms depend on $\Sigma$: $-\frac12 \ln\det\Sigma$, with differential
$-\frac12 \operatorname{tr}(\Sigma^{-1} d\Sigma)$, and $-\frac{\nu + d}{2}\ln(1 + \delta/\nu)$,
whose derivative in $\delta$ is $-\frac w2$, with $d\delta = -r^\top \Sigma^{-1} d\Sigma\,
\Sigma^{-1} r$ ($r = x - \mu$). Together $d \ln t_\nu = \langle \frac12 (w \Sigma^{-\top} r
r^\top \Sigma^{-\top} - \Sigma^{-\top}), d\Sigma\rangle$, and the transposes go at a symmetric
$\Sigma$. Setting the mean of this gradient over a sample to zero gives the EM fixed point
$\Sigma = \frac1m \sum_i w_i r_i r_i^\top$: a weighted sample covariance. Differentiating
once more, with $u = \Sigma^{-1} r$, $S = \Sigma^{-1}$ and
$dw = \frac{w}{\nu + \delta}\, u^\top d\Sigma\, u$, gives the Hessian's action below.
""",
    hessian=hess_student_t_sigma,
    hessian_formula=r"\nabla_\Sigma^2 \ln t_\nu[V] = \tfrac12 \Big(\frac{w}{\nu + \delta}\, "
    r"(u^\top V u)\, u u^\top - w\, \big(S V^\top u u^\top + u u^\top V^\top S\big) + "
    r"S V^\top S\Big),\ S = \Sigma^{-1},\ u = S (x - \mu)",
    mistakes=(
        Mistake(
            r"\tfrac12 \big(\Sigma^{-1} (x - \mu)(x - \mu)^\top \Sigma^{-1} - \Sigma^{-1}\big)",
            lambda x, mu, Sigma, nu: (
                (
                    np.outer(np.linalg.solve(Sigma, x - mu), np.linalg.solve(Sigma, x - mu))
                    - np.linalg.inv(Sigma)
                )
                / 2
            ),
            "the Gaussian gradient: the weight w of the t is lost",
        ),
        Mistake(
            r"2 G - \operatorname{diag}(G),\ G = \tfrac12 \big(w\, \Sigma^{-1} (x - \mu)(x - \mu)"
            r"^\top \Sigma^{-1} - \Sigma^{-1}\big)",
            lambda x, mu, Sigma, nu: (lambda G: 2 * G - np.diag(np.diag(G)))(
                grad_student_t_sigma(x, mu, Sigma, nu)
            ),
            "the derivative in the d(d+1)/2 free entries of a symmetric matrix (2G - diag G), "
            "not in independent entries",
        ),
    ),
    conventions={
        "numerator": r"\tfrac12 \big(w\, \Sigma^{-1} (x - \mu)(x - \mu)^\top \Sigma^{-1} - "
        r"\Sigma^{-1}\big) \text{ (symmetric: the same)}"
    },
    related=(
        "statistics.student-t-location",
        "statistics.student-t-dof",
        "likelihoods.gaussian-nll-sigma",
    ),
    assumptions="Sigma symmetric positive definite, nu > 0; the d^2 entries of Sigma are "
    "independent variables, evaluated at a symmetric point. sympy proves the formula at d = 1 "
    "only: at d = 2 it needs some 15 s to cancel the rational function of the four entries "
    "inside the logarithm; tests/test_statistics.py compares sympy's exact derivative at "
    "d = 2 and 3 with the formula at sampled points, and the numerical check covers every size",
    sources=(f"{KOTZ}, chapter 1 (the density)", f"{LIU_RUBIN}, the M-step for Sigma"),
    # sympy proves the formula at d = 1 only (see the assumptions); numerics at every size
    symbolic_dims=(1,),
    keywords=(
        "t distribution scale matrix gradient",
        "gradient with respect to the scale matrix",
        "weighted covariance",
        *_T_KEYWORDS,
    ),
)


@shaped_like(student_t_log_density)
def grad_student_t_nu(x, mu, Sigma, nu):
    """Gradient in ``nu``: ``(psi((nu + d)/2) - psi(nu/2) - ln(1 + delta/nu) + (delta - d)/(nu + delta)) / 2``.

    >>> grad_student_t_nu(np.zeros(1), np.zeros(1), np.eye(1), np.ones(1)).round(4)
    array([0.1931])
    """
    d, v = x.size, nu[0]
    _, delta, _ = _t_parts(x, mu, Sigma, nu)
    return np.array(
        [
            (
                _digamma((v + d) / 2)
                - _digamma(v / 2)
                - np.log(1 + delta / v)
                + (delta - d) / (v + delta)
            )
            / 2
        ]
    )


@shaped_like(student_t_log_density)
def hess_student_t_nu(x, mu, Sigma, nu):
    """Second derivative in ``nu``, as a 1 x 1 matrix.

    >>> hess_student_t_nu(np.zeros(1), np.zeros(1), np.eye(1), np.ones(1)).round(4)
    array([[-0.3225]])
    """
    d, v = x.size, nu[0]
    _, delta, _ = _t_parts(x, mu, Sigma, nu)
    second = (
        (_trigamma((v + d) / 2) - _trigamma(v / 2)) / 4
        + delta / (2 * v * (v + delta))
        - (delta - d) / (2 * (v + delta) ** 2)
    )
    return np.array([[second]])


def _sp_t_nu(x, mu, Sigma, nu):
    import sympy as sp

    value, _, delta, _ = _sp_t(x, mu, _sym(Sigma), nu)
    d, v = x.rows, nu[0]
    # (delta - d) / (nu + delta) = 1 - (nu + d) / (nu + delta): the form whose difference from
    # the exact derivative expands to 0 without cancelling over a common denominator
    gradient = (
        _psi((v + d) / 2) - _psi(v / 2) - sp.log(v + delta) + sp.log(v) + 1 - (v + d) / (v + delta)
    ) / 2
    return value, sp.Matrix([gradient])


_register(
    id="statistics.student-t-dof",
    title="Gradient and Hessian of the multivariate Student t log-density in the degrees of freedom",
    formula=r"\frac{\partial \ln t_\nu(x \mid \mu, \Sigma)}{\partial\nu} = \tfrac12 \Big(\psi\big("
    r"\tfrac{\nu + d}{2}\big) - \psi\big(\tfrac\nu2\big) - \ln\big(1 + \tfrac\delta\nu\big) + "
    r"\frac{\delta - d}{\nu + \delta}\Big)",
    where=(_T_WHERE[0],),
    wrt="nu",
    value=student_t_log_density,
    derivative=grad_student_t_nu,
    symbolic=_sp_t_nu,
    sample=_sample_t,
    derivation=r"""
Three terms of the log-density depend on $\nu$. The gamma functions give
$\frac12\psi(\frac{\nu + d}{2}) - \frac12\psi(\frac\nu2)$ (the chain rule's factor $\frac12$),
the normaliser $-\frac d2 \ln\nu$ gives $-\frac{d}{2\nu}$, and
$-\frac{\nu + d}{2}\ln(1 + \delta/\nu)$ gives $-\frac12\ln(1 + \delta/\nu) +
\frac{(\nu + d)\,\delta}{2\nu(\nu + \delta)}$. The two rational terms combine:
$\frac{(\nu + d)\delta - d(\nu + \delta)}{2\nu(\nu + \delta)} = \frac{\delta - d}{2(\nu + \delta)}$.
Differentiating once more gives the second derivative below; there is no closed-form
maximiser in $\nu$, so this is what a Newton or a one-dimensional search step uses.
""",
    hessian=hess_student_t_nu,
    hessian_formula=r"\frac{\partial^2 \ln t_\nu}{\partial\nu^2} = \tfrac14 \Big(\psi'\big("
    r"\tfrac{\nu + d}{2}\big) - \psi'\big(\tfrac\nu2\big)\Big) + \frac{\delta}{2\nu(\nu + \delta)}"
    r" - \frac{\delta - d}{2(\nu + \delta)^2}",
    mistakes=(
        Mistake(
            r"\psi\big(\tfrac{\nu + d}{2}\big) - \psi\big(\tfrac\nu2\big) + \tfrac12 \Big(-\ln"
            r"\big(1 + \tfrac\delta\nu\big) + \frac{\delta - d}{\nu + \delta}\Big)",
            lambda x, mu, Sigma, nu: (
                grad_student_t_nu(x, mu, Sigma, nu)
                + (_digamma((nu[0] + x.size) / 2) - _digamma(nu[0] / 2)) / 2
            ),
            "drops the chain rule's factor 1/2 of the gamma functions' arguments (nu + d)/2 and "
            "nu/2",
        ),
        Mistake(
            r"\tfrac12 \Big(\psi\big(\tfrac{\nu + d}{2}\big) - \psi\big(\tfrac\nu2\big) - \ln"
            r"\big(1 + \tfrac\delta\nu\big) + \frac{(\nu + d)\,\delta}{\nu(\nu + \delta)}\Big)",
            lambda x, mu, Sigma, nu: grad_student_t_nu(x, mu, Sigma, nu) + x.size / (2 * nu[0]),
            "forgets that the normaliser (nu pi)^(-d/2) depends on nu: the term -d / (2 nu) is "
            "lost",
        ),
    ),
    related=(
        "statistics.student-t-location",
        "statistics.student-t-scale",
        "statistics.dirichlet-alpha",
    ),
    assumptions="Sigma symmetric positive definite, nu > 0",
    sources=(f"{KOTZ}, chapter 1 (the density)", f"{LIU_RUBIN}, the update of nu"),
    keywords=(
        "degrees of freedom gradient",
        "derivative with respect to nu",
        "t distribution degrees of freedom",
        "digamma",
        *_T_KEYWORDS,
    ),
)


# -- Wishart and inverse Wishart ----------------------------------------------------------------

_WISHART_KEYWORDS = (
    "Wishart distribution",
    "inverse Wishart",
    "Wishart log-density",
    "covariance prior",
    "conjugate prior",
    "scale matrix",
    "random covariance matrix",
)


def _sample_wishart(dof):
    def sample(rng, n):
        # X and the scale SPD by B B^T / d + I; degrees of freedom above d + 1 (for the Wishart
        # a mode exists and the factor n - d - 1 is positive; d - 1 is what the density needs)
        def spd():
            B = rng.standard_normal((n, n))
            return B @ B.T / n + np.eye(n)

        return {"X": spd(), dof[1]: spd(), dof[0]: np.float64(n + 1 + rng.uniform(0.5, 3.0))}

    return sample


@shaped
def wishart_log_density(X: Arr["d d"], Sigma: Arr["d d"], n: Arr[""]):
    """Log-density of the Wishart ``W_d(n, Sigma)`` at ``X``.

    >>> round(float(wishart_log_density(np.eye(1), np.eye(1), np.float64(1.0))), 4)
    -1.4189
    """
    d = X.shape[0]
    return (
        (n - d - 1) / 2 * _logdet_spd(X)
        - np.trace(np.linalg.solve(Sigma, X)) / 2
        - n * d / 2 * LOG_2
        - n / 2 * _logdet_spd(Sigma)
        - _lmvgamma(n / 2, d)
    )


def _sp_wishart(X, Sigma, n):
    import sympy as sp

    d = X.rows
    return (
        (n - d - 1) / 2 * sp.log(X.det())
        - (Sigma.inv() * X).trace() / 2
        - n * d / 2 * sp.log(2)
        - n / 2 * sp.log(Sigma.det())
        - _sp_lmvgamma(n / 2, d)
    )


@shaped_like(wishart_log_density)
def grad_wishart_sigma(X, Sigma, n):
    """Gradient in the entries of ``Sigma``: ``(S X^T S - n S) / 2``, ``S = Sigma^-T``.

    >>> grad_wishart_sigma(np.eye(2), np.eye(2), np.float64(4.0))  # (I - 4 I) / 2
    array([[-1.5,  0. ],
           [ 0. , -1.5]])
    """
    S = np.linalg.inv(Sigma).T
    return (S @ X.T @ S - n * S) / 2


@shaped_like(wishart_log_density)
def hess_wishart_sigma(X, Sigma, n):
    """Hessian in ``Sigma``: ``V -> (n S V^T S - S V^T M - M V^T S) / 2``, ``S = Sigma^-1``, ``M = S X S``.

    >>> hess_wishart_sigma(np.eye(2), np.eye(2), np.float64(4.0)).shape
    (2, 2, 2, 2)
    """
    S = np.linalg.inv(Sigma)
    M = S @ X @ S
    return (n * _sandwich(S, S) - _sandwich(S, M) - _sandwich(M, S)) / 2


def _sp_wishart_sigma(X, Sigma, n):
    X = _sym(X)
    St = Sigma.inv().T
    return _sp_wishart(X, Sigma, n), (St * X.T * St - n * St) / 2


_register(
    id="statistics.wishart-scale",
    title="Gradient and Hessian of the Wishart log-density with respect to its scale matrix",
    formula=r"\nabla_\Sigma \ln \mathcal W_d(X \mid n, \Sigma) = \tfrac12 \big(\Sigma^{-1} X "
    r"\Sigma^{-1} - n\, \Sigma^{-1}\big)",
    wrt="Sigma",
    value=wishart_log_density,
    derivative=grad_wishart_sigma,
    symbolic=_sp_wishart_sigma,
    sample=_sample_wishart(("n", "Sigma")),
    derivation=r"""
The log-density is $\frac{n - d - 1}{2}\ln\det X - \frac12\operatorname{tr}(\Sigma^{-1} X) -
\frac{nd}{2}\ln 2 - \frac n2 \ln\det\Sigma - \ln\Gamma_d(\frac n2)$. With
$d\Sigma^{-1} = -\Sigma^{-1} d\Sigma\, \Sigma^{-1}$ the trace contributes
$\frac12 \operatorname{tr}(\Sigma^{-1} X \Sigma^{-1} d\Sigma)$, and $\ln\det\Sigma$ contributes
$-\frac n2 \operatorname{tr}(\Sigma^{-1} d\Sigma)$; at a symmetric $\Sigma$ and $X$ the
gradient is the sum of the two. It vanishes at $\Sigma = X / n$, the maximum-likelihood
scale of one draw. Differentiating $\Sigma^{-1}$ again (with $S = \Sigma^{-1}$, $M = S X S$)
gives the Hessian's action on a direction $V$.
""",
    hessian=hess_wishart_sigma,
    hessian_formula=r"\nabla_\Sigma^2 (\cdot)[V] = \tfrac12 \big(n\, S V^\top S - S V^\top M - "
    r"M V^\top S\big),\ S = \Sigma^{-1},\ M = S X S",
    mistakes=(
        Mistake(
            r"-\tfrac12 \big(\Sigma^{-1} X \Sigma^{-1} + n\, \Sigma^{-1}\big)",
            lambda X, Sigma, n: -grad_wishart_sigma(X, Sigma, n) - n * np.linalg.inv(Sigma),
            "forgets the minus sign of d(Sigma^-1) = -Sigma^-1 dSigma Sigma^-1",
        ),
        Mistake(
            r"\tfrac12 \big(\Sigma^{-1} X \Sigma^{-1} - (n - d - 1)\, \Sigma^{-1}\big)",
            lambda X, Sigma, n: (
                grad_wishart_sigma(X, Sigma, n) + (X.shape[0] + 1) / 2 * np.linalg.inv(Sigma)
            ),
            "takes the exponent (n - d - 1) / 2 of det X for the exponent n / 2 of det Sigma",
        ),
        Mistake(
            r"2 G - \operatorname{diag}(G),\ G = \tfrac12 \big(\Sigma^{-1} X \Sigma^{-1} - n\, "
            r"\Sigma^{-1}\big)",
            lambda X, Sigma, n: (lambda G: 2 * G - np.diag(np.diag(G)))(
                grad_wishart_sigma(X, Sigma, n)
            ),
            "the derivative in the d(d+1)/2 free entries of a symmetric matrix (2G - diag G), "
            "not in independent entries",
        ),
    ),
    conventions={
        "numerator": r"\tfrac12 \big(\Sigma^{-1} X \Sigma^{-1} - n\, \Sigma^{-1}\big) "
        r"\text{ (symmetric: the same)}"
    },
    related=(
        "statistics.wishart-x",
        "statistics.inverse-wishart-scale",
        "likelihoods.gaussian-nll-mean-sigma",
    ),
    assumptions="X and Sigma symmetric positive definite (d x d), n > d - 1 (sampled above "
    "d + 1); the d^2 entries of Sigma are independent variables, evaluated at a symmetric point",
    sources=(
        f"{GUPTA}, chapter 3 (the Wishart density)",
        f"{BISHOP}, eq. (2.155)",
        f"{COOKBOOK}, eq. (342) (the density)",
    ),
    # the 3 x 3 inverse of nine free symbols, differentiated twice, is slow in sympy
    symbolic_dims=(1, 2),
    keywords=(
        "Wishart scale matrix gradient",
        "gradient with respect to the scale matrix",
        "Wishart maximum likelihood",
        *_WISHART_KEYWORDS,
    ),
)


@shaped_like(wishart_log_density)
def grad_wishart_x(X, Sigma, n):
    """Gradient in the entries of ``X``: ``((n - d - 1) X^-T - Sigma^-T) / 2``.

    >>> grad_wishart_x(np.eye(2), np.eye(2), np.float64(4.0))  # X = (n - d - 1) Sigma: the mode
    array([[0., 0.],
           [0., 0.]])
    """
    d = X.shape[0]
    return ((n - d - 1) * np.linalg.inv(X).T - np.linalg.inv(Sigma).T) / 2


@shaped_like(wishart_log_density)
def hess_wishart_x(X, Sigma, n):
    """Hessian in ``X``: ``V -> -(n - d - 1) / 2 X^-1 V^T X^-1``.

    >>> hess_wishart_x(np.eye(2), np.eye(2), np.float64(4.0)).shape
    (2, 2, 2, 2)
    """
    S = np.linalg.inv(X)
    return -(n - X.shape[0] - 1) / 2 * _sandwich(S, S)


def _sp_wishart_x(X, Sigma, n):
    Sigma = _sym(Sigma)
    return _sp_wishart(X, Sigma, n), ((n - X.rows - 1) * X.inv().T - Sigma.inv().T) / 2


_register(
    id="statistics.wishart-x",
    title="Gradient and Hessian of the Wishart log-density with respect to the matrix variate",
    formula=r"\nabla_X \ln \mathcal W_d(X \mid n, \Sigma) = \tfrac12 \big((n - d - 1)\, X^{-1} - "
    r"\Sigma^{-1}\big)",
    wrt="X",
    value=wishart_log_density,
    derivative=grad_wishart_x,
    symbolic=_sp_wishart_x,
    sample=_sample_wishart(("n", "Sigma")),
    derivation=r"""
Two terms depend on $X$: $\frac{n - d - 1}{2}\ln\det X$, with differential
$\frac{n - d - 1}{2}\operatorname{tr}(X^{-1} dX)$, and $-\frac12 \operatorname{tr}(\Sigma^{-1} X)$,
which is linear. At symmetric $X$ and $\Sigma$ the gradient is
$\frac12 \big((n - d - 1) X^{-1} - \Sigma^{-1}\big)$; it vanishes at the mode
$X = (n - d - 1)\Sigma$ (for $n > d + 1$). The second term is linear, so the Hessian is that
of the log-determinant: $V \mapsto -\frac{n - d - 1}{2} X^{-1} V^\top X^{-1}$ in independent
entries, negative definite on symmetric directions for $n > d + 1$.
""",
    hessian=hess_wishart_x,
    hessian_formula=r"\nabla_X^2 (\cdot)[V] = -\tfrac{n - d - 1}{2}\, X^{-1} V^\top X^{-1}",
    mistakes=(
        Mistake(
            r"\tfrac12 \big((n - d - 1)\, X^{-1} - \Sigma\big)",
            lambda X, Sigma, n: ((n - X.shape[0] - 1) * np.linalg.inv(X) - Sigma) / 2,
            "the scale matrix where its inverse belongs: the exponent is -tr(Sigma^-1 X) / 2",
        ),
        Mistake(
            r"\tfrac12 \big(n\, X^{-1} - \Sigma^{-1}\big)",
            lambda X, Sigma, n: (n * np.linalg.inv(X) - np.linalg.inv(Sigma)) / 2,
            "the exponent n / 2 of det Sigma taken for the exponent (n - d - 1) / 2 of det X",
        ),
    ),
    conventions={
        "numerator": r"\tfrac12 \big((n - d - 1)\, X^{-1} - \Sigma^{-1}\big) "
        r"\text{ (symmetric: the same)}"
    },
    related=(
        "statistics.wishart-scale",
        "statistics.inverse-wishart-x",
        "determinants.logdet-spd",
    ),
    assumptions="X and Sigma symmetric positive definite (d x d), n > d - 1 (sampled above "
    "d + 1); the d^2 entries of X are independent variables, evaluated at a symmetric point",
    sources=(
        f"{GUPTA}, chapter 3 (the Wishart density)",
        f"{BISHOP}, eq. (2.155)",
        f"{COOKBOOK}, eq. (342) (the density)",
    ),
    # the 3 x 3 inverse of nine free symbols, differentiated twice, is slow in sympy
    symbolic_dims=(1, 2),
    keywords=(
        "Wishart gradient in X",
        "gradient with respect to the matrix variate",
        "Wishart mode",
        *_WISHART_KEYWORDS,
    ),
)


@shaped
def inverse_wishart_log_density(X: Arr["d d"], Psi: Arr["d d"], nu: Arr[""]):
    """Log-density of the inverse Wishart ``IW_d(nu, Psi)`` at ``X``.

    >>> round(float(inverse_wishart_log_density(np.eye(1), np.eye(1), np.float64(1.0))), 4)
    -1.4189
    """
    d = X.shape[0]
    return (
        nu / 2 * _logdet_spd(Psi)
        - nu * d / 2 * LOG_2
        - _lmvgamma(nu / 2, d)
        - (nu + d + 1) / 2 * _logdet_spd(X)
        - np.trace(Psi @ np.linalg.inv(X)) / 2
    )


def _sp_inverse_wishart(X, Psi, nu):
    import sympy as sp

    d = X.rows
    return (
        nu / 2 * sp.log(Psi.det())
        - nu * d / 2 * sp.log(2)
        - _sp_lmvgamma(nu / 2, d)
        - (nu + d + 1) / 2 * sp.log(X.det())
        - (Psi * X.inv()).trace() / 2
    )


@shaped_like(inverse_wishart_log_density)
def grad_inverse_wishart_psi(X, Psi, nu):
    """Gradient in the entries of ``Psi``: ``(nu Psi^-T - X^-T) / 2``.

    >>> grad_inverse_wishart_psi(np.eye(2), np.eye(2), np.float64(4.0))  # (4 I - I) / 2
    array([[1.5, 0. ],
           [0. , 1.5]])
    """
    return (nu * np.linalg.inv(Psi).T - np.linalg.inv(X).T) / 2


@shaped_like(inverse_wishart_log_density)
def hess_inverse_wishart_psi(X, Psi, nu):
    """Hessian in ``Psi``: ``V -> -nu / 2 Psi^-1 V^T Psi^-1``.

    >>> hess_inverse_wishart_psi(np.eye(2), np.eye(2), np.float64(4.0)).shape
    (2, 2, 2, 2)
    """
    S = np.linalg.inv(Psi)
    return -nu / 2 * _sandwich(S, S)


def _sp_inverse_wishart_psi(X, Psi, nu):
    X = _sym(X)
    return _sp_inverse_wishart(X, Psi, nu), (nu * Psi.inv().T - X.inv().T) / 2


_register(
    id="statistics.inverse-wishart-scale",
    title="Gradient and Hessian of the inverse Wishart log-density with respect to its scale",
    formula=r"\nabla_\Psi \ln \mathcal W^{-1}_d(X \mid \nu, \Psi) = \tfrac12 \big(\nu\, \Psi^{-1} - "
    r"X^{-1}\big)",
    wrt="Psi",
    value=inverse_wishart_log_density,
    derivative=grad_inverse_wishart_psi,
    symbolic=_sp_inverse_wishart_psi,
    sample=_sample_wishart(("nu", "Psi")),
    derivation=r"""
The log-density is $\frac\nu2 \ln\det\Psi - \frac{\nu d}{2}\ln 2 - \ln\Gamma_d(\frac\nu2) -
\frac{\nu + d + 1}{2}\ln\det X - \frac12 \operatorname{tr}(\Psi X^{-1})$. In $\Psi$ the
log-determinant gives $\frac\nu2 \operatorname{tr}(\Psi^{-1} d\Psi)$ and the trace is linear,
$-\frac12 \operatorname{tr}(X^{-1} d\Psi)$; at symmetric matrices the gradient is
$\frac12(\nu\Psi^{-1} - X^{-1})$, zero at $\Psi = \nu X$. Unlike the Wishart's scale, $\Psi$
enters the exponent without an inverse (the inverse Wishart is the law of $X$ when
$X^{-1} \sim \mathcal W(\nu, \Psi^{-1})$), and the Hessian is that of
$\frac\nu2 \ln\det\Psi$ alone.
""",
    hessian=hess_inverse_wishart_psi,
    hessian_formula=r"\nabla_\Psi^2 (\cdot)[V] = -\tfrac\nu2\, \Psi^{-1} V^\top \Psi^{-1}",
    mistakes=(
        Mistake(
            r"\tfrac12 \big(\Psi^{-1} X \Psi^{-1} - \nu\, \Psi^{-1}\big)",
            lambda X, Psi, nu: (
                (np.linalg.inv(Psi) @ X @ np.linalg.inv(Psi) - nu * np.linalg.inv(Psi)) / 2
            ),
            "the Wishart's scale gradient: Psi taken as a Wishart scale matrix, which enters "
            "the density through its inverse",
        ),
        Mistake(
            r"\tfrac12 \big(\nu\, \Psi^{-1} - X\big)",
            lambda X, Psi, nu: (nu * np.linalg.inv(Psi) - X) / 2,
            "differentiates tr(Psi X^-1) as if it were tr(Psi X)",
        ),
    ),
    conventions={
        "numerator": r"\tfrac12 \big(\nu\, \Psi^{-1} - X^{-1}\big) \text{ (symmetric: the same)}"
    },
    related=(
        "statistics.inverse-wishart-x",
        "statistics.wishart-scale",
        "determinants.logdet-spd",
    ),
    assumptions="X and Psi symmetric positive definite (d x d), nu > d - 1 (sampled above "
    "d + 1); the d^2 entries of Psi are independent variables, evaluated at a symmetric point",
    sources=(f"{GUPTA}, chapter 3 (the inverse Wishart density)", MURPHY),
    # the 3 x 3 inverse of nine free symbols, differentiated twice, is slow in sympy
    symbolic_dims=(1, 2),
    keywords=(
        "inverse Wishart scale gradient",
        "gradient with respect to Psi",
        "inverse Wishart maximum likelihood",
        *_WISHART_KEYWORDS,
    ),
)


@shaped_like(inverse_wishart_log_density)
def grad_inverse_wishart_x(X, Psi, nu):
    """Gradient in the entries of ``X``: ``(S Psi^T S - (nu + d + 1) S) / 2``, ``S = X^-T``.

    >>> grad_inverse_wishart_x(np.eye(2), np.eye(2), np.float64(4.0))  # (I - 7 I) / 2
    array([[-3.,  0.],
           [ 0., -3.]])
    """
    S = np.linalg.inv(X).T
    return (S @ Psi.T @ S - (nu + X.shape[0] + 1) * S) / 2


@shaped_like(inverse_wishart_log_density)
def hess_inverse_wishart_x(X, Psi, nu):
    """Hessian in ``X``: ``V -> ((nu + d + 1) S V^T S - S V^T M - M V^T S) / 2``, ``M = S Psi S``.

    >>> hess_inverse_wishart_x(np.eye(2), np.eye(2), np.float64(4.0)).shape
    (2, 2, 2, 2)
    """
    S = np.linalg.inv(X)
    M = S @ Psi @ S
    c = nu + X.shape[0] + 1
    return (c * _sandwich(S, S) - _sandwich(S, M) - _sandwich(M, S)) / 2


def _sp_inverse_wishart_x(X, Psi, nu):
    Psi = _sym(Psi)
    St = X.inv().T
    return _sp_inverse_wishart(X, Psi, nu), (St * Psi.T * St - (nu + X.rows + 1) * St) / 2


_register(
    id="statistics.inverse-wishart-x",
    title="Gradient and Hessian of the inverse Wishart log-density with respect to the variate",
    formula=r"\nabla_X \ln \mathcal W^{-1}_d(X \mid \nu, \Psi) = \tfrac12 \big(X^{-1} \Psi X^{-1}"
    r" - (\nu + d + 1)\, X^{-1}\big)",
    wrt="X",
    value=inverse_wishart_log_density,
    derivative=grad_inverse_wishart_x,
    symbolic=_sp_inverse_wishart_x,
    sample=_sample_wishart(("nu", "Psi")),
    derivation=r"""
Two terms depend on $X$: $-\frac{\nu + d + 1}{2}\ln\det X$, with differential
$-\frac{\nu + d + 1}{2}\operatorname{tr}(X^{-1} dX)$, and $-\frac12\operatorname{tr}(\Psi X^{-1})$,
with differential $\frac12 \operatorname{tr}(\Psi X^{-1} dX\, X^{-1}) =
\frac12 \operatorname{tr}(X^{-1}\Psi X^{-1} dX)$. At symmetric matrices the gradient is their sum;
it vanishes at the mode $X = \Psi / (\nu + d + 1)$. With $S = X^{-1}$ and $M = S\Psi S$,
differentiating $S$ once more gives the Hessian's action below.
""",
    hessian=hess_inverse_wishart_x,
    hessian_formula=r"\nabla_X^2 (\cdot)[V] = \tfrac12 \big((\nu + d + 1)\, S V^\top S - S V^\top M"
    r" - M V^\top S\big),\ S = X^{-1},\ M = S \Psi S",
    mistakes=(
        Mistake(
            r"\tfrac12 \big(X^{-1} \Psi X^{-1} - (\nu - d - 1)\, X^{-1}\big)",
            lambda X, Psi, nu: (
                grad_inverse_wishart_x(X, Psi, nu) + (X.shape[0] + 1) * np.linalg.inv(X)
            ),
            "the Wishart's exponent (n - d - 1) / 2 of det X, with the wrong sign, for the "
            "inverse Wishart's -(nu + d + 1) / 2",
        ),
        Mistake(
            r"-\tfrac12 \big(X^{-1} \Psi X^{-1} + (\nu + d + 1)\, X^{-1}\big)",
            lambda X, Psi, nu: (
                (
                    -np.linalg.inv(X) @ Psi @ np.linalg.inv(X)
                    - (nu + X.shape[0] + 1) * np.linalg.inv(X)
                )
                / 2
            ),
            "forgets the minus sign of d(X^-1) = -X^-1 dX X^-1",
        ),
    ),
    conventions={
        "numerator": r"\tfrac12 \big(X^{-1} \Psi X^{-1} - (\nu + d + 1)\, X^{-1}\big) "
        r"\text{ (symmetric: the same)}"
    },
    related=(
        "statistics.inverse-wishart-scale",
        "statistics.wishart-x",
        "inverses.trace-a-inverse-b",
    ),
    assumptions="X and Psi symmetric positive definite (d x d), nu > d - 1 (sampled above "
    "d + 1); the d^2 entries of X are independent variables, evaluated at a symmetric point",
    sources=(f"{GUPTA}, chapter 3 (the inverse Wishart density)", MURPHY),
    # the 3 x 3 inverse of nine free symbols, differentiated twice, is slow in sympy
    symbolic_dims=(1, 2),
    keywords=(
        "inverse Wishart gradient in X",
        "gradient with respect to the matrix variate",
        "inverse Wishart mode",
        *_WISHART_KEYWORDS,
    ),
)


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


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "dirichlet",
        "Dirichlet and Polya likelihoods",
        (
            "statistics.dirichlet-alpha",
            "statistics.dirichlet-log-partition",
            "statistics.polya-alpha",
        ),
    ),
    (
        "student-t",
        "Multivariate Student t log-density",
        (
            "statistics.student-t-location",
            "statistics.student-t-scale",
            "statistics.student-t-dof",
        ),
    ),
    (
        "wishart",
        "Wishart and inverse Wishart densities",
        (
            "statistics.wishart-scale",
            "statistics.wishart-x",
            "statistics.inverse-wishart-scale",
            "statistics.inverse-wishart-x",
        ),
    ),
    (
        "negative-binomial",
        "Negative-binomial regression",
        ("statistics.negbin-glm-beta", "statistics.negbin-size"),
    ),
)
