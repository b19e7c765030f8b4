"""Every catalog identity, checked numerically over dimensions and random inputs."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
import pkgutil
import re
import warnings

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import gradref
from gradref import _validate, shapes
from gradref.catalog import FAMILIES, errata
from gradref.identities import elementary, linear, losses, norms, quadratic, rules, traces
from gradref.verify import DIMENSIONS as SIZES

IDENTITIES = gradref.catalog()
IDS = [identity.id for identity in IDENTITIES]


def test_catalog_ids_are_unique_and_stable():
    assert len(set(IDS)) == len(IDS)
    assert gradref.get("quadratic.grad-x").derivative is quadratic.grad_quadratic_form
    with pytest.raises(KeyError, match=r"no identity 'nope\.nothing'; known ids: "):
        gradref.get("nope.nothing")


@pytest.mark.parametrize("keyword", ["a, b", "a; b", " "])
def test_a_keyword_that_would_split_into_index_entries_is_refused(keyword):
    identity = gradref.get("linear.inner")
    with pytest.raises(ValueError, match=r"^identity 'linear\.inner': a keyword must be non-empty"):
        dataclasses.replace(identity, keywords=(keyword,))


def test_every_sheet_exercise_has_an_identity():
    exercises = sorted(identity.exercise for identity in IDENTITIES if identity.exercise)
    expected = ["1a", "1b", "2a", "2b", "2c", "3a", "3b", "3c", "3d", "4a", "4b", "4c"]
    assert exercises == expected


# A line of Markdown that starts a block ("- " or "+ " a list item, "# " a heading, "> " a
# quote, "1. " a numbered item) ends the paragraph before it: inside a $...$ span, it cuts the
# formula in two, and the page shows its LaTeX as text.
BLOCK_START = re.compile(r"\s*([-+*>]|#{1,6}|\d{1,9}[.)])(\s|$)")


def _math_cut_by_a_block(text: str) -> list[str]:
    cut, inside = [], False
    for line in text.splitlines():
        if inside and BLOCK_START.match(line):
            cut.append(line.strip())
        inside ^= len(re.findall(r"(?<![\\$])\$(?!\$)", line)) % 2 == 1
    return cut


def _prose_fields(identity) -> dict[str, str]:
    fields = {"derivation": identity.derivation, "assumptions": identity.assumptions}
    fields |= {f"mistake {i}": m.why for i, m in enumerate(identity.mistakes, 1)}
    fields |= {f"where {i}": line for i, line in enumerate(identity.where)}
    return fields


def test_no_formula_in_prose_is_cut_by_a_markdown_block():
    cut = [
        f"{identity.id} ({name}): {line}"
        for identity in IDENTITIES
        for name, text in _prose_fields(identity).items()
        for line in _math_cut_by_a_block(text)
    ]
    cut += [
        f"erratum {erratum.id}: {line}"
        for erratum in errata()
        for line in _math_cut_by_a_block(erratum.what)
    ]
    assert not cut, "a line inside $...$ starts a Markdown block:\n" + "\n".join(cut)


def test_a_formula_cut_by_a_markdown_block_is_found():
    text = "and $\\ln p = -r\n- \\tfrac12\\ln\\det\\Sigma$ with\n- a list item, outside math"
    assert _math_cut_by_a_block(text) == ["- \\tfrac12\\ln\\det\\Sigma$ with"]
    assert _math_cut_by_a_block("$a = b +\nc$, and $$x\n- y$$ displayed") == []


@pytest.mark.parametrize("identity", IDENTITIES, ids=IDS)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 12))
# Right gradients whose own rounding (a saturated tanh's 1 - tanh^2) exceeded a direction's
# tolerance of rtol / (100 sqrt(n)), and failed: layers.mlp-b1 (2.1e-12 of the gradient),
# layers.mlp-w1 (1.5e-11), attention.self-attention-wq (1.8e-11).
@example(seed=216, n=1)
@example(seed=8388609, n=1)
@example(seed=197, n=1)
def test_identity_verifies(identity, seed, n):
    result = gradref.verify(identity, rng=seed, dims=(n, n + 1))
    assert result.passed, result.report()


@pytest.mark.parametrize("identity", IDENTITIES, ids=IDS)
@pytest.mark.parametrize("mistake", ["sign-flipped", "scaled by 1.001", "one entry off by 1e-6"])
def test_mutated_derivative_is_rejected(identity, mistake):
    def mutated(**inputs):
        g = np.array(identity.derivative(**inputs), dtype=float)
        if mistake == "sign-flipped":
            return -g
        if mistake == "scaled by 1.001":
            return 1.001 * g
        g.flat[int(np.argmax(np.abs(g)))] *= 1 + 1e-6
        return g

    for seed in range(20):
        wrong = dataclasses.replace(identity, derivative=mutated)
        result = gradref.verify(wrong, rng=seed, stop_on_failure=True)
        assert not result.passed, f"{identity.id}: {mistake} derivative passed (seed {seed})"


def test_stopping_at_the_first_failure_keeps_the_verdict():
    # The two tests around this one ask only whether a wrong derivative is rejected, and
    # stop at the first size that rejects it: the verdict is the one all sizes give.
    identity = gradref.get("quadratic.grad-x")
    wrong = dataclasses.replace(identity, derivative=lambda A, x: 2 * A @ x)
    for candidate, verdict in ((identity, "passed"), (wrong, "failed")):
        full = gradref.verify(candidate, rng=3)
        stopped = gradref.verify(candidate, rng=3, stop_on_failure=True)
        assert full.verdict == stopped.verdict == verdict
    # (2Ax agrees with (A + A^T)x at n = 1, and fails from n = 2 on.)
    assert len(full.checks) == len(SIZES)
    assert [n for n, _ in stopped.checks] == [1, 2]
    assert stopped.checks[-1][1].verdict == "failed"
    assert len(gradref.verify(identity, rng=3, stop_on_failure=True).checks) == len(SIZES)
    with pytest.raises(TypeError, match="`stop_on_failure` must be True or False"):
        gradref.verify(identity, stop_on_failure="yes")


def _sigmoid_of(x, w):
    return losses.sigmoid(-(w @ x))


# Wrong formulas for identities whose record does not list `mistakes` yet (and for the tests
# below that need a wrong derivative); every other mistake comes from the catalog itself.
WRONG = {
    "linear.inner": lambda a, x: x,
    "linear.matvec": lambda A, x: A.T,  # transposed Jacobian
}


def test_every_identity_lists_a_plausible_mistake():
    missing = [i.id for i in IDENTITIES if not i.mistakes and i.id not in WRONG]
    assert not missing, f"give these identities `mistakes`: {missing}"


MISTAKES = [
    *((i.id, f"mistake-{k}", m.derivative) for i in IDENTITIES for k, m in enumerate(i.mistakes)),
    *((identity_id, "WRONG", wrong) for identity_id, wrong in WRONG.items()),
]


@pytest.mark.parametrize(
    ("identity_id", "label", "derivative"), MISTAKES, ids=[f"{i}-{k}" for i, k, _ in MISTAKES]
)
def test_listed_mistake_is_rejected_at_every_seed(identity_id, label, derivative):
    # The entry shows the error measured at seed 0; a mistake must fail at any draw.
    wrong = dataclasses.replace(gradref.get(identity_id), derivative=derivative)
    for seed in range(5):
        result = gradref.verify(wrong, rng=seed, stop_on_failure=True)
        assert result.verdict == "failed", f"{identity_id} {label}: {result.verdict} (seed {seed})"
        assert identity_id in result.report()


def test_assert_verified_names_the_identity():
    wrong = dataclasses.replace(gradref.get("linear.inner"), derivative=WRONG["linear.inner"])
    with pytest.raises(gradref.VerificationError, match=r"identity 'linear.inner' FAILED"):
        gradref.assert_verified(wrong, rng=0)
    with pytest.raises(TypeError, match="`identity` must be an Identity"):
        gradref.verify("linear.inner")


def test_transposed_jacobian_is_reported_as_a_shape_error():
    wrong = dataclasses.replace(gradref.get("linear.matvec"), derivative=WRONG["linear.matvec"])
    report = gradref.verify(wrong, rng=0).report()
    assert "wrong shape" in report
    assert "outputs x inputs" in report


# -- bad input gets a clear error -------------------------------------------------------

M23 = rules.TanhMap(np.ones((3, 2)), np.zeros(3))  # R^2 -> R^3
U2 = rules.TanhUnit(np.ones(2), 0.0)  # R^2 -> R
SINE = rules.SineWave(1.0, 0.0)

# One row per validation call in gradref.identities (besides the rules' own table below):
# deleting any one of those calls makes its row fail.
SHAPE_ERRORS = [
    # traces
    (
        traces.linear.trace_axb,
        (np.ones((2, 3)), np.ones((3, 4)), np.ones((4, 3))),
        r"^`B` must have shape \(n, p\) = \(4, 2\), as p = 2 from `A`; got shape \(4, 3\)$",
    ),
    (
        traces.linear.grad_trace_axb,
        (np.ones((2, 3)), np.ones((4, 4)), np.ones((4, 2))),
        r"^`X` must have shape \(m, n\) = \(3, n\), as m = 3 from `A`; got shape \(4, 4\)$",
    ),
    (
        traces.linear.grad_trace_axb,
        (np.ones((2, 3)), np.ones(3), np.ones((4, 2))),
        r"^`X` must be a matrix of shape \(m, n\); got shape \(3,\)$",
    ),
    # linear
    (
        linear.inner,
        (np.ones(2), np.ones((2, 1))),
        r"^`x` must be a vector of shape \(n,\); got shape \(2, 1\)$",
    ),
    (
        linear.inner,
        (np.ones(3), np.ones(2)),
        r"^`x` must have shape \(n,\) = \(3,\), as n = 3 from `a`; got shape \(2,\)$",
    ),
    (
        linear.grad_inner,
        (np.ones(2), np.ones((2, 1))),
        r"^`x` must be a vector of shape \(n,\); got shape \(2, 1\)$",
    ),
    (
        linear.grad_inner,
        (np.ones(3), np.ones(2)),
        r"^`x` must have shape \(n,\) = \(3,\), as n = 3 from `a`; got shape \(2,\)$",
    ),
    (
        linear.matvec,
        (np.ones((3, 2)), np.ones((2, 1))),
        r"^`x` must be a vector of shape \(m,\); got shape \(2, 1\)$",
    ),
    (
        linear.matvec,
        (np.ones((2, 3)), np.ones(2)),
        r"^`x` must have shape \(m,\) = \(3,\), as m = 3 from `A`; got shape \(2,\)$",
    ),
    (
        linear.jac_matvec,
        (np.ones((3, 2)), np.ones((2, 1))),
        r"^`x` must be a vector of shape \(m,\); got shape \(2, 1\)$",
    ),
    (
        linear.jac_matvec,
        (np.ones((2, 3)), np.ones(2)),
        r"^`x` must have shape \(m,\) = \(3,\), as m = 3 from `A`; got shape \(2,\)$",
    ),
    # quadratic
    (
        quadratic.quadratic_form,
        (np.eye(2), np.ones((2, 1))),
        r"^`x` must be a vector of shape \(n,\); got shape \(2, 1\)$",
    ),
    (
        quadratic.quadratic_form,
        (np.ones((2, 3)), np.ones(2)),
        r"^`A` must be square, of shape \(n, n\); got shape \(2, 3\)$",
    ),
    (
        quadratic.grad_quadratic_form,
        (np.eye(2), np.ones((2, 1))),
        r"^`x` must be a vector of shape \(n,\); got shape \(2, 1\)$",
    ),
    (
        quadratic.grad_quadratic_form,
        (np.ones((2, 3)), np.ones(2)),
        r"^`A` must be square, of shape \(n, n\); got shape \(2, 3\)$",
    ),
    (
        quadratic.grad_quadratic_form,
        (np.eye(3), np.ones(2)),
        r"^`x` must have shape \(n,\) = \(3,\), as n = 3 from `A`; got shape \(2,\)$",
    ),
    (
        quadratic.grad_quadratic_form_wrt_matrix,
        (np.eye(2), np.ones((2, 1))),
        r"^`x` must be a vector of shape \(n,\); got shape \(2, 1\)$",
    ),
    # The gradient x x^T does not use A, so only the validation notices a bad A.
    (
        quadratic.grad_quadratic_form_wrt_matrix,
        (np.ones((2, 3)), np.ones(2)),
        r"^`A` must be square, of shape \(n, n\); got shape \(2, 3\)$",
    ),
    (
        quadratic.grad_quadratic_form_wrt_matrix,
        (np.eye(3), np.ones(2)),
        r"^`x` must have shape \(n,\) = \(3,\), as n = 3 from `A`; got shape \(2,\)$",
    ),
    # norms
    (
        norms.half_squared_norm,
        (np.ones((2, 2)),),
        r"^`x` must be a vector of shape \(n,\); got shape \(2, 2\)$",
    ),
    (
        norms.grad_half_squared_norm,
        (np.ones((2, 2)),),
        r"^`x` must be a vector of shape \(n,\); got shape \(2, 2\)$",
    ),
    # losses (softplus and sigmoid take any shape: their one check is for finite numbers)
    (
        losses.softplus,
        (np.array([0.0, np.inf]),),
        r"^`s` must be finite; it contains NaN or infinity$",
    ),
    (
        losses.sigmoid,
        (np.array([np.nan, 0.0]),),
        r"^`s` must be finite; it contains NaN or infinity$",
    ),
    (
        losses.logistic_loss,
        (np.ones((2, 1)), np.ones(2)),
        r"^`x` must be a vector of shape \(d,\); got shape \(2, 1\)$",
    ),
    (
        losses.logistic_loss,
        (np.ones(2), np.ones(3)),
        r"^`w` must have shape \(d,\) = \(2,\), as d = 2 from `x`; got shape \(3,\)$",
    ),
    (
        losses.grad_logistic_loss,
        (np.ones((2, 1)), np.ones(2)),
        r"^`x` must be a vector of shape \(d,\); got shape \(2, 1\)$",
    ),
    (
        losses.grad_logistic_loss,
        (np.ones(2), np.ones(3)),
        r"^`w` must have shape \(d,\) = \(2,\), as d = 2 from `x`; got shape \(3,\)$",
    ),
    # elementary
    (
        elementary.sheet_xyz,
        (np.ones(4),),
        r"^`v` must have shape \(3,\); got shape \(4,\)$",
    ),
    (
        elementary.grad_sheet_xyz,
        (np.ones(4),),
        r"^`v` must have shape \(3,\); got shape \(4,\)$",
    ),
    # the concrete functions the rules are instantiated on
    (
        rules.TanhMap,
        (np.ones(3), np.ones(3)),
        r"^`W` must be a matrix of shape \(m, n\); got shape \(3,\)$",
    ),
    (
        rules.TanhMap,
        (np.ones((2, 3)), np.ones(3)),
        r"^`b` must be a vector of shape \(2,\); got shape \(3,\)$",
    ),
    (
        rules.TanhMap.__call__,
        (M23, np.ones(3)),
        r"^`x` must be a vector of shape \(2,\); got shape \(3,\)$",
    ),
    (
        rules.TanhMap.jacobian,
        (M23, np.ones((2, 1))),
        r"^`x` must be a vector of shape \(2,\); got shape \(2, 1\)$",
    ),
    (
        rules.TanhUnit,
        (np.ones((2, 2)), 0.0),
        r"^`w` must be a vector of shape \(n,\); got shape \(2, 2\)$",
    ),
    (rules.TanhUnit, (np.ones(2), np.zeros(2)), r"^`b` must be a scalar; got shape \(2,\)$"),
    (
        rules.TanhUnit.__call__,
        (U2, np.ones(3)),
        r"^`x` must be a vector of shape \(2,\); got shape \(3,\)$",
    ),
    (
        rules.TanhUnit.gradient,
        (U2, np.ones(3)),
        r"^`x` must be a vector of shape \(2,\); got shape \(3,\)$",
    ),
    (rules.SineWave, (np.ones(2), 0.0), r"^`a` must be a scalar; got shape \(2,\)$"),
    (rules.SineWave, (1.0, np.ones(2)), r"^`b` must be a scalar; got shape \(2,\)$"),
    (rules.SineWave.__call__, (SINE, np.ones(2)), r"^`t` must be a scalar; got shape \(2,\)$"),
    (rules.SineWave.derivative, (SINE, np.ones(2)), r"^`t` must be a scalar; got shape \(2,\)$"),
]


def _label(function):
    return function.__qualname__.replace(".__call__", "")


@pytest.mark.parametrize(
    ("function", "args", "message"),
    SHAPE_ERRORS,
    ids=[f"{_label(function)}-{index}" for index, (function, _, _) in enumerate(SHAPE_ERRORS)],
)
def test_bad_input_names_argument_and_shape(function, args, message):
    with pytest.raises(ValueError, match=message):
        function(*args)


def test_non_numbers_are_refused_naming_the_argument():
    with pytest.raises(TypeError, match=r"^`a` must be an array of numbers; got dtype <U1$"):
        linear.inner(np.array(["a", "b"]), np.ones(2))


def test_logistic_helpers_do_not_overflow():
    assert losses.softplus(-800.0) == pytest.approx(np.exp(-800.0), abs=1e-300)
    assert losses.softplus(800.0) == 800.0
    assert losses.sigmoid(800.0) == 1.0
    np.testing.assert_allclose(
        losses.grad_logistic_loss(np.ones(2), -400 * np.ones(2)), -np.ones(2)
    )


# -- non-finite input is rejected, naming the argument -----------------------------------


@pytest.mark.parametrize(
    "bad", [np.nan, np.inf, -np.inf, complex(np.nan, 0.0), complex(0.0, np.inf)]
)
@pytest.mark.parametrize(
    "validate",
    [
        lambda value: _validate.vector("x", [1.0, value]),
        lambda value: _validate.matrix("x", [[1.0, value]]),
        lambda value: _validate.square("x", [[1.0, value], [0.0, 1.0]]),
        lambda value: _validate.scalar("x", value),
        lambda value: _validate.array("x", [[value]]),
    ],
    ids=["vector", "matrix", "square", "scalar", "array"],
)
def test_validation_rejects_non_finite_values(validate, bad):
    with pytest.raises(ValueError, match=r"^`x` must be finite; it contains NaN or infinity$"):
        validate(bad)


def test_validation_accepts_finite_complex_input():
    # The complex-step check evaluates every reference implementation at x + i h u.
    point = np.array([1.0, 2.0]) + 1e-20j * np.array([1.0, -1.0])
    assert _validate.vector("x", point, 2) is not None
    assert _validate.matrix("A", np.outer(point, point), 2, 2).dtype == complex
    assert _validate.square("A", np.outer(point, point), 2).shape == (2, 2)
    assert _validate.scalar("t", 1.0 + 1e-20j) == 1.0 + 1e-20j
    assert _validate.array("s", point).shape == (2,)


def test_scalar_validation_names_argument_and_shape():
    with pytest.raises(ValueError, match=r"^`b` must be a scalar; got shape \(2,\)$"):
        _validate.scalar("b", [1.0, 2.0])
    with pytest.raises(TypeError, match=r"^`b` must be an array of numbers; got dtype <U1$"):
        _validate.scalar("b", "x")


def _array_inputs(identity):
    inputs = identity.sample(np.random.default_rng(0), 3)
    return [name for name, value in inputs.items() if isinstance(value, np.ndarray)]


def _arguments(identity, function, inputs):
    """The inputs that ``function`` takes: a vjp's value does not take the cotangent."""
    if function == "value" and identity.kind == "vjp":
        return {k: v for k, v in inputs.items() if k != identity.cotangent}
    return inputs


