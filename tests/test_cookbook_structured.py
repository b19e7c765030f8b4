"""Cookbook eqs 129-144: norms and derivatives with respect to structured matrices."""

import doctest

import numpy as np
import pytest

import gradref
from gradref.catalog import errata
from gradref.identities import norms, structured
from gradref.record import entry_record, erratum_record
from gradref.shapes import STRUCTURES

RANGE = range(129, 145)
FAMILIES = ("norms", "structured")


def accounted() -> list[int]:
    found = [e for i in gradref.catalog() for e in i.cookbook if e in RANGE]
    found += [e for x in errata() for e in x.equations if e in RANGE]
    found += [e for m in (norms, structured) for e in getattr(m, "COOKBOOK_NOTES", {})]
    return found


def test_every_equation_of_the_range_is_accounted_for_exactly_once():
    found = accounted()
    assert sorted(found) == list(RANGE)


def test_the_notes_checks_hold_at_rounding_level():
    for number, note in structured.COOKBOOK_NOTES.items():
        if note.check is not None:
            for seed in range(3):
                assert note.check(np.random.default_rng(seed)) < 1e-10, number


@pytest.mark.parametrize("module", [norms, structured], ids=FAMILIES)
def test_doctests(module):
    assert doctest.testmod(module, raise_on_error=False).failed == 0


IDS = [i.id for i in gradref.catalog() if i.family in FAMILIES]


@pytest.mark.parametrize("identity_id", IDS)
def test_entry_verifies_with_its_mistakes_rejected(identity_id):
    record = entry_record(gradref.get(identity_id))
    assert record["verification"]["max_rel_error"] < 1e-12
    assert record["mistakes"]
    for mistake in record["mistakes"]:
        assert mistake["wrong_shape"] or mistake["max_rel_error"] > 1e-2


def test_the_eq_143_erratum_fails_as_printed_and_passes_corrected():
    record = erratum_record(next(e for e in errata() if e.id == "cookbook-2012-eq-143"))
    assert record["printed_error"] > 0.01
    assert record["corrected_error"] < 1e-12


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 8])
def test_printed_alpha_is_right_up_to_three_and_wrong_from_four(n):
    A = np.random.default_rng(n).standard_normal((n, n))
    printed, words = structured.alpha_as_printed(A), structured.alpha(A)
    assert np.allclose(printed, words) == (n <= 3)
    # the entries that are right as printed: the main diagonal and the first off-diagonals
    assert np.allclose(np.diag(printed), np.trace(A))
    if n >= 2:
        assert np.isclose(printed[0, 1], np.trace(A.T, 1))
        assert np.isclose(printed[1, 0], np.trace(A.T, -1))
        assert np.isclose(printed[0, n - 1], A[n - 1, 0])


def _symmetric(rng, n):
    B = rng.standard_normal((n, n))
    return B + B.T


@pytest.mark.parametrize("n", [2, 3, 5])
def test_the_gradient_gives_the_first_order_expansion_and_the_partials_do_not(n):
    # f(X + tV) = f(X) + t <D, V>_F + O(t^2) for symmetric V holds for the projection D, and
    # fails for the Cookbook's partial derivatives laid out as a matrix (eq. 141).
    rng = np.random.default_rng(n)
    B = rng.standard_normal((n, n))
    X = B @ B.T + n * np.eye(n)
    V = _symmetric(rng, n)
    t = 1e-30
    slope = np.imag(structured.logdet_symmetric(X + 1j * t * V)) / t
    D = structured.grad_logdet_symmetric(X)
    assert np.isclose(np.sum(D * V), slope, rtol=1e-12)
    Xi = np.linalg.inv(X)
    printed = 2 * Xi - Xi * np.eye(n)  # eq. (141) as a full symmetric matrix
    assert not np.isclose(np.sum(printed * V), slope, rtol=1e-3)


@pytest.mark.parametrize("n", [2, 4])
def test_partials_are_the_gradient_doubled_off_the_diagonal(n):
    rng = np.random.default_rng(n)
    A, X = rng.standard_normal((n, n)), _symmetric(rng, n)
    D = structured.grad_trace_symmetric(A, X)
    P = structured.partials_trace_symmetric(A, X)
    np.testing.assert_allclose(P, np.triu(2 * D - D * np.eye(n)))
    np.testing.assert_allclose(D, D.T)


@pytest.mark.parametrize("n", [2, 5])
def test_toeplitz_gradient_is_toeplitz_and_pairs_like_the_partials(n):
    # <D, V>_F for V = E_d (the pattern of diagonal d) is the partial derivative alpha(A)_d.
    rng = np.random.default_rng(n)
    A = rng.standard_normal((n, n))
    T = STRUCTURES["toeplitz"][0](rng, (n, n))
    D = structured.grad_trace_toeplitz(A, T)
    np.testing.assert_allclose(structured.toeplitz_part(D), D)
    alpha = structured.alpha(A)
    for d in range(-(n - 1), n):
        E = np.eye(n, k=d)
        assert np.isclose(np.sum(D * E), alpha[0, d] if d >= 0 else alpha[-d, 0])


@pytest.mark.parametrize("tag", ["toeplitz", "symmetric-toeplitz"])
def test_toeplitz_samples_are_toeplitz(tag):
    for n in (1, 2, 5):
        T = STRUCTURES[tag][0](np.random.default_rng(n), (n, n))
        np.testing.assert_array_equal(structured.toeplitz_from_border(T), T)
        if tag == "symmetric-toeplitz":
            np.testing.assert_array_equal(T, T.T)
    with pytest.raises(ValueError, match="square"):
        STRUCTURES["toeplitz"][0](np.random.default_rng(0), (2, 3))


def test_eq_131_norm_of_x_transpose_x_is_the_squared_norm():
    x = np.random.default_rng(0).standard_normal(4)
    spectral = np.linalg.norm(np.atleast_2d(x @ x), 2)
    assert np.isclose(spectral, norms.squared_norm(x))


@pytest.mark.parametrize(
    "identity_id",
    [
        "structured.trace-symmetric-partials",
        "structured.det-symmetric-partials",
        "structured.logdet-symmetric-partials",
    ],
)
def test_symmetric_partials_text_describes_the_returned_matrix(identity_id):
    # The code returns each partial derivative once (i <= j) and zeros below; the Cookbook
    # prints the same values mirrored into a symmetric matrix. The text must say which is which.
    identity = gradref.get(identity_id)
    inputs = identity.sample(np.random.default_rng(0), 3)
    P = identity.derivative(**inputs)
    assert not np.any(np.tril(P, -1))
    assert np.all(P[np.triu_indices(3)] != 0)
    assert "zeros below the diagonal" in identity.assumptions
    assert "the printed matrix is symmetric and its entry" not in identity.assumptions
