"""Traces of squares and squared traces:
the identities of the page ``reference/traces/squares.html``."""

import numpy as np
import sympy as sp
from sympy.matrices.expressions.kronecker import kronecker_product

from gradref.catalog import Identity, Mistake, register
from gradref.identities.traces._common import _cookbook, hessian_tensor
from gradref.shapes import Arr, shaped, shaped_like

# ---------------------------------------------------------------------------------------
# 2.5.2 Second order
# ---------------------------------------------------------------------------------------


@shaped
def trace_square(X: Arr["n n"]):
    """The trace of the square, ``tr(X^2)``.

    >>> trace_square(np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.float64(29.0)
    """
    return np.trace(X @ X)


@shaped_like(trace_square)
def grad_trace_square(X):
    """Gradient of ``tr(X^2)``: ``2 X^T``."""
    return 2 * X.T


def hessian_trace_square(X):
    """Hessian of ``tr(X^2)``: the 4-tensor of ``V -> 2 V^T``."""
    return hessian_tensor(X, lambda V: 2 * V.T)


register(
    Identity(
        id="traces.square",
        title="Gradient of the trace of a square",
        formula=r"\nabla_X \operatorname{tr}(X^2) = 2 X^\top",
        wrt="X",
        kind="gradient",
        value=trace_square,
        derivative=grad_trace_square,
        symbolic=lambda X: ((X * X).trace(), 2 * X.T),
        sources=(_cookbook(106),),
        assumptions="X square, not necessarily symmetric",
        derivation=r"""
By the product rule $d\operatorname{tr}(XX) = \operatorname{tr}(dX\,X) +
\operatorname{tr}(X\,dX) = 2\operatorname{tr}(X\,dX)$ (cyclic). Since
$\operatorname{tr}(X\,dX) = \langle X^\top, dX\rangle$, the gradient is $2X^\top$.
""",
        hessian=hessian_trace_square,
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(X^2)[V] = 2 V^\top",
        mistakes=(
            Mistake(
                "2 X",
                lambda X: 2 * X,
                "the scalar rule d(x^2) = 2x copied over; right only for symmetric X",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(X^2)}{\partial X} = 2X",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(X^2) = 2X^T"
            r"\ \text{(eq. 106, same layout)}",
        },
        related=("traces.x2b", "traces.power3", "traces.xtx"),
        cookbook=(106,),
        keywords=("tr(X^2)", "trace of a square", "quadratic trace", "tr(XX)"),
    )
)


@shaped
def trace_x2b(X: Arr["n n"], B: Arr["n n"]):
    """The trace ``tr(X^2 B)``.

    >>> trace_x2b(np.array([[1.0, 2.0], [3.0, 4.0]]), np.eye(2))
    np.float64(29.0)
    """
    return np.trace(X @ X @ B)


@shaped_like(trace_x2b)
def grad_trace_x2b(X, B):
    """Gradient of ``tr(X^2 B)`` with respect to ``X``: ``(X B + B X)^T``."""
    return (X @ B + B @ X).T


def hessian_trace_x2b(X, B):
    """Hessian of ``tr(X^2 B)``: the 4-tensor of ``V -> (V B + B V)^T``."""
    return hessian_tensor(X, lambda V: (V @ B + B @ V).T)


register(
    Identity(
        id="traces.x2b",
        title="Gradient of tr(X²B)",
        formula=r"\nabla_X \operatorname{tr}(X^2 B) = (XB + BX)^\top",
        wrt="X",
        kind="gradient",
        value=trace_x2b,
        derivative=grad_trace_x2b,
        symbolic=lambda X, B: ((X * X * B).trace(), (X * B + B * X).T),
        sources=(_cookbook(107),),
        derivation=r"""
$d\operatorname{tr}(XXB) = \operatorname{tr}(dX\,XB) + \operatorname{tr}(X\,dX\,B)
= \operatorname{tr}(XB\,dX) + \operatorname{tr}(BX\,dX)$ by the cyclic property, that is
$\langle (XB + BX)^\top, dX\rangle$. Hence $\nabla_X = (XB + BX)^\top$.
""",
        hessian=hessian_trace_x2b,
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(X^2B)[V] = (VB + BV)^\top",
        mistakes=(
            Mistake(
                "XB + BX",
                lambda X, B: X @ B + B @ X,
                "the numerator-layout derivative, the transpose of the gradient",
            ),
            Mistake(
                r"2 (XB)^\top",
                lambda X, B: 2 * (X @ B).T,
                "treats X and B as if they commuted",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(X^2B)}{\partial X} = XB + BX",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(X^2B) = (XB+BX)^T"
            r"\ \text{(eq. 107, same layout)}",
        },
        related=("traces.square", "traces.ax3"),
        cookbook=(107,),
        keywords=("tr(X^2B)", "tr(XXB)", "quadratic trace"),
    )
)


