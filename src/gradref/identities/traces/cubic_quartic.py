"""Cubic and quartic traces: the identities of the page ``reference/traces/cubic-quartic.html``."""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.traces._common import SYMBOLIC_SMALL, _cookbook, hessian_tensor
from gradref.shapes import Arr, shaped, shaped_like

# ---------------------------------------------------------------------------------------
# 2.5.3 Higher order (k = 3)
# ---------------------------------------------------------------------------------------

#: The power k of eqs. 121 and 122, fixed to 3 (the lowest power beyond the quadratic
#: traces of section 2.5.2, where X^{k-1} is no longer X).
POWER = 3


@shaped
def trace_cube(X: Arr["n n"]):
    """The trace of the cube, ``tr(X^3)``.

    >>> trace_cube(np.array([[1.0, 1.0], [0.0, 2.0]]))
    np.float64(9.0)
    """
    return np.trace(X @ X @ X)


@shaped_like(trace_cube)
def grad_trace_cube(X):
    """Gradient of ``tr(X^3)``: ``3 (X^2)^T``."""
    return 3 * (X @ X).T


def hessian_trace_cube(X):
    """Hessian of ``tr(X^3)``: the 4-tensor of ``V -> 3 (V X + X V)^T``."""
    return hessian_tensor(X, lambda V: 3 * (V @ X + X @ V).T)


register(
    Identity(
        id="traces.power3",
        title="Gradient of the trace of a power, tr(Xᵏ) with k = 3",
        formula=r"\nabla_X \operatorname{tr}(X^3) = 3 (X^2)^\top",
        wrt="X",
        kind="gradient",
        value=trace_cube,
        derivative=grad_trace_cube,
        symbolic=lambda X: ((X * X * X).trace(), 3 * (X * X).T),
        sources=(f"{_cookbook(121)}, with k = 3",),
        assumptions="X square; the Cookbook states it for any integer k >= 1, checked here at k = 3",
        derivation=r"""
The product rule gives one term per factor: $d\operatorname{tr}(X^k) = \sum_{r=0}^{k-1}
\operatorname{tr}(X^r\,dX\,X^{k-1-r}) = k\operatorname{tr}(X^{k-1} dX)$, every term
cycling to the same one. Hence $\nabla_X \operatorname{tr}(X^k) = k (X^{k-1})^\top$; at
$k = 3$, $3(X^2)^\top$. It is also the general rule $\nabla_X\operatorname{tr}F(X) =
f(X)^\top$ (Cookbook section 2.5) with $F(x) = x^3$, $f(x) = 3x^2$.
""",
        hessian=hessian_trace_cube,
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(X^3)[V] = 3(VX + XV)^\top",
        mistakes=(
            Mistake(
                "3 X^2",
                lambda X: 3 * X @ X,
                "the numerator-layout derivative (the transpose); right only for symmetric X",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(X^3)}{\partial X} = 3X^2",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(X^k) = k(X^{k-1})^T,\quad k = 3"
            r"\ \text{(eq. 121, same layout)}",
        },
        related=("traces.square", "traces.ax3", "traces.exp"),
        cookbook=(121,),
        keywords=("tr(X^k)", "trace of a power", "tr(X^3)", "matrix power", "power"),
    )
)


@shaped
def trace_ax3(A: Arr["n n"], X: Arr["n n"]):
    """The trace ``tr(A X^3)``.

    >>> trace_ax3(np.eye(2), np.array([[1.0, 1.0], [0.0, 2.0]]))
    np.float64(9.0)
    """
    return np.trace(A @ X @ X @ X)


@shaped_like(trace_ax3)
def grad_trace_ax3(A, X):
    """Gradient of ``tr(A X^k)``, k = 3: ``sum_{r=0}^{k-1} (X^r A X^{k-r-1})^T``."""
    power = np.linalg.matrix_power
    return sum(power(X, r) @ A @ power(X, POWER - r - 1) for r in range(POWER)).T


