"""Gaussian negative log-likelihood:
the identities of the page ``reference/likelihoods/gaussian-nll.html``."""

import numpy as np

from gradref.catalog import Mistake
from gradref.identities.likelihoods._common import (
    _hess_inverse_term,
    _logdet_spd,
    _register,
    _sp_logdet,
    _sym,
)
from gradref.identities.losses import (
    BISHOP,
    MURPHY,
)
from gradref.shapes import Arr, shaped, shaped_like

LOG_2PI = float(np.log(2 * np.pi))


# -- Gaussian negative log-likelihood of one sample ------------------------------------------


@shaped
def gaussian_nll(x: Arr["n"], mu: Arr["n"], Sigma: Arr["n n"]):
    """Negative log-density of ``N(mu, Sigma)`` at ``x``.

    >>> round(float(gaussian_nll(np.zeros(1), np.zeros(1), np.eye(1))), 4)  # log(2 pi) / 2
    0.9189
    """
    r = x - mu
    return (r @ np.linalg.solve(Sigma, r) + _logdet_spd(Sigma) + x.size * LOG_2PI) / 2


@shaped_like(gaussian_nll)
def grad_gaussian_nll_mu(x, mu, Sigma):
    """Gradient of the Gaussian negative log-likelihood in ``mu``: ``-Sigma^-1 (x - mu)``."""
    return -np.linalg.solve(Sigma, x - mu)


@shaped_like(gaussian_nll)
def hess_gaussian_nll_mu(x, mu, Sigma):
    """Hessian of the Gaussian negative log-likelihood in ``mu``: ``Sigma^-1``."""
    return np.linalg.inv(Sigma)


def _sp_nll(x, mu, Sigma):
    import sympy as sp

    r = x - mu
    n = x.rows
    return ((r.T * Sigma.inv() * r)[0, 0] + _sp_logdet(Sigma) + n * sp.log(2 * sp.pi)) / 2


def _sp_nll_mu(x, mu, Sigma):
    Sigma = _sym(Sigma)
    return _sp_nll(x, mu, Sigma), -Sigma.inv() * (x - mu)


_NLL_KEYWORDS = (
    "Gaussian negative log-likelihood",
    "Gaussian log-likelihood",
    "negative log-likelihood",
    "NLL",
    "multivariate normal",
    "maximum likelihood",
    "MLE",
)

_register(
    id="likelihoods.gaussian-nll-mu",
    title="Gaussian negative log-likelihood, gradient and Hessian in the mean",
    formula=r"\nabla_\mu \Big[\tfrac12 (x - \mu)^\top \Sigma^{-1} (x - \mu) + \tfrac12 \ln\det\Sigma"
    r" + \tfrac n2 \ln 2\pi\Big] = -\Sigma^{-1} (x - \mu)",
    wrt="mu",
    value=gaussian_nll,
    derivative=grad_gaussian_nll_mu,
    symbolic=_sp_nll_mu,
    structure={"Sigma": "spd"},
    derivation=r"""
Only the quadratic form depends on $\mu$. With $r = x - \mu$, $dr = -d\mu$ and, $\Sigma^{-1}$
being symmetric, $d(\tfrac12 r^\top \Sigma^{-1} r) = r^\top \Sigma^{-1} dr =
\langle -\Sigma^{-1} r, d\mu\rangle$, so $\nabla_\mu = -\Sigma^{-1}(x - \mu)$. The gradient is
affine in $\mu$ with linear part $\Sigma^{-1}$, the Hessian: the negative log-likelihood is
strictly convex in $\mu$, minimised at $\mu = x$.
""",
    hessian=hess_gaussian_nll_mu,
    hessian_formula=r"\nabla_\mu^2\, (\cdot) = \Sigma^{-1}",
    mistakes=(
        Mistake(
            r"\Sigma^{-1} (x - \mu)",
            lambda x, mu, Sigma: np.linalg.solve(Sigma, x - mu),
            "the gradient in x (the score's negative with respect to the point): the inner "
            "derivative -1 of x - mu is lost",
        ),
        Mistake(
            r"-\Sigma (x - \mu)",
            lambda x, mu, Sigma: -Sigma @ (x - mu),
            "the covariance where its inverse belongs",
        ),
        Mistake(
            r"-2 \Sigma^{-1} (x - \mu)",
            lambda x, mu, Sigma: -2 * np.linalg.solve(Sigma, x - mu),
            "forgets the 1/2 in front of the quadratic form",
        ),
    ),
    conventions={
        "numerator": r"\frac{\partial\, \mathrm{NLL}}{\partial \mu} = -(x - \mu)^\top \Sigma^{-1}"
    },
    related=(
        "likelihoods.gaussian-nll-mean-mu",
        "likelihoods.gaussian-nll-sigma",
        "quadratic.grad-x",
        "likelihoods.kl-gauss-mu1",
    ),
    assumptions="Sigma symmetric positive definite",
    sources=(f"{BISHOP}, section 2.3.4", f"{MURPHY}"),
    keywords=(*_NLL_KEYWORDS, "gradient with respect to the mean", "Sigma^-1 (x - mu)"),
)


