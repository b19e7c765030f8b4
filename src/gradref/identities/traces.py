"""Traces of matrix products, differentiated with respect to a matrix factor.

Section 2.5 of the Matrix Cookbook (2012), equations 99-128: first-order (linear) traces,
second-order (quadratic) traces with their Hessians, higher powers, inverses and the matrix
sine, and the general rule for a trace of a matrix function, checked on ``exp``.
"""

import numpy as np
import sympy as sp
from sympy.matrices.expressions.kronecker import kronecker_product

from gradref.catalog import Erratum, Identity, Mistake, register, register_erratum
from gradref.identities.determinants import MAGNUS
from gradref.identities.linear import COOKBOOK
from gradref.shapes import Arr, shaped, shaped_like

#: Eqs. 123-127 are checked by sympy at the smallest sizes only: its exact simplification
#: of a symbolic inverse (or of the degree-4 polynomial of eq. 123) takes minutes beyond
#: them. The numerical check runs at every size.
SYMBOLIC_SMALL = (1,)


def _cookbook(*equations: int) -> str:
    """The Cookbook citation, with its equation numbers and page."""
    from gradref.cookbook import PAGES

    numbers = ", ".join(f"({n})" for n in equations)
    label = "eq." if len(equations) == 1 else "eqs."
    return f"{COOKBOOK}, {label} {numbers}, p. {PAGES[equations[0]]}"


def hessian_tensor(X, directional):
    """The 4-tensor ``H[i, j, k, l] = dG[E_kl]_ij`` of a gradient's directional derivative.

    ``directional(V)`` is the derivative of the gradient ``G`` in the direction ``V`` (the
    Hessian's action ``\\nabla^2 f[V]``); evaluating it on each single-entry matrix ``E_kl``
    gives the Hessian as ``X.shape + X.shape``.

    >>> hessian_tensor(np.zeros((1, 2)), lambda V: 2 * V).reshape(2, 2)
    array([[2., 0.],
           [0., 2.]])
    """
    rows, cols = np.shape(X)
    columns = []
    for k in range(rows):
        for l in range(cols):  # noqa: E741
            E = np.zeros((rows, cols))
            E[k, l] = 1.0
            columns.append(directional(E))
    return np.moveaxis(np.reshape(columns, (rows, cols, rows, cols)), (0, 1), (2, 3))


def _power_series(X, coefficient, terms: int | None = None):
    """``sum_k coefficient(k) X^k``: ``terms`` terms, or until the terms stop mattering."""
    n = X.shape[0]
    power = np.eye(n, dtype=np.result_type(X, float))
    total = np.zeros_like(power)
    k = 0
    while True:
        c = coefficient(k)
        if c:
            total = total + c * power
        if terms is not None and k + 1 >= terms:
            return total
        if terms is None and k > 4:
            size = np.max(np.abs(total.real), initial=0.0)
            if np.max(np.abs(power.real), initial=0.0) <= 1e-17 * max(size, 1e-300) or k > 400:
                return total
        k += 1
        power = power @ X / k


