"""Matrix functions: powers, the square root, logarithm, fractional powers and exponential.

Each in forward form (the Fréchet derivative ``L_f(A, E)``, stated as the Jacobian of
``A -> f(A)``) or in reverse form (the adjoint ``Ā`` of ``C = f(A)`` for an upstream
gradient ``C̄``), or both.

Three facts carry the family. A Fréchet derivative and its adjoint are related by
``<C̄, L_f(A, E)> = <L_f(A^T, C̄), E>`` for a function with a real power series, so a
reverse rule is the forward rule at ``A^T``. The block-triangular identity
``f([[A, E], [0, A]]) = [[f(A), L_f(A, E)], [0, f(A)]]`` (Higham 2008, ch. 3, Theorem 3.6,
due to Mathias) computes ``L_f`` with one evaluation of ``f`` at twice the size. For
symmetric ``A = U diag(λ) U^T``, the Daleckii-Krein formula
``L_f(A, E) = U (F ∘ U^T E U) U^T`` with the divided differences ``F_ij = f[λ_i, λ_j]``
gives it in closed form.

The values of the functions that need a spectrum are computed by rational iterations (the
Denman-Beavers iteration for the square root, inverse scaling and squaring for the logarithm,
``exp(p log A)`` for a power), defined in every direction the checker perturbs and
complex-analytic, so the complex step differentiates them exactly (an eigendecomposition
would mix rounding errors of the real part into the imaginary one); their derivatives are
computed by other routes (a Sylvester solve, divided differences from ``eigh``, the block
identity).
"""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.adjoints import GILES, MATHIAS, NAJFELD, _expm
from gradref.identities.determinants import MAGNUS
from gradref.identities.linear import COOKBOOK, sym_tensor
from gradref.shapes import STRUCTURES, Arr, shaped, shaped_like

HIGHAM = "Higham, *Functions of Matrices: Theory and Computation*, SIAM (2008)"
HIGHAM_BLOCK = f"{HIGHAM}, ch. 3, Theorem 3.6 (Mathias: the block upper triangular form of L_f)"
AL_MOHY = (
    'Al-Mohy & Higham, "Computing the Fréchet derivative of the matrix exponential, with an '
    'application to condition number estimation", *SIAM J. Matrix Anal. Appl.* 30(4) (2009), '
    "1639-1657"
)
DALECKII = (
    'Daleckii & Krein, "Integration and differentiation of functions of Hermitian operators '
    'and applications to the theory of perturbations", *AMS Translations* (2) 47 (1965), 1-30'
)
TORCH_EXP = (
    "PyTorch `tools/autograd/derivatives.yaml`, `linalg_matrix_exp` (forward and backward both "
    "`linalg_matrix_exp_differential` in `torch/csrc/autograd/FunctionsManual.cpp`, through "
    "`differential_analytic_matrix_function`)"
)
JAX_EXPM = "JAX `jax/_src/scipy/linalg.py`, `expm_frechet`"

#: Denman-Beavers steps: from a spectrum scaled to norm about 1, convergence takes about 8.
_DB_STEPS = 24

#: The fixed power of the power and polynomial entries (the size of X is d, so n is free).
POWER = 4


# -- helpers --------------------------------------------------------------------------------


def _require_symmetric(A, name="A"):
    if not np.allclose(A, A.T, rtol=1e-10, atol=1e-12 * max(1.0, float(np.max(np.abs(A))))):
        raise ValueError(f"`{name}` must be symmetric (this formula holds at symmetric {name})")


def _divided_differences(lam, f, df):
    """``F_ij = (f(λ_i) - f(λ_j)) / (λ_i - λ_j)``, ``F_ii = f'(λ_i)``: distinct eigenvalues."""
    gaps = lam[:, None] - lam[None, :]
    np.fill_diagonal(gaps, 1.0)
    F = (f(lam)[:, None] - f(lam)[None, :]) / gaps
    np.fill_diagonal(F, df(lam))
    return F


def _daleckii_krein_jacobian(A, f, df):
    """The 4-tensor ``[k, l, i, j]`` of ``E -> U (F ∘ U^T E U) U^T`` at symmetric ``A``."""
    _require_symmetric(A)
    lam, U = np.linalg.eigh(A)
    F = _divided_differences(lam, f, df)
    return np.einsum("ka,ab,ia,jb,lb->klij", U, F, U, U, U)


def _daleckii_krein(A, E, f, df):
    """``U (F ∘ U^T E U) U^T`` at symmetric ``A``: ``L_f(A, E)``, and its own adjoint."""
    _require_symmetric(A)
    lam, U = np.linalg.eigh(A)
    return U @ (_divided_differences(lam, f, df) * (U.T @ E @ U)) @ U.T


def _block_frechet(f, A, E):
    """``L_f(A, E)``: the top-right block of ``f([[A, E], [0, A]])`` (Higham 2008, Thm 3.6)."""
    n = A.shape[0]
    return f(np.block([[A, E], [np.zeros_like(A), A]]))[:n, n:]


def _jacobian_of(linear, n):
    """The 4-tensor ``[k, l, i, j]`` of a linear map ``E -> linear(E)`` on n x n matrices."""
    J = np.zeros((n, n, n, n))
    for i in range(n):
        for j in range(n):
            E = np.zeros((n, n))
            E[i, j] = 1.0
            J[:, :, i, j] = linear(E)
    return J


def _positive_spectrum(rng, n):
    """A non-symmetric matrix ``V diag(λ) V^{-1}`` with eigenvalues in [1, n + 1.5], at least
    1/2 apart, and ``V`` of condition at most 2 (the "invertible" structure): a principal
    square root, logarithm and power exist and are smooth there, and A ≠ A^T shows a missing
    transpose."""
    lam = 1.0 + np.arange(n) + rng.uniform(0.0, 0.5, n)
    V = STRUCTURES["invertible"][0](rng, (n, n))
    return (V * lam) @ np.linalg.inv(V)


def _spd_with_gaps(rng, n):
    """A symmetric positive definite ``Q diag(λ) Q^T``, eigenvalues in [1, n + 1.5] at least 1/2
    apart (the divided differences stay well conditioned)."""
    Q = STRUCTURES["orthogonal"][0](rng, (n, n))
    lam = 1.0 + np.arange(n) + rng.uniform(0.0, 0.5, n)
    return (Q * lam) @ Q.T


def _symmetric_with_gaps(rng, n):
    """A symmetric ``Q diag(λ) Q^T`` with eigenvalues in [-n/2, n/2] at least 1/2 apart."""
    Q = STRUCTURES["orthogonal"][0](rng, (n, n))
    lam = np.arange(n) - n / 2 + rng.uniform(0.0, 0.5, n)
    return (Q * lam) @ Q.T


def _sample_spd_with_gaps(rng, n):
    return {"A": _spd_with_gaps(rng, n)}


def _sp_tensor_1x1(entry):
    """A 1 x 1 x 1 x 1 sympy array: the Jacobian of a function of a 1 x 1 matrix."""
    return sym_tensor((1, 1, 1, 1), lambda *_: entry)


# -- integer powers and polynomials ---------------------------------------------------------


@shaped
def matrix_power4(X: Arr["d d"]):
    """The matrix power ``C = X^4``.

    >>> matrix_power4(np.array([[1.0, 1.0], [0.0, 1.0]]))
    array([[1., 4.],
           [0., 1.]])
    """
    return np.linalg.matrix_power(X, POWER)


@shaped
def adjoint_matrix_power4(X: Arr["d d"], Cbar: Arr["d d"]):
    """Adjoint of ``X`` in ``C = X^4``: ``sum_k (X^T)^k C̄ (X^T)^{3-k}``.

    >>> adjoint_matrix_power4(np.eye(2), np.eye(2))
    array([[4., 0.],
           [0., 4.]])
    """
    P = [np.linalg.matrix_power(X.T, k) for k in range(POWER)]
    return sum(P[k] @ Cbar @ P[POWER - 1 - k] for k in range(POWER))


def _sp_power4(X, Cbar):
    return X**POWER, sum(
        ((X.T) ** k * Cbar * (X.T) ** (POWER - 1 - k) for k in range(POWER)), start=0 * X
    )


