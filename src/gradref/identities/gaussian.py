"""Gaussian densities and mixtures, differentiated with respect to the point and the parameters."""

import numpy as np
import sympy as sp

from gradref.catalog import Identity, Mistake, register
from gradref.cookbook import Note
from gradref.identities.linear import COOKBOOK
from gradref.shapes import STRUCTURES, Arr, shaped, shaped_like


def _symmetric(S):
    """A symmetric sympy matrix from the upper triangle of ``S``: a covariance's symbols."""
    return sp.Matrix(S.rows, S.cols, lambda i, j: S[min(i, j), max(i, j)])


def _inv(X):
    """``X^{-1}`` for sympy, as ``adj(X) / det X``."""
    return X.adjugate() / X.det()


def _sym_density(x, m, Sigma):
    """The Gaussian density of eq. (346) for sympy."""
    r = x - m
    d = x.rows
    return sp.exp(-(r.T * _inv(Sigma) * r)[0, 0] / 2) / sp.sqrt((2 * sp.pi) ** d * Sigma.det())


# -- eqs. (346)-(348): the density and its derivatives in x ------------------------------


@shaped
def gaussian_density(x: Arr["d"], m: Arr["d"], Sigma: Arr["d d"]):
    """The density ``N(x; m, Sigma)`` of eq. (346).

    >>> round(float(gaussian_density(np.zeros(2), np.zeros(2), np.eye(2))), 12)
    0.159154943092
    """
    r = x - m
    return np.exp(-(r @ np.linalg.solve(Sigma, r)) / 2) / np.sqrt(np.linalg.det(2 * np.pi * Sigma))


@shaped_like(gaussian_density)
def grad_gaussian_density(x, m, Sigma):
    """Gradient of the density with respect to ``x``: ``-p(x) Sigma^{-1} (x - m)``."""
    return -gaussian_density(x, m, Sigma) * np.linalg.solve(Sigma, x - m)


@shaped_like(gaussian_density)
def hessian_gaussian_density(x, m, Sigma):
    """Hessian of the density in ``x``: ``p(x) (Sigma^{-1} r r^T Sigma^{-1} - Sigma^{-1})``."""
    Sigma_inv = np.linalg.inv(Sigma)
    u = Sigma_inv @ (x - m)
    return gaussian_density(x, m, Sigma) * (np.outer(u, u) - Sigma_inv)


def _symbolic_density(x, m, Sigma):
    Sigma = _symmetric(Sigma)
    p = _sym_density(x, m, Sigma)
    return p, -p * _inv(Sigma) * (x - m)


register(
    Identity(
        id="gaussian.density-x",
        title="Gradient and Hessian of the Gaussian density with respect to the point",
        formula=r"\nabla_x\, \mathcal N(x; m, \Sigma) = -p(x)\,\Sigma^{-1}(x - m)",
        where=(r"p(x) = \mathcal N(x; m, \Sigma)",),
        wrt="x",
        kind="gradient",
        value=gaussian_density,
        derivative=grad_gaussian_density,
        structure={"Sigma": "spd"},
        symbolic=_symbolic_density,
        derivation=r"""
Write $p = c\,e^{-q/2}$ with $q = (x - m)^\top\Sigma^{-1}(x - m)$ and $c$ free of $x$.
For symmetric $\Sigma^{-1}$, $dq = 2(x - m)^\top\Sigma^{-1}dx$, so
$dp = -\tfrac12 p\, dq = \langle -p\,\Sigma^{-1}(x - m), dx\rangle$ (eq. 347).
Differentiating $-p\,u$ with $u = \Sigma^{-1}(x - m)$, $du = \Sigma^{-1}dx$, gives
$-dp\,u - p\,\Sigma^{-1}dx = p\,(u u^\top - \Sigma^{-1})\,dx$: the Hessian (eq. 348).
""",
        hessian=hessian_gaussian_density,
        hessian_formula=r"\nabla_x^2\, p = p(x)\left(\Sigma^{-1}(x - m)(x - m)^\top\Sigma^{-1}"
        r" - \Sigma^{-1}\right)",
        mistakes=(
            Mistake(
                r"-p(x)\,\Sigma\,(x - m)",
                lambda x, m, Sigma: -gaussian_density(x, m, Sigma) * Sigma @ (x - m),
                "the covariance where its inverse, the precision, belongs",
            ),
            Mistake(
                r"-\Sigma^{-1}(x - m)",
                lambda x, m, Sigma: -np.linalg.solve(Sigma, x - m),
                "the gradient of ln p, without the factor p(x)",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial p}{\partial x} = -p(x)\,(x - m)^\top\Sigma^{-1}"
            r"\ \text{(a row vector)}",
            "cookbook": r"\frac{\partial p(x)}{\partial x} = -p(x)\Sigma^{-1}(x-m),\ "
            r"\frac{\partial^2 p}{\partial x\partial x^T} = p(x)(\Sigma^{-1}(x-m)(x-m)^T"
            r"\Sigma^{-1}-\Sigma^{-1})\ \text{(eqs. 347, 348)}",
        },
        related=("gaussian.log-density-x", "gaussian.nll-mean", "quadratic.grad-x"),
        cookbook=(347, 348),
        assumptions="Sigma symmetric positive definite; x, m in R^d",
        sources=(f"{COOKBOOK}, eqs. (346)-(348), p. 40 (the Hessian is eq. 348)",),
        keywords=(
            "Gaussian density",
            "normal density",
            "derivative of the Gaussian",
            "multivariate normal",
            "Hessian of the Gaussian",
            "N(x | m Sigma)",
        ),
    )
)


