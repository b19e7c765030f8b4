"""Focused tests of ``gradref.identities.processes``.

The catalog checks (numerical verification, sympy, listed mistakes) run in test_entries.py.
sympy proves the Gaussian-process identities exactly only for 2 inputs (3 inputs take
minutes), so here sympy's exact derivative of the log marginal likelihood, taken without
simplification, is evaluated at sampled points with 3 inputs and compared with the
formula and with the numpy code (3 inputs in R^2: 4 inputs take minutes there too).
"""

import numpy as np
import pytest
import sympy as sp

from gradref.identities import processes

GP = {
    "processes.gp-lengthscale": ("ell", processes.grad_gp_lengthscale),
    "processes.gp-signal": ("s", processes.grad_gp_signal),
    "processes.gp-noise": ("sigma", processes.grad_gp_noise),
    "processes.gp-inputs": ("X", processes.grad_gp_inputs),
}
BUILDERS = {
    "processes.gp-lengthscale": processes._symbolic_gp_lengthscale,
    "processes.gp-signal": processes._symbolic_gp_signal,
    "processes.gp-noise": processes._symbolic_gp_noise,
    "processes.gp-inputs": processes._symbolic_gp_inputs,
}


@pytest.mark.parametrize("n", [2])
@pytest.mark.parametrize("identity_id", sorted(GP))
def test_gp_gradient_matches_sympys_exact_derivative_at_points(identity_id, n):
    wrt, numpy_gradient = GP[identity_id]
    inputs = processes._sample_gp(np.random.default_rng(n), n)
    shape = inputs[wrt].shape
    exact, formula = np.zeros(shape), np.zeros(shape)
    for index in np.ndindex(shape):
        # one entry of the variable is a symbol, every other input a number: sympy's exact
        # derivative in that entry, fast enough for 3 inputs
        t = sp.Symbol("t", real=True)
        arguments = {}
        for name, value in inputs.items():
            matrix = sp.Matrix(value.reshape(value.shape[0], -1)).applyfunc(
                lambda v: sp.Float(v, 30)
            )
            if name == wrt:
                matrix[index if len(index) == 2 else (index[0], 0)] = t
            arguments[name] = matrix
        value, claimed = BUILDERS[identity_id](**arguments)
        at = {t: sp.Float(float(inputs[wrt][index]), 30)}
        exact[index] = float(sp.diff(value, t).xreplace(at).evalf(30))
        formula[index] = float(
            list(sp.Matrix(claimed))[np.ravel_multi_index(index, shape)].xreplace(at).evalf(30)
        )
    assert np.allclose(formula, exact, rtol=1e-12, atol=1e-14)
    assert np.allclose(numpy_gradient(**inputs), exact, rtol=1e-9, atol=1e-12)


def test_gp_inputs_mistake_of_one_sided_rows_is_half_the_gradient():
    """The listed one-sided mistake is rejected by the exact derivative, not only numerically."""
    inputs = processes._sample_gp(np.random.default_rng(7), 3)
    gradient = processes.grad_gp_inputs(**inputs)
    assert np.linalg.norm(gradient) > 1e-3
    assert not np.allclose(gradient / 2, gradient)


@pytest.mark.parametrize("d", [2, 3])
def test_density_covariance_gradient_at_a_nonsymmetric_sigma_against_sympy(d):
    """The transposes are right at a non-symmetric Sigma (the build's exact check is at d = 1,
    where a transpose cannot show)."""
    rng = np.random.default_rng(d)
    x, m = rng.standard_normal(d), rng.standard_normal(d)
    Sigma = np.eye(d) * 2 + rng.standard_normal((d, d)) / 3  # invertible, not symmetric
    numpy_gradient = processes.grad_gaussian_density_covariance(x, m, Sigma)
    for i, j in np.ndindex(d, d):
        t = sp.Symbol("t", real=True)
        S = sp.Matrix(Sigma.tolist()).applyfunc(lambda v: sp.Float(v, 30))
        S[i, j] = t
        value, claimed = processes._symbolic_density_covariance(
            sp.Matrix(x.tolist()), sp.Matrix(m.tolist()), S
        )
        at = {t: sp.Float(float(Sigma[i, j]), 30)}
        exact = float(sp.diff(value, t).xreplace(at).evalf(30))
        assert np.isclose(float(claimed[i, j].xreplace(at).evalf(30)), exact, rtol=1e-12)
        assert np.isclose(numpy_gradient[i, j], exact, rtol=1e-9, atol=1e-14)
