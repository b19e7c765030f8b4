"""Differentials of matrix expressions: the rules that every other derivative is built from.

Matrix Cookbook (2012) section 2, eqs 32-45. A rule ``d(F(X)) = L(dX)`` is stated here as the
Jacobian of the map ``X -> F(X)``: an array of shape ``F.shape + X.shape`` whose entry
``[k, l, i, j]`` is ``dF_kl / dX_ij`` (the checker flattens it row-major).
"""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.cookbook import PAGES, Note
from gradref.identities.determinants import MAGNUS, _sample_square_from_2, determinant
from gradref.identities.linear import COOKBOOK
from gradref.shapes import Arr, shaped, shaped_like


def _at(equation: int) -> str:
    return f"{COOKBOOK}, eq. ({equation}), p. {PAGES[equation]}"


def _tensor(shape, entry):
    """A sympy Array of ``shape`` with ``entry(*index)`` at each index."""
    import sympy as sp

    return sp.Array([entry(*index) for index in np.ndindex(*shape)], shape)


def _delta(a, b):
    return 1 if a == b else 0


# -- eq. 36: trace -------------------------------------------------------------------------


@shaped
def matrix_trace(X: Arr["n n"]):
    """The trace ``tr X``.

    >>> matrix_trace(np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.float64(5.0)
    """
    return np.trace(X)


@shaped_like(matrix_trace)
def grad_trace(X):
    """Gradient of ``tr X``: the identity matrix."""
    return np.eye(len(X), dtype=X.dtype)


register(
    Identity(
        id="differentials.trace",
        title="Gradient of the trace with respect to X, from its differential",
        formula=r"\nabla_X \operatorname{tr}X = I",
        wrt="X",
        kind="gradient",
        value=matrix_trace,
        derivative=grad_trace,
        symbolic=lambda X: (X.trace(), __import__("sympy").eye(X.rows)),
        sources=(f"{_at(36)} (as a differential)", MAGNUS),
        derivation=r"""
The trace is linear, so $d\operatorname{tr}X = \operatorname{tr}(dX)$ (eq. 36)
$= \operatorname{tr}(I^\top dX) = \langle I, dX\rangle$: the gradient is $I$. Only the
diagonal entries $X_{ii}$ enter, each with coefficient one.
""",
        hessian="zero",
        hessian_formula=r"\nabla_X^2 \operatorname{tr}X = 0",
        mistakes=(
            Mistake(
                r"\mathbf{1}\mathbf{1}^\top",
                lambda X: np.ones_like(X),
                "counts every entry of X, as if the trace summed them all",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}X}{\partial X} = I"
            r"\ \text{(symmetric, the same in either layout)}",
            "cookbook": r"\partial(\mathrm{Tr}(X)) = \mathrm{Tr}(\partial X)"
            r"\ \text{(eq. 36, a differential)}",
        },
        related=("traces.axb",),
        cookbook=(36,),
        keywords=("differential of the trace", "tr X", "identity matrix", "differential"),
    )
)


# -- eq. 37: product --------------------------------------------------------------------------


@shaped
def matrix_product(X: Arr["m n"], Y: Arr["n p"]):
    """The product ``X Y``.

    >>> matrix_product(np.eye(2), np.array([[1.0], [2.0]]))
    array([[1.],
           [2.]])
    """
    return X @ Y


@shaped_like(matrix_product)
def jac_product_left(X, Y):
    """Jacobian of ``X Y`` with respect to ``X``: ``d(XY)_kl / dX_ij = delta_ki Y_jl``."""
    return np.einsum("ki,jl->klij", np.eye(len(X)), Y)


@shaped_like(matrix_product)
def jac_product_right(X, Y):
    """Jacobian of ``X Y`` with respect to ``Y``: ``d(XY)_kl / dY_ij = X_ki delta_lj``."""
    return np.einsum("ki,lj->klij", X, np.eye(Y.shape[1]))


