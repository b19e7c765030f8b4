"""Eigenvalues: sums and products of eigenvalues, and the perturbation of a symmetric eigenpair."""

import numpy as np
import sympy as sp

from gradref.catalog import Identity, Mistake, register
from gradref.identities.linear import COOKBOOK
from gradref.shapes import STRUCTURES, Arr, shaped, shaped_like


def _real_if_real(X, z):
    """``z`` without its (rounding-level) imaginary part when ``X`` is real."""
    return z.real if np.isrealobj(X) else z


# -- eqs. (65), (66): sum and product of the eigenvalues ---------------------------------


@shaped
def sum_of_eigenvalues(X: Arr["n n"]):
    """The sum of the eigenvalues of ``X`` (which is ``tr X``).

    >>> round(float(sum_of_eigenvalues(np.array([[2.0, 1.0], [0.0, 3.0]]))), 12)
    5.0
    """
    return _real_if_real(X, np.sum(np.linalg.eigvals(X)))


@shaped_like(sum_of_eigenvalues)
def grad_sum_of_eigenvalues(X):
    """Gradient of the sum of the eigenvalues with respect to ``X``: the identity ``I``."""
    return np.eye(X.shape[0])


register(
    Identity(
        id="eigenvalues.sum",
        title="Gradient of the sum of the eigenvalues",
        formula=r"\nabla_X \sum_i \lambda_i(X) = \nabla_X \operatorname{tr} X = I",
        wrt="X",
        kind="gradient",
        value=sum_of_eigenvalues,
        derivative=grad_sum_of_eigenvalues,
        symbolic=lambda X: (X.trace(), sp.eye(X.rows)),
        derivation=r"""
The eigenvalues are the roots of $\det(\lambda I - X)$, whose coefficient of
$\lambda^{n-1}$ is $-\operatorname{tr} X$, so $\sum_i \lambda_i = \operatorname{tr} X$
for every square $X$ (symmetric or not, eigenvalues real or complex). The trace is linear:
$d\operatorname{tr} X = \operatorname{tr}(I\, dX) = \langle I, dX\rangle$.
""",
        hessian="zero",
        hessian_formula=r"\nabla_X^2 \sum_i \lambda_i(X) = 0",
        mistakes=(
            Mistake(
                r"\mathbf{1}\mathbf{1}^\top",
                lambda X: np.ones_like(X),
                "counts every entry, as for the sum of all entries of X",
            ),
        ),
        conventions={"numerator": r"\frac{\partial \operatorname{tr} X}{\partial X} = I"},
        related=("eigenvalues.product", "traces.axb"),
        cookbook=(65,),
        assumptions="X square; eigenvalues counted with multiplicity",
        sources=(f"{COOKBOOK}, eq. (65), p. 10",),
        keywords=(
            "sum of eigenvalues",
            "sum eig(X)",
            "trace",
            "tr(X)",
            "derivative of the trace",
            "eigenvalues",
        ),
    )
)


@shaped
def product_of_eigenvalues(X: Arr["n n"]):
    """The product of the eigenvalues of ``X`` (which is ``det X``).

    >>> round(float(product_of_eigenvalues(np.array([[2.0, 1.0], [0.0, 3.0]]))), 12)
    6.0
    """
    return _real_if_real(X, np.prod(np.linalg.eigvals(X)))


@shaped_like(product_of_eigenvalues)
def grad_product_of_eigenvalues(X):
    """Gradient of the product of the eigenvalues with respect to ``X``: ``det(X) X^{-T}``."""
    return np.linalg.det(X) * np.linalg.inv(X).T


@shaped_like(product_of_eigenvalues)
def hessian_product_of_eigenvalues(X):
    """Hessian of ``det X`` in ``X``: ``d^2 det / dX_ij dX_kl``, shaped ``(n, n, n, n)``."""
    W = np.linalg.inv(X)
    return np.linalg.det(X) * (np.einsum("lk,ji->ijkl", W, W) - np.einsum("li,jk->ijkl", W, W))


def _sample_invertible_from_2(rng, n):
    # Sizes n + 1 = 2, 3, ...: at n = 1 det X = X_11 is linear, its Hessian vanishes, and a
    # zero Hessian cannot be confirmed by a relative error.
    return {"X": STRUCTURES["invertible"][0](rng, (n + 1, n + 1))}


