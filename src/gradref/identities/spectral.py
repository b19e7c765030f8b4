"""Eigendecompositions and spectral functions: eigenvalues and eigenvectors of non-symmetric
matrices (left and right eigenvectors, complex-conjugate pairs, normalised eigenvectors), and
functions of the spectrum of a symmetric matrix (Lewis's theorem, Ky Fan sums, eigenprojectors,
the condition number), with Hessians by divided differences.

Conventions. Eigenvalues are numbered from the largest: ``λ_1 > λ_2 > ... > λ_n`` (real parts
for a non-symmetric matrix). ``V`` holds right eigenvectors as columns (``A V = V diag(λ)``),
``W = V^{-T}`` the left ones (``W^T A = diag(λ) W^T``, ``W^T V = I``). A symmetric matrix is
``A = U diag(λ) U^T`` with ``U`` orthogonal. Functions defined on symmetric matrices take the
symmetric part ``(A + A^T)/2`` of their argument, so every direction ``dA`` is allowed and the
gradient is in the unconstrained sense; it is symmetric. The samplers draw the spectrum with
gaps of at least 1/2 and well-conditioned eigenvectors, by construction.

The exact sympy checks run at 2 x 2, where the eigenvalues have a closed form; the numerical
checks (complex step through ``numpy.linalg.eig``, or central differences where the value is
not analytic) cover the larger sizes and are the independent check the assumptions name.
"""

import numpy as np
import sympy as sp

from gradref.catalog import Identity, Mistake, register
from gradref.shapes import STRUCTURES, Arr, shaped, shaped_like

MAGNUS = (
    "Magnus & Neudecker, *Matrix Differential Calculus with Applications in Statistics and "
    "Econometrics*, 3rd ed. (2019), ch. 8 (differentials of eigenvalues and eigenvectors, the "
    "symmetric and the general complex case, and the second differential of an eigenvalue)"
)
GILES = (
    'Giles, "An extended collection of matrix derivative results for forward and reverse mode '
    'algorithmic differentiation", Oxford NA report 08/01 (2008), section 3.1 (eigenvalues and '
    "eigenvectors)"
)
SEEGER = (
    'Seeger, Hetzel, Dai, Meissner & Lawrence, "Auto-differentiating linear algebra", '
    "arXiv:1710.08717 (2017), section on the symmetric eigendecomposition"
)
LEWIS = (
    'Lewis, "Derivatives of spectral functions", *Mathematics of Operations Research* 21(3) '
    "(1996), Theorem 1.1"
)
LEWIS_SENDOV = (
    'Lewis & Sendov, "Twice differentiable spectral functions", *SIAM Journal on Matrix '
    "Analysis and Applications* 23(2) (2001)"
)
OVERTON = (
    'Overton & Womersley, "Optimality conditions and duality theory for minimizing sums of '
    'the largest eigenvalues of symmetric matrices", *Mathematical Programming* 62 (1993)'
)
TORCH = "PyTorch, `torch/csrc/autograd/FunctionsManual.cpp`, `linalg_eig_backward`"
JAX = (
    "JAX, `jax/_src/lax/linalg.py`, `eig_jvp_rule` (eigenvalues: the diagonal of "
    "V^{-1} dA V) and `eigh_jvp_rule`"
)

_GAP = "eigenvalues at least 1/2 apart (the sampler draws them so)"


# -- decompositions -------------------------------------------------------------------------


def _eig(A):
    """Eigenvalues by decreasing real part, and unit eigenvectors (``v^T v = 1``, bilinear, so
    the map stays complex-analytic for the complex step) with a positive first entry."""
    lam, V = np.linalg.eig(A)
    order = np.argsort(-lam.real, kind="stable")
    lam, V = lam[order], V[:, order]
    V = V / np.sqrt(np.sum(V * V, axis=0))
    return lam, V * np.where(V[0].real < 0, -1.0, 1.0)