NON_FINITE_CASES = [
    (identity, function, name, bad)
    for identity in IDENTITIES
    for function in ("value", "derivative")
    for name in _array_inputs(identity)
    if name in _arguments(identity, function, dict.fromkeys(_array_inputs(identity)))
    for bad in (np.nan, np.inf)
]


@pytest.mark.parametrize(
    ("identity", "function", "name", "bad"),
    NON_FINITE_CASES,
    ids=[f"{i.id}-{function}-{name}-{bad}" for i, function, name, bad in NON_FINITE_CASES],
)
def test_reference_implementations_reject_non_finite_input(identity, function, name, bad):
    inputs = identity.sample(np.random.default_rng(0), 3)
    inputs[name] = inputs[name].copy()
    inputs[name].flat[-1] = bad
    with pytest.raises(
        ValueError, match=rf"^`{name}` must be finite; it contains NaN or infinity$"
    ):
        getattr(identity, function)(**_arguments(identity, function, inputs))


# -- softplus and sigmoid: elementwise, overflow-free, complex-step ready -------------------

LARGE = [-1e300, -1e5, -800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0, 1e5, 1e300]


def _softplus_reference(s):
    return np.logaddexp(0.0, s)  # log(e^0 + e^s), computed by numpy without overflow


def _sigmoid_reference(s):
    return np.exp(-np.logaddexp(0.0, -s))


