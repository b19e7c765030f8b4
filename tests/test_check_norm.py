"""What a pass means in norm (issue 18, item 6).

Each test here failed on the checker before the norm-wise rule: a gradient wrong by ten
times the tolerance in norm passed (the tolerance was per direction, and an error ``e``
shows along a random direction as about ``||e|| / sqrt(n)``), or a pass stated nothing
about the norm. The full sweep is ``nox -s sweep`` (benchmarks/sweep_checker.py).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradref import check_gradient, check_jacobian
from gradref.check import (
    DEFAULT_RTOL,
    DERIVATIVE_ROUNDING,
    EPS,
    FIFTH,
    FIFTH_NORM,
    MAX_DIRECTIONS,
    NORM_FACTOR,
    NORM_MISS,
    VALUE_ROUNDING,
    _directions_needed,
    _Estimate,
    _first_step,
    _Function,
    _norm_bound,
    _resolution,
)

METHODS = ("complex", "central")


def problem(n, seed, offset=0.0, center=0.0):
    """``sum(d y^2 / 2 + sin(a y))`` at ``y = x - center``, plus a constant (the sweep's)."""
    rng = np.random.default_rng(seed)
    d, a = rng.uniform(0.5, 2.0, n), rng.uniform(0.5, 2.0, n)

    def grad(x):
        y = x - center
        return d * y + a * np.cos(a * y)

    x = center + rng.standard_normal(n)
    constant = offset * np.linalg.norm(grad(x))

    def f(x):
        y = x - center
        return np.sum(0.5 * d * y * y + np.sin(a * y)) + constant

    return f, grad, x, rng


def wrong_by(g, size, rng, kind):
    """``g`` moved by ``size ||g||`` in norm: in one entry, or along a random direction."""
    error = size * np.linalg.norm(g)
    if kind == "entry":
        moved = g.copy()
        moved[rng.integers(g.size)] += error
        return moved
    v = rng.standard_normal(g.size)
    return g + error * v / np.linalg.norm(v)


@pytest.mark.parametrize("method", METHODS)
def test_a_pass_states_its_bound_in_norm(method):
    f, grad, x, rng = problem(50, 0)
    result = check_gradient(f, grad, x, method=method, rng=rng)
    assert result.passed, result.report()
    assert 0 < result.bound <= NORM_FACTOR * result.rtol
    assert f"in norm: ‖claimed − true‖ ≤ {result.bound:.1e} ‖claimed‖" in result.report()
    jacobian = check_jacobian(lambda x: np.array([f(x), np.sum(x)]),
                              lambda x: np.array([grad(x), np.ones_like(x)]), x, rng=rng)  # fmt: skip
    assert jacobian.passed
    assert 0 < jacobian.bound <= NORM_FACTOR * jacobian.rtol


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", ["entry", "random"])
def test_a_gradient_wrong_by_ten_rtol_in_norm_never_passes(method, kind):
    # At n = 1000 a per-direction tolerance saw such an error at a thirtieth of its size:
    # it passed in every seed.
    rtol = DEFAULT_RTOL[method]
    for seed in range(10):
        f, grad, x, rng = problem(1000, seed)
        wrong = wrong_by(grad(x), 10 * rtol, rng, kind)
        result = check_gradient(f, lambda x, w=wrong: w, x, method=method, rng=rng)
        assert result.verdict == "failed", result.report()


def test_a_large_constant_under_central_differences_never_passes_a_wrong_gradient():
    # f offset by 1e5 ||g||: central differences resolve a direction to ~1e-6 of ||g||, and
    # the per-direction tolerance grew to match; a gradient off by 1e-6 in norm passed.
    for seed in range(5):
        f, grad, x, rng = problem(100, seed, offset=1e5)
        wrong = wrong_by(grad(x), 10 * DEFAULT_RTOL["central"], rng, "random")
        result = check_gradient(f, lambda x, w=wrong: w, x, method="central", rng=rng)
        assert result.verdict == "inconclusive", result.report()
        assert result.reason.startswith("2 directions bound the error only to ‖claimed − true‖")
        right = check_gradient(f, grad, x, method="central", rng=rng)
        assert right.verdict == "inconclusive", right.report()
        # The complex step loses nothing to the constant: the right gradient passes.
        assert check_gradient(f, grad, x, method="complex", rng=rng).passed


@pytest.mark.parametrize("seed", [10, 13, 50])
def test_far_from_the_origin_a_right_gradient_never_fails(seed):
    # x ~ 1e6, f varying on a scale of 1: each point rounds to ~1e-10, which moves f by
    # ~1e-10 ||g||; and the first step, 1e3, is far beyond that scale, where D(h) and D(h/2)
    # can agree by chance. Both made false alarms (seeds 10, 13: 8 of 60 seeds at n = 2).
    f, grad, x, rng = problem(2, seed, center=1e6)
    result = check_gradient(f, grad, x, method="central", rng=rng)
    assert result.verdict != "failed", result.report()


def test_far_from_the_origin_the_step_is_not_lengthened():
    # At x ~ 1e6 the rounding of the points, not of f's values, limits central differences,
    # and the step (relative to |x|) is already far beyond the scale on which f varies: a
    # longer one only has more to walk back (61 evaluations instead of 47 for the verdict).
    f, grad, x, _ = problem(10_000, 0, center=1e6)
    result = check_gradient(f, grad, x, method="central", rng=0)
    assert result.verdict != "failed", result.report()
    assert result.evaluations <= 47, result.report()


def test_directions_are_added_until_the_bound_is_met():
    # n = 100,000 under central differences: two directions bound the error only to about
    # 2e-5 (and to more than 1e-6 at the longest step that rounding may ask for); more are
    # drawn, and the pass states a bound within 10 rtol. (At n = 30,000 a step up to 32 times
    # longer now makes two directions enough, as eight times did at n = 10,000.)
    f, grad, x, rng = problem(100_000, 0)
    result = check_gradient(f, grad, x, method="central", rng=rng)
    assert result.passed, result.report()
    assert result.directions > 2
    assert result.bound <= NORM_FACTOR * result.rtol


@given(
    resolutions=st.lists(st.floats(1e-14, 1e-9), min_size=1, max_size=6),
    n=st.sampled_from([2, 100, 10_000]),
    kind=st.sampled_from(["gradient", "jacobian"]),
    wanted=st.floats(1e-9, 1e-5),
)
def test_the_directions_added_are_the_fewest_that_meet_the_bound(resolutions, n, kind, wanted):
    more = _directions_needed(resolutions, kind, n, wanted)
    typical = float(np.median(resolutions))

    def bound(m):
        return _norm_bound(resolutions + [typical] * m, kind, n)

    assert 0 <= more <= MAX_DIRECTIONS - len(resolutions)
    if more:
        assert bound(more) <= wanted
        assert more == 1 or bound(more - 1) > wanted
    else:  # none within MAX_DIRECTIONS would do
        assert all(bound(m) > wanted for m in range(1, MAX_DIRECTIONS - len(resolutions) + 1))


def test_directions_are_added_up_to_the_limit_and_to_the_bound_exactly():
    r, n = 1e-10, 10_000
    for kind in ("gradient", "jacobian"):
        for total in (3, MAX_DIRECTIONS):
            wanted = _norm_bound([r] * total, kind, n)  # met exactly by `total` directions
            assert _directions_needed([r, r], kind, n, wanted) == total - 2
    assert (
        _directions_needed([r, r], "gradient", n, 0.99 * _norm_bound([r] * 16, "gradient", n)) == 0
    )
    assert _directions_needed([math.inf, math.inf], "gradient", n, 1.0) == 0  # nothing resolved


def test_the_bound_follows_from_the_directions():
    # One direction of resolution r in n dimensions: P(|<e, u>| <= r) <= r sqrt(2n/pi)/||e||.
    n, r = 100, 1e-9
    assert _norm_bound([r], "jacobian", n) == pytest.approx(
        r * math.sqrt(2 * n / math.pi) / NORM_MISS
    )
    # Two: the square root of the product over NORM_MISS; the gradient's first direction
    # (leaning on the claim) counts four times.
    two = _norm_bound([r, r], "gradient", n)
    assert two == pytest.approx(r * math.sqrt(2 * n / math.pi) * math.sqrt(4 / NORM_MISS))
    assert _norm_bound([r, r, r], "gradient", n) < two  # more directions, a smaller bound
    assert _norm_bound([r, math.inf], "jacobian", n) == _norm_bound([r], "jacobian", n)
    assert _norm_bound([], "gradient", n) == math.inf
    # Directions resolved to nothing (a constant f's rows, relative to a zero size): the bound
    # is infinite, not an OverflowError (a constant f returning float32 numbers raised one).
    assert _norm_bound([1e305, 1e305], "gradient", 10_000) == math.inf


class Counted:
    """A function with its calls counted (not the checker's own count)."""

    def __init__(self, function):
        self.function, self.calls = function, 0

    def __call__(self, x):
        self.calls += 1
        return self.function(x)


@pytest.mark.parametrize("n", [2, 10, 100, 1000])
def test_the_norm_wise_rule_keeps_the_cost_of_a_passing_check(n):
    # Issue 18, item 9: an analytic f, six evaluations and one gradient; central
    # differences, at most ten when nothing is wrong (nine: four per direction and f(x)).
    f, grad, x, _ = problem(n, 1)
    for method, most in (("auto", 6), ("central", 10)):
        counted_f, counted_grad = Counted(f), Counted(grad)
        result = check_gradient(counted_f, counted_grad, x, method=method, rng=1)
        assert result.passed, result.report()
        assert counted_f.calls == result.evaluations <= most
        assert counted_grad.calls == 1


@pytest.mark.parametrize(("seed", "size"), [(0, 1.0), (1, 1.0), (2, 1e-3)])
def test_a_clean_check_at_ten_thousand_dimensions_keeps_its_cost(seed, size):
    # Issue 18, item 9, at n = 10,000: an analytic f, six evaluations and one gradient;
    # central differences took 13 (two directions at the usual step bounded the error only to
    # ~2e-6, and a third was drawn); a step lengthened against f's rounding makes two enough,
    # whatever the size of f and of its gradient.
    f0, grad0, x, _ = problem(10_000, seed)

    def f(x):
        return size * f0(x)

    def grad(x):
        return size * grad0(x)

    for method, most in (("auto", 6), ("complex", 6), ("central", 10)):
        counted_f, counted_grad = Counted(f), Counted(grad)
        result = check_gradient(counted_f, counted_grad, x, method=method, rng=seed)
        assert result.passed, result.report()
        assert result.bound <= NORM_FACTOR * result.rtol
        assert counted_f.calls == result.evaluations <= most
        assert counted_grad.calls == 1
        # And the longer step still catches a gradient wrong by 10 rtol in norm.
        for kind in ("entry", "random"):
            wrong = wrong_by(grad(x), 10 * result.rtol, np.random.default_rng(seed), kind)
            missed = check_gradient(f, lambda x, w=wrong: w, x, method=method, rng=seed)
            assert missed.verdict == "failed", missed.report()


def test_an_error_in_one_entry_is_caught_along_the_rademacher_direction():
    """The sweep's one wrong gradient that passed (complex step, plain f, n = 1,000, seed 282).

    One entry off by 10 rtol in norm, nearly orthogonal to every Gaussian direction drawn: it
    passed with a bound of 0.98 x 10 rtol. Along the Rademacher direction taken beside the
    directions added, it shows as 10 rtol / sqrt(n), twice the level at which a direction fails.
    """
    n, rtol = 1000, DEFAULT_RTOL["complex"]
    rng = np.random.default_rng([n, 282, 0])  # benchmarks/sweep_checker.py, f "plain"
    d, a = rng.uniform(0.5, 2.0, n), rng.uniform(0.5, 2.0, n)
    x = rng.standard_normal(n)

    def f(x):
        return np.sum(0.5 * d * x * x + np.sin(a * x))

    g = d * x + a * np.cos(a * x)
    claims = {"right": g, "scaled": g * (1 + 10 * rtol)}  # the sweep draws in this order
    entry = g.copy()
    entry[rng.integers(n)] += 10 * rtol * np.linalg.norm(g) * rng.choice([-1.0, 1.0])
    rng.standard_normal(n)  # the sweep's random claim
    for claim in claims.values():
        check_gradient(
            f, lambda x, claim=claim: claim, x, method="complex", rng=rng, diagnose=False
        )
    result = check_gradient(f, lambda x: entry, x, method="complex", rng=rng, diagnose=False)
    assert result.verdict == "failed", result.report()
    assert result.max_rel_error > 1.5 * 5 * rtol / math.sqrt(n)


def test_a_clean_central_check_of_a_logistic_loss_at_large_n_keeps_its_cost():
    """Issue 18, item 9: the logistic loss at n = 10,000 took 17 evaluations under central
    differences (21 with the Rademacher direction that comes with added directions): f is
    some 100 times its gradient's norm, and two directions at a step eight times the usual
    bounded the error only to ~1.5e-6, so more were drawn. A step up to 32 times longer, where
    f's value and the claimed gradient show that rounding needs it, makes two enough: nine
    evaluations (f(x) and four per direction), counted by a wrapped f. Here 400 samples and a
    constant give f about 66 times its gradient's norm (the bench's 10,000 x 10,000 data: 140).
    """
    rng = np.random.default_rng(0)
    n = 10_000
    X = rng.standard_normal((400, n)) / np.sqrt(n)
    y = rng.choice([-1.0, 1.0], 400)

    def loss(w):
        return np.mean(np.logaddexp(0, -y * (X @ w))) + 1.0

    def grad(w):
        return -X.T @ (y / (1 + np.exp(y * (X @ w)))) / len(y)

    w = rng.standard_normal(n)
    counted = Counted(loss)
    result = check_gradient(counted, grad, w, method="central", rng=1)
    assert result.passed, result.report()
    assert result.bound <= NORM_FACTOR * result.rtol
    assert counted.calls == result.evaluations == 9
    wrong = check_gradient(loss, lambda w: grad(w) * (1 + 1e-6), w, method="central", rng=1)
    assert wrong.verdict == "failed", wrong.report()


def test_log_sum_exp_at_a_thousand_dimensions_mostly_keeps_to_ten_evaluations():
    # Issue 18, item 9: central differences at <= 10 evaluations when nothing is wrong. For
    # log-sum-exp at n = 1,000 the first step is lengthened against f's rounding (|f| is 150
    # times |grad f|), and there the first direction's fourth difference shows f's fourth
    # derivative along the claimed gradient, which was read as noise: two directions bounded
    # the error only to ~1.2e-6 and two more were drawn (17 evaluations in 11 seeds of 20;
    # 32 of 50). A fifth difference (one evaluation) reads f's noise without it: 10. Where the
    # Richardson truncation along the gradient keeps two directions from the bound at any
    # step (3 seeds of 20; 9 of 50), more are still drawn. A gradient wrong by 10 rtol in
    # norm still fails at every seed.
    def f(x):
        return np.log(np.sum(np.exp(x)))

    def grad(x):
        e = np.exp(x - np.max(x))
        return e / e.sum()

    costs = []
    for seed in range(20):
        x = np.random.default_rng(seed).standard_normal(1000)
        counted = Counted(f)
        result = check_gradient(counted, grad, x, method="central", rng=seed)
        assert result.passed, result.report()
        assert result.bound <= NORM_FACTOR * result.rtol
        assert counted.calls == result.evaluations
        costs.append(result.evaluations)
        for kind in ("entry", "random"):
            wrong = wrong_by(grad(x), 10 * result.rtol, np.random.default_rng(seed), kind)
            missed = check_gradient(f, lambda x, w=wrong: w, x, method="central", rng=seed)
            assert missed.verdict == "failed", missed.report()
    assert sum(cost <= 10 for cost in costs) >= 17, costs  # 9 before
    # Exactly these (the fifth difference taken where, and only where, it lets two do):
    assert costs == [10, 17, 9, 10, 9, 10, 10, 9, 10, 9, 9, 17, 9, 17, 9, 9, 10, 10, 9, 10]


def test_the_fifth_difference_cancels_quartics_and_reads_noise_at_its_norm():
    # Its six values: f at x + (k h/2) u, k = -2, -1, 0, 1, 2 and 1/2.
    k = np.array([-2.0, -1.0, 0.0, 1.0, 2.0, 0.5])
    for degree in range(5):
        assert np.dot(FIFTH, k**degree) == 0
    assert np.dot(FIFTH, k**5) != 0
    assert math.isclose(FIFTH_NORM, math.sqrt(np.dot(FIFTH, FIFTH)))
    # Noise of deviation s reads as s: the difference's deviation is s FIFTH_NORM.
    values = np.random.default_rng(0).standard_normal((6, 100_000))
    deviation = np.std(np.dot(FIFTH, values)) / FIFTH_NORM
    assert deviation == pytest.approx(1.0, rel=0.01)


def test_the_first_step_is_the_shortest_at_which_rounding_lets_two_directions_do():
    # _first_step's model: a direction at step t resolves 2 (3 VALUE_ROUNDING |f| / (t g) +
    # 3 EPS ||x|| / t) + DERIVATIVE_ROUNDING of the gradient's size g (the rounding of f's
    # values and of the points, in the tolerance and in the estimate), and the step is h
    # times the least power of two at which two such directions bound the error within
    # `wanted`. Here the three terms weigh alike, and `wanted` lies just above the bound at 2h.
    fn, top, g, n, h = _Function(lambda x: 0.0, "gradient"), 1e-4, 1.0, 1000, 1e-3
    size = VALUE_ROUNDING * top / EPS  # the points round as much as f's values

    def resolution(t):
        return 2 * (3 * VALUE_ROUNDING * top / (t * g) + 3 * EPS * size / t) + DERIVATIVE_ROUNDING

    at_2h = _norm_bound([resolution(2 * h)] * 2, "gradient", n)
    assert _first_step(fn, h, np.array([top]), g, size, n, 1.001 * at_2h) == 2 * h
    assert _first_step(fn, h, np.array([top]), g, size, n, 0.999 * at_2h) == 4 * h
    assert _first_step(fn, h, np.array([top]), g, size, n, 1e-12) == h  # none would: h


def test_a_central_estimate_resolves_its_tolerance_and_its_own_error():
    # _resolution: (2 noise + 3 value_noise / t) / g + 6 EPS ||x|| / t + DERIVATIVE_ROUNDING,
    # each term of a like size here (the estimate's error, its table's, the points', the
    # claim's own rounding).
    estimate = _Estimate(np.array([1.0]), np.array([1e-13]), step=1e-3)
    estimate.value_noise = np.array([1e-16])
    expected = (2e-13 + 3e-16 / 1e-3) / 2.0 + 6 * EPS * 0.1 / 1e-3 + DERIVATIVE_ROUNDING
    assert _resolution(estimate, 2.0, 0.1) == pytest.approx(expected, rel=1e-12, abs=0)


def test_the_bound_in_norm_of_one_resolved_direction_and_its_edges():
    c = math.sqrt(2 * 10 / math.pi)  # the density factor at n = 10
    # One direction dominates (the other resolves nothing): c r / NORM_MISS, where the
    # leaning factor (4) applies to a gradient's first direction only.
    assert _norm_bound([1e-9, 1.0], "gradient", 10) == pytest.approx(
        4e-9 * c / NORM_MISS, rel=1e-12
    )
    assert _norm_bound([1e-9, 1.0], "jacobian", 10) == pytest.approx(
        1e-9 * c / NORM_MISS, rel=1e-12
    )
    # A direction that resolves exactly passes only a zero error.
    assert _norm_bound([0.0, 1e-3], "gradient", 10) == 0.0
    # Beyond what a float holds (exp of 709.5): infinite, not 1e308.
    r = NORM_MISS * math.exp(709.5) / c
    assert _norm_bound([r], "jacobian", 10) == math.inf
