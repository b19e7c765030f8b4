"""Log-determinants and inverses of structured sums: identity plus a Gram matrix, rank-one
updates (the matrix determinant lemma and Sherman-Morrison)."""

import numpy as np
import sympy as sp

from gradref.catalog import Identity, Mistake, register
from gradref.identities.linear import COOKBOOK
from gradref.shapes import Arr, shaped, shaped_like

MAGNUS = "Magnus & Neudecker, *Matrix Differential Calculus*, 3rd ed. (2019), ch. 8"
HARVILLE = (
    "Harville, *Matrix Algebra From a Statistician's Perspective*, Springer (1997), "
    "chapter 18 (sums of matrices: the determinant of a rank-one update)"
)


def _inv(X):
    """``X^{-1}`` for sympy, as ``adj(X) / det X``."""
    return X.adjugate() / X.det()


# -- ln det(I + X X^T) ------------------------------------------------------------------------


@shaped
def logdet_identity_plus_gram(X: Arr["m k"]):
    """``ln det(I + X X^T)``.

    >>> round(float(logdet_identity_plus_gram(np.ones((2, 1)))), 12)
    1.098612288668
    """
    return np.log(np.linalg.det(np.eye(X.shape[0]) + X @ X.T))


@shaped_like(logdet_identity_plus_gram)
def grad_logdet_identity_plus_gram(X):
    """Gradient of ``ln det(I + X X^T)``: ``2 (I + X X^T)^{-1} X``.

    >>> grad_logdet_identity_plus_gram(np.ones((2, 1)))
    array([[0.66666667],
           [0.66666667]])
    """
    return 2 * np.linalg.solve(np.eye(X.shape[0]) + X @ X.T, X)


register(
    Identity(
        id="lowrank.logdet-identity-plus-gram",
        title="Gradient of ln det(I + X X^T) with respect to X",
        formula=r"\nabla_X \ln\det(I + XX^\top) = 2\,(I + XX^\top)^{-1}X"
        r" = 2\,X(I + X^\top X)^{-1}",
        wrt="X",
        kind="gradient",
        value=logdet_identity_plus_gram,
        derivative=grad_logdet_identity_plus_gram,
        symbolic=lambda X: (
            sp.log((sp.eye(X.rows) + X * X.T).det()),
            2 * _inv(sp.eye(X.rows) + X * X.T) * X,
        ),
        derivation=r"""
With $S = I + XX^\top$ (symmetric positive definite), $d\ln\det S = \operatorname{tr}
(S^{-1}dS)$ and $dS = dX\,X^\top + X\,dX^\top$, so $d\ln\det S = 2\operatorname{tr}
(X^\top S^{-1}dX)$ (the two terms are equal because $S^{-1}$ is symmetric), which is
$\langle 2S^{-1}X, dX\rangle$. The push-through identity $(I + XX^\top)^{-1}X =
X(I + X^\top X)^{-1}$ gives the second form, cheaper when $X$ is tall; by Sylvester's
determinant identity $\ln\det(I + XX^\top) = \ln\det(I + X^\top X)$.
""",
        mistakes=(
            Mistake(
                r"(I + XX^\top)^{-1}X",
                lambda X: grad_logdet_identity_plus_gram(X) / 2,
                "differentiates only dX X^T: the symmetric term X dX^T gives the same again",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\ln\det(I + XX^\top)}{\partial X}"
            r" = 2\,X^\top(I + XX^\top)^{-1}",
        },
        related=("determinants.logdet-gram", "determinants.logdet-spd"),
        assumptions="X any m x k real matrix (I + X X^T is then symmetric positive definite)",
        sources=(
            f"{COOKBOOK}, eq. (43) (d ln det X = tr(X^{{-1}} dX)) with the chain rule",
            MAGNUS,
        ),
        keywords=(
            "log det(I + X X^T)",
            "gradient of log det I plus XX^T",
            "logdet identity plus low rank",
            "Gaussian process with a linear kernel",
            "push-through identity",
        ),
    )
)


# -- the matrix determinant lemma: det(A + u v^T) = det(A) (1 + v^T A^{-1} u) ----------------


