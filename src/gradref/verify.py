"""Numerical verification of catalog identities with the derivative checker."""

from __future__ import annotations

import dataclasses
import numbers
from dataclasses import dataclass

import numpy as np

from gradref.catalog import Identity, Mistake
from gradref.check import CheckResult, DerivativeShapeError, check_gradient, check_jacobian

__all__ = [
    "DIMENSIONS",
    "MistakeResult",
    "VerificationError",
    "VerifyResult",
    "assert_verified",
    "hessian_identity",
    "verify",
    "verify_hessian",
    "verify_mistakes",
]

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


def _as_vector_problem(identity: Identity, inputs: dict):
    """The identity at ``inputs`` as f(v) and its derivative, for the checker.

    A gradient is checked as it is (any shape). A Jacobian of a matrix-valued function or
    with respect to a matrix is checked on the flattened (row-major) output and variable:
    its derivative has shape ``output.shape + wrt.shape``, which becomes
    ``(output.size, wrt.size)``.
    """
    x = inputs[identity.wrt]
    shape = np.shape(x)

    def at(v):  # a scalar variable, checked as a vector of one entry, is given back as a scalar
        return {**inputs, identity.wrt: np.reshape(v, shape)}

    if identity.kind == "vjp":  # the gradient of <C̄, value> is the adjoint
        cotangent = inputs[identity.cotangent]
        arguments = {k: v for k, v in inputs.items() if k != identity.cotangent}

        def contracted(v):
            output = identity.value(**{**arguments, identity.wrt: np.reshape(v, shape)})
            if np.shape(output) != np.shape(cotangent):
                raise DerivativeShapeError(
                    f"identity {identity.id!r}: the cotangent `{identity.cotangent}` has shape "
                    f"{np.shape(cotangent)}, the value {np.shape(output)}"
                )
            return np.sum(cotangent * output)

        return contracted, lambda v: identity.derivative(**at(v)), x

    if identity.kind == "gradient" or (np.ndim(x) == 1 and np.ndim(identity.value(**inputs)) == 1):
        return (
            lambda v: identity.value(**at(v)),
            lambda v: identity.derivative(**at(v)),
            x,
        )
    size = int(np.size(x))

    def value(v):
        return np.reshape(identity.value(**at(v)), -1)

    def derivative(v):
        claimed = np.asarray(identity.derivative(**at(v)))
        if claimed.size % size or claimed.shape[claimed.ndim - len(shape) :] != shape:
            raise DerivativeShapeError(
                f"identity {identity.id!r}: the derivative must have shape "
                f"output.shape + {shape} (the shape of `{identity.wrt}`); got {claimed.shape}"
            )
        return claimed.reshape(-1, size)

    return value, derivative, np.reshape(x, -1)


def hessian_identity(identity: Identity) -> Identity:
    """The identity's Hessian as an identity of its own: the Jacobian of the gradient.

    Raises
    ------
    ValueError
        If the identity has no ``hessian``.
    """
    if identity.hessian is None:
        raise ValueError(f"identity {identity.id!r} has no `hessian`")
    return dataclasses.replace(
        identity,
        id=f"{identity.id}:hessian",
        kind="jacobian",
        value=identity.derivative,
        derivative=identity.hessian,
        hessian=None,
        hessian_formula="",
        mistakes=(),
        sample=identity.sample,
    )


def verify_hessian(
    identity: Identity, rng=None, dims: tuple[int, ...] = DIMENSIONS
) -> VerifyResult:
    """Verify ``identity.hessian`` numerically, as the Jacobian of ``identity.derivative``.

    A Hessian declared ``"zero"`` (the gradient does not depend on ``wrt``) is verified by
    evaluating the gradient at the sample and at three independent draws of ``wrt``: they
    must agree to 1e-12 relative (the checker cannot measure a relative error on a zero
    derivative, so it would call it inconclusive).
    """
    if not isinstance(identity.hessian, str):
        return verify(hessian_identity(identity), rng=rng, dims=dims)
    sizes = _sizes(dims, identity)
    rng = np.random.default_rng(rng)
    worst, checks, evaluations = 0.0, [], 0
    for n in sizes:
        inputs = identity.sample(rng, n)
        base = np.asarray(identity.derivative(**inputs), dtype=float)
        scale = max(float(np.max(np.abs(base))), np.finfo(float).tiny)
        gap = 0.0
        for _ in range(3):
            other = identity.sample(rng, n)[identity.wrt]
            moved = np.asarray(identity.derivative(**{**inputs, identity.wrt: other}))
            gap = max(gap, float(np.max(np.abs(moved - base))) / scale)
        evaluations += 4
        worst = max(worst, gap)
        checks.append((n, f"the gradient moved by {gap:.1e} (relative) across four points"))
    verdict = "passed" if worst <= 1e-12 else "failed"
    return VerifyResult(f"{identity.id}:hessian", verdict, worst, evaluations, tuple(checks))


@dataclass(frozen=True)
class MistakeResult:
    """A listed mistake and its verification (which must fail)."""

    mistake: Mistake
    result: VerifyResult

    @property
    def rejected(self) -> bool:
        """Whether the verification failed, as it must."""
        return self.result.verdict == "failed"


def verify_mistakes(
    identity: Identity,
    rng=None,
    dims: tuple[int, ...] = DIMENSIONS,
    *,
    stop_on_failure: bool = False,
):
    """Verify each of ``identity.mistakes`` in place of the derivative; each must fail.

    With ``stop_on_failure``, each mistake is checked up to the first size where it fails
    (the verdict is the same; its largest error is that of the sizes checked).

    Returns
    -------
    tuple of MistakeResult
    """
    return tuple(
        MistakeResult(
            mistake,
            verify(
                dataclasses.replace(
                    identity, id=f"{identity.id}:mistake-{index}", derivative=mistake.derivative
                ),
                rng=rng,
                dims=dims,
                stop_on_failure=stop_on_failure,
            ),
        )
        for index, mistake in enumerate(identity.mistakes, start=1)
    )


def verify(
    identity: Identity,
    rng: np.random.Generator | int | None = None,
    dims: tuple[int, ...] = DIMENSIONS,
    *,
    stop_on_failure: bool = False,
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
    stop_on_failure : bool, optional
        Stop at the first size that fails: the verdict is the same ("failed"), and the
        sizes after it are neither drawn nor checked (nor listed in ``checks``). For a
        caller that needs only the verdict of a wrong derivative, such as a test that every
        mutation of a formula is rejected.

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
    >>> [n for n, _ in verify(wrong, rng=0, stop_on_failure=True).checks]  # 2Ax = (A + A^T)x at n = 1
    [1, 2]
    """
    if not isinstance(identity, Identity):
        raise TypeError(f"`identity` must be an Identity; got {type(identity).__name__}")
    if not isinstance(stop_on_failure, bool):
        raise TypeError(f"`stop_on_failure` must be True or False; got {stop_on_failure!r}")
    sizes = _sizes(dims, identity)
    rng = np.random.default_rng(rng)
    checker = check_jacobian if identity.kind == "jacobian" else check_gradient
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

            value, derivative, point = _as_vector_problem(identity, inputs)

            try:
                result = checker(value, derivative, point, rng=rng)
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
        if failed and stop_on_failure:
            break
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
