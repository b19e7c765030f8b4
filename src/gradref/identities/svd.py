"""Singular values and the SVD: gradients of singular values and of the norms built on them,
and the reverse-mode rules of the thin singular value decomposition.

Every entry is about a tall matrix ``A`` (m x n, m > n) of full column rank with distinct
singular values, ``A = U diag(σ) V^T`` its thin SVD: ``U`` is m x n with orthonormal
columns, ``σ`` descends, ``V`` is n x n orthogonal. The samplers build ``A`` that way from
random orthogonal factors and singular values at least 1/2 apart and at least 3/4 from
zero, so the assumptions hold by construction. A wide matrix is the transpose of a tall one.

Singular vectors are defined only up to sign (``u_i`` and ``v_i`` flip together), so every
value here is *gauge-invariant*: it depends on the factors only through ``σ``, products
``u_i v_i^T`` and projectors ``u_i u_i^T``. The reverse rule of the SVD is stated for
arbitrary upstream gradients (Ū, σ̄, V̄), as autodiff systems apply it, and verified
through such gauge-invariant outputs, whose derivative exists.

sympy has no closed form for the SVD beyond tiny sizes; the exact check runs where one
exists (a 2 x 1 matrix: ``σ = ||a||``, ``U = a / ||a||``, ``V = 1``, where the complement
term ``(I - U U^T)`` of the reverse rule is all there is), and each entry says which
independent check covers the rest (``tests/test_svd.py``: the gradient of ``σ_i^2``
through the eigenvectors of ``A^T A``, and exact formulas such as
``Σ ln σ_i = ½ ln det(A^T A)``). The numerical check (central differences of
``numpy.linalg.svd``) covers sizes up to 9 x 8.
"""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.shapes import STRUCTURES, Arr, shaped, shaped_like

TOWNSEND = (
    'Townsend, "Differentiating the singular value decomposition", technical note (2016), '
    "the reverse-mode rule for the thin SVD of a rectangular matrix, with its "
    r"$(I - UU^\top)$ term"
)
IONESCU = (
    'Ionescu, Vantzos & Sminchisescu, "Matrix backpropagation for deep networks with '
    'structured layers", ICCV (2015), the variations of the SVD and its backpropagation rule'
)
PYTORCH = (
    "PyTorch, `torch/csrc/autograd/FunctionsManual.cpp`, `svd_backward` (the thin-SVD "
    "reverse rule, with the complement term for m > n) and `linalg_svd_jvp`"
)
MAGNUS = (
    "Magnus & Neudecker, *Matrix Differential Calculus*, 3rd ed. (2019), ch. 8, the "
    "differential of a simple eigenvalue of a symmetric matrix, applied to "
    r"$\sigma_i^2 = \lambda_i(A^\top A)$"
)
WATSON = (
    'Watson, "Characterization of the subdifferential of some matrix norms", *Linear Algebra '
    "and its Applications* 170 (1992)"
)


def _svd(A):
    """The thin SVD ``(U, σ, V)`` of the real matrix ``A``: σ descending, ``A = U diag(σ) V^T``.

    The SVD here is of a real matrix: of a complex argument (the checker's complex step) it
    takes the real part. ``numpy.linalg.svd`` of a complex matrix is the unitary SVD, not the
    analytic continuation of the real one, so no complex step can pass through it; a real
    result for a complex argument tells the checker so, and it uses central differences.
    """
    U, s, Vt = np.linalg.svd(np.real(A), full_matrices=False)
    return U, s, Vt.T


def _gap_weights(s):
    """``F_ij = 1 / (σ_j^2 - σ_i^2)`` off the diagonal, 0 on it."""
    gaps = s[None, :] ** 2 - s[:, None] ** 2
    np.fill_diagonal(gaps, 1.0)
    F = 1.0 / gaps
    np.fill_diagonal(F, 0.0)
    return F


def _svd_adjoint(U, s, V, Ubar, sbar, Vbar, complement=True, transpose_gaps=False):
    """The thin-SVD reverse rule: ``Ā`` from the upstream gradients ``(Ū, σ̄, V̄)``.

    ``U [ (F ∘ (U^T Ū - Ū^T U)) Σ + diag(σ̄) + Σ (F ∘ (V^T V̄ - V̄^T V)) ] V^T
    + (I - U U^T) Ū Σ^{-1} V^T`` (V square: no complement on that side). The flags switch
    on two of the listed mistakes.
    """
    F = _gap_weights(s).T if transpose_gaps else _gap_weights(s)
    S = np.diag(s)
    inner = (
        (F * (U.T @ Ubar - Ubar.T @ U)) @ S + np.diag(sbar) + S @ (F * (V.T @ Vbar - Vbar.T @ V))
    )
    Abar = U @ inner @ V.T
    if complement:
        Abar = Abar + (np.eye(U.shape[0]) - U @ U.T) @ Ubar @ np.diag(1.0 / s) @ V.T
    return Abar


# -- samplers -------------------------------------------------------------------------------


def _tall(rng, rows, cols):
    """``A = Q_1 diag(s) Q_2^T`` (rows x cols, rows > cols) with random orthogonal ``Q_1``,
    ``Q_2`` and singular values ``cols, cols - 1, ..., 1``, each moved by at most 1/4: gaps
    of at least 1/2, the smallest at least 3/4."""
    Q1 = STRUCTURES["orthogonal"][0](rng, (rows, rows))[:, :cols]
    Q2 = STRUCTURES["orthogonal"][0](rng, (cols, cols))
    s = np.arange(cols, 0, -1) + rng.uniform(-0.25, 0.25, cols)
    return (Q1 * s) @ Q2.T


def _sample_tall(rng, n):
    """A tall ``A`` of shape (n + 1, n): 2 x 1 at n = 1, where sympy has the SVD."""
    return {"A": _tall(rng, n + 1, n)}


# -- sympy: the SVD of a 2 x 1 matrix ------------------------------------------------------


def _sp_svd_column(A):
    """``(U, σ, V)`` of a 2 x 1 (or m x 1) sympy matrix: ``σ = ||a||``, ``U = a/σ``, ``V = [1]``."""
    import sympy as sp

    if A.cols != 1:
        raise ValueError("sympy has the SVD of a single column only")
    r = sp.sqrt(sum(entry**2 for entry in A))
    return A / r, sp.Matrix([r]), sp.Matrix([[1]])


def _sp_column(entry):
    import sympy as sp

    return sp.Matrix([entry])


def _sp_eye(n):
    import sympy as sp

    return sp.eye(n)


def _sp_diag(v):
    import sympy as sp

    return sp.diag(*v)


def _sp_svd_adjoint(U, s, V, Ubar, sbar, Vbar):
    """:func:`_svd_adjoint` in sympy (any size; the gap weights are those of ``s``)."""
    import sympy as sp

    k = len(s)
    F = sp.Matrix(k, k, lambda i, j: 0 if i == j else 1 / (s[j] ** 2 - s[i] ** 2))
    S = sp.diag(*s)
    inner = (
        F.multiply_elementwise(U.T * Ubar - Ubar.T * U) * S
        + sp.diag(*sbar)
        + S * F.multiply_elementwise(V.T * Vbar - Vbar.T * V)
    )
    Sinv = sp.diag(*[1 / x for x in s])
    return U * inner * V.T + (sp.eye(U.rows) - U * U.T) * Ubar * Sinv * V.T


_EXACT_COLUMN = (
    "sympy checks the 2 x 1 case exactly (σ = ||a||, U = a/||a||, V = 1; sympy has no "
    "closed-form SVD beyond tiny sizes)"
)
_SVD_WHERE = r"A = U \operatorname{diag}(\sigma) V^\top"
_ASSUMPTIONS = (
    "A real, tall (m > n) and of full column rank, with distinct singular values "
    "σ_1 > ... > σ_n > 0; A = U diag(σ) V^T its thin SVD (U m x n with orthonormal columns, "
    "V n x n orthogonal). A wide A is handled by transposing. The result does not depend on "
    "the signs of the singular vectors (u_i and v_i flip together). "
)


# -- singular values ------------------------------------------------------------------------


