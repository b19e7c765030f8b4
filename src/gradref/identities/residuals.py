"""Frobenius residuals: ``||F(X) - C||_F^2`` for matrix fitting, factorisation and equations.

These are the squared residuals that fitting, factorisation and matrix-equation solvers
minimise. Every entry follows one pattern: with the residual ``R = F(X) - C``,
``df = 2 <R, dR>`` (Cookbook eq. 132 and the chain rule), and ``dR`` is read off the map.
The linear residual ``AXB - C`` is ``traces.affine-frobenius`` (Cookbook eq. 119); here are
the quadratic maps (Gram ``X^T X``, congruence ``X B X^T``), the linear matrix equations
(Sylvester, Lyapunov, commutator) and the low-rank factorisations, plain and weighted. Their
Hessians are given as actions ``\\nabla^2 f[V]``. Inputs are not symmetric unless the
statement needs it, and rectangular shapes have distinct dimension names, so that a missing
transpose or a symmetric-case formula is caught. Values are written as ``sum(R * R)``
(no ``abs``), so the checker's complex step passes through them.
"""

import numpy as np
import sympy as sp

from gradref.catalog import Identity, Mistake, register
from gradref.identities.linear import COOKBOOK
from gradref.identities.traces import hessian_tensor
from gradref.shapes import Arr, shaped, shaped_like

MAGNUS = (
    "Magnus & Neudecker, *Matrix Differential Calculus*, 3rd ed. (2019), chs. 9-10 (first "
    "differentials and Jacobians, second differentials and Hessians)"
)
EDELMAN = (
    "Edelman, Arias & Smith, The geometry of algorithms with orthogonality constraints, "
    "*SIAM J. Matrix Anal. Appl.* 20(2), 303-353 (1998), section 2 (the Stiefel manifold "
    "X^T X = I, on which the penalty vanishes)"
)
SREBRO = (
    "Srebro & Jaakkola, Weighted low-rank approximations, *ICML* 2003, section 2 (the "
    "weighted Frobenius objective)"
)
KOREN = (
    "Koren, Bell & Volinsky, Matrix factorization techniques for recommender systems, "
    "*IEEE Computer* 42(8), 30-37 (2009), eq. (2) (squared error over the known ratings) and "
    "the section on learning algorithms (stochastic gradient descent, alternating least squares)"
)


def _cookbook(*equations: int) -> str:
    from gradref.cookbook import PAGES

    numbers = ", ".join(f"({n})" for n in equations)
    label = "eq." if len(equations) == 1 else "eqs."
    return f"{COOKBOOK}, {label} {numbers}, p. {PAGES[equations[0]]}"


#: The pattern every entry follows (not printed for these residuals, hence cited as such).
PATTERN = (
    f"{_cookbook(132, 119)} (the squared Frobenius norm and the affine residual, whose pattern "
    "this follows; this residual itself is not printed)"
)


#: Exact sympy checks at base sizes 1 and 2 (the factors then have up to 4 rows): at 3 the
#: exact Hessian alone (up to 20 x 20 quartic polynomials) costs 0.5-1 s per entry. The
#: numerical checks run at every size of the build.
SYMBOLIC_DIMS = (1, 2)


def _sq(R):
    """``||R||_F^2`` for sympy: the sum of squares of the entries."""
    return sum(r**2 for r in R)


# -- quadratic maps: Gram and congruence --------------------------------------------------------


@shaped
def gram_residual(X: Arr["m n"], A: Arr["n n"]):
    """The squared residual ``||X^T X - A||_F^2``.

    >>> gram_residual(np.array([[1.0, 0.0], [0.0, 2.0]]), np.eye(2))
    np.float64(9.0)
    """
    R = X.T @ X - A
    return np.sum(R * R)


@shaped_like(gram_residual)
def grad_gram_residual(X, A):
    """Gradient of ``||X^T X - A||_F^2`` in ``X``: ``2 X (R + R^T)``, ``R = X^T X - A``.

    >>> grad_gram_residual(np.array([[1.0, 0.0], [0.0, 2.0]]), np.eye(2))
    array([[ 0.,  0.],
           [ 0., 24.]])
    """
    R = X.T @ X - A
    return 2 * X @ (R + R.T)


def hessian_gram_residual(X, A):
    """Hessian of ``||X^T X - A||_F^2``: ``V -> 2 V (R + R^T) + 4 X (V^T X + X^T V)``."""
    R = X.T @ X - A
    return hessian_tensor(X, lambda V: 2 * V @ (R + R.T) + 4 * X @ (V.T @ X + X.T @ V))


