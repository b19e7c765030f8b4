"""Structured matrices: derivatives with respect to a symmetric, diagonal or Toeplitz matrix.

What "the derivative of f with respect to a symmetric (diagonal, Toeplitz) matrix X" means
decides whether a formula can be used in a gradient step or a first-order expansion, and two
meanings are in use. **The gradient** (the sense this reference gives to ``\\nabla``) is the
gradient in the subspace S of structured matrices with the Frobenius inner product: the
unique D in S with ``f(X + V) = f(X) + <D, V>_F + o(V)`` for every V in S. It is the
orthogonal projection of the unconstrained gradient G onto S: ``(G + G^T) / 2`` for symmetric
X, ``G o I`` for diagonal X, the average of each diagonal of G for Toeplitz X. It is what a
gradient step ``X - t D`` (which stays in S) and the expansion ``<D, V>_F`` need. **The
partial derivatives with respect to the independent entries** (``X_ij = X_ji`` counted once,
i <= j; one value per diagonal of a Toeplitz matrix) are what the Matrix Cookbook's section
2.8 prints, laid out as a matrix: ``df/dX_ij = tr(G^T S^ij)`` with the structure matrix
``S^ij = dX/dX_ij`` (eqs 133-134). For symmetric X that is ``G + G^T - G o I`` (eq. 138):
twice the gradient off the diagonal. Used as a gradient, in a step or in ``<D, V>_F``, it
counts each off-diagonal pair twice; for a Toeplitz matrix each diagonal is counted as many
times as it has entries.

Both are verified here with the ordinary derivative checker, by writing the structure into
the value function, whose argument then ranges over all matrices: for the gradient, the value
is ``f(P(X))`` with P the orthogonal projection onto S (its gradient is ``P(G)`` because P is
self-adjoint, and it equals f on S); for the partial derivatives, the value is ``f(R(X))``
with R the map that reads the independent entries (the upper triangle, the first row and
column) and fills in the rest, so that the checker's gradient *is* the vector of partial
derivatives with respect to the independent entries, at their positions, and zero at the
positions they determine. Each identity says in its assumptions which meaning it has.
"""

import numpy as np

from gradref.catalog import Erratum, Identity, Mistake, register, register_erratum
from gradref.cookbook import Note
from gradref.identities.linear import COOKBOOK
from gradref.shapes import Arr, dims_of, sample, shaped, shaped_like


def _cookbook(equation: int) -> str:
    from gradref.cookbook import PAGES

    return f"{COOKBOOK}, eq. ({equation}), p. {PAGES[equation]}"


# -- structure maps (numpy arrays, real or complex, and sympy matrices alike) ----------------


def _entrywise(M, entry):
    """The square matrix of M's size with entries ``entry(i, j)``, of M's kind (numpy/sympy)."""
    n = M.shape[0]
    if isinstance(M, np.ndarray):
        rows = [[entry(i, j) for j in range(n)] for i in range(n)]
        return np.array(rows, dtype=np.result_type(M, float)).reshape(n, n)
    import sympy as sp

    return sp.Matrix(n, n, entry)


def diagonal_sum(M, d: int):
    """The sum of the entries of M on its diagonal ``d`` (``d > 0`` above the main one)."""
    n = M.shape[0]
    return sum((M[i, i + d] for i in range(n) if 0 <= i + d < n), 0)


def symmetric_part(X):
    """The orthogonal projection onto the symmetric matrices, ``(X + X^T) / 2``."""
    return (X + X.T) / 2


def diagonal_part(X):
    """``X o I``: the diagonal of X, the projection onto the diagonal matrices."""
    return _entrywise(X, lambda i, j: X[i, i] if i == j else 0)


def toeplitz_part(X):
    """The projection onto the Toeplitz matrices: each diagonal replaced by its mean."""
    n = X.shape[0]
    return _entrywise(X, lambda i, j: diagonal_sum(X, j - i) / (n - abs(j - i)))


def symmetric_toeplitz_part(X):
    """The projection onto the symmetric Toeplitz matrices: the mean over diagonals ``+-d``."""
    n = X.shape[0]

    def entry(i, j):
        d = abs(j - i)
        return (diagonal_sum(X, d) + diagonal_sum(X, -d)) / (2 * (n - d))

    return _entrywise(X, entry)


def symmetric_from_upper(X):
    """The symmetric matrix whose independent entries ``X_ij, i <= j`` are read from X."""
    return _entrywise(X, lambda i, j: X[min(i, j), max(i, j)])


def toeplitz_from_border(X):
    """The Toeplitz matrix with X's first row and first column (its 2n - 1 free values)."""
    return _entrywise(X, lambda i, j: X[0, j - i] if j >= i else X[i - j, 0])


def symmetric_toeplitz_from_row(X):
    """The symmetric Toeplitz matrix with X's first row (its n free values)."""
    return _entrywise(X, lambda i, j: X[0, abs(j - i)])


def upper_entries(M):
    """M at the independent entries of a symmetric matrix (i <= j), zero below."""
    return _entrywise(M, lambda i, j: M[i, j] if i <= j else 0)


def border_entries(M):
    """M at the independent entries of a Toeplitz matrix (first row and column), zero inside."""
    return _entrywise(M, lambda i, j: M[i, j] if i == 0 or j == 0 else 0)


def first_row_entries(M):
    """M at the independent entries of a symmetric Toeplitz matrix (first row), zero below."""
    return _entrywise(M, lambda i, j: M[i, j] if i == 0 else 0)


def alpha(A):
    """The Cookbook's alpha(A) (eq. 143): Toeplitz, diagonal d holds the sum of A^T's diagonal d.

    >>> alpha(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[5., 3.],
           [2., 5.]])
    """
    return _entrywise(A, lambda i, j: diagonal_sum(A.T, j - i))


def diagonal_counts(A):
    """The number of entries on the diagonal through (i, j): ``n - |i - j|``."""
    n = A.shape[0]
    return _entrywise(A, lambda i, j: n - abs(j - i))


def _at_least_two(value, structure):
    """A sampler that draws at base size ``max(n, 2)``: matrices from 2 x 2 on."""
    spec = dims_of(value)

    def draw(rng, n):
        return sample(spec, structure, rng, max(n, 2))

    return draw


def _tensor(direction, X):
    """The 4-tensor ``H[i, j, k, l]`` of the linear map ``V -> direction(V)``, from ``E_kl``."""
    columns = {}
    for k in range(X.shape[0]):
        for q in range(X.shape[1]):
            E = np.zeros(X.shape)
            E[k, q] = 1.0
            columns[k, q] = np.asarray(direction(E))
    H = np.zeros(X.shape + X.shape, dtype=np.result_type(*columns.values()))
    for (k, q), column in columns.items():
        H[:, :, k, q] = column
    return H


# -- the two meanings on a nonlinear f: a^T X^2 b (eq 138) ------------------------------------


def _gradient_of_bilinear_square(a, S, b):
    """Unconstrained gradient of ``a^T S^2 b`` at symmetric S: ``a (S b)^T + (S a) b^T``."""
    return np.outer(a, S @ b) + np.outer(S @ a, b)


def _sym_gradient_of_bilinear_square(a, S, b):
    return a * (S * b).T + (S.T * a) * b.T


@shaped
def bilinear_square_symmetric(a: Arr["n"], X: Arr["n n"], b: Arr["n"]):
    """``a^T X^2 b`` for symmetric X, extended to all X through ``(X + X^T) / 2``.

    >>> bilinear_square_symmetric(np.ones(2), np.array([[1.0, 2.0], [2.0, 0.0]]), np.ones(2))
    np.float64(13.0)
    """
    S = symmetric_part(X)
    return a @ S @ S @ b


@shaped_like(bilinear_square_symmetric)
def grad_bilinear_square_symmetric(a, X, b):
    """Gradient of ``a^T X^2 b`` over the symmetric matrices: ``sym(a b^T X + X a b^T)``."""
    S = symmetric_part(X)
    return symmetric_part(_gradient_of_bilinear_square(a, S, b))


def hessian_bilinear_square_symmetric(a, X, b):
    """Hessian over the symmetric matrices: ``V -> sym(a b^T W + W a b^T)``, ``W = sym(V)``."""
    ab = np.outer(a, b)
    return _tensor(lambda V: symmetric_part(ab @ symmetric_part(V) + symmetric_part(V) @ ab), X)


def _symbolic_bilinear_square_symmetric(a, X, b):
    S = symmetric_part(X)
    return (a.T * S * S * b)[0, 0], symmetric_part(_sym_gradient_of_bilinear_square(a, S, b))


