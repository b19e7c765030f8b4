"""Exact symbolic verification of every identity, and its ability to fail."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp

import gradref
from gradref.symbolic import SymbolicVerificationError, general_derivation, verify_symbolic

IDENTITIES = gradref.catalog()
IDS = [identity.id for identity in IDENTITIES]


@pytest.mark.parametrize("identity", IDENTITIES, ids=IDS)
def test_identity_verifies_symbolically(identity):
    result = verify_symbolic(identity)
    assert result.passed, result.report()
    assert result.entries > 0


@pytest.mark.parametrize("identity", IDENTITIES, ids=IDS)
def test_sign_flipped_symbolic_formula_fails(identity):
    def flipped(**symbols):
        value, derivative = identity.symbolic(**symbols)
        if isinstance(derivative, (list, tuple)):
            derivative = sp.Matrix(derivative)
        return value, -derivative

    result = verify_symbolic(dataclasses.replace(identity, symbolic=flipped))
    assert not result.passed
    assert "differs" in result.report()


@pytest.mark.parametrize(
    "identity", [i for i in IDENTITIES if not i.id.startswith("rules.")], ids=lambda i: i.id
)
def test_symbolic_check_catches_a_broken_implementation(identity):
    # The sympy formula is compared with the numpy code at a random point.
    def scaled(**inputs):
        return 1.001 * identity.derivative(**inputs)

    result = verify_symbolic(dataclasses.replace(identity, derivative=scaled), stop_on_failure=True)
    assert not result.passed
    assert "numpy derivative disagrees" in result.report()


@pytest.mark.parametrize("name", ["quadratic.grad-x", "traces.axb", "layers.layernorm-input"])
def test_stopping_at_the_first_failure_keeps_the_verdict(name):
    identity = gradref.get(name)
    scaled = dataclasses.replace(identity, derivative=lambda **x: 1.001 * identity.derivative(**x))
    for candidate, verdict in ((identity, True), (scaled, False)):
        whole = verify_symbolic(candidate)
        stopped = verify_symbolic(candidate, stop_on_failure=True)
        assert whole.passed is stopped.passed is verdict
        assert set(stopped.problems) <= set(whole.problems)
    with pytest.raises(TypeError, match="stop_on_failure"):
        verify_symbolic(identity, stop_on_failure="yes")


def test_rules_are_checked_for_arbitrary_functions():
    # A chain rule that evaluates h2' at f(x) instead of h1(f(x)) is wrong for
    # general h1, h2; the check uses undefined functions, so it must fail.
    import sympy as sp

    identity = gradref.get("rules.chain-univariate")

    def wrong(x):
        f = sp.Function("f")(*x)
        h1, h2 = sp.Function("h_1"), sp.Function("h_2")
        s = sp.Symbol("s")
        grad_f = sp.Matrix([f.diff(xi) for xi in x])
        return h2(h1(f)), grad_f * h2(s).diff(s).subs(s, f) * h1(s).diff(s).subs(s, f)

    assert not verify_symbolic(dataclasses.replace(identity, symbolic=wrong)).passed


def test_transposed_symbolic_jacobian_fails_on_shape():
    identity = gradref.get("linear.matvec")
    wrong = dataclasses.replace(identity, symbolic=lambda A, x: (A * x, A.T))
    result = verify_symbolic(wrong)
    assert not result.passed
    assert "convention requires" in result.report()


def test_sympy_general_results_are_never_trusted_when_zero():
    # sympy's MatrixSymbol derivative of log(1 + exp(-w^T x)) is silently 0.
    general = general_derivation(gradref.get("losses.logistic-w"))
    assert general.status == "untrusted"
    # ... yet the componentwise check passes on its own.
    assert verify_symbolic(gradref.get("losses.logistic-w")).passed


def test_sympy_jacobian_layout_is_converted():
    general = general_derivation(gradref.get("linear.matvec"))
    assert general.status == "agrees"
    assert general.latex == "A"
    assert "denominator layout" in general.sympy_layout_note


def test_wrong_general_formula_disagrees():
    identity = gradref.get("quadratic.grad-x")

    def wrong_general():
        expression, variable, expected = identity.general()
        return expression, variable, 2 * expected

    result = verify_symbolic(dataclasses.replace(identity, general=wrong_general))
    assert result.general.status == "disagrees"
    assert not result.passed


def test_assert_symbolic_names_the_identity():
    identity = gradref.get("norms.half-squared")
    wrong = dataclasses.replace(identity, symbolic=lambda x: ((x.T * x)[0, 0] / 2, 2 * x))
    with pytest.raises(SymbolicVerificationError, match=r"identity 'norms\.half-squared' FAILED"):
        gradref.assert_symbolic(wrong)


# -- SymEngine's fast path and SymPy's own ------------------------------------------------------
SAMPLE = [
    "quadratic.grad-x",
    "traces.axb",
    "determinants.logdet",
    "inverses.trace-a-inverse-b",
    "softmax.lse",
    "losses.logistic-w",
    "norms.frobenius",
    "gaussian.nll-precision",
    "activations.sigmoid",
    "eigenvalues.largest",
    "rules.chain",
    "layers.affine-weight",
    "layers.layernorm-input",
]


@pytest.fixture
def sympy_alone(monkeypatch):
    """Verification with SymEngine's fast path switched off: SymPy decides everything."""
    import gradref.symbolic as symbolic

    monkeypatch.setattr(symbolic, "_symengine_proves", lambda *args: False)
    monkeypatch.setattr(symbolic, "_symengine_jacobian", lambda *args: None)