register(
    Identity(
        id="residuals.gram",
        title="Gradient of the Gram residual ‖XᵀX − A‖²_F with respect to X",
        formula=r"\nabla_X \|X^\top X - A\|_F^2 = 2X(R + R^\top)",
        where=(r"R = X^\top X - A",),
        wrt="X",
        kind="gradient",
        symbolic_dims=SYMBOLIC_DIMS,
        value=gram_residual,
        derivative=grad_gram_residual,
        symbolic=lambda X, A: (
            _sq(X.T * X - A),
            2 * X * ((X.T * X - A) + (X.T * X - A).T),
        ),
        sources=(PATTERN, MAGNUS),
        assumptions="X rectangular (m x n), A square and not necessarily symmetric; for "
        "symmetric A the gradient is 4X(X^T X - A)",
        derivation=r"""
With $R = X^\top X - A$, $df = 2\langle R, dR\rangle$ and $dR = dX^\top X + X^\top dX$.
The second term gives $2\operatorname{tr}(R^\top X^\top dX) = \langle 2XR, dX\rangle$, the
first $2\operatorname{tr}(R^\top dX^\top X) = 2\operatorname{tr}(dX^\top XR^\top) =
\langle 2XR^\top, dX\rangle$. So $\nabla_X f = 2X(R + R^\top)$; only for symmetric $A$
(then $R$ is symmetric) is it $4XR$.
""",
        hessian=hessian_gram_residual,
        hessian_formula=r"\nabla_X^2 f[V] = 2V(R + R^\top) + 4X(V^\top X + X^\top V),"
        r"\quad R = X^\top X - A",
        mistakes=(
            Mistake(
                r"4X(X^\top X - A)",
                lambda X, A: 4 * X @ (X.T @ X - A),
                "the form for a symmetric target A (R symmetric, so 2XR + 2XR^T = 4XR) used "
                "with a non-symmetric one",
            ),
            Mistake(
                r"2X(X^\top X - A)",
                lambda X, A: 2 * X @ (X.T @ X - A),
                "keeps one of the two terms of d(X^T X), as if X^T X were linear in X",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \|X^\top X - A\|_F^2}{\partial X} = 2(R + R^\top)X^\top",
        },
        related=("residuals.orthogonality", "residuals.congruence", "traces.xtx"),
        keywords=(
            "||X^T X - A||_F^2",
            "Gram residual",
            "Gram matrix fitting",
            "symmetric factorization",
            "Burer-Monteiro",
            "XtX - A",
        ),
    )
)


@shaped
def orthogonality_penalty(X: Arr["m n"]):
    """The orthogonality penalty ``||X^T X - I||_F^2``.

    >>> orthogonality_penalty(np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]]))
    np.float64(9.0)
    """
    R = X.T @ X - np.eye(X.shape[1])
    return np.sum(R * R)


@shaped_like(orthogonality_penalty)
def grad_orthogonality_penalty(X):
    """Gradient of ``||X^T X - I||_F^2``: ``4 X (X^T X - I)``.

    >>> grad_orthogonality_penalty(np.array([[1.0], [1.0]]))
    array([[4.],
           [4.]])
    """
    return 4 * X @ (X.T @ X - np.eye(X.shape[1]))


def hessian_orthogonality_penalty(X):
    """Hessian of ``||X^T X - I||_F^2``: ``V -> 4 V (X^T X - I) + 4 X (V^T X + X^T V)``."""
    R = X.T @ X - np.eye(X.shape[1])
    return hessian_tensor(X, lambda V: 4 * V @ R + 4 * X @ (V.T @ X + X.T @ V))


def _sample_tall(rng, n):
    """X with one row more than columns, as an orthonormal-columns (Stiefel) point would be."""
    return {"X": rng.standard_normal((n + 1, n))}


register(
    Identity(
        id="residuals.orthogonality",
        title="Gradient of the orthogonality penalty ‖XᵀX − I‖²_F",
        formula=r"\nabla_X \|X^\top X - I\|_F^2 = 4X(X^\top X - I)",
        wrt="X",
        kind="gradient",
        symbolic_dims=SYMBOLIC_DIMS,
        value=orthogonality_penalty,
        derivative=grad_orthogonality_penalty,
        symbolic=lambda X: (
            _sq(X.T * X - sp.eye(X.shape[1])),
            4 * X * (X.T * X - sp.eye(X.shape[1])),
        ),
        sample=_sample_tall,
        sources=(EDELMAN, PATTERN, MAGNUS),
        assumptions="X of shape m x n (checked with m = n + 1, as for orthonormal columns); "
        "the penalty is zero exactly on the Stiefel manifold X^T X = I. This is the Euclidean "
        "gradient of the penalty, not a Riemannian gradient on the manifold",
        derivation=r"""
This is the Gram residual with $A = I$: $R = X^\top X - I$ is symmetric, so the two terms
$2XR$ and $2XR^\top$ of $\nabla_X\|X^\top X - A\|_F^2$ are equal and the gradient is
$4XR$. It vanishes on the Stiefel manifold, where the penalty has its minimum zero.
""",
        hessian=hessian_orthogonality_penalty,
        hessian_formula=r"\nabla_X^2 f[V] = 4V(X^\top X - I) + 4X(V^\top X + X^\top V)",
        mistakes=(
            Mistake(
                r"2X(X^\top X - I)",
                lambda X: 2 * X @ (X.T @ X - np.eye(X.shape[1])),
                "keeps one of the two terms of d(X^T X): the factor 2 of the symmetric "
                "product is lost",
            ),
            Mistake(
                r"X(X^\top X - I)",
                lambda X: X @ (X.T @ X - np.eye(X.shape[1])),
                "the gradient of the quarter penalty (1/4)||X^T X - I||_F^2, used for the "
                "unscaled one",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \|X^\top X - I\|_F^2}{\partial X} = 4(X^\top X - I)"
            r"X^\top",
        },
        related=("residuals.gram", "norms.frobenius-squared"),
        keywords=(
            "orthogonality penalty",
            "||X^T X - I||_F^2",
            "soft orthogonality constraint",
            "orthogonal regularization",
            "Stiefel manifold penalty",
        ),
    )
)


@shaped
def congruence_residual(X: Arr["m n"], B: Arr["n n"], C: Arr["m m"]):
    """The squared residual ``||X B X^T - C||_F^2``.

    >>> congruence_residual(np.eye(2), np.eye(2), np.zeros((2, 2)))
    np.float64(2.0)
    """
    R = X @ B @ X.T - C
    return np.sum(R * R)


@shaped_like(congruence_residual)
def grad_congruence_residual(X, B, C):
    """Gradient of ``||X B X^T - C||_F^2`` in ``X``: ``2 (R X B^T + R^T X B)``.

    >>> grad_congruence_residual(np.eye(2), np.eye(2), np.zeros((2, 2)))
    array([[4., 0.],
           [0., 4.]])
    """
    R = X @ B @ X.T - C
    return 2 * (R @ X @ B.T + R.T @ X @ B)