def hessian_trace_ax3(A, X):
    """Hessian of ``tr(A X^3)``: the 4-tensor of ``V -> (AVX + AXV + VAX + XAV + VXA + XVA)^T``."""
    return hessian_tensor(
        X,
        lambda V: (A @ V @ X + A @ X @ V + V @ A @ X + X @ A @ V + V @ X @ A + X @ V @ A).T,
    )


register(
    Identity(
        id="traces.ax3",
        title="Gradient of tr(AXᵏ) with k = 3",
        formula=r"\nabla_X \operatorname{tr}(A X^3) = \sum_{r=0}^{2} (X^r A X^{2-r})^\top"
        r" = (AX^2 + XAX + X^2A)^\top",
        wrt="X",
        kind="gradient",
        value=trace_ax3,
        derivative=grad_trace_ax3,
        symbolic=lambda A, X: ((A * X * X * X).trace(), (A * X * X + X * A * X + X * X * A).T),
        sources=(f"{_cookbook(122)}, with k = 3",),
        assumptions="A and X square; the Cookbook states it for any integer k >= 1, checked "
        "here at k = 3",
        derivation=r"""
The product rule on $X^k$ gives $d\operatorname{tr}(AX^k) = \sum_{r=0}^{k-1}
\operatorname{tr}(AX^r\,dX\,X^{k-1-r}) = \sum_r \operatorname{tr}(X^{k-1-r}AX^r\,dX)$.
Unlike $\operatorname{tr}(X^k)$ the terms differ, because $A$ sits between them. Each is
$\langle (X^{k-1-r}AX^r)^\top, dX\rangle$; summing (and renaming $r \to k-1-r$) gives
$\sum_{r=0}^{k-1} (X^rAX^{k-r-1})^\top$.
""",
        hessian=hessian_trace_ax3,
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(AX^3)[V]"
        r" = (AVX + AXV + VAX + XAV + VXA + XVA)^\top",
        mistakes=(
            Mistake(
                r"3 (AX^2)^\top",
                lambda A, X: 3 * (A @ X @ X).T,
                "the tr(X^k) rule with A carried along, as if A commuted with X",
            ),
            Mistake(
                r"\sum_{r=0}^{2} X^r A X^{2-r}",
                lambda A, X: A @ X @ X + X @ A @ X + X @ X @ A,
                "the numerator-layout derivative (the transpose)",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(AX^3)}{\partial X}"
            r" = AX^2 + XAX + X^2A",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(AX^k) = "
            r"\sum_{r=0}^{k-1}(X^rAX^{k-r-1})^T,\quad k = 3\ \text{(eq. 122, same layout)}",
        },
        related=("traces.power3", "traces.x2b"),
        cookbook=(122,),
        keywords=("tr(AX^k)", "trace of a power", "matrix power", "tr(AX^3)"),
    )
)


@shaped
def trace_quartic(X: Arr["m n"], B: Arr["n p"], C: Arr["m m"]):
    """The trace ``tr(B^T X^T C X X^T C X B)``.

    >>> trace_quartic(np.array([[2.0]]), np.ones((1, 1)), np.ones((1, 1)))
    np.float64(16.0)
    """
    return np.trace(B.T @ X.T @ C @ X @ X.T @ C @ X @ B)


@shaped_like(trace_quartic)
def grad_trace_quartic(X, B, C):
    """Gradient of ``tr(B^T X^T C X X^T C X B)``, the four terms of Cookbook eq. 123."""
    return (
        C @ X @ X.T @ C @ X @ B @ B.T
        + C.T @ X @ B @ B.T @ X.T @ C.T @ X
        + C @ X @ B @ B.T @ X.T @ C @ X
        + C.T @ X @ X.T @ C.T @ X @ B @ B.T
    )


