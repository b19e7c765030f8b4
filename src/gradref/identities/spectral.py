"""Eigendecompositions and spectral functions: eigenvalues of non-symmetric matrices (left and
right eigenvectors, complex-conjugate pairs), and functions of the spectrum of a symmetric
matrix (Lewis's theorem, Ky Fan sums, eigenprojectors, the condition number), with Hessians
by divided differences.

Conventions. Eigenvalues are numbered from the largest: ``λ_1 > λ_2 > ... > λ_n`` (real parts
for a non-symmetric matrix). ``V`` holds right eigenvectors as columns (``A V = V diag(λ)``),
``W = V^{-T}`` the left ones (``W^T A = diag(λ) W^T``, ``W^T V = I``). A symmetric matrix is
``A = U diag(λ) U^T`` with ``U`` orthogonal. Functions defined on symmetric matrices take the
symmetric part ``(A + A^T)/2`` of their argument, so every direction ``dA`` is allowed and the
gradient is in the unconstrained sense; it is symmetric. The samplers draw the spectrum with
gaps of at least 1/2 and well-conditioned eigenvectors, by construction.

The exact sympy checks run at 2 x 2, where the eigenvalues have a closed form; the numerical
checks (central differences of ``numpy.linalg.eig``, refined by Richardson extrapolation)
cover the larger sizes and are the independent check the assumptions name.
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


def _eig(A, complex_ok=False):
    """Eigenvalues by decreasing real part, and unit eigenvectors (``v^T v = 1``) with a
    positive first entry.

    The eigenvalues accept complex input (the complex step: their results agree with
    central differences to about 1e-11 here). The derivatives refuse it: LAPACK's complex
    eigensolver conjugates inside its Householder reflections, so a complex step through a
    gradient is off by about 1e-9 relative (measured on the Hessians), and the checker then
    differentiates the gradient by central differences, in real arithmetic.
    """
    if np.iscomplexobj(A) and not complex_ok:
        raise TypeError("the derivative is computed in real arithmetic: complex input refused")
    lam, V = np.linalg.eig(A)
    order = np.argsort(-lam.real, kind="stable")
    lam, V = lam[order], V[:, order]
    V = V / np.sqrt(np.sum(V * V, axis=0))
    return lam, V * np.where(V[0].real < 0, -1.0, 1.0)


def _without_complex_step(A):
    """The real part of ``A``, for a value built from eigenvectors.

    A complex step through LAPACK's complex eigensolver moves eigenvectors by about 1e-10
    relative more than the derivative (its reflections conjugate), which the checker's
    analyticity guard cannot tell from central differences' own error. Such a value therefore
    returns a real result for complex input, and the checker differentiates it by central
    differences instead.
    """
    return np.real(A)


def _real(A, z):
    """``z`` without its rounding-level imaginary part when ``A`` is real."""
    return np.real(z) if np.isrealobj(A) else z


def _sym(A):
    return (A + A.T) / 2


def _sym_eig(A, complex_ok=False):
    """Eigenvalues (largest first) and orthonormal eigenvectors of ``(A + A^T)/2``."""
    return _eig(_sym(A), complex_ok)


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
    return _real(A, _eig(A, complex_ok=True)[0][0])


@shaped_like(largest_eigenvalue_nonsymmetric)
def grad_largest_eigenvalue_nonsymmetric(A):
    """Gradient of ``λ_1(A)``: ``w v^T / (w^T v)`` for its right and left eigenvectors ``v, w``.

    >>> grad_largest_eigenvalue_nonsymmetric(np.array([[1.0, 2.0], [0.0, 3.0]])).round(12)
    array([[0., 0.],
           [1., 1.]])
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
    "the numerical check, central differences of numpy.linalg.eig, covers sizes 2 to 9"
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
            "largest eigenvalue of a general matrix",
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
    return _real(A, _eig(A, complex_ok=True)[0])


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


# -- a complex-conjugate pair of eigenvalues of a real matrix -------------------------------


def _sample_complex_pair(rng, n):
    """``V B V^{-1}`` of size ``n + 1``: ``B`` holds the block ``[[α, β], [-β, α]]`` (the pair
    ``α ± iβ``, ``1/2 <= β <= 3/2``) and ``n - 1`` real eigenvalues; ``V`` has condition at
    most 2. At 2 x 2 (sympy) the matrix is the pair alone."""
    m = n + 1
    B = np.zeros((m, m))
    alpha, beta = rng.uniform(-0.5, 0.5), rng.uniform(0.5, 1.5)
    B[:2, :2] = [[alpha, beta], [-beta, alpha]]
    if m > 2:
        B[2:, 2:] = np.diag(_spectrum(rng, m - 2))
    V = STRUCTURES["invertible"][0](rng, (m, m))
    return {"A": V @ B @ np.linalg.inv(V)}


def _pair(A):
    """The two eigenvalues of ``A`` of largest imaginary part in magnitude (the pair)."""
    lam = np.linalg.eigvals(A)
    order = np.argsort(-np.abs(lam.imag), kind="stable")
    return lam[order[0]], lam[order[1]]


def _upper_of_pair(A):
    """``λ = α + iβ`` (``β > 0``) and ``G = w u^T / (w^T u)`` for it: complex, with ``u`` and
    ``w`` its right and left eigenvectors (``A u = λ u``, ``w^T A = λ w^T``, no conjugation)."""
    if np.iscomplexobj(A):
        raise TypeError("the derivative is computed in real arithmetic: complex input refused")
    lam, U = np.linalg.eig(A)
    mu, W = np.linalg.eig(A.T)
    i, j = np.argmax(lam.imag), np.argmax(mu.imag)
    u, w = U[:, i], W[:, j]
    return lam[i], np.outer(w, u) / (w @ u)


@shaped
def pair_real_part(A: Arr["n n"]):
    """The common real part ``α`` of the complex-conjugate pair ``α ± iβ`` of ``A``.

    >>> round(float(pair_real_part(np.array([[1.0, 2.0], [-2.0, 1.0]]))), 12)
    1.0
    """
    first, second = _pair(A)
    return _real(A, (first + second) / 2)


@shaped_like(pair_real_part)
def grad_pair_real_part(A):
    """Gradient of ``α = Re λ``: ``Re(w u^T / (w^T u))`` for the pair's eigenvectors.

    >>> grad_pair_real_part(np.array([[1.0, 2.0], [-2.0, 1.0]])).round(12)
    array([[0.5, 0. ],
           [0. , 0.5]])
    """
    _, G = _upper_of_pair(A)
    return G.real


