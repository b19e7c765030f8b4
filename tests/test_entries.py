"""The complete entry: Hessians, listed mistakes, errata and the Cookbook concordance."""

import dataclasses

import numpy as np
import pytest

import gradref
from gradref.catalog import Erratum, Identity, Mistake
from gradref.record import entry_record, erratum_record
from gradref.symbolic import verify_symbolic_hessian
from gradref.verify import VerificationError, verify_hessian

WITH_HESSIAN = [i for i in gradref.catalog() if i.hessian is not None]


@pytest.mark.parametrize("identity", WITH_HESSIAN, ids=[i.id for i in WITH_HESSIAN])
def test_hessian_verifies_and_a_wrong_one_fails(identity):
    assert verify_hessian(identity, rng=0).passed
    assert verify_symbolic_hessian(identity).passed
    if callable(identity.hessian):
        for wrong in (
            lambda **k: 2 * np.asarray(identity.hessian(**k)),
            lambda **k: -np.asarray(identity.hessian(**k)),
        ):
            bad = dataclasses.replace(identity, hessian=wrong)
            assert verify_hessian(bad, rng=0).verdict == "failed"
            # at the first size the exact check runs at: a scaled Hessian is wrong at every size
            assert not verify_symbolic_hessian(bad, dims=identity.symbolic_dims[:1]).passed


def test_a_zero_hessian_that_is_not_zero_fails():
    identity = gradref.get("quadratic.grad-x")
    wrong = dataclasses.replace(identity, hessian="zero")
    assert verify_hessian(wrong, rng=0).verdict == "failed"
    assert not verify_symbolic_hessian(wrong).passed


def test_a_transposed_hessian_fails():
    identity = gradref.get("quadratic.grad-x")
    wrong = dataclasses.replace(identity, hessian=lambda A, x: A + 2 * A.T)
    assert verify_hessian(wrong, rng=0).verdict == "failed"


def test_a_listed_mistake_that_passes_fails_the_entry():
    identity = gradref.get("quadratic.grad-x")
    right = Mistake("(A + A^\\top) x", identity.derivative, "not a mistake at all")
    with pytest.raises(VerificationError, match="not rejected"):
        entry_record(dataclasses.replace(identity, mistakes=(right,)))


def test_entry_record_reports_measured_errors():
    record = entry_record(gradref.get("quadratic.grad-x"))
    assert record["verification"]["max_rel_error"] < 1e-10
    assert record["hessian"]["verification"]["max_rel_error"] < 1e-10
    assert all(m["max_rel_error"] > 0.1 for m in record["mistakes"])


def test_erratum_must_fail_as_printed_and_pass_corrected():
    grad = gradref.get("quadratic.grad-x")
    printed_wrong = Erratum(
        id="test-erratum",
        source="test",
        equations=(1,),
        printed="2Ax",
        corrected="(A+A^T)x",
        category="missing assumption",
        what="symmetric only",
        identity=grad.id,
        printed_derivative=lambda A, x: 2 * A @ x,
    )
    assert erratum_record(printed_wrong)["printed_error"] > 0.1
    printed_right = dataclasses.replace(printed_wrong, printed_derivative=grad.derivative)
    with pytest.raises(VerificationError, match="does not fail"):
        erratum_record(printed_right)
    equality = Erratum(
        id="test-equality",
        source="test",
        equations=(1,),
        printed="",
        corrected="",
        category="sign",
        what="",
        check=lambda rng: (1e-12, 1e-12),
    )
    with pytest.raises(VerificationError, match="expected the printed form to be wrong"):
        erratum_record(equality)


def test_erratum_needs_one_kind_of_check():
    with pytest.raises(ValueError, match="either"):
        Erratum(id="x", source="s", equations=(1,), printed="", corrected="", category="", what="")


def test_hessian_only_with_its_formula():
    identity = gradref.get("quadratic.grad-x")
    with pytest.raises(ValueError, match="both `hessian` and `hessian_formula`"):
        dataclasses.replace(identity, hessian_formula="")
    with pytest.raises(ValueError, match="callable, 'zero' or None"):
        dataclasses.replace(identity, hessian="none")
    assert isinstance(identity, Identity)


