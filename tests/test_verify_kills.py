"""The verifier's contract, pinned where `nox -s mutants` showed no other test did (issue 18).

Each test states a property of :mod:`gradref.verify`; the mutants it kills are named in its
comment (mutmut's operators: an argument replaced by None or dropped, a string changed to
"XX...XX" or another case, an operator, a comparison or a number changed).
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gradref
from gradref.catalog import Identity, Mistake
from gradref.shapes import Arr, shaped, shaped_like
from gradref.verify import (
    REDRAWS,
    MistakeResult,
    VerificationError,
    VerifyResult,
    assert_verified,
    hessian_identity,
    verify,
    verify_hessian,
    verify_mistakes,
)


def exact(message: str) -> str:
    """A `match` pattern for exactly ``message``."""
    return "^" + re.escape(message) + "$"


def sum_of_squares(x):
    return float(np.sum(x**2))


def twice(x):
    return 2 * x


def custom(sample, value=sum_of_squares, derivative=twice, **changes) -> Identity:
    """A gradient identity of f(x) = |x|^2 with the given sampler (inputs not annotated)."""
    fields = {
        "id": "t.sq",
        "title": "t",
        "wrt": "x",
        "kind": "gradient",
        "value": value,
        "derivative": derivative,
        "symbolic": lambda **symbols: (None, None),
        "sources": (),
        "formula": "f",
        "sample": sample,
    }
    return Identity(**(fields | changes))


def jacobian(value, wrt, derivative) -> Identity:
    """A Jacobian identity whose inputs are sampled from their shape annotations."""
    return Identity(
        id="t.jac",
        title="t",
        formula="f",
        wrt=wrt,
        kind="jacobian",
        value=value,
        derivative=derivative,
        symbolic=lambda **symbols: (None, None),
        sources=(),
    )


def normal_sample(rng, n):
    return {"x": rng.standard_normal(n)}


# -- dims -------------------------------------------------------------------------------------


@pytest.mark.parametrize("dims", [3, np.int64(3), None, 2.5])
def test_dims_that_is_not_a_collection_is_refused(dims):
    # Kills the TypeError's message mutated, and `or` -> `and` in its condition.
    with pytest.raises(TypeError, match=exact(f"`dims` must be a tuple of sizes; got {dims!r}")):
        verify(gradref.get("linear.inner"), dims=dims)


@pytest.mark.parametrize("bad", [0, -1, True, 2.0, "3"])
def test_dims_must_hold_positive_integers(bad):
    # Kills `n < 1` -> `n <= 1` / `n < 2` (with the accepted 1 below), the bool test dropped,
    # and the message mutated.
    message = f"`dims` must hold positive integers; got {bad!r}"
    with pytest.raises(ValueError, match=exact(message)):
        verify(gradref.get("linear.inner"), dims=(1, bad))
    assert [n for n, _ in verify(gradref.get("linear.inner"), rng=0, dims=[1, 2]).checks] == [1, 2]


def test_dims_needs_two_distinct_sizes_or_two_samples_of_a_fixed_dimension():
    # Kills `len(sizes) < 2` -> `<= 2` / `< 3`, `len(set(sizes)) < 2` -> `<= 2`, `or` -> `and`,
    # "samples" / "distinct sizes" swapped or mutated, and the message mutated.
    general = gradref.get("linear.inner")
    for dims in [(2,), (2, 2), (3, 3, 3)]:
        message = (
            "`dims` must give at least two distinct sizes, so that a pass is not vacuous; "
            f"got {dims!r}"
        )
        with pytest.raises(ValueError, match=exact(message)):
            verify(general, dims=dims)
    assert verify(general, rng=0, dims=(2, 2, 3)).sizes == (2, 3)
    fixed = next(i for i in gradref.catalog() if i.fixed_dimension and i.kind == "gradient")
    message = "`dims` must give at least two samples, so that a pass is not vacuous; got (4,)"
    with pytest.raises(ValueError, match=exact(message)):
        verify(fixed, dims=(4,))
    with pytest.raises(ValueError, match=exact(message)):
        verify_hessian(dataclasses.replace(fixed, hessian="zero", hessian_formula="0"), dims=(4,))
    result = verify(fixed, rng=0, dims=(4, 4))
    assert result.passed, result.report()
    assert [n for n, _ in result.checks] == [4, 4]
    assert result.sizes == (4,)


# -- the result -------------------------------------------------------------------------------


def test_a_result_is_truthy_exactly_when_it_passed():
    # Kills `self.verdict == "passed"` mutated, and `__bool__` returning anything else.
    for verdict in ("passed", "failed", "inconclusive"):
        result = VerifyResult("t.x", verdict, 0.0, 0, ((2, "x"), (1, "y"), (2, "z")))
        assert result.passed is (verdict == "passed")
        assert bool(result) is (verdict == "passed")
        assert result.sizes == (1, 2)
        assert result.error is None


# -- what each attempt records ------------------------------------------------------------------


class Boom(RuntimeError):
    pass


def test_a_sampler_that_raises_fails_that_size_and_the_others_are_still_drawn():
    # Kills the sampler's message mutated, `failed` not set, `error or exc` -> `error and exc`
    # / `exc` dropped, and `break` -> `continue` after it (which would redraw).
    calls = []

    def sample(rng, n):
        calls.append(n)
        if n == 2:
            raise Boom(f"no sample at n={n}")
        return normal_sample(rng, n)

    result = verify(custom(sample), rng=0, dims=(1, 2, 3))
    assert calls == [1, 2, 3]
    assert result.verdict == "failed"
    assert [n for n, _ in result.checks] == [1, 2, 3]
    assert result.checks[1] == (2, "the sampler raised Boom: no sample at n=2")
    assert isinstance(result.error, Boom)
    assert str(result.error) == "no sample at n=2"
    assert result.checks[0][1].passed
    assert result.checks[2][1].passed
    assert result.max_rel_error == max(
        result.checks[0][1].max_rel_error, result.checks[2][1].max_rel_error
    )
    assert "  n=2: the sampler raised Boom: no sample at n=2" in result.report().split("\n")
    stopped = verify(custom(sample), rng=0, dims=(2, 1, 3), stop_on_failure=True)
    assert [n for n, _ in stopped.checks] == [2]
    assert stopped.verdict == "failed"


def test_a_formula_that_raises_fails_and_the_first_exception_is_kept():
    # Kills the formula's message mutated, `error or exc` -> `error and exc` / `exc or error`,
    # and the failure not recorded.
    def derivative(x):
        raise ZeroDivisionError(f"at size {x.size}")

    result = verify(custom(normal_sample, derivative=derivative), rng=0, dims=(2, 3))
    assert result.verdict == "failed"
    assert result.checks == (
        (2, "a formula raised ZeroDivisionError: at size 2"),
        (3, "a formula raised ZeroDivisionError: at size 3"),
    )
    assert str(result.error) == "at size 2"
    assert result.max_rel_error == 0.0
    assert result.evaluations == 0
    with pytest.raises(VerificationError, match=r"^identity 't\.sq' FAILED") as raised:
        assert_verified(custom(normal_sample, derivative=derivative), rng=0, dims=(2, 3))
    assert raised.value.__cause__ is not None
    assert str(raised.value.__cause__) == "at size 2"


def test_a_passing_identity_raises_nothing_and_chains_no_cause():
    result = assert_verified(custom(normal_sample), rng=0, dims=(1, 2))
    assert result.passed
    assert result.error is None


def test_wrt_that_the_sampler_does_not_give_is_refused():
    # Kills the message mutated (including `', '.join` -> `'XX, XX'.join`).
    def sample(rng, n):
        return {"y": rng.standard_normal(n), "z": rng.standard_normal(n)}

    message = "identity 't.sq': `wrt` is 'x', which is not one of its inputs (y, z)"
    with pytest.raises(ValueError, match=exact(message)):
        verify(custom(sample), rng=0, dims=(1, 2))


def test_a_stationary_point_is_redrawn_and_a_later_draw_decides():
    # Kills `range(1 + REDRAWS)` -> `range(REDRAWS)` / `range(2 + REDRAWS)`, `inconclusive`
    # set after a successful redraw, and the inconclusive attempt left out of `checks`.
    draws = {}

    def sample(rng, n):
        draws[n] = draws.get(n, 0) + 1
        stationary = draws[n] <= REDRAWS  # the gradient of |x|^2 is zero at x = 0
        return {"x": np.zeros(n) if stationary else rng.standard_normal(n)}

    result = verify(custom(sample), rng=0, dims=(1, 2))
    assert result.verdict == "passed", result.report()
    verdicts = [(n, check.verdict) for n, check in result.checks]
    assert verdicts == [
        *[(1, "inconclusive")] * REDRAWS, (1, "passed"),
        *[(2, "inconclusive")] * REDRAWS, (2, "passed"),
    ]  # fmt: skip
    assert result.evaluations == sum(check.evaluations for _, check in result.checks)
    assert result.max_rel_error == max(c.max_rel_error for _, c in result.checks if c.passed)


def test_a_size_that_stays_inconclusive_makes_the_verdict_inconclusive():
    # Kills the for-else's `inconclusive = True` mutated, the verdict's order of precedence
    # ("failed" before "inconclusive" before "passed"), and "INCONCLUSIVE" in the report.
    def sample(rng, n):
        return {"x": np.zeros(n)}

    result = verify(custom(sample), rng=0, dims=(1, 2))
    assert result.verdict == "inconclusive"
    assert [n for n, _ in result.checks] == [1] * (1 + REDRAWS) + [2] * (1 + REDRAWS)
    assert all(check.verdict == "inconclusive" for _, check in result.checks)
    assert result.max_rel_error == 0.0  # over the conclusive checks: none
    assert not result
    report = result.report()
    assert report.startswith("identity 't.sq' INCONCLUSIVE numerical verification")
    assert report.count("\n  n=1: ") == 1 + REDRAWS
    with pytest.raises(VerificationError, match=r"^identity 't\.sq' INCONCLUSIVE"):
        assert_verified(custom(sample), rng=0, dims=(1, 2))

    def half(rng, n):  # inconclusive at n = 1, a failure at n = 2
        return {"x": np.zeros(n) if n == 1 else rng.standard_normal(n)}

    wrong = custom(half, derivative=lambda x: 3 * x)
    assert verify(wrong, rng=0, dims=(1, 2)).verdict == "failed"
    assert verify(wrong, rng=0, dims=(2, 1)).verdict == "failed"


# -- the vector problem -------------------------------------------------------------------------


def test_a_jacobian_of_the_wrong_shape_names_the_expected_shape():
    # Kills the shape test of a matrix variable's Jacobian (`%` -> `/`, `or` -> `and`, the
    # slice mutated) and its message.
    identity = next(
        i
        for i in gradref.catalog()
        if i.kind == "jacobian" and i.sample(np.random.default_rng(0), 2)[i.wrt].ndim == 2
    )
    inputs = identity.sample(np.random.default_rng(0), 2)
    shape = inputs[identity.wrt].shape
    output = np.shape(identity.value(**inputs))

    def reshaped(new_shape):
        def derivative(**inputs):
            return np.zeros(
                new_shape(np.shape(identity.value(**inputs)), inputs[identity.wrt].shape)
            )

        return dataclasses.replace(identity, derivative=derivative)

    def message(got):
        return (
            f"wrong shape: identity {identity.id!r}: the derivative must have shape "
            f"output.shape + {shape} (the shape of `{identity.wrt}`); got {got}"
        )

    cases = {
        "transposed variable": lambda out, w: (*out, *w[::-1]),
        "an entry short": lambda out, w: (int(np.prod(out)) * int(np.prod(w)) - 1,),
        "variable flattened": lambda out, w: (*out, int(np.prod(w))),
    }
    for name, new_shape in cases.items():
        result = verify(reshaped(new_shape), rng=0, dims=(2, 3))
        got = new_shape(output, shape)
        assert result.checks[0] == (2, message(got)), name
        assert result.max_rel_error == np.inf
    flat = verify(reshaped(lambda out, w: (int(np.prod(out)), *w)), rng=0, dims=(2, 3))
    assert flat.passed or flat.verdict == "failed"  # the right size and trailing shape: checked
    assert not isinstance(flat.checks[0][1], str)


def test_a_vjp_whose_cotangent_does_not_match_the_value_is_a_shape_error():
    # Kills the cotangent's shape test (`!=` -> `==`) and its message.
    identity = gradref.get("factorizations.trisolve-lower")

    def sample(rng, n):
        inputs = identity.sample(rng, n)
        return {**inputs, identity.cotangent: np.ones((*inputs[identity.cotangent].shape, 1))}

    def unchecked(**inputs):  # the catalog's adjoint would refuse the cotangent itself
        return np.zeros_like(inputs[identity.wrt])

    wrong = dataclasses.replace(identity, sample=sample, derivative=unchecked)
    result = verify(wrong, rng=0, dims=(2, 3))
    right = identity.sample(np.random.default_rng(0), 2)[identity.cotangent].shape
    n, check = result.checks[0]
    assert n == 2
    assert check == (
        f"wrong shape: identity {identity.id!r}: the cotangent `{identity.cotangent}` has shape "
        f"{(*right, 1)}, the value {right}"
    )
    assert result.verdict == "failed"
    assert verify(identity, rng=0, dims=(2, 3)).passed


@shaped
def scaled(t: Arr[""], x: Arr["n"]):  # noqa: F722, F821, UP037 (jaxtyping shapes)
    return t * x


@shaped_like(scaled)
def d_scaled(t, x):
    return x


def test_a_jacobian_with_respect_to_a_scalar_gives_the_formulas_a_scalar():
    # The checker sees a scalar variable as a vector of one entry; the formulas are given
    # it back as a scalar, the shape their annotations declare (a (1,) array was refused by
    # `Arr[""]`, so such an identity failed whatever its derivative). Kills
    # `np.reshape(v, shape)` -> `np.reshape(v, None)` in `at`.
    identity = jacobian(scaled, "t", d_scaled)
    result = verify(identity, rng=0, dims=(1, 2, 3))
    assert result.passed, result.report()
    assert all(check.passed for _, check in result.checks)
    wrong = dataclasses.replace(identity, derivative=lambda t, x: 2 * x)
    assert verify(wrong, rng=0, dims=(1, 2, 3)).verdict == "failed"
    assert all(not isinstance(c, str) for _, c in verify(wrong, rng=0, dims=(1, 2)).checks)


@shaped
def matvec(A: Arr["m n"], x: Arr["n"]):  # noqa: F722, F821, UP037 (jaxtyping shapes)
    return A @ x


@shaped_like(matvec)
def jac_matvec_in_A(A, x):  # d(Ax)_i / dA_jk = delta_ij x_k
    return np.einsum("ij,k->ijk", np.eye(A.shape[0]), x)


@shaped
def outer(x: Arr["n"]):  # noqa: F821, UP037 (jaxtyping shapes)
    return np.outer(x, x)


@shaped_like(outer)
def jac_outer(x):  # d(x x^T)_ij / dx_k = delta_ik x_j + x_i delta_jk
    eye = np.eye(x.size)
    return np.einsum("ik,j->ijk", eye, x) + np.einsum("i,jk->ijk", x, eye)


@pytest.mark.parametrize(
    ("value", "wrt", "derivative", "wrong"),
    [
        # a matrix variable, a vector value
        (
            matvec,
            "A",
            jac_matvec_in_A,
            lambda A, x: np.einsum("ij,k->ijk", np.eye(A.shape[0]), x[::-1]),
        ),
        # a vector variable, a matrix value
        (outer, "x", jac_outer, lambda x: 2 * np.einsum("ik,j->ijk", np.eye(x.size), x)),
    ],
    ids=["matrix-variable", "matrix-value"],
)
def test_a_jacobian_is_flattened_when_the_variable_or_the_value_is_not_a_vector(
    value, wrt, derivative, wrong
):
    # The checker takes a vector variable and a vector value: the Jacobian of a matrix
    # variable or of a matrix value is checked on both flattened. Kills
    # `np.ndim(x) == 1 and np.ndim(value) == 1` -> `or`.
    identity = jacobian(value, wrt, derivative)
    result = verify(identity, rng=0, dims=(1, 2, 3))
    assert result.passed, result.report()
    failed = verify(dataclasses.replace(identity, derivative=wrong), rng=0, dims=(2, 3))
    assert failed.verdict == "failed"
    assert all(check.verdict == "failed" for _, check in failed.checks)


# -- Hessians ---------------------------------------------------------------------------------


def test_hessian_identity_is_the_jacobian_of_the_gradient():
    # Kills every field of the replacement mutated or dropped.
    identity = next(i for i in gradref.catalog() if callable(i.hessian) and i.mistakes)
    h = hessian_identity(identity)
    assert h.id == f"{identity.id}:hessian"
    assert h.kind == "jacobian"
    assert h.value is identity.derivative
    assert h.derivative is identity.hessian
    assert h.hessian is None
    assert h.hessian_formula == ""
    assert h.mistakes == ()
    assert h.sample is identity.sample
    assert h.wrt == identity.wrt
    message = "identity 'linear.inner' has no `hessian`"
    with pytest.raises(ValueError, match=exact(message)):
        hessian_identity(
            dataclasses.replace(gradref.get("linear.inner"), hessian=None, hessian_formula="")
        )


def test_hessian_identity_keeps_a_given_sampler():
    # Kills `sample=identity.sample` -> `sample=None`: an identity whose inputs are not
    # annotated has no sampler to derive, so its own must be kept.
    identity = custom(normal_sample, hessian=lambda x: 2 * np.eye(x.size), hessian_formula="2I")
    h = hessian_identity(identity)
    assert h.sample is normal_sample
    result = verify_hessian(identity, rng=0, dims=(1, 2))
    assert result.passed, result.report()
    assert result.id == "t.sq:hessian"
    wrong = dataclasses.replace(identity, hessian=lambda x: 3 * np.eye(x.size))
    assert verify_hessian(wrong, rng=0, dims=(1, 2)).verdict == "failed"


def counting_zero_hessian(moved_by, fixed=1.0):
    """A "zero" Hessian whose gradient moves by exactly ``moved_by`` relative to ``fixed``.

    The gradient is (0, fixed) at the first sample of each size and (moved_by, fixed) at the
    three other draws: their largest difference over the largest entry is moved_by / fixed.
    """
    calls = {"sample": 0, "derivative": 0}

    def sample(rng, n):
        calls["sample"] += 1
        return {"x": np.array([float(calls["sample"] - 1), 0.0])}

    def derivative(x):
        calls["derivative"] += 1
        return np.array([0.0 if x[0] % 4 == 0 else moved_by, fixed])

    identity = custom(sample, derivative=derivative, hessian="zero", hessian_formula="0")
    return identity, calls


def test_a_zero_hessian_is_the_gradient_unmoved_across_four_points():
    # Kills `range(3)` -> `range(4)` / `range(2)`, `evaluations += 4` mutated, the check's
    # message mutated, the verdict's `<=` -> `<` (a gap of exactly 1e-12 passes) and the
    # threshold mutated, `max(gap, ...)` -> `min`, `worst = max(...)` -> `min`, and the
    # result's id and fields.
    identity, calls = counting_zero_hessian(1e-12)
    result = verify_hessian(identity, rng=0, dims=(1, 2, 3))
    assert calls == {"sample": 12, "derivative": 12}
    assert result.verdict == "passed"
    assert result.id == "t.sq:hessian"
    assert result.max_rel_error == 1e-12
    assert result.evaluations == 12
    assert result.error is None
    assert result.checks == tuple(
        (n, "the gradient moved by 1.0e-12 (relative) across four points") for n in (1, 2, 3)
    )
    moved, _ = counting_zero_hessian(2e-12)
    failed = verify_hessian(moved, rng=0, dims=(1, 2))
    assert failed.verdict == "failed"
    assert failed.max_rel_error == 2e-12
    # relative to the largest entry of the gradient at the sample (here 1e6, not 1)
    scaled, _ = counting_zero_hessian(1e-7, fixed=1e6)
    assert verify_hessian(scaled, rng=0, dims=(1, 2)).max_rel_error == pytest.approx(1e-13)


def test_a_gradient_that_is_zero_everywhere_has_a_zero_hessian():
    # Kills the scale's floor `np.finfo(float).tiny` mutated (0 / 0 would be NaN) and
    # `max(...)` -> `min(...)` around it.
    identity = custom(
        normal_sample, value=lambda x: 0.0, derivative=lambda x: np.zeros_like(x),
        hessian="zero", hessian_formula="0",
    )  # fmt: skip
    result = verify_hessian(identity, rng=0, dims=(1, 2))
    assert result.passed
    assert result.max_rel_error == 0.0


@given(seed=st.integers(0, 2**32 - 1))
def test_a_zero_hessian_declared_on_a_curved_function_fails_reproducibly(seed):
    # The gradient 2x moves: the gap is far above 1e-12 at any draw, and the same seed
    # draws the same points. Kills `np.random.default_rng(rng)` -> `(None)` in the "zero"
    # branch.
    identity = custom(normal_sample, hessian="zero", hessian_formula="0")
    result = verify_hessian(identity, rng=seed, dims=(1, 2))
    assert result.verdict == "failed"
    assert result.max_rel_error > 1e-3
    assert verify_hessian(identity, rng=seed, dims=(1, 2)) == result


def test_a_zero_hessians_gap_is_measured_in_floats_whatever_the_gradients_dtype():
    # An unsigned gradient that drops from 2 to 1: a gap of 1/2, not the wrapped 255/2.
    # Kills `dtype=float` -> `dtype=None` / dropped for the gradient at the sample.
    calls = {"sample": 0}

    def sample(rng, n):
        calls["sample"] += 1
        return {"x": np.array([float(calls["sample"] - 1), 0.0])}

    def derivative(x):
        return np.array([2 if x[0] % 4 == 0 else 1, 2], dtype=np.uint8)

    identity = custom(sample, derivative=derivative, hessian="zero", hessian_formula="0")
    result = verify_hessian(identity, rng=0, dims=(1, 2))
    assert result.verdict == "failed"
    assert result.max_rel_error == 0.5


def test_verify_hessian_passes_rng_and_dims_on():
    # Kills `rng=rng` / `dims=dims` -> None or dropped in the callable Hessian's branch.
    identity = next(i for i in gradref.catalog() if callable(i.hessian))
    a, b = (
        verify_hessian(identity, rng=5, dims=(2, 4)),
        verify_hessian(identity, rng=5, dims=(2, 4)),
    )
    assert a.sizes == (2, 4)
    assert [c.max_rel_error for _, c in a.checks] == [c.max_rel_error for _, c in b.checks]


# -- mistakes ---------------------------------------------------------------------------------


def test_verify_mistakes_checks_each_listed_mistake_in_place_of_the_derivative():
    # Kills the mistake's id mutated (`start=1` -> 2, the "mistake-" text), `rng`, `dims`
    # and `stop_on_failure` not passed on, and `rejected` mutated.
    identity = custom(
        normal_sample,
        mistakes=(
            Mistake("x", lambda x: x, "half"),
            Mistake("2x", twice, "right, listed as a mistake to see it pass"),
            Mistake("3x", lambda x: 3 * x, "a factor off"),
        ),
    )
    results = verify_mistakes(identity, rng=1, dims=(3, 1, 2))
    assert all(isinstance(r, MistakeResult) for r in results)
    assert [r.mistake for r in results] == list(identity.mistakes)
    assert [r.result.id for r in results] == [f"t.sq:mistake-{k}" for k in (1, 2, 3)]
    assert [r.rejected for r in results] == [True, False, True]
    assert [r.result.verdict for r in results] == ["failed", "passed", "failed"]
    assert all(r.result.sizes == (1, 2, 3) for r in results)
    assert [n for n, _ in results[0].result.checks] == [3, 1, 2]
    again = verify_mistakes(identity, rng=1, dims=(3, 1, 2))
    assert [r.result.max_rel_error for r in again] == [r.result.max_rel_error for r in results]
    stopped = verify_mistakes(identity, rng=1, dims=(3, 1, 2), stop_on_failure=True)
    assert [[n for n, _ in r.result.checks] for r in stopped] == [[3], [3, 1, 2], [3]]
    inconclusive = MistakeResult(
        identity.mistakes[0], dataclasses.replace(results[0].result, verdict="inconclusive")
    )
    assert not inconclusive.rejected
