"""Likelihoods: Gaussian and exponential-family log-likelihoods, KL divergences.

The Gaussian negative log-likelihood is differentiated with respect to the mean, the
covariance, the precision and a Cholesky factor; the KL divergence between two Gaussians
with respect to both means and both covariances; the log-partition functions of the
Bernoulli, categorical, Poisson, exponential and Gaussian families, whose gradients are the
means of the sufficient statistics and whose Hessians are their covariances.

A matrix parameter (a covariance, a precision) is a function of its n^2 entries taken as
independent, differentiated at a symmetric point (the Cookbook's convention): the gradients
below are symmetric there (a parametrisation by the n(n+1)/2 free entries of a symmetric
matrix gets 2G - diag(G) instead, a listed mistake). The Gaussian log-partition in eta2 is
the exception: its value uses the symmetric part of eta2, so that its Hessian is the
covariance of x x^T. The exact
sympy checks therefore differentiate with respect to a general matrix of symbols and state
the claim with the transposes that this requires (they vanish at the symmetric sample); an
input that is not differentiated and must be symmetric is made symmetric in the check.
"""

import numpy as np

from gradref.catalog import Identity, Mistake, register
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

COVER = "Cover & Thomas, *Elements of Information Theory*, 2nd ed. (2006)"
WAINWRIGHT = (
    "Wainwright & Jordan, *Graphical Models, Exponential Families, and Variational "
    "Inference* (2008)"
)
LOG_2PI = float(np.log(2 * np.pi))


def _register(**fields):
    return register(Identity(kind="gradient", **fields))


def _logdet_spd(S):
    # log det S for S symmetric positive definite (det S > 0): log(det S) is analytic, so the
    # complex step passes through it, which slogdet (log |det S|) would not.
    return np.log(np.linalg.det(S))


def _sym(M):
    # A sympy matrix with the upper triangle mirrored: a symmetric stand-in for an input that
    # is not differentiated and is symmetric by assumption.
    import sympy as sp

    return sp.Matrix(M.rows, M.cols, lambda i, j: M[min(i, j), max(i, j)])


def _sp_logdet(M):
    import sympy as sp

    return sp.log(M.det())


def _hess_inverse_term(S, M):
    """4-tensor H[i,j,k,l] of the map Sigma -> 1/2 (Sigma^-T - Sigma^-T C Sigma^-T), S = Sigma^-1.

    ``M = S C S``; at a symmetric point, ``d G = -S V^T S / 2 + (S V^T M + M V^T S) / 2``.
    """
    return (
        -np.einsum("il,kj->ijkl", S, S)
        + np.einsum("il,kj->ijkl", S, M)
        + np.einsum("il,kj->ijkl", M, S)
    ) / 2


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


# -- KL divergence between two Gaussians ---------------------------------------------------


@shaped
def kl_gaussians(mu1: Arr["n"], Sigma1: Arr["n n"], mu2: Arr["n"], Sigma2: Arr["n n"]):
    """``KL(N(mu1, Sigma1) || N(mu2, Sigma2))``.

    >>> float(kl_gaussians(np.zeros(2), np.eye(2), np.zeros(2), np.eye(2)))
    0.0
    """
    d = mu2 - mu1
    return (
        np.trace(np.linalg.solve(Sigma2, Sigma1))
        + d @ np.linalg.solve(Sigma2, d)
        - mu1.size
        + _logdet_spd(Sigma2)
        - _logdet_spd(Sigma1)
    ) / 2


def _sp_kl(mu1, Sigma1, mu2, Sigma2):
    d = mu2 - mu1
    P2 = Sigma2.inv()
    return (
        (P2 * Sigma1).trace()
        + (d.T * P2 * d)[0, 0]
        - mu1.rows
        + _sp_logdet(Sigma2)
        - _sp_logdet(Sigma1)
    ) / 2


