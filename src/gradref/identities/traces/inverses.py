"""Traces with inverses: the identities of the page ``reference/traces/inverses.html``."""

import numpy as np

from gradref.catalog import Erratum, Identity, Mistake, register, register_erratum
from gradref.identities.linear import COOKBOOK
from gradref.identities.traces._common import SYMBOLIC_SMALL, _cookbook, hessian_tensor
from gradref.shapes import Arr, shaped, shaped_like

# ---------------------------------------------------------------------------------------
# 2.5.4 Other
# ---------------------------------------------------------------------------------------


@shaped
def trace_axinvb(X: Arr["n n"], A: Arr["p n"], B: Arr["n p"]):
    """The trace ``tr(A X^{-1} B)``.

    >>> trace_axinvb(np.array([[4.0]]), np.ones((1, 1)), np.ones((1, 1)))
    np.float64(0.25)
    """
    return np.trace(A @ np.linalg.solve(X, B))


@shaped_like(trace_axinvb)
def grad_trace_axinvb(X, A, B):
    """Gradient of ``tr(A X^{-1} B)`` with respect to ``X``: ``-(X^{-1} B A X^{-1})^T``."""
    Xi = np.linalg.inv(X)
    return -(Xi @ B @ A @ Xi).T


def hessian_trace_axinvb(X, A, B):
    """Hessian of ``tr(A X^{-1} B)``: the 4-tensor of ``V -> (Y V Y B A Y + Y B A Y V Y)^T``, ``Y = X^{-1}``."""
    Y = np.linalg.inv(X)
    return hessian_tensor(X, lambda V: (Y @ V @ Y @ B @ A @ Y + Y @ B @ A @ Y @ V @ Y).T)


register(
    Identity(
        id="traces.axinvb",
        title="Gradient of the trace of a product with an inverse, tr(AX⁻¹B)",
        formula=r"\nabla_X \operatorname{tr}(A X^{-1} B) = -(X^{-1} B A X^{-1})^\top"
        r" = -X^{-\top} A^\top B^\top X^{-\top}",
        wrt="X",
        kind="gradient",
        value=trace_axinvb,
        derivative=grad_trace_axinvb,
        symbolic=lambda X, A, B: (
            (A * X.inv() * B).trace(),
            -(X.inv() * B * A * X.inv()).T,
        ),
        sources=(_cookbook(124),),
        structure={"X": "invertible"},
        symbolic_dims=SYMBOLIC_SMALL,
        assumptions="X invertible",
        derivation=r"""
From $d(X^{-1}) = -X^{-1}\,dX\,X^{-1}$,
$d\operatorname{tr}(AX^{-1}B) = -\operatorname{tr}(AX^{-1}\,dX\,X^{-1}B)
= -\operatorname{tr}(X^{-1}BAX^{-1}\,dX)$ (cyclic), which is
$\langle -(X^{-1}BAX^{-1})^\top, dX\rangle$. Transposing the product gives the second
printed form $-X^{-\top}A^\top B^\top X^{-\top}$.
""",
        hessian=hessian_trace_axinvb,
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(AX^{-1}B)[V] = "
        r"\big(X^{-1}VX^{-1}BAX^{-1} + X^{-1}BAX^{-1}VX^{-1}\big)^\top",
        mistakes=(
            Mistake(
                r"-X^{-1} B A X^{-1}",
                lambda X, A, B: -np.linalg.inv(X) @ B @ A @ np.linalg.inv(X),
                "the numerator-layout derivative, the transpose of the gradient",
            ),
            Mistake(
                r"-X^{-\top} B A X^{-\top}",
                lambda X, A, B: -np.linalg.inv(X).T @ B @ A @ np.linalg.inv(X).T,
                "transposes the inverses but not the product BA between them",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(AX^{-1}B)}{\partial X}"
            r" = -X^{-1}BAX^{-1}",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(AX^{-1}B) = "
            r"-(X^{-1}BAX^{-1})^T = -X^{-T}A^TB^TX^{-T}\ \text{(eq. 124, same layout)}",
        },
        related=("traces.axb", "traces.inv-congruence"),
        cookbook=(124,),
        keywords=("tr(AX^-1B)", "trace of an inverse", "inverse", "X^-T"),
    )
)


def _symmetric(S):
    """The symmetric part of a sympy matrix: symbols for a matrix assumed symmetric."""
    return (S + S.T) / 2


