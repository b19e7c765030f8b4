"""Expectations under a Gaussian, differentiated in its mean and covariance:
the identities of the page ``reference/statistics/gaussian-expectations.html``."""

import numpy as np

from gradref.catalog import Mistake
from gradref.identities.linear import COOKBOOK
from gradref.identities.statistics._common import _register
from gradref.shapes import Arr, shaped, shaped_like

PRICE = (
    "R. Price, A useful theorem for nonlinear devices having Gaussian inputs, IRE Trans. "
    "Inf. Theory 4(2) (1958) 69-72"
)
BONNET = (
    "G. Bonnet, Transformations des signaux aléatoires à travers les systèmes non linéaires "
    "sans mémoire, Annales des Télécommunications 19 (1964) 203-220"
)
REZENDE = (
    "Rezende, Mohamed & Wierstra, Stochastic backpropagation and approximate inference in "
    "deep generative models, ICML 2014, section 3 (Bonnet's and Price's theorems)"
)


# -- E[x^T A x] under N(mu, Sigma) ------------------------------------------------------------
#
# The one expectation with a closed form that every quadratic loss under Gaussian noise
# reduces to; the derivation checks Bonnet's and Price's theorems on it.


def _sample_expected_quadratic(rng, n):
    # Sigma symmetric positive definite (a covariance); A general, so that A and A^T differ
    root = rng.standard_normal((n, n))
    return {
        "mu": rng.standard_normal(n),
        "Sigma": root @ root.T / n + np.eye(n),
        "A": rng.standard_normal((n, n)),
    }


@shaped
def expected_quadratic(mu: Arr["n"], Sigma: Arr["n n"], A: Arr["n n"]):
    """``E[x^T A x]`` for ``x ~ N(mu, Sigma)``: ``tr(A Sigma) + mu^T A mu``.

    >>> float(expected_quadratic(np.array([1.0, 2.0]), np.eye(2), np.diag([1.0, 3.0])))
    17.0
    """
    return np.trace(A @ Sigma) + mu @ A @ mu


@shaped_like(expected_quadratic)
def grad_expected_quadratic_mu(mu, Sigma, A):
    """Gradient in ``mu``: ``(A + A^T) mu``."""
    return (A + A.T) @ mu


@shaped_like(expected_quadratic)
def hess_expected_quadratic_mu(mu, Sigma, A):
    """Hessian in ``mu``: ``A + A^T``."""
    return A + A.T


def _sp_expected_quadratic(mu, Sigma, A):
    return (A * Sigma).trace() + (mu.T * A * mu)[0, 0]


def _sp_expected_quadratic_mu(mu, Sigma, A):
    return _sp_expected_quadratic(mu, Sigma, A), (A + A.T) * mu


_KEYWORDS = (
    "expectation under a Gaussian",
    "derivative of an expectation with respect to the mean and covariance",
    "gradient of a Gaussian expectation",
    "expected quadratic form",
    "E[x^T A x]",
    "Bonnet's theorem",
    "Price's theorem",
    "reparameterisation gradient",
    "Gaussian variational inference",
)

_register(
    id="statistics.gaussian-expected-quadratic-mean",
    title="Gradient of the expectation of a quadratic form under a Gaussian, in its mean",
    formula=r"\nabla_\mu\, \mathbb E_{x \sim \mathcal N(\mu, \Sigma)}[x^\top A x] = (A + A^\top)\mu",
    wrt="mu",
    value=expected_quadratic,
    derivative=grad_expected_quadratic_mu,
    symbolic=_sp_expected_quadratic_mu,
    sample=_sample_expected_quadratic,
    derivation=r"""
The expectation has a closed form: $x^\top A x = \operatorname{tr}(A\, x x^\top)$ and
$\mathbb E[x x^\top] = \Sigma + \mu\mu^\top$, so $\mathbb E[x^\top A x] =
\operatorname{tr}(A\Sigma) + \mu^\top A \mu$ (no Gaussianity needed for this step). Only
$\mu^\top A \mu$ depends on $\mu$: its differential is $d\mu^\top A \mu + \mu^\top A\, d\mu
= \langle (A + A^\top)\mu, d\mu\rangle$.

The same gradient comes out of Bonnet's theorem, which holds for any differentiable $f$ with
$\mathbb E|\nabla f| < \infty$: $\nabla_\mu \mathbb E[f(x)] = \mathbb E[\nabla f(x)]$. Here
$\nabla f(x) = (A + A^\top) x$, whose expectation is $(A + A^\top)\mu$. For an $f$ without a
closed-form expectation, $\mathbb E[\nabla f(\mu + L\varepsilon)]$ with $\Sigma = L L^\top$
and $\varepsilon \sim \mathcal N(0, I)$ is the reparameterisation gradient, estimated by
sampling $\varepsilon$.
""",
    hessian=hess_expected_quadratic_mu,
    hessian_formula=r"\nabla_\mu^2\, \mathbb E[x^\top A x] = A + A^\top",
    mistakes=(
        Mistake(
            r"2 A \mu",
            lambda mu, Sigma, A: 2 * A @ mu,
            "the rule for a symmetric A, used with a general one: the transpose of A is lost",
        ),
        Mistake(
            r"A \mu",
            lambda mu, Sigma, A: A @ mu,
            "differentiates only one of the two factors mu of mu^T A mu",
        ),
    ),
    conventions={"numerator": r"\mu^\top (A + A^\top)"},
    related=(
        "statistics.gaussian-expected-quadratic-covariance",
        "quadratic.grad-x",
        "gaussian.vae-kl-mean",
    ),
    assumptions="x ~ N(mu, Sigma) with Sigma positive definite; A any n x n matrix (not "
    "symmetrised); the expectation in closed form, Cookbook eq. (328)",
    sources=(
        f"{COOKBOOK}, eq. (328), p. 35 (the expectation, for any x with mean m and covariance M)",
        f"{BONNET} (the gradient in the mean as the expected gradient)",
        REZENDE,
    ),
    keywords=(
        "gradient with respect to the mean",
        "derivative of E[f(x)] with respect to mu",
        *_KEYWORDS,
    ),
)