_KL_FORMULA = (
    r"\operatorname{KL} = \tfrac12\Big[\operatorname{tr}(\Sigma_2^{-1}\Sigma_1) + (\mu_2 - \mu_1)"
    r"^\top \Sigma_2^{-1} (\mu_2 - \mu_1) - n + \ln\det\Sigma_2 - \ln\det\Sigma_1\Big]"
)
_KL_KEYWORDS = (
    "KL divergence between Gaussians",
    "Kullback-Leibler divergence",
    "Gaussian KL",
    "relative entropy",
    "variational inference",
    "VAE",
    "ELBO",
)
_KL_SOURCES = (MURPHY, COVER)
_KL_STRUCTURE = {"Sigma1": "spd", "Sigma2": "spd"}


@shaped_like(kl_gaussians)
def grad_kl_gaussians_mu1(mu1, Sigma1, mu2, Sigma2):
    """Gradient of the Gaussian KL in ``mu1``: ``Sigma2^-1 (mu1 - mu2)``."""
    return np.linalg.solve(Sigma2, mu1 - mu2)


@shaped_like(kl_gaussians)
def hess_kl_gaussians_mu(mu1, Sigma1, mu2, Sigma2):
    """Hessian of the Gaussian KL in ``mu1`` or in ``mu2``: ``Sigma2^-1``."""
    return np.linalg.inv(Sigma2)


def _sp_kl_mu1(mu1, Sigma1, mu2, Sigma2):
    Sigma1, Sigma2 = _sym(Sigma1), _sym(Sigma2)
    return _sp_kl(mu1, Sigma1, mu2, Sigma2), Sigma2.inv() * (mu1 - mu2)


_register(
    id="likelihoods.kl-gauss-mu1",
    title="KL divergence between Gaussians, gradient and Hessian in the first mean",
    formula=r"\nabla_{\mu_1} \operatorname{KL}\big(\mathcal N(\mu_1, \Sigma_1) \,\|\, \mathcal N"
    r"(\mu_2, \Sigma_2)\big) = \Sigma_2^{-1} (\mu_1 - \mu_2),\quad " + _KL_FORMULA,
    wrt="mu1",
    value=kl_gaussians,
    derivative=grad_kl_gaussians_mu1,
    symbolic=_sp_kl_mu1,
    structure=_KL_STRUCTURE,
    derivation=r"""
Only the Mahalanobis term depends on the means. With $\delta = \mu_2 - \mu_1$,
$d\delta = -d\mu_1$ and $\Sigma_2^{-1}$ symmetric,
$d(\tfrac12 \delta^\top \Sigma_2^{-1} \delta) = \delta^\top \Sigma_2^{-1} d\delta =
\langle \Sigma_2^{-1}(\mu_1 - \mu_2), d\mu_1\rangle$. The Hessian is $\Sigma_2^{-1}$: the
covariance of the *second* distribution weighs the mean difference, whichever mean moves.
""",
    hessian=hess_kl_gaussians_mu,
    hessian_formula=r"\nabla_{\mu_1}^2 \operatorname{KL} = \Sigma_2^{-1}",
    mistakes=(
        Mistake(
            r"\Sigma_1^{-1} (\mu_1 - \mu_2)",
            lambda mu1, Sigma1, mu2, Sigma2: np.linalg.solve(Sigma1, mu1 - mu2),
            "the first distribution's covariance: the KL's Mahalanobis term uses Sigma2",
        ),
        Mistake(
            r"\Sigma_2^{-1} (\mu_2 - \mu_1)",
            lambda mu1, Sigma1, mu2, Sigma2: np.linalg.solve(Sigma2, mu2 - mu1),
            "the gradient in mu2: the sign of the inner derivative of mu2 - mu1 is lost",
        ),
    ),
    conventions={"numerator": r"(\mu_1 - \mu_2)^\top \Sigma_2^{-1}"},
    related=(
        "likelihoods.kl-gauss-mu2",
        "likelihoods.kl-gauss-sigma1",
        "likelihoods.kl-gauss-sigma2",
        "losses.kl-p",
    ),
    assumptions="Sigma1 and Sigma2 symmetric positive definite",
    sources=_KL_SOURCES,
    keywords=(*_KL_KEYWORDS, "gradient with respect to the mean"),
)


@shaped_like(kl_gaussians)
def grad_kl_gaussians_mu2(mu1, Sigma1, mu2, Sigma2):
    """Gradient of the Gaussian KL in ``mu2``: ``Sigma2^-1 (mu2 - mu1)``."""
    return np.linalg.solve(Sigma2, mu2 - mu1)