@shaped_like(gaussian_density)
def grad_gaussian_density_mean(x, m, Sigma):
    """Gradient of the density with respect to the mean ``m``: ``p(x) Sigma^{-1} (x - m)``."""
    return gaussian_density(x, m, Sigma) * np.linalg.solve(Sigma, x - m)


def _symbolic_density_mean(x, m, Sigma):
    Sigma = _symmetric(Sigma)
    p = _sym_density(x, m, Sigma)
    return p, p * _inv(Sigma) * (x - m)


register(
    Identity(
        id="gaussian.density-mean",
        title="Gradient of the Gaussian density with respect to the mean",
        formula=r"\nabla_m\, \mathcal N(x; m, \Sigma) = p(x)\,\Sigma^{-1}(x - m)",
        where=(r"p(x) = \mathcal N(x; m, \Sigma)",),
        wrt="m",
        kind="gradient",
        value=gaussian_density,
        derivative=grad_gaussian_density_mean,
        structure={"Sigma": "spd"},
        symbolic=_symbolic_density_mean,
        derivation=r"""
The density depends on $x$ and $m$ only through $x - m$, so
$\nabla_m p = -\nabla_x p = p(x)\,\Sigma^{-1}(x - m)$ by eq. (347); the Hessian in $m$
equals the Hessian in $x$ (two sign changes), eq. (348).
""",
        hessian=hessian_gaussian_density,
        hessian_formula=r"\nabla_m^2\, p = p(x)\left(\Sigma^{-1}(x - m)(x - m)^\top\Sigma^{-1}"
        r" - \Sigma^{-1}\right)",
        mistakes=(
            Mistake(
                r"-p(x)\,\Sigma^{-1}(x - m)",
                lambda x, m, Sigma: -grad_gaussian_density_mean(x, m, Sigma),
                "the gradient in x: the sign flips with the variable",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial p}{\partial m} = p(x)\,(x - m)^\top\Sigma^{-1}",
        },
        related=("gaussian.density-x", "gaussian.nll-mean"),
        cookbook=(),
        assumptions="Sigma symmetric positive definite",
        sources=(f"{COOKBOOK}, eq. (347), p. 40, with the sign of d(x - m)/dm",),
        keywords=(
            "Gaussian density",
            "gradient with respect to the mean",
            "normal density",
            "Gaussian",
        ),
    )
)


@shaped
def gaussian_log_density(x: Arr["d"], m: Arr["d"], Sigma: Arr["d d"]):
    """The log-density ``ln N(x; m, Sigma)``.

    >>> round(float(gaussian_log_density(np.zeros(1), np.zeros(1), np.eye(1))), 12)
    -0.918938533205
    """
    r = x - m
    return -(r @ np.linalg.solve(Sigma, r)) / 2 - np.log(np.linalg.det(2 * np.pi * Sigma)) / 2


@shaped_like(gaussian_log_density)
def grad_gaussian_log_density(x, m, Sigma):
    """The score ``nabla_x ln p = -Sigma^{-1} (x - m)``."""
    return -np.linalg.solve(Sigma, x - m)


@shaped_like(gaussian_log_density)
def hessian_gaussian_log_density(x, m, Sigma):
    """Hessian of the log-density in ``x``: ``-Sigma^{-1}``."""
    return -np.linalg.inv(Sigma)


def _symbolic_log_density(x, m, Sigma):
    Sigma = _symmetric(Sigma)
    r = x - m
    value = -(r.T * _inv(Sigma) * r)[0, 0] / 2 - sp.log((2 * sp.pi) ** x.rows * Sigma.det()) / 2
    return value, -_inv(Sigma) * r


register(
    Identity(
        id="gaussian.log-density-x",
        title="Gradient of the Gaussian log-density with respect to the point (the score)",
        formula=r"\nabla_x \ln \mathcal N(x; m, \Sigma) = -\Sigma^{-1}(x - m)",
        wrt="x",
        kind="gradient",
        value=gaussian_log_density,
        derivative=grad_gaussian_log_density,
        structure={"Sigma": "spd"},
        symbolic=_symbolic_log_density,
        derivation=r"""
$\ln p = -\tfrac12 (x - m)^\top\Sigma^{-1}(x - m) - \tfrac12\ln\det(2\pi\Sigma)$; only the
quadratic form depends on $x$, and for the symmetric $\Sigma^{-1}$ its differential is
$2(x - m)^\top\Sigma^{-1}dx$, so $d\ln p = \langle -\Sigma^{-1}(x - m), dx\rangle$.
Equivalently, eq. (347) divided by $p$.
""",
        hessian=hessian_gaussian_log_density,
        hessian_formula=r"\nabla_x^2 \ln \mathcal N(x; m, \Sigma) = -\Sigma^{-1}",
        mistakes=(
            Mistake(
                r"-\Sigma\,(x - m)",
                lambda x, m, Sigma: -Sigma @ (x - m),
                "the covariance where the precision belongs",
            ),
            Mistake(
                r"\Sigma^{-1}(x - m)",
                lambda x, m, Sigma: np.linalg.solve(Sigma, x - m),
                "the sign: the score points from x towards the mean",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \ln p}{\partial x} = -(x - m)^\top\Sigma^{-1}",
        },
        related=("gaussian.density-x", "gaussian.nll-mean"),
        cookbook=(),
        assumptions="Sigma symmetric positive definite",
        sources=(f"{COOKBOOK}, eq. (347), p. 40, divided by p(x)",),
        keywords=(
            "score function",
            "gradient of the log-density",
            "log Gaussian",
            "log-likelihood",
            "Gaussian",
        ),
    )
)


