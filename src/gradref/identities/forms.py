"""Log-determinants, projections and fractional forms: ln det(X^T B X) for tall X, the
projection onto a row space inside a quadratic form, the matrix-fractional function
x^T Y^{-1} x and its trace form tr(X^T Y^{-1} X), and the log-determinant of a rank-one
update.

Gradients have the shape of their variable, with every entry of a matrix variable
independent (the Cookbook's convention of its eq. 32); where an input is symmetric positive
definite, the formula is written at that symmetric point and the code keeps the transposes
that make it the gradient over all entries.
"""

import numpy as np
import sympy as sp

from gradref.catalog import Identity, Mistake, register
from gradref.identities.linear import COOKBOOK
from gradref.identities.matfun import _logm
from gradref.shapes import STRUCTURES, Arr, shaped, shaped_like

MAGNUS = "Magnus & Neudecker, *Matrix Differential Calculus*, 3rd ed. (2019), ch. 8"
BOYD = "Boyd & Vandenberghe, *Convex Optimization* (2004)"
CVXPY = (
    "CVXPY, `cvxpy/atoms/matrix_frac.py`, `MatrixFrac._grad` (the gradients of "
    "tr(X^T P^{-1} X) in X and in P)"
)
HARVILLE = (
    "Harville, *Matrix Algebra From a Statistician's Perspective*, Springer (1997), "
    "chapter 18 (the determinant of a rank-one update)"
)


# -- samplers and helpers -------------------------------------------------------------------


def _orthogonal(rng, n):
    return STRUCTURES["orthogonal"][0](rng, (n, n))


def _full_rank(rng, rows, cols):
    """A ``rows x cols`` matrix of full rank, singular values in [1, 2] (by construction)."""
    k = min(rows, cols)
    U, V = _orthogonal(rng, rows)[:, :k], _orthogonal(rng, cols)[:, :k]
    return U * rng.uniform(1.0, 2.0, k) @ V.T


def _spd(rng, n):
    return STRUCTURES["spd"][0](rng, (n, n))


def _hessian_from_action(X, action):
    """The 4-tensor ``H[i, j, k, l]``: the Hessian's action ``action(V)`` at each ``E_kl``.

    >>> _hessian_from_action(np.zeros((1, 2)), lambda V: 2 * V).reshape(2, 2)
    array([[2., 0.],
           [0., 2.]])
    """
    basis = np.eye(X.size).reshape((X.size, *X.shape))
    return np.stack([action(E) for E in basis], axis=-1).reshape(X.shape + X.shape)


def _sym(A):
    """The symmetric part of a sympy matrix of independent symbols."""
    return (A + A.T) / 2


def _expanded(M):
    """A sympy matrix of flat polynomials and its expanded determinant (cheap to differentiate)."""
    M = M.applyfunc(sp.expand)
    return M, sp.expand(M.det())


def _require_tall(X):
    if X.shape[0] < X.shape[1]:
        raise ValueError(f"`X` must be tall (m x k with m >= k); got shape {X.shape}")


def _require_wide(A):
    if A.shape[0] > A.shape[1]:
        raise ValueError(f"`A` must be wide (m x n with m <= n); got shape {A.shape}")


# -- ln det(X^T B X) for tall X --------------------------------------------------------------


@shaped
def logdet_xtbx(B: Arr["m m"], X: Arr["m k"]):
    """``ln det(X^T B X)`` for a tall ``X`` (m >= k) with ``det(X^T B X) > 0``.

    >>> round(float(logdet_xtbx(np.eye(3), 2 * np.eye(3, 2))), 12)  # X^T X = 4 I, ln 16
    2.77258872224
    """
    _require_tall(X)
    return np.log(np.linalg.det(X.T @ B @ X))


@shaped_like(logdet_xtbx)
def grad_logdet_xtbx_spd(B, X):
    """Gradient of ``ln det(X^T B X)`` for symmetric ``B``: ``2 B X (X^T B X)^{-1}``.

    >>> grad_logdet_xtbx_spd(np.eye(2), np.eye(2, 1))
    array([[2.],
           [0.]])
    """
    _require_tall(X)
    return 2 * B @ X @ np.linalg.inv(X.T @ B @ X)


@shaped_like(logdet_xtbx)
def hessian_logdet_xtbx_spd(B, X):
    """Hessian for symmetric ``B``: the 4-tensor of ``V -> 2(B V N - B X N (V^T B X + X^T B V) N)``.

    >>> hessian_logdet_xtbx_spd(np.eye(1), np.eye(1)).shape
    (1, 1, 1, 1)
    """
    N = np.linalg.inv(X.T @ B @ X)
    return _hessian_from_action(
        X, lambda V: 2 * (B @ V @ N - B @ X @ N @ (V.T @ B @ X + X.T @ B @ V) @ N)
    )


def _sample_logdet_xtbx_spd(rng, n):
    return {"B": _spd(rng, n + 1), "X": _full_rank(rng, n + 1, n)}


def _symbolic_logdet_xtbx_spd(B, X):
    S = _sym(B)  # the sample is symmetric: symmetrize the independent symbols too
    M, D = _expanded(X.T * S * X)
    return sp.log(D), 2 * S * X * M.adjugate() / D


register(
    Identity(
        id="forms.logdet-xtbx-spd",
        title="Gradient and Hessian of ln det(X^T B X) for tall X and positive definite B",
        formula=r"\nabla_X \ln\det(X^\top BX) = 2\,BX(X^\top BX)^{-1}",
        wrt="X",
        kind="gradient",
        value=logdet_xtbx,
        derivative=grad_logdet_xtbx_spd,
        symbolic=_symbolic_logdet_xtbx_spd,
        sample=_sample_logdet_xtbx_spd,
        structure={"B": "spd"},
        symbolic_dims=(1, 2),  # (m, k) = (2, 1), (3, 2); at (4, 3) sympy takes seconds
        assumptions="B symmetric positive definite (m x m), X tall (m x k, m >= k) of full "
        "column rank, so X^T B X is positive definite; sampled at m = k + 1 with the singular "
        "values of X in [1, 2]. Exact (sympy) at (m, k) = (2, 1) and (3, 2)",
        derivation=r"""
With $M = X^\top BX$, $dM = dX^\top BX + X^\top B\,dX$ and
$d\ln\det M = \operatorname{tr}(M^{-1}dM)$. For symmetric $B$ the two terms of $dM$ are
transposes of each other and $M^{-1}$ is symmetric, so
$d\ln\det M = 2\operatorname{tr}(M^{-1}X^\top B\,dX) = \langle 2BXM^{-1}, dX\rangle$.
It is the Cookbook's eq. (53) divided by $\det M$; with $B = I$ it is
$\nabla_X\ln\det(X^\top X) = 2X(X^\top X)^{-1}$ (eq. 55). Differentiating
$G = 2BXM^{-1}$ again, $dM^{-1} = -M^{-1}dM\,M^{-1}$ gives the Hessian's action on a
direction $V$. The function is invariant under $X \mapsto XR$ for invertible $R$ up to
the constant $2\ln\lvert\det R\rvert$, so the gradient satisfies $X^\top G = 2I$.
""",
        hessian=hessian_logdet_xtbx_spd,
        hessian_formula=r"\nabla_X^2 f[V] = 2\big(BVM^{-1} - BXM^{-1}(V^\top BX + X^\top BV)"
        r"M^{-1}\big)",
        where=(r"M = X^\top BX",),
        mistakes=(
            Mistake(
                r"2\,X(X^\top BX)^{-1}",
                lambda B, X: 2 * X @ np.linalg.inv(X.T @ B @ X),
                "the Gram-matrix rule 2 X (X^T X)^{-1} with B slipped inside the inverse only: "
                "B also multiplies from the left",
            ),
            Mistake(
                r"BX(X^\top BX)^{-1}",
                lambda B, X: B @ X @ np.linalg.inv(X.T @ B @ X),
                "differentiates only X^T B dX: X enters twice, the symmetric term doubles it",
            ),
            Mistake(
                r"2\,(X^\top BX)^{-1}X^\top B",
                lambda B, X: 2 * np.linalg.inv(X.T @ B @ X) @ X.T @ B,
                "the numerator-layout derivative (k x m), the transpose of the gradient",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\ln\det(X^\top BX)}{\partial X} = "
            r"2\,(X^\top BX)^{-1}X^\top B",
        },
        related=(
            "forms.logdet-xtbx",
            "determinants.det-xtax-symmetric",
            "determinants.logdet-gram",
        ),
        sources=(
            f"{COOKBOOK}, eq. (53) (the gradient of det(X^T A X) for symmetric A) divided by "
            "det(X^T A X), and eq. (43)",
            MAGNUS,
        ),
        keywords=(
            "log det(X^T B X)",
            "gradient of logdet X^T A X",
            "ln det(X^T A X) tall X",
            "d log det(X' S X) / dX",
            "log-determinant of a congruence",
            "logdet of projected covariance",
        ),
    )
)