def hessian_congruence_residual(X, B, C):
    """Hessian of ``||X B X^T - C||_F^2`` in ``X``, as the 4-tensor of its action."""
    R = X @ B @ X.T - C

    def directional(V):
        dR = V @ B @ X.T + X @ B @ V.T
        return 2 * (dR @ X @ B.T + R @ V @ B.T + dR.T @ X @ B + R.T @ V @ B)

    return hessian_tensor(X, directional)


register(
    Identity(
        id="residuals.congruence",
        title="Gradient of the congruence residual ‖XBXᵀ − C‖²_F with respect to X",
        formula=r"\nabla_X \|XBX^\top - C\|_F^2 = 2(RXB^\top + R^\top XB)",
        where=(r"R = XBX^\top - C",),
        wrt="X",
        kind="gradient",
        symbolic_dims=SYMBOLIC_DIMS,
        value=congruence_residual,
        derivative=grad_congruence_residual,
        symbolic=lambda X, B, C: (
            _sq(X * B * X.T - C),
            2 * ((X * B * X.T - C) * X * B.T + (X * B * X.T - C).T * X * B),
        ),
        sources=(f"{_cookbook(118)} (the quadratic trace it expands into)", PATTERN, MAGNUS),
        assumptions="X rectangular (m x n); B and C square and not necessarily symmetric. The "
        "same identity, renamed, is the gradient of ||A B A^T - C||_F^2 with respect to A",
        derivation=r"""
With $R = XBX^\top - C$, $df = 2\langle R, dR\rangle$, $dR = dX\,BX^\top + XB\,dX^\top$.
The first term is $2\operatorname{tr}(R^\top dX\,BX^\top) = 2\operatorname{tr}(BX^\top
R^\top dX) = \langle 2RXB^\top, dX\rangle$; the second is
$2\operatorname{tr}(R^\top XB\,dX^\top) = \langle 2R^\top XB, dX\rangle$. For symmetric $B$
and $C$ both equal $2RXB$ and the gradient is $4RXB$.
""",
        hessian=hessian_congruence_residual,
        hessian_formula=r"\nabla_X^2 f[V] = 2(dR\,XB^\top + RVB^\top + dR^\top XB + R^\top VB),"
        r"\quad R = XBX^\top - C,\ dR = VBX^\top + XBV^\top",
        mistakes=(
            Mistake(
                r"4(XBX^\top - C)XB",
                lambda X, B, C: 4 * (X @ B @ X.T - C) @ X @ B,
                "the form for symmetric B and C used with general ones",
            ),
            Mistake(
                r"2(RXB + R^\top XB^\top)",
                lambda X, B, C: 2 * ((X @ B @ X.T - C) @ X @ B + (X @ B @ X.T - C).T @ X @ B.T),
                "puts the transpose of B on the wrong term",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \|XBX^\top - C\|_F^2}{\partial X}"
            r" = 2(BX^\top R^\top + B^\top X^\top R)",
        },
        related=("residuals.congruence-middle", "residuals.gram", "traces.axbxtc"),
        keywords=(
            "||XBX^T - C||_F^2",
            "||ABA^T - C||_F^2",
            "congruence residual",
            "XBX^T",
            "symmetric factorization residual",
        ),
    )
)


@shaped
def congruence_residual_middle(A: Arr["m n"], B: Arr["n n"], C: Arr["m m"]):
    """The squared residual ``||A B A^T - C||_F^2``, as a function of the middle factor ``B``.

    >>> congruence_residual_middle(np.ones((1, 2)), np.eye(2), np.zeros((1, 1)))
    np.float64(4.0)
    """
    R = A @ B @ A.T - C
    return np.sum(R * R)


@shaped_like(congruence_residual_middle)
def grad_congruence_residual_middle(A, B, C):
    """Gradient of ``||A B A^T - C||_F^2`` in ``B``: ``2 A^T (A B A^T - C) A``.

    >>> grad_congruence_residual_middle(np.ones((1, 2)), np.eye(2), np.zeros((1, 1)))
    array([[4., 4.],
           [4., 4.]])
    """
    return 2 * A.T @ (A @ B @ A.T - C) @ A


def hessian_congruence_residual_middle(A, B, C):
    """Hessian of ``||A B A^T - C||_F^2`` in ``B``: ``V -> 2 A^T A V A^T A``."""
    return hessian_tensor(B, lambda V: 2 * A.T @ A @ V @ A.T @ A)


register(
    Identity(
        id="residuals.congruence-middle",
        title="Gradient of ‖ABAᵀ − C‖²_F with respect to the middle factor B",
        formula=r"\nabla_B \|ABA^\top - C\|_F^2 = 2A^\top(ABA^\top - C)A",
        wrt="B",
        kind="gradient",
        symbolic_dims=SYMBOLIC_DIMS,
        value=congruence_residual_middle,
        derivative=grad_congruence_residual_middle,
        symbolic=lambda A, B, C: (_sq(A * B * A.T - C), 2 * A.T * (A * B * A.T - C) * A),
        sources=(f"{_cookbook(119)} with X = B, B = A^T (the same affine residual)", MAGNUS),
        assumptions="A rectangular (m x n); B and C square, not necessarily symmetric",
        derivation=r"""
The residual $R = ABA^\top - C$ is affine in $B$: $dR = A\,dB\,A^\top$, so
$df = 2\langle R, A\,dB\,A^\top\rangle = 2\operatorname{tr}(R^\top A\,dB\,A^\top) =
2\operatorname{tr}(A^\top R^\top A\,dB) = \langle 2A^\top RA, dB\rangle$. It is eq. 119's
$2A^\top(AXB + C)B^\top$ with $X = B$, right factor $A^\top$ and constant $-C$.
""",
        hessian=hessian_congruence_residual_middle,
        hessian_formula=r"\nabla_B^2 f[V] = 2A^\top AVA^\top A",
        mistakes=(
            Mistake(
                r"2A^\top(ABA^\top - C)^\top A",
                lambda A, B, C: 2 * A.T @ (A @ B @ A.T - C).T @ A,
                "the numerator-layout derivative, the transpose of the gradient; equal only "
                "for symmetric B and C",
            ),
            Mistake(
                r"A^\top(ABA^\top - C)A",
                lambda A, B, C: A.T @ (A @ B @ A.T - C) @ A,
                "drops the factor 2 of the square",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \|ABA^\top - C\|_F^2}{\partial B}"
            r" = 2A^\top(ABA^\top - C)^\top A",
        },
        related=("residuals.congruence", "traces.affine-frobenius"),
        keywords=(
            "||ABA^T - C||_F^2 with respect to B",
            "gradient with respect to the middle factor",
            "covariance fitting",
            "ABA^T",
        ),
    )
)


