"""Linear maps and linear forms: ``<a, x>``, ``A x``, ``a^T X b`` and the Jacobians of
``X -> X``, ``X -> X A`` and ``X -> X^T A`` (Matrix Cookbook 2012, section 2.4.1)."""

import itertools

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.cookbook import PAGES
from gradref.shapes import Arr, shaped, shaped_like

SHEET = "Course sheet 01, *Gradients manipulations* (2023)"
COOKBOOK = "Petersen & Pedersen, *The Matrix Cookbook*, version of 15 November 2012"


def cookbook_source(equation: int, note: str = "") -> str:
    """The citation of a Cookbook equation with its page, e.g. "..., eq. (70), p. 10"."""
    return f"{COOKBOOK}, eq. ({equation}), p. {PAGES[equation]}" + (f", {note}" if note else "")


def sym_tensor(shape, entry):
    """A sympy Array of ``shape`` whose entry at ``index`` is ``entry(*index)``."""
    import sympy as sp

    return sp.Array([entry(*index) for index in itertools.product(*map(range, shape))], shape)


def single_entry(rows: int, cols: int, i: int, j: int):
    """The sympy single-entry matrix ``J^{ij}`` of shape rows x cols (Cookbook section 9.7)."""
    import sympy as sp

    J = sp.zeros(rows, cols)
    J[i, j] = 1
    return J


@shaped
def inner(a: Arr["n"], x: Arr["n"]):
    """The inner product ``<a, x> = a^T x``.

    >>> inner(np.array([1.0, 2.0]), np.array([3.0, -1.0]))
    np.float64(1.0)
    """
    return a @ x


@shaped_like(inner)
def grad_inner(a, x):
    """Gradient of ``<a, x>`` with respect to ``x``: ``a`` (it does not depend on ``x``).

    >>> grad_inner(np.array([1.0, 2.0]), np.array([3.0, -1.0]))
    array([1., 2.])
    """
    return a.copy()


@shaped
def matvec(A: Arr["n m"], x: Arr["m"]):
    """The linear map ``x -> A x``.

    >>> matvec(np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0]]), np.array([1.0, 1.0, 1.0]))
    array([3., 0.])
    """
    return A @ x


@shaped_like(matvec)
def jac_matvec(A, x):
    """Jacobian of ``x -> A x``: the matrix ``A`` itself, n x m (rows are outputs).

    >>> jac_matvec(np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0]]), np.zeros(3)).shape
    (2, 3)
    """
    return A.copy()


@shaped_like(matvec)
def jac_matvec_wrt_matrix(A, x):
    """Jacobian of ``A -> A x``: ``d(Ax)_i / dA_jk = delta_ij x_k``, shape n x n x m."""
    return np.einsum("ij,k->ijk", np.eye(A.shape[0]), x)


@shaped
def bilinear_in_matrix(a: Arr["m"], X: Arr["m n"], b: Arr["n"]):
    """The bilinear form ``a^T X b``, a linear function of the matrix ``X``.

    >>> bilinear_in_matrix(np.array([1.0, 2.0]), np.eye(2), np.array([3.0, 1.0]))
    np.float64(5.0)
    """
    return a @ X @ b


@shaped_like(bilinear_in_matrix)
def grad_bilinear_in_matrix(a, X, b):
    """Gradient of ``a^T X b`` with respect to ``X``: the outer product ``a b^T``."""
    return np.outer(a, b)


@shaped
def bilinear_in_transpose(a: Arr["n"], X: Arr["m n"], b: Arr["m"]):
    """The bilinear form ``a^T X^T b`` (``= b^T X a``), linear in ``X``.

    >>> bilinear_in_transpose(np.array([1.0, 2.0]), np.eye(2), np.array([3.0, 1.0]))
    np.float64(5.0)
    """
    return a @ X.T @ b


@shaped_like(bilinear_in_transpose)
def grad_bilinear_in_transpose(a, X, b):
    """Gradient of ``a^T X^T b`` with respect to ``X``: ``b a^T``, shaped like ``X``."""
    return np.outer(b, a)