register(
    Identity(
        id="structured.symmetric-gradient",
        title="Gradient with respect to a symmetric matrix (the projection, on a^T X^2 b)",
        formula=r"\nabla_X\, a^\top X^2 b = \operatorname{sym}(G) = \tfrac12 (G + G^\top),"
        r"\quad G = a b^\top X + X a b^\top",
        wrt="X",
        kind="gradient",
        value=bilinear_square_symmetric,
        derivative=grad_bilinear_square_symmetric,
        symbolic=_symbolic_bilinear_square_symmetric,
        structure={"X": "symmetric"},
        derivation=r"""
For $V$ symmetric, $f(X + V) - f(X) = a^\top (V X + X V) b + O(V^2)
= \langle G, V\rangle + O(V^2)$ with the unconstrained gradient
$G = a (X b)^\top + (X a) b^\top$, which is not symmetric. Only the symmetric part of $G$
pairs with a symmetric $V$: $\langle G, V\rangle = \langle \operatorname{sym}(G), V\rangle$,
and $\operatorname{sym}(G)$ is itself symmetric, so it is the gradient of $f$ on the space
$\mathbb{S}$ of symmetric matrices (the orthogonal projection of $G$ onto $\mathbb{S}$).
The check differentiates $X \mapsto f(\operatorname{sym}(X))$ over all matrices: its gradient
is $\operatorname{sym}(G)$ because $\operatorname{sym}$ is self-adjoint, and it equals $f$ on
$\mathbb{S}$.
""",
        hessian=hessian_bilinear_square_symmetric,
        hessian_formula=r"\nabla_X^2 f\,[V] = \operatorname{sym}(a b^\top V + V a b^\top)"
        r"\quad (V \in \mathbb{S})",
        mistakes=(
            Mistake(
                r"G + G^\top - G \circ I",
                lambda a, X, b: (lambda G: G + G.T - diagonal_part(G))(
                    _gradient_of_bilinear_square(a, symmetric_part(X), b)
                ),
                "the Cookbook's eq. (138), the partial derivatives with respect to the "
                "independent entries, used as a gradient: each off-diagonal entry is twice "
                "the gradient's",
            ),
            Mistake(
                "a b^\\top X + X a b^\\top",
                lambda a, X, b: _gradient_of_bilinear_square(a, symmetric_part(X), b),
                "the unconstrained gradient G: not symmetric, so a step along it leaves the "
                "symmetric matrices, and its antisymmetric part is not a rate of change of f",
            ),
        ),
        conventions={
            "numerator": r"\operatorname{sym}(G)\ \text{(symmetric: the same in either layout)}",
            "cookbook": r"\frac{df}{dA} = G + G^\top - \operatorname{diag}(G)"
            r"\ \text{(eq. 138: partial derivatives, not this gradient)}",
        },
        related=(
            "structured.symmetric-partials",
            "structured.trace-symmetric",
            "quadratic.grad-A",
        ),
        assumptions=(
            "X symmetric, a, b any vectors. The gradient in the space of symmetric matrices "
            "with the Frobenius inner product (the projection sym(G) of the unconstrained "
            "gradient G): the meaning to use in a gradient step or a first-order expansion"
        ),
        sources=(f"{COOKBOOK}, section 2.8 (eqs 133-138), which prints the partial derivatives",),
        keywords=(
            "symmetric matrix",
            "derivative with respect to a symmetric matrix",
            "gradient with respect to a symmetric matrix",
            "symmetric gradient",
            "sym(G)",
            "(G + G^T)/2",
            "projection onto symmetric matrices",
            "structured matrix",
        ),
    )
)


@shaped
def bilinear_square_from_upper(a: Arr["n"], X: Arr["n n"], b: Arr["n"]):
    """``a^T A^2 b`` with A the symmetric matrix of X's independent entries ``X_ij, i <= j``.

    >>> bilinear_square_from_upper(np.ones(2), np.array([[1.0, 2.0], [9.0, 0.0]]), np.ones(2))
    np.float64(13.0)
    """
    S = symmetric_from_upper(X)
    return a @ S @ S @ b


@shaped_like(bilinear_square_from_upper)
def partials_bilinear_square_symmetric(a, X, b):
    """Partial derivatives w.r.t. the entries ``i <= j``: ``[G + G^T - G o I]_ij``."""
    G = _gradient_of_bilinear_square(a, symmetric_from_upper(X), b)
    return upper_entries(G + G.T - diagonal_part(G))


def _symbolic_bilinear_square_from_upper(a, X, b):
    S = symmetric_from_upper(X)
    G = _sym_gradient_of_bilinear_square(a, S, b)
    return (a.T * S * S * b)[0, 0], upper_entries(G + G.T - diagonal_part(G))


_PARTIALS_SYMMETRIC = (
    r"Partial derivatives with respect to the independent entries $X_{ij}$, $i \le j$ "
    r"($X_{ji} = X_{ij}$ is the same variable), as the Cookbook defines them in eqs "
    r"(133)-(134) with the structure matrix $S^{ij} = J^{ij} + J^{ji} - J^{ij}J^{ij}$. The "
    r"reference returns each partial derivative once, at its position $(i, j)$, $i \le j$, "
    r"with zeros below the diagonal, where no variable stands; the Cookbook prints the same "
    r"values as a symmetric matrix, its entry $(j, i)$ repeating $(i, j)$. That symmetric "
    r"matrix is a layout of the partials, not the gradient of any function that agrees with "
    r"$f$ on the symmetric matrices, so what is checked is the triangle (the gradient of "
    r"$f(R(X))$, $R$ reading the upper triangle of $X$). Not the gradient either: off the "
    r"diagonal each partial is twice the gradient's entry, so it must not be used in a "
    r"gradient step or in $\langle D, V\rangle_F$"
)


register(
    Identity(
        id="structured.symmetric-partials",
        title="Partial derivatives with respect to the entries of a symmetric matrix (eq. 138)",
        formula=r"\frac{\partial f}{\partial X_{ij}} = \big[G + G^\top - G\circ I\big]_{ij}"
        r"\ (i \le j),\quad f = a^\top X^2 b,\ G = a b^\top X + X a b^\top",
        wrt="X",
        kind="gradient",
        value=bilinear_square_from_upper,
        derivative=partials_bilinear_square_symmetric,
        symbolic=_symbolic_bilinear_square_from_upper,
        structure={"X": "symmetric"},
        derivation=r"""
Take the independent entries $\theta_{ij} = X_{ij}$, $i \le j$, as the variables, so that
$X(\theta) = \sum_{i \le j} \theta_{ij} S^{ij}$ with $S^{ij} = J^{ij} + J^{ji}$ off the
diagonal and $S^{ii} = J^{ii}$. The chain rule (eq. 133) gives
$\partial f / \partial\theta_{ij} = \langle G, S^{ij}\rangle = G_{ij} + G_{ji}$ for
$i < j$ and $G_{ii}$ on the diagonal: the entries of $G + G^\top - G\circ I$, eq. (138),
here for $f = a^\top X^2 b$ with unconstrained gradient $G = a(Xb)^\top + (Xa)b^\top$. The
check differentiates $X \mapsto f(R(X))$, where $R$ builds the symmetric matrix from the
upper triangle of $X$: its gradient holds these partial derivatives at $i \le j$ and zeros
below the diagonal, where $X$ is not read.
""",
        mistakes=(
            Mistake(
                r"\big[\tfrac12 (G + G^\top)\big]_{ij}",
                lambda a, X, b: upper_entries(
                    symmetric_part(_gradient_of_bilinear_square(a, symmetric_from_upper(X), b))
                ),
                "the Frobenius gradient read as partial derivatives: each off-diagonal variable "
                "appears twice in X, so its partial derivative is twice that entry",
            ),
            Mistake(
                r"G_{ij}",
                lambda a, X, b: upper_entries(
                    _gradient_of_bilinear_square(a, symmetric_from_upper(X), b)
                ),
                "ignores the structure: X_ji moves with X_ij, and its term G_ji is lost",
            ),
        ),
        conventions={
            "numerator": r"\text{symmetric: the same in either layout}",
            "cookbook": r"\frac{df}{dA} = \left[\frac{\partial f}{\partial A}\right] + "
            r"\left[\frac{\partial f}{\partial A}\right]^T - "
            r"\mathrm{diag}\left[\frac{\partial f}{\partial A}\right]\ \text{(eq. 138)}",
        },
        related=("structured.symmetric-gradient", "structured.trace-symmetric-partials"),
        cookbook=(138,),
        assumptions=_PARTIALS_SYMMETRIC
        + ". Eq. (138) holds for any differentiable f; it is checked here on "
        r"$f = a^\top X^2 b$, whose unconstrained gradient is not symmetric",
        sources=(_cookbook(138), f"{COOKBOOK}, eqs. (133)-(134), p. 14-15"),
        keywords=(
            "symmetric matrix",
            "independent entries",
            "partial derivatives of a symmetric matrix",
            "G + G^T - diag(G)",
            "structure matrix",
            "derivative with respect to a symmetric matrix",
            "structured matrix",
        ),
    )
)