def _sp_kl_mu2(mu1, Sigma1, mu2, Sigma2):
    Sigma1, Sigma2 = _sym(Sigma1), _sym(Sigma2)
    return _sp_kl(mu1, Sigma1, mu2, Sigma2), Sigma2.inv() * (mu2 - mu1)


_register(
    id="likelihoods.kl-gauss-mu2",
    title="KL divergence between Gaussians, gradient and Hessian in the second mean",
    formula=r"\nabla_{\mu_2} \operatorname{KL}\big(\mathcal N(\mu_1, \Sigma_1) \,\|\, \mathcal N"
    r"(\mu_2, \Sigma_2)\big) = \Sigma_2^{-1} (\mu_2 - \mu_1)",
    wrt="mu2",
    value=kl_gaussians,
    derivative=grad_kl_gaussians_mu2,
    symbolic=_sp_kl_mu2,
    structure=_KL_STRUCTURE,
    derivation=r"""
As for $\mu_1$, only $\tfrac12 \delta^\top \Sigma_2^{-1} \delta$ with $\delta = \mu_2 - \mu_1$
depends on $\mu_2$, now with $d\delta = +d\mu_2$: the gradient is
$\Sigma_2^{-1}(\mu_2 - \mu_1)$, the negative of the gradient in $\mu_1$ (the KL depends on
the means only through their difference). The Hessian is again $\Sigma_2^{-1}$.
""",
    hessian=hess_kl_gaussians_mu,
    hessian_formula=r"\nabla_{\mu_2}^2 \operatorname{KL} = \Sigma_2^{-1}",
    mistakes=(
        Mistake(
            r"\Sigma_1^{-1} (\mu_2 - \mu_1)",
            lambda mu1, Sigma1, mu2, Sigma2: np.linalg.solve(Sigma1, mu2 - mu1),
            "the first distribution's covariance in the Mahalanobis term",
        ),
        Mistake(
            r"2\Sigma_2^{-1} (\mu_2 - \mu_1)",
            lambda mu1, Sigma1, mu2, Sigma2: 2 * np.linalg.solve(Sigma2, mu2 - mu1),
            "forgets the 1/2 in front of the KL's bracket",
        ),
    ),
    conventions={"numerator": r"(\mu_2 - \mu_1)^\top \Sigma_2^{-1}"},
    related=("likelihoods.kl-gauss-mu1", "likelihoods.kl-gauss-sigma2"),
    assumptions="Sigma1 and Sigma2 symmetric positive definite",
    sources=_KL_SOURCES,
    keywords=_KL_KEYWORDS,
)


@shaped_like(kl_gaussians)
def grad_kl_gaussians_sigma1(mu1, Sigma1, mu2, Sigma2):
    """Gradient of the Gaussian KL in the entries of ``Sigma1``: ``(Sigma2^-T - Sigma1^-T) / 2``."""
    return (np.linalg.inv(Sigma2).T - np.linalg.inv(Sigma1).T) / 2


@shaped_like(kl_gaussians)
def hess_kl_gaussians_sigma1(mu1, Sigma1, mu2, Sigma2):
    """Hessian of the Gaussian KL in ``Sigma1``: ``H[i,j,k,l] = P_il P_kj / 2``, ``P = Sigma1^-1``."""
    P = np.linalg.inv(Sigma1)
    return np.einsum("il,kj->ijkl", P, P) / 2


def _sp_kl_sigma1(mu1, Sigma1, mu2, Sigma2):
    Sigma2 = _sym(Sigma2)
    return _sp_kl(mu1, Sigma1, mu2, Sigma2), (Sigma2.inv().T - Sigma1.inv().T) / 2


