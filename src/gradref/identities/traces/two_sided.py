"""Two-sided quadratic traces: the identities of the page ``reference/traces/two-sided.html``."""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.traces._common import _cookbook, hessian_tensor
from gradref.shapes import Arr, shaped, shaped_like


@shaped
def trace_btxtcxb(B: Arr["n p"], X: Arr["m n"], C: Arr["m m"]):
    """The trace ``tr(B^T X^T C X B)``.

    >>> trace_btxtcxb(np.ones((1, 1)), np.array([[1.0], [2.0]]), np.eye(2))
    np.float64(5.0)
    """
    return np.trace(B.T @ X.T @ C @ X @ B)


@shaped_like(trace_btxtcxb)
def grad_trace_btxtcxb(B, X, C):
    """Gradient of ``tr(B^T X^T C X B)`` with respect to ``X``: ``C^T X B B^T + C X B B^T``."""
    return C.T @ X @ B @ B.T + C @ X @ B @ B.T


def hessian_trace_btxtcxb(B, X, C):
    """Hessian of ``tr(B^T X^T C X B)``: the 4-tensor of ``V -> (C + C^T) V B B^T``."""
    return hessian_tensor(X, lambda V: (C + C.T) @ V @ B @ B.T)


register(
    Identity(
        id="traces.btxtcxb",
        title="Gradient of tr(BᵀXᵀCXB)",
        formula=r"\nabla_X \operatorname{tr}(B^\top X^\top C X B) = C^\top X B B^\top + C X B B^\top",
        wrt="X",
        kind="gradient",
        value=trace_btxtcxb,
        derivative=grad_trace_btxtcxb,
        symbolic=lambda B, X, C: (
            (B.T * X.T * C * X * B).trace(),
            C.T * X * B * B.T + C * X * B * B.T,
        ),
        sources=(_cookbook(116),),
        assumptions="C square, not necessarily symmetric",
        derivation=r"""
Cycling $B$ around, $\operatorname{tr}(B^\top X^\top CXB) = \operatorname{tr}(X^\top CX
BB^\top)$. Then $d = \operatorname{tr}(dX^\top CXBB^\top) + \operatorname{tr}(X^\top C\,dX\,
BB^\top)$: the first is $\langle CXBB^\top, dX\rangle$, the second
$\operatorname{tr}(BB^\top X^\top C\,dX) = \langle C^\top XBB^\top, dX\rangle$.
""",
        hessian=hessian_trace_btxtcxb,
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(B^\top X^\top CXB)[V]"
        r" = (C + C^\top) V B B^\top",
        mistakes=(
            Mistake(
                r"2 C X B B^\top",
                lambda B, X, C: 2 * C @ X @ B @ B.T,
                "right only for symmetric C",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(B^\top X^\top CXB)}{\partial X}"
            r" = BB^\top X^\top (C + C^\top)",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(B^TX^TCXB) = "
            r"C^TXBB^T+CXBB^T\ \text{(eq. 116, same layout)}",
        },
        related=("traces.xtbx", "traces.xtbxc"),
        cookbook=(116,),
        keywords=("tr(B^TX^TCXB)", "quadratic trace", "weighted Frobenius norm"),
    )
)


@shaped
def trace_xtbxc(X: Arr["m n"], B: Arr["m m"], C: Arr["n n"]):
    """The trace ``tr(X^T B X C)``.

    >>> trace_xtbxc(np.array([[1.0], [2.0]]), np.eye(2), np.array([[3.0]]))
    np.float64(15.0)
    """
    return np.trace(X.T @ B @ X @ C)


@shaped_like(trace_xtbxc)
def grad_trace_xtbxc(X, B, C):
    """Gradient of ``tr(X^T B X C)`` with respect to ``X``: ``B X C + B^T X C^T``."""
    return B @ X @ C + B.T @ X @ C.T


def hessian_trace_xtbxc(X, B, C):
    """Hessian of ``tr(X^T B X C)``: the 4-tensor of ``V -> B V C + B^T V C^T``."""
    return hessian_tensor(X, lambda V: B @ V @ C + B.T @ V @ C.T)