# -- tr(AX), X symmetric (eq 139) -------------------------------------------------------------


@shaped
def trace_symmetric(A: Arr["n n"], X: Arr["n n"]):
    """``tr(A X)`` for symmetric X, extended to all X through ``(X + X^T) / 2``.

    >>> trace_symmetric(np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([[0.0, 1.0], [1.0, 0.0]]))
    np.float64(2.0)
    """
    return np.trace(A @ symmetric_part(X))


@shaped_like(trace_symmetric)
def grad_trace_symmetric(A, X):
    """Gradient of ``tr(A X)`` over the symmetric matrices: ``(A + A^T) / 2``."""
    return (A + A.T) / 2


register(
    Identity(
        id="structured.trace-symmetric",
        title="Gradient of tr(AX) with respect to a symmetric matrix",
        formula=r"\nabla_X \operatorname{tr}(AX) = \tfrac12 (A + A^\top)",
        wrt="X",
        kind="gradient",
        value=trace_symmetric,
        derivative=grad_trace_symmetric,
        symbolic=lambda A, X: ((A * symmetric_part(X)).trace(), (A + A.T) / 2),
        structure={"X": "symmetric"},
        derivation=r"""
$d\operatorname{tr}(AX) = \operatorname{tr}(A\, dX) = \langle A^\top, dX\rangle$: the
unconstrained gradient is $A^\top$. For a symmetric direction $dX$ only the symmetric part
counts, $\langle A^\top, dX\rangle = \langle \tfrac12(A + A^\top), dX\rangle$, and
$\tfrac12(A + A^\top)$ is symmetric, so it is the gradient on the symmetric matrices. The
check differentiates $X \mapsto \operatorname{tr}(A \operatorname{sym}(X))$.
""",
        hessian="zero",
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(AX) = 0",
        mistakes=(
            Mistake(
                r"A + A^\top - A \circ I",
                lambda A, X: A + A.T - diagonal_part(A),
                "the Cookbook's eq. (139), the partial derivatives with respect to the "
                "independent entries, used as a gradient: twice the gradient off the diagonal",
            ),
            Mistake(
                r"A^\top",
                lambda A, X: A.T,
                "the unconstrained gradient: not symmetric, and a step along it leaves the "
                "symmetric matrices",
            ),
        ),
        conventions={
            "numerator": r"\tfrac12 (A + A^\top)\ \text{(symmetric: the same in either layout)}",
            "cookbook": r"\frac{\partial\mathrm{Tr}(AX)}{\partial X} = A + A^T - (A\circ I)"
            r"\ \text{(eq. 139: partial derivatives, not this gradient)}",
        },
        related=("structured.trace-symmetric-partials", "traces.axb", "structured.trace-diagonal"),
        assumptions=(
            "X symmetric, A any square matrix. The gradient in the space of symmetric "
            "matrices with the Frobenius inner product (the projection of the unconstrained "
            "gradient A^T): the meaning to use in a gradient step or a first-order expansion"
        ),
        sources=(f"{COOKBOOK}, section 2.8.2, which prints the partial derivatives (eq. 139)",),
        keywords=(
            "trace with a symmetric matrix",
            "tr(AX) symmetric",
            "derivative of a trace with respect to a symmetric matrix",
            "(A + A^T)/2",
            "symmetric matrix",
            "structured matrix",
        ),
    )
)


@shaped
def trace_from_upper(A: Arr["n n"], X: Arr["n n"]):
    """``tr(A S)`` with S the symmetric matrix of X's independent entries ``X_ij, i <= j``.

    >>> trace_from_upper(np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([[0.0, 1.0], [7.0, 0.0]]))
    np.float64(2.0)
    """
    return np.trace(A @ symmetric_from_upper(X))


@shaped_like(trace_from_upper)
def partials_trace_symmetric(A, X):
    """Partial derivatives of ``tr(A X)`` w.r.t. the entries ``i <= j``: ``A + A^T - A o I``."""
    return upper_entries(A + A.T - diagonal_part(A))


register(
    Identity(
        id="structured.trace-symmetric-partials",
        title="Partial derivatives of tr(AX) with respect to a symmetric matrix (eq. 139)",
        formula=r"\frac{\partial \operatorname{tr}(AX)}{\partial X_{ij}} = "
        r"\big[A + A^\top - A \circ I\big]_{ij}\ (i \le j)",
        wrt="X",
        kind="gradient",
        value=trace_from_upper,
        derivative=partials_trace_symmetric,
        symbolic=lambda A, X: (
            (A * symmetric_from_upper(X)).trace(),
            upper_entries(A + A.T - diagonal_part(A)),
        ),
        structure={"X": "symmetric"},
        derivation=r"""
$\operatorname{tr}(AX) = \sum_{kl} A_{lk} X_{kl}$. An off-diagonal variable $X_{ij}$,
$i < j$, stands at $(i, j)$ and at $(j, i)$, so
$\partial \operatorname{tr}(AX)/\partial X_{ij} = A_{ji} + A_{ij}$; a diagonal one stands
once, with coefficient $A_{ii}$. These are the entries of $A + A^\top - A\circ I$, eq. (139)
(eq. 138 with $G = A^\top$). The check differentiates $X \mapsto \operatorname{tr}(A R(X))$
with $R$ building the symmetric matrix from the upper triangle of $X$.
""",
        hessian="zero",
        hessian_formula=r"\frac{\partial^2 \operatorname{tr}(AX)}{\partial X_{ij}\,"
        r"\partial X_{kl}} = 0",
        mistakes=(
            Mistake(
                r"\big[\tfrac12 (A + A^\top)\big]_{ij}",
                lambda A, X: upper_entries((A + A.T) / 2),
                "the Frobenius gradient read as partial derivatives: half the right value off "
                "the diagonal",
            ),
            Mistake(
                r"A^\top_{ij}",
                lambda A, X: upper_entries(A.T),
                "ignores the structure: the term of the mirrored entry X_ji is lost",
            ),
        ),
        conventions={
            "numerator": r"\text{symmetric: the same in either layout}",
            "cookbook": r"\frac{\partial\mathrm{Tr}(AX)}{\partial X} = A + A^T - (A\circ I)"
            r"\ \text{(eq. 139)}",
        },
        related=("structured.trace-symmetric", "structured.symmetric-partials", "traces.axb"),
        cookbook=(139,),
        assumptions=_PARTIALS_SYMMETRIC + "; A any square matrix",
        sources=(_cookbook(139),),
        keywords=(
            "trace with a symmetric matrix",
            "A + A^T - A o I",
            "A + A^T - diag(A)",
            "independent entries",
            "symmetric matrix",
            "structured matrix",
        ),
    )
)


# -- det X and ln det X, X symmetric (eqs 140, 141) -------------------------------------------


@shaped
def det_symmetric(X: Arr["n n"]):
    """``det X`` for symmetric X, extended to all X through ``(X + X^T) / 2``.

    >>> det_symmetric(np.array([[2.0, 0.0], [0.0, 2.0]]))
    np.float64(4.0)
    """
    return np.linalg.det(symmetric_part(X))


@shaped_like(det_symmetric)
def grad_det_symmetric(X):
    """Gradient of ``det X`` over the symmetric matrices: ``det(X) X^{-1}``."""
    S = symmetric_part(X)
    return np.linalg.det(S) * np.linalg.inv(S)


def _det_direction(S, W):
    """The derivative of ``det(S) S^{-1}`` along W."""
    Si = np.linalg.inv(S)
    return np.linalg.det(S) * (np.trace(Si @ W) * Si - Si @ W @ Si)


def hessian_det_symmetric(X):
    """Hessian over the symmetric matrices: ``det(X) (tr(X^{-1} W) X^{-1} - X^{-1} W X^{-1})``."""
    S = symmetric_part(X)
    return _tensor(lambda V: _det_direction(S, symmetric_part(V)), X)