register(
    Identity(
        id="matfun.power-vjp",
        title="Reverse-mode rule of the matrix power X^4",
        formula=r"C = X^4:\quad \bar X = \sum_{k=0}^{3} (X^\top)^k\, \bar C\, (X^\top)^{3-k}",
        wrt="X",
        kind="vjp",
        cotangent="Cbar",
        value=matrix_power4,
        derivative=adjoint_matrix_power4,
        symbolic=_sp_power4,
        sources=(
            f"{MAGNUS}",
            GILES,
            f"{HIGHAM}, ch. 3 (the Fréchet derivative and its product rule)",
        ),
        assumptions=(
            "X square. The power is fixed at n = 4 (the size of X is d, so n names the power "
            "only); for a general n the sum runs over k = 0, ..., n - 1."
        ),
        derivation=r"""
The product rule on $X^n = X \cdots X$ differentiates one factor at a time:
$d(X^n) = \sum_{k=0}^{n-1} X^k\, dX\, X^{n-1-k}$, the Fréchet derivative
$L(X, E) = \sum_k X^k E X^{n-1-k}$ (the factors do not commute, so $dX$ stays in place). Then
$\langle \bar C, X^k dX\, X^{n-1-k}\rangle = \operatorname{tr}(\bar C^\top X^k dX\,
X^{n-1-k}) = \langle (X^k)^\top \bar C (X^{n-1-k})^\top, dX\rangle$, and summing over $k$
gives $\bar X$; here $n = 4$. It is the Fréchet derivative at $X^\top$ in the direction
$\bar C$. With $\bar C = A^\top$ it is the gradient of $\operatorname{tr}(A X^n)$
(Matrix Cookbook eq. 122, `traces.ax3` at n = 3).
""",
        mistakes=(
            Mistake(
                r"4\, (X^\top)^3 \bar C",
                lambda X, Cbar: POWER * np.linalg.matrix_power(X.T, POWER - 1) @ Cbar,
                "the scalar power rule n x^{n-1}: right only when X commutes with dX",
            ),
            Mistake(
                r"\sum_{k=0}^{3} X^k\, \bar C\, X^{3-k}",
                lambda X, Cbar: sum(
                    np.linalg.matrix_power(X, k) @ Cbar @ np.linalg.matrix_power(X, 3 - k)
                    for k in range(POWER)
                ),
                "the forward (Fréchet) sum applied to C̄ without transposing X: right only "
                "for symmetric X",
            ),
        ),
        related=("matfun.power-frechet-kron", "traces.ax3", "matfun.polynomial-vjp"),
        keywords=(
            "matrix power backward",
            "matrix_power VJP",
            "d(X^n)",
            "X^4",
            "Frechet derivative of a matrix power",
            "adjoint of X^n",
        ),
    )
)


@shaped_like(matrix_power4)
def jac_matrix_power4(X):
    """Jacobian of ``X -> X^4``: ``sum_k (X^k)_{ki} (X^{3-k})_{jl}`` at ``[k, l, i, j]``."""
    P = [np.linalg.matrix_power(X, k) for k in range(POWER)]
    return sum(np.einsum("ki,jl->klij", P[k], P[POWER - 1 - k]) for k in range(POWER))


def _sp_jac_power4(X):
    d = X.rows
    P = [X**k for k in range(POWER)]
    return X**POWER, sym_tensor(
        (d, d, d, d),
        lambda k, el, i, j: sum(P[r][k, i] * P[POWER - 1 - r][j, el] for r in range(POWER)),
    )


register(
    Identity(
        id="matfun.power-frechet-kron",
        title="Jacobian of the matrix power X^4 in Kronecker form (its Fréchet derivative)",
        formula=(
            r"\frac{\partial \operatorname{vec}(X^4)}{\partial \operatorname{vec}(X)} = "
            r"\sum_{k=0}^{3} (X^{3-k})^\top \otimes X^k\ \text{(vec column-major)}"
        ),
        wrt="X",
        kind="jacobian",
        value=matrix_power4,
        derivative=jac_matrix_power4,
        symbolic=_sp_jac_power4,
        sources=(MAGNUS, f"{HIGHAM}, ch. 3 (the Kronecker form of the Fréchet derivative)"),
        assumptions=(
            "X square. The power is fixed at n = 4 (the size of X is d, so n names the power "
            "only); for a general n, sum_{k=0}^{n-1} (X^{n-1-k})^T ⊗ X^k."
        ),
        derivation=r"""
The Fréchet derivative of $X^n$ is $L(X, E) = \sum_{k=0}^{n-1} X^k E X^{n-1-k}$ (product
rule, one factor at a time). With column-major $\operatorname{vec}(AEB) = (B^\top \otimes A)
\operatorname{vec}E$ each term is $(X^{n-1-k})^\top \otimes X^k$ applied to
$\operatorname{vec}E$: this sum is the Kronecker form of $L$, the Jacobian, here at $n = 4$
(the index form at $n = 3$ is `higher.jac-cube`, Matrix Cookbook eq. 90).
""",
        mistakes=(
            Mistake(
                r"4\, I_d \otimes X^3\ \text{(vec column-major)}",
                lambda X: (
                    POWER * np.einsum("ki,jl->klij", np.linalg.matrix_power(X, 3), np.eye(len(X)))
                ),
                "the scalar power rule n x^{n-1} dx: dX does not commute with X",
            ),
            Mistake(
                r"\sum_{k=0}^{3} X^{3-k} \otimes (X^k)^\top\ \text{(vec column-major)}",
                lambda X: sum(
                    np.einsum(
                        "ki,jl->klij",
                        np.linalg.matrix_power(X, POWER - 1 - k).T,
                        np.linalg.matrix_power(X, k).T,
                    )
                    for k in range(POWER)
                ),
                "the row-major Kronecker form (X^k ⊗ (X^{3-k})^T) mixed with column-major vec: "
                "the factors in the wrong slots",
            ),
        ),
        related=("matfun.power-vjp", "higher.jac-cube", "higher.jac-square"),
        keywords=(
            "Kronecker form of the Frechet derivative",
            "Jacobian of X^n",
            "vec(X^n)",
            "dvec X^4 / dvec X",
            "matrix power JVP",
        ),
    )
)


@shaped
def matrix_polynomial(c: Arr["3"], X: Arr["d d"]):
    """The matrix polynomial ``C = c_1 X + c_2 X^2 + c_3 X^3``.

    >>> matrix_polynomial(np.array([1.0, 1.0, 1.0]), 2 * np.eye(1))
    array([[14.]])
    """
    return c[0] * X + c[1] * (X @ X) + c[2] * (X @ X @ X)


@shaped
def adjoint_matrix_polynomial(c: Arr["3"], X: Arr["d d"], Cbar: Arr["d d"]):
    """Adjoint of ``X`` in ``C = sum_j c_j X^j``: ``sum_j c_j sum_k (X^T)^k C̄ (X^T)^{j-1-k}``.

    >>> adjoint_matrix_polynomial(np.array([1.0, 0.0, 0.0]), np.eye(2), np.eye(2))
    array([[1., 0.],
           [0., 1.]])
    """
    P = [np.linalg.matrix_power(X.T, k) for k in range(3)]
    return sum(c[j - 1] * sum(P[k] @ Cbar @ P[j - 1 - k] for k in range(j)) for j in range(1, 4))


def _sp_polynomial(c, X, Cbar):
    value = c[0] * X + c[1] * X**2 + c[2] * X**3
    adjoint = sum(
        (
            c[j - 1]
            * sum(((X.T) ** k * Cbar * (X.T) ** (j - 1 - k) for k in range(j)), start=0 * X)
            for j in range(1, 4)
        ),
        start=0 * X,
    )
    return value, adjoint


