"""Inverses: the derivative of a matrix inverse and of expressions that contain one."""

import numpy as np
import sympy as sp

from gradref.catalog import Identity, Mistake, register
from gradref.identities.linear import COOKBOOK
from gradref.shapes import STRUCTURES, Arr, shaped, shaped_like


def _inv(X):
    """``X^{-1}`` for sympy, as ``adj(X) / det X`` (its definition; cheaper than elimination)."""
    return X.adjugate() / X.det()


def _well_conditioned(rng, n):
    """A well-conditioned, non-symmetric invertible n x n matrix (the "invertible" tag)."""
    return STRUCTURES["invertible"][0](rng, (n, n))


# -- eq. (59): the inverse of a matrix function of a scalar ------------------------------


@shaped
def inverse_of_affine(A: Arr["2 2"], B: Arr["2 2"], x: Arr["1"]):
    """The inverse ``Y(x)^{-1}`` of ``Y(x) = A + x B``, for a scalar ``x`` (held as ``x[0]``).

    >>> inverse_of_affine(np.eye(2), np.eye(2), np.array([1.0]))
    array([[0.5, 0. ],
           [0. , 0.5]])
    """
    return np.linalg.inv(A + x[0] * B)


@shaped_like(inverse_of_affine)
def jac_inverse_of_affine(A, B, x):
    """``d Y^{-1} / dx = -Y^{-1} (dY/dx) Y^{-1}`` with ``dY/dx = B``, shaped ``(n, n, 1)``."""
    Y_inv = np.linalg.inv(A + x[0] * B)
    return (-Y_inv @ B @ Y_inv)[..., None]


def _sample_affine(rng, _n, n=2):
    # Y(x) = A + x B is drawn well-conditioned and non-symmetric: Y first, then A = Y - x B.
    x = rng.standard_normal(1)
    B = rng.standard_normal((n, n))
    return {"A": _well_conditioned(rng, n) - x[0] * B, "B": B, "x": x}


register(
    Identity(
        id="inverses.scalar-parameter",
        title="Derivative of the inverse of a matrix that depends on a scalar",
        formula=r"\frac{d}{dx}\,(A + xB)^{-1} = -Y^{-1} B\, Y^{-1},\quad Y = A + xB",
        wrt="x",
        kind="jacobian",
        value=inverse_of_affine,
        derivative=jac_inverse_of_affine,
        sample=_sample_affine,
        fixed_dimension=True,
        symbolic=lambda A, B, x: (
            _inv(A + x[0, 0] * B),
            sp.Matrix(list(-_inv(A + x[0, 0] * B) * B * _inv(A + x[0, 0] * B))),
        ),
        derivation=r"""
Differentiate $Y(x)\,Y(x)^{-1} = I$ with the product rule:
$\frac{dY}{dx} Y^{-1} + Y \frac{dY^{-1}}{dx} = 0$, so
$\frac{dY^{-1}}{dx} = -Y^{-1}\frac{dY}{dx}Y^{-1}$ (eq. 59 for any differentiable $Y$).
Here $Y(x) = A + xB$ is the concrete instance that is checked, with $\frac{dY}{dx} = B$.
""",
        mistakes=(
            Mistake(
                r"-Y^{-2} B",
                lambda A, B, x: (-np.linalg.matrix_power(np.linalg.inv(A + x[0] * B), 2) @ B)[
                    ..., None
                ],
                "the scalar rule d(1/y) = -y'/y^2, which needs the factors to commute",
            ),
        ),
        conventions={
            "numerator": r"\frac{dY^{-1}}{dx} = -Y^{-1} B\, Y^{-1}"
            r"\ \text{(a matrix function of a scalar: the same in every layout)}",
            "cookbook": r"\frac{\partial Y^{-1}}{\partial x} = -Y^{-1}"
            r"\frac{\partial Y}{\partial x}Y^{-1}\ \text{(eq. 59, any } Y(x))",
        },
        related=("inverses.entrywise",),
        cookbook=(59,),
        assumptions="Y(x) = A + xB invertible at x; x a scalar (declared as a vector of length 1); "
        "A, B of any size n (declared and checked at n = 2: sympy's exact check is slow at n = 3)",
        sources=(f"{COOKBOOK}, eq. (59), p. 9, with the concrete Y(x) = A + xB",),
        keywords=(
            "derivative of the inverse",
            "derivative of an inverse matrix",
            "d(Y^-1)/dx",
            "inverse",
            "matrix inverse",
            "-Y^-1 dY Y^-1",
        ),
    )
)


