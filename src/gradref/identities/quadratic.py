"""Quadratic and second-order forms: ``x^T A x``, least squares, weighted residuals, and the
forms of Matrix Cookbook 2012 sections 2.4.2 and 2.4.4, in their vector and matrix variables."""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.cookbook import Note
from gradref.identities.linear import SHEET, cookbook_source, single_entry, sym_tensor
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
            "cookbook": r"\frac{\partial x^\top B x}{\partial x} = (B + B^\top) x,\quad B = A"
            r"\ \text{(eq. 81, same layout)}",
        },
        related=("quadratic.grad-A", "quadratic.grad-x-symmetric", "quadratic.grad-x-affine"),
        cookbook=(81,),
        assumptions="A square; not necessarily symmetric (for symmetric A it is 2Ax)",
        sources=(
            f"{SHEET}, exercise 3c",
            cookbook_source(81),
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
                r"A x x^\top",
                lambda A, x: A @ np.outer(x, x),
                "keeps a factor A, as if differentiating a quadratic in A",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\, x^\top A x}{\partial A} = x x^\top"
            r"\ \text{(symmetric, so the same in either layout)}",
        },
        related=("quadratic.grad-x", "linear.a-XT-a", "linear.bilinear-X", "traces.axb"),
        cookbook=(72,),
        assumptions="A square; the gradient does not depend on A",
        sources=(
            f"{SHEET}, exercise 3d",
            cookbook_source(72, "first form, with a = x and X = A"),
        ),
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


def _symmetric(W):
    """The symmetric part of a sympy matrix: symbols for an input tagged "symmetric"."""
    return (W + W.T) / 2


# -- x^T A x for symmetric A, x^T A x + b^T x (Cookbook 2.4.4) -------------------------------


@shaped_like(quadratic_form)
def grad_symmetric_quadratic_form(A, x):
    """Gradient of ``x^T A x`` for symmetric ``A``: ``2 A x``."""
    return 2 * A @ x


def hessian_symmetric_quadratic_form(A, x):
    """Hessian of ``x^T A x`` for symmetric ``A``: ``2 A``."""
    return 2 * A


register(
    Identity(
        id="quadratic.grad-x-symmetric",
        title="Gradient of a quadratic form with a symmetric matrix",
        formula=r"\nabla_x\, x^\top A x = 2 A x\quad (A = A^\top)",
        wrt="x",
        kind="gradient",
        value=quadratic_form,
        derivative=grad_symmetric_quadratic_form,
        structure={"A": "symmetric"},
        symbolic=lambda A, x: (
            (x.T * _symmetric(A) * x)[0, 0],
            2 * _symmetric(A) * x,
        ),
        derivation=r"""
The general rule $\nabla_x\, x^\top A x = (A + A^\top) x$ (product rule: $df = dx^\top A x +
x^\top A\, dx = x^\top (A + A^\top) dx$) becomes $2Ax$ when $A^\top = A$: the two terms
of the product rule are then equal.
""",
        hessian=hessian_symmetric_quadratic_form,
        hessian_formula=r"\nabla_x^2\, x^\top A x = 2A",
        mistakes=(
            Mistake("A x", lambda A, x: A @ x, "keeps one of the two equal terms, losing the 2"),
        ),
        conventions={
            "numerator": r"\frac{\partial\, x^\top A x}{\partial x} = 2 x^\top A"
            r"\ \text{(a row vector)}",
        },
        related=("quadratic.grad-x", "quadratic.grad-x-affine", "higher.rayleigh"),
        assumptions="A symmetric; for a general A use (A + A^T) x",
        sources=(cookbook_source(81, "with B symmetric"),),
        keywords=("symmetric quadratic form", "2Ax", "x^T A x", "quadratic form", "xAx"),
    )
)


@shaped
def quadratic_plus_linear(A: Arr["n n"], x: Arr["n"], b: Arr["n"]):
    """The quadratic function ``x^T A x + b^T x``.

    >>> quadratic_plus_linear(np.eye(2), np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    np.float64(6.0)
    """
    return x @ A @ x + b @ x


@shaped_like(quadratic_plus_linear)
def grad_quadratic_plus_linear(A, x, b):
    """Gradient of ``x^T A x + b^T x``: ``(A + A^T) x + b``."""
    return (A + A.T) @ x + b


def hessian_quadratic_plus_linear(A, x, b):
    """Hessian of ``x^T A x + b^T x``: ``A + A^T``."""
    return A + A.T


register(
    Identity(
        id="quadratic.grad-x-affine",
        title="Gradient and Hessian of a quadratic function",
        formula=r"\nabla_x \left(x^\top A x + b^\top x\right) = (A + A^\top)\, x + b",
        wrt="x",
        kind="gradient",
        value=quadratic_plus_linear,
        derivative=grad_quadratic_plus_linear,
        symbolic=lambda A, x, b: ((x.T * A * x + b.T * x)[0, 0], (A + A.T) * x + b),
        derivation=r"""
The differential is additive: $d(x^\top A x) = x^\top (A + A^\top)\, dx$ (product rule and
a transposed scalar) and $d(b^\top x) = b^\top dx$. So $df = \langle (A + A^\top) x + b,
dx\rangle$ and $\nabla_x f = (A + A^\top) x + b$. Differentiating once more, the constant
$b$ drops out and the Hessian is the constant matrix $A + A^\top$ (Cookbook eq. 98).
""",
        hessian=hessian_quadratic_plus_linear,
        hessian_formula=r"\frac{\partial^2 f}{\partial x\, \partial x^\top} = A + A^\top",
        mistakes=(
            Mistake(
                "2 A x + b",
                lambda A, x, b: 2 * A @ x + b,
                "the symmetric-A shortcut used for a general A",
            ),
            Mistake(
                "(A + A^\\top) x",
                lambda A, x, b: (A + A.T) @ x,
                "drops the linear term's gradient b",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial f}{\partial x} = x^\top (A + A^\top) + b^\top"
            r"\ \text{(a row vector)}",
            "cookbook": r"\nabla_x f = \frac{\partial f}{\partial x} = (A + A^T) x + b,\quad"
            r"\frac{\partial^2 f}{\partial x \partial x^T} = A + A^T\ \text{(eqs. 97, 98)}",
        },
        related=("quadratic.grad-x", "quadratic.least-squares", "linear.inner"),
        cookbook=(97, 98),
        assumptions="A square, not necessarily symmetric; the Hessian is constant",
        sources=(cookbook_source(97), cookbook_source(98, "the Hessian")),
        keywords=(
            "quadratic function",
            "x^T A x + b^T x",
            "hessian",
            "hessian of a quadratic",
            "gradient and hessian",
            "quadratic form",
            "A + A^T",
        ),
    )
)