@shaped
def pair_modulus(A: Arr["n n"]):
    """The modulus ``|λ|`` of the complex-conjugate pair of ``A`` (``sqrt(λ λ̄)``).

    >>> round(float(pair_modulus(np.array([[1.0, 2.0], [-2.0, 1.0]]))) ** 2, 12)
    5.0
    """
    first, second = _pair(A)
    return _real(A, np.sqrt(first * second))


@shaped_like(pair_modulus)
def grad_pair_modulus(A):
    """Gradient of ``|λ|``: ``Re(λ̄ w u^T / (w^T u)) / |λ|``.

    >>> (grad_pair_modulus(np.array([[1.0, 2.0], [-2.0, 1.0]])) * 2 * np.sqrt(5)).round(12)
    array([[ 1.,  2.],
           [-2.,  1.]])
    """
    lam, G = _upper_of_pair(A)
    return (np.conj(lam) * G).real / abs(lam)


def _sp_pair_real_part(A):
    # at 2 x 2 the pair is the whole spectrum: α = tr(A)/2, and Re(w u^T/(w^T u)) = I/2
    return A.trace() / 2, sp.eye(2) / 2


def _sp_pair_modulus(A):
    # at 2 x 2, |λ|^2 = λ λ̄ = det A and Re(λ̄ w u^T/(w^T u)) = (2α I - A)^T / 2
    return sp.sqrt(A.det()), (A.trace() * sp.eye(2) - A).T / (2 * sp.sqrt(A.det()))


_PAIR_NOTE = (
    "A real, square, with one complex-conjugate pair λ, λ̄ = α ± iβ (β > 0), simple (the "
    "sample has β >= 1/2 and the other eigenvalues real). u, w are the right and left "
    "eigenvectors of λ in the bilinear sense (A u = λ u, w^T A = λ w^T; w is the conjugate of "
    "LAPACK's left eigenvector, defined by vl^H A = λ vl^H), of any scale. The value is built "
    "from the pair analytically ((λ + λ̄)/2, sqrt(λ λ̄)), so it stays real. sympy checks the "
    "2 x 2 case, where the pair is the whole spectrum, exactly (and the numpy code, complex "
    "eigenvectors and all, against it); the numerical check (complex step through "
    "numpy.linalg.eigvals, with its central-difference guard) covers sizes 2 to 9"
)

register(
    Identity(
        id="spectral.complex-pair-real-part",
        title="Gradient of the real part of a complex-conjugate pair of eigenvalues",
        formula=r"\nabla_A \operatorname{Re} \lambda = \operatorname{Re}\frac{w u^\top}"
        r"{w^\top u},\quad A u = \lambda u,\ w^\top A = \lambda w^\top",
        where=(
            r"\lambda = \operatorname{eig}(A, 1)\ \text{(of the pair, the eigenvalue with }"
            r" \operatorname{Im}\lambda > 0\text{)}",
            r"u = \operatorname{eigvec}(A, 1)",
            r"w = \operatorname{eigvec}(A^\top, 1)",
        ),
        wrt="A",
        kind="gradient",
        value=pair_real_part,
        derivative=grad_pair_real_part,
        sample=_sample_complex_pair,
        symbolic=_sp_pair_real_part,
        symbolic_dims=(1,),  # 2 x 2, where the pair is the whole spectrum
        assumptions=_PAIR_NOTE + ".",
        derivation=r"""
The rule for a simple eigenvalue holds in complex arithmetic: $d\lambda = w^\top dA\, u /
(w^\top u)$ with the bilinear (unconjugated) left eigenvector. For a real direction $dA$,
$d\,\operatorname{Re}\lambda = \operatorname{Re}\, d\lambda = \operatorname{Re}\,
\operatorname{tr}(G^\top dA) = \langle \operatorname{Re} G, dA\rangle$ with
$G = w u^\top/(w^\top u)$. The conjugate $\bar\lambda$ has the conjugate pair $\bar u$,
$\bar w$, so either member of the pair gives the same $\operatorname{Re} G$; the value
$(\lambda + \bar\lambda)/2$ is half the trace of $A$ restricted to the pair's invariant plane.
""",
        mistakes=(
            Mistake(
                r"\operatorname{Re}\frac{u u^\top}{u^\top u}",
                lambda A: (
                    lambda lam, U: (lambda u: (np.outer(u, u) / (u @ u)).real)(
                        U[:, np.argmax(lam.imag)]
                    )
                )(*np.linalg.eig(A)),
                "the symmetric rule u u^T on a non-symmetric matrix with a complex eigenvector",
            ),
            Mistake(
                r"\operatorname{Re}\frac{\bar w u^\top}{\bar w^\top u}",
                lambda A: (
                    lambda lam, U, mu, W: (lambda u, vl: (np.outer(vl, u) / (vl @ u)).real)(
                        U[:, np.argmax(lam.imag)], np.conj(W[:, np.argmax(mu.imag)])
                    )
                )(*np.linalg.eig(A), *np.linalg.eig(A.T)),
                "LAPACK's left eigenvector vl (vl^H A = λ vl^H) used without conjugation",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{Re}\lambda}{\partial A} = "
            r"\operatorname{Re}\frac{u w^\top}{w^\top u}"
        },
        related=("spectral.complex-pair-modulus", "spectral.nonsymmetric-eigenvalue"),
        sources=(MAGNUS, TORCH, JAX),
        keywords=(
            "derivative of a complex eigenvalue",
            "complex conjugate pair of eigenvalues",
            "real part of an eigenvalue",
            "spectral abscissa",
            "stability margin gradient",
        ),
    )
)

