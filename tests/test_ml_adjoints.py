"""Focused tests of the reverse-mode rules (``gradref.identities.adjoints``).

The catalog checks (numerical verification, sympy, listed mistakes) run in test_entries.py;
here: what those checks cannot cover for the eigendecomposition and the exponential (sympy
only at 1 x 1 there), and the hand-written kernels (Cholesky, exp) against numpy.
"""

import numpy as np
import pytest
import sympy as sp

import gradref
from gradref.catalog import catalog
from gradref.identities import adjoints

IDS = {
    "adjoints.product-left",
    "adjoints.product-right",
    "adjoints.hadamard",
    "adjoints.gram",
    "adjoints.inverse",
    "adjoints.solve-rhs",
    "adjoints.solve-matrix",
    "adjoints.determinant",
    "adjoints.logdet",
    "adjoints.trace",
    "adjoints.trace-product",
    "adjoints.cholesky",
    "adjoints.eigenvalues",
    "adjoints.eigh",
    "adjoints.expm",
}


def _symbols(name, rows, cols):
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i + 1}{j + 1}", real=True))


def _exact_adjoint_at(value, A, cotangent, point):
    """The exact gradient of <C̄, value(A)> (sympy, no simplification) evaluated at ``point``."""
    contracted = sum(
        (c * v for c, v in zip(list(cotangent), list(value), strict=True)), sp.Integer(0)
    )
    gradient = A.applyfunc(lambda entry: sp.diff(contracted, entry))
    return np.array(gradient.subs(point).evalf(30), dtype=complex).real


def test_the_family_is_registered_as_vjps():
    found = {i.id for i in catalog() if i.family == "adjoints"}
    assert found == IDS
    for identity in catalog():
        if identity.family == "adjoints":
            assert identity.kind == "vjp"
            assert identity.mistakes
            assert identity.derivation
            assert identity.assumptions
            assert identity.cookbook == ()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_eigh_adjoint_matches_the_exact_derivative_of_the_2x2_closed_form(seed):
    rng = np.random.default_rng(seed)
    inputs = adjoints._sample_eigh_both(rng, 2)
    A, Cbar = _symbols("A", 2, 2), _symbols("C", 3, 2)
    value, claimed = adjoints._sp_eigendecomposition(A, Cbar)
    point = {
        **dict(zip(list(A), inputs["A"].ravel(), strict=True)),
        **dict(zip(list(Cbar), inputs["Cbar"].ravel(), strict=True)),
    }
    # the closed form is the numpy value (same order and sign convention) ...
    numeric_value = adjoints.symmetric_eigendecomposition(inputs["A"])
    assert np.allclose(np.array(value.subs(point).evalf(30), dtype=float), numeric_value)
    # ... and its exact derivative is both the sympy formula and the numpy adjoint
    exact = _exact_adjoint_at(value, A, Cbar, point)
    formula = np.array(claimed.subs(point).evalf(30), dtype=float)
    numpy = adjoints.adjoint_symmetric_eigendecomposition(**inputs)
    assert np.allclose(exact, formula, rtol=1e-12, atol=1e-12)
    assert np.allclose(exact, numpy, rtol=1e-10, atol=1e-12)


def test_eigh_adjoint_with_a_nonsymmetric_direction_against_eigvalsh_differences():
    """The eigenvalue part, against central differences of np.linalg.eigvalsh (not eigh)."""
    rng = np.random.default_rng(3)
    for n in (3, 6):
        inputs = adjoints._sample_eigh_both(rng, n)
        A, Cbar = inputs["A"], inputs["Cbar"]
        Cbar[:-1] = 0.0  # eigenvalues only
        E = rng.standard_normal((n, n))  # not symmetric

        def f(t, A=A, E=E, Cbar=Cbar):
            return Cbar[-1] @ np.linalg.eigvalsh((A + t * E + (A + t * E).T) / 2)

        h = 1e-5
        difference = (f(h) - f(-h)) / (2 * h)
        adjoint = adjoints.adjoint_symmetric_eigendecomposition(A, Cbar)
        assert np.isclose(np.sum(adjoint * E), difference, rtol=1e-7)