@shaped_like(logdet_xtbx)
def grad_logdet_xtbx(B, X):
    """Gradient for any ``B``: ``B X M^{-1} + B^T X M^{-T}``, ``M = X^T B X``.

    >>> grad_logdet_xtbx(np.array([[1.0, 1.0], [-1.0, 1.0]]), np.eye(2, 1))
    array([[2.],
           [0.]])
    """
    _require_tall(X)
    N = np.linalg.inv(X.T @ B @ X)
    return B @ X @ N + B.T @ X @ N.T


@shaped_like(logdet_xtbx)
def hessian_logdet_xtbx(B, X):
    """Hessian for any ``B``: the 4-tensor of the action of ``V`` on ``B X N + B^T X N^T``.

    >>> hessian_logdet_xtbx(np.eye(1), np.eye(1)).shape
    (1, 1, 1, 1)
    """
    N = np.linalg.inv(X.T @ B @ X)

    def action(V):
        E = V.T @ B @ X + X.T @ B @ V  # dM
        return B @ V @ N - B @ X @ N @ E @ N + B.T @ V @ N.T - B.T @ X @ N.T @ E.T @ N.T

    return _hessian_from_action(X, action)


def _sample_logdet_xtbx(rng, n):
    # B = S + K with S positive definite and K skew: B is not symmetric, and X^T B X has the
    # positive definite symmetric part X^T S X, so its eigenvalues have positive real parts
    # and det(X^T B X) > 0 by construction.
    K = rng.standard_normal((n + 1, n + 1))
    return {"B": _spd(rng, n + 1) + (K - K.T) / 2, "X": _full_rank(rng, n + 1, n)}


def _symbolic_logdet_xtbx(B, X):
    M, D = _expanded(X.T * B * X)
    adj = M.adjugate()  # M^{-1} = adj(M) / D, M^{-T} = adj(M)^T / D
    return sp.log(D), (B * X * adj + B.T * X * adj.T) / D


register(
    Identity(
        id="forms.logdet-xtbx",
        title="Gradient and Hessian of ln det(X^T B X) for tall X and any B",
        formula=r"\nabla_X \ln\det(X^\top BX) = BX(X^\top BX)^{-1} + B^\top X(X^\top B^\top X)^{-1}",
        wrt="X",
        kind="gradient",
        value=logdet_xtbx,
        derivative=grad_logdet_xtbx,
        symbolic=_symbolic_logdet_xtbx,
        sample=_sample_logdet_xtbx,
        symbolic_dims=(1, 2),  # (m, k) = (2, 1), (3, 2); at (4, 3) sympy takes seconds
        assumptions="B square (m x m), not necessarily symmetric, X tall (m x k, m >= k), "
        "with det(X^T B X) > 0 (for the logarithm; with ln|det| the formula is the same "
        "wherever X^T B X is invertible). Sampled with B = S + K, S positive definite and K "
        "skew, so that X^T B X has a positive definite symmetric part and det > 0. Exact "
        "(sympy) at (m, k) = (2, 1) and (3, 2)",
        derivation=r"""
With $M = X^\top BX$, $dM = dX^\top BX + X^\top B\,dX$ and
$d\ln\det M = \operatorname{tr}(M^{-1}dX^\top BX) + \operatorname{tr}(M^{-1}X^\top B\,dX)$.
Transposing the first trace, $\operatorname{tr}(X^\top B^\top dX\,M^{-\top}) =
\operatorname{tr}(M^{-\top}X^\top B^\top dX)$, so the gradient is
$BXM^{-1} + B^\top XM^{-\top}$, and $M^{-\top} = (X^\top B^\top X)^{-1}$. Only the symmetric
part of $B$ matters when $B$ is symmetric; otherwise the two terms differ and the
symmetric-$B$ formula $2BXM^{-1}$ is wrong. It is the Cookbook's eq. (54) divided by
$\det M$. The Hessian follows from $dM^{-1} = -M^{-1}dM\,M^{-1}$ and
$dM^{-\top} = -M^{-\top}dM^\top M^{-\top}$.
""",
        hessian=hessian_logdet_xtbx,
        hessian_formula=r"\nabla_X^2 f[V] = BVM^{-1} - BXM^{-1}(V^\top BX + X^\top BV)M^{-1}"
        r" + B^\top VM^{-\top} - B^\top XM^{-\top}(V^\top BX + X^\top BV)^\top M^{-\top}",
        where=(r"M = X^\top BX",),
        mistakes=(
            Mistake(
                r"2\,BX(X^\top BX)^{-1}",
                grad_logdet_xtbx_spd,
                "the symmetric-B formula used for a non-symmetric B: the transpose in the "
                "second term is lost",
            ),
            Mistake(
                r"BX(X^\top BX)^{-1} + B^\top X(X^\top BX)^{-1}",
                lambda B, X: (B + B.T) @ X @ np.linalg.inv(X.T @ B @ X),
                "transposes B in the second term but not M = X^T B X, which is not symmetric "
                "either",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\ln\det(X^\top BX)}{\partial X} = "
            r"(X^\top BX)^{-1}X^\top B + (X^\top B^\top X)^{-1}X^\top B^\top",
        },
        related=(
            "forms.logdet-xtbx-spd",
            "determinants.det-xtax",
            "determinants.logdet-gram",
        ),
        sources=(
            f"{COOKBOOK}, eq. (54) (the gradient of det(X^T A X) for non-symmetric A) "
            "divided by det(X^T A X), and eq. (43)",
            MAGNUS,
        ),
        # (no "log det" among them: the title and formula carry it, and four more would list
        # this entry above determinants.logdet for a bare "logdet")
        keywords=(
            "X^T A X with A not symmetric",
            "asymmetric B in a congruence",
            "non-symmetric B",
            "tall X times a general square matrix",
        ),
    )
)


# -- the projection onto the row space of a wide A, inside a quadratic form ----------------


@shaped
def row_space_form(A: Arr["m n"], x: Arr["n"]):
    """``x^T A^T (A A^T)^{-1} A x``: the squared norm of the projection of ``x`` on A's rows.

    >>> float(row_space_form(np.eye(1, 2), np.array([3.0, 4.0])))
    9.0
    """
    _require_wide(A)
    return x @ A.T @ np.linalg.solve(A @ A.T, A @ x)


@shaped_like(row_space_form)
def grad_row_space_form(A, x):
    """Gradient in ``A``: ``2 w (x - A^T w)^T`` with ``w = (A A^T)^{-1} A x``.

    >>> grad_row_space_form(np.eye(1, 2), np.array([3.0, 4.0]))
    array([[ 0., 24.]])
    """
    _require_wide(A)
    w = np.linalg.solve(A @ A.T, A @ x)
    return 2 * np.outer(w, x - A.T @ w)


def _projection_action(A, x, V):
    """``d(2 w r^T)`` in the direction ``V``: ``w = S^{-1} A x``, ``r = x - A^T w``."""
    S = A @ A.T
    w = np.linalg.solve(S, A @ x)
    r = x - A.T @ w
    dw = np.linalg.solve(S, V @ r - A @ V.T @ w)
    return 2 * (np.outer(dw, r) - np.outer(w, V.T @ w + A.T @ dw))


@shaped_like(row_space_form)
def hessian_row_space_form(A, x):
    """Hessian in ``A``: the 4-tensor of ``V -> 2(dw r^T - w (V^T w + A^T dw)^T)``.

    >>> hessian_row_space_form(np.eye(1, 2), np.array([3.0, 4.0])).shape
    (1, 2, 1, 2)
    """
    return _hessian_from_action(A, lambda V: _projection_action(A, x, V))


def _sample_row_space(rng, n):
    # m = n, n + 1 columns: wide, full row rank, singular values in [1, 2]
    return {"A": _full_rank(rng, n, n + 1), "x": rng.standard_normal(n + 1)}


def _symbolic_row_space(A, x):
    S, D = _expanded(A * A.T)
    w = S.adjugate() * A * x / D
    return (x.T * A.T * w)[0, 0], 2 * w * (x - A.T * w).T


_ROW_SPACE_WHERE = (r"S = AA^\top", r"w = S^{-1}Ax", r"r = x - A^\top w")