@shaped
def singular_values(A: Arr["m n"]):
    """The singular values ``σ`` of ``A``, in descending order.

    >>> singular_values(np.array([[3.0, 0.0], [0.0, -4.0], [0.0, 0.0]]))
    array([4., 3.])
    """
    return _svd(A)[1]


@shaped_like(singular_values)
def jac_singular_values(A):
    """``∂σ_i / ∂A_pq = U_pi V_qi``: the Jacobian of ``σ``, shape (n, m, n)."""
    U, _, V = _svd(A)
    return np.einsum("pi,qi->ipq", U, V)


def _sp_singular_values(A):
    import sympy as sp

    U, s, V = _sp_svd_column(A)
    m, n = A.shape
    claimed = sp.Array(
        [[[U[p, i] * V[q, i] for q in range(n)] for p in range(m)] for i in range(n)]
    )
    return s, claimed


register(
    Identity(
        id="svd.singular-values",
        title="Jacobian of the singular values",
        formula=r"\frac{\partial \sigma_i}{\partial A_{pq}} = U_{pi} V_{qi}",
        where=(_SVD_WHERE,),
        wrt="A",
        kind="jacobian",
        value=singular_values,
        derivative=jac_singular_values,
        symbolic=_sp_singular_values,
        sample=_sample_tall,
        symbolic_dims=(1,),
        assumptions=_ASSUMPTIONS
        + "In forward mode: dσ = diag(U^T dA V), the diagonal of the rotated perturbation. "
        + _EXACT_COLUMN
        + "; tests/test_svd.py checks the gradient of each σ_i^2 against 2 A w_i w_i^T with "
        "w_i the unit eigenvector of A^T A (numpy.linalg.eigh, no SVD), at sizes 2 to 6.",
        derivation=r"""
Differentiate $A = U\Sigma V^\top$: $dA = dU\,\Sigma V^\top + U\,d\Sigma\,V^\top +
U\Sigma\,dV^\top$. Multiply by $U^\top$ on the left and $V$ on the right:
$U^\top dA\, V = (U^\top dU)\Sigma + d\Sigma + \Sigma\,(dV^\top V)$. From $U^\top U = I$,
$U^\top dU$ is antisymmetric, and so is $dV^\top V$; both have a zero diagonal. The
diagonal of the equation is therefore the forward-mode (JVP) form
$d\Sigma = I \odot (U^\top dA\, V)$, i.e. $d\sigma_i = u_i^\top dA\, v_i$, whose coefficient
of $dA_{pq}$ is $U_{pi}V_{qi}$. The sign freedom of $(u_i, v_i)$ cancels in the product.
""",
        mistakes=(
            Mistake(
                r"V_{pi} U_{qi}",
                lambda A: np.einsum("pi,qi->ipq", _svd(A)[2], _svd(A)[0]),
                "the factors swapped (v_i u_i^T): it does not even have the shape of A when A "
                "is not square, and is the transpose when it is",
            ),
            Mistake(
                r"2\sigma_i U_{pi} V_{qi}",
                lambda A: 2 * _svd(A)[1][:, None, None] * jac_singular_values(A),
                "the derivative of σ_i^2 = λ_i(A^T A), not of σ_i",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \sigma_i}{\partial A_{pq}} = U_{pi} V_{qi}"
            r"\ \text{(a Jacobian: the same 3-index array)}",
        },
        related=("svd.singular-values-adjoint", "svd.spectral-norm", "eigenvalues.largest"),
        sources=(TOWNSEND, MAGNUS, PYTORCH),
        keywords=(
            "derivative of singular values",
            "d sigma / dA",
            "singular value Jacobian",
            "sigma_i(A)",
            "gradient of a singular value",
            "singular value perturbation",
            "u_i v_i^T",
            "svd jvp",
            "dSigma = diag(U^T dA V)",
            "singular values",
        ),
    )
)


@shaped
def adjoint_singular_values(A: Arr["m n"], sigmabar: Arr["n"]):
    """Adjoint of ``A`` in ``σ = svdvals(A)``: ``U diag(σ̄) V^T``."""
    U, _, V = _svd(A)
    return U @ np.diag(sigmabar) @ V.T


def _sample_singular_values_adjoint(rng, n):
    return {**_sample_tall(rng, n), "sigmabar": rng.standard_normal(n)}


def _sp_singular_values_adjoint(A, sigmabar):
    U, s, V = _sp_svd_column(A)
    return s, U * _sp_diag(sigmabar) * V.T


register(
    Identity(
        id="svd.singular-values-adjoint",
        title="Reverse-mode rule of the singular values",
        formula=r"\sigma = \operatorname{svdvals}(A):\quad \bar A = U \operatorname{diag}"
        r"(\bar\sigma)\, V^\top",
        where=(_SVD_WHERE,),
        wrt="A",
        kind="vjp",
        cotangent="sigmabar",
        value=singular_values,
        derivative=adjoint_singular_values,
        symbolic=_sp_singular_values_adjoint,
        sample=_sample_singular_values_adjoint,
        symbolic_dims=(1,),
        assumptions=_ASSUMPTIONS + _EXACT_COLUMN + "; see svd.singular-values for the "
        "independent check through the eigenvectors of A^T A.",
        derivation=r"""
With $d\sigma_i = u_i^\top dA\, v_i$ (svd.singular-values),
$\langle\bar\sigma, d\sigma\rangle = \sum_i \bar\sigma_i\, u_i^\top dA\, v_i =
\operatorname{tr}\big(V\operatorname{diag}(\bar\sigma)U^\top dA\big) =
\langle U\operatorname{diag}(\bar\sigma)V^\top, dA\rangle$. It is the $\bar\Sigma$ term of the
full SVD rule (svd.thin-svd-adjoint) with $\bar U = 0$, $\bar V = 0$.
""",
        mistakes=(
            Mistake(
                r"U \operatorname{diag}(\bar\sigma)\, V",
                lambda A, sigmabar: _svd(A)[0] @ np.diag(sigmabar) @ _svd(A)[2],
                "numpy's svd returns V^T (`vh`), not V; using it as V leaves V transposed",
            ),
            Mistake(
                r"V \operatorname{diag}(\bar\sigma)\, U^\top",
                lambda A, sigmabar: _svd(A)[2] @ np.diag(sigmabar) @ _svd(A)[0].T,
                "the transpose (an n x m matrix): the numerator-layout Jacobian product, "
                "not the adjoint, which has the shape of A",
            ),
        ),
        related=("svd.singular-values", "adjoints.eigenvalues", "svd.thin-svd-adjoint"),
        sources=(TOWNSEND, IONESCU, PYTORCH),
        keywords=(
            "singular values backward",
            "svdvals VJP",
            "singular value adjoint",
            "function of the singular values U f(S) V^T",
            "gradient of a function of the singular values",
            "U diag(sbar) V^T",
        ),
    )
)


# -- norms ----------------------------------------------------------------------------------


@shaped
def spectral_norm(A: Arr["m n"]):
    """The spectral norm ``||A||_2 = σ_1``, the largest singular value.

    >>> float(spectral_norm(np.array([[3.0, 0.0], [0.0, -4.0], [0.0, 0.0]])))
    4.0
    """
    return _svd(A)[1][0]


@shaped_like(spectral_norm)
def grad_spectral_norm(A):
    """Gradient of ``σ_1`` with respect to ``A``: ``u_1 v_1^T``."""
    U, _, V = _svd(A)
    return np.outer(U[:, 0], V[:, 0])


def _singular_vector_derivatives(U, s, V, E, i):
    """``(du_i, dv_i)`` for the direction ``E``: with ``P = U^T E V``,
    ``du_i = Σ_{j≠i} u_j (σ_i P_ji + σ_j P_ij)/(σ_i² - σ_j²) + (I - U U^T) E v_i / σ_i`` and
    ``dv_i = Σ_{j≠i} v_j (σ_j P_ji + σ_i P_ij)/(σ_i² - σ_j²)``."""
    P = U.T @ E @ V
    gaps = s[i] ** 2 - s**2
    gaps[i] = 1.0
    a = (s[i] * P[:, i] + s * P[i, :]) / gaps
    b = (s * P[:, i] + s[i] * P[i, :]) / gaps
    a[i] = b[i] = 0.0
    du = U @ a + (E @ V[:, i] - U @ (U.T @ E @ V[:, i])) / s[i]
    dv = V @ b
    return du, dv