# -- the negative log-likelihood of a data set -------------------------------------------


def _scatter(X, m):
    R = X - m
    return R.T @ R


@shaped
def gaussian_nll(m: Arr["d"], Sigma: Arr["d d"], X: Arr["N d"]):
    """The negative log-likelihood ``-sum_i ln N(x_i; m, Sigma)`` of the rows ``x_i`` of ``X``.

    >>> round(float(gaussian_nll(np.zeros(1), np.eye(1), np.zeros((2, 1)))), 12)
    1.837877066409
    """
    R = X - m
    quadratic = np.sum(R * np.linalg.solve(Sigma, R.T).T)
    return quadratic / 2 + X.shape[0] * np.log(np.linalg.det(2 * np.pi * Sigma)) / 2


@shaped_like(gaussian_nll)
def grad_gaussian_nll_mean(m, Sigma, X):
    """Gradient of the negative log-likelihood with respect to ``m``: ``-Sigma^{-1} sum_i (x_i - m)``."""
    return -np.linalg.solve(Sigma, np.sum(X - m, axis=0))


@shaped_like(gaussian_nll)
def hessian_gaussian_nll_mean(m, Sigma, X):
    """Hessian of the negative log-likelihood in ``m``: ``N Sigma^{-1}``."""
    return X.shape[0] * np.linalg.inv(Sigma)


def _symbolic_nll_mean(X, m, Sigma):
    Sigma = _symmetric(Sigma)
    W = _inv(Sigma)
    N, d = X.shape
    rows = [X[i, :].T - m for i in range(N)]
    value = sum(((r.T * W * r)[0, 0] for r in rows), sp.Integer(0)) / 2
    value += N * sp.log((2 * sp.pi) ** d * Sigma.det()) / 2
    return value, -W * sum(rows, sp.zeros(d, 1))


register(
    Identity(
        id="gaussian.nll-mean",
        title="Gradient of the Gaussian negative log-likelihood with respect to the mean",
        formula=r"\nabla_m \Big(-\sum_{i=1}^N \ln\mathcal N(x_i; m, \Sigma)\Big)"
        r" = -\Sigma^{-1}\sum_{i=1}^N (x_i - m)",
        wrt="m",
        kind="gradient",
        value=gaussian_nll,
        derivative=grad_gaussian_nll_mean,
        structure={"Sigma": "spd"},
        symbolic=_symbolic_nll_mean,
        derivation=r"""
The negative log-likelihood is $\tfrac12\sum_i (x_i - m)^\top\Sigma^{-1}(x_i - m) +
\tfrac N2\ln\det(2\pi\Sigma)$. Each quadratic form has differential
$-2(x_i - m)^\top\Sigma^{-1}dm$ (symmetric $\Sigma^{-1}$), so
$\nabla_m = -\Sigma^{-1}\sum_i (x_i - m)$; it vanishes at the sample mean, the maximum
likelihood estimate. The data $x_i$ are the rows of $X$.
""",
        hessian=hessian_gaussian_nll_mean,
        hessian_formula=r"\nabla_m^2 = N\,\Sigma^{-1}",
        mistakes=(
            Mistake(
                r"-\Sigma\sum_i (x_i - m)",
                lambda X, m, Sigma: -Sigma @ np.sum(X - m, axis=0),
                "the covariance where the precision belongs",
            ),
            Mistake(
                r"-\tfrac12\Sigma^{-1}\sum_i (x_i - m)",
                lambda X, m, Sigma: -np.linalg.solve(Sigma, np.sum(X - m, axis=0)) / 2,
                "keeps the 1/2 of the quadratic form: the factor 2 of its derivative is lost",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\,\mathrm{NLL}}{\partial m} = -\sum_i (x_i - m)^\top"
            r"\Sigma^{-1}",
        },
        related=("gaussian.nll-covariance", "gaussian.nll-precision", "gaussian.log-density-x"),
        cookbook=(),
        assumptions="Sigma symmetric positive definite; the N observations are the rows of X",
        sources=(f"{COOKBOOK}, eqs. (346), (347), p. 40, summed over the data",),
        keywords=(
            "Gaussian negative log-likelihood",
            "NLL",
            "maximum likelihood mean",
            "gradient with respect to the mean",
            "log-likelihood",
            "Gaussian",
        ),
    )
)


@shaped
def gaussian_nll_small(X: Arr["3 2"], m: Arr["2"], Sigma: Arr["2 2"]):
    """The negative log-likelihood of ``gaussian_nll``, for 3 observations in d = 2.

    >>> round(float(gaussian_nll_small(np.zeros((3, 2)), np.zeros(2), np.eye(2))), 12)
    5.513631199228
    """
    return gaussian_nll(m=m, Sigma=Sigma, X=X)


@shaped_like(gaussian_nll_small)
def grad_gaussian_nll_covariance(X, m, Sigma):
    """Gradient in ``Sigma``: ``(N Sigma^{-1} - Sigma^{-1} S Sigma^{-1}) / 2``, ``S`` the scatter."""
    P = np.linalg.inv(Sigma).T  # Sigma^{-1}, transposed so that it holds at every invertible Sigma
    return (X.shape[0] * P - P @ _scatter(X, m) @ P) / 2


