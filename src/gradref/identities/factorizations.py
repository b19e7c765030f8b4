"""Derivatives of QR, LU and Cholesky factorisations and triangular solves.

The pseudo-inverse and least squares, which build on them, are :mod:`gradref.identities.leastsquares`.

Reverse-mode entries (kind ``"vjp"``) give the adjoint of an input for an upstream gradient
shaped like the output; forward-mode entries (kind ``"jacobian"``) state the differential
``dF`` for a direction ``dA`` and implement the full Jacobian by applying it to every unit
direction ``E_ij``, so that the forward rule itself is what the build verifies.

A map defined on a triangle (a triangular solve) reads only that triangle of its argument, so
every direction is allowed and its adjoint is zero off the triangle; a map of a symmetric
matrix (Cholesky) reads the symmetric part ``(A + A^T)/2``. The factorisations are written
out (Gram-Schmidt, Doolittle, the Cholesky recurrence), without conjugation, so that they
are complex-analytic (the complex step differentiates them exactly) and run on sympy
matrices as well.
"""

import math

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.adjoints import MURRAY, _cholesky, cholesky_factor
from gradref.shapes import STRUCTURES, Arr, shaped

GILES = (
    'Giles, "An extended collection of matrix derivative results for forward and reverse mode '
    'algorithmic differentiation", Oxford University Computing Laboratory, report NA-08/01 (2008)'
)
PYTORCH = "PyTorch, `torch/csrc/autograd/FunctionsManual.cpp`"
JAX = "JAX, `jax/_src/lax/linalg.py`"
SEEGER = (
    'Seeger, Hetzel, Dai, Meissner & Lawrence, "Auto-differentiating linear algebra", '
    "arXiv:1710.08717 (2017)"
)
WALTER = (
    'Walter & Lehmann, "Algorithmic differentiation of linear algebra functions with '
    'application in optimum experimental design (extended version)", arXiv:1001.1654 (2010)'
)
GOLUB_PEREYRA = (
    'Golub & Pereyra, "The differentiation of pseudo-inverses and nonlinear least squares '
    'problems whose variables separate", *SIAM Journal on Numerical Analysis* 10 (1973)'
)

# -- numpy and sympy alike ------------------------------------------------------------------


def _is_sympy(M):
    return not isinstance(M, np.ndarray)


def _masked(M, keep):
    """``M`` with the entries ``(i, j)`` for which ``keep(i, j)`` is false set to zero."""
    if _is_sympy(M):
        import sympy as sp

        return sp.Matrix(M.rows, M.cols, lambda i, j: M[i, j] if keep(i, j) else 0)
    rows, cols = np.indices(M.shape)
    return np.where(keep(rows, cols), M, 0)


def _tril(M, k=0):
    """The lower triangle of ``M`` from the ``k``-th diagonal down (``k = -1``: strictly)."""
    return _masked(M, lambda i, j: i - j >= -k)


def _triu(M, k=0):
    """The upper triangle of ``M`` from the ``k``-th diagonal up (``k = 1``: strictly)."""
    return _masked(M, lambda i, j: j - i >= k)


def _inv(M):
    return M.inv() if _is_sympy(M) else np.linalg.inv(M)


def _eye(n, like):
    if _is_sympy(like):
        import sympy as sp

        return sp.eye(n)
    return np.eye(n)


def _sqrt(x):
    if isinstance(x, (np.number, float, complex)):
        return np.sqrt(x)
    import sympy as sp

    return sp.sqrt(x)


def _sym(M):
    return (M + M.T) / 2


def _phi(M):
    """The lower triangle of ``M`` with its diagonal halved."""
    return _tril(M, -1) + (_tril(M) - _tril(M, -1)) / 2


def _unit(shape, i, j, like):
    """The unit direction ``E_ij`` of the given shape."""
    if _is_sympy(like):
        import sympy as sp

        return sp.Matrix(*shape, lambda k, el: 1 if (k, el) == (i, j) else 0)
    E = np.zeros(shape)
    E[i, j] = 1.0
    return E


def _jacobian(forward, X):
    """The Jacobian ``dF_kl / dX_ij`` of a forward rule ``dX -> dF``, one unit direction at a time.

    numpy: an array of shape ``F.shape + X.shape``; sympy: the matrix of shape
    ``(F.size, X.size)`` whose column ``(i, j)`` (row-major) is ``dF`` at ``dX = E_ij``.
    """
    rows, cols = X.shape
    columns = [forward(_unit((rows, cols), i, j, X)) for i in range(rows) for j in range(cols)]
    if _is_sympy(X):
        import sympy as sp

        return sp.Matrix.hstack(*[sp.Matrix(list(c)) for c in columns])
    out = np.stack(columns, axis=-1)
    return out.reshape((*out.shape[:-1], rows, cols))


# -- samplers -------------------------------------------------------------------------------


def _triangular(rng, n, lower=True):
    """A triangular matrix with diagonal entries of modulus in [1, 2] and random signs."""
    T = rng.standard_normal((n, n)) / np.sqrt(n)
    T = np.tril(T, -1) if lower else np.triu(T, 1)
    return T + np.diag(rng.uniform(1.0, 2.0, n) * rng.choice([-1.0, 1.0], n))


def _full_column_rank(rng, m, n):
    """``U diag(s) V^T`` of shape (m, n), m >= n, with singular values s in [1, 2]."""
    U = np.linalg.qr(rng.standard_normal((m, n)))[0]
    V = STRUCTURES["orthogonal"][0](rng, (n, n))
    return (U * rng.uniform(1.0, 2.0, n)) @ V.T


def _sample_left_lower(rng, n):
    """A lower-triangular ``L`` (n x n), ``B`` and ``X̄`` (n x (n + 1))."""
    return {
        "L": _triangular(rng, n),
        "B": rng.standard_normal((n, n + 1)),
        "Xbar": rng.standard_normal((n, n + 1)),
    }


def _sample_left_upper(rng, n):
    """An upper-triangular ``U`` (n x n), ``B`` and ``X̄`` (n x (n + 1))."""
    return {
        "U": _triangular(rng, n, lower=False),
        "B": rng.standard_normal((n, n + 1)),
        "Xbar": rng.standard_normal((n, n + 1)),
    }


def _sample_right_upper(rng, n):
    """An upper-triangular ``U`` (n x n), ``B`` and ``X̄`` ((n + 1) x n)."""
    return {
        "U": _triangular(rng, n, lower=False),
        "B": rng.standard_normal((n + 1, n)),
        "Xbar": rng.standard_normal((n + 1, n)),
    }


# -- triangular solves ----------------------------------------------------------------------


@shaped
def solve_lower(L: Arr["n n"], B: Arr["n m"]):
    """``X = L^{-1} B`` with ``L`` the lower triangle of its argument (the rest is ignored).

    >>> solve_lower(np.array([[2.0, 9.0], [1.0, 1.0]]), np.array([[2.0], [3.0]]))
    array([[1.],
           [2.]])
    """
    return np.linalg.solve(np.tril(L), B)


@shaped
def adjoint_solve_lower(L: Arr["n n"], B: Arr["n m"], Xbar: Arr["n m"]):
    """Adjoint of ``L`` in ``X = L^{-1} B``: ``-tril(B̄ X^T)`` with ``B̄ = L^{-T} X̄``."""
    T = np.tril(L)
    X = np.linalg.solve(T, B)
    return -np.tril(np.linalg.solve(T.T, Xbar) @ X.T)


def _sp_solve_lower(L, B, Xbar):
    T = _tril(L)
    X = T.inv() * B
    return X, -_tril(T.inv().T * Xbar * X.T)