@shaped_like(gaussian_nll)
def grad_gaussian_nll_sigma(x, mu, Sigma):
    """Gradient in the entries of ``Sigma``: ``(S - S r r^T S) / 2``, ``S = Sigma^-T``."""
    S = np.linalg.inv(Sigma).T  # Sigma^-T: Sigma^-1 at a symmetric point, exact off it too
    r = x - mu
    return (S - np.outer(S @ r, r @ S)) / 2


@shaped_like(gaussian_nll)
def hess_gaussian_nll_sigma(x, mu, Sigma):
    """Hessian in ``Sigma``: ``(-S_il S_kj + S_il u_k u_j + u_i u_l S_kj) / 2``, ``u = S (x - mu)``."""
    S = np.linalg.inv(Sigma)
    u = S @ (x - mu)
    return _hess_inverse_term(S, np.outer(u, u))


def _sp_nll_sigma(x, mu, Sigma):
    r = x - mu
    St = Sigma.inv().T
    return _sp_nll(x, mu, Sigma), (St - St * r * r.T * St) / 2


_register(
    id="likelihoods.gaussian-nll-sigma",
    title="Gaussian negative log-likelihood, gradient and Hessian in the covariance",
    formula=r"\nabla_\Sigma \Big[\tfrac12 (x - \mu)^\top \Sigma^{-1} (x - \mu) + \tfrac12 \ln\det"
    r"\Sigma\Big] = \tfrac12 \big(\Sigma^{-1} - \Sigma^{-1} (x - \mu)(x - \mu)^\top \Sigma^{-1}\big)",
    where=(r"r = x - \mu",),
    wrt="Sigma",
    value=gaussian_nll,
    derivative=grad_gaussian_nll_sigma,
    symbolic=_sp_nll_sigma,
    structure={"Sigma": "spd"},
    derivation=r"""
With $r = x - \mu$: $d \ln\det\Sigma = \operatorname{tr}(\Sigma^{-1} d\Sigma)$ and
$d\Sigma^{-1} = -\Sigma^{-1} d\Sigma\, \Sigma^{-1}$, so
$d\,\mathrm{NLL} = \tfrac12 \operatorname{tr}(\Sigma^{-1} d\Sigma) -
\tfrac12 r^\top \Sigma^{-1} d\Sigma\, \Sigma^{-1} r
= \langle \tfrac12 (\Sigma^{-\top} - \Sigma^{-\top} r r^\top \Sigma^{-\top}), d\Sigma\rangle$.
At a symmetric $\Sigma$ the transposes go. Differentiating $\Sigma^{-\top}$ once more (with
$S = \Sigma^{-1}$, $u = S r$) gives the Hessian below; it is the derivative in all $n^2$
entries, and a parametrisation by the symmetric part only sees its symmetrisation.
""",
    hessian=hess_gaussian_nll_sigma,
    hessian_formula=r"\nabla_\Sigma^2\, (\cdot)[V] = \tfrac12\big(-S V^\top S + S V^\top u u^\top"
    r" + u u^\top V^\top S\big),\ S = \Sigma^{-1},\ u = S (x - \mu)",
    mistakes=(
        Mistake(
            r"\tfrac12 \big(\Sigma^{-1} + \Sigma^{-1} (x - \mu)(x - \mu)^\top \Sigma^{-1}\big)",
            lambda x, mu, Sigma: (
                (
                    np.linalg.inv(Sigma)
                    + np.outer(np.linalg.solve(Sigma, x - mu), np.linalg.solve(Sigma, x - mu))
                )
                / 2
            ),
            "forgets the minus sign of d(Sigma^-1) = -Sigma^-1 dSigma Sigma^-1",
        ),
        Mistake(
            r"\tfrac12 \big(\Sigma^{-1} - (x - \mu)(x - \mu)^\top\big)",
            lambda x, mu, Sigma: (np.linalg.inv(Sigma) - np.outer(x - mu, x - mu)) / 2,
            "differentiates the quadratic form as if Sigma, not its inverse, appeared in it",
        ),
        Mistake(
            r"2 G - \operatorname{diag}(G),\ G = \tfrac12 \big(\Sigma^{-1} - \Sigma^{-1} r "
            r"r^\top \Sigma^{-1}\big)",
            lambda x, mu, Sigma: (lambda G: 2 * G - np.diag(np.diag(G)))(
                grad_gaussian_nll_sigma(x, mu, Sigma)
            ),
            "the derivative with respect to the n(n+1)/2 free entries of a symmetric matrix "
            "(2G - diag G), not with respect to independent entries",
        ),
    ),
    conventions={
        "numerator": r"\tfrac12 \big(\Sigma^{-1} - \Sigma^{-1} (x - \mu)(x - \mu)^\top "
        r"\Sigma^{-1}\big) \text{ (symmetric: the same)}",
    },
    related=(
        "likelihoods.gaussian-nll-precision",
        "likelihoods.gaussian-nll-cholesky",
        "likelihoods.gaussian-nll-mean-sigma",
        "likelihoods.gaussian-nll-mu",
    ),
    assumptions="Sigma symmetric positive definite; the n^2 entries of Sigma are treated as "
    "independent variables and the gradient is evaluated at a symmetric point (for a "
    "parametrisation by the symmetric part, the gradient in the off-diagonal free entries "
    "doubles: 2G - diag(G))",
    sources=(f"{BISHOP}, section 2.3.4", MURPHY),
    # the 3 x 3 inverse of nine free symbols, differentiated twice, is slow in sympy
    symbolic_dims=(1, 2),
    keywords=(
        *_NLL_KEYWORDS,
        "gradient with respect to the covariance",
        "covariance matrix",
        "Sigma^-1 - Sigma^-1 r r^T Sigma^-1",
    ),
)