@pytest.mark.parametrize("shape", [(11,), (11, 1), (1, 11, 1)])
def test_softplus_and_sigmoid_are_elementwise_on_arrays(shape):
    s = np.array(LARGE).reshape(shape)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        softplus, sigmoid = losses.softplus(s), losses.sigmoid(s)
    assert softplus.shape == sigmoid.shape == shape
    np.testing.assert_allclose(softplus, _softplus_reference(s), rtol=1e-15, atol=0)
    np.testing.assert_allclose(sigmoid, _sigmoid_reference(s), rtol=1e-15, atol=0)
    for index, entry in np.ndenumerate(s):
        assert losses.softplus(entry) == softplus[index]
        assert losses.sigmoid(entry) == sigmoid[index]


@pytest.mark.parametrize("s", LARGE)
@pytest.mark.parametrize("function", [losses.softplus, losses.sigmoid], ids=lambda f: f.__name__)
def test_softplus_and_sigmoid_of_large_complex_input_do_not_warn(function, s):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        array = function(np.array([s, -s]) + 1e-20j)
        assert np.isfinite(function(s + 1e-20j))
    assert np.all(np.isfinite(array))


@pytest.mark.parametrize("s", LARGE)
def test_complex_step_through_softplus_and_sigmoid_gives_their_derivatives(s):
    h = 1e-20
    sigma = _sigmoid_reference(s)
    assert losses.softplus(s + 1j * h).imag / h == pytest.approx(sigma, rel=1e-14, abs=1e-300)
    assert losses.sigmoid(s + 1j * h).imag / h == pytest.approx(
        sigma * _sigmoid_reference(-s), rel=1e-12, abs=1e-300
    )
    # The real part stays accurate too (numpy's complex log1p loses it for tiny arguments).
    assert losses.softplus(s + 1j * h).real == pytest.approx(
        _softplus_reference(s), rel=1e-15, abs=0
    )
    assert losses.sigmoid(s + 1j * h).real == pytest.approx(_sigmoid_reference(s), rel=1e-15)


