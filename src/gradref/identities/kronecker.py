"""Kronecker products and vec calculus: Jacobians in vec layout, the commutation matrix.

Every formula here uses the column-major ``vec`` of Magnus & Neudecker and of the Matrix
Cookbook (section 10.2.2): ``vec X`` stacks the columns of ``X``, which in numpy is
``X.reshape(-1, order="F")`` (or ``X.T.ravel()``), not numpy's default row-major
``X.ravel()``. A Jacobian ``d vec F / d vec X`` is then an ordinary matrix, here built by its
Kronecker formula and returned, like every Jacobian of the reference, as the array
``F.shape + X.shape`` whose entry ``[k, l, i, j]`` is ``dF_kl / dX_ij``
(:func:`from_vec_jacobian`). The same Jacobian read with numpy's row-major flattening is a
permuted matrix, shown as each entry's ``numerator`` reading (``vec_row``).

``K_{mn}`` is the commutation matrix, ``K_{mn} vec A = vec A^T`` for an m x n ``A``
(:func:`commutation`).
"""

import numpy as np
import sympy as sp
from sympy.matrices.expressions.kronecker import kronecker_product

from gradref.catalog import Identity, Mistake, register
from gradref.identities.linear import COOKBOOK
from gradref.shapes import Arr, shaped, shaped_like

MAGNUS_2019 = (
    "Magnus & Neudecker, *Matrix Differential Calculus with Applications in Statistics and "
    "Econometrics*, 3rd ed. (2019)"
)
#: The vec convention, said on every entry.
VEC = (
    "vec is column-major, as in Magnus & Neudecker and the Matrix Cookbook: vec X stacks the "
    'columns of X (numpy: X.reshape(-1, order="F") or X.T.ravel(), not X.ravel(), which is '
    "row-major)."
)
COMMUTATION = (
    r"$K_{mn}$ is the commutation matrix: $K_{mn}\operatorname{vec}A = \operatorname{vec}A^\top$"
    " for an m x n matrix A."
)


def _cookbook(*equations: int) -> str:
    numbers = ", ".join(f"({n})" for n in equations)
    label = "eq." if len(equations) == 1 else "eqs."
    return f"{COOKBOOK}, section 10.2, {label} {numbers}"


# -- vec, the commutation matrix and the layout of a vec Jacobian ------------------------------


def vec(M):
    """The column-major ``vec M``: the columns of ``M`` stacked.

    >>> vec(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([1., 3., 2., 4.])
    """
    return np.asarray(M).reshape(-1, order="F")


def commutation(m: int, n: int):
    """The commutation matrix ``K_{mn}`` (mn x mn): ``K_{mn} vec(A) = vec(A^T)`` for m x n ``A``.

    >>> A = np.arange(6.0).reshape(2, 3)
    >>> bool(np.all(commutation(2, 3) @ vec(A) == vec(A.T)))
    True
    """
    K = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            K[i * n + j, j * m + i] = 1.0
    return K


def commutation_order(m: int, n: int):
    """``K_{mn}`` as an index: ``K_{mn} v == v[commutation_order(m, n)]``.

    >>> commutation_order(2, 3)
    array([0, 2, 4, 1, 3, 5])
    """
    return vec(np.arange(m * n).reshape(m, n, order="F").T)


def from_vec_jacobian(J, out_shape, wrt_shape):
    """The Jacobian ``[k, l, i, j] = dF_kl / dX_ij`` from ``J = d vec F / d vec X`` (column-major).

    >>> from_vec_jacobian(np.eye(6), (2, 3), (2, 3)).shape
    (2, 3, 2, 3)
    """
    (p, q), (m, n) = out_shape, wrt_shape
    return np.asarray(J).reshape(q, p, n, m).transpose(1, 0, 3, 2)


def _sp_vec(M):
    return M.T.reshape(M.rows * M.cols, 1)


def _sp_commutation(m: int, n: int):
    return sp.Matrix(commutation(m, n).astype(int))


def _sp_kron(*factors):
    return sp.Matrix(kronecker_product(*factors))


