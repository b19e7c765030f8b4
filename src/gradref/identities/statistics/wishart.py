"""Wishart and inverse Wishart densities:
the identities of the page ``reference/statistics/wishart.html``."""

import numpy as np

from gradref.catalog import Mistake
from gradref.identities.linear import COOKBOOK
from gradref.identities.losses import BISHOP, MURPHY
from gradref.identities.statistics._common import _lgamma, _logdet_spd, _register, _sandwich, _sym
from gradref.shapes import Arr, shaped, shaped_like

GUPTA = "Gupta & Nagar, *Matrix Variate Distributions* (2000)"

LOG_2 = float(np.log(2.0))

LOG_PI = float(np.log(np.pi))


def _lmvgamma(a, d):
    """``ln Gamma_d(a)``, the multivariate log-gamma: ``d(d-1)/4 ln pi + sum_j ln Gamma(a + (1-j)/2)``."""
    return d * (d - 1) / 4 * LOG_PI + sum(_lgamma(a + (1 - j) / 2) for j in range(1, d + 1))


def _sp_lmvgamma(a, d):
    import sympy as sp

    return sp.Rational(d * (d - 1), 4) * sp.log(sp.pi) + sum(
        sp.loggamma(a + sp.Rational(1 - j, 2)) for j in range(1, d + 1)
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


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
    "wishart",
    "Wishart and inverse Wishart densities",
    (
        "statistics.wishart-scale",
        "statistics.wishart-x",
        "statistics.inverse-wishart-scale",
        "statistics.inverse-wishart-x",
    ),
)
