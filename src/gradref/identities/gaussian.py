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
def gaussian_nll_small(X: Arr["N 2"], m: Arr["2"], Sigma: Arr["2 2"]):
    """The negative log-likelihood of ``gaussian_nll``, for N observations in d = 2.

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
        # N observations in d = 2: exact at N = 1, 2 (N = 3 adds over a second of sympy)
        symbolic_dims=(1, 2),
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
            "numerator": r"\frac{\partial \ln p(s)}{\partial \rho} = (\gamma \oslash \rho)^\top"
            r"\ \text{(a row vector)}",
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


# -- the VAE's KL term: KL(N(mu, diag sigma^2) || N(0, I)) in the encoder's outputs ---------

KINGMA = "Kingma & Welling, *Auto-Encoding Variational Bayes*, ICLR (2014)"
KINGMA_2019 = (
    "Kingma & Welling, *An Introduction to Variational Autoencoders*, Foundations and Trends "
    "in Machine Learning 12(4) (2019)"
)
GPML = "Rasmussen & Williams, *Gaussian Processes for Machine Learning*, MIT Press (2006)"
_TORCH_VAE = (
    "PyTorch examples, `vae/main.py`, `loss_function`: "
    "`KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())`"
)
_VAE_KL = (
    r"\operatorname{KL}\big(\mathcal N(\mu, \operatorname{diag}(e^{\eta}))\,\|\,"
    r"\mathcal N(0, I)\big)"
)
_VAE_KEYWORDS = (
    "vae kl gradient",
    "VAE KL divergence",
    "KL to a standard normal",
    "variational autoencoder",
    "ELBO",
    "mu logvar",
)


@shaped
def vae_kl(mu: Arr["d"], eta: Arr["d"]):
    """The VAE's KL term ``sum(mu^2 + exp(eta) - eta - 1) / 2``, ``eta = ln sigma^2`` (logvar).

    >>> float(vae_kl(np.array([1.0, 0.0]), np.zeros(2)))
    0.5
    """
    return np.sum(mu**2 + np.exp(eta) - eta - 1) / 2


@shaped_like(vae_kl)
def grad_vae_kl_mean(mu, eta):
    """Gradient of the VAE's KL term with respect to the mean: ``mu``."""
    return mu


@shaped_like(vae_kl)
def hessian_vae_kl_mean(mu, eta):
    """Hessian of the VAE's KL term in the mean: ``I``."""
    return np.eye(mu.size)


@shaped_like(vae_kl)
def grad_vae_kl_log_variance(mu, eta):
    """Gradient of the VAE's KL term in ``eta = ln sigma^2``: ``(exp(eta) - 1) / 2``."""
    return (np.exp(eta) - 1) / 2


@shaped_like(vae_kl)
def hessian_vae_kl_log_variance(mu, eta):
    """Hessian of the VAE's KL term in ``eta = ln sigma^2``: ``diag(exp(eta)) / 2``."""
    return np.diag(np.exp(eta)) / 2


def _sym_vae_kl(mu, eta):
    return (
        sum((mu[j] ** 2 + sp.exp(eta[j]) - eta[j] - 1 for j in range(mu.rows)), sp.Integer(0)) / 2
    )


_VAE_DERIVATION = r"""
For $q = \mathcal N(\mu, \operatorname{diag}(\sigma^2))$ and $p = \mathcal N(0, I)$ in $d$
dimensions, the KL divergence of two Gaussians reduces to
$\tfrac12\sum_j (\mu_j^2 + \sigma_j^2 - \ln \sigma_j^2 - 1)$ (Kingma & Welling, appendix B,
where $-\operatorname{KL}$ is the ELBO's regulariser). An encoder outputs $\mu$ and
$\eta = \ln\sigma^2$ (the `logvar` of most code), so $\sigma_j^2 = e^{\eta_j}$ and the KL is
$\tfrac12\sum_j(\mu_j^2 + e^{\eta_j} - \eta_j - 1)$: a sum of one-variable terms, so every
Hessian below is diagonal.
"""

