"""KL divergence between Gaussians:
the identities of the page ``reference/likelihoods/gaussian-kl.html``."""

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
    MURPHY,
)
from gradref.shapes import Arr, shaped, shaped_like

COVER = "Cover & Thomas, *Elements of Information Theory*, 2nd ed. (2006)"


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


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
    "gaussian-kl",
    "KL divergence between Gaussians",
    (
        "likelihoods.kl-gauss-mu1",
        "likelihoods.kl-gauss-mu2",
        "likelihoods.kl-gauss-sigma1",
        "likelihoods.kl-gauss-sigma2",
    ),
)