# -- eq. (60): entry by entry ---------------------------------------------------------


@shaped
def inverse(X: Arr["2 2"]):
    """The matrix inverse ``X^{-1}``.

    >>> inverse(np.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    return np.linalg.inv(X)


@shaped_like(inverse)
def jac_inverse(X):
    """``d(X^{-1})_kl / dX_ij = -(X^{-1})_ki (X^{-1})_jl``, shaped as ``[k, l, i, j]``."""
    X_inv = np.linalg.inv(X)
    return -np.einsum("ki,jl->klij", X_inv, X_inv)


def _symbolic_inverse(X):
    W = _inv(X)
    n = X.rows
    entries = {
        (k, col, i, j): -W[k, i] * W[j, col]
        for k in range(n)
        for col in range(n)
        for i in range(n)
        for j in range(n)
    }
    return W, sp.Array([entries[key] for key in sorted(entries)], (n, n, n, n))


register(
    Identity(
        id="inverses.entrywise",
        title="Derivative of the matrix inverse, entry by entry",
        formula=r"\frac{\partial (X^{-1})_{kl}}{\partial X_{ij}} = -(X^{-1})_{ki}\,(X^{-1})_{jl}",
        wrt="X",
        kind="jacobian",
        value=inverse,
        derivative=jac_inverse,
        structure={"X": "invertible"},
        symbolic=_symbolic_inverse,
        derivation=r"""
From $X X^{-1} = I$, $dX\,X^{-1} + X\,d(X^{-1}) = 0$, so
$d(X^{-1}) = -X^{-1}\,dX\,X^{-1}$. Taking $dX = E_{ij}$ (a one in entry $(i, j)$),
entry $(k, l)$ of $-X^{-1}E_{ij}X^{-1}$ is $-(X^{-1})_{ki}(X^{-1})_{jl}$.
""",
        mistakes=(
            Mistake(
                r"-(X^{-1})_{ik}\,(X^{-1})_{lj}",
                lambda X: -np.einsum("ik,lj->klij", np.linalg.inv(X), np.linalg.inv(X)),
                "the indices of each factor transposed, which is the derivative of X^{-T} "
                "with respect to X^T",
            ),
            Mistake(
                r"-(X^{-1})_{kl}\,(X^{-1})_{ij}",
                lambda X: -np.einsum("kl,ij->klij", np.linalg.inv(X), np.linalg.inv(X)),
                "the scalar rule -1/x^2 applied entry by entry",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{vec}(X^{-1})}{\partial \operatorname{vec}(X)}"
            r" = -X^{-\top}\otimes X^{-1}\ \text{(column-major vec, an } n^2\times n^2"
            r"\text{ matrix: } d(X^{-1}) = -X^{-1}\,dX\,X^{-1}\text{)}",
        },
        related=("inverses.scalar-parameter", "inverses.bilinear"),
        cookbook=(60,),
        assumptions="X square and invertible; its entries independent. Checked at n = 2 "
        "(sympy's exact check of all n^4 entries is slow beyond)",
        sources=(f"{COOKBOOK}, eq. (60), p. 10",),
        keywords=(
            "derivative of the inverse",
            "derivative of X^-1",
            "d(X^-1)",
            "inverse",
            "matrix inverse",
            "Jacobian of the inverse",
            "-X^-1 dX X^-1",
        ),
    )
)


# -- eq. (61): a^T X^{-1} b -------------------------------------------------------------


@shaped
def bilinear_inverse(a: Arr["n"], X: Arr["n n"], b: Arr["n"]):
    """The bilinear form ``a^T X^{-1} b``.

    >>> bilinear_inverse(np.array([1.0, 1.0]), np.diag([2.0, 4.0]), np.array([1.0, 1.0]))
    np.float64(0.75)
    """
    return a @ np.linalg.solve(X, b)


@shaped_like(bilinear_inverse)
def grad_bilinear_inverse(a, X, b):
    """Gradient of ``a^T X^{-1} b`` with respect to ``X``: ``-X^{-T} a b^T X^{-T}``."""
    X_inv_T = np.linalg.inv(X).T
    return -X_inv_T @ np.outer(a, b) @ X_inv_T


@shaped_like(bilinear_inverse)
def hessian_bilinear_inverse(a, X, b):
    """Hessian of ``a^T X^{-1} b`` in ``X``: ``d^2 f / dX_ij dX_kl``, shaped ``(n, n, n, n)``."""
    W = np.linalg.inv(X)
    u, w = W.T @ a, W @ b
    return np.einsum("li,k,j->ijkl", W, u, w) + np.einsum("i,l,jk->ijkl", u, w, W)


register(
    Identity(
        id="inverses.bilinear",
        title="Gradient of a bilinear form in the inverse",
        formula=r"\nabla_X\, a^\top X^{-1} b = -X^{-\top} a b^\top X^{-\top}",
        wrt="X",
        kind="gradient",
        value=bilinear_inverse,
        derivative=grad_bilinear_inverse,
        structure={"X": "invertible"},
        symbolic=lambda a, X, b: (
            (a.T * _inv(X) * b)[0, 0],
            -_inv(X).T * a * b.T * _inv(X).T,
        ),
        derivation=r"""
