"""Numerical verification of catalog identities with the derivative checker."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from gradref.catalog import Identity
from gradref.check import CheckResult, DerivativeShapeError, check_gradient, check_jacobian

__all__ = ["DIMENSIONS", "VerificationError", "VerifyResult", "assert_verified", "verify"]

#: Dimensions at which every identity is checked (fixed-dimension identities
#: are checked on as many independent samples instead).
DIMENSIONS = (1, 2, 3, 5, 8)
#: New samples drawn at a size whose check was inconclusive (e.g. a stationary point),
#: before the inconclusive verdict is kept. A failure is never redrawn.
REDRAWS = 3


class VerificationError(AssertionError):
    """An identity failed verification, or could not be verified; the message names it."""


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of :func:`verify`.

    Attributes
    ----------
    id : str
        The identity's id.
    verdict : {"passed", "failed", "inconclusive"}
        ``"failed"`` if any check failed (or a formula raised), otherwise
        ``"inconclusive"`` if any size stayed inconclusive after redrawing.
    max_rel_error : float
        Largest relative error over the conclusive checks (see :class:`gradref.CheckResult`).
    evaluations : int
        Total function evaluations over all checks.
    checks : tuple of (int, CheckResult or str)
        Per size (``n``), the checker's result, or a message when the claimed
        derivative had the wrong shape or a formula raised. Inconclusive
        attempts that were redrawn are listed too.
    error : BaseException or None
        The first exception a formula raised, if any.
    """

    id: str
    verdict: str
    max_rel_error: float
    evaluations: int
    checks: tuple[tuple[int, CheckResult | str], ...]
    error: BaseException | None = None

    @property
    def passed(self) -> bool:
        """Whether the verdict is ``"passed"``."""
        return self.verdict == "passed"

    def __bool__(self) -> bool:
        return self.passed

    @property
    def sizes(self) -> tuple[int, ...]:
        """The distinct sizes ``n`` that were checked."""
        return tuple(sorted({n for n, _ in self.checks}))

    def report(self) -> str:
        """One line per size, with the checker's report for anything but a pass."""
        verdict = {"passed": "passed", "failed": "FAILED", "inconclusive": "INCONCLUSIVE"}
        lines = [
            f"identity {self.id!r} {verdict[self.verdict]} numerical verification: max relative "
            f"error {self.max_rel_error:.2e} over {len(self.checks)} samples at sizes "
            f"{', '.join(map(str, self.sizes))}, {self.evaluations} function evaluations"
        ]
        for n, check in self.checks:
            if isinstance(check, str):
                lines.append(f"  n={n}: {check}")
            elif not check.passed:
                lines.append(f"  n={n}: " + check.report(self.id).replace("\n", "\n    "))
        return "\n".join(lines)


def _sizes(dims, identity: Identity) -> tuple[int, ...]:
    if isinstance(dims, numbers.Integral) or not hasattr(dims, "__iter__"):
        raise TypeError(f"`dims` must be a tuple of sizes; got {dims!r}")
    sizes = tuple(dims)
    for n in sizes:
        if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
            raise ValueError(f"`dims` must hold positive integers; got {n!r}")
    if len(sizes) < 2 or (not identity.fixed_dimension and len(set(sizes)) < 2):
        what = "samples" if identity.fixed_dimension else "distinct sizes"
        raise ValueError(
            f"`dims` must give at least two {what}, so that a pass is not vacuous; got {sizes!r}"
        )
    return sizes


def verify(
    identity: Identity,
    rng: np.random.Generator | int | None = None,
    dims: tuple[int, ...] = DIMENSIONS,
) -> VerifyResult:
    """Check an identity's claimed derivative against its value, numerically.

    For each size ``n`` in `dims`, draw random inputs with ``identity.sample``
    and run :func:`gradref.check_gradient` (or :func:`gradref.check_jacobian`)
    on ``identity.value`` and ``identity.derivative`` with respect to
    ``identity.wrt``. A size whose check is inconclusive (a stationary point,
    say) is redrawn up to ``REDRAWS`` times; a failure is final.

    Parameters
    ----------
    identity : Identity
        Any identity, including a variant made with ``dataclasses.replace``.
    rng : numpy.random.Generator or int, optional
        Seed or generator for the samples and the directions.
    dims : tuple of int, optional
        Sizes to try: at least two distinct ones (at least two entries for an identity of
        fixed dimension, each an independent sample).

    Returns
    -------
    VerifyResult

    Raises
    ------
    TypeError, ValueError
        If `identity` is not an Identity, `dims` gives fewer than two sizes, or the
        identity's ``wrt`` is not one of its sampled inputs.

    Examples
    --------
    >>> import dataclasses, gradref
    >>> identity = gradref.get("quadratic.grad-x")
    >>> verify(identity, rng=0).verdict
    'passed'
    >>> wrong = dataclasses.replace(identity, derivative=lambda A, x: 2 * A @ x)
    >>> verify(wrong, rng=0).verdict
    'failed'
    """
    if not isinstance(identity, Identity):
        raise TypeError(f"`identity` must be an Identity; got {type(identity).__name__}")
    sizes = _sizes(dims, identity)
    rng = np.random.default_rng(rng)
    checker = check_gradient if identity.kind == "gradient" else check_jacobian
    checks: list[tuple[int, CheckResult | str]] = []
    failed = inconclusive = False
    worst, evaluations, error = 0.0, 0, None
    for n in sizes:
        for _attempt in range(1 + REDRAWS):
            try:
                inputs = identity.sample(rng, n)
            except Exception as exc:
                checks.append((n, f"the sampler raised {type(exc).__name__}: {exc}"))
                failed, error = True, error or exc
                break
            if identity.wrt not in inputs:
                raise ValueError(
                    f"identity {identity.id!r}: `wrt` is {identity.wrt!r}, which is not one of "
                    f"its inputs ({', '.join(inputs)})"
                )

            def value(v, inputs=inputs):
                return identity.value(**{**inputs, identity.wrt: v})

            def derivative(v, inputs=inputs):
                return identity.derivative(**{**inputs, identity.wrt: v})

            try:
                result = checker(value, derivative, inputs[identity.wrt], rng=rng)
            except DerivativeShapeError as exc:
                checks.append((n, f"wrong shape: {exc}"))
                failed, worst = True, float("inf")
                break
            except Exception as exc:
                checks.append((n, f"a formula raised {type(exc).__name__}: {exc}"))
                failed, error = True, error or exc
                break
            checks.append((n, result))
            evaluations += result.evaluations
            if result.verdict != "inconclusive":
                worst = max(worst, result.max_rel_error)
                failed |= result.verdict == "failed"
                break
        else:
            inconclusive = True
    verdict = "failed" if failed else "inconclusive" if inconclusive else "passed"
    return VerifyResult(identity.id, verdict, worst, evaluations, tuple(checks), error)


def assert_verified(identity: Identity, **options) -> VerifyResult:
    """Like :func:`verify`, but raise :class:`VerificationError` naming the identity unless it passed.

    The exception a formula raised, if any, is chained as the cause.
    """
    result = verify(identity, **options)
    if not result.passed:
        raise VerificationError(result.report()) from result.error
    return result