@pytest.mark.parametrize("name", SAMPLE)
def test_sympy_alone_reaches_the_same_verdicts(name, sympy_alone):
    from gradref.symbolic import verify_symbolic_hessian

    identity = gradref.get(name)
    assert verify_symbolic(identity).passed
    if identity.hessian is not None:
        assert verify_symbolic_hessian(identity).passed

    def flipped(**symbols):
        value, derivative = identity.symbolic(**symbols)
        if isinstance(derivative, (list, tuple)):
            derivative = sp.Matrix(derivative)
        return value, -derivative

    assert not verify_symbolic(dataclasses.replace(identity, symbolic=flipped)).passed


def test_symengine_proves_a_polynomial_identity_and_not_a_wrong_one():
    from gradref.symbolic import _symengine_proves

    identity = gradref.get("quadratic.grad-x")
    A = sp.Matrix(3, 3, lambda i, j: sp.Symbol(f"A_{i}{j}", real=True))
    x = sp.Matrix(3, 1, lambda i, _: sp.Symbol(f"x_{i}", real=True))
    value, claimed = identity.symbolic(A=A, x=x)
    assert _symengine_proves(identity, value, x, list(claimed))
    assert not _symengine_proves(identity, value, x, list(2 * A * x))  # A not symmetric
    assert not _symengine_proves(identity, value, x, list(2 * A.T * x))  # transposed
    assert not _symengine_proves(identity, value, x, list(-claimed))  # sign flipped


def test_symengine_is_not_trusted_where_a_power_has_a_branch():
    # SymEngine rewrites sqrt(1/x) as x**(-1/2), which is wrong for x < 0; its "proof" that
    # the derivative of sqrt(1/x) is -x**(-3/2)/2 holds for x > 0 only, so it is not taken.
    import symengine as se

    from gradref.symbolic import _symengine_proves

    x = sp.Symbol("x", real=True)
    value, claimed = sp.sqrt(1 / x), -(x ** sp.Rational(-3, 2)) / 2
    X = se.Symbol("x")
    assert se.expand(se.diff(se.sqrt(1 / X), X) - se.sympify(claimed)) == 0
    identity = gradref.get("softmax.lse")  # a gradient: only its kind is read here
    assert not _symengine_proves(identity, value, x, [claimed])


