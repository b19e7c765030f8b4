"""Quadratic traces in X: the identities of the page ``reference/traces/quadratic.html``."""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.traces._common import _cookbook, hessian_tensor
from gradref.shapes import Arr, shaped, shaped_like

# -- tr(X^T B X), tr(B X X^T), tr(X X^T B): the same gradient (B + B^T) X -------------------


def _hessian_b_sym_v(X, B):
    return hessian_tensor(X, lambda V: (B + B.T) @ V)


@shaped
def trace_xtbx(X: Arr["n m"], B: Arr["n n"]):
    """The trace ``tr(X^T B X)``.

    >>> trace_xtbx(np.array([[1.0], [2.0]]), np.array([[1.0, 1.0], [0.0, 1.0]]))
    np.float64(7.0)
    """
    return np.trace(X.T @ B @ X)


@shaped_like(trace_xtbx)
def grad_trace_xtbx(X, B):
    """Gradient of ``tr(X^T B X)`` with respect to ``X``: ``B X + B^T X``."""
    return B @ X + B.T @ X


def hessian_trace_xtbx(X, B):
    """Hessian of ``tr(X^T B X)``: the 4-tensor of ``V -> (B + B^T) V``."""
    return _hessian_b_sym_v(X, B)


register(
    Identity(
        id="traces.xtbx",
        title="Gradient of the quadratic trace tr(XᵀBX)",
        formula=r"\nabla_X \operatorname{tr}(X^\top B X) = BX + B^\top X",
        wrt="X",
        kind="gradient",
        value=trace_xtbx,
        derivative=grad_trace_xtbx,
        symbolic=lambda X, B: ((X.T * B * X).trace(), B * X + B.T * X),
        sources=(_cookbook(108),),
        assumptions="B square, not necessarily symmetric",
        derivation=r"""
$d\operatorname{tr}(X^\top BX) = \operatorname{tr}(dX^\top BX) + \operatorname{tr}(X^\top
B\,dX)$. The first term is $\langle BX, dX\rangle$; the second is, transposed,
$\operatorname{tr}(dX^\top B^\top X) = \langle B^\top X, dX\rangle$. So
$\nabla_X = BX + B^\top X$, the matrix version of $\nabla_x x^\top Bx = (B + B^\top)x$,
column by column.
""",
        hessian=hessian_trace_xtbx,
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(X^\top BX)[V] = (B + B^\top) V",
        mistakes=(
            Mistake(
                "2 B X",
                lambda X, B: 2 * B @ X,
                "right only for symmetric B: one term of the product rule counted twice",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(X^\top BX)}{\partial X}"
            r" = X^\top (B + B^\top)",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(X^TBX) = BX+B^TX"
            r"\ \text{(eq. 108, same layout)}",
        },
        related=("traces.bxxt", "traces.xxtb", "quadratic.grad-x", "traces.xbxt"),
        cookbook=(108,),
        keywords=("tr(X^TBX)", "quadratic trace", "trace quadratic form", "B + B^T"),
    )
)


@shaped
def trace_bxxt(B: Arr["n n"], X: Arr["n m"]):
    """The trace ``tr(B X X^T)``.

    >>> trace_bxxt(np.array([[1.0, 1.0], [0.0, 1.0]]), np.array([[1.0], [2.0]]))
    np.float64(7.0)
    """
    return np.trace(B @ X @ X.T)


@shaped_like(trace_bxxt)
def grad_trace_bxxt(B, X):
    """Gradient of ``tr(B X X^T)`` with respect to ``X``: ``B X + B^T X``."""
    return B @ X + B.T @ X


def hessian_trace_bxxt(B, X):
    """Hessian of ``tr(B X X^T)``: the 4-tensor of ``V -> (B + B^T) V``."""
    return _hessian_b_sym_v(X, B)