def test_softplus_and_sigmoid_return_scalars_for_scalars():
    assert isinstance(losses.softplus(1.0), np.float64)
    assert isinstance(losses.sigmoid(np.float64(-1.0)), np.float64)
    assert isinstance(losses.softplus(1 + 1e-20j), np.complex128)
    assert losses.sigmoid(3) == pytest.approx(_sigmoid_reference(3.0), rel=1e-15)


@pytest.mark.parametrize("function", [losses.softplus, losses.sigmoid], ids=lambda f: f.__name__)
def test_softplus_and_sigmoid_reject_bad_input(function):
    with pytest.raises(ValueError, match=r"^`s` must be finite; it contains NaN or infinity$"):
        function(np.array([0.0, np.nan]))
    with pytest.raises(TypeError, match=r"^`s` must be an array of numbers; got dtype <U1$"):
        function(np.array(["a"]))


# -- the rules' concrete functions take array-likes and validate their parameters ---------


def test_rule_functions_accept_array_likes():
    f = rules.TanhMap([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]], [0.0, 0.0, 0.0])
    assert isinstance(f.W, np.ndarray)
    assert isinstance(f.b, np.ndarray)
    np.testing.assert_allclose(f([1.0, 0.0]), np.tanh([1.0, 0.0, 1.0]))
    assert f.jacobian([0.0, 0.0]).shape == (3, 2)
    g = rules.TanhUnit([1.0, -1.0], 0)
    assert isinstance(g.w, np.ndarray)
    np.testing.assert_allclose(g.gradient([0.0, 0.0]), [1.0, -1.0])
    h = rules.SineWave(np.float32(2.0), 1)
    assert h(0.0) == pytest.approx(np.sin(1.0))
    assert h.derivative(0.0) == pytest.approx(2 * np.cos(1.0))


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: rules.TanhMap(np.ones(3), np.ones(3)), ValueError, r"`W` must be a matrix"),
        (lambda: rules.TanhMap([["a"]], [0.0]), TypeError, r"`W` must be an array of numbers"),
        (lambda: rules.TanhMap([[np.nan]], [0.0]), ValueError, r"`W` must be finite"),
        (lambda: rules.TanhMap([[1.0]], [np.inf]), ValueError, r"`b` must be finite"),
        (lambda: rules.TanhMap([[1.0]], 0.0), ValueError, r"`b` must be a vector of shape \(1,\)"),
        (lambda: rules.TanhUnit([[1.0]], 0.0), ValueError, r"`w` must be a vector"),
        (lambda: rules.TanhUnit([np.nan], 0.0), ValueError, r"`w` must be finite"),
        (lambda: rules.TanhUnit([1.0], np.nan), ValueError, r"`b` must be finite"),
        (lambda: rules.TanhUnit([1.0], [0.0, 1.0]), ValueError, r"`b` must be a scalar"),
        (lambda: rules.SineWave(np.inf, 0.0), ValueError, r"`a` must be finite"),
        (lambda: rules.SineWave([1.0], 0.0), ValueError, r"`a` must be a scalar"),
        (lambda: rules.SineWave(1.0, "b"), TypeError, r"`b` must be an array of numbers"),
        (lambda: rules.SineWave(1.0, np.nan), ValueError, r"`b` must be finite"),
        (lambda: rules.SineWave(1.0, 0.0)(np.inf), ValueError, r"`t` must be finite"),
        (lambda: rules.SineWave(1.0, 0.0)(np.ones(2)), ValueError, r"`t` must be a scalar"),
        (
            lambda: rules.SineWave(1.0, 0.0).derivative(np.ones(2)),
            ValueError,
            r"`t` must be a scalar; got shape \(2,\)",
        ),
    ],
)
def test_rule_functions_reject_bad_parameters_naming_them(make, error, message):
    with pytest.raises(error, match=message):
        make()


