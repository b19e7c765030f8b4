"""Traces with inverses, B and C general:
the identities of the page ``reference/traces/inverses-general.html``."""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.determinants import MAGNUS
from gradref.identities.traces._common import SYMBOLIC_SMALL, _cookbook, hessian_tensor
from gradref.identities.traces.inverses import (
    grad_trace_inv_congruence,
    grad_trace_inv_ratio,
    grad_trace_inv_shifted_ratio,
    printed_grad_trace_inv_shifted_ratio,
    trace_inv_congruence,
    trace_inv_ratio,
    trace_inv_shifted_ratio,
)
from gradref.shapes import shaped_like

# -- eqs. 125-127 in general: B and C need not be symmetric ---------------------------------


def _positive_part_sample(*names):
    """A sampler for the general forms of eqs. 125-127: X of shape (n + 1, n); C (and, in
    eq. 127, A) a symmetric positive definite matrix plus a skew-symmetric one, so that
    neither is symmetric while X^T C X (and A + X^T C X) has a positive definite symmetric
    part and is invertible at every size; B and the A of eq. 125 are general."""

    def sample(rng, n):
        rows = n + 1

        def positive_part(size):
            G, K = rng.standard_normal((size, size)), rng.standard_normal((size, size))
            return G @ G.T / size + np.eye(size) + (K - K.T) / 2

        draw = {
            "A": lambda: positive_part(n) if "B" in names else rng.standard_normal((n, n)),
            "X": lambda: rng.standard_normal((rows, n)),
            "B": lambda: rng.standard_normal((rows, rows)),
            "C": lambda: positive_part(rows),
        }
        return {name: draw[name]() for name in names}

    return sample


@shaped_like(trace_inv_congruence)
def grad_trace_inv_congruence_general(A, X, C):
    """Gradient of ``tr[(X^T C X)^{-1} A]``, any C: ``-C X W - C^T X W^T``, ``W = M^{-1} A M^{-1}``.

    >>> grad_trace_inv_congruence_general(np.eye(1), np.ones((2, 1)), np.eye(2))
    array([[-0.5],
           [-0.5]])
    """
    P = np.linalg.inv(X.T @ C @ X)
    W = P @ A @ P
    return -C @ X @ W - C.T @ X @ W.T


def hessian_trace_inv_congruence_general(A, X, C):
    """Hessian of ``tr[(X^T C X)^{-1} A]``, any C, as a 4-tensor (see the formula)."""
    P = np.linalg.inv(X.T @ C @ X)
    W = P @ A @ P

    def directional(V):
        dP = -P @ (V.T @ C @ X + X.T @ C @ V) @ P
        dW = dP @ A @ P + P @ A @ dP
        return -C @ V @ W - C @ X @ dW - C.T @ V @ W.T - C.T @ X @ dW.T

    return hessian_tensor(X, directional)


def _symbolic_inv_congruence_general(A, X, C):
    P = (X.T * C * X).inv()
    W = P * A * P
    return (P * A).trace(), -C * X * W - C.T * X * W.T


register(
    Identity(
        id="traces.inv-congruence-general",
        title="Gradient of tr[(XᵀCX)⁻¹A] for a non-symmetric C",
        formula=r"\nabla_X \operatorname{tr}\big[(X^\top CX)^{-1}A\big] = "
        r"-CXM^{-1}AM^{-1} - C^\top XM^{-\top}A^\top M^{-\top}",
        where=(r"M = X^\top CX",),
        wrt="X",
        kind="gradient",
        value=trace_inv_congruence,
        derivative=grad_trace_inv_congruence_general,
        symbolic=_symbolic_inv_congruence_general,
        sources=(
            f"{_cookbook(125)}, printed for symmetric C; this general form is what sympy's "
            "test of the Cookbook's example 125 asserts (sympy 1.14, "
            "matrices/expressions/tests/test_derivatives.py, for square X)",
            MAGNUS,
        ),
        sample=_positive_part_sample("A", "X", "C"),
        symbolic_dims=SYMBOLIC_SMALL,
        assumptions="X^T C X invertible; A and C need not be symmetric and X need not be "
        "square (checked with X of one row more than columns). For symmetric C it is eq. 125",
        derivation=r"""
With $M = X^\top CX$ and $d(M^{-1}) = -M^{-1}dM\,M^{-1}$, $df = -\operatorname{tr}(dM\,W)$,
$W = M^{-1}AM^{-1}$, and $dM = dX^\top CX + X^\top C\,dX$. The first term is
$-\operatorname{tr}(W dX^\top CX) = -\langle CXW, dX\rangle$, the second
$-\operatorname{tr}(WX^\top C\,dX) = -\langle C^\top XW^\top, dX\rangle$. Nothing merges
them unless $C$ is symmetric, when they give eq. 125's $-CXM^{-1}(A + A^\top)M^{-1}$.
""",
        hessian=hessian_trace_inv_congruence_general,
        hessian_formula=r"\nabla_X^2 f[V] = -CVW - CX\,dW - C^\top VW^\top - C^\top X\,dW^\top,"
        r"\quad P = (X^\top CX)^{-1},\ W = PAP,\ dP = -P(V^\top CX + X^\top CV)P,"
        r"\ dW = dP\,AP + PA\,dP",
        mistakes=(
            Mistake(
                r"-CXM^{-1}(A + A^\top)M^{-1}",
                grad_trace_inv_congruence,
                "the Cookbook's eq. 125, which assumes C symmetric, applied to a general C",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial f}{\partial X} = "
            r"-M^{-\top}A^\top M^{-\top}X^\top C^\top - M^{-1}AM^{-1}X^\top C",
        },
        related=("traces.inv-congruence", "traces.inv-ratio-general"),
        keywords=(
            "tr((X^TCX)^-1A) non-symmetric C",
            "tr((X^TCX)^-1A)",
            "congruence",
            "inverse",
        ),
    )
)