# -- precision ----------------------------------------------------------------------------


@shaped
def gaussian_nll_precision(x: Arr["n"], mu: Arr["n"], Lam: Arr["n n"]):
    """Negative log-density of ``N(mu, Lam^-1)`` at ``x``, in the precision ``Lam``.

    >>> round(float(gaussian_nll_precision(np.zeros(1), np.zeros(1), np.eye(1))), 4)
    0.9189
    """
    r = x - mu
    return (r @ Lam @ r - _logdet_spd(Lam) + x.size * LOG_2PI) / 2


@shaped_like(gaussian_nll_precision)
def grad_gaussian_nll_precision(x, mu, Lam):
    """Gradient in the entries of ``Lam``: ``((x - mu)(x - mu)^T - Lam^-T) / 2``."""
    return (np.outer(x - mu, x - mu) - np.linalg.inv(Lam).T) / 2  # Lam^-T = Lam^-1 if symmetric


@shaped_like(gaussian_nll_precision)
def hess_gaussian_nll_precision(x, mu, Lam):
    """Hessian in ``Lam``: ``H[i,j,k,l] = P_il P_kj / 2`` with ``P = Lam^-1``."""
    P = np.linalg.inv(Lam)
    return np.einsum("il,kj->ijkl", P, P) / 2


def _sp_nll_precision(x, mu, Lam):
    import sympy as sp

    r = x - mu
    value = ((r.T * Lam * r)[0, 0] - _sp_logdet(Lam) + x.rows * sp.log(2 * sp.pi)) / 2
    return value, (r * r.T - Lam.inv().T) / 2


