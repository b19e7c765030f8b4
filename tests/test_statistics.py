"""Statistical models (issue 19): the special functions behind the formulas, the checks that
sympy cannot close exactly at every size, and the statistics the formulas claim."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

import gradref
from gradref.identities import statistics as st
from gradref.symbolic import _symbols_for

POINTS = (0.01, 0.3, 0.5, 1.0, 1.7, 2.5, 7.3, 9.99, 10.0, 25.0, 300.0, 1e4)


@pytest.mark.parametrize("x", POINTS)
def test_log_gamma_digamma_trigamma_agree_with_mpmath(x):
    assert st._common._lgamma(x) == pytest.approx(float(mpmath.loggamma(x)), rel=1e-14, abs=1e-14)
    assert st._common._digamma(x) == pytest.approx(float(mpmath.digamma(x)), rel=1e-14, abs=1e-14)
    assert st._common._trigamma(x) == pytest.approx(float(mpmath.psi(1, x)), rel=1e-14)


def test_special_functions_take_complex_steps_and_integers():
    # analytic: the complex step of ln Gamma is digamma, of digamma is trigamma
    h = 1e-30
    for x in (0.4, 3.0, 12.5):
        assert np.imag(st._common._lgamma(x + 1j * h)) / h == pytest.approx(
            st._common._digamma(x), rel=1e-13
        )
        assert np.imag(st._common._digamma(x + 1j * h)) / h == pytest.approx(
            st._common._trigamma(x), rel=1e-13
        )
    assert st._common._lgamma(np.array([1, 2, 5])) == pytest.approx(
        [0.0, 0.0, np.log(24.0)], abs=1e-13
    )


def test_multivariate_log_gamma_of_dimension_one_is_log_gamma():
    assert st.wishart._lmvgamma(2.3, 1) == pytest.approx(st._common._lgamma(2.3))
    # Gamma_2(a) = sqrt(pi) Gamma(a) Gamma(a - 1/2)
    expected = 0.5 * np.log(np.pi) + st._common._lgamma(2.3) + st._common._lgamma(1.8)
    assert st.wishart._lmvgamma(2.3, 2) == pytest.approx(expected)


def test_the_family_holds_fourteen_identities_each_with_a_hessian():
    family = [i for i in gradref.catalog() if i.family == "statistics"]
    assert len(family) == 14
    # the expectation of a quadratic form is linear in the covariance: its Hessian is zero
    zero = {i.id for i in family if i.hessian == "zero"}
    assert zero == {"statistics.gaussian-expected-quadratic-covariance"}
    assert all(callable(i.hessian) for i in family if i.id not in zero)


def test_the_expected_quadratic_form_is_the_monte_carlo_mean():
    """The closed form E[x^T A x] = tr(A Sigma) + mu^T A mu that both entries differentiate."""
    rng = np.random.default_rng(1)
    inputs = st.gaussian_expectations._sample_expected_quadratic(rng, 3)
    mu, sigma, a = inputs["mu"], inputs["Sigma"], inputs["A"]
    draws = rng.multivariate_normal(mu, sigma, size=400_000)
    values = np.einsum("si,ij,sj->s", draws, a, draws)
    error = 4 * values.std() / np.sqrt(len(values))
    assert st.gaussian_expectations.expected_quadratic(mu, sigma, a) == pytest.approx(
        values.mean(), abs=error
    )
    # and not what a slip gives: the trace left out, or Sigma taken as the identity
    assert abs(mu @ a @ mu - values.mean()) > error
    assert abs(np.trace(a) + mu @ a @ mu - values.mean()) > error


def test_bonnet_and_price_give_the_entries_gradients():
    """Bonnet: the gradient in mu is E[grad f] = (A + A^T) mu. Price: along a symmetric
    direction D, the derivative in Sigma is <E[hess f] / 2, D> = <(A + A^T) / 2, D>, which
    is <A^T, D>, the entry's gradient, though the two matrices differ."""
    rng = np.random.default_rng(2)
    inputs = st.gaussian_expectations._sample_expected_quadratic(rng, 4)
    mu, sigma, a = inputs["mu"], inputs["Sigma"], inputs["A"]
    draws = rng.multivariate_normal(mu, sigma, size=200_000)
    expected_gradient = (draws @ (a + a.T).T).mean(axis=0)  # E[(A + A^T) x]
    bonnet = st.gaussian_expectations.grad_expected_quadratic_mu(mu, sigma, a)
    np.testing.assert_allclose(bonnet, expected_gradient, atol=0.05 * np.linalg.norm(bonnet))
    gradient = st.gaussian_expectations.grad_expected_quadratic_sigma(mu, sigma, a)
    price = (a + a.T) / 2  # half the (constant) Hessian of x^T A x
    direction = rng.standard_normal((4, 4))
    direction = direction + direction.T
    assert np.sum(gradient * direction) == pytest.approx(np.sum(price * direction), rel=1e-12)
    assert not np.allclose(gradient, price)  # as matrices they differ: A is not symmetric