register(
    Identity(
        id="gaussian.vae-kl-mean",
        title="Gradient and Hessian of the VAE's Gaussian KL term with respect to the mean",
        formula=r"\nabla_\mu " + _VAE_KL + r" = \mu",
        wrt="mu",
        kind="gradient",
        value=vae_kl,
        derivative=grad_vae_kl_mean,
        symbolic=lambda mu, eta: (_sym_vae_kl(mu, eta), mu),
        derivation=_VAE_DERIVATION
        + r"""
Only $\tfrac12\sum_j \mu_j^2$ depends on $\mu$: $\partial/\partial\mu_j = \mu_j$, and the
second derivative is 1 on the diagonal, 0 off it. The $\tfrac12$ and the 2 of the square
cancel.
""",
        hessian=hessian_vae_kl_mean,
        hessian_formula=r"\nabla_\mu^2 " + _VAE_KL + r" = I",
        mistakes=(
            Mistake(
                r"\tfrac12 \mu",
                lambda mu, eta: mu / 2,
                "keeps the 1/2 in front of the sum without the 2 of d(mu^2)/dmu",
            ),
            Mistake(
                r"-\mu",
                lambda mu, eta: -mu,
                "the gradient of the ELBO's term -KL, where the loss (the KL itself) is minimised",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{KL}}{\partial \mu} = \mu^\top"
            r"\ \text{(a row vector)}",
        },
        related=("gaussian.vae-kl-log-variance", "likelihoods.kl-gauss-mu1"),
        assumptions="none: eta = ln sigma^2 is any real vector (sigma^2 = exp(eta) > 0); the "
        "KL is summed over the d latent dimensions of one example",
        sources=(
            f"{KINGMA}, appendix B (the KL term for a Gaussian prior and posterior) and eq. (10)",
            _TORCH_VAE,
        ),
        keywords=(
            "vae kl gradient mu",
            "kl divergence mean derivative",
            *_VAE_KEYWORDS,
        ),
    )
)

