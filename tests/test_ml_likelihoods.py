"""Likelihoods (issue 9): completeness, the statistics behind the formulas, and failing checks."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import gradref
from gradref.identities import likelihoods as lik
from gradref.symbolic import verify_symbolic_hessian
from gradref.verify import verify, verify_hessian, verify_mistakes

IDS = (
    "likelihoods.gaussian-nll-mu",
    "likelihoods.gaussian-nll-sigma",
    "likelihoods.gaussian-nll-precision",
    "likelihoods.gaussian-nll-cholesky",
    "likelihoods.gaussian-nll-mean-mu",
    "likelihoods.gaussian-nll-mean-sigma",
    "likelihoods.gaussian-nll-mean-precision",
    "likelihoods.kl-gauss-mu1",
    "likelihoods.kl-gauss-mu2",
    "likelihoods.kl-gauss-sigma1",
    "likelihoods.kl-gauss-sigma2",
    "likelihoods.bernoulli-log-partition",
    "likelihoods.categorical-log-partition",
    "likelihoods.categorical-minimal-log-partition",
    "likelihoods.poisson-log-partition",
    "likelihoods.exponential-log-partition",
    "likelihoods.gaussian-natural-eta1",
    "likelihoods.gaussian-natural-eta2",
)
IDENTITIES = [gradref.get(identity_id) for identity_id in IDS]
#: No short closed form for the Hessian in a Cholesky factor.
WITHOUT_HESSIAN = {"likelihoods.gaussian-nll-cholesky"}


def test_the_family_holds_exactly_these_identities():
    assert [i.id for i in gradref.catalog() if i.family == "likelihoods"] == list(IDS)


@pytest.mark.parametrize("identity", IDENTITIES, ids=IDS)
def test_every_entry_is_complete(identity):
    known = {i.id for i in gradref.catalog()}
    assert (identity.hessian is None) == (identity.id in WITHOUT_HESSIAN)
    assert identity.mistakes
    assert identity.derivation.strip()
    assert identity.assumptions
    assert identity.sources
    assert identity.keywords
    assert identity.cookbook == ()
    assert "numerator" in identity.conventions
    assert set(identity.related) <= known, set(identity.related) - known
    assert identity.kind == "gradient"


@pytest.mark.parametrize("identity", IDENTITIES, ids=IDS)
def test_numerical_verification_of_gradient_hessian_and_mistakes(identity):
    assert verify(identity, rng=1).passed
    if identity.hessian is not None:
        assert verify_hessian(identity, rng=1).passed
    for outcome in verify_mistakes(identity, rng=1):
        assert outcome.rejected, outcome.mistake.formula


def test_the_matrix_gradients_are_symmetric_at_a_symmetric_point():
    rng = np.random.default_rng(3)
    for identity_id in (
        "likelihoods.gaussian-nll-sigma",
        "likelihoods.gaussian-nll-precision",
        "likelihoods.gaussian-nll-mean-sigma",
        "likelihoods.kl-gauss-sigma1",
        "likelihoods.kl-gauss-sigma2",
        "likelihoods.gaussian-natural-eta2",
    ):
        identity = gradref.get(identity_id)
        G = identity.derivative(**identity.sample(rng, 3))
        np.testing.assert_allclose(G, G.T, atol=1e-12, err_msg=identity_id)


def test_the_maximum_likelihood_estimates_are_stationary_points():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((7, 3))
    xbar = X.mean(axis=0)
    C = (X - xbar).T @ (X - xbar) / 7
    np.testing.assert_allclose(
        lik.gaussian_nll.grad_gaussian_nll_mean_mu(X, xbar, C), 0, atol=1e-12
    )
    np.testing.assert_allclose(
        lik.gaussian_nll.grad_gaussian_nll_mean_sigma(X, xbar, C), 0, atol=1e-12
    )
    inverse = np.linalg.inv(C)
    inverse = (inverse + inverse.T) / 2
    np.testing.assert_allclose(
        lik.gaussian_nll.grad_gaussian_nll_mean_precision(X, xbar, inverse), 0, atol=1e-10
    )


def test_the_kl_vanishes_with_its_gradients_at_equal_arguments():
    identity = gradref.get("likelihoods.kl-gauss-sigma2")
    inputs = identity.sample(np.random.default_rng(5), 3)
    same = {**inputs, "mu2": inputs["mu1"], "Sigma2": inputs["Sigma1"]}
    assert abs(lik.gaussian_kl.kl_gaussians(**same)) < 1e-12
    for grad in (
        lik.gaussian_kl.grad_kl_gaussians_mu1,
        lik.gaussian_kl.grad_kl_gaussians_mu2,
        lik.gaussian_kl.grad_kl_gaussians_sigma1,
        lik.gaussian_kl.grad_kl_gaussians_sigma2,
    ):
        np.testing.assert_allclose(grad(**same), 0, atol=1e-12)


def test_the_natural_gaussian_gradients_are_the_moments_of_samples():
    # grad A = E[T(x)] and hess A = Cov[T(x)], against Monte Carlo moments of N(mu, Sigma)
    rng = np.random.default_rng(6)
    inputs = lik.log_partition._sample_natural(rng, 2)
    mu = lik.log_partition.grad_gaussian_log_partition_eta1(**inputs)
    Sigma = lik.log_partition.hess_gaussian_log_partition_eta1(**inputs)
    x = rng.multivariate_normal(mu, Sigma, size=400_000)
    outer = np.einsum("si,sj->sij", x, x)
    np.testing.assert_allclose(
        lik.log_partition.grad_gaussian_log_partition_eta2(**inputs), outer.mean(0), atol=0.05
    )
    covariance = np.cov(outer.reshape(len(x), -1), rowvar=False).reshape(2, 2, 2, 2)
    hessian = lik.log_partition.hess_gaussian_log_partition_eta2(**inputs)
    np.testing.assert_allclose(hessian, covariance, atol=0.1 * np.max(np.abs(hessian)))


def test_the_cholesky_gradient_is_the_chain_rule_through_the_covariance():
    identity = gradref.get("likelihoods.gaussian-nll-cholesky")
    x, mu, L = identity.sample(np.random.default_rng(7), 3).values()
    G = lik.gaussian_nll.grad_gaussian_nll_sigma(x, mu, L @ L.T)
    np.testing.assert_allclose(
        lik.gaussian_nll.grad_gaussian_nll_cholesky(x, mu, L), 2 * G @ L, atol=1e-12
    )
    # the upper triangle, which a lower-triangular parametrisation discards, is not zero
    assert np.max(np.abs(np.triu(lik.gaussian_nll.grad_gaussian_nll_cholesky(x, mu, L), 1))) > 1e-3


def test_the_log_partitions_do_not_overflow():
    big = np.array([-800.0, 0.0, 800.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow is fine
        assert np.isfinite(lik.log_partition.bernoulli_log_partition(big))
        assert np.isfinite(lik.log_partition.categorical_log_partition(big))
        assert np.isfinite(lik.log_partition.categorical_minimal_log_partition(big))
        np.testing.assert_allclose(lik.log_partition.grad_categorical_log_partition(big), [0, 0, 1])


@pytest.mark.parametrize(
    "identity_id", ["likelihoods.gaussian-nll-sigma", "likelihoods.gaussian-natural-eta2"]
)
def test_a_transposed_hessian_fails_both_checks(identity_id):
    # H[i, j, k, l] read as H[i, l, k, j] (V where V^T belongs, or pairs swapped) is caught
    identity = gradref.get(identity_id)
    wrong = dataclasses.replace(
        identity, hessian=lambda *args, **kw: np.swapaxes(identity.hessian(*args, **kw), 1, 3)
    )
    assert not verify_hessian(wrong, rng=2).passed
    assert not verify_symbolic_hessian(wrong, dims=(2,)).passed
