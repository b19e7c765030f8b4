"""Numerical verification of catalog identities with the derivative checker."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradref.catalog import Identity
from gradref.check import CheckResult, DerivativeShapeError, check_gradient, check_jacobian

__all__ = ["DIMENSIONS", "VerificationError", "VerifyResult", "assert_verified", "verify"]

#: Dimensions at which every identity is checked (fixed-dimension identities
#: are checked on as many independent samples instead).
DIMENSIONS = (1, 2, 3, 5, 8)


class VerificationError(AssertionError):
    """An identity failed verification; the message names it."""


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of :func:`verify`.

    Attributes
    ----------
    id : str
        The identity's id.
    passed : bool
        Whether every check passed.
    max_rel_error : float
        Largest relative error over all checks (see :class:`gradref.CheckResult`).
    evaluations : int
        Total function evaluations over all checks.
    checks : tuple of (int, CheckResult or str)
        Per dimension, the checker's result, or a message when the claimed
        derivative had the wrong shape.
    """

    id: str
    passed: bool
    max_rel_error: float
    evaluations: int
    checks: tuple[tuple[int, CheckResult | str], ...]

    def __bool__(self) -> bool:
        return self.passed

    def report(self) -> str:
        """One line per dimension, with the checker's report for failures."""
        verdict = "passed" if self.passed else "FAILED"
        lines = [
            f"identity {self.id!r} {verdict} numerical verification: max relative error "
            f"{self.max_rel_error:.2e} over {len(self.checks)} samples, "
            f"{self.evaluations} function evaluations"
        ]
        for n, check in self.checks:
            if isinstance(check, str):
                lines.append(f"  n={n}: {check}")
            elif not check.passed:
                lines.append(f"  n={n}: " + check.report(self.id).replace("\n", "\n    "))
        return "\n".join(lines)


def verify(
    identity: Identity,
    rng: np.random.Generator | int | None = None,
    dims: tuple[int, ...] = DIMENSIONS,
) -> VerifyResult:
    """Check an identity's claimed derivative against its value, numerically.

    For each dimension in `dims`, draw random inputs with ``identity.sample``
    and run :func:`gradref.check_gradient` (or :func:`gradref.check_jacobian`)
    on ``identity.value`` and ``identity.derivative`` with respect to
    ``identity.wrt``.

    Parameters
    ----------
    identity : Identity
        Any identity, including a variant made with ``dataclasses.replace``.
    rng : numpy.random.Generator or int, optional
        Seed or generator for the samples and the directions.
    dims : tuple of int, optional
        Dimensions to try.

    Returns
    -------
    VerifyResult

    Examples
    --------
    >>> import dataclasses, gradref
    >>> identity = gradref.get("quadratic.grad-x")
    >>> verify(identity, rng=0).passed
    True
    >>> wrong = dataclasses.replace(identity, derivative=lambda A, x: 2 * A @ x)
    >>> verify(wrong, rng=0).passed
    False
    """
    if not isinstance(identity, Identity):
        raise TypeError(f"`identity` must be an Identity; got {type(identity).__name__}")
    rng = np.random.default_rng(rng)
    checker = check_gradient if identity.kind == "gradient" else check_jacobian
    checks: list[tuple[int, CheckResult | str]] = []
    passed, worst, evaluations = True, 0.0, 0
    for n in dims:
        inputs = identity.sample(rng, n)

        def value(v, inputs=inputs):
            return identity.value(**{**inputs, identity.wrt: v})

        def derivative(v, inputs=inputs):
            return identity.derivative(**{**inputs, identity.wrt: v})

        try:
            result = checker(value, derivative, inputs[identity.wrt], rng=rng)
        except DerivativeShapeError as exc:
            checks.append((n, f"wrong shape: {exc}"))
            passed, worst = False, float("inf")
            continue
        checks.append((n, result))
        passed = passed and result.passed
        worst = max(worst, result.max_rel_error)
        evaluations += result.evaluations
    return VerifyResult(identity.id, passed, worst, evaluations, tuple(checks))


def assert_verified(identity: Identity, **options) -> VerifyResult:
    """Like :func:`verify`, but raise :class:`VerificationError` naming the identity."""
    result = verify(identity, **options)
    if not result.passed:
        raise VerificationError(result.report())
    return result