_register(
    id="likelihoods.gaussian-nll-precision",
    title="Gaussian negative log-likelihood, gradient and Hessian in the precision matrix",
    formula=r"\nabla_\Lambda \Big[\tfrac12 (x - \mu)^\top \Lambda (x - \mu) - \tfrac12 \ln\det"
    r"\Lambda\Big] = \tfrac12 \big((x - \mu)(x - \mu)^\top - \Lambda^{-1}\big)",
    wrt="Lam",
    value=gaussian_nll_precision,
    derivative=grad_gaussian_nll_precision,
    symbolic=_sp_nll_precision,
    structure={"Lam": "spd"},
    derivation=r"""
In the precision $\Lambda = \Sigma^{-1}$ the quadratic form is linear:
$d(\tfrac12 r^\top \Lambda r) = \langle \tfrac12 r r^\top, d\Lambda\rangle$, and
$\ln\det\Sigma = -\ln\det\Lambda$ contributes $-\tfrac12 \langle \Lambda^{-\top}, d\Lambda\rangle$.
So $\nabla_\Lambda = \tfrac12 (r r^\top - \Lambda^{-1})$ at a symmetric $\Lambda$: the signs are
those of the covariance gradient reversed, and the inverse now sits on the log-determinant.
From $d\Lambda^{-\top} = -\Lambda^{-\top} d\Lambda^\top \Lambda^{-\top}$ the Hessian is
$V \mapsto \tfrac12 \Lambda^{-1} V^\top \Lambda^{-1}$: positive definite, the negative
log-likelihood is convex in $\Lambda$.
""",
    hessian=hess_gaussian_nll_precision,
    hessian_formula=r"\nabla_\Lambda^2\, (\cdot)[V] = \tfrac12 \Lambda^{-1} V^\top \Lambda^{-1}",
    mistakes=(
        Mistake(
            r"\tfrac12 \big(\Lambda^{-1} - (x - \mu)(x - \mu)^\top\big)",
            lambda x, mu, Lam: (np.linalg.inv(Lam) - np.outer(x - mu, x - mu)) / 2,
            "the sign of the whole gradient reversed (the log-likelihood's, not the negative's)",
        ),
        Mistake(
            r"\tfrac12 \big((x - \mu)(x - \mu)^\top - \Lambda\big)",
            lambda x, mu, Lam: (np.outer(x - mu, x - mu) - Lam) / 2,
            "the gradient of ln det Lambda taken as Lambda instead of Lambda^-1",
        ),
    ),
    conventions={"numerator": r"\tfrac12 \big((x - \mu)(x - \mu)^\top - \Lambda^{-1}\big)"},
    related=(
        "likelihoods.gaussian-nll-sigma",
        "likelihoods.gaussian-nll-mean-precision",
        "likelihoods.gaussian-natural-eta2",
    ),
    assumptions="Lambda symmetric positive definite; its n^2 entries are independent "
    "variables, the gradient is evaluated at a symmetric point",
    sources=(f"{BISHOP}, section 2.3", f"{MURPHY}"),
    keywords=(*_NLL_KEYWORDS, "precision matrix", "inverse covariance", "concentration matrix"),
)


# -- Cholesky factor ----------------------------------------------------------------------


@shaped
def gaussian_nll_cholesky(x: Arr["n"], mu: Arr["n"], L: Arr["n n"]):
    """Negative log-density of ``N(mu, L L^T)`` at ``x``, for a square invertible ``L``.

    >>> round(float(gaussian_nll_cholesky(np.zeros(1), np.zeros(1), np.eye(1))), 4)
    0.9189
    """
    z = np.linalg.solve(L, x - mu)
    return (z @ z + _logdet_spd(L @ L.T) + x.size * LOG_2PI) / 2


@shaped_like(gaussian_nll_cholesky)
def grad_gaussian_nll_cholesky(x, mu, L):
    """Gradient in every entry of ``L``: ``L^-T (I - z z^T)`` with ``z = L^-1 (x - mu)``."""
    z = np.linalg.solve(L, x - mu)
    return np.linalg.inv(L).T @ (np.eye(z.size) - np.outer(z, z))


def _sample_cholesky(rng, n):
    # L lower triangular with a positive diagonal in [1, 2]: a Cholesky factor, well conditioned.
    L = np.tril(rng.standard_normal((n, n)) / np.sqrt(n), -1) + np.diag(rng.uniform(1, 2, n))
    return {"x": rng.standard_normal(n), "mu": rng.standard_normal(n), "L": L}


def _sp_nll_cholesky(x, mu, L):
    import sympy as sp

    Linv = L.inv()
    z = Linv * (x - mu)
    value = ((z.T * z)[0, 0] + sp.log(L.det() ** 2) + x.rows * sp.log(2 * sp.pi)) / 2
    return value, Linv.T * (sp.eye(x.rows) - z * z.T)


