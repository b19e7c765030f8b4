"""Exact symbolic verification of every identity, and its ability to fail."""

from __future__ import annotations

import dataclasses

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

    result = verify_symbolic(dataclasses.replace(identity, derivative=scaled))
    assert not result.passed
    assert "numpy derivative disagrees" in result.report()


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