register(
    Identity(
        id="factorizations.trisolve-lower",
        title="Adjoint of the triangular matrix of a lower-triangular solve",
        formula=(
            r"X = L^{-1}B:\quad \bar L = -\operatorname{tril}(\bar B X^\top),"
            r"\quad \bar B = L^{-\top}\bar X"
        ),
        wrt="L",
        kind="vjp",
        cotangent="Xbar",
        value=solve_lower,
        derivative=adjoint_solve_lower,
        symbolic=_sp_solve_lower,
        sample=_sample_left_lower,
        sources=(
            f"{GILES}, §3.1, 'Matrix inverse product' (the dense rule, restricted here to a "
            "triangle)",
            f"{PYTORCH}, `linalg_solve_triangular_backward` (formerly `triangular_solve_backward`)",
            f"{JAX}, `_triangular_solve_transpose_rule` and `_triangular_solve_jvp_rule_a`",
        ),
        assumptions=(
            "L lower triangular with a non-zero diagonal (the sample's has modulus in [1, 2] "
            "and random signs). The solve reads only the lower triangle of its argument, so a "
            r"perturbation of the strictly upper triangle changes nothing and $\bar L$ is zero "
            r"there; $\operatorname{tril}$ keeps the lower triangle with the diagonal."
        ),
        derivation=r"""
Differentiating $LX = B$ with $B$ fixed gives $dL\,X + L\,dX = 0$, so $dX = -L^{-1}dL\,X$ and
$\langle \bar X, dX\rangle = -\operatorname{tr}(\bar X^\top L^{-1} dL\, X)
= \langle -L^{-\top}\bar X X^\top, dL\rangle$: the dense solve's adjoint $-\bar B X^\top$.
Only the lower triangle of $dL$ can be non-zero (the solve never reads the rest), so only the
lower triangle of the dense adjoint pairs with it: $\bar L = -\operatorname{tril}(\bar B
X^\top)$, computed with one more triangular solve ($\bar B = L^{-\top}\bar X$, an upper solve).
""",
        mistakes=(
            Mistake(
                r"-L^{-\top}\bar X X^\top",
                lambda L, B, Xbar: (
                    -np.linalg.solve(np.tril(L).T, Xbar) @ np.linalg.solve(np.tril(L), B).T
                ),
                "the dense solve's adjoint without the triangle: its strictly upper part is "
                "a gradient for entries the solve never reads, and an optimiser that applies "
                "it destroys the triangular structure",
            ),
            Mistake(
                r"-\operatorname{tril}(L^{-1}\bar X X^\top)",
                lambda L, B, Xbar: (
                    -np.tril(np.linalg.solve(np.tril(L), Xbar) @ np.linalg.solve(np.tril(L), B).T)
                ),
                "the backward solve done with L instead of L^T (a lower solve where an upper "
                "one is needed)",
            ),
        ),
        related=("adjoints.solve-matrix", "factorizations.trisolve-upper"),
        keywords=(
            "triangular solve backward",
            "solve_triangular VJP",
            "forward substitution adjoint",
            "trsm adjoint",
            "L^-1 B",
        ),
    )
)


@shaped
def solve_upper(U: Arr["n n"], B: Arr["n m"]):
    """``X = U^{-1} B`` with ``U`` the upper triangle of its argument (the rest is ignored).

    >>> solve_upper(np.array([[2.0, 1.0], [9.0, 1.0]]), np.array([[4.0], [2.0]]))
    array([[1.],
           [2.]])
    """
    return np.linalg.solve(np.triu(U), B)


@shaped
def adjoint_solve_upper(U: Arr["n n"], B: Arr["n m"], Xbar: Arr["n m"]):
    """Adjoint of ``U`` in ``X = U^{-1} B``: ``-triu(B̄ X^T)`` with ``B̄ = U^{-T} X̄``."""
    T = np.triu(U)
    X = np.linalg.solve(T, B)
    return -np.triu(np.linalg.solve(T.T, Xbar) @ X.T)


def _sp_solve_upper(U, B, Xbar):
    T = _triu(U)
    X = T.inv() * B
    return X, -_triu(T.inv().T * Xbar * X.T)


register(
    Identity(
        id="factorizations.trisolve-upper",
        title="Adjoint of the triangular matrix of an upper-triangular solve",
        formula=(
            r"X = U^{-1}B:\quad \bar U = -\operatorname{triu}(\bar B X^\top),"
            r"\quad \bar B = U^{-\top}\bar X"
        ),
        wrt="U",
        kind="vjp",
        cotangent="Xbar",
        value=solve_upper,
        derivative=adjoint_solve_upper,
        symbolic=_sp_solve_upper,
        sample=_sample_left_upper,
        sources=(
            f"{GILES}, §3.1, 'Matrix inverse product' (the dense rule, restricted here to a "
            "triangle)",
            f"{PYTORCH}, `linalg_solve_triangular_backward`",
            f"{JAX}, `_triangular_solve_transpose_rule` and `_triangular_solve_jvp_rule_a`",
        ),
        assumptions=(
            "U upper triangular with a non-zero diagonal (back substitution); the solve reads "
            r"only the upper triangle, so $\bar U$ is zero below the diagonal; "
            r"$\operatorname{triu}$ keeps the upper triangle with the diagonal."
        ),
        derivation=r"""
As for a lower solve: $dX = -U^{-1}dU\,X$, so the dense adjoint is $-U^{-\top}\bar X X^\top
= -\bar B X^\top$, and only its upper triangle pairs with an admissible $dU$:
$\bar U = -\operatorname{triu}(\bar B X^\top)$. The backward pass is a lower solve
($U^\top$ is lower triangular).
""",
        mistakes=(
            Mistake(
                r"-\operatorname{tril}(\bar B X^\top)",
                lambda U, B, Xbar: (
                    -np.tril(np.linalg.solve(np.triu(U).T, Xbar) @ np.linalg.solve(np.triu(U), B).T)
                ),
                "the lower-triangular rule copied to an upper solve: the mask must follow "
                "the triangle that the solve reads",
            ),
            Mistake(
                r"-U^{-\top}\bar X X^\top",
                lambda U, B, Xbar: (
                    -np.linalg.solve(np.triu(U).T, Xbar) @ np.linalg.solve(np.triu(U), B).T
                ),
                "the dense adjoint without the triangle",
            ),
        ),
        related=("factorizations.trisolve-lower", "adjoints.solve-matrix"),
        keywords=(
            "triangular solve backward",
            "back substitution adjoint",
            "solve_triangular upper VJP",
            "U^-1 B",
        ),
    )
)


@shaped
def solve_lower_transposed(L: Arr["n n"], B: Arr["n m"]):
    """``X = L^{-T} B`` (the solve ``L^T X = B``) with ``L`` the lower triangle of its argument.

    >>> solve_lower_transposed(np.array([[2.0, 9.0], [1.0, 1.0]]), np.array([[4.0], [2.0]]))
    array([[1.],
           [2.]])
    """
    return np.linalg.solve(np.tril(L).T, B)


@shaped
def adjoint_solve_lower_transposed(L: Arr["n n"], B: Arr["n m"], Xbar: Arr["n m"]):
    """Adjoint of ``L`` in ``X = L^{-T} B``: ``-tril(X B̄^T)`` with ``B̄ = L^{-1} X̄``."""
    T = np.tril(L)
    X = np.linalg.solve(T.T, B)
    return -np.tril(X @ np.linalg.solve(T, Xbar).T)


def _sp_solve_lower_transposed(L, B, Xbar):
    T = _tril(L)
    X = T.T.inv() * B
    return X, -_tril(X * (T.inv() * Xbar).T)


register(
    Identity(
        id="factorizations.trisolve-transposed",
        title="Adjoint of the triangular matrix of a transposed triangular solve",
        formula=(
            r"X = L^{-\top}B:\quad \bar L = -\operatorname{tril}(X \bar B^\top),"
            r"\quad \bar B = L^{-1}\bar X"
        ),
        wrt="L",
        kind="vjp",
        cotangent="Xbar",
        value=solve_lower_transposed,
        derivative=adjoint_solve_lower_transposed,
        symbolic=_sp_solve_lower_transposed,
        sample=_sample_left_lower,
        sources=(
            f"{PYTORCH}, `linalg_solve_triangular_backward` (the transposed solve is the upper "
            "solve with L^T)",
            f"{JAX}, `_triangular_solve_transpose_rule` (its `transpose_a` case)",
            f"{GILES}, §3.1, 'Matrix inverse product'",
        ),
        assumptions=(
            "L lower triangular with a non-zero diagonal; the solve is with its transpose "
            "(LAPACK's trans = 'T'), as in the second half of a Cholesky solve. Only the lower "
            r"triangle of the argument is read, so $\bar L$ is lower triangular."
        ),
        derivation=r"""
Differentiating $L^\top X = B$ gives $dX = -L^{-\top} dL^\top X$, so
$\langle \bar X, dX\rangle = -\operatorname{tr}(\bar X^\top L^{-\top} dL^\top X)
= -\operatorname{tr}(X \bar B^\top dL^\top) = \langle -X\bar B^\top, dL\rangle$ with
$\bar B = L^{-1}\bar X$. The outer product comes out in the opposite order to the
untransposed solve's, $\bar L = -\operatorname{tril}(X\bar B^\top)$, which is the upper
solve's rule $-\operatorname{triu}(\bar B X^\top)$ for $U = L^\top$, transposed.
""",
        mistakes=(
            Mistake(
                r"-\operatorname{tril}(L^{-\top}\bar X X^\top)",
                lambda L, B, Xbar: (
                    -np.tril(
                        np.linalg.solve(np.tril(L).T, Xbar) @ np.linalg.solve(np.tril(L).T, B).T
                    )
                ),
                "the untransposed solve's rule reused for the transposed solve (the "
                "`transpose` flag ignored in the backward pass)",
            ),
            Mistake(
                r"-\operatorname{triu}(L^{-1}\bar X X^\top)",
                lambda L, B, Xbar: (
                    -np.triu(np.linalg.solve(np.tril(L), Xbar) @ np.linalg.solve(np.tril(L).T, B).T)
                ),
                "the upper solve's rule for U = L^T applied without transposing back: the "
                "adjoint of L^T, not of L",
            ),
        ),
        related=("factorizations.trisolve-lower", "factorizations.cholesky-solve-matrix"),
        keywords=(
            "transposed triangular solve backward",
            "solve_triangular trans VJP",
            "L^-T B",
            "triangular solve backward",
        ),
    )
)