register(
    Identity(
        id="matfun.polynomial-vjp",
        title="Reverse-mode rule of a matrix polynomial",
        formula=(
            r"C = \sum_{j=1}^{3} c_j X^j:\quad \bar X = \sum_{j=1}^{3} c_j \sum_{k=0}^{j-1}"
            r" (X^\top)^k\, \bar C\, (X^\top)^{j-1-k}"
        ),
        wrt="X",
        kind="vjp",
        cotangent="Cbar",
        value=matrix_polynomial,
        derivative=adjoint_matrix_polynomial,
        symbolic=_sp_polynomial,
        sources=(
            MAGNUS,
            GILES,
            f"{HIGHAM}, ch. 3 (sum and product rules for the Fréchet derivative)",
        ),
        assumptions=(
            "X square, c a fixed vector of coefficients (a constant term c_0 I has zero "
            "derivative and is left out); the degree is 3 here, any degree sums the same way."
        ),
        derivation=r"""
The Fréchet derivative is linear in $f$ (sum rule), so $L_p(X, E) = \sum_j c_j
\sum_{k=0}^{j-1} X^k E X^{j-1-k}$, each power by the product rule. Its adjoint with respect
to $\langle A, B\rangle = \operatorname{tr}(A^\top B)$ transposes every factor:
$\langle \bar C, X^k E X^{j-1-k}\rangle = \langle (X^\top)^k \bar C (X^\top)^{j-1-k}, E
\rangle$. This is $L_p(X^\top, \bar C)$, the forward rule at the transpose, as for every
function with real coefficients.
""",
        mistakes=(
            Mistake(
                r"\sum_{j=1}^{3} j\, c_j (X^\top)^{j-1}\, \bar C",
                lambda c, X, Cbar: (
                    (c[0] * np.eye(len(X)) + 2 * c[1] * X.T + 3 * c[2] * X.T @ X.T) @ Cbar
                ),
                "the scalar chain rule p'(x) dx: right only when X commutes with dX",
            ),
        ),
        related=("matfun.power-vjp", "higher.jac-square"),
        keywords=(
            "matrix polynomial backward",
            "polynomial VJP",
            "p(X) gradient",
            "d p(X)",
            "adjoint of a matrix polynomial",
        ),
    )
)


# -- the matrix square root -----------------------------------------------------------------


def _sqrtm(A):
    """The principal square root by the Denman-Beavers iteration (Higham 2008, ch. 6).

    ``Y <- (Y + Z^{-1}) / 2``, ``Z <- (Z + Y^{-1}) / 2`` from ``Y = A``, ``Z = I`` converges
    quadratically to ``A^{1/2}`` (and ``Z`` to ``A^{-1/2}``) for a spectrum off the closed
    negative real axis. A fixed number of steps of a rational map: complex-analytic in ``A``,
    so the complex step differentiates it exactly (an eigendecomposition would mix rounding
    errors of the real part into the imaginary one).
    """
    # scaled by a power of 2 near the 1-norm first (exact; A^{1/2} = c^{1/2} (A/c)^{1/2}), so
    # that the iteration starts from eigenvalues of order 1 whatever the size of A
    norm = float(np.max(np.sum(np.abs(A), axis=0))) if len(A) else 0.0
    c = 4.0 ** round(np.log2(norm) / 2) if norm > 0 else 1.0
    Y, Z = A / c, np.eye(len(A), dtype=A.dtype)
    for _ in range(_DB_STEPS):
        Y, Z = (Y + np.linalg.inv(Z)) / 2, (Z + np.linalg.inv(Y)) / 2
    return np.sqrt(c) * Y


def _sylvester_operator(S):
    """The matrix of ``L -> S L + L S`` on row-major ``vec(L)``."""
    eye = np.eye(len(S))
    return np.kron(S, eye) + np.kron(eye, S.T)


@shaped
def matrix_sqrt(A: Arr["n n"]):
    """The principal square root ``S = A^{1/2}`` (``S^2 = A``, eigenvalues of S positive).

    >>> matrix_sqrt(np.array([[4.0, 0.0], [0.0, 9.0]]))
    array([[2., 0.],
           [0., 3.]])
    """
    return _sqrtm(A)


@shaped_like(matrix_sqrt)
def jac_matrix_sqrt(A):
    """Jacobian of ``A -> A^{1/2}``: ``L`` solves ``S L + L S = E``; entry ``[k, l, i, j]``."""
    n = len(A)
    return np.linalg.inv(_sylvester_operator(_sqrtm(A))).reshape(n, n, n, n)


def _sp_sqrt_1x1(A):
    import sympy as sp

    s = sp.sqrt(A[0, 0])
    return sp.Matrix([[s]]), _sp_tensor_1x1(1 / (2 * s))


register(
    Identity(
        id="matfun.sqrtm-frechet",
        title="Jacobian of the matrix square root (its Fréchet derivative, a Sylvester equation)",
        formula=(
            r"\frac{\partial \operatorname{vec}(A^{1/2})}{\partial \operatorname{vec}(A)} = "
            r"(I_n \otimes A^{1/2} + (A^{1/2})^\top \otimes I_n)^{-1}"
            r"\ \text{(vec column-major)}"
        ),
        wrt="A",
        kind="jacobian",
        value=matrix_sqrt,
        derivative=jac_matrix_sqrt,
        symbolic=_sp_sqrt_1x1,
        structure={"A": "spd"},
        sample=_sample_spd_with_gaps,
        symbolic_dims=(1,),  # no closed form sympy can verify beyond 1 x 1 in seconds
        sources=(f"{HIGHAM}, ch. 6 (the Fréchet derivative of the square root)",),
        assumptions=(
            "A symmetric positive definite (more generally, no eigenvalue on the closed "
            "negative real axis; then S L + L S = E has a unique solution, the eigenvalues "
            "σ_i + σ_j of the Sylvester operator being non-zero). The Jacobian is with respect "
            "to every entry of A, symmetric directions or not. sympy verifies the 1 x 1 case "
            "exactly; the tests check, at sizes 2, 3 and 5, that S L + L S = E holds for the "
            "returned L, and compare L with the Daleckii-Krein form U (F ∘ U^T E U) U^T, "
            "F_ij = 1 / (σ_i + σ_j), computed from eigh; the numerical check covers sizes "
            "1, 2, 3, 5 and 8."
        ),
        derivation=r"""
Differentiate $S S = A$: $dS\, S + S\, dS = dA$. So the Fréchet derivative $L = L_{\sqrt{}}
(A, E)$ is the solution of the Sylvester equation $S L + L S = E$, unique when no two
eigenvalues of $S$ sum to zero (true for the principal root of a positive definite $A$).
In vec form (column-major, $\operatorname{vec}(SLB) = (B^\top \otimes S)\operatorname{vec} L$)
it reads $(I \otimes S + S^\top \otimes I)\operatorname{vec} L = \operatorname{vec} E$, whose
inverse is the Jacobian. Only when $E$ commutes with $A$ is $L = \tfrac12 A^{-1/2} E$.
""",
        mistakes=(
            Mistake(
                r"\tfrac12 I_n \otimes A^{-1/2}\ \text{(vec column-major)}",
                lambda A: np.einsum("ki,jl->klij", 0.5 * np.linalg.inv(_sqrtm(A)), np.eye(len(A))),
                "the scalar rule d sqrt(a) = da / (2 sqrt(a)): dA does not commute with A",
            ),
            Mistake(
                r"\tfrac14 (I_n \otimes A^{-1/2} + (A^{-1/2})^\top \otimes I_n)"
                r"\ \text{(vec column-major)}",
                lambda A: (
                    0.25
                    * (
                        np.einsum("ki,jl->klij", np.linalg.inv(_sqrtm(A)), np.eye(len(A)))
                        + np.einsum("ki,jl->klij", np.eye(len(A)), np.linalg.inv(_sqrtm(A)))
                    )
                ),
                "the scalar rule symmetrised, (A^{-1/2} dA + dA A^{-1/2}) / 4: still exact only "
                "when dA commutes with A",
            ),
        ),
        related=("matfun.sqrtm-vjp", "matfun.trace-sqrtm", "matfun.power-frechet"),
        keywords=(
            "matrix square root derivative",
            "sqrtm Frechet derivative",
            "d sqrtm",
            "derivative of A^{1/2}",
            "Sylvester equation",
            "sqrtm JVP",
        ),
    )
)