register(
    Identity(
        id="structured.det-symmetric",
        title="Gradient of the determinant with respect to a symmetric matrix",
        formula=r"\nabla_X \det X = \det(X)\, X^{-1}",
        wrt="X",
        kind="gradient",
        value=det_symmetric,
        derivative=grad_det_symmetric,
        sample=_at_least_two(det_symmetric, {"X": "spd"}),
        symbolic=lambda X: (
            symmetric_part(X).det(),
            symmetric_part(X).adjugate(),
        ),
        structure={"X": "spd"},
        derivation=r"""
$d \det X = \det(X) \operatorname{tr}(X^{-1} dX) = \langle \det(X) X^{-\top}, dX\rangle$
(eq. 42), so the unconstrained gradient is $\det(X) X^{-\top}$. For symmetric $X$ it is
already symmetric, $\det(X) X^{-1}$, hence it is also the gradient on the symmetric
matrices: the projection leaves it unchanged. (Symbolically it is the adjugate of $X$.) The
check differentiates $X \mapsto \det(\operatorname{sym}(X))$.
""",
        hessian=hessian_det_symmetric,
        hessian_formula=r"\nabla_X^2 \det X\,[V] = \det(X)\big(\operatorname{tr}(X^{-1}V)\,"
        r"X^{-1} - X^{-1} V X^{-1}\big)\quad (V \in \mathbb{S})",
        mistakes=(
            Mistake(
                r"\det(X)\big(2X^{-1} - X^{-1}\circ I\big)",
                lambda X: (
                    np.linalg.det(X) * (2 * np.linalg.inv(X) - diagonal_part(np.linalg.inv(X)))
                ),
                "the Cookbook's eq. (140), the partial derivatives with respect to the "
                "independent entries, used as a gradient: twice the gradient off the diagonal",
            ),
            Mistake(
                r"2\det(X)\, X^{-1}",
                lambda X: 2 * np.linalg.det(X) * np.linalg.inv(X),
                "doubles every entry for the symmetry, the diagonal included",
            ),
        ),
        conventions={
            "numerator": r"\det(X)\, X^{-1}\ \text{(symmetric: the same in either layout)}",
            "cookbook": r"\frac{\partial\det(X)}{\partial X} = \det(X)(2X^{-1} - "
            r"(X^{-1}\circ I))\ \text{(eq. 140: partial derivatives, not this gradient)}",
        },
        related=("structured.det-symmetric-partials", "structured.logdet-symmetric"),
        assumptions=(
            "X symmetric and invertible (sampled positive definite, from 2 x 2 on: for n = 1 "
            "the gradient is the constant 1 and the Hessian has nothing to measure). The "
            "gradient in the "
            "space of symmetric matrices with the Frobenius inner product; it coincides with "
            "the unconstrained gradient det(X) X^{-T}, which is already symmetric"
        ),
        sources=(
            f"{COOKBOOK}, eqs. (42) and (49); section 2.8.2 prints the partial "
            "derivatives (eq. 140)",
        ),
        keywords=(
            "determinant of a symmetric matrix",
            "derivative of det with respect to a symmetric matrix",
            "det(X) X^-1",
            "adjugate",
            "symmetric matrix",
            "structured matrix",
        ),
    )
)


@shaped
def det_from_upper(X: Arr["n n"]):
    """``det S`` with S the symmetric matrix of X's independent entries ``X_ij, i <= j``.

    >>> det_from_upper(np.array([[2.0, 0.0], [5.0, 2.0]]))
    np.float64(4.0)
    """
    return np.linalg.det(symmetric_from_upper(X))


@shaped_like(det_from_upper)
def partials_det_symmetric(X):
    """Partial derivatives of ``det X`` w.r.t. ``X_ij, i <= j``: ``det(X)(2X^{-1} - X^{-1} o I)``."""
    S = symmetric_from_upper(X)
    Si = np.linalg.inv(S)
    return upper_entries(np.linalg.det(S) * (2 * Si - diagonal_part(Si)))


def _symbolic_det_from_upper(X):
    S = symmetric_from_upper(X)
    adj = S.adjugate()
    return S.det(), upper_entries(2 * adj - diagonal_part(adj))


register(
    Identity(
        id="structured.det-symmetric-partials",
        title="Partial derivatives of the determinant with respect to a symmetric matrix (eq. 140)",
        formula=r"\frac{\partial \det X}{\partial X_{ij}} = "
        r"\big[\det(X)\big(2X^{-1} - X^{-1}\circ I\big)\big]_{ij}\ (i \le j)",
        wrt="X",
        kind="gradient",
        value=det_from_upper,
        derivative=partials_det_symmetric,
        symbolic=_symbolic_det_from_upper,
        structure={"X": "spd"},
        derivation=r"""
The unconstrained gradient is $G = \det(X) X^{-\top} = \det(X) X^{-1}$ for symmetric $X$.
By eq. (138) the partial derivative with respect to an independent entry is
$[G + G^\top - G \circ I]_{ij} = [2G - G\circ I]_{ij}$ ($G$ is symmetric), which is
eq. (140): the off-diagonal variable $X_{ij} = X_{ji}$ enters $\det X$ through two entries.
The check differentiates $X \mapsto \det(R(X))$, $R$ building the symmetric matrix from the
upper triangle of $X$.
""",
        mistakes=(
            Mistake(
                r"\big[\det(X)\, X^{-1}\big]_{ij}",
                lambda X: upper_entries(np.linalg.det(X) * np.linalg.inv(X)),
                "the gradient read as partial derivatives: half the right value off the diagonal",
            ),
            Mistake(
                r"\big[2\det(X)\, X^{-1}\big]_{ij}",
                lambda X: upper_entries(2 * np.linalg.det(X) * np.linalg.inv(X)),
                "doubles the diagonal too: a diagonal entry appears once in X",
            ),
        ),
        conventions={
            "numerator": r"\text{symmetric: the same in either layout}",
            "cookbook": r"\frac{\partial\det(X)}{\partial X} = \det(X)(2X^{-1} - "
            r"(X^{-1}\circ I))\ \text{(eq. 140)}",
        },
        related=("structured.det-symmetric", "structured.logdet-symmetric-partials"),
        cookbook=(140,),
        assumptions=_PARTIALS_SYMMETRIC + "; X invertible (sampled positive definite)",
        sources=(_cookbook(140),),
        keywords=(
            "determinant of a symmetric matrix",
            "2X^-1 - X^-1 o I",
            "independent entries",
            "symmetric matrix",
            "structured matrix",
        ),
    )
)


@shaped
def logdet_symmetric(X: Arr["n n"]):
    """``ln det X`` for symmetric positive definite X, through ``(X + X^T) / 2``.

    >>> logdet_symmetric(np.array([[1.0, 0.0], [0.0, 1.0]]))
    np.float64(0.0)
    """
    return np.log(np.linalg.det(symmetric_part(X)))


@shaped_like(logdet_symmetric)
def grad_logdet_symmetric(X):
    """Gradient of ``ln det X`` over the symmetric matrices: ``X^{-1}``."""
    return np.linalg.inv(symmetric_part(X))


def hessian_logdet_symmetric(X):
    """Hessian over the symmetric matrices: ``V -> -X^{-1} W X^{-1}``, ``W = sym(V)``."""
    Si = np.linalg.inv(symmetric_part(X))
    return _tensor(lambda V: -Si @ symmetric_part(V) @ Si, X)


def _symbolic_logdet(S, claimed):
    import sympy as sp

    return sp.log(S.det()), claimed(S.adjugate() / S.det())