@shaped
def solve_upper_right(U: Arr["n n"], B: Arr["m n"]):
    """``X = B U^{-1}`` (the solve ``X U = B`` from the right), ``U`` the upper triangle.

    >>> solve_upper_right(np.array([[2.0, 1.0], [9.0, 1.0]]), np.array([[2.0, 3.0]]))
    array([[1., 2.]])
    """
    return np.linalg.solve(np.triu(U).T, B.T).T


@shaped
def adjoint_solve_upper_right(U: Arr["n n"], B: Arr["m n"], Xbar: Arr["m n"]):
    """Adjoint of ``U`` in ``X = B U^{-1}``: ``-triu(X^T B̄)`` with ``B̄ = X̄ U^{-T}``."""
    T = np.triu(U)
    X = np.linalg.solve(T.T, B.T).T
    Bbar = np.linalg.solve(T, Xbar.T).T
    return -np.triu(X.T @ Bbar)


@shaped
def adjoint_solve_upper_right_rhs(U: Arr["n n"], B: Arr["m n"], Xbar: Arr["m n"]):
    """Adjoint of ``B`` in ``X = B U^{-1}``: ``B̄ = X̄ U^{-T}``."""
    return np.linalg.solve(np.triu(U), Xbar.T).T


def _sp_solve_upper_right(U, B, Xbar):
    T = _triu(U)
    X = B * T.inv()
    return X, -_triu(X.T * Xbar * T.inv().T)


register(
    Identity(
        id="factorizations.trisolve-right",
        title="Adjoint of the triangular matrix of a triangular solve from the right",
        formula=(
            r"X = B U^{-1}:\quad \bar U = -\operatorname{triu}(X^\top \bar B),"
            r"\quad \bar B = \bar X U^{-\top}"
        ),
        wrt="U",
        kind="vjp",
        cotangent="Xbar",
        value=solve_upper_right,
        derivative=adjoint_solve_upper_right,
        symbolic=_sp_solve_upper_right,
        sample=_sample_right_upper,
        sources=(
            f"{PYTORCH}, `linalg_solve_triangular_backward` (its `left=False` case)",
            f"{JAX}, `_triangular_solve_transpose_rule` (its `left_side=False` case)",
            f"{GILES}, §3.1, 'Matrix inverse product'",
        ),
        assumptions=(
            "U upper triangular with a non-zero diagonal; B has m rows (m differs from n in "
            r"the sample, so an outer product in the wrong order cannot pass). $\bar U$ is "
            "zero below the diagonal."
        ),
        derivation=r"""
Differentiating $XU = B$ with $B$ fixed gives $dX = -X\,dU\,U^{-1}$, so
$\langle \bar X, dX\rangle = -\operatorname{tr}(\bar X^\top X\,dU\,U^{-1})
= -\operatorname{tr}(U^{-1}\bar X^\top X\,dU) = \langle -X^\top \bar X U^{-\top}, dU\rangle$;
with $\bar B = \bar X U^{-\top}$ and the mask of the triangle,
$\bar U = -\operatorname{triu}(X^\top\bar B)$. The factor order is the mirror of the left
solve's $-\bar B X^\top$.
""",
        mistakes=(
            Mistake(
                r"-\operatorname{triu}(X^\top \bar X U^{-1})",
                lambda U, B, Xbar: (
                    -np.triu(np.linalg.solve(np.triu(U).T, B.T) @ Xbar @ np.linalg.inv(np.triu(U)))
                ),
                "the backward solve with U instead of U^T",
            ),
            Mistake(
                r"-X^\top \bar X U^{-\top}",
                lambda U, B, Xbar: (
                    -np.linalg.solve(np.triu(U).T, B.T) @ np.linalg.solve(np.triu(U), Xbar.T).T
                ),
                "the dense adjoint without the triangle",
            ),
        ),
        related=("factorizations.trisolve-right-rhs", "factorizations.trisolve-upper"),
        keywords=(
            "right triangular solve backward",
            "solve_triangular left=False VJP",
            "B U^-1",
            "X U = B",
        ),
    )
)

register(
    Identity(
        id="factorizations.trisolve-right-rhs",
        title="Adjoint of the right-hand side of a triangular solve from the right",
        formula=r"X = B U^{-1}:\quad \bar B = \bar X U^{-\top}",
        wrt="B",
        kind="vjp",
        cotangent="Xbar",
        value=solve_upper_right,
        derivative=adjoint_solve_upper_right_rhs,
        symbolic=lambda U, B, Xbar: (B * _triu(U).inv(), Xbar * _triu(U).inv().T),
        sample=_sample_right_upper,
        sources=(
            f"{PYTORCH}, `linalg_solve_triangular_backward` (its `left=False` case)",
            f"{GILES}, §3.1, 'Matrix inverse product'",
        ),
        assumptions=(
            r"U upper triangular with a non-zero diagonal. $\bar B$ costs one solve from the "
            r"right with $U^\top$ (a lower-triangular matrix), never an inverse."
        ),
        derivation=r"""
With $U$ fixed, $dX = dB\,U^{-1}$ and $\langle \bar X, dB\,U^{-1}\rangle =
\operatorname{tr}(\bar X^\top dB\, U^{-1}) = \operatorname{tr}(U^{-1}\bar X^\top dB)
= \langle \bar X U^{-\top}, dB\rangle$.
""",
        mistakes=(
            Mistake(
                r"\bar X U^{-1}",
                lambda U, B, Xbar: Xbar @ np.linalg.inv(np.triu(U)),
                "the forward solve repeated: a solve with U where the adjoint needs U^T",
            ),
        ),
        related=("factorizations.trisolve-right", "adjoints.solve-rhs"),
        keywords=("right triangular solve backward", "B U^-1", "solve_triangular left=False"),
    )
)


# -- Cholesky: forward mode and the Cholesky solve ------------------------------------------


def _sample_spd_jacobian(rng, n):
    """An SPD matrix of size ``n + 1`` (sympy checks n = 1: 2 x 2)."""
    return {"A": STRUCTURES["spd"][0](rng, (n + 1, n + 1))}


def _cholesky_forward(A, half_diagonal=True, left=True):
    """The forward rule ``V -> L Φ(L^{-1} sym(V) L^{-T})`` at ``A`` (numpy or sympy).

    ``half_diagonal=False`` and ``left=False`` switch on the listed mistakes.
    """
    L = _cholesky(_sym(A))
    Linv = _inv(L)
    mask = _phi if half_diagonal else _tril
    if left:
        return lambda V: L @ mask(Linv @ _sym(V) @ Linv.T)
    return lambda V: mask(Linv @ _sym(V) @ Linv.T) @ L


@shaped
def jac_cholesky(A: Arr["n n"]):
    """Jacobian of ``L = chol((A + A^T)/2)``: ``dL = L Φ(L^{-1} sym(dA) L^{-T})``, shape (n, n, n, n).

    >>> float(jac_cholesky(np.array([[4.0]]))[0, 0, 0, 0])
    0.25
    """
    return _jacobian(_cholesky_forward(A), A)