register(
    Identity(
        id="forms.row-space-projection",
        title="Gradient and Hessian of x^T A^T (A A^T)^{-1} A x with respect to A",
        formula=r"\nabla_A\, x^\top A^\top(AA^\top)^{-1}Ax = 2\,w\,(x - A^\top w)^\top",
        where=_ROW_SPACE_WHERE,
        wrt="A",
        kind="gradient",
        value=row_space_form,
        derivative=grad_row_space_form,
        symbolic=_symbolic_row_space,
        sample=_sample_row_space,
        symbolic_dims=(1,),  # see the assumptions: at (m, n) = (2, 3) sympy takes 25 s
        assumptions="A wide (m x n, m <= n) of full row rank, so A A^T is invertible and "
        "P = A^T (A A^T)^{-1} A is the orthogonal projection onto the row space of A; x in "
        "R^n. Sampled with the singular values of A in [1, 2]. Exact (sympy) at (m, n) = "
        "(1, 2) only: at (2, 3) sympy takes 25 s to cancel the rational difference. "
        "Independent check (tests/test_forms.py): the gradient against the derivative of the "
        "projector from an SVD, dP = P_perp dA^T (A^+)^T + A^+ dA P_perp (Golub & Pereyra), "
        "at sizes up to 4 x 7",
        derivation=r"""
With $S = AA^\top$ and $w = S^{-1}Ax$ the value is $f = x^\top A^\top S^{-1}Ax$. Both the
outer $A$'s and $S$ depend on $A$: $df = 2w^\top dA\,x - w^\top dS\,w$ with
$dS = dA\,A^\top + A\,dA^\top$, so $w^\top dS\,w = 2w^\top dA\,A^\top w$ and
$df = 2w^\top dA\,(x - A^\top w) = \langle 2w(x - A^\top w)^\top, dA\rangle$.
The vector $r = x - A^\top w = (I - P)x$ is the component of $x$ orthogonal to the row space:
the gradient is zero when $x$ lies in the row space (the projection cannot grow) and when
$x$ is orthogonal to it ($w = 0$). With $dw = S^{-1}(dA\,r - A\,dA^\top w)$ and
$dr = -dA^\top w - A^\top dw$, the Hessian's action is $2(dw\,r^\top + w\,dr^\top)$.
The residual $x^\top(I - P)x$ has the opposite gradient ({ref}`forms.row-space-residual`).
""",
        hessian=hessian_row_space_form,
        hessian_formula=r"\nabla_A^2 f[V] = 2\big(S^{-1}(Vr - AV^\top w)\,r^\top"
        r" - w\,(V^\top w + A^\top S^{-1}(Vr - AV^\top w))^\top\big)",
        mistakes=(
            Mistake(
                r"2\,wx^\top",
                lambda A, x: 2 * np.outer(np.linalg.solve(A @ A.T, A @ x), x),
                "differentiates the outer A's only and treats (A A^T)^{-1} as constant: the "
                "second term -2 w w^T A, from the inverse, is lost",
            ),
            Mistake(
                r"2\,(x - A^\top w)\,w^\top",
                lambda A, x: grad_row_space_form(A, x).T,
                "the numerator-layout derivative (n x m), the transpose of the gradient",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\, x^\top A^\top(AA^\top)^{-1}Ax}{\partial A} = "
            r"2\,(x - A^\top w)\,w^\top",
        },
        related=(
            "forms.row-space-residual",
            "leastsquares.pinv-jvp",
            "quadratic.least-squares-A",
        ),
        sources=(
            f"{COOKBOOK}, eqs. (59) (the derivative of an inverse) and (61) with the product rule",
            MAGNUS,
            "Golub & Pereyra, *The differentiation of pseudo-inverses and nonlinear least "
            "squares problems whose variables separate*, SIAM J. Numer. Anal. 10 (1973), "
            "413-432 (the derivative of an orthogonal projector)",
        ),
        keywords=(
            "x^T A^T (A A^T)^-1 A x",
            "gradient of projection onto row space",
            "derivative of projection matrix A^T (AA^T)^-1 A",
            "squared norm of projection gradient",
            "variable projection",
            "derivative of an orthogonal projector",
        ),
    )
)


@shaped
def row_space_residual(A: Arr["m n"], x: Arr["n"]):
    """``x^T (I - A^T (A A^T)^{-1} A) x``: the squared distance of ``x`` to A's row space.

    >>> float(row_space_residual(np.eye(1, 2), np.array([3.0, 4.0])))
    16.0
    """
    _require_wide(A)
    return x @ x - x @ A.T @ np.linalg.solve(A @ A.T, A @ x)


@shaped_like(row_space_residual)
def grad_row_space_residual(A, x):
    """Gradient in ``A``: ``-2 w r^T``, ``w = (A A^T)^{-1} A x``, ``r = x - A^T w``.

    >>> grad_row_space_residual(np.eye(1, 2), np.array([3.0, 4.0]))
    array([[ -0., -24.]])
    """
    _require_wide(A)
    w = np.linalg.solve(A @ A.T, A @ x)
    return -2 * np.outer(w, x - A.T @ w)


@shaped_like(row_space_residual)
def hessian_row_space_residual(A, x):
    """Hessian in ``A``: the 4-tensor of ``V -> -2(dw r^T - w (V^T w + A^T dw)^T)``.

    >>> hessian_row_space_residual(np.eye(1, 2), np.array([3.0, 4.0])).shape
    (1, 2, 1, 2)
    """
    return _hessian_from_action(A, lambda V: -_projection_action(A, x, V))


def _symbolic_row_space_residual(A, x):
    value, gradient = _symbolic_row_space(A, x)
    return (x.T * x)[0, 0] - value, -gradient


register(
    Identity(
        id="forms.row-space-residual",
        title="Gradient and Hessian of the squared distance to a row space, "
        "x^T (I - A^T (A A^T)^{-1} A) x, with respect to A",
        formula=r"\nabla_A\, x^\top(I - A^\top(AA^\top)^{-1}A)x = -2\,w\,r^\top",
        where=_ROW_SPACE_WHERE,
        wrt="A",
        kind="gradient",
        value=row_space_residual,
        derivative=grad_row_space_residual,
        symbolic=_symbolic_row_space_residual,
        sample=_sample_row_space,
        symbolic_dims=(1,),  # see the assumptions: at (m, n) = (2, 3) sympy takes 25 s
        assumptions="A wide (m x n, m <= n) of full row rank; x in R^n. The value is "
        "||(I - P) x||^2 = ||r||^2 with P = A^T (A A^T)^{-1} A. Exact (sympy) at (m, n) = "
        "(1, 2) only (25 s at (2, 3)); checked independently against the SVD projector's "
        "derivative, as forms.row-space-projection (tests/test_forms.py)",
        derivation=r"""
$x^\top(I - P)x = x^\top x - x^\top Px$ and $x^\top x$ does not depend on $A$, so the
gradient is minus that of the projection's form ({ref}`forms.row-space-projection`):
$-2w(x - A^\top w)^\top = -2wr^\top$ with $w = (AA^\top)^{-1}Ax$ and $r = (I - P)x$, the
residual of the least-squares problem $\min_w \lVert A^\top w - x\rVert^2$. In that reading
it is the variable-projection gradient: the residual norm after the inner solve, as a
function of the matrix, has gradient $-2wr^\top$ (the inner solution's own dependence on
$A$ drops out because $A r = 0$).
""",
        hessian=hessian_row_space_residual,
        hessian_formula=r"\nabla_A^2 f[V] = -2\big(S^{-1}(Vr - AV^\top w)\,r^\top"
        r" - w\,(V^\top w + A^\top S^{-1}(Vr - AV^\top w))^\top\big)",
        mistakes=(
            Mistake(
                r"2\,w\,r^\top",
                grad_row_space_form,
                "the projection's gradient with its sign: the residual shrinks where the "
                "projection grows",
            ),
            Mistake(
                r"-2\,wx^\top",
                lambda A, x: -2 * np.outer(np.linalg.solve(A @ A.T, A @ x), x),
                "treats (A A^T)^{-1} as constant: the term from the inverse is lost",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\, x^\top(I - A^\top(AA^\top)^{-1}A)x}{\partial A}"
            r" = -2\,r\,w^\top",
        },
        related=("forms.row-space-projection", "quadratic.least-squares-A"),
        sources=(
            f"{COOKBOOK}, eqs. (59) and (61) with the product rule",
            "Golub & Pereyra, *The differentiation of pseudo-inverses and nonlinear least "
            "squares problems whose variables separate*, SIAM J. Numer. Anal. 10 (1973), "
            "413-432 (the variable-projection functional)",
            MAGNUS,
        ),
        keywords=(
            "x^T (I - A^T (A A^T)^-1 A) x",
            "distance to a subspace gradient",
            "gradient of the residual projection",
            "orthogonal complement projector derivative",
            "variable projection residual",
        ),
    )
)


# -- the matrix-fractional function x^T Y^{-1} x and tr(X^T Y^{-1} X) ----------------------