def _grad_inv_ratio_general(M, X, B, C):
    """``-C X W - C^T X W^T + B X P + B^T X P^T`` with ``P = M^{-1}``, ``W = P X^T B X P``."""
    P = np.linalg.inv(M)
    W = P @ X.T @ B @ X @ P
    return -C @ X @ W - C.T @ X @ W.T + B @ X @ P + B.T @ X @ P.T


def _hessian_inv_ratio_general(M, X, B, C):
    """The 4-tensor Hessian of ``tr(M^{-1} X^T B X)`` for ``M = A + X^T C X``, any A, B, C."""
    P = np.linalg.inv(M)
    N = X.T @ B @ X
    W = P @ N @ P

    def directional(V):
        dP = -P @ (V.T @ C @ X + X.T @ C @ V) @ P
        dW = dP @ N @ P + P @ (V.T @ B @ X + X.T @ B @ V) @ P + P @ N @ dP
        return (
            -C @ V @ W - C @ X @ dW - C.T @ V @ W.T - C.T @ X @ dW.T
            + B @ V @ P + B @ X @ dP + B.T @ V @ P.T + B.T @ X @ dP.T
        )  # fmt: skip

    return hessian_tensor(X, directional)


def _symbolic_inv_ratio_general(M, X, B, C):
    P = M.inv()
    N = X.T * B * X
    W = P * N * P
    return (P * N).trace(), -C * X * W - C.T * X * W.T + B * X * P + B.T * X * P.T


@shaped_like(trace_inv_ratio)
def grad_trace_inv_ratio_general(X, B, C):
    """Gradient of ``tr[(X^T C X)^{-1} X^T B X]`` for any B and C (eq. 126 in general).

    >>> grad_trace_inv_ratio_general(np.ones((2, 1)), np.eye(2), np.eye(2))
    array([[0.],
           [0.]])
    """
    return _grad_inv_ratio_general(X.T @ C @ X, X, B, C)


def hessian_trace_inv_ratio_general(X, B, C):
    """Hessian of ``tr[(X^T C X)^{-1} X^T B X]`` for any B and C, as a 4-tensor."""
    return _hessian_inv_ratio_general(X.T @ C @ X, X, B, C)


_INV_RATIO_GENERAL_DERIVATION = r"""
With $N = X^\top BX$, $df = \operatorname{tr}(d(M^{-1})N) + \operatorname{tr}(M^{-1}dN)$ and
$d(M^{-1}) = -M^{-1}dM\,M^{-1}$. Both $dM = dX^\top CX + X^\top C\,dX$ and
$dN = dX^\top BX + X^\top B\,dX$ have two terms, a term and its transposed twin: the first
gives $-CXW - C^\top XW^\top$ with $W = M^{-1}NM^{-1}$, the second $BXM^{-1} +
B^\top XM^{-\top}$. The Cookbook's factors 2 appear only when $B$, $C$ (and so $N$ and $M$)
are symmetric.
"""

_INV_RATIO_GENERAL_HESSIAN = (
    r"\nabla_X^2 f[V] = -CVW - CX\,dW - C^\top VW^\top - C^\top X\,dW^\top"
    r" + BVP + BX\,dP + B^\top VP^\top + B^\top X\,dP^\top,"
    r"\quad P = M^{-1},\ N = X^\top BX,\ W = PNP,\ dP = -P(V^\top CX + X^\top CV)P,"
    r"\ dW = dP\,NP + P(V^\top BX + X^\top BV)P + PN\,dP"
)