register(
    Identity(
        id="factorizations.cholesky-jvp",
        title="Jacobian of the Cholesky factor (forward-mode rule)",
        formula=(
            r"L = \operatorname{chol}\big(\tfrac12(A + A^\top)\big):\quad"
            r" dL = L\,\Phi\big(L^{-1}\operatorname{sym}(dA)\,L^{-\top}\big)"
        ),
        where=(r"\Phi(M) = \operatorname{tril}(M) - \tfrac12\operatorname{diag}(M)",),
        wrt="A",
        kind="jacobian",
        value=cholesky_factor,
        derivative=jac_cholesky,
        symbolic=lambda A: (_cholesky(_sym(A)), _jacobian(_cholesky_forward(A), A)),
        sample=_sample_spd_jacobian,
        symbolic_dims=(1,),  # sympy at 2 x 2 (nested square roots beyond); numerics at 2-9
        sources=(
            f"{MURRAY}, §3 (the forward-mode result for the Cholesky factor)",
            f"{GILES}, §3.1, 'Cholesky factorisation' (forward mode)",
            f"{JAX}, `_cholesky_jvp_rule`",
            f"{PYTORCH}, `cholesky_jvp`",
        ),
        assumptions=(
            "A symmetric positive definite; the factor is that of the symmetric part, so every "
            r"direction dA is allowed. $\Phi$ keeps the lower triangle and halves the diagonal "
            r"($\operatorname{diag}(M)$ is the diagonal part of $M$). The Jacobian is stored as "
            r"$\partial L_{kl}/\partial A_{ij}$, shape (n, n, n, n), each direction $E_{ij}$ "
            "pushed through the rule. sympy checks the 2 x 2 case exactly; the numerical check "
            "(complex step through the written-out Cholesky recurrence) covers sizes up to 9, "
            "and factorizations.cholesky-jvp agrees with adjoints.cholesky "
            r"($\langle \bar L, dL\rangle = \langle \bar A, dA\rangle$, tested)."
        ),
        derivation=r"""
Differentiate $S = LL^\top$ with $S = \operatorname{sym}(A)$: $dS = dL\,L^\top + L\,dL^\top$,
so $L^{-1}dS\,L^{-\top} = L^{-1}dL + (L^{-1}dL)^\top$. The matrix $L^{-1}dL$ is lower
triangular (a product of lower-triangular matrices), so it is the lower triangle of the
symmetric $L^{-1}dS\,L^{-\top}$ with its diagonal halved (the diagonal appears twice on the
right): $L^{-1}dL = \Phi(L^{-1}dS\,L^{-\top})$, and $dL = L\,\Phi(L^{-1}dS\,L^{-\top})$. The
cost is two triangular solves and a triangular product.
""",
        mistakes=(
            Mistake(
                r"dL = L\,\operatorname{tril}\big(L^{-1}\operatorname{sym}(dA)\,L^{-\top}\big)",
                lambda A: _jacobian(_cholesky_forward(A, half_diagonal=False), A),
                "the diagonal not halved: it counts the diagonal of L^{-1}dL twice (for 1 x 1, "
                "dL = dA / L instead of dA / (2L), the derivative of a square root)",
            ),
            Mistake(
                r"dL = \Phi\big(L^{-1}\operatorname{sym}(dA)\,L^{-\top}\big)\,L",
                lambda A: _jacobian(_cholesky_forward(A, left=False), A),
                "L multiplied on the wrong side: also lower triangular, so it looks plausible, "
                "but dL = L (L^{-1} dL) puts L on the left",
            ),
        ),
        related=("adjoints.cholesky", "factorizations.cholesky-solve-matrix"),
        keywords=(
            "Cholesky JVP",
            "Cholesky forward mode",
            "derivative of the Cholesky factor",
            "dL = L Phi(L^-1 dA L^-T)",
            "Cholesky tangent",
        ),
    )
)


def _vech_size(a):
    """``n`` for a vector of length ``n (n + 1) / 2``, or a ValueError naming ``a``."""
    p = a.shape[0]
    n = (math.isqrt(8 * p + 1) - 1) // 2
    if n * (n + 1) // 2 != p:
        raise ValueError(f"`a` must have length n(n + 1)/2 (vech of an n x n matrix); got {p}")
    return n


def _lower_pairs(n):
    """The (i, j), i >= j, in vech order: the lower triangle, column by column."""
    return [(i, j) for j in range(n) for i in range(j, n)]


def _unvech(a, n):
    """The symmetric matrix whose lower triangle, column by column, is ``a``."""
    A = np.zeros((n, n), dtype=a.dtype)
    for k, (i, j) in enumerate(_lower_pairs(n)):
        A[i, j] = A[j, i] = a[k]
    return A


def _vech(M):
    return np.array([M[i, j] for i, j in _lower_pairs(M.shape[0])])


def _elimination(n):
    """``L_n``, with ``vech(M) = L_n vec(M)`` (vec column-major)."""
    pairs = _lower_pairs(n)
    E = np.zeros((len(pairs), n * n))
    for k, (i, j) in enumerate(pairs):
        E[k, j * n + i] = 1.0
    return E


def _commutation(n):
    """``K_nn``, with ``vec(M^T) = K_nn vec(M)``."""
    K = np.zeros((n * n, n * n))
    for i in range(n):
        for j in range(n):
            K[i * n + j, j * n + i] = 1.0
    return K


def _jac_vech_closed_form(a, commutation=True):
    """``(L_n (I + K_nn)(L ⊗ I) L_n^T)^{-1}``; without ``commutation``, ``(2 L_n (L ⊗ I) L_n^T)^{-1}``."""
    n = _vech_size(a)
    L = _cholesky(_unvech(a, n))
    E = _elimination(n)
    mix = np.eye(n * n) + _commutation(n) if commutation else 2 * np.eye(n * n)
    return np.linalg.inv(E @ mix @ np.kron(L, np.eye(n)) @ E.T)


def _sample_vech(rng, n):
    """``vech`` of an SPD matrix of size ``n + 1`` (sympy checks n = 1: 2 x 2, p = 3)."""
    return {"a": _vech(STRUCTURES["spd"][0](rng, (n + 1, n + 1)))}


@shaped
def cholesky_vech(a: Arr["p"]):
    """``vech(L)`` for ``L = chol(A)``, the symmetric ``A`` given by ``a = vech(A)``.

    >>> cholesky_vech(np.array([4.0, 2.0, 5.0]))
    array([2., 1., 2.])
    """
    n = _vech_size(a)
    return _vech(_cholesky(_unvech(a, n)))


def _jac_vech(a):
    n = _vech_size(a)
    L = _cholesky(_unvech(a, n))
    Linv = np.linalg.inv(L)
    columns = []
    for i, j in _lower_pairs(n):
        E = np.zeros((n, n))
        E[i, j] = E[j, i] = 1.0
        columns.append(_vech(L @ _phi(Linv @ E @ Linv.T)))
    return np.stack(columns, axis=1)


@shaped
def jac_cholesky_vech(a: Arr["p"]):
    """Jacobian ``∂vech(L)/∂vech(A)`` (p x p), column by column from ``dL = L Φ(L^{-1} dA L^{-T})``.

    >>> jac_cholesky_vech(np.array([4.0]))
    array([[0.25]])
    """
    return _jac_vech(a)


def _sp_cholesky_vech(a):
    """The 2 x 2 case in sympy: ``vech(L)`` and the closed form of its Jacobian."""
    import sympy as sp

    n = (math.isqrt(8 * a.rows + 1) - 1) // 2
    pairs = _lower_pairs(n)
    A = sp.zeros(n, n)
    for k, (i, j) in enumerate(pairs):
        A[i, j] = A[j, i] = a[k]
    L = _cholesky(A)
    Linv = L.inv()
    columns = []
    for i, j in pairs:
        E = sp.zeros(n, n)
        E[i, j] = E[j, i] = 1
        dL = L * _phi(Linv * E * Linv.T)
        columns.append(sp.Matrix([dL[r, c] for r, c in pairs]))
    return sp.Matrix([L[r, c] for r, c in pairs]), sp.Matrix.hstack(*columns)