register(
    Identity(
        id="traces.bxxt",
        title="Gradient of tr(BXXᵀ)",
        formula=r"\nabla_X \operatorname{tr}(B X X^\top) = BX + B^\top X",
        wrt="X",
        kind="gradient",
        value=trace_bxxt,
        derivative=grad_trace_bxxt,
        symbolic=lambda B, X: ((B * X * X.T).trace(), B * X + B.T * X),
        sources=(_cookbook(109),),
        assumptions="B square, not necessarily symmetric",
        derivation=r"""
By the cyclic property $\operatorname{tr}(BXX^\top) = \operatorname{tr}(X^\top BX)$.
Directly: $d = \operatorname{tr}(B\,dX\,X^\top) + \operatorname{tr}(BX\,dX^\top)
= \operatorname{tr}(X^\top B\,dX) + \operatorname{tr}(dX^\top BX)
= \langle B^\top X + BX, dX\rangle$.
""",
        hessian=hessian_trace_bxxt,
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(BXX^\top)[V] = (B + B^\top) V",
        mistakes=(
            Mistake(
                "2 B X",
                lambda B, X: 2 * B @ X,
                "right only for symmetric B",
            ),
            Mistake(
                r"X^\top (B + B^\top)",
                lambda B, X: X.T @ (B + B.T),
                "the numerator-layout derivative; the shape of X transposed",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(BXX^\top)}{\partial X}"
            r" = X^\top (B + B^\top)",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(BXX^T) = BX+B^TX"
            r"\ \text{(eq. 109, same layout)}",
        },
        related=("traces.xtbx", "traces.xxtb"),
        cookbook=(109,),
        keywords=("tr(BXX^T)", "quadratic trace", "B + B^T"),
    )
)


@shaped
def trace_xxtb(X: Arr["n m"], B: Arr["n n"]):
    """The trace ``tr(X X^T B)``.

    >>> trace_xxtb(np.array([[1.0], [2.0]]), np.array([[1.0, 1.0], [0.0, 1.0]]))
    np.float64(7.0)
    """
    return np.trace(X @ X.T @ B)


@shaped_like(trace_xxtb)
def grad_trace_xxtb(X, B):
    """Gradient of ``tr(X X^T B)`` with respect to ``X``: ``B X + B^T X``."""
    return B @ X + B.T @ X


def hessian_trace_xxtb(X, B):
    """Hessian of ``tr(X X^T B)``: the 4-tensor of ``V -> (B + B^T) V``."""
    return _hessian_b_sym_v(X, B)


register(
    Identity(
        id="traces.xxtb",
        title="Gradient of tr(XXᵀB)",
        formula=r"\nabla_X \operatorname{tr}(X X^\top B) = BX + B^\top X",
        wrt="X",
        kind="gradient",
        value=trace_xxtb,
        derivative=grad_trace_xxtb,
        symbolic=lambda X, B: ((X * X.T * B).trace(), B * X + B.T * X),
        sources=(_cookbook(110),),
        assumptions="B square, not necessarily symmetric",
        derivation=r"""
$d\operatorname{tr}(XX^\top B) = \operatorname{tr}(dX\,X^\top B) + \operatorname{tr}(X\,
dX^\top B)$. Cycling, the first is $\operatorname{tr}(X^\top B\,dX) = \langle B^\top X,
dX\rangle$ and the second $\operatorname{tr}(dX^\top BX) = \langle BX, dX\rangle$; the
gradient is their sum $BX + B^\top X$.
""",
        hessian=hessian_trace_xxtb,
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(XX^\top B)[V] = (B + B^\top) V",
        mistakes=(
            Mistake(
                r"2 B^\top X",
                lambda X, B: 2 * B.T @ X,
                "right only for symmetric B",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(XX^\top B)}{\partial X}"
            r" = X^\top (B + B^\top)",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(XX^TB) = BX+B^TX"
            r"\ \text{(eq. 110, same layout)}",
        },
        related=("traces.xtbx", "traces.bxxt"),
        cookbook=(110,),
        keywords=("tr(XX^TB)", "quadratic trace", "B + B^T"),
    )
)


# -- tr(X B X^T), tr(B X^T X), tr(X^T X B): the same gradient X (B + B^T) -------------------