@shaped_like(expected_quadratic)
def grad_expected_quadratic_sigma(mu, Sigma, A):
    """Gradient in ``Sigma`` (its n^2 entries independent): ``A^T``."""
    return A.T


def _sp_expected_quadratic_sigma(mu, Sigma, A):
    return _sp_expected_quadratic(mu, Sigma, A), A.T


_register(
    id="statistics.gaussian-expected-quadratic-covariance",
    title="Gradient of the expectation of a quadratic form under a Gaussian, in its covariance",
    formula=r"\nabla_\Sigma\, \mathbb E_{x \sim \mathcal N(\mu, \Sigma)}[x^\top A x] = A^\top",
    wrt="Sigma",
    value=expected_quadratic,
    derivative=grad_expected_quadratic_sigma,
    symbolic=_sp_expected_quadratic_sigma,
    sample=_sample_expected_quadratic,
    derivation=r"""
In the closed form $\mathbb E[x^\top A x] = \operatorname{tr}(A\Sigma) + \mu^\top A\mu$ only
the trace depends on $\Sigma$, linearly: $d\operatorname{tr}(A\Sigma) = \operatorname{tr}(A\,
d\Sigma) = \langle A^\top, d\Sigma\rangle$, the gradient $A^\top$ when the $n^2$ entries of
$\Sigma$ are taken as independent (Cookbook eq. 100 with $X = \Sigma$).

Price's theorem gives the derivative of any Gaussian expectation in the covariance:
$\frac{\partial}{\partial \Sigma_{ij}} \mathbb E[f(x)] = \frac12 \mathbb E\big[\frac{\partial^2
f}{\partial x_i \partial x_j}\big]$, for the covariance as a symmetric matrix, which moves only
along symmetric directions $d\Sigma$. Here $\nabla^2 f = A + A^\top$, so Price's theorem gives
$\tfrac12(A + A^\top)$. It is the same derivative: along a symmetric $d\Sigma$,
$\langle A^\top, d\Sigma\rangle = \langle \tfrac12(A + A^\top), d\Sigma\rangle$, and
$\tfrac12(A + A^\top)$ is the one symmetric matrix with that property. The two differ as
matrices unless $A$ is symmetric; the Hessian in $\Sigma$ is zero.
""",
    hessian="zero",
    hessian_formula=r"\nabla_\Sigma^2\, \mathbb E[x^\top A x] = 0",
    mistakes=(
        Mistake(
            r"A",
            lambda mu, Sigma, A: A,
            "the transpose dropped: the differential tr(A dSigma) is <A^T, dSigma>, which is "
            "<A, dSigma> only for a symmetric A",
        ),
        Mistake(
            r"A + A^\top",
            lambda mu, Sigma, A: A + A.T,
            "Price's theorem without its factor 1/2: the expected Hessian of f where half of "
            "it is meant",
        ),
    ),
    conventions={"numerator": r"A", "cookbook": r"A^\top\ \text{(eq. 100)}"},
    related=(
        "statistics.gaussian-expected-quadratic-mean",
        "traces.xa",
        "gaussian.nll-covariance",
    ),
    assumptions="x ~ N(mu, Sigma) with Sigma positive definite, its n^2 entries taken as "
    "independent (sampled symmetric); A any n x n matrix; along symmetric directions the "
    "gradient A^T acts as (A + A^T) / 2, Price's theorem",
    sources=(
        f"{COOKBOOK}, eq. (328), p. 35 (the expectation), and eq. (100) (the trace)",
        f"{PRICE} (the derivative in the covariance as half the expected Hessian)",
        REZENDE,
    ),
    keywords=(
        "gradient with respect to the covariance",
        "derivative of E[f(x)] with respect to Sigma",
        *_KEYWORDS,
    ),
)


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
    "gaussian-expectations",
    "Expectations under a Gaussian",
    (
        "statistics.gaussian-expected-quadratic-mean",
        "statistics.gaussian-expected-quadratic-covariance",
    ),
)
