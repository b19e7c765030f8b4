"""Traces linear in X: the identities of the page ``reference/traces/linear.html``."""

import numpy as np
import sympy as sp
from sympy.matrices.expressions.kronecker import kronecker_product

from gradref.catalog import Identity, Mistake, register
from gradref.identities.linear import COOKBOOK
from gradref.identities.traces._common import _cookbook
from gradref.shapes import Arr, shaped, shaped_like

# ---------------------------------------------------------------------------------------
# 2.5.1 First order
# ---------------------------------------------------------------------------------------


@shaped
def trace(X: Arr["n n"]):
    """The trace ``tr(X)``.

    >>> trace(np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.float64(5.0)
    """
    return np.trace(X)


@shaped_like(trace)
def grad_trace(X):
    """Gradient of ``tr(X)``: the identity matrix."""
    return np.eye(X.shape[0])


register(
    Identity(
        id="traces.trace",
        title="Gradient of the trace",
        formula=r"\nabla_X \operatorname{tr}(X) = I",
        wrt="X",
        kind="gradient",
        value=trace,
        derivative=grad_trace,
        symbolic=lambda X: (X.trace(), sp.eye(X.rows)),
        sources=(_cookbook(99),),
        assumptions="X square",
        derivation=r"""
$\operatorname{tr}(X) = \sum_i X_{ii}$ depends on the diagonal entries only, each with
coefficient one. Equivalently $d\operatorname{tr}(X) = \operatorname{tr}(I\,dX)
= \langle I, dX\rangle$, so $\nabla_X \operatorname{tr}(X) = I$.
""",
        hessian="zero",
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(X) = 0",
        mistakes=(
            Mistake(
                r"\mathbf{1}\mathbf{1}^\top",
                lambda X: np.ones_like(X),
                "the all-ones matrix: the off-diagonal entries do not enter the trace",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(X)}{\partial X} = I",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(X) = I"
            r"\ \text{(eq. 99, same layout)}",
        },
        related=("traces.xa", "traces.axb"),
        cookbook=(99,),
        keywords=("trace", "tr(X)", "derivative of the trace", "identity matrix"),
    )
)


@shaped
def trace_xa(X: Arr["m n"], A: Arr["n m"]):
    """The trace ``tr(X A)``.

    >>> trace_xa(np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]]))
    np.float64(11.0)
    """
    return np.trace(X @ A)


@shaped_like(trace_xa)
def grad_trace_xa(X, A):
    """Gradient of ``tr(X A)`` with respect to ``X``: ``A^T``."""
    return A.T


register(
    Identity(
        id="traces.xa",
        title="Gradient of the trace of a product with respect to its left factor",
        formula=r"\nabla_X \operatorname{tr}(X A) = A^\top",
        wrt="X",
        kind="gradient",
        value=trace_xa,
        derivative=grad_trace_xa,
        symbolic=lambda X, A: ((X * A).trace(), A.T),
        sources=(_cookbook(100),),
        assumptions="X A square (A has the shape of X transposed)",
        derivation=r"""
The trace is linear: $d\operatorname{tr}(XA) = \operatorname{tr}(dX\,A)
= \operatorname{tr}(A\,dX)$ (cyclic). With $\langle G, dX\rangle =
\operatorname{tr}(G^\top dX)$ this is $\langle A^\top, dX\rangle$, so
$\nabla_X \operatorname{tr}(XA) = A^\top$.
""",
        hessian="zero",
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(XA) = 0",
        mistakes=(
            Mistake(
                "A",
                lambda X, A: A,
                "the numerator-layout derivative; it does not even have the shape of X",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(XA)}{\partial X} = A",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(XA) = A^T"
            r"\ \text{(eq. 100, same layout)}",
        },
        related=("traces.axb", "traces.xta", "traces.trace"),
        cookbook=(100,),
        keywords=("trace of a product", "tr(XA)", "tr(AX)", "linear trace"),
    )
)


@shaped
def trace_axb(A: Arr["p m"], X: Arr["m n"], B: Arr["n p"]):
    """The trace ``tr(A X B)``.

    >>> trace_axb(np.eye(2), np.array([[1.0, 2.0], [3.0, 4.0]]), np.eye(2))
    np.float64(5.0)
    """
    return np.trace(A @ X @ B)


@shaped_like(trace_axb)
def grad_trace_axb(A, X, B):
    """Gradient of ``tr(A X B)`` with respect to ``X``: ``A^T B^T``, shaped like ``X``.

    >>> grad_trace_axb(np.ones((1, 2)), np.zeros((2, 3)), np.ones((3, 1))).shape
    (2, 3)
    """
    return A.T @ B.T