# -- linear matrix equations: Sylvester, Lyapunov, commutator ----------------------------------


@shaped
def sylvester_residual(A: Arr["m m"], X: Arr["m n"], B: Arr["n n"], C: Arr["m n"]):
    """The squared Sylvester residual ``||A X + X B - C||_F^2``.

    >>> sylvester_residual(np.eye(1), np.ones((1, 2)), np.eye(2), np.zeros((1, 2)))
    np.float64(8.0)
    """
    R = A @ X + X @ B - C
    return np.sum(R * R)


@shaped_like(sylvester_residual)
def grad_sylvester_residual(A, X, B, C):
    """Gradient of ``||A X + X B - C||_F^2`` in ``X``: ``2 (A^T R + R B^T)``.

    >>> grad_sylvester_residual(np.eye(1), np.ones((1, 2)), np.eye(2), np.zeros((1, 2)))
    array([[8., 8.]])
    """
    R = A @ X + X @ B - C
    return 2 * (A.T @ R + R @ B.T)


def hessian_sylvester_residual(A, X, B, C):
    """Hessian of the Sylvester residual in ``X``: ``V -> 2 (A^T dR + dR B^T)``."""

    def directional(V):
        dR = A @ V + V @ B
        return 2 * (A.T @ dR + dR @ B.T)

    return hessian_tensor(X, directional)


register(
    Identity(
        id="residuals.sylvester",
        title="Gradient of the Sylvester residual ‖AX + XB − C‖²_F with respect to X",
        formula=r"\nabla_X \|AX + XB - C\|_F^2 = 2(A^\top R + RB^\top)",
        where=(r"R = AX + XB - C",),
        wrt="X",
        kind="gradient",
        symbolic_dims=SYMBOLIC_DIMS,
        value=sylvester_residual,
        derivative=grad_sylvester_residual,
        symbolic=lambda A, X, B, C: (
            _sq(A * X + X * B - C),
            2 * (A.T * (A * X + X * B - C) + (A * X + X * B - C) * B.T),
        ),
        sources=(PATTERN, MAGNUS),
        assumptions="A (m x m), B (n x n), X and C (m x n); none symmetric. The gradient is "
        "the adjoint Sylvester operator applied to the residual",
        derivation=r"""
The residual $R = AX + XB - C$ is affine in $X$ with $dR = A\,dX + dX\,B$. Then
$df = 2\langle R, A\,dX\rangle + 2\langle R, dX\,B\rangle = \langle 2A^\top R, dX\rangle +
\langle 2RB^\top, dX\rangle$: the gradient applies the adjoint of the Sylvester operator
$X \mapsto AX + XB$, which is $Y \mapsto A^\top Y + YB^\top$, to $2R$.
""",
        hessian=hessian_sylvester_residual,
        hessian_formula=r"\nabla_X^2 f[V] = 2\big(A^\top(AV + VB) + (AV + VB)B^\top\big)",
        mistakes=(
            Mistake(
                r"2(AR + RB)",
                lambda A, X, B, C: 2 * (A @ (A @ X + X @ B - C) + (A @ X + X @ B - C) @ B),
                "applies the Sylvester operator itself instead of its adjoint (no transposes)",
            ),
            Mistake(
                r"2(A^\top R + RB)",
                lambda A, X, B, C: 2 * (A.T @ (A @ X + X @ B - C) + (A @ X + X @ B - C) @ B),
                "transposes the left coefficient but not the right one",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \|AX + XB - C\|_F^2}{\partial X}"
            r" = 2(R^\top A + BR^\top)",
        },
        related=("residuals.sylvester-A", "residuals.lyapunov", "residuals.commutator"),
        keywords=(
            "Sylvester equation residual",
            "||AX + XB - C||_F^2",
            "AX + XB = C",
            "least-squares Sylvester",
            "adjoint Sylvester operator",
        ),
    )
)


@shaped_like(sylvester_residual)
def grad_sylvester_residual_A(A, X, B, C):
    """Gradient of ``||A X + X B - C||_F^2`` in ``A``: ``2 R X^T``.

    >>> grad_sylvester_residual_A(np.eye(1), np.ones((1, 2)), np.eye(2), np.zeros((1, 2)))
    array([[8.]])
    """
    return 2 * (A @ X + X @ B - C) @ X.T


def hessian_sylvester_residual_A(A, X, B, C):
    """Hessian of the Sylvester residual in ``A``: ``V -> 2 V X X^T``."""
    return hessian_tensor(A, lambda V: 2 * V @ X @ X.T)