register(
    Identity(
        id="spectral.complex-pair-modulus",
        title="Gradient of the modulus of a complex-conjugate pair of eigenvalues",
        formula=r"\nabla_A |\lambda| = \frac{1}{|\lambda|}\operatorname{Re}\Big(\bar\lambda\,"
        r"\frac{w u^\top}{w^\top u}\Big),\quad A u = \lambda u,\ w^\top A = \lambda w^\top",
        where=(
            r"\lambda = \operatorname{eig}(A, 1)\ \text{(of the pair, the eigenvalue with }"
            r" \operatorname{Im}\lambda > 0\text{)}",
            r"u = \operatorname{eigvec}(A, 1)",
            r"w = \operatorname{eigvec}(A^\top, 1)",
        ),
        wrt="A",
        kind="gradient",
        value=pair_modulus,
        derivative=grad_pair_modulus,
        sample=_sample_complex_pair,
        symbolic=_sp_pair_modulus,
        symbolic_dims=(1,),  # 2 x 2, where the pair is the whole spectrum
        assumptions=_PAIR_NOTE + ".",
        derivation=r"""
$|\lambda|^2 = \lambda\bar\lambda$, so $2|\lambda|\, d|\lambda| = \bar\lambda\, d\lambda +
\lambda\, d\bar\lambda = 2\operatorname{Re}(\bar\lambda\, d\lambda)$, and with $d\lambda =
\operatorname{tr}(G^\top dA)$, $G = w u^\top/(w^\top u)$: $d|\lambda| = \langle
\operatorname{Re}(\bar\lambda G), dA\rangle / |\lambda|$. At 2 x 2, $|\lambda| = \sqrt{\det A}$
and this is $\sqrt{\det A}\, A^{-\top}/2 = (\operatorname{tr}(A) I - A)^\top/(2|\lambda|)$ by
Cayley-Hamilton, which sympy confirms. The modulus of the dominant pair is the spectral
radius when no real eigenvalue is larger.
""",
        mistakes=(
            Mistake(
                r"\operatorname{Re}\frac{w u^\top}{w^\top u}",
                lambda A: _upper_of_pair(A)[1].real,
                "the gradient of the real part taken for the modulus",
            ),
            Mistake(
                r"\frac{1}{|\lambda|}\operatorname{Re}\Big(\lambda\, \frac{w u^\top}{w^\top u}"
                r"\Big)",
                lambda A: (lambda lam, G: (lam * G).real / abs(lam))(*_upper_of_pair(A)),
                "λ not conjugated: d|λ|^2 = 2 Re(λ̄ dλ), not 2 Re(λ dλ)",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial |\lambda|}{\partial A} = \frac{1}{|\lambda|}"
            r"\operatorname{Re}\Big(\bar\lambda\, \frac{u w^\top}{w^\top u}\Big)"
        },
        related=("spectral.complex-pair-real-part", "spectral.nonsymmetric-eigenvalue"),
        sources=(MAGNUS, TORCH),
        keywords=(
            "modulus of a complex eigenvalue",
            "spectral radius gradient",
            "|lambda| derivative",
            "complex conjugate pair of eigenvalues",
            "derivative of a complex eigenvalue",
        ),
    )
)


# -- spectral functions of a symmetric matrix -----------------------------------------------


def _symmetric(rng, n, low=None):
    """``Q diag(λ) Q^T`` with ``Q`` orthogonal and eigenvalues at least 1/2 apart."""
    Q = STRUCTURES["orthogonal"][0](rng, (n, n))
    return (Q * _spectrum(rng, n, low)) @ Q.T


def _sample_symmetric(rng, n):
    """A symmetric matrix of size ``n + 1`` (sympy checks n = 1: 2 x 2)."""
    return {"A": _symmetric(rng, n + 1)}


def _sample_spd(rng, n):
    """A positive definite matrix of size ``n + 1``, eigenvalues from 1 up, gaps >= 1/2."""
    return {"A": _symmetric(rng, n + 1, low=1.0)}


def _divided_difference_hessian(U, first, second, lam):
    """The 4-tensor of ``V -> U (Γ ∘ U^T sym(V) U) U^T``, ``Γ_ij = (f'(λ_i) - f'(λ_j)) /
    (λ_i - λ_j)`` off the diagonal and ``f''(λ_i)`` on it (Daleckii-Krein)."""
    gaps = lam[:, None] - lam[None, :]
    np.fill_diagonal(gaps, 1.0)
    Gamma = (first[:, None] - first[None, :]) / gaps
    np.fill_diagonal(Gamma, second)
    H = np.einsum("ab,ia,jb,ka,lb->ijkl", Gamma, U, U, U, U)
    return (H + H.transpose(0, 1, 3, 2)) / 2


def _sp_sym_2x2(A):
    """``S = sym(A)``, its eigenvalues ``λ_1 > λ_2`` and spectral projectors, at 2 x 2."""
    S = (A + A.T) / 2
    a, b, d = S[0, 0], S[0, 1], S[1, 1]
    r = sp.sqrt(((a - d) / 2) ** 2 + b**2)
    # P_1 = (S - λ_2 I) / (λ_1 - λ_2) = I/2 + (S - tr(S)/2 I) / (2 r), with λ_1 - λ_2 = 2 r
    half = (S - (a + d) / 2 * sp.eye(2)) / (2 * r)
    return S, (a + d) / 2 + r, (a + d) / 2 - r, sp.eye(2) / 2 + half, sp.eye(2) / 2 - half


_SYMMETRIC_NOTE = (
    "The function takes the symmetric part (A + A^T)/2 of its argument, so the gradient is in "
    "the unconstrained sense and symmetric; U holds orthonormal eigenvectors (their signs do "
    "not matter). sympy checks the 2 x 2 case exactly, with the eigenvalues and projectors in "
    "closed form; the numerical check (central differences of numpy.linalg.eig) covers sizes "
    "2 to 9"
)

P_POWER = 2.5


@shaped
def eigenvalue_power_sum(A: Arr["n n"], p: float = P_POWER):
    """``Σ_i λ_i(A)^p`` for a positive definite ``A`` (default ``p = 5/2``).

    >>> round(float(eigenvalue_power_sum(np.diag([1.0, 4.0]))), 12)
    33.0
    """
    lam, _ = _sym_eig(A, complex_ok=True)
    return _real(A, np.sum(lam**p))


@shaped_like(eigenvalue_power_sum)
def grad_eigenvalue_power_sum(A, p=P_POWER):
    """Gradient of ``Σ λ_i^p``: ``p U diag(λ^{p-1}) U^T`` (Lewis's theorem).

    >>> grad_eigenvalue_power_sum(np.diag([1.0, 4.0]))
    array([[ 2.5,  0. ],
           [ 0. , 20. ]])
    """
    lam, U = _sym_eig(A)
    return _real(A, (U * (p * lam ** (p - 1))) @ U.T)


