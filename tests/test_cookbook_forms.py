"""Matrix Cookbook 2012, section 2.4 (eqs 69-98): first-order, second-order and higher-order
forms, and the gradient and Hessian of a quadratic function."""

import importlib

import numpy as np
import pytest

import gradref
from gradref.catalog import catalog, errata, get
from gradref.cookbook import EQUATIONS, PAGES
from gradref.identities import higher, quadratic
from gradref.record import erratum_record
from gradref.symbolic import verify_symbolic
from gradref.verify import verify_hessian, verify_mistakes

RANGE = range(69, 99)
FAMILIES = ("linear", "quadratic", "higher")
OURS = [identity for identity in catalog() if identity.family in FAMILIES]
OUR_IDS = [identity.id for identity in OURS]


def _accounting():
    counts = {equation: [] for equation in RANGE}
    for identity in catalog():
        for equation in identity.cookbook:
            if equation in counts:
                counts[equation].append(identity.id)
    for erratum in errata():
        for equation in erratum.equations:
            if equation in counts:
                counts[equation].append(erratum.id)
    for family in FAMILIES:
        module = importlib.import_module(f"gradref.identities.{family}")
        for equation in getattr(module, "COOKBOOK_NOTES", {}):
            if equation in counts:
                counts[equation].append(f"note:{family}")
    return counts


def test_every_equation_of_section_2_4_is_accounted_for_by_one_kind_of_record():
    counts = _accounting()
    assert all(equation in EQUATIONS for equation in RANGE)
    missing = [equation for equation, found in counts.items() if not found]
    assert missing == []
    for equation, found in counts.items():
        # a note or an erratum stands alone; several identities may share an equation
        if any(target.startswith(("note:", "cookbook-2012")) for target in found):
            assert len(found) == 1, (equation, found)


def test_the_equations_land_where_the_brief_says():
    counts = _accounting()
    assert counts[69] == ["linear.inner"]
    assert counts[81] == ["quadratic.grad-x"]
    assert sorted(counts[90]) == ["higher.jac-cube", "higher.jac-square"]
    assert counts[79] == counts[80] == ["quadratic.jac-XTBX"]
    assert counts[97] == counts[98] == ["quadratic.grad-x-affine"]
    assert counts[92] == ["cookbook-2012-eq-92"]
    assert counts[95] == ["cookbook-2012-eq-95"]
    assert higher.COOKBOOK_NOTES[94].status == "rewriting"
    assert quadratic.COOKBOOK_NOTES[89].status == "complex"
    assert quadratic.COOKBOOK_NOTES[96].status == "definition"


def test_at_least_28_identities_in_the_three_modules():
    assert len(OURS) >= 28


@pytest.mark.parametrize("identity", OURS, ids=OUR_IDS)
def test_entry_is_complete(identity):
    assert identity.derivation.strip()
    assert identity.mistakes
    assert "numerator" in identity.conventions
    assert identity.keywords
    assert identity.sources
    assert identity.assumptions
    for related in identity.related:
        get(related)  # raises KeyError naming an unknown id
    variable = identity.sample(np.random.default_rng(0), 2)[identity.wrt]
    if identity.kind == "gradient" and variable.ndim == 1:
        assert identity.hessian is not None, "every vector-variable form has its Hessian"
    for equation in identity.cookbook:
        assert any(f"eq. ({equation}), p. {PAGES[equation]}" in s for s in identity.sources)


@pytest.mark.parametrize("identity", [i for i in OURS if i.hessian is not None], ids=lambda i: i.id)
def test_hessian_verifies_numerically(identity):
    assert verify_hessian(identity, rng=1).passed


@pytest.mark.parametrize("identity", OURS, ids=OUR_IDS)
def test_listed_mistakes_are_rejected(identity):
    for outcome in verify_mistakes(identity, rng=1):
        assert outcome.rejected, outcome.mistake.formula
        assert outcome.result.error is None, "a mistake must compute, not raise"


@pytest.mark.parametrize("identity", OURS, ids=OUR_IDS)
def test_identity_verifies_at_other_seeds(identity):
    for seed in (3, 4):
        assert gradref.verify(identity, rng=seed).passed


@pytest.mark.parametrize("erratum", ["cookbook-2012-eq-92", "cookbook-2012-eq-95"])
def test_errata_fail_as_printed_and_pass_corrected(erratum):
    record = erratum_record(next(e for e in errata() if e.id == erratum))
    assert record["printed_error"] > 0.05
    assert record["corrected_error"] < 1e-10
    assert record["category"] == "transpose"


def test_eq_92_as_printed_differs_from_the_gradient_by_a_skew_matrix():
    # printed = T1^T + T2, gradient = T1 + T2: the difference T1^T - T1 is skew-symmetric
    rng = np.random.default_rng(5)
    a, X, b = rng.standard_normal(4), rng.standard_normal((4, 4)), rng.standard_normal(4)
    gap = higher.printed_grad_power_gram(a, X, b) - higher.grad_power_gram(a, X, b)
    assert np.abs(gap).max() > 1e-3
    np.testing.assert_allclose(gap, -gap.T, atol=1e-10)


def test_eq_95_as_printed_is_right_for_symmetric_b_only():
    rng = np.random.default_rng(6)
    A, x, B = rng.standard_normal((3, 2)), rng.standard_normal(2), rng.standard_normal((2, 2))
    S = B + B.T
    np.testing.assert_allclose(
        higher.printed_grad_quadratic_ratio(A, S, x), higher.grad_quadratic_ratio(A, S, x)
    )
    assert not np.allclose(
        higher.printed_grad_quadratic_ratio(A, B, x), higher.grad_quadratic_ratio(A, B, x)
    )


def test_note_checks_are_at_rounding_level_and_can_fail():
    for seed in range(3):
        rng = np.random.default_rng(seed)
        assert quadratic.COOKBOOK_NOTES[89].check(rng) <= 1e-10
        assert higher.COOKBOOK_NOTES[94].check(rng) <= 1e-10
    # the literal reading of eq. 89, (a - x^H b)^2 with d/d conj(x), is not what is printed
    rng = np.random.default_rng(0)
    b, x = rng.standard_normal(3) + 1j * rng.standard_normal(3), rng.standard_normal(3) + 0j
    a = 0.5 + 0.25j
    literal = -2 * b * (a - x.conj() @ b)
    printed = -2 * b * (a - x.conj() @ b).conjugate()
    assert not np.allclose(literal, printed)


@pytest.mark.parametrize(
    "identity_id",
    ["linear.identity-map", "linear.right-product", "linear.transposed-product",
     "quadratic.jac-XTBX", "higher.jac-square"],
)  # fmt: skip
def test_the_single_entry_forms_agree_with_the_index_forms(identity_id):
    # the sympy claim is built from J^{ij} (eqs 73-75, 80, 90), the numpy one from deltas
    result = verify_symbolic(get(identity_id), dims=(1, 2))
    assert result.passed, result.report()
    assert result.implementation_checked


def test_symmetric_weight_is_sampled_symmetric():
    inputs = get("quadratic.wls-s").sample(np.random.default_rng(0), 3)
    np.testing.assert_allclose(inputs["W"], inputs["W"].T)
