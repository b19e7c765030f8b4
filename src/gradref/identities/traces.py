"""Traces of matrix products, differentiated with respect to a matrix factor."""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.linear import COOKBOOK
from gradref.shapes import Arr, shaped, shaped_like


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