register(
    Identity(
        id="structured.logdet-symmetric",
        title="Gradient of the log-determinant with respect to a symmetric matrix",
        formula=r"\nabla_X \ln\det X = X^{-1}",
        wrt="X",
        kind="gradient",
        value=logdet_symmetric,
        derivative=grad_logdet_symmetric,
        symbolic=lambda X: _symbolic_logdet(symmetric_part(X), lambda Si: Si),
        structure={"X": "spd"},
        derivation=r"""
$d \ln\det X = \operatorname{tr}(X^{-1} dX) = \langle X^{-\top}, dX\rangle$ (eq. 43). For
symmetric $X$ the unconstrained gradient $X^{-\top} = X^{-1}$ is symmetric, so it is its own
projection: the gradient on the symmetric matrices is $X^{-1}$, the formula used in
maximum-likelihood estimation of a covariance. The check differentiates
$X \mapsto \ln\det(\operatorname{sym}(X))$.
""",
        hessian=hessian_logdet_symmetric,
        hessian_formula=r"\nabla_X^2 \ln\det X\,[V] = -X^{-1} V X^{-1}\quad (V \in \mathbb{S})",
        mistakes=(
            Mistake(
                r"2X^{-1} - X^{-1}\circ I",
                lambda X: 2 * np.linalg.inv(X) - diagonal_part(np.linalg.inv(X)),
                "the Cookbook's eq. (141), the partial derivatives with respect to the "
                "independent entries, used as a gradient: twice the gradient off the diagonal",
            ),
            Mistake(
                r"2X^{-1}",
                lambda X: 2 * np.linalg.inv(X),
                "doubles every entry for the symmetry, the diagonal included",
            ),
        ),
        conventions={
            "numerator": r"X^{-1}\ \text{(symmetric: the same in either layout)}",
            "cookbook": r"\frac{\partial\ln\det(X)}{\partial X} = 2X^{-1} - (X^{-1}\circ I)"
            r"\ \text{(eq. 141: partial derivatives, not this gradient)}",
        },
        related=("structured.logdet-symmetric-partials", "structured.det-symmetric"),
        assumptions=(
            "X symmetric positive definite. The gradient in the space of symmetric matrices "
            "with the Frobenius inner product; it coincides with the unconstrained gradient "
            "X^{-T}, already symmetric"
        ),
        sources=(f"{COOKBOOK}, eq. (43); section 2.8.2 prints the partial derivatives (eq. 141)",),
        keywords=(
            "log determinant of a symmetric matrix",
            "logdet symmetric",
            "log det",
            "X^-1",
            "covariance",
            "maximum likelihood",
            "symmetric matrix",
            "structured matrix",
        ),
    )
)


@shaped
def logdet_from_upper(X: Arr["n n"]):
    """``ln det S`` with S the symmetric matrix of X's independent entries ``X_ij, i <= j``.

    >>> logdet_from_upper(np.array([[1.0, 0.0], [5.0, 1.0]]))
    np.float64(0.0)
    """
    return np.log(np.linalg.det(symmetric_from_upper(X)))


@shaped_like(logdet_from_upper)
def partials_logdet_symmetric(X):
    """Partial derivatives of ``ln det X`` w.r.t. ``X_ij, i <= j``: ``2X^{-1} - X^{-1} o I``."""
    Si = np.linalg.inv(symmetric_from_upper(X))
    return upper_entries(2 * Si - diagonal_part(Si))


register(
    Identity(
        id="structured.logdet-symmetric-partials",
        title="Partial derivatives of the log-determinant with respect to a symmetric matrix "
        "(eq. 141)",
        formula=r"\frac{\partial \ln\det X}{\partial X_{ij}} = "
        r"\big[2X^{-1} - X^{-1}\circ I\big]_{ij}\ (i \le j)",
        wrt="X",
        kind="gradient",
        value=logdet_from_upper,
        derivative=partials_logdet_symmetric,
        symbolic=lambda X: _symbolic_logdet(
            symmetric_from_upper(X), lambda Si: upper_entries(2 * Si - diagonal_part(Si))
        ),
        structure={"X": "spd"},
        derivation=r"""
The unconstrained gradient of $\ln\det X$ is $G = X^{-\top} = X^{-1}$ (symmetric). Eq. (138)
turns it into the partial derivatives with respect to the independent entries,
$[2G - G\circ I]_{ij}$: eq. (141). Dividing eq. (140) by $\det X$ gives the same. The check
differentiates $X \mapsto \ln\det(R(X))$, $R$ building the symmetric matrix from the upper
triangle of $X$.
""",
        mistakes=(
            Mistake(
                r"\big[X^{-1}\big]_{ij}",
                lambda X: upper_entries(np.linalg.inv(X)),
                "the gradient read as partial derivatives: half the right value off the diagonal",
            ),
            Mistake(
                r"\big[2X^{-1}\big]_{ij}",
                lambda X: upper_entries(2 * np.linalg.inv(X)),
                "doubles the diagonal too: a diagonal entry appears once in X",
            ),
        ),
        conventions={
            "numerator": r"\text{symmetric: the same in either layout}",
            "cookbook": r"\frac{\partial\ln\det(X)}{\partial X} = 2X^{-1} - (X^{-1}\circ I)"
            r"\ \text{(eq. 141)}",
        },
        related=("structured.logdet-symmetric", "structured.det-symmetric-partials"),
        cookbook=(141,),
        assumptions=_PARTIALS_SYMMETRIC + "; X positive definite",
        sources=(_cookbook(141),),
        keywords=(
            "log determinant of a symmetric matrix",
            "2X^-1 - X^-1 o I",
            "logdet symmetric",
            "independent entries",
            "symmetric matrix",
            "structured matrix",
        ),
    )
)


# -- tr(AX), X diagonal (eq 142) -------------------------------------------------------------


@shaped
def trace_diagonal(A: Arr["n n"], X: Arr["n n"]):
    """``tr(A X)`` for diagonal X, extended to all X through ``X o I``.

    >>> trace_diagonal(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 9.0], [9.0, 1.0]]))
    np.float64(5.0)
    """
    return np.trace(A @ diagonal_part(X))


@shaped_like(trace_diagonal)
def grad_trace_diagonal(A, X):
    """Gradient of ``tr(A X)`` over the diagonal matrices: ``A o I``."""
    return diagonal_part(A)


register(
    Identity(
        id="structured.trace-diagonal",
        title="Gradient of tr(AX) with respect to a diagonal matrix",
        formula=r"\nabla_X \operatorname{tr}(AX) = A \circ I",
        wrt="X",
        kind="gradient",
        value=trace_diagonal,
        derivative=grad_trace_diagonal,
        symbolic=lambda A, X: ((A * diagonal_part(X)).trace(), diagonal_part(A)),
        structure={"X": "diagonal"},
        derivation=r"""
For diagonal $X$, $\operatorname{tr}(AX) = \sum_i A_{ii} X_{ii}$, so the partial derivative
with respect to the independent entry $X_{ii}$ is $A_{ii}$. The projection of the
unconstrained gradient $A^\top$ onto the diagonal matrices keeps its diagonal, $A \circ I$,
the same matrix: for diagonal structure the two meanings agree, as each independent entry
appears once in $X$. The check differentiates $X \mapsto \operatorname{tr}(A (X\circ I))$.
""",
        hessian="zero",
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(AX) = 0",
        mistakes=(
            Mistake(
                r"A^\top",
                lambda A, X: A.T,
                "the unconstrained gradient: the off-diagonal entries of X are not variables",
            ),
        ),
        conventions={
            "numerator": r"A \circ I\ \text{(diagonal: the same in either layout)}",
            "cookbook": r"\frac{\partial\mathrm{Tr}(AX)}{\partial X} = A\circ I"
            r"\ \text{(eq. 142)}",
        },
        related=("structured.trace-symmetric", "traces.axb"),
        cookbook=(142,),
        assumptions=(
            "X diagonal, A any square matrix. Both meanings coincide here: A o I is the "
            "gradient on the diagonal matrices (the projection of A^T) and, on the diagonal, "
            "the partial derivatives with respect to the independent entries X_ii"
        ),
        sources=(_cookbook(142),),
        keywords=(
            "diagonal matrix",
            "derivative with respect to a diagonal matrix",
            "A o I",
            "diag(A)",
            "trace with a diagonal matrix",
            "structured matrix",
        ),
    )
)


# -- tr(AT), T Toeplitz (eqs 143, 144) --------------------------------------------------------


@shaped
def trace_toeplitz(A: Arr["n n"], T: Arr["n n"]):
    """``tr(A T)`` for Toeplitz T, extended to all T by averaging each diagonal.

    >>> trace_toeplitz(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 0.0], [1.0, 3.0]]))
    np.float64(12.0)
    """
    return np.trace(A @ toeplitz_part(T))


@shaped_like(trace_toeplitz)
def grad_trace_toeplitz(A, T):
    """Gradient of ``tr(A T)`` over the Toeplitz matrices: ``alpha(A)`` over the diagonal lengths."""
    return alpha(A) / diagonal_counts(A)