@shaped_like(eigenvalue_power_sum)
def hessian_eigenvalue_power_sum(A, p=P_POWER):
    """Hessian of ``Σ λ_i^p`` in ``A`` by divided differences, shaped ``(n, n, n, n)``."""
    lam, U = _sym_eig(A)
    first, second = p * lam ** (p - 1), p * (p - 1) * lam ** (p - 2)
    return _real(A, _divided_difference_hessian(U, first, second, lam))


def _sp_power_sum(A):
    p = sp.Rational(5, 2)
    _, l1, l2, P1, P2 = _sp_sym_2x2(A)
    return l1**p + l2**p, p * (l1 ** (p - 1) * P1 + l2 ** (p - 1) * P2)


_GAMMA = (
    r"\Gamma = (\phi \mathbf{1}_n^\top - \mathbf{1}_n \phi^\top) \oslash (\lambda"
    r" \mathbf{1}_n^\top - \mathbf{1}_n \lambda^\top + I_n) + \operatorname{diag}(\psi)"
)

register(
    Identity(
        id="spectral.power-sum",
        title="Gradient and Hessian of the sum of powers of the eigenvalues of a positive "
        "definite matrix",
        formula=r"\nabla_A \sum_i \lambda_i(A)^p = p\, U \operatorname{diag}(\lambda^{p - 1})"
        r" U^\top",
        where=(
            r"U = \operatorname{eigvec}(A)",
            r"\lambda = \operatorname{eig}(A)",
            r"\phi = p \lambda^{p - 1}",
            r"\psi = p (p - 1) \lambda^{p - 2}",
            _GAMMA,
        ),
        wrt="A",
        kind="gradient",
        value=eigenvalue_power_sum,
        derivative=grad_eigenvalue_power_sum,
        sample=_sample_spd,
        symbolic=_sp_power_sum,
        symbolic_dims=(1,),  # 2 x 2: sympy has no closed form for the roots beyond that
        assumptions=(
            "A symmetric positive definite with distinct eigenvalues (" + _GAP + ", the least "
            "at least 1) for the Hessian's divided differences; the gradient holds at repeated "
            "eigenvalues too (Lewis). p = 5/2, a non-integer power, so the sum is not a "
            "polynomial trace tr(A^p). " + _SYMMETRIC_NOTE + "; the Hessian is checked against "
            "sympy's second derivatives at 2 x 2 and numerically."
        ),
        derivation=r"""
$F(A) = \sum_i f(\lambda_i(A))$ with $f(t) = t^p$ is a spectral function: a symmetric
function of the eigenvalues. Lewis's theorem: $\nabla F(A) = U \operatorname{diag}(f'(\lambda))
U^\top$. Directly, $d\lambda_i = u_i^\top dA\, u_i$ at a simple eigenvalue, so $dF =
\sum_i f'(\lambda_i)\, u_i^\top dA\, u_i = \langle U\operatorname{diag}(f'(\lambda))U^\top,
dA\rangle$. Differentiating $U \operatorname{diag}(\phi) U^\top$ with $\phi = f'(\lambda)$ once
more, $dU = U(F \odot U^\top dA\, U)$ with $F_{ij} = 1/(\lambda_j - \lambda_i)$, gives the
Daleckii-Krein form: $U(\Gamma \odot U^\top dA\, U)U^\top$, $\Gamma$ the first divided
differences of $f'$ (and $f''$ on the diagonal).
""",
        hessian=hessian_eigenvalue_power_sum,
        hessian_formula=r"\nabla_A^2 \sum_i \lambda_i^p\,[V] = U \big(\Gamma \odot U^\top "
        r"\operatorname{sym}(V)\, U\big) U^\top",
        mistakes=(
            Mistake(
                r"p\, U \operatorname{diag}(\lambda^{p})\, U^\top",
                lambda A, p=P_POWER: (lambda lam, U: (U * (p * lam**p)) @ U.T)(*_sym_eig(A)),
                "the power not lowered by one: f(λ) in place of f'(λ)",
            ),
            Mistake(
                r"p\, \operatorname{diag}(\lambda^{p - 1})",
                lambda A, p=P_POWER: np.diag(p * _sym_eig(A)[0] ** (p - 1)),
                "the eigenvalues' derivatives without the rotation back by U",
            ),
        ),
        conventions={"numerator": r"\text{symmetric: the same in either layout}"},
        related=("spectral.log-sum-exp", "spectral.ky-fan", "adjoints.eigenvalues"),
        sources=(LEWIS, LEWIS_SENDOV, MAGNUS),
        keywords=(
            "spectral function gradient",
            "Lewis theorem",
            "sum of powers of eigenvalues",
            "sum lambda_i^p",
            "Schatten p-norm to the p",
            "divided differences",
            "Daleckii-Krein",
        ),
    )
)


@shaped
def log_sum_exp_eigenvalues(A: Arr["n n"]):
    """``log Σ_i exp λ_i(A)`` for symmetric ``A``: a smooth maximum of the eigenvalues.

    >>> round(float(log_sum_exp_eigenvalues(np.zeros((2, 2)))), 12)
    0.69314718056
    """
    lam, _ = _sym_eig(A, complex_ok=True)
    top = np.max(lam.real)
    return _real(A, top + np.log(np.sum(np.exp(lam - top))))


@shaped_like(log_sum_exp_eigenvalues)
def grad_log_sum_exp_eigenvalues(A):
    """Gradient of ``log Σ exp λ_i``: ``U diag(softmax(λ)) U^T``.

    >>> grad_log_sum_exp_eigenvalues(np.zeros((2, 2)))
    array([[0.5, 0. ],
           [0. , 0.5]])
    """
    lam, U = _sym_eig(A)
    weights = np.exp(lam - np.max(lam.real))
    return _real(A, (U * (weights / np.sum(weights))) @ U.T)


def _sp_log_sum_exp(A):
    _, l1, l2, P1, P2 = _sp_sym_2x2(A)
    total = sp.exp(l1) + sp.exp(l2)
    return sp.log(total), (sp.exp(l1) * P1 + sp.exp(l2) * P2) / total