def _congruence_sample(*names):
    """A sampler for the traces of (A + X^T C X)^{-1}: X of shape (n + 1, n), A of size n,
    symmetric B and C of size n + 1, so that X^T C X is invertible at every size."""

    def sample(rng, n):
        rows = n + 1

        def symmetric():
            G = rng.standard_normal((rows, rows))
            return (G + G.T) / 2

        draw = {
            "A": lambda: rng.standard_normal((n, n)),
            "X": lambda: rng.standard_normal((rows, n)),
            "B": symmetric,
            "C": symmetric,
        }
        return {name: draw[name]() for name in names}

    return sample


@shaped
def trace_inv_congruence(A: Arr["m m"], X: Arr["n m"], C: Arr["n n"]):
    """The trace ``tr[(X^T C X)^{-1} A]``.

    >>> trace_inv_congruence(np.array([[3.0]]), np.array([[1.0], [1.0]]), np.eye(2))
    np.float64(1.5)
    """
    return np.trace(np.linalg.solve(X.T @ C @ X, A))


@shaped_like(trace_inv_congruence)
def grad_trace_inv_congruence(A, X, C):
    """Gradient of ``tr[(X^T C X)^{-1} A]``, C symmetric: ``-C X M^{-1} (A + A^T) M^{-1}``."""
    Mi = np.linalg.inv(X.T @ C @ X)
    return -(C @ X @ Mi) @ (A + A.T) @ Mi


def hessian_trace_inv_congruence(A, X, C):
    """Hessian of ``tr[(X^T C X)^{-1} A]``, C symmetric, as a 4-tensor (see the formula)."""
    P = np.linalg.inv(X.T @ C @ X)
    S = P @ (A + A.T) @ P  # the gradient is -C X S

    def directional(V):
        dM = V.T @ C @ X + X.T @ C @ V
        return -C @ V @ S + C @ X @ P @ dM @ S + C @ X @ S @ dM @ P

    return hessian_tensor(X, directional)


register(
    Identity(
        id="traces.inv-congruence",
        title="Gradient of tr[(XᵀCX)⁻¹A]",
        formula=r"\nabla_X \operatorname{tr}\big[(X^\top CX)^{-1}A\big] = "
        r"-\big(CX(X^\top CX)^{-1}\big)(A + A^\top)(X^\top CX)^{-1}",
        wrt="X",
        kind="gradient",
        value=trace_inv_congruence,
        derivative=grad_trace_inv_congruence,
        symbolic=lambda A, X, C: (
            ((X.T * _symmetric(C) * X).inv() * A).trace(),
            -(_symmetric(C) * X * (X.T * _symmetric(C) * X).inv())
            * (A + A.T)
            * (X.T * _symmetric(C) * X).inv(),
        ),
        sources=(_cookbook(125),),
        structure={"C": "symmetric"},
        sample=_congruence_sample("A", "X", "C"),
        symbolic_dims=SYMBOLIC_SMALL,
        assumptions="C symmetric (as the Cookbook assumes) and X^T C X invertible; A need not "
        "be symmetric (the formula symmetrizes it)",
        derivation=r"""
Let $M = X^\top CX$, symmetric because $C$ is. With $d(M^{-1}) = -M^{-1}dM\,M^{-1}$,
$df = -\operatorname{tr}(dM\,W)$, $W = M^{-1}AM^{-1}$, and $dM = dX^\top CX + X^\top C\,dX$.
The two terms give $-\langle CXW, dX\rangle$ and $-\langle C^\top XW^\top, dX\rangle$; with
$C^\top = C$ and $W + W^\top = M^{-1}(A + A^\top)M^{-1}$, the gradient is
$-CXM^{-1}(A + A^\top)M^{-1}$. Only $C$ needs to be symmetric.
""",
        hessian=hessian_trace_inv_congruence,
        hessian_formula=r"\nabla_X^2 f[V] = -CVS + CXM^{-1}\,dM\,S + CXS\,dM\,M^{-1},"
        r"\quad S = M^{-1}(A + A^\top)M^{-1},\ dM = V^\top CX + X^\top CV,\ M = X^\top CX",
        mistakes=(
            Mistake(
                r"-2CX(X^\top CX)^{-1}A(X^\top CX)^{-1}",
                lambda A, X, C: (
                    -2 * C @ X @ np.linalg.inv(X.T @ C @ X) @ A @ np.linalg.inv(X.T @ C @ X)
                ),
                "right only for symmetric A: A + A^T replaced by 2A",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial f}{\partial X} = "
            r"-(X^\top CX)^{-1}(A + A^\top)(X^\top CX)^{-1}X^\top C",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}\Big[(X^TCX)^{-1}A\Big] = "
            r"-(CX(X^TCX)^{-1})(A+A^T)(X^TCX)^{-1}\ \text{(eq. 125, same layout)}",
        },
        related=("traces.inv-ratio", "traces.inv-shifted-ratio", "traces.axinvb"),
        cookbook=(125,),
        keywords=("tr((X^TCX)^-1A)", "inverse", "generalized Rayleigh quotient", "congruence"),
    )
)