@shaped_like(spectral_norm)
def hessian_spectral_norm(A):
    """Hessian of ``σ_1`` in ``A``: ``d²σ_1 / dA_ij dA_kl``, shape (m, n, m, n)."""
    U, s, V = _svd(A)
    m, n = A.shape
    H = np.zeros((m, n, m, n))
    for p in range(m):
        for q in range(n):
            E = np.zeros((m, n))
            E[p, q] = 1.0
            du, dv = _singular_vector_derivatives(U, s, V, E, 0)
            H[:, :, p, q] = np.outer(du, V[:, 0]) + np.outer(U[:, 0], dv)
    return H


def _sp_spectral_norm(A):
    U, s, V = _sp_svd_column(A)
    return s[0], U * V.T


register(
    Identity(
        id="svd.spectral-norm",
        title="Gradient of the spectral norm (the largest singular value)",
        formula=r"\nabla_A \|A\|_2 = \nabla_A \sigma_1(A) = u_1 v_1^\top",
        where=(_SVD_WHERE,),
        wrt="A",
        kind="gradient",
        value=spectral_norm,
        derivative=grad_spectral_norm,
        symbolic=_sp_spectral_norm,
        sample=_sample_tall,
        symbolic_dims=(1,),
        assumptions=_ASSUMPTIONS
        + "Only σ_1 > σ_2 is needed for the gradient (a repeated largest singular value makes "
        "the norm non-differentiable; its subdifferential is then the convex hull of the "
        "u v^T over unit top singular pairs). "
        + _EXACT_COLUMN
        + ", gradient and Hessian; tests/test_svd.py checks the gradient against the top "
        "eigenvector of A^T A.",
        derivation=r"""
$\|A\|_2 = \sigma_1$, and by svd.singular-values $d\sigma_1 = u_1^\top dA\, v_1 =
\operatorname{tr}(v_1 u_1^\top dA) = \langle u_1 v_1^\top, dA\rangle$. For the Hessian,
differentiate $u_1 v_1^\top$: with $P = U^\top dA\, V$, the singular vectors move by
$du_1 = \sum_{j>1} u_j \frac{\sigma_1 P_{j1} + \sigma_j P_{1j}}{\sigma_1^2 - \sigma_j^2} +
(I - UU^\top)\frac{dA\, v_1}{\sigma_1}$ and
$dv_1 = \sum_{j>1} v_j \frac{\sigma_j P_{j1} + \sigma_1 P_{1j}}{\sigma_1^2 - \sigma_j^2}$
(solve $A v_1 = \sigma_1 u_1$, $A^\top u_1 = \sigma_1 v_1$ to first order in the basis of
singular vectors; the last term is the part of $du_1$ outside the range of $U$).
""",
        hessian=hessian_spectral_norm,
        hessian_formula=r"\nabla_A^2 \sigma_1[E] = du_1\, v_1^\top + u_1\, dv_1^\top",
        mistakes=(
            Mistake(
                r"v_1 u_1^\top",
                lambda A: grad_spectral_norm(A).T,
                "the factors swapped: an n x m matrix, the transpose of the gradient",
            ),
            Mistake(
                r"\frac{A}{\|A\|_F}",
                lambda A: A / np.linalg.norm(A),
                "the gradient of the Frobenius norm, which is not the spectral norm",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \sigma_1}{\partial A} = v_1 u_1^\top",
        },
        related=("svd.singular-values", "svd.nuclear-norm", "eigenvalues.largest"),
        sources=(TOWNSEND, MAGNUS, WATSON, PYTORCH),
        keywords=(
            "gradient of the spectral norm",
            "derivative of the largest singular value",
            "operator norm gradient",
            "||A||_2",
            "sigma_max",
            "u_1 v_1^T",
            "spectral norm Hessian",
            "spectral normalization",
        ),
    )
)


@shaped
def nuclear_norm(A: Arr["m n"]):
    """The nuclear (trace) norm ``||A||_* = Σ σ_i``.

    >>> float(nuclear_norm(np.array([[3.0, 0.0], [0.0, -4.0], [0.0, 0.0]])))
    7.0
    """
    return np.sum(_svd(A)[1])


@shaped_like(nuclear_norm)
def grad_nuclear_norm(A):
    """Gradient of ``||A||_*`` with respect to ``A``: ``U V^T``."""
    U, _, V = _svd(A)
    return U @ V.T


def _polar_factor_derivative(U, s, V, E):
    """``d(U V^T)`` in the direction ``E``: ``U (K ⊘ S) V^T + (I - U U^T) E V Σ^{-1} V^T`` with
    ``K = U^T E V - V^T E^T U`` and ``S_ij = σ_i + σ_j``."""
    K = U.T @ E @ V
    K = K - K.T
    inside = U @ (K / (s[:, None] + s[None, :])) @ V.T
    return inside + (E - U @ (U.T @ E)) @ (V / s) @ V.T


@shaped_like(nuclear_norm)
def hessian_nuclear_norm(A):
    """Hessian of ``||A||_*`` in ``A``: ``d²||A||_* / dA_ij dA_kl``, shape (m, n, m, n)."""
    U, s, V = _svd(A)
    m, n = A.shape
    H = np.zeros((m, n, m, n))
    for p in range(m):
        for q in range(n):
            E = np.zeros((m, n))
            E[p, q] = 1.0
            H[:, :, p, q] = _polar_factor_derivative(U, s, V, E)
    return H


def _sp_nuclear_norm(A):
    U, s, V = _sp_svd_column(A)
    return sum(s), U * V.T


register(
    Identity(
        id="svd.nuclear-norm",
        title="Gradient of the nuclear norm",
        formula=r"\nabla_A \|A\|_* = \nabla_A \sum_i \sigma_i(A) = U V^\top",
        where=(_SVD_WHERE,),
        wrt="A",
        kind="gradient",
        value=nuclear_norm,
        derivative=grad_nuclear_norm,
        symbolic=_sp_nuclear_norm,
        sample=_sample_tall,
        symbolic_dims=(1,),
        assumptions=_ASSUMPTIONS
        + "Full rank is what the gradient needs (distinct singular values are not: U V^T "
        "is the polar factor A (A^T A)^{-1/2}, smooth wherever A has full rank). At a "
        "rank-deficient A of rank r the norm is not differentiable; its subdifferential is "
        "{U_r V_r^T + W : U_r^T W = 0, W V_r = 0, ||W||_2 <= 1} (Watson 1992), with U_r, V_r "
        "the singular vectors of the non-zero singular values. "
        + _EXACT_COLUMN
        + ", gradient and Hessian; tests/test_svd.py compares U V^T with the polar factor "
        "A (A^T A)^{-1/2} computed by numpy.linalg.eigh. The Hessian needs full rank only "
        "too: its weights 1/(σ_i + σ_j) never divide by a gap.",
        derivation=r"""
Sum $d\sigma_i = u_i^\top dA\, v_i$ over $i$: $d\|A\|_* = \sum_i \operatorname{tr}(v_i
u_i^\top dA) = \operatorname{tr}(V U^\top dA) = \langle UV^\top, dA\rangle$. Each $u_i
v_i^\top$ is sign-free, and so is the sum; it is also the orthogonal polar factor
$A(A^\top A)^{-1/2}$, which shows that the gradient needs full rank only.

The Hessian is the derivative of $UV^\top$. With $P = U^\top E\,V$ and the rotations
$U^\top dU = F\odot(P\Sigma + \Sigma P^\top)$, $V^\top dV = F\odot(\Sigma P + P^\top\Sigma)$
of svd.thin-svd-adjoint, their difference is $F\odot(K\Sigma - \Sigma K)$ with $K = P -
P^\top$, whose $(i, j)$ entry is $K_{ij}(\sigma_j - \sigma_i)/(\sigma_j^2 - \sigma_i^2) =
K_{ij}/(\sigma_i + \sigma_j)$: the gaps cancel. Adding the part of $dU$ outside the range of
$U$ gives $d(UV^\top) = U(K\oslash S)V^\top + (I - UU^\top)E\,V\Sigma^{-1}V^\top$.
""",
        hessian=hessian_nuclear_norm,
        hessian_formula=r"\nabla_A^2 \|A\|_*[E] = U (K \oslash S) V^\top + (I - U U^\top)\,E\, V"
        r" \Sigma^{-1} V^\top,\quad K = U^\top E V - V^\top E^\top U,\ S_{ij} = \sigma_i + "
        r"\sigma_j",
        mistakes=(
            Mistake(
                r"U V",
                lambda A: _svd(A)[0] @ _svd(A)[2],
                "numpy's svd returns V^T (`vh`); using it as V gives U V^T's wrong cousin U V",
            ),
            Mistake(
                r"\frac{A}{\|A\|_F}",
                lambda A: A / np.linalg.norm(A),
                "the gradient of the Frobenius norm: the two norms agree only for rank one",
            ),
        ),
        conventions={"numerator": r"\frac{\partial \|A\|_*}{\partial A} = V U^\top"},
        related=("svd.spectral-norm", "svd.ky-fan-norm", "svd.schatten-norm", "norms.frobenius"),
        sources=(WATSON, TOWNSEND, IONESCU, PYTORCH),
        keywords=(
            "gradient of the nuclear norm",
            "nuclear norm subgradient",
            "trace norm gradient",
            "||A||_*",
            "sum of singular values",
            "U V^T",
            "polar factor",
            "matrix completion",
        ),
    )
)