register(
    Identity(
        id="traces.axb",
        title="Gradient of the trace of a product with respect to its middle factor",
        formula=r"\nabla_X \operatorname{tr}(A X B) = A^\top B^\top",
        wrt="X",
        kind="gradient",
        value=trace_axb,
        derivative=grad_trace_axb,
        symbolic=lambda A, X, B: ((A * X * B).trace(), A.T * B.T),
        sources=(f"{COOKBOOK}, eq. (101)",),
        derivation=r"""
The trace is linear, so $d\operatorname{tr}(AXB) = \operatorname{tr}(A\, dX\, B)
= \operatorname{tr}(BA\, dX)$ (cyclic). With $\langle G, dX\rangle =
\operatorname{tr}(G^\top dX)$, $G^\top = BA$, so $\nabla_X = (BA)^\top = A^\top B^\top$.
""",
        hessian="zero",
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(AXB) = 0",
        mistakes=(
            Mistake(
                "B A",
                lambda A, X, B: B @ A,
                "the numerator-layout derivative, the transpose of the gradient",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(AXB)}{\partial X} = BA",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(AXB) = A^T B^T"
            r"\ \text{(eq. 101, same layout)}",
        },
        related=("quadratic.grad-A",),
        cookbook=(101,),
        keywords=("trace", "trace of a product"),
    )
)


@shaped
def trace_axtb(A: Arr["p n"], X: Arr["m n"], B: Arr["m p"]):
    """The trace ``tr(A X^T B)``.

    >>> trace_axtb(np.ones((1, 2)), np.array([[1.0, 2.0]]), np.ones((1, 1)))
    np.float64(3.0)
    """
    return np.trace(A @ X.T @ B)


@shaped_like(trace_axtb)
def grad_trace_axtb(A, X, B):
    """Gradient of ``tr(A X^T B)`` with respect to ``X``: ``B A``."""
    return B @ A


register(
    Identity(
        id="traces.axtb",
        title="Gradient of the trace of a product with a transposed middle factor",
        formula=r"\nabla_X \operatorname{tr}(A X^\top B) = B A",
        wrt="X",
        kind="gradient",
        value=trace_axtb,
        derivative=grad_trace_axtb,
        symbolic=lambda A, X, B: ((A * X.T * B).trace(), B * A),
        sources=(_cookbook(102),),
        derivation=r"""
By linearity and the cyclic property, $d\operatorname{tr}(AX^\top B) =
\operatorname{tr}(A\,dX^\top B) = \operatorname{tr}(dX^\top BA)$, which is
$\langle BA, dX\rangle$ since $\langle G, dX\rangle = \operatorname{tr}(G^\top dX)
= \operatorname{tr}(dX^\top G)$. Hence $\nabla_X = BA$.
""",
        hessian="zero",
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(AX^\top B) = 0",
        mistakes=(
            Mistake(
                r"A^\top B^\top",
                lambda A, X, B: A.T @ B.T,
                "the answer for tr(AXB), with the transpose on X forgotten",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(AX^\top B)}{\partial X} = A^\top B^\top",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(AX^TB) = BA"
            r"\ \text{(eq. 102, same layout)}",
        },
        related=("traces.axb", "traces.xta"),
        cookbook=(102,),
        keywords=("trace of a product", "tr(AX^TB)", "transpose", "linear trace"),
    )
)


@shaped
def trace_xta(X: Arr["m n"], A: Arr["m n"]):
    """The trace ``tr(X^T A)``, the Frobenius inner product of ``X`` and ``A``.

    >>> trace_xta(np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]]))
    np.float64(11.0)
    """
    return np.trace(X.T @ A)


@shaped_like(trace_xta)
def grad_trace_xta(X, A):
    """Gradient of ``tr(X^T A)`` with respect to ``X``: ``A``."""
    return A.copy()


register(
    Identity(
        id="traces.xta",
        title="Gradient of the Frobenius inner product tr(XᵀA)",
        formula=r"\nabla_X \operatorname{tr}(X^\top A) = A",
        wrt="X",
        kind="gradient",
        value=trace_xta,
        derivative=grad_trace_xta,
        symbolic=lambda X, A: ((X.T * A).trace(), A),
        sources=(_cookbook(103),),
        derivation=r"""
$\operatorname{tr}(X^\top A) = \sum_{ij} X_{ij} A_{ij} = \langle X, A\rangle$ is the
Frobenius inner product, linear in $X$: $d\operatorname{tr}(X^\top A) =
\operatorname{tr}(dX^\top A) = \langle A, dX\rangle$, so the gradient is $A$.
""",
        hessian="zero",
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(X^\top A) = 0",
        mistakes=(
            Mistake(
                r"A^\top",
                lambda X, A: A.T,
                "the transpose, as if differentiating tr(XA); wrong shape for a non-square X",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(X^\top A)}{\partial X} = A^\top",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(X^TA) = A"
            r"\ \text{(eq. 103, same layout)}",
        },
        related=("traces.axt", "traces.xa"),
        cookbook=(103,),
        keywords=("Frobenius inner product", "tr(X^TA)", "trace of a product", "linear trace"),
    )
)