def hessian_trace_quartic(X, B, C):
    """Hessian of ``tr(B^T X^T C X X^T C X B)``: the 4-tensor of the gradient's differential."""
    D = B @ B.T
    K = X.T @ C @ X @ D + D @ X.T @ C @ X  # the gradient is C X K + C^T X K^T

    def directional(V):
        dM = V.T @ C @ X + X.T @ C @ V  # d(X^T C X)
        dK = dM @ D + D @ dM
        return C @ V @ K + C @ X @ dK + C.T @ V @ K.T + C.T @ X @ dK.T

    return hessian_tensor(X, directional)


register(
    Identity(
        id="traces.quartic",
        title="Gradient of the quartic trace tr(BᵀXᵀCXXᵀCXB)",
        formula=r"\nabla_X \operatorname{tr}\big[B^\top X^\top CXX^\top CXB\big] = "
        r"CXX^\top CXBB^\top + C^\top XBB^\top X^\top C^\top X + CXBB^\top X^\top CX"
        r" + C^\top XX^\top C^\top XBB^\top",
        wrt="X",
        kind="gradient",
        value=trace_quartic,
        derivative=grad_trace_quartic,
        symbolic=lambda X, B, C: (
            (B.T * X.T * C * X * X.T * C * X * B).trace(),
            C * X * X.T * C * X * B * B.T
            + C.T * X * B * B.T * X.T * C.T * X
            + C * X * B * B.T * X.T * C * X
            + C.T * X * X.T * C.T * X * B * B.T,
        ),
        sources=(_cookbook(123),),
        symbolic_dims=SYMBOLIC_SMALL,
        assumptions="C square, not necessarily symmetric",
        derivation=r"""
Write $M = X^\top CX$ and $D = BB^\top$; cycling $B$, $f = \operatorname{tr}(MMD)$ and
$df = \operatorname{tr}(dM\,K)$ with $K = MD + DM$. Since $dM = dX^\top CX + X^\top C\,dX$,
$df = \langle CXK, dX\rangle + \langle C^\top XK^\top, dX\rangle$. Expanding
$CXK + C^\top XK^\top$ gives the four printed terms: $CXX^\top CXD$ and $CXDX^\top CX$ from
the first, $C^\top XDX^\top C^\top X$ and $C^\top XX^\top C^\top XD$ from the second.
""",
        hessian=hessian_trace_quartic,
        hessian_formula=r"\nabla_X^2 f[V] = CVK + CX\,dK + C^\top VK^\top + C^\top X\,dK^\top,"
        r"\quad K = MD + DM,\ dK = dM\,D + D\,dM,\ dM = V^\top CX + X^\top CV,"
        r"\ M = X^\top CX,\ D = BB^\top",
        mistakes=(
            Mistake(
                r"2CXX^\top CXBB^\top + 2CXBB^\top X^\top CX",
                lambda X, B, C: (
                    2 * C @ X @ X.T @ C @ X @ B @ B.T + 2 * C @ X @ B @ B.T @ X.T @ C @ X
                ),
                "right only for symmetric C: the C^T terms replaced by copies of the C terms",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial f}{\partial X} = \big(CXX^\top CXBB^\top + "
            r"C^\top XBB^\top X^\top C^\top X + CXBB^\top X^\top CX + "
            r"C^\top XX^\top C^\top XBB^\top\big)^\top",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}\left[B^TX^TCXX^TCXB"
            r"\right] = CXX^TCXBB^T + C^TXBB^TX^TC^TX + CXBB^TX^TCX + C^TXX^TC^TXBB^T"
            r"\ \text{(eq. 123, same layout)}",
        },
        related=("traces.btxtcxb", "traces.xtbx"),
        cookbook=(123,),
        keywords=("quartic trace", "tr(B^TX^TCXX^TCXB)", "fourth order trace"),
    )
)


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
    "cubic-quartic",
    "Cubic and quartic traces",
    ("traces.power3", "traces.ax3", "traces.quartic"),
)