register(
    Identity(
        id="eigenvalues.product",
        title="Gradient of the product of the eigenvalues (the determinant)",
        formula=r"\nabla_X \prod_i \lambda_i(X) = \nabla_X \det X = \det(X)\, X^{-\top}",
        wrt="X",
        kind="gradient",
        value=product_of_eigenvalues,
        derivative=grad_product_of_eigenvalues,
        structure={"X": "invertible"},
        sample=_sample_invertible_from_2,
        symbolic=lambda X: (X.det(), X.det() * (X.adjugate().T / X.det())),
        derivation=r"""
The constant term of $\det(\lambda I - X)$ is $(-1)^n\det X$ and also
$(-1)^n\prod_i\lambda_i$, so $\prod_i \lambda_i = \det X$. By Jacobi's formula
$d\det X = \det(X)\operatorname{tr}(X^{-1}dX) = \langle \det(X) X^{-\top}, dX\rangle$.
""",
        hessian=hessian_product_of_eigenvalues,
        hessian_formula=r"\nabla_X^2 \det X\,[V] = \det(X)\left(\operatorname{tr}(X^{-1}V)\,"
        r"X^{-\top} - X^{-\top}V^\top X^{-\top}\right)",
        mistakes=(
            Mistake(
                r"\det(X)\, X^{-1}",
                lambda X: np.linalg.det(X) * np.linalg.inv(X),
                "drops the transpose; right only for symmetric X",
            ),
            Mistake(
                r"X^{-\top}",
                lambda X: np.linalg.inv(X).T,
                "the gradient of ln det X, without the factor det X",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \det X}{\partial X} = \det(X)\, X^{-1}",
            "cookbook": r"\det(X)X^{-T}\ \text{(eq. 66; the same as eq. 49)}",
        },
        related=("eigenvalues.sum", "inverses.det"),
        cookbook=(66,),
        assumptions="X square and invertible (the adjugate form adj(X)^T holds for every X)",
        sources=(f"{COOKBOOK}, eq. (66), p. 10",),
        keywords=(
            "product of eigenvalues",
            "prod eig(X)",
            "determinant",
            "det(X)",
            "derivative of the determinant",
            "Jacobi's formula",
            "eigenvalues",
        ),
    )
)


# -- eqs. (67), (68): a simple eigenpair of a symmetric matrix ---------------------------
# The value functions take any square A and use its symmetric part S = (A + A^T)/2, so that
# the function is defined (and analytic) off the symmetric matrices too; on a symmetric A,
# S = A. Their derivatives are then exact at every A, which the checker (arbitrary
# directions, complex step) and sympy (independent symbols for every entry) need.


def _eigenpair(A, pick):
    """Eigenvalue ``pick`` (0 = largest, -1 = smallest) of ``S = (A + A^T)/2``, its unit
    eigenvector (``v^T v = 1``, first entry positive), and the pseudo-inverse
    ``(lambda I - S)^+``."""
    S = (A + A.T) / 2
    lam, V = np.linalg.eig(S)
    order = np.argsort(-lam.real)
    i = order[pick]
    v = V[:, i] / np.sqrt(V[:, i] @ V[:, i])
    v = v if v[0].real > 0 else -v
    return lam[i], v, S


def _pseudo_inverse_gap(lam, S):
    """``(lambda I - S)^+`` at a simple eigenvalue ``lambda`` of the symmetric ``S``."""
    return np.linalg.pinv(lam * np.eye(S.shape[0]) - S)


@shaped
def largest_eigenvalue(A: Arr["2 2"]):
    """The largest eigenvalue of the symmetric matrix ``(A + A^T)/2`` (of ``A``, if symmetric).

    >>> round(float(largest_eigenvalue(np.array([[2.0, 1.0], [1.0, 2.0]]))), 12)
    3.0
    """
    lam, _, _ = _eigenpair(A, 0)
    return _real_if_real(A, lam)


@shaped_like(largest_eigenvalue)
def grad_largest_eigenvalue(A):
    """Gradient of the largest eigenvalue: ``v v^T`` for its unit eigenvector ``v``."""
    _, v, _ = _eigenpair(A, 0)
    return np.outer(v, v)


@shaped_like(largest_eigenvalue)
def hessian_largest_eigenvalue(A):
    """Hessian of the largest eigenvalue in ``A``, shaped ``(2, 2, 2, 2)``."""
    lam, v, S = _eigenpair(A, 0)
    P = _pseudo_inverse_gap(lam, S)
    D = (np.einsum("ik,l->ikl", P, v) + np.einsum("il,k->ikl", P, v)) / 2  # dv / dA_kl
    return np.einsum("ikl,j->ijkl", D, v) + np.einsum("i,jkl->ijkl", v, D)