register(
    Identity(
        id="factorizations.cholesky-jvp-vech",
        title="Jacobian of the Cholesky factor in vech layout",
        formula=(
            r"\frac{\partial \operatorname{vech}(L)}{\partial \operatorname{vech}(A)} = "
            r"\big(L_n (I_{n^2} + K_{nn})(L \otimes I_n) L_n^\top\big)^{-1}"
        ),
        wrt="a",
        kind="jacobian",
        value=cholesky_vech,
        derivative=jac_cholesky_vech,
        symbolic=_sp_cholesky_vech,
        sample=_sample_vech,
        symbolic_dims=(1,),  # sympy at 2 x 2 (p = 3); nested square roots beyond
        sources=(
            f"{MURRAY}, §3 (the forward-mode result, here applied to each direction)",
            f"{GILES}, §3.1, 'Cholesky factorisation' (forward mode)",
            "Magnus & Neudecker, *Matrix Differential Calculus with Applications in Statistics "
            "and Econometrics*, 3rd ed. (2019), ch. 2 §8 (vech, the elimination matrix L_n and "
            "the commutation matrix K_nn)",
        ),
        assumptions=(
            "A symmetric positive definite, given by its p = n(n + 1)/2 free entries "
            "a = vech(A) (the lower triangle, column by column), so the Jacobian is a square "
            "p x p matrix; vech(L) holds the whole of the lower-triangular L. $L_n$ is the "
            "elimination matrix (vech(M) = L_n vec(M)), $K_{nn}$ the commutation matrix. "
            "The code builds the Jacobian column by column from the forward rule "
            r"$dL = L\,\Phi(L^{-1}dA\,L^{-\top})$ at the symmetric directions "
            r"$dA = E_{ij} + E_{ji}$ ($E_{ii}$ on the diagonal); the closed form is its "
            "inverse. sympy checks the 2 x 2 case; the numerical check covers sizes up to 9."
        ),
        derivation=r"""
Differentiating $A = LL^\top$ gives $dA = dL\,L^\top + L\,dL^\top$, so
$\operatorname{vec}(dA) = (I_{n^2} + K_{nn})(L\otimes I_n)\operatorname{vec}(dL)$. As $dL$ is
lower triangular, $\operatorname{vec}(dL) = L_n^\top \operatorname{vech}(dL)$, and
$\operatorname{vech}(dA) = L_n\operatorname{vec}(dA)$: the map
$\operatorname{vech}(dL) \mapsto \operatorname{vech}(dA)$ is the p x p matrix
$L_n(I + K_{nn})(L\otimes I_n)L_n^\top$, and the Jacobian is its inverse. Solving that linear
system is exactly the forward rule $dL = L\,\Phi(L^{-1}dA\,L^{-\top})$, which the code applies to
each unit direction of $\operatorname{vech}(A)$.
""",
        mistakes=(
            Mistake(
                r"\big(2\, L_n (L \otimes I_n) L_n^\top\big)^{-1}",
                lambda a: _jac_vech_closed_form(a, commutation=False),
                "dA = dL L^T + L dL^T treated as 2 dL L^T, as if the two terms were equal "
                "(the commutation matrix dropped)",
            ),
        ),
        related=("factorizations.cholesky-jvp", "adjoints.cholesky"),
        keywords=(
            "Cholesky Jacobian vech",
            "dvech(L)/dvech(A)",
            "derivative of the Cholesky factor",
            "elimination matrix",
        ),
    )
)


def _sample_cholesky_solve(rng, n):
    """An SPD ``A``, ``b`` and ``x̄`` of length n."""
    return {
        "A": STRUCTURES["spd"][0](rng, (n, n)),
        "b": rng.standard_normal(n),
        "xbar": rng.standard_normal(n),
    }


@shaped
def cholesky_solve(A: Arr["n n"], b: Arr["n"]):
    """``x = (L L^T)^{-1} b`` with ``L = chol((A + A^T)/2)``: two triangular solves.

    >>> cholesky_solve(np.array([[4.0, 2.0], [2.0, 5.0]]), np.array([4.0, 6.0]))
    array([0.5, 1. ])
    """
    L = _cholesky(_sym(A))
    return np.linalg.solve(L.T, np.linalg.solve(L, b))


@shaped
def adjoint_cholesky_solve_rhs(A: Arr["n n"], b: Arr["n"], xbar: Arr["n"]):
    """Adjoint of ``b`` in ``x = (L L^T)^{-1} b``: ``b̄ = L^{-T} L^{-1} x̄``."""
    L = _cholesky(_sym(A))
    return np.linalg.solve(L.T, np.linalg.solve(L, xbar))


@shaped
def adjoint_cholesky_solve_matrix(A: Arr["n n"], b: Arr["n"], xbar: Arr["n"]):
    """Adjoint of ``A`` in ``x = (L L^T)^{-1} b``: ``-sym(b̄ x^T)`` with ``b̄ = L^{-T} L^{-1} x̄``."""
    L = _cholesky(_sym(A))
    x = np.linalg.solve(L.T, np.linalg.solve(L, b))
    bbar = np.linalg.solve(L.T, np.linalg.solve(L, xbar))
    return -_sym(np.outer(bbar, x))


def _sp_cholesky_solve(A, b):
    """``(L L^T)^{-1} b = sym(A)^{-1} b`` (exact; sympy need not factor)."""
    return _sym(A).inv() * b


_CHOLESKY_SOLVE_SOURCES = (
    f"{GILES}, §3.1, 'Matrix inverse product' (with a symmetric matrix)",
    f"{PYTORCH}, `cholesky_solve_backward` (with respect to the factor L, from which the "
    "Cholesky adjoint leads to this)",
    f"{JAX}, `_triangular_solve_transpose_rule` (cho_solve is two triangular solves)",
)

register(
    Identity(
        id="factorizations.cholesky-solve-rhs",
        title="Adjoint of the right-hand side of a Cholesky solve",
        formula=(
            r"x = (LL^\top)^{-1}b,\ L = \operatorname{chol}(\operatorname{sym}(A)):\quad"
            r" \bar b = L^{-\top}L^{-1}\bar x"
        ),
        wrt="b",
        kind="vjp",
        cotangent="xbar",
        value=cholesky_solve,
        derivative=adjoint_cholesky_solve_rhs,
        symbolic=lambda A, b, xbar: (_sp_cholesky_solve(A, b), _sym(A).inv() * xbar),
        sample=_sample_cholesky_solve,
        sources=_CHOLESKY_SOLVE_SOURCES,
        assumptions=(
            r"A symmetric positive definite, $\operatorname{sym}(A) = \tfrac12(A + A^\top)$; "
            r"$\bar b$ reuses the factor: a forward and a back substitution, in that order."
        ),
        derivation=r"""
With $A$ fixed, $x = S^{-1}b$ for the symmetric $S = LL^\top$, so $\bar b = S^{-\top}\bar x =
S^{-1}\bar x = L^{-\top}(L^{-1}\bar x)$: the backward pass is the same Cholesky solve,
applied to $\bar x$.
""",
        mistakes=(
            Mistake(
                r"L^{-1}L^{-\top}\bar x",
                lambda A, b, xbar: np.linalg.solve(
                    _cholesky(_sym(A)), np.linalg.solve(_cholesky(_sym(A)).T, xbar)
                ),
                "the two triangular solves in the wrong order: that is (L^T L)^{-1}, not "
                "(L L^T)^{-1}",
            ),
            Mistake(
                r"L^{-\top}\bar x",
                lambda A, b, xbar: np.linalg.solve(_cholesky(_sym(A)).T, xbar),
                "only the last triangular solve transposed back, the first one forgotten",
            ),
        ),
        related=("factorizations.cholesky-solve-matrix", "adjoints.solve-rhs"),
        keywords=("cho_solve backward", "Cholesky solve adjoint", "cholesky_solve VJP"),
    )
)