@shaped
def nuclear_norm_product(X: Arr["m k"], A: Arr["k n"]):
    """The nuclear norm of a product, ``||X A||_*``.

    >>> X = np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    >>> float(nuclear_norm_product(X, np.array([[3.0], [0.0]])))
    3.0
    """
    return np.sum(_svd(X @ A)[1])


@shaped_like(nuclear_norm_product)
def grad_nuclear_norm_product(X, A):
    """Gradient of ``||X A||_*`` with respect to ``X``: ``U V^T A^T``, ``X A = U Σ V^T``."""
    U, _, V = _svd(X @ A)
    return U @ V.T @ A.T


@shaped_like(nuclear_norm_product)
def hessian_nuclear_norm_product(X, A):
    """Hessian of ``||X A||_*`` in ``X``, shape (m, k, m, k): the polar factor's derivative
    along ``E A``, times ``A^T``."""
    U, s, V = _svd(X @ A)
    m, k = X.shape
    H = np.zeros((m, k, m, k))
    for p in range(m):
        for q in range(k):
            E = np.zeros((m, k))
            E[p, q] = 1.0
            H[:, :, p, q] = _polar_factor_derivative(U, s, V, E @ A) @ A.T
    return H


def _sample_product(rng, n):
    """``X`` (n + 2) x (n + 1) and ``A`` (n + 1) x n, both of full column rank (singular values
    near 1 ... n + 1, gaps of 1/2): ``X A`` is tall and of full column rank. At n = 1, ``X A``
    is a single column, whose SVD sympy has."""
    return {"X": _tall(rng, n + 2, n + 1), "A": _tall(rng, n + 1, n)}


def _sp_nuclear_norm_product(X, A):
    U, s, V = _sp_svd_column(X * A)
    return sum(s), U * V.T * A.T


register(
    Identity(
        id="svd.nuclear-norm-product",
        title="Gradient of the nuclear norm of a product X A with respect to X",
        formula=r"\nabla_X \|X A\|_* = U V^\top A^\top",
        where=(r"Y = X A", r"Y = U \operatorname{diag}(\sigma) V^\top"),
        wrt="X",
        kind="gradient",
        value=nuclear_norm_product,
        derivative=grad_nuclear_norm_product,
        symbolic=_sp_nuclear_norm_product,
        sample=_sample_product,
        symbolic_dims=(1,),
        assumptions="X real m x k and A real k x n with X A tall (m > n) and of full column "
        "rank n; X A = U diag(σ) V^T its thin SVD. Full rank is all the gradient needs (U V^T "
        "is the polar factor of X A); at a rank-deficient X A the norm is not differentiable "
        "and U_r V_r^T A^T + W A^T, with W as in svd.nuclear-norm, gives its subgradients. "
        + _EXACT_COLUMN.replace("of a", "of X A, a")
        + ", gradient and Hessian.",
        derivation=r"""
The chain rule through $Y = XA$, whose differential is $dY = dX\,A$, and the gradient
$UV^\top$ of the nuclear norm at $Y$ (svd.nuclear-norm):
$d\|XA\|_* = \langle UV^\top, dX\,A\rangle = \operatorname{tr}(V U^\top dX\,A) =
\operatorname{tr}(A V U^\top dX) = \langle U V^\top A^\top, dX\rangle.$ The factor $A$ moves
to the right of $UV^\top$, transposed.

The Hessian along $E$ is the derivative of $UV^\top$ (the Hessian of svd.nuclear-norm)
along $dY = E A$, times $A^\top$.
""",
        hessian=hessian_nuclear_norm_product,
        hessian_formula=r"\nabla_X^2 \|X A\|_*[E] = \big(U (K \oslash S) V^\top + (I - U U^\top)"
        r"\,E A\, V \Sigma^{-1} V^\top\big) A^\top,\quad K = U^\top E A V - V^\top A^\top E^\top U,"
        r"\ S_{ij} = \sigma_i + \sigma_j",
        mistakes=(
            Mistake(
                r"U V A^\top",
                lambda X, A: _svd(X @ A)[0] @ _svd(X @ A)[2] @ A.T,
                "numpy's svd returns V^T (`vh`); using it as V gives U V A^T",
            ),
            Mistake(
                r"\frac{X A}{\|X A\|_F} A^\top",
                lambda X, A: X @ A @ A.T / np.linalg.norm(X @ A),
                "the chain rule applied to the Frobenius norm's gradient instead: the two "
                "norms agree only where X A has rank one",
            ),
        ),
        conventions={"numerator": r"\frac{\partial \|X A\|_*}{\partial X} = A V U^\top"},
        related=("svd.nuclear-norm", "svd.spectral-norm", "rules.chain"),
        sources=(WATSON, TOWNSEND),
        keywords=(
            "gradient of the nuclear norm of a product",
            "derivative of ||XA||_* with respect to X",
            "nuclear norm of X A",
            "trace norm of a product gradient",
            "nuclear norm chain rule",
            "U V^T A^T",
        ),
    )
)


@shaped
def log_singular_values(A: Arr["m n"]):
    """The sum of the logarithms of the singular values, ``Σ ln σ_i = ½ ln det(A^T A)``.

    >>> float(log_singular_values(np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])))
    0.0
    """
    return np.sum(np.log(_svd(A)[1]))


@shaped_like(log_singular_values)
def grad_log_singular_values(A):
    """Gradient of ``Σ ln σ_i``: ``U Σ^{-1} V^T``, which is ``A (A^T A)^{-1} = (A^+)^T``."""
    U, s, V = _svd(A)
    return U @ np.diag(1.0 / s) @ V.T


def _sp_log_singular_values(A):
    import sympy as sp

    G = A.T * A
    return sp.log(G.det()) / 2, A * G.inv()