@shaped
def trace_axbx(A: Arr["n m"], X: Arr["m n"], B: Arr["n m"]):
    """The trace ``tr(A X B X)``.

    >>> trace_axbx(np.ones((1, 1)), np.array([[2.0]]), np.array([[3.0]]))
    np.float64(12.0)
    """
    return np.trace(A @ X @ B @ X)


@shaped_like(trace_axbx)
def grad_trace_axbx(A, X, B):
    """Gradient of ``tr(A X B X)`` with respect to ``X``: ``A^T X^T B^T + B^T X^T A^T``."""
    return A.T @ X.T @ B.T + B.T @ X.T @ A.T


def hessian_trace_axbx(A, X, B):
    """Hessian of ``tr(A X B X)``: the 4-tensor of ``V -> A^T V^T B^T + B^T V^T A^T``."""
    return hessian_tensor(X, lambda V: A.T @ V.T @ B.T + B.T @ V.T @ A.T)


register(
    Identity(
        id="traces.axbx",
        title="Gradient of tr(AXBX)",
        formula=r"\nabla_X \operatorname{tr}(AXBX) = A^\top X^\top B^\top + B^\top X^\top A^\top",
        wrt="X",
        kind="gradient",
        value=trace_axbx,
        derivative=grad_trace_axbx,
        symbolic=lambda A, X, B: (
            (A * X * B * X).trace(),
            A.T * X.T * B.T + B.T * X.T * A.T,
        ),
        sources=(_cookbook(114),),
        derivation=r"""
Each occurrence of $X$ contributes one term:
$d\operatorname{tr}(AXBX) = \operatorname{tr}(A\,dX\,BX) + \operatorname{tr}(AXB\,dX)
= \operatorname{tr}(BXA\,dX) + \operatorname{tr}(AXB\,dX)$. With
$\operatorname{tr}(M\,dX) = \langle M^\top, dX\rangle$ the gradient is
$(BXA)^\top + (AXB)^\top = A^\top X^\top B^\top + B^\top X^\top A^\top$.
""",
        hessian=hessian_trace_axbx,
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(AXBX)[V]"
        r" = A^\top V^\top B^\top + B^\top V^\top A^\top",
        mistakes=(
            Mistake(
                r"2 A^\top X^\top B^\top",
                lambda A, X, B: 2 * A.T @ X.T @ B.T,
                "counts one occurrence of X twice, as if A and B could be swapped",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(AXBX)}{\partial X} = BXA + AXB",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(AXBX) = "
            r"A^TX^TB^T+B^TX^TA^T\ \text{(eq. 114, same layout)}",
        },
        related=("traces.x2b", "traces.axb"),
        cookbook=(114,),
        keywords=("tr(AXBX)", "quadratic trace", "trace of a product"),
    )
)


@shaped
def trace_kron_xx(X: Arr["n n"]):
    """The trace of the Kronecker square ``tr(X ⊗ X)``.

    >>> trace_kron_xx(np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.float64(25.0)
    """
    return np.trace(np.kron(X, X))


@shaped_like(trace_kron_xx)
def grad_trace_kron_xx(X):
    """Gradient of ``tr(X ⊗ X)``: ``2 tr(X) I``."""
    return 2 * np.trace(X) * np.eye(X.shape[0])


@shaped_like(trace_kron_xx)
def hessian_trace_kron_xx(X):
    """Hessian of ``tr(X ⊗ X)``: ``[i, j, k, l] = 2 delta_ij delta_kl``, shaped ``(n, n, n, n)``."""
    eye = np.eye(X.shape[0])
    return 2 * np.einsum("ij,kl->ijkl", eye, eye)