_register(
    id="likelihoods.gaussian-nll-cholesky",
    title="Gaussian negative log-likelihood, gradient in a Cholesky factor of the covariance",
    formula=r"\nabla_L \Big[\tfrac12 (x - \mu)^\top (L L^\top)^{-1} (x - \mu) + \tfrac12 \ln\det"
    r"(L L^\top)\Big] = L^{-\top} (I - z z^\top),\quad z = L^{-1}(x - \mu)",
    wrt="L",
    value=gaussian_nll_cholesky,
    derivative=grad_gaussian_nll_cholesky,
    symbolic=_sp_nll_cholesky,
    sample=_sample_cholesky,
    derivation=r"""
The value is defined for any invertible square $L$ through $\Sigma = L L^\top$. With
$G = \tfrac12 (\Sigma^{-1} - \Sigma^{-1} r r^\top \Sigma^{-1})$ the (symmetric) gradient in
$\Sigma$ and $d\Sigma = dL\, L^\top + L\, dL^\top$,
$d\,\mathrm{NLL} = \langle G, dL\, L^\top + L\, dL^\top\rangle = \langle 2 G L, dL\rangle$.
Since $\Sigma^{-1} L = L^{-\top}$ and $\Sigma^{-1} r = L^{-\top} z$,
$2 G L = L^{-\top} - L^{-\top} z z^\top$. For a lower-triangular $L$ (a Cholesky
factor) this full matrix is still the gradient in all $n^2$ entries; a parametrisation by
the lower triangle keeps its lower triangle, $\operatorname{tril}(L^{-\top}(I - z z^\top))$,
and discards the upper one, which is not zero in general.
""",
    mistakes=(
        Mistake(
            r"\tfrac12 L^{-\top} (I - z z^\top)",
            lambda x, mu, L: grad_gaussian_nll_cholesky(x, mu, L) / 2,
            "forgets that L appears twice in L L^T (the factor 2 of the symmetric product)",
        ),
        Mistake(
            r"\operatorname{tril}\big(L^{-\top} (I - z z^\top)\big)",
            lambda x, mu, L: np.tril(grad_gaussian_nll_cholesky(x, mu, L)),
            "the gradient in the lower triangle only, presented as the gradient in all of L",
        ),
        Mistake(
            r"L^{-1} (I - r r^\top),\quad r = x - \mu",
            lambda x, mu, L: np.linalg.inv(L) @ (np.eye(x.size) - np.outer(x - mu, x - mu)),
            "L^-1 where L^-T belongs (and r r^T where z z^T)",
        ),
    ),
    conventions={"numerator": r"(I - z z^\top) L^{-1}"},
    related=("likelihoods.gaussian-nll-sigma", "likelihoods.gaussian-nll-mu"),
    assumptions="L invertible (sampled lower triangular with a positive diagonal, a Cholesky "
    "factor of Sigma = L L^T); all n^2 entries of L are independent variables. A "
    "lower-triangular parametrisation keeps the lower triangle of this gradient. No Hessian "
    "is given: it has no short closed form",
    sources=(MURPHY,),
    # the inverse and determinant of a 3 x 3 matrix of nine free symbols are slow in sympy
    symbolic_dims=(1, 2),
    keywords=(
        *_NLL_KEYWORDS,
        "Cholesky factor",
        "Cholesky parametrisation",
        "reparametrization",
        "L L^T",
        "scale matrix",
    ),
)


# -- Gaussian negative log-likelihood of a data set (mean over the samples) ----------------


@shaped
def gaussian_nll_mean(X: Arr["m n"], mu: Arr["n"], Sigma: Arr["n n"]):
    """Mean negative log-density of the rows of ``X`` under ``N(mu, Sigma)``.

    >>> round(float(gaussian_nll_mean(np.zeros((3, 1)), np.zeros(1), np.eye(1))), 4)
    0.9189
    """
    R = X - mu
    quadratic = np.sum(R * np.linalg.solve(Sigma, R.T).T) / X.shape[0]
    return (quadratic + _logdet_spd(Sigma) + X.shape[1] * LOG_2PI) / 2


@shaped_like(gaussian_nll_mean)
def grad_gaussian_nll_mean_mu(X, mu, Sigma):
    """Gradient of the mean Gaussian negative log-likelihood in ``mu``: ``-Sigma^-1 (xbar - mu)``."""
    return -np.linalg.solve(Sigma, X.mean(axis=0) - mu)


@shaped_like(gaussian_nll_mean)
def hess_gaussian_nll_mean_mu(X, mu, Sigma):
    """Hessian of the mean Gaussian negative log-likelihood in ``mu``: ``Sigma^-1``."""
    return np.linalg.inv(Sigma)


def _sample_data(rng, n, name="Sigma"):
    # m = n + 1 samples in n dimensions (more samples than dimensions: the scatter matrix is
    # nonsingular), the mean, and an SPD covariance or precision.
    B = rng.standard_normal((n, n))
    return {
        "X": rng.standard_normal((n + 1, n)),
        "mu": rng.standard_normal(n),
        name: B @ B.T / n + np.eye(n),
    }


def _sample_data_precision(rng, n):
    return _sample_data(rng, n, "Lam")


