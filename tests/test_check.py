"""Tests of the derivative checker, independent of the catalog."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gradref import (
    DerivativeCheckError,
    DerivativeShapeError,
    assert_gradient,
    check_gradient,
    check_jacobian,
)

from .conftest import well_conditioned

seeds = st.integers(0, 2**32 - 1)
dims = st.integers(1, 30)


def quadratic_case(rng, n):
    A = rng.standard_normal((n, n))  # not symmetric
    return (lambda x: x @ A @ x), (lambda x: (A + A.T) @ x), A


def logsumexp(x):
    shift = np.max(x.real)
    return shift + np.log(np.sum(np.exp(x - shift)))


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / e.sum()


# -- correct derivatives pass ---------------------------------------------------------


@given(seed=seeds, n=dims)
def test_correct_quadratic_gradient_passes(seed, n):
    rng = np.random.default_rng(seed)
    f, grad, _ = quadratic_case(rng, n)
    result = check_gradient(f, grad, rng.standard_normal(n), rng=rng)
    assert result.passed, result.report()
    assert result.method == "complex"
    assert result.max_rel_error < 1e-12


@given(seed=seeds, n=dims)
def test_correct_logsumexp_gradient_passes(seed, n):
    rng = np.random.default_rng(seed)
    x = 3 * rng.standard_normal(n)
    assert check_gradient(logsumexp, softmax, x, rng=rng).passed


@given(seed=seeds, m=st.integers(1, 6), n=st.integers(1, 6))
def test_correct_matrix_gradient_passes(seed, m, n):
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(m), rng.standard_normal(n)
    result = check_gradient(
        lambda X: a @ X @ b, lambda X: np.outer(a, b), rng.standard_normal((m, n))
    )
    assert result.passed, result.report()


@given(seed=seeds, n=dims)
# The complex step, asked for, at n = 1: both sides rounding (-1.4e-14 against -2.9e-14).
@example(seed=202942820, n=1)
def test_stationary_point_is_inconclusive_never_failed(seed, n):
    # Least squares at its minimiser: the gradient is zero up to rounding, and both sides
    # are rounding noise. A pass there would say nothing; a failure would be a false alarm.
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n + 3, n)) * 10
    b = rng.standard_normal(n + 3) * 10
    x_star = np.linalg.lstsq(A, b, rcond=None)[0]
    f = lambda x: 0.5 * np.sum((A @ x - b) ** 2)  # noqa: E731
    grad = lambda x: A.T @ (A @ x - b)  # noqa: E731
    for method in ("auto", "complex", "central"):
        result = check_gradient(f, grad, x_star, method=method, rng=rng)
        assert result.verdict == "inconclusive", result.report()
        assert "stationary" in result.reason


@given(seed=seeds, n=dims)
def test_central_differences_pass_on_non_analytic_function(seed, n):
    # np.abs returns a real result for complex input: the complex step cannot
    # apply, and auto mode must fall back to central differences.
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 2.0, n) * rng.choice([-1.0, 1.0], n)
    f = lambda x: np.sum(np.abs(x) ** 3)  # noqa: E731
    grad = lambda x: 3 * x * np.abs(x)  # noqa: E731
    result = check_gradient(f, grad, x, rng=rng)
    assert result.passed, result.report()
    assert result.method == "central"


@given(seed=seeds, n=dims)
def test_correct_jacobian_passes(seed, n):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((n + 2, n))
    f = lambda x: np.tanh(W @ x)  # noqa: E731
    jac = lambda x: (1 - np.tanh(W @ x) ** 2)[:, None] * W  # noqa: E731
    x = rng.standard_normal(n)
    result = check_jacobian(f, jac, x, rng=rng)
    if np.min(1 - np.tanh(W @ x) ** 2) > 1e-8:  # every row is resolved to its own size
        assert result.passed, result.report()
    else:  # a saturated unit's row carries the rounding of 1 - tanh^2, above 1e-6 of its size
        assert result.passed or "small beside the largest" in result.reason, result.report()
    # Central differences may be unable to resolve a saturated row (inconclusive), never fail.
    assert check_jacobian(f, jac, x, method="central", rng=rng).verdict != "failed"


def test_no_false_alarm_over_many_seeds():
    failures = 0
    for seed in range(300):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(1, 40))
        A = well_conditioned(rng, n)
        f = lambda x, A=A: 0.5 * x @ A @ x + np.sum(np.sin(x))  # noqa: E731
        grad = lambda x, A=A: A @ x + np.cos(x)  # noqa: E731
        x = rng.standard_normal(n)
        failures += not check_gradient(f, grad, x, rng=rng).passed
        failures += not check_gradient(f, grad, x, method="central", rng=rng).passed
    assert failures == 0


# -- wrong derivatives are caught ------------------------------------------------------


def wrong_variants(g):
    g = np.array(g, dtype=float)
    off = g.copy()
    j = int(np.argmax(np.abs(off)))
    off.flat[j] *= 1 + 1e-6
    return {"sign-flipped": -g, "scaled by 1.001": 1.001 * g, "one entry off by 1e-6": off}


@pytest.mark.parametrize("method", ["complex", "central"])
@given(seed=seeds, n=st.integers(1, 12))
def test_wrong_gradients_are_caught(method, seed, n):
    rng = np.random.default_rng(seed)
    f, grad, A = quadratic_case(rng, n)
    x = rng.standard_normal(n)
    for name, wrong in wrong_variants(grad(x)).items():
        if method == "central" and name == "one entry off by 1e-6":
            continue  # below what central differences resolve at this tolerance; see below
        result = check_gradient(f, lambda _, w=wrong: w, x, method=method, rng=rng)
        assert not result.passed, f"{name} passed"
    if n > 1:
        transposed_formula = lambda x: 2 * A @ x  # noqa: E731  the symmetric-A mistake
        assert not check_gradient(f, transposed_formula, x, method=method, rng=rng).passed


@given(seed=seeds, n=st.integers(1, 8))
def test_central_differences_catch_small_relative_errors(seed, n):
    rng = np.random.default_rng(seed)
    f, grad, _ = quadratic_case(rng, n)
    x = rng.standard_normal(n)
    g = grad(x)
    j = int(np.argmax(np.abs(g)))
    g[j] *= 1 + 1e-5
    assert not check_gradient(f, lambda _: g, x, method="central", rng=rng).passed


@given(seed=seeds, m=st.integers(2, 6), n=st.integers(2, 6))
def test_transposed_matrix_gradient_is_caught(seed, m, n):
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(n), rng.standard_normal(n)
    X = rng.standard_normal((n, n))
    result = check_gradient(lambda X: a @ X @ b, lambda X: np.outer(b, a), X, rng=rng)
    assert not result.passed
    assert "transposed" in result.hint


def test_transposed_jacobian_is_caught():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((4, 4))
    result = check_jacobian(lambda x: A @ x, lambda x: A.T, rng.standard_normal(4), rng=rng)
    assert not result.passed
    assert "transposed" in result.hint


# -- cost, diagnosis, misuse -----------------------------------------------------------


@pytest.mark.parametrize("n", [1, 10, 1000])
def test_cost_does_not_grow_with_dimension(n):
    rng = np.random.default_rng(0)
    f, grad, _ = quadratic_case(rng, n)
    x = rng.standard_normal(n)
    # auto: two complex steps + four real evaluations (the analyticity guard).
    assert check_gradient(f, grad, x, rng=rng).evaluations == 6
    assert check_gradient(f, grad, x, method="complex", rng=rng).evaluations == 6
    assert check_gradient(f, grad, x, method="central", rng=rng).evaluations == 9  # f(x) once


def test_failure_reports_where_and_why():
    rng = np.random.default_rng(3)
    f, grad, _ = quadratic_case(rng, 5)
    x = rng.standard_normal(5)
    result = check_gradient(f, lambda x: -grad(x), x, rng=rng, diagnose="full")
    assert result.verdict == "failed"
    assert "wrong sign" in result.hint
    assert result.numerical is not None
    np.testing.assert_allclose(result.numerical, grad(x), rtol=1e-12)
    assert len(result.worst) == 5
    _, claimed, numerical = result.worst[0]
    assert claimed == pytest.approx(-numerical)
    scaled = check_gradient(f, lambda x: 2.5 * grad(x), x, rng=rng)
    assert "2.5 times" in scaled.hint
    assert scaled.numerical is None  # the default diagnosis is bounded: no full gradient


def test_default_diagnosis_locates_the_wrong_coordinate():
    rng = np.random.default_rng(4)
    n = 300
    f, grad, _ = quadratic_case(rng, n)
    x = rng.standard_normal(n)
    for method in ("auto", "central"):
        g = grad(x)
        g[137] += 1.0
        result = check_gradient(f, lambda _, g=g: g, x, method=method, rng=rng)
        assert result.verdict == "failed"
        (index, claimed, numerical), *_ = result.worst
        assert index == (137,)
        assert claimed - numerical == pytest.approx(1.0, rel=1e-5)


def test_asserting_form_names_what_was_compared():
    x = np.array([1.0, 2.0])
    with pytest.raises(DerivativeCheckError, match=r"gradient check of half norm FAILED"):
        assert_gradient(lambda x: 0.5 * x @ x, lambda x: 2 * x, x, label="half norm")
    assert assert_gradient(lambda x: 0.5 * x @ x, lambda x: x, x).passed


def test_misuse_errors_name_the_argument():
    x = np.ones(3)
    with pytest.raises(ValueError, match=r"`f` must return a scalar .* shape \(3,\)"):
        check_gradient(lambda x: x, lambda x: x, x)
    with pytest.raises(DerivativeShapeError, match=r"`grad\(x\)` must have shape \(3,\)"):
        check_gradient(lambda x: x @ x, lambda x: (2 * x)[:, None], x)
    with pytest.raises(ValueError, match=r"`x` must be finite"):
        check_gradient(lambda x: x @ x, lambda x: 2 * x, np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match=r"`x` must be a non-empty vector"):
        check_gradient(lambda x: np.sum(x), lambda x: x, np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match=r"`grad\(x\)` contains NaN"):
        check_gradient(lambda x: x @ x, lambda x: x * np.nan, x)
    with pytest.raises(ValueError, match=r"`f` must return a vector"):
        check_jacobian(lambda x: x @ x, lambda x: x, x)
    with pytest.raises(ValueError, match=r"`method` must be"):
        check_gradient(lambda x: x @ x, lambda x: 2 * x, x, method="forward")
    with pytest.raises(TypeError, match=r"`f` must return numbers"):
        check_gradient(lambda x: "1.0", lambda x: x, x)
    with pytest.raises(ValueError, match=r"method='complex' needs"):
        check_gradient(lambda x: np.sum(np.abs(x)), np.sign, x, method="complex")


def test_failure_without_diagnosis_costs_no_more_than_a_pass():
    rng = np.random.default_rng(5)
    f, grad, _ = quadratic_case(rng, 50)
    x = rng.standard_normal(50)
    result = check_gradient(f, lambda x: -grad(x), x, rng=rng, diagnose=False)
    assert result.verdict == "failed"
    assert result.evaluations == 6
    assert result.worst == ()
    assert result.numerical is None


def test_a_jacobian_row_that_is_exactly_constant_passes_when_claimed_zero():
    # ReLU's Jacobian has zero rows where x < 0; they are judged against the largest row,
    # so a right claim passes and a wrong one (or a hidden slope) still fails.
    x = np.array([1.0, -2.0, 0.5, -0.3])

    def relu(v):
        return np.maximum(v, 0)

    def mask(v):
        return np.diag((v > 0).astype(float))

    assert check_jacobian(relu, mask, x, rng=0).verdict == "passed"
    assert check_jacobian(relu, lambda v: mask(v) + 1e-3 * np.eye(4), x, rng=0).verdict == "failed"
    hidden = check_jacobian(lambda v: relu(v) + 1e-9 * v, mask, x, rng=0)
    assert hidden.verdict == "failed"
    assert check_jacobian(lambda v: 0 * v + 1.0, lambda v: np.zeros((4, 4)), x).verdict == (
        "inconclusive"
    )