With $d(X^{-1}) = -X^{-1}dX\,X^{-1}$,
$df = -a^\top X^{-1} dX\, X^{-1} b = -\operatorname{tr}(X^{-1} b a^\top X^{-1} dX)
= \langle -X^{-\top} a b^\top X^{-\top}, dX\rangle$, so
$\nabla_X f = -X^{-\top} a b^\top X^{-\top}$.
""",
        hessian=hessian_bilinear_inverse,
        hessian_formula=r"\nabla_X^2 f[V] = X^{-\top} V^\top X^{-\top} a b^\top X^{-\top}"
        r" + X^{-\top} a b^\top X^{-\top} V^\top X^{-\top}",
        mistakes=(
            Mistake(
                r"-X^{-1} a b^\top X^{-1}",
                lambda a, X, b: -np.linalg.inv(X) @ np.outer(a, b) @ np.linalg.inv(X),
                "drops the transposes; right only for symmetric X",
            ),
            Mistake(
                r"-X^{-\top} b a^\top X^{-\top}",
                lambda a, X, b: -np.linalg.inv(X).T @ np.outer(b, a) @ np.linalg.inv(X).T,
                "swaps a and b (the gradient of b^T X^{-1} a)",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\, a^\top X^{-1} b}{\partial X} = -X^{-1} b a^\top X^{-1}",
        },
        related=("inverses.entrywise", "inverses.trace-a-inverse-b", "quadratic.grad-A"),
        cookbook=(61,),
        symbolic_dims=(1, 2),  # sympy's exact check is slow at n = 3; numerically to n = 8
        assumptions="X square and invertible; any size n",
        sources=(f"{COOKBOOK}, eq. (61), p. 10",),
        keywords=(
            "a^T X^-1 b",
            "bilinear form",
            "inverse",
            "quadratic form in the inverse",
            "x^T X^-1 x",
        ),
    )
)


# -- eq. (62): det(X^{-1}) --------------------------------------------------------------


@shaped
def det_of_inverse(X: Arr["n n"]):
    """The determinant of the inverse, ``det(X^{-1}) = 1 / det(X)``.

    >>> det_of_inverse(np.diag([2.0, 4.0]))
    np.float64(0.125)
    """
    return np.linalg.det(np.linalg.inv(X))


@shaped_like(det_of_inverse)
def grad_det_of_inverse(X):
    """Gradient of ``det(X^{-1})`` with respect to ``X``: ``-det(X^{-1}) X^{-T}``."""
    X_inv = np.linalg.inv(X)
    return -np.linalg.det(X_inv) * X_inv.T


@shaped_like(det_of_inverse)
def hessian_det_of_inverse(X):
    """Hessian of ``det(X^{-1})`` in ``X``, shaped ``(n, n, n, n)``."""
    W = np.linalg.inv(X)
    return np.linalg.det(W) * (np.einsum("lk,ji->ijkl", W, W) + np.einsum("li,jk->ijkl", W, W))


register(
    Identity(
        id="inverses.det",
        title="Gradient of the determinant of the inverse",
        formula=r"\nabla_X \det(X^{-1}) = -\det(X^{-1})\, X^{-\top}",
        wrt="X",
        kind="gradient",
        value=det_of_inverse,
        derivative=grad_det_of_inverse,
        structure={"X": "invertible"},
        symbolic=lambda X: (1 / X.det(), -(1 / X.det()) * _inv(X).T),
        derivation=r"""