def _hessian_v_b_sym(X, B):
    return hessian_tensor(X, lambda V: V @ (B.T + B))


@shaped
def trace_xbxt(X: Arr["n m"], B: Arr["m m"]):
    """The trace ``tr(X B X^T)``.

    >>> trace_xbxt(np.array([[1.0, 2.0]]), np.array([[1.0, 1.0], [0.0, 1.0]]))
    np.float64(7.0)
    """
    return np.trace(X @ B @ X.T)


@shaped_like(trace_xbxt)
def grad_trace_xbxt(X, B):
    """Gradient of ``tr(X B X^T)`` with respect to ``X``: ``X B^T + X B``."""
    return X @ B.T + X @ B


def hessian_trace_xbxt(X, B):
    """Hessian of ``tr(X B X^T)``: the 4-tensor of ``V -> V (B^T + B)``."""
    return _hessian_v_b_sym(X, B)


register(
    Identity(
        id="traces.xbxt",
        title="Gradient of the quadratic trace tr(XBXᵀ)",
        formula=r"\nabla_X \operatorname{tr}(X B X^\top) = XB^\top + XB",
        wrt="X",
        kind="gradient",
        value=trace_xbxt,
        derivative=grad_trace_xbxt,
        symbolic=lambda X, B: ((X * B * X.T).trace(), X * B.T + X * B),
        sources=(_cookbook(111),),
        assumptions="B square, not necessarily symmetric",
        derivation=r"""
$d\operatorname{tr}(XBX^\top) = \operatorname{tr}(dX\,BX^\top) + \operatorname{tr}(XB\,
dX^\top)$. The second term is $\langle XB, dX\rangle$; the first, cycled to
$\operatorname{tr}(BX^\top dX)$, is $\langle XB^\top, dX\rangle$. So
$\nabla_X = XB^\top + XB$: the row-wise version of the quadratic form rule.
""",
        hessian=hessian_trace_xbxt,
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(XBX^\top)[V] = V(B^\top + B)",
        mistakes=(
            Mistake(
                "2 X B",
                lambda X, B: 2 * X @ B,
                "right only for symmetric B",
            ),
            Mistake(
                "X B",
                lambda X, B: X @ B,
                "keeps only the term from the factor X^T",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(XBX^\top)}{\partial X}"
            r" = (B + B^\top) X^\top",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(XBX^T) = XB^T+XB"
            r"\ \text{(eq. 111, same layout)}",
        },
        related=("traces.bxtx", "traces.xtxb", "traces.xtbx"),
        cookbook=(111,),
        keywords=("tr(XBX^T)", "quadratic trace", "B + B^T"),
    )
)


@shaped
def trace_bxtx(B: Arr["m m"], X: Arr["n m"]):
    """The trace ``tr(B X^T X)``.

    >>> trace_bxtx(np.array([[1.0, 1.0], [0.0, 1.0]]), np.array([[1.0, 2.0]]))
    np.float64(7.0)
    """
    return np.trace(B @ X.T @ X)


@shaped_like(trace_bxtx)
def grad_trace_bxtx(B, X):
    """Gradient of ``tr(B X^T X)`` with respect to ``X``: ``X B^T + X B``."""
    return X @ B.T + X @ B


def hessian_trace_bxtx(B, X):
    """Hessian of ``tr(B X^T X)``: the 4-tensor of ``V -> V (B^T + B)``."""
    return _hessian_v_b_sym(X, B)