# -- least squares --------------------------------------------------------------------------


@shaped
def squared_residual(A: Arr["m n"], x: Arr["n"], b: Arr["m"]):
    """The least-squares objective ``||A x - b||^2``.

    >>> squared_residual(np.eye(2), np.array([1.0, 2.0]), np.array([0.0, 0.0]))
    np.float64(5.0)
    """
    r = A @ x - b
    return r @ r


@shaped_like(squared_residual)
def grad_squared_residual(A, x, b):
    """Gradient of ``||A x - b||^2`` with respect to ``x``: ``2 A^T (A x - b)``."""
    return 2 * A.T @ (A @ x - b)


def hessian_squared_residual(A, x, b):
    """Hessian of ``||A x - b||^2`` with respect to ``x``: ``2 A^T A``."""
    return 2 * A.T @ A


@shaped_like(squared_residual)
def grad_squared_residual_wrt_matrix(A, x, b):
    """Gradient of ``||A x - b||^2`` with respect to ``A``: ``2 (A x - b) x^T``."""
    return 2 * np.outer(A @ x - b, x)


def hessian_squared_residual_wrt_matrix(A, x, b):
    """Hessian of ``||A x - b||^2`` in ``A``: ``d^2 f / dA_ij dA_kl = 2 delta_ik x_j x_l``."""
    return 2 * np.einsum("ik,j,l->ijkl", np.eye(A.shape[0]), x, x)


register(
    Identity(
        id="quadratic.least-squares",
        title="Gradient and Hessian of the least-squares objective",
        formula=r"\nabla_x \|Ax - b\|_2^2 = 2 A^\top (A x - b)",
        wrt="x",
        kind="gradient",
        value=squared_residual,
        derivative=grad_squared_residual,
        symbolic=lambda A, x, b: (
            ((A * x - b).T * (A * x - b))[0, 0],
            2 * A.T * (A * x - b),
        ),
        derivation=r"""
With the residual $r = Ax - b$, $f = r^\top r$ and $dr = A\, dx$, so
$df = 2 r^\top dr = 2 r^\top A\, dx = \langle 2 A^\top r, dx\rangle$ and
$\nabla_x f = 2A^\top (Ax - b)$. Its differential is $2 A^\top A\, dx$: the Hessian
$2A^\top A$ is constant and positive semidefinite, and setting the gradient to zero gives
the normal equations $A^\top A x = A^\top b$.
""",
        hessian=hessian_squared_residual,
        hessian_formula=r"\nabla_x^2 \|Ax - b\|_2^2 = 2 A^\top A",
        mistakes=(
            Mistake(
                "A^\\top (A x - b)",
                lambda A, x, b: A.T @ (A @ x - b),
                "the gradient of half the squared norm; the 2 of the square is lost",
            ),
            Mistake(
                "2 A^\\top A x",
                lambda A, x, b: 2 * A.T @ A @ x,
                "drops the cross term -2 b^T A x of the expanded square",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \|Ax - b\|^2}{\partial x} = 2 (Ax - b)^\top A"
            r"\ \text{(a row vector)}",
            "cookbook": r"\frac{\partial (x - As)^T W (x - As)}{\partial s} = -2 A^T W (x - As)"
            r"\ \text{(eq. 84; here W = I, with the roles of x and s as b and x)}",
        },
        related=(
            "quadratic.least-squares-A",
            "quadratic.wls-s",
            "norms.half-squared",
            "quadratic.grad-x-affine",
        ),
        assumptions="A any shape m x n; b constant",
        sources=(cookbook_source(84, "with W = I"),),
        keywords=(
            "least squares",
            "||Ax - b||^2",
            "linear regression",
            "residual",
            "normal equations",
            "sum of squared errors",
            "hessian",
            "A^T A",
        ),
    )
)

register(
    Identity(
        id="quadratic.least-squares-A",
        title="Gradient of the least-squares objective with respect to the matrix",
        formula=r"\nabla_A \|Ax - b\|_2^2 = 2 (A x - b)\, x^\top",
        wrt="A",
        kind="gradient",
        value=squared_residual,
        derivative=grad_squared_residual_wrt_matrix,
        symbolic=lambda A, x, b: (
            ((A * x - b).T * (A * x - b))[0, 0],
            2 * (A * x - b) * x.T,
        ),
        derivation=r"""
With $r = Ax - b$, now $dr = dA\, x$, so $df = 2 r^\top dA\, x = \operatorname{tr}(2 x
r^\top dA) = \langle 2 r x^\top, dA\rangle$, hence $\nabla_A f = 2(Ax - b) x^\top$: an outer
product of the residual and the input, as in a linear layer's weight gradient.
""",
        hessian=hessian_squared_residual_wrt_matrix,
        hessian_formula=r"\nabla_A^2 \|Ax - b\|_2^2\,[V] = 2 V x x^\top",
        mistakes=(
            Mistake(
                "2 x (A x - b)^\\top",
                lambda A, x, b: 2 * np.outer(x, A @ x - b),
                "the numerator-layout derivative (the transpose), n x m instead of m x n",
            ),
            Mistake(
                "(A x - b) x^\\top",
                lambda A, x, b: np.outer(A @ x - b, x),
                "loses the 2 of the square",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \|Ax - b\|^2}{\partial A} = 2 x (Ax - b)^\top",
            "cookbook": r"\frac{\partial}{\partial A}(x - As)^T W (x - As) = -2 W (x - As) s^T"
            r"\ \text{(eq. 88, with W = I)}",
        },
        related=("quadratic.least-squares", "quadratic.wls-A", "linear.bilinear-X"),
        assumptions="x, b constant; A any shape m x n",
        sources=(cookbook_source(88, "with W = I"),),
        keywords=(
            "least squares",
            "gradient with respect to the weights",
            "linear layer",
            "outer product",
            "||Ax - b||^2",
            "weight gradient",
        ),
    )
)

# -- bilinear forms x^T A y -----------------------------------------------------------------


@shaped
def bilinear_form(x: Arr["m"], A: Arr["m n"], y: Arr["n"]):
    """The bilinear form ``x^T A y``.

    >>> bilinear_form(np.array([1.0, 0.0]), np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 1.0]]), np.ones(3))
    np.float64(6.0)
    """
    return x @ A @ y


