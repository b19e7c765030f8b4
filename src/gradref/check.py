"""Numerical checking of gradients and Jacobians.

This module knows nothing about the catalog: it compares a claimed derivative
with finite-difference estimates of the function it belongs to.

The comparison is *directional*.  For a few random directions ``u`` with signed
entries, the claimed directional derivative (``<G, u>`` for a gradient, ``J u``
for a Jacobian) is compared with a numerical estimate of the same quantity:

* the complex step ``Im f(x + i h u) / h`` (one evaluation per direction,
  accurate to rounding), used when ``f`` accepts complex input and returns a
  complex result;
* otherwise central differences with one Richardson extrapolation,
  ``(4 D(h/2) - D(h)) / 3`` (four evaluations per direction, error O(h^4)).

The cost is therefore independent of the dimension of ``x``.  Only when a
check fails is the full numerical derivative computed (one or four
evaluations per coordinate), to say *where* it differs.
"""

from __future__ import annotations

import math
import warnings
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

#: Step of the complex-step derivative. No subtraction happens, so it can be tiny.
COMPLEX_STEP = 1e-20
#: Default relative tolerance per method (relative to the size of the derivative).
DEFAULT_RTOL = {"complex": 1e-10, "central": 1e-8}
#: Default absolute floor, relative to ``max(1, |f(x)|)``.
DEFAULT_ATOL = 1e-11


class DerivativeCheckError(AssertionError):
    """Raised by :func:`assert_gradient` and :func:`assert_jacobian` on a mismatch."""


class DerivativeShapeError(ValueError):
    """The claimed derivative does not have the shape the conventions require."""


@dataclass(frozen=True)
class CheckResult:
    """Outcome of a derivative check.

    Attributes
    ----------
    passed : bool
        Whether every directional derivative agreed within tolerance.
    kind : {"gradient", "jacobian"}
    method : {"complex", "central"}
        How the numerical directional derivatives were computed.
    max_rel_error : float
        Largest ``|claimed - numerical| / scale`` over the directions, where
        ``scale`` is the larger of the Frobenius norm of the claimed derivative
        and the size of the numerical directional derivative.
    max_abs_error : float
        Largest ``|claimed - numerical|`` over the directions.
    evaluations : int
        Calls of ``f`` made by the check (the derivative is called once).
    directions : int
        Number of random directions compared.
    rtol, atol : float
        Tolerances used: the check passes when, for every direction,
        ``|claimed - numerical| <= rtol * scale + atol * max(1, |f(x)|)``.
    worst : tuple of (index, claimed, numerical)
        Only on failure: the entries where the claimed derivative and the
        full numerical derivative differ most, largest first.
    hint : str
        Only on failure: a guess at the mistake (transpose, sign, factor), or
        an explanation when the complex step does not apply.
    """

    passed: bool
    kind: str
    method: str
    max_rel_error: float
    max_abs_error: float
    evaluations: int
    directions: int
    rtol: float
    atol: float
    shape: tuple[int, ...]
    worst: tuple[tuple[tuple[int, ...], float, float], ...] = ()
    hint: str = ""
    numerical: np.ndarray | None = field(default=None, repr=False, compare=False)

    def __bool__(self) -> bool:
        return self.passed

    def report(self, label: str = "derivative") -> str:
        """A human-readable summary of the check, several lines on failure."""
        verdict = "passed" if self.passed else "FAILED"
        lines = [
            f"{self.kind} check of {label} {verdict}: max relative error "
            f"{self.max_rel_error:.2e} (rtol {self.rtol:.0e}), max absolute error "
            f"{self.max_abs_error:.2e}, {self.directions} random directions, "
            f"{self.method} differences, {self.evaluations} function evaluations"
        ]
        if self.worst:
            lines.append("largest differences (index: claimed vs numerical):")
            lines.extend(
                f"  {index}: {claimed:.10g} vs {numerical:.10g}"
                for index, claimed, numerical in self.worst
            )
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)


class _Counted:
    """Wrap ``f`` to count its calls."""

    def __init__(self, f: Callable[[np.ndarray], Any]) -> None:
        self.f = f
        self.calls = 0

    def __call__(self, x: np.ndarray) -> Any:
        self.calls += 1
        return self.f(x)