def _real(A, z):
    """``z`` without its rounding-level imaginary part when ``A`` is real."""
    return np.real(z) if np.isrealobj(A) else z


def _sym(A):
    return (A + A.T) / 2


def _sym_eig(A):
    """Eigenvalues (largest first) and orthonormal eigenvectors of ``(A + A^T)/2``."""
    return _eig(_sym(A))


# -- samplers -------------------------------------------------------------------------------


def _spectrum(rng, n, low=None):
    """``n`` real eigenvalues, largest first, at least 1/2 apart (above ``low`` if given)."""
    steps = 0.75 + rng.uniform(-0.125, 0.125, n)
    lam = np.cumsum(steps)[::-1]
    return lam - lam.mean() if low is None else lam - lam.min() + low


def _eigenvectors(rng, n):
    """A well-conditioned, non-orthogonal ``V`` whose first row is at least ``1/sqrt(n)``.

    ``Q`` orthogonal with first row ``1^T / sqrt(n)`` (a Householder reflection taking ``e_1``
    to ``1 / sqrt(n)``, mixed in the other coordinates), times a unit upper-triangular ``T``
    with small positive entries: ``V = Q T`` has condition at most about 3, and its first row,
    ``1^T T / sqrt(n)``, is positive, so the sign convention is smooth.
    """
    if n == 1:
        return np.ones((1, 1))
    u = np.zeros(n)
    u[0] = 1.0
    u -= np.ones(n) / np.sqrt(n)
    H = np.eye(n) - 2 * np.outer(u, u) / (u @ u)
    R = np.eye(n)
    R[1:, 1:] = STRUCTURES["orthogonal"][0](rng, (n - 1, n - 1))
    T = np.eye(n) + np.triu(rng.uniform(0.0, 1.0, (n, n)), 1) / n
    return R @ H @ T


def _nonsymmetric(rng, n):
    """``V diag(λ) V^{-1}``: a non-symmetric matrix with a real spectrum, gaps >= 1/2."""
    V = _eigenvectors(rng, n)
    return V @ np.diag(_spectrum(rng, n)) @ np.linalg.inv(V)


def _sample_nonsymmetric(rng, n):
    """A non-symmetric ``A`` of size ``n + 1`` (sympy checks n = 1: 2 x 2)."""
    return {"A": _nonsymmetric(rng, n + 1)}


def _sample_nonsymmetric_vjp(rng, n):
    """As :func:`_sample_nonsymmetric`, with the cotangent ``λ̄``."""
    A = _nonsymmetric(rng, n + 1)
    return {"A": A, "lambdabar": rng.standard_normal(n + 1)}


# -- sympy at 2 x 2 -------------------------------------------------------------------------


def _sp_eig_2x2(A):
    """The eigenvalues ``λ_1 > λ_2`` of a 2 x 2 matrix with a real spectrum, in closed form."""
    a, b, c, d = A[0, 0], A[0, 1], A[1, 0], A[1, 1]
    r = sp.sqrt(((a - d) / 2) ** 2 + b * c)
    return (a + d) / 2 + r, (a + d) / 2 - r


def _sp_left_right(A, lam):
    """A right and a left eigenvector of the 2 x 2 ``A`` for its eigenvalue ``lam``."""
    a, b, c = A[0, 0], A[0, 1], A[1, 0]
    return sp.Matrix([b, lam - a]), sp.Matrix([c, lam - a])


# -- eigenvalues of a non-symmetric matrix --------------------------------------------------


@shaped
def largest_eigenvalue_nonsymmetric(A: Arr["n n"]):
    """The eigenvalue ``λ_1`` of largest real part of ``A`` (real and simple here).

    >>> round(float(largest_eigenvalue_nonsymmetric(np.array([[1.0, 2.0], [0.0, 3.0]]))), 12)
    3.0
    """
    return _real(A, _eig(A)[0][0])