register(
    Identity(
        id="traces.xtbxc",
        title="Gradient of tr(XᵀBXC)",
        formula=r"\nabla_X \operatorname{tr}(X^\top B X C) = BXC + B^\top X C^\top",
        wrt="X",
        kind="gradient",
        value=trace_xtbxc,
        derivative=grad_trace_xtbxc,
        symbolic=lambda X, B, C: ((X.T * B * X * C).trace(), B * X * C + B.T * X * C.T),
        sources=(_cookbook(117),),
        assumptions="B and C square, not necessarily symmetric",
        derivation=r"""
$d\operatorname{tr}(X^\top BXC) = \operatorname{tr}(dX^\top BXC) + \operatorname{tr}(X^\top
B\,dX\,C)$. The first term is $\langle BXC, dX\rangle$; the second, cycled to
$\operatorname{tr}(CX^\top B\,dX)$, is $\langle (CX^\top B)^\top, dX\rangle =
\langle B^\top XC^\top, dX\rangle$.
""",
        hessian=hessian_trace_xtbxc,
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(X^\top BXC)[V] = BVC + B^\top V C^\top",
        mistakes=(
            Mistake(
                "2 B X C",
                lambda X, B, C: 2 * B @ X @ C,
                "right only when B and C are both symmetric",
            ),
            Mistake(
                r"BXC + B^\top X C",
                lambda X, B, C: B @ X @ C + B.T @ X @ C,
                "transposes B in the second term but forgets to transpose C",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(X^\top BXC)}{\partial X}"
            r" = C^\top X^\top B^\top + C X^\top B",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}\left[X^TBXC\right] = "
            r"BXC+B^TXC^T\ \text{(eq. 117, same layout)}",
        },
        related=("traces.xtbx", "traces.btxtcxb", "traces.axbxtc"),
        cookbook=(117,),
        keywords=("tr(X^TBXC)", "quadratic trace", "Sylvester"),
    )
)


@shaped
def trace_axbxtc(A: Arr["p m"], X: Arr["m n"], B: Arr["n n"], C: Arr["m p"]):
    """The trace ``tr(A X B X^T C)``.

    >>> trace_axbxtc(np.ones((1, 1)), np.array([[2.0]]), np.array([[3.0]]), np.ones((1, 1)))
    np.float64(12.0)
    """
    return np.trace(A @ X @ B @ X.T @ C)


@shaped_like(trace_axbxtc)
def grad_trace_axbxtc(A, X, B, C):
    """Gradient of ``tr(A X B X^T C)`` with respect to ``X``: ``A^T C^T X B^T + C A X B``."""
    return A.T @ C.T @ X @ B.T + C @ A @ X @ B


def hessian_trace_axbxtc(A, X, B, C):
    """Hessian of ``tr(A X B X^T C)``: the 4-tensor of ``V -> A^T C^T V B^T + C A V B``."""
    return hessian_tensor(X, lambda V: A.T @ C.T @ V @ B.T + C @ A @ V @ B)


register(
    Identity(
        id="traces.axbxtc",
        title="Gradient of tr(AXBXᵀC)",
        formula=r"\nabla_X \operatorname{tr}(AXBX^\top C) = A^\top C^\top X B^\top + CAXB",
        wrt="X",
        kind="gradient",
        value=trace_axbxtc,
        derivative=grad_trace_axbxtc,
        symbolic=lambda A, X, B, C: (
            (A * X * B * X.T * C).trace(),
            A.T * C.T * X * B.T + C * A * X * B,
        ),
        sources=(_cookbook(118),),
        derivation=r"""
Cycle $C$ to the front: $\operatorname{tr}(AXBX^\top C) = \operatorname{tr}(CAXBX^\top)$,
which is eq. 117's form with $X^\top$ outside. $d = \operatorname{tr}(CA\,dX\,BX^\top) +
\operatorname{tr}(CAXB\,dX^\top)$; the first is $\operatorname{tr}(BX^\top CA\,dX) =
\langle A^\top C^\top XB^\top, dX\rangle$ and the second $\langle CAXB, dX\rangle$.
""",
        hessian=hessian_trace_axbxtc,
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(AXBX^\top C)[V]"
        r" = A^\top C^\top V B^\top + CAVB",
        mistakes=(
            Mistake(
                "2 C A X B",
                lambda A, X, B, C: 2 * C @ A @ X @ B,
                "right only when CA and B are both symmetric",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(AXBX^\top C)}{\partial X}"
            r" = BX^\top CA + B^\top X^\top A^\top C^\top",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(AXBX^TC) = "
            r"A^TC^TXB^T+CAXB\ \text{(eq. 118, same layout)}",
        },
        related=("traces.xtbxc", "traces.xbxt"),
        cookbook=(118,),
        keywords=("tr(AXBX^TC)", "quadratic trace"),
    )
)


