"""Exact behaviour that mutation testing (``nox -s mutants``) found unpinned in check.py and
verify.py: report wording, options passed through, the diagnosis's ordering, redraws."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

import gradref
from gradref import (
    DerivativeCheckError,
    assert_gradient,
    assert_jacobian,
    check_gradient,
    check_jacobian,
    verify,
)
from gradref.check import FIFTH_NORM
from gradref.verify import REDRAWS

A = np.array([[2.0, 1.0], [0.0, 3.0]])


def quad(x):
    return x @ A @ x


def grad(x):
    return (A + A.T) @ x


X0 = np.array([1.0, -2.0])


def test_report_words_for_each_verdict_and_method():
    passed = check_gradient(quad, grad, X0, rng=0)
    assert passed.report("q").startswith("gradient check of q passed: max relative error ")
    assert passed.report().startswith("gradient check of derivative passed: ")
    assert ", complex step, 6 function evaluations" in passed.report("q")
    central = check_gradient(quad, grad, X0, method="central", rng=0)
    assert ", central differences, 9 function evaluations" in central.report("q")
    at_zero = check_gradient(quad, grad, np.zeros(2), method="complex", rng=0)
    assert at_zero.report("q").startswith("gradient check of q INCONCLUSIVE: ")
    assert "(no tolerance)" in at_zero.report("q")
    assert "\nreason: `x` is (near) a stationary point" in at_zero.report("q")
    failed = check_gradient(quad, lambda x: -grad(x), X0, rng=0)
    assert failed.report("q").startswith("gradient check of q FAILED: ")
    assert "\nhint: the claimed derivative has the wrong sign" in failed.report("q")
    assert "\nlargest differences found (index: claimed vs numerical):\n  (" in failed.report()


def test_asserting_forms_pass_options_through_and_raise_unless_passed():
    result = assert_gradient(quad, grad, X0, method="central", directions=3, rng=0)
    assert (result.method, result.directions) == ("central", 3)
    with pytest.raises(DerivativeCheckError, match=r"^gradient check of g FAILED"):
        assert_gradient(quad, lambda x: 2 * A @ x, X0, label="g", rng=0)
    M = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0]])
    ok = assert_jacobian(lambda x: np.tanh(M @ x), lambda x: (1 - np.tanh(M @ x) ** 2)[:, None] * M,
                         np.ones(3), method="central", directions=3, rng=0)  # fmt: skip
    assert (ok.kind, ok.method, ok.directions, ok.shape) == ("jacobian", "central", 3, (2, 3))
    with pytest.raises(DerivativeCheckError, match=r"^jacobian check of Jacobian FAILED"):
        assert_jacobian(lambda x: M @ x, lambda x: -M, np.ones(3), rng=0)
    with pytest.raises(DerivativeCheckError, match=r"^jacobian check of J INCONCLUSIVE"):
        assert_jacobian(lambda x: np.array([x @ x, x[0] ** 2]),
                        lambda x: np.array([2 * x, [2 * x[0], 0.0]]), np.zeros(2), label="J")  # fmt: skip


def test_check_jacobian_defaults_and_options():
    M = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0]])
    result = check_jacobian(lambda x: M @ x, lambda x: M, np.ones(3))
    assert (result.directions, result.rtol, result.evaluations) == (2, 1e-10, 6)
    tight = check_jacobian(lambda x: M @ x, lambda x: M, np.ones(3), rtol=1e-12, rng=0)
    assert tight.rtol == 1e-12
    one = check_jacobian(lambda x: M @ x, lambda x: M, np.ones(3), rng=1)
    two = check_jacobian(lambda x: M @ x, lambda x: M, np.ones(3), rng=1)
    assert one.max_rel_error == two.max_rel_error
    wrong = check_jacobian(lambda x: M @ x, lambda x: M + 1, np.ones(3), rng=0, diagnose=False)
    assert wrong.verdict == "failed"
    assert wrong.worst == ()
    assert wrong.evaluations == 6


@pytest.mark.parametrize("method", ["complex", "central"])
def test_full_diagnosis_lists_the_worst_entries_largest_first(method):
    X = np.arange(6.0).reshape(2, 3) / 7 + 0.3
    B = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])

    def f(X):
        return np.sum(B * X)  # gradient B

    claimed = B.copy()
    claimed[1, 2] += 3.0
    claimed[0, 1] -= 2.0
    claimed[1, 0] += 1.0
    result = check_gradient(f, lambda X: claimed, X, method=method, diagnose="full", rng=0)
    assert [index for index, _, _ in result.worst[:3]] == [(1, 2), (0, 1), (1, 0)]
    np.testing.assert_allclose(result.numerical, B, rtol=1e-7)
    _, got, numerical = result.worst[0]
    assert (got, numerical) == pytest.approx((9.0, 6.0), rel=1e-7)


def test_a_callable_that_cannot_be_remembered_is_still_checked():
    class Unhashable:
        __hash__ = None

        def __call__(self, x):
            return float(np.sum(np.logaddexp(0.0, x)))  # refuses complex input

    f = Unhashable()

    def g(x):
        return 1 / (1 + np.exp(-x))

    first = check_gradient(f, g, X0, rng=0)
    second = check_gradient(f, g, X0, rng=0)
    assert (first.verdict, first.evaluations) == ("passed", 10)
    assert second.evaluations == 10  # nothing remembered, nothing broken


# -- verify -------------------------------------------------------------------------------


def test_verify_reports_inconclusive_after_exactly_the_redraws():
    # A sampler that always draws the stationary point x = 0.
    identity = dataclasses.replace(
        gradref.get("quadratic.grad-x"),
        sample=lambda rng, n: {"A": rng.standard_normal((n, n)), "x": np.zeros(n)},
    )
    result = verify(identity, rng=0, dims=(2, 3))
    assert result.verdict == "inconclusive"
    assert [n for n, _ in result.checks] == [2] * (1 + REDRAWS) + [3] * (1 + REDRAWS)
    assert result.report().startswith("identity 'quadratic.grad-x' INCONCLUSIVE numerical ")
    assert result.max_rel_error == 0.0


def test_verify_records_a_sampler_that_raises():
    def broken(rng, n):
        raise RuntimeError("no sample")

    identity = dataclasses.replace(gradref.get("quadratic.grad-x"), sample=broken)
    result = verify(identity, rng=0, dims=(2, 3))
    assert result.verdict == "failed"
    assert result.checks == ((2, "the sampler raised RuntimeError: no sample"),
                             (3, "the sampler raised RuntimeError: no sample"))  # fmt: skip
    assert isinstance(result.error, RuntimeError)
    assert not result.passed


def test_verify_names_the_inputs_when_wrt_is_unknown():
    identity = dataclasses.replace(
        gradref.get("quadratic.grad-x"),
        sample=lambda rng, n: {"A": np.eye(n), "x": np.ones(n)},
        wrt="y",
    )
    with pytest.raises(ValueError, match=r"its inputs \(A, x\)$"):
        verify(identity, rng=0)


def test_verify_rejects_dims_that_are_not_a_tuple_of_sizes():
    identity = gradref.get("quadratic.grad-x")
    with pytest.raises(TypeError, match=r"^`dims` must be a tuple of sizes; got 3$"):
        verify(identity, dims=3)
    with pytest.raises(ValueError, match=r"^`dims` must hold positive integers; got True$"):
        verify(identity, dims=(True, 2))
    with pytest.raises(ValueError, match=r"^`dims` must hold positive integers; got 2.0$"):
        verify(identity, dims=(2.0, 3))
    fixed = gradref.get("elementary.sheet-xyz")
    with pytest.raises(ValueError, match=r"^`dims` must give at least two samples, so that"):
        verify(fixed, dims=(3,))
    assert verify(fixed, rng=0, dims=(3, 3)).passed  # a fixed dimension: two samples suffice


def test_a_wrong_shape_is_a_failure_with_an_infinite_error():
    wrong = dataclasses.replace(gradref.get("linear.matvec"), derivative=lambda A, x: A.T)
    result = verify(wrong, rng=0, dims=(2, 3))
    assert result.verdict == "failed"
    assert result.max_rel_error == float("inf")
    assert "wrong shape" in result.checks[0][1]


def test_an_unconfirmed_complex_step_is_never_trusted_in_automatic_mode():
    # f's values (1e13) swamp central differences, so they cannot confirm the complex step,
    # which is wrong here (vdot conjugates): auto mode must not use it.
    def f(x):
        return 1e13 + np.vdot(x, x)

    result = check_gradient(f, lambda x: np.zeros_like(x), X0, rng=0)
    assert result.method == "central"
    assert result.verdict != "passed"
    assert "could not resolve the directional derivative" in result.reason


def test_report_notes_and_tolerances_are_worded_exactly():
    passed = check_gradient(quad, grad, X0, rng=0)
    # Each direction's tolerance is rtol / (100 sqrt(n)) (n = 2), so that two directions bound
    # the error in norm (issue 18, item 6); the bound is the report's second line.
    assert "(tolerance 7.1e-13)" in passed.report()
    assert "\nin norm: ‖claimed − true‖ ≤ 1.6e-10 ‖claimed‖, except with probability 0.0001" in (
        passed.report()
    )

    def refuses(x):
        return float(np.sum(np.logaddexp(0.0, x)))

    def sig(x):
        return 1 / (1 + np.exp(-x))

    fallback = check_gradient(refuses, sig, X0, rng=0)
    assert fallback.verdict == "passed"
    assert "\nnote: central differences: `f` refused complex input (TypeError: " in (
        fallback.report()
    )
    real_for_complex = check_gradient(lambda x: np.sum(np.abs(x) ** 3),
                                      lambda x: 3 * x * np.abs(x), X0, rng=0)  # fmt: skip
    assert real_for_complex.reason == (
        "central differences: `f` returned a real result for complex input"
    )
    with pytest.raises(DerivativeCheckError, match=r"^gradient check of gradient FAILED: "):
        assert_gradient(quad, lambda x: -grad(x), X0, rng=0)


def test_full_diagnosis_costs_one_complex_step_per_coordinate():
    x = np.linspace(0.5, 1.5, 6)
    result = check_gradient(lambda x: x @ x, lambda x: -2 * x, x, diagnose="full", rng=0)
    assert (result.method, result.evaluations) == ("complex", 6 + 6)
    central = check_gradient(
        lambda x: x @ x, lambda x: -2 * x, x, method="central", diagnose="full", rng=0
    )
    # f(x) once; each failing direction is confirmed one step finer (two evaluations each),
    # and the first also with a step 256 times shorter, over three levels (six).
    assert central.evaluations == 1 + 8 + 2 * 2 + 6 + 4 * 6


def test_verify_refuses_a_float_for_dims():
    with pytest.raises(TypeError, match=r"^`dims` must be a tuple of sizes; got 2.5$"):
        verify(gradref.get("quadratic.grad-x"), dims=2.5)


def test_an_output_that_is_identically_zero_keeps_the_complex_step():
    # A constant zero (a dead ReLU unit, a term that cancels): the complex step and central
    # differences are both exactly zero along the guard's direction, and agree. The check
    # must neither call f non-analytic nor find the agreement unresolved.
    x = np.array([0.3, -1.2, 2.0])
    zero = check_gradient(lambda v: 0.0 * np.sum(v), lambda v: np.zeros(3), x, rng=0)
    assert (zero.method, zero.evaluations) == ("complex", 6), zero.report()
    assert "not analytic" not in zero.reason
    rows = check_jacobian(
        lambda v: np.array([0.0 * np.sum(v), np.sum(v)]),
        lambda v: np.array([np.zeros(3), np.ones(3)]),
        x,
        rng=0,
    )
    assert (rows.verdict, rows.method, rows.evaluations) == ("passed", "complex", 6), rows.report()
    assert rows.reason == ""


def test_the_norm_of_an_integer_vector_does_not_overflow():
    # _norm converts to float before squaring: int64 squares of 3e9 and 4e9 overflow.
    from gradref.check import _norm

    assert _norm(np.array([3_000_000_000, 4_000_000_000])) == 5e9


def test_the_norm_scales_where_squares_overflow_or_underflow():
    from gradref.check import _norm

    assert _norm(np.array([3e200, 4e200])) == pytest.approx(5e200, rel=1e-15)
    assert _norm(np.array([3e-200, -4e-200])) == pytest.approx(5e-200, rel=1e-15)
    assert _norm(np.array([np.inf, 1.0])) == np.inf
    assert _norm(np.zeros(0)) == 0.0
    rows = np.array([[3e200, 4e200], [3e-5, -4e-5], [0.0, 0.0]])
    np.testing.assert_allclose(_norm(rows, axis=1), [5e200, 5e-5, 0.0], rtol=1e-15)
    assert _norm(rows[1:], axis=1).shape == (2,)


def test_full_diagnosis_lists_the_five_largest_differences():
    x = np.linspace(0.5, 1.5, 7)
    result = check_gradient(lambda x: x @ x, lambda x: -2 * x, x, diagnose="full", rng=0)
    assert [index for index, _, _ in result.worst] == [(6,), (5,), (4,), (3,), (2,)]


@pytest.mark.parametrize(
    ("method", "n", "evaluations", "worst", "hint"),
    [
        ("complex", 64, 14, ((21,), 3.1666666666666665), ""),
        ("central", 64, 37, ((21,), 3.1666666666666665), ""),
        ("central", 4096, 41, None, "the largest error lies among flat indices 1364 to 1367"),
    ],
)
def test_bisection_spends_its_budget_and_says_where_it_stopped(method, n, evaluations, worst, hint):
    # One wrong entry (n // 3): bisection costs one evaluation a level with the complex step,
    # two with central differences, plus the located coordinate's estimate (one, or four);
    # at n = 4,096 under central differences the budget ends with four candidates left.
    a = np.linspace(1, 2, n)
    wrong = (np.arange(n) == n // 3) * 0.5
    result = check_gradient(
        lambda x: np.sum(a * x * x), lambda x: 2 * a * x + wrong, np.ones(n), method=method, rng=0
    )
    assert (result.verdict, result.evaluations, result.hint) == ("failed", evaluations, hint)
    if worst is None:
        assert result.worst == ()
    else:
        index, claimed = worst
        assert result.worst[0][:2] == (index, claimed)
        assert result.worst[0][2] == pytest.approx(claimed - 0.5, rel=1e-9)


def test_bisection_lists_a_jacobian_column_entries_largest_first():
    A = np.arange(1.0, 22.0).reshape(7, 3)
    W = A.copy()
    W[:, 1] += [0.3, 0.0, 0.5, 0.1, 0.6, 0.2, 0.4]
    result = check_jacobian(lambda x: A @ x, lambda x: W, np.ones(3), rng=0)
    assert result.verdict == "failed"
    assert [index for index, _, _ in result.worst] == [(4, 1), (2, 1), (6, 1), (0, 1), (5, 1)]
    assert [claimed for _, claimed, _ in result.worst] == pytest.approx(
        [14.6, 8.5, 20.4, 2.3, 17.2]
    )
    assert [numerical for _, _, numerical in result.worst] == pytest.approx([14, 8, 20, 2, 17])
    two = check_jacobian(lambda x: A[:2] @ x, lambda x: W[:2], np.ones(3), rng=0)
    assert [index for index, _, _ in two.worst] == [(0, 1), (1, 1)]


def test_hints_are_exact_for_zero_transposed_and_scaled_claims():
    # Small derivatives (entries below 1): the factor is still found.
    x = np.array([0.1, -0.2, 0.3])
    f = lambda x: 0.05 * x @ x  # noqa: E731
    zero = check_gradient(f, lambda x: np.zeros(3), x, rng=0, diagnose=False)
    assert zero.verdict == "failed"
    scaled = check_gradient(f, lambda x: 0.2 * x, x, rng=0)
    assert scaled.hint.split("; ")[0] == "the claimed derivative is 2 times the numerical one"
    B = np.array([[1.0, 2.0], [0.0, 3.0]])
    transposed = check_jacobian(lambda x: B @ x, lambda x: B.T, np.ones(2), rng=0)
    assert transposed.hint.split("; ")[0] == "the claimed derivative looks transposed"
    nothing = check_gradient(f, lambda x: np.zeros(3), x, rng=0)
    assert nothing.hint.split("; ")[0] == "the claimed derivative is zero"


def test_the_noise_a_shorter_step_found_is_named_relative_to_f():
    # A term that varies far below the step reads as noise of 1e-7 of |f| (the same value at
    # the same point, so not run-to-run): the estimate whose one-sided slopes wandered is
    # marked noisy, and the reason names its noise relative to |f| (_relative_noise).
    def f(x):
        return smooth_8(x) * (1 + 1e-7 * np.sin(1e12 * np.sum(x * np.arange(1, 9))))

    x = np.random.default_rng(5).standard_normal(8)
    result = check_gradient(f, smooth_8_grad, x, method="central", rng=0)
    assert result.verdict == "inconclusive"
    assert result.reason.startswith("f's values carry noise ≈ 6e-07 relative (float32?); ")


SPD_8 = np.random.default_rng(0).standard_normal((8, 8))
SPD_8 = SPD_8 @ SPD_8.T / 8 + np.eye(8)


def smooth_8(x):
    return 0.5 * x @ SPD_8 @ x + np.sum(np.sin(x))


def smooth_8_grad(x):
    return SPD_8 @ x + np.cos(x)


def test_float32_precision_raises_rtol_to_what_the_measured_noise_warrants():
    # A float64 f under precision="float32": its difference tables at the long float32 step
    # read 2e-9 of |f| (its fourth derivative), above FLOAT32_NOISE, and the default rtol
    # rises to a quarter above a tenth of what two directions reach there; the complex step
    # measures nothing and keeps its default, saying nothing.
    x = np.random.default_rng(5).standard_normal(8)
    central = check_gradient(
        smooth_8, smooth_8_grad, x, precision="float32", method="central", rng=0
    )
    assert central.verdict == "passed"
    assert central.rtol == pytest.approx(2.808667246718051e-07, rel=1e-6)
    assert central.reason == (
        "float32: f's values carry noise ≈ 2e-09 relative, which allows rtol 2.8e-07 (asked: 1e-07)"
    )
    auto = check_gradient(smooth_8, smooth_8_grad, x, precision="float32", rng=0)
    assert (auto.method, auto.rtol, auto.reason) == ("complex", 1e-10, "")


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        ([[1.0], [1.0, 2.0]], TypeError, "`x` must be a real array of numbers; got list"),
        (np.array(["a", "b"]), TypeError, "`x` must be a real array of numbers; got dtype <U1"),
        (
            np.array([1j, 2.0]),
            TypeError,
            "`x` must be real; got complex values (derivatives are checked with respect to "
            "real variables)",
        ),
        (np.array([np.nan, 2.0]), ValueError, "`x` must be finite; it contains NaN or infinity"),
    ],
)
def test_a_bad_point_is_refused_with_its_exact_message(x, error, message):
    with pytest.raises(error) as caught:
        check_gradient(lambda x: 0.0, lambda x: x, x)
    assert str(caught.value) == message


def test_a_derivative_of_the_wrong_shape_is_refused_with_its_exact_message():
    with pytest.raises(gradref.check.DerivativeShapeError) as caught:
        check_jacobian(lambda x: x, lambda x: np.ones((2, 3)), np.ones(3))
    assert str(caught.value) == (
        "`jac(x)` must have shape (3, 3) (outputs x inputs); got shape (2, 3)"
    )
    with pytest.raises(gradref.check.DerivativeShapeError) as caught:
        check_gradient(lambda x: x @ x, lambda x: np.ones(2), np.ones(3))
    assert str(caught.value) == "`grad(x)` must have shape (3,) (the shape of `x`); got shape (2,)"


# -- options and the claimed derivative: every refusal with its exact message --------------

RTOL_ABOVE = "a coarser check could pass wrong derivatives"


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"precision": "f16"}, ValueError, "`precision` must be 'float64' or 'float32'; got 'f16'"),
        ({"method": "x"}, ValueError, "`method` must be 'auto', 'complex' or 'central'; got 'x'"),
        ({"directions": 2.0}, TypeError, "`directions` must be an integer; got 2.0"),
        ({"directions": True}, TypeError, "`directions` must be an integer; got True"),
        ({"directions": 0}, ValueError, "`directions` must be at least 1; got 0"),
        ({"rtol": "1e-7"}, TypeError, "`rtol` must be a real number; got '1e-7'"),
        ({"rtol": True}, TypeError, "`rtol` must be a real number; got True"),
        (
            {"rtol": 0.0},
            ValueError,
            f"`rtol` must be in (0, 1e-06] ({RTOL_ABOVE}; precision='float32' allows up to 1e-3)"
            "; got 0.0",
        ),
        (
            {"rtol": 1.01e-6},
            ValueError,
            f"`rtol` must be in (0, 1e-06] ({RTOL_ABOVE}; precision='float32' allows up to 1e-3)"
            "; got 1.01e-06",
        ),
        (
            {"rtol": 1.01e-3, "precision": "float32"},
            ValueError,
            f"`rtol` must be in (0, 0.001] ({RTOL_ABOVE}); got 0.00101",
        ),
        ({"diagnose": "yes"}, ValueError, "`diagnose` must be True, False or 'full'; got 'yes'"),
        ({"diagnose": 2}, ValueError, "`diagnose` must be True, False or 'full'; got 2"),
        (
            {"rng": True},
            TypeError,
            "`rng` must be a numpy Generator, an integer seed or None; got True",
        ),
        (
            {"rng": "a"},
            TypeError,
            "`rng` must be a numpy Generator, an integer seed or None; got 'a'",
        ),
        (  # numpy refuses a negative seed with a ValueError: reported as the others
            {"rng": -1},
            TypeError,
            "`rng` must be a numpy Generator, an integer seed or None; got -1",
        ),
    ],
)
def test_a_bad_option_is_refused_with_its_exact_message(options, error, message):
    # Kills the mutants of _options (nox -s mutants): its messages, and each test's bound.
    with pytest.raises(error) as caught:
        check_gradient(quad, grad, X0, **options)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "options",
    [
        {"directions": 1},
        {"directions": np.int64(3)},
        {"rtol": 1e-6},  # the largest allowed, for float64 ...
        {"rtol": 1e-3, "precision": "float32", "method": "central"},  # ... and float32
        {"rtol": np.float32(1e-7)},
        {"diagnose": False},
        {"diagnose": "full"},
        {"rng": np.int64(5)},
    ],
)
def test_each_option_at_its_bound_is_accepted(options):
    result = check_gradient(quad, grad, X0, **options)
    assert result.verdict == "passed"
    if "directions" in options:
        assert result.directions >= options["directions"]  # more where the bound needs them
    if "rtol" in options:
        assert result.rtol == float(options["rtol"])


def test_a_generator_is_used_as_given_and_a_seed_reproduces():
    generator = np.random.default_rng(7)
    state = generator.bit_generator.state
    check_gradient(quad, grad, X0, rng=generator)
    assert generator.bit_generator.state != state  # the directions were drawn from it
    first = check_gradient(lambda x: x @ x, lambda x: 2.02 * x, np.ones(40) / 7, rng=3)
    again = check_gradient(lambda x: x @ x, lambda x: 2.02 * x, np.ones(40) / 7, rng=3)
    assert first.verdict == "failed"
    assert first == again  # the same directions: the same errors, to the last digit


def quad40(x):
    return x @ x + x[0] * x[1]


def grad40(x):
    g = 2 * x
    g[0] += x[1]
    g[1] += x[0]
    return g


@pytest.mark.parametrize(
    ("kind", "claim", "error", "message"),
    [
        (
            "gradient",
            lambda x: np.array(["a", "b", "c"]),
            TypeError,
            "`grad(x)` must return an array of numbers; got dtype <U1",
        ),
        (
            "gradient",
            lambda x: np.array([None, 1.0, 2.0]),
            TypeError,
            "`grad(x)` must return an array of numbers; got dtype object",
        ),
        (
            "jacobian",
            lambda x: np.eye(3).astype(object),
            TypeError,
            "`jac(x)` must return an array of numbers; got dtype object",
        ),
        (
            "gradient",
            lambda x: grad40(x) + 1e-3j,
            TypeError,
            "`grad(x)` returned complex values; the derivative of a real function of a real "
            "variable is real",
        ),
        (
            "jacobian",
            lambda x: np.eye(3) * (1 + 1j),
            TypeError,
            "`jac(x)` returned complex values; the derivative of a real function of a real "
            "variable is real",
        ),
        (
            "gradient",
            lambda x: np.array([np.nan, 1.0, 2.0]),
            ValueError,
            "`grad(x)` contains NaN or infinity",
        ),
        (
            "jacobian",
            lambda x: np.full((3, 3), np.inf),
            ValueError,
            "`jac(x)` contains NaN or infinity",
        ),
    ],
)
def test_a_bad_claimed_derivative_is_refused_with_its_exact_message(kind, claim, error, message):
    # Kills the mutants of _claimed: its names, its messages and the dtype and value tests.
    x = np.array([0.5, -1.0, 2.0])
    if kind == "gradient":
        f, check = quad40, check_gradient
    else:
        f, check = (lambda x: 2 * x), check_jacobian
    with pytest.raises(error) as caught:
        check(f, claim, x, rng=0)
    assert str(caught.value) == message


def test_a_real_claim_in_complex_or_integer_type_is_taken_as_real():
    x = np.array([0.5, -1.0, 2.0])
    as_complex = check_gradient(quad40, lambda x: grad40(x) + 0j, x, rng=0)
    assert as_complex.verdict == "passed"
    ints = check_jacobian(lambda x: 2 * x, lambda x: 2 * np.eye(3, dtype=int), x, rng=0)
    assert ints.verdict == "passed"


def test_a_derivative_that_overwrites_its_argument_does_not_move_the_point():
    # The claimed derivative gets a copy of x: code that works in place on its input (a
    # common shortcut) must not change the point at which f is then evaluated.
    x = np.array([0.5, -1.0, 2.0])

    def in_place(x):
        g = grad40(x)
        x[:] = 0.0
        return g

    assert check_gradient(quad40, in_place, x.copy(), rng=0).verdict == "passed"

    def jac_in_place(x):
        J = 2 * np.diag(x)
        x *= 10.0
        return J

    assert check_jacobian(lambda x: x**2, jac_in_place, x.copy(), rng=0).verdict == "passed"


# -- _kink: the rule that tells a kink or jump from a smooth f, case by case ----------------


def levels(*rows):
    """``(t, f(x + t u), f(x - t u))`` per level, as one-output arrays (f(x) = 0)."""
    return [(t, np.array([plus]), np.array([minus])) for t, plus, minus in rows]


ZERO = np.zeros(1)


@pytest.mark.parametrize(
    ("rows", "rounding", "slopes"),
    [
        # Gaps (f(x + t u) + f(x - t u)) / t of 1 and then 1/1.5 or 1/12 of it (the bounds of
        # a smooth f's ratio, included): smooth; 1/12.5 of it: not.
        (((1.0, 1.0, 0.0), (0.5, 1 / 3, 0.0)), 0.0, None),
        (((1.0, 1.0, 0.0), (0.5, 1 / 24, 0.0)), 0.0, None),
        (((1.0, 1.0, 0.0), (0.5, 0.04, 0.0)), 0.0, (0.08, 0.0)),
        # Two levels: a gap that stays (a kink), whatever the coarser level's slopes.
        (((1.0, 1.0, 2.0), (0.5, 2.0, -0.5)), 0.0, (4.0, 1.0)),
        # Three levels: kept where the slopes of the two finest agree (the coarsest may not),
        # and where they wander by less than half their difference, not by exactly half.
        (((1.0, 5.0, 2.0), (0.5, 0.5, 1.0), (0.25, 0.25, 0.5)), 0.0, (1.0, -2.0)),
        (((1.0, 2.5, 2.0), (0.5, 1.25, 1.0), (0.25, 0.25, 0.5)), 0.0, None),
        # A gap at the coarse level whose finer gaps lie within rounding and agree: a kink.
        (
            ((1.0, 400 / 2**20, 0.0), (0.5, 4 / 2**20, 0.0), (0.25, 2 / 2**20, 0.0)),
            2**-20,
            (8 / 2**20, 0.0),
        ),
        # Significance against the rounding of f's values (4 r / t per gap, r = 2^-20): a
        # coarse gap beyond 10 times it, or a fine one beyond 20 times, is judged; at exactly
        # those, not.
        (((1.0, 42 / 2**20, 0.0), (0.5, 0.0, 0.0)), 2**-20, (0.0, 0.0)),
        (((1.0, 40 / 2**20, 0.0), (0.5, 0.0, 0.0)), 2**-20, None),
        (((1.0, 0.0, 0.0), (0.5, 41 / 2**20, 0.0)), 2**-20, (82 / 2**20, 0.0)),
        (((1.0, 0.0, 0.0), (0.5, 40 / 2**20, 0.0)), 2**-20, None),
    ],
)
def test_a_kink_is_told_from_a_smooth_f_by_its_gaps(rows, rounding, slopes):
    found = gradref.check._kink(ZERO, levels(*rows), np.array([rounding]))
    if slopes is None:
        assert found is None
    else:
        assert found is not None
        assert (float(found[0][0]), float(found[1][0])) == pytest.approx(slopes, rel=1e-12, abs=0)


def test_a_gap_far_above_the_next_does_not_overflow_its_ratio():
    found = gradref.check._kink(ZERO, levels((1.0, 1e300, 0.0), (0.5, 1e-300, 0.0)), ZERO)
    assert found is not None


def test_a_central_estimate_measures_curvature_and_takes_a_zero_value_quietly():
    fn = gradref.check._Function(lambda x: x @ x, "gradient")
    u = np.array([0.6, 0.8])
    estimate = gradref.check._central_estimate(fn, np.array([1.0, -1.0]), u, 2**-4)
    assert float(estimate.curvature[0]) == pytest.approx(2.0, rel=1e-12)  # d^2 f / du^2
    # Along u, x^3 at 0: D(h) = h^2 and D(h/2) = h^2 / 4 extrapolate to exactly 0, and the
    # truncation estimate (their gap squared over the value) divides by it: no warning,
    # and the gap itself is the error.
    cube = gradref.check._Function(lambda x: x[0] ** 3, "gradient")
    at_zero = gradref.check._central_estimate(cube, np.zeros(1), np.ones(1), 2**-4)
    assert float(at_zero.value[0]) == 0.0
    assert float(at_zero.truncation[0]) == 0.75 * 2**-8


def test_a_first_step_whose_kink_was_noise_keeps_its_estimate_with_the_noise_measured():
    # f computed in float32 (values not float32 numbers: a float64 term is added): at the
    # first step, noise makes the one-sided slopes disagree; the shorter steps find no kink
    # and only more noise. The first estimate is kept, marked noisy, its error estimate
    # widened by the noise its difference table measured, as central differences carry it.
    def f(x):
        return float(np.sum(np.sin(x.astype(np.float32)))) + 1e-3 * x[0]

    rng = np.random.default_rng(0)
    x, u = rng.standard_normal(10), rng.standard_normal(10)
    u /= np.linalg.norm(u)
    fn = gradref.check._Function(f, "gradient")
    center = fn.real(x)
    first = gradref.check._central_estimate(
        gradref.check._Function(f, "gradient"), x, u, 1e-3, center
    )
    assert first.kink is not None
    kept = gradref.check._smooth_central(fn, x, u, 1e-3, center)
    assert (kept.noisy, kept.kink, kept.step) == (True, None, 1e-3)
    noise = np.maximum(first.value_noise, fn.value_rounding * first.magnitude)
    assert kept.value_noise == pytest.approx(noise, rel=1e-12, abs=0)
    assert kept.noise == pytest.approx(first.noise + 3 * noise / 1e-3, rel=1e-12, abs=0)
    assert kept.value == pytest.approx(first.value, rel=1e-12, abs=0)


def test_a_truncation_the_table_cannot_show_still_shortens_the_step():
    # A cubic along u: its fourth difference is zero (the table sees no noise), but D(h) and
    # D(h/2) differ by 0.75 h^2 f''' / 6, far above GUARD_RESOLUTION of the small derivative
    # 3 a^2: the step shrinks by 16, where the extrapolation's error is within it.
    fn = gradref.check._Function(lambda x: x[0] ** 3, "gradient")
    x, u, h = np.array([0.01]), np.ones(1), 1e-3
    center = fn.real(x)
    estimate = gradref.check._smooth_central(fn, x, u, h, center)
    assert estimate.step == h * gradref.check.KINK_SHRINK
    assert float(estimate.value[0]) == pytest.approx(3e-4, rel=1e-9)


def test_a_zero_derivative_with_a_zero_table_keeps_its_step_and_cost():
    # x.x at 0: the estimate is exactly zero, and so are its truncation and its table: nothing
    # asks for a shorter step (four evaluations, not eight).
    fn = gradref.check._Function(lambda x: x @ x, "gradient")
    x = np.zeros(2)
    center = fn.real(x)
    estimate = gradref.check._smooth_central(fn, x, np.array([0.6, 0.8]), 1e-3, center)
    assert (float(estimate.value[0]), estimate.step, fn.calls) == (0.0, 1e-3, 1 + 4)


# -- f as the checker sees it: every refusal and every note, with its exact words -----------


def first_vector_then_shorter():
    calls = []

    def f(x):
        calls.append(1)
        return np.ones(3) if len(calls) == 1 else np.ones(2)

    return f


P3 = np.array([0.5, -1.0, 2.0])


@pytest.mark.parametrize(
    ("check", "error", "message"),
    [
        (lambda: check_gradient(3, grad, X0), TypeError, "`f` must be callable; got int"),
        (lambda: check_gradient(quad, 3, X0), TypeError, "`grad` must be callable; got int"),
        (
            lambda: check_jacobian(quad, None, X0),
            TypeError,
            "`jac` must be callable; got NoneType",
        ),
        (
            lambda: check_gradient(lambda x: x > 0, grad, X0),
            TypeError,
            "`f` must return numbers; got dtype bool",
        ),
        (
            lambda: check_gradient(lambda x: x, lambda x: 2 * x, P3),
            ValueError,
            "`f` must return a scalar for a gradient check; got an array of shape (3,)",
        ),
        (
            lambda: check_gradient(lambda x: np.ones((1, 1)), grad, X0),
            ValueError,
            "`f` must return a scalar for a gradient check; got an array of shape (1, 1)",
        ),
        (
            lambda: check_jacobian(lambda x: 1.0, lambda x: np.eye(3), P3),
            ValueError,
            "`f` must return a vector of shape (n,) for a Jacobian check; got shape ()",
        ),
        (
            lambda: check_jacobian(lambda x: np.ones(0), lambda x: np.eye(3), P3),
            ValueError,
            "`f` must return a vector of shape (n,) for a Jacobian check; got shape (0,)",
        ),
        (
            lambda: check_jacobian(first_vector_then_shorter(), lambda x: np.eye(3), P3),
            ValueError,
            "`f` returned shape (2,) at one point near `x` but (3,) at another",
        ),
        (
            lambda: check_gradient(lambda x: complex(x @ x, 1.0), grad, X0, method="central"),
            TypeError,
            "`f` returned a complex value at a real point; derivatives are checked for "
            "real-valued functions (check the real and imaginary parts separately)",
        ),
    ],
)
def test_a_misused_f_is_refused_with_its_exact_message(check, error, message):
    with pytest.raises(error) as caught:
        check()
    assert str(caught.value) == message


def warns_for_complex(x):
    if np.iscomplexobj(x):
        warnings.warn("careful", RuntimeWarning, stacklevel=1)
    return x @ A @ x


def not_finite_for_complex(x):
    return x @ A @ x + (np.inf * 1j if np.iscomplexobj(x) else 0.0)


@pytest.mark.parametrize(
    ("f", "note"),
    [
        (warns_for_complex, "central differences: `f` warned for complex input (RuntimeWarning)"),
        (
            not_finite_for_complex,
            "central differences: `f` returned a non-finite value for complex input",
        ),
    ],
)
def test_a_complex_step_f_spoils_is_noted_and_central_differences_decide(f, note):
    result = check_gradient(f, grad, X0, rng=0)
    assert (result.verdict, result.method, result.reason) == ("passed", "central", note)


def test_a_complex_zero_imaginary_part_at_a_real_point_is_a_real_value():
    def f(x):
        return x @ A @ x if np.iscomplexobj(x) else complex(x @ A @ x, 0.0)

    assert check_gradient(f, grad, X0, rng=0).verdict == "passed"


def test_an_f_that_stops_accepting_complex_input_is_reported():
    calls = []

    def f(x):
        if np.iscomplexobj(x):
            calls.append(1)
            if len(calls) > 1:
                raise TypeError("no more")
        return x @ A @ x

    with pytest.raises(ValueError, match=r"^`f` stopped") as caught:
        check_gradient(f, grad, X0, rng=0)
    assert str(caught.value) == (
        "`f` stopped accepting complex input between calls: `f` refused complex input "
        "(TypeError: no more)"
    )


# -- the helpers of central differences, each on values known exactly ----------------------


def from_sequence(*values):
    """An f that returns the given values, one call after another."""
    remaining = [np.asarray(v, dtype=float) for v in values]
    return lambda x: remaining.pop(0)


def test_run_to_run_noise_is_measured_per_output_and_only_where_f_x_changes():
    center = np.array([1.0, 2.0])
    same = gradref.check._Function(from_sequence(center), "jacobian")
    gradref.check._measure_jitter(same, X0, center)
    assert (same.calls, same.jitter.tolist()) == (1, [0.0, 0.0])  # one value more: the same
    taken = [[1.5, 2.0], [0.5, 2.25], [1.25, 1.5], [1.0, 2.5], [0.75, 2.0], [1.0, 1.75], [2.0, 2.0]]
    jittery = gradref.check._Function(from_sequence(*taken), "jacobian")
    gradref.check._measure_jitter(jittery, X0, center)
    assert jittery.calls == gradref.check.JITTER_SAMPLES - 1
    expected = np.std([center, *taken], axis=0, ddof=1)  # the sample deviation, per output
    assert jittery.jitter == pytest.approx(expected, rel=1e-12, abs=0)
    lost = gradref.check._Function(from_sequence([np.nan, 2.0]), "jacobian")
    gradref.check._measure_jitter(lost, X0, center)  # a non-finite value again at x: none
    assert (lost.calls, lost.jitter.tolist()) == (1, [0.0, 0.0])


def test_a_rademacher_direction_has_unit_entries_of_both_signs():
    v = gradref.check._rademacher(np.random.default_rng(0), (10, 10))
    assert v.shape == (10, 10)
    assert set(np.unique(v).tolist()) == {-0.1, 0.1}


def test_the_fifth_difference_of_a_quintic_is_its_fifth_derivative_term():
    # f = s^5 + 3 along u at 0, step 1: the six values (k/2)^5 + 3 at k = -2, -1, 0, 1, 2,
    # 1/2 combine to 180 / 32 (the constant cancels), read as noise with the safety factor.
    fn = gradref.check._Function(lambda x: x[0] ** 5 + 3.0, "gradient")
    center = fn.real(np.zeros(1))
    table = gradref.check._central_estimate(fn, np.zeros(1), np.ones(1), 1.0, center)
    read = gradref.check._fifth_difference(fn, np.zeros(1), np.ones(1), table, center)
    expected = gradref.check.NOISE_SAFETY * (180 / 32) / FIFTH_NORM
    assert float(read.value_noise[0]) == pytest.approx(expected, rel=1e-12, abs=0)
    assert fn.calls == 1 + 4 + 1


def test_a_refined_estimate_carries_the_rounding_of_its_shortest_step():
    # x.x along u, whose extrapolations are exact: the refined error is the rounding of f's
    # values at the step h / 4, 3 max(rounding |f|, table) / (2 h / 4), and nothing more.
    fn = gradref.check._Function(lambda x: x @ x + 1.0, "gradient")
    x, u, h = np.array([0.5, 0.25]), np.array([0.6, 0.8]), 2**-4
    estimate = gradref.check._central_estimate(fn, x, u, h, fn.real(x))
    refined = gradref.check._refined(fn, x, u, estimate)
    top = max(float(estimate.magnitude[0]), x @ x + 1.0 + h / 4)
    rounding = 3 * max(fn.value_rounding * top, float(estimate.value_noise[0])) / (2 * h / 4)
    truncation = max(
        float(estimate.truncation[0]), abs(float(refined.value[0] - estimate.value[0]))
    )
    assert float(refined.noise[0]) == pytest.approx(rounding + truncation, rel=1e-9, abs=0)
    assert refined.refined


def test_a_refined_estimate_is_the_finer_extrapolation_with_its_own_error_and_range():
    # 10 - 4 s^2 + e^s along u at 0, step 1: the extrapolation from D(1/2) and D(1/4) is
    # closer to f'(0) = 1 than that from D(1) and D(1/2), and f is largest at the new
    # points, s = 1/4, which the estimate's range now holds.
    def f(x):
        return 10 - 4 * x[0] ** 2 + np.exp(x[0])

    fn = gradref.check._Function(f, "gradient")
    zero, one = np.zeros(1), np.ones(1)
    estimate = gradref.check._central_estimate(fn, zero, one, 1.0, fn.real(zero))
    refined = gradref.check._refined(fn, zero, one, estimate)
    assert abs(float(refined.value[0]) - 1.0) < abs(float(estimate.value[0]) - 1.0) / 10
    assert float(refined.magnitude[0]) == f(np.array([0.25]))
    # s + e sin(2 pi s): D(1) and D(1/2) agree exactly (the sine vanishes at their points),
    # D(1/4) does not; the two extrapolations' disagreement, 16 e / 3, becomes the error.
    e = 1e-3
    wavy = gradref.check._Function(lambda x: x[0] + e * np.sin(2 * np.pi * x[0]), "gradient")
    fooled = gradref.check._central_estimate(wavy, zero, one, 1.0, wavy.real(zero))
    assert float(fooled.truncation[0]) < 1e-12
    seen = gradref.check._refined(wavy, zero, one, fooled)
    assert float(seen.value[0]) == pytest.approx(1 + 16 * e / 3, rel=1e-9)
    assert float(seen.truncation[0]) == pytest.approx(16 * e / 3, rel=1e-9)
    assert float(seen.noise[0]) >= float(seen.truncation[0])


def test_run_to_run_noise_propagates_as_the_estimate_combines_values():
    # NOISE_SAFETY times the deviation, times 3 / h (an estimate from D(h) and D(h/2)) or
    # 6 / h (refined to D(h/4)), the sums of the extrapolation's weights on f's values.
    fn = gradref.check._Function(quad, "gradient")
    estimate = gradref.check._Estimate(np.zeros(1), np.zeros(1), step=0.5)
    assert gradref.check._jitter_noise(fn, estimate) == 0.0  # not measured
    fn.jitter = np.array([2.0])
    assert float(gradref.check._jitter_noise(fn, estimate)[0]) == 3 * 3.0 * 2.0 / 0.5
    refined = dataclasses.replace(estimate, refined=True)
    assert float(gradref.check._jitter_noise(fn, refined)[0]) == 6 * 3.0 * 2.0 / 0.5


def test_the_first_warning_f_gives_at_a_real_point_is_reported_not_raised():
    def f(x):
        warnings.warn("first" if x[0] == X0[0] else "later", RuntimeWarning, stacklevel=1)
        return x @ A @ x

    result = check_gradient(f, grad, X0, method="central", rng=0)
    assert result.verdict == "passed"
    assert result.reason == "`f` warned near `x`: RuntimeWarning: first"


def test_a_gradient_f_may_return_a_one_element_vector():
    result = check_gradient(lambda x: np.array([x @ A @ x]), grad, X0, rng=0)
    assert result.verdict == "passed"


def test_the_rounding_of_f_s_values_follows_their_type_and_their_float32_look():
    C = gradref.check
    x = np.zeros(2)
    single = C._Function(lambda x: np.float32(0.1), "gradient")
    single.real(x)  # one float32 value: its type says float32 rounding
    assert single.value_rounding == 16 * float(np.finfo(np.float32).eps)
    half = C._Function(lambda x: np.float16(0.1), "gradient")
    half.real(x)
    assert half.value_rounding == 16 * float(np.finfo(np.float16).eps)
    for value in (3, 0.1):  # an integer, a float64 that is no float32 number
        plain = C._Function(lambda x, v=value: v, "gradient")
        plain.real(x)
        assert plain.value_rounding == C.VALUE_ROUNDING
    # float64 values that are all float32 numbers: taken as float32 results from the fourth.
    looks = C._Function(lambda x: 0.5, "gradient")
    for seen in range(1, 5):
        looks.real(x)
        expected = C.FLOAT32_ROUNDING if seen >= 4 else C.VALUE_ROUNDING
        assert (looks.values_seen, looks.value_rounding) == (seen, expected)