@shaped_like(largest_eigenvalue_nonsymmetric)
def grad_largest_eigenvalue_nonsymmetric(A):
    """Gradient of ``λ_1(A)``: ``w v^T / (w^T v)`` for its right and left eigenvectors ``v, w``.

    >>> grad_largest_eigenvalue_nonsymmetric(np.array([[1.0, 2.0], [0.0, 3.0]])).round(12)
    array([[0. , 0. ],
           [0.5, 1. ]])
    """
    _, V = _eig(A)
    _, W = _eig(A.T)  # A^T w = λ w: the left eigenvectors, in the same order
    v, w = V[:, 0], W[:, 0]
    return _real(A, np.outer(w, v) / (w @ v))


@shaped_like(largest_eigenvalue_nonsymmetric)
def hessian_largest_eigenvalue_nonsymmetric(A):
    """Hessian of ``λ_1(A)``, shaped ``(n, n, n, n)``: ``d^2 λ_1 / dA_ij dA_kl``."""
    lam, V = _eig(A)
    W = np.linalg.inv(V).T  # biorthonormal left eigenvectors, W^T V = I
    gaps = lam[0] - lam
    gaps[0] = 1.0
    weights = 1.0 / gaps
    weights[0] = 0.0
    # d^2 λ_1 = 2 sum_{m != 1} (w_1^T dA v_m)(w_m^T dA v_1) / (λ_1 - λ_m), symmetrised
    first = np.einsum("i,jm->ijm", W[:, 0], V)  # d/dA_ij of w_1^T dA v_m: w_1i v_mj
    second = np.einsum("km,l->klm", W, V[:, 0])  # d/dA_kl of w_m^T dA v_1: w_mk v_1l
    half = np.einsum("m,ijm,klm->ijkl", weights, first, second)
    return _real(A, half + half.transpose(2, 3, 0, 1))


def _sp_largest_eigenvalue(A):
    lam1, _ = _sp_eig_2x2(A)
    u, w = _sp_left_right(A, lam1)
    return lam1, w * u.T / (w.T * u)[0, 0]


_NONSYMMETRIC_SYMPY = (
    "sympy checks the 2 x 2 case exactly (the eigenvalues and eigenvectors in closed form); "
    "the numerical check, complex step through numpy.linalg.eig, covers sizes 2 to 10"
)