@shaped
def det_rank_one_update(A: Arr["n n"], u: Arr["n"], v: Arr["n"]):
    """``det(A + u v^T)``.

    >>> det_rank_one_update(np.eye(2), np.ones(2), np.ones(2))
    np.float64(3.0)
    """
    return np.linalg.det(A + np.outer(u, v))


@shaped_like(det_rank_one_update)
def grad_det_rank_one_update_u(A, u, v):
    """Gradient of ``det(A + u v^T)`` in ``u``: ``det(A) A^{-T} v``.

    >>> grad_det_rank_one_update_u(np.eye(2), np.ones(2), np.ones(2))
    array([1., 1.])
    """
    return np.linalg.det(A) * np.linalg.solve(A.T, v)


register(
    Identity(
        id="lowrank.det-lemma-u",
        title="Gradient of det(A + u v^T) with respect to u (the matrix determinant lemma)",
        formula=r"\nabla_u \det(A + uv^\top) = \det(A)\,A^{-\top}v",
        wrt="u",
        kind="gradient",
        value=det_rank_one_update,
        derivative=grad_det_rank_one_update_u,
        structure={"A": "invertible"},
        symbolic=lambda A, u, v: ((A + u * v.T).det(), A.det() * _inv(A).T * v),
        derivation=r"""
The matrix determinant lemma $\det(A + uv^\top) = \det(A)\,(1 + v^\top A^{-1}u)$ makes the
determinant affine in $u$: $d\det = \det(A)\,v^\top A^{-1}du = \langle\det(A)A^{-\top}v,
du\rangle$. The Hessian in $u$ is zero. Equivalently, Jacobi's formula with
$M = A + uv^\top$ gives $\det(M)\,M^{-\top}v$, the same vector by Sherman-Morrison.
""",
        hessian="zero",
        hessian_formula=r"\nabla_u^2 \det(A + uv^\top) = 0",
        mistakes=(
            Mistake(
                r"\det(A)\,A^{-1}v",
                lambda A, u, v: np.linalg.det(A) * np.linalg.solve(A, v),
                "drops the transpose: right only for symmetric A",
            ),
            Mistake(
                r"\det(A)\,A^{-\top}u",
                lambda A, u, v: np.linalg.det(A) * np.linalg.solve(A.T, u),
                "u where v belongs: the gradient in u is weighted by the other factor",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\det(A + uv^\top)}{\partial u} = \det(A)\,v^\top A^{-1}",
        },
        related=("determinants.det", "lowrank.logdet-identity-plus-gram"),
        assumptions="A square and invertible; u, v in R^n",
        sources=(HARVILLE, f"{COOKBOOK}, eq. (49) (the gradient of det X) with X = A + uv^T"),
        keywords=(
            "matrix determinant lemma",
            "det(A + u v^T)",
            "rank-one update determinant gradient",
            "gradient of a rank one determinant",
        ),
    )
)


# -- Sherman-Morrison inside a bilinear form: a^T (A + u v^T)^{-1} b ---------------------------


@shaped
def bilinear_rank_one_inverse(A: Arr["n n"], u: Arr["n"], v: Arr["n"], a: Arr["n"], b: Arr["n"]):
    """``a^T (A + u v^T)^{-1} b``.

    >>> bilinear_rank_one_inverse(np.eye(2), np.zeros(2), np.ones(2), np.ones(2), np.ones(2))
    np.float64(2.0)
    """
    return a @ np.linalg.solve(A + np.outer(u, v), b)


@shaped_like(bilinear_rank_one_inverse)
def grad_bilinear_rank_one_inverse_u(A, u, v, a, b):
    """Gradient in ``u``: ``-(v^T M^{-1} b) M^{-T} a`` with ``M = A + u v^T``.

    >>> grad_bilinear_rank_one_inverse_u(np.eye(2), np.zeros(2), np.ones(2), np.ones(2), np.ones(2))
    array([-2., -2.])
    """
    M = A + np.outer(u, v)
    return -(v @ np.linalg.solve(M, b)) * np.linalg.solve(M.T, a)


