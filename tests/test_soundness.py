"""The checker and ``verify()`` never call a wrong derivative right.

Each case here was seen passing a wrong derivative (or failing a right one, or raising a
stray numpy error) before the acceptance rule was rebuilt; the tests pin the fix.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import gradref
from gradref import (
    DerivativeCheckError,
    VerificationError,
    assert_gradient,
    assert_verified,
    check_gradient,
    check_jacobian,
    verify,
)
from gradref.check import DIAGNOSIS_FACTOR, MAX_TOLERANCE

METHODS = ("auto", "complex", "central")
CONSTANTS = (0.0, 1e-12, 1e-6, 1.0, 1e6, 1e9, 1e12)
FACTORS = (1e-12, 1e-6, 1.0, 1e6, 1e12)


def point(seed=0, n=5):
    return np.random.default_rng(seed).standard_normal(n)


WRONG_FOR_SQUARED_NORM = {
    "zero": lambda x: np.zeros_like(x),
    "sign-flipped": lambda x: -2 * x,
    "2.001 x": lambda x: 2.001 * x,
}


# -- 1. the verdict does not depend on adding a constant or scaling f ----------------------


# Offsets alone, scales alone, and the two together as long as the offset stays within
# 1e12 times the scale (beyond that, f's values cannot register the change of x^T x).
OFFSET_AND_SCALE = [
    (constant, factor)
    for constant in CONSTANTS
    for factor in FACTORS
    if constant == 0.0 or factor == 1.0 or constant <= 1e12 * factor
]


@pytest.mark.parametrize(("constant", "factor"), OFFSET_AND_SCALE)
def test_complex_step_verdict_ignores_offset_and_scale(constant, factor):
    x = point()

    def f(x):
        return constant + factor * (x @ x)

    right = check_gradient(f, lambda x: factor * 2 * x, x, method="complex", rng=1)
    assert right.verdict == "passed", right.report()
    for name, wrong in WRONG_FOR_SQUARED_NORM.items():
        result = check_gradient(f, lambda x, w=wrong: factor * w(x), x, method="complex", rng=1)
        assert result.verdict == "failed", f"{name}: {result.report()}"


@pytest.mark.parametrize("method", ["auto", "central"])
@pytest.mark.parametrize(("constant", "factor"), OFFSET_AND_SCALE)
def test_real_arithmetic_never_passes_wrong_or_fails_right_under_offset_and_scale(
    method, constant, factor
):
    # Central differences lose the digits a large constant takes from f's values: the
    # verdict may become inconclusive, never the opposite of the truth.
    x = point()

    def f(x):
        return constant + factor * (x @ x)

    right = check_gradient(f, lambda x: factor * 2 * x, x, method=method, rng=1)
    assert right.verdict != "failed", right.report()
    if constant <= 1e4 * factor:  # f's values still resolve the derivative to 1e-6 or better
        assert right.verdict == "passed", right.report()
    for name, wrong in WRONG_FOR_SQUARED_NORM.items():
        result = check_gradient(f, lambda x, w=wrong: factor * w(x), x, method=method, rng=1)
        assert result.verdict != "passed", f"{name}: {result.report()}"
        if constant == 0.0:
            assert result.verdict == "failed", f"{name}: {result.report()}"


@pytest.mark.parametrize("method", METHODS)
def test_seen_offsets_no_longer_pass(method):
    x = point()
    for gradient in (lambda x: np.zeros_like(x), lambda x: -2 * x):
        result = check_gradient(lambda x: 1e12 + x @ x, gradient, x, method=method, rng=0)
        assert not result.passed, result.report()
    result = check_gradient(lambda x: 1e9 + x @ x, lambda x: 2.001 * x, x, method=method, rng=0)
    assert not result.passed, result.report()
    for gradient in (lambda x: -2e-12 * x, lambda x: 5 * x, lambda x: np.zeros_like(x)):
        result = check_gradient(lambda x: 1e-12 * (x @ x), gradient, x, method=method, rng=0)
        assert result.verdict == "failed", result.report()


@pytest.mark.parametrize("method", METHODS)
def test_large_output_does_not_hide_a_wrong_jacobian_row(method):
    x = point(2, 4)

    def f(x):
        return np.array([1e12 + x @ x, np.sum(np.sin(x)), np.tanh(x[0] * x[1])])

    def jac_wrong_row(x):
        return np.array([2 * x, -np.cos(x), np.zeros(4)])

    result = check_jacobian(f, jac_wrong_row, x, method=method, rng=0)
    assert not result.passed, result.report()
    if method == "complex":
        assert result.verdict == "failed"


def test_large_derivative_row_does_not_hide_a_wrong_row():
    x = point(3, 4)

    def f(x):
        return np.array([1e12 * (x @ x), np.sum(np.sin(x))])

    def jac(x):
        return np.array([2e12 * x, np.cos(x)])

    def jac_wrong_row(x):
        return np.array([2e12 * x, -np.cos(x)])

    assert check_jacobian(f, jac, x, rng=0).verdict == "passed"
    assert check_jacobian(f, jac_wrong_row, x, rng=0).verdict == "failed"


def test_verify_rejects_offset_identity_with_zero_derivative():
    identity = dataclasses.replace(
        gradref.get("quadratic.grad-x"),
        value=lambda A, x: 1e12 + x @ A @ x,
        derivative=lambda A, x: np.zeros_like(x),
    )
    result = verify(identity, rng=0)
    assert not result.passed, result.report()
    with pytest.raises(VerificationError, match=r"identity 'quadratic.grad-x'"):
        assert_verified(identity, rng=0)


def test_passed_is_never_printed_next_to_an_error_above_the_tolerance():
    x = point()
    for constant in CONSTANTS:
        for gradient in (lambda x: 2 * x, *WRONG_FOR_SQUARED_NORM.values()):
            for method in METHODS:
                result = check_gradient(
                    lambda x, c=constant: c + x @ x, gradient, x, method=method, rng=0
                )
                if result.passed:
                    assert result.max_rel_error <= result.tolerance <= MAX_TOLERANCE
                    assert "passed" in result.report()


# -- 2. three verdicts ------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_stationary_point_is_inconclusive_and_asserting_forms_raise(method):
    A = np.array([[2.0, 1.0], [0.0, 3.0]])
    result = check_gradient(lambda x: x @ A @ x, lambda x: 2 * A @ x, np.zeros(2), method=method)
    assert result.verdict == "inconclusive"
    assert "stationary" in result.reason
    assert "INCONCLUSIVE" in result.report()
    with pytest.raises(DerivativeCheckError, match="INCONCLUSIVE"):
        assert_gradient(lambda x: x @ A @ x, lambda x: (A + A.T) @ x, np.zeros(2), method=method)


def test_non_finite_values_nearby_are_inconclusive():
    result = check_gradient(lambda x: np.log(x[0]) + x @ x, lambda x: 2 * x, np.array([0.0, 1.0]))
    assert result.verdict == "inconclusive"
    assert "NaN or infinity" in result.reason
    assert "RuntimeWarning" in result.reason  # what f warned, reported rather than emitted


def test_tiny_point_does_not_underflow_into_a_pass():
    x = np.full(3, 1e-170)
    for method in METHODS:
        wrong = check_gradient(lambda x: x @ x, lambda x: 3 * x, x, method=method, rng=0)
        assert not wrong.passed, wrong.report()
    result = check_gradient(lambda x: x @ x, lambda x: 3 * x, x, method="complex", rng=0)
    assert result.verdict == "failed"
    assert result.max_rel_error > 0.1


def test_verify_draws_points_that_are_not_stationary():
    for identity in gradref.catalog():
        result = verify(identity, rng=0)
        assert result.verdict == "passed", result.report()


# -- 3. the analyticity guard -----------------------------------------------------------


def _cholesky_case():
    rng = np.random.default_rng(7)
    B = rng.standard_normal((4, 4))
    S0 = B @ B.T + 4 * np.eye(4)

    def logdet(x):
        return 2 * np.sum(np.log(np.diag(np.linalg.cholesky(S0 + np.diag(x**2)))))

    def grad(x):
        return 2 * x * np.diag(np.linalg.inv(S0 + np.diag(x**2)))

    return logdet, grad


def _norm_cube(x):
    return (x @ x) * np.linalg.norm(x)


NON_ANALYTIC = {
    "vdot": (lambda x: np.vdot(x, x), lambda x: 2 * x),
    "x @ x.conj()": (lambda x: x @ x.conj(), lambda x: 2 * x),
    "sqrt(x @ x.conj())": (lambda x: np.sqrt(x @ x.conj()), lambda x: x / np.sqrt(x @ x)),
    "sum(x * abs(x))": (lambda x: np.sum(x * np.abs(x)), lambda x: 2 * np.abs(x)),
    "(x @ x) * norm(x)": (_norm_cube, lambda x: 3 * np.linalg.norm(x) * x),
    "Cholesky log-determinant": _cholesky_case(),
}


@pytest.mark.parametrize("name", sorted(NON_ANALYTIC))
def test_non_analytic_functions_pass_right_and_fail_wrong(name):
    f, grad = NON_ANALYTIC[name]
    for seed in range(5):
        x = point(seed, 4)
        right = check_gradient(f, grad, x, rng=seed)
        assert right.verdict == "passed", right.report()
        assert right.method == "central"
        for wrong in (lambda x: np.zeros_like(x), lambda x, g=grad: 1.0001 * g(x)):
            result = check_gradient(f, wrong, x, rng=seed)
            assert result.verdict == "failed", result.report()


def test_method_complex_refuses_to_vouch_for_a_non_analytic_function():
    f, _ = NON_ANALYTIC["vdot"]
    result = check_gradient(f, lambda x: np.zeros_like(x), point(), method="complex", rng=0)
    assert result.verdict == "inconclusive"
    assert "not complex-analytic" in result.reason


class CountingFunction:
    """A function object that counts its calls (a weak-referenceable callable)."""

    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, x):
        self.calls += 1
        return self.f(x)


def test_auto_mode_costs_six_evaluations_and_one_derivative_for_analytic_f():
    A = np.random.default_rng(0).standard_normal((50, 50))
    f = CountingFunction(lambda x: x @ A @ x)
    grad = CountingFunction(lambda x: (A + A.T) @ x)
    result = check_gradient(f, grad, point(0, 50), rng=0)
    assert result.verdict == "passed"
    assert result.method == "complex"
    assert (f.calls, grad.calls, result.evaluations) == (6, 1, 6)


def test_decision_to_avoid_the_complex_step_is_remembered():
    X = np.random.default_rng(1).standard_normal((40, 10))
    y = np.where(np.arange(40) % 2, 1.0, -1.0)

    def logistic(w):  # np.logaddexp refuses complex input
        return np.sum(np.logaddexp(0.0, -y * (X @ w)))

    def grad(w):
        return -X.T @ (y / (1 + np.exp(y * (X @ w))))

    first = check_gradient(logistic, grad, point(0, 10), rng=0)
    second = check_gradient(logistic, grad, point(1, 10), rng=1)
    assert (first.verdict, second.verdict) == ("passed", "passed")
    assert (first.evaluations, second.evaluations) == (10, 9)
    assert "earlier check" in second.reason

    def f(x):  # a new function: nothing remembered about it yet
        return np.vdot(x, x)

    def g(x):
        return 2 * x

    first = check_gradient(f, g, point(0, 4), rng=0)
    second = check_gradient(f, g, point(1, 4), rng=1)
    # Two complex steps, the guard along their combination (four, and two more to confirm
    # its disagreement one step finer), then central differences along both directions.
    assert (first.evaluations, second.evaluations) == (2 + 4 + 2 + 1 + 8, 9)


# -- 4. strict input handling -----------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: check_gradient(lambda x: x @ x, lambda x: 2 * x, np.array([1.0 + 1j, 2.0])),
            TypeError,
            r"`x` must be real; got complex values",
        ),
        (
            lambda: check_gradient(lambda x: x @ x, lambda x: 2 * x + 5j, np.ones(2)),
            TypeError,
            r"`grad\(x\)` returned complex values",
        ),
        (
            lambda: check_gradient(
                lambda x: (1 + 1j) * (x @ x), lambda x: 2 * x, np.ones(2), method="central"
            ),
            TypeError,
            r"`f` returned a complex value at a real point",
        ),
        (
            lambda: check_gradient(lambda x: 0.0, lambda x: x, np.array(["a", "b"])),
            TypeError,
            r"`x` must be a real array of numbers; got dtype <U1",
        ),
        (
            lambda: check_gradient(lambda x: x @ x, lambda x: 2 * x, np.ones(2), directions=2.5),
            TypeError,
            r"`directions` must be an integer; got 2.5",
        ),
        (
            lambda: check_gradient(lambda x: x @ x, lambda x: 2 * x, np.ones(2), directions=0),
            ValueError,
            r"`directions` must be at least 1",
        ),
        (
            lambda: check_gradient(lambda x: x @ x, lambda x: 2 * x, np.ones(2), rng="abc"),
            TypeError,
            r"`rng` must be a numpy Generator, an integer seed or None; got 'abc'",
        ),
        (
            lambda: check_gradient(lambda x: x @ x, lambda x: 2 * x, np.ones(2), rtol=0.5),
            ValueError,
            r"`rtol` must be in \(0, 1e-06\]",
        ),
        (
            lambda: check_gradient(lambda x: x @ x, lambda x: 2 * x, np.ones(2), rtol="tight"),
            TypeError,
            r"`rtol` must be a real number",
        ),
        (
            lambda: check_gradient(lambda x: x @ x, lambda x: 2 * x, np.ones(2), diagnose="all"),
            ValueError,
            r"`diagnose` must be True, False or 'full'",
        ),
        (
            lambda: check_gradient(lambda x: x @ x, "2x", np.ones(2)),
            TypeError,
            r"`grad` must be callable",
        ),
        (
            lambda: check_gradient(None, lambda x: 2 * x, np.ones(2)),
            TypeError,
            r"`f` must be callable",
        ),
        (
            lambda: check_jacobian(lambda x: x, lambda x: np.eye(2), np.ones((2, 2))),
            ValueError,
            r"`x` must be a vector \(m,\) for a Jacobian check",
        ),
    ],
)
def test_bad_input_names_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_failure_with_a_zero_gradient_emits_no_warning():
    # pytest turns warnings into errors: the diagnosis must not divide by zero.
    for method in METHODS:
        result = check_gradient(lambda x: x @ x, lambda x: np.zeros_like(x), point(), method=method)
        assert result.verdict == "failed"
        assert "zero" in result.hint


def test_a_function_that_warns_for_complex_input_is_checked_in_real_arithmetic():
    def f(x):
        return np.sum(np.asarray(x, dtype=float) ** 2)  # ComplexWarning for complex x

    result = check_gradient(f, lambda x: 2 * x, point())
    assert result.verdict == "passed"
    assert result.method == "central"
    assert "warned for complex input" in result.reason


# -- 5. bounded diagnosis -----------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_failing_check_costs_a_bounded_multiple_of_a_passing_one(method):
    n = 20_000
    a = np.random.default_rng(0).standard_normal(n)

    def f(x):
        return np.sum(np.sin(a * x))

    passing = check_gradient(f, lambda x: a * np.cos(a * x), np.ones(n), method=method, rng=0)
    failing = check_gradient(f, lambda x: -a * np.cos(a * x), np.ones(n), method=method, rng=0)
    assert passing.verdict == "passed"
    assert failing.verdict == "failed"
    assert failing.evaluations <= (1 + DIAGNOSIS_FACTOR) * passing.evaluations
    assert failing.worst or "flat indices" in failing.hint


def test_full_diagnosis_is_opt_in():
    x = point(0, 6)
    result = check_gradient(lambda x: x @ x, lambda x: -2 * x, x, diagnose="full", rng=0)
    np.testing.assert_allclose(result.numerical, 2 * x, rtol=1e-12)
    assert len(result.worst) == 5


# -- 6. verify() cannot be vacuous ----------------------------------------------------------


def test_verify_needs_two_sizes():
    identity = gradref.get("quadratic.grad-x")
    for dims in ((), (3,), (4, 4)):
        with pytest.raises(ValueError, match=r"`dims` must give at least two distinct sizes"):
            verify(identity, dims=dims)
        with pytest.raises(ValueError, match=r"`dims` must give at least two"):
            assert_verified(identity, dims=dims)
    with pytest.raises(ValueError, match=r"`dims` must hold positive integers"):
        verify(identity, dims=(2, 0))
    assert verify(identity, rng=0).sizes == (1, 2, 3, 5, 8)


def test_formula_that_raises_names_the_identity_and_the_exception():
    identity = dataclasses.replace(
        gradref.get("linear.matvec"),
        derivative=lambda A, x: A @ A,  # shapes do not align
    )
    result = verify(identity, rng=0)
    assert result.verdict == "failed"
    assert "a formula raised ValueError" in result.report()
    with pytest.raises(VerificationError, match=r"identity 'linear.matvec' FAILED") as info:
        assert_verified(identity, rng=0)
    assert isinstance(info.value.__cause__, ValueError)


def test_bad_wrt_names_the_identity():
    identity = dataclasses.replace(gradref.get("quadratic.grad-x"), wrt="y")
    with pytest.raises(ValueError, match=r"identity 'quadratic.grad-x': `wrt` is 'y', which is"):
        verify(identity, rng=0)