@shaped
def trace_axt(A: Arr["m n"], X: Arr["m n"]):
    """The trace ``tr(A X^T)``.

    >>> trace_axt(np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]]))
    np.float64(11.0)
    """
    return np.trace(A @ X.T)


@shaped_like(trace_axt)
def grad_trace_axt(A, X):
    """Gradient of ``tr(A X^T)`` with respect to ``X``: ``A``."""
    return A.copy()


register(
    Identity(
        id="traces.axt",
        title="Gradient of the trace tr(AXᵀ)",
        formula=r"\nabla_X \operatorname{tr}(A X^\top) = A",
        wrt="X",
        kind="gradient",
        value=trace_axt,
        derivative=grad_trace_axt,
        symbolic=lambda A, X: ((A * X.T).trace(), A),
        sources=(_cookbook(104),),
        derivation=r"""
A trace is unchanged by transposition, so $\operatorname{tr}(AX^\top) =
\operatorname{tr}(XA^\top) = \operatorname{tr}(X^\top A)$ is again the Frobenius inner
product $\langle A, X\rangle$, and $d\operatorname{tr}(AX^\top) = \langle A, dX\rangle$:
the gradient is $A$.
""",
        hessian="zero",
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(AX^\top) = 0",
        mistakes=(
            Mistake(
                r"A^\top",
                lambda A, X: A.T,
                "moves the transpose from X to A; wrong shape for a non-square X",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(AX^\top)}{\partial X} = A^\top",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(AX^T) = A"
            r"\ \text{(eq. 104, same layout)}",
        },
        related=("traces.xta", "traces.axtb"),
        cookbook=(104,),
        keywords=("tr(AX^T)", "Frobenius inner product", "trace of a product", "linear trace"),
    )
)


@shaped
def trace_kron_ax(A: Arr["m m"], X: Arr["n n"]):
    """The trace of a Kronecker product ``tr(A ⊗ X)``.

    >>> trace_kron_ax(np.array([[2.0]]), np.array([[1.0, 5.0], [6.0, 3.0]]))
    np.float64(8.0)
    """
    return np.trace(np.kron(A, X))


@shaped_like(trace_kron_ax)
def grad_trace_kron_ax(A, X):
    """Gradient of ``tr(A ⊗ X)`` with respect to ``X``: ``tr(A) I``."""
    return np.trace(A) * np.eye(X.shape[0])


register(
    Identity(
        id="traces.kron-ax",
        title="Gradient of the trace of a Kronecker product",
        formula=r"\nabla_X \operatorname{tr}(A \otimes X) = \operatorname{tr}(A)\, I",
        wrt="X",
        kind="gradient",
        value=trace_kron_ax,
        derivative=grad_trace_kron_ax,
        symbolic=lambda A, X: (kronecker_product(A, X).trace(), A.trace() * sp.eye(X.rows)),
        sources=(_cookbook(105),),
        assumptions="A and X square, of any sizes",
        derivation=r"""
The diagonal blocks of $A \otimes X$ are $A_{ii} X$, so $\operatorname{tr}(A\otimes X)
= \sum_i A_{ii}\operatorname{tr}(X) = \operatorname{tr}(A)\operatorname{tr}(X)$. This is
$\operatorname{tr}(A)$ times the trace of $X$, whose gradient is $I$: the gradient is
$\operatorname{tr}(A)\, I$.
""",
        hessian="zero",
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(A\otimes X) = 0",
        mistakes=(
            Mistake(
                "I",
                lambda A, X: np.eye(X.shape[0]),
                "forgets the factor tr(A) that each diagonal block contributes",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(A\otimes X)}{\partial X}"
            r" = \operatorname{tr}(A)\, I",
            "cookbook": r"\frac{\partial}{\partial X}\operatorname{Tr}(A\otimes X)"
            r" = \operatorname{Tr}(A)I\ \text{(eq. 105, same layout)}",
        },
        related=("traces.kron-xx", "traces.trace"),
        cookbook=(105,),
        keywords=("Kronecker product", "tr(A kron X)", "trace of a Kronecker product"),
    )
)


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
    "linear",
    "Traces linear in X",
    (
        "traces.trace",
        "traces.xa",
        "traces.xta",
        "traces.axt",
        "traces.axb",
        "traces.axtb",
        "traces.kron-ax",
    ),
)