@shaped
def matrix_fractional(x: Arr["n"], Y: Arr["n n"]):
    """``x^T Y^{-1} x``, the matrix-fractional function (``Y`` positive definite).

    >>> float(matrix_fractional(np.ones(2), 2 * np.eye(2)))
    1.0
    """
    return x @ np.linalg.solve(Y, x)


@shaped_like(matrix_fractional)
def grad_matrix_fractional_x(x, Y):
    """Gradient in ``x``: ``2 Y^{-1} x``.

    >>> grad_matrix_fractional_x(np.ones(2), 2 * np.eye(2))
    array([1., 1.])
    """
    return 2 * np.linalg.solve(Y, x)


@shaped_like(matrix_fractional)
def hessian_matrix_fractional_x(x, Y):
    """Hessian in ``x``: ``2 Y^{-1}``.

    >>> hessian_matrix_fractional_x(np.ones(2), 2 * np.eye(2))
    array([[1., 0.],
           [0., 1.]])
    """
    return 2 * np.linalg.inv(Y)


def _symbolic_fractional_x(x, Y):
    S = _sym(Y)  # the sample is symmetric: symmetrize the independent symbols too
    W = S.adjugate() / S.det()
    return (x.T * W * x)[0, 0], 2 * W * x


register(
    Identity(
        id="forms.matrix-fractional-x",
        title="Gradient and Hessian of the matrix-fractional function x^T Y^{-1} x with "
        "respect to x",
        formula=r"\nabla_x\, x^\top Y^{-1}x = 2\,Y^{-1}x",
        wrt="x",
        kind="gradient",
        value=matrix_fractional,
        derivative=grad_matrix_fractional_x,
        symbolic=_symbolic_fractional_x,
        structure={"Y": "spd"},
        assumptions="Y symmetric positive definite (for a general invertible Y the gradient "
        "is (Y^{-1} + Y^{-T}) x); x in R^n",
        derivation=r"""
$d(x^\top Y^{-1}x) = dx^\top Y^{-1}x + x^\top Y^{-1}dx = x^\top(Y^{-\top} + Y^{-1})\,dx$,
and $Y^{-1}$ is symmetric, so the gradient is $2Y^{-1}x$ and the Hessian $2Y^{-1}$,
positive definite: the function is strictly convex in $x$. Jointly in $(x, Y)$ it is convex
too (Boyd & Vandenberghe's matrix-fractional function), by the Schur complement of
$\begin{bmatrix} Y & x \\ x^\top & t\end{bmatrix} \succeq 0$. In a Gaussian log-density
it appears halved, $-\tfrac12(x - \mu)^\top\Sigma^{-1}(x - \mu)$, whose gradient is
$-\Sigma^{-1}(x - \mu)$.
""",
        hessian=hessian_matrix_fractional_x,
        hessian_formula=r"\nabla_x^2\, x^\top Y^{-1}x = 2\,Y^{-1}",
        mistakes=(
            Mistake(
                r"Y^{-1}x",
                lambda x, Y: np.linalg.solve(Y, x),
                "the gradient of (1/2) x^T Y^{-1} x: the factor 1/2 of the Gaussian exponent "
                "carried over to a form that does not have it",
            ),
            Mistake(
                r"-2\,Y^{-2}x",
                lambda x, Y: -2 * np.linalg.solve(Y, np.linalg.solve(Y, x)),
                "differentiates the scalar analogue x^2 / y in y instead of in x",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\, x^\top Y^{-1}x}{\partial x} = 2\,x^\top Y^{-1}",
        },
        related=(
            "forms.matrix-fractional-y",
            "forms.trace-fractional-x",
            "quadratic.grad-x-symmetric",
        ),
        sources=(
            f"{BOYD}, section 3.1.7, example 3.4 (the matrix-fractional function, convex on "
            "R^n x S^n_{++})",
            f"{COOKBOOK}, eq. (81) (the gradient of x^T B x, (B + B^T) x) with B = Y^{{-1}}",
            CVXPY,
        ),
        keywords=(
            "matrix fractional function gradient",
            "x^T Y^-1 x gradient",
            "gradient of x' inv(Y) x",
            "Mahalanobis distance squared gradient",
            "matrix_frac gradient",
            "quadratic form with an inverse",
        ),
    )
)


@shaped_like(matrix_fractional)
def grad_matrix_fractional_y(x, Y):
    """Gradient in ``Y``: ``-Y^{-T} x x^T Y^{-T}`` (``-Y^{-1} x x^T Y^{-1}`` at symmetric ``Y``).

    >>> grad_matrix_fractional_y(np.ones(2), 2 * np.eye(2))
    array([[-0.25, -0.25],
           [-0.25, -0.25]])
    """
    return -np.outer(np.linalg.solve(Y.T, x), np.linalg.solve(Y, x))


@shaped_like(matrix_fractional)
def hessian_matrix_fractional_y(x, Y):
    """Hessian in ``Y``: the 4-tensor of ``V -> Y^{-1} V^T w w^T + w w^T V^T Y^{-1}``, ``w = Y^{-1} x``.

    >>> hessian_matrix_fractional_y(np.ones(1), np.eye(1))
    array([[[[2.]]]])
    """
    Yinv = np.linalg.inv(Y)
    w = Yinv @ x
    return _hessian_from_action(
        Y, lambda V: Yinv.T @ V.T @ np.outer(Yinv.T @ x, w) + np.outer(Yinv.T @ x, w) @ V.T @ Yinv.T
    )


def _symbolic_fractional_y(x, Y):
    # Y's symbols are independent (not symmetrized): the gradient over all entries,
    # -Y^{-T} x x^T Y^{-T}, holds for any invertible Y, so its Jacobian is the exact Hessian.
    D = Y.det()
    W = Y.adjugate() / D
    return (x.T * W * x)[0, 0], -W.T * x * x.T * W.T


register(
    Identity(
        id="forms.matrix-fractional-y",
        title="Gradient and Hessian of the matrix-fractional function x^T Y^{-1} x with "
        "respect to Y",
        formula=r"\nabla_Y\, x^\top Y^{-1}x = -Y^{-1}xx^\top Y^{-1}",
        wrt="Y",
        kind="gradient",
        value=matrix_fractional,
        derivative=grad_matrix_fractional_y,
        symbolic=_symbolic_fractional_y,
        structure={"Y": "spd"},
        symbolic_dims=(1, 2),  # at n = 3 sympy takes seconds (a 3 x 3 inverse, squared)
        assumptions="Y symmetric positive definite, every entry an independent variable (for "
        "a general invertible Y the gradient is -Y^{-T} x x^T Y^{-T}, which the code computes); "
        "x in R^n",
        derivation=r"""
$dY^{-1} = -Y^{-1}dY\,Y^{-1}$, so $d(x^\top Y^{-1}x) = -x^\top Y^{-1}dY\,Y^{-1}x =
-\operatorname{tr}(Y^{-1}xx^\top Y^{-1}dY)$ and the gradient is
$-(Y^{-1}xx^\top Y^{-1})^\top = -Y^{-\top}xx^\top Y^{-\top}$, which at a symmetric $Y$ is
$-ww^\top$ with $w = Y^{-1}x$: negative semidefinite of rank one, so the function
decreases as $Y$ grows in the Loewner order. Differentiating $-Y^{-\top}xx^\top Y^{-\top}$
again, $dY^{-\top} = -Y^{-\top}dY^\top Y^{-\top}$, so the Hessian acts on a direction $V$
through $V^\top$; a symmetric direction, the only kind that keeps $Y$ symmetric, gives
$Y^{-1}Vww^\top + ww^\top VY^{-1}$.
""",
        hessian=hessian_matrix_fractional_y,
        hessian_formula=r"\nabla_Y^2 f[V] = Y^{-1}V^\top ww^\top + ww^\top V^\top Y^{-1}",
        where=(r"w = Y^{-1}x",),
        mistakes=(
            Mistake(
                r"Y^{-1}xx^\top Y^{-1}",
                lambda x, Y: -grad_matrix_fractional_y(x, Y),
                "the sign of dY^{-1} = -Y^{-1} dY Y^{-1} lost",
            ),
            Mistake(
                r"-Y^{-2}xx^\top",
                lambda x, Y: -np.linalg.solve(Y @ Y, np.outer(x, x)),
                "the scalar rule d(x^2 / y) = -x^2 / y^2 carried over to matrices, which do "
                "not commute",
            ),
            Mistake(
                r"-2\,Y^{-1}xx^\top Y^{-1} + \operatorname{diag}(Y^{-1}xx^\top Y^{-1})",
                lambda x, Y: (
                    2 * grad_matrix_fractional_y(x, Y)
                    - np.diag(np.diag(grad_matrix_fractional_y(x, Y)))
                ),
                "the symmetric-matrix convention (Cookbook section 2.8.2: each off-diagonal "
                "pair counted once) mixed into a gradient over independent entries",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\, x^\top Y^{-1}x}{\partial Y} = -Y^{-1}xx^\top Y^{-1}"
            r"\ \text{(symmetric, the same)}",
            "cookbook": r"\frac{\partial x^TY^{-1}x}{\partial Y} = -Y^{-T}xx^TY^{-T}"
            r"\ \text{(eq. 61 with } a = b = x\text{)}",
        },
        related=(
            "forms.matrix-fractional-x",
            "forms.trace-fractional-y",
            "inverses.bilinear",
        ),
        sources=(
            f"{COOKBOOK}, eq. (61) with a = b = x",
            f"{BOYD}, section 3.1.7, example 3.4 (the matrix-fractional function)",
            CVXPY,
            MAGNUS,
        ),
        keywords=(
            "matrix fractional function gradient with respect to Y",
            "gradient of x^T Y^-1 x with respect to Y",
            "d/dY x' inv(Y) x",
            "-Y^-1 x x^T Y^-1",
            "derivative of Mahalanobis distance with respect to covariance",
            "gradient of quadratic form in the inverse",
        ),
    )
)