@shaped
def trace_inv_ratio(X: Arr["n m"], B: Arr["n n"], C: Arr["n n"]):
    """The trace ``tr[(X^T C X)^{-1} (X^T B X)]``.

    >>> trace_inv_ratio(np.array([[1.0], [1.0]]), np.eye(2), np.eye(2))
    np.float64(1.0)
    """
    return np.trace(np.linalg.solve(X.T @ C @ X, X.T @ B @ X))


@shaped_like(trace_inv_ratio)
def grad_trace_inv_ratio(X, B, C):
    """Gradient of ``tr[(X^T C X)^{-1} X^T B X]``, B, C symmetric (Cookbook eq. 126)."""
    Mi = np.linalg.inv(X.T @ C @ X)
    return -2 * C @ X @ Mi @ X.T @ B @ X @ Mi + 2 * B @ X @ Mi


def hessian_trace_inv_ratio(X, B, C):
    """Hessian of ``tr[(X^T C X)^{-1} X^T B X]``, B, C symmetric, as a 4-tensor."""
    P = np.linalg.inv(X.T @ C @ X)
    N = X.T @ B @ X

    def directional(V):
        dM = V.T @ C @ X + X.T @ C @ V
        dN = V.T @ B @ X + X.T @ B @ V
        return (
            -2 * C @ V @ P @ N @ P
            + 2 * C @ X @ P @ dM @ P @ N @ P
            - 2 * C @ X @ P @ dN @ P
            + 2 * C @ X @ P @ N @ P @ dM @ P
            + 2 * B @ V @ P
            - 2 * B @ X @ P @ dM @ P
        )

    return hessian_tensor(X, directional)


register(
    Identity(
        id="traces.inv-ratio",
        title="Gradient of the trace ratio tr[(XᵀCX)⁻¹(XᵀBX)]",
        formula=r"\nabla_X \operatorname{tr}\big[(X^\top CX)^{-1}(X^\top BX)\big] = "
        r"-2CX(X^\top CX)^{-1}X^\top BX(X^\top CX)^{-1} + 2BX(X^\top CX)^{-1}",
        wrt="X",
        kind="gradient",
        value=trace_inv_ratio,
        derivative=grad_trace_inv_ratio,
        symbolic=lambda X, B, C: (
            ((X.T * _symmetric(C) * X).inv() * (X.T * _symmetric(B) * X)).trace(),
            -2
            * _symmetric(C)
            * X
            * (X.T * _symmetric(C) * X).inv()
            * X.T
            * _symmetric(B)
            * X
            * (X.T * _symmetric(C) * X).inv()
            + 2 * _symmetric(B) * X * (X.T * _symmetric(C) * X).inv(),
        ),
        sources=(_cookbook(126),),
        structure={"B": "symmetric", "C": "symmetric"},
        sample=_congruence_sample("X", "B", "C"),
        symbolic_dims=SYMBOLIC_SMALL,
        assumptions="B and C symmetric (as the Cookbook assumes), X^T C X invertible (X has "
        "one row more than columns in the checks)",
        derivation=r"""
With $M = X^\top CX$ and $N = X^\top BX$ (both symmetric), the product rule gives
$df = \operatorname{tr}(d(M^{-1})N) + \operatorname{tr}(M^{-1}dN)$. The first part is
eq. 125 with $A = N$: $-CXM^{-1}(2N)M^{-1}$. The second, with
$dN = dX^\top BX + X^\top B\,dX$, is $\langle BXM^{-1} + B^\top XM^{-\top}, dX\rangle
= \langle 2BXM^{-1}, dX\rangle$.
""",
        hessian=hessian_trace_inv_ratio,
        hessian_formula=r"\nabla_X^2 f[V] = -2CVPNP + 2CXP\,dM\,PNP - 2CXP\,dN\,P"
        r" + 2CXPNP\,dM\,P + 2BVP - 2BXP\,dM\,P,\quad P = (X^\top CX)^{-1},"
        r"\ N = X^\top BX,\ dM = V^\top CX + X^\top CV,\ dN = V^\top BX + X^\top BV",
        mistakes=(
            Mistake(
                r"2BX(X^\top CX)^{-1}",
                lambda X, B, C: 2 * B @ X @ np.linalg.inv(X.T @ C @ X),
                "differentiates the numerator X^T B X only, holding the inverse fixed",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial f}{\partial X} = -2(X^\top CX)^{-1}X^\top BX"
            r"(X^\top CX)^{-1}X^\top C + 2(X^\top CX)^{-1}X^\top B",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}\Big[(X^TCX)^{-1}(X^TBX)"
            r"\Big] = -2CX(X^TCX)^{-1}X^TBX(X^TCX)^{-1} + 2BX(X^TCX)^{-1}"
            r"\ \text{(eq. 126, same layout)}",
        },
        related=("traces.inv-congruence", "traces.inv-shifted-ratio"),
        cookbook=(126,),
        keywords=(
            "trace ratio",
            "generalized Rayleigh quotient",
            "tr((X^TCX)^-1 X^TBX)",
            "Fisher discriminant",
        ),
    )
)


