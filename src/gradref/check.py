"""Numerical checking of gradients and Jacobians.

This module knows nothing about the catalog: it compares a claimed derivative
with numerical estimates of the function it belongs to.

The comparison is *directional*.  For a few random unit directions ``u`` (for a gradient,
the first leans on the claimed gradient's own direction, where a scaling error shows), the
claimed directional derivative (``<G, u>`` for a gradient, ``J u`` for a
Jacobian, output by output) is compared with a numerical estimate of the same
quantity:

* the complex step ``Im f(x + i h u) / h`` (one evaluation per direction,
  accurate to rounding) when ``f`` is complex-analytic;
* central differences with one Richardson extrapolation,
  ``(4 D(h/2) - D(h)) / 3`` (four evaluations per direction, error O(h^4)).

The complex step is trusted only after it agrees with central differences
along a combination of all the directions, ``sum_k u_k / 2^k`` normalized (the
*analyticity guard*; the complex step is linear in the direction, so its value
there follows from those already taken): code that conjugates,
takes moduli, or calls a routine that discards imaginary parts (LAPACK's
Hermitian Cholesky) returns a complex result that is not the derivative.

Acceptance rule
---------------
For each direction and output, with ``a`` the claimed and ``d`` the numerical
directional derivative, ``s = max(|G|, |a|, |d|)`` (``|G|`` the norm of the
claimed gradient, or of the Jacobian's row) and ``nu`` an estimate of the
rounding and truncation error present in ``a - d``:

* the effective tolerance is ``t = max(rtol / (100 sqrt(n)), nu / s)``: an error ``e`` of
  the claim shows along a random direction as about ``||e|| / sqrt(n)``, so a tolerance
  per direction must shrink with ``n`` for a pass to say something about ``||e||``;
* the check **fails** if ``|a - d| > max(t, f) s`` for some direction, with
  ``f = rtol min(1, 5 / sqrt(n))``: a difference that neither the tolerance nor the rounding
  present explains, and that a claim right to rtol in norm (its own rounding included: a
  saturated unit's ``1 - tanh^2`` carries 1e-11 of the gradient) does not show: at most
  ``rtol s`` along any unit direction, and ``5 rtol s / sqrt(n)`` along a random one except
  with probability 6e-7. A difference between ``t s`` and ``f s`` fails nothing: that
  direction bounds the error only to ``f``;
* it is **inconclusive** if ``t > MAX_TOLERANCE`` for some direction (the
  derivative is lost in rounding: a stationary point, or a function whose
  values are much larger than their variation), or if ``f`` is not finite
  near ``x``;
* otherwise every direction agreed, and the directions bound the error in norm
  (``_norm_bound``): a claim with ``||claimed - true|| > bound ||claimed||`` would have
  passed them with probability at most ``NORM_MISS`` (1e-4). The check **passes** if
  ``bound <= NORM_FACTOR * rtol`` (10 rtol); if not, random directions are added (up to
  ``MAX_DIRECTIONS`` in all) while they can bring it there, and the check is
  **inconclusive** if they cannot, saying how far they bound the error. The first directions
  added bring a Rademacher one (``±1 / sqrt(n)`` entries) beside them, judged like the others
  but counted for nothing in the bound: an error in one entry shows along it at its full
  share, ``||e|| / sqrt(n)`` (see ``_rademacher``).

``nu`` depends on ``f`` only through its values and their variation: adding a
constant to ``f`` leaves the complex step untouched, and multiplying ``f`` by a
positive constant scales ``a``, ``d``, ``s`` and ``nu`` alike.  Central
differences lose the digits that a large constant takes from ``f``'s values:
their rounding term grows with ``|f|``, which can only move a verdict to
*inconclusive*, never to *passed*.

The cost hardly depends on the dimension of ``x``: six evaluations of ``f``
and one of the derivative for an analytic ``f`` (two complex steps and four
real evaluations for the guard) up to ``n`` of about 10,000, beyond which the rounding of
the complex step needs a third direction (and a second guard); nine for central differences
up to ``n`` of about 10,000 (four per direction, and ``f(x)`` once: the one-sided slopes it
gives reveal a kink or a jump, and where they do, the step shrinks; see
``_smooth_central``; beyond ``n`` of about 1,000 the step lengthens, up to 32 times,
against the rounding of f's values: ``_first_step``; one more where the first direction's
fourth difference shows f's fourth derivative at that step: ``_fifth_difference``), and four
per direction added beyond,
or where f's values are noisy. A central estimate is never believed
against the claim (or against the complex step) before it is taken again one step finer,
and, for the first failing direction, 256 times shorter: eight more evaluations, only on
the way to a failure.  A failing
check spends a bounded number of further evaluations (at most
``DIAGNOSIS_FACTOR`` times those of the check) locating the worst coordinate
by bisection; the full per-coordinate comparison is opt-in
(``diagnose="full"``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import numbers
import warnings
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

__all__ = [
    "CheckResult",
    "DerivativeCheckError",
    "DerivativeShapeError",
    "assert_gradient",
    "assert_jacobian",
    "check_gradient",
    "check_jacobian",
]

Method = Literal["auto", "complex", "central"]
Verdict = Literal["passed", "failed", "inconclusive"]

EPS = float(np.finfo(float).eps)
#: Step of the complex-step derivative. No subtraction happens, so it can be tiny.
COMPLEX_STEP = 1e-20
#: Default relative tolerance per method (relative to the size of the derivative).
#: A pass bounds the error in norm by ten times it (see NORM_FACTOR): central differences
#: resolve a direction to about 1e-10 of the derivative, which bounds an error in norm by
#: about 1e-6 with the default two directions.
DEFAULT_RTOL = {"complex": 1e-10, "central": 1e-7}
#: A pass needs every direction resolved at least this finely; coarser is inconclusive.
MAX_TOLERANCE = 1e-6
#: Rounding allowance of a computed derivative: this times the scale of its terms, which is
#: the larger of the derivative's size and its change over the size of ``x``
#: (``|d^2 f / du^2| * |x|``, measured by the central differences).
DERIVATIVE_ROUNDING = 256 * EPS
#: Rounding allowance of each value of ``f``, relative to its magnitude.
VALUE_ROUNDING = 16 * EPS
#: Factor on the noise of ``f``'s values measured from one fourth difference (whose size,
#: for Gaussian noise, falls below a third of its deviation one time in four).
NOISE_SAFETY = 3.0
#: Values of ``f(x)`` taken to measure run-to-run noise (see _measure_jitter).
JITTER_SAMPLES = 8
#: ... only where a failing difference is within this many times the error the estimate
#: ascribes to noise, rounding and truncation (a wrong sign is not noise).
JITTER_REACH = 1000.0
#: The guard trusts the complex step only if central differences resolve the directional
#: derivative to at least this relative precision, and agree with it.
GUARD_RESOLUTION = 1e-6
#: ... and agree with it to this relative tolerance beyond their own error.
GUARD_RTOL = 1e-8
#: A failing check's diagnosis costs at most this many times the evaluations of the check.
DIAGNOSIS_FACTOR = 4
#: Safety factor on the estimate of the truncation left after Richardson extrapolation.
TRUNCATION_SAFETY = 100.0
#: Central-difference step, relative to ``max(1, max |x_i|)``.
CENTRAL_STEP = 1e-3
#: With ``precision="float32"`` (f computes in float32 on purpose): a pass needs every
#: direction resolved to FLOAT32_MAX_TOLERANCE instead of MAX_TOLERANCE, ``rtol`` may be up
#: to it, and the default rises (up to it) to what f's measured noise allows; the central
#: step is FLOAT32_STEP relative to ``max(1, max |x_i|)``, where float32's rounding
#: (~6e-8 of |f|) costs less than the truncation it adds. The tolerances of
#: ``jax.test_util.check_grads`` follow the dtype in the same way (2e-3 for float32 and
#: 1e-5 for float64 gradients: ``default_gradient_tolerance`` in jax/_src/public_test_util.py).
FLOAT32_MAX_TOLERANCE = 1e-3
FLOAT32_STEP = 3e-2
FLOAT32_NOISE = 1e-9
#: Rounding of float32 values, relative to their size (as VALUE_ROUNDING for float64).
FLOAT32_ROUNDING = 16 * float(np.finfo(np.float32).eps)
PRECISIONS = ("float64", "float32")

#: A pass bounds the claim's error in norm: ``||claimed - true|| <= bound ||claimed||`` except
#: with probability at most NORM_MISS, and needs ``bound <= NORM_FACTOR * rtol``; directions
#: are added (up to MAX_DIRECTIONS in all) until it is, or the check is inconclusive.
NORM_FACTOR, NORM_MISS, MAX_DIRECTIONS = 10.0, 1e-4, 16
#: Each direction's tolerance floor is ``DIRECTION_SHARE * rtol / sqrt(n)``: at it, two
#: directions bound the error in norm by 1.6 rtol, and a claim wrong by 10 rtol in norm
#: passes them with probability about 1e-6 (the bound's 1e-4 times (1.6 / 10)^2, or less).
#: A direction fails a claim only beyond ``rtol * min(1, FAIL_SIGMAS / sqrt(n))``, what a claim
#: right to rtol in norm can show along it (see the module's acceptance rule).
DIRECTION_SHARE = 1 / 100
FAIL_SIGMAS = 5.0
#: How much more likely the first direction of a gradient (leaning on the claim) is to miss
#: an error than a uniform random direction, at most.
LEANING_FACTOR = 4.0

# Functions found not to support the complex step (refused complex input, or failed the
# guard), with the reason: the next automatic check of the same function skips the attempt.
_REAL_ONLY: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


class DerivativeCheckError(AssertionError):
    """Raised by :func:`assert_gradient` and :func:`assert_jacobian` unless the check passed."""


class DerivativeShapeError(ValueError):
    """The claimed derivative does not have the shape the conventions require."""


@dataclass(frozen=True)
class CheckResult:
    """Outcome of a derivative check.

    Attributes
    ----------
    verdict : {"passed", "failed", "inconclusive"}
        ``"inconclusive"`` when the point says nothing about the derivative:
        a stationary point, a derivative lost in ``f``'s rounding, non-finite
        values nearby, or a complex step that central differences contradict
        under ``method="complex"``. ``reason`` says which.
    kind : {"gradient", "jacobian"}
    method : {"complex", "central"}
        How the numerical directional derivatives were computed.
    max_rel_error : float
        Largest ``|claimed - numerical| / s`` over directions (and outputs),
        ``s`` being the larger of the claimed derivative's norm (its row's, for
        a Jacobian) and the two directional derivatives.
    tolerance : float
        The largest effective tolerance used per direction,
        ``max(rtol / (100 sqrt(n)), rounding / s)``, or ``rtol min(1, 5 / sqrt(n))`` for a
        direction whose difference lay between the two (no failure; it bounds less); a passing
        check has
        ``max_rel_error <= tolerance <= MAX_TOLERANCE``.
    rtol : float
        The requested relative tolerance, in norm: a pass has ``bound <= 10 rtol``.
    evaluations : int
        Calls of ``f`` made by the check, diagnosis included (the derivative
        is called once).
    directions : int
        Number of random directions compared (more than asked for where they were needed
        to bound the error in norm).
    shape : tuple of int
        Shape of the claimed derivative.
    reason : str
        Why the check is inconclusive, or why central differences were used in
        automatic mode.
    worst : tuple of (index, claimed, numerical)
        Only on failure: entries where the claimed and numerical derivatives
        differ most (located by bisection, or all compared with
        ``diagnose="full"``), largest first.
    hint : str
        Only on failure: a guess at the mistake (transpose, sign, factor).
    numerical : ndarray or None
        The full numerical derivative, with ``diagnose="full"`` only.
    bound : float
        What the directions compared establish in norm: a claim whose error is at least
        ``bound`` relative to the derivative's size (to its largest row, for a Jacobian)
        would have passed them with probability at most ``NORM_MISS`` (1e-4). A pass needs
        ``bound <= NORM_FACTOR * rtol`` (10 rtol); NaN when no direction was compared.
    """

    verdict: Verdict
    kind: str
    method: str
    max_rel_error: float
    tolerance: float
    rtol: float
    evaluations: int
    directions: int
    shape: tuple[int, ...]
    reason: str = ""
    worst: tuple[tuple[tuple[int, ...], float, float], ...] = ()
    hint: str = ""
    numerical: np.ndarray | None = field(default=None, repr=False, compare=False)
    bound: float = math.nan

    @property
    def passed(self) -> bool:
        """Whether the verdict is ``"passed"``."""
        return self.verdict == "passed"

    def __bool__(self) -> bool:
        return self.passed

    def report(self, label: str = "derivative") -> str:
        """A human-readable summary of the check, several lines unless it passed."""
        verdict = {"passed": "passed", "failed": "FAILED", "inconclusive": "INCONCLUSIVE"}
        method = "complex step" if self.method == "complex" else "central differences"
        tolerance = (
            f"tolerance {self.tolerance:.1e}" if math.isfinite(self.tolerance) else "no tolerance"
        )
        lines = [
            f"{self.kind} check of {label} {verdict[self.verdict]}: max relative error "
            f"{self.max_rel_error:.2e} ({tolerance}), "
            f"{self.directions} random directions, {method}, "
            f"{self.evaluations} function evaluations"
        ]
        if self.passed:
            lines.append(
                f"in norm: ‖claimed − true‖ ≤ {self.bound:.1e} ‖claimed‖, except with probability "
                f"{NORM_MISS:g}"
            )
        if self.reason:
            lines.append(f"{'reason' if self.verdict == 'inconclusive' else 'note'}: {self.reason}")
        if self.worst:
            lines.append("largest differences found (index: claimed vs numerical):")
            lines.extend(
                f"  {index}: {claimed:.10g} vs {numerical:.10g}"
                for index, claimed, numerical in self.worst
            )
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)


class _NonFinite(Exception):
    """``f`` returned NaN or infinity at a point near ``x``."""


#: Sums of squares within these bounds give the norm directly: no square overflowed, and the
#: squares that underflowed (entries below 1e-154) weigh at most n 1e-308 beside the sum.
_SQUARES_SAFE = (1e-200, 1e300)


def _norm(v: Any, axis: int | None = None) -> Any:
    """Euclidean norm that neither underflows nor overflows (scaled by the largest entry).

    The sum of squares is taken directly first (a dot product: the checker's norms of
    n-vectors cost a few microseconds each, not tens), and the scaled form only where that
    sum left the range in which it is exact to rounding.
    """
    v = np.asarray(v, dtype=float)
    low, high = _SQUARES_SAFE
    with np.errstate(over="ignore"):  # an overflowed sum takes the scaled form below
        if axis is None:
            flat = v.ravel()
            squares = float(flat @ flat)
            if low < squares < high:
                return math.sqrt(squares)
        elif v.ndim == 2 and axis in (1, -1):
            squares = np.einsum("ij,ij->i", v, v)
            if ((squares > low) & (squares < high)).all():
                return np.sqrt(squares)
    v = np.abs(v)
    if axis is None:
        top = float(np.max(v)) if v.size else 0.0
        if top == 0.0 or not math.isfinite(top):
            return top
        return top * math.sqrt(float(np.sum((v / top) ** 2)))
    top = np.max(v, axis=axis, keepdims=True)
    safe = np.where(top > 0, top, 1.0)
    return np.squeeze(top, axis=axis) * np.sqrt(np.sum((v / safe) ** 2, axis=axis))


def _combine(weights: np.ndarray, arrays: list[np.ndarray]) -> np.ndarray:
    """``sum_k weights[k] arrays[k]`` (what ``np.tensordot(weights, arrays, axes=1)`` gives)."""
    stacked = np.reshape(arrays, (len(weights), -1))
    return (weights @ stacked).reshape(np.shape(arrays[0]))


class _Function:
    """``f`` with its calls counted and its output validated."""

    def __init__(self, f: Callable, kind: str) -> None:
        if not callable(f):
            raise TypeError(f"`f` must be callable; got {type(f).__name__}")
        self.f = f
        self.kind = kind
        self.calls = 0
        self.out_shape: tuple[int, ...] | None = None
        self.warned = ""  # the first warning f emitted at a real point, reported not emitted
        # Rounding of f's values relative to their size: VALUE_ROUNDING, or the same multiple
        # of float32's (float16's) epsilon if f returns values of that type (see value_rounding).
        self.dtype_rounding = VALUE_ROUNDING
        # Real values seen, and whether every one of them is a float32 number.
        self.values_seen = 0
        self.float32_values = True
        # Deviation of f's values from call to call at x, per output, once measured (zero if
        # f(x) taken again was the same): see _measure_jitter.
        self.jitter: np.ndarray | None = None
        # The noise of f's values (absolute, per output, with NOISE_SAFETY) where a difference
        # table found f noisy along some direction: see _table_noise.
        self.table_noise: Any = 0.0
        # Per direction (by identity), the table that read the most noise where rounding
        # could make it (_like_noise): (its largest reading, the direction, the estimate).
        self.loudest: dict[int, tuple[float, np.ndarray, Any]] = {}

    def _validate(self, out: Any) -> np.ndarray:
        out = np.asarray(out)
        if out.dtype.kind not in "iufc":  # np.number's kinds (not bool, object, str ...)
            raise TypeError(f"`f` must return numbers; got dtype {out.dtype}")
        if self.kind == "gradient":
            if out.size != 1 or out.ndim > 1:
                raise ValueError(
                    f"`f` must return a scalar for a gradient check; got an array of shape "
                    f"{out.shape}"
                )
            out = out.reshape(1)
        elif out.ndim != 1 or out.size == 0:
            raise ValueError(
                f"`f` must return a vector of shape (n,) for a Jacobian check; got shape "
                f"{out.shape}"
            )
        if self.out_shape is None:
            self.out_shape = out.shape
        elif out.shape != self.out_shape:
            raise ValueError(
                f"`f` returned shape {out.shape} at one point near `x` but {self.out_shape} "
                "at another"
            )
        return out

    def real(self, point: np.ndarray) -> np.ndarray:
        """``f`` at a real point, as a float vector (one entry per output)."""
        self.calls += 1
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = self._validate(self.f(point))
        if caught and not self.warned:
            self.warned = f"{caught[0].category.__name__}: {caught[0].message}"
        if out.dtype.kind == "c":
            if np.any(out.imag != 0):
                raise TypeError(
                    "`f` returned a complex value at a real point; derivatives are checked for "
                    "real-valued functions (check the real and imaginary parts separately)"
                )
            out = out.real
        if (
            out.dtype != np.float64
            and np.issubdtype(out.dtype, np.floating)
            and (np.finfo(out.dtype).eps > EPS)
        ):
            self.dtype_rounding = max(self.dtype_rounding, 16 * float(np.finfo(out.dtype).eps))
        out = out.astype(float)
        self.values_seen += 1
        if self.float32_values:  # until a value that is not a float32 number (the first, mostly)
            with np.errstate(over="ignore"):
                self.float32_values = bool(np.all(out.astype(np.float32).astype(float) == out))
        if not np.isfinite(out).all():
            raise _NonFinite
        return out

    @property
    def value_rounding(self) -> float:
        """Rounding of f's values relative to their size.

        A function that computes in float32 and returns a Python float (``float(loss32)``)
        carries float32's rounding in float64 values, and its difference table can miss it:
        five values quantized alike give a fourth difference of exactly zero (what Moré &
        Wild's ECnoise reports as "h too small"). Every one of its values is a float32 number,
        which a float64 computation gives at a random point with probability about 2^-29:
        four or more values, all float32 numbers, are taken as float32 results (a value of
        zero is one too; its rounding is zero anyway).
        """
        if self.float32_values and self.values_seen >= 4:
            return max(self.dtype_rounding, FLOAT32_ROUNDING)
        return self.dtype_rounding

    def complex(self, point: np.ndarray) -> tuple[np.ndarray | None, str]:
        """``f`` at a complex point, or ``None`` and the reason it does not apply."""
        self.calls += 1
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                out = self._validate(self.f(point))
            except Exception as exc:  # any refusal of complex input: fall back to real arithmetic
                return None, f"`f` refused complex input ({type(exc).__name__}: {exc})"
        if caught:
            return None, f"`f` warned for complex input ({caught[0].category.__name__})"
        if not np.iscomplexobj(out):
            return None, "`f` returned a real result for complex input"
        if not np.all(np.isfinite(out)):
            return None, "`f` returned a non-finite value for complex input"
        return out, ""


@dataclass
class _Estimate:
    """A numerical directional derivative with its error estimate, per output."""

    value: np.ndarray  # d, one entry per output
    noise: np.ndarray  # rounding and truncation error of d
    curvature: np.ndarray | None = None  # d^2 f / du^2, from central differences
    magnitude: np.ndarray | None = None  # max |f| over the points evaluated
    truncation: np.ndarray | None = None  # the part of ``noise`` due to the step
    fine: np.ndarray | None = None  # D(h/2), kept to refine the estimate
    step: float = 0.0  # h
    refined: bool = False
    # One-sided slopes (f(x + t u) - f(x)) / t and (f(x) - f(x - t u)) / t at the finest step
    # t tried, where they do not converge like those of a differentiable f (a kink or jump).
    kink: tuple[np.ndarray, np.ndarray] | None = None
    value_noise: Any = 0.0  # the noise of f's values measured by the difference table
    noisy: bool = False  # f's values were found noisy along this direction
    # The step was shortened past a kink or jump that the first step straddled (one-sided
    # slopes that disagreed there agree at this step): other directions may start here.
    straddled: bool = False
    # f(x + h u), f(x - h u), f(x + (h/2) u), f(x - (h/2) u): the table's values, kept for
    # the fifth difference (see _fifth_difference).
    sides: tuple[np.ndarray, ...] = ()


def _complex_estimate(fn: _Function, point: np.ndarray, u: np.ndarray) -> _Estimate | str:
    out, why = fn.complex(point + (1j * COMPLEX_STEP) * u)
    if out is None:
        return why
    return _Estimate(out.imag / COMPLEX_STEP, np.zeros(out.shape))


def _central_estimate(
    fn: _Function,
    point: np.ndarray,
    u: np.ndarray,
    h: float,
    center: np.ndarray | None = None,
    finer: bool = False,
) -> _Estimate:
    """Richardson-extrapolated central difference along ``u`` (four evaluations).

    The error estimate adds the rounding of ``f``'s values (``VALUE_ROUNDING * |f|`` each,
    which propagates to ``3 VALUE_ROUNDING max|f| / h``) and the truncation left after
    extrapolation, estimated from the two levels as ``min(|D(h) - D(h/2)|,
    TRUNCATION_SAFETY |D(h) - D(h/2)|^2 / |R|)``: the leading error terms of ``D`` scale
    like ``(h / l)^2`` and those of ``R`` like ``(h / l)^4`` for a function varying on a
    length ``l``, and the safety factor covers functions whose higher derivatives grow
    faster than that. With ``f(x)`` (``center``), it also looks for a kink (:func:`_kink`).
    """
    far = fn.real(point + h * u), fn.real(point - h * u)
    near = fn.real(point + (h / 2) * u), fn.real(point - (h / 2) * u)
    coarse = (far[0] - far[1]) / (2 * h)
    fine = (near[0] - near[1]) / h
    value = (4 * fine - coarse) / 3
    top = np.max(np.abs(np.stack([*far, *near])), axis=0)
    gap = np.abs(coarse - fine)
    with np.errstate(divide="ignore", invalid="ignore"):
        # gap * (gap / |value|): the square of a gap near 1e300 would overflow.
        truncation = np.fmin(gap, TRUNCATION_SAFETY * gap * (gap / np.abs(value)))
    rounding = 3 * fn.value_rounding * top / h
    # (f(x+h) + f(x-h)) - (f(x+h/2) + f(x-h/2)) = (3/4) h^2 f_uu + O(h^4).
    curvature = ((far[0] + far[1]) - (near[0] + near[1])) / (0.75 * h * h)
    estimate = _Estimate(value, rounding + truncation, curvature, top, truncation, fine, h)
    estimate.sides = (*far, *near)
    if center is not None:
        # The noise of f's values as the difference table of the five equally spaced values
        # f(x + k h/2 u), k = -2..2, shows it (Moré & Wild, SIAM J. Sci. Comput. 33 (2011),
        # ECnoise: noise of deviation s gives a fourth difference of deviation sqrt(70) s).
        # A kink or fast curvature inflates it too: it is used only where the one-sided
        # slopes wander like noise (see _smooth_central).
        fourth = (far[0] + far[1]) - 4 * (near[0] + near[1]) + 6 * center
        estimate.value_noise = NOISE_SAFETY * np.abs(fourth) / math.sqrt(70)
        levels = [(h, *far), (h / 2, *near)]
        if finer:  # one level more: a ratio can look smooth by coincidence at one level
            levels.append((h / 4, fn.real(point + (h / 4) * u), fn.real(point - (h / 4) * u)))
        estimate.kink = _kink(center, levels, fn.value_rounding * np.maximum(top, np.abs(center)))
        loudest = float(np.max(estimate.value_noise))
        if (
            loudest > fn.loudest.get(id(u), (0.0,))[0]
            and estimate.kink is None  # a kink's reading is no noise
            and _like_noise(estimate, center)
        ):
            fn.loudest[id(u)] = (loudest, u, estimate)
    return estimate


#: Shortest step tried, relative to the first, when one-sided slopes disagree (a kink).
KINK_SHRINK, KINK_LEVELS = 1 / 16, 3


def _kink(center, levels, rounding_of_values) -> tuple[np.ndarray, np.ndarray] | None:
    """The one-sided slopes at the finest step, if they disagree unlike a differentiable f's.

    ``levels`` holds ``(t, f(x + t u), f(x - t u))`` for steps halving from one to the next.
    For a twice differentiable ``f`` the one-sided slopes differ by ``f_uu t + O(t^3)``: the
    gap halves (or shrinks up to eight times, where ``f_uu`` vanishes) with the step. At a
    kink it stays (their difference is ``a - b``), across a jump it doubles, and across a
    kink or jump within the step of ``x`` it does not shrink like ``t`` at every level.
    Gaps within ten times the rounding of ``f``'s values are not judged.
    """
    gaps = [((plus - center) + (minus - center)) / t for t, plus, minus in levels]
    suspect = np.zeros(np.shape(center), dtype=bool)
    for (t, _, _), coarse, fine in zip(levels, gaps, gaps[1:], strict=False):
        rounding = 4 * rounding_of_values / t
        significant = (np.abs(coarse) > 10 * rounding) | (np.abs(fine) > 20 * rounding)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ratio = coarse / fine
        suspect |= significant & ~((ratio >= 1.5) & (ratio <= 12))
    if not suspect.any():
        return None
    t, plus, minus = levels[-1]
    slopes = (plus - center) / t, (center - minus) / t
    if len(levels) > 2:  # at a kink the one-sided slopes settle; noise makes them wander
        s, plus, minus = levels[-2]
        wander = np.abs((plus - center) / s - slopes[0]) + np.abs((center - minus) / s - slopes[1])
        if not (suspect & (wander < 0.5 * np.abs(slopes[0] - slopes[1]))).any():
            return None
    return slopes


def _smooth_central(
    fn: _Function, point, u, h: float, center: np.ndarray, finer: bool = False
) -> _Estimate:
    """A central estimate along ``u`` whose step does not straddle a kink or jump.

    Where the one-sided slopes disagree unlike a differentiable ``f``'s, or the truncation
    left after extrapolation exceeds ``GUARD_RESOLUTION`` of the estimate, the step shrinks by
    ``1/KINK_SHRINK`` (six evaluations each time: the slopes are compared over three
    levels), at most ``KINK_LEVELS`` times; the last estimate keeps its one-sided slopes if
    they still disagree.
    """

    def table(e: _Estimate) -> np.ndarray:
        # The error the difference table shows: noise of f's values, or (on a step far
        # beyond the scale on which f varies, at x ~ 1e6) f not yet smooth on that step,
        # where D(h) and D(h/2) can agree by chance.
        return 3 * np.maximum(e.value_noise, fn.table_noise) / e.step

    estimate = first = _central_estimate(fn, point, u, h, center, finer)
    for _ in range(KINK_LEVELS):
        coarse = (
            np.any(
                (estimate.truncation > GUARD_RESOLUTION * np.abs(estimate.value))
                & (2 * estimate.truncation > estimate.noise)
            )
            or (table(estimate) > GUARD_RESOLUTION * np.abs(estimate.value)).any()
        )
        if estimate.kink is None and not coarse:
            break
        h *= KINK_SHRINK
        shorter = _central_estimate(fn, point, u, h, center, finer=True)
        if _flat(shorter, center):
            break  # f's values no longer change within the step: it is too short to tell
        if (
            estimate.kink is None
            and shorter.kink is None
            and (shorter.noise + table(shorter)).max() >= (estimate.noise + table(estimate)).max()
        ):
            break  # the step's truncation was not what limited it: noise was
        if (
            estimate.kink is None
            and shorter.kink is None
            and (
                np.abs(shorter.value - estimate.value)
                > estimate.noise + table(estimate) + shorter.noise + table(shorter)
            ).any()
            and _like_noise(estimate, center)
        ):
            # The two steps disagree beyond both their errors, and the longer one's table read
            # a variation of f's values that rounding could make: it read f's noise, not its
            # smoothness, and the shorter one's values fell on one step of a quantized f
            # (float32 arithmetic beside a float64 term), whose slope it measured. The longer
            # step is kept, its table's reading taken as f's noise.
            estimate = _taken_as_noise(fn, estimate, center)
            break
        estimate = shorter
    if (
        first.kink is not None
        and estimate.kink is None
        and estimate.noise.max() > first.noise.max()
    ):
        # The first step's disagreement was noise (float32 arithmetic, jitter): the shorter
        # ones only have more of it. Its error estimate takes the measured noise.
        estimate = _taken_as_noise(fn, first, center)
    elif first.kink is not None and estimate.kink is None and estimate.step < first.step:
        estimate = dataclasses.replace(estimate, straddled=True)
    return estimate


def _taken_as_noise(fn: _Function, estimate: _Estimate, center: np.ndarray) -> _Estimate:
    """``estimate`` with its table's reading taken as f's noise, which its error includes.

    The reading (at least the rounding of f's values) is shared with every estimate where it
    is the size of rounding in ``f(x)`` (:func:`_like_noise`, :func:`_table_noise`).
    """
    noise = np.maximum(estimate.value_noise, fn.value_rounding * estimate.magnitude)
    if _like_noise(estimate, center):
        fn.table_noise = np.maximum(fn.table_noise, noise)
    return dataclasses.replace(
        estimate, kink=None, noise=estimate.noise + 3 * noise / estimate.step, value_noise=noise,
        noisy=True,
    )  # fmt: skip


#: The longest central step, relative to ``CENTRAL_STEP``, that the rounding of f's values
#: can ask for (see _first_step).
MAX_STRETCH = 32


def _measure_jitter(fn: _Function, point: np.ndarray, center: np.ndarray) -> None:
    """Measure the run-to-run noise of ``f`` at ``x``, on the way to a failure only.

    Each difference table measures f's noise from one fourth difference, which one time in
    four reads below a third of it (and now and then far below): a failure of a right
    derivative waits on such a draw, at any step, and most at a shortened one, where noise
    weighs most. ``f(x)`` is taken again (one evaluation); if it changed, f's values differ
    from call to call, and ``JITTER_SAMPLES`` values of ``f(x)`` measure their deviation
    (their sample deviation, which falls below a third of the true one with probability
    about 2e-3, not 1/4), which every central estimate's error model then includes at its own
    steps (:func:`_jitter_noise`).
    """
    try:
        values = [center, fn.real(point)]
        if not np.array_equal(values[1], center):
            values += [fn.real(point) for _ in range(JITTER_SAMPLES - 2)]
    except _NonFinite:
        values = [center]
    if len(values) < JITTER_SAMPLES:
        fn.jitter = np.zeros(np.shape(center))
    else:
        fn.jitter = np.std(values, axis=0, ddof=1)


def _flat(estimate: _Estimate, center: np.ndarray) -> bool:
    """Whether all of the table's values equal ``f(x)``: a step too short to tell anything.

    Moré & Wild's ECnoise reports such a table as "h too small": f's values are quantized on
    a coarser scale (float32 arithmetic summed in float64, say), and the estimate's zero is
    that quantization, not f's derivative along ``u``.
    """
    return all(np.array_equal(side, center) for side in estimate.sides)


#: The largest variation of f's values, relative to their size, that a difference table
#: reads as noise another direction shares (float32 arithmetic: ~1e-7; see _like_noise).
NOISE_CEILING = 1e-6


def _like_noise(estimate: _Estimate, center: np.ndarray) -> bool:
    """Whether the table's reading is the size of rounding in ``f(x)``, not of f's shape.

    Noise of computed values is rounding, relative to their size (float32 arithmetic leaves
    ~1e-7 of them); a step far beyond the scale on which f varies (x ~ 1e6, f varying on a
    scale of 1) reads f's own variation there, a sizeable part of f(x) (not of the values
    far out, which a quadratic makes a million times larger), and says nothing of f's
    values near x along other directions.
    """
    reading = np.asarray(estimate.value_noise)
    return bool(np.all(reading <= NOISE_CEILING * np.abs(center)))


def _table_noise(fn: _Function, estimate: _Estimate, shared: Any = None) -> Any:
    """The noise of f's values that a difference table found along another direction, as
    ``estimate`` propagates it beyond its own table's reading.

    Noise is f's, not a direction's: a table whose five values fall on one step of a
    quantized f (float32 arithmetic added to a float64 term, so that its values are not
    float32 numbers) reads zero, and a short step then measures the staircase's slope, not
    f's. Where one direction found f noisy (:func:`_smooth_central`), every estimate's error
    takes that noise at its own step: 3 / h, or 6 / h refined (as :func:`_jitter_noise`).
    ``shared``, if given, stands for f's shared noise (what a reading would spare).
    """
    if estimate.step <= 0:
        return 0.0
    spread = 6.0 if estimate.refined else 3.0
    own = np.asarray(estimate.value_noise)
    noise = fn.table_noise if shared is None else shared
    return spread * np.maximum(noise - own, 0.0) / estimate.step


def _loudest_elsewhere(fn: _Function, u: np.ndarray) -> tuple[float, np.ndarray, Any] | None:
    """The table that read the most noise along a direction other than ``u``, if any.

    Not along ``u`` itself: there a longer step's reading was already weighed against the
    shorter steps' (:func:`_smooth_central`), and a kink within the longer step, which
    reads like noise in its table, is what made the step shorter.
    """
    others = [entry for key, entry in fn.loudest.items() if key != id(u)]
    return max(others, key=lambda entry: entry[0]) if others else None


#: Values in each of the two ECnoise tables of _shared_noise (Moré & Wild's default), and
#: the ratio of their spacings (not a simple fraction: see _shared_noise).
ECNOISE_POINTS, ECNOISE_FINER = 9, 3.7


def _ecnoise(values: np.ndarray) -> np.ndarray:
    """f's noise from equally spaced values (rows), per output, by Moré & Wild's ECnoise.

    ``sigma_k = sqrt(gamma_k mean((Delta^k f)^2))``, ``gamma_k = (k!)^2 / (2k)!``, for
    orders k = 1 … 6: noise of deviation σ gives σ at every order, a smooth f a level that
    falls fast with k. The noise is the first level whose next two agree with it within a
    factor of 4, where the differences of that order change sign; zero where there is none,
    or where half of the first differences are exactly zero (ECnoise's "h too small").
    SIAM J. Sci. Comput. 33 (2011), Algorithm ECnoise.
    """
    table = np.asarray(values, dtype=float)
    levels, signs, gamma = [], [], 1.0
    with np.errstate(over="ignore", invalid="ignore"):  # values near 1e300: no level
        for k in range(1, 7):
            table = np.diff(table, axis=0)
            if k == 1:
                flat = np.sum(table == 0, axis=0) >= len(values) / 2
            gamma *= 0.5 * k / (2 * k - 1)
            levels.append(np.sqrt(gamma * np.mean(table * table, axis=0)))
            signs.append((np.min(table, axis=0) < 0) & (np.max(table, axis=0) > 0))
        noise = np.zeros(table.shape[1:])
        found = flat | ~np.isfinite(levels[-1])
        for k in range(4):
            trio = np.stack(levels[k : k + 3])
            agree = (np.max(trio, axis=0) <= 4 * np.min(trio, axis=0)) & signs[k] & ~found
            noise = np.where(agree, levels[k], noise)
            found |= agree
    return noise


def _shared_noise(
    fn: _Function,
    point: np.ndarray,
    center: np.ndarray,
    step: float,
    generator: np.random.Generator,
) -> bool:
    """Measure f's noise at ``x`` along a fresh direction, on the way to a failure.

    A direction whose table read little (its values fell on one step of a quantized f), or
    that has no table (a direction added later), does not know f's noise that another table
    read; and one fourth difference can read noise far too low. Such a reading may be noise,
    which is f's and holds along every direction, or a kink within that table's step, which
    does not. Two ECnoise tables of nine values along a fresh random direction, spaced by
    the step and by ``1 / ECNOISE_FINER`` of it (sixteen evaluations), tell them apart: noise
    reads alike at both spacings; a kink within them reads like noise too (Delta^k of |t|
    has a level near a quarter of the spacing at every order) but ``ECNOISE_FINER`` times
    smaller at the finer spacing, and a smooth f reads nothing. Where the finer table finds
    noise that the coarser finds within a factor of two (or not at all, see below), three
    times the smaller reading (the safety factor of the difference tables) is shared with
    every estimate (:func:`_table_noise`), unless it is more than ``NOISE_CEILING`` of
    ``|f(x)|``: f's shape, not its rounding. Returns whether the shared noise grew.
    """
    v = generator.standard_normal(point.shape)
    v = v / _norm(v)
    offsets = np.arange(ECNOISE_POINTS) - ECNOISE_POINTS // 2
    readings = []
    try:
        for spacing in (step, step / ECNOISE_FINER):
            values = [center if k == 0 else fn.real(point + (k * spacing) * v) for k in offsets]
            readings.append(_ecnoise(np.stack(values)))
    except _NonFinite:
        return False
    coarse, fine = readings
    # Quantized values make a sawtooth, not random noise: at a spacing over which f moves by
    # nearly a whole number of quanta, nine values can lie exactly on a line and read
    # nothing. A kink within the finer table lies within the coarser one too, and reads there
    # about 3.7 times more; so where the finer table reads noise that the coarser reads
    # within a factor of two, or not at all, it is noise.
    noisy = (fine > 0) & (coarse <= 2 * fine)
    found = np.where(
        noisy, NOISE_SAFETY * np.where(coarse > 0, np.minimum(coarse, fine), fine), 0.0
    )
    if np.any(found > NOISE_CEILING * np.abs(center)):  # f's shape, not its rounding
        return False
    shared = np.maximum(fn.table_noise, found)
    grew = bool(np.any(shared > fn.table_noise))
    fn.table_noise = shared
    return grew


def _jitter_noise(fn: _Function, estimate: _Estimate) -> Any:
    """The measured run-to-run noise of f, as a central estimate propagates it at its steps.

    ``NOISE_SAFETY`` times the deviation, times 3 / h (the extrapolation from ``D(h)`` and
    ``D(h/2)``, as for rounding), or 6 / h for an estimate refined to ``D(h/4)``.
    """
    if fn.jitter is None or estimate.step <= 0:
        return 0.0
    spread = 6.0 if estimate.refined else 3.0
    return spread * NOISE_SAFETY * fn.jitter / estimate.step


def _first_step(
    fn: _Function, h: float, center: np.ndarray, g: float, size: float, n: int, wanted: float
) -> float:
    """The first central step: ``h``, or up to ``MAX_STRETCH`` times it where rounding needs.

    A central estimate at step ``t`` carries the rounding of f's values,
    ``3 VALUE_ROUNDING |f| / t`` (and that of the points, ``3 EPS ||x|| ||g|| / t``), twice in
    what a pass establishes along its direction (the tolerance, and the estimate's own
    error). Where f's value and the claimed gradient ``g`` (known before any difference is
    taken) show that two directions at ``h`` could not bound the error within ``wanted``
    (10 rtol), while two at a step at most ``MAX_STRETCH`` times longer could, the
    step doubles until they can: a longer step trades rounding, which falls like ``1 / t``, for
    truncation, which grows like ``t^4`` after extrapolation (Moré & Wild, "Estimating
    derivatives of noisy simulations", ACM TOMS 38 (2012), choose the step from the two).
    The estimate then measures its own truncation and looks for a kink, and shortens the step
    where it finds either (:func:`_smooth_central`). Otherwise the step stays ``h``: a noisier
    f needs more directions or is inconclusive, and says so; and where the rounding of the
    points outweighs that of f's values, the step stays ``h`` too (see below).
    """
    top = float(np.max(np.abs(center)))
    if g <= 0 or not math.isfinite(top) or fn.value_rounding * top < EPS * size * g:
        # The rounding of the points, not of f's values, limits the step: x lies far from
        # the origin, where the step (relative to |x|) is already long beside the scale on
        # which f varies.
        return h

    def resolution(t: float) -> float:
        rounding = 3 * fn.value_rounding * top / (t * g) + 3 * EPS * size / t
        return 2 * rounding + DERIVATIVE_ROUNDING

    stretch = 1
    while _norm_bound([resolution(stretch * h)] * 2, "gradient", n) > wanted:
        if stretch >= MAX_STRETCH:
            return h
        stretch *= 2
    return stretch * h


def _resolution(estimate: _Estimate, g: float, size: float) -> float:
    """What a central estimate resolves along its direction relative to the gradient's size
    ``g``, as the acceptance rule takes it into the bound in norm (``_first_step``'s model):
    its tolerance (the estimate's error and its table's noise) and the estimate's error."""
    error = 2 * estimate.noise + 3 * np.asarray(estimate.value_noise) / estimate.step
    return float(np.max(error)) / g + 6 * EPS * size / estimate.step + DERIVATIVE_ROUNDING


#: The combination of f(x - h u), f(x - (h/2) u), f(x), f(x + (h/2) u), f(x + h u) and
#: f(x + (h/4) u) that cancels every polynomial of degree four or less (the one such
#: combination of these six values), times 128, and the root of its sum of squares.
FIFTH = (-3.0, 20.0, -90.0, -60.0, 5.0, 128.0)
FIFTH_NORM = math.sqrt(sum(c * c for c in FIFTH))


def _fifth_difference(
    fn: _Function, point: np.ndarray, u: np.ndarray, estimate: _Estimate, center: np.ndarray
) -> _Estimate:
    """The estimate with f's noise read from a fifth difference (one evaluation more).

    The fourth difference of the table (``_central_estimate``) reads f's fourth derivative as
    noise, ``f_uuuu (h/2)^4``, whose share of the error grows like ``h^3``: at a step
    lengthened against rounding, along a direction leaning on the claimed gradient
    (log-sum-exp at n = 1,000), it alone can keep two directions from bounding the error. With
    ``f(x + (h/4) u)``, the six values give a difference that cancels polynomials of degree
    four (a higher difference of Moré & Wild's ECnoise table, on unequal spacing): noise of
    deviation ``s`` shows in it with deviation ``s FIFTH_NORM``, as in the fourth with
    ``s sqrt(70)``, and a smooth f only through its fifth derivative, a further factor of
    about ``h / 2`` smaller. Its reading replaces the fourth difference's, with the same
    safety factor; the point lies within the step already taken.
    """
    plus, minus, half_plus, half_minus = estimate.sides
    quarter = fn.real(point + (estimate.step / 4) * u)
    values = (minus, half_minus, center, half_plus, plus, quarter)
    fifth = sum(c * v for c, v in zip(FIFTH, values, strict=True))
    return dataclasses.replace(estimate, value_noise=NOISE_SAFETY * np.abs(fifth) / FIFTH_NORM)


def _refined(fn: _Function, point: np.ndarray, u: np.ndarray, estimate: _Estimate) -> _Estimate:
    """A central estimate taken again one level finer (two more evaluations).

    Richardson's own error estimate fails where ``f`` is not yet in its asymptotic regime at
    the step ``h`` (it oscillates on that scale): ``D(h)`` and ``D(h/2)`` may then agree by
    chance. Before a central estimate is allowed to fail a derivative (or to call ``f``
    non-analytic), it is extrapolated again from ``D(h/2)`` and ``D(h/4)``, and the
    disagreement of the two extrapolations joins the error estimate.
    """
    h = estimate.step / 4
    plus, minus = fn.real(point + h * u), fn.real(point - h * u)
    finest = (plus - minus) / (2 * h)
    value = (4 * finest - estimate.fine) / 3
    top = np.maximum(estimate.magnitude, np.maximum(np.abs(plus), np.abs(minus)))
    rounding = 3 * np.maximum(fn.value_rounding * top, estimate.value_noise) / (2 * h)
    # Conservative: the finer extrapolation is trusted no more than the coarser one was, and
    # no more than the two agree.
    truncation = np.maximum(estimate.truncation, np.abs(value - estimate.value))
    return dataclasses.replace(
        estimate, value=value, noise=rounding + truncation, truncation=truncation,
        magnitude=top, refined=True,
    )  # fmt: skip


def _toward(u: np.ndarray, claimed: np.ndarray) -> np.ndarray:
    """The unit direction ``u + s g``, ``g`` the claimed gradient's direction, ``s = ±1``.

    Along a random direction alone, an error parallel to the gradient (a claim scaled by
    ``1 + e``) shows as ``e <g, u>``, which is small when ``u`` is nearly orthogonal to the
    gradient (likely in many dimensions, and it happened in 4). Leaning the direction on the
    claim, with the sign ``s`` of ``<u, g>`` so that the two never cancel, shows it at
    ``e cos`` with ``cos >= 1/sqrt(2)``, at no extra evaluation; the direction stays random
    (any other error still shows with at most a few times the probability of missing it).
    """
    size = _norm(claimed)
    if size == 0:
        return u
    g = claimed / size
    v = u + math.copysign(1.0, float(np.sum(u * g))) * g
    return v / _norm(v)


def _as_point(x: Any) -> np.ndarray:
    try:
        point = np.asarray(x)
    except Exception as exc:
        raise TypeError(f"`x` must be a real array of numbers; got {type(x).__name__}") from exc
    if point.dtype == object or not np.issubdtype(point.dtype, np.number):
        raise TypeError(f"`x` must be a real array of numbers; got dtype {point.dtype}")
    if np.iscomplexobj(point):
        raise TypeError(
            "`x` must be real; got complex values (derivatives are checked with respect to "
            "real variables)"
        )
    point = point.astype(float)
    if point.ndim not in (1, 2) or point.size == 0:
        raise ValueError(
            f"`x` must be a non-empty vector (n,) or matrix (m, n); got shape {point.shape}"
        )
    if not np.all(np.isfinite(point)):
        raise ValueError("`x` must be finite; it contains NaN or infinity")
    return point


def _claimed(derivative: Callable, point: np.ndarray, expected: tuple[int, ...], kind: str):
    name = "grad" if kind == "gradient" else "jac"
    what = "the shape of `x`" if kind == "gradient" else "outputs x inputs"
    array = np.asarray(derivative(point.copy()))
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"`{name}(x)` must return an array of numbers; got dtype {array.dtype}")
    if np.iscomplexobj(array):
        if np.any(array.imag != 0):
            raise TypeError(
                f"`{name}(x)` returned complex values; the derivative of a real function of a "
                "real variable is real"
            )
        array = array.real
    array = array.astype(float)
    if array.shape != expected:
        raise DerivativeShapeError(
            f"`{name}(x)` must have shape {expected} ({what}); got shape {array.shape}"
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(f"`{name}(x)` contains NaN or infinity")
    return array


def _options(method: Any, directions: Any, rtol: Any, rng: Any, diagnose: Any, precision: Any):
    if precision not in PRECISIONS:
        raise ValueError(f"`precision` must be 'float64' or 'float32'; got {precision!r}")
    largest = FLOAT32_MAX_TOLERANCE if precision == "float32" else MAX_TOLERANCE
    if method not in ("auto", "complex", "central"):
        raise ValueError(f"`method` must be 'auto', 'complex' or 'central'; got {method!r}")
    if not isinstance(directions, numbers.Integral) or isinstance(directions, bool):
        raise TypeError(f"`directions` must be an integer; got {directions!r}")
    if directions < 1:
        raise ValueError(f"`directions` must be at least 1; got {directions}")
    if rtol is not None:
        if not isinstance(rtol, numbers.Real) or isinstance(rtol, bool):
            raise TypeError(f"`rtol` must be a real number; got {rtol!r}")
        if not 0 < rtol <= largest:
            raise ValueError(
                f"`rtol` must be in (0, {largest:g}] (a coarser check could pass wrong "
                "derivatives"
                + ("" if precision == "float32" else "; precision='float32' allows up to 1e-3")
                + f"); got {rtol!r}"
            )
    if diagnose not in (True, False, "full"):
        raise ValueError(f"`diagnose` must be True, False or 'full'; got {diagnose!r}")
    if isinstance(rng, bool):
        raise TypeError(f"`rng` must be a numpy Generator, an integer seed or None; got {rng!r}")
    try:
        return np.random.default_rng(rng)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"`rng` must be a numpy Generator, an integer seed or None; got {rng!r}"
        ) from exc


def _real_only(f: Any) -> str | None:
    try:
        return _REAL_ONLY.get(f)
    except TypeError:  # not weakly referenceable or not hashable: nothing remembered
        return None


def _remember_real_only(f: Any, reason: str) -> None:
    with contextlib.suppress(TypeError):  # not weakly referenceable: nothing remembered
        _REAL_ONLY[f] = reason


@dataclass
class _Comparison:
    claimed: np.ndarray  # a, per output
    estimate: _Estimate
    u: np.ndarray
    # A uniform random unit direction (Gaussian), which counts in the bound in norm; the
    # Rademacher direction (see _rademacher) does not: it gains no probability.
    uniform: bool = True


def _rademacher(generator: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """A unit direction of random signs, ``±1 / sqrt(n)`` in every entry.

    An error confined to one entry (or to a few of the same sign) shows along it at its full
    share, ``||e|| / sqrt(n)`` for one entry, whatever the signs: above the level at which a
    direction fails a claim (``5 rtol / sqrt(n)``) for an error of ``10 rtol`` in norm, where
    a Gaussian direction can be nearly orthogonal to the wrong entry. It complements the
    Gaussian directions and does not replace them: an error ``(1, -1, 0, ...)`` cancels along
    it with probability 1/2, so it counts for nothing in the bound in norm (``_norm_bound``).
    A claim right to rtol in norm shows along it beyond ``5 rtol / sqrt(n)`` with probability
    at most ``2 exp(-12.5)`` (7.5e-6, Hoeffding), as along a Gaussian one at most 6e-7.
    """
    n = int(np.prod(shape))
    return generator.choice([-1.0, 1.0], size=shape) / math.sqrt(n)


def _check(f: Callable, derivative: Callable, x: Any, **options: Any) -> CheckResult:
    """Run the check; what it learned about ``f`` is remembered only if it completes.

    A check that raises (a misuse, such as a scalar ``f`` given to :func:`check_jacobian`)
    leaves nothing behind: its failed complex evaluation says nothing about ``f``.
    """
    learned: list[str] = []
    result = _run_check(f, derivative, x, learned=learned, **options)
    for reason in learned:
        _remember_real_only(f, reason)
    return result


def _run_check(
    f: Callable,
    derivative: Callable,
    x: Any,
    *,
    kind: Literal["gradient", "jacobian"],
    method: Method,
    directions: int,
    rtol: float | None,
    rng: np.random.Generator | int | None,
    diagnose: bool | str,
    precision: str,
    learned: list[str],
) -> CheckResult:
    generator = _options(method, directions, rtol, rng, diagnose, precision)
    single = precision == "float32"
    max_tol = FLOAT32_MAX_TOLERANCE if single else MAX_TOLERANCE
    if not callable(derivative):
        name = "grad" if kind == "gradient" else "jac"
        raise TypeError(f"`{name}` must be callable; got {type(derivative).__name__}")
    point = _as_point(x)
    if kind == "jacobian" and point.ndim != 1:
        raise ValueError(f"`x` must be a vector (m,) for a Jacobian check; got shape {point.shape}")
    fn = _Function(f, kind)
    extent = max(1.0, float(np.max(np.abs(point))))  # steps are relative to x's largest entry
    h = (FLOAT32_STEP if single else CENTRAL_STEP) * extent
    dirs = []
    for _ in range(directions):
        u = generator.standard_normal(point.shape)
        dirs.append(u / _norm(u))

    used, note = "central", ""
    state: dict[str, Any] = {"claimed": None}
    if kind == "gradient":  # its shape is known before f is called: the first direction leans on it
        state["claimed"] = _claimed(derivative, point, point.shape, kind)
        dirs[0] = _toward(dirs[0], state["claimed"])

    def partial(**extra):
        return CheckResult(
            kind=kind,
            method=used,
            rtol=rtol or DEFAULT_RTOL[used],
            evaluations=fn.calls,
            directions=directions,
            shape=() if state["claimed"] is None else state["claimed"].shape,
            **extra,
        )

    try:
        complex_steps: list[_Estimate] | None = None
        if method != "central":
            remembered = _real_only(f) if method == "auto" else None
            if remembered:
                note = f"central differences: {remembered} in an earlier check"
            else:
                attempt = _complex_estimate(fn, point, dirs[0])
                if isinstance(attempt, str):
                    if method == "complex":
                        raise ValueError(
                            "method='complex' needs `f` to accept complex input and return a "
                            f"complex result ({attempt}); use method='central' for functions "
                            "such as abs, maximum or comparisons"
                        )
                    learned.append(attempt)
                    note = f"central differences: {attempt}"
                else:
                    complex_steps = [attempt]
                    complex_steps += [_complex_again(fn, point, u) for u in dirs[1:]]
        # The analyticity guard looks along a combination of all the directions, sum_k v_k /
        # 2^k (never zero: the first term outweighs the others): the complex step is linear
        # in the direction, analytic f or not (Im f(x + ihu)/h = L u + O(h^2)), so its value
        # there follows from those already taken, and an error (L - f'(x)) v_k along any one
        # direction shows there unless the others cancel it exactly.
        guard_u, weights = dirs[0], np.ones(1)
        if complex_steps is not None and len(dirs) > 1:
            weights = 0.5 ** np.arange(len(dirs))
            total = _combine(weights, dirs)
            length = _norm(total)
            weights, guard_u = weights / length, total / length
        center = None if complex_steps is not None else fn.real(point)
        later = h  # where the central estimates of the other directions start
        if center is None:
            first_central = _central_estimate(fn, point, guard_u, h)
        else:
            if kind == "gradient" and not single:
                g, size = _norm(state["claimed"]), _norm(point) or 1.0
                wanted = NORM_FACTOR * (rtol or DEFAULT_RTOL["central"])
                later = _first_step(fn, h, center, g, size, point.size, wanted)
            first_central = _smooth_central(fn, point, guard_u, later, center)
            if first_central.step != later or first_central.kink is not None:
                later = h  # the longer step did not suit f: the others start as usual
            elif later != h and not first_central.noisy:
                # At a step lengthened against rounding, where the first direction's fourth
                # difference alone keeps two directions from bounding the error (f's fourth
                # derivative along the claimed gradient, read as noise), a fifth difference
                # reads f's noise instead.
                first = _resolution(first_central, g, size)
                smooth = _resolution(dataclasses.replace(first_central, value_noise=0.0), g, size)
                if (
                    _norm_bound([first, smooth], kind, point.size) > wanted
                    and _norm_bound([smooth, smooth], kind, point.size) <= wanted
                ):
                    first_central = _fifth_difference(fn, point, guard_u, first_central, center)
        if state["claimed"] is None:
            state["claimed"] = _claimed(derivative, point, (*fn.out_shape, point.size), kind)
        claimed = state["claimed"]
        rows = claimed.reshape(1, -1) if kind == "gradient" else claimed
        row_norms = np.atleast_1d(_norm(rows, axis=1))

        def directional(u: np.ndarray) -> np.ndarray:
            return rows @ u.reshape(-1)

        if complex_steps is not None:
            combined = _Estimate(
                _combine(weights, [c.value for c in complex_steps]),
                np.zeros(first_central.value.shape),
            )
            agree, why = _guard(combined, first_central, row_norms)
            if why == "disagree":
                # Before deciding, one step finer: central differences can be fooled (or
                # merely too coarse) where f varies on the scale of their step.
                first_central = _refined(fn, point, guard_u, first_central)
                agree, why = _guard(combined, first_central, row_norms)
            truncated = first_central.truncation is not None and np.any(
                first_central.truncation > first_central.noise - first_central.truncation
            )
            if why == "unresolved" and truncated:
                # Too coarse because f curves fast on the scale of the step (the guard's
                # direction may lean on the gradient, where f changes fastest): a step
                # KINK_SHRINK times shorter cuts the truncation by its square.
                # Only an agreement is taken from it: at a stationary point the "truncation"
                # is rounding, and a shorter step only has more of it.
                shorter = _central_estimate(fn, point, guard_u, h * KINK_SHRINK)
                if _guard(combined, shorter, row_norms)[0]:
                    first_central, agree, why = shorter, True, ""
            if agree or (method == "complex" and why == "unresolved"):
                used = "complex"
                if why == "unresolved":
                    note = (
                        "central differences could not resolve the directional derivative to "
                        "confirm the complex step; trusted because method='complex' was asked"
                    )
            elif method == "complex":
                return partial(
                    verdict="inconclusive",
                    max_rel_error=math.nan,
                    tolerance=math.nan,
                    reason=(
                        "the complex step disagrees with central differences along the "
                        "directions compared: `f` is probably not complex-analytic (abs, conj, "
                        "vdot, np.real, a Hermitian factorization...); use method='auto' or "
                        "'central'"
                    ),
                )
            elif why == "unresolved":
                note = (
                    "central differences: they could not resolve the directional derivative "
                    "finely enough to confirm the complex step (are f's values much larger "
                    "than their variation?); if f is complex-analytic, use method='complex'"
                )
            else:
                reason = "the complex step disagreed with central differences (f not analytic)"
                learned.append(reason)
                note = f"central differences: {reason}"

        curvature = first_central.curvature
        comparisons = []
        for k, u in enumerate(dirs):
            if used == "complex":
                estimate = complex_steps[k]
            elif k == 0 and complex_steps is None:  # the first central estimate, kept
                estimate = first_central
            else:
                if center is None:
                    center = fn.real(point)
                # Each direction starts where the earlier ones settled (as added directions
                # do, below): a kink near `x` that shortened one direction's step lies within
                # the others' too, and walking down to it again costs two evaluations a level.
                # A first step lengthened against rounding, that f's difference table found
                # smooth, serves the others too.
                start = min(
                    [later] + [c.estimate.step for c in comparisons if c.estimate.straddled]
                )
                estimate = _smooth_central(fn, point, u, start, center)
                curvature = np.maximum(np.abs(curvature), np.abs(estimate.curvature))
            comparisons.append(_Comparison(directional(u), estimate, u))
    except _NonFinite:
        return partial(
            verdict="inconclusive",
            max_rel_error=math.nan,
            tolerance=math.nan,
            reason=(
                f"`f` returned NaN or infinity within {h:.1e} of `x`: the derivative cannot be "
                "checked there" + (f" (f warned: {fn.warned})" if fn.warned else "")
            ),
        )

    size = _norm(point) or 1.0
    term_scale = np.abs(curvature) * size
    lost_below = fn.value_rounding * first_central.magnitude
    rtol_used = DEFAULT_RTOL[used] if rtol is None else float(rtol)
    if single and rtol is None:
        rtol_used, why = _float32_rtol(fn, comparisons, row_norms, kind, point.size, rtol_used)
        note = "; ".join(part for part in (why, note) if part)
    max_rel = worst_tol = 0.0
    failed = weak = stationary = truncation_bound = False
    small_row = (-1, 0.0, 0.0, 0.0, False)  # a Jacobian row not resolved to its own size: i, level
    own_tol = 0.0
    kinked: tuple[float, float, float, int] | None = None  # one-sided slopes, step, output
    short_step_agreed = False
    noise_shared = False  # whether _shared_noise was consulted (once, before a failure)

    checked_calls = fn.calls  # what the check itself cost; refining counts as diagnosis
    # Each direction's tolerance floor: small enough that the default two directions, at
    # it, bound the error in norm well within NORM_FACTOR * rtol (see _norm_bound).
    floor = rtol_used * DIRECTION_SHARE / math.sqrt(point.size)
    # A claim right to rtol in norm (its own rounding included: a saturated tanh's 1 - tanh^2
    # carries 1e-11 of the gradient) shows |<e, u>| <= ||e|| <= rtol s along every unit u, and
    # along a random one at most FAIL_SIGMAS rtol s / sqrt(n) except with probability
    # P(|N(0, 1)| > FAIL_SIGMAS) = 6e-7: a direction fails a claim only beyond the smaller of
    # the two (or its tolerance, if larger). A difference between the tolerance and that is no
    # failure: the direction bounds the error only to fail_level, the bound in norm says so,
    # and directions are added where they can bring it within 10 rtol.
    fail_level = rtol_used * min(1.0, FAIL_SIGMAS / math.sqrt(point.size))

    def judge(estimate: _Estimate, a: np.ndarray, shared: Any = None):
        scale = np.maximum(row_norms, np.maximum(np.abs(a), np.abs(estimate.value)))
        # The claimed derivative's own rounding: relative to the largest row for a Jacobian,
        # whose rows share their terms ((1 - tanh^2) W loses digits in saturated rows).
        noise = estimate.noise + DERIVATIVE_ROUNDING * np.maximum(scale.max(), term_scale)
        if estimate.step > 0 and not estimate.noisy:
            # The noise of f's values measured at x (the difference table), as central
            # differences propagate it, whether or not it was found above rounding: a value
            # that jitters by 1e-9 of itself must not fail a right derivative.
            noise = noise + 3 * np.asarray(estimate.value_noise) / estimate.step
        # And run-to-run noise, where it was measured (on the way to a failure), and the noise
        # another direction's table found.
        noise = noise + _jitter_noise(fn, estimate) + _table_noise(fn, estimate, shared)
        if estimate.step > 0:
            # And the rounding of the points themselves: x + t u is stored to EPS |x_i| in
            # each coordinate, which moves f by up to EPS ||x|| ||grad f|| (negligible near
            # the origin; at x ~ 1e6, with a step shortened to f's scale, it is not).
            noise = noise + 3 * EPS * size * scale.max() / estimate.step
        error = np.abs(a - estimate.value)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(scale > 0, error / scale, np.where(error > 0, np.inf, 0.0))
            tol = np.maximum(
                floor, np.where(scale > 0, noise / scale, np.where(noise > 0, np.inf, 0.0))
            )
        return scale, noise, rel, tol

    # What |<claimed - true, u>| can be along each direction compared, relative to the
    # derivative's size (the largest row's, for a Jacobian), and each direction's factor in
    # the norm-wise bound (see _norm_bound); extra directions are added below if needed.
    resolutions: list[float] = []
    guard_failed = ""
    bound = math.inf
    index = 0
    rademacher_taken = False
    while True:
        while index < len(comparisons):
            comparison = comparisons[index]
            index += 1
            a = comparison.claimed
            scale, noise, rel, tol = judge(comparison.estimate, a)
            if used == "central" and (rel > tol).any() and not comparison.estimate.refined:
                # A failure must survive a finer step: central differences can be fooled.
                before = comparison.estimate.noise
                try:
                    comparison.estimate = _refined(fn, point, comparison.u, comparison.estimate)
                except _NonFinite:
                    pass
                else:
                    scale, noise, rel, tol = judge(comparison.estimate, a)
                # A refinement that agrees only by taking its disagreement with the first
                # extrapolation as its error (a small jump within the step shifts one of
                # them) resolves the direction no better: the shorter step is tried too.
                inflated = (comparison.estimate.noise > 4 * before).any()
                failing = (rel > tol).any()
                if (
                    (failing or inflated)
                    and comparison.estimate.kink is None
                    and center is not None
                    and not short_step_agreed
                ):
                    # And a much shorter one: a small jump or kink within the step (a softplus
                    # threshold) shifts the estimate without a sign in its Richardson table. If
                    # the shorter step, kink-free, disagrees with the longer beyond its own error,
                    # the longer straddled something and the shorter is judged instead.
                    # A shorter step that still finds a kink makes the check inconclusive.
                    try:
                        step = comparison.estimate.step * KINK_SHRINK**2
                        shorter = _smooth_central(fn, point, comparison.u, step, center, True)
                    except _NonFinite:
                        shorter = None
                    if shorter is not None and _flat(shorter, center):
                        shorter = None  # too short to tell anything: f's values are equal
                    if shorter is not None and (
                        shorter.kink is not None
                        or (np.abs(shorter.value - comparison.estimate.value) > shorter.noise).any()
                    ):
                        kept = comparison.estimate, (scale, noise, rel, tol)
                        comparison.estimate = dataclasses.replace(shorter, refined=True)
                        scale, noise, rel, tol = judge(comparison.estimate, a)
                        if not failing and shorter.kink is None and (rel > tol).any():
                            # The longer step agreed within its (inflated) error: a failure
                            # needs both to disagree; the coarser one is kept, and bounds less.
                            comparison.estimate, (scale, noise, rel, tol) = kept
                    else:  # the step straddles nothing: once is enough for the other directions
                        short_step_agreed = True
            doubtful = (rel > np.maximum(tol, fail_level)) & (
                np.abs(a - comparison.estimate.value) <= JITTER_REACH * noise
            )
            suspect = doubtful.any() or (comparison.estimate.kink is not None and kinked is None)
            if used == "central" and center is not None and fn.jitter is None and suspect:
                # Before a central estimate fails the claim by a difference that noise read
                # too low could explain, or finds a kink: does f(x) change from call to call?
                # Its noise, measured by one fourth difference per table, may have been read
                # far too low (see _measure_jitter); and it makes one-sided slopes disagree
                # too, most at a short step.
                _measure_jitter(fn, point, center)
                scale, noise, rel, tol = judge(comparison.estimate, a)
            if (
                used == "central"
                and center is not None
                and not noise_shared
                and (rel > np.maximum(tol, fail_level)).any()
            ):
                # Before a central estimate fails the claim: f's noise, measured along a fresh
                # direction, holds along this one too (sixteen evaluations). Measured where
                # another direction's table read noise that would spare the claim, or where
                # the failing estimate's step was shortened: there its table may have fallen on
                # one step of a quantized f, and its kinks may have been noise.
                noise_shared = True
                loudest = _loudest_elsewhere(fn, comparison.u)
                measure = comparison.estimate.step < h
                if loudest is not None and not measure:
                    shared = np.maximum(fn.table_noise, loudest[2].value_noise)
                    _, _, rel_if, tol_if = judge(comparison.estimate, a, shared)
                    measure = not (rel_if > np.maximum(tol_if, fail_level)).any()
                # (f32 checks take a long first step, where f's shape outweighs its noise.)
                spacing = CENTRAL_STEP * extent
                if loudest is not None and not single:
                    spacing = max(spacing, loudest[2].step)
                if measure and _shared_noise(fn, point, center, spacing, generator):
                    scale, noise, rel, tol = judge(comparison.estimate, a)
                    if comparison.estimate.step < h:
                        # With f's noise known, a step shortened for it only loses: the
                        # direction is estimated again at the first step (four evaluations),
                        # its one-sided slopes' disagreement taken as the noise it is.
                        try:
                            longer = _central_estimate(fn, point, comparison.u, h, center)
                        except _NonFinite:
                            longer = None
                        if longer is not None:
                            longer = dataclasses.replace(longer, kink=None)
                            judged = judge(longer, a)
                            if judged[1].max() < noise.max():
                                comparison.estimate = longer
                                scale, noise, rel, tol = judged
            # A derivative that f's values cannot register over the size of x (below) is lost
            # in f's rounding whatever the method: its comparison is rounding against rounding
            # (the complex step at a stationary point), and says neither "passed" nor "failed".
            # A claim far from a lost derivative is not lost: `scale` holds the larger of the two.
            lost = scale.max() * size <= lost_below  # per output, for a Jacobian
            if (lost & (rel > tol)).any():
                # Before a failure is excused, f's rounding is taken at x itself, not over the
                # central differences' points, which may lie far out (x ~ 1e-170, where f's
                # values underflow and the complex step alone resolves the derivative); and only
                # where f's value is a normal number, rounded relative to its size.
                if center is None:
                    center = fn.real(point)
                at_x = np.abs(center)
                at_x = np.where(at_x >= np.finfo(float).tiny, at_x, 0.0)
                lost = lost & (scale.max() <= fn.value_rounding * at_x / size)
            failed |= bool(((rel > np.maximum(tol, fail_level)) & ~lost).any())
            if comparison.estimate.kink is not None and kinked is None:
                plus, minus = comparison.estimate.kink
                apart = np.abs(plus - minus)
                # Not against tol: a kink inflates the estimate's own error (its difference
                # table reads as noise); _kink has judged the gap against f's rounding, and
                # here against f's run-to-run noise, as the slopes at the shortest level
                # (h / 4, at most) carry it.
                slopes = np.maximum(scale, np.maximum(np.abs(plus), np.abs(minus)))
                jitter = 4 * _jitter_noise(
                    fn, dataclasses.replace(comparison.estimate, refined=True)
                )
                if ((apart > rtol_used * slopes) & (apart > jitter)).any():
                    i = int(np.argmax(apart))
                    kinked = (float(plus[i]), float(minus[i]), comparison.estimate.step, i)
            # Inconclusive where rounding could hide an error above MAX_TOLERANCE relative to the
            # derivative (for a Jacobian, to the largest row: a row far below its own rounding,
            # such as a saturated tanh, is still checked against the Jacobian as a whole, and any
            # difference above its rounding fails).
            # A derivative so small that f's values cannot register it over the size of x is
            # lost in f's rounding too, whatever the method.
            # For a Jacobian both tests are against the largest row: a row that is exactly
            # constant (a ReLU's zero slope, a saturated unit) is checked to that accuracy, and
            # passes when its claim is zero, instead of making the whole check inconclusive.
            too_coarse = (noise > max_tol * scale.max()) | lost
            weak |= bool(too_coarse.any())
            step_error = comparison.estimate.truncation
            if step_error is not None:
                truncation_bound |= bool(
                    (too_coarse & (step_error > comparison.estimate.noise - step_error)).any()
                )
            stationary |= bool(
                (too_coarse & (DERIVATIVE_ROUNDING * term_scale >= max_tol * scale.max())).any()
            )
            if kind == "jacobian":
                # A pass also needs each row resolved to MAX_TOLERANCE of its own size: the
                # allowance above, relative to the largest row, would let a row of size 1 beside
                # one of size 1e12 pass with a 1 % error. A row whose claim is zero and whose
                # numerical estimate is exactly zero (a ReLU's zero slope) is constant to the
                # resolution of f's values, and is judged against the Jacobian as above.
                own_noise = comparison.estimate.noise + DERIVATIVE_ROUNDING * np.maximum(
                    scale, term_scale
                )
                with np.errstate(divide="ignore", invalid="ignore"):
                    own = np.maximum(
                        rtol_used,
                        np.where(
                            scale > 0, own_noise / scale, np.where(own_noise > 0, np.inf, 0.0)
                        ),
                    )
                constant = (row_norms == 0) & (comparison.estimate.value == 0)
                own = np.where(constant, rtol_used, own)
                # Within the allowance of the largest row, a row's error beyond its own rounding
                # is accepted up to MAX_TOLERANCE of its own size (a saturated tanh row carries
                # the rounding of 1 - tanh^2), never more.
                own = np.maximum(own, np.minimum(rel, tol))
                unresolved = own > max_tol
                if unresolved.any() and not too_coarse.all():
                    i = int(np.argmax(np.where(unresolved, np.maximum(own, rel), -np.inf)))
                    if own[i] > small_row[1]:
                        by_error = bool(rel[i] >= own[i])
                        small_row = (
                            i,
                            float(own[i]),
                            float(scale[i]),
                            float(scale.max()),
                            by_error,
                        )
                own_tol = max(own_tol, float(own.max()))
            max_rel = max(max_rel, float(rel.max()))
            # A direction that disagreed beyond its tolerance but within fail_level resolves
            # the error only to fail_level.
            loose = rel > tol
            level = np.where(loose, np.maximum(tol, fail_level), tol)
            worst_tol = max(worst_tol, float(level.max()))
            # |<e, u>| <= |a - d| + |d - <true, u>| <= tol s + (the estimate's error) on a
            # pass (the claim's own rounding is part of e), relative to the largest row
            # (rows far below it are also held to their own size, above).
            top = max(float(scale.max()), np.finfo(float).tiny)
            with np.errstate(invalid="ignore", over="ignore"):
                reach = np.where(scale > 0, level * scale, 0.0) + comparison.estimate.noise
            if comparison.uniform:
                resolutions.append(float(reach.max()) / top)
        bound = _norm_bound(resolutions, kind, point.size)
        wanted = NORM_FACTOR * rtol_used
        if failed or kinked is not None or weak or small_row[0] >= 0 or bound <= wanted:
            break
        more = _directions_needed(resolutions, kind, point.size, wanted)
        if more == 0:
            break
        try:
            # (Under central differences, f(x) was taken by the directions above.)
            # Central differences start where the earlier directions settled (a kink near
            # `x` shortened their step): the shorter step still looks for a kink of its own.
            start = min([h] + [c.estimate.step for c in comparisons if c.estimate.step > 0])
            # The first directions added bring a Rademacher one beside them: the Gaussian
            # directions left doubt, which an error confined to one entry may have caused,
            # and along it such an error shows at its full share (see _rademacher).
            signs = [] if rademacher_taken else [_rademacher(generator, point.shape)]
            rademacher_taken = True
            added = _add_directions(
                fn, point, generator, more, used, start, center, directional, row_norms, signs
            )
        except _NonFinite:
            break
        if isinstance(added, str):  # the complex step disagreed along the added directions
            guard_failed = added
            break
        comparisons.extend(added)
        checked_calls = fn.calls
    if kind == "jacobian" and not failed:
        worst_tol = own_tol  # what each row was resolved to, relative to its own size

    if kinked is not None:
        plus, minus, step, i = kinked
        verdict = "inconclusive"
        output = f" (output {i})" if kind == "jacobian" else ""
        reason = (
            f"f is not differentiable at `x` along a direction compared{output} (one-sided "
            f"slopes {plus:.6g} and {minus:.6g}), or has a kink or jump within {step:.1e} of "
            "`x`: no claim can be checked there. Try another point"
        )
        if note:
            reason += f" ({note})"
    elif failed:
        verdict, reason = "failed", note
    elif weak and stationary:
        verdict = "inconclusive"
        reason = (
            "`x` is (near) a stationary point: the derivative there is below the rounding of "
            "its own terms, and any formula that also vanishes at `x` would agree. Try "
            "another point"
        )
    elif weak:
        verdict = "inconclusive"
        if truncation_bound:
            what = (
                "central differences cannot resolve the derivative finely enough here: f "
                "curves too fast for their step"
            )
        else:
            what = (
                "the derivative is lost in f's own rounding at `x` (f's values are much "
                "larger than their variation)"
            )
        noise, jitter = _relative_noise(fn, comparisons, center), False
        if not noise and used == "central" and center is not None:
            noise = _jitter(fn, point, center, comparisons)
            jitter = noise > 0
        if noise:
            single = not jitter and (fn.value_rounding > VALUE_ROUNDING or 1e-8 < noise < 1e-5)
            reason = (
                f"f's values carry noise ≈ {noise:.0e} relative"
                + (" (float32?)" if single else "")
                + (" (f(x) differs from call to call)" if jitter else "")
                + f"; central differences resolve {worst_tol:.0e} here, a pass needs "
                f"{max_tol:.0e}"
            )
        else:
            reason = (
                f"{what}; the comparison resolves only {worst_tol:.1e} relative (a pass needs "
                f"{max_tol:.0e}). Try another point"
                + ("" if used == "complex" else ", or method='complex' if f is complex-analytic")
            )
        if note:
            reason += f" ({note})"
    elif small_row[0] >= 0:
        i, level, own_size, largest, by_error = small_row
        verdict = "inconclusive"
        if by_error:
            what = (
                f"its claimed and numerical values differ by {level:.1e} of its own size: more "
                "than its own rounding explains, but within the rounding of the largest row, "
                "which a row computed from shared terms can carry"
            )
        else:
            what = f"its rounding resolves it only to {level:.1e} of its own size"
        reason = (
            f"output {i}'s row (size {own_size:.1e}) is small beside the largest "
            f"({largest:.1e}), and {what}; a pass needs {max_tol:.0e}. Check that output "
            "on its own, or rescale it"
        )
        if note:
            reason += f" ({note})"
    elif guard_failed:
        verdict, reason = "inconclusive", guard_failed
    elif bound > NORM_FACTOR * rtol_used:
        verdict = "inconclusive"
        reason = (
            f"{len(comparisons)} directions bound the error only to ‖claimed − true‖ ≤ "
            f"{bound:.1e} ‖claimed‖ (with probability {1 - NORM_MISS:.2%}), and a pass needs "
            f"{NORM_FACTOR * rtol_used:.0e} (10 rtol): each direction is resolved to "
            f"{float(np.median(resolutions)):.0e} of ‖claimed‖ here"
        )
        noise = _relative_noise(fn, comparisons, center)
        if noise:
            reason += f"; f's values carry noise ≈ {noise:.0e} relative"
        if used == "central":
            reason += ". Try method='complex' if f is complex-analytic, or a larger rtol"
        if note:
            reason += f" ({note})"
    else:
        verdict, reason = "passed", note
    if fn.warned:
        reason = "; ".join(part for part in (reason, f"`f` warned near `x`: {fn.warned}") if part)
    common = {
        "verdict": verdict,
        "bound": bound,
        "max_rel_error": max_rel,
        "tolerance": worst_tol,
        "rtol": rtol_used,
        "reason": reason,
    }
    if verdict != "failed" or diagnose is False:
        return CheckResult(
            kind=kind, method=used, evaluations=fn.calls, directions=len(comparisons),
            shape=claimed.shape, **common,
        )  # fmt: skip
    hint = _hint(claimed, comparisons, kind)
    budget = DIAGNOSIS_FACTOR * checked_calls - (fn.calls - checked_calls)
    if diagnose == "full":
        try:
            numerical = _full_numerical(fn, point, used, h, rows.shape[0]).reshape(claimed.shape)
        except _NonFinite:
            numerical = None
        worst = () if numerical is None else _worst(claimed, numerical)
    else:
        worst, where = _bisect(fn, point, used, h, rows, claimed.shape, generator, budget)
        hint = "; ".join(part for part in (hint, where) if part)
        numerical = None
    return CheckResult(
        kind=kind, method=used, evaluations=fn.calls, directions=len(comparisons),
        shape=claimed.shape, worst=worst, hint=hint, numerical=numerical, **common,
    )  # fmt: skip


def _norm_bound(resolutions: list[float], kind: str, n: int) -> float:
    """The norm-wise error ``c`` (relative to the derivative's size) that a pass establishes.

    ``resolutions[j]`` bounds ``|<e, u_j>|`` on a pass (``e`` the claim's error, relative to
    its size). For a uniform random unit ``u`` in ``n`` dimensions, ``<e, u> / ||e||`` has a
    density at most ``sqrt(n / (2 pi))`` (the Gaussian's, which overestimates the sphere's), so
    ``P(|<e, u>| <= r) <= r sqrt(2n / pi) / ||e||``; the first direction of a gradient leans on
    the claim (see _toward), which at most quadruples that (a factor 2 from its normalisation,
    2 from the sign). Independent directions multiply: a claim with ``||e|| >= c`` passes with
    probability at most ``prod_j min(1, b_j / c)``, ``b_j = kappa_j r_j sqrt(2n / pi)``, and
    ``c`` is the smallest value that makes it at most ``NORM_MISS``.
    """
    b = sorted(
        (LEANING_FACTOR if kind == "gradient" and j == 0 else 1.0) * r * math.sqrt(2 * n / math.pi)
        for j, r in enumerate(resolutions)
        if math.isfinite(r)
    )
    best, log_product = math.inf, 0.0
    for m, value in enumerate(b, start=1):
        if value <= 0:
            return 0.0  # a direction that resolves exactly: only a zero error passes it
        log_product += math.log(value)
        exponent = (log_product - math.log(NORM_MISS)) / m
        # A direction resolved to nothing (a constant f's rows, relative to a zero size) has a
        # factor near 1e308: the bound is then infinite, not an overflow.
        best = min(best, max(value, math.exp(exponent) if exponent < 709 else math.inf))
    return best


def _directions_needed(resolutions: list[float], kind: str, n: int, wanted: float) -> int:
    """How many more directions, resolved like the median one so far, bring the bound to
    ``wanted``; 0 if none within ``MAX_DIRECTIONS`` would."""
    finite = [r for r in resolutions if math.isfinite(r)]
    if not finite:
        return 0
    typical = float(np.median(finite))
    for more in range(1, MAX_DIRECTIONS - len(resolutions) + 1):
        if _norm_bound(resolutions + [typical] * more, kind, n) <= wanted:
            return more
    return 0


def _add_directions(fn, point, generator, count, used, h, center, directional, row_norms, signs=()):
    """``count`` more random directions compared, or why the complex step cannot be trusted.

    ``signs`` holds Rademacher directions compared first (not counted in the bound in norm).
    With the complex step, the analyticity guard is taken again along a combination of the
    new directions (the one before covered only those it combined).
    """
    new = list(signs)
    for _ in range(count):
        u = generator.standard_normal(point.shape)
        new.append(u / _norm(u))
    uniform = [False] * len(signs) + [True] * count
    if used == "central":
        return [
            _Comparison(directional(u), _smooth_central(fn, point, u, h, center), u, kept)
            for u, kept in zip(new, uniform, strict=True)
        ]
    steps = [_complex_again(fn, point, u) for u in new]
    weights = 0.5 ** np.arange(len(new))
    total = _combine(weights, new)
    weights = weights / _norm(total)
    guard_u = total / _norm(total)
    combined = _Estimate(
        _combine(weights, [c.value for c in steps]),
        np.zeros(steps[0].value.shape),
    )
    central = _central_estimate(fn, point, guard_u, h)
    if _guard(combined, central, row_norms)[1] == "disagree":
        central = _refined(fn, point, guard_u, central)
        if _guard(combined, central, row_norms)[1] == "disagree":
            return (
                "the complex step disagrees with central differences along the directions "
                "added to bound the error in norm: `f` is probably not complex-analytic; use "
                "method='central'"
            )
    return [
        _Comparison(directional(u), c, u, kept)
        for u, c, kept in zip(new, steps, uniform, strict=True)
    ]


def _float32_rtol(fn, comparisons, row_norms, kind, n, default) -> tuple[float, str]:
    """The rtol that f's measured noise warrants with ``precision="float32"``, and why.

    Only noise far above float64's rounding raises it (a float32 result, or values whose
    difference table shows more than FLOAT32_NOISE of their size: float32's rounding is
    6e-8, float64's 1e-16, and the table of a smooth f at a long step shows its fourth
    derivative too); then to a tenth of the bound
    in norm that the directions taken can reach at that noise (each resolved to its central
    estimate's error), with a margin of a quarter, and at most FLOAT32_MAX_TOLERANCE.
    """
    noise = fn.value_rounding if fn.value_rounding > VALUE_ROUNDING else 0.0
    reach = []
    for comparison in comparisons:
        estimate = comparison.estimate
        if estimate.magnitude is None or estimate.step <= 0:
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(estimate.magnitude > 0, estimate.value_noise / estimate.magnitude, 0)
        noise = max(noise, float(np.max(ratio)))
        error = estimate.noise + 3 * np.asarray(estimate.value_noise) / estimate.step
        size = max(float(np.max(row_norms)), float(np.max(np.abs(estimate.value))))
        reach.append(2 * float(np.max(error)) / size if size > 0 else math.inf)
    if noise <= FLOAT32_NOISE or not reach:
        return default, ""
    warranted = min(
        FLOAT32_MAX_TOLERANCE, max(default, 1.25 * _norm_bound(reach, kind, n) / NORM_FACTOR)
    )
    if warranted <= default:
        return default, ""
    return warranted, (
        f"float32: f's values carry noise ≈ {noise:.0e} relative, which allows rtol "
        f"{warranted:.1e} (asked: {default:.0e})"
    )


def _relative_noise(
    fn: _Function, comparisons: list[_Comparison], center: np.ndarray | None
) -> float:
    """The noise of f's values relative to |f|, if found above float64 rounding, else 0.

    Found by a direction's table (``noisy``), or shared from a table along another
    direction (:func:`_table_noise`, relative to ``|f(x)|``).
    """
    noise = fn.value_rounding if fn.value_rounding > VALUE_ROUNDING else 0.0
    if center is not None and np.any(fn.table_noise > 0):
        size = np.abs(center)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(size > 0, fn.table_noise / size, 0.0)
        noise = max(noise, float(np.max(ratio)))
    for comparison in comparisons:
        estimate = comparison.estimate
        if estimate.noisy:
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(
                    estimate.magnitude > 0, estimate.value_noise / estimate.magnitude, 0
                )
            noise = max(noise, float(np.max(ratio)))
    return noise


def _jitter(
    fn: _Function, point: np.ndarray, center: np.ndarray, comparisons: list[_Comparison]
) -> float:
    """The noise of f's values relative to |f|, if ``f(x)`` changes from call to call, else 0.

    One evaluation more, only where central differences could not resolve the derivative: a
    difference table inflated by run-to-run noise reads like fast curvature (the one-sided
    slopes wander, the extrapolations disagree), and ``f(x)`` taken again tells the two apart.
    The noise is the root mean square of the estimates of its deviation, relative to
    ``|f(x)|``: ``|Delta^4 f| / sqrt(70)`` from each direction's difference table (Moré & Wild,
    ECnoise), and ``|f(x) - f(x)'| / sqrt(2)`` from the two values at ``x``.
    """
    try:
        again = fn.real(point)
    except _NonFinite:
        return 0.0
    if np.array_equal(again, center):
        return 0.0
    size = np.maximum(np.abs(center), np.abs(again))
    samples = [np.abs(again - center) / math.sqrt(2)]
    samples += [
        np.asarray(c.estimate.value_noise) / NOISE_SAFETY
        for c in comparisons
        if np.shape(c.estimate.value_noise) == np.shape(center)  # a table was taken
    ]
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(size > 0, np.sqrt(np.mean(np.square(samples), axis=0)) / size, 0.0)
    return float(np.max(relative))


def _guard(complex_step: _Estimate, central: _Estimate, row_norms: np.ndarray) -> tuple[bool, str]:
    """Whether the complex step agrees with central differences along one direction.

    Returns ``(True, "")`` on agreement, ``(False, "disagree")`` when they differ beyond
    the central estimate's error, ``(False, "unresolved")`` when the central estimate is
    too coarse (relative to the derivative's size, the largest row's for a Jacobian) to
    confirm the complex step to ``GUARD_RESOLUTION``.
    """
    scale = np.maximum(row_norms, np.maximum(np.abs(complex_step.value), np.abs(central.value)))
    allowed = central.noise + GUARD_RTOL * scale
    if (np.abs(complex_step.value - central.value) > allowed).any():
        return False, "disagree"
    if (central.noise > GUARD_RESOLUTION * scale.max()).any():
        return False, "unresolved"
    return True, ""


def _hint(claimed: np.ndarray, comparisons: list[_Comparison], kind: str) -> str:
    """A guess at the mistake, from the directional comparisons alone (no evaluations)."""
    rows = claimed.reshape(1, -1) if kind == "gradient" else claimed
    a = np.concatenate([c.claimed for c in comparisons])
    d = np.concatenate([c.estimate.value for c in comparisons])
    scale = max(_norm(rows), _norm(d), _norm(a))
    loose = 1e-6 * scale + max(float(np.max(c.estimate.noise)) for c in comparisons)

    def matches(candidate: np.ndarray) -> bool:
        return bool(np.all(np.abs(candidate - d) <= loose))

    if not np.any(claimed):
        return "the claimed derivative is zero"
    if matches(-a):
        return "the claimed derivative has the wrong sign"
    square = claimed.ndim == 2 and claimed.shape[0] == claimed.shape[1]
    if square:
        t_rows = claimed.T.reshape(1, -1) if kind == "gradient" else claimed.T
        candidate = np.concatenate([t_rows @ c.u.reshape(-1) for c in comparisons])
        if matches(candidate):
            return "the claimed derivative looks transposed"
    top = float(np.max(np.abs(d)))  # scaled: d * d overflows for values near 1e300
    if top > 0 and d.size >= 2:
        with np.errstate(over="ignore", invalid="ignore"):
            factor = float(np.sum((a / top) * (d / top))) / float(np.sum((d / top) ** 2))
        if (
            math.isfinite(factor)
            and factor != 0
            and abs(factor - 1.0) > 1e-9
            and matches(a / factor)
        ):
            return f"the claimed derivative is {factor:.6g} times the numerical one"
    return ""


def _complex_again(fn: _Function, point: np.ndarray, u: np.ndarray) -> _Estimate:
    """The complex step along ``u``, for a function that has already accepted complex input."""
    estimate = _complex_estimate(fn, point, u)
    if isinstance(estimate, str):
        raise ValueError(f"`f` stopped accepting complex input between calls: {estimate}")
    return estimate


def _estimate_along(fn, point, v, used, h, precise=True) -> np.ndarray:
    if used == "complex":
        return _complex_again(fn, point, v).value
    if not precise:  # plain central difference (two evaluations): enough to compare halves
        return (fn.real(point + h * v) - fn.real(point - h * v)) / (2 * h)
    return _central_estimate(fn, point, v, h).value


def _bisect(fn, point, used, h, rows, shape, generator, budget):
    """Locate the coordinate with the largest error by bisection, within ``budget`` calls.

    The residual ``r(v) = claimed . v - numerical(v)`` is linear in ``v``: with a random
    sign vector restricted to half of the candidate coordinates, the half that carries the
    larger residual most likely holds the largest error; the other half's residual follows
    by subtraction, so each level costs one directional estimate (one evaluation with the
    complex step, two with central differences). The located coordinate's partial
    derivatives are then estimated precisely. Returns the worst entries and, if the budget
    ran out first, the range of flat indices that holds the largest error.
    """
    per_level, final = (1, 1) if used == "complex" else (2, 4)
    size = point.size
    signs = generator.choice([-1.0, 1.0], size=size)
    start, stop = 0, size

    def residual(lo, hi):
        v = np.zeros(size)
        v[lo:hi] = signs[lo:hi]
        return rows @ v - _estimate_along(fn, point, v.reshape(point.shape), used, h, False)

    spent = fn.calls
    try:
        current = residual(start, stop)
        while stop - start > 1 and fn.calls - spent + per_level + final <= budget:
            middle = (start + stop) // 2
            r_left = residual(start, middle)
            r_right = current - r_left
            if _norm(r_left) >= _norm(r_right):
                stop, current = middle, r_left
            else:
                start, current = middle, r_right
        if stop - start > 1:
            return (), f"the largest error lies among flat indices {start} to {stop - 1}"
        e = np.zeros(size)
        e[start] = 1.0
        column = _estimate_along(fn, point, e.reshape(point.shape), used, h)
    except _NonFinite:
        return (), ""
    entries = []
    for i in range(rows.shape[0]):
        if rows.shape[0] > 1:
            index = (i, start)
        else:
            index = tuple(int(k) for k in np.unravel_index(start, shape))
        entries.append((index, float(rows[i, start]), float(column[i])))
    entries.sort(key=lambda entry: abs(entry[1] - entry[2]), reverse=True)
    return tuple(entries[:5]), ""


def _full_numerical(fn, point, used, h, outputs) -> np.ndarray:
    """The whole numerical derivative, one coordinate at a time (``diagnose="full"``)."""
    columns = np.empty((outputs, point.size))
    for j in range(point.size):
        e = np.zeros(point.size)
        e[j] = 1.0
        columns[:, j] = _estimate_along(fn, point, e.reshape(point.shape), used, h)
    return columns


def _worst(claimed: np.ndarray, numerical: np.ndarray):
    gap = np.abs(claimed - numerical)
    order = np.argsort(gap, axis=None)[::-1][: min(5, gap.size)]
    return tuple(
        (
            tuple(int(i) for i in np.unravel_index(k, gap.shape)),
            float(claimed.flat[k]),
            float(numerical.flat[k]),
        )
        for k in order
    )


def check_gradient(
    f: Callable[[np.ndarray], Any],
    grad: Callable[[np.ndarray], Any],
    x: Any,
    *,
    method: Method = "auto",
    directions: int = 2,
    rtol: float | None = None,
    rng: np.random.Generator | int | None = None,
    diagnose: bool | Literal["full"] = True,
    precision: Literal["float64", "float32"] = "float64",
) -> CheckResult:
    """Compare ``grad(x)`` with numerical directional derivatives of ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        Real scalar function of ``x``, ``f(x) -> float``.
    grad : callable
        Claimed gradient, ``grad(x) -> ndarray`` with the shape of ``x``.
    x : array_like, shape (n,) or (m, n)
        The point, a real vector or matrix.
    method : {"auto", "complex", "central"}, optional
        ``"auto"`` uses the complex step when ``f`` accepts complex input and the result
        agrees with central differences along a combination of the directions, central
        differences with Richardson extrapolation otherwise (and for later checks of the
        same ``f``).
        ``"complex"`` insists on the complex step (the check is inconclusive if central
        differences contradict it).
    directions : int, optional
        Number of random directions (default 2). More directions catch an error confined
        to a few coordinates with higher probability (see the guide).
    rtol : float, optional
        Relative tolerance in norm, at most ``MAX_TOLERANCE``; defaults to 1e-10 for the
        complex step and 1e-7 for central differences. A pass establishes
        ``||claimed - true|| <= bound ||claimed||`` with ``bound <= 10 rtol``, except with
        probability 1e-4 (see ``CheckResult.bound``); each direction is compared to
        ``rtol / (100 sqrt(n))`` of the gradient's size, or to the rounding error estimated at
        ``x`` if larger; it fails the claim only beyond ``rtol min(1, 5 / sqrt(n))`` (what a
        claim right to ``rtol`` in norm, its rounding included, can show there).
    rng : numpy.random.Generator or int, optional
        Source of the random directions.
    diagnose : bool or "full", optional
        On failure, locate the worst coordinate by bisection with at most
        ``DIAGNOSIS_FACTOR`` times the evaluations of the check (default); ``"full"``
        computes the whole numerical gradient (one or four evaluations per coordinate);
        ``False`` adds nothing.
    precision : {"float64", "float32"}, optional
        ``"float32"`` for a function computed in float32 on purpose (PyTorch- or JAX-style
        code): ``rtol`` may be up to 1e-3, a pass needs each direction resolved to 1e-3
        (instead of 1e-6), central differences take a longer step (3e-2 of
        ``max(1, max |x_i|)``), and without an ``rtol`` the default rises, up to 1e-3, to what
        f's measured noise allows, said in ``reason``. Like the tolerances of
        ``jax.test_util.check_grads``, which follow the dtype.

    Returns
    -------
    CheckResult
        ``verdict`` ("passed", "failed" or "inconclusive"), ``reason``,
        ``max_rel_error``, ``evaluations``, and on failure the worst entries and a hint.

    Raises
    ------
    TypeError
        If ``x`` is complex or not numeric, ``f`` returns non-numbers or a complex value at a
        real point, ``grad(x)`` is complex, or an option has the wrong type.
    ValueError
        If ``x`` is not a finite vector or matrix, ``f`` does not return a scalar, ``grad(x)``
        does not have the shape of ``x`` or is not finite, or an option is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1.0, 2.0], [0.0, 3.0]])
    >>> f = lambda x: x @ A @ x
    >>> check_gradient(f, lambda x: (A + A.T) @ x, np.array([1.0, -1.0])).verdict
    'passed'
    >>> check_gradient(f, lambda x: 2 * A @ x, np.array([1.0, -1.0])).verdict
    'failed'
    >>> check_gradient(f, lambda x: 2 * A @ x, np.zeros(2)).verdict  # stationary: says nothing
    'inconclusive'
    """
    return _check(
        f, grad, x, kind="gradient", method=method, directions=directions,
        rtol=rtol, rng=rng, diagnose=diagnose, precision=precision,
    )  # fmt: skip


def check_jacobian(
    f: Callable[[np.ndarray], Any],
    jac: Callable[[np.ndarray], Any],
    x: Any,
    *,
    method: Method = "auto",
    directions: int = 2,
    rtol: float | None = None,
    rng: np.random.Generator | int | None = None,
    diagnose: bool | Literal["full"] = True,
    precision: Literal["float64", "float32"] = "float64",
) -> CheckResult:
    """Compare ``jac(x)`` with numerical directional derivatives ``J u`` of ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        Real vector function, ``f(x) -> ndarray`` of shape (n,).
    jac : callable
        Claimed Jacobian, ``jac(x) -> ndarray`` of shape (n, m): rows are
        outputs, columns are inputs.
    x : array_like, shape (m,)
        The point.
    method, directions, rtol, rng, diagnose, precision
        As in :func:`check_gradient`.  Each output is compared on its own (row ``i`` of
        ``J u`` against the estimate of ``d f_i / du``, relative to the norm of row ``i``),
        so an output of large size cannot hide a wrong row: a row far below the largest
        passes only if it agrees to ``MAX_TOLERANCE`` of its own size, and makes the check
        inconclusive otherwise (unless the difference fails it).

    Returns
    -------
    CheckResult

    Raises
    ------
    TypeError, ValueError
        As in :func:`check_gradient`; ``jac(x)`` must have shape (n, m).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1.0, 2.0, 0.0], [0.0, 3.0, 1.0]])
    >>> check_jacobian(lambda x: A @ x, lambda x: A, np.ones(3)).passed
    True
    >>> check_jacobian(lambda x: A @ x, lambda x: A.T, np.ones(3))
    Traceback (most recent call last):
    ...
    gradref.check.DerivativeShapeError: `jac(x)` must have shape (2, 3) (outputs x inputs); got shape (3, 2)
    """
    return _check(
        f, jac, x, kind="jacobian", method=method, directions=directions,
        rtol=rtol, rng=rng, diagnose=diagnose, precision=precision,
    )  # fmt: skip


def assert_gradient(f, grad, x, *, label: str = "gradient", **options) -> CheckResult:
    """Like :func:`check_gradient`, but raise :class:`DerivativeCheckError` unless it passed.

    An inconclusive check raises too: it did not show the gradient right.

    Examples
    --------
    >>> import numpy as np
    >>> assert_gradient(lambda x: x @ x, lambda x: x, np.ones(2), label="half norm")
    Traceback (most recent call last):
    ...
    gradref.check.DerivativeCheckError: gradient check of half norm FAILED: ...
    """
    result = check_gradient(f, grad, x, **options)
    if not result.passed:
        raise DerivativeCheckError(result.report(label))
    return result


def assert_jacobian(f, jac, x, *, label: str = "Jacobian", **options) -> CheckResult:
    """Like :func:`check_jacobian`, but raise :class:`DerivativeCheckError` unless it passed."""
    result = check_jacobian(f, jac, x, **options)
    if not result.passed:
        raise DerivativeCheckError(result.report(label))
    return result
