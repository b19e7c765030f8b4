"""Helpers shared by the topic modules of :mod:`gradref.identities.likelihoods`."""

import numpy as np

from gradref.catalog import Identity, register


def _register(**fields):
    return register(Identity(kind="gradient", **fields))


def _logdet_spd(S):
    # log det S for S symmetric positive definite (det S > 0): log(det S) is analytic, so the
    # complex step passes through it, which slogdet (log |det S|) would not.
    return np.log(np.linalg.det(S))


def _sym(M):
    # A sympy matrix with the upper triangle mirrored: a symmetric stand-in for an input that
    # is not differentiated and is symmetric by assumption.
    import sympy as sp

    return sp.Matrix(M.rows, M.cols, lambda i, j: M[min(i, j), max(i, j)])


def _sp_logdet(M):
    import sympy as sp

    return sp.log(M.det())


def _hess_inverse_term(S, M):
    """4-tensor H[i,j,k,l] of the map Sigma -> 1/2 (Sigma^-T - Sigma^-T C Sigma^-T), S = Sigma^-1.

    ``M = S C S``; at a symmetric point, ``d G = -S V^T S / 2 + (S V^T M + M V^T S) / 2``.
    """
    return (
        -np.einsum("il,kj->ijkl", S, S)
        + np.einsum("il,kj->ijkl", S, M)
        + np.einsum("il,kj->ijkl", M, S)
    ) / 2