@shaped
def adjoint_matrix_sqrt(A: Arr["n n"], Cbar: Arr["n n"]):
    """Adjoint of ``A`` in ``S = A^{1/2}``: ``Ā`` solves ``S^T Ā + Ā S^T = C̄``.

    >>> adjoint_matrix_sqrt(np.diag([4.0, 9.0]), np.eye(2))
    array([[0.25      , 0.        ],
           [0.        , 0.16666667]])
    """
    n = len(A)
    return np.linalg.solve(_sylvester_operator(_sqrtm(A).T), Cbar.reshape(-1)).reshape(n, n)


def _sample_sqrtm_vjp(rng, n):
    return {"A": _positive_spectrum(rng, n), "Cbar": rng.standard_normal((n, n))}


def _sp_sqrt_vjp_1x1(A, Cbar):
    import sympy as sp

    s = sp.sqrt(A[0, 0])
    return sp.Matrix([[s]]), Cbar / (2 * s)


register(
    Identity(
        id="matfun.sqrtm-vjp",
        title="Reverse-mode rule of the matrix square root",
        formula=(
            r"S = A^{1/2}:\quad \bar A = \operatorname{vec}^{-1}\big((I_n \otimes S^\top + S "
            r"\otimes I_n)^{-1} \operatorname{vec}(\bar C)\big)"
        ),
        wrt="A",
        kind="vjp",
        cotangent="Cbar",
        value=matrix_sqrt,
        derivative=adjoint_matrix_sqrt,
        symbolic=_sp_sqrt_vjp_1x1,
        sample=_sample_sqrtm_vjp,
        symbolic_dims=(1,),  # no closed form sympy can verify beyond 1 x 1 in seconds
        sources=(f"{HIGHAM}, ch. 6 (the square root) and ch. 3 (the Fréchet derivative)", GILES),
        assumptions=(
            "A with real positive eigenvalues (an SPD A is the usual case; here A is sampled "
            "non-symmetric, V diag(λ) V^{-1}, so that S ≠ S^T and the order of the Sylvester "
            "equation matters). Ā is the solution of the Sylvester equation S^T Ā + Ā S^T = C̄; "
            "for symmetric A, S Ā + Ā S = C̄. sympy verifies the 1 x 1 case exactly; the tests "
            "check the Sylvester residual and the adjoint identity <C̄, L(A, E)> = <Ā, E> "
            "against the forward rule at random E; the numerical check covers sizes 1, 2, 3, "
            "5 and 8."
        ),
        derivation=r"""
The forward rule is $S\,dS + dS\,S = dA$. For any $\bar A$,
$\langle \bar A, dA\rangle = \langle \bar A, S\,dS + dS\,S\rangle = \langle S^\top \bar A +
\bar A S^\top, dS\rangle$. Choosing $\bar A$ with $S^\top \bar A + \bar A S^\top = \bar C$
makes this $\langle \bar C, dS\rangle$, which is what the adjoint must satisfy: $\bar A$ solves
the Sylvester equation with $S^\top$ in place of $S$ (column-major vec as in
`matfun.sqrtm-frechet`). For symmetric $A$ the two coincide.
""",
        mistakes=(
            Mistake(
                r"\tfrac12 (A^{-1/2})^\top \bar C",
                lambda A, Cbar: 0.5 * np.linalg.inv(_sqrtm(A)).T @ Cbar,
                "the scalar rule d sqrt(a) = da / (2 sqrt(a)): right only when C̄ commutes with A^T",
            ),
            Mistake(
                r"\operatorname{vec}^{-1}\big((I_n \otimes S + S^\top \otimes I_n)^{-1}"
                r"\operatorname{vec}(\bar C)\big)",
                lambda A, Cbar: np.linalg.solve(
                    _sylvester_operator(_sqrtm(A)), Cbar.reshape(-1)
                ).reshape(A.shape),
                "the forward Sylvester equation S Ā + Ā S = C̄ reused for the adjoint: right "
                "only for symmetric A",
            ),
        ),
        related=("matfun.sqrtm-frechet", "matfun.trace-sqrtm", "adjoints.expm"),
        keywords=(
            "sqrtm backward",
            "matrix square root VJP",
            "sqrtm gradient",
            "Lyapunov equation",
            "Sylvester equation adjoint",
        ),
    )
)


@shaped
def trace_sqrtm(A: Arr["n n"]):
    """The trace of the principal square root, ``tr(A^{1/2})``.

    >>> trace_sqrtm(np.diag([4.0, 9.0]))
    np.float64(5.0)
    """
    return np.trace(_sqrtm(A))


@shaped_like(trace_sqrtm)
def grad_trace_sqrtm(A):
    """Gradient of ``tr(A^{1/2})`` with respect to ``A``: ``(A^{-1/2})^T / 2``."""
    return 0.5 * np.linalg.inv(_sqrtm(A)).T


def _sp_sqrt_2x2(A):
    """The principal square root in closed form, 1 x 1 or 2 x 2 (Cayley-Hamilton):
    ``S = (A + δ I) / t``, ``δ = sqrt(det A)``, ``t = sqrt(tr A + 2 δ)``."""
    import sympy as sp

    if A.rows == 1:
        return A.applyfunc(sp.sqrt)
    delta = sp.sqrt(A.det())
    return (A + delta * sp.eye(2)) / sp.sqrt(A.trace() + 2 * delta)


def _sp_trace_sqrtm(A):
    S = _sp_sqrt_2x2(A)
    return S.trace(), S.inv().T / 2


def _sample_positive_spectrum(rng, n):
    return {"A": _positive_spectrum(rng, n)}


register(
    Identity(
        id="matfun.trace-sqrtm",
        title="Gradient of the trace of the matrix square root",
        formula=r"\nabla_A \operatorname{tr}(A^{1/2}) = \tfrac12 (A^{-1/2})^\top",
        wrt="A",
        kind="gradient",
        value=trace_sqrtm,
        derivative=grad_trace_sqrtm,
        symbolic=_sp_trace_sqrtm,
        sample=_sample_positive_spectrum,
        symbolic_dims=(1,),  # the 2 x 2 closed form takes sympy 2.5 s: tests/test_matfun.py
        sources=(f"{HIGHAM}, ch. 3 (the Fréchet derivative)", MAGNUS),
        assumptions=(
            "A with real positive eigenvalues (sampled non-symmetric; for SPD A the gradient "
            "is ½ A^{-1/2}). sympy verifies the 1 x 1 case exactly; the tests differentiate "
            "the exact 2 x 2 closed form tr S = √(tr A + 2√det A) with sympy and compare it "
            "with the formula at points; the numerical check covers sizes 1, 2, 3, 5 and 8."
        ),
        derivation=r"""
For a matrix function $f$, $d\operatorname{tr} f(A) = \operatorname{tr} L_f(A, dA) =
\operatorname{tr}(f'(A)\,dA)$: the trace kills the non-commutativity, as the Daleckii-Krein
form shows (only the diagonal divided differences $F_{ii} = f'(\lambda_i)$ survive). With
$f(x) = x^{1/2}$, $f'(A) = \tfrac12 A^{-1/2}$, and $\operatorname{tr}(G^\top dA)$ gives
$\nabla_A = \tfrac12 (A^{-1/2})^\top$.
""",
        mistakes=(
            Mistake(
                r"\tfrac12 A^{-1/2}",
                lambda A: 0.5 * np.linalg.inv(_sqrtm(A)),
                "the numerator-layout derivative, equal to the gradient only for symmetric A",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(A^{1/2})}{\partial A} = "
            r"\tfrac12 A^{-1/2}",
        },
        related=("matfun.sqrtm-vjp", "matfun.trace-power", "traces.exp"),
        keywords=(
            "trace of matrix square root",
            "tr sqrtm gradient",
            "tr(A^{1/2})",
        ),
    )
)


# -- the matrix logarithm and fractional powers ---------------------------------------------