def test_symengine_is_trusted_with_a_root_of_a_positive_number():
    # sqrt(2) x has no branch: the fast path proves its derivative, and still rejects a wrong
    # one; a root of a negative number or of a symbol stays with SymPy.
    from gradref.symbolic import _branch_free, _symengine_proves

    x = sp.Symbol("x", real=True)
    identity = gradref.get("softmax.lse")  # a gradient: only its kind is read here
    value = sp.exp(x / sp.sqrt(2))
    assert _symengine_proves(identity, value, x, [value / sp.sqrt(2)])
    assert not _symengine_proves(identity, value, x, [value])
    assert not _branch_free(sp.sqrt(-1 - x**2) * x)
    assert not _branch_free(sp.Pow(-2, sp.Rational(1, 3), evaluate=False) * x)
    assert not _branch_free(sp.sqrt(x))


def test_symengine_proves_derivatives_through_roots_and_never_a_wrong_one():
    # Roots of symbolic bases (a variance, a discriminant) become symbols T with T**q = b:
    # the right derivative is proven, through one root and through a root inside a root;
    # a flipped sign, a factor, a missing term or the wrong variable is never proven.
    from gradref.symbolic import _symengine_proves

    identity = gradref.get("softmax.lse")  # a gradient: only its kind is read here
    x = sp.Matrix(3, 1, lambda i, _: sp.Symbol(f"x_{i}", real=True))
    eps = sp.Symbol("eps", real=True)
    norm = sp.sqrt(sum(entry**2 for entry in x) + eps)
    value = x[0] * norm
    right = [norm + x[0] ** 2 / norm, x[0] * x[1] / norm, x[0] * x[2] / norm]
    assert _symengine_proves(identity, value, x, right)
    assert not _symengine_proves(identity, value, x, [-entry for entry in right])
    assert not _symengine_proves(identity, value, x, [right[0], 2 * right[1], right[2]])
    assert not _symengine_proves(identity, value, x, [norm, right[1], right[2]])
    assert not _symengine_proves(identity, value, x, [right[0], right[2], right[1]])
    # The largest eigenvalue of [[a, b], [b, c]], and a root of it.
    a, b, c = sp.symbols("a b c", real=True)
    lam = (a + c) / 2 + sp.sqrt((a - c) ** 2 / 4 + b**2)
    gap = sp.sqrt((a - c) ** 2 / 4 + b**2)
    variable = sp.Matrix([a, b, c])
    slope = [
        sp.Rational(1, 2) + (a - c) / (4 * gap),
        b / gap,
        sp.Rational(1, 2) - (a - c) / (4 * gap),
    ]
    assert _symengine_proves(identity, lam, variable, slope)
    assert not _symengine_proves(identity, lam, variable, [slope[0], -slope[1], slope[2]])
    nested = sp.sqrt(lam)
    assert _symengine_proves(identity, nested, variable, [s / (2 * nested) for s in slope])
    assert not _symengine_proves(identity, nested, variable, [s / nested for s in slope])


def test_symengine_sees_equal_exponents_written_differently():
    # A Gaussian density's derivative, claimed with its exponent written expanded: SymEngine
    # combines exp(a) / exp(b) into exp(a - b), which is exp(0) only once both exponents
    # have one form. The wrong sign is still not proven.
    from gradref.symbolic import _symengine_proves

    identity = gradref.get("softmax.lse")  # a gradient: only its kind is read here
    x, m, s = sp.symbols("x m s", real=True)
    density = sp.exp(-((x - m) ** 2) / (2 * s)) / sp.sqrt(2 * sp.pi * s)
    expanded = sp.exp(-(x**2) / (2 * s) + x * m / s - m**2 / (2 * s)) / sp.sqrt(2 * sp.pi * s)
    assert density != expanded
    assert _symengine_proves(identity, density, x, [-(x - m) / s * expanded])
    assert not _symengine_proves(identity, density, x, [(x - m) / s * expanded])
    assert not _symengine_proves(identity, density, x, [-(x - m) * expanded])