@shaped
def trace_fractional(X: Arr["n k"], Y: Arr["n n"]):
    """``tr(X^T Y^{-1} X)``, the matrix-fractional function of a matrix ``X``.

    >>> float(trace_fractional(np.ones((2, 1)), 2 * np.eye(2)))
    1.0
    """
    return np.trace(X.T @ np.linalg.solve(Y, X))


@shaped_like(trace_fractional)
def grad_trace_fractional_x(X, Y):
    """Gradient in ``X``: ``2 Y^{-1} X``.

    >>> grad_trace_fractional_x(np.ones((2, 1)), 2 * np.eye(2))
    array([[1.],
           [1.]])
    """
    return 2 * np.linalg.solve(Y, X)


@shaped_like(trace_fractional)
def hessian_trace_fractional_x(X, Y):
    """Hessian in ``X``: ``H[i, j, k, l] = 2 (Y^{-1})_ik delta_jl``, the action ``V -> 2 Y^{-1} V``.

    >>> hessian_trace_fractional_x(np.ones((1, 1)), 2 * np.eye(1))
    array([[[[1.]]]])
    """
    return 2 * np.einsum("ik,jl->ijkl", np.linalg.inv(Y), np.eye(X.shape[1]))


def _symbolic_trace_fractional_x(X, Y):
    S = _sym(Y)  # the sample is symmetric: symmetrize the independent symbols too
    W = S.adjugate() / S.det()
    return (X.T * W * X).trace(), 2 * W * X


register(
    Identity(
        id="forms.trace-fractional-x",
        title="Gradient and Hessian of tr(X^T Y^{-1} X) with respect to X",
        formula=r"\nabla_X \operatorname{tr}(X^\top Y^{-1}X) = 2\,Y^{-1}X",
        wrt="X",
        kind="gradient",
        value=trace_fractional,
        derivative=grad_trace_fractional_x,
        symbolic=_symbolic_trace_fractional_x,
        structure={"Y": "spd"},
        assumptions="Y symmetric positive definite (n x n), X any n x k matrix (for a general "
        "invertible Y the gradient is (Y^{-1} + Y^{-T}) X)",
        derivation=r"""
$d\operatorname{tr}(X^\top Y^{-1}X) = \operatorname{tr}(dX^\top Y^{-1}X) +
\operatorname{tr}(X^\top Y^{-1}dX)$; the first trace equals
$\operatorname{tr}(X^\top Y^{-\top}dX)$, so the gradient is $(Y^{-1} + Y^{-\top})X = 2Y^{-1}X$
for symmetric $Y$. The gradient is linear in $X$: the Hessian acts on a direction $V$ as
$2Y^{-1}V$ (the Kronecker form $2\,I_k \otimes Y^{-1}$ on $\operatorname{vec}X$). Each column
$x_j$ of $X$ contributes its own $x_j^\top Y^{-1}x_j$, the vector case
({ref}`forms.matrix-fractional-x`).
""",
        hessian=hessian_trace_fractional_x,
        hessian_formula=r"\nabla_X^2 f[V] = 2\,Y^{-1}V",
        mistakes=(
            Mistake(
                r"2\,X^\top Y^{-1}",
                lambda X, Y: 2 * X.T @ np.linalg.inv(Y),
                "the numerator-layout derivative (k x n), the transpose of the gradient",
            ),
            Mistake(
                r"Y^{-1}X",
                lambda X, Y: np.linalg.solve(Y, X),
                "differentiates only the right X: X appears twice in X^T Y^{-1} X",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(X^\top Y^{-1}X)}{\partial X} = "
            r"2\,X^\top Y^{-1}",
        },
        related=(
            "forms.matrix-fractional-x",
            "forms.trace-fractional-y",
            "forms.logdet-xtbx-spd",
        ),
        sources=(
            f"{BOYD}, section 3.1.7, example 3.4 (the matrix-fractional function), applied "
            "column by column",
            CVXPY,
            MAGNUS,
        ),
        keywords=(
            "tr(X^T Y^-1 X) gradient",
            "matrix fractional trace gradient",
            "gradient of trace X' inv(P) X",
            "matrix_frac gradient X",
            "trace quadratic form with inverse",
        ),
    )
)


@shaped_like(trace_fractional)
def grad_trace_fractional_y(X, Y):
    """Gradient in ``Y``: ``-Y^{-T} X X^T Y^{-T}`` (``-Y^{-1} X X^T Y^{-1}`` at symmetric ``Y``).

    >>> grad_trace_fractional_y(np.ones((2, 1)), 2 * np.eye(2))
    array([[-0.25, -0.25],
           [-0.25, -0.25]])
    """
    return -np.linalg.solve(Y.T, X) @ np.linalg.solve(Y, X).T


@shaped_like(trace_fractional)
def hessian_trace_fractional_y(X, Y):
    """Hessian in ``Y``: the 4-tensor of ``V -> Y^{-1} V^T W W^T + W W^T V^T Y^{-1}``, ``W = Y^{-1} X``.

    >>> hessian_trace_fractional_y(np.ones((1, 1)), np.eye(1))
    array([[[[2.]]]])
    """
    Yinv = np.linalg.inv(Y)
    G = Yinv.T @ X @ X.T @ Yinv.T  # -gradient
    return _hessian_from_action(Y, lambda V: Yinv.T @ V.T @ G + G @ V.T @ Yinv.T)


def _symbolic_trace_fractional_y(X, Y):
    # independent symbols, as for forms.matrix-fractional-y
    W = Y.adjugate() / Y.det()
    return (X.T * W * X).trace(), -W.T * X * X.T * W.T