register(
    Identity(
        id="spectral.log-sum-exp",
        title="Gradient of the log-sum-exp of the eigenvalues of a symmetric matrix",
        formula=r"\nabla_A \ln \sum_i e^{\lambda_i(A)} = U \operatorname{diag}"
        r"(\operatorname{softmax}(\lambda))\, U^\top",
        where=(r"U = \operatorname{eigvec}(A)", r"\lambda = \operatorname{eig}(A)"),
        wrt="A",
        kind="gradient",
        value=log_sum_exp_eigenvalues,
        derivative=grad_log_sum_exp_eigenvalues,
        sample=_sample_symmetric,
        symbolic=_sp_log_sum_exp,
        symbolic_dims=(1,),  # 2 x 2: sympy has no closed form for the roots beyond that
        assumptions=(
            "A symmetric; the identity holds at every A (the log-sum-exp is a smooth, "
            "permutation-invariant function of the eigenvalues, so Lewis's theorem applies "
            "even where eigenvalues repeat); the sample keeps " + _GAP + " so that the "
            "numerical check differentiates a smooth numpy.linalg.eig. " + _SYMMETRIC_NOTE + "."
        ),
        derivation=r"""
$F = g(\lambda(A))$ with $g(x) = \ln\sum_i e^{x_i}$, a symmetric (permutation-invariant)
function of the eigenvalue vector, so by Lewis's theorem $\nabla F(A) = U\operatorname{diag}
(\nabla g(\lambda))U^\top$, and $\nabla g = \operatorname{softmax}$. Equivalently
$F = \ln\operatorname{tr} e^{A}$ and $\nabla F = e^{A} / \operatorname{tr} e^{A}$: a density
matrix, positive definite with unit trace, that tends to the top eigenprojector
$u_1 u_1^\top$ (the gradient of $\lambda_{\max}$) as the gap grows.
""",
        mistakes=(
            Mistake(
                r"U \operatorname{diag}(e^{\lambda})\, U^\top",
                lambda A: (lambda lam, U: (U * np.exp(lam)) @ U.T)(*_sym_eig(A)),
                "the gradient of tr exp(A) without the division by the sum",
            ),
            Mistake(
                r"\operatorname{diag}(\operatorname{softmax}(\lambda))",
                lambda A: np.diag(
                    (lambda lam: np.exp(lam - lam.max()) / np.sum(np.exp(lam - lam.max())))(
                        _sym_eig(A)[0]
                    )
                ),
                "the gradient softmax(λ) in the eigenvalues, without the rotation back by U",
            ),
        ),
        conventions={"numerator": r"\text{symmetric: the same in either layout}"},
        related=("spectral.power-sum", "eigenvalues.largest", "spectral.ky-fan"),
        sources=(LEWIS, SEEGER),
        keywords=(
            "log-sum-exp of eigenvalues",
            "smooth maximum eigenvalue",
            "soft lambda_max",
            "log tr exp(A)",
            "Lewis theorem",
            "spectral function gradient",
        ),
    )
)


def _top_k(A, k=None, complex_ok=False):
    """Eigenvalues, eigenvectors and the indicator ``φ`` of the ``k`` largest (by default
    ``k = ceil(n/2)``: 1 at 2 x 2, where sympy checks, and below ``n`` from n = 2 on)."""
    n = A.shape[0]
    k = (n + 1) // 2 if k is None else k
    if not 1 <= int(k) < max(n, 2):
        raise ValueError(f"`k` must be an integer with 1 <= k < n = {n}; got {k!r}")
    lam, U = _sym_eig(A, complex_ok)
    return lam, U, (np.arange(n) < int(k)).astype(float)


@shaped
def ky_fan_sum(A: Arr["n n"], k=None):
    """The sum of the ``k`` largest eigenvalues of the symmetric part of ``A`` (Ky Fan).

    >>> round(float(ky_fan_sum(np.diag([3.0, 1.0, 2.0]), 2)), 12)
    5.0
    """
    lam, _, top = _top_k(A, k, complex_ok=True)
    return _real(A, top @ lam)


@shaped_like(ky_fan_sum)
def grad_ky_fan_sum(A, k=None):
    """Gradient of the Ky Fan sum: ``U diag(φ) U^T``, ``φ_i = 1`` for the ``k`` largest.

    >>> grad_ky_fan_sum(np.diag([3.0, 1.0, 2.0]), 2)
    array([[1., 0., 0.],
           [0., 0., 0.],
           [0., 0., 1.]])
    """
    _, U, top = _top_k(A, k)
    return _real(A, (U * top) @ U.T)


@shaped_like(ky_fan_sum)
def hessian_ky_fan_sum(A, k=None):
    """Hessian of the Ky Fan sum, shaped ``(n, n, n, n)`` (divided differences of ``φ``)."""
    lam, U, top = _top_k(A, k)
    return _real(A, _divided_difference_hessian(U, top, np.zeros_like(top), lam))


def _sp_ky_fan(A):
    # at 2 x 2 the default k is 1: the largest eigenvalue, gradient P_1
    _, l1, _, P1, _ = _sp_sym_2x2(A)
    return l1, P1