@shaped_like(gaussian_nll_small)
def hessian_gaussian_nll_covariance(X, m, Sigma):
    """Hessian of the negative log-likelihood in ``Sigma``, shaped ``(2, 2, 2, 2)``."""
    P = np.linalg.inv(Sigma).T
    R = P @ _scatter(X, m) @ P
    N = X.shape[0]
    return (
        -N * np.einsum("il,kj->ijkl", P, P)
        + np.einsum("il,kj->ijkl", P, R)
        + np.einsum("il,kj->ijkl", R, P)
    ) / 2


def _symbolic_nll_covariance(X, m, Sigma):
    N, d = X.shape
    W = _inv(Sigma)
    rows = [X[i, :].T - m for i in range(N)]
    S = sum((r * r.T for r in rows), sp.zeros(d, d))
    value = sum(((r.T * W * r)[0, 0] for r in rows), sp.Integer(0)) / 2
    value += N * sp.log((2 * sp.pi) ** d * Sigma.det()) / 2
    return value, (N * W.T - W.T * S * W.T) / 2


register(
    Identity(
        id="gaussian.nll-covariance",
        title="Gradient of the Gaussian negative log-likelihood with respect to the covariance",
        formula=r"\nabla_\Sigma \Big(-\sum_{i=1}^N \ln\mathcal N(x_i; m, \Sigma)\Big)"
        r" = \tfrac12\left(N\Sigma^{-1} - \Sigma^{-1} S\, \Sigma^{-1}\right),"
        r"\quad S = \sum_i (x_i - m)(x_i - m)^\top",
        wrt="Sigma",
        kind="gradient",
        value=gaussian_nll_small,
        derivative=grad_gaussian_nll_covariance,
        structure={"Sigma": "spd"},
        symbolic=_symbolic_nll_covariance,
        derivation=r"""
Write the negative log-likelihood as $\tfrac12\operatorname{tr}(\Sigma^{-1}S) +
\tfrac N2\ln\det(2\pi\Sigma)$. With $d\Sigma^{-1} = -\Sigma^{-1}d\Sigma\,\Sigma^{-1}$ and
$d\ln\det\Sigma = \operatorname{tr}(\Sigma^{-1}d\Sigma)$,

$$d\,\mathrm{NLL} = \tfrac12\operatorname{tr}\big((N\Sigma^{-1} - \Sigma^{-1}S\Sigma^{-1})
d\Sigma\big),$$

and the gradient is the transpose of that matrix, itself for symmetric
$\Sigma$. It vanishes at $\Sigma = S/N$, the maximum likelihood estimate.
""",
        hessian=hessian_gaussian_nll_covariance,
        hessian_formula=r"\nabla_\Sigma^2[V] = \tfrac12\left(-N\Sigma^{-1}V^\top\Sigma^{-1}"
        r" + \Sigma^{-1}V^\top\Sigma^{-1}S\Sigma^{-1} + \Sigma^{-1}S\Sigma^{-1}V^\top\Sigma^{-1}"
        r"\right)",
        mistakes=(
            Mistake(
                r"\tfrac12\left(N\Sigma^{-1} - S\right)",
                lambda X, m, Sigma: (X.shape[0] * np.linalg.inv(Sigma) - _scatter(X, m)) / 2,
                "differentiates tr(Sigma^{-1} S) as if it were tr(Sigma S), dropping the "
                "inverses around S",
            ),
            Mistake(
                r"N\Sigma^{-1} - \Sigma^{-1} S\, \Sigma^{-1}",
                lambda X, m, Sigma: (
                    X.shape[0] * np.linalg.inv(Sigma)
                    - np.linalg.inv(Sigma) @ _scatter(X, m) @ np.linalg.inv(Sigma)
                ),
                "the symmetric-structure derivative's factor 2 applied to every entry, or the "
                "1/2 of the log-likelihood forgotten",
            ),
        ),
        conventions={
            "numerator": r"\tfrac12\left(N\Sigma^{-1} - \Sigma^{-1}S\Sigma^{-1}\right)"
            r"\ \text{(symmetric, so the same in either layout)}",
        },
        related=("gaussian.nll-mean", "gaussian.nll-precision", "gaussian.mixture-covariance"),
        cookbook=(),
        assumptions="Sigma symmetric positive definite; the gradient is in the unconstrained "
        "sense of eq. (32), entries of Sigma independent (it is symmetric at a symmetric "
        "Sigma). Checked for N = 3 observations in d = 2: sympy's exact check in Sigma is "
        "slow beyond",
        sources=(
            f"{COOKBOOK}, eq. (346), p. 40 (the density), with eqs. (57) and (61) of p. 9-10",
        ),
        keywords=(
            "Gaussian negative log-likelihood",
            "NLL",
            "gradient with respect to the covariance",
            "maximum likelihood covariance",
            "covariance matrix",
            "Gaussian",
        ),
    )
)


@shaped
def gaussian_nll_precision(m: Arr["d"], Lam: Arr["d d"], X: Arr["N d"]):
    """The negative log-likelihood of the rows of ``X`` under ``N(m, Lam^{-1})``.

    >>> round(float(gaussian_nll_precision(np.zeros(1), np.eye(1), np.zeros((2, 1)))), 12)
    1.837877066409
    """
    R = X - m
    N, d = X.shape
    return (
        np.sum(R * (R @ Lam.T)) / 2
        - N * np.log(np.linalg.det(Lam)) / 2
        + N * d * np.log(2 * np.pi) / 2
    )