@shaped
def smallest_eigenvalue(A: Arr["2 2"]):
    """The smallest eigenvalue of the symmetric matrix ``(A + A^T)/2`` (of ``A``, if symmetric).

    >>> round(float(smallest_eigenvalue(np.array([[2.0, 1.0], [1.0, 2.0]]))), 12)
    1.0
    """
    lam, _, _ = _eigenpair(A, -1)
    return _real_if_real(A, lam)


@shaped_like(smallest_eigenvalue)
def grad_smallest_eigenvalue(A):
    """Gradient of the smallest eigenvalue: ``v v^T`` for its unit eigenvector ``v``."""
    _, v, _ = _eigenpair(A, -1)
    return np.outer(v, v)


@shaped_like(smallest_eigenvalue)
def hessian_smallest_eigenvalue(A):
    """Hessian of the smallest eigenvalue in ``A``, shaped ``(2, 2, 2, 2)``."""
    lam, v, S = _eigenpair(A, -1)
    P = _pseudo_inverse_gap(lam, S)  # (lambda_min I - S)^+, negative semidefinite
    D = (np.einsum("ik,l->ikl", P, v) + np.einsum("il,k->ikl", P, v)) / 2  # dv / dA_kl
    return np.einsum("ikl,j->ijkl", D, v) + np.einsum("i,jkl->ijkl", v, D)


def _symbolic_eigen_2x2(A):
    """For sympy: S = (A + A^T)/2 and its eigenvalues, largest first (closed form at n = 2)."""
    S = (A + A.T) / 2
    a, b, d = S[0, 0], S[0, 1], S[1, 1]
    r = sp.sqrt((a - d) ** 2 / 4 + b**2)
    return S, (a + d) / 2 + r, (a + d) / 2 - r


def _symbolic_largest(A):
    # v v^T is the spectral projector of lambda_1, at n = 2: (S - lambda_2 I)/(lambda_1 - lambda_2)
    S, l1, l2 = _symbolic_eigen_2x2(A)
    return l1, (S - l2 * sp.eye(2)) / (l1 - l2)


def _symbolic_smallest(A):
    S, l1, l2 = _symbolic_eigen_2x2(A)
    return l2, (S - l1 * sp.eye(2)) / (l2 - l1)


_SYMMETRIC_NOTE = (
    "A real symmetric with a simple (distinct) eigenvalue lambda_i and unit eigenvector v_i. "
    "The function takes the symmetric part (A + A^T)/2 of its argument, so the gradient is in "
    "the unconstrained sense of eq. (32); v_i v_i^T is symmetric, so it is the gradient over "
    "symmetric matrices too (it is also the unconstrained gradient of lambda_i(A) of a "
    "non-symmetrised A at a symmetric point, where the left and right eigenvectors agree). "
    "Checked at n = 2, where sympy has the eigenvalues in closed form"
)

register(
    Identity(
        id="eigenvalues.largest",
        title="Gradient of the largest eigenvalue of a symmetric matrix",
        formula=r"\nabla_A \lambda_{\max}(A) = v v^\top,\quad A v = \lambda_{\max} v,\ v^\top v = 1",
        where=(
            r"v = \operatorname{eigvec}(A, 1)",
            r"\lambda_{\max} = \operatorname{eig}(A, 1)",
            r"v_i = v\ \text{(the Cookbook's eigenpair } i\text{, here the largest)}",
        ),
        wrt="A",
        kind="gradient",
        value=largest_eigenvalue,
        derivative=grad_largest_eigenvalue,
        structure={"A": "symmetric"},
        symbolic=_symbolic_largest,
        derivation=r"""
Differentiate $A v = \lambda v$: $dA\,v + A\,dv = d\lambda\,v + \lambda\,dv$. Multiply on
the left by $v^\top$; since $v^\top A = \lambda v^\top$ (A symmetric), the $dv$ terms cancel
and $v^\top v = 1$ leaves $d\lambda = v^\top dA\, v = \operatorname{tr}(v v^\top dA)
= \langle v v^\top, dA\rangle$ (eq. 67), so $\nabla_A \lambda = v v^\top$.
""",
        hessian=hessian_largest_eigenvalue,
        hessian_formula=r"\nabla_A^2 \lambda_{\max}[V] = P\,\bar V v v^\top + v v^\top \bar V P,"
        r"\quad P = (\lambda_{\max} I - A)^+,\ \bar V = \tfrac12(V + V^\top)",
        mistakes=(
            Mistake(
                r"2 v v^\top - v v^\top \circ I",
                lambda A: (lambda G: 2 * G - np.diag(np.diag(G)))(grad_largest_eigenvalue(A)),
                "the symmetric-structure derivative of section 2.8 (each off-diagonal pair "
                "counted once), not the gradient <G, dA> of eq. (32)",
            ),
            Mistake(
                r"\lambda_{\max}\, v v^\top",
                lambda A: largest_eigenvalue(A) * grad_largest_eigenvalue(A),
                "differentiates as if lambda = v^T A v held for every v, with v fixed at A v",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \lambda_{\max}}{\partial A} = v v^\top"
            r"\ \text{(symmetric, so the same in either layout)}",
            "cookbook": r"\partial\lambda_i = v_i^T\partial(A)v_i\ \text{(eq. 67, a differential)}",
        },
        related=("eigenvalues.smallest", "eigenvalues.eigenvector", "quadratic.grad-A"),
        cookbook=(67,),
        assumptions=_SYMMETRIC_NOTE,
        sources=(f"{COOKBOOK}, eq. (67), p. 10, for the largest eigenvalue",),
        keywords=(
            "largest eigenvalue",
            "maximum eigenvalue",
            "lambda_max",
            "derivative of an eigenvalue",
            "eigenvalue perturbation",
            "v v^T",
            "Rayleigh quotient",
            "eigenvalues",
        ),
    )
)