register(
    Identity(
        id="residuals.sylvester-A",
        title="Gradient of the Sylvester residual ‖AX + XB − C‖²_F with respect to A",
        formula=r"\nabla_A \|AX + XB - C\|_F^2 = 2(AX + XB - C)X^\top",
        wrt="A",
        kind="gradient",
        symbolic_dims=SYMBOLIC_DIMS,
        value=sylvester_residual,
        derivative=grad_sylvester_residual_A,
        symbolic=lambda A, X, B, C: (_sq(A * X + X * B - C), 2 * (A * X + X * B - C) * X.T),
        sources=(f"{_cookbook(119)} with the right factor I", MAGNUS),
        assumptions="A (m x m), B (n x n), X and C (m x n); none symmetric. Fitting the "
        "coefficient A of a linear system from X, as in system identification",
        derivation=r"""
In $A$ the residual $R = AX + XB - C$ has $dR = dA\,X$, so
$df = 2\operatorname{tr}(R^\top dA\,X) = 2\operatorname{tr}(XR^\top dA) =
\langle 2RX^\top, dA\rangle$: the least-squares gradient of eq. 119 with the unknown on
the left.
""",
        hessian=hessian_sylvester_residual_A,
        hessian_formula=r"\nabla_A^2 f[V] = 2VXX^\top",
        mistakes=(
            Mistake(
                r"2X(AX + XB - C)^\top",
                lambda A, X, B, C: 2 * X @ (A @ X + X @ B - C).T,
                "the numerator-layout derivative, the transpose of the gradient",
            ),
            Mistake(
                r"2(AX - C)X^\top",
                lambda A, X, B, C: 2 * (A @ X - C) @ X.T,
                "drops XB from the residual because it does not depend on A",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \|AX + XB - C\|_F^2}{\partial A}"
            r" = 2X(AX + XB - C)^\top",
        },
        related=("residuals.sylvester", "traces.affine-frobenius"),
        keywords=(
            "Sylvester residual gradient with respect to A",
            "||AX + XB - C||_F^2",
            "system identification least squares",
        ),
    )
)


@shaped
def lyapunov_residual(A: Arr["n n"], X: Arr["n n"], C: Arr["n n"]):
    """The squared Lyapunov residual ``||A X + X A^T - C||_F^2``.

    >>> lyapunov_residual(np.eye(2), np.eye(2), np.zeros((2, 2)))
    np.float64(8.0)
    """
    R = A @ X + X @ A.T - C
    return np.sum(R * R)


@shaped_like(lyapunov_residual)
def grad_lyapunov_residual(A, X, C):
    """Gradient of ``||A X + X A^T - C||_F^2`` in ``X``: ``2 (A^T R + R A)``.

    >>> grad_lyapunov_residual(np.eye(2), np.eye(2), np.zeros((2, 2)))
    array([[8., 0.],
           [0., 8.]])
    """
    R = A @ X + X @ A.T - C
    return 2 * (A.T @ R + R @ A)


def hessian_lyapunov_residual(A, X, C):
    """Hessian of the Lyapunov residual in ``X``: ``V -> 2 (A^T dR + dR A)``."""

    def directional(V):
        dR = A @ V + V @ A.T
        return 2 * (A.T @ dR + dR @ A)

    return hessian_tensor(X, directional)


register(
    Identity(
        id="residuals.lyapunov",
        title="Gradient of the Lyapunov residual ‖AX + XAᵀ − C‖²_F with respect to X",
        formula=r"\nabla_X \|AX + XA^\top - C\|_F^2 = 2(A^\top R + RA)",
        where=(r"R = AX + XA^\top - C",),
        wrt="X",
        kind="gradient",
        symbolic_dims=SYMBOLIC_DIMS,
        value=lyapunov_residual,
        derivative=grad_lyapunov_residual,
        symbolic=lambda A, X, C: (
            _sq(A * X + X * A.T - C),
            2 * (A.T * (A * X + X * A.T - C) + (A * X + X * A.T - C) * A),
        ),
        sources=(PATTERN, MAGNUS),
        assumptions="A, X, C square (n x n); A not symmetric, and X and C general (not "
        "restricted to symmetric matrices: the gradient over symmetric X is the symmetric "
        "part of this one)",
        derivation=r"""
It is the Sylvester residual with $B = A^\top$: $dR = A\,dX + dX\,A^\top$, and the adjoint
of $X \mapsto AX + XA^\top$ is $Y \mapsto A^\top Y + Y(A^\top)^\top = A^\top Y + YA$. So
$\nabla_X f = 2(A^\top R + RA)$, with $A$, not $A^\top$, on the right.
""",
        hessian=hessian_lyapunov_residual,
        hessian_formula=r"\nabla_X^2 f[V] = 2\big(A^\top(AV + VA^\top) + (AV + VA^\top)A\big)",
        mistakes=(
            Mistake(
                r"2(A^\top R + RA^\top)",
                lambda A, X, C: 2 * (A.T @ (A @ X + X @ A.T - C) + (A @ X + X @ A.T - C) @ A.T),
                "transposes the right coefficient once too often: the adjoint of X -> X A^T "
                "is Y -> Y A",
            ),
            Mistake(
                r"4A^\top R",
                lambda A, X, C: 4 * A.T @ (A @ X + X @ A.T - C),
                "treats the two terms as equal, which needs R symmetric and A^T R = R A",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \|AX + XA^\top - C\|_F^2}{\partial X}"
            r" = 2(R^\top A + A^\top R^\top)",
        },
        related=("residuals.sylvester",),
        keywords=(
            "Lyapunov equation residual",
            "||AX + XA^T - C||_F^2",
            "AX + XA^T = C",
            "continuous Lyapunov equation",
        ),
    )
)


