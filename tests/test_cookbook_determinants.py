"""Matrix Cookbook (2012) eqs 25-28, 32-45 and 46-58: differentials and determinants."""

import dataclasses

import numpy as np
import pytest

import gradref
from gradref.catalog import errata
from gradref.identities import determinants, differentials
from gradref.record import erratum_record
from gradref.verify import verify_hessian

RANGE = (*range(25, 29), *range(32, 46), *range(46, 59))
FAMILIES = ("differentials", "determinants")
OURS = [i for i in gradref.catalog() if i.family in FAMILIES]


def _accounted():
    found: dict[int, list[str]] = {}
    for identity in OURS:
        for equation in identity.cookbook:
            found.setdefault(equation, []).append(identity.id)
    for erratum in errata():
        if erratum.id.startswith("cookbook-2012-eq-"):
            for equation in erratum.equations:
                if equation in RANGE:
                    found.setdefault(equation, []).append(erratum.id)
    for module in (determinants, differentials):
        for equation in module.COOKBOOK_NOTES:
            found.setdefault(equation, []).append(f"note:{module.__name__}")
    return found


def test_every_equation_of_the_range_is_accounted_for_once():
    found = _accounted()
    assert sorted(found) == sorted(RANGE)
    for equation, where in found.items():
        kinds = {
            "note" if w.startswith("note:") else "erratum" if "eq-" in w else "id" for w in where
        }
        assert len(kinds) == 1, (equation, where)  # identities may share, kinds may not mix
        if kinds != {"id"}:
            assert len(where) == 1, (equation, where)


def test_the_modules_cite_only_their_own_equations():
    for identity in OURS:
        assert set(identity.cookbook) <= set(RANGE), identity.id


@pytest.mark.parametrize(
    "note", [n for m in (determinants, differentials) for n in m.COOKBOOK_NOTES.values()]
)
def test_note_checks_are_at_rounding_level(note):
    if note.check is not None:
        assert note.check(np.random.default_rng(3)) <= 1e-10
    for target in note.see:
        gradref.get(target)


@pytest.mark.parametrize("equation", [27, 28, 51])
def test_errata_fail_as_printed_and_pass_corrected(equation):
    erratum = next(e for e in errata() if e.id == f"cookbook-2012-eq-{equation}")
    record = erratum_record(erratum)
    assert record["printed_error"] > 1e-3
    assert record["corrected_error"] <= 1e-10


def test_eq51_printed_form_holds_for_square_a_and_b():
    # The missing assumption: with A and B square the printed formula is right.
    identity = gradref.get("determinants.det-axb")
    rng = np.random.default_rng(0)
    A, X, B = (rng.standard_normal((3, 3)) for _ in range(3))
    printed = determinants._printed_eq51(A, X, B)
    np.testing.assert_allclose(printed, identity.derivative.__wrapped__(A, X, B), rtol=1e-10)


def test_eq28_printed_form_does_not_approach_det_of_identity():
    A = np.random.default_rng(1).standard_normal((3, 3))
    eps = 1e-4
    t1, t2 = np.trace(A), np.trace(A @ A)
    exact = np.linalg.det(np.eye(3) + eps * A)
    second_order = 1 + eps * t1 + eps**2 * (t1**2 - t2) / 2
    assert abs(exact - second_order) < 10 * eps**3 * np.abs(A).sum() ** 3
    assert abs(exact - (second_order + np.linalg.det(A))) == pytest.approx(
        abs(np.linalg.det(A)), rel=1e-6
    )


def test_logdet_hessian_needs_the_transposed_direction():
    # -X^{-T} V X^{-T} (without V^T) is not the Hessian for non-symmetric X and V.
    identity = gradref.get("determinants.logdet")
    wrong = dataclasses.replace(
        identity,
        hessian=lambda X: -np.einsum("ik,lj->ijkl", np.linalg.inv(X).T, np.linalg.inv(X).T),
    )
    assert verify_hessian(wrong, rng=0).verdict == "failed"


def test_adjugate_gradient_holds_at_a_singular_matrix():
    X = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 5.0]])  # rank 2
    result = gradref.check_gradient(
        differentials.determinant, differentials.grad_det_adjugate, X, rng=0
    )
    assert result.passed, result.report()
    assert np.abs(differentials.grad_det_adjugate(X)).max() > 1


def test_jacobians_have_output_then_input_shape():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((2, 3)), rng.standard_normal((4, 5))
    assert differentials.jac_kronecker_left(X, Y).shape == (8, 15, 2, 3)
    assert differentials.jac_kronecker_right(X, Y).shape == (8, 15, 4, 5)
    assert differentials.jac_transpose(X).shape == (3, 2, 2, 3)
    assert differentials.jac_product_left(X, rng.standard_normal((3, 4))).shape == (2, 4, 2, 3)


@pytest.mark.parametrize("function", [determinants.det_axb, differentials.matrix_inverse])
def test_shapes_are_checked_at_the_boundary(function):
    with pytest.raises(ValueError, match="must"):
        function(*([np.ones((2, 5))] * (3 if function is determinants.det_axb else 1)))


def test_det_axb_is_checked_at_several_sizes():
    # det(AXB) holds for any A (p x n), X (n x n), B (n x p): the code runs at several sizes.
    identity = gradref.get("determinants.det-axb")
    assert not identity.fixed_dimension
    shapes = {n: identity.sample(np.random.default_rng(n), n)["X"].shape for n in (1, 2, 4)}
    assert len(set(shapes.values())) == 3
    assert gradref.verify(identity, rng=4, dims=(1, 2, 4)).passed