# -- the rules validate what they pass between the functions -------------------------------


@dataclasses.dataclass(frozen=True)
class Stub:
    """A function returning fixed values: the shape mistakes a user's function can make."""

    out: object
    slope: object = None

    def __call__(self, x):
        return self.out

    def jacobian(self, x):
        return self.slope

    gradient = derivative = jacobian


F23 = rules.TanhMap(np.ones((3, 2)), np.zeros(3))  # R^2 -> R^3
F24 = rules.TanhMap(np.ones((4, 2)), np.zeros(4))  # R^2 -> R^4
G3, G4 = rules.TanhUnit(np.ones(3), 0.0), rules.TanhUnit(np.ones(4), 0.0)
WAVE = rules.SineWave(1.0, 0.0)
COLUMN = np.ones((2, 1))  # a column where a vector (2,) belongs
X = np.ones(2)
MAP = Stub(np.ones(3), np.ones((3, 2)))  # R^2 -> R^3, right shapes
UNIT = Stub(1.0, np.ones(2))  # R^2 -> R, right shapes
SCALAR_STUB = Stub(1.0, 1.0)  # R -> R

RULES_BAD_INPUT = [
    # product rule, inner product of two maps
    (rules.inner_of_maps, (COLUMN, MAP, MAP), r"`x` must be a vector of shape \(n,\)"),
    (rules.grad_inner_of_maps, (COLUMN, MAP, MAP), r"`x` must be a vector of shape \(n,\)"),
    (rules.inner_of_maps, (X, Stub(np.ones((3, 1))), MAP), r"`f\(x\)` must be a vector"),
    (rules.grad_inner_of_maps, (X, Stub(np.ones((3, 1))), MAP), r"`f\(x\)` must be a vector"),
    (
        rules.inner_of_maps,
        (X, F23, F24),
        r"^`g\(x\)` must be a vector of shape \(3,\); got shape \(4,\)$",
    ),
    (
        rules.grad_inner_of_maps,
        (X, F23, F24),
        r"^`g\(x\)` must be a vector of shape \(3,\); got shape \(4,\)$",
    ),
    (
        rules.grad_inner_of_maps,
        (X, Stub(np.ones(3), np.ones((2, 3))), MAP),
        r"^`f\.jacobian\(x\)` must be a matrix of shape \(3, 2\); got shape \(2, 3\)$",
    ),
    (
        rules.grad_inner_of_maps,
        (X, MAP, Stub(np.ones(3), np.ones(3))),
        r"^`g\.jacobian\(x\)` must be a matrix of shape \(3, 2\); got shape \(3,\)$",
    ),
    # product rule, two scalar functions
    (rules.product_of_functions, (COLUMN, UNIT, UNIT), r"`x` must be a vector of shape \(n,\)"),
    (
        rules.grad_product_of_functions,
        (COLUMN, UNIT, UNIT),
        r"`x` must be a vector of shape \(n,\)",
    ),
    (rules.product_of_functions, (X, Stub(X), UNIT), r"^`f\(x\)` must be a scalar; got shape"),
    (rules.grad_product_of_functions, (X, Stub(X), UNIT), r"^`f\(x\)` must be a scalar"),
    (rules.product_of_functions, (X, UNIT, Stub(X)), r"^`g\(x\)` must be a scalar"),
    (rules.grad_product_of_functions, (X, UNIT, Stub(X)), r"^`g\(x\)` must be a scalar"),
    (
        rules.grad_product_of_functions,
        (X, Stub(1.0, np.ones(3)), UNIT),
        r"^`f\.gradient\(x\)` must be a vector of shape \(2,\); got shape \(3,\)$",
    ),
    (
        rules.grad_product_of_functions,
        (X, UNIT, Stub(1.0, np.ones(3))),
        r"^`g\.gradient\(x\)` must be a vector of shape \(2,\); got shape \(3,\)$",
    ),
    # chain rule, scalar function of a map
    (rules.composition, (COLUMN, MAP, UNIT), r"`x` must be a vector of shape \(n,\)"),
    (rules.grad_composition, (COLUMN, MAP, UNIT), r"`x` must be a vector of shape \(n,\)"),
    (rules.composition, (X, Stub(np.ones((3, 1))), G3), r"^`f\(x\)` must be a vector"),
    (rules.grad_composition, (X, Stub(np.ones((3, 1))), G3), r"^`f\(x\)` must be a vector"),
    (
        rules.composition,
        (X, F23, G4),
        r"^`g` must take vectors of shape \(3,\), the shape of `f\(x\)`; it takes shape \(4,\)$",
    ),
    (
        rules.grad_composition,
        (X, F23, G4),
        r"^`g` must take vectors of shape \(3,\), the shape of `f\(x\)`; it takes shape \(4,\)$",
    ),
    (
        rules.grad_composition,
        (X, Stub(np.ones(3), np.ones((3, 3))), G3),
        r"^`f\.jacobian\(x\)` must be a matrix of shape \(3, 2\); got shape \(3, 3\)$",
    ),
    (
        rules.grad_composition,
        (X, F23, Stub(1.0, np.ones(4))),
        r"^`g\.gradient\(f\(x\)\)` must be a vector of shape \(3,\); got shape \(4,\)$",
    ),
    # chain rule through two univariate functions
    (rules.scalar_chain, (COLUMN, UNIT, WAVE, WAVE), r"`x` must be a vector of shape \(n,\)"),
    (
        rules.grad_scalar_chain,
        (COLUMN, UNIT, WAVE, WAVE),
        r"`x` must be a vector of shape \(n,\)",
    ),
    (rules.scalar_chain, (X, Stub(X, X), WAVE, WAVE), r"^`f\(x\)` must be a scalar"),
    (rules.grad_scalar_chain, (X, Stub(X, X), WAVE, WAVE), r"^`f\(x\)` must be a scalar"),
    (rules.scalar_chain, (X, UNIT, Stub(X), WAVE), r"^`h1\(f\(x\)\)` must be a scalar"),
    (rules.grad_scalar_chain, (X, UNIT, Stub(X, 1.0), WAVE), r"^`h1\(f\(x\)\)` must be a scalar"),
    (
        rules.grad_scalar_chain,
        (X, Stub(1.0, np.ones(3)), WAVE, WAVE),
        r"^`f\.gradient\(x\)` must be a vector of shape \(2,\); got shape \(3,\)$",
    ),
    (
        rules.grad_scalar_chain,
        (X, UNIT, Stub(1.0, X), WAVE),
        r"^`h1\.derivative\(f\(x\)\)` must be a scalar; got shape \(2,\)$",
    ),
    (
        rules.grad_scalar_chain,
        (X, UNIT, SCALAR_STUB, Stub(1.0, X)),
        r"^`h2\.derivative\(h1\(f\(x\)\)\)` must be a scalar; got shape \(2,\)$",
    ),
    # chain rule, loss of three parametrised quantities
    (rules.loss_of_parametrization, (COLUMN, MAP, G3), r"`w` must be a vector of shape \(n,\)"),
    (
        rules.grad_loss_of_parametrization,
        (COLUMN, MAP, G3),
        r"`w` must be a vector of shape \(n,\)",
    ),
    (
        rules.loss_of_parametrization,
        (X, F24, G4),
        r"^`phi\(w\)` must be a vector of shape \(3,\); got shape \(4,\)$",
    ),
    (
        rules.grad_loss_of_parametrization,
        (X, F24, G4),
        r"^`phi\(w\)` must be a vector of shape \(3,\); got shape \(4,\)$",
    ),
    (
        rules.loss_of_parametrization,
        (X, F23, G4),
        r"^`loss` must take vectors of shape \(3,\), the shape of `phi\(w\)`; it takes shape \(4,\)$",
    ),
    (
        rules.grad_loss_of_parametrization,
        (X, F23, G4),
        r"^`loss` must take vectors of shape \(3,\), the shape of `phi\(w\)`; it takes shape \(4,\)$",
    ),
    (
        rules.grad_loss_of_parametrization,
        (X, F23, Stub(1.0, np.ones(4))),
        r"^`loss\.gradient\(phi\(w\)\)` must be a vector of shape \(3,\); got shape \(4,\)$",
    ),
    (
        rules.grad_loss_of_parametrization,
        (X, Stub(np.ones(3), np.ones((2, 3))), G3),
        r"^`phi\.jacobian\(w\)` must be a matrix of shape \(3, 2\); got shape \(2, 3\)$",
    ),
]