@shaped
def commutator_residual(A: Arr["n n"], B: Arr["m m"], C: Arr["m n"]):
    """The squared intertwining residual ``||C A - B C||_F^2`` (a commutator when A = B).

    >>> commutator_residual(np.eye(2), 2 * np.eye(1), np.ones((1, 2)))
    np.float64(2.0)
    """
    R = C @ A - B @ C
    return np.sum(R * R)


@shaped_like(commutator_residual)
def grad_commutator_residual(A, B, C):
    """Gradient of ``||C A - B C||_F^2`` in ``C``: ``2 (R A^T - B^T R)``.

    >>> grad_commutator_residual(np.eye(2), 2 * np.eye(1), np.ones((1, 2)))
    array([[2., 2.]])
    """
    R = C @ A - B @ C
    return 2 * (R @ A.T - B.T @ R)


def hessian_commutator_residual(A, B, C):
    """Hessian of ``||C A - B C||_F^2`` in ``C``: ``V -> 2 (dR A^T - B^T dR)``."""

    def directional(V):
        dR = V @ A - B @ V
        return 2 * (dR @ A.T - B.T @ dR)

    return hessian_tensor(C, directional)


register(
    Identity(
        id="residuals.commutator",
        title="Gradient of the commutator residual ‖CA − BC‖²_F with respect to C",
        formula=r"\nabla_C \|CA - BC\|_F^2 = 2(RA^\top - B^\top R)",
        where=(r"R = CA - BC",),
        wrt="C",
        kind="gradient",
        symbolic_dims=SYMBOLIC_DIMS,
        value=commutator_residual,
        derivative=grad_commutator_residual,
        symbolic=lambda A, B, C: (
            _sq(C * A - B * C),
            2 * ((C * A - B * C) * A.T - B.T * (C * A - B * C)),
        ),
        sources=(PATTERN, MAGNUS),
        assumptions="A (n x n), B (m x m), C (m x n), none symmetric; for A = B (square C) "
        "the residual is the commutator [C, A]. Zero at the C that intertwine A and B",
        derivation=r"""
With $R = CA - BC$, affine in $C$: $dR = dC\,A - B\,dC$, and
$df = 2\operatorname{tr}(R^\top dC\,A) - 2\operatorname{tr}(R^\top B\,dC) =
\langle 2RA^\top, dC\rangle - \langle 2B^\top R, dC\rangle$. It is the Sylvester gradient
for the operator $C \mapsto CA - BC$.
""",
        hessian=hessian_commutator_residual,
        hessian_formula=r"\nabla_C^2 f[V] = 2\big((VA - BV)A^\top - B^\top(VA - BV)\big)",
        mistakes=(
            Mistake(
                r"2(RA - BR)",
                lambda A, B, C: 2 * ((C @ A - B @ C) @ A - B @ (C @ A - B @ C)),
                "applies the operator instead of its adjoint (no transposes)",
            ),
            Mistake(
                r"2(RA^\top + B^\top R)",
                lambda A, B, C: 2 * ((C @ A - B @ C) @ A.T + B.T @ (C @ A - B @ C)),
                "loses the minus sign of the term -BC",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \|CA - BC\|_F^2}{\partial C} = 2(AR^\top - R^\top B)",
        },
        related=("residuals.sylvester",),
        keywords=(
            "commutator residual",
            "||CA - BC||_F^2",
            "intertwining",
            "commutator norm",
            "[C A]",
        ),
    )
)


# -- factorisations: low rank, plain and weighted ------------------------------------------------


@shaped
def low_rank_residual(P: Arr["m n"], A: Arr["m r"], B: Arr["n r"]):
    """The squared low-rank factorisation residual ``||P - A B^T||_F^2``.

    >>> low_rank_residual(np.ones((2, 2)), np.ones((2, 1)), np.ones((2, 1)))
    np.float64(0.0)
    """
    R = P - A @ B.T
    return np.sum(R * R)


@shaped_like(low_rank_residual)
def grad_low_rank_residual_A(P, A, B):
    """Gradient of ``||P - A B^T||_F^2`` in ``A``: ``-2 (P - A B^T) B``.

    >>> grad_low_rank_residual_A(np.ones((2, 2)), np.zeros((2, 1)), np.ones((2, 1)))
    array([[-4.],
           [-4.]])
    """
    return -2 * (P - A @ B.T) @ B


def hessian_low_rank_residual_A(P, A, B):
    """Hessian of ``||P - A B^T||_F^2`` in ``A``: ``V -> 2 V B^T B``."""
    return hessian_tensor(A, lambda V: 2 * V @ B.T @ B)


register(
    Identity(
        id="residuals.low-rank-A",
        title="Gradient of the low-rank residual ‖P − ABᵀ‖²_F with respect to A",
        formula=r"\nabla_A \|P - AB^\top\|_F^2 = -2(P - AB^\top)B",
        wrt="A",
        kind="gradient",
        symbolic_dims=SYMBOLIC_DIMS,
        value=low_rank_residual,
        derivative=grad_low_rank_residual_A,
        symbolic=lambda P, A, B: (_sq(P - A * B.T), -2 * (P - A * B.T) * B),
        sources=(f"{_cookbook(119)} with B = B^T and C = -P", KOREN, MAGNUS),
        assumptions="P (m x n), factors A (m x r) and B (n x r), any r; the objective is "
        "convex in A for fixed B (the Hessian 2 V B^T B), which alternating least squares uses",
        derivation=r"""
With $R = P - AB^\top$, $dR = -dA\,B^\top$ and
$df = -2\operatorname{tr}(R^\top dA\,B^\top) = -2\operatorname{tr}(B^\top R^\top dA) =
\langle -2RB, dA\rangle$. Setting it to zero gives the alternating-least-squares update
$A = PB(B^\top B)^{-1}$.
""",
        hessian=hessian_low_rank_residual_A,
        hessian_formula=r"\nabla_A^2 f[V] = 2VB^\top B",
        mistakes=(
            Mistake(
                r"-(P - AB^\top)B",
                lambda P, A, B: -(P - A @ B.T) @ B,
                "the gradient of the half-scaled objective (1/2)||P - AB^T||_F^2 used for the "
                "unscaled one",
            ),
            Mistake(
                r"2(P - AB^\top)B",
                lambda P, A, B: 2 * (P - A @ B.T) @ B,
                "loses the minus sign of dR = -dA B^T (the residual written P - AB^T, the "
                "gradient taken for AB^T - P)",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \|P - AB^\top\|_F^2}{\partial A}"
            r" = -2B^\top(P - AB^\top)^\top",
        },
        related=("residuals.low-rank-B", "residuals.weighted-low-rank-A"),
        keywords=(
            "low-rank factorization gradient",
            "||P - AB^T||_F^2",
            "matrix factorization",
            "alternating least squares",
            "||X - UV^T||_F^2",
        ),
    )
)