def _sin_coefficient(k: int) -> float:
    return 0.0 if k % 2 == 0 else (-1.0) ** ((k - 1) // 2)


def _cos_coefficient(k: int) -> float:
    return 0.0 if k % 2 else (-1.0) ** (k // 2)


def _exp_coefficient(k: int) -> float:
    return 1.0


def _sympy_series(X, coefficient, degree: int):
    """The Taylor polynomial ``sum_{k <= degree} coefficient(k) X^k / k!`` in sympy."""
    power, total = sp.eye(X.rows), sp.zeros(X.rows, X.cols)
    for k in range(degree + 1):
        if coefficient(k):
            total += sp.Rational(int(coefficient(k))) / sp.factorial(k) * power
        power = power * X
    return total


def _small(rng, n):
    """A square sample of small norm (about 0.1), where the power series converge fast."""
    return {"X": 0.05 * rng.standard_normal((n, n)) / np.sqrt(n)}


#: Degree of the Taylor polynomials that sympy differentiates exactly for tr(sin X) and
#: tr(exp X); at the samples' norm (about 0.1) the rest of the series is below 1e-11.
TAYLOR_DEGREE = 7


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


@shaped
def trace_sin(X: Arr["n n"]):
    """The trace of the matrix sine, ``tr(sin X)`` (power series, summed to convergence).

    >>> trace_sin(np.array([[0.5, 0.0], [0.0, -0.25]])).round(12)
    np.float64(0.23202157935)
    """
    return np.trace(_power_series(X, _sin_coefficient))


@shaped_like(trace_sin)
def grad_trace_sin(X):
    """Gradient of ``tr(sin X)``: ``cos(X)^T`` (matrix cosine, power series)."""
    return _power_series(X, _cos_coefficient).T


register(
    Identity(
        id="traces.sin",
        title="Gradient of the trace of the matrix sine",
        formula=r"\nabla_X \operatorname{tr}(\sin X) = \cos(X)^\top",
        wrt="X",
        kind="gradient",
        value=trace_sin,
        derivative=grad_trace_sin,
        symbolic=lambda X: (
            _sympy_series(X, _sin_coefficient, TAYLOR_DEGREE).trace(),
            _sympy_series(X, _cos_coefficient, TAYLOR_DEGREE - 1).T,
        ),
        sources=(_cookbook(128),),
        sample=_small,
        assumptions="X square; sin and cos are the matrix functions (power series). Checked "
        "on samples of norm about 0.1, where the series converge in a few terms; sympy "
        "differentiates the degree-7 Taylor polynomial exactly",
        derivation=r"""
Term by term, $\sin X = \sum_j (-1)^j X^{2j+1}/(2j+1)!$ and eq. 121 gives
$d\operatorname{tr}(X^k) = \langle k(X^{k-1})^\top, dX\rangle$, so
$d\operatorname{tr}(\sin X) = \langle \sum_j (-1)^j (X^{2j})^\top/(2j)!, dX\rangle =
\langle \cos(X)^\top, dX\rangle$. This is the general rule
$\nabla_X\operatorname{tr}F(X) = f(X)^\top$ of section 2.5 with $F = \sin$, $f = \cos$.
""",
        mistakes=(
            Mistake(
                r"\cos(X)",
                lambda X: _power_series(X, _cos_coefficient),
                "the numerator-layout derivative; right only for symmetric X",
            ),
            Mistake(
                r"-\cos(X)^\top",
                lambda X: -_power_series(X, _cos_coefficient).T,
                "a sign slip between the derivatives of sin and cos",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(\sin X)}{\partial X} = \cos(X)",
            "cookbook": r"\frac{\partial\operatorname{Tr}(\sin(X))}{\partial X} = \cos(X)^T"
            r"\ \text{(eq. 128, same layout)}",
        },
        related=("traces.exp", "traces.power3"),
        cookbook=(128,),
        keywords=("matrix sine", "sin(X)", "tr(sin X)", "matrix function", "matrix cosine"),
    )
)


@shaped
def trace_exp(X: Arr["n n"]):
    """The trace of the matrix exponential, ``tr(exp X)`` (power series, summed to convergence).

    >>> trace_exp(np.array([[0.5, 0.0], [0.0, -0.25]])).round(12)
    np.float64(2.427522053772)
    """
    return np.trace(_power_series(X, _exp_coefficient))


@shaped_like(trace_exp)
def grad_trace_exp(X):
    """Gradient of ``tr(exp X)``: ``exp(X)^T``."""
    return _power_series(X, _exp_coefficient).T


register(
    Identity(
        id="traces.exp",
        title="Gradient of the trace of the matrix exponential (general rule tr F(X))",
        formula=r"\nabla_X \operatorname{tr}(\exp X) = \exp(X)^\top",
        wrt="X",
        kind="gradient",
        value=trace_exp,
        derivative=grad_trace_exp,
        symbolic=lambda X: (
            _sympy_series(X, _exp_coefficient, TAYLOR_DEGREE).trace(),
            _sympy_series(X, _exp_coefficient, TAYLOR_DEGREE - 1).T,
        ),
        sources=(
            f"{COOKBOOK}, section 2.5, p. 12: the unnumbered rule "
            r"∂Tr(F(X))/∂X = f(X)^T, here with F = exp",
        ),
        sample=_small,
        assumptions="X square; exp is the matrix exponential (power series). Checked on "
        "samples of norm about 0.1, where the series converges in a few terms; sympy "
        "differentiates the degree-7 Taylor polynomial exactly",
        derivation=r"""
The Cookbook's rule for a matrix function given by a power series, $F(X) = \sum_k c_k X^k$
with scalar derivative $f$, follows from eq. 121 term by term:
$d\operatorname{tr}F(X) = \sum_k c_k k\operatorname{tr}(X^{k-1}dX) =
\langle f(X)^\top, dX\rangle$. For $F = \exp$, $f = \exp$, so
$\nabla_X \operatorname{tr}(e^X) = (e^X)^\top$.
""",
        mistakes=(
            Mistake(
                r"\exp(X)",
                lambda X: _power_series(X, _exp_coefficient),
                "the numerator-layout derivative; right only for symmetric X",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(e^X)}{\partial X} = e^X",
            "cookbook": r"\frac{\partial\operatorname{Tr}(F(X))}{\partial X} = f(X)^T"
            r"\ \text{(section 2.5, unnumbered; } F = f = \exp)",
        },
        related=("traces.sin", "traces.power3"),
        cookbook=(),
        keywords=("matrix exponential", "exp(X)", "tr(exp X)", "matrix function", "tr F(X)"),
    )
)


#: Equations of section 2.5 that are not catalog identities: none; every one is a derivative
#: checked as printed (eq. 127 fails and is an erratum).
COOKBOOK_NOTES: dict = {}


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
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
    ),
    (
        "squares",
        "Traces of squares and squared traces",
        (
            "traces.square",
            "traces.x2b",
            "traces.axbx",
            "traces.trace-squared",
            "traces.kron-xx",
        ),
    ),
    (
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
    ),
    (
        "two-sided",
        "Two-sided quadratic traces",
        (
            "traces.btxtcxb",
            "traces.xtbxc",
            "traces.axbxtc",
            "traces.affine-frobenius",
        ),
    ),
    (
        "cubic-quartic",
        "Cubic and quartic traces",
        (
            "traces.power3",
            "traces.ax3",
            "traces.quartic",
        ),
    ),
    (
        "inverses",
        "Traces with inverses",
        (
            "traces.axinvb",
            "traces.inv-congruence",
            "traces.inv-ratio",
            "traces.inv-shifted-ratio",
        ),
    ),
    (
        "inverses-general",
        "Traces with inverses, B and C general",
        (
            "traces.inv-congruence-general",
            "traces.inv-ratio-general",
            "traces.inv-shifted-ratio-general",
        ),
    ),
    (
        "functions",
        "Traces of matrix functions",
        (
            "traces.sin",
            "traces.exp",
        ),
    ),
)