register(
    Identity(
        id="svd.log-singular-values",
        title="Gradient of the sum of the log singular values",
        formula=r"\nabla_A \sum_i \ln \sigma_i(A) = U \operatorname{diag}(\sigma)^{-1} V^\top"
        r" = A (A^\top A)^{-1}",
        where=(_SVD_WHERE,),
        wrt="A",
        kind="gradient",
        value=log_singular_values,
        derivative=grad_log_singular_values,
        symbolic=_sp_log_singular_values,
        sample=_sample_tall,
        symbolic_dims=(1, 2),  # 2 x 1 and 3 x 2 exactly; 4 x 3 takes several CPU seconds
        assumptions="A real, tall (m > n), of full column rank (distinct singular values are "
        "not needed). Exact: Σ ln σ_i = ½ ln det(A^T A), so sympy differentiates "
        "½ ln det(A^T A) with no SVD, at 2 x 1 and 3 x 2; the numerical check differentiates "
        "the SVD itself. For a square A it is ln |det A|, with gradient A^{-T}.",
        derivation=r"""
$\sum_i d\ln\sigma_i = \sum_i \sigma_i^{-1} u_i^\top dA\, v_i =
\langle U\Sigma^{-1}V^\top, dA\rangle$. Independently, $\prod_i \sigma_i^2 =
\det(A^\top A)$, and Jacobi's formula gives $d\,\tfrac12\ln\det(A^\top A) =
\tfrac12\operatorname{tr}\big((A^\top A)^{-1}(dA^\top A + A^\top dA)\big) =
\langle A(A^\top A)^{-1}, dA\rangle$; indeed $A(A^\top A)^{-1} =
U\Sigma V^\top V\Sigma^{-2}V^\top = U\Sigma^{-1}V^\top$, the transpose of the
pseudo-inverse $A^+ = V\Sigma^{-1}U^\top$.
""",
        mistakes=(
            Mistake(
                r"2 A (A^\top A)^{-1}",
                lambda A: 2 * grad_log_singular_values(A),
                "the gradient of ln det(A^T A) = 2 Σ ln σ_i: the factor ½ forgotten",
            ),
            Mistake(
                r"A^{+}",
                lambda A: np.linalg.pinv(A),
                "the pseudo-inverse itself, n x m: the transpose of the gradient",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \sum_i \ln\sigma_i}{\partial A} = A^+"
            r" = (A^\top A)^{-1} A^\top",
        },
        related=("determinants.logdet-gram", "svd.nuclear-norm", "leastsquares.pinv-backward"),
        sources=(
            f"{MAGNUS}; and Jacobi's formula for ln det(A^T A)",
            TOWNSEND,
        ),
        keywords=(
            "gradient of the log singular values",
            "sum log sigma",
            "log pseudo-determinant",
            "ln det(A^T A)",
            "log volume",
            "pseudo-inverse transpose",
        ),
    )
)


@shaped
def smallest_singular_value(A: Arr["m n"]):
    """The smallest singular value ``σ_n`` of a tall ``A`` (its distance to rank deficiency).

    >>> float(smallest_singular_value(np.array([[3.0, 0.0], [0.0, -4.0], [0.0, 0.0]])))
    3.0
    """
    return _svd(A)[1][-1]


@shaped_like(smallest_singular_value)
def grad_smallest_singular_value(A):
    """Gradient of ``σ_n`` with respect to ``A``: ``u_n v_n^T``."""
    U, _, V = _svd(A)
    return np.outer(U[:, -1], V[:, -1])


register(
    Identity(
        id="svd.smallest-singular-value",
        title="Gradient of the smallest singular value",
        formula=r"\nabla_A \sigma_n(A) = u_n v_n^\top",
        where=(_SVD_WHERE,),
        wrt="A",
        kind="gradient",
        value=smallest_singular_value,
        derivative=grad_smallest_singular_value,
        symbolic=_sp_spectral_norm,  # one singular value at 2 x 1: σ_n = σ_1 = ||a||
        sample=_sample_tall,
        symbolic_dims=(1,),
        assumptions=_ASSUMPTIONS
        + "Only σ_{n-1} > σ_n > 0 is needed. σ_n is the distance (in the spectral norm) from "
        "A to the nearest matrix of lower rank, and 1/σ_n = ||A^+||_2. "
        + _EXACT_COLUMN
        + "; tests/test_svd.py checks it against the eigenvector of the smallest eigenvalue "
        "of A^T A.",
        derivation=r"""
By svd.singular-values, $d\sigma_i = u_i^\top dA\, v_i$ for each simple singular value;
for the last one, $d\sigma_n = \langle u_n v_n^\top, dA\rangle$. The pair $(u_n, v_n)$ is
the last column of $U$ and of $V$ in numpy's descending order (the first in
`numpy.linalg.eigh`'s ascending order of $A^\top A$).
""",
        mistakes=(
            Mistake(
                r"u_1 v_1^\top",
                lambda A: grad_spectral_norm(A),
                "the first singular pair: numpy's svd sorts σ descending, eigh sorts "
                "eigenvalues ascending, and code ported from one to the other takes the wrong end",
            ),
            Mistake(
                r"v_n u_n^\top",
                lambda A: grad_smallest_singular_value(A).T,
                "the factors swapped: n x m, the transpose of the gradient",
            ),
        ),
        conventions={"numerator": r"\frac{\partial \sigma_n}{\partial A} = v_n u_n^\top"},
        related=("svd.spectral-norm", "svd.singular-values", "eigenvalues.smallest"),
        sources=(TOWNSEND, MAGNUS, PYTORCH),
        keywords=(
            "gradient of the smallest singular value",
            "sigma_min",
            "derivative of the minimum singular value",
            "distance to singularity",
            "u_n v_n^T",
        ),
    )
)


@shaped
def schatten_norm(A: Arr["m n"], p: int = 3):
    """The Schatten p-norm ``||A||_{S_p} = (Σ σ_i^p)^{1/p}`` (p = 3 by default).

    >>> round(float(schatten_norm(np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))), 12)
    1.259921049895
    """
    return np.sum(_svd(A)[1] ** p) ** (1.0 / p)


@shaped_like(schatten_norm)
def grad_schatten_norm(A, p=3):
    """Gradient of ``||A||_{S_p}``: ``||A||_{S_p}^{1-p} U diag(σ)^{p-1} V^T``."""
    U, s, V = _svd(A)
    N = np.sum(s**p) ** (1.0 / p)
    return N ** (1 - p) * (U * s ** (p - 1)) @ V.T


def _sp_schatten_norm(A):
    U, s, V = _sp_svd_column(A)
    N = sum(x**3 for x in s) ** (_sp_rational(1, 3))
    return N, N ** (1 - 3) * U * _sp_diag([x**2 for x in s]) * V.T


def _sp_rational(a, b):
    import sympy as sp

    return sp.Rational(a, b)


register(
    Identity(
        id="svd.schatten-norm",
        title="Gradient of the Schatten p-norm",
        formula=r"\nabla_A \|A\|_{S_p} = N^{1-p}\, U \operatorname{diag}(\sigma)^{p-1} V^\top",
        where=(_SVD_WHERE, r"N = \big(\sum_i \sigma_i^p\big)^{1/p}"),
        wrt="A",
        kind="gradient",
        value=schatten_norm,
        derivative=grad_schatten_norm,
        symbolic=_sp_schatten_norm,
        sample=_sample_tall,
        symbolic_dims=(1,),
        assumptions=_ASSUMPTIONS
        + "Checked at p = 3; the formula holds for every p > 1 (p = 2: the Frobenius norm, "
        "with gradient A/||A||_F; p -> infinity: the spectral norm; p = 1: the nuclear norm). "
        "Full rank suffices for p > 1 (σ_i^{p-1} U diag V^T is a smooth function of A^T A "
        "then), distinct singular values are not needed. " + _EXACT_COLUMN + ".",
        derivation=r"""
With $d\sigma_i = u_i^\top dA\, v_i$, $d\sum_i\sigma_i^p = p\sum_i \sigma_i^{p-1}u_i^\top
dA\,v_i = p\,\langle U\operatorname{diag}(\sigma)^{p-1}V^\top, dA\rangle$. The chain rule
through $t \mapsto t^{1/p}$ multiplies by $\tfrac1p\,(\sum_i\sigma_i^p)^{1/p - 1} =
\tfrac1p N^{1-p}$, and the factors $p$ cancel.
""",
        mistakes=(
            Mistake(
                r"U \operatorname{diag}(\sigma)^{p-1} V^\top",
                lambda A, p=3: (_svd(A)[0] * _svd(A)[1] ** (p - 1)) @ _svd(A)[2].T,
                "the gradient of Σ σ_i^p / p: the chain rule through the p-th root forgotten",
            ),
            Mistake(
                r"p N^{1-p}\, U \operatorname{diag}(\sigma)^{p-1} V^\top",
                lambda A, p=3: p * grad_schatten_norm(A, p),
                "the factor p of d σ^p kept, without the 1/p of the root",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \|A\|_{S_p}}{\partial A} = N^{1-p}\, V "
            r"\operatorname{diag}(\sigma)^{p-1} U^\top"
        },
        related=("svd.nuclear-norm", "svd.spectral-norm", "norms.frobenius"),
        sources=(WATSON, TOWNSEND, MAGNUS),
        keywords=(
            "gradient of the Schatten norm",
            "Schatten p-norm",
            "||A||_{S_p}",
            "sum of powers of singular values",
            "trace of (A^T A)^{p/2}",
        ),
    )
)