_register(
    id="likelihoods.kl-gauss-sigma1",
    title="KL divergence between Gaussians, gradient and Hessian in the first covariance",
    formula=r"\nabla_{\Sigma_1} \operatorname{KL}\big(\mathcal N(\mu_1, \Sigma_1) \,\|\, \mathcal N"
    r"(\mu_2, \Sigma_2)\big) = \tfrac12 \big(\Sigma_2^{-1} - \Sigma_1^{-1}\big)",
    wrt="Sigma1",
    value=kl_gaussians,
    derivative=grad_kl_gaussians_sigma1,
    symbolic=_sp_kl_sigma1,
    structure=_KL_STRUCTURE,
    derivation=r"""
$\Sigma_1$ enters linearly in $\tfrac12 \operatorname{tr}(\Sigma_2^{-1}\Sigma_1)$, with gradient
$\tfrac12 \Sigma_2^{-\top}$, and through $-\tfrac12 \ln\det\Sigma_1$, with gradient
$-\tfrac12 \Sigma_1^{-\top}$. At symmetric matrices the gradient
$\tfrac12(\Sigma_2^{-1} - \Sigma_1^{-1})$ vanishes exactly at $\Sigma_1 = \Sigma_2$. The Hessian
comes from $d\Sigma_1^{-\top} = -\Sigma_1^{-\top} d\Sigma_1^\top \Sigma_1^{-\top}$: the KL is
convex in $\Sigma_1$.
""",
    hessian=hess_kl_gaussians_sigma1,
    hessian_formula=r"\nabla_{\Sigma_1}^2 \operatorname{KL}[V] = \tfrac12 \Sigma_1^{-1} V^\top "
    r"\Sigma_1^{-1}",
    mistakes=(
        Mistake(
            r"\tfrac12 \big(\Sigma_1^{-1} - \Sigma_2^{-1}\big)",
            lambda mu1, Sigma1, mu2, Sigma2: (np.linalg.inv(Sigma1) - np.linalg.inv(Sigma2)) / 2,
            "the sign of ln det Sigma1 in the KL reversed (it enters with a minus)",
        ),
        Mistake(
            r"\tfrac12 \Sigma_2^{-1}",
            lambda mu1, Sigma1, mu2, Sigma2: np.linalg.inv(Sigma2) / 2,
            "forgets that the entropy term -ln det Sigma1 also depends on Sigma1",
        ),
    ),
    conventions={"numerator": r"\tfrac12 \big(\Sigma_2^{-1} - \Sigma_1^{-1}\big)"},
    related=("likelihoods.kl-gauss-sigma2", "likelihoods.kl-gauss-mu1"),
    assumptions="Sigma1 and Sigma2 symmetric positive definite; the n^2 entries of Sigma1 are "
    "independent variables, the gradient is evaluated at a symmetric point",
    sources=_KL_SOURCES,
    keywords=(*_KL_KEYWORDS, "gradient with respect to the covariance"),
)


@shaped_like(kl_gaussians)
def grad_kl_gaussians_sigma2(mu1, Sigma1, mu2, Sigma2):
    """Gradient in the entries of ``Sigma2``: ``(S - S (Sigma1 + d d^T) S) / 2``, ``S = Sigma2^-T``."""
    S = np.linalg.inv(Sigma2).T  # Sigma2^-T: Sigma2^-1 at a symmetric point
    d = mu2 - mu1
    return (S - S @ (Sigma1 + np.outer(d, d)) @ S) / 2


@shaped_like(kl_gaussians)
def hess_kl_gaussians_sigma2(mu1, Sigma1, mu2, Sigma2):
    """Hessian in ``Sigma2``: ``(-S_il S_kj + S_il M_kj + M_il S_kj) / 2``, ``M = S C S``."""
    S = np.linalg.inv(Sigma2)
    d = mu2 - mu1
    return _hess_inverse_term(S, S @ (Sigma1 + np.outer(d, d)) @ S)


def _sp_kl_sigma2(mu1, Sigma1, mu2, Sigma2):
    Sigma1 = _sym(Sigma1)
    d = mu2 - mu1
    St = Sigma2.inv().T
    return _sp_kl(mu1, Sigma1, mu2, Sigma2), (St - St * (Sigma1 + d * d.T) * St) / 2