register(
    Identity(
        id="spectral.ky-fan",
        title="Gradient and Hessian of the sum of the k largest eigenvalues (Ky Fan)",
        formula=r"\nabla_A \sum_{i=1}^{k} \lambda_i(A) = U \operatorname{diag}(\phi)\, U^\top",
        where=(
            r"U = \operatorname{eigvec}(A)",
            r"u_1 = \operatorname{eigvec}(A, 1)",
            r"\lambda = \operatorname{eig}(A)",
            r"k = \lceil n/2 \rceil",
            r"\mu = \operatorname{eig}(A, k + 1)",
            r"\phi = \mathbb{1}[\lambda > \mu]",
            r"\Gamma = (\phi \mathbf{1}_n^\top - \mathbf{1}_n \phi^\top) \oslash (\lambda"
            r" \mathbf{1}_n^\top - \mathbf{1}_n \lambda^\top + I_n)",
        ),
        wrt="A",
        kind="gradient",
        value=ky_fan_sum,
        derivative=grad_ky_fan_sum,
        sample=_sample_symmetric,
        symbolic=_sp_ky_fan,
        symbolic_dims=(1,),  # 2 x 2 (k = 1): no closed form for the roots beyond that
        assumptions=(
            "A symmetric, 1 <= k < n (the reference's default k = ceil(n/2) varies with the "
            "sampled size: k = 1 at 2 x 2, 2 at 3 x 3 and 4 x 4, ...), and λ_k > λ_{k+1} (a gap at the cut; the sum is "
            "differentiable there even if eigenvalues repeat within the top k or below it, "
            "and the gradient is then still the projector onto the top-k eigenspace); the "
            "sample keeps all "
            + _GAP
            + ". φ_i = 1 for i <= k, 0 otherwise. "
            + _SYMMETRIC_NOTE
            + "; the Hessian is checked against sympy's second derivatives at 2 x 2 and "
            "numerically."
        ),
        derivation=r"""
On a neighbourhood where $\lambda_k > \lambda_{k+1}$, $F(A) = \sum_{i \le k}\lambda_i(A)$ is the
spectral function $g(\lambda) = \sum_{i\le k}\lambda_i$ of the *sorted* eigenvalues, so
$\nabla F = U\operatorname{diag}(\phi)U^\top = U_k U_k^\top$, the orthogonal projector onto the
top-$k$ eigenspace ($dF = \sum_{i \le k} u_i^\top dA\,u_i$). Its derivative follows the
Daleckii-Krein pattern with $f' = \phi$: $\Gamma_{ij} = (\phi_i - \phi_j)/(\lambda_i -
\lambda_j)$ is $1/(\lambda_i - \lambda_j)$ when exactly one of $i, j$ is among the top $k$,
and $0$ otherwise, so only the coupling across the cut curves $F$; $F$ is convex (a maximum of
$\operatorname{tr}(X^\top A X)$ over $X^\top X = I_k$), and the Hessian is positive
semidefinite.
""",
        hessian=hessian_ky_fan_sum,
        hessian_formula=r"\nabla_A^2 \sum_{i=1}^{k} \lambda_i\,[V] = U \big(\Gamma \odot "
        r"U^\top \operatorname{sym}(V)\, U\big) U^\top",
        mistakes=(
            Mistake(
                r"k\, u_1 u_1^\top",
                lambda A, k=None: (lambda lam, U, top: top.sum() * np.outer(U[:, 0], U[:, 0]))(
                    *_top_k(A, k)
                ),
                "every one of the k eigenvalues differentiated as if it were the largest",
            ),
            Mistake(
                r"U \operatorname{diag}(\mathbf{1} - \phi)\, U^\top",
                lambda A, k=None: (lambda lam, U, top: (U * (1 - top)) @ U.T)(*_top_k(A, k)),
                "the eigenvalues taken in ascending order (numpy.linalg.eigh's): the projector "
                "onto the n - k smallest",
            ),
        ),
        conventions={"numerator": r"\text{symmetric: the same in either layout}"},
        related=("eigenvalues.largest", "spectral.eigenprojector-vjp", "spectral.power-sum"),
        sources=(OVERTON, LEWIS, LEWIS_SENDOV),
        keywords=(
            "Ky Fan",
            "sum of the k largest eigenvalues",
            "sum of top eigenvalues gradient",
            "U_k U_k^T",
            "projector onto the top-k eigenspace",
            "spectral function gradient",
        ),
    )
)


@shaped
def top_eigenprojector(A: Arr["n n"]):
    """The projector ``P = u_1 u_1^T`` onto the top eigenvector of ``(A + A^T)/2``.

    >>> top_eigenprojector(np.diag([1.0, 2.0]))
    array([[0., 0.],
           [0., 1.]])
    """
    _, U = _sym_eig(_without_complex_step(A))
    return np.outer(U[:, 0], U[:, 0])


def _reduced_resolvent(A):
    """``(λ_1 I - S)^+ = Σ_{j > 1} u_j u_j^T / (λ_1 - λ_j)``, S the symmetric part of A."""
    lam, U = _sym_eig(A)
    weights = np.zeros_like(lam)
    weights[1:] = 1.0 / (lam[0] - lam[1:])
    return (U * weights) @ U.T, np.outer(U[:, 0], U[:, 0])


@shaped
def adjoint_top_eigenprojector(A: Arr["n n"], Pbar: Arr["n n"]):
    """Adjoint of ``A`` in ``P = u_1 u_1^T``: ``R sym(P̄) P + P sym(P̄) R``, ``R = (λ_1 I - A)^+``.

    >>> adjoint_top_eigenprojector(np.diag([1.0, 2.0]), np.ones((2, 2)))
    array([[0., 1.],
           [1., 0.]])
    """
    R, P = _reduced_resolvent(A)
    Pbar_sym = _sym(Pbar)
    return _real(A, R @ Pbar_sym @ P + P @ Pbar_sym @ R)


def _sp_eigenprojector(A, Pbar):
    """``P_1`` and the claimed adjoint at 2 x 2, with ``R = P_2 / (λ_1 - λ_2)``."""
    _, l1, l2, P1, P2 = _sp_sym_2x2(A)
    R = P2 / (l1 - l2)
    Pbar_sym = (Pbar + Pbar.T) / 2
    return P1, R * Pbar_sym * P1 + P1 * Pbar_sym * R