@shaped
def trace_affine_gram(A: Arr["p m"], X: Arr["m n"], B: Arr["n q"], C: Arr["p q"]):
    """The trace ``tr[(A X B + C)(A X B + C)^T]``, the squared Frobenius norm of ``AXB + C``.

    >>> trace_affine_gram(np.eye(1), np.array([[2.0]]), np.eye(1), np.array([[1.0]]))
    np.float64(9.0)
    """
    R = A @ X @ B + C
    return np.trace(R @ R.T)


@shaped_like(trace_affine_gram)
def grad_trace_affine_gram(A, X, B, C):
    """Gradient of ``||A X B + C||_F^2`` with respect to ``X``: ``2 A^T (A X B + C) B^T``."""
    return 2 * A.T @ (A @ X @ B + C) @ B.T


def hessian_trace_affine_gram(A, X, B, C):
    """Hessian of ``||A X B + C||_F^2``: the 4-tensor of ``V -> 2 A^T A V B B^T``."""
    return hessian_tensor(X, lambda V: 2 * A.T @ A @ V @ B @ B.T)


register(
    Identity(
        id="traces.affine-frobenius",
        title="Gradient of the squared Frobenius norm of an affine map, tr[(AXB+C)(AXB+C)ᵀ]",
        formula=r"\nabla_X \operatorname{tr}\big[(AXB + C)(AXB + C)^\top\big]"
        r" = 2A^\top (AXB + C) B^\top",
        wrt="X",
        kind="gradient",
        value=trace_affine_gram,
        derivative=grad_trace_affine_gram,
        symbolic=lambda A, X, B, C: (
            ((A * X * B + C) * (A * X * B + C).T).trace(),
            2 * A.T * (A * X * B + C) * B.T,
        ),
        sources=(_cookbook(119),),
        derivation=r"""
With the residual $R = AXB + C$, $f = \operatorname{tr}(RR^\top) = \langle R, R\rangle$
and $df = 2\langle R, dR\rangle = 2\langle R, A\,dX\,B\rangle =
2\operatorname{tr}(R^\top A\,dX\,B) = 2\operatorname{tr}(BR^\top A\,dX)$. So
$\nabla_X f = 2(BR^\top A)^\top = 2A^\top R B^\top$: the least-squares gradient with a
matrix unknown.
""",
        hessian=hessian_trace_affine_gram,
        hessian_formula=r"\nabla_X^2 \operatorname{tr}\big[(AXB+C)(AXB+C)^\top\big][V]"
        r" = 2A^\top A V B B^\top",
        mistakes=(
            Mistake(
                r"A^\top (AXB + C) B^\top",
                lambda A, X, B, C: A.T @ (A @ X @ B + C) @ B.T,
                "drops the factor 2 of the square",
            ),
            Mistake(
                r"2 A^\top A X B B^\top",
                lambda A, X, B, C: 2 * A.T @ A @ X @ B @ B.T,
                "drops the constant C from the residual, as if fitting AXB to zero",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}[(AXB+C)(AXB+C)^\top]}{\partial X}"
            r" = 2B(AXB + C)^\top A",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}\Big[(AXB+C)(AXB+C)^T"
            r"\Big] = 2A^T(AXB+C)B^T\ \text{(eq. 119, same layout)}",
        },
        related=("traces.xtx", "traces.btxtcxb"),
        cookbook=(119,),
        keywords=(
            "least squares",
            "matrix least squares",
            "squared Frobenius norm",
            "||AXB + C||_F^2",
            "residual",
        ),
    )
)


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
    "two-sided",
    "Two-sided quadratic traces",
    ("traces.btxtcxb", "traces.xtbxc", "traces.axbxtc", "traces.affine-frobenius"),
)