register(
    Identity(
        id="forms.trace-fractional-y",
        title="Gradient and Hessian of tr(X^T Y^{-1} X) with respect to Y",
        formula=r"\nabla_Y \operatorname{tr}(X^\top Y^{-1}X) = -Y^{-1}XX^\top Y^{-1}",
        wrt="Y",
        kind="gradient",
        value=trace_fractional,
        derivative=grad_trace_fractional_y,
        symbolic=_symbolic_trace_fractional_y,
        structure={"Y": "spd"},
        symbolic_dims=(1, 2),  # n = 3 (k = 4) builds a 3 x 3 inverse squared: slow in sympy
        assumptions="Y symmetric positive definite (n x n), every entry an independent "
        "variable (for a general invertible Y the gradient is -Y^{-T} X X^T Y^{-T}, which the "
        "code computes); X any n x k matrix. Exact (sympy) at n = 1, 2",
        derivation=r"""
$d\operatorname{tr}(X^\top Y^{-1}X) = -\operatorname{tr}(X^\top Y^{-1}dY\,Y^{-1}X) =
-\operatorname{tr}(Y^{-1}XX^\top Y^{-1}dY)$ (cyclic), so the gradient is
$-(Y^{-1}XX^\top Y^{-1})^\top$, which is $-Y^{-1}XX^\top Y^{-1} = -WW^\top$ with
$W = Y^{-1}X$ at a symmetric $Y$: the Cookbook's eq. (63) with $A = X^\top$, $B = X$. In a
Gaussian model with covariance $Y$ and centred samples in the columns of $X$, the
negative log-likelihood holds $\tfrac12\operatorname{tr}(X^\top Y^{-1}X)$, whose gradient
$-\tfrac12 Y^{-1}XX^\top Y^{-1}$ balances that of $\tfrac k2\ln\det Y$ at the sample
covariance. The Hessian acts on $V$ through $V^\top$, as in
{ref}`forms.matrix-fractional-y`.
""",
        hessian=hessian_trace_fractional_y,
        hessian_formula=r"\nabla_Y^2 f[V] = Y^{-1}V^\top WW^\top + WW^\top V^\top Y^{-1}",
        where=(r"W = Y^{-1}X",),
        mistakes=(
            Mistake(
                r"Y^{-1}XX^\top Y^{-1}",
                lambda X, Y: -grad_trace_fractional_y(X, Y),
                "the sign of dY^{-1} = -Y^{-1} dY Y^{-1} lost",
            ),
            Mistake(
                r"-Y^{-2}XX^\top",
                lambda X, Y: -np.linalg.solve(Y @ Y, X @ X.T),
                "the scalar rule d(x^2 / y) = -x^2 / y^2: puts both inverses on one side",
            ),
            Mistake(
                r"-X^\top Y^{-2}X",
                lambda X, Y: -X.T @ np.linalg.solve(Y @ Y, X),
                "differentiates as if Y^{-1} stayed between X^T and X: a k x k matrix, not "
                "the shape of Y",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(X^\top Y^{-1}X)}{\partial Y} = "
            r"-Y^{-1}XX^\top Y^{-1}\ \text{(symmetric, the same)}",
            "cookbook": r"\frac{\partial\mathrm{Tr}(X^TY^{-1}X)}{\partial Y} = "
            r"-(Y^{-1}XX^TY^{-1})^T\ \text{(eq. 63 with } A = X^\top,\ B = X\text{)}",
        },
        related=(
            "forms.matrix-fractional-y",
            "forms.trace-fractional-x",
            "inverses.trace-a-inverse-b",
        ),
        sources=(
            f"{COOKBOOK}, eq. (63) with A = X^T and B = X",
            CVXPY,
            f"{BOYD}, section 3.1.7, example 3.4 (the matrix-fractional function)",
            MAGNUS,
        ),
        keywords=(
            "tr(X^T Y^-1 X) gradient with respect to Y",
            "gradient of trace X' inv(Y) X in Y",
            "-Y^-1 X X^T Y^-1",
            "matrix_frac gradient P",
            "derivative of tr(S Sigma^-1) with respect to Sigma",
        ),
    )
)


# -- ln det(A + u v^T): the matrix determinant lemma -----------------------------------------


@shaped
def logdet_rank_one(A: Arr["n n"], u: Arr["n"], v: Arr["n"]):
    """``ln det(A + u v^T)``, with ``det(A + u v^T) > 0``.

    >>> round(float(logdet_rank_one(np.eye(2), np.ones(2), np.ones(2))), 12)  # ln 3
    1.098612288668
    """
    return np.log(np.linalg.det(A + np.outer(u, v)))


@shaped_like(logdet_rank_one)
def grad_logdet_rank_one_u(A, u, v):
    """Gradient in ``u``: ``A^{-T} v / (1 + v^T A^{-1} u)``.

    >>> grad_logdet_rank_one_u(np.eye(2), np.ones(2), np.ones(2))
    array([0.33333333, 0.33333333])
    """
    return np.linalg.solve(A.T, v) / (1 + v @ np.linalg.solve(A, u))


@shaped_like(logdet_rank_one)
def hessian_logdet_rank_one_u(A, u, v):
    """Hessian in ``u``: ``-A^{-T} v v^T A^{-1} / (1 + v^T A^{-1} u)^2``.

    >>> hessian_logdet_rank_one_u(np.eye(1), np.ones(1), np.ones(1))
    array([[-0.25]])
    """
    z = np.linalg.solve(A.T, v)
    return -np.outer(z, z) / (1 + v @ np.linalg.solve(A, u)) ** 2


def _sample_logdet_rank_one(rng, n):
    # det A > 0 (a row sign flip of an invertible A) and 1 + v^T A^{-1} u >= 1 (u's sign
    # chosen), so det(A + u v^T) = det(A) (1 + v^T A^{-1} u) > 0 by construction.
    A = STRUCTURES["invertible"][0](rng, (n, n))
    if np.linalg.det(A) < 0:
        A[0] = -A[0]
    u, v = rng.standard_normal(n), rng.standard_normal(n)
    if v @ np.linalg.solve(A, u) < 0:
        u = -u
    return {"A": A, "u": u, "v": v}


def _symbolic_logdet_rank_one_u(A, u, v):
    adj, D = A.adjugate(), A.det()
    c = D + (v.T * adj * u)[0, 0]  # det(A) (1 + v^T A^{-1} u) = det(A + u v^T)
    return sp.log((A + u * v.T).det()), adj.T * v / c


register(
    Identity(
        id="forms.logdet-rank-one-u",
        title="Gradient and Hessian of ln det(A + u v^T) with respect to u",
        formula=r"\nabla_u \ln\det(A + uv^\top) = \frac{A^{-\top}v}{1 + v^\top A^{-1}u}",
        wrt="u",
        kind="gradient",
        value=logdet_rank_one,
        derivative=grad_logdet_rank_one_u,
        symbolic=_symbolic_logdet_rank_one_u,
        sample=_sample_logdet_rank_one,
        symbolic_dims=(1, 2),  # at n = 3 the rational second derivatives take sympy seconds
        assumptions="A square and invertible (n x n), u, v in R^n, det(A + u v^T) > 0; "
        "sampled with det A > 0 and v^T A^{-1} u >= 0. Exact (sympy) at n = 1, 2",
        derivation=r"""
By the matrix determinant lemma, $\det(A + uv^\top) = \det(A)\,(1 + v^\top A^{-1}u)$, so
$\ln\det(A + uv^\top) = \ln\det A + \ln(1 + v^\top A^{-1}u)$ and only the second term depends
on $u$: its differential is $\frac{v^\top A^{-1}du}{1 + v^\top A^{-1}u}$, so the gradient is
$\frac{A^{-\top}v}{1 + v^\top A^{-1}u}$. With $z = A^{-\top}v$ and $c = 1 + v^\top A^{-1}u$,
$dc = z^\top du$ and the Hessian is $-zz^\top/c^2$, negative semidefinite of rank one: the
function is concave along every line in $u$ on which $c > 0$. Jacobi's formula with
$M = A + uv^\top$ gives the same vector as $M^{-\top}v$.
""",
        hessian=hessian_logdet_rank_one_u,
        hessian_formula=r"\nabla_u^2 \ln\det(A + uv^\top) = "
        r"-\frac{A^{-\top}vv^\top A^{-1}}{(1 + v^\top A^{-1}u)^2}",
        mistakes=(
            Mistake(
                r"\frac{A^{-1}v}{1 + v^\top A^{-1}u}",
                lambda A, u, v: np.linalg.solve(A, v) / (1 + v @ np.linalg.solve(A, u)),
                "drops the transpose: v^T A^{-1} du is <A^{-T} v, du>, right only for symmetric A",
            ),
            Mistake(
                r"A^{-\top}v",
                lambda A, u, v: np.linalg.solve(A.T, v),
                "the gradient of the determinant lemma's factor 1 + v^T A^{-1} u, without "
                "the logarithm's division by it",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\ln\det(A + uv^\top)}{\partial u} = "
            r"\frac{v^\top A^{-1}}{1 + v^\top A^{-1}u}",
        },
        related=("lowrank.det-lemma-u", "forms.logdet-rank-one-a", "determinants.logdet"),
        sources=(
            HARVILLE,
            f"{COOKBOOK}, eq. (43) (d ln det X = tr(X^{{-1}} dX)) with X = A + uv^T",
            MAGNUS,
        ),
        keywords=(
            "log det(A + u v^T) gradient",
            "matrix determinant lemma log",
            "gradient of log determinant rank one update",
            "logdet rank-one update u",
        ),
    )
)


@shaped_like(logdet_rank_one)
def grad_logdet_rank_one_a(A, u, v):
    """Gradient in ``A``: ``A^{-T} - A^{-T} v u^T A^{-T} / (1 + v^T A^{-1} u)`` ``= (A + u v^T)^{-T}``.

    >>> grad_logdet_rank_one_a(np.eye(1), np.ones(1), np.ones(1))
    array([[0.5]])
    """
    P = np.linalg.inv(A).T
    return P - P @ np.outer(v, u) @ P / (1 + v @ np.linalg.solve(A, u))


@shaped_like(logdet_rank_one)
def hessian_logdet_rank_one_a(A, u, v):
    """Hessian in ``A``: the 4-tensor of ``V -> -M^{-T} V^T M^{-T}``, ``M = A + u v^T``.

    >>> hessian_logdet_rank_one_a(np.eye(1), np.ones(1), np.ones(1))
    array([[[[-0.25]]]])
    """
    P = np.linalg.inv(A + np.outer(u, v)).T
    return _hessian_from_action(A, lambda V: -P @ V.T @ P)