register(
    Identity(
        id="spectral.eigenprojector-vjp",
        title="Reverse-mode rule of the eigenprojector of the largest eigenvalue of a "
        "symmetric matrix",
        formula=r"P = u_1 u_1^\top:\quad \bar A = R\, \operatorname{sym}(\bar P)\, P + P\, "
        r"\operatorname{sym}(\bar P)\, R",
        where=(
            r"u_1 = \operatorname{eigvec}(A, 1)",
            r"\lambda_1 = \operatorname{eig}(A, 1)",
            r"R = (\lambda_1 I - A)^+",
        ),
        wrt="A",
        kind="vjp",
        cotangent="Pbar",
        value=top_eigenprojector,
        derivative=adjoint_top_eigenprojector,
        sample=lambda rng, n: {
            "A": _symmetric(rng, n + 1),
            "Pbar": rng.standard_normal((n + 1, n + 1)),
        },
        symbolic=_sp_eigenprojector,
        symbolic_dims=(1,),  # 2 x 2 (about 2.5 s of sympy): no closed form beyond that
        assumptions=(
            "A symmetric with a simple largest eigenvalue λ_1 (" + _GAP + "); P = u_1 u_1^T "
            "does not depend on the sign of u_1, so no convention is needed. "
            "R = (λ_1 I - A)^+ = Σ_{j>1} u_j u_j^T / (λ_1 - λ_j) is the reduced resolvent. "
            + _SYMMETRIC_NOTE
            + "."
        ),
        derivation=r"""
With $du_1 = R\, dS\, u_1$ (Cookbook eq. 68, $R = (\lambda_1 I - S)^+$),
$dP = du_1 u_1^\top + u_1 du_1^\top = R\, dS\, P + P\, dS\, R$: in the eigenbasis,
$U^\top dP\, U$ has entries $(U^\top dS\, U)_{1j}/(\lambda_1 - \lambda_j)$ in row and column
1 (the Daleckii-Krein weights of the indicator of $\lambda_1$) and $0$ elsewhere. Then
$\langle \bar P, dP\rangle = \operatorname{tr}(\bar P^\top R\, dS\, P) + \operatorname{tr}
(\bar P^\top P\, dS\, R) = \langle R \bar P P + P \bar P R, dS\rangle$ ($R$, $P$ symmetric),
and $dS = \operatorname{sym}(dA)$ symmetrises it: $\bar A = R\,\operatorname{sym}(\bar P)P +
P\operatorname{sym}(\bar P)R$.
""",
        mistakes=(
            Mistake(
                r"R \bar P P + P \bar P R",
                lambda A, Pbar: (lambda R, P: R @ Pbar @ P + P @ Pbar @ R)(*_reduced_resolvent(A)),
                "the symmetrisation missing: P is symmetric, so only sym(P̄) is seen",
            ),
            Mistake(
                r"(A - \lambda_1 I)^+ \operatorname{sym}(\bar P) P + P \operatorname{sym}"
                r"(\bar P) (A - \lambda_1 I)^+",
                lambda A, Pbar: -adjoint_top_eigenprojector(A, Pbar),
                "the gaps taken as λ_j - λ_1: the sign of every Daleckii-Krein weight flipped",
            ),
        ),
        related=("adjoints.eigh", "eigenvalues.eigenvector", "spectral.ky-fan"),
        sources=(MAGNUS, SEEGER, GILES),
        keywords=(
            "eigenprojector derivative",
            "spectral projector backward",
            "derivative of u u^T",
            "Daleckii-Krein",
            "top eigenvector projector",
            "reduced resolvent",
        ),
    )
)


@shaped
def condition_number_spd(A: Arr["n n"]):
    """The condition number ``λ_max / λ_min`` of a positive definite ``A``.

    >>> round(float(condition_number_spd(np.diag([4.0, 1.0]))), 12)
    4.0
    """
    lam, _ = _sym_eig(A, complex_ok=True)
    return _real(A, lam[0] / lam[-1])


@shaped_like(condition_number_spd)
def grad_condition_number_spd(A):
    """Gradient of ``κ = λ_1 / λ_n``: ``(u_1 u_1^T - κ u_n u_n^T) / λ_n``.

    >>> grad_condition_number_spd(np.diag([4.0, 1.0]))
    array([[ 1.,  0.],
           [ 0., -4.]])
    """
    lam, U = _sym_eig(A)
    kappa = lam[0] / lam[-1]
    return _real(A, (np.outer(U[:, 0], U[:, 0]) - kappa * np.outer(U[:, -1], U[:, -1])) / lam[-1])


def _sp_condition_number(A):
    _, l1, l2, P1, P2 = _sp_sym_2x2(A)
    return l1 / l2, (P1 - l1 / l2 * P2) / l2


register(
    Identity(
        id="spectral.condition-number",
        title="Gradient of the condition number of a positive definite matrix",
        formula=r"\nabla_A \frac{\lambda_1(A)}{\lambda_n(A)} = \frac{u_1 u_1^\top - \kappa\, "
        r"u_n u_n^\top}{\lambda_n}",
        where=(
            r"u_1 = \operatorname{eigvec}(A, 1)",
            r"u_n = \operatorname{eigvec}(A, n)",
            r"\lambda_1 = \operatorname{eig}(A, 1)",
            r"\lambda_n = \operatorname{eig}(A, n)",
            r"\kappa = \frac{\lambda_1}{\lambda_n}",
        ),
        wrt="A",
        kind="gradient",
        value=condition_number_spd,
        derivative=grad_condition_number_spd,
        sample=_sample_spd,
        symbolic=_sp_condition_number,
        symbolic_dims=(1,),  # 2 x 2: no closed form for the roots beyond that
        assumptions=(
            "A symmetric positive definite with simple largest and smallest eigenvalues ("
            + _GAP
            + ", the least at least 1); κ = λ_1/λ_n is the 2-norm condition number "
            "||A|| ||A^{-1}||. " + _SYMMETRIC_NOTE + "."
        ),
        derivation=r"""
$d\lambda_1 = u_1^\top dA\,u_1$ and $d\lambda_n = u_n^\top dA\,u_n$ (simple eigenvalues), so by
the quotient rule $d\kappa = (d\lambda_1\,\lambda_n - \lambda_1\, d\lambda_n)/\lambda_n^2 =
\langle (u_1 u_1^\top - \kappa\, u_n u_n^\top)/\lambda_n, dA\rangle$. The gradient has trace
$(1 - \kappa)/\lambda_n \le 0$: scaling $A$ leaves $\kappa$ unchanged, and indeed
$\langle \nabla\kappa, A\rangle = (\lambda_1 - \kappa\lambda_n)/\lambda_n = 0$.
""",
        mistakes=(
            Mistake(
                r"\frac{u_1 u_1^\top}{\lambda_n}",
                lambda A: (lambda lam, U: np.outer(U[:, 0], U[:, 0]) / lam[-1])(*_sym_eig(A)),
                "λ_n held fixed: the quotient rule's second term dropped",
            ),
            Mistake(
                r"\frac{u_1 u_1^\top - u_n u_n^\top}{\lambda_n}",
                lambda A: (
                    lambda lam, U: (
                        (np.outer(U[:, 0], U[:, 0]) - np.outer(U[:, -1], U[:, -1])) / lam[-1]
                    )
                )(*_sym_eig(A)),
                "the factor κ = λ_1/λ_n on the second term lost (the derivative of 1/λ_n is "
                "-1/λ_n^2)",
            ),
        ),
        conventions={"numerator": r"\text{symmetric: the same in either layout}"},
        related=("eigenvalues.largest", "eigenvalues.smallest"),
        sources=(MAGNUS, LEWIS),
        keywords=(
            "gradient of the condition number",
            "condition number derivative",
            "kappa(A)",
            "lambda_max / lambda_min",
            "spectral condition number",
        ),
    )
)