def _leading(k, n):
    """``min(k, n)``: how many singular values a k-term statement keeps of n."""
    return min(int(k), n)


@shaped
def ky_fan_norm(A: Arr["m n"], k: int = 2):
    """The Ky Fan k-norm: the sum of the ``k`` largest singular values (of all if n < k).

    >>> float(ky_fan_norm(np.vstack([np.diag([5.0, 3.0, 1.0]), np.zeros((1, 3))])))
    8.0
    """
    s = _svd(A)[1]
    return np.sum(s[: _leading(k, s.size)])


@shaped_like(ky_fan_norm)
def grad_ky_fan_norm(A, k=2):
    """Gradient of the Ky Fan k-norm: ``U_k V_k^T``, the leading k singular pairs."""
    U, s, V = _svd(A)
    k = _leading(k, s.size)
    return U[:, :k] @ V[:, :k].T


def _sp_ky_fan_norm(A):
    U, s, V = _sp_svd_column(A)  # one singular value: k = 2 keeps it
    return s[0], U * V.T


register(
    Identity(
        id="svd.ky-fan-norm",
        title="Gradient of the Ky Fan k-norm (the sum of the k largest singular values)",
        formula=r"\nabla_A \sum_{i=1}^{k} \sigma_i(A) = U_k V_k^\top",
        where=(_SVD_WHERE,),
        wrt="A",
        kind="gradient",
        value=ky_fan_norm,
        derivative=grad_ky_fan_norm,
        symbolic=_sp_ky_fan_norm,
        sample=_sample_tall,
        symbolic_dims=(1,),
        assumptions=_ASSUMPTIONS
        + "U_k, V_k: the first k columns of U and V. Only the gap σ_k > σ_{k+1} is needed "
        "(the sum is a smooth function of the dominant subspaces, whatever happens inside "
        "them). Checked at k = 2; with fewer than k columns (n = 1, 2 in the samples) the "
        "sum runs over all of them and this is the nuclear norm. k = 1 is the spectral norm, "
        "k = n the nuclear norm. "
        + _EXACT_COLUMN
        + "; the numerical check at n = 3, 5, 8 keeps 2 singular values and drops the rest.",
        derivation=r"""
Sum $d\sigma_i = u_i^\top dA\, v_i$ over $i \le k$: $d\sum_{i\le k}\sigma_i = \operatorname{tr}
(V_kU_k^\top dA) = \langle U_kV_k^\top, dA\rangle$. Rotating the leading pairs among themselves
(a repeated singular value inside the top k) leaves $U_kV_k^\top$ unchanged, which is why only
the gap at $k$ matters.
""",
        mistakes=(
            Mistake(
                r"U V^\top",
                lambda A, k=2: grad_nuclear_norm(A),
                "every singular pair: the nuclear norm's gradient, not the top-k sum's",
            ),
            Mistake(
                r"U_k \Sigma_k V_k^\top",
                lambda A, k=2: (lambda U, s, V: (U[:, :k] * s[:k]) @ V[:, :k].T)(*_svd(A)),
                "the rank-k approximation A_k, which is the gradient of ½ Σ_{i≤k} σ_i^2, "
                "not of Σ_{i≤k} σ_i",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \sum_{i\le k}\sigma_i}{\partial A} = V_k U_k^\top"
        },
        related=("svd.nuclear-norm", "svd.spectral-norm", "svd.truncated-svd-adjoint"),
        sources=(WATSON, TOWNSEND, MAGNUS),
        keywords=(
            "gradient of the Ky Fan norm",
            "Ky Fan k-norm",
            "sum of the k largest singular values",
            "top-k singular values",
            "U_k V_k^T",
        ),
    )
)


# -- the thin SVD's reverse rule, through gauge-invariant outputs ---------------------------


@shaped
def svd_recombination(A: Arr["m n"], c: Arr["n"]):
    """``C = U diag(c) V^T``: the singular vectors of ``A`` recombined with new weights ``c``.

    It does not depend on the signs of the singular vectors, and ``c = σ`` gives back ``A``.

    >>> svd_recombination(np.array([[2.0, 0.0], [0.0, -1.0], [0.0, 0.0]]), np.ones(2))
    array([[ 1.,  0.],
           [ 0., -1.],
           [ 0.,  0.]])
    """
    U, _, V = _svd(A)
    return (U * c) @ V.T


@shaped
def adjoint_svd_recombination(A: Arr["m n"], c: Arr["n"], Cbar: Arr["m n"]):
    """Adjoint of ``A`` in ``C = U diag(c) V^T``: the thin-SVD rule at ``Ū = C̄ V diag(c)``,
    ``σ̄ = 0``, ``V̄ = C̄^T U diag(c)``."""
    U, s, V = _svd(A)
    return _svd_adjoint(U, s, V, (Cbar @ V) * c, np.zeros_like(s), (Cbar.T @ U) * c)


def _sample_recombination(rng, n):
    A = _tall(rng, n + 1, n)
    return {"A": A, "c": rng.standard_normal(n), "Cbar": rng.standard_normal(A.shape)}


def _sp_recombination(A, c, Cbar):
    U, s, V = _sp_svd_column(A)
    D = _sp_diag(c)
    Ubar, Vbar = Cbar * V * D, Cbar.T * U * D
    return U * D * V.T, _sp_svd_adjoint(U, s, V, Ubar, [0] * len(s), Vbar)


def _recombination_variant(A, c, Cbar, **mistake):
    U, s, V = _svd(A)
    return _svd_adjoint(U, s, V, (Cbar @ V) * c, np.zeros_like(s), (Cbar.T @ U) * c, **mistake)


def _recombination_sides_swapped(A, c, Cbar):
    """The rule with Σ on the wrong side of each gap term."""
    U, s, V = _svd(A)
    Ubar, Vbar = (Cbar @ V) * c, (Cbar.T @ U) * c
    F, S = _gap_weights(s), np.diag(s)
    inner = S @ (F * (U.T @ Ubar - Ubar.T @ U)) + (F * (V.T @ Vbar - Vbar.T @ V)) @ S
    complement = (np.eye(U.shape[0]) - U @ U.T) @ Ubar @ np.diag(1.0 / s) @ V.T
    return U @ inner @ V.T + complement


def _rule_latex(F="F", swapped=False, complement=True):
    """The thin-SVD rule in LaTeX; the arguments write the listed mistakes."""
    u_term = rf"({F} \odot (U^\top \bar U - \bar U^\top U))"
    v_term = rf"({F} \odot (V^\top \bar V - \bar V^\top V))"
    if swapped:
        inner = rf"\Sigma\,{u_term} + \operatorname{{diag}}(\bar\sigma) + {v_term}\,\Sigma"
    else:
        inner = rf"{u_term}\,\Sigma + \operatorname{{diag}}(\bar\sigma) + \Sigma\,{v_term}"
    rule = rf"U\big[{inner}\big] V^\top"
    if complement:
        rule += r" + (I - U U^\top)\,\bar U\, \Sigma^{-1} V^\top"
    return rule


_SVD_RULE = r"\bar A = " + _rule_latex()
_GAPS = r"F_{ij} = \frac{1}{\sigma_j^2 - \sigma_i^2}\ (i \ne j),\ F_{ii} = 0"
_RULE_DERIVATION = r"""
From $dA = dU\,\Sigma V^\top + U\,d\Sigma\,V^\top + U\Sigma\,dV^\top$, with $P = U^\top dA\,
V$: $P = \Omega_U\Sigma + d\Sigma - \Sigma\Omega_V$, where $\Omega_U = U^\top dU$ and
$\Omega_V = V^\top dV$ are antisymmetric. The diagonal gives $d\sigma_i = P_{ii}$; the
off-diagonal pairs $(i,j)$, $(j,i)$ give two equations whose solution is
$\Omega_U = F \odot (P\Sigma + \Sigma P^\top)$, $\Omega_V = F \odot (\Sigma P + P^\top\Sigma)$,
$F_{ij} = 1/(\sigma_j^2 - \sigma_i^2)$. For a tall $A$, $dU$ also leaves the range of $U$:
$(I - UU^\top)\,dU = (I - UU^\top)\,dA\,V\Sigma^{-1}$ (from $(I - UU^\top)\,A = 0$). So
$dU = U\Omega_U + (I - UU^\top)dA\,V\Sigma^{-1}$, $dV = V\Omega_V$ ($V$ square). Collect
$\langle\bar U, dU\rangle + \langle\bar\sigma, d\sigma\rangle + \langle\bar V, dV\rangle$ as
$\langle \bar A, dA\rangle$, using that $F$ is antisymmetric and
$\langle X, F\odot Y\rangle = \langle F \odot X, Y\rangle$: the $\bar U$ and $\bar V$ terms
enter only through the antisymmetric parts $U^\top\bar U - \bar U^\top U$ and
$V^\top\bar V - \bar V^\top V$, which do not change when a pair $(u_i, v_i)$ flips sign
together with its upstream gradients, as it does for a gauge-invariant output.
"""