def test_matrix_jacobian_is_checked_flattened():
    from gradref.shapes import Arr, shaped, shaped_like

    @shaped
    def inverse(X: Arr["n n"]):  # noqa: F722
        return np.linalg.inv(X)

    @shaped_like(inverse)
    def jac_inverse(X):
        Y = np.linalg.inv(X)
        return -np.einsum("ki,jl->klij", Y, Y)

    identity = Identity(
        id="test.inverse",
        title="t",
        formula="x",
        wrt="X",
        kind="jacobian",
        value=inverse,
        derivative=jac_inverse,
        symbolic=lambda X: (X.inv(), None),
        sources=(),
        structure={"X": "invertible"},
    )
    assert gradref.verify(identity, rng=0).passed
    transposed = dataclasses.replace(
        identity, derivative=lambda X: jac_inverse(X).transpose(2, 3, 0, 1)
    )
    assert gradref.verify(transposed, rng=0).verdict == "failed"


def _vjp_inverse():
    from gradref.shapes import Arr, shaped

    @shaped
    def inverse(A: Arr["n n"]):  # noqa: F722
        return np.linalg.inv(A)

    @shaped
    def adjoint_inverse(A: Arr["n n"], Cbar: Arr["n n"]):  # noqa: F722
        inv = np.linalg.inv(A)
        return -inv.T @ Cbar @ inv.T

    return Identity(
        id="test.vjp-inverse",
        title="t",
        formula="x",
        wrt="A",
        kind="vjp",
        cotangent="Cbar",
        value=inverse,
        derivative=adjoint_inverse,
        symbolic=lambda A, Cbar: (A.inv(), -A.inv().T * Cbar * A.inv().T),
        sources=(),
        structure={"A": "invertible"},
    )


def test_a_vjp_identity_is_verified_as_the_gradient_of_the_contraction():
    from gradref.symbolic import verify_symbolic

    identity = _vjp_inverse()
    assert gradref.verify(identity, rng=0).passed
    assert verify_symbolic(identity, dims=(1, 2)).passed
    transposed = dataclasses.replace(
        identity, derivative=lambda A, Cbar: -np.linalg.inv(A) @ Cbar @ np.linalg.inv(A)
    )
    assert gradref.verify(transposed, rng=0).verdict == "failed"
    wrong_symbolic = dataclasses.replace(
        identity, symbolic=lambda A, Cbar: (A.inv(), -A.inv() * Cbar * A.inv())
    )
    assert not verify_symbolic(wrong_symbolic, dims=(1, 2)).passed


def test_vjp_needs_its_cotangent():
    identity = _vjp_inverse()
    with pytest.raises(ValueError, match="cotangent"):
        dataclasses.replace(identity, cotangent="")
    with pytest.raises(ValueError, match="cotangent"):
        dataclasses.replace(identity, kind="gradient")


def test_every_cookbook_equation_is_accounted_for_once_and_its_note_checks_pass():
    from gradref.cookbook import EQUATIONS
    from gradref.record import concordance_records

    rows = concordance_records()
    assert [row["equation"] for row in rows] == list(EQUATIONS)
    for row in rows:
        assert row["targets"] or row["reason"], row
    for identity in gradref.catalog():
        for related in identity.related:
            gradref.get(related)  # raises, naming it, if it does not exist


from gradref.catalog import errata  # noqa: E402

ERRATA = errata()


@pytest.mark.parametrize("erratum", ERRATA, ids=[e.id for e in ERRATA])
def test_every_erratum_fails_as_printed_and_passes_corrected(erratum):
    record = erratum_record(erratum)
    assert record["printed_wrong_shape"] or record["printed_error"] > 1e-6
    assert record["corrected_error"] <= 1e-6


def _layout_matters(identity):
    # For a scalar variable both layouts agree; for a vector or matrix they are transposes.
    sample = identity.sample(np.random.default_rng(0), 2)
    return np.size(sample[identity.wrt]) > 1


def test_every_identity_is_a_complete_entry():
    incomplete = [
        i.id
        for i in gradref.catalog()
        if not (i.derivation.strip() and i.mistakes and i.sources and i.title)
        or (i.kind == "gradient" and _layout_matters(i) and "numerator" not in i.conventions)
    ]
    assert not incomplete, (
        f"derivation, mistakes, sources or numerator layout missing: {incomplete}"
    )