register(
    Identity(
        id="structured.trace-toeplitz",
        title="Gradient of tr(AT) with respect to a Toeplitz matrix",
        formula=r"\nabla_T \operatorname{tr}(AT) = \alpha(A) \oslash N,\quad "
        r"N_{ij} = n - |i - j|",
        where=(r"\alpha(A)_{ij} = \sum_{q - p = j - i} A_{qp}",),
        wrt="T",
        kind="gradient",
        value=trace_toeplitz,
        derivative=grad_trace_toeplitz,
        symbolic=lambda A, T: ((A * toeplitz_part(T)).trace(), toeplitz_part(A.T)),
        structure={"T": "toeplitz"},
        derivation=r"""
The unconstrained gradient of $\operatorname{tr}(AT)$ is $A^\top$. The Toeplitz matrices
are spanned by the diagonal patterns $E_d = \sum_{j - i = d} J^{ij}$, orthogonal to each
other with $\|E_d\|_F^2 = n - |d|$, so the projection of $A^\top$ replaces each diagonal by
its mean: on diagonal $d$, $\langle A^\top, E_d\rangle / (n - |d|) = \alpha(A)_{ij} /
(n - |i - j|)$, with $\alpha(A)$ the Cookbook's matrix of diagonal sums (eq. 143). The check
differentiates $T \mapsto \operatorname{tr}(A P(T))$, $P$ the per-diagonal averaging.
""",
        hessian="zero",
        hessian_formula=r"\nabla_T^2 \operatorname{tr}(AT) = 0",
        mistakes=(
            Mistake(
                r"\alpha(A)",
                lambda A, T: alpha(A),
                "the Cookbook's eq. (143), the partial derivatives with respect to the 2n - 1 "
                "free values, used as a gradient: diagonal d is counted n - |d| times",
            ),
            Mistake(
                r"A^\top",
                lambda A, T: A.T,
                "the unconstrained gradient: not Toeplitz, so a step along it leaves the "
                "Toeplitz matrices",
            ),
        ),
        conventions={
            "numerator": r"\big(\alpha(A) \oslash N\big)^\top = \alpha(A^\top) \oslash N",
            "cookbook": r"\frac{\partial\mathrm{Tr}(AT)}{\partial T} = \alpha(A)"
            r"\ \text{(eq. 143: partial derivatives, not this gradient)}",
        },
        related=("structured.trace-toeplitz-partials", "structured.trace-symmetric-toeplitz"),
        assumptions=(
            "T Toeplitz (unconstrained otherwise: 2n - 1 free values), A any square matrix. "
            "The gradient in the space of Toeplitz matrices with the Frobenius inner product: "
            "each diagonal of A^T replaced by its mean"
        ),
        sources=(f"{COOKBOOK}, section 2.8.4, which prints the partial derivatives (eq. 143)",),
        keywords=(
            "toeplitz matrix",
            "derivative with respect to a toeplitz matrix",
            "gradient with respect to a toeplitz matrix",
            "diagonal averages",
            "projection onto toeplitz matrices",
            "structured matrix",
        ),
    )
)


@shaped
def trace_toeplitz_from_border(A: Arr["n n"], T: Arr["n n"]):
    """``tr(A T)`` with T the Toeplitz matrix of its free values (first row and column).

    >>> trace_toeplitz_from_border(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 0.0], [1.0, 9.0]]))
    np.float64(7.0)
    """
    return np.trace(A @ toeplitz_from_border(T))


@shaped_like(trace_toeplitz_from_border)
def partials_trace_toeplitz(A, T):
    """Partial derivatives of ``tr(A T)`` w.r.t. T's free values: ``alpha(A)`` on the border."""
    return border_entries(alpha(A))


def _delete(M, i: int, j: int):
    """The Cookbook's ``[M]_ij``: M without row i and column j (1-based)."""
    return np.delete(np.delete(M, i - 1, axis=0), j - 1, axis=1)


def alpha_as_printed(A):
    """alpha(A) with the entries printed in eq. (143); the unprinted ones (``...``) per its words."""
    n = A.shape[0]
    At = A.T
    row = [diagonal_sum(At, d) for d in range(n)]
    column = [diagonal_sum(At, -d) for d in range(n)]
    row[0] = column[0] = np.trace(A)
    if n >= 2:
        row[1] = np.trace(_delete(At, n, 1))
        column[1] = np.trace(_delete(At, 1, n))
    if n >= 3:
        row[2] = np.trace(_delete(_delete(At, 1, n), n - 1, 2))
        column[2] = np.trace(_delete(_delete(At, 1, n), 2, n - 1))
    row[n - 1], column[n - 1] = A[n - 1, 0], A[0, n - 1]  # printed last: A_n1, A_1n
    return np.array([[row[j - i] if j >= i else column[i - j] for j in range(n)] for i in range(n)])


register(
    Identity(
        id="structured.trace-toeplitz-partials",
        title="Partial derivatives of tr(AT) with respect to a Toeplitz matrix",
        formula=r"\frac{\partial \operatorname{tr}(AT)}{\partial t_{d}} = \alpha(A)_{ij},\ "
        r"j - i = d,\quad \alpha(A)_{ij} = \sum_{q - p = j - i} A_{qp}",
        where=(r"N_{ij} = n - |i - j|",),
        wrt="T",
        kind="gradient",
        value=trace_toeplitz_from_border,
        derivative=partials_trace_toeplitz,
        symbolic=lambda A, T: (
            (A * toeplitz_from_border(T)).trace(),
            border_entries(alpha(A)),
        ),
        structure={"T": "toeplitz"},
        derivation=r"""
A Toeplitz matrix has one free value per diagonal, $T = \sum_d t_d E_d$ with
$E_d = \sum_{j - i = d} J^{ij}$ (its structure matrix, eq. 134). By eq. (133),
$\partial \operatorname{tr}(AT)/\partial t_d = \langle A^\top, E_d\rangle$, the sum of the
entries of $A^\top$ on diagonal $d$: the Cookbook's $\alpha(A)$, "each value in the diagonal
is the sum of all the diagonal values in $A$, the values in the diagonals next to the main
diagonal equal the sum of the diagonal next to the main diagonal in $A^\top$". The check
differentiates $T \mapsto \operatorname{tr}(A R(T))$, $R$ building the Toeplitz matrix from
the first row and column of $T$: its gradient holds $\alpha(A)$ there and zeros inside.
""",
        hessian="zero",
        hessian_formula=r"\frac{\partial^2 \operatorname{tr}(AT)}{\partial t_d\,\partial t_e} = 0",
        mistakes=(
            Mistake(
                r"\alpha(A) \oslash N",
                lambda A, T: border_entries(toeplitz_part(A.T)),
                "the Frobenius gradient (the diagonal means) read as partial derivatives: a "
                "free value enters T n - |d| times",
            ),
            Mistake(
                r"\alpha(A)^\top",
                lambda A, T: border_entries(alpha(A).T),
                "sums the diagonals of A instead of A^T: the diagonal d of T meets the "
                "diagonal -d of A in tr(AT)",
            ),
        ),
        conventions={
            "numerator": r"\alpha(A)^\top\ \text{(the transpose of the matrix of partials)}",
            "cookbook": r"\frac{\partial\mathrm{Tr}(AT)}{\partial T} = "
            r"\frac{\partial\mathrm{Tr}(TA)}{\partial T} = \alpha(A)"
            r"\ \text{(eq. 143; two of its printed entries are wrong, see the errata)}",
        },
        related=("structured.trace-toeplitz", "structured.trace-symmetric-toeplitz-partials"),
        assumptions=(
            "T Toeplitz with its 2n - 1 values free ('the unconstrained Toeplitz matrix'), A "
            "any square matrix. Partial derivatives with respect to the free values t_d "
            "(the first row and column of T), as the Cookbook defines them in eqs (133)-(134); "
            "the printed Toeplitz matrix alpha(A) repeats the one of diagonal d along it. Not "
            "the gradient: used in a step or in <D, V>_F it counts diagonal d n - |d| times. "
            "tr(AT) = tr(TA), so both printed forms are this one"
        ),
        sources=(
            f"{_cookbook(143)}: corrected from eq. (143), see the errata (the entries printed "
            "with sub-matrix traces); the words there state this alpha(A)",
        ),
        keywords=(
            "toeplitz matrix",
            "alpha(A)",
            "sum of the diagonals",
            "independent entries",
            "unconstrained toeplitz",
            "structured matrix",
        ),
    )
)