register(
    Identity(
        id="svd.thin-svd-adjoint",
        title="Reverse-mode rule of the thin SVD of a tall matrix",
        formula=r"C = U \operatorname{diag}(c)\, V^\top:\quad " + _SVD_RULE,
        where=(
            _SVD_WHERE,
            r"\bar U = \bar C V \operatorname{diag}(c)",
            r"\bar V = \bar C^\top U \operatorname{diag}(c)",
            r"\bar\sigma = 0",
            _GAPS,
        ),
        wrt="A",
        kind="vjp",
        cotangent="Cbar",
        value=svd_recombination,
        derivative=adjoint_svd_recombination,
        symbolic=_sp_recombination,
        sample=_sample_recombination,
        symbolic_dims=(1,),
        assumptions=_ASSUMPTIONS
        + "The rule is stated for any upstream gradients (Ū, σ̄, V̄) of the factors, as "
        "autodiff systems apply it; it is verified here through the gauge-invariant output "
        "C = U diag(c) V^T, whose upstream gradients are Ū = C̄ V diag(c), V̄ = C̄^T U diag(c) "
        "(and σ̄ = 0; the σ̄ term alone is svd.singular-values-adjoint). A loss that depends on "
        "the signs of the singular vectors has no derivative. A wide A adds the mirror term "
        "U Σ^{-1} V̄^T (I - V V^T). "
        + _EXACT_COLUMN
        + ": there F is empty and the complement term (I - U U^T) Ū Σ^{-1} V^T is the whole "
        "adjoint, so the exact check tests that term; tests/test_svd.py checks the rule for "
        "arbitrary (gauge-dependent) Ū, σ̄, V̄ against the forward-mode derivative of "
        "sign-fixed factors, at sizes 2 to 6.",
        derivation=_RULE_DERIVATION,
        mistakes=(
            Mistake(
                _rule_latex(complement=False),
                lambda A, c, Cbar: _recombination_variant(A, c, Cbar, complement=False),
                "the square-matrix rule carried over to a tall A: the part of dU outside the "
                "range of U, (I - U U^T) dA V Σ^{-1}, is lost",
            ),
            Mistake(
                _rule_latex(F=r"F^\top"),
                lambda A, c, Cbar: _recombination_variant(A, c, Cbar, transpose_gaps=True),
                "the gaps taken as σ_i^2 - σ_j^2: every singular-vector term changes sign",
            ),
            Mistake(
                _rule_latex(swapped=True),
                _recombination_sides_swapped,
                "Σ multiplied on the wrong side: the U term is (F ∘ ...) Σ and the V term "
                "Σ (F ∘ ...), because dA = dU Σ V^T + ... + U Σ dV^T",
            ),
        ),
        related=(
            "svd.singular-values-adjoint",
            "svd.projector-adjoint",
            "svd.truncated-svd-adjoint",
            "adjoints.eigh",
        ),
        sources=(TOWNSEND, IONESCU, PYTORCH),
        keywords=(
            "svd backward",
            "svd VJP",
            "SVD adjoint",
            "reverse-mode SVD",
            "derivative of singular vectors",
            "thin SVD gradient",
            "(I - UU^T) term",
            "svd_backward",
            "gauge invariance",
        ),
    )
)


@shaped
def left_spectral_projector(A: Arr["m n"], c: Arr["n"]):
    """``C = U diag(c) U^T``: the left singular vectors' projectors ``u_i u_i^T``, weighted.

    With ``c = (1, ..., 1, 0, ..., 0)`` (k ones) it is the projector onto the span of the
    leading k left singular vectors (the PCA subspace of the columns).

    >>> left_spectral_projector(np.array([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]]), np.array([1.0, 0.0]))
    array([[1., 0., 0.],
           [0., 0., 0.],
           [0., 0., 0.]])
    """
    U = _svd(A)[0]
    return (U * c) @ U.T


@shaped
def adjoint_left_spectral_projector(A: Arr["m n"], c: Arr["n"], Cbar: Arr["m m"]):
    """Adjoint of ``A`` in ``C = U diag(c) U^T``: the thin-SVD rule at
    ``Ū = (C̄ + C̄^T) U diag(c)``, ``σ̄ = 0``, ``V̄ = 0``."""
    U, s, V = _svd(A)
    Ubar = ((Cbar + Cbar.T) @ U) * c
    return _svd_adjoint(U, s, V, Ubar, np.zeros_like(s), np.zeros_like(V))


def _sample_projector(rng, n):
    A = _tall(rng, n + 1, n)
    return {"A": A, "c": rng.standard_normal(n), "Cbar": rng.standard_normal((n + 1, n + 1))}


def _sp_projector(A, c, Cbar):
    U, s, V = _sp_svd_column(A)
    D = _sp_diag(c)
    Ubar = (Cbar + Cbar.T) * U * D
    return U * D * U.T, _sp_svd_adjoint(U, s, V, Ubar, [0] * len(s), V * 0)


register(
    Identity(
        id="svd.projector-adjoint",
        title="Reverse-mode rule of the left singular projectors U diag(c) U^T",
        formula=r"C = U \operatorname{diag}(c)\, U^\top:\quad \bar A = U\big[(F \odot "
        r"(U^\top \bar U - \bar U^\top U))\,\Sigma\big] V^\top + (I - U U^\top)\,\bar U\,"
        r"\Sigma^{-1} V^\top",
        where=(_SVD_WHERE, r"\bar U = (\bar C + \bar C^\top)\, U \operatorname{diag}(c)", _GAPS),
        wrt="A",
        kind="vjp",
        cotangent="Cbar",
        value=left_spectral_projector,
        derivative=adjoint_left_spectral_projector,
        symbolic=_sp_projector,
        sample=_sample_projector,
        symbolic_dims=(1,),
        assumptions=_ASSUMPTIONS
        + "Each u_i u_i^T is sign-free, so C is a gauge-invariant function of U alone; with "
        "c = (1, ..., 1, 0, ..., 0) it is the projector onto the leading left singular "
        "subspace (only the gap after the k-th singular value is then needed). "
        + _EXACT_COLUMN
        + ": the projector a a^T / ||a||^2, whose adjoint is the complement term alone.",
        derivation=r"""
$dC = dU\operatorname{diag}(c)U^\top + U\operatorname{diag}(c)\,dU^\top$, so
$\langle\bar C, dC\rangle = \langle(\bar C + \bar C^\top)U\operatorname{diag}(c), dU\rangle$:
$\bar U = (\bar C + \bar C^\top)U\operatorname{diag}(c)$, and $V$, $\sigma$ receive nothing.
The thin-SVD rule (svd.thin-svd-adjoint) with $\bar\sigma = 0$, $\bar V = 0$ gives the rest.
The complement term is what moves the subspace out of itself: it is the whole answer when
$n = 1$.
""",
        mistakes=(
            Mistake(
                r"U\big[(F \odot (U^\top \bar C U \operatorname{diag}(c) - \operatorname{diag}"
                r"(c) U^\top \bar C^\top U))\,\Sigma\big] V^\top + (I - U U^\top)\,\bar C U "
                r"\operatorname{diag}(c)\, \Sigma^{-1} V^\top",
                lambda A, c, Cbar: (
                    lambda U, s, V: _svd_adjoint(
                        U, s, V, (Cbar @ U) * c, np.zeros_like(s), np.zeros_like(V)
                    )
                )(*_svd(A)),
                "U appears twice in U diag(c) U^T; counting it once gives Ū = C̄ U diag(c) "
                "instead of (C̄ + C̄^T) U diag(c)",
            ),
            Mistake(
                r"U\big[(F \odot (U^\top \bar U - \bar U^\top U))\,\Sigma\big] V^\top",
                lambda A, c, Cbar: (
                    lambda U, s, V: _svd_adjoint(
                        U,
                        s,
                        V,
                        ((Cbar + Cbar.T) @ U) * c,
                        np.zeros_like(s),
                        np.zeros_like(V),
                        complement=False,
                    )
                )(*_svd(A)),
                "the complement term dropped: the subspace could then only rotate within "
                "itself, and at n = 1 the adjoint would be zero",
            ),
        ),
        related=("svd.thin-svd-adjoint", "eigenvalues.eigenvector"),
        sources=(TOWNSEND, IONESCU, PYTORCH),
        keywords=(
            "gradient of the singular subspace projector",
            "PCA projector gradient",
            "u_i u_i^T",
            "U U^T backward",
            "left singular vectors gradient",
        ),
    )
)