$\det(X^{-1}) = \det(X)^{-1}$, and $d\det X = \det(X)\operatorname{tr}(X^{-1}dX)$
(Jacobi). The chain rule gives $df = -\det(X)^{-2}\, d\det X
= -\det(X^{-1})\operatorname{tr}(X^{-1}dX) = \langle -\det(X^{-1})X^{-\top}, dX\rangle$.
""",
        hessian=hessian_det_of_inverse,
        hessian_formula=r"\nabla_X^2 f[V] = \det(X^{-1})\left(\operatorname{tr}(X^{-1}V)\,"
        r"X^{-\top} + X^{-\top} V^\top X^{-\top}\right)",
        mistakes=(
            Mistake(
                r"-\det(X^{-1})\, X^{-1}",
                lambda X: -np.linalg.det(np.linalg.inv(X)) * np.linalg.inv(X),
                "forgets the transpose of the cofactor matrix; right only for symmetric X",
            ),
            Mistake(
                r"\det(X^{-1})\, X^{-\top}",
                lambda X: np.linalg.det(np.linalg.inv(X)) * np.linalg.inv(X).T,
                "the derivative of det(X) divided by det(X)^2 without its minus sign",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \det(X^{-1})}{\partial X} = -\det(X^{-1})\, X^{-1}",
            "cookbook": r"-\det(X^{-1})(X^{-1})^T\ \text{(eq. 62)}",
        },
        related=("eigenvalues.product", "inverses.entrywise"),
        cookbook=(62,),
        assumptions="X square and invertible",
        sources=(f"{COOKBOOK}, eq. (62), p. 10",),
        keywords=(
            "determinant of the inverse",
            "det(X^-1)",
            "1/det(X)",
            "inverse",
            "determinant",
        ),
    )
)


# -- eq. (63): tr(A X^{-1} B) ------------------------------------------------------------


@shaped
def trace_a_inverse_b(A: Arr["p n"], X: Arr["n n"], B: Arr["n p"]):
    """The trace ``tr(A X^{-1} B)``.

    >>> trace_a_inverse_b(np.ones((3, 2)), np.diag([2.0, 4.0]), np.ones((2, 3)))
    np.float64(2.25)
    """
    return np.trace(A @ np.linalg.solve(X, B))


def _sample_a_inverse_b(rng, n):
    # A taller than X is wide (p = n + 1), so that A and B are not square at any size.
    return {
        "A": rng.standard_normal((n + 1, n)),
        "X": _well_conditioned(rng, n),
        "B": rng.standard_normal((n, n + 1)),
    }


@shaped_like(trace_a_inverse_b)
def grad_trace_a_inverse_b(A, X, B):
    """Gradient of ``tr(A X^{-1} B)`` with respect to ``X``: ``-(X^{-1} B A X^{-1})^T``."""
    X_inv = np.linalg.inv(X)
    return -(X_inv @ B @ A @ X_inv).T


@shaped_like(trace_a_inverse_b)
def hessian_trace_a_inverse_b(A, X, B):
    """Hessian of ``tr(A X^{-1} B)`` in ``X``, shaped ``(n, n, n, n)``."""
    W = np.linalg.inv(X)
    C = W @ B @ A @ W
    return np.einsum("jk,li->ijkl", W, C) + np.einsum("jk,li->ijkl", C, W)


register(
    Identity(
        id="inverses.trace-a-inverse-b",
        title="Gradient of the trace of a product with an inverse",
        formula=r"\nabla_X \operatorname{tr}(A X^{-1} B) = -(X^{-1} B A X^{-1})^\top",
        wrt="X",
        kind="gradient",
        value=trace_a_inverse_b,
        derivative=grad_trace_a_inverse_b,
        structure={"X": "invertible"},
        sample=_sample_a_inverse_b,
        symbolic=lambda A, X, B: (
            (A * _inv(X) * B).trace(),
            -(_inv(X) * B * A * _inv(X)).T,
        ),
        derivation=r"""