register(
    Identity(
        id="spectral.nonsymmetric-eigenvalue",
        title="Gradient of a simple eigenvalue of a non-symmetric matrix (left and right "
        "eigenvectors)",
        formula=r"\nabla_A \lambda_1(A) = \frac{w_1 u_1^\top}{w_1^\top u_1}",
        where=(
            r"u_1 = \operatorname{eigvec}(A, 1)",
            r"w_1 = \operatorname{eigvec}(A^\top, 1)",
            r"\lambda_1 = \operatorname{eig}(A, 1)",
            r"G = \frac{w_1 u_1^\top}{w_1^\top u_1}",
            r"S = (\lambda_1 I - A + G^\top)^{-1} - G^\top",
        ),
        wrt="A",
        kind="gradient",
        value=largest_eigenvalue_nonsymmetric,
        derivative=grad_largest_eigenvalue_nonsymmetric,
        sample=_sample_nonsymmetric,
        symbolic=_sp_largest_eigenvalue,
        symbolic_dims=(1,),  # 2 x 2: sympy has no closed form for the roots beyond that
        assumptions=(
            "A real and square, not necessarily symmetric; λ_1 (the eigenvalue of largest real "
            "part) real and simple, " + _GAP + "; u_1 a right eigenvector (A u_1 = λ_1 u_1), "
            "w_1 a left one (w_1^T A = λ_1 w_1^T), of any scale: the quotient does not depend "
            "on it. The same formula holds for every simple eigenvalue λ_i with its own pair. "
            + _NONSYMMETRIC_SYMPY
            + "; the Hessian is checked against sympy's second derivatives at 2 x 2 and "
            "numerically."
        ),
        derivation=r"""
Differentiate $A u = \lambda u$: $dA\,u + A\,du = d\lambda\,u + \lambda\,du$. Multiply on the
left by the left eigenvector $w^\top$: $w^\top A = \lambda w^\top$ cancels the $du$ terms, so
$w^\top dA\,u = d\lambda\, w^\top u$, and $w^\top u \ne 0$ for a simple eigenvalue. Hence
$d\lambda = \operatorname{tr}\big(u w^\top dA\big)/(w^\top u) = \langle w u^\top/(w^\top u),
dA\rangle$. For a symmetric $A$, $w = u$ and this is $u u^\top$ (eq. 67 of the Cookbook); for
a non-symmetric one it is not. Second order: with $W^\top U = I$ and the reduced resolvent
$S = \sum_{j \ne 1} u_j w_j^\top / (\lambda_1 - \lambda_j)$, perturbation theory gives
$d^2\lambda_1 = 2\, w_1^\top dA\, S\, dA\, u_1$, whose gradient in $dA$ is the Hessian's
action.
""",
        hessian=hessian_largest_eigenvalue_nonsymmetric,
        hessian_formula=r"\nabla_A^2 \lambda_1[V] = G V^\top S^\top + S^\top V^\top G",
        mistakes=(
            Mistake(
                r"\frac{u_1 u_1^\top}{u_1^\top u_1}",
                lambda A: (lambda u: np.outer(u, u) / (u @ u))(_eig(A)[1][:, 0].real),
                "the symmetric rule v v^T (Cookbook eq. 67) used on a non-symmetric matrix",
            ),
            Mistake(
                r"\frac{u_1 w_1^\top}{w_1^\top u_1}",
                lambda A: grad_largest_eigenvalue_nonsymmetric(A).T,
                "the spectral projector u w^T/(w^T u) itself, which is the transpose of the "
                "gradient (the numerator-layout derivative)",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \lambda_1}{\partial A} = \frac{u_1 w_1^\top}"
            r"{w_1^\top u_1}",
        },
        related=(
            "spectral.nonsymmetric-eigenvalues-vjp",
            "eigenvalues.largest",
            "spectral.complex-pair-real-part",
        ),
        sources=(MAGNUS, GILES, JAX),
        keywords=(
            "derivative of an eigenvalue of a non-symmetric matrix",
            "left and right eigenvectors",
            "eigenvalue sensitivity",
            "w v^T / (w^T v)",
            "spectral abscissa gradient",
            "non-symmetric eigenvalue",
            "Hessian of an eigenvalue",
        ),
    )
)


@shaped
def eigenvalues_nonsymmetric(A: Arr["n n"]):
    """The eigenvalues ``λ`` of ``A`` by decreasing real part (all real and simple here).

    >>> eigenvalues_nonsymmetric(np.array([[1.0, 2.0], [0.0, 3.0]])).round(12)
    array([3., 1.])
    """
    return _real(A, _eig(A)[0])


@shaped
def adjoint_eigenvalues_nonsymmetric(A: Arr["n n"], lambdabar: Arr["n"]):
    """Adjoint of ``A`` in ``λ = eig(A)``: ``U^{-T} diag(λ̄) U^T`` (``U`` the eigenvectors).

    >>> adjoint_eigenvalues_nonsymmetric(np.diag([2.0, 1.0]), np.array([1.0, 0.0]))
    array([[1., 0.],
           [0., 0.]])
    """
    _, U = _eig(A)
    return _real(A, np.linalg.solve(U.T, np.diag(lambdabar) @ U.T))


def _sp_eigenvalues_vjp(A, lambdabar):
    lams = _sp_eig_2x2(A)
    Abar = sp.zeros(2, 2)
    for lam, weight in zip(lams, lambdabar, strict=True):
        u, w = _sp_left_right(A, lam)
        Abar += weight * w * u.T / (w.T * u)[0, 0]
    return sp.Matrix(lams), Abar