@shaped_like(bilinear_rank_one_inverse)
def hessian_bilinear_rank_one_inverse_u(A, u, v, a, b):
    """Hessian in ``u``: ``beta (w z^T + z w^T)``, ``beta = v^T M^{-1} b``, ``w = M^{-T} a``,
    ``z = M^{-T} v``.

    >>> hessian_bilinear_rank_one_inverse_u(np.eye(1), np.zeros(1), np.ones(1), np.ones(1), np.ones(1))
    array([[2.]])
    """
    M = A + np.outer(u, v)
    beta = v @ np.linalg.solve(M, b)
    w, z = np.linalg.solve(M.T, a), np.linalg.solve(M.T, v)
    return beta * (np.outer(w, z) + np.outer(z, w))


def _symbolic_sherman_morrison(A, u, v, a, b):
    W = _inv(A + u * v.T)
    beta = (v.T * W * b)[0, 0]
    return (a.T * W * b)[0, 0], -beta * W.T * a


register(
    Identity(
        id="lowrank.sherman-morrison-u",
        title="Gradient and Hessian of a^T (A + u v^T)^{-1} b with respect to u",
        formula=r"\nabla_u\, a^\top(A + uv^\top)^{-1}b = -(v^\top M^{-1}b)\,M^{-\top}a,"
        r"\quad M = A + uv^\top",
        wrt="u",
        kind="gradient",
        value=bilinear_rank_one_inverse,
        derivative=grad_bilinear_rank_one_inverse_u,
        structure={"A": "invertible"},
        symbolic=_symbolic_sherman_morrison,
        symbolic_dims=(1, 2),  # exact at n = 1, 2; n = 3 (15 symbols in a 3 x 3 inverse) is slow
        derivation=r"""
With $M = A + uv^\top$, $dM = du\,v^\top$ and $dM^{-1} = -M^{-1}du\,v^\top M^{-1}$, so
$df = -a^\top M^{-1}du\,(v^\top M^{-1}b) = \langle -(v^\top M^{-1}b)M^{-\top}a, du\rangle$.
By Sherman-Morrison, $M^{-1} = A^{-1} - \frac{A^{-1}uv^\top A^{-1}}{1 + v^\top A^{-1}u}$,
so the whole expression needs only solves with $A$: $v^\top M^{-1}b =
\frac{v^\top A^{-1}b}{1 + v^\top A^{-1}u}$. Differentiating again with $\beta =
v^\top M^{-1}b$, $w = M^{-\top}a$, $z = M^{-\top}v$: $d\beta = -\beta z^\top du$ and
$dw = -z\,w^\top du$, so the Hessian is $\beta(wz^\top + zw^\top)$.
""",
        hessian=hessian_bilinear_rank_one_inverse_u,
        hessian_formula=r"\nabla_u^2 f = \beta\,(wz^\top + zw^\top),\quad \beta = v^\top M^{-1}b,"
        r"\ w = M^{-\top}a,\ z = M^{-\top}v,\ M = A + uv^\top",
        mistakes=(
            Mistake(
                r"(v^\top M^{-1}b)\,M^{-\top}a",
                lambda A, u, v, a, b: -grad_bilinear_rank_one_inverse_u(A, u, v, a, b),
                "the sign of the derivative of the inverse",
            ),
            Mistake(
                r"-(v^\top M^{-1}b)\,M^{-1}a",
                lambda A, u, v, a, b: (
                    -(v @ np.linalg.solve(A + np.outer(u, v), b))
                    * np.linalg.solve(A + np.outer(u, v), a)
                ),
                "M^{-1} a where M^{-T} a belongs: M = A + u v^T is not symmetric",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial f}{\partial u} = -(v^\top M^{-1}b)\,a^\top M^{-1},"
            r"\quad M = A + uv^\top",
        },
        related=("inverses.bilinear", "lowrank.det-lemma-u"),
        assumptions="A and M = A + u v^T square and invertible (1 + v^T A^{-1} u nonzero)",
        sources=(
            "Sherman & Morrison, *Adjustment of an inverse matrix corresponding to a change in "
            "one element of a given matrix*, Ann. Math. Statist. 21 (1950), 124-127",
            f"{COOKBOOK}, eq. (59) (the derivative of an inverse)",
            MAGNUS,
        ),
        keywords=(
            "Sherman-Morrison gradient",
            "rank-one update of the inverse",
            "a^T (A + u v^T)^-1 b",
            "derivative of a rank one inverse",
        ),
    )
)