@shaped_like(gaussian_nll_precision)
def grad_gaussian_nll_precision(m, Lam, X):
    """Gradient in the precision ``Lam``: ``(S - N Lam^{-1}) / 2``, ``S`` the scatter matrix."""
    return (_scatter(X, m) - X.shape[0] * np.linalg.inv(Lam).T) / 2


@shaped_like(gaussian_nll_precision)
def hessian_gaussian_nll_precision(m, Lam, X):
    """Hessian of the negative log-likelihood in ``Lam``: ``N/2 Lam^{-T} V^T Lam^{-T}``."""
    P = np.linalg.inv(Lam).T
    return X.shape[0] * np.einsum("il,kj->ijkl", P, P) / 2


def _symbolic_nll_precision(X, m, Lam):
    N, d = X.shape
    rows = [X[i, :].T - m for i in range(N)]
    S = sum((r * r.T for r in rows), sp.zeros(d, d))
    value = (
        sum(((r.T * Lam * r)[0, 0] for r in rows), sp.Integer(0)) / 2
        - N * sp.log(Lam.det()) / 2
        + N * d * sp.log(2 * sp.pi) / 2
    )
    return value, (S - N * Lam.adjugate().T / Lam.det()) / 2


register(
    Identity(
        id="gaussian.nll-precision",
        title="Gradient of the Gaussian negative log-likelihood with respect to the precision",
        formula=r"\nabla_\Lambda \Big(-\sum_{i=1}^N \ln\mathcal N(x_i; m, \Lambda^{-1})\Big)"
        r" = \tfrac12\left(S - N\Lambda^{-1}\right),\quad S = \sum_i (x_i - m)(x_i - m)^\top",
        wrt="Lam",
        kind="gradient",
        value=gaussian_nll_precision,
        derivative=grad_gaussian_nll_precision,
        structure={"Lam": "spd"},
        symbolic=_symbolic_nll_precision,
        derivation=r"""
In the precision $\Lambda = \Sigma^{-1}$ the negative log-likelihood is
$\tfrac12\operatorname{tr}(\Lambda S) - \tfrac N2\ln\det\Lambda + \tfrac{Nd}2\ln 2\pi$:
linear plus a log-determinant. $d\operatorname{tr}(\Lambda S) = \langle S, d\Lambda\rangle$
($S$ symmetric) and $d\ln\det\Lambda = \langle\Lambda^{-\top}, d\Lambda\rangle$, so
$\nabla_\Lambda = \tfrac12(S - N\Lambda^{-\top})$, which is $\tfrac12(S - N\Lambda^{-1})$
for symmetric $\Lambda$; it vanishes at $\Lambda^{-1} = S/N$. It is convex in $\Lambda$.
""",
        hessian=hessian_gaussian_nll_precision,
        hessian_formula=r"\nabla_\Lambda^2[V] = \tfrac N2\,\Lambda^{-1}V^\top\Lambda^{-1}",
        mistakes=(
            Mistake(
                r"\tfrac12\left(S - N\Lambda\right)",
                lambda X, m, Lam: (_scatter(X, m) - X.shape[0] * Lam) / 2,
                "the gradient of ln det taken as the matrix instead of its inverse",
            ),
            Mistake(
                r"\tfrac12\left(N\Lambda^{-1} - S\right)",
                lambda X, m, Lam: (X.shape[0] * np.linalg.inv(Lam) - _scatter(X, m)) / 2,
                "the gradient of the log-likelihood, not of its negative",
            ),
        ),
        conventions={
            "numerator": r"\tfrac12\left(S - N\Lambda^{-1}\right)"
            r"\ \text{(symmetric, so the same in either layout)}",
        },
        related=("gaussian.nll-covariance", "gaussian.nll-mean"),
        cookbook=(),
        assumptions="Lambda symmetric positive definite; gradient in the unconstrained sense "
        "of eq. (32)",
        sources=(f"{COOKBOOK}, eq. (346), p. 40, with the precision Lambda = Sigma^{{-1}}",),
        keywords=(
            "precision matrix",
            "Gaussian negative log-likelihood",
            "NLL",
            "inverse covariance",
            "maximum likelihood",
            "Gaussian",
        ),
    )
)


# -- eqs. (390)-(396): a mixture of two Gaussians ----------------------------------------


def _responsibility_and_log_density(s, rho, mu1, Sigma1, mu2, Sigma2):
    """``(gamma_1, ln p(s))`` for the two-component mixture, without underflow."""
    logs = [
        np.log(rho[0]) + gaussian_log_density(s, mu1, Sigma1),
        np.log(rho[1]) + gaussian_log_density(s, mu2, Sigma2),
    ]
    top = logs[0] if logs[0].real >= logs[1].real else logs[1]
    weights = [np.exp(v - top) for v in logs]
    total = weights[0] + weights[1]
    return weights[0] / total, top + np.log(total), [w / total for w in weights]


@shaped
def mixture_log_density(
    s: Arr["2"], rho: Arr["2"], mu1: Arr["2"], Sigma1: Arr["2 2"], mu2: Arr["2"], Sigma2: Arr["2 2"]
):
    """``ln p(s)`` for the mixture ``p = rho_1 N(mu_1, Sigma_1) + rho_2 N(mu_2, Sigma_2)``.

    >>> I, z = np.eye(2), np.zeros(2)
    >>> round(float(mixture_log_density(z, np.array([0.5, 0.5]), z, I, z, I)), 12)
    -1.837877066409
    """
    return _responsibility_and_log_density(s, rho, mu1, Sigma1, mu2, Sigma2)[1]