register(
    Identity(
        id="factorizations.cholesky-solve-matrix",
        title="Adjoint of the matrix of a Cholesky solve",
        formula=(
            r"x = (LL^\top)^{-1}b,\ L = \operatorname{chol}(\operatorname{sym}(A)):\quad"
            r" \bar A = -\operatorname{sym}(\bar b\, x^\top),\quad \bar b = L^{-\top}L^{-1}\bar x"
        ),
        wrt="A",
        kind="vjp",
        cotangent="xbar",
        value=cholesky_solve,
        derivative=adjoint_cholesky_solve_matrix,
        symbolic=lambda A, b, xbar: (
            _sp_cholesky_solve(A, b),
            -_sym((_sym(A).inv() * xbar) * _sp_cholesky_solve(A, b).T),
        ),
        sample=_sample_cholesky_solve,
        symbolic_dims=(1, 2),  # exact at sizes 1 and 2; size 3 takes several CPU s
        sources=_CHOLESKY_SOLVE_SOURCES,
        assumptions=(
            "A symmetric positive definite; the solve sees only the symmetric part, so every "
            "direction dA is allowed and the adjoint is symmetric. It needs no derivative of "
            "the Cholesky factor: x depends on A only through S = L L^T."
        ),
        derivation=r"""
As $x = S^{-1}b$ with $S = LL^\top = \operatorname{sym}(A)$, the dense rule gives
$\langle \bar x, dx\rangle = \langle -S^{-1}\bar x\, x^\top, dS\rangle = \langle -\bar b x^\top,
\operatorname{sym}(dA)\rangle = \langle -\operatorname{sym}(\bar b x^\top), dA\rangle$. Going
through the factor ($\bar L$ from the two triangular solves, then the Cholesky adjoint) gives
the same matrix with more work.
""",
        mistakes=(
            Mistake(
                r"-\bar b\, x^\top",
                lambda A, b, xbar: -np.outer(cholesky_solve(A, xbar), cholesky_solve(A, b)),
                "the symmetrisation missing: right for an adjoint with respect to S, but A "
                "enters through its symmetric part",
            ),
            Mistake(
                r"-\operatorname{sym}(\bar x\, x^\top)",
                lambda A, b, xbar: -_sym(np.outer(xbar, cholesky_solve(A, b))),
                "the backward Cholesky solve forgotten: the upstream gradient used in place of b̄",
            ),
        ),
        related=("factorizations.cholesky-solve-rhs", "adjoints.solve-matrix", "adjoints.cholesky"),
        keywords=(
            "cho_solve backward",
            "Cholesky solve adjoint",
            "cholesky_solve VJP",
            "(LL^T)^-1 b",
        ),
    )
)


# -- LU (partial pivoting, at a point where it exchanges no rows) ----------------------------


def _lu_packed(A):
    """Doolittle's elimination without row exchanges: ``C = L - I + U`` (numpy or sympy)."""
    n = A.shape[0]
    C = [[A[i, j] for j in range(n)] for i in range(n)]
    for k in range(n - 1):
        for i in range(k + 1, n):
            C[i][k] = C[i][k] / C[k][k]
            for j in range(k + 1, n):
                C[i][j] = C[i][j] - C[i][k] * C[k][j]
    if _is_sympy(A):
        import sympy as sp

        return sp.Matrix(C)
    return np.array(C)


def _lu_factors(A):
    """The unit lower ``L`` and upper ``U`` of ``A = L U``."""
    C = _lu_packed(A)
    return _tril(C, -1) + _eye(C.shape[0], C), _triu(C)


def _column_dominant(rng, n):
    """A matrix strictly diagonally dominant by columns, by a margin of at least 1: partial
    pivoting makes no row exchange on it (the dominance survives each elimination step)."""
    A = rng.standard_normal((n, n))
    off = np.abs(A).sum(axis=0) - np.abs(np.diag(A))
    signs = rng.choice([-1.0, 1.0], n)
    np.fill_diagonal(A, signs * (off + rng.uniform(1.0, 2.0, n)))
    return A


def _sample_lu(rng, n):
    """A column-dominant ``A`` and a cotangent ``C̄`` (n x n)."""
    return {"A": _column_dominant(rng, n), "Cbar": rng.standard_normal((n, n))}


def _sample_lu_jacobian(rng, n):
    return {"A": _column_dominant(rng, n)}


@shaped
def lu_packed(A: Arr["n n"]):
    """The LU factors of ``A = L U`` packed as LAPACK's getrf returns them: ``C = L - I + U``.

    >>> lu_packed(np.array([[4.0, 2.0], [2.0, 5.0]]))
    array([[4. , 2. ],
           [0.5, 4. ]])
    """
    return _lu_packed(A)


def _lu_forward(A, strict=True):
    """The forward rule ``V -> L tril_{-1}(F) + triu(F) U``, ``F = L^{-1} V U^{-1}``."""
    L, U = _lu_factors(A)
    Linv, Uinv = _inv(L), _inv(U)
    lower = (lambda F: _tril(F, -1)) if strict else _tril
    return lambda V: L @ lower(Linv @ V @ Uinv) + _triu(Linv @ V @ Uinv) @ U


@shaped
def jac_lu(A: Arr["n n"]):
    """Jacobian of the packed LU factors ``C = L - I + U``: ``dC = dL + dU``, shape (n, n, n, n).

    >>> jac_lu(np.array([[2.0]]))[0, 0, 0, 0]
    np.float64(1.0)
    """
    return _jacobian(_lu_forward(A), A)


_LU_ASSUMPTIONS = (
    "A square and invertible, at a point where partial pivoting makes no row exchange "
    "(P = I): the sample is strictly diagonally dominant by columns, by construction, so "
    "the pivot of every column is its diagonal entry, and the permutation stays fixed in a "
    "neighbourhood. With a fixed permutation P, A = P L U and the same rules apply to P^T A. "
    "L is unit lower triangular and U upper triangular, returned packed as C = L - I + U "
    r"(LAPACK's getrf); $\operatorname{diag}(M)$ is the diagonal part of $M$."
)

register(
    Identity(
        id="factorizations.lu-jvp",
        title="Jacobian of the LU factors (forward-mode rule)",
        formula=(
            r"C = L - I + U:\quad dC = L\,\big(\operatorname{tril}(F) - \operatorname{diag}(F)"
            r"\big) + \operatorname{triu}(F)\,U,\quad F = L^{-1}\,dA\,U^{-1}"
        ),
        where=(r"A = L U",),
        wrt="A",
        kind="jacobian",
        value=lu_packed,
        derivative=jac_lu,
        symbolic=lambda A: (_lu_packed(A), _jacobian(_lu_forward(A), A)),
        sample=_sample_lu_jacobian,
        symbolic_dims=(1, 2),  # exact at sizes 1 and 2; size 3 (81 entries) takes seconds
        sources=(
            f"{JAX}, `_lu_jvp_rule`",
            f"{PYTORCH}, `linalg_lu_jvp`",
        ),
        assumptions=_LU_ASSUMPTIONS
        + " The numerical check (complex step through the written-out elimination) covers "
        "sizes up to 8.",
        derivation=r"""
Differentiate $A = LU$: $dA = dL\,U + L\,dU$, so $F = L^{-1}dA\,U^{-1} = L^{-1}dL + dU\,U^{-1}$.
$L^{-1}dL$ is strictly lower triangular ($L$ has a unit diagonal, so $dL$ has a zero one) and
$dU\,U^{-1}$ is upper triangular: $F$ splits into the two, $L^{-1}dL = F - \operatorname{triu}(F)$
and $dU\,U^{-1} = \operatorname{triu}(F)$. Hence $dL = L(\operatorname{tril}(F) -
\operatorname{diag}(F))$, $dU = \operatorname{triu}(F)\,U$, and $dC = dL + dU$.
""",
        mistakes=(
            Mistake(
                r"dC = L\,\operatorname{tril}(F) + \operatorname{triu}(F)\,U",
                lambda A: _jacobian(_lu_forward(A, strict=False), A),
                "the diagonal of F given to both factors: L's unit diagonal is fixed, so dL "
                "has none and the diagonal belongs to dU alone",
            ),
        ),
        related=("factorizations.lu-backward",),
        keywords=("LU JVP", "LU forward mode", "derivative of the LU factors", "dL dU"),
    )
)


@shaped
def adjoint_lu(A: Arr["n n"], Cbar: Arr["n n"]):
    """Adjoint of ``A`` in ``C = L - I + U``:
    ``L^{-T} (tril_{-1}(L^T C̄) + triu(C̄ U^T)) U^{-T}``."""
    L, U = _lu_factors(A)
    return np.linalg.inv(L).T @ (np.tril(L.T @ Cbar, -1) + np.triu(Cbar @ U.T)) @ np.linalg.inv(U).T


def _sp_adjoint_lu(A, Cbar):
    L, U = _lu_factors(A)
    return _lu_packed(A), L.inv().T * (_tril(L.T * Cbar, -1) + _triu(Cbar * U.T)) * U.inv().T