@shaped_like(bilinear_form)
def grad_bilinear_form_x(x, A, y):
    """Gradient of ``x^T A y`` with respect to ``x``: ``A y``."""
    return A @ y


@shaped_like(bilinear_form)
def grad_bilinear_form_y(x, A, y):
    """Gradient of ``x^T A y`` with respect to ``y``: ``A^T x``."""
    return A.T @ x


register(
    Identity(
        id="quadratic.bilinear-x",
        title="Gradient of a bilinear form with respect to its left vector",
        formula=r"\nabla_x\, x^\top A y = A y",
        wrt="x",
        kind="gradient",
        value=bilinear_form,
        derivative=grad_bilinear_form_x,
        symbolic=lambda x, A, y: ((x.T * A * y)[0, 0], A * y),
        derivation=r"""
For fixed $y$, $x^\top A y = \langle x, Ay\rangle$ is a linear form in $x$ with
coefficient vector $Ay$: $df = dx^\top A y = \langle A y, dx\rangle$, so $\nabla_x = Ay$.
""",
        hessian="zero",
        hessian_formula=r"\nabla_x^2\, x^\top A y = 0",
        mistakes=(
            Mistake(
                "2 A y",
                lambda x, A, y: 2 * A @ y,
                "the factor 2 of the quadratic form x^T A x, which has x on both sides; "
                "here x appears once",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\, x^\top A y}{\partial x} = y^\top A^\top"
            r"\ \text{(a row vector)}",
        },
        related=("quadratic.bilinear-y", "linear.bilinear-X", "quadratic.grad-x"),
        assumptions="A any shape m x n; y does not depend on x",
        sources=(cookbook_source(69, "with a = A y"),),
        keywords=("bilinear form", "x^T A y", "xAy", "Ay"),
    )
)

register(
    Identity(
        id="quadratic.bilinear-y",
        title="Gradient of a bilinear form with respect to its right vector",
        formula=r"\nabla_y\, x^\top A y = A^\top x",
        wrt="y",
        kind="gradient",
        value=bilinear_form,
        derivative=grad_bilinear_form_y,
        symbolic=lambda x, A, y: ((x.T * A * y)[0, 0], A.T * x),
        derivation=r"""
For fixed $x$, $x^\top A y = (A^\top x)^\top y$ is a linear form in $y$: $df = x^\top A\,
dy = \langle A^\top x, dy\rangle$, so $\nabla_y = A^\top x$, a vector of the length of $y$.
""",
        hessian="zero",
        hessian_formula=r"\nabla_y^2\, x^\top A y = 0",
        mistakes=(
            Mistake(
                "2 A^\\top x",
                lambda x, A, y: 2 * A.T @ x,
                "the factor 2 of a quadratic form, where y appears only once",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\, x^\top A y}{\partial y} = x^\top A"
            r"\ \text{(a row vector)}",
        },
        related=("quadratic.bilinear-x", "linear.bilinear-X"),
        assumptions="A any shape m x n; x does not depend on y",
        sources=(cookbook_source(69, "with a = A^T x"),),
        keywords=("bilinear form", "x^T A y", "xAy", "A^T x"),
    )
)

# -- eq 76: the square of the sum of the entries --------------------------------------------


@shaped
def squared_sum_of_entries(X: Arr["m n"]):
    """``sum_{klmn} X_kl X_mn``, the square of the sum of the entries of ``X``.

    >>> squared_sum_of_entries(np.array([[1.0, 2.0], [3.0, -1.0]]))
    np.float64(25.0)
    """
    return X.sum() ** 2


@shaped_like(squared_sum_of_entries)
def grad_squared_sum_of_entries(X):
    """Gradient of ``(sum X)^2``: ``2 sum_kl X_kl`` in every entry."""
    return 2 * X.sum() * np.ones_like(X)


def hessian_squared_sum_of_entries(X):
    """Hessian of ``(sum X)^2``: 2 in every entry of the 4-tensor."""
    return 2 * np.ones(X.shape * 2)


register(
    Identity(
        id="quadratic.sum-squared",
        title="Gradient of the square of the sum of the entries",
        formula=r"\frac{\partial}{\partial X_{ij}} \sum_{klmn} X_{kl} X_{mn} = 2 \sum_{kl} X_{kl},"
        r"\quad \nabla_X \big(\mathbf{1}^\top X \mathbf{1}\big)^2 = 2\, (\mathbf{1}^\top X"
        r" \mathbf{1})\, \mathbf{1}\mathbf{1}^\top",
        wrt="X",
        kind="gradient",
        value=squared_sum_of_entries,
        derivative=grad_squared_sum_of_entries,
        symbolic=lambda X: (
            sum(X) ** 2,
            2 * sum(X) * (X.applyfunc(lambda _: 1)),
        ),
        derivation=r"""
The four indices run independently, so $\sum_{klmn} X_{kl} X_{mn} = \big(\sum_{kl}
X_{kl}\big)^2 = s^2$ with $s = \mathbf{1}^\top X \mathbf{1}$. Every entry enters $s$ with
coefficient 1, $ds = \langle \mathbf{1}\mathbf{1}^\top, dX\rangle$, so $d(s^2) = 2s\, ds$
and every entry of the gradient is $2s$: the right side of eq. 76 does not depend on
$(i, j)$. (It is not the sum of squares $\sum_{kl} X_{kl}^2$, whose gradient is $2X$.)
""",
        hessian=hessian_squared_sum_of_entries,
        hessian_formula=r"\nabla_X^2 (\mathbf{1}^\top X \mathbf{1})^2\,[V] = 2\,"
        r"(\mathbf{1}^\top V \mathbf{1})\, \mathbf{1}\mathbf{1}^\top",
        mistakes=(
            Mistake(
                "2 X",
                lambda X: 2 * X,
                "reads the double sum as the sum of squares sum_kl X_kl^2 (the Frobenius norm "
                "squared), whose gradient is 2X",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial (\mathbf{1}^\top X \mathbf{1})^2}{\partial X} = 2\,"
            r"(\mathbf{1}^\top X \mathbf{1})\, \mathbf{1}\mathbf{1}^\top\ (n \times m)",
            "cookbook": r"\frac{\partial}{\partial X_{ij}}\sum_{klmn}X_{kl}X_{mn}"
            r" = 2\sum_{kl}X_{kl}\ \text{(eq. 76)}",
        },
        related=("linear.bilinear-X", "norms.half-squared"),
        cookbook=(76,),
        assumptions="X any shape; the sums run over all entries, independently",
        sources=(
            cookbook_source(
                76, "verified as printed: its right side is the same in every entry (i, j)"
            ),
        ),
        keywords=("sum of entries", "square of the sum", "double sum", "ones matrix"),
    )
)