def test_eigh_mistakes_are_rejected_and_the_sign_convention_is_irrelevant():
    identity = gradref.get("adjoints.eigh")
    rng = np.random.default_rng(4)
    inputs = adjoints._sample_eigh_both(rng, 4)
    lam, U = adjoints._eigh(inputs["A"])
    flipped = U * np.array([1.0, -1.0, 1.0, -1.0])
    Ubar, lbar = inputs["Cbar"][:-1], inputs["Cbar"][-1]
    # flipping a column of U and of the matching column of the cotangent changes nothing
    G = (
        flipped
        @ (
            np.diag(lbar)
            + adjoints._eigenvector_weights(lam)
            * (flipped.T @ (Ubar * np.array([1.0, -1.0, 1.0, -1.0])))
        )
        @ flipped.T
    )
    assert np.allclose((G + G.T) / 2, identity.derivative(**inputs))
    for mistake in identity.mistakes:
        assert not np.allclose(mistake.derivative(**inputs), identity.derivative(**inputs))


@pytest.mark.parametrize("seed", [0, 1])
def test_expm_adjoint_matches_the_exact_derivative_at_2x2(seed):
    rng = np.random.default_rng(seed)
    inputs = adjoints._sample_expm(rng, 2)
    A, Cbar = _symbols("A", 2, 2), _symbols("C", 2, 2)
    value, daleckii_krein = adjoints._sp_expm(A, Cbar)
    point = {
        **dict(zip(list(A), inputs["A"].ravel(), strict=True)),
        **dict(zip(list(Cbar), inputs["Cbar"].ravel(), strict=True)),
    }
    assert np.allclose(
        np.array(value.subs(point).evalf(30), dtype=complex).real,
        adjoints.matrix_exponential(inputs["A"]),
    )
    exact = _exact_adjoint_at(value, A, Cbar, point)
    formula = np.array(daleckii_krein.subs(point).evalf(30), dtype=complex).real
    numpy = adjoints.adjoint_matrix_exponential(**inputs)
    assert np.allclose(exact, formula, rtol=1e-12, atol=1e-12)
    assert np.allclose(exact, numpy, rtol=1e-12, atol=1e-12)


def test_expm_kernel_against_an_eigendecomposition_and_on_complex_input():
    rng = np.random.default_rng(5)
    for n in (1, 3, 6):
        for scale in (0.1, 1.0, 6.0):
            A = scale * rng.standard_normal((n, n))
            w, V = np.linalg.eig(A)
            reference = (V * np.exp(w)) @ np.linalg.inv(V)
            assert np.allclose(adjoints._expm(A), reference.real, rtol=1e-11, atol=1e-12)
            Z = A + 1j * rng.standard_normal((n, n))
            w, V = np.linalg.eig(Z)
            assert np.allclose(adjoints._expm(Z), (V * np.exp(w)) @ np.linalg.inv(V), rtol=1e-10)


def test_cholesky_kernel_matches_numpy_and_the_adjoint_matches_its_differences():
    rng = np.random.default_rng(6)
    for n in (1, 4, 7):
        inputs = adjoints._sample_spd(rng, n - 1)
        A, Lbar = inputs["A"], inputs["Lbar"]
        assert np.allclose(adjoints._cholesky(A), np.linalg.cholesky(A))
        E = rng.standard_normal(A.shape)  # not symmetric

        def f(t, A=A, E=E, Lbar=Lbar):
            M = A + t * E
            return np.sum(Lbar * np.linalg.cholesky((M + M.T) / 2))

        h = 1e-5
        difference = (f(h) - f(-h)) / (2 * h)
        adjoint = adjoints.adjoint_cholesky(A, Lbar)
        assert np.isclose(np.sum(adjoint * E), difference, rtol=1e-7)
        assert np.allclose(adjoint, adjoint.T)


@pytest.mark.parametrize("identity_id", ["adjoints.inverse", "adjoints.gram", "adjoints.expm"])
def test_a_transposed_adjoint_fails_verification(identity_id):
    import dataclasses

    identity = gradref.get(identity_id)
    assert gradref.verify(identity, rng=0).passed
    transposed = dataclasses.replace(identity, derivative=lambda **kw: identity.derivative(**kw).T)
    assert gradref.verify(transposed, rng=0).verdict == "failed"