# -- ||X^{-1} a||^2 and the projection x^T A^T (A A^T)^{-1} A x ------------------------------


@shaped
def squared_norm_of_solve(X: Arr["n n"], a: Arr["n"]):
    """``a^T X^{-T} X^{-1} a = ||X^{-1} a||^2``.

    >>> squared_norm_of_solve(2 * np.eye(2), np.ones(2))
    np.float64(0.5)
    """
    z = np.linalg.solve(X, a)
    return z @ z


@shaped_like(squared_norm_of_solve)
def grad_squared_norm_of_solve(X, a):
    """Gradient in ``X``: ``-2 X^{-T} z z^T`` with ``z = X^{-1} a``.

    >>> grad_squared_norm_of_solve(np.eye(1), np.ones(1))
    array([[-2.]])
    """
    z = np.linalg.solve(X, a)
    return -2 * np.linalg.solve(X.T, np.outer(z, z))


register(
    Identity(
        id="lowrank.squared-norm-of-solve",
        title="Gradient of the squared norm of a linear solve, a^T X^{-T} X^{-1} a, with respect "
        "to X",
        formula=r"\nabla_X\, a^\top X^{-\top}X^{-1}a = -2\,X^{-\top}zz^\top,\quad z = X^{-1}a",
        wrt="X",
        kind="gradient",
        value=squared_norm_of_solve,
        derivative=grad_squared_norm_of_solve,
        structure={"X": "invertible"},
        symbolic=lambda X, a: (
            ((_inv(X) * a).T * (_inv(X) * a))[0, 0],
            -2 * _inv(X).T * (_inv(X) * a) * (_inv(X) * a).T,
        ),
        symbolic_dims=(1, 2),  # exact at n = 1, 2; n = 3 (a squared 3 x 3 inverse) is slow
        derivation=r"""
With $z = X^{-1}a$, $dz = -X^{-1}dX\,z$ and $d(z^\top z) = 2z^\top dz =
-2z^\top X^{-1}dX\,z = -2\operatorname{tr}(zz^\top X^{-1}dX)$, which is
$\langle -2X^{-\top}zz^\top, dX\rangle$. This is the squared norm of the solution of
$Xz = a$, e.g. a whitened residual $\lVert L^{-1}r\rVert^2$ with a Cholesky factor $L$.
""",
        mistakes=(
            Mistake(
                r"-2\,X^{-1}zz^\top",
                lambda X, a: -2 * np.linalg.solve(X, np.outer(*(2 * [np.linalg.solve(X, a)]))),
                "drops the transpose of X^{-1}: right only for symmetric X",
            ),
            Mistake(
                r"-2\,zz^\top X^{-\top}",
                lambda X, a: -2 * np.outer(*(2 * [np.linalg.solve(X, a)])) @ np.linalg.inv(X).T,
                "puts the inverse on the wrong side of z z^T",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\lVert X^{-1}a\rVert^2}{\partial X} = -2\,zz^\top X^{-1},"
            r"\quad z = X^{-1}a",
        },
        related=("inverses.bilinear", "inverses.function-of-inverse"),
        assumptions="X square and invertible; a in R^n",
        sources=(
            f"{COOKBOOK}, eq. (59) (the derivative of an inverse) with the chain rule",
            MAGNUS,
        ),
        keywords=(
            "a^T X^-T X^-1 a",
            "||X^-1 a||^2",
            "gradient of the squared norm of a solve",
            "whitened residual gradient",
        ),
    )
)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "determinants",
        "Determinants of low-rank updates",
        ("lowrank.logdet-identity-plus-gram", "lowrank.det-lemma-u"),
    ),
    (
        "inverse-forms",
        "Forms in the inverse of an update",
        ("lowrank.sherman-morrison-u", "lowrank.squared-norm-of-solve"),
    ),
)
