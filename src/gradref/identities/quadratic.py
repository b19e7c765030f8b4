"""Quadratic forms ``x^T A x``, differentiated with respect to ``x`` and to ``A``."""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.linear import COOKBOOK, SHEET
from gradref.shapes import Arr, shaped, shaped_like

MML = "Deisenroth, Faisal & Ong, *Mathematics for Machine Learning* (2020)"


@shaped
def quadratic_form(A: Arr["n n"], x: Arr["n"]):
    """The quadratic form ``x^T A x``.

    >>> quadratic_form(np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([1.0, 1.0]))
    np.float64(4.0)
    """
    return x @ (A @ x)


@shaped_like(quadratic_form)
def grad_quadratic_form(A, x):
    """Gradient of ``x^T A x`` with respect to ``x``: ``(A + A^T) x`` (not ``2 A x``).

    >>> grad_quadratic_form(np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([1.0, 1.0]))
    array([4., 4.])
    """
    return (A + A.T) @ x


@shaped_like(quadratic_form)
def hess_quadratic_form(A, x):
    """Hessian of ``x^T A x`` with respect to ``x``: ``A + A^T`` (it does not depend on ``x``)."""
    return A + A.T


@shaped_like(quadratic_form)
def grad_quadratic_form_wrt_matrix(A, x):
    """Gradient of ``x^T A x`` with respect to ``A``: the outer product ``x x^T``.

    >>> grad_quadratic_form_wrt_matrix(np.eye(2), np.array([1.0, 2.0]))
    array([[1., 2.],
           [2., 4.]])
    """
    return np.outer(x, x)


def _general_symbols():
    import sympy as sp

    n = sp.Symbol("n", integer=True, positive=True)
    return sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("x", n, 1)


def _general_wrt_x():
    A, x = _general_symbols()
    return x.T * A * x, x, (A + A.T) * x


def _general_wrt_A():
    A, x = _general_symbols()
    return x.T * A * x, A, x * x.T


register(
    Identity(
        id="quadratic.grad-x",
        title="Gradient of a quadratic form with respect to the vector",
        formula=r"\nabla_x\, x^\top A x = (A + A^\top)\,x",
        wrt="x",
        kind="gradient",
        value=quadratic_form,
        derivative=grad_quadratic_form,
        symbolic=lambda A, x: ((x.T * A * x)[0, 0], (A + A.T) * x),
        general=_general_wrt_x,
        derivation=r"""
The product rule on $f(x) = x^\top A x$ gives
$df = dx^\top A x + x^\top A\, dx$. The first term is a scalar, so it equals its
transpose $x^\top A^\top dx$, and $df = x^\top (A + A^\top)\, dx
= \langle (A + A^\top) x,\ dx \rangle$. The gradient is what multiplies $dx$ in
this inner product: $\nabla_x f = (A + A^\top) x$.
""",
        hessian=hess_quadratic_form,
        hessian_formula=r"\nabla_x^2\, x^\top A x = A + A^\top",
        mistakes=(
            Mistake(
                "2 A x",
                lambda A, x: 2 * A @ x,
                "right only for symmetric A: it keeps one of the two terms of the product "
                "rule and counts it twice",
            ),
            Mistake("A x", lambda A, x: A @ x, "drops the term from the left factor"),
        ),
        conventions={
            "numerator": r"\frac{\partial\, x^\top A x}{\partial x} = x^\top (A + A^\top)"
            r"\ \text{(a row vector)}",
            "cookbook": r"\frac{\partial x^\top B x}{\partial x} = (B + B^\top) x"
            r"\ \text{(eq. 81, same layout)}",
        },
        related=("quadratic.grad-A",),
        cookbook=(81,),
        assumptions="A square; not necessarily symmetric (for symmetric A it is 2Ax)",
        sources=(
            f"{SHEET}, exercise 3c",
            f"{COOKBOOK}, eq. (81)",
            f"{MML}, eq. (5.107), stated there as the row vector x^T (B + B^T)",
        ),
        exercise="3c",
        keywords=(
            "quadratic form",
            "x^T A x",
            "x^TAx",
            "xAx",
            "xᵀAx",
            "x'Ax",
            "x^\\top A x",
            "transpose",
            "A + A^T",
            "gradient of a quadratic form",
        ),
    )
)

register(
    Identity(
        id="quadratic.grad-A",
        title="Gradient of a quadratic form with respect to the matrix",
        formula=r"\nabla_A\, x^\top A x = x x^\top",
        wrt="A",
        kind="gradient",
        value=quadratic_form,
        derivative=grad_quadratic_form_wrt_matrix,
        symbolic=lambda A, x: ((x.T * A * x)[0, 0], x * x.T),
        general=_general_wrt_A,
        derivation=r"""
$f(A) = x^\top A x = \sum_{ij} x_i A_{ij} x_j$ is linear in $A$:
$df = x^\top dA\, x = \operatorname{tr}(x^\top dA\, x) = \operatorname{tr}(x x^\top dA)
= \langle x x^\top, dA \rangle$ (cyclic trace, $\langle G, dA\rangle =
\operatorname{tr}(G^\top dA)$), so $\nabla_A f = x x^\top$.
""",
        hessian="zero",
        hessian_formula=r"\nabla_A^2\, x^\top A x = 0",
        mistakes=(
            Mistake(
                "A x x^\top",
                lambda A, x: A @ np.outer(x, x),
                "keeps a factor A, as if differentiating a quadratic in A",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\, x^\top A x}{\partial A} = x x^\top"
            r"\ \text{(symmetric, so the same in either layout)}",
        },
        related=("quadratic.grad-x", "traces.axb"),
        cookbook=(),
        assumptions="A square; the gradient does not depend on A",
        sources=(f"{SHEET}, exercise 3d", f"{COOKBOOK}, eq. (72), with a = x"),
        exercise="3d",
        keywords=(
            "outer product",
            "x x^T",
            "xx^T",
            "xxᵀ",
            "gradient with respect to a matrix",
            "gradient of a matrix",
            "matrix gradient",
            "derivative with respect to a matrix",
            "quadratic form",
            "x^T A x",
            "xAx",
        ),
    )
)