@shaped
def trace_inv_shifted_ratio(A: Arr["m m"], X: Arr["n m"], C: Arr["n n"], B: Arr["n n"]):
    """The trace ``tr[(A + X^T C X)^{-1} (X^T B X)]``.

    >>> trace_inv_shifted_ratio(np.eye(1), np.array([[1.0], [1.0]]), np.eye(2), np.eye(2))
    np.float64(0.6666666666666666)
    """
    return np.trace(np.linalg.solve(A + X.T @ C @ X, X.T @ B @ X))


@shaped_like(trace_inv_shifted_ratio)
def grad_trace_inv_shifted_ratio(A, X, C, B):
    """Gradient of ``tr[(A + X^T C X)^{-1} X^T B X]``, B, C symmetric, any A (corrected eq. 127)."""
    P = np.linalg.inv(A + X.T @ C @ X)
    N = X.T @ B @ X
    return -C @ X @ (P @ N @ P + P.T @ N @ P.T) + B @ X @ (P + P.T)


def printed_grad_trace_inv_shifted_ratio(A, X, C, B):
    """Cookbook eq. 127 as printed: right only when A is symmetric as well."""
    P = np.linalg.inv(A + X.T @ C @ X)
    return -2 * C @ X @ P @ X.T @ B @ X @ P + 2 * B @ X @ P


def hessian_trace_inv_shifted_ratio(A, X, C, B):
    """Hessian of ``tr[(A + X^T C X)^{-1} X^T B X]``, B, C symmetric, as a 4-tensor."""
    P = np.linalg.inv(A + X.T @ C @ X)
    N = X.T @ B @ X
    W = P @ N @ P + P.T @ N @ P.T

    def directional(V):
        dM = V.T @ C @ X + X.T @ C @ V  # symmetric, as C is
        dN = V.T @ B @ X + X.T @ B @ V
        dP, dPt = -P @ dM @ P, -P.T @ dM @ P.T
        dW = dP @ N @ P + P @ dN @ P + P @ N @ dP + dPt @ N @ P.T + P.T @ dN @ P.T
        dW = dW + P.T @ N @ dPt
        return -C @ V @ W - C @ X @ dW + B @ V @ (P + P.T) + B @ X @ (dP + dPt)

    return hessian_tensor(X, directional)