register(
    Identity(
        id="differentials.product-left",
        title="Jacobian of a matrix product with respect to its left factor",
        formula=r"\frac{\partial (XY)_{kl}}{\partial X_{ij}} = \delta_{ki}\,Y_{jl}"
        r",\qquad d(XY) = dX\,Y",
        wrt="X",
        kind="jacobian",
        value=matrix_product,
        derivative=jac_product_left,
        symbolic=lambda X, Y: (
            X * Y,
            _tensor((X.rows, Y.cols, X.rows, X.cols), lambda k, el, i, j: _delta(k, i) * Y[j, el]),
        ),
        sources=(f"{_at(37)}, the term (dX)Y", MAGNUS),
        derivation=r"""
$(XY)_{kl} = \sum_j X_{kj}Y_{jl}$ is linear in $X$, and $X_{ij}$ appears only in row $k = i$,
with coefficient $Y_{jl}$: $\partial (XY)_{kl}/\partial X_{ij} = \delta_{ki}Y_{jl}$. In
differentials this is the first term of the product rule $d(XY) = dX\,Y + X\,dY$ (eq. 37);
flattened row by row it is the matrix $I_m \otimes Y^\top$.
""",
        mistakes=(
            Mistake(
                r"Y^\top \otimes I_m",
                lambda X, Y: np.kron(Y.T, np.eye(len(X))).reshape(X.shape[0], Y.shape[1], *X.shape),
                "the column-major formula vec(dX Y) = (Y^T ⊗ I) vec(dX), used with a row-major "
                "flattening (here, and in numpy)",
            ),
        ),
        conventions={
            "numerator": r"J = I_m \otimes Y^\top\ \text{(rows: (k,l), row-major; columns: (i,j))}",
            "cookbook": r"\partial(XY) = (\partial X)Y + X(\partial Y)\ \text{(eq. 37)}",
        },
        related=("differentials.product-right", "differentials.kronecker-left"),
        cookbook=(37,),
        keywords=(
            "product rule",
            "matrix product",
            "d(XY)",
            "differential of a product",
            "jacobian of a matrix product",
            "vec",
        ),
    )
)

register(
    Identity(
        id="differentials.product-right",
        title="Jacobian of a matrix product with respect to its right factor",
        formula=r"\frac{\partial (XY)_{kl}}{\partial Y_{ij}} = X_{ki}\,\delta_{lj}"
        r",\qquad d(XY) = X\,dY",
        wrt="Y",
        kind="jacobian",
        value=matrix_product,
        derivative=jac_product_right,
        symbolic=lambda X, Y: (
            X * Y,
            _tensor((X.rows, Y.cols, Y.rows, Y.cols), lambda k, el, i, j: X[k, i] * _delta(el, j)),
        ),
        sources=(f"{_at(37)}, the term X(dY)", MAGNUS),
        derivation=r"""
$(XY)_{kl} = \sum_i X_{ki}Y_{il}$ contains $Y_{ij}$ only in column $l = j$, with coefficient
$X_{ki}$, so $\partial (XY)_{kl}/\partial Y_{ij} = X_{ki}\delta_{lj}$: the second term of the
product rule (eq. 37). Flattened row by row it is $X \otimes I_p$.
""",
        mistakes=(
            Mistake(
                r"I_p \otimes X",
                lambda X, Y: np.kron(np.eye(Y.shape[1]), X).reshape(
                    X.shape[0], Y.shape[1], *Y.shape
                ),
                "the column-major formula vec(X dY) = (I ⊗ X) vec(dY), used with a row-major "
                "flattening",
            ),
        ),
        conventions={
            "numerator": r"J = X \otimes I_p\ \text{(rows: (k,l), row-major; columns: (i,j))}",
            "cookbook": r"\partial(XY) = (\partial X)Y + X(\partial Y)\ \text{(eq. 37)}",
        },
        related=("differentials.product-left",),
        cookbook=(37,),
        keywords=("product rule", "matrix product", "d(XY)", "differential of a product"),
    )
)


# -- eq. 38: Hadamard product -----------------------------------------------------------------


@shaped
def hadamard_product(X: Arr["m n"], Y: Arr["m n"]):
    """The entrywise (Hadamard) product ``X ∘ Y``.

    >>> hadamard_product(np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]]))
    array([[3., 8.]])
    """
    return X * Y


@shaped_like(hadamard_product)
def jac_hadamard_left(X, Y):
    """Jacobian of ``X ∘ Y`` with respect to ``X``: ``delta_ki delta_lj Y_ij``."""
    m, n = X.shape
    return np.einsum("ki,lj,ij->klij", np.eye(m), np.eye(n), Y)