register(
    Identity(
        id="gaussian.vae-kl-log-variance",
        title="Gradient and Hessian of the VAE's Gaussian KL term with respect to the log-variance",
        formula=r"\nabla_\eta " + _VAE_KL + r" = \tfrac12\bigl(e^{\eta} - \mathbf{1}\bigr)",
        where=(r"\sigma = e^{\eta / 2}",),
        wrt="eta",
        kind="gradient",
        value=vae_kl,
        derivative=grad_vae_kl_log_variance,
        symbolic=lambda mu, eta: (
            _sym_vae_kl(mu, eta),
            (eta.applyfunc(sp.exp) - sp.ones(eta.rows, 1)) / 2,
        ),
        derivation=_VAE_DERIVATION
        + r"""
In $\eta_j$ the term is $\tfrac12(e^{\eta_j} - \eta_j)$ plus constants, so
$\partial/\partial\eta_j = \tfrac12(e^{\eta_j} - 1) = \tfrac12(\sigma_j^2 - 1)$, zero at
$\sigma_j = 1$, and $\partial^2/\partial\eta_j^2 = \tfrac12 e^{\eta_j}$. The gradient in
$\sigma^2$ is $\tfrac12(1 - \sigma^{-2})$; the chain rule through $\sigma^2 = e^{\eta}$
multiplies it by $d\sigma^2/d\eta = \sigma^2$, giving the same $\tfrac12(\sigma^2 - 1)$.
""",
        hessian=hessian_vae_kl_log_variance,
        hessian_formula=r"\nabla_\eta^2 "
        + _VAE_KL
        + r" = \tfrac12 \operatorname{diag}\bigl(e^{\eta}\bigr)",
        mistakes=(
            Mistake(
                r"\tfrac12\bigl(\mathbf{1} - e^{-\eta}\bigr)",
                lambda mu, eta: (1 - np.exp(-eta)) / 2,
                "the gradient in the variance sigma^2, 1/2 (1 - 1/sigma^2), given where the "
                "parameter is the log-variance: the factor sigma^2 of the chain rule is lost",
            ),
            Mistake(
                r"e^{\eta} - \mathbf{1}",
                lambda mu, eta: np.exp(eta) - 1,
                "drops the 1/2 in front of the sum",
            ),
            Mistake(
                r"\tfrac12 e^{\eta}",
                lambda mu, eta: np.exp(eta) / 2,
                "forgets the -ln sigma^2 = -eta term (the entropy of q)",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{KL}}{\partial \eta} = \tfrac12\bigl("
            r"e^{\eta} - \mathbf{1}\bigr)^\top\ \text{(a row vector)}",
        },
        related=("gaussian.vae-kl-mean", "gaussian.vae-kl-std", "likelihoods.kl-gauss-sigma1"),
        assumptions="none: eta = ln sigma^2 is any real vector (the `logvar` output of an "
        "encoder, sigma^2 = exp(eta) > 0)",
        sources=(
            f"{KINGMA}, appendix B and eq. (10), where the KL is written in log sigma_j^2",
            _TORCH_VAE,
        ),
        keywords=(
            "kl divergence log variance derivative",
            "vae kl gradient logvar",
            "log sigma squared gradient",
            *_VAE_KEYWORDS,
        ),
    )
)


@shaped
def vae_kl_std(mu: Arr["d"], sigma: Arr["d"]):
    """The VAE's KL term in the standard deviations: ``sum(mu^2 + sigma^2 - ln sigma^2 - 1) / 2``.

    >>> float(vae_kl_std(np.zeros(2), np.ones(2)))
    0.0
    """
    return np.sum(mu**2 + sigma**2 - np.log(sigma**2) - 1) / 2


@shaped_like(vae_kl_std)
def grad_vae_kl_std(mu, sigma):
    """Gradient of the VAE's KL term in ``sigma``: ``sigma - 1 / sigma``."""
    return sigma - 1 / sigma


@shaped_like(vae_kl_std)
def hessian_vae_kl_std(mu, sigma):
    """Hessian of the VAE's KL term in ``sigma``: ``diag(1 + 1 / sigma^2)``."""
    return np.diag(1 + 1 / sigma**2)


register(
    Identity(
        id="gaussian.vae-kl-std",
        title="Gradient and Hessian of the VAE's Gaussian KL term with respect to the standard "
        "deviations",
        formula=r"\nabla_\sigma \operatorname{KL}\big(\mathcal N(\mu, \operatorname{diag}"
        r"(\sigma^{2}))\,\|\,\mathcal N(0, I)\big) = \sigma - \mathbf{1} \oslash \sigma",
        wrt="sigma",
        kind="gradient",
        value=vae_kl_std,
        derivative=grad_vae_kl_std,
        structure={"sigma": "positive"},
        symbolic=lambda mu, sigma: (
            sum(
                (mu[j] ** 2 + sigma[j] ** 2 - sp.log(sigma[j] ** 2) - 1 for j in range(mu.rows)),
                sp.Integer(0),
            )
            / 2,
            sigma - sigma.applyfunc(lambda s: 1 / s),
        ),
        derivation=r"""
With the standard deviations as parameters (an encoder with a softplus or exponential
output for $\sigma$), the KL is $\tfrac12\sum_j(\mu_j^2 + \sigma_j^2 - 2\ln\sigma_j - 1)$, so
$\partial/\partial\sigma_j = \sigma_j - 1/\sigma_j$, zero at $\sigma_j = 1$, and
$\partial^2/\partial\sigma_j^2 = 1 + 1/\sigma_j^2$. The Hessian is diagonal and positive
definite: in $\sigma$ the KL is strictly convex.
""",
        hessian=hessian_vae_kl_std,
        hessian_formula=r"\nabla_\sigma^2 \operatorname{KL} = \operatorname{diag}\bigl("
        r"\mathbf{1} + \mathbf{1} \oslash \sigma^{2}\bigr)",
        mistakes=(
            Mistake(
                r"\tfrac12\bigl(\mathbf{1} - \mathbf{1} \oslash \sigma^{2}\bigr)",
                lambda mu, sigma: (1 - 1 / sigma**2) / 2,
                "the gradient in the variance sigma^2 given where the parameter is sigma: the "
                "factor d sigma^2 / d sigma = 2 sigma is lost",
            ),
            Mistake(
                r"\sigma - \tfrac12\,\mathbf{1} \oslash \sigma",
                lambda mu, sigma: sigma - 1 / (2 * sigma),
                "differentiates ln sigma^2 as ln sigma: the 2 of ln sigma^2 = 2 ln sigma is lost",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{KL}}{\partial \sigma} = \bigl(\sigma - "
            r"\mathbf{1} \oslash \sigma\bigr)^\top\ \text{(a row vector)}",
        },
        related=("gaussian.vae-kl-log-variance", "gaussian.vae-kl-mean"),
        assumptions="sigma > 0 entrywise (the standard deviations of a diagonal Gaussian)",
        sources=(f"{KINGMA}, appendix B, with sigma_j as the parameter",),
        keywords=(
            "vae kl gradient sigma",
            "kl divergence standard deviation derivative",
            *_VAE_KEYWORDS,
        ),
    )
)


@shaped
def vae_kl_full(mu: Arr["d"], L: Arr["d d"]):
    """``KL(N(mu, L L^T) || N(0, I)) = (tr(L L^T) + mu^T mu - d - ln det(L L^T)) / 2``.

    >>> float(vae_kl_full(np.zeros(2), np.eye(2)))
    0.0
    """
    return (np.sum(L * L) + mu @ mu - mu.size - np.log(np.linalg.det(L @ L.T))) / 2


@shaped_like(vae_kl_full)
def grad_vae_kl_full_factor(mu, L):
    """Gradient of the full-covariance KL term in the factor ``L``: ``L - L^{-T}``."""
    return L - np.linalg.inv(L).T


@shaped_like(vae_kl_full)
def hessian_vae_kl_full_factor(mu, L):
    """Hessian in ``L``, shaped ``(d, d, d, d)``: ``delta_ik delta_jl + (L^-1)_jk (L^-1)_li``."""
    M = np.linalg.inv(L)
    eye = np.eye(L.shape[0])
    return np.einsum("ik,jl->ijkl", eye, eye) + np.einsum("jk,li->ijkl", M, M)


def _sym_vae_kl_full(mu, L):
    Sigma = L * L.T
    value = (Sigma.trace() + (mu.T * mu)[0, 0] - mu.rows - sp.log(Sigma.det())) / 2
    return value, L - _inv(L).T


register(
    Identity(
        id="gaussian.vae-kl-cholesky",
        title="Gradient and Hessian of the full-covariance Gaussian KL term with respect to a "
        "factor of the covariance",
        formula=r"\nabla_L \operatorname{KL}\big(\mathcal N(\mu, L L^\top)\,\|\,\mathcal N(0, I)"
        r"\big) = L - L^{-\top}",
        wrt="L",
        kind="gradient",
        value=vae_kl_full,
        derivative=grad_vae_kl_full_factor,
        structure={"L": "invertible"},
        symbolic=_sym_vae_kl_full,
        symbolic_dims=(1, 2),  # exact at d = 3 takes 4 CPU s (ln det of a 3 x 3 L L^T)
        derivation=r"""
With $\Sigma = L L^\top$, the KL divergence of two Gaussians (GPML eq. A.23) against
$\mathcal N(0, I)$ is $\tfrac12(\operatorname{tr}(L L^\top) + \mu^\top\mu - d -
\ln\det(L L^\top))$, and $\ln\det(L L^\top) = 2\ln\lvert\det L\rvert$. With
$d\operatorname{tr}(L L^\top) = 2\operatorname{tr}(L^\top dL)$ and
$d\ln\lvert\det L\rvert = \operatorname{tr}(L^{-1} dL)$,
$d\operatorname{KL} = \operatorname{tr}((L - L^{-\top})^\top dL)$. Differentiating again,
$d(L^{-\top}) = -L^{-\top} dL^\top L^{-\top}$, so the Hessian acts on a direction $V$ as
$V + L^{-\top} V^\top L^{-\top}$. For the lower-triangular Cholesky factor of a VAE's
full-covariance posterior, only the lower triangle is free: there the gradient is
$L - \operatorname{diag}(1/L_{11}, \dots, 1/L_{dd})$, since $L^{-\top}$ is upper triangular
with diagonal $1/L_{ii}$.
""",
        hessian=hessian_vae_kl_full_factor,
        hessian_formula=r"\nabla_L^2 \operatorname{KL}[V] = V + L^{-\top} V^\top L^{-\top}",
        mistakes=(
            Mistake(
                r"L - L^{-1}",
                lambda mu, L: L - np.linalg.inv(L),
                "drops the transpose of the gradient of ln|det L| (L is not symmetric)",
            ),
            Mistake(
                r"L - \tfrac12 L^{-\top}",
                lambda mu, L: L - np.linalg.inv(L).T / 2,
                "takes ln det(L L^T) as ln|det L|: the 2 of ln det(L L^T) = 2 ln|det L| is lost",
            ),
            Mistake(
                r"\tfrac12\bigl(I - (L L^\top)^{-1}\bigr)",
                lambda mu, L: (np.eye(L.shape[0]) - np.linalg.inv(L @ L.T)) / 2,
                "the gradient in the covariance Sigma = L L^T given where the parameter is L: "
                "the chain rule through Sigma = L L^T (which gives 2 G L) is missing",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{KL}}{\partial L} = L^\top - "
            r"L^{-1}"
        },
        related=("gaussian.vae-kl-log-variance", "likelihoods.kl-gauss-sigma1"),
        assumptions="L invertible, every entry independent (a lower-triangular Cholesky factor "
        "takes the lower triangle of the gradient, as the derivation says); mu in R^d. "
        "Checked exactly by sympy at d = 1, 2 (d = 3 takes seconds), numerically at larger d",
        sources=(
            f"{GPML}, eq. (A.23) (the KL divergence between two Gaussians), with "
            "mu_1 = 0, Sigma_1 = I",
            f"{KINGMA_2019}, section 2.5 (the full-covariance Gaussian posterior, Sigma = L L^T "
            "with L lower triangular)",
        ),
        keywords=(
            "full covariance vae kl gradient",
            "kl divergence cholesky factor gradient",
            "gradient of kl wrt L",
            "vae kl gradient",
            "KL to a standard normal",
        ),
    )
)


@shaped_like(mixture_log_density)
def grad_mixture_log_density_point(s, rho, mu1, Sigma1, mu2, Sigma2):
    """The score of the mixture: ``-sum_j gamma_j Sigma_j^{-1} (s - mu_j)``."""
    gammas = _responsibility_and_log_density(s, rho, mu1, Sigma1, mu2, Sigma2)[2]
    return -sum(
        gamma * np.linalg.solve(Sigma, s - mu)
        for gamma, mu, Sigma in zip(gammas, (mu1, mu2), (Sigma1, Sigma2), strict=True)
    )


@shaped_like(mixture_log_density)
def hessian_mixture_log_density_point(s, rho, mu1, Sigma1, mu2, Sigma2):
    """Hessian of ``ln p(s)`` in ``s``: ``sum_j gamma_j (g_j g_j^T - Sigma_j^{-1}) - g g^T``."""
    gammas = _responsibility_and_log_density(s, rho, mu1, Sigma1, mu2, Sigma2)[2]
    g = grad_mixture_log_density_point(s, rho, mu1, Sigma1, mu2, Sigma2)
    total = -np.outer(g, g)
    for gamma, mu, Sigma in zip(gammas, (mu1, mu2), (Sigma1, Sigma2), strict=True):
        g_j = -np.linalg.solve(Sigma, s - mu)
        total = total + gamma * (np.outer(g_j, g_j) - np.linalg.inv(Sigma))
    return total


def _symbolic_mixture_point(s, rho, mu1, Sigma1, mu2, Sigma2):
    Sigma1, Sigma2 = _symmetric(Sigma1), _symmetric(Sigma2)
    terms, p = _sym_mixture(s, rho, mu1, Sigma1, mu2, Sigma2)
    scores = [-_inv(Sigma1) * (s - mu1), -_inv(Sigma2) * (s - mu2)]
    return sp.log(p), (terms[0] * scores[0] + terms[1] * scores[1]) / p


register(
    Identity(
        id="gaussian.mixture-score",
        title="Gradient and Hessian of the log-density of a Gaussian mixture with respect to the "
        "point (its score)",
        formula=r"\nabla_s \ln p(s) = -\sum_{j=1}^{2} \gamma_j\,\Sigma_j^{-1}(s - \mu_j),\quad "
        + _MIXTURE["cookbook_gamma"],
        where=(r"g = -\sum_{j=1}^{2} \gamma_j\,\Sigma_j^{-1}(s - \mu_j)",),
        wrt="s",
        kind="gradient",
        value=mixture_log_density,
        derivative=grad_mixture_log_density_point,
        structure=_MIXTURE["structure"],
        symbolic=_symbolic_mixture_point,
        fixed_dimension=True,
        derivation=r"""
Every component depends on $s$: $\nabla_s p = \sum_j \rho_j\nabla_s\mathcal N_s(\mu_j,
\Sigma_j) = -\sum_j \rho_j\mathcal N_s(\mu_j, \Sigma_j)\,\Sigma_j^{-1}(s - \mu_j)$ (eq. 347
for each), and dividing by $p(s)$ turns the weights $\rho_j\mathcal N_j$ into the
responsibilities $\gamma_j$: the score of the mixture is the responsibility-weighted average
of the components' scores $g_j = -\Sigma_j^{-1}(s - \mu_j)$. For the Hessian,
$\nabla^2\ln p = \nabla^2 p / p - g g^\top$ with $g = \nabla\ln p$, and by eq. (348)
$\nabla^2 p / p = \sum_j \gamma_j(g_j g_j^\top - \Sigma_j^{-1})$.
""",
        hessian=hessian_mixture_log_density_point,
        hessian_formula=r"\nabla_s^2 \ln p(s) = \sum_{j=1}^{2} \gamma_j\bigl(\Sigma_j^{-1}"
        r"(s - \mu_j)(s - \mu_j)^\top\Sigma_j^{-1} - \Sigma_j^{-1}\bigr) - g g^\top",
        mistakes=(
            Mistake(
                r"-\sum_{j=1}^{2} \rho_j\,\Sigma_j^{-1}(s - \mu_j)",
                lambda s, rho, mu1, Sigma1, mu2, Sigma2: (
                    -(
                        rho[0] * np.linalg.solve(Sigma1, s - mu1)
                        + rho[1] * np.linalg.solve(Sigma2, s - mu2)
                    )
                ),
                "averages the components' scores with the prior weights rho_j, not the "
                "responsibilities gamma_j(s), which depend on the point",
            ),
            Mistake(
                r"-\sum_{j=1}^{2} \rho_j\,\mathcal N_s(\mu_j, \Sigma_j)\,\Sigma_j^{-1}(s - \mu_j)",
                lambda s, rho, mu1, Sigma1, mu2, Sigma2: (
                    -(
                        rho[0] * gaussian_density(s, mu1, Sigma1) * np.linalg.solve(Sigma1, s - mu1)
                        + rho[1]
                        * gaussian_density(s, mu2, Sigma2)
                        * np.linalg.solve(Sigma2, s - mu2)
                    )
                ),
                "the gradient of the density p(s), not of its logarithm: the division by p(s) "
                "is missing",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \ln p(s)}{\partial s} = -\sum_{j=1}^{2} \gamma_j\,"
            r"(s - \mu_j)^\top\Sigma_j^{-1}\ \text{(a row vector)}",
        },
        related=("gaussian.mixture-mean", "gaussian.log-density-x", "gaussian.density-x"),
        cookbook=(),
        assumptions="Two components in d = 2 (the formula holds for any K and d); gamma_j is "
        "the responsibility of component j at s; Sigma_j symmetric positive definite",
        sources=(
            f"{COOKBOOK}, eqs. (347), (348), p. 40, and eq. (390), p. 45 (the mixture), "
            "with the chain rule through ln",
            "Bishop, *Pattern Recognition and Machine Learning* (2006), section 9.2, eq. (9.23) "
            "(the responsibilities)",
        ),
        keywords=(
            "score of a gaussian mixture",
            "gradient of log mixture density",
            "GMM score function",
            "mixture of Gaussians gradient wrt x",
            "responsibility",
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
            "gaussian.mixture-score",
        ),
    ),
    (
        "vae-kl",
        "The VAE's KL term",
        (
            "gaussian.vae-kl-mean",
            "gaussian.vae-kl-log-variance",
            "gaussian.vae-kl-std",
            "gaussian.vae-kl-cholesky",
        ),
    ),
)