@pytest.mark.parametrize(
    ("function", "args", "message"),
    RULES_BAD_INPUT,
    ids=[f"{function.__name__}-{index}" for index, (function, _, _) in enumerate(RULES_BAD_INPUT)],
)
def test_rules_validate_what_passes_between_the_functions(function, args, message):
    with pytest.raises(ValueError, match=message):
        function(*args)


@pytest.mark.parametrize(
    ("function", "args"),
    [
        (rules.inner_of_maps, (X, MAP, MAP)),
        (rules.grad_inner_of_maps, (X, MAP, MAP)),
        (rules.product_of_functions, (X, UNIT, UNIT)),
        (rules.grad_product_of_functions, (X, UNIT, UNIT)),
        (rules.composition, (X, MAP, Stub(1.0, np.ones(3)))),
        (rules.grad_composition, (X, MAP, Stub(1.0, np.ones(3)))),
        (rules.scalar_chain, (X, UNIT, SCALAR_STUB, SCALAR_STUB)),
        (rules.grad_scalar_chain, (X, UNIT, SCALAR_STUB, SCALAR_STUB)),
        (rules.loss_of_parametrization, (X, MAP, Stub(1.0, np.ones(3)))),
        (rules.grad_loss_of_parametrization, (X, MAP, Stub(1.0, np.ones(3)))),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_rules_accept_any_functions_of_the_right_shapes(function, args):
    # The stubs declare no input dimension and validate nothing: the rules' own checks
    # are what the table above exercises, and they pass shapes that fit.
    assert np.all(np.isfinite(function(*args)))


# -- large inputs: finite or correctly saturated values, and no warnings --------------------


def _scaled(inputs, scale):
    return {
        name: scale * value if isinstance(value, np.ndarray) else value
        for name, value in inputs.items()
    }


# Whose true value exceeds the floating-point range at such inputs (exponentials of
# entries of size 1e3 and more): there is no finite answer to give.
OVERFLOWING = {
    "adjoints.expm",
    "traces.exp",
    "traces.sin",
    "losses.poisson-w",
    "likelihoods.poisson-log-partition",
    "matfun.expm-frechet",
    "matfun.expm-frechet-symmetric",
    "matfun.expm-t",
    "matfun.sinm-vjp",
    "gaussian.vae-kl-mean",  # sigma^2 = exp(eta): exp(1e3) overflows
    "gaussian.vae-kl-log-variance",
}


# Whose matrix is singular to working precision once every input is scaled by s, where a
# term of a higher degree in s swallows the one that makes it invertible: {id: (s, why)}.
SINGULAR_WHEN_SCALED = {
    # M = A + U C V scales as s A + s^3 U C V. At s = 1e12 the 5 x 5 matrix is the rank-4 term
    # (entries near 1e36) plus A (near 1e12), below its rounding (1e36 * 1e-16): M is
    # singular in float64 (condition number 2.6e16 as stored). LU then meets an exact zero
    # pivot on some processors (LinAlgError, seen on an AVX-512 machine) and a rounding-sized
    # one on others, whose finite result means nothing.
    "forms.woodbury-u": (1e12, "A + UCV is singular to working precision: UCV swallows A"),
}


@pytest.mark.parametrize("scale", [1e3, 1e6, 1e12])
@pytest.mark.parametrize("identity", IDENTITIES, ids=IDS)
def test_large_inputs_give_finite_values_without_warnings(identity, scale):
    if identity.id in OVERFLOWING:
        pytest.skip("the true value is beyond the floating-point range")
    singular_at, why = SINGULAR_WHEN_SCALED.get(identity.id, (math.inf, ""))
    if scale >= singular_at:
        pytest.skip(why)
    rng = np.random.default_rng(1)
    inputs = _scaled(identity.sample(rng, 4), scale)
    # The complex step evaluates the value at wrt + i h u.
    stepped = {**inputs, identity.wrt: inputs[identity.wrt] + 1e-20j}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        results = [
            identity.value(**_arguments(identity, "value", inputs)),
            identity.derivative(**inputs),
            identity.value(**_arguments(identity, "value", stepped)),
        ]
    for result in results:
        assert np.all(np.isfinite(result)), f"{identity.id}: {result}"


def test_the_woodbury_matrix_is_singular_to_working_precision_at_the_skipped_scale():
    # The skip above holds only while its reason does: scaled by 1e12, A + UCV as stored is
    # singular to working precision, and at 1e6 it is not (that case still runs).
    identity = gradref.get("forms.woodbury-u")
    for scale, singular in ((1e6, False), (1e12, True)):
        x = _scaled(identity.sample(np.random.default_rng(1), 4), scale)
        M = x["A"] + x["U"] @ x["C"] @ x["V"]
        assert (np.linalg.cond(M) > 1e-2 / np.finfo(float).eps) == singular, scale


def test_logistic_loss_saturates_when_the_score_overflows():
    huge = np.full(2, 1e200)  # w^T x = 2e400 overflows; the loss saturates
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert losses.logistic_loss(huge, huge) == 0.0
        assert losses.logistic_loss(huge, -huge) == np.inf
        np.testing.assert_array_equal(losses.grad_logistic_loss(huge, huge), [0.0, 0.0])
        np.testing.assert_array_equal(losses.grad_logistic_loss(huge, -huge), -huge)
        assert losses.logistic_loss(huge, huge + 1e-20j) == 0.0


def test_tanh_functions_saturate_when_the_pre_activation_overflows():
    huge = np.full(2, 1e200)
    f = rules.TanhMap(np.array([[1e200, 1e200], [-1e200, -1e200]]), np.zeros(2))
    g = rules.TanhUnit(huge, 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(f(huge), [1.0, -1.0])
        np.testing.assert_array_equal(f.jacobian(huge), np.zeros((2, 2)))
        assert g(-huge) == -1.0
        np.testing.assert_array_equal(g.gradient(huge), [0.0, 0.0])


def _family_modules():
    """Every module of gradref.identities: a family's, or each module of a family package."""
    for family in FAMILIES:
        module = importlib.import_module(f"gradref.identities.{family}")
        yield module
        for info in pkgutil.iter_modules(getattr(module, "__path__", [])):
            yield importlib.import_module(f"{module.__name__}.{info.name}")


def _public_functions():
    """Every public function and class (with its public methods) of gradref.identities."""
    for module in _family_modules():
        for name, member in vars(module).items():
            if name.startswith("_") or getattr(member, "__module__", None) != module.__name__:
                continue
            if "mutmut" in name or name.startswith("x_"):  # mutation testing's copies
                continue
            yield member
            if isinstance(member, type):
                yield from (
                    method
                    for attribute, method in vars(member).items()
                    if callable(method)
                    and (attribute == "__call__" or attribute[0] != "_")
                    and "mutmut" not in attribute
                )


def _declared(function):
    """Whether every required argument of ``function`` has a declared shape (Arr["..."])."""
    spec = shapes.dims_of(function) if callable(function) else {}
    if not spec or isinstance(function, type):
        return False
    required = [
        name
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.default is inspect.Parameter.empty
    ]
    return all(name in spec for name in required)


def _catalog_functions():
    """The functions the catalog's identities are made of, and the rules' public classes."""
    for identity in IDENTITIES:
        yield identity.value
        yield identity.derivative
        if callable(identity.hessian):
            yield identity.hessian
    yield from (member for member in _public_functions() if isinstance(member, type))


DECLARED = list({f: None for f in _catalog_functions() if _declared(f)})


@pytest.mark.parametrize("function", DECLARED, ids=[f.__qualname__ for f in DECLARED])
def test_declared_functions_name_the_argument_of_a_wrong_shape(function):
    # Derived from the declaration: each argument in turn gets an extra axis, then each of its
    # dimensions that another argument shares gets one entry more; the error must name the
    # argument (or the one it disagrees with, where the dimension was bound) and the shape.
    spec = shapes.dims_of(function)
    valid = shapes.sample(spec, {}, np.random.default_rng(0), 2)
    for name, dims in spec.items():
        value = np.asarray(valid[name])
        wrong = [value[..., None]]
        for axis, dim in enumerate(dims):
            shared = isinstance(dim, int) or any(
                dim in other for key, other in spec.items() if key != name
            )
            if shared:
                grown = list(value.shape)
                grown[axis] += 1
                wrong.append(np.ones(grown))
        for bad_value in wrong:
            with pytest.raises(ValueError, match=r"^`\w+` must (have|be) .*shape") as error:
                function(**{**valid, name: bad_value})
            assert f"`{name}`" in str(error.value)


def test_every_catalog_function_has_a_bad_input_case():
    covered = {function for function, _, _ in SHAPE_ERRORS + RULES_BAD_INPUT} | set(DECLARED)
    missing = [
        function.__qualname__ for function in _catalog_functions() if function not in covered
    ]
    assert not missing, f"add a row to SHAPE_ERRORS or RULES_BAD_INPUT for {missing}"


# -- samplers: distinct dimensions get distinct sizes, at every n --------------------------

# The dimensions of each identity's inputs, by name: declared in the value function's
# signature (Arr["m n"]), or for the rules, whose inputs are functions, as their statements
# say (a TanhMap R^m -> R^n is (n, m), a TanhUnit R^m -> R is (m,)); an int is a fixed size.
RULE_DIMENSIONS = {
    "rules.product": {"x": ("d",), "f": ("n", "d"), "g": ("n", "d")},
    "rules.product-scalar": {"x": ("d",), "f": ("d",), "g": ("d",)},
    "rules.chain": {"x": ("m",), "f": ("k", "m"), "g": ("k",)},
    "rules.chain-univariate": {"x": ("d",), "f": ("d",), "h1": (), "h2": ()},
    "rules.chain-parametrized": {"w": ("p",), "phi": (3, "p"), "loss": (3,)},
}
DIMENSIONS = {
    **RULE_DIMENSIONS,
    **{
        i.id: {
            **shapes.dims_of(i.value),
            **(shapes.dims_of(i.derivative) if i.kind == "vjp" else {}),
        }
        for i in IDENTITIES
        if shapes.dims_of(i.value)
    },
}


def _shape(value):
    if isinstance(value, rules.TanhMap):
        return value.W.shape
    if isinstance(value, rules.TanhUnit):
        return value.w.shape
    return np.shape(value.a) if isinstance(value, rules.SineWave) else np.shape(value)


def test_every_identity_declares_its_dimensions():
    assert sorted(DIMENSIONS) == sorted(IDS)


@pytest.mark.parametrize("n", range(1, 7))
@pytest.mark.parametrize("identity", IDENTITIES, ids=IDS)
def test_sampled_dimensions_are_distinct_where_the_statement_distinguishes_them(identity, n):
    # Equal sizes for different dimensions (a square Jacobian where the statement has a
    # rectangular one) would let a missing transpose pass.
    inputs = identity.sample(np.random.default_rng(n), n)
    declared = DIMENSIONS[identity.id]
    assert sorted(inputs) == sorted(declared)
    sizes: dict[object, int] = {}
    for name, dimensions in declared.items():
        shape = _shape(inputs[name])
        assert len(shape) == len(dimensions), f"{name} has shape {shape}, declared {dimensions}"
        for dimension, size in zip(dimensions, shape, strict=True):
            assert sizes.setdefault(dimension, size) == size, f"{dimension} of {name} at n={n}"
    for dimension, size in sizes.items():
        if isinstance(dimension, int):
            assert size == dimension, f"{identity.id}: fixed size {dimension} sampled as {size}"
    names = {d: size for d, size in sizes.items() if not isinstance(d, int)}  # literals aside
    named = sorted(names.items(), key=str)
    assert len(set(names.values())) == len(names), f"{identity.id} at n={n}: {named}"
    if identity.kind == "jacobian":  # outputs x inputs, each in its declared (distinct) sizes
        output = np.shape(identity.value(**inputs))
        assert np.shape(identity.derivative(**inputs)) == output + _shape(inputs[identity.wrt])