@shaped
def eigengap(A: Arr["n n"]):
    """The gap ``λ_1 - λ_2`` between the two largest eigenvalues of ``(A + A^T)/2``.

    >>> round(float(eigengap(np.diag([1.0, 4.0, 2.5]))), 12)
    1.5
    """
    lam, _ = _sym_eig(A, complex_ok=True)
    return _real(A, lam[0] - lam[1])


@shaped_like(eigengap)
def grad_eigengap(A):
    """Gradient of ``λ_1 - λ_2``: ``u_1 u_1^T - u_2 u_2^T``.

    >>> grad_eigengap(np.diag([1.0, 4.0, 2.5]))
    array([[ 0.,  0.,  0.],
           [ 0.,  1.,  0.],
           [ 0.,  0., -1.]])
    """
    _, U = _sym_eig(A)
    return np.outer(U[:, 0], U[:, 0]) - np.outer(U[:, 1], U[:, 1])


def _eigenvalue_hessian(lam, U, i):
    """The 4-tensor of ``V -> R_i sym(V) P_i + P_i sym(V) R_i``, the Hessian of ``λ_i``, with
    ``P_i = u_i u_i^T`` and ``R_i = (λ_i I - S)^+ = Σ_{j != i} u_j u_j^T / (λ_i - λ_j)``."""
    weights = np.zeros_like(lam)
    others = np.arange(len(lam)) != i
    weights[others] = 1.0 / (lam[i] - lam[others])
    R, u = (U * weights) @ U.T, U[:, i]
    half = np.einsum("ik,l,j->ijkl", R, u, u)  # (R E_kl u u^T)_ij for E_kl = e_k e_l^T
    both = half + half.transpose(1, 0, 2, 3)  # + (u u^T E_kl R)_ij
    return (both + both.transpose(0, 1, 3, 2)) / 2  # a direction enters through sym(V)


@shaped_like(eigengap)
def hessian_eigengap(A):
    """Hessian of ``λ_1 - λ_2`` in ``A``, shaped ``(n, n, n, n)``."""
    lam, U = _sym_eig(A)
    return _eigenvalue_hessian(lam, U, 0) - _eigenvalue_hessian(lam, U, 1)


def _sp_eigengap(A):
    _, l1, l2, P1, P2 = _sp_sym_2x2(A)
    return l1 - l2, P1 - P2


register(
    Identity(
        id="spectral.eigengap",
        title="Gradient and Hessian of the gap between the two largest eigenvalues of a "
        "symmetric matrix",
        formula=r"\nabla_A (\lambda_1 - \lambda_2) = u_1 u_1^\top - u_2 u_2^\top",
        where=(
            r"u_1 = \operatorname{eigvec}(A, 1)",
            r"u_2 = \operatorname{eigvec}(A, 2)",
            r"\lambda_1 = \operatorname{eig}(A, 1)",
            r"\lambda_2 = \operatorname{eig}(A, 2)",
            r"P_1 = u_1 u_1^\top",
            r"P_2 = u_2 u_2^\top",
            r"R_1 = (\lambda_1 I - A)^+",
            r"R_2 = (\lambda_2 I - A)^+",
            r"\bar V = \operatorname{sym}(V)",
        ),
        wrt="A",
        kind="gradient",
        value=eigengap,
        derivative=grad_eigengap,
        sample=_sample_symmetric,
        symbolic=_sp_eigengap,
        symbolic_dims=(1,),  # 2 x 2: no closed form for the roots beyond that
        assumptions=(
            "A symmetric with λ_1, λ_2 and λ_3 distinct (" + _GAP + "), so that both "
            "eigenvalues are simple and differentiable twice. " + _SYMMETRIC_NOTE + "; the "
            "Hessian is checked against sympy's second derivatives at 2 x 2 and numerically."
        ),
        derivation=r"""
Each simple eigenvalue has $d\lambda_i = u_i^\top dA\, u_i = \langle u_i u_i^\top, dA\rangle$,
so the gap's gradient is the difference of the two rank-one projectors; it has trace 0
(adding a multiple of $I$ shifts both eigenvalues alike). Second order: $du_i = R_i\, dA\, u_i$
with $R_i = (\lambda_i I - A)^+$ (Cookbook eq. 68), so $d(u_i u_i^\top) = R_i\, dA\, P_i +
P_i\, dA\, R_i$, and $d^2\lambda_i = 2\, u_i^\top dA\, R_i\, dA\, u_i = 2\sum_{j \ne i}
(u_j^\top dA\, u_i)^2/(\lambda_i - \lambda_j)$: positive for the largest eigenvalue (convex
there), mixed for the second, whose Hessian subtracts.
""",
        hessian=hessian_eigengap,
        hessian_formula=r"\nabla_A^2 (\lambda_1 - \lambda_2)[V] = R_1 \bar V P_1 + P_1 \bar V "
        r"R_1 - R_2 \bar V P_2 - P_2 \bar V R_2",
        mistakes=(
            Mistake(
                r"u_1 u_1^\top + u_2 u_2^\top",
                lambda A: (lambda U: np.outer(U[:, 0], U[:, 0]) + np.outer(U[:, 1], U[:, 1]))(
                    _sym_eig(A)[1]
                ),
                "the gradient of the sum λ_1 + λ_2 (a Ky Fan sum), not of the difference",
            ),
            Mistake(
                r"u_1 u_1^\top",
                lambda A: (lambda U: np.outer(U[:, 0], U[:, 0]))(_sym_eig(A)[1]),
                "λ_2 held fixed, as if the gap moved only with the top eigenvalue",
            ),
        ),
        conventions={"numerator": r"\text{symmetric: the same in either layout}"},
        related=("eigenvalues.largest", "spectral.ky-fan", "spectral.condition-number"),
        sources=(MAGNUS, LEWIS_SENDOV),
        keywords=(
            "eigengap",
            "spectral gap gradient",
            "gap between the two largest eigenvalues",
            "lambda_1 - lambda_2",
            "second derivative of an eigenvalue",
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
            "spectral.complex-pair-real-part",
            "spectral.complex-pair-modulus",
        ),
    ),
    (
        "functions-of-eigenvalues",
        "Functions of the eigenvalues (Lewis)",
        (
            "spectral.power-sum",
            "spectral.log-sum-exp",
            "spectral.condition-number",
            "spectral.eigengap",
        ),
    ),
    (
        "eigenprojectors",
        "Eigenprojectors and Ky Fan sums",
        (
            "spectral.ky-fan",
            "spectral.eigenprojector-vjp",
        ),
    ),
)