@shaped_like(mixture_log_density)
def grad_mixture_log_density_rho(s, rho, mu1, Sigma1, mu2, Sigma2):
    """Gradient in the weights: ``gamma_j / rho_j`` for each component ``j`` (eq. 392)."""
    gamma = np.array(_responsibility_and_log_density(s, rho, mu1, Sigma1, mu2, Sigma2)[2])
    return gamma / rho


@shaped_like(mixture_log_density)
def grad_mixture_log_density_mean(s, rho, mu1, Sigma1, mu2, Sigma2):
    """Gradient in the mean of component 1: ``gamma_1 Sigma_1^{-1} (s - mu_1)`` (eq. 394)."""
    gamma = _responsibility_and_log_density(s, rho, mu1, Sigma1, mu2, Sigma2)[0]
    return gamma * np.linalg.solve(Sigma1, s - mu1)


@shaped
def mixture_log_density_1d(
    s: Arr["1"], rho: Arr["2"], mu1: Arr["1"], Sigma1: Arr["1 1"], mu2: Arr["1"], Sigma2: Arr["1 1"]
):
    """``ln p(s)`` of ``mixture_log_density``, declared in d = 1.

    >>> z, one = np.zeros(1), np.eye(1)
    >>> round(float(mixture_log_density_1d(z, np.array([0.5, 0.5]), z, one, z, one)), 12)
    -0.918938533205
    """
    return _responsibility_and_log_density(s, rho, mu1, Sigma1, mu2, Sigma2)[1]


@shaped_like(mixture_log_density_1d)
def grad_mixture_log_density_covariance(s, rho, mu1, Sigma1, mu2, Sigma2):
    """Gradient in ``Sigma_1``: ``gamma_1 (-Sigma_1^{-1} + Sigma_1^{-1} r r^T Sigma_1^{-1}) / 2``."""
    gamma = _responsibility_and_log_density(s, rho, mu1, Sigma1, mu2, Sigma2)[0]
    P = np.linalg.inv(Sigma1).T  # Sigma_1^{-1}, transposed so it holds at every invertible Sigma_1
    u = P @ (s - mu1)
    return gamma * (-P + np.outer(u, u)) / 2


def _sym_mixture(s, rho, mu1, Sigma1, mu2, Sigma2):
    terms = [rho[0] * _sym_density(s, mu1, Sigma1), rho[1] * _sym_density(s, mu2, Sigma2)]
    return terms, terms[0] + terms[1]


def _symbolic_mixture_rho(s, rho, mu1, Sigma1, mu2, Sigma2):
    terms, p = _sym_mixture(s, rho, mu1, _symmetric(Sigma1), mu2, _symmetric(Sigma2))
    return sp.log(p), sp.Matrix([terms[k] / p / rho[k] for k in range(2)])


def _symbolic_mixture_mean(s, rho, mu1, Sigma1, mu2, Sigma2):
    Sigma1 = _symmetric(Sigma1)
    terms, p = _sym_mixture(s, rho, mu1, Sigma1, mu2, _symmetric(Sigma2))
    return sp.log(p), terms[0] / p * _inv(Sigma1) * (s - mu1)


def _symbolic_mixture_covariance(s, rho, mu1, Sigma1, mu2, Sigma2):
    terms, p = _sym_mixture(s, rho, mu1, Sigma1, mu2, _symmetric(Sigma2))
    P = _inv(Sigma1).T
    u = P * (s - mu1)
    return sp.log(p), terms[0] / p * (-P + u * u.T) / 2


_MIXTURE = {
    "structure": {"rho": "probability", "Sigma1": "spd", "Sigma2": "spd"},
    "cookbook_gamma": r"\gamma_j = \frac{\rho_j\mathcal N_s(\mu_j,\Sigma_j)}"
    r"{\sum_k\rho_k\mathcal N_s(\mu_k,\Sigma_k)}",
}
_UNCONSTRAINED = (
    "Two components in d = 2 (the formula holds for any K and d); gamma_j is the "
    "responsibility of component j. The book notes that rho and Sigma 'need to be "
    "constrained' (rho on the simplex, Sigma symmetric positive definite); the gradient here "
    "is the unconstrained one of eq. (32), every entry independent"
)