@pytest.mark.parametrize("d", [2, 3])
def test_student_t_scale_matches_the_exact_derivative_at_points(d):
    """sympy's exact derivative (no simplification) evaluated at samples, where proving the
    formula equal to it symbolically is too slow (the entry's ``symbolic_dims`` is (1,))."""
    identity = gradref.get("statistics.student-t-scale")
    rng = np.random.default_rng(d)
    for _ in range(2):
        inputs = identity.sample(rng, d)
        symbols = {name: _symbols_for(name, value) for name, value in inputs.items()}
        value, _ = identity.symbolic(**symbols)
        point = {}
        for name, stand_in in symbols.items():
            numbers = np.asarray(inputs[name], dtype=float).reshape(stand_in.shape)
            point.update(
                {s: sp.Float(float(v), 30) for s, v in zip(stand_in, numbers.ravel(), strict=True)}
            )
        exact = np.array(
            [float(sp.diff(value, s).xreplace(point).evalf(30)) for s in symbols["Sigma"]]
        ).reshape(d, d)
        claimed = identity.derivative(**inputs)
        np.testing.assert_allclose(claimed, exact, rtol=1e-12, atol=1e-13)


def test_dirichlet_expected_log_is_the_monte_carlo_mean():
    rng = np.random.default_rng(0)
    alpha = np.array([0.7, 2.0, 4.5])
    draws = rng.dirichlet(alpha, size=200_000)
    expected = st.dirichlet.grad_dirichlet_log_partition(alpha)
    np.testing.assert_allclose(np.log(draws).mean(axis=0), expected, atol=0.02)
    fisher = st.dirichlet.hess_dirichlet_log_partition(alpha)
    np.testing.assert_allclose(np.cov(np.log(draws).T), fisher, atol=0.05)


def test_wishart_gradients_vanish_at_the_known_maximisers():
    rng = np.random.default_rng(1)
    B = rng.standard_normal((3, 3))
    X = B @ B.T + 3 * np.eye(3)
    n = 7.5
    np.testing.assert_allclose(
        st.wishart.grad_wishart_sigma(X, X / n, np.float64(n)), 0, atol=1e-12
    )
    mode = (n - 3 - 1) * X
    np.testing.assert_allclose(st.wishart.grad_wishart_x(mode, X, np.float64(n)), 0, atol=1e-12)
    np.testing.assert_allclose(
        st.wishart.grad_inverse_wishart_psi(X, n * X, np.float64(n)), 0, atol=1e-12
    )
    iw_mode = X / (n + 3 + 1)
    np.testing.assert_allclose(
        st.wishart.grad_inverse_wishart_x(iw_mode, X, np.float64(n)), 0, atol=1e-10
    )


def test_negative_binomial_tends_to_poisson_as_the_size_grows():
    from gradref.identities.losses.regularised_robust import grad_poisson_nll

    rng = np.random.default_rng(2)
    X = rng.standard_normal((6, 3)) / 2
    y = rng.poisson(2.0, 6).astype(float)
    beta = rng.standard_normal(3) / 2
    poisson = grad_poisson_nll(X, y, beta)
    np.testing.assert_allclose(
        st.negative_binomial.grad_negbin_beta(X, y, beta, np.array([1e9])), poisson, rtol=1e-7
    )


def test_the_negative_binomial_value_is_a_normalised_log_probability():
    # sum over y of exp(-NLL) for one sample with X = 0 (mean 1) is 1
    total = sum(
        np.exp(
            -st.negative_binomial.negbin_nll(
                np.zeros((1, 1)), np.array([float(y)]), np.zeros(1), np.array([2.5])
            )
        )
        for y in range(200)
    )
    assert total == pytest.approx(1.0, rel=1e-12)


def test_a_wrong_shape_is_named():
    with pytest.raises(ValueError, match="alpha"):
        st.dirichlet.grad_dirichlet_alpha(np.full((2, 3), 1 / 3), np.ones(2))