def _logm(A):
    """The principal logarithm by inverse scaling and squaring (Higham 2008, ch. 11).

    Square roots (Denman-Beavers) bring ``X = A^{1/2^k}`` to within 0.1 of ``I`` in the
    1-norm; then ``log X = 2 atanh(Z) = 2 sum_j Z^{2j+1} / (2j + 1)`` with
    ``Z = (X - I)(X + I)^{-1}`` (norm below 0.06: twelve terms reach 1e-30), and
    ``log A = 2^k log X``. Rational steps only, so complex-analytic in ``A``.
    """
    eye = np.eye(len(A), dtype=A.dtype)
    X, k = A, 0
    while np.max(np.sum(np.abs(X - eye), axis=0)) > 0.1 and k < 60:
        X, k = _sqrtm(X), k + 1
    Z = (X - eye) @ np.linalg.inv(X + eye)
    Z2, term, total = Z @ Z, Z, Z.copy()
    for j in range(1, 12):
        term = term @ Z2
        total = total + term / (2 * j + 1)
    return 2.0 ** (k + 1) * total


def _powm(A, p):
    """The principal power ``A^p = exp(p log A)``."""
    return _expm(p * _logm(A))


@shaped
def matrix_log(A: Arr["n n"]):
    """The principal matrix logarithm ``log A`` (``e^{log A} = A``).

    >>> np.round(matrix_log(np.diag([1.0, np.e])), 12)
    array([[0., 0.],
           [0., 1.]])
    """
    return _logm(A)


@shaped_like(matrix_log)
def jac_matrix_log(A):
    """Jacobian of ``A -> log A`` at symmetric ``A``: Daleckii-Krein, entry ``[k, l, i, j]``."""
    return _daleckii_krein_jacobian(A, np.log, lambda lam: 1.0 / lam)


def _sp_log_1x1(A):
    import sympy as sp

    return sp.Matrix([[sp.log(A[0, 0])]]), _sp_tensor_1x1(1 / A[0, 0])


_DK_WHERE = (
    r"\begin{bmatrix} U \\ \lambda^\top \end{bmatrix} = \operatorname{eigh}(A)"
    r"\ \text{(the eigendecomposition of the symmetric } A\text{: } A u_i = \lambda_i u_i,"
    r"\ U^\top U = I\text{)}",
)
_DK_CHECK = (
    "sympy verifies the 1 x 1 case exactly (no closed form beyond); the numerical check "
    "differentiates the value, computed by an independent algorithm (rational iterations, "
    "not the eigendecomposition), at sizes 1, 2, 3, 5 and 8 in every direction, symmetric "
    "or not; the "
    "tests compare the formula with the Kronecker form of the Fréchet derivative's "
    "integral at points."
)

register(
    Identity(
        id="matfun.logm-frechet",
        title="Jacobian of the matrix logarithm of a symmetric positive definite matrix",
        formula=(
            r"\frac{\partial \operatorname{vec}(\log A)}{\partial \operatorname{vec}(A)} = "
            r"(U \otimes U) \operatorname{diag}(\operatorname{vec} F)\, (U \otimes U)^\top,\quad "
            r"F_{ij} = \frac{\log\lambda_i - \log\lambda_j}{\lambda_i - \lambda_j}\ (i \ne j),"
            r"\ F_{ii} = \frac{1}{\lambda_i}"
        ),
        where=_DK_WHERE,
        wrt="A",
        kind="jacobian",
        value=matrix_log,
        derivative=jac_matrix_log,
        symbolic=_sp_log_1x1,
        structure={"A": "spd"},
        sample=_sample_spd_with_gaps,
        symbolic_dims=(1,),  # see the assumptions
        sources=(DALECKII, f"{HIGHAM}, ch. 3 and ch. 11 (the Fréchet derivative of the logarithm)"),
        assumptions=(
            "A symmetric positive definite with eigenvalues λ (distinct in the samples, at "
            "least 1/2 apart; a repeated eigenvalue takes the limit F_ij = 1/λ_i). The "
            "Jacobian is with respect to every entry of A, in non-symmetric directions too. "
            + _DK_CHECK
        ),
        derivation=r"""
For symmetric $A = U\Lambda U^\top$ and any direction $E$, write $\tilde E = U^\top E U$.
Every primary matrix function satisfies $L_f(A, E) = U (F \odot \tilde E) U^\top$ with the
divided differences $F_{ij} = f[\lambda_i, \lambda_j]$ (Daleckii-Krein): for a power
$f(x) = x^m$, $U^\top L U = \sum_k \Lambda^k \tilde E \Lambda^{m-1-k}$, whose $(i, j)$ entry is
$\tilde E_{ij}\sum_k \lambda_i^k\lambda_j^{m-1-k} = \tilde E_{ij}\, f[\lambda_i, \lambda_j]$,
and the rest follows by linearity and limits. With $f = \log$,
$F_{ij} = (\log\lambda_i - \log\lambda_j)/(\lambda_i - \lambda_j)$ and $F_{ii} = 1/\lambda_i$;
in column-major vec form, $\operatorname{vec}(U M U^\top) = (U \otimes U)\operatorname{vec} M$.
""",
        mistakes=(
            Mistake(
                r"I_n \otimes A^{-1}\ \text{(vec column-major)}",
                lambda A: np.einsum("ki,jl->klij", np.linalg.inv(A), np.eye(len(A))),
                "the scalar rule d log a = da / a: dA does not commute with A",
            ),
        ),
        related=("matfun.trace-logm", "matfun.power-frechet", "determinants.logdet-spd"),
        keywords=(
            "matrix logarithm derivative",
            "logm Frechet derivative",
            "d log A",
            "Daleckii-Krein",
            "divided differences",
            "logm JVP",
        ),
    )
)


@shaped
def trace_b_logm(B: Arr["n n"], A: Arr["n n"]):
    """The trace ``tr(B log A)``.

    >>> trace_b_logm(np.eye(2), np.diag([1.0, np.e]))
    np.float64(1.0)
    """
    return np.trace(B @ _logm(A))


@shaped_like(trace_b_logm)
def grad_trace_b_logm(B, A):
    """Gradient of ``tr(B log A)`` at symmetric ``A``: ``U (F ∘ U^T B^T U) U^T``."""
    return _daleckii_krein(A, B.T, np.log, lambda lam: 1.0 / lam)


def _sample_trace_logm(rng, n):
    return {"B": rng.standard_normal((n, n)), "A": _spd_with_gaps(rng, n)}


def _sp_trace_logm(B, A):
    import sympy as sp

    return B[0, 0] * sp.log(A[0, 0]), sp.Matrix([[B[0, 0] / A[0, 0]]])


register(
    Identity(
        id="matfun.trace-logm",
        title="Gradient of tr(B log A) with respect to a symmetric positive definite A",
        formula=(
            r"\nabla_A \operatorname{tr}(B \log A) = U (F \odot U^\top B^\top U)\, U^\top,\quad "
            r"F_{ij} = \frac{\log\lambda_i - \log\lambda_j}{\lambda_i - \lambda_j}\ (i \ne j),"
            r"\ F_{ii} = \frac{1}{\lambda_i}"
        ),
        where=_DK_WHERE,
        wrt="A",
        kind="gradient",
        value=trace_b_logm,
        derivative=grad_trace_b_logm,
        symbolic=_sp_trace_logm,
        structure={"A": "spd"},
        sample=_sample_trace_logm,
        symbolic_dims=(1,),  # see the assumptions
        sources=(DALECKII, f"{HIGHAM}, ch. 3 and ch. 11"),
        assumptions=(
            "A symmetric positive definite with distinct eigenvalues λ (at least 1/2 apart in "
            "the samples), B any square matrix. The gradient is with respect to every entry of "
            "A. It is B^T A^{-1} only when B commutes with A. " + _DK_CHECK
        ),
        derivation=r"""
$d\operatorname{tr}(B\log A) = \operatorname{tr}(B\, L_{\log}(A, dA)) = \langle B^\top,
L_{\log}(A, dA)\rangle$. At symmetric $A$ the Daleckii-Krein form $L(A, E) = U(F \odot
U^\top E U)U^\top$ is self-adjoint for $\langle X, Y\rangle = \operatorname{tr}(X^\top Y)$
($F$ is symmetric and real), so $\langle B^\top, L(A, dA)\rangle = \langle L(A, B^\top),
dA\rangle$ and $\nabla_A = U(F \odot U^\top B^\top U)U^\top$. With $B = I$ only the diagonal
$F_{ii} = 1/\lambda_i$ survives: $\nabla_A \operatorname{tr}\log A = A^{-1}$, the gradient of
$\log\det A$.
""",
        mistakes=(
            Mistake(
                r"B^\top A^{-1}",
                lambda B, A: B.T @ np.linalg.inv(A),
                "the scalar rule d log a = da / a: right only when B commutes with A",
            ),
            Mistake(
                r"U (F \odot U^\top B U)\, U^\top",
                lambda B, A: _daleckii_krein(A, B, np.log, lambda lam: 1.0 / lam),
                "B not transposed: the numerator-layout derivative, right only for symmetric B",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(B \log A)}{\partial A} = "
            r"U (F \odot U^\top B U)\, U^\top",
        },
        related=("matfun.logm-frechet", "determinants.logdet-spd", "traces.exp"),
        keywords=(
            "gradient of tr(B log A)",
            "matrix logarithm gradient",
            "quantum relative entropy",
            "logm backward",
        ),
    )
)