@shaped
def transposed_quadratic_in_matrix(a: Arr["n"], X: Arr["n n"]):
    """The form ``a^T X^T a``, which equals ``a^T X a``; linear in ``X``.

    >>> transposed_quadratic_in_matrix(np.array([1.0, 2.0]), np.array([[0.0, 1.0], [0.0, 0.0]]))
    np.float64(2.0)
    """
    return a @ X.T @ a


@shaped_like(transposed_quadratic_in_matrix)
def grad_transposed_quadratic_in_matrix(a, X):
    """Gradient of ``a^T X^T a`` with respect to ``X``: ``a a^T``."""
    return np.outer(a, a)


@shaped
def identity_map(X: Arr["m n"]):
    """The identity map ``X -> X`` of m x n matrices.

    >>> identity_map(np.array([[1.0, 2.0]]))
    array([[1., 2.]])
    """
    return X.copy()


@shaped_like(identity_map)
def jac_identity_map(X):
    """Jacobian of ``X -> X``: ``dX_kl / dX_ij = delta_ik delta_jl``; slice ``[:, :, i, j]`` is ``J^{ij}``."""
    m, n = X.shape
    return np.einsum("ki,lj->klij", np.eye(m), np.eye(n))


@shaped
def right_product(X: Arr["m n"], A: Arr["n p"]):
    """The linear map ``X -> X A``.

    >>> right_product(np.array([[1.0, 2.0]]), np.array([[1.0], [1.0]]))
    array([[3.]])
    """
    return X @ A


@shaped_like(right_product)
def jac_right_product(X, A):
    """Jacobian of ``X -> X A``: ``d(XA)_ij / dX_mn = delta_im A_nj``, shape (m, p, m, n)."""
    return np.einsum("im,nj->ijmn", np.eye(X.shape[0]), A)


@shaped
def transposed_product(X: Arr["m n"], A: Arr["m p"]):
    """The linear map ``X -> X^T A``.

    >>> transposed_product(np.array([[1.0, 2.0]]), np.array([[3.0]]))
    array([[3.],
           [6.]])
    """
    return X.T @ A


@shaped_like(transposed_product)
def jac_transposed_product(X, A):
    """Jacobian of ``X -> X^T A``: ``d(X^T A)_ij / dX_mn = delta_in A_mj``, shape (n, p, m, n)."""
    return np.einsum("in,mj->ijmn", np.eye(X.shape[1]), A)


def _general_inner():
    import sympy as sp

    n = sp.Symbol("n", integer=True, positive=True)
    a, x = sp.MatrixSymbol("a", n, 1), sp.MatrixSymbol("x", n, 1)
    return a.T * x, x, a


def _general_matvec():
    import sympy as sp

    n, m = sp.symbols("n m", integer=True, positive=True)
    A, x = sp.MatrixSymbol("A", n, m), sp.MatrixSymbol("x", m, 1)
    return A * x, x, A


register(
    Identity(
        id="linear.inner",
        title="Gradient of an inner product",
        formula=r"\nabla_x \langle a, x\rangle = \nabla_x\, a^\top x = \nabla_x\, x^\top a = a",
        wrt="x",
        kind="gradient",
        value=inner,
        derivative=grad_inner,
        symbolic=lambda a, x: ((a.T * x)[0, 0], a),
        general=_general_inner,
        derivation=r"""
$f(x) = a^\top x = \sum_i a_i x_i$ is linear, so its differential is the function itself
applied to $dx$: $df = a^\top dx = \langle a, dx\rangle$. The gradient is what multiplies
$dx$ in this inner product, $\nabla_x f = a$. Since $x^\top a = a^\top x$ (a scalar is its
own transpose), the same holds for $x^\top a$.
""",
        hessian="zero",
        hessian_formula=r"\nabla_x^2\, a^\top x = 0",
        mistakes=(
            Mistake(
                "x",
                lambda a, x: x,
                "differentiates the wrong factor: the variable disappears from a linear "
                "form's gradient, the constant stays",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\, a^\top x}{\partial x} = a^\top"
            r"\ \text{(a row vector)}",
            "cookbook": r"\frac{\partial x^T a}{\partial x} = \frac{\partial a^T x}{\partial x}"
            r" = a\ \text{(eq. 69, same layout)}",
        },
        related=("linear.matvec", "linear.bilinear-X", "quadratic.grad-x"),
        cookbook=(69,),
        assumptions="a and x of the same length; a does not depend on x",
        sources=(f"{SHEET}, exercise 3a", cookbook_source(69)),
        exercise="3a",
        keywords=(
            "inner product",
            "dot product",
            "scalar product",
            "linear form",
            "linear function",
            "a^T x",
            "a^Tx",
            "aᵀx",
            "x^T a",
        ),
    )
)