register(
    Identity(
        id="traces.inv-ratio-general",
        title="Gradient of the trace ratio tr[(XᵀCX)⁻¹(XᵀBX)] for non-symmetric B and C",
        formula=r"\nabla_X \operatorname{tr}\big[(X^\top CX)^{-1}(X^\top BX)\big] = "
        r"-CXW - C^\top XW^\top + BXM^{-1} + B^\top XM^{-\top}",
        where=(r"M = X^\top CX", r"W = M^{-1}X^\top BXM^{-1}"),
        wrt="X",
        kind="gradient",
        value=trace_inv_ratio,
        derivative=grad_trace_inv_ratio_general,
        symbolic=lambda X, B, C: _symbolic_inv_ratio_general(X.T * C * X, X, B, C),
        sources=(
            f"{_cookbook(126)}, printed for symmetric B and C; this is its general form",
            MAGNUS,
        ),
        sample=_positive_part_sample("X", "B", "C"),
        symbolic_dims=SYMBOLIC_SMALL,
        assumptions="X^T C X invertible; B and C need not be symmetric and X need not be "
        "square (checked with X of one row more than columns). For symmetric B and C it is "
        "eq. 126",
        derivation=_INV_RATIO_GENERAL_DERIVATION,
        hessian=hessian_trace_inv_ratio_general,
        hessian_formula=_INV_RATIO_GENERAL_HESSIAN + r",\ M = X^\top CX",
        mistakes=(
            Mistake(
                r"-2CXM^{-1}X^\top BXM^{-1} + 2BXM^{-1}",
                grad_trace_inv_ratio,
                "the Cookbook's eq. 126, which assumes B and C symmetric, applied to general ones",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial f}{\partial X} = "
            r"-W^\top X^\top C^\top - WX^\top C + M^{-\top}X^\top B^\top + M^{-1}X^\top B",
        },
        related=("traces.inv-ratio", "traces.inv-congruence-general"),
        keywords=(
            "trace ratio non-symmetric",
            "tr((X^TCX)^-1 X^TBX)",
            "trace ratio",
            "generalized Rayleigh quotient",
        ),
    )
)


@shaped_like(trace_inv_shifted_ratio)
def grad_trace_inv_shifted_ratio_general(A, X, C, B):
    """Gradient of ``tr[(A + X^T C X)^{-1} X^T B X]`` for any A, B and C (eq. 127 in general).

    >>> grad_trace_inv_shifted_ratio_general(np.eye(1), np.ones((2, 1)), np.eye(2), np.eye(2))
    array([[0.22222222],
           [0.22222222]])
    """
    return _grad_inv_ratio_general(A + X.T @ C @ X, X, B, C)


def hessian_trace_inv_shifted_ratio_general(A, X, C, B):
    """Hessian of ``tr[(A + X^T C X)^{-1} X^T B X]`` for any A, B and C, as a 4-tensor."""
    return _hessian_inv_ratio_general(A + X.T @ C @ X, X, B, C)


register(
    Identity(
        id="traces.inv-shifted-ratio-general",
        title="Gradient of tr[(A + XᵀCX)⁻¹(XᵀBX)] for non-symmetric A, B and C",
        formula=r"\nabla_X \operatorname{tr}\big[(A + X^\top CX)^{-1}(X^\top BX)\big] = "
        r"-CXW - C^\top XW^\top + BXM^{-1} + B^\top XM^{-\top}",
        where=(r"M = A + X^\top CX", r"W = M^{-1}X^\top BXM^{-1}"),
        wrt="X",
        kind="gradient",
        value=trace_inv_shifted_ratio,
        derivative=grad_trace_inv_shifted_ratio_general,
        symbolic=lambda A, X, C, B: _symbolic_inv_ratio_general(A + X.T * C * X, X, B, C),
        sources=(
            f"{_cookbook(127)}, printed for symmetric B and C (and, unstated, A; see the "
            "errata); this general form is what sympy's test of the Cookbook's example 127 "
            "asserts (sympy 1.14, matrices/expressions/tests/test_derivatives.py)",
            MAGNUS,
        ),
        sample=_positive_part_sample("A", "X", "C", "B"),
        symbolic_dims=SYMBOLIC_SMALL,
        assumptions="A + X^T C X invertible; A, B and C need not be symmetric and X need not "
        "be square (checked with X of one row more than columns). For symmetric B and C it "
        "is traces.inv-shifted-ratio, and with A symmetric too the Cookbook's eq. 127",
        derivation=_INV_RATIO_GENERAL_DERIVATION,
        hessian=hessian_trace_inv_shifted_ratio_general,
        hessian_formula=_INV_RATIO_GENERAL_HESSIAN + r",\ M = A + X^\top CX",
        mistakes=(
            Mistake(
                r"-CX\big(M^{-1}X^\top BXM^{-1} + M^{-\top}X^\top BXM^{-\top}\big)"
                r" + BX\big(M^{-1} + M^{-\top}\big)",
                grad_trace_inv_shifted_ratio,
                "the form for symmetric B and C (eq. 127 with A general) applied to general "
                "B and C",
            ),
            Mistake(
                r"-2CXM^{-1}X^\top BXM^{-1} + 2BXM^{-1}",
                printed_grad_trace_inv_shifted_ratio,
                "the Cookbook's printed eq. 127, which needs A, B and C symmetric",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial f}{\partial X} = "
            r"-W^\top X^\top C^\top - WX^\top C + M^{-\top}X^\top B^\top + M^{-1}X^\top B",
        },
        related=("traces.inv-shifted-ratio", "traces.inv-ratio-general"),
        keywords=(
            "tr((A + X^TCX)^-1 X^TBX) non-symmetric",
            "tr((A + X^TCX)^-1 X^TBX)",
            "regularized trace ratio",
        ),
    )
)


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
    "inverses-general",
    "Traces with inverses, B and C general",
    (
        "traces.inv-congruence-general",
        "traces.inv-ratio-general",
        "traces.inv-shifted-ratio-general",
    ),
)