def _lu_adjoint_variant(A, Cbar):
    """The LU adjoint with the diagonal kept in both triangles (the listed mistake)."""
    L, U = _lu_factors(A)
    return np.linalg.inv(L).T @ (np.tril(L.T @ Cbar) + np.triu(Cbar @ U.T)) @ np.linalg.inv(U).T


register(
    Identity(
        id="factorizations.lu-backward",
        title="Adjoint of the LU factorisation",
        formula=(
            r"C = L - I + U:\quad \bar A = L^{-\top}\big(\operatorname{tril}(L^\top\bar C)"
            r" - \operatorname{diag}(L^\top\bar C) + \operatorname{triu}(\bar C U^\top)\big)U^{-\top}"
        ),
        where=(r"A = L U",),
        wrt="A",
        kind="vjp",
        cotangent="Cbar",
        value=lu_packed,
        derivative=adjoint_lu,
        symbolic=_sp_adjoint_lu,
        sample=_sample_lu,
        symbolic_dims=(1, 2),  # exact at sizes 1 and 2; size 3 takes 30 CPU s
        sources=(
            f"{PYTORCH}, `linalg_lu_backward` (the square case)",
            f"{JAX}, `_lu_jvp_rule` (reverse mode by transposing it)",
        ),
        assumptions=_LU_ASSUMPTIONS
        + r" The cotangent $\bar C$ holds $\bar L$ below the diagonal and $\bar U$ on and above "
        r"it; the masks make the split automatic ($\operatorname{tril}(L^\top \bar C)$ minus "
        r"its diagonal only sees the strictly lower part of $\bar C$, $\operatorname{triu}"
        r"(\bar C U^\top)$ only its upper part).",
        derivation=r"""
From the forward rule, with $F = L^{-1}dA\,U^{-1}$:
$\langle \bar L, dL\rangle + \langle \bar U, dU\rangle = \langle \bar L, L\,\operatorname{tril}_{-1}(F)
\rangle + \langle \bar U, \operatorname{triu}(F)U\rangle = \langle \operatorname{tril}_{-1}(L^\top
\bar L) + \operatorname{triu}(\bar U U^\top), F\rangle$ (a mask is self-adjoint), and
$\langle G, L^{-1}dA\,U^{-1}\rangle = \langle L^{-\top}GU^{-\top}, dA\rangle$. Here
$\operatorname{tril}_{-1}$ is the strictly lower triangle, $\operatorname{tril} -
\operatorname{diag}$. Since $L^\top$ is upper triangular, $\operatorname{tril}_{-1}(L^\top \bar C)
= \operatorname{tril}_{-1}(L^\top \bar L)$, and likewise for $\bar U$, so the packed cotangent
can be used as it is. With a permutation, $\bar A$ is multiplied by $P$ on the left.
""",
        mistakes=(
            Mistake(
                r"L^{-\top}\big(\operatorname{tril}(L^\top\bar C) + \operatorname{triu}(\bar C "
                r"U^\top)\big)U^{-\top}",
                _lu_adjoint_variant,
                "the diagonal counted in both triangles: L has a fixed unit diagonal, so only "
                "the strictly lower part of L^T L̄ enters",
            ),
            Mistake(
                r"L^{-1}\big(\operatorname{tril}(L^\top\bar C) - \operatorname{diag}(L^\top\bar C)"
                r" + \operatorname{triu}(\bar C U^\top)\big)U^{-1}",
                lambda A, Cbar: (
                    np.linalg.inv(_lu_factors(A)[0])
                    @ (
                        np.tril(_lu_factors(A)[0].T @ Cbar, -1)
                        + np.triu(Cbar @ _lu_factors(A)[1].T)
                    )
                    @ np.linalg.inv(_lu_factors(A)[1])
                ),
                "the outer solves without transposes (the forward rule's L^{-1} . U^{-1} "
                "reused in reverse mode)",
            ),
        ),
        related=("factorizations.lu-jvp", "adjoints.solve-matrix"),
        keywords=(
            "LU backward",
            "LU adjoint",
            "lu_factor VJP",
            "derivative of the LU decomposition",
            "getrf adjoint",
        ),
    )
)


# -- QR (reduced, m >= n, R with a positive diagonal) ----------------------------------------


def _dot(a, b):
    """``a^T b`` of two columns, without conjugation (numpy 1-d arrays or sympy columns)."""
    return (a.T * b)[0, 0] if _is_sympy(a) else np.sum(a * b)


def _qr(A):
    """Reduced QR by modified Gram-Schmidt: ``A = Q R``, ``Q^T Q = I``, ``R`` with a positive
    diagonal (numpy or sympy; complex-analytic: no conjugation, no modulus)."""
    n = A.shape[1]
    columns, R = [], [[0] * n for _ in range(n)]
    for j in range(n):
        v = A[:, j]
        for i, q in enumerate(columns):
            R[i][j] = _dot(q, v)
            v = v - R[i][j] * q
        R[j][j] = _sqrt(_dot(v, v))
        columns.append(v / R[j][j])
    if _is_sympy(A):
        import sympy as sp

        return sp.Matrix.hstack(*columns), sp.Matrix(R)
    return np.stack(columns, axis=1), np.array(R)


def _stack(top, bottom):
    if _is_sympy(top):
        import sympy as sp

        return sp.Matrix.vstack(top, bottom)
    return np.vstack([top, bottom])


def _sample_qr(rng, n):
    """A full-column-rank ``A`` ((n + 1) x n, singular values in [1, 2]) and ``C̄ = [Q̄; R̄]``."""
    return {
        "A": _full_column_rank(rng, n + 1, n),
        "Cbar": rng.standard_normal((2 * n + 1, n)),
    }


def _sample_qr_jacobian(rng, n):
    return {"A": _full_column_rank(rng, n + 1, n)}


@shaped
def qr_stacked(A: Arr["m n"]):
    """Both factors of the reduced QR ``A = Q R`` in one array: ``Q`` (m x n) above ``R`` (n x n).

    >>> qr_stacked(np.array([[3.0], [4.0]]))
    array([[0.6],
           [0.8],
           [5. ]])
    """
    return _stack(*_qr(A))


def _qr_forward(A, upper_only=False):
    """The forward rule ``dA -> [dQ; dR]`` at ``A`` (numpy or sympy).

    With ``C = Q^T dA R^{-1}`` and ``Ω = tril_{-1}(C) - tril_{-1}(C)^T``: ``dR = (C - Ω) R``,
    ``dQ = dA R^{-1} - Q (C - Ω)``. ``upper_only`` switches on the listed mistake.
    """
    Q, R = _qr(A)
    Rinv = _inv(R)

    def forward(V):
        C = Q.T @ V @ Rinv
        lower = _tril(C, -1)
        D = _triu(C) if upper_only else C - (lower - lower.T)
        return _stack(V @ Rinv - Q @ D, D @ R)

    return forward


@shaped
def jac_qr(A: Arr["m n"]):
    """Jacobian of ``[Q; R] = qr(A)``: ``d[Q; R] / dA``, shape (m + n, n, m, n).

    >>> jac_qr(np.array([[3.0], [4.0]]))[:, 0, :, 0].round(3)
    array([[ 0.128, -0.096],
           [-0.096,  0.072],
           [ 0.6  ,  0.8  ]])
    """
    return _jacobian(_qr_forward(A), A)


_QR_ASSUMPTIONS = (
    "A real m x n with m >= n and full column rank (the sample has m = n + 1 and singular "
    "values in [1, 2], by construction); the reduced QR with the diagonal of R positive, "
    "which makes Q and R unique and smooth in A. Both factors are returned stacked, Q above "
    "R, an (m + n) x n array. The factorisation is computed by modified Gram-Schmidt (written "
    "without conjugation, so the complex step differentiates it; it agrees with numpy's "
    "Householder QR up to the signs that the convention fixes, tested). "
    r"$\operatorname{diag}(M)$ is the diagonal part of $M$."
)