@shaped_like(low_rank_residual)
def grad_low_rank_residual_B(P, A, B):
    """Gradient of ``||P - A B^T||_F^2`` in ``B``: ``-2 (P - A B^T)^T A``.

    >>> grad_low_rank_residual_B(np.ones((2, 2)), np.ones((2, 1)), np.zeros((2, 1)))
    array([[-4.],
           [-4.]])
    """
    return -2 * (P - A @ B.T).T @ A


def hessian_low_rank_residual_B(P, A, B):
    """Hessian of ``||P - A B^T||_F^2`` in ``B``: ``V -> 2 V A^T A``."""
    return hessian_tensor(B, lambda V: 2 * V @ A.T @ A)


register(
    Identity(
        id="residuals.low-rank-B",
        title="Gradient of the low-rank residual ‖P − ABᵀ‖²_F with respect to B",
        formula=r"\nabla_B \|P - AB^\top\|_F^2 = -2(P - AB^\top)^\top A",
        wrt="B",
        kind="gradient",
        symbolic_dims=SYMBOLIC_DIMS,
        value=low_rank_residual,
        derivative=grad_low_rank_residual_B,
        symbolic=lambda P, A, B: (_sq(P - A * B.T), -2 * (P - A * B.T).T * A),
        sources=(f"{_cookbook(119)} applied to the transposed residual", KOREN, MAGNUS),
        assumptions="P (m x n), factors A (m x r) and B (n x r), any r",
        derivation=r"""
With $R = P - AB^\top$, $dR = -A\,dB^\top$ and
$df = -2\operatorname{tr}(R^\top A\,dB^\top) = -2\operatorname{tr}(dB^\top R^\top A) =
\langle -2R^\top A, dB\rangle$: the gradient in $A$ for the transposed problem
$\|P^\top - BA^\top\|_F^2$.
""",
        hessian=hessian_low_rank_residual_B,
        hessian_formula=r"\nabla_B^2 f[V] = 2VA^\top A",
        mistakes=(
            Mistake(
                r"-(P - AB^\top)^\top A",
                lambda P, A, B: -(P - A @ B.T).T @ A,
                "the gradient of the half-scaled objective used for the unscaled one",
            ),
            Mistake(
                r"-2A^\top(P - AB^\top)",
                lambda P, A, B: -2 * A.T @ (P - A @ B.T),
                "the numerator-layout derivative (r x n), the transpose of the gradient",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \|P - AB^\top\|_F^2}{\partial B}"
            r" = -2A^\top(P - AB^\top)",
        },
        related=("residuals.low-rank-A", "residuals.weighted-low-rank-B"),
        keywords=(
            "low-rank factorization gradient",
            "||P - AB^T||_F^2",
            "matrix factorization",
            "alternating least squares",
        ),
    )
)


@shaped
def weighted_low_rank_residual(W: Arr["m n"], P: Arr["m n"], A: Arr["m r"], B: Arr["n r"]):
    """The weighted residual ``||W o (P - A B^T)||_F^2`` (``o`` the entrywise product).

    >>> weighted_low_rank_residual(np.eye(2), np.zeros((2, 2)), np.ones((2, 1)), np.ones((2, 1)))
    np.float64(2.0)
    """
    R = W * (P - A @ B.T)
    return np.sum(R * R)


@shaped_like(weighted_low_rank_residual)
def grad_weighted_low_rank_residual_A(W, P, A, B):
    """Gradient of ``||W o (P - A B^T)||_F^2`` in ``A``: ``-2 (W o W o (P - A B^T)) B``.

    >>> W, P = 2 * np.eye(2), np.ones((2, 2))
    >>> grad_weighted_low_rank_residual_A(W, P, np.zeros((2, 1)), np.ones((2, 1)))
    array([[-8.],
           [-8.]])
    """
    return -2 * (W * W * (P - A @ B.T)) @ B


def hessian_weighted_low_rank_residual_A(W, P, A, B):
    """Hessian of the weighted residual in ``A``: ``V -> 2 (W o W o (V B^T)) B``."""
    return hessian_tensor(A, lambda V: 2 * (W * W * (V @ B.T)) @ B)


def _symbolic_weighted(W, P, A, B, wrt):
    R = P - A * B.T
    weighted = W.multiply_elementwise(W).multiply_elementwise(R)
    gradient = -2 * weighted * B if wrt == "A" else -2 * weighted.T * A
    return _sq(W.multiply_elementwise(R)), gradient


_WEIGHTED_ASSUMPTIONS = (
    "W (m x n) of nonnegative weights, checked with weights in [0.5, 2] so that W o W differs "
    "from W; for a 0/1 mask of observed entries W o W = W and the loss is the squared error "
    "over the observed entries. P (m x n), A (m x r), B (n x r)"
)