_register(
    id="likelihoods.kl-gauss-sigma2",
    title="KL divergence between Gaussians, gradient and Hessian in the second covariance",
    formula=r"\nabla_{\Sigma_2} \operatorname{KL}\big(\mathcal N(\mu_1, \Sigma_1) \,\|\, \mathcal N"
    r"(\mu_2, \Sigma_2)\big) = \tfrac12 \big(\Sigma_2^{-1} - \Sigma_2^{-1} (\Sigma_1 + \delta"
    r"\delta^\top) \Sigma_2^{-1}\big),\quad \delta = \mu_2 - \mu_1",
    wrt="Sigma2",
    value=kl_gaussians,
    derivative=grad_kl_gaussians_sigma2,
    symbolic=_sp_kl_sigma2,
    structure=_KL_STRUCTURE,
    derivation=r"""
$\Sigma_2$ enters through its inverse in $\tfrac12 \operatorname{tr}\big(\Sigma_2^{-1}
(\Sigma_1 + \delta\delta^\top)\big)$ (the trace and the Mahalanobis term together) and through
$\tfrac12 \ln\det\Sigma_2$. With $d\Sigma_2^{-1} = -\Sigma_2^{-1} d\Sigma_2\, \Sigma_2^{-1}$, this
is the mean Gaussian negative log-likelihood in the covariance, with the scatter matrix
$C = \Sigma_1 + \delta\delta^\top = \mathbb E_{x \sim \mathcal N(\mu_1, \Sigma_1)}
[(x - \mu_2)(x - \mu_2)^\top]$: indeed the KL is the expected negative log-likelihood under
$\mathcal N(\mu_1, \Sigma_1)$ minus an entropy that does not depend on $\Sigma_2$. The
gradient vanishes at $\Sigma_2 = C$, and the Hessian is the one of that identity.
""",
    hessian=hess_kl_gaussians_sigma2,
    hessian_formula=r"\nabla_{\Sigma_2}^2 \operatorname{KL}[V] = \tfrac12\big(-S V^\top S + "
    r"S V^\top M + M V^\top S\big),\ S = \Sigma_2^{-1},\ M = S (\Sigma_1 + \delta\delta^\top) S",
    mistakes=(
        Mistake(
            r"\tfrac12 \big(\Sigma_2^{-1} - \Sigma_2^{-1} \Sigma_1 \Sigma_2^{-1}\big)",
            lambda mu1, Sigma1, mu2, Sigma2: (
                (np.linalg.inv(Sigma2) - np.linalg.solve(Sigma2, np.linalg.solve(Sigma2, Sigma1).T))
                / 2
            ),
            "drops the Mahalanobis term, which depends on Sigma2 as well",
        ),
        Mistake(
            r"\tfrac12 \big(\Sigma_2^{-1} - \Sigma_1\big)",
            lambda mu1, Sigma1, mu2, Sigma2: (np.linalg.inv(Sigma2) - Sigma1) / 2,
            "treats tr(Sigma2^-1 Sigma1) as linear in Sigma2",
        ),
    ),
    conventions={
        "numerator": r"\tfrac12 \big(\Sigma_2^{-1} - \Sigma_2^{-1} (\Sigma_1 + \delta\delta^\top)"
        r" \Sigma_2^{-1}\big)"
    },
    related=(
        "likelihoods.kl-gauss-sigma1",
        "likelihoods.gaussian-nll-mean-sigma",
        "likelihoods.kl-gauss-mu2",
    ),
    assumptions="Sigma1 and Sigma2 symmetric positive definite; the n^2 entries of Sigma2 are "
    "independent variables, the gradient is evaluated at a symmetric point",
    sources=_KL_SOURCES,
    # two 3 x 3 matrices of free symbols through an inverse: slow in sympy at size 3
    symbolic_dims=(1, 2),
    keywords=(*_KL_KEYWORDS, "gradient with respect to the covariance"),
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
    conventions={"numerator": r"(p_1, \ldots, p_k)"},
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
            r"\eta\, e^{\eta}",
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


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
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
    ),
    (
        "gaussian-kl",
        "KL divergence between Gaussians",
        (
            "likelihoods.kl-gauss-mu1",
            "likelihoods.kl-gauss-mu2",
            "likelihoods.kl-gauss-sigma1",
            "likelihoods.kl-gauss-sigma2",
        ),
    ),
    (
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
    ),
)
