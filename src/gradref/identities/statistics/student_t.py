"""Multivariate Student t log-density:
the identities of the page ``reference/statistics/student-t.html``."""

import numpy as np

from gradref.catalog import Mistake
from gradref.identities.losses import BISHOP
from gradref.identities.statistics._common import (
    _digamma,
    _lgamma,
    _logdet_spd,
    _psi,
    _register,
    _sandwich,
    _sym,
    _trigamma,
)
from gradref.shapes import Arr, shaped, shaped_like

KOTZ = "Kotz & Nadarajah, *Multivariate t Distributions and Their Applications* (2004)"

LIU_RUBIN = (
    'Liu & Rubin, "ML estimation of the t distribution using EM and its extensions, ECM and '
    'ECME", *Statistica Sinica* 5 (1995)'
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


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
    "student-t",
    "Multivariate Student t log-density",
    ("statistics.student-t-location", "statistics.student-t-scale", "statistics.student-t-dof"),
)