def _symbolic_logdet_rank_one_a(A, u, v):
    adj, D = A.adjugate(), A.det()
    c = D + (v.T * adj * u)[0, 0]  # det(A) (1 + v^T A^{-1} u)
    # A^{-T} - A^{-T} v u^T A^{-T} / (1 + v^T A^{-1} u), over the common denominator
    return sp.log((A + u * v.T).det()), adj.T / D - adj.T * v * u.T * adj.T / (D * c)


register(
    Identity(
        id="forms.logdet-rank-one-a",
        title="Gradient and Hessian of ln det(A + u v^T) with respect to A",
        formula=r"\nabla_A \ln\det(A + uv^\top) = A^{-\top}"
        r" - \frac{A^{-\top}vu^\top A^{-\top}}{1 + v^\top A^{-1}u} = (A + uv^\top)^{-\top}",
        wrt="A",
        kind="gradient",
        value=logdet_rank_one,
        derivative=grad_logdet_rank_one_a,
        symbolic=_symbolic_logdet_rank_one_a,
        sample=_sample_logdet_rank_one,
        symbolic_dims=(1, 2),  # at n = 3 (9 symbols in rational entries) sympy takes seconds
        assumptions="A square and invertible (n x n), u, v in R^n, det(A + u v^T) > 0; "
        "sampled with det A > 0 and v^T A^{-1} u >= 0. Exact (sympy) at n = 1, 2",
        derivation=r"""
Jacobi's formula with $M = A + uv^\top$ and $dM = dA$ gives
$d\ln\det M = \operatorname{tr}(M^{-1}dA)$, so the gradient is $M^{-\top}$. Sherman-Morrison,
$M^{-1} = A^{-1} - \frac{A^{-1}uv^\top A^{-1}}{1 + v^\top A^{-1}u}$, transposed, gives the form
that needs only $A^{-1}$ (already factorised when $A$ is the unperturbed matrix):
$A^{-\top} - \frac{A^{-\top}vu^\top A^{-\top}}{1 + v^\top A^{-1}u}$, with $v$ on the left and
$u$ on the right. Differentiating $M^{-\top}$ again, the Hessian acts as
$V \mapsto -M^{-\top}V^\top M^{-\top}$.
""",
        hessian=hessian_logdet_rank_one_a,
        hessian_formula=r"\nabla_A^2 f[V] = -M^{-\top}V^\top M^{-\top}",
        where=(r"M = A + uv^\top",),
        mistakes=(
            Mistake(
                r"A^{-\top} - \frac{A^{-\top}uv^\top A^{-\top}}{1 + v^\top A^{-1}u}",
                lambda A, u, v: (
                    np.linalg.inv(A).T
                    - np.linalg.inv(A).T
                    @ np.outer(u, v)
                    @ np.linalg.inv(A).T
                    / (1 + v @ np.linalg.solve(A, u))
                ),
                "transposes A^{-1} in Sherman-Morrison but not u v^T: the correction of "
                "M^{-T} has v u^T",
            ),
            Mistake(
                r"(A + uv^\top)^{-1}",
                lambda A, u, v: np.linalg.inv(A + np.outer(u, v)),
                "the numerator-layout derivative: M^{-1} where M^{-T} belongs, and M = A + u v^T "
                "is not symmetric",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\ln\det(A + uv^\top)}{\partial A} = (A + uv^\top)^{-1}",
        },
        related=("forms.logdet-rank-one-u", "determinants.logdet", "lowrank.sherman-morrison-u"),
        sources=(
            f"{COOKBOOK}, eq. (43) with X = A + uv^T",
            "Sherman & Morrison, *Adjustment of an inverse matrix corresponding to a change in "
            "one element of a given matrix*, Ann. Math. Statist. 21 (1950), 124-127",
            MAGNUS,
        ),
        keywords=(
            "log det(A + u v^T) gradient with respect to A",
            "gradient of log determinant of rank one update",
            "inverse transpose of a rank-one update",
            "logdet rank-one update A",
        ),
    )
)


# -- a^T (A + U C V)^{-1} b: a bilinear form in a Woodbury update ---------------------------


@shaped
def woodbury_form(
    A: Arr["n n"], U: Arr["n k"], C: Arr["k k"], V: Arr["k n"], a: Arr["n"], b: Arr["n"]
):
    """``a^T (A + U C V)^{-1} b``.

    >>> one = np.ones((2, 1))  # (I + 1 1^T)^{-1} 1 = 1 / 3 in each entry
    >>> round(float(woodbury_form(np.eye(2), one, np.eye(1), one.T, np.ones(2), np.ones(2))), 12)
    0.666666666667
    """
    return a @ np.linalg.solve(A + U @ C @ V, b)


@shaped_like(woodbury_form)
def grad_woodbury_form_u(A, U, C, V, a, b):
    """Gradient in ``U``: ``-M^{-T} a b^T M^{-T} V^T C^T`` with ``M = A + U C V``.

    >>> grad_woodbury_form_u(np.eye(1), np.zeros((1, 1)), np.eye(1), np.ones((1, 1)),
    ...                      np.ones(1), np.ones(1))
    array([[-1.]])
    """
    M = A + U @ C @ V
    return -np.outer(np.linalg.solve(M.T, a), C @ V @ np.linalg.solve(M, b))


@shaped_like(woodbury_form)
def hessian_woodbury_form_u(A, U, C, V, a, b):
    """Hessian in ``U``: the 4-tensor of ``E -> M^{-T} V^T C^T E^T p s^T + p (C V M^{-1} E s)^T``.

    >>> hessian_woodbury_form_u(np.eye(1), np.zeros((1, 1)), np.eye(1), np.ones((1, 1)),
    ...                         np.ones(1), np.ones(1))
    array([[[[2.]]]])
    """
    M = A + U @ C @ V
    p, s = np.linalg.solve(M.T, a), C @ V @ np.linalg.solve(M, b)
    return _hessian_from_action(
        U,
        lambda E: (
            np.outer(np.linalg.solve(M.T, V.T @ C.T @ E.T @ p), s)
            + np.outer(p, C @ V @ np.linalg.solve(M, E @ s))
        ),
    )


def _sample_woodbury(rng, n):
    # n + 1 rows, a rank-n update; ||U C V|| <= 1/8 and ||A^{-1}|| <= 1, so M = A + U C V
    # is invertible and well conditioned by construction. A and C are not symmetric.
    size, k = n + 1, n
    return {
        "A": STRUCTURES["invertible"][0](rng, (size, size)),
        "U": _full_rank(rng, size, k) / 4,
        "C": STRUCTURES["invertible"][0](rng, (k, k)) / 4,
        "V": _full_rank(rng, k, size) / 4,
        "a": rng.standard_normal(size),
        "b": rng.standard_normal(size),
    }


def _symbolic_woodbury_u(A, U, C, V, a, b):
    # M^{-1} = adj(M) / det M; the gradient over the one denominator det(M)^2, with an
    # expanded numerator, is a third cheaper for sympy to compare
    M, D = _expanded(A + U * C * V)
    adj = M.adjugate()
    claimed = -(adj.T * a * b.T * adj.T * V.T * C.T).applyfunc(sp.expand) / D**2
    return (a.T * adj * b)[0, 0] / D, claimed