register(
    Identity(
        id="eigenvalues.smallest",
        title="Gradient of the smallest eigenvalue of a symmetric matrix",
        formula=r"\nabla_A \lambda_{\min}(A) = v v^\top,\quad A v = \lambda_{\min} v,\ v^\top v = 1",
        where=(
            r"v = \operatorname{eigvec}(A, 2)",
            r"\lambda_{\min} = \operatorname{eig}(A, 2)",
            r"v_{\max} = \operatorname{eigvec}(A, 1)",
            r"v_i = v\ \text{(the Cookbook's eigenpair } i\text{, here the smallest)}",
        ),
        wrt="A",
        kind="gradient",
        value=smallest_eigenvalue,
        derivative=grad_smallest_eigenvalue,
        structure={"A": "symmetric"},
        symbolic=_symbolic_smallest,
        derivation=r"""
Eq. (67) holds for each simple eigenvalue: $d\lambda_i = v_i^\top dA\, v_i
= \langle v_i v_i^\top, dA\rangle$. For the smallest one, $v$ is the unit eigenvector of
$\lambda_{\min}$; the gradient is again the rank-one projector onto it. Its Hessian is
that of the largest eigenvalue with $\lambda_{\min}$ and its $v$: here
$P = (\lambda_{\min} I - A)^+$ is negative semidefinite, so $\lambda_{\min}$ is concave.
""",
        hessian=hessian_smallest_eigenvalue,
        hessian_formula=r"\nabla_A^2 \lambda_{\min}[V] = P\,\bar V v v^\top + v v^\top \bar V P,"
        r"\quad P = (\lambda_{\min} I - A)^+,\ \bar V = \tfrac12(V + V^\top)",
        mistakes=(
            Mistake(
                r"v_{\max} v_{\max}^\top",
                lambda A: grad_largest_eigenvalue(A),
                "takes the eigenvector of the largest eigenvalue (the first column of eigh "
                "is the smallest one, of eig no particular one)",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \lambda_{\min}}{\partial A} = v v^\top",
            "cookbook": r"\partial\lambda_i = v_i^T\partial(A)v_i\ \text{(eq. 67)}",
        },
        related=("eigenvalues.largest", "eigenvalues.eigenvector"),
        cookbook=(67,),
        assumptions=_SYMMETRIC_NOTE,
        sources=(f"{COOKBOOK}, eq. (67), p. 10, for the smallest eigenvalue",),
        keywords=(
            "smallest eigenvalue",
            "minimum eigenvalue",
            "lambda_min",
            "derivative of an eigenvalue",
            "eigenvalues",
        ),
    )
)


@shaped
def top_eigenvector(A: Arr["2 2"]):
    """The unit eigenvector (first entry positive) of the largest eigenvalue of ``(A + A^T)/2``.

    >>> np.round(top_eigenvector(np.array([[2.0, 0.0], [0.0, 1.0]])), 12)
    array([1., 0.])
    """
    _, v, _ = _eigenpair(A, 0)
    return _real_if_real(A, v)


@shaped_like(top_eigenvector)
def jac_top_eigenvector(A):
    """``dv = (lambda I - A)^+ dA v`` as a Jacobian ``[k, p, q] = dv_k / dA_pq``, shape (2, 2, 2)."""
    lam, v, S = _eigenpair(A, 0)
    P = _pseudo_inverse_gap(lam, S)
    # dA_pq moves S = (A + A^T)/2 by (E_pq + E_qp)/2
    return (np.einsum("kp,q->kpq", P, v) + np.einsum("kq,p->kpq", P, v)) / 2


