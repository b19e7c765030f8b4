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
    "section 18.1 (determinants of rank-one updates)"
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


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "sums",
        "Identity plus Gram and rank-one updates",
        ("lowrank.logdet-identity-plus-gram", "lowrank.det-lemma-u"),
    ),
)