register(
    Identity(
        id="differentials.hadamard",
        title="Jacobian of a Hadamard (entrywise) product",
        formula=r"\frac{\partial (X\circ Y)_{kl}}{\partial X_{ij}} = \delta_{ki}\delta_{lj}\,"
        r"Y_{ij},\qquad d(X\circ Y) = dX\circ Y",
        wrt="X",
        kind="jacobian",
        value=hadamard_product,
        derivative=jac_hadamard_left,
        symbolic=lambda X, Y: (
            X.multiply_elementwise(Y),
            _tensor(
                (X.rows, X.cols, X.rows, X.cols),
                lambda k, el, i, j: _delta(k, i) * _delta(el, j) * Y[i, j],
            ),
        ),
        sources=(f"{_at(38)}, the term (dX)∘Y", MAGNUS),
        derivation=r"""
$(X\circ Y)_{kl} = X_{kl}Y_{kl}$ depends on $X_{ij}$ only when $(k,l) = (i,j)$, with
coefficient $Y_{ij}$: the Jacobian is diagonal, $\operatorname{diag}(\operatorname{vec}_{\text{row}}Y)$
in this reference's row-major flattening ($\operatorname{diag}(\operatorname{vec}Y)$ in the column-major one).
In differentials, $d(X\circ Y) = dX\circ Y + X\circ dY$ (eq. 38), here with $dY = 0$.
""",
        mistakes=(
            Mistake(
                r"\operatorname{diag}(\operatorname{vec}_{\text{row}} X)",
                lambda X, Y: jac_hadamard_left(Y, X),
                "keeps the factor being differentiated instead of the other one",
            ),
        ),
        conventions={
            "numerator": r"J = \operatorname{diag}(\operatorname{vec}_{\text{row}} Y)\ \text{(diagonal, "
            r"the same in either layout)}",
            "cookbook": r"\partial(X\circ Y) = (\partial X)\circ Y + X\circ(\partial Y)"
            r"\ \text{(eq. 38)}",
        },
        related=("differentials.product-left",),
        cookbook=(38,),
        keywords=(
            "Hadamard product",
            "elementwise product",
            "entrywise product",
            "Schur product",
            "X ∘ Y",
        ),
    )
)


# -- eq. 39: Kronecker product ----------------------------------------------------------------


@shaped
def kronecker_product(X: Arr["m n"], Y: Arr["p q"]):
    """The Kronecker product ``X ⊗ Y`` (mp x nq).

    >>> kronecker_product(np.array([[1.0, 2.0]]), np.array([[1.0], [-1.0]]))
    array([[ 1.,  2.],
           [-1., -2.]])
    """
    return np.kron(X, Y)


@shaped_like(kronecker_product)
def jac_kronecker_left(X, Y):
    """Jacobian of ``X ⊗ Y`` w.r.t. ``X``: ``d(X⊗Y)_{(a,b),(c,d)} / dX_ij = d_ai d_cj Y_bd``."""
    (m, n), (p, q) = X.shape, Y.shape
    return np.einsum("ai,cj,bd->abcdij", np.eye(m), np.eye(n), Y).reshape(m * p, n * q, m, n)


@shaped_like(kronecker_product)
def jac_kronecker_right(X, Y):
    """Jacobian of ``X ⊗ Y`` w.r.t. ``Y``: ``d(X⊗Y)_{(a,b),(c,d)} / dY_ij = X_ac d_bi d_dj``."""
    (m, n), (p, q) = X.shape, Y.shape
    return np.einsum("ac,bi,dj->abcdij", X, np.eye(p), np.eye(q)).reshape(m * p, n * q, p, q)