# -- eq 77, 82, 83: second-order forms in a matrix -----------------------------------------


@shaped
def gram_bilinear(b: Arr["n"], X: Arr["m n"], c: Arr["n"]):
    """The form ``b^T X^T X c = (X b)^T (X c)``.

    >>> gram_bilinear(np.array([1.0, 0.0]), np.eye(2), np.array([2.0, 1.0]))
    np.float64(2.0)
    """
    return (X @ b) @ (X @ c)


@shaped_like(gram_bilinear)
def grad_gram_bilinear(b, X, c):
    """Gradient of ``b^T X^T X c`` with respect to ``X``: ``X (b c^T + c b^T)``."""
    return X @ (np.outer(b, c) + np.outer(c, b))


def hessian_gram_bilinear(b, X, c):
    """Hessian of ``b^T X^T X c``: ``d^2 f / dX_ij dX_kl = delta_ik (b c^T + c b^T)_lj``."""
    return np.einsum("ik,lj->ijkl", np.eye(X.shape[0]), np.outer(b, c) + np.outer(c, b))


register(
    Identity(
        id="quadratic.gram-bilinear",
        title="Gradient of b^T X^T X c with respect to X",
        formula=r"\nabla_X\, b^\top X^\top X c = X (b c^\top + c b^\top)",
        wrt="X",
        kind="gradient",
        value=gram_bilinear,
        derivative=grad_gram_bilinear,
        symbolic=lambda b, X, c: ((b.T * X.T * X * c)[0, 0], X * (b * c.T + c * b.T)),
        derivation=r"""
Write $f = (Xb)^\top (Xc)$. The product rule gives $df = (dX\, b)^\top X c + (X b)^\top
dX\, c = \operatorname{tr}(b^\top dX^\top X c) + \operatorname{tr}(c\, b^\top X^\top dX)$.
The first trace is $\operatorname{tr}(c^\top X^\top dX\, b) = \langle X c b^\top, dX
\rangle$, the second $\langle X b c^\top, dX\rangle$; so $\nabla_X = X(bc^\top + cb^\top)$.
""",
        hessian=hessian_gram_bilinear,
        hessian_formula=r"\nabla_X^2 f\,[V] = V (b c^\top + c b^\top)",
        mistakes=(
            Mistake(
                "2 X b c^\\top",
                lambda b, X, c: 2 * X @ np.outer(b, c),
                "treats b and c as interchangeable, as in ||Xb||^2 where the gradient is 2 X b b^T",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\, b^\top X^\top X c}{\partial X} = (b c^\top"
            r" + c b^\top) X^\top",
            "cookbook": r"\frac{\partial b^T X^T X c}{\partial X} = X(bc^T + cb^T)"
            r"\ \text{(eq. 77, same layout)}",
        },
        related=("quadratic.weighted-bilinear-X", "linear.bilinear-X"),
        cookbook=(77,),
        assumptions="b, c constant; X any shape m x n",
        sources=(cookbook_source(77),),
        keywords=("b^T X^T X c", "Gram matrix", "X^T X", "second-order form"),
    )
)


@shaped
def weighted_bilinear(b: Arr["n"], X: Arr["m n"], D: Arr["m m"], c: Arr["n"]):
    """The form ``b^T X^T D X c = (X b)^T D (X c)``.

    >>> weighted_bilinear(np.array([1.0, 0.0]), np.eye(2), 2 * np.eye(2), np.array([3.0, 1.0]))
    np.float64(6.0)
    """
    return (X @ b) @ D @ (X @ c)


@shaped_like(weighted_bilinear)
def grad_weighted_bilinear(b, X, D, c):
    """Gradient of ``b^T X^T D X c`` with respect to ``X``: ``D^T X b c^T + D X c b^T``."""
    return D.T @ X @ np.outer(b, c) + D @ X @ np.outer(c, b)


def hessian_weighted_bilinear(b, X, D, c):
    """Hessian of ``b^T X^T D X c``: ``(D^T)_ik (b c^T)_lj + D_ik (c b^T)_lj``."""
    return np.einsum("ik,lj->ijkl", D.T, np.outer(b, c)) + np.einsum(
        "ik,lj->ijkl", D, np.outer(c, b)
    )


register(
    Identity(
        id="quadratic.weighted-bilinear-X",
        title="Gradient of b^T X^T D X c with respect to X",
        formula=r"\nabla_X\, b^\top X^\top D X c = D^\top X b c^\top + D X c b^\top",
        wrt="X",
        kind="gradient",
        value=weighted_bilinear,
        derivative=grad_weighted_bilinear,
        symbolic=lambda b, X, D, c: (
            (b.T * X.T * D * X * c)[0, 0],
            D.T * X * b * c.T + D * X * c * b.T,
        ),
        derivation=r"""
With $u = Xb$ and $v = Xc$, $f = u^\top D v$ and $df = (dX\, b)^\top D X c + b^\top X^\top
D\, dX\, c$. The first term is $\operatorname{tr}(dX^\top D X c b^\top) = \langle D X c
b^\top, dX\rangle$; the second is $\operatorname{tr}(c\, b^\top X^\top D\, dX) = \langle
D^\top X b c^\top, dX\rangle$. Hence $\nabla_X = D^\top X b c^\top + D X c b^\top$.
""",
        hessian=hessian_weighted_bilinear,
        hessian_formula=r"\nabla_X^2 f\,[V] = D^\top V b c^\top + D V c b^\top",
        mistakes=(
            Mistake(
                "D X (b c^\\top + c b^\\top)",
                lambda b, X, D, c: D @ X @ (np.outer(b, c) + np.outer(c, b)),
                "right only for symmetric D: the term from the left factor needs D^T",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\, b^\top X^\top D X c}{\partial X} = c b^\top X^\top D"
            r" + b c^\top X^\top D^\top",
            "cookbook": r"\frac{\partial b^T X^T D X c}{\partial X} = D^T X b c^T + D X c b^T"
            r"\ \text{(eq. 82, same layout)}",
        },
        related=("quadratic.gram-bilinear", "quadratic.affine-quadratic-X", "quadratic.jac-XTBX"),
        cookbook=(82,),
        assumptions="b, c, D constant; D square, not necessarily symmetric",
        sources=(cookbook_source(82),),
        keywords=("b^T X^T D X c", "weighted bilinear form", "second-order form"),
    )
)


@shaped
def affine_quadratic(X: Arr["m n"], b: Arr["n"], c: Arr["m"], D: Arr["m m"]):
    """The quadratic form ``(X b + c)^T D (X b + c)`` of an affine function of ``X``.

    >>> affine_quadratic(np.eye(2), np.array([1.0, 0.0]), np.zeros(2), np.eye(2))
    np.float64(1.0)
    """
    u = X @ b + c
    return u @ D @ u


@shaped_like(affine_quadratic)
def grad_affine_quadratic(X, b, c, D):
    """Gradient of ``(X b + c)^T D (X b + c)`` with respect to ``X``: ``(D + D^T)(X b + c) b^T``."""
    return np.outer((D + D.T) @ (X @ b + c), b)


def hessian_affine_quadratic(X, b, c, D):
    """Hessian of ``(X b + c)^T D (X b + c)``: ``(D + D^T)_ik b_j b_l``."""
    return np.einsum("ik,j,l->ijkl", D + D.T, b, b)


register(
    Identity(
        id="quadratic.affine-quadratic-X",
        title="Gradient of (Xb + c)^T D (Xb + c) with respect to X",
        formula=r"\nabla_X (Xb + c)^\top D (Xb + c) = (D + D^\top)(Xb + c)\, b^\top",
        wrt="X",
        kind="gradient",
        value=affine_quadratic,
        derivative=grad_affine_quadratic,
        symbolic=lambda X, b, c, D: (
            ((X * b + c).T * D * (X * b + c))[0, 0],
            (D + D.T) * (X * b + c) * b.T,
        ),
        derivation=r"""
Chain rule through $u = Xb + c$: the quadratic form has $\nabla_u\, u^\top D u = (D +
D^\top) u$, and $du = dX\, b$. So $df = u^\top (D + D^\top)\, dX\, b = \operatorname{tr}(b\,
u^\top (D + D^\top)\, dX) = \langle (D + D^\top) u\, b^\top, dX\rangle$.
""",
        hessian=hessian_affine_quadratic,
        hessian_formula=r"\nabla_X^2 f\,[V] = (D + D^\top) V b b^\top",
        mistakes=(
            Mistake(
                "2 D (Xb + c) b^\\top",
                lambda X, b, c, D: 2 * np.outer(D @ (X @ b + c), b),
                "the symmetric-D shortcut for a general D",
            ),
            Mistake(
                "(D + D^\\top)(Xb + c)",
                lambda X, b, c, D: (D + D.T) @ (X @ b + c),
                "stops at the gradient with respect to u = Xb + c, without the chain rule's "
                "factor b^T",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial f}{\partial X} = b\, (Xb + c)^\top (D + D^\top)",
            "cookbook": r"\frac{\partial}{\partial X}(Xb+c)^T D (Xb+c) = (D + D^T)(Xb + c) b^T"
            r"\ \text{(eq. 83, same layout)}",
        },
        related=("quadratic.weighted-bilinear-X", "quadratic.least-squares-A", "quadratic.grad-x"),
        cookbook=(83,),
        assumptions="b, c, D constant; D square, not necessarily symmetric",
        sources=(cookbook_source(83),),
        keywords=("(Xb + c)^T D (Xb + c)", "affine quadratic form"),
    )
)

# -- eq 78: a bilinear form of two affine maps ---------------------------------------------


@shaped
def affine_bilinear(
    B: Arr["p n"], b: Arr["p"], C: Arr["p q"], D: Arr["q n"], d: Arr["q"], x: Arr["n"]
):
    """The form ``(B x + b)^T C (D x + d)``.

    >>> I = np.eye(2)
    >>> affine_bilinear(I, np.zeros(2), I, I, np.ones(2), np.array([1.0, 2.0]))
    np.float64(8.0)
    """
    return (B @ x + b) @ C @ (D @ x + d)


@shaped_like(affine_bilinear)
def grad_affine_bilinear(B, b, C, D, d, x):
    """Gradient of ``(B x + b)^T C (D x + d)``: ``B^T C (D x + d) + D^T C^T (B x + b)``."""
    return B.T @ C @ (D @ x + d) + D.T @ C.T @ (B @ x + b)


def hessian_affine_bilinear(B, b, C, D, d, x):
    """Hessian of ``(B x + b)^T C (D x + d)``: ``B^T C D + D^T C^T B``."""
    return B.T @ C @ D + D.T @ C.T @ B


register(
    Identity(
        id="quadratic.affine-bilinear",
        title="Gradient of a bilinear form of two affine maps",
        formula=r"\nabla_x (Bx + b)^\top C (Dx + d) = B^\top C (Dx + d) + D^\top C^\top (Bx + b)",
        wrt="x",
        kind="gradient",
        value=affine_bilinear,
        derivative=grad_affine_bilinear,
        symbolic=lambda B, b, C, D, d, x: (
            ((B * x + b).T * C * (D * x + d))[0, 0],
            B.T * C * (D * x + d) + D.T * C.T * (B * x + b),
        ),
        derivation=r"""
With $u = Bx + b$ and $v = Dx + d$, $f = u^\top C v$ and the product rule gives $df =
du^\top C v + u^\top C\, dv = (B\, dx)^\top C v + u^\top C D\, dx$. Transposing the second
scalar, $df = \langle B^\top C v + D^\top C^\top u,\ dx\rangle$. Differentiating again,
the Hessian is $B^\top C D + D^\top C^\top B$, symmetric as it must be.
""",
        hessian=hessian_affine_bilinear,
        hessian_formula=r"\nabla_x^2 f = B^\top C D + D^\top C^\top B",
        mistakes=(
            Mistake(
                "B^\\top C (Dx + d)",
                lambda B, b, C, D, d, x: B.T @ C @ (D @ x + d),
                "differentiates only the left factor, as if Dx + d were constant",
            ),
            Mistake(
                "2 B^\\top C (Dx + d)",
                lambda B, b, C, D, d, x: 2 * B.T @ C @ (D @ x + d),
                "the 2 of a quadratic form x^T A x, where both factors are the same",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial f}{\partial x} = (Dx + d)^\top C^\top B + (Bx + b)^\top"
            r" C D",
            "cookbook": r"\frac{\partial (Bx+b)^T C (Dx+d)}{\partial x} = B^T C (Dx+d)"
            r" + D^T C^T (Bx+b)\ \text{(eq. 78, same layout)}",
        },
        related=("higher.composite-bilinear", "quadratic.grad-x", "quadratic.bilinear-x"),
        cookbook=(78,),
        assumptions="B, b, C, D, d constant; C may be rectangular (p x q)",
        sources=(cookbook_source(78),),
        keywords=("(Bx + b)^T C (Dx + d)", "bilinear form", "affine", "product rule", "hessian"),
    )
)

# -- eqs 79, 80: Jacobian of X -> X^T B X -------------------------------------------------


@shaped
def congruence(X: Arr["m n"], B: Arr["m m"]):
    """The congruence ``X^T B X`` (n x n).

    >>> congruence(np.array([[1.0], [1.0]]), np.array([[1.0, 2.0], [0.0, 1.0]]))
    array([[4.]])
    """
    return X.T @ B @ X


@shaped_like(congruence)
def jac_congruence(X, B):
    """Jacobian of ``X -> X^T B X``: ``delta_lj (X^T B)_ki + delta_kj (B X)_il`` at ``[k, l, i, j]``."""
    eye = np.eye(X.shape[1])
    return np.einsum("lj,ki->klij", eye, X.T @ B) + np.einsum("kj,il->klij", eye, B @ X)


def _congruence_j_form(X, B):
    m, n = X.shape
    XtB, BX = X.T * B, B * X
    slices = {
        (i, j): XtB * single_entry(m, n, i, j) + single_entry(n, m, j, i) * BX
        for i in range(m)
        for j in range(n)
    }
    return sym_tensor((n, n, m, n), lambda k, l_, i, j: slices[i, j][k, l_])


register(
    Identity(
        id="quadratic.jac-XTBX",
        title="Jacobian of X to X^T B X",
        formula=r"\frac{\partial (X^\top B X)_{kl}}{\partial X_{ij}} = \delta_{lj} (X^\top B)_{ki}"
        r" + \delta_{kj} (BX)_{il},\quad \frac{\partial (X^\top B X)}{\partial X_{ij}}"
        r" = X^\top B J^{ij} + J^{ji} B X",
        wrt="X",
        kind="jacobian",
        value=congruence,
        derivative=jac_congruence,
        symbolic=lambda X, B: (X.T * B * X, _congruence_j_form(X, B)),
        derivation=r"""
The product rule gives $d(X^\top B X) = dX^\top B X + X^\top B\, dX$. Taking $dX = J^{ij}$
(the direction of the entry $X_{ij}$) gives eq. 80, $X^\top B J^{ij} + J^{ji} B X$, since
$(J^{ij})^\top = J^{ji}$. Reading entry $(k, l)$: $(X^\top B J^{ij})_{kl} = (X^\top
B)_{ki}\, \delta_{jl}$ and $(J^{ji} B X)_{kl} = \delta_{kj} (BX)_{il}$, which is eq. 79.
""",
        mistakes=(
            Mistake(
                "X^\\top B J^{ij}",
                lambda X, B: np.einsum("lj,ki->klij", np.eye(X.shape[1]), X.T @ B),
                "keeps only the term of the right factor X, as if X^T were constant",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{vec}_{\text{row}}(X^\top B X)}"
            r"{\partial \operatorname{vec}_{\text{row}}(X)}\ \text{(this reference's layout)}",
            "cookbook": r"\frac{\partial (X^TBX)_{kl}}{\partial X_{ij}} = \delta_{lj}(X^TB)_{ki}"
            r" + \delta_{kj}(BX)_{il}\ \text{(eqs. 79, 80)}",
        },
        related=("quadratic.weighted-bilinear-X", "linear.transposed-product"),
        cookbook=(79, 80),
        assumptions="B constant, square, not necessarily symmetric; X any shape m x n",
        sources=(cookbook_source(79), cookbook_source(80, "with the single-entry matrix J^ij")),
        keywords=("X^T B X", "congruence", "jacobian", "single-entry matrix", "X^T A X"),
    )
)

# -- eqs 84-88: weighted residuals, W symmetric ----------------------------------------------

WEIGHTED = "W symmetric (the Cookbook: 'Assume W is symmetric, then' eqs. 84-88)"


@shaped
def weighted_residual(x: Arr["m"], A: Arr["m n"], s: Arr["n"], W: Arr["m m"]):
    """The weighted squared residual ``(x - A s)^T W (x - A s)``.

    >>> weighted_residual(np.array([1.0, 2.0]), np.eye(2), np.zeros(2), np.eye(2))
    np.float64(5.0)
    """
    r = x - A @ s
    return r @ W @ r


@shaped_like(weighted_residual)
def grad_weighted_residual_s(x, A, s, W):
    """Gradient of ``(x - A s)^T W (x - A s)`` with respect to ``s``: ``-2 A^T W (x - A s)``."""
    return -2 * A.T @ W @ (x - A @ s)


def hessian_weighted_residual_s(x, A, s, W):
    """Hessian of ``(x - A s)^T W (x - A s)`` with respect to ``s``: ``2 A^T W A``."""
    return 2 * A.T @ W @ A


@shaped_like(weighted_residual)
def grad_weighted_residual_x(x, A, s, W):
    """Gradient of ``(x - A s)^T W (x - A s)`` with respect to ``x``: ``2 W (x - A s)``."""
    return 2 * W @ (x - A @ s)


def hessian_weighted_residual_x(x, A, s, W):
    """Hessian of ``(x - A s)^T W (x - A s)`` with respect to ``x``: ``2 W``."""
    return 2 * W


@shaped_like(weighted_residual)
def grad_weighted_residual_A(x, A, s, W):
    """Gradient of ``(x - A s)^T W (x - A s)`` with respect to ``A``: ``-2 W (x - A s) s^T``."""
    return -2 * np.outer(W @ (x - A @ s), s)


def hessian_weighted_residual_A(x, A, s, W):
    """Hessian in ``A``: ``d^2 f / dA_ij dA_kl = 2 W_ik s_j s_l``."""
    return 2 * np.einsum("ik,j,l->ijkl", W, s, s)


def _weighted_residual_symbolic(x, A, s, W):
    r = x - A * s
    return (r.T * _symmetric(W) * r)[0, 0], r, _symmetric(W)


register(
    Identity(
        id="quadratic.wls-s",
        title="Gradient of a weighted least-squares residual with respect to the coefficients",
        formula=r"\nabla_s (x - As)^\top W (x - As) = -2 A^\top W (x - As)",
        wrt="s",
        kind="gradient",
        value=weighted_residual,
        derivative=grad_weighted_residual_s,
        structure={"W": "symmetric"},
        symbolic=lambda x, A, s, W: (
            _weighted_residual_symbolic(x, A, s, W)[0],
            -2 * A.T * _symmetric(W) * (x - A * s),
        ),
        derivation=r"""
With $r = x - As$, $f = r^\top W r$ and, $W$ being symmetric, $df = 2 r^\top W\, dr$. Here
$dr = -A\, ds$, so $df = -2 r^\top W A\, ds = \langle -2 A^\top W r, ds\rangle$. Once more:
$d(-2A^\top W r) = 2 A^\top W A\, ds$, the Hessian, positive semidefinite when $W$ is.
""",
        hessian=hessian_weighted_residual_s,
        hessian_formula=r"\nabla_s^2 (x - As)^\top W (x - As) = 2 A^\top W A",
        mistakes=(
            Mistake(
                "2 A^\\top W (x - As)",
                lambda x, A, s, W: 2 * A.T @ W @ (x - A @ s),
                "loses the minus sign of the inner derivative d(x - As)/ds = -A",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial f}{\partial s} = -2 (x - As)^\top W A"
            r"\ \text{(a row vector)}",
            "cookbook": r"\frac{\partial}{\partial s}(x - As)^T W (x - As) = -2A^T W (x - As)"
            r"\ \text{(eq. 84, same layout)}",
        },
        related=("quadratic.wls-x", "quadratic.wls-A", "quadratic.least-squares"),
        cookbook=(84,),
        assumptions=WEIGHTED + "; for a general W replace 2W by W + W^T",
        sources=(cookbook_source(84),),
        keywords=(
            "weighted least squares",
            "(x - As)^T W (x - As)",
            "generalized least squares",
            "mahalanobis",
            "residual",
            "hessian",
        ),
    )
)

register(
    Identity(
        id="quadratic.wls-x",
        title="Gradient of a weighted least-squares residual with respect to the data",
        formula=r"\nabla_x (x - As)^\top W (x - As) = 2 W (x - As)",
        wrt="x",
        kind="gradient",
        value=weighted_residual,
        derivative=grad_weighted_residual_x,
        structure={"W": "symmetric"},
        symbolic=lambda x, A, s, W: (
            _weighted_residual_symbolic(x, A, s, W)[0],
            2 * _symmetric(W) * (x - A * s),
        ),
        derivation=r"""
With $r = x - As$ and $W = W^\top$, $df = 2 r^\top W\, dr$, and now $dr = dx$:
$\nabla_x f = 2 W r = 2W(x - As)$. Its derivative in $x$ is the constant $2W$.
""",
        hessian=hessian_weighted_residual_x,
        hessian_formula=r"\nabla_x^2 (x - As)^\top W (x - As) = 2 W",
        mistakes=(
            Mistake(
                "2 (x - As)",
                lambda x, A, s, W: 2 * (x - A @ s),
                "forgets the weight matrix, as for an unweighted residual",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial f}{\partial x} = 2 (x - As)^\top W"
            r"\ \text{(a row vector)}",
            "cookbook": r"\frac{\partial}{\partial x}(x - As)^T W (x - As) = 2W(x - As)"
            r"\ \text{(eq. 87, same layout)}",
        },
        related=("quadratic.wls-s", "quadratic.weighted-x"),
        cookbook=(87,),
        assumptions=WEIGHTED + "; for a general W it is (W + W^T)(x - As)",
        sources=(cookbook_source(87),),
        keywords=("weighted least squares", "(x - As)^T W (x - As)", "mahalanobis", "hessian"),
    )
)

register(
    Identity(
        id="quadratic.wls-A",
        title="Gradient of a weighted least-squares residual with respect to the matrix",
        formula=r"\nabla_A (x - As)^\top W (x - As) = -2 W (x - As)\, s^\top",
        wrt="A",
        kind="gradient",
        value=weighted_residual,
        derivative=grad_weighted_residual_A,
        structure={"W": "symmetric"},
        symbolic=lambda x, A, s, W: (
            _weighted_residual_symbolic(x, A, s, W)[0],
            -2 * _symmetric(W) * (x - A * s) * s.T,
        ),
        derivation=r"""
With $r = x - As$, $df = 2 r^\top W\, dr$ and $dr = -dA\, s$, so $df = -2 r^\top W\, dA\, s
= \operatorname{tr}(-2 s\, r^\top W\, dA) = \langle -2 W r s^\top, dA\rangle$ ($W$
symmetric). The gradient is an outer product, shaped like $A$.
""",
        hessian=hessian_weighted_residual_A,
        hessian_formula=r"\nabla_A^2 f\,[V] = 2 W V s s^\top",
        mistakes=(
            Mistake(
                "2 W (x - As)\\, s^\\top",
                lambda x, A, s, W: 2 * np.outer(W @ (x - A @ s), s),
                "loses the minus sign of d(x - As) = -dA s",
            ),
            Mistake(
                "-2 s\\, (x - As)^\\top W",
                lambda x, A, s, W: -2 * np.outer(s, W @ (x - A @ s)),
                "the numerator-layout derivative (the transpose), n x m instead of m x n",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial f}{\partial A} = -2 s (x - As)^\top W",
            "cookbook": r"\frac{\partial}{\partial A}(x - As)^T W (x - As) = -2W(x - As)s^T"
            r"\ \text{(eq. 88, same layout)}",
        },
        related=("quadratic.wls-s", "quadratic.least-squares-A"),
        cookbook=(88,),
        assumptions=WEIGHTED,
        sources=(cookbook_source(88),),
        keywords=("weighted least squares", "(x - As)^T W (x - As)", "outer product"),
    )
)


@shaped
def weighted_distance(x: Arr["n"], s: Arr["n"], W: Arr["n n"]):
    """The weighted squared distance ``(x - s)^T W (x - s)``.

    >>> weighted_distance(np.array([1.0, 2.0]), np.array([1.0, 0.0]), np.eye(2))
    np.float64(4.0)
    """
    r = x - s
    return r @ W @ r


@shaped_like(weighted_distance)
def grad_weighted_distance_x(x, s, W):
    """Gradient of ``(x - s)^T W (x - s)`` with respect to ``x``: ``2 W (x - s)``."""
    return 2 * W @ (x - s)


@shaped_like(weighted_distance)
def grad_weighted_distance_s(x, s, W):
    """Gradient of ``(x - s)^T W (x - s)`` with respect to ``s``: ``-2 W (x - s)``."""
    return -2 * W @ (x - s)


def hessian_weighted_distance(x, s, W):
    """Hessian of ``(x - s)^T W (x - s)`` in ``x`` or in ``s``: ``2 W``."""
    return 2 * W


register(
    Identity(
        id="quadratic.weighted-x",
        title="Gradient of a weighted squared distance with respect to the point",
        formula=r"\nabla_x (x - s)^\top W (x - s) = 2 W (x - s)",
        wrt="x",
        kind="gradient",
        value=weighted_distance,
        derivative=grad_weighted_distance_x,
        structure={"W": "symmetric"},
        symbolic=lambda x, s, W: (
            ((x - s).T * _symmetric(W) * (x - s))[0, 0],
            2 * _symmetric(W) * (x - s),
        ),
        derivation=r"""
With $r = x - s$, $dr = dx$ and $df = dr^\top W r + r^\top W\, dr = r^\top (W + W^\top)\,
dx = 2 r^\top W\, dx$ for symmetric $W$: $\nabla_x f = 2W(x - s)$, and the Hessian is
$2W$. (The Mahalanobis distance of a Gaussian has $W = \Sigma^{-1}$.)
""",
        hessian=hessian_weighted_distance,
        hessian_formula=r"\nabla_x^2 (x - s)^\top W (x - s) = 2 W",
        mistakes=(
            Mistake(
                "W (x - s)",
                lambda x, s, W: W @ (x - s),
                "keeps one of the two terms of the product rule: the 2 is lost",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial f}{\partial x} = 2 (x - s)^\top W"
            r"\ \text{(a row vector)}",
            "cookbook": r"\frac{\partial}{\partial x}(x - s)^T W (x - s) = 2W(x - s)"
            r"\ \text{(eq. 85, same layout)}",
        },
        related=("quadratic.weighted-s", "quadratic.wls-x", "quadratic.grad-x-symmetric"),
        cookbook=(85,),
        assumptions=WEIGHTED + "; for a general W it is (W + W^T)(x - s)",
        sources=(cookbook_source(85),),
        keywords=(
            "mahalanobis distance",
            "weighted distance",
            "(x - s)^T W (x - s)",
            "weighted norm",
            "hessian",
        ),
    )
)

register(
    Identity(
        id="quadratic.weighted-s",
        title="Gradient of a weighted squared distance with respect to the centre",
        formula=r"\nabla_s (x - s)^\top W (x - s) = -2 W (x - s)",
        wrt="s",
        kind="gradient",
        value=weighted_distance,
        derivative=grad_weighted_distance_s,
        structure={"W": "symmetric"},
        symbolic=lambda x, s, W: (
            ((x - s).T * _symmetric(W) * (x - s))[0, 0],
            -2 * _symmetric(W) * (x - s),
        ),
        derivation=r"""
The same form, now through $r = x - s$ with $dr = -ds$: $df = 2 r^\top W\, dr = -2 r^\top
W\, ds$, so $\nabla_s f = -2W(x - s)$. The two minus signs cancel in the Hessian, $2W$.
""",
        hessian=hessian_weighted_distance,
        hessian_formula=r"\nabla_s^2 (x - s)^\top W (x - s) = 2 W",
        mistakes=(
            Mistake(
                "2 W (x - s)",
                lambda x, s, W: 2 * W @ (x - s),
                "the gradient with respect to x: the minus sign of dr = -ds is lost",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial f}{\partial s} = -2 (x - s)^\top W"
            r"\ \text{(a row vector)}",
            "cookbook": r"\frac{\partial}{\partial s}(x - s)^T W (x - s) = -2W(x - s)"
            r"\ \text{(eq. 86, same layout)}",
        },
        related=("quadratic.weighted-x", "quadratic.wls-s"),
        cookbook=(86,),
        assumptions=WEIGHTED + "; for a general W it is -(W + W^T)(x - s)",
        sources=(cookbook_source(86),),
        keywords=("mahalanobis distance", "weighted distance", "(x - s)^T W (x - s)", "mean"),
    )
)


def _check_eq89(rng):
    """Eq. 89 read as the LMS cost |a - x^H b|^2 with the complex gradient d/dRe x + i d/dIm x.

    The cost is a real quadratic polynomial in (Re x, Im x), so central differences with a
    unit step are exact up to rounding; returns the relative error of the printed gradient.
    """
    n = 3
    x, b = (
        rng.standard_normal(n) + 1j * rng.standard_normal(n),
        rng.standard_normal(n) + 1j * (rng.standard_normal(n)),
    )
    a = complex(rng.standard_normal(), rng.standard_normal())

    def cost(x):
        e = a - x.conj() @ b
        return (e * e.conjugate()).real

    def partial(direction):
        return np.array(
            [(cost(x + direction * e) - cost(x - direction * e)) / 2 for e in np.eye(n)]
        )

    numerical = partial(1.0) + 1j * partial(1j)
    printed = -2 * b * (a - x.conj() @ b).conjugate()
    return float(np.max(np.abs(numerical - printed)) / np.max(np.abs(printed)))


COOKBOOK_NOTES = {
    89: Note(
        "complex",
        "Complex-valued (the LMS algorithm): x, b are complex and the printed square is the "
        "squared modulus |a - x^H b|^2. In the Cookbook's complex-gradient convention for a real "
        "function (section 4: d/dRe x + i d/dIm x = 2 d/d conj(x)) the printed -2b(a - x^H b)^* "
        "is right; checked numerically in that convention (the catalog holds real identities "
        "only).",
        see=("quadratic.least-squares", "quadratic.bilinear-x"),
        check=_check_eq89,
    ),
    96: Note(
        "definition",
        "Defines f = x^T A x + b^T x, whose gradient (eq. 97) and Hessian (eq. 98) are verified.",
        see=("quadratic.grad-x-affine",),
    ),
}


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "in-vector",
        "Quadratic forms in a vector",
        (
            "quadratic.grad-x",
            "quadratic.grad-x-symmetric",
            "quadratic.grad-x-affine",
            "quadratic.bilinear-x",
            "quadratic.bilinear-y",
            "quadratic.affine-bilinear",
        ),
    ),
    (
        "in-matrix",
        "Quadratic forms in a matrix",
        (
            "quadratic.grad-A",
            "quadratic.sum-squared",
            "quadratic.gram-bilinear",
            "quadratic.weighted-bilinear-X",
            "quadratic.affine-quadratic-X",
            "quadratic.jac-XTBX",
        ),
    ),
    (
        "least-squares",
        "Least squares and weighted residuals",
        (
            "quadratic.least-squares",
            "quadratic.least-squares-A",
            "quadratic.weighted-x",
            "quadratic.weighted-s",
            "quadratic.wls-x",
            "quadratic.wls-s",
            "quadratic.wls-A",
        ),
    ),
)