register(
    Identity(
        id="traces.kron-xx",
        title="Gradient of the trace of the Kronecker square tr(X ⊗ X)",
        formula=r"\nabla_X \operatorname{tr}(X \otimes X) = 2\operatorname{tr}(X)\, I",
        wrt="X",
        kind="gradient",
        value=trace_kron_xx,
        derivative=grad_trace_kron_xx,
        symbolic=lambda X: (kronecker_product(X, X).trace(), 2 * X.trace() * sp.eye(X.rows)),
        sources=(_cookbook(120),),
        assumptions="X square",
        derivation=r"""
The trace of a Kronecker product factors: $\operatorname{tr}(X\otimes X) =
\operatorname{tr}(X)^2$ (the diagonal blocks are $X_{ii}X$). By the chain rule,
$d\operatorname{tr}(X)^2 = 2\operatorname{tr}(X)\,d\operatorname{tr}(X) =
\langle 2\operatorname{tr}(X) I, dX\rangle$. Its Hessian acts as
$V \mapsto 2\operatorname{tr}(V)\,I$: constant, as $\operatorname{tr}(X)^2$ is a quadratic.
""",
        hessian=hessian_trace_kron_xx,
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(X \otimes X)[V] = "
        r"2\operatorname{tr}(V)\, I",
        mistakes=(
            Mistake(
                r"\operatorname{tr}(X)\, I",
                lambda X: np.trace(X) * np.eye(X.shape[0]),
                "differentiates only one of the two factors X",
            ),
            Mistake(
                r"2 X^\top",
                lambda X: 2 * X.T,
                "confuses the Kronecker square with the matrix square X X",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(X\otimes X)}{\partial X}"
            r" = 2\operatorname{tr}(X)\, I",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(X\otimes X) = "
            r"2\operatorname{Tr}(X)I\ \text{(eq. 120, first form, same layout)}",
        },
        related=("traces.trace-squared", "traces.kron-ax", "traces.square"),
        cookbook=(120,),
        keywords=("Kronecker product", "tr(X kron X)", "trace of a Kronecker product"),
    )
)


@shaped
def trace_squared(X: Arr["n n"]):
    """The square of the trace, ``tr(X) tr(X)``.

    >>> trace_squared(np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.float64(25.0)
    """
    return np.trace(X) * np.trace(X)


@shaped_like(trace_squared)
def grad_trace_squared(X):
    """Gradient of ``tr(X)^2``: ``2 tr(X) I``."""
    return 2 * np.trace(X) * np.eye(X.shape[0])


@shaped_like(trace_squared)
def hessian_trace_squared(X):
    """Hessian of ``tr(X)^2``: ``[i, j, k, l] = 2 delta_ij delta_kl``, shaped ``(n, n, n, n)``."""
    eye = np.eye(X.shape[0])
    return 2 * np.einsum("ij,kl->ijkl", eye, eye)


register(
    Identity(
        id="traces.trace-squared",
        title="Gradient of the squared trace tr(X)²",
        formula=r"\nabla_X \operatorname{tr}(X)\operatorname{tr}(X) = 2\operatorname{tr}(X)\, I",
        wrt="X",
        kind="gradient",
        value=trace_squared,
        derivative=grad_trace_squared,
        symbolic=lambda X: (X.trace() * X.trace(), 2 * X.trace() * sp.eye(X.rows)),
        sources=(_cookbook(120),),
        assumptions="X square",
        derivation=r"""
The product rule on $\operatorname{tr}(X)\operatorname{tr}(X)$ gives
$2\operatorname{tr}(X)\,d\operatorname{tr}(X) = 2\operatorname{tr}(X)\operatorname{tr}(I\,
dX)$, that is $\langle 2\operatorname{tr}(X)\,I, dX\rangle$. The Hessian acts as
$V \mapsto 2\operatorname{tr}(V)\,I$, the same at every $X$.
""",
        hessian=hessian_trace_squared,
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(X)^2[V] = 2\operatorname{tr}(V)\, I",
        mistakes=(
            Mistake(
                r"2 X^\top",
                lambda X: 2 * X.T,
                "confuses the square of the trace with the trace of the square",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(X)^2}{\partial X}"
            r" = 2\operatorname{tr}(X)\, I",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(X)\operatorname{Tr}(X)"
            r" = 2\operatorname{Tr}(X)I\ \text{(eq. 120, second form, same layout)}",
        },
        related=("traces.kron-xx", "traces.trace", "traces.square"),
        cookbook=(120,),
        keywords=("square of the trace", "tr(X)^2", "squared trace"),
    )
)


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
    "squares",
    "Traces of squares and squared traces",
    ("traces.square", "traces.x2b", "traces.axbx", "traces.trace-squared", "traces.kron-xx"),
)
