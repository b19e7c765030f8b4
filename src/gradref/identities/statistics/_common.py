"""Helpers shared by the topic modules of :mod:`gradref.identities.statistics`."""

import numpy as np

from gradref.catalog import Identity, register


def _register(**fields):
    return register(Identity(kind="gradient", **fields))


# -- log-gamma, digamma and trigamma -----------------------------------------------------------
#
# For z >= 10 the Stirling series to B_14 is accurate to ~1e-17; smaller arguments are shifted
# by x -> x + 10 with Gamma(x + 1) = x Gamma(x). Only arithmetic and log: analytic.

_SHIFT = 10

_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6)  # B_2 ... B_14


def _lgamma(x):
    """``ln Gamma(x)`` for ``x > 0`` (entrywise); analytic, so complex steps pass through."""
    x = np.asarray(x) + 0.0  # integers to floats (z ** 13 overflows int64); complex stays
    z = x + _SHIFT
    series = sum(
        b / ((2 * k) * (2 * k - 1) * z ** (2 * k - 1)) for k, b in enumerate(_BERNOULLI, 1)
    )
    stirling = (z - 0.5) * np.log(z) - z + 0.5 * np.log(2 * np.pi) + series
    return stirling - sum(np.log(x + j) for j in range(_SHIFT))


def _digamma(x):
    """The digamma function ``psi(x) = d ln Gamma(x) / dx`` for ``x > 0`` (entrywise)."""
    x = np.asarray(x) + 0.0  # integers to floats (z ** 13 overflows int64); complex stays
    z = x + _SHIFT
    series = sum(b / ((2 * k) * z ** (2 * k)) for k, b in enumerate(_BERNOULLI, 1))
    return np.log(z) - 1 / (2 * z) - series - sum(1 / (x + j) for j in range(_SHIFT))


def _trigamma(x):
    """The trigamma function ``psi'(x)`` for ``x > 0`` (entrywise)."""
    x = np.asarray(x) + 0.0  # integers to floats (z ** 13 overflows int64); complex stays
    z = x + _SHIFT
    series = sum(b / z ** (2 * k + 1) for k, b in enumerate(_BERNOULLI, 1))
    return 1 / z + 1 / (2 * z**2) + series + sum(1 / (x + j) ** 2 for j in range(_SHIFT))


def _psi(x):
    import sympy as sp

    return sp.polygamma(0, x)


def _psi1(x):
    import sympy as sp

    return sp.polygamma(1, x)


def _logdet_spd(S):
    # log det S for S with a positive determinant: analytic, unlike slogdet's log |det S|
    return np.log(np.linalg.det(S))


def _sym(M):
    # a sympy matrix with its upper triangle mirrored: a symmetric stand-in for an input that
    # is not differentiated and is symmetric by assumption
    import sympy as sp

    return sp.Matrix(M.rows, M.cols, lambda i, j: M[min(i, j), max(i, j)])


def _sandwich(A, B):
    """The 4-tensor ``H[i,j,k,l] = A_il B_kj`` of the linear map ``V -> A V^T B``."""
    return np.einsum("il,kj->ijkl", A, B)