def _sym_kron(X, Y):
    import sympy as sp

    p, q = Y.shape
    return sp.Matrix(X.rows * p, X.cols * q, lambda r, c: X[r // p, c // q] * Y[r % p, c % q])


def _kron_entry_left(X, Y):
    p, q = Y.shape

    def entry(r, c, i, j):
        return _delta(r // p, i) * _delta(c // q, j) * Y[r % p, c % q]

    return entry


def _kron_entry_right(X, Y):
    p, q = Y.shape

    def entry(r, c, i, j):
        return X[r // p, c // q] * _delta(r % p, i) * _delta(c % q, j)

    return entry


register(
    Identity(
        id="differentials.kronecker-left",
        title="Jacobian of a Kronecker product with respect to its left factor",
        formula=r"\frac{\partial (X\otimes Y)_{(a,b),(c,d)}}{\partial X_{ij}} = "
        r"\delta_{ai}\delta_{cj}\,Y_{bd},\qquad d(X\otimes Y) = dX\otimes Y",
        wrt="X",
        kind="jacobian",
        value=kronecker_product,
        derivative=jac_kronecker_left,
        symbolic=lambda X, Y: (
            _sym_kron(X, Y),
            _tensor((X.rows * Y.rows, X.cols * Y.cols, *X.shape), _kron_entry_left(X, Y)),
        ),
        sources=(f"{_at(39)}, the term (dX)⊗Y", MAGNUS),
        derivation=r"""
Entry $(ap + b,\ cq + d)$ of $X\otimes Y$ is $X_{ac}Y_{bd}$, linear in $X$: its derivative by
$X_{ij}$ is $\delta_{ai}\delta_{cj}Y_{bd}$, i.e. $\partial(X\otimes Y)/\partial X_{ij} =
E_{ij}\otimes Y$ with $E_{ij}$ the single-entry matrix. This is the first term of
$d(X\otimes Y) = dX\otimes Y + X\otimes dY$ (eq. 39); the order of the factors matters.
""",
        mistakes=(
            Mistake(
                r"Y\otimes E_{ij}",
                lambda X, Y: np.einsum(
                    "bd,ai,cj->badcij", Y, np.eye(X.shape[0]), np.eye(X.shape[1])
                ).reshape(Y.shape[0] * X.shape[0], Y.shape[1] * X.shape[1], *X.shape),
                "swaps the factors: the Kronecker product does not commute",
            ),
        ),
        conventions={
            "cookbook": r"\partial(X\otimes Y) = (\partial X)\otimes Y + X\otimes(\partial Y)"
            r"\ \text{(eq. 39)}",
        },
        related=("differentials.kronecker-right", "differentials.product-left"),
        cookbook=(39,),
        keywords=("Kronecker product", "tensor product", "X ⊗ Y", "kron"),
    )
)

register(
    Identity(
        id="differentials.kronecker-right",
        title="Jacobian of a Kronecker product with respect to its right factor",
        formula=r"\frac{\partial (X\otimes Y)_{(a,b),(c,d)}}{\partial Y_{ij}} = "
        r"X_{ac}\,\delta_{bi}\delta_{dj},\qquad d(X\otimes Y) = X\otimes dY",
        wrt="Y",
        kind="jacobian",
        value=kronecker_product,
        derivative=jac_kronecker_right,
        symbolic=lambda X, Y: (
            _sym_kron(X, Y),
            _tensor((X.rows * Y.rows, X.cols * Y.cols, *Y.shape), _kron_entry_right(X, Y)),
        ),
        sources=(f"{_at(39)}, the term X⊗(dY)", MAGNUS),
        derivation=r"""
Entry $(ap + b,\ cq + d)$ of $X\otimes Y$ is $X_{ac}Y_{bd}$; by $Y_{ij}$ its derivative is
$X_{ac}\delta_{bi}\delta_{dj}$, i.e. $\partial(X\otimes Y)/\partial Y_{ij} = X\otimes E_{ij}$:
the second term of the product rule for $\otimes$ (eq. 39).
""",
        mistakes=(
            Mistake(
                r"E_{ij}\otimes X",
                lambda X, Y: np.einsum(
                    "bi,dj,ac->badcij", np.eye(Y.shape[0]), np.eye(Y.shape[1]), X
                ).reshape(X.shape[0] * Y.shape[0], X.shape[1] * Y.shape[1], *Y.shape),
                "swaps the factors: the Kronecker product does not commute",
            ),
        ),
        conventions={
            "cookbook": r"\partial(X\otimes Y) = (\partial X)\otimes Y + X\otimes(\partial Y)"
            r"\ \text{(eq. 39)}",
        },
        related=("differentials.kronecker-left",),
        cookbook=(39,),
        keywords=("Kronecker product", "tensor product", "X ⊗ Y", "kron"),
    )
)


# -- eq. 40: inverse --------------------------------------------------------------------------


@shaped
def matrix_inverse(X: Arr["n n"]):
    """The inverse ``X^{-1}``.

    >>> matrix_inverse(np.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    return np.linalg.inv(X)


@shaped_like(matrix_inverse)
def jac_inverse(X):
    """Jacobian of ``X^{-1}``: ``d(X^{-1})_kl / dX_ij = -(X^{-1})_ki (X^{-1})_jl``."""
    Y = np.linalg.inv(X)
    return -np.einsum("ki,jl->klij", Y, Y)


def _sym_jac_inverse(X):
    Y = X.adjugate() / X.det()
    return _tensor((X.rows,) * 4, lambda k, el, i, j: -Y[k, i] * Y[j, el])


register(
    Identity(
        id="differentials.inverse",
        symbolic_dims=(1, 2),  # exact at sizes 1 and 2; size 3 takes 3.5 CPU s
        title="Jacobian of the matrix inverse",
        formula=r"\frac{\partial (X^{-1})_{kl}}{\partial X_{ij}} = -(X^{-1})_{ki}(X^{-1})_{jl}"
        r",\qquad d(X^{-1}) = -X^{-1}\,dX\,X^{-1}",
        wrt="X",
        kind="jacobian",
        value=matrix_inverse,
        derivative=jac_inverse,
        symbolic=lambda X: (X.adjugate() / X.det(), _sym_jac_inverse(X)),
        structure={"X": "invertible"},
        assumptions="X square and invertible",
        sources=(_at(40), f"{COOKBOOK}, eq. (60), the same in entries", MAGNUS),
        derivation=r"""
Differentiate $X X^{-1} = I$: $dX\,X^{-1} + X\,d(X^{-1}) = 0$, so
$d(X^{-1}) = -X^{-1}\,dX\,X^{-1}$ (eq. 40). With $dX = E_{ij}$ (a one in entry $(i,j)$),
$(X^{-1}E_{ij}X^{-1})_{kl} = (X^{-1})_{ki}(X^{-1})_{jl}$, which gives the Jacobian entry by
entry (the Cookbook's eq. 60).
""",
        mistakes=(
            Mistake(
                r"-(X^{-1})_{ik}(X^{-1})_{lj}",
                lambda X: -np.einsum("ik,lj->klij", np.linalg.inv(X), np.linalg.inv(X)),
                "transposed factors, i.e. -X^{-T} dX X^{-T}: what comes out of mixing up the "
                "layout of the inner indices",
            ),
            Mistake(
                r"(X^{-1})_{ki}(X^{-1})_{jl}",
                lambda X: np.einsum("ki,jl->klij", np.linalg.inv(X), np.linalg.inv(X)),
                "loses the minus sign of d(X^{-1}) = -X^{-1} dX X^{-1}",
            ),
        ),
        conventions={
            "cookbook": r"\frac{\partial(X^{-1})_{kl}}{\partial X_{ij}} = "
            r"-(X^{-1})_{ki}(X^{-1})_{jl}\ \text{(eq. 60; eq. 40 as a differential)}",
            "numerator": r"J = -X^{-1} \otimes X^{-\top}\ \text{(row-major flattening)}",
        },
        related=("determinants.logdet", "determinants.det-path"),
        cookbook=(40,),
        keywords=(
            "inverse",
            "matrix inverse",
            "derivative of the inverse",
            "d(X^-1)",
            "differential of the inverse",
            "X^{-1} dX X^{-1}",
        ),
    )
)


# -- eq. 41: determinant through the adjugate --------------------------------------------------


def _adjugate(X):
    """The adjugate ``adj X`` (transpose of the cofactor matrix), from minors; any square X.

    >>> _adjugate(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[ 4., -2.],
           [-3.,  1.]])
    """
    n = len(X)
    cofactors = np.empty_like(X)
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(X, i, axis=0), j, axis=1)
            cofactors[i, j] = (-1) ** (i + j) * np.linalg.det(minor)
    return cofactors.T


@shaped_like(determinant)
def grad_det_adjugate(X):
    """Gradient of ``det X`` for any square ``X``: ``adj(X)^T``, the cofactor matrix."""
    return _adjugate(X).T


@shaped_like(determinant)
def hess_det_minors(X):
    """Hessian of ``det X`` for any square X, from its (n-2)-minors.

    ``d^2 det X / dX_ij dX_kl = (-1)^(i+j+k+l) sgn(k-i) sgn(l-j) det X[without rows i,k and
    columns j,l]`` (zero when i = k or j = l).
    """
    n = len(X)
    H = np.zeros((n, n, n, n), dtype=X.dtype)
    for i, j, k, el in np.ndindex(n, n, n, n):
        if i != k and j != el:
            minor = np.delete(np.delete(X, [i, k], axis=0), [j, el], axis=1)
            sign = (-1) ** (i + j + k + el) * np.sign(k - i) * np.sign(el - j)
            H[i, j, k, el] = sign * np.linalg.det(minor)
    return H


register(
    Identity(
        id="differentials.det-adjugate",
        title="Gradient of the determinant through the adjugate (any square matrix)",
        formula=r"\nabla_X \det X = \operatorname{adj}(X)^\top,\qquad "
        r"d\det X = \operatorname{tr}(\operatorname{adj}(X)\,dX)",
        wrt="X",
        kind="gradient",
        value=determinant,
        derivative=grad_det_adjugate,
        symbolic=lambda X: (X.det(), X.adjugate().T),
        structure={"X": "square"},
        sample=_sample_square_from_2,
        assumptions="X square; it need not be invertible (for invertible X, "
        "adj(X) = det(X) X^{-1} gives determinants.det); checked from 2 x 2 up (a 1 x 1 "
        "det is linear)",
        sources=(_at(41), MAGNUS),
        derivation=r"""
Expand $\det X = \sum_j X_{ij}C_{ij}$ along row $i$: the cofactors $C_{ij}$ do not involve
row $i$, so $\partial\det X/\partial X_{ij} = C_{ij}$, and the cofactor matrix is
$\operatorname{adj}(X)^\top$. Hence $d\det X = \sum_{ij} C_{ij}\,dX_{ij}
= \operatorname{tr}(\operatorname{adj}(X)\,dX)$ (eq. 41), with no inverse anywhere: it holds
for singular $X$ too. Differentiating a cofactor once more gives the signed minors of order
$n-2$ in the Hessian.
""",
        hessian=hess_det_minors,
        hessian_formula=r"\nabla_X^2 \det X\,[V] = \big(d\operatorname{adj}(X)[V]\big)^\top"
        r" = \det(X)\big(\operatorname{tr}(X^{-1}V)X^{-\top} - X^{-\top}V^\top X^{-\top}\big)"
        r"\ \text{for invertible } X",
        mistakes=(
            Mistake(
                r"\operatorname{adj}(X)",
                lambda X: _adjugate(X),
                "forgets the transpose: the adjugate is the transposed cofactor matrix",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \det X}{\partial X} = \operatorname{adj}(X)",
            "cookbook": r"\partial(\det(X)) = \mathrm{Tr}(\mathrm{adj}(X)\partial X)"
            r"\ \text{(eq. 41, a differential)}",
        },
        related=("determinants.det",),
        cookbook=(41,),
        keywords=(
            "adjugate",
            "adjoint",
            "cofactor matrix",
            "determinant",
            "singular matrix",
            "Jacobi's formula",
            "d det X",
        ),
    )
)


# -- eq. 44: transpose ------------------------------------------------------------------------


@shaped
def transpose(X: Arr["m n"]):
    """The transpose ``X^T``.

    >>> transpose(np.array([[1.0, 2.0]]))
    array([[1.],
           [2.]])
    """
    return X.T


@shaped_like(transpose)
def jac_transpose(X):
    """Jacobian of ``X^T``: ``d(X^T)_kl / dX_ij = delta_li delta_kj`` (a permutation)."""
    m, n = X.shape
    return np.einsum("li,kj->klij", np.eye(m), np.eye(n))


register(
    Identity(
        id="differentials.transpose",
        title="Jacobian of the transpose",
        formula=r"\frac{\partial (X^\top)_{kl}}{\partial X_{ij}} = \delta_{li}\delta_{kj}"
        r",\qquad d(X^\top) = (dX)^\top",
        wrt="X",
        kind="jacobian",
        value=transpose,
        derivative=jac_transpose,
        symbolic=lambda X: (
            X.T,
            _tensor(
                (X.cols, X.rows, X.rows, X.cols), lambda k, el, i, j: _delta(el, i) * _delta(k, j)
            ),
        ),
        sources=(_at(44), MAGNUS),
        derivation=r"""
$(X^\top)_{kl} = X_{lk}$, so its derivative by $X_{ij}$ is $\delta_{li}\delta_{kj}$: the
Jacobian is the permutation that reorders row-major entries into column-major ones (the
commutation matrix), and $d(X^\top) = (dX)^\top$ (eq. 44).
""",
        mistakes=(
            Mistake(
                r"\delta_{ki}\delta_{lj}",
                lambda X: np.einsum("ki,lj->klij", np.eye(X.shape[0]), np.eye(X.shape[1])),
                "the identity: forgets that the transpose reorders the entries (it has the "
                "shape of X, not of X^T)",
            ),
        ),
        conventions={
            "numerator": r"J = K_{nm}\ \text{(the commutation matrix)}",
            "cookbook": r"\partial X^T = (\partial X)^T\ \text{(eq. 44)}",
        },
        related=("differentials.product-left",),
        cookbook=(44,),
        keywords=("transpose", "commutation matrix", "d(X^T)", "differential of the transpose"),
    )
)


# -- notes: definitions, linearity, the complex case -----------------------------------------


def _directional(f, X, V, h=1e-30):
    """The directional derivative of an analytic ``f`` at ``X`` along ``V``: the complex step."""
    return np.imag(f(X + 1j * h * V)) / h


def _check_eq34(rng):
    X, V = rng.standard_normal((2, 3, 4))
    alpha = rng.standard_normal()
    measured = _directional(lambda Z: alpha * Z, X, V)
    return float(np.max(np.abs(measured - alpha * V)) / np.max(np.abs(alpha * V)))


def _check_eq35(rng):
    X, Y, V, W = rng.standard_normal((4, 3, 4))
    measured = _directional(lambda Z: Z[0] + Z[1], np.stack([X, Y]), np.stack([V, W]))
    return float(np.max(np.abs(measured - (V + W))) / np.max(np.abs(V + W)))


def _check_eq45(rng):
    # X -> X^H is real-linear on complex matrices: a real step along V gives (V)^H exactly.
    X, V = rng.standard_normal((2, 3, 4)) + 1j * rng.standard_normal((2, 3, 4))
    h = 1e-3
    measured = ((X + h * V).conj().T - (X - h * V).conj().T) / (2 * h)
    return float(np.max(np.abs(measured - V.conj().T)) / np.max(np.abs(V)))


COOKBOOK_NOTES = {
    32: Note(
        "definition",
        "the convention that the entries of X are independent: dX_kl/dX_ij = δ_ik δ_lj, the "
        "Jacobian of the identity map; every gradient here follows it",
    ),
    33: Note("definition", "the differential of a constant matrix is zero"),
    34: Note(
        "equality",
        "linearity of the differential, d(αX) = α dX: checked as the directional derivative "
        "of X -> αX (complex step) at random X, V, α",
        check=_check_eq34,
    ),
    35: Note(
        "equality",
        "additivity of the differential, d(X + Y) = dX + dY: checked as a directional "
        "derivative (complex step) at random X, Y and directions",
        check=_check_eq35,
    ),
    45: Note(
        "complex",
        "d(X^H) = (dX)^H for complex X: X -> X^H is real-linear but not complex-analytic, so "
        "it is not a catalog identity; checked with a real central difference along a complex V",
        see=("differentials.transpose",),
        check=_check_eq45,
    ),
}


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "products",
        "Differentials of products",
        (
            "differentials.product-left",
            "differentials.product-right",
            "differentials.hadamard",
            "differentials.kronecker-left",
            "differentials.kronecker-right",
        ),
    ),
    (
        "trace-inverse-det",
        "Trace, transpose, inverse, determinant",
        (
            "differentials.trace",
            "differentials.transpose",
            "differentials.inverse",
            "differentials.det-adjugate",
        ),
    ),
)