register_erratum(
    Erratum(
        id="cookbook-2012-eq-143",
        source=f"{COOKBOOK}, p. 16",
        equations=(143,),
        printed=r"\alpha(A)\text{ with first row }\big(\mathrm{Tr}(A),\ "
        r"\mathrm{Tr}([A^T]_{n1}),\ \mathrm{Tr}([[A^T]_{1n}]_{n-1,2}),\ \cdots,\ A_{n1}\big)"
        r"\text{ and first column }\big(\mathrm{Tr}(A),\ \mathrm{Tr}([A^T]_{1n}),\ "
        r"\mathrm{Tr}([[A^T]_{1n}]_{2,n-1}),\ \vdots,\ A_{1n}\big)^T",
        corrected=r"\alpha(A)_{ij} = \sum_{q-p=j-i} A_{qp}:\ \text{first row }\big("
        r"\mathrm{Tr}(A),\ \mathrm{Tr}([A^T]_{n1}),\ \mathrm{Tr}([[A^T]_{n1}]_{n-1,1}),\ "
        r"\cdots,\ A_{n1}\big),\ \text{first column }\big(\mathrm{Tr}(A),\ "
        r"\mathrm{Tr}([A^T]_{1n}),\ \mathrm{Tr}([[A^T]_{1n}]_{1,n-1}),\ \vdots,\ A_{1n}\big)^T",
        category="wrong term",
        what=(
            "With the book's notation [A]_ij (A without row i and column j, p. 5), the third "
            "entries of the first row and column of alpha(A) are not the sums of the second "
            "diagonals of A^T: Tr([[A^T]_1n]_{n-1,2}) mixes (A^T)_21 into the diagonal +2 "
            "and Tr([[A^T]_1n]_{2,n-1}) takes (A^T)_21 in place of (A^T)_31. The words of "
            "the equation and its other printed entries give the right alpha(A); the printed "
            "entries (the '...' filled per the words) fail the derivative checker for n >= 4 "
            "(they agree for n <= 3, where A_n1 is printed as the last entry)"
        ),
        identity="structured.trace-toeplitz-partials",
        printed_derivative=lambda A, T: border_entries(alpha_as_printed(A)),
    )
)


@shaped
def trace_symmetric_toeplitz(A: Arr["n n"], T: Arr["n n"]):
    """``tr(A T)`` for symmetric Toeplitz T, extended to all T by averaging diagonals ``+-d``.

    >>> trace_symmetric_toeplitz(np.eye(2), np.array([[2.0, 1.0], [1.0, 2.0]]))
    np.float64(4.0)
    """
    return np.trace(A @ symmetric_toeplitz_part(T))


@shaped_like(trace_symmetric_toeplitz)
def grad_trace_symmetric_toeplitz(A, T):
    """Gradient of ``tr(A T)`` over the symmetric Toeplitz matrices: ``(alpha + alpha^T) / 2N``."""
    return (alpha(A) + alpha(A).T) / (2 * diagonal_counts(A))


register(
    Identity(
        id="structured.trace-symmetric-toeplitz",
        title="Gradient of tr(AT) with respect to a symmetric Toeplitz matrix",
        formula=r"\nabla_T \operatorname{tr}(AT) = \big(\alpha(A) + \alpha(A)^\top\big) "
        r"\oslash 2N,\quad N_{ij} = n - |i - j|",
        where=(r"\alpha(A)_{ij} = \sum_{q - p = j - i} A_{qp}",),
        wrt="T",
        kind="gradient",
        value=trace_symmetric_toeplitz,
        derivative=grad_trace_symmetric_toeplitz,
        symbolic=lambda A, T: (
            (A * symmetric_toeplitz_part(T)).trace(),
            symmetric_toeplitz_part(A.T),
        ),
        structure={"T": "symmetric-toeplitz"},
        derivation=r"""
The symmetric Toeplitz matrices are spanned by $F_0 = I$ and $F_d = E_d + E_{-d}$,
$d \ge 1$, orthogonal with $\|F_d\|_F^2 = 2(n - d)$ ($n$ for $d = 0$). Projecting the
unconstrained gradient $A^\top$ gives on the diagonals $\pm d$ the value
$\langle A^\top, F_d\rangle / \|F_d\|_F^2 = (\alpha(A)_{ij} + \alpha(A)_{ji}) / (2(n - d))$,
the mean of $A^\top$ over both diagonals (on the main diagonal, $\operatorname{tr}(A)/n$).
The check differentiates $T \mapsto \operatorname{tr}(A P(T))$, $P$ that averaging.
""",
        hessian="zero",
        hessian_formula=r"\nabla_T^2 \operatorname{tr}(AT) = 0",
        mistakes=(
            Mistake(
                r"\alpha(A) + \alpha(A)^\top - \alpha(A)\circ I",
                lambda A, T: alpha(A) + alpha(A).T - diagonal_part(alpha(A)),
                "the Cookbook's eq. (144), the partial derivatives with respect to the n free "
                "values, used as a gradient: it counts each diagonal value many times",
            ),
            Mistake(
                r"\alpha(A) \oslash N",
                lambda A, T: toeplitz_part(A.T),
                "the projection onto all Toeplitz matrices, not symmetric: it ignores that "
                "the diagonals d and -d of T are one value",
            ),
        ),
        conventions={
            "numerator": r"\text{symmetric: the same in either layout}",
            "cookbook": r"\frac{\partial\mathrm{Tr}(AT)}{\partial T} = \alpha(A)+\alpha(A)^T-"
            r"\alpha(A)\circ I\ \text{(eq. 144: partial derivatives, not this gradient)}",
        },
        related=(
            "structured.trace-symmetric-toeplitz-partials",
            "structured.trace-toeplitz",
        ),
        assumptions=(
            "T symmetric Toeplitz (n free values), A any square matrix. The gradient in the "
            "space of symmetric Toeplitz matrices with the Frobenius inner product: A^T "
            "averaged over each pair of diagonals +-d"
        ),
        sources=(f"{COOKBOOK}, section 2.8.4, which prints the partial derivatives (eq. 144)",),
        keywords=(
            "symmetric toeplitz matrix",
            "derivative with respect to a symmetric toeplitz matrix",
            "diagonal averages",
            "structured matrix",
        ),
    )
)


@shaped
def trace_symmetric_toeplitz_from_row(A: Arr["n n"], T: Arr["n n"]):
    """``tr(A T)`` with T the symmetric Toeplitz matrix of its free values (first row).

    >>> trace_symmetric_toeplitz_from_row(np.eye(2), np.array([[2.0, 1.0], [7.0, 9.0]]))
    np.float64(4.0)
    """
    return np.trace(A @ symmetric_toeplitz_from_row(T))


@shaped_like(trace_symmetric_toeplitz_from_row)
def partials_trace_symmetric_toeplitz(A, T):
    """Partial derivatives w.r.t. the first row of T: ``alpha(A) + alpha(A)^T - alpha(A) o I``."""
    a = alpha(A)
    return first_row_entries(a + a.T - diagonal_part(a))


def _symbolic_symmetric_toeplitz_partials(A, T):
    a = alpha(A)
    return (
        (A * symmetric_toeplitz_from_row(T)).trace(),
        first_row_entries(a + a.T - diagonal_part(a)),
    )