register(
    Identity(
        id="traces.bxtx",
        title="Gradient of tr(BXᵀX)",
        formula=r"\nabla_X \operatorname{tr}(B X^\top X) = XB^\top + XB",
        wrt="X",
        kind="gradient",
        value=trace_bxtx,
        derivative=grad_trace_bxtx,
        symbolic=lambda B, X: ((B * X.T * X).trace(), X * B.T + X * B),
        sources=(_cookbook(112),),
        assumptions="B square, not necessarily symmetric",
        derivation=r"""
$d\operatorname{tr}(BX^\top X) = \operatorname{tr}(B\,dX^\top X) + \operatorname{tr}(BX^\top
dX)$. Cycling, the first is $\operatorname{tr}(dX^\top XB) = \langle XB, dX\rangle$, the
second $\langle (BX^\top)^\top, dX\rangle = \langle XB^\top, dX\rangle$; hence
$\nabla_X = XB^\top + XB$.
""",
        hessian=hessian_trace_bxtx,
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(BX^\top X)[V] = V(B^\top + B)",
        mistakes=(
            Mistake(
                r"2 X B^\top",
                lambda B, X: 2 * X @ B.T,
                "right only for symmetric B",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(BX^\top X)}{\partial X}"
            r" = (B + B^\top) X^\top",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(BX^TX) = XB^T+XB"
            r"\ \text{(eq. 112, same layout)}",
        },
        related=("traces.xbxt", "traces.xtxb"),
        cookbook=(112,),
        keywords=("tr(BX^TX)", "quadratic trace", "B + B^T"),
    )
)


@shaped
def trace_xtxb(X: Arr["n m"], B: Arr["m m"]):
    """The trace ``tr(X^T X B)``.

    >>> trace_xtxb(np.array([[1.0, 2.0]]), np.array([[1.0, 1.0], [0.0, 1.0]]))
    np.float64(7.0)
    """
    return np.trace(X.T @ X @ B)


@shaped_like(trace_xtxb)
def grad_trace_xtxb(X, B):
    """Gradient of ``tr(X^T X B)`` with respect to ``X``: ``X B^T + X B``."""
    return X @ B.T + X @ B


def hessian_trace_xtxb(X, B):
    """Hessian of ``tr(X^T X B)``: the 4-tensor of ``V -> V (B^T + B)``."""
    return _hessian_v_b_sym(X, B)


register(
    Identity(
        id="traces.xtxb",
        title="Gradient of tr(XᵀXB)",
        formula=r"\nabla_X \operatorname{tr}(X^\top X B) = XB^\top + XB",
        wrt="X",
        kind="gradient",
        value=trace_xtxb,
        derivative=grad_trace_xtxb,
        symbolic=lambda X, B: ((X.T * X * B).trace(), X * B.T + X * B),
        sources=(_cookbook(113),),
        assumptions="B square, not necessarily symmetric",
        derivation=r"""
$d\operatorname{tr}(X^\top XB) = \operatorname{tr}(dX^\top XB) + \operatorname{tr}(X^\top
dX\,B)$. The first is $\langle XB, dX\rangle$; the second, cycled to
$\operatorname{tr}(BX^\top dX)$, is $\langle XB^\top, dX\rangle$. Their sum is the
gradient $XB^\top + XB$.
""",
        hessian=hessian_trace_xtxb,
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(X^\top XB)[V] = V(B^\top + B)",
        mistakes=(
            Mistake(
                "X B",
                lambda X, B: X @ B,
                "keeps only the term from the second factor X",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(X^\top XB)}{\partial X}"
            r" = (B + B^\top) X^\top",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(X^TXB) = XB^T+XB"
            r"\ \text{(eq. 113, same layout)}",
        },
        related=("traces.xbxt", "traces.bxtx"),
        cookbook=(113,),
        keywords=("tr(X^TXB)", "quadratic trace", "B + B^T"),
    )
)


@shaped
def trace_xtx(X: Arr["m n"]):
    """The trace ``tr(X^T X)``, the squared Frobenius norm.

    >>> trace_xtx(np.array([[1.0, 2.0]]))
    np.float64(5.0)
    """
    return np.trace(X.T @ X)


@shaped_like(trace_xtx)
def grad_trace_xtx(X):
    """Gradient of ``tr(X^T X)``: ``2 X``."""
    return 2 * X


def hessian_trace_xtx(X):
    """Hessian of ``tr(X^T X)``: the 4-tensor of ``V -> 2 V`` (twice the identity)."""
    return hessian_tensor(X, lambda V: 2 * V)


