"""What ``_run_check`` and the public checks decide, pinned where mutation testing
(``nox -s mutants``, part runs of check.py) found it unpinned: each verdict's reason word for
word, the fields of an early inconclusive result, what is learned about ``f``, and the
evaluations each path costs (issue 18, item 8)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from gradref import check_gradient, check_jacobian

X0 = np.array([1.0, -2.0])


def square(x):
    return x @ x


def twice(x):
    return 2 * x


def conjugated(x):
    """``sum |x_i|^2`` through ``conj``: real on real input, but not complex-analytic."""
    return np.sum(x * np.conj(x))


def real_only(x):
    if np.iscomplexobj(x):
        raise TypeError("real input only")
    return float(np.sum(np.logaddexp(0.0, x)))


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def fields(result):
    return (result.verdict, result.method, result.evaluations, result.directions, result.shape)


# -- refusals and early endings ------------------------------------------------------------


def test_a_jacobian_check_needs_a_vector_x():
    with pytest.raises(
        ValueError,
        match=r"^`x` must be a vector \(m,\) for a Jacobian check; got shape \(2, 2\)$",
    ):
        check_jacobian(lambda x: x.ravel(), lambda x: np.eye(4), np.ones((2, 2)))


def test_a_non_finite_value_near_x_ends_the_check_with_what_f_warned():
    x = np.array([1e-4, 1.0])  # log(x - h) is NaN for the step h = 1e-3

    def log_sum(x):
        return np.sum(np.log(x))

    central = check_gradient(log_sum, lambda x: 1 / x, x, method="central", directions=3, rng=0)
    assert fields(central) == ("inconclusive", "central", 3, 3, (2,))
    assert central.reason == (
        "`f` returned NaN or infinity within 1.0e-03 of `x`: the derivative cannot be checked "
        "there (f warned: RuntimeWarning: invalid value encountered in log)"
    )
    assert (central.kind, central.rtol) == ("gradient", 1e-7)
    assert math.isnan(central.max_rel_error)
    assert math.isnan(central.tolerance)
    # The complex step (log accepts complex input) is taken first, then central differences.
    auto = check_gradient(log_sum, lambda x: 1 / x, x, rtol=1e-6, rng=0)
    assert fields(auto) == ("inconclusive", "central", 4, 2, (2,))
    assert auto.rtol == 1e-6
    # A Jacobian's shape is not known before f's value: none is reported.
    jacobian = check_jacobian(np.log, lambda x: np.diag(1 / x), x, method="central", rng=0)
    assert fields(jacobian) == ("inconclusive", "central", 3, 2, ())
    assert jacobian.kind == "jacobian"
    # Far from the origin the step is relative to x; a silent infinity adds no warning.
    far = np.array([-2000.0, 3000.0])

    def walls(x):
        return np.inf if x[0] > -1999.0 else float(x @ x)

    silent = check_gradient(walls, twice, far, method="central", rng=0)
    assert silent.reason == (
        "`f` returned NaN or infinity within 3.0e+00 of `x`: the derivative cannot be checked there"
    )


# -- the complex step, trusted or not ------------------------------------------------------


def test_a_non_analytic_f_falls_back_to_central_differences_and_is_remembered():
    first = check_gradient(conjugated, twice, X0, rng=0)
    assert fields(first) == ("passed", "central", 17, 2, (2,))
    assert first.reason == (
        "central differences: the complex step disagreed with central differences (f not analytic)"
    )
    again = check_gradient(conjugated, twice, X0, rng=0)
    assert fields(again) == ("passed", "central", 9, 2, (2,))
    assert again.reason == (
        "central differences: the complex step disagreed with central differences (f not "
        "analytic) in an earlier check"
    )
    # method="complex" neither asks the memory nor falls back.
    insisted = check_gradient(conjugated, twice, X0, method="complex", directions=3, rng=0)
    assert fields(insisted) == ("inconclusive", "central", 9, 3, (2,))
    assert insisted.reason == (
        "the complex step disagrees with central differences along the directions compared: "
        "`f` is probably not complex-analytic (abs, conj, vdot, np.real, a Hermitian "
        "factorization...); use method='auto' or 'central'"
    )
    assert (insisted.rtol, math.isnan(insisted.max_rel_error)) == (1e-7, True)
    assert math.isnan(insisted.tolerance)


def test_an_f_that_refuses_complex_input_is_remembered_only_in_automatic_mode():
    def f(x):
        return real_only(x)

    first = check_gradient(f, sigmoid, X0, rng=0)
    assert fields(first) == ("passed", "central", 10, 2, (2,))
    assert (
        first.reason
        == "central differences: `f` refused complex input (TypeError: real input only)"
    )
    again = check_gradient(f, sigmoid, X0, rng=0)
    assert again.evaluations == 9
    assert again.reason == (
        "central differences: `f` refused complex input (TypeError: real input only) in an "
        "earlier check"
    )
    with pytest.raises(
        ValueError,
        match=r"^method='complex' needs `f` to accept complex input and return a complex "
        r"result \(`f` refused complex input \(TypeError: real input only\)\); use "
        r"method='central' for functions such as abs, maximum or comparisons$",
    ):
        check_gradient(f, sigmoid, X0, method="complex", rng=0)
    central = check_gradient(f, sigmoid, X0, method="central", rng=0)
    assert (central.evaluations, central.reason) == (9, "")


def test_a_complex_step_that_central_differences_cannot_resolve():
    def f(x):
        return 1e13 + x @ x  # f's values swamp its variation for central differences

    auto = check_gradient(f, twice, X0, rng=0)
    assert fields(auto) == ("inconclusive", "central", 16, 2, (2,))
    assert auto.reason == (
        "the derivative is lost in f's own rounding at `x` (f's values are much larger than "
        "their variation); the comparison resolves only 1.2e+01 relative (a pass needs "
        "1e-06). Try another point, or method='complex' if f is complex-analytic (central "
        "differences: they could not resolve the directional derivative finely enough to "
        "confirm the complex step (are f's values much larger than their variation?); if f "
        "is complex-analytic, use method='complex')"
    )
    trusted = check_gradient(f, twice, X0, method="complex", rng=0)
    assert fields(trusted) == ("passed", "complex", 6, 2, (2,))
    assert trusted.reason == (
        "central differences could not resolve the directional derivative to confirm the "
        "complex step; trusted because method='complex' was asked"
    )
    central = check_gradient(f, twice, X0, method="central", rng=0)
    assert fields(central) == ("inconclusive", "central", 10, 2, (2,))
    assert central.reason == (
        "the derivative is lost in f's own rounding at `x` (f's values are much larger than "
        "their variation); the comparison resolves only 1.2e+01 relative (a pass needs "
        "1e-06). Try another point, or method='complex' if f is complex-analytic"
    )


# -- inconclusive verdicts, word for word ------------------------------------------------------


def test_a_kink_is_reported_with_its_slopes_step_and_output():
    kinked = check_gradient(lambda x: np.sum(np.abs(x)), np.sign, np.array([0.0, 1.0]), rng=0)
    assert fields(kinked) == ("inconclusive", "central", 47, 2, (2,))
    assert kinked.reason == (
        "f is not differentiable at `x` along a direction compared (one-sided slopes -0.557303 "
        "and -1.29977), or has a kink or jump within 2.4e-07 of `x`: no claim can be checked "
        "there. Try another point (central differences: `f` returned a real result for "
        "complex input)"
    )
    rows = check_jacobian(
        np.abs, lambda x: np.diag(np.sign(x)), np.array([1.0, 0.0]), method="central", rng=0
    )
    assert fields(rows) == ("inconclusive", "central", 46, 2, (2, 2))
    assert rows.reason == (
        "f is not differentiable at `x` along a direction compared (output 1) (one-sided "
        "slopes 0.724368 and -0.724368), or has a kink or jump within 2.4e-07 of `x`: no claim "
        "can be checked there. Try another point"
    )


def test_a_stationary_point_is_reported_as_such():
    result = check_gradient(square, twice, np.zeros(2), method="central", rng=0)
    assert result.verdict == "inconclusive"
    assert result.reason == (
        "`x` is (near) a stationary point: the derivative there is below the rounding of its "
        "own terms, and any formula that also vanishes at `x` would agree. Try another point"
    )


def test_too_few_resolved_directions_are_reported_with_their_bound():
    def f(x):
        return 4e5 + x @ x

    result = check_gradient(f, twice, X0, method="central", rng=0)
    assert fields(result) == ("inconclusive", "central", 9, 2, (2,))
    assert result.reason == (
        "2 directions bound the error only to ‖claimed − true‖ ≤ 2.2e-04 ‖claimed‖ (with "
        "probability 99.99%), and a pass needs 1e-06 (10 rtol): each direction is resolved to "
        "1e-06 of ‖claimed‖ here. Try method='complex' if f is complex-analytic, or a larger "
        "rtol"
    )
    assert result.bound == pytest.approx(2.15e-4, rel=1e-2)


def test_a_small_row_beside_a_large_one_is_reported_with_its_sizes():
    def f(x):
        return np.array([1e12 * np.sum(x**2), 1e-6 * x[0]])

    claimed = np.array([2e12 * X0, [1e-6 * (1 + 1e-5), 0.0]])
    result = check_jacobian(f, lambda x: claimed, X0, rng=0)
    assert fields(result) == ("inconclusive", "complex", 6, 2, (2, 2))
    assert result.reason == (
        "output 1's row (size 1.0e-06) is small beside the largest (4.5e+12), and its claimed "
        "and numerical values differ by 9.9e-06 of its own size: more than its own rounding "
        "explains, but within the rounding of the largest row, which a row computed from "
        "shared terms can carry; a pass needs 1e-06. Check that output on its own, or rescale "
        "it"
    )


class TurnsNonAnalytic:
    """``sum x_i^3``, whose complex values are conjugated after the first complex call."""

    def __init__(self):
        self.complex_calls = 0

    def __call__(self, x):
        value = np.sum(x * x * x)
        if np.iscomplexobj(x):
            self.complex_calls += 1
            if self.complex_calls > 1:
                return np.conj(value)
        return value


def test_a_complex_step_that_disagrees_along_the_directions_added_is_not_trusted():
    # One direction leaves the bound in norm short: a Rademacher and a Gaussian direction are
    # added, and the guard, taken again along their combination, finds f's complex values
    # conjugated there (1 + 4 evaluations first, 2 + 4 + 2 refined for the added ones).
    x = np.array([1.0, -2.0, 0.5])
    for method in ("complex", "auto"):
        result = check_gradient(TurnsNonAnalytic(), lambda x: 3 * x * x, x, method=method,
                                directions=1, rng=0)  # fmt: skip
        assert fields(result) == ("inconclusive", "complex", 13, 1, (3,))
        assert result.reason == (
            "the complex step disagrees with central differences along the directions added to "
            "bound the error in norm: `f` is probably not complex-analytic; use method='central'"
        )
    central = check_gradient(TurnsNonAnalytic(), lambda x: 3 * x * x, x, method="central",
                             directions=1, rng=0)  # fmt: skip
    assert fields(central) == ("passed", "central", 13, 3, (3,))


def test_a_small_row_lost_in_its_own_rounding_is_reported_with_its_resolution():
    def f(x):
        return np.array([1e6 * np.sum(x**2), 1e3 + 1e-6 * x[0]])  # row 1 rides on 1e3

    result = check_jacobian(f, lambda x: np.array([2e6 * x, [1e-6, 0.0]]), X0, method="central",
                            rng=0)  # fmt: skip
    assert fields(result) == ("inconclusive", "central", 9, 2, (2, 2))
    assert result.reason == (
        "output 1's row (size 1.0e-06) is small beside the largest (4.5e+06), and its rounding "
        "resolves it only to 5.3e-03 of its own size; a pass needs 1e-06. Check that output "
        "on its own, or rescale it"
    )
    assert result.tolerance == pytest.approx(5.33e-3, rel=1e-2)


def test_the_rademacher_direction_added_counts_for_nothing_in_the_bound():
    # One Gaussian direction leaves the bound short; a Rademacher and a Gaussian one are
    # added, and only the two Gaussian directions enter the bound in norm (with the Rademacher
    # one it would be 2.7e-11).
    x = np.array([1.0, -2.0, 0.5])
    result = check_gradient(lambda x: np.sum(x**3), lambda x: 3 * x * x, x, method="complex",
                            directions=1, rng=0)  # fmt: skip
    assert fields(result) == ("passed", "complex", 11, 3, (3,))
    assert result.bound == pytest.approx(1.5958e-10, rel=1e-4)
    # Central differences: 15 directions added to the first two (9.6e-7 with the Rademacher one).
    central = check_gradient(lambda x: 2e5 + x @ x, twice, X0, method="central", rng=0)
    assert fields(central) == ("passed", "central", 69, 17, (2,))
    assert central.bound == pytest.approx(9.9387e-7, rel=1e-4)


def test_a_jacobian_check_passes_its_precision_on():
    M = np.array([[1.0, 2.0, 0.0], [0.0, 3.0, 1.0]])

    def f(x):
        return np.sin(M @ x).astype(np.float32)

    def jac(x):
        return np.cos(M @ x)[:, None] * M

    single = check_jacobian(f, jac, np.ones(3), method="central", precision="float32", rng=0)
    assert (single.verdict, single.rtol) == ("passed", 1e-3)
    assert single.reason == (
        "float32: f's values carry noise ≈ 2e-06 relative, which allows rtol 1.0e-03 (asked: 1e-07)"
    )
    # The note on the method follows the one on the tolerance.
    noted = check_jacobian(f, jac, np.ones(3), precision="float32", rng=0)
    assert noted.reason == single.reason + (
        "; central differences: `f` warned for complex input (ComplexWarning)"
    )
    double = check_jacobian(f, jac, np.ones(3), method="central", rng=0)
    assert (double.verdict, double.rtol) == ("inconclusive", 1e-7)
    assert double.reason == (
        "f's values carry noise ≈ 2e-06 relative (float32?); central differences resolve 2e-03 "
        "here, a pass needs 1e-06"
    )


def test_each_inconclusive_reason_ends_with_the_note_on_the_method():
    # abs() makes f real for complex input: central differences decide, and say why.
    real_note = " (central differences: `f` returned a real result for complex input)"
    bound = check_gradient(lambda x: abs(4e5 + x @ x), twice, X0, rng=0)
    assert fields(bound) == ("inconclusive", "central", 10, 2, (2,))
    assert bound.reason == (
        "2 directions bound the error only to ‖claimed − true‖ ≤ 2.2e-04 ‖claimed‖ (with "
        "probability 99.99%), and a pass needs 1e-06 (10 rtol): each direction is resolved to "
        "1e-06 of ‖claimed‖ here. Try method='complex' if f is complex-analytic, or a larger "
        "rtol" + real_note
    )

    def ripple(x):  # f varies on a scale of 1e-7, far below the step
        return abs(1e3 + x @ x + 1e-9 * np.sin(1e7 * (x[0] + 1.3 * x[1])))

    curved = check_gradient(ripple, twice, X0, rng=0)
    assert fields(curved) == ("inconclusive", "central", 25, 2, (2,))
    assert curved.reason == (
        "central differences cannot resolve the derivative finely enough here: f curves too "
        "fast for their step; the comparison resolves only 2.5e-04 relative (a pass needs "
        "1e-06). Try another point, or method='complex' if f is complex-analytic" + real_note
    )

    def rows(x):  # a complex step through abs() is not analytic: it disagrees
        return np.array([abs(1e6 * np.sum(x**2)), 1e3 + 1e-6 * x[0]])

    small = check_jacobian(rows, lambda x: np.array([2e6 * x, [1e-6, 0.0]]), X0, rng=0)
    assert fields(small) == ("inconclusive", "central", 17, 2, (2, 2))
    assert small.reason == (
        "output 1's row (size 1.0e-06) is small beside the largest (4.5e+06), and its rounding "
        "resolves it only to 5.3e-03 of its own size; a pass needs 1e-06. Check that output "
        "on its own, or rescale it (central differences: the complex step disagreed with "
        "central differences (f not analytic))"
    )


class HiddenTerm:
    """``sum x_i^3 + e . x``, whose complex step misses ``e . x`` after the first complex call.

    Records each complex call's direction (the imaginary part, normalized).
    """

    def __init__(self, e):
        self.e, self.complex_calls, self.directions = e, 0, []

    def __call__(self, x):
        value = np.sum(x**3)
        if np.iscomplexobj(x):
            self.complex_calls += 1
            self.directions.append(x.imag / np.linalg.norm(x.imag))
            if self.complex_calls > 1:
                return value + self.e @ x.real
        return value + self.e @ x


def _orthogonal(a, b):
    return a - (a @ b) / (b @ b) * b


@pytest.mark.parametrize("hidden_from", ["gaussian", "other weights"])
def test_the_guard_of_the_directions_added_weighs_them_one_and_one_half(hidden_from):
    # The directions added are a Rademacher one r and a Gaussian one g (same seed, same
    # draws); the complex step errs by -e . u along them. The guard looks along r + g / 2:
    # it sees an error that g alone cannot (e orthogonal to g), and one that r + 1.5 g would
    # cancel (e orthogonal to it).
    x = np.array([1.0, -2.0, 0.5])
    probe = HiddenTerm(np.zeros(3))
    check_gradient(probe, lambda x: 3 * x * x, x, method="complex", directions=1, rng=0)
    _, r, g = probe.directions
    e = _orthogonal(r, g if hidden_from == "gaussian" else r + 1.5 * g)
    e = 3 * e / np.linalg.norm(e)
    result = check_gradient(HiddenTerm(e), lambda x: 3 * x * x + e, x, method="complex",
                            directions=1, rng=0)  # fmt: skip
    assert fields(result) == ("inconclusive", "complex", 13, 1, (3,))
    assert result.reason.startswith(
        "the complex step disagrees with central differences along the directions added"
    )


M3 = np.array([[1.0, 2.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, -1.0]])


class Offset:
    """``5e3 + M x + x^3 / 10``, recording every point: its offset leaves two directions short
    of the bound in norm, so that central differences add two."""

    def __init__(self):
        self.points = []

    def __call__(self, x):
        self.points.append(np.array(x))
        return 5e3 + M3 @ x + 0.1 * x**3


def test_an_error_the_first_directions_cannot_see_fails_along_those_added():
    x = np.array([1.0, -2.0, 0.5])

    def jac(x):
        return M3 + np.diag(0.3 * x**2)

    probe = Offset()
    right = check_jacobian(probe, jac, x, method="central", rng=0)
    assert fields(right) == ("passed", "central", 17, 4, (3, 3))
    first = []  # the first two directions, from the points central differences took
    for p in probe.points:
        if np.any(p != x):
            d = (p - x) / np.linalg.norm(p - x)
            if not any(abs(abs(d @ e) - 1) < 1e-6 for e in first):
                first.append(d)
    w = np.cross(first[0], first[1])
    wrong = check_jacobian(Offset(), lambda x: jac(x) + 1e-3 * np.outer([1.0, 2.0, -1.0], w), x,
                           method="central", rng=0)  # fmt: skip
    assert fields(wrong) == ("failed", "central", 41, 4, (3, 3))
    assert wrong.hint == ""  # a square claim: its transpose was compared along each direction


# -- the diagnosis of a failure ------------------------------------------------------------


def test_a_diagnosis_that_meets_a_non_finite_value_reports_no_entries():
    x = np.array([1.0, -0.5, 0.25])

    def f(x):  # NaN a step's length along the first coordinate, out of the directions' reach
        return np.nan if x[0] > 1 + 0.99e-3 else x @ x

    for diagnose in ("full", True):
        result = check_gradient(f, lambda x: -2 * x, x, method="central", diagnose=diagnose,
                                rng=0)  # fmt: skip
        assert fields(result) == ("failed", "central", 20, 2, (3,))
        assert (result.worst, result.numerical) == ((), None)
        assert result.hint == "the claimed derivative has the wrong sign"


def test_bisection_out_of_budget_joins_its_range_to_the_hint():
    n = 4096
    a = np.linspace(1, 2, n)
    result = check_gradient(lambda x: np.sum(a * x * x), lambda x: -2 * a * x, np.ones(n),
                            method="central", rng=0)  # fmt: skip
    assert fields(result) == ("failed", "central", 41, 2, (n,))
    assert (result.worst, result.numerical) == ((), None)
    assert result.hint == (
        "the claimed derivative has the wrong sign; the largest error lies among flat indices "
        "3444 to 3447"
    )


def test_noise_that_changes_from_call_to_call_is_named_in_the_reason():
    state = np.random.default_rng(5)

    def jittery(x):
        return (x @ x) * (1 + 1e-9 * state.standard_normal())

    result = check_gradient(jittery, twice, X0, method="central", rng=0)
    assert fields(result) == ("inconclusive", "central", 28, 2, (2,))
    assert result.reason == (
        "f's values carry noise ≈ 9e-10 relative (f(x) differs from call to call); central "
        "differences resolve 8e-06 here, a pass needs 1e-06"
    )


def test_a_derivative_lost_in_rounding_under_the_complex_step_suggests_no_method():
    result = check_gradient(lambda x: 1e20 + x @ x, twice, X0, method="complex", rng=0)
    assert fields(result) == ("inconclusive", "complex", 6, 2, (2,))
    assert result.reason == (
        "the derivative is lost in f's own rounding at `x` (f's values are much larger than "
        "their variation); the comparison resolves only 7.1e-13 relative (a pass needs "
        "1e-06). Try another point (central differences could not resolve the directional "
        "derivative to confirm the complex step; trusted because method='complex' was asked)"
    )


class WarnsOnce:
    """``x . x``, real input only, warning at its first call."""

    def __init__(self):
        self.calls = 0

    def __call__(self, x):
        if np.iscomplexobj(x):
            raise TypeError("real input only")
        self.calls += 1
        if self.calls == 1:
            warnings.warn("careful", RuntimeWarning, stacklevel=1)
        return x @ x


def test_what_f_warned_follows_the_note_on_the_method():
    result = check_gradient(WarnsOnce(), twice, X0, rng=0)
    assert fields(result) == ("passed", "central", 10, 2, (2,))
    assert result.reason == (
        "central differences: `f` refused complex input (TypeError: real input only); `f` "
        "warned near `x`: RuntimeWarning: careful"
    )


def test_a_float32_check_keeps_its_step():
    # The float32 step (3e-2 of max(1, |x|)) is never lengthened against rounding: two
    # directions at it leave the bound short here, and two more are added.
    result = check_gradient(lambda x: 1e5 + x @ x, twice, X0, precision="float32",
                            method="central", rng=0)  # fmt: skip
    assert fields(result) == ("passed", "central", 17, 4, (2,))


class HiddenRow:
    """Outputs ``sum x_i^3 + e . x`` and ``sum x_i^2``; the complex step misses ``e . x``.

    Records each complex call's direction.
    """

    def __init__(self, e):
        self.e, self.directions = e, []

    def __call__(self, x):
        if np.iscomplexobj(x):
            self.directions.append(x.imag / np.linalg.norm(x.imag))
            return np.array([np.sum(x**3) + self.e @ x.real, np.sum(x**2)])
        return np.array([np.sum(x**3) + self.e @ x, np.sum(x**2)])


@pytest.mark.parametrize("hidden_from", ["second", "other weights"])
def test_the_first_guard_weighs_the_directions_one_and_one_half(hidden_from):
    # A Jacobian's directions do not lean on the claim: a probe with the same seed records
    # them (d0, d1). The guard looks along d0 + d1 / 2, and sees an error orthogonal to d1,
    # or to d0 + 1.5 d1, which other weights would miss: the complex step is not trusted.
    x = np.array([1.0, -2.0, 0.5])

    def claimed(e):
        return lambda x: np.array([3 * x * x + e, 2 * x])

    probe = HiddenRow(np.zeros(3))
    check_jacobian(probe, claimed(np.zeros(3)), x, rng=0)
    d0, d1 = probe.directions[:2]
    e = _orthogonal(d0, d1 if hidden_from == "second" else d0 + 1.5 * d1)
    e = 3 * e / np.linalg.norm(e)
    result = check_jacobian(HiddenRow(e), claimed(e), x, rng=0)
    assert fields(result) == ("passed", "central", 17, 2, (2, 3))
    assert result.reason == (
        "central differences: the complex step disagreed with central differences (f not analytic)"
    )


class Cubic:
    """``M x + x^3 / 10``, recording the direction of each complex call."""

    def __init__(self):
        self.directions = []

    def __call__(self, x):
        if np.iscomplexobj(x):
            self.directions.append(x.imag / np.linalg.norm(x.imag))
        return M3 @ x + 0.1 * x**3


def test_an_error_the_first_direction_cannot_see_fails_along_complex_steps_added():
    x = np.array([1.0, -2.0, 0.5])

    def jac(x):
        return M3 + np.diag(0.3 * x**2)

    probe = Cubic()
    right = check_jacobian(probe, jac, x, method="complex", directions=1, rng=0)
    assert fields(right) == ("passed", "complex", 11, 3, (3, 3))
    w = np.cross(probe.directions[0], [1.0, 0.0, 0.0])  # orthogonal to the first direction
    wrong = check_jacobian(Cubic(), lambda x: jac(x) + 1e-3 * np.outer([1.0, 2.0, -1.0], w), x,
                           method="complex", directions=1, rng=0)  # fmt: skip
    assert fields(wrong) == ("failed", "complex", 15, 3, (3, 3))
    assert wrong.hint == ""  # a square claim: its transpose was compared along each direction


def test_a_lengthened_first_step_that_f_shortened_is_not_where_the_others_start():
    # f's offset (1e4) lengthens the first step against rounding; its curvature (sin 3x)
    # shortens it again. The other directions start at the usual step, not the longer one
    # (which would cost 37 evaluations).
    x = np.array([0.3, -0.7])
    result = check_gradient(lambda x: 1e4 + np.sum(np.sin(3 * x)), lambda x: 3 * np.cos(3 * x),
                            x, method="central", rng=0)  # fmt: skip
    assert fields(result) == ("passed", "central", 31, 6, (2,))


def test_a_guard_too_coarse_for_fast_curvature_is_taken_again_at_a_shorter_step():
    # sin(30 x) curves fast on the scale of the step: central differences there cannot
    # confirm the complex step (their truncation dominates); a step 16 times shorter does.
    x = np.array([0.3, -0.7])
    result = check_gradient(lambda x: np.sum(np.sin(30 * x)), lambda x: 30 * np.cos(30 * x), x,
                            rng=0)  # fmt: skip
    assert fields(result) == ("passed", "complex", 10, 2, (2,))
    assert result.reason == ""
    # A Jacobian output that is exactly zero has no truncation (and no noise): it does not
    # make the shorter step worth its 4 evaluations when another output is unresolved.
    rows = check_jacobian(lambda x: np.array([1e13 + x @ x, 0.0 * x[0]]),
                          lambda x: np.array([2 * x, [0.0, 0.0]]), X0, rng=0)  # fmt: skip
    assert fields(rows) == ("inconclusive", "central", 16, 2, (2, 2))