def _scatter(X, mu):
    # (1/m) sum_i (x_i - mu)(x_i - mu)^T, rows of X as samples (sympy matrices).
    R = X - _sp_ones(X.rows) * mu.T
    return R.T * R / X.rows


def _sp_ones(m):
    import sympy as sp

    return sp.ones(m, 1)


def _sp_nll_mean(X, mu, Sigma):
    import sympy as sp

    C = _scatter(X, mu)
    return ((Sigma.inv() * C).trace() + _sp_logdet(Sigma) + X.cols * sp.log(2 * sp.pi)) / 2


def _sp_nll_mean_mu(X, mu, Sigma):
    Sigma = _sym(Sigma)
    xbar = X.T * _sp_ones(X.rows) / X.rows
    return _sp_nll_mean(X, mu, Sigma), -Sigma.inv() * (xbar - mu)


_register(
    id="likelihoods.gaussian-nll-mean-mu",
    title="Mean Gaussian negative log-likelihood of a data set, gradient and Hessian in the mean",
    formula=r"\nabla_\mu \frac1m \sum_{i=1}^m \Big[\tfrac12 (x_i - \mu)^\top \Sigma^{-1} (x_i - \mu)"
    r"\Big] = -\Sigma^{-1} (\bar x - \mu),\quad \bar x = \frac1m \sum_i x_i",
    wrt="mu",
    value=gaussian_nll_mean,
    derivative=grad_gaussian_nll_mean_mu,
    symbolic=_sp_nll_mean_mu,
    structure={"Sigma": "spd"},
    sample=_sample_data,
    derivation=r"""
Each sample contributes $-\Sigma^{-1}(x_i - \mu)$ (see the one-sample identity), and the mean
of these is $-\Sigma^{-1}(\bar x - \mu)$, since $\mu$ and $\Sigma$ are shared. Setting it to zero
gives the maximum-likelihood mean $\hat\mu = \bar x$, whatever $\Sigma$. The Hessian
$\Sigma^{-1}$ does not depend on the data at all.
""",
    hessian=hess_gaussian_nll_mean_mu,
    hessian_formula=r"\nabla_\mu^2\, (\cdot) = \Sigma^{-1}",
    mistakes=(
        Mistake(
            r"-m\, \Sigma^{-1} (\bar x - \mu)",
            lambda X, mu, Sigma: -np.linalg.solve(Sigma, X.sum(axis=0) - X.shape[0] * mu),
            "the gradient of the sum over the samples, not of the mean",
        ),
        Mistake(
            r"-\Sigma^{-1} (\bar x - m \mu)",
            lambda X, mu, Sigma: -np.linalg.solve(Sigma, X.mean(axis=0) - X.shape[0] * mu),
            "averages the data but sums the m copies of mu",
        ),
    ),
    conventions={"numerator": r"-(\bar x - \mu)^\top \Sigma^{-1}"},
    related=("likelihoods.gaussian-nll-mu", "likelihoods.gaussian-nll-mean-sigma"),
    assumptions="Sigma symmetric positive definite; the rows of X are the m samples",
    sources=(f"{BISHOP}, section 2.3.4", f"{MURPHY}"),
    keywords=(*_NLL_KEYWORDS, "sample mean", "data set", "maximum likelihood estimate of the mean"),
)


@shaped_like(gaussian_nll_mean)
def grad_gaussian_nll_mean_sigma(X, mu, Sigma):
    """Gradient in the entries of ``Sigma``: ``(S - S C S) / 2``, ``S = Sigma^-T``, ``C`` the scatter."""
    S = np.linalg.inv(Sigma).T  # Sigma^-T: Sigma^-1 at a symmetric point
    R = X - mu
    C = R.T @ R / X.shape[0]
    return (S - S @ C @ S) / 2


@shaped_like(gaussian_nll_mean)
def hess_gaussian_nll_mean_sigma(X, mu, Sigma):
    """Hessian in ``Sigma``: ``(-S_il S_kj + S_il M_kj + M_il S_kj) / 2``, ``M = S C S``."""
    S = np.linalg.inv(Sigma)
    R = X - mu
    return _hess_inverse_term(S, S @ (R.T @ R / X.shape[0]) @ S)


def _sp_nll_mean_sigma(X, mu, Sigma):
    St = Sigma.inv().T
    return _sp_nll_mean(X, mu, Sigma), (St - St * _scatter(X, mu) * St) / 2