@shaped
def matrix_fractional_power(A: Arr["n n"], p: Arr[""]):
    """The principal power ``A^p = exp(p log A)``.

    >>> np.round(matrix_fractional_power(np.diag([4.0, 9.0]), 0.5), 12)
    array([[2., 0.],
           [0., 3.]])
    """
    return _powm(A, p)


@shaped_like(matrix_fractional_power)
def jac_matrix_fractional_power(A, p):
    """Jacobian of ``A -> A^p`` at symmetric ``A``: Daleckii-Krein, entry ``[k, l, i, j]``."""
    return _daleckii_krein_jacobian(A, lambda lam: lam**p, lambda lam: p * lam ** (p - 1))


def _sample_power(rng, n):
    """SPD ``A`` with gapped eigenvalues and a non-integer power p in (-1.5, 2.5)."""
    p = rng.uniform(-1.5, 2.5)
    return {"A": _spd_with_gaps(rng, n), "p": float(p if abs(p - round(p)) > 0.1 else p + 0.3)}


def _sp_power_1x1(A, p):
    return A.applyfunc(lambda a: a**p), _sp_tensor_1x1(p * A[0, 0] ** (p - 1))


register(
    Identity(
        id="matfun.power-frechet",
        title="Jacobian of a fractional power of a symmetric positive definite matrix",
        formula=(
            r"\frac{\partial \operatorname{vec}(A^p)}{\partial \operatorname{vec}(A)} = "
            r"(U \otimes U) \operatorname{diag}(\operatorname{vec} F)\, (U \otimes U)^\top,\quad "
            r"F_{ij} = \frac{\lambda_i^p - \lambda_j^p}{\lambda_i - \lambda_j}\ (i \ne j),"
            r"\ F_{ii} = p \lambda_i^{p-1}"
        ),
        where=_DK_WHERE,
        wrt="A",
        kind="jacobian",
        value=matrix_fractional_power,
        derivative=jac_matrix_fractional_power,
        symbolic=_sp_power_1x1,
        structure={"A": "spd"},
        sample=_sample_power,
        symbolic_dims=(1,),  # see the assumptions
        sources=(DALECKII, f"{HIGHAM}, ch. 3 and ch. 7 (matrix p-th roots and powers)"),
        assumptions=(
            "A symmetric positive definite with distinct eigenvalues λ (at least 1/2 apart in "
            "the samples), p a real power (sampled non-integer in (-1.5, 2.5)); A^p is the "
            "principal power exp(p log A). " + _DK_CHECK
        ),
        derivation=r"""
The Daleckii-Krein form (see `matfun.logm-frechet`) with $f(x) = x^p$: $F_{ij} =
(\lambda_i^p - \lambda_j^p)/(\lambda_i - \lambda_j)$ off the diagonal and $F_{ii} =
p\lambda_i^{p-1}$ on it, so $L(A, E) = U(F \odot U^\top E U)U^\top$; the vec form follows
from $\operatorname{vec}(UMU^\top) = (U\otimes U)\operatorname{vec}M$. At $p = 1/2$ it is
the Sylvester solution of `matfun.sqrtm-frechet`, since there $F_{ij} =
1/(\lambda_i^{1/2} + \lambda_j^{1/2})$.
""",
        mistakes=(
            Mistake(
                r"p\, I_n \otimes A^{p-1}\ \text{(vec column-major)}",
                lambda A, p: p * np.einsum("ki,jl->klij", _powm(A, p - 1), np.eye(len(A))),
                "the scalar power rule p a^{p-1} da: dA does not commute with A",
            ),
        ),
        related=("matfun.trace-power", "matfun.sqrtm-frechet", "matfun.logm-frechet"),
        keywords=(
            "fractional matrix power derivative",
            "A^p Frechet derivative",
            "d(A^p)",
            "matrix power Daleckii-Krein",
            "fractional_matrix_power gradient",
        ),
    )
)


@shaped
def trace_fractional_power(A: Arr["n n"], p: Arr[""]):
    """The trace ``tr(A^p)`` of the principal power.

    >>> np.round(trace_fractional_power(np.diag([4.0, 9.0]), 0.5), 12)
    np.float64(5.0)
    """
    return np.trace(_powm(A, p))


@shaped_like(trace_fractional_power)
def grad_trace_fractional_power(A, p):
    """Gradient of ``tr(A^p)`` with respect to ``A``: ``p (A^{p-1})^T``."""
    return p * _powm(A, p - 1).T


def _sample_trace_power(rng, n):
    return {"A": _positive_spectrum(rng, n), "p": _sample_power(rng, n)["p"]}


def _sp_trace_power(A, p):
    import sympy as sp

    return A[0, 0] ** p, sp.Matrix([[p * A[0, 0] ** (p - 1)]])


register(
    Identity(
        id="matfun.trace-power",
        title="Gradient of the trace of a fractional matrix power",
        formula=r"\nabla_A \operatorname{tr}(A^p) = p\, (A^{p-1})^\top",
        wrt="A",
        kind="gradient",
        value=trace_fractional_power,
        derivative=grad_trace_fractional_power,
        symbolic=_sp_trace_power,
        sample=_sample_trace_power,
        symbolic_dims=(1,),  # no closed form of A^p that sympy handles beyond 1 x 1
        sources=(f"{HIGHAM}, ch. 3", MAGNUS, f"{COOKBOOK}, eq. (121), for integer p"),
        assumptions=(
            "A with real positive eigenvalues (sampled non-symmetric, V diag(λ) V^{-1}), p real "
            "(sampled non-integer); A^p = exp(p log A), the principal power. sympy verifies the "
            "1 x 1 case exactly; the numerical check covers sizes 1, 2, 3, 5 and 8."
        ),
        derivation=r"""
$d\operatorname{tr} f(A) = \operatorname{tr} L_f(A, dA) = \operatorname{tr}(f'(A)\,dA)$ for
any primary matrix function: in the Daleckii-Krein (or Jordan) form only the diagonal of
the divided differences, $f'(\lambda_i)$, meets the trace. With $f(x) = x^p$ this is
$\langle p (A^{p-1})^\top, dA\rangle$: the scalar rule holds under the trace, as it does for
integer powers (Cookbook eq. 121).
""",
        mistakes=(
            Mistake(
                r"p\, A^{p-1}",
                lambda A, p: p * _powm(A, p - 1),
                "the numerator-layout derivative, equal to the gradient only for symmetric A",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(A^p)}{\partial A} = p\, A^{p-1}",
        },
        related=("matfun.power-frechet", "matfun.trace-sqrtm", "traces.power3"),
        keywords=(
            "trace of a matrix power",
            "tr(A^p) gradient",
            "Schatten norm of a positive definite matrix",
            "fractional power trace",
        ),
    )
)


# -- the exponential and an analytic f through the block-triangular identity ---------------


@shaped
def matrix_exp(A: Arr["n n"]):
    """The matrix exponential ``e^A``.

    >>> np.round(matrix_exp(np.array([[0.0, 1.0], [0.0, 0.0]])), 12)
    array([[1., 1.],
           [0., 1.]])
    """
    return _expm(A)