def _as_point(x: Any) -> np.ndarray:
    try:
        point = np.array(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`x` must be a real array of numbers; got {type(x).__name__}") from exc
    if point.ndim not in (1, 2) or point.size == 0:
        raise ValueError(
            f"`x` must be a non-empty vector (n,) or matrix (m, n); got shape {point.shape}"
        )
    if not np.all(np.isfinite(point)):
        raise ValueError("`x` must be finite; it contains NaN or infinity")
    return point


def _output(f: Callable, point: np.ndarray, kind: str, expected: tuple[int, ...] | None) -> Any:
    """Evaluate ``f`` and validate the shape and finiteness of what it returns."""
    out = np.asarray(f(point))
    if out.dtype == object or not np.issubdtype(out.dtype, np.number):
        raise TypeError(f"`f` must return numbers; got dtype {out.dtype}")
    if not np.all(np.isfinite(out)):
        raise ValueError(
            "`f` returned a non-finite value (NaN or infinity) near `x`; the derivative is "
            "undefined there"
        )
    if kind == "gradient":
        if out.size != 1 or out.ndim > 1:
            raise ValueError(
                f"`f` must return a scalar for a gradient check; got an array of shape {out.shape}"
            )
        out = out.reshape(())
    else:
        if out.ndim != 1:
            raise ValueError(
                f"`f` must return a vector of shape (n,) for a Jacobian check; got shape {out.shape}"
            )
        if expected is not None and out.shape != expected:
            raise ValueError(
                f"`f` returned shape {out.shape} at a perturbed point but {expected} at `x`"
            )
    return out


def _complex_applies(out: np.ndarray) -> bool:
    return np.iscomplexobj(out)


def _central(f: Callable, point: np.ndarray, u: np.ndarray, kind: str, shape):
    """Richardson-extrapolated central difference of ``f`` along ``u`` (4 evaluations).

    Returns ``(estimate, value)``, ``value`` being the mean of the two closest
    evaluations, which approximates ``f(x)`` to O(h^2) without another call.
    """
    h = 1e-3 * max(1.0, float(np.max(np.abs(point))))

    def diff(step: float) -> tuple[np.ndarray, np.ndarray]:
        forward = _output(f, point + step * u, kind, shape).real.astype(float)
        backward = _output(f, point - step * u, kind, shape).real.astype(float)
        return (forward - backward) / (2.0 * step), (forward + backward) / 2.0

    (coarse, _), (fine, value) = diff(h), diff(h / 2.0)
    return (4.0 * fine - coarse) / 3.0, value


def _complex_step(f: Callable, point: np.ndarray, u: np.ndarray, kind: str, shape):
    """Return ``(estimate, value)`` from one complex evaluation, or ``None`` if it does not apply."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            out = _output(f, point + 1j * COMPLEX_STEP * u, kind, shape)
    except (TypeError, np.exceptions.ComplexWarning):
        return None
    if not _complex_applies(out):
        return None
    return out.imag / COMPLEX_STEP, out.real


def _validate_derivative(
    claimed: Any, expected: tuple[int, ...], name: str, what: str
) -> np.ndarray:
    try:
        array = np.asarray(claimed, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`{name}` must return a real array; got {type(claimed).__name__}") from exc
    if array.shape != expected:
        raise DerivativeShapeError(
            f"`{name}(x)` must have shape {expected} ({what}); got shape {array.shape}"
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(f"`{name}(x)` contains NaN or infinity")
    return array


def _check(
    f: Callable,
    derivative: Callable,
    x: Any,
    *,
    kind: Literal["gradient", "jacobian"],
    method: Method,
    directions: int,
    rtol: float | None,
    atol: float,
    rng: np.random.Generator | int | None,
    diagnose: bool = True,
) -> CheckResult:
    if method not in ("auto", "complex", "central"):
        raise ValueError(f"`method` must be 'auto', 'complex' or 'central'; got {method!r}")
    if directions < 1:
        raise ValueError(f"`directions` must be at least 1; got {directions}")
    point = _as_point(x)
    if kind == "jacobian" and point.ndim != 1:
        raise ValueError(f"`x` must be a vector (m,) for a Jacobian check; got shape {point.shape}")
    rng = np.random.default_rng(rng)
    counted = _Counted(f)

    first = rng.standard_normal(point.shape)
    first /= np.linalg.norm(first)
    out_shape = None
    estimates: list[np.ndarray] = []
    used = method
    fx: float | None = None
    if method in ("auto", "complex"):
        step = _complex_step(counted, point, first, kind, None)
        if step is None:
            if method == "complex":
                raise ValueError(
                    "method='complex' needs `f` to accept complex input and return a complex "
                    "result; use method='central' for functions such as abs, maximum or "
                    "comparisons"
                )
            used = "central"
        else:
            used = "complex"
            estimates.append(step[0])
            value = step[1]
            fx = float(np.max(np.abs(value)))
            out_shape = value.shape if kind == "jacobian" else None
    if used == "central":
        estimate, value = _central(counted, point, first, kind, None)
        estimates.append(estimate)
        fx = float(np.max(np.abs(value)))
        out_shape = value.shape if kind == "jacobian" else None

    expected = point.shape if kind == "gradient" else (*out_shape, point.size)
    what = "the shape of `x`" if kind == "gradient" else "outputs x inputs"
    name = "grad" if kind == "gradient" else "jac"
    claimed = _validate_derivative(derivative(point), expected, name, what)

    dirs = [first]
    for _ in range(directions - 1):
        u = rng.standard_normal(point.shape)
        u /= np.linalg.norm(u)
        dirs.append(u)
        if used == "complex":
            step = _complex_step(counted, point, u, kind, out_shape)
            if step is None:  # pragma: no cover - f changed its behaviour between calls
                raise ValueError("`f` stopped returning complex results between evaluations")
            estimates.append(step[0])
        else:
            estimates.append(_central(counted, point, u, kind, out_shape)[0])

    rtol_used = DEFAULT_RTOL[used] if rtol is None else float(rtol)
    floor = atol * max(1.0, fx)
    size = float(np.linalg.norm(claimed))
    passed = True
    max_rel = max_abs = 0.0
    for u, numerical in zip(dirs, estimates, strict=True):
        analytic = np.sum(claimed * u) if kind == "gradient" else claimed @ u
        diff = float(np.linalg.norm(np.atleast_1d(analytic - numerical)))
        scale = max(size, float(np.linalg.norm(np.atleast_1d(numerical))))
        if diff > rtol_used * scale + floor:
            passed = False
        max_abs = max(max_abs, diff)
        max_rel = max(max_rel, diff / scale if scale > 0 else (math.inf if diff > 0 else 0.0))

    common = {
        "kind": kind,
        "method": used,
        "max_rel_error": max_rel,
        "max_abs_error": max_abs,
        "directions": directions,
        "rtol": rtol_used,
        "atol": atol,
        "shape": expected,
    }
    if passed or not diagnose:
        return CheckResult(passed=passed, evaluations=counted.calls, **common)
    full = _full_numerical(counted, point, kind, out_shape, used)
    worst, hint = _diagnose(claimed, full, kind, used)
    return CheckResult(
        passed=False,
        evaluations=counted.calls,
        worst=worst,
        hint=hint,
        numerical=full,
        **common,
    )


def _full_numerical(f, point, kind, out_shape, used) -> np.ndarray:
    """The whole numerical derivative, one coordinate at a time (only on failure)."""
    columns = []
    for i in range(point.size):
        e = np.zeros(point.size)
        e[i] = 1.0
        e = e.reshape(point.shape)
        if used == "complex":
            columns.append(_complex_step(f, point, e, kind, out_shape)[0])
        else:
            columns.append(_central(f, point, e, kind, out_shape)[0])
    if kind == "gradient":
        return np.array(columns, dtype=float).reshape(point.shape)
    return np.array(columns, dtype=float).T


def _diagnose(claimed: np.ndarray, numerical: np.ndarray, kind: str, used: str):
    gap = np.abs(claimed - numerical)
    order = np.argsort(gap, axis=None)[::-1][: min(5, gap.size)]
    worst = tuple(
        (
            tuple(int(i) for i in np.unravel_index(k, gap.shape)),
            float(claimed.flat[k]),
            float(numerical.flat[k]),
        )
        for k in order
    )
    scale = max(float(np.linalg.norm(numerical)), float(np.linalg.norm(claimed)), 1e-300)

    def close(a: np.ndarray) -> bool:
        return float(np.linalg.norm(a - numerical)) <= 1e-6 * scale

    hint = ""
    if float(np.linalg.norm(claimed - numerical)) <= 1e-6 * scale:
        hint = (
            "the full numerical derivative agrees with the claimed one although a directional "
            "check did not; the function may not be smooth at `x`"
        )
    elif claimed.ndim == 2 and claimed.shape[::-1] == numerical.shape and close(claimed.T):
        hint = "the claimed derivative looks transposed"
    elif close(-claimed):
        hint = "the claimed derivative has the wrong sign"
    else:
        denom = float(np.sum(numerical * numerical))
        if denom > 0:
            factor = float(np.sum(claimed * numerical)) / denom
            if abs(factor - 1.0) > 1e-9 and close(claimed / factor):
                hint = f"the claimed derivative is {factor:.6g} times the numerical one"
        if not hint:
            count = int(np.sum(gap > 1e-6 * scale))
            hint = f"{count} of {gap.size} entries differ"
            if used == "complex":
                hint += (
                    "; the complex step assumes `f` is complex-analytic: if `f` uses abs, "
                    "conj, comparisons or np.real, check again with method='central'"
                )
    return worst, hint


def check_gradient(
    f: Callable[[np.ndarray], Any],
    grad: Callable[[np.ndarray], Any],
    x: Any,
    *,
    method: Method = "auto",
    directions: int = 2,
    rtol: float | None = None,
    atol: float = DEFAULT_ATOL,
    rng: np.random.Generator | int | None = None,
    diagnose: bool = True,
) -> CheckResult:
    """Compare ``grad(x)`` with numerical directional derivatives of ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        Scalar function of ``x``, ``f(x) -> float``.
    grad : callable
        Claimed gradient, ``grad(x) -> ndarray`` with the shape of ``x``.
    x : array_like, shape (n,) or (m, n)
        The point, a vector or a matrix.
    method : {"auto", "complex", "central"}, optional
        ``"auto"`` uses the complex step when ``f`` returns a complex result
        for complex input, central differences with Richardson extrapolation
        otherwise.
    directions : int, optional
        Number of random directions (default 2).
    rtol : float, optional
        Relative tolerance; defaults to 1e-10 for the complex step and 1e-8 for
        central differences.
    atol : float, optional
        Absolute floor, multiplied by ``max(1, |f(x)|)`` (default 1e-11).
    rng : numpy.random.Generator or int, optional
        Source of the random directions.
    diagnose : bool, optional
        On failure, compute the full numerical gradient (n more evaluations) to
        report the worst entries and a hint (default).  ``False`` keeps the cost
        of a failing check as low as a passing one.

    Returns
    -------
    CheckResult
        ``passed``, ``max_rel_error``, ``evaluations``, and on failure the
        worst entries and a hint.

    Raises
    ------
    ValueError
        If ``x`` is not a finite vector or matrix, ``f`` does not return a
        scalar, or ``grad(x)`` does not have the shape of ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1.0, 2.0], [0.0, 3.0]])
    >>> f = lambda x: x @ A @ x
    >>> check_gradient(f, lambda x: (A + A.T) @ x, np.array([1.0, -1.0])).passed
    True
    >>> check_gradient(f, lambda x: 2 * A @ x, np.array([1.0, -1.0])).passed
    False
    """
    return _check(
        f, grad, x, kind="gradient", method=method, directions=directions,
        rtol=rtol, atol=atol, rng=rng, diagnose=diagnose,
    )  # fmt: skip


def check_jacobian(
    f: Callable[[np.ndarray], Any],
    jac: Callable[[np.ndarray], Any],
    x: Any,
    *,
    method: Method = "auto",
    directions: int = 2,
    rtol: float | None = None,
    atol: float = DEFAULT_ATOL,
    rng: np.random.Generator | int | None = None,
    diagnose: bool = True,
) -> CheckResult:
    """Compare ``jac(x)`` with numerical directional derivatives ``J u`` of ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        Vector function, ``f(x) -> ndarray`` of shape (n,).
    jac : callable
        Claimed Jacobian, ``jac(x) -> ndarray`` of shape (n, m): rows are
        outputs, columns are inputs.
    x : array_like, shape (m,)
        The point.
    method, directions, rtol, atol, rng, diagnose
        As in :func:`check_gradient`.  Each direction compares the whole
        vector ``J u`` with its numerical estimate.

    Returns
    -------
    CheckResult

    Raises
    ------
    ValueError
        If ``x`` is not a finite vector, ``f`` does not return a vector, or
        ``jac(x)`` is not of shape (n, m).

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
        rtol=rtol, atol=atol, rng=rng, diagnose=diagnose,
    )  # fmt: skip


def assert_gradient(f, grad, x, *, label: str = "gradient", **options) -> CheckResult:
    """Like :func:`check_gradient`, but raise :class:`DerivativeCheckError` on a mismatch.

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
    """Like :func:`check_jacobian`, but raise :class:`DerivativeCheckError` on a mismatch."""
    result = check_jacobian(f, jac, x, **options)
    if not result.passed:
        raise DerivativeCheckError(result.report(label))
    return result