_register(
    id="likelihoods.gaussian-nll-mean-sigma",
    title="Mean Gaussian negative log-likelihood of a data set, gradient and Hessian in the "
    "covariance",
    formula=r"\nabla_\Sigma \Big[\tfrac12 \operatorname{tr}(\Sigma^{-1} C) + \tfrac12 \ln\det\Sigma"
    r"\Big] = \tfrac12 \big(\Sigma^{-1} - \Sigma^{-1} C\, \Sigma^{-1}\big),\quad "
    r"C = \frac1m \sum_{i=1}^m (x_i - \mu)(x_i - \mu)^\top",
    where=(r"\bar x = \tfrac1m X^\top \mathbf 1",),
    wrt="Sigma",
    value=gaussian_nll_mean,
    derivative=grad_gaussian_nll_mean_sigma,
    symbolic=_sp_nll_mean_sigma,
    structure={"Sigma": "spd"},
    sample=_sample_data,
    derivation=r"""
The mean of the quadratic forms is $\tfrac1m \sum_i r_i^\top \Sigma^{-1} r_i =
\operatorname{tr}(\Sigma^{-1} C)$ with the scatter matrix $C$. Then
$d \operatorname{tr}(\Sigma^{-1} C) = -\operatorname{tr}(\Sigma^{-1} d\Sigma\, \Sigma^{-1} C)$ and
$d\ln\det\Sigma = \operatorname{tr}(\Sigma^{-1} d\Sigma)$ give
$\nabla_\Sigma = \tfrac12 (\Sigma^{-\top} - \Sigma^{-\top} C^\top \Sigma^{-\top})$, which at a
symmetric $\Sigma$ is the formula. It vanishes at $\Sigma = C$: the maximum-likelihood
covariance is the scatter matrix about $\mu$. The Hessian is that of the one-sample case
with $u u^\top$ replaced by $M = \Sigma^{-1} C \Sigma^{-1}$.
""",
    hessian=hess_gaussian_nll_mean_sigma,
    hessian_formula=r"\nabla_\Sigma^2\, (\cdot)[V] = \tfrac12\big(-S V^\top S + S V^\top M + M V^\top S"
    r"\big),\ S = \Sigma^{-1},\ M = S C S",
    mistakes=(
        Mistake(
            r"\tfrac12 \big(\Sigma^{-1} - C\big)",
            lambda X, mu, Sigma: (np.linalg.inv(Sigma) - (X - mu).T @ (X - mu) / X.shape[0]) / 2,
            "treats tr(Sigma^-1 C) as linear in Sigma, dropping the two inverses around C",
        ),
        Mistake(
            r"\tfrac12 \big(\Sigma^{-1} - \Sigma^{-1} C\, \Sigma^{-1}\big),\ C = \tfrac1m "
            r"\sum_i (x_i - \bar x)(x_i - \bar x)^\top",
            lambda X, mu, Sigma: grad_gaussian_nll_mean_sigma(X, X.mean(axis=0), Sigma),
            "the scatter about the sample mean: right only at mu = xbar, where the MLE is taken",
        ),
    ),
    conventions={"numerator": r"\tfrac12 \big(\Sigma^{-1} - \Sigma^{-1} C\, \Sigma^{-1}\big)"},
    related=(
        "likelihoods.gaussian-nll-sigma",
        "likelihoods.gaussian-nll-mean-mu",
        "likelihoods.gaussian-nll-mean-precision",
    ),
    assumptions="Sigma symmetric positive definite; the n^2 entries of Sigma are independent "
    "variables, the gradient is evaluated at a symmetric point; the rows of X are the samples",
    sources=(f"{BISHOP}, section 2.3.4", f"{MURPHY}"),
    # a 3 x 3 inverse of nine free symbols against the scatter of 4 x 3 more is slow in sympy
    symbolic_dims=(1, 2),
    keywords=(
        *_NLL_KEYWORDS,
        "scatter matrix",
        "sample covariance",
        "maximum likelihood estimate of the covariance",
    ),
)


@shaped
def gaussian_nll_mean_precision(X: Arr["m n"], mu: Arr["n"], Lam: Arr["n n"]):
    """Mean negative log-density of the rows of ``X`` under ``N(mu, Lam^-1)``.

    >>> round(float(gaussian_nll_mean_precision(np.zeros((3, 1)), np.zeros(1), np.eye(1))), 4)
    0.9189
    """
    R = X - mu
    quadratic = np.sum((R @ Lam) * R) / X.shape[0]
    return (quadratic - _logdet_spd(Lam) + X.shape[1] * LOG_2PI) / 2