register(
    Identity(
        id="linear.matvec",
        title="Jacobian of a matrix-vector product",
        formula=r"J_{x \mapsto Ax}(x) = A \in \mathbb{R}^{n \times m}",
        wrt="x",
        kind="jacobian",
        value=matvec,
        derivative=jac_matvec,
        symbolic=lambda A, x: (A * x, A),
        general=_general_matvec,
        derivation=r"""
Output $i$ is $(Ax)_i = \sum_j A_{ij} x_j$, so $\partial (Ax)_i / \partial x_j = A_{ij}$:
row $i$ of the Jacobian (outputs $\times$ inputs) is row $i$ of $A$. In differentials,
$d(Ax) = A\, dx$, and the Jacobian is the matrix that maps $dx$ to $d(Ax)$.
""",
        mistakes=(
            Mistake(
                "A^\\top",
                lambda A, x: A.T,
                "the transposed (denominator-layout) Jacobian, m x n instead of n x m",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial (Ax)}{\partial x} = A\ \text{(numerator layout is"
            r" this reference's Jacobian layout)}",
            "cookbook": r"\frac{\partial Ax}{\partial x} = A\ \text{with }"
            r"\left[\frac{\partial x}{\partial y}\right]_{ij} = \frac{\partial x_i}{\partial y_j}",
        },
        related=("linear.inner", "linear.matvec-A", "linear.right-product"),
        assumptions="A constant, any shape n x m",
        sources=(f"{SHEET}, exercise 3b",),
        exercise="3b",
        keywords=(
            "jacobian",
            "matrix-vector product",
            "matrix vector product",
            "linear map",
            "Ax",
            "jacobian of a linear map",
        ),
    )
)

register(
    Identity(
        id="linear.matvec-A",
        title="Jacobian of a matrix-vector product with respect to the matrix",
        formula=r"\frac{\partial (Ax)_i}{\partial A_{jk}} = \delta_{ij}\, x_k",
        wrt="A",
        kind="jacobian",
        value=matvec,
        derivative=jac_matvec_wrt_matrix,
        symbolic=lambda A, x: (
            A * x,
            sym_tensor((A.rows, A.rows, A.cols), lambda i, j, k: x[k] if i == j else 0),
        ),
        derivation=r"""
$d(Ax) = dA\, x$, so $d(Ax)_i = \sum_k dA_{ik}\, x_k$: output $i$ depends only on row $i$
of $A$, with coefficients $x$. Hence $\partial (Ax)_i / \partial A_{jk} = \delta_{ij} x_k$,
an $n \times n \times m$ array; flattened row-major it is the Kronecker product
$I_n \otimes x^\top$.
""",
        mistakes=(
            Mistake(
                "x^\\top \\otimes I_n",
                lambda A, x: np.kron(x[None, :], np.eye(A.shape[0])).reshape(A.shape[0], *A.shape),
                "the column-major vec form d(Ax)/d vec(A) = x^T ⊗ I, used with entries of A "
                "taken row by row",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial (Ax)}{\partial \operatorname{vec}_{\text{row}}(A)}"
            r" = I_n \otimes x^\top",
            "cookbook": r"\frac{\partial\, \operatorname{vec}(Ax)}{\partial\, \operatorname{vec}(A)}"
            r" = x^\top \otimes I_n\ \text{(column-major vec)}",
        },
        related=("linear.matvec", "linear.bilinear-X"),
        assumptions="x constant; A any shape n x m",
        sources=(cookbook_source(74, "the case X = A, A = x, written for a vector"),),
        keywords=(
            "derivative of Ax with respect to A",
            "jacobian with respect to a matrix",
            "Ax",
            "kronecker",
            "vec",
        ),
    )
)

register(
    Identity(
        id="linear.bilinear-X",
        title="Gradient of a bilinear form with respect to its matrix",
        formula=r"\nabla_X\, a^\top X b = a b^\top",
        wrt="X",
        kind="gradient",
        value=bilinear_in_matrix,
        derivative=grad_bilinear_in_matrix,
        symbolic=lambda a, X, b: ((a.T * X * b)[0, 0], a * b.T),
        derivation=r"""
$a^\top X b$ is linear in $X$: $df = a^\top dX\, b = \operatorname{tr}(a^\top dX\, b)
= \operatorname{tr}(b a^\top dX)$. With $\langle G, dX\rangle = \operatorname{tr}(G^\top dX)$,
$G^\top = b a^\top$, so $\nabla_X f = a b^\top$; entry by entry,
$\partial f / \partial X_{ij} = a_i b_j$.
""",
        hessian="zero",
        hessian_formula=r"\nabla_X^2\, a^\top X b = 0",
        mistakes=(
            Mistake(
                "b a^\\top",
                lambda a, X, b: np.outer(b, a),
                "the numerator-layout derivative (the transpose), n x m instead of m x n",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\, a^\top X b}{\partial X} = b a^\top",
            "cookbook": r"\frac{\partial a^T X b}{\partial X} = a b^T\ \text{(eq. 70, same layout)}",
        },
        related=("linear.bilinear-XT", "quadratic.grad-A", "traces.axb", "quadratic.bilinear-x"),
        cookbook=(70,),
        assumptions="a, b constant; X any shape m x n",
        sources=(cookbook_source(70),),
        keywords=(
            "bilinear form",
            "a^T X b",
            "aᵀXb",
            "outer product",
            "a b^T",
            "gradient with respect to a matrix",
        ),
    )
)

register(
    Identity(
        id="linear.bilinear-XT",
        title="Gradient of a bilinear form in the transposed matrix",
        formula=r"\nabla_X\, a^\top X^\top b = b a^\top",
        wrt="X",
        kind="gradient",
        value=bilinear_in_transpose,
        derivative=grad_bilinear_in_transpose,
        symbolic=lambda a, X, b: ((a.T * X.T * b)[0, 0], b * a.T),
        derivation=r"""
A scalar equals its transpose, so $a^\top X^\top b = b^\top X a$, which is the form
$\nabla_X\, a^\top X b = a b^\top$ with the roles of $a$ and $b$ exchanged: $\nabla_X = b
a^\top$. In differentials, $df = a^\top dX^\top b = \operatorname{tr}(dX^\top\, b a^\top)
= \langle b a^\top, dX\rangle$.
""",
        hessian="zero",
        hessian_formula=r"\nabla_X^2\, a^\top X^\top b = 0",
        mistakes=(
            Mistake(
                "a b^\\top",
                lambda a, X, b: np.outer(a, b),
                "copies the answer for a^T X b without the transpose: n x m, not the shape of X",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\, a^\top X^\top b}{\partial X} = a b^\top",
            "cookbook": r"\frac{\partial a^T X^T b}{\partial X} = b a^T\ \text{(eq. 71, same layout)}",
        },
        related=("linear.bilinear-X", "linear.a-XT-a"),
        cookbook=(71,),
        assumptions="a, b constant; X any shape m x n",
        sources=(cookbook_source(71),),
        keywords=("bilinear form", "a^T X^T b", "b^T X a", "outer product", "transpose"),
    )
)

register(
    Identity(
        id="linear.a-XT-a",
        title="Gradient of a^T X^T a with respect to X",
        formula=r"\nabla_X\, a^\top X^\top a = \nabla_X\, a^\top X a = a a^\top",
        wrt="X",
        kind="gradient",
        value=transposed_quadratic_in_matrix,
        derivative=grad_transposed_quadratic_in_matrix,
        symbolic=lambda a, X: ((a.T * X.T * a)[0, 0], a * a.T),
        derivation=r"""
$a^\top X^\top a$ is a scalar, equal to its transpose $a^\top X a$; so both have the
gradient of $a^\top X b$ at $b = a$: $df = a^\top dX\, a = \operatorname{tr}(a a^\top dX)
= \langle a a^\top, dX\rangle$, and $\nabla_X = a a^\top$ (symmetric, so no transpose can
go astray here).
""",
        hessian="zero",
        hessian_formula=r"\nabla_X^2\, a^\top X^\top a = 0",
        mistakes=(
            Mistake(
                "2 a a^\\top",
                lambda a, X: 2 * np.outer(a, a),
                "the factor 2 of the quadratic form x^T A x in x, but this form is linear in X",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\, a^\top X^\top a}{\partial X} = a a^\top"
            r"\ \text{(symmetric: the same in either layout)}",
            "cookbook": r"\frac{\partial a^T X a}{\partial X} = \frac{\partial a^T X^T a}"
            r"{\partial X} = a a^T\ \text{(eq. 72)}",
        },
        related=("quadratic.grad-A", "linear.bilinear-XT"),
        cookbook=(72,),
        assumptions="a constant; X square",
        sources=(cookbook_source(72, "second form; the first is quadratic.grad-A"),),
        keywords=("a^T X^T a", "a^T X a", "a a^T", "outer product", "quadratic form"),
    )
)

register(
    Identity(
        id="linear.identity-map",
        title="Jacobian of the identity map of matrices",
        formula=r"\frac{\partial X}{\partial X_{ij}} = J^{ij},\quad "
        r"\frac{\partial X_{kl}}{\partial X_{ij}} = \delta_{ik}\delta_{jl}",
        wrt="X",
        kind="jacobian",
        value=identity_map,
        derivative=jac_identity_map,
        symbolic=lambda X: (
            X,
            sym_tensor(
                (X.rows, X.cols, X.rows, X.cols),
                lambda r, c, i, j: single_entry(X.rows, X.cols, i, j)[r, c],
            ),
        ),
        derivation=r"""
The entries of $X$ are independent variables (Cookbook eq. 32), so $\partial X_{kl} /
\partial X_{ij}$ is 1 when $(k, l) = (i, j)$ and 0 otherwise: the matrix $\partial X /
\partial X_{ij}$ is the single-entry matrix $J^{ij}$. As a Jacobian of the flattened map
it is the identity matrix of size $mn$.
""",
        mistakes=(
            Mistake(
                r"\frac{\partial X}{\partial X_{ij}} = \mathbf{1}_m\mathbf{1}_n^\top",
                lambda X: np.ones(X.shape * 2),
                "reads dX/dX_ij as the all-ones matrix, as if every entry moved with X_ij",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{vec}(X)}{\partial \operatorname{vec}(X)}"
            r" = I_{mn}",
            "cookbook": r"\frac{\partial X}{\partial X_{ij}} = J^{ij}\ \text{(eq. 73)}",
        },
        related=("linear.right-product", "linear.transposed-product"),
        cookbook=(73,),
        assumptions="entries of X independent (no symmetry or other structure)",
        sources=(cookbook_source(73),),
        keywords=("single-entry matrix", "J^ij", "identity map", "dX/dX", "kronecker delta"),
    )
)


def _right_product_j_form(X, A):
    m, n = X.shape
    products = {(r, c): single_entry(m, n, r, c) * A for r in range(m) for c in range(n)}
    return sym_tensor((m, A.cols, m, n), lambda i, j, r, c: products[r, c][i, j])


def _transposed_product_j_form(X, A):
    m, n = X.shape
    products = {(r, c): single_entry(n, m, c, r) * A for r in range(m) for c in range(n)}
    return sym_tensor((n, A.cols, m, n), lambda i, j, r, c: products[r, c][i, j])


register(
    Identity(
        id="linear.right-product",
        title="Jacobian of right multiplication, X to XA",
        formula=r"\frac{\partial (XA)_{ij}}{\partial X_{mn}} = \delta_{im} A_{nj}"
        r" = (J^{mn} A)_{ij}",
        wrt="X",
        kind="jacobian",
        value=right_product,
        derivative=jac_right_product,
        symbolic=lambda X, A: (X * A, _right_product_j_form(X, A)),
        derivation=r"""
$(XA)_{ij} = \sum_k X_{ik} A_{kj}$; differentiating with respect to $X_{mn}$ keeps the
term $i = m$, $k = n$: $\delta_{im} A_{nj}$. In matrix form $\partial (XA) / \partial
X_{mn} = (\partial X / \partial X_{mn}) A = J^{mn} A$ (linear in $X$, and $\partial X /
\partial X_{mn} = J^{mn}$).
""",
        mistakes=(
            Mistake(
                "A^\\top \\otimes I_m",
                lambda X, A: np.kron(A.T, np.eye(X.shape[0])).reshape(
                    X.shape[0], A.shape[1], *X.shape
                ),
                "the column-major vec Jacobian of X -> XA, used with entries taken row by row "
                "(row-major it is I_m ⊗ A^T)",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{vec}_{\text{row}}(XA)}"
            r"{\partial \operatorname{vec}_{\text{row}}(X)} = I_m \otimes A^\top",
            "cookbook": r"\frac{\partial (XA)_{ij}}{\partial X_{mn}} = \delta_{im}(A)_{nj}"
            r" = (J^{mn}A)_{ij}\ \text{(eq. 74)}",
        },
        related=("linear.transposed-product", "linear.identity-map", "linear.matvec-A"),
        cookbook=(74,),
        assumptions="A constant; X is m x n, A is n x p",
        sources=(cookbook_source(74),),
        keywords=("jacobian of XA", "XA", "single-entry matrix", "kronecker product", "vec"),
    )
)

register(
    Identity(
        id="linear.transposed-product",
        title="Jacobian of X to X^T A",
        formula=r"\frac{\partial (X^\top A)_{ij}}{\partial X_{mn}} = \delta_{in} A_{mj}"
        r" = (J^{nm} A)_{ij}",
        wrt="X",
        kind="jacobian",
        value=transposed_product,
        derivative=jac_transposed_product,
        symbolic=lambda X, A: (X.T * A, _transposed_product_j_form(X, A)),
        derivation=r"""
$(X^\top A)_{ij} = \sum_k X_{ki} A_{kj}$; differentiating with respect to $X_{mn}$ keeps
$k = m$, $i = n$: $\delta_{in} A_{mj}$. In matrix form $\partial X^\top / \partial X_{mn}
= (J^{mn})^\top = J^{nm}$ (an $n \times m$ single-entry matrix), so $\partial (X^\top A) /
\partial X_{mn} = J^{nm} A$.
""",
        mistakes=(
            Mistake(
                "A^\\top \\otimes I_n",
                lambda X, A: np.kron(A.T, np.eye(X.shape[1])).reshape(
                    X.shape[1], A.shape[1], *X.shape
                ),
                "the vec Jacobian with respect to X^T (not X), without the commutation matrix, "
                "and in column-major order",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{vec}_{\text{row}}(X^\top A)}"
            r"{\partial \operatorname{vec}_{\text{row}}(X)}\ \text{has entries }"
            r"\delta_{in} A_{mj}",
            "cookbook": r"\frac{\partial (X^TA)_{ij}}{\partial X_{mn}} = \delta_{in}(A)_{mj}"
            r" = (J^{nm}A)_{ij}\ \text{(eq. 75)}",
        },
        related=("linear.right-product", "linear.identity-map"),
        cookbook=(75,),
        assumptions="A constant; X is m x n, A is m x p",
        sources=(cookbook_source(75),),
        keywords=("jacobian of X^T A", "X^T A", "single-entry matrix", "transpose"),
    )
)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "forms",
        "Linear forms in a vector and a matrix",
        (
            "linear.inner",
            "linear.bilinear-X",
            "linear.bilinear-XT",
            "linear.a-XT-a",
        ),
    ),
    (
        "maps",
        "Jacobians of linear maps",
        (
            "linear.matvec",
            "linear.matvec-A",
            "linear.identity-map",
            "linear.right-product",
            "linear.transposed-product",
        ),
    ),
)
