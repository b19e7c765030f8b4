"""Behaviour that `nox -s mutants` showed no other test pinned, in identities/ and verify.py.

Each test states a property of the package; the mutants it was written to kill are named
in its comment (mutmut's operators: an argument replaced by None or dropped, a string
changed to "XX...XX" or another case, an operator or a number changed).
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
import sympy as sp

import gradref
from gradref.identities import elementary, linear, losses, norms, quadratic, rules
from gradref.verify import DIMENSIONS, verify

IDENTITIES = gradref.catalog()
ARRAY_INPUTS = [
    (identity, name)
    for identity in IDENTITIES
    if not identity.id.startswith("rules.")  # their inputs are functions; see below
    for name, value in identity.sample(np.random.default_rng(0), 2).items()
    if isinstance(value, np.ndarray)
]


# -- inputs: every shape mistake is reported naming the argument -------------------------


@pytest.mark.parametrize("function", ["value", "derivative"])
@pytest.mark.parametrize(
    ("identity", "name"), ARRAY_INPUTS, ids=[f"{i.id}-{n}" for i, n in ARRAY_INPUTS]
)
def test_an_input_with_an_extra_axis_is_named_in_the_error(identity, name, function):
    # Kills, in every value and derivative function, the validation's argument name
    # replaced by None, "XX...XX" or another case (e.g. `vector("x", x)` -> `vector(None, x)`).
    inputs = identity.sample(np.random.default_rng(0), 2)
    if function == "value" and identity.kind == "vjp":  # a vjp's value takes no cotangent
        if name == identity.cotangent:
            return
        del inputs[identity.cotangent]
    inputs[name] = inputs[name][..., None]
    shape = re.escape(str(inputs[name].shape))
    with pytest.raises(ValueError, match=rf"^`{name}` must .*; got shape {shape}$"):
        getattr(identity, function)(**inputs)


W = np.arange(6.0).reshape(3, 2) / 10


@pytest.mark.parametrize(
    ("call", "message"),
    [
        # The known survivor: `square("A", A, x.shape[0])` removed from
        # grad_quadratic_form_wrt_matrix (mutmut: its size or name replaced, or dropped).
        (
            lambda: quadratic.grad_quadratic_form_wrt_matrix(np.ones((2, 3)), np.ones(2)),
            r"`A` must be square, of shape \(n, n\); got shape \(2, 3\)",
        ),
        (
            lambda: quadratic.grad_quadratic_form_wrt_matrix(np.eye(3), np.ones(2)),
            r"`x` must have shape \(n,\) = \(3,\), as n = 3 from `A`; got shape \(2,\)",
        ),
        (
            lambda: quadratic.quadratic_form(np.eye(3), np.ones(2)),
            r"`x` must have shape \(n,\) = \(3,\), as n = 3 from `A`; got shape \(2,\)",
        ),
        (
            lambda: linear.inner(np.ones(3), np.ones(2)),
            r"`x` must have shape \(n,\) = \(3,\), as n = 3 from `a`; got shape \(2,\)",
        ),
        (
            lambda: linear.matvec(np.ones((2, 3)), np.ones(2)),
            r"`x` must have shape \(m,\) = \(3,\), as m = 3 from `A`; got shape \(2,\)",
        ),
        (
            lambda: losses.logistic_loss(np.ones(2), np.ones(3)),
            r"`w` must have shape \(d,\) = \(2,\), as d = 2 from `x`; got shape \(3,\)",
        ),
        (
            lambda: elementary.sheet_xyz(np.ones(4)),
            r"`v` must have shape \(3,\); got shape \(4,\)",
        ),
        (
            lambda: rules.TanhMap(W, np.zeros(3))(np.ones(3)),
            r"`x` must be a vector of shape \(2,\); got shape \(3,\)",
        ),
        (
            lambda: rules.TanhUnit(np.ones(2), 0.0)(np.ones(3)),
            r"`x` must be a vector of shape \(2,\); got shape \(3,\)",
        ),
        (
            lambda: rules.inner_of_maps(
                np.ones(2), rules.TanhMap(W, np.zeros(3)), rules.TanhMap(W[:2], np.zeros(2))
            ),
            r"`g\(x\)` must be a vector of shape \(3,\); got shape \(2,\)",
        ),
    ],
    ids=[
        "quadratic.grad-A-not-square",
        "quadratic.grad-A-wrong-size",
        "quadratic-value-wrong-size",
        "linear.inner-value",
        "linear.matvec-value",
        "losses.logistic-value",
        "elementary.sheet-value",
        "rules.TanhMap",
        "rules.TanhUnit",
        "rules.inner_of_maps",
    ],
)
def test_inputs_of_mismatched_sizes_are_named_with_the_expected_shape(call, message):
    # Kills the size check dropped (`vector("a", a, None)`, `matrix(..., cols=None)`, the
    # size argument removed) and the names of the checks that the test above cannot reach.
    with pytest.raises(ValueError, match=message):
        call()


# -- outputs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("derivative", "inputs", "returned"),
    [
        (linear.grad_inner, {"a": np.array([1, 2]), "x": np.array([3, 4])}, "a"),
        (linear.jac_matvec, {"A": np.array([[1, 2]]), "x": np.array([3, 4])}, "A"),
        (norms.grad_half_squared_norm, {"x": np.array([1, 2])}, "x"),
    ],
    ids=["linear.inner", "linear.matvec", "norms.half-squared"],
)
def test_a_derivative_equal_to_an_input_is_a_new_float_array(derivative, inputs, returned):
    # Kills `np.array(a, dtype=float, copy=True)` -> `copy=False` / `copy=None` (the caller's
    # input would change with the gradient) and -> `dtype=None` / dtype dropped.
    for given in (inputs, {k: v.astype(float) for k, v in inputs.items()}):
        result = derivative(**given)
        assert result.dtype == np.float64
        np.testing.assert_array_equal(result, given[returned])
        assert not np.shares_memory(result, given[returned])


def test_the_smooth_test_functions_compute_what_they_document():
    # Kills `np.tanh(self.W @ x + self.b)` -> `- self.b` in TanhMap: the Jacobian is
    # computed from the value, so a wrong sign in both passes every derivative check.
    x, b = np.array([0.3, -0.7]), np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(rules.TanhMap(W, b)(x), np.tanh(W @ x + b))
    np.testing.assert_allclose(
        rules.TanhUnit(W[:, 0], 0.5)(W[:, 1]), np.tanh(W[:, 0] @ W[:, 1] + 0.5)
    )
    np.testing.assert_allclose(rules.SineWave(2.0, 0.5)(0.3), np.sin(2.0 * 0.3 + 0.5))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: rules.TanhMap(np.ones(3), np.zeros(3)), r"^`W` must be a matrix"),
        (lambda: rules.TanhUnit(np.ones((2, 2)), 0.0), r"^`w` must be a vector"),
    ],
    ids=["TanhMap", "TanhUnit"],
)
def test_the_smooth_test_functions_name_their_bad_parameters(call, message):
    # Kills `matrix("W", self.W)` / `vector("w", self.w)` with the name None, "XX...XX" or
    # another case, in __post_init__.
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    "identity", [i for i in IDENTITIES if i.id.startswith("rules.")], ids=lambda i: i.id
)
def test_the_sampled_smooth_functions_are_not_saturated(identity):
    # Kills the weights' scaling `/ np.sqrt(n_in)` -> `* np.sqrt(n_in)` in _tanh_map and
    # _tanh_unit: saturated tanh units have Jacobians near 0, which any formula matches.
    rng = np.random.default_rng(0)
    slopes: dict[str, list[float]] = {}
    for _ in range(100):
        for name, function in identity.sample(rng, 12).items():
            if isinstance(function, rules.TanhMap | rules.TanhUnit):
                weights = function.W if isinstance(function, rules.TanhMap) else function.w
                z = rng.standard_normal(weights.shape[-1])
                slopes.setdefault(name, []).append(float(np.mean(1 - function(z) ** 2)))
    assert slopes
    for name, values in slopes.items():
        assert np.mean(values) > 0.25, name


def test_the_product_rule_is_checked_on_four_unrelated_functions():
    # Kills `for k in (1, 2)` -> `(2, 2)` in the symbolic product rule: f_2^T f_2-style
    # instances (repeated components) would check the rule for fewer functions.
    x = sp.Matrix(sp.symbols("x_1:3"))
    value, _ = gradref.get("rules.product").symbolic(x)
    assert len(value.atoms(sp.core.function.AppliedUndef)) == 4


def test_the_sheet_sampler_exercises_both_sides_of_the_logistic_without_saturating():
    # Kills the sampling range `uniform(-1.5, 1.5)` changed to (+1.5, 1.5), (-2.5, 1.5)
    # or (-1.5, 2.5): its comment's promise.
    sample, rng = gradref.get("elementary.sheet-xyz").sample, np.random.default_rng(0)
    x, y, z = np.array([sample(rng, 3)["v"] for _ in range(500)]).T
    u = x**2 * y**3 * z
    assert (u > 0).any()
    assert (u < 0).any()
    assert np.abs(u).max() <= 1.5**6


# -- general-dimension builders ------------------------------------------------------------


def _explicit(expression, sizes):
    """Replace every MatrixSymbol by a matrix of scalar symbols at the given sizes."""
    expression = sp.sympify(expression).subs(sizes)
    explicit = {
        m: sp.ImmutableMatrix(*m.shape, lambda i, j, m=m: sp.Symbol(f"{m.name}_{i}{j}"))
        for m in expression.atoms(sp.MatrixSymbol)
    }
    result = expression.xreplace(explicit).doit()
    if isinstance(result, sp.MatrixExpr | sp.MatrixBase):
        return sp.Matrix(result.as_explicit())
    return sp.Matrix([[result]])


@pytest.mark.parametrize(
    "identity", [i for i in IDENTITIES if i.general is not None], ids=lambda i: i.id
)
def test_general_builder_states_the_identity_in_its_own_symbols(identity):
    # Kills, in every `_general*` builder: a matrix symbol renamed ("x" -> "X", "XXxXX"),
    # a vector given two columns (`MatrixSymbol("a", n, 2)`), and any change to the
    # expression or to the expected formula -- also for losses.logistic-w, whose formula
    # sympy's own derivative never checks (it returns 0 there).
    expression, variable, expected = identity.general()
    inputs = identity.sample(np.random.default_rng(0), 2)
    matrices = sp.sympify(expression).atoms(sp.MatrixSymbol) | {variable}
    assert {m.name for m in matrices} == set(inputs)
    assert variable.name == identity.wrt
    for m in matrices:
        assert (m.cols == 1) == (inputs[m.name].ndim == 1), m
    # Distinct sizes for distinct dimension symbols, so that a transpose shows.
    symbols = sorted({s for m in matrices for s in m.shape if isinstance(s, sp.Symbol)}, key=str)
    sizes = dict(zip(symbols, (3, 2, 4), strict=False))
    value = _explicit(expression, sizes)
    x = _explicit(variable, sizes)
    if identity.kind == "gradient":
        assert value.shape == (1, 1)
        derived = x.applyfunc(lambda xi: value[0, 0].diff(xi))
    else:
        derived = value.jacobian(x)
    claimed = _explicit(expected, sizes)
    assert claimed.shape == derived.shape
    assert all(sp.simplify(a - b) == 0 for a, b in zip(claimed, derived, strict=True))


# -- verify.py -----------------------------------------------------------------------------


def _one_entry_off(identity):
    """The identity with its derivative off by 1e-3 in one entry: a failure of any size."""

    def derivative(**inputs):
        g = np.array(identity.derivative(**inputs), dtype=float)
        g.flat[0] += 1e-3
        return g

    return dataclasses.replace(identity, derivative=derivative)


def test_report_of_a_passing_identity_is_one_line():
    # Kills "passed" -> "XXpassedXX" / "PASSED", the verdict forced to FAILED
    # (`if (self.passed) and False`), and `elif not check.passed` -> `elif check.passed`.
    result = verify(gradref.get("linear.inner"), rng=0)
    assert result.report() == (
        f"identity 'linear.inner' passed numerical verification: max relative error "
        f"{result.max_rel_error:.2e} over {len(DIMENSIONS)} samples at sizes "
        f"{', '.join(map(str, DIMENSIONS))}, {result.evaluations} function evaluations"
    )


def test_report_of_a_failure_nests_each_checkers_report_under_its_dimension():
    # Kills `check.report(self.id)` -> `check.report(None)`, the mutated
    # `.replace("\n", "\n    ")` and `"\n".join(lines)` -> `"XX\nXX".join(lines)`.
    result = verify(_one_entry_off(gradref.get("rules.chain")), rng=0, dims=(2, 3))
    expected = [result.report().split("\n")[0]]
    for n, check in result.checks:
        first, *details = check.report("rules.chain").split("\n")
        expected += [f"  n={n}: {first}", *(f"    {line}" for line in details)]
    assert expected[0].startswith("identity 'rules.chain' FAILED numerical verification")
    assert "  n=2: gradient check of rules.chain FAILED" in expected[1]
    assert result.report().split("\n") == expected


def test_a_shape_error_in_one_dimension_does_not_stop_the_others():
    # Kills `continue` -> `break` after a DerivativeShapeError.
    transposed = dataclasses.replace(gradref.get("linear.matvec"), derivative=lambda A, x: A.T)
    result = verify(transposed, rng=0, dims=(2, 3))
    assert [n for n, _ in result.checks] == [2, 3]
    assert all(check.startswith("wrong shape: ") for _, check in result.checks)
    assert result.max_rel_error == np.inf
    assert not result.passed


def test_totals_summarise_the_checks():
    # Kills the initial `worst = 0.0` -> 1.0 and `evaluations = 0` -> 1, and
    # `evaluations += ...` -> `=` / `-=`, and `evaluations` -> None in the result.
    result = verify(gradref.get("rules.chain"), rng=0)
    checks = [check for _, check in result.checks]
    assert result.max_rel_error == max(check.max_rel_error for check in checks)
    assert result.evaluations == sum(check.evaluations for check in checks)


def test_verification_is_reproducible_from_its_seed():
    # Kills `np.random.default_rng(rng)` -> `(None)` and the checker's `rng=rng` -> None or
    # dropped. With a derivative off in one entry, the error seen depends on every draw.
    wrong = _one_entry_off(gradref.get("rules.chain"))
    first, second = verify(wrong, rng=7), verify(wrong, rng=7)
    assert [c.max_rel_error for _, c in first.checks] == [c.max_rel_error for _, c in second.checks]


def test_assert_verified_passes_its_options_on():
    # Kills `verify(identity, **options)` -> `verify(identity, )` in assert_verified.
    result = gradref.assert_verified(gradref.get("linear.inner"), rng=0, dims=(4, 6))
    assert [n for n, _ in result.checks] == [4, 6]


def test_verify_names_the_type_it_was_given():
    # Kills `type(identity).__name__` -> `type(None).__name__` in the TypeError.
    with pytest.raises(TypeError, match=r"`identity` must be an Identity; got str$"):
        verify("linear.inner")