@shaped_like(gaussian_nll_mean_precision)
def grad_gaussian_nll_mean_precision(X, mu, Lam):
    """Gradient in the entries of ``Lam``: ``(C - Lam^-T) / 2`` with ``C`` the scatter about ``mu``."""
    R = X - mu
    return (R.T @ R / X.shape[0] - np.linalg.inv(Lam).T) / 2


@shaped_like(gaussian_nll_mean_precision)
def hess_gaussian_nll_mean_precision(X, mu, Lam):
    """Hessian in ``Lam``: ``H[i,j,k,l] = P_il P_kj / 2`` with ``P = Lam^-1``."""
    P = np.linalg.inv(Lam)
    return np.einsum("il,kj->ijkl", P, P) / 2


def _sp_nll_mean_precision(X, mu, Lam):
    import sympy as sp

    C = _scatter(X, mu)
    value = ((Lam * C).trace() - _sp_logdet(Lam) + X.cols * sp.log(2 * sp.pi)) / 2
    return value, (C - Lam.inv().T) / 2


_register(
    id="likelihoods.gaussian-nll-mean-precision",
    title="Mean Gaussian negative log-likelihood of a data set, gradient and Hessian in the "
    "precision",
    formula=r"\nabla_\Lambda \Big[\tfrac12 \operatorname{tr}(\Lambda C) - \tfrac12 \ln\det\Lambda"
    r"\Big] = \tfrac12 \big(C - \Lambda^{-1}\big),\quad C = \frac1m \sum_{i=1}^m (x_i - \mu)"
    r"(x_i - \mu)^\top",
    wrt="Lam",
    value=gaussian_nll_mean_precision,
    derivative=grad_gaussian_nll_mean_precision,
    symbolic=_sp_nll_mean_precision,
    structure={"Lam": "spd"},
    sample=_sample_data_precision,
    derivation=r"""
In the precision the mean quadratic form is linear, $\tfrac12 \operatorname{tr}(\Lambda C)$,
with gradient $\tfrac12 C^\top = \tfrac12 C$, and $-\tfrac12 \ln\det\Lambda$ contributes
$-\tfrac12 \Lambda^{-\top}$. The gradient vanishes at $\Lambda = C^{-1}$ (the inverse of the
scatter matrix) and the Hessian $V \mapsto \tfrac12 \Lambda^{-1} V^\top \Lambda^{-1}$ does not
depend on the data: in $\Lambda$ the problem is convex, which it is not in $\Sigma$.
""",
    hessian=hess_gaussian_nll_mean_precision,
    hessian_formula=r"\nabla_\Lambda^2\, (\cdot)[V] = \tfrac12 \Lambda^{-1} V^\top \Lambda^{-1}",
    mistakes=(
        Mistake(
            r"\tfrac12 \big(C - \Lambda\big)",
            lambda X, mu, Lam: ((X - mu).T @ (X - mu) / X.shape[0] - Lam) / 2,
            "the gradient of ln det Lambda taken as Lambda instead of Lambda^-1",
        ),
        Mistake(
            r"\tfrac12 \big(m\, C - \Lambda^{-1}\big)",
            lambda X, mu, Lam: ((X - mu).T @ (X - mu) - np.linalg.inv(Lam)) / 2,
            "sums the quadratic forms over the samples but keeps one log-determinant: the sum "
            "of the negative log-likelihoods has m log-determinants, the mean one",
        ),
    ),
    conventions={"numerator": r"\tfrac12 \big(C - \Lambda^{-1}\big)"},
    related=("likelihoods.gaussian-nll-precision", "likelihoods.gaussian-nll-mean-sigma"),
    assumptions="Lambda symmetric positive definite; the n^2 entries of Lambda are independent "
    "variables, the gradient is evaluated at a symmetric point; the rows of X are the samples",
    sources=(f"{BISHOP}, section 2.3", f"{MURPHY}"),
    keywords=(*_NLL_KEYWORDS, "precision matrix", "inverse covariance", "scatter matrix"),
)


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
    "gaussian-nll",
    "Gaussian negative log-likelihood",
    (
        "likelihoods.gaussian-nll-mu",
        "likelihoods.gaussian-nll-sigma",
        "likelihoods.gaussian-nll-precision",
        "likelihoods.gaussian-nll-cholesky",
        "likelihoods.gaussian-nll-mean-mu",
        "likelihoods.gaussian-nll-mean-sigma",
        "likelihoods.gaussian-nll-mean-precision",
    ),
)