register(
    Identity(
        id="structured.trace-symmetric-toeplitz-partials",
        title="Partial derivatives of tr(AT) with respect to a symmetric Toeplitz matrix (eq. 144)",
        formula=r"\frac{\partial \operatorname{tr}(AT)}{\partial t_{d}} = "
        r"\big[\alpha(A) + \alpha(A)^\top - \alpha(A)\circ I\big]_{1,d+1}",
        where=(r"\alpha(A)_{ij} = \sum_{q - p = j - i} A_{qp}", r"N_{ij} = n - |i - j|"),
        wrt="T",
        kind="gradient",
        value=trace_symmetric_toeplitz_from_row,
        derivative=partials_trace_symmetric_toeplitz,
        symbolic=_symbolic_symmetric_toeplitz_partials,
        structure={"T": "symmetric-toeplitz"},
        derivation=r"""
A symmetric Toeplitz matrix has one free value per pair of diagonals,
$T = t_0 I + \sum_{d \ge 1} t_d (E_d + E_{-d})$. By eq. (133),
$\partial\operatorname{tr}(AT)/\partial t_d = \langle A^\top, E_d + E_{-d}\rangle
= \alpha(A)_{ij} + \alpha(A)_{ji}$ ($j - i = d \ge 1$) and $\operatorname{tr}(A)$ for
$d = 0$: the entries of $\alpha(A) + \alpha(A)^\top - \alpha(A)\circ I$, eq. (144) (eq. 138
applied to eq. 143). The check differentiates $T \mapsto \operatorname{tr}(A R(T))$, $R$
building the symmetric Toeplitz matrix from the first row of $T$.
""",
        hessian="zero",
        hessian_formula=r"\frac{\partial^2 \operatorname{tr}(AT)}{\partial t_d\,\partial t_e} = 0",
        mistakes=(
            Mistake(
                r"\alpha(A)_{1,d+1}",
                lambda A, T: first_row_entries(alpha(A)),
                "eq. (143) for the unconstrained Toeplitz matrix used for a symmetric one: the "
                "mirrored diagonal -d, which moves with t_d, is lost",
            ),
            Mistake(
                r"\big[(\alpha(A) + \alpha(A)^\top) \oslash 2N\big]_{1,d+1}",
                lambda A, T: first_row_entries(symmetric_toeplitz_part(A.T)),
                "the Frobenius gradient read as partial derivatives",
            ),
        ),
        conventions={
            "numerator": r"\big(\text{the matrix above}\big)^\top",
            "cookbook": r"\frac{\partial\mathrm{Tr}(AT)}{\partial T} = "
            r"\frac{\partial\mathrm{Tr}(TA)}{\partial T} = \alpha(A)+\alpha(A)^T-\alpha(A)"
            r"\circ I\ \text{(eq. 144)}",
        },
        related=("structured.trace-symmetric-toeplitz", "structured.trace-toeplitz-partials"),
        cookbook=(144,),
        assumptions=(
            "T symmetric Toeplitz, A any square matrix. Partial derivatives with respect to "
            "the n free values t_d (the first row of T), as the Cookbook defines them in eqs "
            "(133)-(134); the printed symmetric Toeplitz matrix repeats the one of t_d along "
            "the diagonals +-d. alpha(A) as the words of eq. (143) define it (two of its "
            "printed entries are wrong, see the erratum of eq. 143). Not the gradient"
        ),
        sources=(_cookbook(144),),
        keywords=(
            "symmetric toeplitz matrix",
            "alpha(A) + alpha(A)^T",
            "independent entries",
            "structured matrix",
        ),
    )
)


# -- Cookbook notes: eqs 133-137 (definitions and the chain rule) ----------------------------


def _complex_step_partials(f, X):
    """``df/dX_kl`` for every (k, l) by the complex step (exact to rounding for analytic f)."""
    h = 1e-30
    out = np.zeros(X.shape)
    for k in range(X.shape[0]):
        for q in range(X.shape[1]):
            E = np.zeros(X.shape, dtype=complex)
            E[k, q] = 1j * h
            out[k, q] = np.imag(f(X + E)) / h
    return out


def _relative(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b)))


def _check_structure_chain_rule(rng) -> float:
    """Eq. (133): df/dA_ij = tr[(df/dA)^T S^ij] for symmetric A = R(theta), f = a^T A^2 b."""
    n = 4
    a, b = rng.standard_normal(n), rng.standard_normal(n)
    theta = rng.standard_normal((n, n))

    def f(A):
        return a @ A @ A @ b

    direct = _complex_step_partials(lambda t: f(symmetric_from_upper(t)), theta)
    G = _gradient_of_bilinear_square(a, symmetric_from_upper(theta), b)
    by_trace = np.zeros((n, n))
    for i in range(n):
        for j in range(i, n):
            E = np.zeros((n, n))
            E[i, j] = 1.0
            S_ij = symmetric_from_upper(E)  # the structure matrix dA/dA_ij (eq. 134)
            by_trace[i, j] = np.trace(G.T @ S_ij)
    return _relative(direct, by_trace)


def _check_symmetric_structure_matrix(rng) -> float:
    """The structure matrix of symmetric A (before eq. 138): S^ij = J^ij + J^ji - J^ij J^ij."""
    n = 4
    theta = rng.standard_normal((n, n))
    worst = 0.0
    for i in range(n):
        for j in range(i, n):
            J = np.zeros((n, n))
            J[i, j] = 1.0
            printed = J + J.T - J @ J
            E = np.zeros((n, n))
            E[i, j] = 1.0
            # dA/dA_ij of the symmetric matrix built from the independent entries (linear in them)
            moved = symmetric_from_upper(theta + E) - symmetric_from_upper(theta)
            worst = max(worst, float(np.max(np.abs(moved - printed))))
    return worst


def _chain_rule_sample(rng):
    """g(U) = sum(U^3) / 3 of U = f(X) = X B (M x N from m x N): dg/dU = U o U."""
    X, B = rng.standard_normal((3, 4)), rng.standard_normal((4, 5))

    def g_of_f(Z):
        U = Z @ B
        return np.sum(U**3) / 3

    return X, B, g_of_f


def _check_chain_rule_sum(rng) -> float:
    """Eq. (136): dg/dx_ij = sum_kl dg/du_kl du_kl/dx_ij, with du_kl/dx_ij = delta_ki B_jl."""
    X, B, g_of_f = _chain_rule_sample(rng)
    dg_dU = (X @ B) ** 2
    summed = np.zeros(X.shape)
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            dU = np.zeros((X.shape[0], B.shape[1]))
            dU[i, :] = B[j, :]  # du_kl / dx_ij
            summed[i, j] = sum(
                dg_dU[k, q] * dU[k, q] for k in range(dU.shape[0]) for q in range(dU.shape[1])
            )
    return _relative(_complex_step_partials(g_of_f, X), summed)


def _check_chain_rule_trace(rng) -> float:
    """Eq. (137): dg/dX_ij = tr[(dg/dU)^T dU/dX_ij], with dU/dX_ij = J^ij B."""
    X, B, g_of_f = _chain_rule_sample(rng)
    dg_dU = (X @ B) ** 2
    by_trace = np.zeros(X.shape)
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            J = np.zeros(X.shape)
            J[i, j] = 1.0
            by_trace[i, j] = np.trace(dg_dU.T @ (J @ B))
    return _relative(_complex_step_partials(g_of_f, X), by_trace)


COOKBOOK_NOTES = {
    133: Note(
        "equality",
        "The chain rule through the structure: df/dA_ij = tr[(df/dA)^T S^ij]. Checked for "
        "symmetric A built from its upper triangle and f = a^T A^2 b, the complex-step partial "
        "derivatives against the trace formula; it defines the partial derivatives that "
        "eqs 138-144 print (not the Frobenius gradient, see the chapter's introduction)",
        see=("structured.symmetric-partials", "structured.symmetric-gradient"),
        check=_check_structure_chain_rule,
    ),
    134: Note(
        "definition",
        "Defines the structure matrix S^ij = dA/dA_ij (J^ij without structure; "
        "J^ij + J^ji - J^ij J^ij for symmetric A, the basis of eq. 138). The symmetric one is "
        "checked against the change of A built from its independent entries i <= j",
        see=("structured.symmetric-partials",),
        check=_check_symmetric_structure_matrix,
    ),
    135: Note(
        "definition",
        "Notation: with U = f(X), dg(U)/dX means the derivative of the composition g(f(X))",
        see=("rules.chain",),
    ),
    136: Note(
        "equality",
        "The entry-wise chain rule dg/dx_ij = sum_kl dg/du_kl du_kl/dx_ij (printed with the "
        "matrix dg(U)/dX on the left, which is meant entry by entry). Checked for "
        "g(U) = sum(U^3)/3, U = X B, against complex-step partial derivatives",
        see=("rules.chain",),
        check=_check_chain_rule_sum,
    ),
    137: Note(
        "equality",
        "The same chain rule as a trace, dg/dX_ij = tr[(dg/dU)^T dU/dX_ij]. Checked for "
        "g(U) = sum(U^3)/3, U = X B (dU/dX_ij = J^ij B), against complex-step partial "
        "derivatives",
        see=("rules.chain",),
        check=_check_chain_rule_trace,
    ),
}


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "symmetric",
        "Symmetric matrices",
        (
            "structured.symmetric-gradient",
            "structured.symmetric-partials",
            "structured.trace-symmetric",
            "structured.trace-symmetric-partials",
        ),
    ),
    (
        "symmetric-det",
        "Determinants of symmetric matrices",
        (
            "structured.det-symmetric",
            "structured.det-symmetric-partials",
            "structured.logdet-symmetric",
            "structured.logdet-symmetric-partials",
        ),
    ),
    (
        "diagonal-toeplitz",
        "Diagonal and Toeplitz matrices",
        (
            "structured.trace-diagonal",
            "structured.trace-toeplitz",
            "structured.trace-toeplitz-partials",
            "structured.trace-symmetric-toeplitz",
            "structured.trace-symmetric-toeplitz-partials",
        ),
    ),
)