@shaped_like(matrix_exp)
def jac_matrix_exp(A):
    """Jacobian of ``A -> e^A``: ``L(A, J^{ij})``, top right in ``exp([[A, J^{ij}], [0, A]])``."""
    return _jacobian_of(lambda E: _block_frechet(_expm, A, E), len(A))


def _sp_exp_1x1(A):
    import sympy as sp

    return A.applyfunc(sp.exp), _sp_tensor_1x1(sp.exp(A[0, 0]))


def _sample_general(rng, n):
    return {"A": rng.standard_normal((n, n)) / np.sqrt(n)}


register(
    Identity(
        id="matfun.expm-frechet",
        title="Jacobian of the matrix exponential by the block-triangular identity",
        formula=(
            r"\frac{\partial (e^{A})_{kl}}{\partial A_{ij}} = L(A, J^{ij})_{kl},\quad "
            r"\exp\begin{pmatrix} A & E \\ 0 & A\end{pmatrix} = \begin{pmatrix} e^{A} & "
            r"L(A, E) \\ 0 & e^{A}\end{pmatrix}"
        ),
        where=(r"L(X, E) = \Big[\exp\begin{pmatrix} X & E \\ 0 & X\end{pmatrix}\Big]_{12}",),
        wrt="A",
        kind="jacobian",
        value=matrix_exp,
        derivative=jac_matrix_exp,
        symbolic=_sp_exp_1x1,
        sample=_sample_general,
        symbolic_dims=(1,),  # sympy cannot decide the 2 x 2 form in minutes (adjoints.expm)
        sources=(HIGHAM_BLOCK, MATHIAS, AL_MOHY, NAJFELD, TORCH_EXP, JAX_EXPM),
        assumptions=(
            "None (A any square matrix). The reference computes exp by scaling and squaring "
            "with a Taylor polynomial and the Jacobian as the n^2 top-right blocks of the "
            "exponentials of the 2n x 2n block upper-triangular matrices with E = J^{ij}. sympy "
            "verifies the 1 x 1 case exactly; the tests compare L(A, E) with a Gauss-Legendre "
            "quadrature of the integral form and, at symmetric A, with the Daleckii-Krein form; "
            "the numerical check covers sizes 1, 2, 3, 5 and 8."
        ),
        derivation=r"""
For $M = \begin{pmatrix} A & E \\ 0 & A\end{pmatrix}$, every power is block upper triangular,
$M^m = \begin{pmatrix} A^m & \sum_{k} A^k E A^{m-1-k} \\ 0 & A^m\end{pmatrix}$, and the
top-right block is the Fréchet derivative of $A^m$ in the direction $E$. Summing the series
of $\exp$ term by term gives $\exp(M)$ with $L_{\exp}(A, E) = \int_0^1 e^{sA} E\, e^{(1-s)A}
ds$ in the corner (the same holds for any $f$ analytic on the spectrum: Higham 2008,
Theorem 3.6). Taking $E = J^{ij}$, the single-entry matrix, gives the $(i, j)$ slice of the
Jacobian. Only when $E$ commutes with $A$ is $L = e^A E$.
""",
        mistakes=(
            Mistake(
                r"I_n \otimes e^{A}\ \text{(vec column-major)}",
                lambda A: np.einsum("ki,jl->klij", _expm(A), np.eye(len(A))),
                "the scalar rule d e^a = e^a da: dA does not commute with A",
            ),
            Mistake(
                r"\tfrac12 (I_n \otimes e^{A} + (e^{A})^\top \otimes I_n)"
                r"\ \text{(vec column-major)}",
                lambda A: (
                    0.5
                    * (
                        np.einsum("ki,jl->klij", _expm(A), np.eye(len(A)))
                        + np.einsum("ki,jl->klij", np.eye(len(A)), _expm(A))
                    )
                ),
                "the scalar rule symmetrised, (e^A dA + dA e^A) / 2: still exact only when dA "
                "commutes with A",
            ),
        ),
        related=("adjoints.expm", "matfun.expm-frechet-symmetric", "matfun.expm-t"),
        keywords=(
            "Frechet derivative of the matrix exponential",
            "expm_frechet",
            "d exp(A)",
            "matrix exponential JVP",
            "block triangular matrix exponential",
            "Van Loan",
        ),
    )
)


@shaped_like(matrix_exp)
def jac_matrix_exp_symmetric(A):
    """Jacobian of ``A -> e^A`` at symmetric ``A``: Daleckii-Krein, entry ``[k, l, i, j]``."""
    return _daleckii_krein_jacobian(A, np.exp, np.exp)


def _midpoint_exp_jacobian(A):
    """The Daleckii-Krein form of exp with ``e^{(λ_i + λ_j)/2}`` in place of ``F_ij``."""
    lam, U = np.linalg.eigh(A)
    G = np.exp((lam[:, None] + lam[None, :]) / 2)
    return np.einsum("ka,ab,ia,jb,lb->klij", U, G, U, U, U)


def _sample_symmetric_with_gaps(rng, n):
    return {"A": _symmetric_with_gaps(rng, n)}


register(
    Identity(
        id="matfun.expm-frechet-symmetric",
        title="Jacobian of the matrix exponential at a symmetric matrix (Daleckii-Krein)",
        formula=(
            r"\frac{\partial \operatorname{vec}(e^{A})}{\partial \operatorname{vec}(A)} = "
            r"(U \otimes U) \operatorname{diag}(\operatorname{vec} F)\, (U \otimes U)^\top,\quad "
            r"F_{ij} = \frac{e^{\lambda_i} - e^{\lambda_j}}{\lambda_i - \lambda_j}\ (i \ne j),"
            r"\ F_{ii} = e^{\lambda_i}"
        ),
        where=_DK_WHERE,
        wrt="A",
        kind="jacobian",
        value=matrix_exp,
        derivative=jac_matrix_exp_symmetric,
        symbolic=_sp_exp_1x1,
        structure={"A": "symmetric"},
        sample=_sample_symmetric_with_gaps,
        symbolic_dims=(1,),  # see the assumptions
        sources=(DALECKII, f"{HIGHAM}, ch. 3 and ch. 10", NAJFELD),
        assumptions=(
            "A symmetric with distinct eigenvalues λ (at least 1/2 apart in the samples); the "
            "Jacobian is with respect to every entry of A. " + _DK_CHECK
        ),
        derivation=r"""
The Daleckii-Krein form (see `matfun.logm-frechet`) with $f = \exp$: in the eigenbasis,
$(U^\top L U)_{ij} = (U^\top E U)_{ij}\,\int_0^1 e^{s\lambda_i}e^{(1-s)\lambda_j}ds =
(U^\top E U)_{ij}\, (e^{\lambda_i} - e^{\lambda_j})/(\lambda_i - \lambda_j)$, the integral
form of the Fréchet derivative taken entry by entry. It agrees with the block-triangular
formula of `matfun.expm-frechet` at symmetric $A$.
""",
        mistakes=(
            Mistake(
                r"(U \otimes U) \operatorname{diag}(\operatorname{vec} G)\, (U \otimes U)^\top,"
                r"\quad G_{ij} = e^{(\lambda_i + \lambda_j)/2}",
                lambda A: _midpoint_exp_jacobian(A),
                "the midpoint rule for the integral of e^{sλ_i} e^{(1-s)λ_j}: the geometric mean "
                "of e^{λ_i} and e^{λ_j} in place of their divided difference",
            ),
            Mistake(
                r"I_n \otimes e^{A}\ \text{(vec column-major)}",
                lambda A: np.einsum("ki,jl->klij", _expm(A), np.eye(len(A))),
                "the scalar rule d e^a = e^a da: dA does not commute with A",
            ),
        ),
        related=("matfun.expm-frechet", "matfun.logm-frechet"),
        keywords=(
            "Daleckii-Krein matrix exponential",
            "expm derivative symmetric",
            "divided differences of exp",
            "d exp(A) symmetric",
        ),
    )
)