$df = \operatorname{tr}(A\, d(X^{-1})\, B) = -\operatorname{tr}(A X^{-1} dX\, X^{-1} B)
= -\operatorname{tr}(X^{-1} B A X^{-1} dX)$ (cyclic), which is
$\langle -(X^{-1}BAX^{-1})^\top, dX\rangle$.
""",
        hessian=hessian_trace_a_inverse_b,
        hessian_formula=r"\nabla_X^2 f[V] = (X^{-1} V X^{-1} B A X^{-1}"
        r" + X^{-1} B A X^{-1} V X^{-1})^\top",
        mistakes=(
            Mistake(
                r"-X^{-1} B A X^{-1}",
                lambda A, X, B: -np.linalg.inv(X) @ B @ A @ np.linalg.inv(X),
                "the numerator-layout derivative, the transpose of the gradient",
            ),
            Mistake(
                r"-(X^{-1} A^\top B^\top X^{-1})^\top",
                lambda A, X, B: -(np.linalg.inv(X) @ A.T @ B.T @ np.linalg.inv(X)).T,
                "transposes A and B in place instead of cycling BA to the front",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(AX^{-1}B)}{\partial X}"
            r" = -X^{-1} B A X^{-1}",
            "cookbook": r"-(X^{-1}BAX^{-1})^T = -X^{-T}A^TB^TX^{-T}\ \text{(eqs. 63, 124)}",
        },
        related=("inverses.bilinear", "traces.axb", "inverses.trace-inverse-of-sum"),
        cookbook=(63,),
        symbolic_dims=(1, 2),  # sympy's exact check is slow at n = 3; numerically to n = 8
        assumptions="X square and invertible; A and B of compatible rectangular shapes, any sizes",
        sources=(f"{COOKBOOK}, eq. (63), p. 10 (printed again as eq. (124))",),
        keywords=(
            "tr(A X^-1 B)",
            "trace of the inverse",
            "trace with an inverse",
            "inverse",
            "trace",
        ),
    )
)


# -- eq. (64): tr((X + A)^{-1}) ----------------------------------------------------------


@shaped
def trace_inverse_of_sum(X: Arr["n n"], A: Arr["n n"]):
    """The trace of an inverse, ``tr((X + A)^{-1})``.

    >>> trace_inverse_of_sum(np.eye(2), np.eye(2))
    np.float64(1.0)
    """
    return np.trace(np.linalg.inv(X + A))


@shaped_like(trace_inverse_of_sum)
def grad_trace_inverse_of_sum(X, A):
    """Gradient of ``tr((X + A)^{-1})`` with respect to ``X``: ``-((X+A)^{-1} (X+A)^{-1})^T``."""
    Y_inv = np.linalg.inv(X + A)
    return -(Y_inv @ Y_inv).T


@shaped_like(trace_inverse_of_sum)
def hessian_trace_inverse_of_sum(X, A):
    """Hessian of ``tr((X + A)^{-1})`` in ``X``, shaped ``(n, n, n, n)``."""
    W = np.linalg.inv(X + A)
    W2 = W @ W
    return np.einsum("jk,li->ijkl", W, W2) + np.einsum("jk,li->ijkl", W2, W)


def _sample_sum(rng, n):
    # X + A is drawn well-conditioned and non-symmetric: the sum first, then X = sum - A.
    A = rng.standard_normal((n, n))
    return {"X": _well_conditioned(rng, n) - A, "A": A}


register(
    Identity(
        id="inverses.trace-inverse-of-sum",
        title="Gradient of the trace of the inverse of a shifted matrix",
        formula=r"\nabla_X \operatorname{tr}\big((X + A)^{-1}\big)"
        r" = -\big((X + A)^{-1}(X + A)^{-1}\big)^\top",
        wrt="X",
        kind="gradient",
        value=trace_inverse_of_sum,
        derivative=grad_trace_inverse_of_sum,
        sample=_sample_sum,
        symbolic=lambda X, A: (
            _inv(X + A).trace(),
            -(_inv(X + A) * _inv(X + A)).T,
        ),
        derivation=r"""