@shaped
def truncated_svd(A: Arr["m n"], k: int = 2):
    """``A_k = U_k Σ_k V_k^T``, the best rank-k approximation (A itself if n <= k).

    >>> truncated_svd(np.array([[3.0, 0.0], [0.0, 1.0], [0.0, 0.0]]), 1)
    array([[3., 0.],
           [0., 0.],
           [0., 0.]])
    """
    U, s, V = _svd(A)
    k = _leading(k, s.size)
    return (U[:, :k] * s[:k]) @ V[:, :k].T


@shaped
def adjoint_truncated_svd(A: Arr["m n"], Cbar: Arr["m n"], k: int = 2):
    """Adjoint of ``A`` in ``A_k = U_k Σ_k V_k^T``: ``U X V^T + (I - U U^T) C̄ V_k V_k^T``."""
    U, s, V = _svd(A)
    n = s.size
    k = _leading(k, n)
    G = U.T @ Cbar @ V
    X = np.zeros((n, n))
    X[:k, :k] = G[:k, :k]
    for a in range(k):  # a kept, b dropped
        for b in range(k, n):
            gap = s[a] ** 2 - s[b] ** 2
            X[a, b] = s[a] * (s[a] * G[a, b] + s[b] * G[b, a]) / gap
            X[b, a] = s[a] * (s[a] * G[b, a] + s[b] * G[a, b]) / gap
    Vk = V[:, :k]
    return U @ X @ V.T + (Cbar - U @ (U.T @ Cbar)) @ Vk @ Vk.T


def _sample_truncated(rng, n):
    A = _tall(rng, n + 1, n)
    return {"A": A, "Cbar": rng.standard_normal(A.shape)}


def _sp_truncated(A, Cbar):
    U, s, V = _sp_svd_column(A)  # one singular value: k = 2 keeps it, A_k = A
    G = U.T * Cbar * V
    return U * _sp_diag(s) * V.T, U * G * V.T + (_sp_eye(A.rows) - U * U.T) * Cbar * V * V.T


register(
    Identity(
        id="svd.truncated-svd-adjoint",
        title="Reverse-mode rule of the truncated SVD (the best rank-k approximation)",
        formula=r"A_k = U_k \Sigma_k V_k^\top:\quad \bar A = U X V^\top + (I - U U^\top)\,\bar C\,"
        r"V_k V_k^\top",
        where=(
            _SVD_WHERE,
            r"G = U^\top \bar C V",
            r"X_{ab} = G_{ab}\ (a, b \le k),\quad X_{ab} = \frac{\sigma_a(\sigma_a G_{ab} + "
            r"\sigma_b G_{ba})}{\sigma_a^2 - \sigma_b^2},\ X_{ba} = \frac{\sigma_a(\sigma_a "
            r"G_{ba} + \sigma_b G_{ab})}{\sigma_a^2 - \sigma_b^2}\ (a \le k < b),\quad "
            r"X_{ab} = 0\ (a, b > k)",
        ),
        wrt="A",
        kind="vjp",
        cotangent="Cbar",
        value=truncated_svd,
        derivative=adjoint_truncated_svd,
        symbolic=_sp_truncated,
        sample=_sample_truncated,
        symbolic_dims=(1,),
        assumptions=_ASSUMPTIONS
        + "Only the gap σ_k > σ_{k+1} is needed (the weights divide by σ_a^2 - σ_b^2 with a "
        "kept and b dropped only). Checked at k = 2; with n <= k (n = 1, 2 in the samples) "
        "nothing is dropped, A_k = A and the adjoint is C̄. "
        + _EXACT_COLUMN
        + " (there A_k = A); tests/test_svd.py checks the closed form against the general "
        "thin-SVD rule at Ū = C̄ V_k Σ_k, σ̄ = diag(U_k^T C̄ V_k), V̄ = C̄^T U_k Σ_k (zero "
        "beyond k) at sizes 3 to 6; the numerical check at n = 3, 5, 8 drops singular values.",
        derivation=r"""
$dA_k = \sum_{i\le k}(d\sigma_i\,u_iv_i^\top + \sigma_i\,du_i\,v_i^\top +
\sigma_i\,u_i\,dv_i^\top)$. In the basis of singular vectors, with $P = U^\top dA\,V$,
insert the first-order $du_i$, $dv_i$ (svd.thin-svd-adjoint): the kept block of
$U^\top dA_k V$ is $P$'s; for $a \le k < b$ the entries are
$\sigma_a(\sigma_aP_{ab} + \sigma_bP_{ba})/(\sigma_a^2 - \sigma_b^2)$ at $(a, b)$ and
$\sigma_a(\sigma_aP_{ba} + \sigma_bP_{ab})/(\sigma_a^2 - \sigma_b^2)$ at $(b, a)$; the dropped
block is zero; and the part outside the range of $U$ is $(I - UU^\top)\,dA\,V_kV_k^\top$. Each
entry of $P$ appears in the kept-dropped pairs with the weights above, so the adjoint of
$\langle \bar C, dA_k\rangle$ collects them into $X$ with $G = U^\top\bar C V$ in place of $P$.
""",
        mistakes=(
            Mistake(
                r"U_k U_k^\top \bar C\, V_k V_k^\top",
                lambda A, Cbar, k=2: (lambda U, V: U @ U.T @ Cbar @ V @ V.T)(
                    _svd(A)[0][:, : _leading(k, A.shape[1])],
                    _svd(A)[2][:, : _leading(k, A.shape[1])],
                ),
                "A_k = U_k U_k^T A V_k V_k^T differentiated with the projectors held fixed: "
                "the subspaces move with A, which adds the cross terms",
            ),
            Mistake(
                r"\bar C",
                lambda A, Cbar, k=2: Cbar,
                "the straight-through estimator: the truncation treated as the identity",
            ),
        ),
        related=("svd.thin-svd-adjoint", "svd.ky-fan-norm", "svd.projector-adjoint"),
        sources=(TOWNSEND, IONESCU, PYTORCH),
        keywords=(
            "truncated SVD backward",
            "low-rank approximation gradient",
            "rank-k approximation derivative",
            "U_k Sigma_k V_k^T",
            "Eckart-Young",
            "truncated svd VJP",
        ),
    )
)


TOPICS = (
    (
        "singular-values",
        "Singular values",
        (
            "svd.singular-values",
            "svd.singular-values-adjoint",
            "svd.smallest-singular-value",
            "svd.log-singular-values",
        ),
    ),
    (
        "norms",
        "Spectral, nuclear and Schatten norms",
        (
            "svd.spectral-norm",
            "svd.nuclear-norm",
            "svd.nuclear-norm-product",
            "svd.schatten-norm",
            "svd.ky-fan-norm",
        ),
    ),
    (
        "factors-reverse-rules",
        "SVD factors and reverse rules",
        (
            "svd.thin-svd-adjoint",
            "svd.projector-adjoint",
            "svd.truncated-svd-adjoint",
        ),
    ),
)