def test_symengine_shows_a_wrong_formula_wrong_and_says_nothing_of_a_right_one():
    from gradref.symbolic import _symengine_disproves

    identity = gradref.get("quadratic.grad-x")
    x = sp.Matrix(sp.symbols("x1:3"))
    A = sp.Matrix(2, 2, sp.symbols("a1:5"))
    value, claimed = (x.T * A * x)[0], (A + A.T) * x
    assert _symengine_disproves(identity, value, x, list(claimed)) is None
    wrong = _symengine_disproves(identity, value, x, list(2 * A * x))  # A not symmetric
    assert wrong is not None
    assert wrong.startswith("entry 0 differs")
    assert _symengine_disproves(identity, value, x, list(-claimed)) is not None


def test_symengine_proves_a_rational_identity_that_expansion_alone_does_not():
    # The softmax's Jacobian against its claimed form: terms over the shared denominator
    # sum(exp) that expansion leaves apart. The numerator over one denominator settles it;
    # a wrong entry (a sign, a missing term, a factor) is never proven zero.
    import symengine as se

    from gradref.symbolic import _symengine_zero

    x, y = se.symbols("x y")
    total = se.exp(x) + se.exp(y)
    p = se.exp(x) / total
    claimed = se.exp(x) * se.exp(y) / total**2  # p (1 - p)
    right = se.diff(p, x) - claimed
    assert se.expand(right) != 0  # what the fast path had: SymPy decided, in seconds
    assert _symengine_zero(right)
    assert _symengine_zero(x / (x + 1) + 1 / (x + 1) - 1)
    assert not _symengine_zero(se.diff(p, x) + claimed)  # sign flipped
    assert not _symengine_zero(se.diff(p, x) - claimed - p)  # a term too many
    assert not _symengine_zero(se.diff(p, x) - 2 * claimed)  # off by a factor
    assert not _symengine_zero(se.diff(p, x) - se.exp(x) * se.exp(x) / total**2)  # x for y
    assert not _symengine_zero(x / (x + 1) - 1)


@pytest.mark.parametrize("name", ["traces.axbxtc", "softmax.entropy", "layers.layernorm-input"])
def test_the_formula_is_evaluated_precisely_enough_to_see_a_small_slip(name):
    # The sympy formula is evaluated (by SymEngine, at 30 digits) and compared with the
    # numpy code at rtol 1e-9: a derivative off by a factor 1 + 1e-7 is reported; SymPy's
    # own evaluation, which SymEngine replaced, reads the formula as the same numbers.
    import gradref.symbolic as symbolic

    identity = gradref.get(name)
    slipped = dataclasses.replace(
        identity, derivative=lambda **x: (1 + 1e-7) * np.asarray(identity.derivative(**x))
    )
    assert "numpy derivative disagrees" in verify_symbolic(slipped, stop_on_failure=True).report()
    assert verify_symbolic(identity).passed
    inputs = identity.sample(np.random.default_rng(0), 2)
    symbols = {k: symbolic._symbols_for(k, v) for k, v in inputs.items()}
    arrays = {k: s for k, s in symbols.items() if s is not None}
    _, claimed = identity.symbolic(**arrays)
    entries = list(sp.Matrix(claimed)) if not isinstance(claimed, sp.Expr) else [claimed]
    import symengine as se

    point = symbolic._values(arrays, inputs, lambda number: sp.Float(number, 30))
    fast = symbolic._symengine_values([se.sympify(e) for e in entries], point)
    slow = [
        float(sp.re(e.xreplace(symbolic._values(arrays, inputs, float)).evalf(20))) for e in entries
    ]
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-14)