With $Y = X + A$, $dY = dX$ and $d(Y^{-1}) = -Y^{-1}dX\,Y^{-1}$, so
$df = -\operatorname{tr}(Y^{-1}dX\,Y^{-1}) = -\operatorname{tr}(Y^{-2}dX)$ (cyclic)
$= \langle -(Y^{-2})^\top, dX\rangle$. With $A = 0$ this is
$\nabla_X \operatorname{tr}(X^{-1}) = -X^{-2\top}$.
""",
        hessian=hessian_trace_inverse_of_sum,
        hessian_formula=r"\nabla_X^2 f[V] = (Y^{-1} V Y^{-2} + Y^{-2} V Y^{-1})^\top,"
        r"\quad Y = X + A",
        mistakes=(
            Mistake(
                r"-(X + A)^{-1}(X + A)^{-1}",
                lambda X, A: -np.linalg.matrix_power(np.linalg.inv(X + A), 2),
                "the numerator-layout derivative, the transpose of the gradient",
            ),
            Mistake(
                r"-(X + A)^{-\top}",
                lambda X, A: -np.linalg.inv(X + A).T,
                "one inverse too few: differentiates tr(ln Y) rather than tr(Y^{-1})",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}((X+A)^{-1})}{\partial X}"
            r" = -(X+A)^{-2}",
        },
        related=("inverses.trace-a-inverse-b", "inverses.entrywise"),
        cookbook=(64,),
        symbolic_dims=(1, 2),  # sympy's exact check is slow at n = 3; numerically to n = 8
        assumptions="X + A invertible (X and A square; not necessarily symmetric); any size n",
        sources=(f"{COOKBOOK}, eq. (64), p. 10",),
        keywords=(
            "trace of the inverse",
            "tr(X^-1)",
            "tr((X+A)^-1)",
            "inverse",
            "trace",
        ),
    )
)


# -- section 2.2, unnumbered: a function of W = A^{-1} ----------------------------------


@shaped
def half_squared_norm_of_inverse(A: Arr["2 2"]):
    """``J(A) = ||A^{-1}||_F^2 / 2``, a function of ``W = A^{-1}``.

    >>> half_squared_norm_of_inverse(np.diag([1.0, 2.0]))
    np.float64(0.625)
    """
    W = np.linalg.inv(A)
    return np.sum(W * W) / 2


@shaped_like(half_squared_norm_of_inverse)
def grad_half_squared_norm_of_inverse(A):
    """Gradient ``-A^{-T} (dJ/dW) A^{-T}`` with ``dJ/dW = W = A^{-1}``: ``-A^{-T} A^{-1} A^{-T}``."""
    W = np.linalg.inv(A)
    return -W.T @ W @ W.T


@shaped_like(half_squared_norm_of_inverse)
def hessian_half_squared_norm_of_inverse(A):
    """Hessian of ``||A^{-1}||_F^2 / 2`` in ``A``, shaped ``(n, n, n, n)``."""
    W = np.linalg.inv(A)
    Wt = W.T
    WtW, WWt, WtWWt = Wt @ W, W @ Wt, Wt @ W @ Wt
    return (
        np.einsum("il,kj->ijkl", Wt, WtWWt)
        + np.einsum("ik,lj->ijkl", WtW, WWt)
        + np.einsum("il,kj->ijkl", WtWWt, Wt)
    )


register(
    Identity(
        id="inverses.function-of-inverse",
        title="Gradient of a function of the inverse: the chain rule through W = A^{-1}",
        formula=r"\nabla_A J = -A^{-\top}\,(\nabla_W J)\,A^{-\top};\quad"
        r"\nabla_A\,\tfrac12\lVert A^{-1}\rVert_F^2 = -A^{-\top}A^{-1}A^{-\top}",
        wrt="A",
        kind="gradient",
        value=half_squared_norm_of_inverse,
        derivative=grad_half_squared_norm_of_inverse,
        structure={"A": "invertible"},
        symbolic=lambda A: (
            sum((w * w for w in _inv(A)), sp.Integer(0)) / 2,
            -_inv(A).T * _inv(A) * _inv(A).T,
        ),
        derivation=r"""