register(
    Identity(
        id="factorizations.qr-jvp",
        title="Jacobian of the QR factors (forward-mode rule)",
        formula=(
            r"dQ = dA\,R^{-1} - Q\,(C - \Omega),\quad dR = (C - \Omega)\,R,\quad"
            r" C = Q^\top dA\,R^{-1},\quad \Omega = \operatorname{tril}(C) - \operatorname{diag}(C)"
            r" - \big(\operatorname{tril}(C) - \operatorname{diag}(C)\big)^\top"
        ),
        where=(r"\begin{bmatrix} Q \\ R \end{bmatrix} = \operatorname{qr}(A)",),
        wrt="A",
        kind="jacobian",
        value=qr_stacked,
        derivative=jac_qr,
        symbolic=lambda A: (_stack(*_qr(A)), _jacobian(_qr_forward(A), A)),
        sample=_sample_qr_jacobian,
        symbolic_dims=(1,),  # sympy at 2 x 1 (square roots of sums of squares beyond)
        sources=(
            f"{WALTER}, the forward rule of the QR decomposition",
            f"{SEEGER}, the LQ decomposition (the transposed factorisation)",
            f"{JAX}, `qr_jvp_rule`",
            f"{PYTORCH}, `linalg_qr_jvp`",
        ),
        assumptions=_QR_ASSUMPTIONS
        + " sympy checks the 2 x 1 case exactly; the numerical check covers sizes up to 9 x 8, "
        "and factorizations.qr-jvp agrees with factorizations.qr-backward "
        r"($\langle \bar C, dC\rangle = \langle \bar A, dA\rangle$, tested).",
        derivation=r"""
Differentiate $A = QR$ and multiply by $Q^\top$ on the left and $R^{-1}$ on the right:
$C = Q^\top dA\,R^{-1} = Q^\top dQ + dR\,R^{-1}$. Differentiating $Q^\top Q = I$ shows that
$\Omega = Q^\top dQ$ is skew-symmetric, and $dR\,R^{-1}$ is upper triangular, so below the
diagonal $C$ and $\Omega$ agree: $\Omega = \operatorname{tril}_{-1}(C) -
\operatorname{tril}_{-1}(C)^\top$. Then $dR = (C - \Omega)R$, and from $dA = dQ\,R + Q\,dR$,
$dQ = dA\,R^{-1} - Q\,dR\,R^{-1} = dA\,R^{-1} - Q(C - \Omega)$, which is
$(I - QQ^\top)dA\,R^{-1} + Q\Omega$.
""",
        mistakes=(
            Mistake(
                r"dR = \operatorname{triu}(C)\,R,\quad dQ = dA\,R^{-1} - Q\operatorname{triu}(C)",
                lambda A: _jacobian(_qr_forward(A, upper_only=True), A),
                "dR R^{-1} taken as the upper triangle of C: it forgets that the strictly lower "
                "part of Q^T dQ is mirrored above the diagonal (Q^T dQ is skew, not zero)",
            ),
        ),
        related=("factorizations.qr-backward",),
        keywords=("QR JVP", "QR forward mode", "derivative of the QR decomposition", "dQ dR"),
    )
)


def _copyltu(M):
    """``tril(M) + tril(M, -1)^T``: the symmetric matrix with the lower triangle of ``M``."""
    return _tril(M) + _tril(M, -1).T


def _qr_adjoint(A, Cbar, transposed_m=False, inverse_transposed=True):
    """``(Q̄ + Q copyltu(M)) R^{-T}``, ``M = R R̄^T - Q̄^T Q`` (numpy or sympy); the flags
    switch on the listed mistakes."""
    Q, R = _qr(A)
    m = Q.shape[0]
    Qbar, Rbar = Cbar[:m, :], Cbar[m:, :]
    M = R @ Rbar.T - Qbar.T @ Q
    S = _copyltu(M.T if transposed_m else M)
    Rinv = _inv(R)
    return (Qbar + Q @ S) @ (Rinv.T if inverse_transposed else Rinv)


@shaped
def adjoint_qr(A: Arr["m n"], Cbar: Arr["p n"]):
    """Adjoint of ``A`` in ``[Q; R] = qr(A)``, ``C̄ = [Q̄; R̄]`` (p = m + n):
    ``(Q̄ + Q copyltu(M)) R^{-T}`` with ``M = R R̄^T - Q̄^T Q``."""
    return _qr_adjoint(A, Cbar)


register(
    Identity(
        id="factorizations.qr-backward",
        title="Adjoint of the QR factorisation",
        formula=(
            r"\begin{bmatrix} Q \\ R \end{bmatrix} = \operatorname{qr}(A):\quad"
            r" \bar A = (\bar Q + Q\,S)\,R^{-\top},\quad S = \operatorname{tril}(M) + "
            r"\operatorname{tril}(M)^\top - \operatorname{diag}(M),\quad"
            r" M = R\bar R^\top - \bar Q^\top Q"
        ),
        wrt="A",
        kind="vjp",
        cotangent="Cbar",
        value=qr_stacked,
        derivative=adjoint_qr,
        symbolic=lambda A, Cbar: (_stack(*_qr(A)), _qr_adjoint(A, Cbar)),
        sample=_sample_qr,
        symbolic_dims=(1,),  # sympy at 2 x 1 (square roots of sums of squares beyond)
        sources=(
            f"{WALTER}, the reverse rule of the QR decomposition",
            f"{SEEGER}, the LQ decomposition (the transposed factorisation; its copyltu)",
            f"{PYTORCH}, `linalg_qr_backward` (its m >= n case)",
            f"{JAX}, `qr_jvp_rule` (reverse mode by transposing it)",
        ),
        assumptions=_QR_ASSUMPTIONS
        + r" The cotangent is stacked like the output, $\bar C = [\bar Q; \bar R]$. $S$ is the "
        r"symmetric matrix that copies the lower triangle of $M$ to the upper (Seeger et al.'s "
        r"copyltu). sympy checks the 2 x 1 case exactly; the numerical check covers sizes up "
        "to 9 x 8.",
        derivation=r"""
Transpose the forward rule. With $C = Q^\top dA\,R^{-1}$ and $D = C - \Omega =
\operatorname{triu}(C) + \operatorname{tril}_{-1}(C)^\top$, $dR = DR$ and $dQ = dA\,R^{-1} -
QD$, so $\langle \bar Q, dQ\rangle + \langle \bar R, dR\rangle = \langle \bar Q R^{-\top},
dA\rangle + \langle \bar R R^\top - Q^\top \bar Q, D\rangle$. For any $N$,
$\langle N, \operatorname{triu}(C) + \operatorname{tril}_{-1}(C)^\top\rangle = \langle
\operatorname{triu}(N) + \operatorname{triu}_{1}(N)^\top, C\rangle$, and with $N = M^\top$ this
is $\langle S, C\rangle$ for the symmetric $S$ built from the lower triangle of $M$. Finally
$\langle S, Q^\top dA\,R^{-1}\rangle = \langle QSR^{-\top}, dA\rangle$.
""",
        mistakes=(
            Mistake(
                r"(\bar Q + Q\,S')\,R^{-\top},\quad S' = \operatorname{tril}(M^\top) + "
                r"\operatorname{tril}(M^\top)^\top - \operatorname{diag}(M)",
                lambda A, Cbar: _qr_adjoint(A, Cbar, transposed_m=True),
                "the lower triangle copied from M^T = R̄ R^T - Q^T Q̄ (the order in which some "
                "codes write M) instead of from M: the two orientations differ off the diagonal",
            ),
            Mistake(
                r"(\bar Q + Q\,S)\,R^{-1}",
                lambda A, Cbar: _qr_adjoint(A, Cbar, inverse_transposed=False),
                "the final solve with R instead of R^T",
            ),
        ),
        related=("factorizations.qr-jvp",),
        keywords=(
            "QR backward",
            "QR adjoint",
            "qr VJP",
            "linalg_qr_backward",
            "derivative of the QR decomposition",
            "copyltu",
        ),
    )
)


TOPICS = (
    (
        "triangular-solves",
        "Triangular solves",
        (
            "factorizations.trisolve-lower",
            "factorizations.trisolve-upper",
            "factorizations.trisolve-transposed",
            "factorizations.trisolve-right",
            "factorizations.trisolve-right-rhs",
        ),
    ),
    (
        "cholesky",
        "Cholesky: forward rule and solve",
        (
            "factorizations.cholesky-jvp",
            "factorizations.cholesky-jvp-vech",
            "factorizations.cholesky-solve-rhs",
            "factorizations.cholesky-solve-matrix",
        ),
    ),
    (
        "lu",
        "LU factorisation",
        (
            "factorizations.lu-jvp",
            "factorizations.lu-backward",
        ),
    ),
    (
        "qr",
        "QR factorisation",
        (
            "factorizations.qr-jvp",
            "factorizations.qr-backward",
        ),
    ),
)