register(
    Identity(
        id="residuals.weighted-low-rank-A",
        title="Gradient of the weighted low-rank residual ‖W ∘ (P − ABᵀ)‖²_F with respect to A",
        formula=r"\nabla_A \|W \odot (P - AB^\top)\|_F^2 = -2(W \odot W \odot R)B",
        where=(r"R = P - AB^\top",),
        wrt="A",
        kind="gradient",
        symbolic_dims=SYMBOLIC_DIMS,
        value=weighted_low_rank_residual,
        derivative=grad_weighted_low_rank_residual_A,
        symbolic=lambda W, P, A, B: _symbolic_weighted(W, P, A, B, "A"),
        structure={"W": "positive"},
        sources=(SREBRO, KOREN, MAGNUS),
        assumptions=_WEIGHTED_ASSUMPTIONS,
        derivation=r"""
With $R = P - AB^\top$, $f = \langle W \odot R, W \odot R\rangle$ and
$df = 2\langle W \odot R, W \odot dR\rangle = 2\langle W \odot W \odot R, dR\rangle$
(the weights move across the inner product entrywise). With $dR = -dA\,B^\top$ this is
$\langle -2(W \odot W \odot R)B, dA\rangle$: the weights enter squared, once from each
factor of the square.
""",
        hessian=hessian_weighted_low_rank_residual_A,
        hessian_formula=r"\nabla_A^2 f[V] = 2\big(W \odot W \odot (VB^\top)\big)B",
        mistakes=(
            Mistake(
                r"-2(W \odot R)B",
                lambda W, P, A, B: -2 * (W * (P - A @ B.T)) @ B,
                "applies the weights once instead of squared (right only for a 0/1 mask)",
            ),
            Mistake(
                r"-2(P - AB^\top)B",
                lambda W, P, A, B: -2 * (P - A @ B.T) @ B,
                "the unweighted gradient: the weights are dropped",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial f}{\partial A} = -2B^\top(W \odot W \odot R)^\top",
        },
        related=("residuals.weighted-low-rank-B", "residuals.low-rank-A"),
        keywords=(
            "weighted low-rank approximation",
            "masked matrix factorization",
            "||W o (P - UV^T)||_F^2",
            "matrix completion gradient",
            "collaborative filtering",
        ),
    )
)


@shaped_like(weighted_low_rank_residual)
def grad_weighted_low_rank_residual_B(W, P, A, B):
    """Gradient of ``||W o (P - A B^T)||_F^2`` in ``B``: ``-2 (W o W o (P - A B^T))^T A``.

    >>> W, P = 2 * np.eye(2), np.ones((2, 2))
    >>> grad_weighted_low_rank_residual_B(W, P, np.ones((2, 1)), np.zeros((2, 1)))
    array([[-8.],
           [-8.]])
    """
    return -2 * (W * W * (P - A @ B.T)).T @ A


def hessian_weighted_low_rank_residual_B(W, P, A, B):
    """Hessian of the weighted residual in ``B``: ``V -> 2 (W o W o (A V^T))^T A``."""
    return hessian_tensor(B, lambda V: 2 * (W * W * (A @ V.T)).T @ A)


register(
    Identity(
        id="residuals.weighted-low-rank-B",
        title="Gradient of the weighted low-rank residual ‖W ∘ (P − ABᵀ)‖²_F with respect to B",
        formula=r"\nabla_B \|W \odot (P - AB^\top)\|_F^2 = -2(W \odot W \odot R)^\top A",
        where=(r"R = P - AB^\top",),
        wrt="B",
        kind="gradient",
        symbolic_dims=SYMBOLIC_DIMS,
        value=weighted_low_rank_residual,
        derivative=grad_weighted_low_rank_residual_B,
        symbolic=lambda W, P, A, B: _symbolic_weighted(W, P, A, B, "B"),
        structure={"W": "positive"},
        sources=(SREBRO, KOREN, MAGNUS),
        assumptions=_WEIGHTED_ASSUMPTIONS,
        derivation=r"""
As for $A$, $df = 2\langle W \odot W \odot R, dR\rangle$, now with $dR = -A\,dB^\top$:
$df = -2\operatorname{tr}\big((W \odot W \odot R)^\top A\,dB^\top\big) =
\langle -2(W \odot W \odot R)^\top A, dB\rangle$.
""",
        hessian=hessian_weighted_low_rank_residual_B,
        hessian_formula=r"\nabla_B^2 f[V] = 2\big(W \odot W \odot (AV^\top)\big)^\top A",
        mistakes=(
            Mistake(
                r"-2(W \odot R)^\top A",
                lambda W, P, A, B: -2 * (W * (P - A @ B.T)).T @ A,
                "applies the weights once instead of squared (right only for a 0/1 mask)",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial f}{\partial B} = -2A^\top(W \odot W \odot R)",
        },
        related=("residuals.weighted-low-rank-A", "residuals.low-rank-B"),
        keywords=(
            "weighted low-rank approximation",
            "masked matrix factorization",
            "||W o (P - UV^T)||_F^2",
            "matrix completion gradient",
        ),
    )
)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
TOPICS = (
    (
        "quadratic-maps",
        "Gram and congruence residuals",
        (
            "residuals.gram",
            "residuals.orthogonality",
            "residuals.congruence",
            "residuals.congruence-middle",
        ),
    ),
    (
        "matrix-equations",
        "Residuals of linear matrix equations",
        (
            "residuals.sylvester",
            "residuals.sylvester-A",
            "residuals.lyapunov",
            "residuals.commutator",
        ),
    ),
    (
        "factorisations",
        "Low-rank and weighted factorisations",
        (
            "residuals.low-rank-A",
            "residuals.low-rank-B",
            "residuals.weighted-low-rank-A",
            "residuals.weighted-low-rank-B",
        ),
    ),
)