register(
    Identity(
        id="traces.xtx",
        title="Gradient of tr(XᵀX), the squared Frobenius norm",
        formula=r"\nabla_X \operatorname{tr}(X^\top X) = 2X",
        wrt="X",
        kind="gradient",
        value=trace_xtx,
        derivative=grad_trace_xtx,
        symbolic=lambda X: ((X.T * X).trace(), 2 * X),
        sources=(_cookbook(115),),
        derivation=r"""
$\operatorname{tr}(X^\top X) = \sum_{ij} X_{ij}^2 = \lVert X\rVert_F^2$, so
$d\operatorname{tr}(X^\top X) = \operatorname{tr}(dX^\top X) + \operatorname{tr}(X^\top dX)
= 2\langle X, dX\rangle$ and $\nabla_X = 2X$.
""",
        hessian=hessian_trace_xtx,
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(X^\top X)[V] = 2V",
        mistakes=(
            Mistake("X", lambda X: X, "drops the factor 2 of the square"),
            Mistake(
                r"2X^\top",
                lambda X: 2 * X.T,
                "the numerator-layout derivative; the shape of X transposed",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(X^\top X)}{\partial X} = 2X^\top",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(X^TX) = 2X"
            r"\ \text{(eq. 115, first form, same layout)}",
        },
        related=("traces.xxt", "traces.square", "traces.affine-frobenius"),
        cookbook=(115,),
        keywords=("tr(X^TX)", "squared Frobenius norm", "Frobenius norm", "sum of squares"),
    )
)


@shaped
def trace_xxt(X: Arr["m n"]):
    """The trace ``tr(X X^T)``, the squared Frobenius norm.

    >>> trace_xxt(np.array([[1.0, 2.0]]))
    np.float64(5.0)
    """
    return np.trace(X @ X.T)


@shaped_like(trace_xxt)
def grad_trace_xxt(X):
    """Gradient of ``tr(X X^T)``: ``2 X``."""
    return 2 * X


def hessian_trace_xxt(X):
    """Hessian of ``tr(X X^T)``: the 4-tensor of ``V -> 2 V`` (twice the identity)."""
    return hessian_tensor(X, lambda V: 2 * V)


register(
    Identity(
        id="traces.xxt",
        title="Gradient of tr(XXᵀ), the squared Frobenius norm",
        formula=r"\nabla_X \operatorname{tr}(X X^\top) = 2X",
        wrt="X",
        kind="gradient",
        value=trace_xxt,
        derivative=grad_trace_xxt,
        symbolic=lambda X: ((X * X.T).trace(), 2 * X),
        sources=(_cookbook(115),),
        derivation=r"""
$\operatorname{tr}(XX^\top) = \operatorname{tr}(X^\top X) = \lVert X\rVert_F^2$ (cyclic).
Directly, $d\operatorname{tr}(XX^\top) = \operatorname{tr}(dX\,X^\top) +
\operatorname{tr}(X\,dX^\top) = 2\operatorname{tr}(X^\top dX) = \langle 2X, dX\rangle$.
""",
        hessian=hessian_trace_xxt,
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(XX^\top)[V] = 2V",
        mistakes=(
            Mistake(
                r"2X^\top",
                lambda X: 2 * X.T,
                "the numerator-layout derivative; the shape of X transposed",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(XX^\top)}{\partial X} = 2X^\top",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(XX^T) = 2X"
            r"\ \text{(eq. 115, second form, same layout)}",
        },
        related=("traces.xtx",),
        cookbook=(115,),
        keywords=("tr(XX^T)", "squared Frobenius norm", "Frobenius norm"),
    )
)


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
    "quadratic",
    "Quadratic traces in X",
    (
        "traces.xtx",
        "traces.xxt",
        "traces.xtbx",
        "traces.bxxt",
        "traces.xxtb",
        "traces.xbxt",
        "traces.bxtx",
        "traces.xtxb",
    ),
)