register(
    Identity(
        id="gaussian.mixture-weights",
        title="Gradient of the log-density of a Gaussian mixture with respect to the weights",
        formula=r"\frac{\partial \ln p(s)}{\partial \rho_j} = \frac{\gamma_j}{\rho_j},\quad "
        + _MIXTURE["cookbook_gamma"],
        wrt="rho",
        kind="gradient",
        value=mixture_log_density,
        derivative=grad_mixture_log_density_rho,
        structure=_MIXTURE["structure"],
        symbolic=_symbolic_mixture_rho,
        fixed_dimension=True,
        derivation=r"""
$p(s) = \sum_k \rho_k\mathcal N_s(\mu_k, \Sigma_k)$ is linear in the weights, so
$\partial\ln p/\partial\rho_j = \mathcal N_s(\mu_j,\Sigma_j)/p(s)$, which is
$\gamma_j/\rho_j$ (eq. 392): the chain rule of eq. (391) with
$\partial_{\rho_j}\ln[\rho_j\mathcal N_s] = 1/\rho_j$.
""",
        mistakes=(
            Mistake(
                r"\gamma_j",
                lambda s, rho, mu1, Sigma1, mu2, Sigma2: np.array(
                    _responsibility_and_log_density(s, rho, mu1, Sigma1, mu2, Sigma2)[2]
                ),
                "the gradient with respect to ln rho_j, not rho_j",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \ln p(s)}{\partial \rho} = \big(\gamma_1/\rho_1,\ "
            r"\dots,\ \gamma_K/\rho_K\big)\ \text{(a row vector)}",
            "cookbook": r"\frac{\partial\ln p(s)}{\partial\rho_j} = \frac{\rho_j\mathcal N_s"
            r"(\mu_j,\Sigma_j)}{\sum_k\rho_k\mathcal N_s(\mu_k,\Sigma_k)}\frac1{\rho_j}"
            r"\ \text{(eq. 392)}",
        },
        related=("gaussian.mixture-mean", "gaussian.mixture-covariance"),
        cookbook=(392,),
        assumptions=_UNCONSTRAINED,
        sources=(f"{COOKBOOK}, eqs. (391), (392), p. 45, with K = 2",),
        keywords=(
            "Gaussian mixture",
            "mixture weights",
            "GMM",
            "responsibility",
            "EM",
            "mixture of Gaussians",
        ),
    )
)

register(
    Identity(
        id="gaussian.mixture-mean",
        title="Gradient of the log-density of a Gaussian mixture with respect to a mean",
        formula=r"\nabla_{\mu_j} \ln p(s) = \gamma_j\,\Sigma_j^{-1}(s - \mu_j),\quad "
        + _MIXTURE["cookbook_gamma"],
        where=(r"j = 1",),
        wrt="mu1",
        kind="gradient",
        value=mixture_log_density,
        derivative=grad_mixture_log_density_mean,
        structure=_MIXTURE["structure"],
        symbolic=_symbolic_mixture_mean,
        fixed_dimension=True,
        derivation=r"""
Only the $j$-th term of $p(s)$ depends on $\mu_j$, so
$\nabla_{\mu_j}\ln p = \frac{\rho_j\mathcal N_j}{p}\nabla_{\mu_j}\ln\mathcal N_j$ (eq. 393),
and $\nabla_{\mu}\ln\mathcal N_s(\mu, \Sigma) = \Sigma^{-1}(s - \mu)$ (the quadratic form,
$\Sigma^{-1}$ symmetric): $\gamma_j\Sigma_j^{-1}(s - \mu_j)$ (eq. 394). Checked for $j = 1$.
""",
        mistakes=(
            Mistake(
                r"\Sigma_j^{-1}(s - \mu_j)",
                lambda s, rho, mu1, Sigma1, mu2, Sigma2: np.linalg.solve(Sigma1, s - mu1),
                "the gradient of the component's own log-density, without the responsibility",
            ),
            Mistake(
                r"-\gamma_j\,\Sigma_j^{-1}(s - \mu_j)",
                lambda s, rho, mu1, Sigma1, mu2, Sigma2: (
                    -grad_mixture_log_density_mean(s, rho, mu1, Sigma1, mu2, Sigma2)
                ),
                "the sign of the gradient in x, where it is taken in the mean",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \ln p(s)}{\partial \mu_j} = \gamma_j\,(s - \mu_j)^\top"
            r"\Sigma_j^{-1}\ \text{(a row vector)}",
            "cookbook": r"\frac{\partial\ln p(s)}{\partial\mu_j} = \frac{\rho_j\mathcal N_s"
            r"(\mu_j,\Sigma_j)}{\sum_k\rho_k\mathcal N_s(\mu_k,\Sigma_k)}[\Sigma_j^{-1}"
            r"(s-\mu_j)]\ \text{(eq. 394)}",
        },
        related=("gaussian.mixture-weights", "gaussian.mixture-covariance", "gaussian.nll-mean"),
        cookbook=(394,),
        assumptions=_UNCONSTRAINED,
        sources=(f"{COOKBOOK}, eqs. (393), (394), p. 45, with K = 2, j = 1",),
        keywords=(
            "Gaussian mixture",
            "mixture mean",
            "GMM",
            "responsibility",
            "mixture of Gaussians",
        ),
    )
)

register(
    Identity(
        id="gaussian.mixture-covariance",
        title="Gradient of the log-density of a Gaussian mixture with respect to a covariance",
        formula=r"\nabla_{\Sigma_j} \ln p(s) = \tfrac12\gamma_j\left(-\Sigma_j^{-1}"
        r" + \Sigma_j^{-1}(s - \mu_j)(s - \mu_j)^\top\Sigma_j^{-1}\right),\quad "
        + _MIXTURE["cookbook_gamma"],
        where=(r"j = 1", r"r = s - \mu_j"),
        wrt="Sigma1",
        kind="gradient",
        value=mixture_log_density_1d,
        derivative=grad_mixture_log_density_covariance,
        structure=_MIXTURE["structure"],
        symbolic=_symbolic_mixture_covariance,
        fixed_dimension=True,
        derivation=r"""
As for the mean, $\nabla_{\Sigma_j}\ln p = \gamma_j\nabla_{\Sigma_j}\ln\mathcal N_j$
(eq. 395). With $r = s - \mu_j$,
$d\ln\mathcal N = -\tfrac12 d\ln\det\Sigma - \tfrac12 r^\top d(\Sigma^{-1}) r
= \tfrac12\operatorname{tr}\big((-\Sigma^{-1} + \Sigma^{-1} r r^\top\Sigma^{-1})
d\Sigma\big)$, which at a symmetric $\Sigma_j$ gives eq. (396). Checked for $j = 1$.
""",
        mistakes=(
            Mistake(
                r"\tfrac12\left(-\Sigma_j^{-1} + \Sigma_j^{-1} r r^\top\Sigma_j^{-1}\right)",
                lambda s, rho, mu1, Sigma1, mu2, Sigma2: (
                    (
                        -np.linalg.inv(Sigma1)
                        + np.outer(
                            np.linalg.solve(Sigma1, s - mu1), np.linalg.solve(Sigma1, s - mu1)
                        )
                    )
                    / 2
                ),
                "the gradient of the component's own log-density, without the responsibility",
            ),
            Mistake(
                r"\tfrac12\gamma_j\left(-\Sigma_j^{-1} + r r^\top\right)",
                lambda s, rho, mu1, Sigma1, mu2, Sigma2: (
                    _responsibility_and_log_density(s, rho, mu1, Sigma1, mu2, Sigma2)[0]
                    * (-np.linalg.inv(Sigma1) + np.outer(s - mu1, s - mu1))
                    / 2
                ),
                "drops the precision matrices around r r^T",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \ln p(s)}{\partial \Sigma_j} = \tfrac12\gamma_j\left("
            r"-\Sigma_j^{-1} + \Sigma_j^{-1}(s - \mu_j)(s - \mu_j)^\top\Sigma_j^{-1}\right)",
            "cookbook": r"\frac{\rho_j\mathcal N_s(\mu_j,\Sigma_j)}{\sum_k\rho_k\mathcal N_s"
            r"(\mu_k,\Sigma_k)}\frac12[-\Sigma_j^{-1}+\Sigma_j^{-1}(s-\mu_j)(s-\mu_j)^T"
            r"\Sigma_j^{-1}]\ \text{(eq. 396)}",
        },
        related=("gaussian.mixture-weights", "gaussian.mixture-mean", "gaussian.nll-covariance"),
        cookbook=(396,),
        assumptions=_UNCONSTRAINED.replace("d = 2", "d = 1")
        + ". Declared in d = 1: sympy's exact check in a 2 x 2 Sigma_1 inside the mixture "
        "takes minutes (the same numpy code is checked in d = 2 and 3 by the tests)",
        sources=(f"{COOKBOOK}, eqs. (395), (396), p. 45, with K = 2, j = 1",),
        keywords=(
            "Gaussian mixture",
            "mixture covariance",
            "GMM",
            "responsibility",
            "mixture of Gaussians",
        ),
    )
)


# -- equations that are not catalog identities -------------------------------------------


def _check_normaliser(rng):
    """det(2 pi Sigma) = (2 pi)^d det(Sigma), as eq. (346)'s remark says, at d = 4."""
    Sigma = STRUCTURES["spd"][0](rng, (4, 4))
    left = np.linalg.det(2 * np.pi * Sigma)
    right = (2 * np.pi) ** 4 * np.linalg.det(Sigma)
    return abs(left - right) / abs(right)


def _check_mixture_density(rng):
    """Eq. (390) as printed (a sum of densities) against the log-sum-exp implementation."""
    s, mu1, mu2 = (rng.standard_normal(2) for _ in range(3))
    Sigma1, Sigma2 = (STRUCTURES["spd"][0](rng, (2, 2)) for _ in range(2))
    rho = STRUCTURES["probability"][0](rng, (2,))
    printed = rho[0] * gaussian_density(s, mu1, Sigma1) + rho[1] * gaussian_density(s, mu2, Sigma2)
    return abs(np.exp(mixture_log_density(s, rho, mu1, Sigma1, mu2, Sigma2)) - printed) / printed


COOKBOOK_NOTES = {
    346: Note(
        "definition",
        "The Gaussian density: the value whose derivatives eqs. (347), (348) give; checked "
        "here: det(2 pi Sigma) = (2 pi)^d det(Sigma), as stated next to it.",
        see=("gaussian.density-x", "gaussian.log-density-x"),
        check=_check_normaliser,
    ),
    390: Note(
        "definition",
        "The density of a Gaussian mixture; checked against the value of the mixture "
        "identities (computed in log-sum-exp form).",
        see=("gaussian.mixture-weights",),
        check=_check_mixture_density,
    ),
    391: Note(
        "rewriting",
        "The chain rule through ln[rho_j N_j], the general form of eq. (392).",
        see=("gaussian.mixture-weights",),
    ),
    393: Note(
        "rewriting",
        "The chain rule through ln[rho_j N_j], the general form of eq. (394).",
        see=("gaussian.mixture-mean",),
    ),
    395: Note(
        "rewriting",
        "The chain rule through ln[rho_j N_j], the general form of eq. (396).",
        see=("gaussian.mixture-covariance",),
    ),
}


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "density",
        "Gaussian density and log-density",
        (
            "gaussian.density-x",
            "gaussian.density-mean",
            "gaussian.log-density-x",
        ),
    ),
    (
        "likelihood",
        "Gaussian likelihood of a data set",
        (
            "gaussian.nll-mean",
            "gaussian.nll-covariance",
            "gaussian.nll-precision",
        ),
    ),
    (
        "mixtures",
        "Gaussian mixtures",
        (
            "gaussian.mixture-weights",
            "gaussian.mixture-mean",
            "gaussian.mixture-covariance",
        ),
    ),
)