@shaped
def exp_tA(A: Arr["n n"], t: Arr["1"]):
    """The matrix exponential ``e^{tA}`` as a function of ``t`` (a scalar, as a 1-vector).

    >>> np.round(exp_tA(np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([2.0])), 12)
    array([[1., 2.],
           [0., 1.]])
    """
    return _expm(t[0] * A)


@shaped_like(exp_tA)
def d_exp_tA(A, t):
    """Derivative of ``e^{tA}`` with respect to ``t``: ``A e^{tA}``, of shape (n, n, 1)."""
    return (A @ _expm(t[0] * A))[:, :, None]


def _sample_exp_t(rng, n):
    return {"A": rng.standard_normal((n, n)) / np.sqrt(n), "t": rng.uniform(-1.5, 1.5, 1)}


def _sp_exp_t(A, t):
    import sympy as sp

    s = t[0, 0]
    return A.applyfunc(lambda a: sp.exp(s * a)), A.applyfunc(lambda a: a * sp.exp(s * a))


register(
    Identity(
        id="matfun.expm-t",
        title="Derivative of the matrix exponential e^{tA} with respect to t",
        formula=r"\frac{d}{dt} e^{tA} = A e^{tA} = e^{tA} A",
        wrt="t",
        kind="jacobian",
        value=exp_tA,
        derivative=d_exp_tA,
        symbolic=_sp_exp_t,
        sample=_sample_exp_t,
        symbolic_dims=(1,),  # sympy's exp of a symbolic 2 x 2 matrix takes minutes
        sources=(f"{HIGHAM}, ch. 10 (the matrix exponential)", NAJFELD),
        assumptions=(
            "A any square matrix, t real (a 1-vector, so the derivative has shape n x n x 1). "
            "tA commutes with A, so here, unlike for a direction "
            "E, the scalar rule holds. sympy verifies the 1 x 1 case exactly; the numerical "
            "check covers sizes 1, 2, 3, 5 and 8."
        ),
        derivation=r"""
The Fréchet derivative in the direction $E = A$: $\frac{d}{dt}e^{tA} = L_{\exp}(tA, A)
= \int_0^1 e^{stA} A\, e^{(1-s)tA} ds = A e^{tA}$, because $A$ commutes with $e^{stA}$. From
the series, $\frac{d}{dt}\sum_m t^m A^m/m! = A\sum_{m\ge1} t^{m-1}A^{m-1}/(m-1)!$. It is the
solution of $\dot X = AX$, $X(0) = I$.
""",
        mistakes=(
            Mistake(
                r"e^{tA}",
                lambda A, t: _expm(t[0] * A)[:, :, None],
                "the inner derivative d(tA)/dt = A forgotten",
            ),
        ),
        related=("matfun.expm-frechet", "adjoints.expm"),
        keywords=(
            "derivative of exp(tA)",
            "d/dt e^{tA}",
            "matrix exponential time derivative",
            "linear ODE solution derivative",
        ),
    )
)


def _sinm(A):
    """``sin A = (e^{iA} - e^{-iA}) / (2i)``, the real part for real A (analytic in A)."""
    out = (_expm(1j * A) - _expm(-1j * A)) / 2j
    return out.real if np.isrealobj(A) else out


@shaped
def matrix_sin(A: Arr["n n"]):
    """The matrix sine ``C = sin A``.

    >>> np.round(matrix_sin(np.array([[0.0, 1.0], [0.0, 0.0]])), 12)
    array([[0., 1.],
           [0., 0.]])
    """
    return _sinm(A)


@shaped
def adjoint_matrix_sin(A: Arr["n n"], Cbar: Arr["n n"]):
    """Adjoint of ``A`` in ``C = sin A``: the top-right block of ``sin([[A^T, C̄], [0, A^T]])``."""
    return _block_frechet(_sinm, A.T, Cbar)


def _sample_sin(rng, n):
    return {"A": rng.standard_normal((n, n)) / np.sqrt(n), "Cbar": rng.standard_normal((n, n))}


def _sp_sin_1x1(A, Cbar):
    import sympy as sp

    return A.applyfunc(sp.sin), Cbar * sp.cos(A[0, 0])


register(
    Identity(
        id="matfun.sinm-vjp",
        title="Reverse-mode rule of an analytic matrix function (the matrix sine)",
        formula=(
            r"C = \sin A:\quad \bar A = L_{\sin}(A^\top, \bar C) = \Big[\sin\begin{pmatrix} "
            r"A^\top & \bar C \\ 0 & A^\top\end{pmatrix}\Big]_{12}"
        ),
        where=(r"L_{\sin}(X, E) = \Big[\sin\begin{pmatrix} X & E \\ 0 & X\end{pmatrix}\Big]_{12}",),
        wrt="A",
        kind="vjp",
        cotangent="Cbar",
        value=matrix_sin,
        derivative=adjoint_matrix_sin,
        symbolic=_sp_sin_1x1,
        sample=_sample_sin,
        symbolic_dims=(1,),  # no closed form sympy verifies in seconds beyond 1 x 1
        sources=(HIGHAM_BLOCK, MATHIAS, GILES, TORCH_EXP),
        assumptions=(
            "A any square matrix; the same rule holds for every f with a power series with "
            "real coefficients (exp, sin, cos, sinh, polynomials): Ā = L_f(A^T, C̄). sin is "
            "computed as (e^{iA} - e^{-iA}) / (2i). sympy verifies the 1 x 1 case exactly; the "
            "tests check <C̄, L(A, E)> = <Ā, E> at random E with L from the eigendecomposition "
            "of A (diagonalizable samples); the numerical check covers sizes 1, 2, 3, 5 and 8."
        ),
        derivation=r"""
For $f(x) = \sum_m a_m x^m$ with real $a_m$, $L_f(A, E) = \sum_m a_m \sum_k A^k E A^{m-1-k}$,
and the adjoint of $E \mapsto A^k E A^{m-1-k}$ is $\bar C \mapsto (A^\top)^k \bar C
(A^\top)^{m-1-k}$; summed, $\bar A = L_f(A^\top, \bar C)$. The block-triangular identity
$f\begin{pmatrix} X & E \\ 0 & X\end{pmatrix} = \begin{pmatrix} f(X) & L_f(X, E) \\ 0 &
f(X)\end{pmatrix}$ (Higham 2008, Theorem 3.6) evaluates it with one $f$ of a $2n \times 2n$
matrix, here $X = A^\top$, $E = \bar C$; PyTorch's backward of `matrix_exp` does the same
for $\exp$.
""",
        mistakes=(
            Mistake(
                r"\cos(A^\top)\, \bar C",
                lambda A, Cbar: (_expm(1j * A.T) + _expm(-1j * A.T)).real / 2 @ Cbar,
                "the scalar rule d sin a = cos a da: C̄ does not commute with A^T",
            ),
            Mistake(
                r"L_{\sin}(A, \bar C)",
                lambda A, Cbar: _block_frechet(_sinm, A, Cbar),
                "the Fréchet derivative at A instead of A^T: right only for symmetric A",
            ),
        ),
        related=("adjoints.expm", "traces.sin", "matfun.expm-frechet"),
        keywords=(
            "matrix function backward",
            "sinm VJP",
            "analytic matrix function adjoint",
            "differential_analytic_matrix_function",
            "block triangular trick",
        ),
    )
)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "powers",
        "Matrix powers and polynomials",
        ("matfun.power-frechet-kron", "matfun.power-vjp", "matfun.polynomial-vjp"),
    ),
    (
        "square-root",
        "Matrix square root",
        ("matfun.sqrtm-frechet", "matfun.sqrtm-vjp", "matfun.trace-sqrtm"),
    ),
    (
        "logarithm-powers",
        "Matrix logarithm and fractional powers",
        (
            "matfun.logm-frechet",
            "matfun.trace-logm",
            "matfun.power-frechet",
            "matfun.trace-power",
        ),
    ),
    (
        "exponential-analytic",
        "Exponential and analytic functions",
        (
            "matfun.expm-frechet",
            "matfun.expm-frechet-symmetric",
            "matfun.expm-t",
            "matfun.sinm-vjp",
        ),
    ),
)