register(
    Identity(
        id="traces.inv-shifted-ratio",
        title="Gradient of tr[(A + XᵀCX)⁻¹(XᵀBX)]",
        formula=r"\nabla_X \operatorname{tr}\big[(A + X^\top CX)^{-1}(X^\top BX)\big] = "
        r"-CX\big(M^{-1}X^\top BXM^{-1} + M^{-\top}X^\top BXM^{-\top}\big)"
        r" + BX\big(M^{-1} + M^{-\top}\big),\quad M = A + X^\top CX",
        wrt="X",
        kind="gradient",
        value=trace_inv_shifted_ratio,
        derivative=grad_trace_inv_shifted_ratio,
        symbolic=lambda A, X, C, B: _symbolic_inv_shifted_ratio(A, X, _symmetric(C), _symmetric(B)),
        sources=(
            f"{_cookbook(127)}, corrected from eq. (127) (it also needs A symmetric), see the "
            "errata",
        ),
        structure={"C": "symmetric", "B": "symmetric"},
        sample=_congruence_sample("A", "X", "C", "B"),
        symbolic_dims=SYMBOLIC_SMALL,
        assumptions="B and C symmetric, A + X^T C X invertible; A need not be symmetric (for "
        "symmetric A this is the Cookbook's printed eq. 127)",
        derivation=r"""
With $M = A + X^\top CX$ and $N = X^\top BX$, $df = -\operatorname{tr}(M^{-1}dM\,M^{-1}N) +
\operatorname{tr}(M^{-1}dN)$, and $dM = dX^\top CX + X^\top C\,dX$, $dN = dX^\top BX +
X^\top B\,dX$. Each $d$ contributes a term and its transposed twin:
$-CX(W + W^\top)$ with $W = M^{-1}NM^{-1}$, and $BX(M^{-1} + M^{-\top})$. Only when $M$ is
symmetric, that is when $A$ is, do the twins coincide and give the printed factors 2.
""",
        hessian=hessian_trace_inv_shifted_ratio,
        hessian_formula=r"\nabla_X^2 f[V] = -CVW - CX\,dW + BV(P + P^\top) + BX(dP + dP^\top),"
        r"\quad P = M^{-1},\ W = PNP + P^\top NP^\top,\ dP = -P\,dM\,P,"
        r"\ dM = V^\top CX + X^\top CV,\ dN = V^\top BX + X^\top BV,\ N = X^\top BX,"
        r"\ dW = dP\,NP + P\,dN\,P + PN\,dP + dP^\top NP^\top + P^\top dN\,P^\top"
        r" + P^\top N\,dP^\top",
        mistakes=(
            Mistake(
                r"-2CXM^{-1}X^\top BXM^{-1} + 2BXM^{-1}",
                printed_grad_trace_inv_shifted_ratio,
                "the Cookbook's printed eq. 127: assumes A symmetric without saying so",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial f}{\partial X} = -\big(M^{-\top}X^\top BXM^{-\top} + "
            r"M^{-1}X^\top BXM^{-1}\big)X^\top C + \big(M^{-\top} + M^{-1}\big)X^\top B",
            "cookbook": r"\text{eq. 127 prints } -2CX(A+X^TCX)^{-1}X^TBX(A+X^TCX)^{-1} + "
            r"2BX(A+X^TCX)^{-1}\text{, right only for symmetric } A",
        },
        related=("traces.inv-ratio", "traces.inv-congruence"),
        cookbook=(),
        keywords=("tr((A + X^TCX)^-1 X^TBX)", "trace ratio", "regularized trace ratio"),
    )
)


def _symbolic_inv_shifted_ratio(A, X, C, B):
    P = (A + X.T * C * X).inv()
    N = X.T * B * X
    value = (P * N).trace()
    return value, -C * X * (P * N * P + P.T * N * P.T) + B * X * (P + P.T)


register_erratum(
    Erratum(
        id="cookbook-2012-eq-127",
        source=f"{COOKBOOK}, p. 14",
        equations=(127,),
        printed=r"\frac{\partial}{\partial X}\mathrm{Tr}\Big[(A+X^TCX)^{-1}(X^TBX)\Big] = "
        r"-2CX(A+X^TCX)^{-1}X^TBX(A+X^TCX)^{-1} + 2BX(A+X^TCX)^{-1}",
        corrected=r"-CX\big(M^{-1}X^\top BXM^{-1} + M^{-\top}X^\top BXM^{-\top}\big)"
        r" + BX\big(M^{-1} + M^{-\top}\big),\quad M = A + X^\top CX"
        r"\quad\text{(the printed form when } A = A^\top)",
        category="missing assumption",
        what="The section assumes B and C symmetric, but the factors 2 of eq. 127 also need "
        "A symmetric, which is not stated: for a general A, M = A + X^T C X is not symmetric "
        "and the two terms of each differential stay distinct. The printed formula fails the "
        "derivative check with a general A and passes with a symmetric A; the corrected one "
        "passes for any A.",
        identity="traces.inv-shifted-ratio",
        printed_derivative=printed_grad_trace_inv_shifted_ratio,
    )
)


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
    "inverses",
    "Traces with inverses",
    ("traces.axinvb", "traces.inv-congruence", "traces.inv-ratio", "traces.inv-shifted-ratio"),
)