For any $J$ of $W = A^{-1}$: $dW = -W\,dA\,W$, so
$dJ = \langle \nabla_W J, dW\rangle = -\operatorname{tr}((\nabla_W J)^\top W\,dA\,W)
= \langle -W^\top (\nabla_W J) W^\top, dA\rangle$. The instance checked here is
$J = \tfrac12\lVert W\rVert_F^2$, whose $\nabla_W J = W$.
""",
        hessian=hessian_half_squared_norm_of_inverse,
        hessian_formula=r"\nabla_A^2 J[V] = W^\top V^\top W^\top W W^\top"
        r" + W^\top W V W W^\top + W^\top W W^\top V^\top W^\top,\quad W = A^{-1}",
        mistakes=(
            Mistake(
                r"-A^{-1} A^{-1} A^{-1}",
                lambda A: -np.linalg.matrix_power(np.linalg.inv(A), 3),
                "the chain rule with A^{-1} on both sides instead of A^{-T}",
            ),
            Mistake(
                r"-A^{-\top} A^{-1}",
                lambda A: -np.linalg.inv(A).T @ np.linalg.inv(A),
                "treats dW = -W dA W as dW = -W dA, dropping a factor",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial J}{\partial A} = -A^{-1}\frac{\partial J}{\partial W}"
            r"A^{-1}\ \text{(with } \tfrac{\partial J}{\partial W}\text{ in numerator layout)}",
            "cookbook": r"\frac{\partial J}{\partial A} = -A^{-T}\frac{\partial J}{\partial W}"
            r"A^{-T}\ \text{(section 2.2, unnumbered)}",
        },
        related=("inverses.bilinear", "inverses.trace-a-inverse-b", "inverses.entrywise"),
        cookbook=(),
        assumptions="A square and invertible; J differentiable in W = A^{-1}; the instance "
        "checked is J = ||W||_F^2 / 2, at n = 2 (sympy's exact check is slow at n = 3)",
        sources=(
            f"{COOKBOOK}, section 2.2, p. 10, the unnumbered formula after eq. (64), "
            "with the concrete J(W) = ||W||_F^2 / 2",
        ),
        keywords=(
            "function of the inverse",
            "chain rule through the inverse",
            "dJ/dA",
            "-A^-T dJ/dW A^-T",
            "Frobenius norm of the inverse",
            "inverse",
        ),
    )
)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "derivative",
        "Derivative of the matrix inverse",
        (
            "inverses.entrywise",
            "inverses.scalar-parameter",
        ),
    ),
    (
        "scalar-functions",
        "Scalar functions of the inverse",
        (
            "inverses.bilinear",
            "inverses.trace-a-inverse-b",
            "inverses.trace-inverse-of-sum",
            "inverses.det",
            "inverses.function-of-inverse",
        ),
    ),
)