register(
    Identity(
        id="forms.woodbury-u",
        title="Gradient and Hessian of a^T (A + U C V)^{-1} b with respect to U",
        formula=r"\nabla_U\, a^\top(A + UCV)^{-1}b = -M^{-\top}ab^\top M^{-\top}V^\top C^\top",
        where=(r"M = A + UCV", r"p = M^{-\top}a", r"s = CVM^{-1}b"),
        wrt="U",
        kind="gradient",
        value=woodbury_form,
        derivative=grad_woodbury_form_u,
        symbolic=_symbolic_woodbury_u,
        sample=_sample_woodbury,
        symbolic_dims=(1,),  # (n, k) = (2, 1); at (3, 2) (25 symbols) sympy takes minutes
        assumptions="A (n x n) and M = A + U C V invertible, U n x k, C k x k, V k x n (none "
        "symmetric); a, b in R^n. Sampled with ||U C V|| <= 1/8 and the singular values of A "
        "in [1, 2], at n = k + 1. Exact (sympy) at (n, k) = (2, 1) only; at larger sizes the "
        "derivative checker verifies it numerically, and tests/test_forms.py checks it against "
        "the Woodbury form, which solves only with A and the k x k capacitance matrix",
        derivation=r"""
With $M = A + UCV$, $dM = dU\,CV$ and $dM^{-1} = -M^{-1}dM\,M^{-1}$, so
$df = -a^\top M^{-1}dU\,CVM^{-1}b = -\operatorname{tr}(CVM^{-1}ba^\top M^{-1}dU)$ and the
gradient is $-(CVM^{-1}ba^\top M^{-1})^\top = -M^{-\top}ab^\top M^{-\top}V^\top C^\top$:
the outer product of $p = M^{-\top}a$ and $s = CVM^{-1}b$, with a minus sign. The
Woodbury identity $M^{-1} = A^{-1} - A^{-1}U(C^{-1} + VA^{-1}U)^{-1}VA^{-1}$ computes
both solves with $A$ and a $k \times k$ system, the point of a low-rank update. With
$dp = -M^{-\top}V^\top C^\top dU^\top p$ and $ds = -CVM^{-1}dU\,s$ the Hessian's action on a
direction $E$ is $-(dp\,s^\top + p\,ds^\top)$.
""",
        hessian=hessian_woodbury_form_u,
        hessian_formula=r"\nabla_U^2 f[E] = M^{-\top}V^\top C^\top E^\top p\,s^\top"
        r" + p\,(CVM^{-1}Es)^\top",
        mistakes=(
            Mistake(
                r"-M^{-1}ab^\top M^{-1}V^\top C^\top",
                lambda A, U, C, V, a, b: (
                    -(
                        np.linalg.solve(A + U @ C @ V, np.outer(a, b))
                        @ np.linalg.inv(A + U @ C @ V)
                        @ V.T
                        @ C.T
                    )
                ),
                "drops the transposes of M^{-1}: M = A + U C V is not symmetric",
            ),
            Mistake(
                r"-M^{-\top}ab^\top M^{-\top}V^\top C",
                lambda A, U, C, V, a, b: (
                    -np.outer(
                        np.linalg.solve((A + U @ C @ V).T, a),
                        C.T @ V @ np.linalg.solve(A + U @ C @ V, b),
                    )
                ),
                "C not transposed: right only for a symmetric C (a covariance), as in the "
                "Gaussian-process forms where the rule is usually met",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\, a^\top(A + UCV)^{-1}b}{\partial U} = "
            r"-CVM^{-1}ba^\top M^{-1}",
        },
        related=("lowrank.sherman-morrison-u", "inverses.bilinear", "forms.logdet-rank-one-a"),
        sources=(
            f"{COOKBOOK}, eq. (61) (the gradient of a^T X^{{-1}} b) with the chain rule through "
            "X = A + U C V",
            "Golub & Van Loan, *Matrix Computations*, 3rd ed. (1996), p. 51 "
            "(the Sherman-Morrison-Woodbury formula)",
            "Woodbury, *Inverting modified matrices*, Memorandum Report 42, Statistical "
            "Research Group, Princeton University (1950)",
            MAGNUS,
        ),
        keywords=(
            "Woodbury identity gradient",
            "a^T (A + U C V)^-1 b gradient",
            "gradient with respect to U of inverse of low rank update",
            "derivative of (A + UCV)^-1",
            "low-rank plus diagonal inverse gradient",
        ),
    )
)


# -- tr log X = ln det X -------------------------------------------------------------------


@shaped
def trace_log(X: Arr["n n"]):
    """``tr(log X)``, the trace of the principal matrix logarithm (``= ln det X``).

    >>> round(float(trace_log(np.diag([1.0, np.e ** 2]))), 12)
    2.0
    """
    return np.trace(_logm(X))


@shaped_like(trace_log)
def grad_trace_log(X):
    """Gradient: ``X^{-T}`` (``X^{-1}`` at a symmetric ``X``).

    >>> grad_trace_log(np.diag([1.0, 4.0]))
    array([[1.  , 0.  ],
           [0.  , 0.25]])
    """
    return np.linalg.inv(X).T


@shaped_like(trace_log)
def hessian_trace_log(X):
    """Hessian: the 4-tensor of ``V -> -X^{-T} V^T X^{-T}``.

    >>> hessian_trace_log(np.eye(1))
    array([[[[-1.]]]])
    """
    P = np.linalg.inv(X).T
    return _hessian_from_action(X, lambda V: -P @ V.T @ P)


def _symbolic_trace_log(X):
    # sympy has no matrix logarithm of a symbol matrix: it reads the value as ln det X, the
    # identity the entry states; the numpy value (tr log X through the principal logarithm)
    # is compared with it at every sample.
    D = X.det()
    return sp.log(D), X.adjugate().T / D


register(
    Identity(
        id="forms.trace-log",
        title="Gradient and Hessian of tr(log X), the trace of the matrix logarithm",
        formula=r"\nabla_X \operatorname{tr}(\log X) = \nabla_X \ln\det X = X^{-1}",
        wrt="X",
        kind="gradient",
        value=trace_log,
        derivative=grad_trace_log,
        symbolic=_symbolic_trace_log,
        structure={"X": "spd"},
        assumptions="X symmetric positive definite; every entry an independent variable (for "
        "any X with no eigenvalue on the closed negative real axis the gradient is X^{-T}, "
        "which the code computes). The value is computed as the trace of the principal "
        "logarithm (inverse scaling and squaring, as matfun); sympy, which has no logarithm "
        "of a symbol matrix, reads it as ln det X, and the two values are compared at every "
        "sample (the link tr log X = ln det X checked numerically, the derivative exactly)",
        derivation=r"""
The eigenvalues of $\log X$ are $\ln\lambda_i$, so
$\operatorname{tr}(\log X) = \sum_i \ln\lambda_i = \ln\prod_i\lambda_i = \ln\det X$: the trace
of the logarithm is the log-determinant, and Jacobi's formula gives
$d\operatorname{tr}(\log X) = \operatorname{tr}(X^{-1}dX)$, the gradient $X^{-\top}$, which is
$X^{-1}$ for symmetric $X$. The same follows from $\operatorname{tr}L_{\log}(X, E) =
\operatorname{tr}(X^{-1}E)$ (the trace of a Fréchet derivative of $f$ is
$\operatorname{tr}(f'(X)E)$), without the determinant. Note that
`np.trace(np.log(X))` is not this function: `np.log` acts entry by entry. Differentiating
$X^{-\top}$ gives the Hessian's action $-X^{-\top}V^\top X^{-\top}$, negative definite on
symmetric directions: $\ln\det$ is concave on the positive definite cone.
""",
        hessian=hessian_trace_log,
        hessian_formula=r"\nabla_X^2 \operatorname{tr}(\log X)[V] = -X^{-1}V^\top X^{-1}",
        mistakes=(
            Mistake(
                r"I \oslash X",
                lambda X: np.diag(1 / np.diag(X)),
                "the gradient of tr of the entrywise log, sum_i ln X_ii "
                "(np.trace(np.log(X))): only the diagonal, 1 / X_ii",
            ),
            Mistake(
                r"2X^{-1} - I \odot X^{-1}",
                lambda X: 2 * np.linalg.inv(X) - np.diag(np.diag(np.linalg.inv(X))),
                "the symmetric-matrix convention (Cookbook eq. 141) mixed into a gradient "
                "over independent entries",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(\log X)}{\partial X} = X^{-1}"
            r"\ \text{(symmetric, the same)}",
        },
        related=("determinants.logdet-spd", "matfun.trace-logm", "matfun.logm-frechet"),
        sources=(
            f"{COOKBOOK}, eq. (43) (d ln det X = tr(X^{{-1}} dX))",
            "Higham, *Functions of Matrices*, SIAM (2008), ch. 11 (the matrix logarithm; "
            "det e^A = e^{tr A})",
            f"{BOYD}, appendix A.4.1 (the gradient of log det X)",
            MAGNUS,
        ),
        keywords=(
            "gradient of trace of matrix logarithm",
            "tr log X derivative",
            "d/dX tr(logm(X))",
            "trace log equals log det",
            "tr(log(X)) gradient",
        ),
    )
)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "log-determinants",
        "ln det(X^T B X) and tr log X",
        ("forms.logdet-xtbx-spd", "forms.logdet-xtbx", "forms.trace-log"),
    ),
    (
        "updates",
        "Rank-one and Woodbury updates",
        ("forms.logdet-rank-one-u", "forms.logdet-rank-one-a", "forms.woodbury-u"),
    ),
    (
        "projections",
        "Forms in a row-space projection",
        ("forms.row-space-projection", "forms.row-space-residual"),
    ),
    (
        "matrix-fractional",
        "The matrix-fractional function",
        (
            "forms.matrix-fractional-x",
            "forms.matrix-fractional-y",
            "forms.trace-fractional-x",
            "forms.trace-fractional-y",
        ),
    ),
)