def _sp_layout(J, out_shape, wrt_shape):
    """The sympy vec Jacobian ``J`` in this reference's layout (outputs x inputs, row-major)."""
    (p, q), (m, n) = out_shape, wrt_shape
    return sp.Matrix(p * q, m * n, lambda r, c: J[(r % q) * p + r // q, (c % n) * m + c // n])


# -- eq. 520: vec(AXB) = (B^T ⊗ A) vec X -------------------------------------------------------


@shaped
def product_axb(A: Arr["p m"], X: Arr["m n"], B: Arr["n q"]):
    """The product ``A X B``.

    >>> product_axb(np.eye(2), np.array([[1.0, 2.0], [3.0, 4.0]]), np.eye(2))
    array([[1., 2.],
           [3., 4.]])
    """
    return A @ X @ B


@shaped_like(product_axb)
def jac_vec_axb(A, X, B):
    """Jacobian of ``X -> A X B``: ``B^T ⊗ A`` on the column-major ``vec X``."""
    return from_vec_jacobian(np.kron(B.T, A), (A.shape[0], B.shape[1]), X.shape)


register(
    Identity(
        id="kronecker.vec-axb",
        title="Jacobian of X to AXB in vec layout",
        formula=r"\frac{\partial \operatorname{vec}(AXB)}{\partial \operatorname{vec}(X)} = "
        r"B^\top \otimes A\ \text{(vec column-major)}",
        wrt="X",
        kind="jacobian",
        value=product_axb,
        derivative=jac_vec_axb,
        symbolic=lambda A, X, B: (
            A * X * B,
            _sp_layout(_sp_kron(B.T, A), (A.rows, B.cols), X.shape),
        ),
        sources=(
            _cookbook(520),
            f"{MAGNUS_2019}, ch. 2 (the vec operator: vec ABC = (C' ⊗ A) vec B)",
        ),
        assumptions=f"A and B constant, of any compatible shapes. {VEC}",
        derivation=r"""
Column $l$ of $AXB$ is $AXb_l = \sum_j B_{jl}\,A x_j$, with $x_j$ the columns of $X$ and
$b_l$ those of $B$. Stacking the columns, block $(l, j)$ of the map
$\operatorname{vec}X \mapsto \operatorname{vec}(AXB)$ is $B_{jl}A$, which is block
$(l, j)$ of $B^\top \otimes A$: $\operatorname{vec}(AXB) = (B^\top\otimes A)\operatorname{vec}X$
(Cookbook eq. 520). The map is linear, so this matrix is its Jacobian. Flattened row by row
instead, $\operatorname{vec}_{\text{row}}(AXB) = (A \otimes B^\top)\operatorname{vec}_{\text{row}}X$:
the factors change places.
""",
        mistakes=(
            Mistake(
                r"A \otimes B^\top\ \text{(vec column-major)}",
                lambda A, X, B: from_vec_jacobian(
                    np.kron(A, B.T), (A.shape[0], B.shape[1]), X.shape
                ),
                "the row-major (numpy ravel) formula A ⊗ B^T used with the column-major vec",
            ),
            Mistake(
                r"B^\top \otimes A\ \text{(row by row, numpy's reshape)}",
                lambda A, X, B: np.kron(B.T, A).reshape(A.shape[0], B.shape[1], *X.shape),
                "the column-major formula applied to numpy's row-major flattening "
                "(X.ravel(), reshape(-1))",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{vec}_{\text{row}}(AXB)}"
            r"{\partial \operatorname{vec}_{\text{row}}(X)} = A \otimes B^\top"
            r"\ \text{(row-major, numpy's reshape(-1))}",
        },
        related=("kronecker.vec-axtb", "differentials.product-left", "traces.axb"),
        keywords=(
            "vec(AXB)",
            "vec trick",
            "Jacobian of AXB",
            "d vec(AXB) / d vec(X)",
            "Kronecker product and vec",
            "Cookbook 520",
            "column-major vec",
        ),
    )
)


# -- vec(A X^T B) = (B^T ⊗ A) K_mn vec X ---------------------------------------------------------


@shaped
def product_axtb(A: Arr["p n"], X: Arr["m n"], B: Arr["m q"]):
    """The product ``A X^T B``.

    >>> product_axtb(np.eye(2), np.array([[1.0, 2.0], [3.0, 4.0]]), np.eye(2))
    array([[1., 3.],
           [2., 4.]])
    """
    return A @ X.T @ B


@shaped_like(product_axtb)
def jac_vec_axtb(A, X, B):
    """Jacobian of ``X -> A X^T B``: ``(B^T ⊗ A) K_mn`` on the column-major ``vec X``."""
    m, n = X.shape
    return from_vec_jacobian(np.kron(B.T, A) @ commutation(m, n), (A.shape[0], B.shape[1]), X.shape)


register(
    Identity(
        id="kronecker.vec-axtb",
        title="Jacobian of X to AXᵀB in vec layout, with the commutation matrix",
        formula=r"\frac{\partial \operatorname{vec}(AX^\top B)}{\partial \operatorname{vec}(X)} = "
        r"(B^\top \otimes A)\, K_{mn}\ \text{(vec column-major)}",
        wrt="X",
        kind="jacobian",
        value=product_axtb,
        derivative=jac_vec_axtb,
        symbolic=lambda A, X, B: (
            A * X.T * B,
            _sp_layout(_sp_kron(B.T, A) * _sp_commutation(*X.shape), (A.rows, B.cols), X.shape),
        ),
        sources=(
            _cookbook(520),
            f"{MAGNUS_2019}, ch. 3 (the commutation matrix K_mn, vec X' = K_mn vec X)",
        ),
        assumptions=f"A and B constant; X is m x n. {COMMUTATION} {VEC}",
        derivation=r"""
By eq. 520 with $X^\top$ in the middle, $\operatorname{vec}(AX^\top B) = (B^\top\otimes A)
\operatorname{vec}(X^\top)$, and the transpose only reorders the entries:
$\operatorname{vec}(X^\top) = K_{mn}\operatorname{vec}X$. The map is linear, so
$(B^\top\otimes A)K_{mn}$ is its Jacobian. With $A = I$, $B = I$ it is $K_{mn}$ itself, the
Jacobian of the transpose (`differentials.transpose` in index form). Row by row,
$\operatorname{vec}_{\text{row}}(AX^\top B) = (A\otimes B^\top)\operatorname{vec}_{\text{row}}(X^\top)$ and
$\operatorname{vec}_{\text{row}}(X^\top) = \operatorname{vec}X = K_{nm}\operatorname{vec}_{\text{row}}X$.
""",
        mistakes=(
            Mistake(
                r"B^\top \otimes A\ \text{(vec column-major)}",
                lambda A, X, B: from_vec_jacobian(
                    np.kron(B.T, A), (A.shape[0], B.shape[1]), X.shape
                ),
                "treats vec(X^T) as vec(X): the commutation matrix is left out",
            ),
            Mistake(
                r"(B^\top \otimes A)\, K_{nm}\ \text{(vec column-major)}",
                lambda A, X, B: from_vec_jacobian(
                    np.kron(B.T, A) @ commutation(X.shape[1], X.shape[0]),
                    (A.shape[0], B.shape[1]),
                    X.shape,
                ),
                "the commutation matrix with its indices swapped: K_nm vec X is not vec X^T "
                "unless X is square",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{vec}_{\text{row}}(AX^\top B)}"
            r"{\partial \operatorname{vec}_{\text{row}}(X)} = (A \otimes B^\top)\, K_{nm}"
            r"\ \text{(row-major, numpy's reshape(-1))}",
        },
        related=("kronecker.vec-axb", "differentials.transpose", "linear.transposed-product"),
        keywords=(
            "commutation matrix",
            "vec(X^T) = K vec(X)",
            "K_mn",
            "vec-permutation matrix",
            "Jacobian of AX^T B",
            "Jacobian of the transpose in vec form",
        ),
    )
)


# -- Gram matrices: X^T X and X X^T --------------------------------------------------------------


@shaped
def gram_xtx(X: Arr["m n"]):
    """The Gram matrix ``X^T X`` (n x n).

    >>> gram_xtx(np.array([[1.0, 2.0]]))
    array([[1., 2.],
           [2., 4.]])
    """
    return X.T @ X


@shaped_like(gram_xtx)
def jac_gram_xtx(X):
    """Jacobian of ``X -> X^T X``: ``(I + K_nn)(I_n ⊗ X^T)`` on the column-major ``vec X``."""
    n = X.shape[1]
    J = (np.eye(n * n) + commutation(n, n)) @ np.kron(np.eye(n), X.T)
    return from_vec_jacobian(J, (n, n), X.shape)


def _sp_jac_gram_xtx(X):
    n = X.cols
    J = (sp.eye(n * n) + _sp_commutation(n, n)) * _sp_kron(sp.eye(n), X.T)
    return X.T * X, _sp_layout(J, (n, n), X.shape)


register(
    Identity(
        id="kronecker.gram-xtx",
        title="Jacobian of the Gram matrix XᵀX in vec layout",
        formula=r"\frac{\partial \operatorname{vec}(X^\top X)}{\partial \operatorname{vec}(X)} = "
        r"(I_{n^2} + K_{nn})(I_n \otimes X^\top)\ \text{(vec column-major)}",
        wrt="X",
        kind="jacobian",
        value=gram_xtx,
        derivative=jac_gram_xtx,
        symbolic=_sp_jac_gram_xtx,
        sources=(
            f"{MAGNUS_2019}, ch. 9 (first-order differentials and Jacobian matrices: "
            "d vec(X'X) = (I + K_nn)(I ⊗ X') d vec X)",
            f"{MAGNUS_2019}, ch. 3 (the commutation matrix: K_pm (A ⊗ B) = (B ⊗ A) K_qn)",
        ),
        assumptions=f"X is m x n, any shape. {COMMUTATION} {VEC}",
        derivation=r"""
The product rule gives $d(X^\top X) = dX^\top X + X^\top dX$. By eq. 520,
$\operatorname{vec}(X^\top dX) = (I_n\otimes X^\top)\operatorname{vec}dX$, and the first term is
its transpose, $\operatorname{vec}(dX^\top X) = K_{nn}\operatorname{vec}(X^\top dX)$. Hence
$d\operatorname{vec}(X^\top X) = (I_{n^2} + K_{nn})(I_n\otimes X^\top)\,d\operatorname{vec}X$.
The factor $I_{n^2} + K_{nn}$ (twice the symmetriser) says that the result is symmetric; the
two terms are not equal, so it is not $2(I_n\otimes X^\top)$. Row by row the factors of the
Kronecker product change places: $(I_{n^2} + K_{nn})(X^\top\otimes I_n)$.
""",
        mistakes=(
            Mistake(
                r"2\,(I_n \otimes X^\top)\ \text{(vec column-major)}",
                lambda X: from_vec_jacobian(
                    2 * np.kron(np.eye(X.shape[1]), X.T), (X.shape[1], X.shape[1]), X.shape
                ),
                "the scalar rule d(x^2) = 2x dx: takes dX^T X and X^T dX as equal, which they "
                "are only in their symmetric part",
            ),
            Mistake(
                r"(I_{n^2} + K_{nn})(X^\top \otimes I_n)\ \text{(vec column-major)}",
                lambda X: from_vec_jacobian(
                    (np.eye(X.shape[1] ** 2) + commutation(X.shape[1], X.shape[1]))
                    @ np.kron(X.T, np.eye(X.shape[1])),
                    (X.shape[1], X.shape[1]),
                    X.shape,
                ),
                "the row-major (numpy ravel) form used with the column-major vec",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{vec}_{\text{row}}(X^\top X)}"
            r"{\partial \operatorname{vec}_{\text{row}}(X)} = (I_{n^2} + K_{nn})"
            r"(X^\top \otimes I_n)\ \text{(row-major, numpy's reshape(-1))}",
        },
        related=("kronecker.gram-xxt", "quadratic.jac-XTBX", "traces.xtx"),
        keywords=(
            "Jacobian of X^T X",
            "d vec(X^T X)",
            "Gram matrix derivative",
            "commutation matrix",
            "I + K_nn",
            "symmetriser",
        ),
    )
)


@shaped
def gram_xxt(X: Arr["m n"]):
    """The Gram matrix ``X X^T`` (m x m).

    >>> gram_xxt(np.array([[1.0, 2.0]]))
    array([[5.]])
    """
    return X @ X.T


@shaped_like(gram_xxt)
def jac_gram_xxt(X):
    """Jacobian of ``X -> X X^T``: ``(I + K_mm)(X ⊗ I_m)`` on the column-major ``vec X``."""
    m = X.shape[0]
    J = (np.eye(m * m) + commutation(m, m)) @ np.kron(X, np.eye(m))
    return from_vec_jacobian(J, (m, m), X.shape)


def _sp_jac_gram_xxt(X):
    m = X.rows
    J = (sp.eye(m * m) + _sp_commutation(m, m)) * _sp_kron(X, sp.eye(m))
    return X * X.T, _sp_layout(J, (m, m), X.shape)


register(
    Identity(
        id="kronecker.gram-xxt",
        title="Jacobian of the Gram matrix XXᵀ in vec layout",
        formula=r"\frac{\partial \operatorname{vec}(X X^\top)}{\partial \operatorname{vec}(X)} = "
        r"(I_{m^2} + K_{mm})(X \otimes I_m)\ \text{(vec column-major)}",
        wrt="X",
        kind="jacobian",
        value=gram_xxt,
        derivative=jac_gram_xxt,
        symbolic=_sp_jac_gram_xxt,
        sources=(
            f"{MAGNUS_2019}, ch. 9 (first-order differentials and Jacobian matrices)",
            f"{MAGNUS_2019}, ch. 3 (the commutation matrix)",
        ),
        assumptions=f"X is m x n, any shape. {COMMUTATION} {VEC}",
        derivation=r"""
$d(XX^\top) = dX\,X^\top + X\,dX^\top$. By eq. 520, $\operatorname{vec}(dX\,X^\top) =
(X\otimes I_m)\operatorname{vec}dX$, and the second term is the transpose of the first:
$\operatorname{vec}(X\,dX^\top) = K_{mm}(X\otimes I_m)\operatorname{vec}dX$. So
$d\operatorname{vec}(XX^\top) = (I_{m^2} + K_{mm})(X\otimes I_m)\,d\operatorname{vec}X$. Row by row
it is $(I_{m^2} + K_{mm})(I_m\otimes X)$.
""",
        mistakes=(
            Mistake(
                r"(I_{m^2} + K_{mm})(I_m \otimes X)\ \text{(vec column-major)}",
                lambda X: from_vec_jacobian(
                    (np.eye(X.shape[0] ** 2) + commutation(X.shape[0], X.shape[0]))
                    @ np.kron(np.eye(X.shape[0]), X),
                    (X.shape[0], X.shape[0]),
                    X.shape,
                ),
                "the row-major (numpy ravel) form used with the column-major vec",
            ),
            Mistake(
                r"2\,(X \otimes I_m)\ \text{(vec column-major)}",
                lambda X: from_vec_jacobian(
                    2 * np.kron(X, np.eye(X.shape[0])), (X.shape[0], X.shape[0]), X.shape
                ),
                "the scalar rule 2x dx: dX X^T and X dX^T are transposes of each other, not equal",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{vec}_{\text{row}}(X X^\top)}"
            r"{\partial \operatorname{vec}_{\text{row}}(X)} = (I_{m^2} + K_{mm})"
            r"(I_m \otimes X)\ \text{(row-major, numpy's reshape(-1))}",
        },
        related=("kronecker.gram-xtx", "traces.xxt"),
        keywords=(
            "Jacobian of X X^T",
            "d vec(X X^T)",
            "outer Gram matrix derivative",
            "commutation matrix",
            "I + K_mm",
        ),
    )
)


# -- Kronecker products: vec(A ⊗ B) = (I_n ⊗ K_qm ⊗ I_p)(vec A ⊗ vec B) --------------------------


def kron_order(m: int, n: int, p: int, q: int, swapped: bool = False):
    """``I_n ⊗ K_qm ⊗ I_p`` as an index, ``(I_n ⊗ K_qm ⊗ I_p) v == v[kron_order(m, n, p, q)]``.

    It reorders ``vec A ⊗ vec B`` into ``vec(A ⊗ B)`` for A m x n, B p x q (a permutation of
    size mnpq, applied without forming it). ``swapped`` uses ``K_mq`` in place of ``K_qm``.

    >>> A, B = np.arange(4.0).reshape(2, 2), np.arange(6.0).reshape(3, 2)
    >>> bool(np.all(np.kron(vec(A), vec(B))[kron_order(2, 2, 3, 2)] == vec(np.kron(A, B))))
    True
    """
    inner = commutation_order(m, q) if swapped else commutation_order(q, m)
    return np.arange(n * q * m * p).reshape(n, q * m, p)[:, inner, :].ravel()


def _sp_kron_permutation(m: int, n: int, p: int, q: int):
    return _sp_kron(sp.eye(n), _sp_commutation(q, m), sp.eye(p))


@shaped
def kron_ax(A: Arr["m n"], X: Arr["p q"]):
    """The Kronecker product ``A ⊗ X`` (mp x nq).

    >>> kron_ax(np.array([[2.0]]), np.array([[1.0, 3.0]]))
    array([[2., 6.]])
    """
    return np.kron(A, X)


@shaped_like(kron_ax)
def jac_kron_ax(A, X):
    """Jacobian of ``X -> A ⊗ X``: ``(I_n ⊗ K_qm ⊗ I_p)(vec A ⊗ I_pq)`` on the column-major vec."""
    (m, n), (p, q) = A.shape, X.shape
    J = np.kron(vec(A)[:, None], np.eye(p * q))[kron_order(m, n, p, q)]
    return from_vec_jacobian(J, (m * p, n * q), X.shape)


def _sp_jac_kron_ax(A, X):
    (m, n), (p, q) = A.shape, X.shape
    J = _sp_kron_permutation(m, n, p, q) * _sp_kron(_sp_vec(A), sp.eye(p * q))
    return _sp_kron(A, X), _sp_layout(J, (m * p, n * q), X.shape)


#: sympy differentiates every entry of A ⊗ X (360 x 30 at base size 3): base sizes 1 and 2
#: keep the exact check under a second; the numerical check runs at every size.
SYMBOLIC_KRON = (1, 2)

register(
    Identity(
        id="kronecker.kron-ax",
        title="Jacobian of X to A ⊗ X in vec layout",
        formula=r"\frac{\partial \operatorname{vec}(A \otimes X)}{\partial \operatorname{vec}(X)} = "
        r"(I_n \otimes K_{qm} \otimes I_p)(\operatorname{vec}(A) \otimes I_{pq})"
        r"\ \text{(vec column-major)}",
        wrt="X",
        kind="jacobian",
        value=kron_ax,
        derivative=jac_kron_ax,
        symbolic=_sp_jac_kron_ax,
        symbolic_dims=SYMBOLIC_KRON,
        sources=(
            f"{MAGNUS_2019}, ch. 3, Theorem 3.10 (vec(A ⊗ B) = (I_n ⊗ K_qm ⊗ I_p)"
            "(vec A ⊗ vec B) for A m x n, B p x q)",
            f"{MAGNUS_2019}, ch. 9 (first-order differentials and Jacobian matrices)",
        ),
        assumptions=f"A constant, m x n; X is p x q. {COMMUTATION} {VEC}",
        derivation=r"""
$\operatorname{vec}(A\otimes X)$ holds the same products $A_{ij}X_{kl}$ as
$\operatorname{vec}A\otimes\operatorname{vec}X$, in another order: the permutation
$I_n\otimes K_{qm}\otimes I_p$ reorders them (Magnus & Neudecker, Theorem 3.10). With
$\operatorname{vec}A$ constant, $\operatorname{vec}A\otimes\operatorname{vec}X =
(\operatorname{vec}A\otimes I_{pq})\operatorname{vec}X$, linear in $\operatorname{vec}X$, so
$(I_n\otimes K_{qm}\otimes I_p)(\operatorname{vec}A\otimes I_{pq})$ is the Jacobian. It is the
vec form of `differentials.kronecker-right`, $d(A\otimes X) = A\otimes dX$. Row by row,
$\operatorname{vec}_{\text{row}}(A\otimes X) = \operatorname{vec}(A^\top\otimes X^\top)$, and the
same theorem gives $(I_m\otimes K_{pn}\otimes I_q)(\operatorname{vec}_{\text{row}}A\otimes I_{pq})$.
""",
        mistakes=(
            Mistake(
                r"\operatorname{vec}(A) \otimes I_{pq}\ \text{(vec column-major)}",
                lambda A, X: from_vec_jacobian(
                    np.kron(vec(A)[:, None], np.eye(X.size)),
                    (A.shape[0] * X.shape[0], A.shape[1] * X.shape[1]),
                    X.shape,
                ),
                "takes vec(A ⊗ X) to be vec A ⊗ vec X: the entries are the same, their order "
                "is not",
            ),
            Mistake(
                r"(I_n \otimes K_{mq} \otimes I_p)(\operatorname{vec}(A) \otimes I_{pq})"
                r"\ \text{(vec column-major)}",
                lambda A, X: from_vec_jacobian(
                    np.kron(vec(A)[:, None], np.eye(X.size))[
                        kron_order(*A.shape, *X.shape, swapped=True)
                    ],
                    (A.shape[0] * X.shape[0], A.shape[1] * X.shape[1]),
                    X.shape,
                ),
                "the commutation matrix K_qm written with its indices swapped",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{vec}_{\text{row}}(A \otimes X)}"
            r"{\partial \operatorname{vec}_{\text{row}}(X)} = (I_m \otimes K_{pn} \otimes I_q)"
            r"(\operatorname{vec}_{\text{row}}(A) \otimes I_{pq})"
            r"\ \text{(row-major, numpy's reshape(-1))}",
        },
        related=("kronecker.kron-xa", "kronecker.kron-xx", "differentials.kronecker-right"),
        keywords=(
            "vec of a Kronecker product",
            "vec(A ⊗ X)",
            "Jacobian of A kron X",
            "d vec(A ⊗ X) / d vec(X)",
            "I_n ⊗ K_qm ⊗ I_p",
        ),
    )
)


@shaped
def kron_xa(X: Arr["m n"], A: Arr["p q"]):
    """The Kronecker product ``X ⊗ A`` (mp x nq).

    >>> kron_xa(np.array([[1.0, 3.0]]), np.array([[2.0]]))
    array([[2., 6.]])
    """
    return np.kron(X, A)


@shaped_like(kron_xa)
def jac_kron_xa(X, A):
    """Jacobian of ``X -> X ⊗ A``: ``(I_n ⊗ K_qm ⊗ I_p)(I_mn ⊗ vec A)`` on the column-major vec."""
    (m, n), (p, q) = X.shape, A.shape
    J = np.kron(np.eye(m * n), vec(A)[:, None])[kron_order(m, n, p, q)]
    return from_vec_jacobian(J, (m * p, n * q), X.shape)


def _sp_jac_kron_xa(X, A):
    (m, n), (p, q) = X.shape, A.shape
    J = _sp_kron_permutation(m, n, p, q) * _sp_kron(sp.eye(m * n), _sp_vec(A))
    return _sp_kron(X, A), _sp_layout(J, (m * p, n * q), X.shape)


register(
    Identity(
        id="kronecker.kron-xa",
        title="Jacobian of X to X ⊗ A in vec layout",
        formula=r"\frac{\partial \operatorname{vec}(X \otimes A)}{\partial \operatorname{vec}(X)} = "
        r"(I_n \otimes K_{qm} \otimes I_p)(I_{mn} \otimes \operatorname{vec}(A))"
        r"\ \text{(vec column-major)}",
        wrt="X",
        kind="jacobian",
        value=kron_xa,
        derivative=jac_kron_xa,
        symbolic=_sp_jac_kron_xa,
        symbolic_dims=SYMBOLIC_KRON,
        sources=(
            f"{MAGNUS_2019}, ch. 3, Theorem 3.10 (vec of a Kronecker product)",
            f"{MAGNUS_2019}, ch. 9 (first-order differentials and Jacobian matrices)",
        ),
        assumptions=f"X is m x n; A constant, p x q. {COMMUTATION} {VEC}",
        derivation=r"""
By Theorem 3.10, $\operatorname{vec}(X\otimes A) = (I_n\otimes K_{qm}\otimes I_p)
(\operatorname{vec}X\otimes\operatorname{vec}A)$, and with $A$ constant
$\operatorname{vec}X\otimes\operatorname{vec}A = (I_{mn}\otimes\operatorname{vec}A)
\operatorname{vec}X$ (a column times the scalar entries of $\operatorname{vec}X$). The map is
linear: this product is the Jacobian, the vec form of `differentials.kronecker-left`,
$d(X\otimes A) = dX\otimes A$. Row by row it is
$(I_m\otimes K_{pn}\otimes I_q)(I_{mn}\otimes\operatorname{vec}_{\text{row}}A)$.
""",
        mistakes=(
            Mistake(
                r"(I_n \otimes K_{qm} \otimes I_p)(\operatorname{vec}(A) \otimes I_{mn})"
                r"\ \text{(vec column-major)}",
                lambda X, A: from_vec_jacobian(
                    np.kron(vec(A)[:, None], np.eye(X.size))[kron_order(*X.shape, *A.shape)],
                    (X.shape[0] * A.shape[0], X.shape[1] * A.shape[1]),
                    X.shape,
                ),
                "the factors of vec X ⊗ vec A in the wrong order, as if the constant came "
                "first (the A ⊗ X rule)",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{vec}_{\text{row}}(X \otimes A)}"
            r"{\partial \operatorname{vec}_{\text{row}}(X)} = (I_m \otimes K_{pn} \otimes I_q)"
            r"(I_{mn} \otimes \operatorname{vec}_{\text{row}}(A))"
            r"\ \text{(row-major, numpy's reshape(-1))}",
        },
        related=("kronecker.kron-ax", "kronecker.kron-xx", "differentials.kronecker-left"),
        keywords=(
            "vec(X ⊗ A)",
            "Jacobian of X kron A",
            "d vec(X ⊗ A) / d vec(X)",
            "vec of a Kronecker product",
        ),
    )
)


@shaped
def kron_xx(X: Arr["m n"]):
    """The Kronecker square ``X ⊗ X`` (m^2 x n^2).

    >>> kron_xx(np.array([[1.0, 2.0]]))
    array([[1., 2., 2., 4.]])
    """
    return np.kron(X, X)


@shaped_like(kron_xx)
def jac_kron_xx(X):
    """Jacobian of ``X -> X ⊗ X``: ``(I_n ⊗ K_nm ⊗ I_m)(I_mn ⊗ vec X + vec X ⊗ I_mn)``."""
    m, n = X.shape
    x = vec(X)[:, None]
    J = (np.kron(np.eye(m * n), x) + np.kron(x, np.eye(m * n)))[kron_order(m, n, m, n)]
    return from_vec_jacobian(J, (m * m, n * n), X.shape)


def _sp_jac_kron_xx(X):
    m, n = X.shape
    x = _sp_vec(X)
    J = _sp_kron_permutation(m, n, m, n) * (_sp_kron(sp.eye(m * n), x) + _sp_kron(x, sp.eye(m * n)))
    return _sp_kron(X, X), _sp_layout(J, (m * m, n * n), X.shape)


register(
    Identity(
        id="kronecker.kron-xx",
        title="Jacobian of the Kronecker square X ⊗ X in vec layout",
        formula=r"\frac{\partial \operatorname{vec}(X \otimes X)}{\partial \operatorname{vec}(X)} = "
        r"(I_n \otimes K_{nm} \otimes I_m)(I_{mn} \otimes \operatorname{vec}(X) + "
        r"\operatorname{vec}(X) \otimes I_{mn})\ \text{(vec column-major)}",
        wrt="X",
        kind="jacobian",
        value=kron_xx,
        derivative=jac_kron_xx,
        symbolic=_sp_jac_kron_xx,
        symbolic_dims=SYMBOLIC_KRON,
        sources=(
            f"{MAGNUS_2019}, ch. 3, Theorem 3.10 (vec of a Kronecker product)",
            f"{MAGNUS_2019}, ch. 9 (first-order differentials and Jacobian matrices: "
            "d(X ⊗ X) = dX ⊗ X + X ⊗ dX)",
        ),
        assumptions=f"X is m x n, any shape. {COMMUTATION} {VEC}",
        derivation=r"""
The product rule for $\otimes$ gives $d(X\otimes X) = dX\otimes X + X\otimes dX$. By
Theorem 3.10 with both factors $m\times n$, $\operatorname{vec}(X\otimes X) =
(I_n\otimes K_{nm}\otimes I_m)(\operatorname{vec}X\otimes\operatorname{vec}X)$, and
$d(x\otimes x) = dx\otimes x + x\otimes dx = (I_{mn}\otimes x + x\otimes I_{mn})\,dx$ for
$x = \operatorname{vec}X$. The two terms differ (they are not $2\,x\otimes dx$). Row by row it is
$(I_m\otimes K_{mn}\otimes I_n)(I_{mn}\otimes\operatorname{vec}_{\text{row}}X +
\operatorname{vec}_{\text{row}}X\otimes I_{mn})$.
""",
        mistakes=(
            Mistake(
                r"2\,(I_n \otimes K_{nm} \otimes I_m)(\operatorname{vec}(X) \otimes I_{mn})"
                r"\ \text{(vec column-major)}",
                lambda X: from_vec_jacobian(
                    2 * np.kron(vec(X)[:, None], np.eye(X.size))[kron_order(*X.shape, *X.shape)],
                    (X.shape[0] ** 2, X.shape[1] ** 2),
                    X.shape,
                ),
                "the scalar rule d(x^2) = 2x dx: dX ⊗ X and X ⊗ dX hold the same products in "
                "different places",
            ),
            Mistake(
                r"I_{mn} \otimes \operatorname{vec}(X) + \operatorname{vec}(X) \otimes I_{mn}"
                r"\ \text{(vec column-major)}",
                lambda X: from_vec_jacobian(
                    np.kron(np.eye(X.size), vec(X)[:, None])
                    + np.kron(vec(X)[:, None], np.eye(X.size)),
                    (X.shape[0] ** 2, X.shape[1] ** 2),
                    X.shape,
                ),
                "the Jacobian of vec X ⊗ vec X, without the permutation to vec(X ⊗ X)",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{vec}_{\text{row}}(X \otimes X)}"
            r"{\partial \operatorname{vec}_{\text{row}}(X)} = (I_m \otimes K_{mn} \otimes I_n)"
            r"(I_{mn} \otimes \operatorname{vec}_{\text{row}}(X) + \operatorname{vec}_{\text{row}}"
            r"(X) \otimes I_{mn})\ \text{(row-major, numpy's reshape(-1))}",
        },
        related=("kronecker.kron-ax", "kronecker.kron-xa", "traces.kron-xx"),
        keywords=(
            "Kronecker square",
            "vec(X ⊗ X)",
            "Jacobian of X kron X",
            "d(X ⊗ X)",
            "vec of a Kronecker product",
        ),
    )
)


# -- scalar functions: a quadratic form in vec X, a trace and a log-determinant ------------------


@shaped
def vec_quadratic(X: Arr["m n"], A: Arr["n n"], B: Arr["m m"]):
    """The quadratic form ``vec(X)^T (A ⊗ B) vec(X)``, column-major vec.

    >>> vec_quadratic(np.array([[1.0, 2.0]]), np.eye(2), np.array([[3.0]]))
    np.float64(15.0)
    """
    x = vec(X)
    return x @ np.kron(A, B) @ x


@shaped_like(vec_quadratic)
def grad_vec_quadratic(X, A, B):
    """Gradient of ``vec(X)^T (A ⊗ B) vec(X)`` with respect to ``X``: ``B X A^T + B^T X A``."""
    return B @ X @ A.T + B.T @ X @ A


def hessian_vec_quadratic(X, A, B):
    """Hessian of ``vec(X)^T (A ⊗ B) vec(X)``: ``B_ik A_jl + B_ki A_lj`` at ``[i, j, k, l]``."""
    return np.einsum("ik,jl->ijkl", B, A) + np.einsum("ki,lj->ijkl", B, A)


def _sp_vec_quadratic(X, A, B):
    x = _sp_vec(X)
    return (x.T * _sp_kron(A, B) * x)[0, 0], B * X * A.T + B.T * X * A


register(
    Identity(
        id="kronecker.vec-quadratic",
        title="Gradient of the Kronecker quadratic form vec(X)ᵀ(A ⊗ B)vec(X)",
        formula=r"\nabla_X \operatorname{vec}(X)^\top (A \otimes B) \operatorname{vec}(X) = "
        r"B X A^\top + B^\top X A",
        where=(r"f = \operatorname{vec}(X)^\top (A \otimes B) \operatorname{vec}(X)",),
        wrt="X",
        kind="gradient",
        value=vec_quadratic,
        derivative=grad_vec_quadratic,
        symbolic=_sp_vec_quadratic,
        sources=(
            f"{_cookbook(520, 521)} (vec(AXB) = (B^T ⊗ A) vec X and tr(A^T B) = vec(A)^T vec(B))",
            f"{MAGNUS_2019}, ch. 2 (the vec operator) and ch. 10 (second-order differentials "
            "and Hessian matrices)",
        ),
        assumptions=(
            f"A (n x n) and B (m x m) constant, not necessarily symmetric; X is m x n. {VEC} "
            "With numpy's row-major X.ravel() in place of vec X, the same expression is a "
            "different function of X."
        ),
        derivation=r"""
By eq. 520, $(A\otimes B)\operatorname{vec}X = \operatorname{vec}(BXA^\top)$, and by eq. 521 the
inner product of two vecs is a trace: $f = \operatorname{tr}(X^\top BXA^\top)$ (the form of
`traces.xtbxc` with $C = A^\top$). Then $df = \operatorname{tr}(dX^\top BXA^\top) +
\operatorname{tr}(X^\top B\,dX\,A^\top) = \langle BXA^\top + B^\top XA,\ dX\rangle$. As a
vector, $\nabla_{\operatorname{vec}X} f = (A\otimes B + A^\top\otimes B^\top)\operatorname{vec}X$,
the gradient of any quadratic form $x^\top Mx$, $(M + M^\top)x$; the Hessian in vec layout is the
constant $A\otimes B + A^\top\otimes B^\top$, which acts on a direction $V$ as below.
""",
        hessian=hessian_vec_quadratic,
        hessian_formula=r"\nabla_X^2 f\,[V] = B V A^\top + B^\top V A",
        mistakes=(
            Mistake(
                r"2 B X A^\top",
                lambda X, A, B: 2 * B @ X @ A.T,
                "the symmetric shortcut 2Mx for x^T M x, right only when A ⊗ B is symmetric",
            ),
            Mistake(
                r"B X A + B^\top X A^\top",
                lambda X, A, B: B @ X @ A + B.T @ X @ A.T,
                "uses the Kronecker form of Cookbook eq. 524, a^T X B X^T c = vec(X)^T "
                "(B ⊗ c a^T) vec(X), which holds only for symmetric B (in general B^T ⊗ c a^T): "
                "A and A^T change places",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial f}{\partial X} = A X^\top B^\top + A^\top X^\top B",
        },
        related=("traces.xtbxc", "kronecker.vec-axb", "quadratic.grad-x"),
        keywords=(
            "vec(X)^T (A ⊗ B) vec(X)",
            "Kronecker quadratic form",
            "quadratic form in vec X",
            "matrix normal quadratic form",
            "Hessian in Kronecker form",
            "Cookbook 524",
        ),
    )
)


def _sample_trace_kron(rng, n):
    """A (m x n), X (p x q) and B (nq x mp): m, n, p, q, nq and mp distinct (m, n > 1)."""
    m, k, p, q = n + 1, n + 2, n + 3, n + 4
    return {
        "A": rng.standard_normal((m, k)),
        "X": rng.standard_normal((p, q)),
        "B": rng.standard_normal((k * q, m * p)),
    }


@shaped
def trace_kron_b(A: Arr["m n"], X: Arr["p q"], B: Arr["r s"]):
    """The trace ``tr((A ⊗ X) B)``, with ``B`` of shape (nq, mp).

    >>> trace_kron_b(np.eye(1), np.eye(2), np.eye(2))
    np.float64(2.0)
    """
    (m, n), (p, q) = A.shape, X.shape
    if B.shape != (n * q, m * p):
        raise ValueError(
            f"`B` must have shape (nq, mp) = ({n * q}, {m * p}), from A {A.shape} and "
            f"X {X.shape}; got shape {B.shape}"
        )
    return np.trace(np.kron(A, X) @ B)


@shaped_like(trace_kron_b)
def grad_trace_kron_b(A, X, B):
    """Gradient of ``tr((A ⊗ X) B)``: ``(vec(A)^T ⊗ I_p)(I_n ⊗ B^T)(vec(I_n) ⊗ I_q)``."""
    trace_kron_b(A, X, B)  # checks B's shape
    n, (p, q) = A.shape[1], X.shape
    left = np.kron(vec(A)[None, :], np.eye(p))
    right = np.kron(vec(np.eye(n))[:, None], np.eye(q))
    return left @ np.kron(np.eye(n), B.T) @ right


def _sp_trace_kron_b(A, X, B):
    n, (p, q) = A.cols, X.shape
    left = _sp_kron(_sp_vec(A).T, sp.eye(p))
    right = _sp_kron(_sp_vec(sp.eye(n)), sp.eye(q))
    return (_sp_kron(A, X) * B).trace(), left * _sp_kron(sp.eye(n), B.T) * right


register(
    Identity(
        id="kronecker.trace-kron",
        title="Gradient of the trace tr((A ⊗ X)B) with respect to X",
        formula=r"\nabla_X \operatorname{tr}((A \otimes X) B) = "
        r"(\operatorname{vec}(A)^\top \otimes I_p)(I_n \otimes B^\top)"
        r"(\operatorname{vec}(I_n) \otimes I_q)",
        latex=r"\nabla_X \operatorname{tr}((A \otimes X) B) = "
        r"(\operatorname{vec}(A)^\top \otimes I_p)(I_n \otimes B^\top)"
        r"(\operatorname{vec}(I_n) \otimes I_q),\qquad A \in \mathbb{R}^{m\times n},\ "
        r"X \in \mathbb{R}^{p\times q},\ B \in \mathbb{R}^{nq\times mp}",
        wrt="X",
        kind="gradient",
        value=trace_kron_b,
        derivative=grad_trace_kron_b,
        symbolic=_sp_trace_kron_b,
        sample=_sample_trace_kron,
        # the exact check names B's entries B_{i}{j} without a separator, so from 10 rows and
        # 10 columns on, B_111 is both (1, 11) and (11, 1): at base size 2, B is 24 x 15. Base
        # size 1 (A 2 x 3, X 4 x 5, B 15 x 8) is unambiguous; the numerical check runs at
        # every size, and tests/test_kronecker.py checks the block sum independently.
        symbolic_dims=(1,),
        sources=(
            f"{_cookbook(515, 520, 521)} (the trace of a Kronecker product, vec(AXB) and "
            "tr(A^T B) = vec(A)^T vec(B))",
            f"{MAGNUS_2019}, ch. 3, Theorem 3.10 (vec of a Kronecker product)",
        ),
        assumptions=(
            "A (m x n) and B (nq x mp) constant, any shapes; X is p x q. "
            f"vec(A) and vec(I_n) are column-major. {VEC} sympy checks base size 1 exactly "
            "(A 2 x 3, X 4 x 5, B 15 x 8); the numerical check covers every size, and a test "
            "compares the formula with the block sum of the derivation."
        ),
        derivation=r"""
Cut $B$ into $q\times p$ blocks $B_{ji}$ ($j \le n$, $i \le m$). Block $(i, j)$ of $A\otimes X$
is $A_{ij}X$, so diagonal block $i$ of $(A\otimes X)B$ is $\sum_j A_{ij}XB_{ji}$ and
$f = \sum_{i,j}A_{ij}\operatorname{tr}(XB_{ji})$, linear in $X$ with gradient
$\sum_{i,j}A_{ij}B_{ji}^\top$: the blocks of $B^\top$ weighted by the entries of $A$. In
matrix form, $(\operatorname{vec}(A)^\top\otimes I_p)(I_n\otimes B^\top)$ sums the block rows of
$B^\top$ with the weights of column $j$ of $A$, in copy $j$ of $B^\top$, and
$\operatorname{vec}(I_n)\otimes I_q$ picks block column $j$ of copy $j$. With $B = I$ and square
factors it is $\operatorname{tr}(A)\,I$ (`traces.kron-ax`, Cookbook eq. 105). In vec form,
$f = \operatorname{vec}(B^\top)^\top(I_n\otimes K_{qm}\otimes I_p)(\operatorname{vec}A\otimes
I_{pq})\operatorname{vec}X$ (eq. 521 and Theorem 3.10).
""",
        hessian="zero",
        hessian_formula=r"\nabla_X^2 \operatorname{tr}((A \otimes X) B) = 0",
        mistakes=(
            Mistake(
                r"(\operatorname{vec}(A^\top)^\top \otimes I_p)(I_n \otimes B^\top)"
                r"(\operatorname{vec}(I_n) \otimes I_q)",
                lambda A, X, B: (
                    np.kron(A.reshape(1, -1), np.eye(X.shape[0]))
                    @ np.kron(np.eye(A.shape[1]), B.T)
                    @ np.kron(vec(np.eye(A.shape[1]))[:, None], np.eye(X.shape[1]))
                ),
                "numpy's row-major A.ravel() where the column-major vec A is meant: the weights "
                "go to the wrong blocks",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}((A \otimes X) B)}{\partial X} = "
            r"(\operatorname{vec}(I_n)^\top \otimes I_q)(I_n \otimes B)"
            r"(\operatorname{vec}(A) \otimes I_p)",
        },
        related=("traces.kron-ax", "traces.kron-xx", "kronecker.kron-ax"),
        keywords=(
            "tr((A ⊗ X)B)",
            "trace of a Kronecker product times a matrix",
            "gradient of a trace with a Kronecker factor",
            "Kronecker trace",
        ),
    )
)


@shaped
def logdet_kron(A: Arr["m m"], X: Arr["n n"]):
    """The log-absolute-determinant ``ln|det(A ⊗ X)|``.

    >>> logdet_kron(np.eye(2), np.array([[np.e]]))
    np.float64(2.0)
    """
    return np.linalg.slogdet(np.kron(A, X))[1]


@shaped_like(logdet_kron)
def grad_logdet_kron(A, X):
    """Gradient of ``ln|det(A ⊗ X)|`` with respect to ``X``: ``m X^{-T}``."""
    return A.shape[0] * np.linalg.inv(X).T


def hessian_logdet_kron(A, X):
    """Hessian of ``ln|det(A ⊗ X)|``: ``-m (X^{-1})_jk (X^{-1})_li`` at ``[i, j, k, l]``."""
    Xinv = np.linalg.inv(X)
    return -A.shape[0] * np.einsum("jk,li->ijkl", Xinv, Xinv)


def _sp_logdet_kron(A, X):
    det = _sp_kron(A, X).det(method="berkowitz")
    return sp.log(det**2) / 2, A.rows * X.inv().T


register(
    Identity(
        id="kronecker.logdet-kron",
        title="Gradient of the log-determinant of a Kronecker product ln|det(A ⊗ X)|",
        formula=r"\nabla_X \ln\lvert\det(A \otimes X)\rvert = m X^{-\top}",
        wrt="X",
        kind="gradient",
        value=logdet_kron,
        derivative=grad_logdet_kron,
        symbolic=_sp_logdet_kron,
        structure={"A": "invertible", "X": "invertible"},
        # sympy expands det(A ⊗ X) of the full (mn x mn) matrix: 2 x 2 at base size 1,
        # 6 x 6 at 2 takes seconds; the numerical check runs at every size.
        symbolic_dims=(1,),
        sources=(
            f"{_cookbook(516)} (the determinant of a Kronecker product)",
            f"{MAGNUS_2019}, ch. 2 (the Kronecker product) and ch. 8 (d ln|X| = tr(X^{{-1}} dX))",
        ),
        assumptions=(
            "A (m x m) constant and X (n x n), both invertible. The determinant is taken of "
            "the (mn x mn) Kronecker product, so no vec convention enters. sympy checks the "
            "full determinant at base size 1 (det of a 2 x 2 Kronecker product) only; the "
            "numerical check covers every size. " + VEC
        ),
        derivation=r"""
$\det(A\otimes X) = \det(A)^n\det(X)^m$ (Cookbook eq. 516), so
$\ln\lvert\det(A\otimes X)\rvert = n\ln\lvert\det A\rvert + m\ln\lvert\det X\rvert$ and only the
second term depends on $X$: $d = m\operatorname{tr}(X^{-1}dX)$, the gradient is $mX^{-\top}$
(the power of $\det X$ is the size of $A$, not of $X$). It is the log-determinant term of a
matrix-normal log-likelihood, whose covariance is a Kronecker product.
""",
        hessian=hessian_logdet_kron,
        hessian_formula=r"\nabla_X^2 f\,[V] = -m X^{-\top} V^\top X^{-\top}",
        where=(r"f = \ln\lvert\det(A \otimes X)\rvert",),
        mistakes=(
            Mistake(
                r"n X^{-\top}",
                lambda A, X: X.shape[0] * np.linalg.inv(X).T,
                "swaps the exponents of det(A ⊗ X) = det(A)^n det(X)^m: the power of det X is "
                "the size of A, not of X",
            ),
            Mistake(
                r"X^{-\top}",
                lambda A, X: np.linalg.inv(X).T,
                "takes det(A ⊗ X) to be det(A) det(X), as if the determinant factored like "
                "the trace of a Kronecker product",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \ln\lvert\det(A \otimes X)\rvert}{\partial X} = "
            r"m X^{-1}",
        },
        related=("determinants.logabsdet", "kronecker.trace-kron"),
        keywords=(
            "log det of a Kronecker product",
            "ln det(A ⊗ X)",
            "det(A kron B)",
            "matrix normal log-likelihood",
            "Kronecker covariance",
        ),
    )
)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
TOPICS = (
    (
        "vec-products",
        "Vec of products and Gram matrices",
        (
            "kronecker.vec-axb",
            "kronecker.vec-axtb",
            "kronecker.gram-xtx",
            "kronecker.gram-xxt",
        ),
    ),
    (
        "kron-products",
        "Jacobians of Kronecker products in vec",
        (
            "kronecker.kron-ax",
            "kronecker.kron-xa",
            "kronecker.kron-xx",
        ),
    ),
    (
        "scalar-functions",
        "Scalar functions with Kronecker factors",
        (
            "kronecker.vec-quadratic",
            "kronecker.trace-kron",
            "kronecker.logdet-kron",
        ),
    ),
)