register(
    Identity(
        id="spectral.nonsymmetric-eigenvalues-vjp",
        title="Reverse-mode rule of the eigenvalues of a non-symmetric matrix",
        formula=r"\lambda = \operatorname{eig}(A):\quad \bar A = U^{-\top}"
        r" \operatorname{diag}(\bar\lambda)\, U^\top",
        where=(r"U = \operatorname{eigvec}(A)",),
        wrt="A",
        kind="vjp",
        cotangent="lambdabar",
        value=eigenvalues_nonsymmetric,
        derivative=adjoint_eigenvalues_nonsymmetric,
        sample=_sample_nonsymmetric_vjp,
        symbolic=_sp_eigenvalues_vjp,
        symbolic_dims=(1,),  # 2 x 2: sympy has no closed form for the roots beyond that
        assumptions=(
            "A real and square with real, simple eigenvalues (" + _GAP + "), ordered by "
            "decreasing value; U any matrix of right eigenvectors (A U = U diag(λ)): the "
            "columns' scales cancel between U^{-T} and U^T. " + _NONSYMMETRIC_SYMPY + "."
        ),
        derivation=r"""
With $A = U \Lambda U^{-1}$, differentiate $A U = U \Lambda$ and multiply on the left by
$U^{-1}$: $U^{-1} dA\, U = U^{-1} dU\, \Lambda - \Lambda\, U^{-1} dU + d\Lambda$. The
commutator has a zero diagonal, so $d\lambda_i = (U^{-1} dA\, U)_{ii}$. Then
$\langle \bar\lambda, d\lambda\rangle = \operatorname{tr}(\operatorname{diag}(\bar\lambda)
U^{-1} dA\, U) = \operatorname{tr}(U \operatorname{diag}(\bar\lambda) U^{-1} dA) =
\langle U^{-\top}\operatorname{diag}(\bar\lambda) U^\top, dA\rangle$. Row $i$ of $U^{-1}$ is
the left eigenvector $w_i^\top$ scaled so that $w_i^\top u_i = 1$: this is the single-eigenvalue
rule $w_i u_i^\top / (w_i^\top u_i)$ summed with the weights $\bar\lambda_i$.
""",
        mistakes=(
            Mistake(
                r"U \operatorname{diag}(\bar\lambda)\, U^\top",
                lambda A, lambdabar: (lambda U: U @ np.diag(lambdabar) @ U.T)(_eig(A)[1].real),
                "the symmetric rule (adjoints.eigenvalues) on a non-symmetric matrix, where U "
                "is not orthogonal",
            ),
            Mistake(
                r"U^{-1} \operatorname{diag}(\bar\lambda)\, U^\top",
                lambda A, lambdabar: (lambda U: np.linalg.inv(U) @ np.diag(lambdabar) @ U.T)(
                    _eig(A)[1].real
                ),
                "the transpose of U^{-1} dropped",
            ),
            Mistake(
                r"U \operatorname{diag}(\bar\lambda)\, U^{-1}",
                lambda A, lambdabar: adjoint_eigenvalues_nonsymmetric(A, lambdabar).T,
                "the forward map's matrix U diag U^{-1} instead of its transpose",
            ),
        ),
        related=("spectral.nonsymmetric-eigenvalue", "adjoints.eigenvalues"),
        sources=(GILES, MAGNUS, TORCH, JAX),
        keywords=(
            "eig backward",
            "eigenvalue VJP non-symmetric",
            "eigenvalues adjoint",
            "U^{-T} diag U^T",
            "general eigendecomposition",
            "non-symmetric eigenvalues",
        ),
    )
)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "nonsymmetric-eigenvalues",
        "Eigenvalues of a non-symmetric matrix",
        (
            "spectral.nonsymmetric-eigenvalue",
            "spectral.nonsymmetric-eigenvalues-vjp",
        ),
    ),
)