def _symbolic_top_eigenvector(A):
    S, l1, l2 = _symbolic_eigen_2x2(A)
    half_gap, b = (S[0, 0] - S[1, 1]) / 2, S[0, 1]
    r = (l1 - l2) / 2
    # u = (l1 - S_22, S_12) solves (S - l1 I) u = 0, first entry >= 0; u^T u = 2 r (r + half_gap)
    v = sp.Matrix([half_gap + r, b]) / sp.sqrt(2 * r * (r + half_gap))
    P = (l1 * sp.eye(2) - S) / (l1 - l2) ** 2  # (l1 I - S)^+ at n = 2
    claimed = sp.Array(
        [
            [[(P[k, p] * v[q] + P[k, q] * v[p]) / 2 for q in range(2)] for p in range(2)]
            for k in range(2)
        ]
    )
    return v, claimed


register(
    Identity(
        id="eigenvalues.eigenvector",
        title="Derivative of the eigenvector of a simple eigenvalue of a symmetric matrix",
        formula=r"dv = (\lambda I - A)^+\, dA\, v,\quad A v = \lambda v,\ v^\top v = 1",
        where=(
            r"v = \operatorname{eigvec}(A, 1)",
            r"\lambda = \operatorname{eig}(A, 1)",
            r"v_i = v,\ \lambda_i = \lambda\ \text{(the Cookbook's eigenpair } i\text{, here the largest)}",
        ),
        wrt="A",
        kind="jacobian",
        value=top_eigenvector,
        derivative=jac_top_eigenvector,
        structure={"A": "symmetric"},
        symbolic=_symbolic_top_eigenvector,
        derivation=r"""
From $dA\,v + A\,dv = d\lambda\,v + \lambda\,dv$: $(\lambda I - A)\,dv = dA\,v - d\lambda\,v$.
The normalisation $v^\top v = 1$ gives $v^\top dv = 0$, so $dv$ lies in the range of the
symmetric $\lambda I - A$, whose null space is spanned by $v$; the pseudo-inverse solves
for it, and it annihilates the $d\lambda\, v$ term: $dv = (\lambda I - A)^+ dA\, v$ (eq. 68).
For a symmetric direction $dA$ the Jacobian entry $\partial v_k / \partial A_{pq}$ takes
$dA = \tfrac12(E_{pq} + E_{qp})$.
""",
        mistakes=(
            Mistake(
                r"(A - \lambda I)^+\, dA\, v",
                lambda A: -jac_top_eigenvector(A),
                "the sign of the shift: the pseudo-inverse of A - lambda I, not of lambda I - A",
            ),
            Mistake(
                r"(v^\top dA\, v)\, v",
                lambda A: np.einsum(
                    "k,p,q->kpq", top_eigenvector(A), top_eigenvector(A), top_eigenvector(A)
                ),
                "the eigenvalue's derivative times v: a change along v, which the unit "
                "normalisation forbids",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial v_k}{\partial A_{pq}} = \tfrac12\left("
            r"P_{kp} v_q + P_{kq} v_p\right),\ P = (\lambda I - A)^+",
            "cookbook": r"\partial v_i = (\lambda_i I - A)^+\partial(A)v_i\ \text{(eq. 68)}",
        },
        related=("eigenvalues.largest", "eigenvalues.smallest"),
        cookbook=(68,),
        assumptions="A real symmetric, lambda its largest eigenvalue, simple (distinct); v its "
        "unit eigenvector with the sign fixed by v_1 > 0; directions dA symmetric (the "
        "function takes the symmetric part (A + A^T)/2 of its argument). Checked at n = 2, "
        "where sympy has the eigenvector in closed form",
        sources=(f"{COOKBOOK}, eq. (68), p. 10, for the eigenvector of the largest eigenvalue",),
        keywords=(
            "derivative of an eigenvector",
            "eigenvector perturbation",
            "eigenvector gradient",
            "repeated eigenvalues",
            "eigenvector",
            "pseudo-inverse",
            "(lambda I - A)^+",
            "eigenvalues",
        ),
    )
)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "sum-product",
        "Sum and product of the eigenvalues",
        (
            "eigenvalues.sum",
            "eigenvalues.product",
        ),
    ),
    (
        "symmetric",
        "Eigenpairs of a symmetric matrix",
        (
            "eigenvalues.largest",
            "eigenvalues.smallest",
            "eigenvalues.eigenvector",
        ),
    ),
)
