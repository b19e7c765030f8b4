"""The pseudo-inverse and the least-squares solution of a full-column-rank matrix.

Reverse-mode entries (kind ``"vjp"``) give the adjoint of an input for an upstream gradient
shaped like the output; forward-mode entries (kind ``"jacobian"``) state the differential
``dF`` for a direction ``dA`` and implement the full Jacobian by applying it to every unit
direction ``E_ij``. At full column rank ``A^+ = (A^T A)^{-1} A^T``, which is what the code
computes (in numpy and in sympy alike); the rank is constant near every sample, which is
what the Golub-Pereyra formula needs.
"""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.factorizations import (
    GILES,
    GOLUB_PEREYRA,
    PYTORCH,
    _eye,
    _full_column_rank,
    _is_sympy,
    _jacobian,
)
from gradref.shapes import Arr, shaped

# -- the pseudo-inverse and least squares at full column rank --------------------------------


def _sample_pinv_jacobian(rng, n):
    """A full-column-rank ``A`` ((n + 1) x n, singular values in [1, 2])."""
    return {"A": _full_column_rank(rng, n + 1, n)}


def _sample_pinv(rng, n):
    return {"A": _full_column_rank(rng, n + 1, n), "Cbar": rng.standard_normal((n, n + 1))}


def _sample_lstsq(rng, n):
    return {
        "A": _full_column_rank(rng, n + 1, n),
        "b": rng.standard_normal(n + 1),
        "xbar": rng.standard_normal(n),
    }


def _pinv(A):
    """``(A^T A)^{-1} A^T``, the pseudo-inverse of a full-column-rank ``A`` (numpy or sympy)."""
    return (A.T * A).inv() * A.T if _is_sympy(A) else np.linalg.solve(A.T @ A, A.T)


@shaped
def pseudo_inverse(A: Arr["m n"]):
    """The pseudo-inverse ``A^+ = (A^T A)^{-1} A^T`` of a full-column-rank ``A``.

    >>> pseudo_inverse(np.array([[1.0], [1.0]]))
    array([[0.5, 0.5]])
    """
    return _pinv(A)


def _pinv_forward(A, rank_terms=True):
    """The forward rule of Golub and Pereyra, ``dA -> dA^+`` (numpy or sympy)."""
    P = _pinv(A)
    m, n = A.shape
    into_null = _eye(m, A) - A @ P  # I - A A^+, the projector onto range(A)'s complement
    out_of_row = _eye(n, A) - P @ A  # I - A^+ A, zero at full column rank

    def forward(V):
        dP = -P @ V @ P
        if rank_terms:
            dP = dP + P @ P.T @ V.T @ into_null + out_of_row @ V.T @ P.T @ P
        return dP

    return forward


@shaped
def jac_pseudo_inverse(A: Arr["m n"]):
    """Jacobian of ``A^+``: ``d(A^+)_kl / dA_ij``, shape (n, m, m, n).

    >>> jac_pseudo_inverse(np.array([[1.0], [1.0]]))[0, :, :, 0]
    array([[ 0. , -0.5],
           [-0.5,  0. ]])
    """
    return _jacobian(_pinv_forward(A), A)


_PINV_ASSUMPTIONS = (
    "A real m x n with m > n and full column rank (the sample has m = n + 1 and singular "
    "values in [1, 2], by construction), so that the rank is constant near A and A^+ = "
    "(A^T A)^{-1} A^T is smooth; at a point where the rank drops, A^+ is not even continuous. "
    "At full column rank the last term, with I - A^+ A = 0, vanishes; it is kept because the "
    "theorem holds at any constant rank, and it is the transposed partner of the middle term "
    "(for a wide full-row-rank A, the middle term vanishes instead). sympy checks the "
    "2 x 1 case exactly; the numerical check (complex step through (A^T A)^{-1} A^T) covers "
    "sizes up to 9 x 8, and an independent check compares the rule with central differences "
    "of numpy's SVD-based np.linalg.pinv (tests/test_factorizations.py)."
)

register(
    Identity(
        id="leastsquares.pinv-jvp",
        title="Jacobian of the pseudo-inverse at constant rank (Golub-Pereyra)",
        formula=(
            r"d(A^+) = -A^+\,dA\,A^+ + A^+(A^+)^\top dA^\top(I - AA^+)"
            r" + (I - A^+A)\,dA^\top (A^+)^\top A^+"
        ),
        wrt="A",
        kind="jacobian",
        value=pseudo_inverse,
        derivative=jac_pseudo_inverse,
        symbolic=lambda A: (_pinv(A), _jacobian(_pinv_forward(A), A)),
        sample=_sample_pinv_jacobian,
        symbolic_dims=(1,),  # sympy at 2 x 1; at 3 x 2 it cannot cancel in a minute
        sources=(
            f"{GOLUB_PEREYRA}, Theorem 4.3",
            f"{GILES}, §3.1 (the rules for the inverse and products that it composes)",
            f"{PYTORCH}, `pinv_jvp`",
        ),
        assumptions=_PINV_ASSUMPTIONS,
        derivation=r"""
At full column rank $A^+ = (A^\top A)^{-1}A^\top$, so
$d(A^+) = -(A^\top A)^{-1}(dA^\top A + A^\top dA)(A^\top A)^{-1}A^\top + (A^\top A)^{-1}dA^\top$.
With $(A^\top A)^{-1} = A^+(A^+)^\top$ and $(A^\top A)^{-1}A^\top = A^+$ this is
$-A^+dA\,A^+ + A^+(A^+)^\top dA^\top(I - AA^+)$; the third term of Golub and Pereyra's
theorem is zero here. For a square invertible $A$ both projectors vanish and the rule
reduces to $d(A^{-1}) = -A^{-1}dA\,A^{-1}$.
""",
        mistakes=(
            Mistake(
                r"d(A^+) = -A^+\,dA\,A^+",
                lambda A: _jacobian(_pinv_forward(A, rank_terms=False), A),
                "the rule for the inverse carried over to the pseudo-inverse: right only for "
                "square invertible A; for a tall A it misses the change of the range of A",
            ),
        ),
        related=("leastsquares.pinv-backward", "differentials.inverse"),
        keywords=(
            "derivative of the pseudo-inverse",
            "pinv JVP",
            "Golub-Pereyra",
            "Moore-Penrose derivative",
            "dA^+",
        ),
    )
)


@shaped
def adjoint_pseudo_inverse(A: Arr["m n"], Cbar: Arr["n m"]):
    """Adjoint of ``A`` in ``C = A^+``: the transpose of the Golub-Pereyra rule."""
    P = _pinv(A)
    m, n = A.shape
    return (
        -P.T @ Cbar @ P.T
        + (np.eye(m) - A @ P) @ Cbar.T @ P @ P.T
        + P.T @ P @ Cbar.T @ (np.eye(n) - P @ A)
    )


def _sp_adjoint_pinv(A, Cbar):
    import sympy as sp

    P = _pinv(A)
    m, n = A.shape
    adjoint = (
        -P.T * Cbar * P.T + (sp.eye(m) - A * P) * Cbar.T * P * P.T
        + P.T * P * Cbar.T * (sp.eye(n) - P * A)
    )  # fmt: skip
    return P, adjoint


register(
    Identity(
        id="leastsquares.pinv-backward",
        title="Adjoint of the pseudo-inverse at constant rank",
        formula=(
            r"C = A^+:\quad \bar A = -(A^+)^\top\bar C(A^+)^\top + (I - AA^+)\,\bar C^\top A^+"
            r"(A^+)^\top + (A^+)^\top A^+\,\bar C^\top(I - A^+A)"
        ),
        wrt="A",
        kind="vjp",
        cotangent="Cbar",
        value=pseudo_inverse,
        derivative=adjoint_pseudo_inverse,
        symbolic=_sp_adjoint_pinv,
        sample=_sample_pinv,
        symbolic_dims=(1,),  # sympy at 2 x 1; at 3 x 2 it cannot cancel in a minute
        sources=(
            f"{GOLUB_PEREYRA}, Theorem 4.3 (transposed here)",
            f"{PYTORCH}, `pinv_backward`",
        ),
        assumptions=_PINV_ASSUMPTIONS,
        derivation=r"""
Pair each term of the forward rule with $\bar C$ and move $dA$ out with the cyclic trace:
$\langle \bar C, -A^+dA\,A^+\rangle = \langle -(A^+)^\top\bar C(A^+)^\top, dA\rangle$;
$\langle \bar C, A^+(A^+)^\top dA^\top N\rangle = \operatorname{tr}(dA^\top N\bar C^\top A^+
(A^+)^\top) = \langle N\bar C^\top A^+(A^+)^\top, dA\rangle$ with the symmetric projector
$N = I - AA^+$; and likewise the last term with $I - A^+A$.
""",
        mistakes=(
            Mistake(
                r"-(A^+)^\top\bar C(A^+)^\top",
                lambda A, Cbar: -_pinv(A).T @ Cbar @ _pinv(A).T,
                "the adjoint of the inverse carried over: it drops the two rank terms, and "
                "the one with I - A A^+ is not zero for a tall A",
            ),
        ),
        related=("leastsquares.pinv-jvp", "adjoints.inverse"),
        keywords=("pinv backward", "pseudo-inverse adjoint", "pinv VJP", "A^+"),
    )
)


@shaped
def least_squares_solution(A: Arr["m n"], b: Arr["m"]):
    """The least-squares solution ``x = A^+ b``, minimising ``||A x - b||`` for full-rank ``A``.

    >>> least_squares_solution(np.array([[1.0], [1.0]]), np.array([1.0, 3.0]))
    array([2.])
    """
    return _pinv(A) @ b


@shaped
def adjoint_least_squares_rhs(A: Arr["m n"], b: Arr["m"], xbar: Arr["n"]):
    """Adjoint of ``b`` in ``x = A^+ b``: ``b̄ = (A^+)^T x̄ = A (A^T A)^{-1} x̄``."""
    return A @ np.linalg.solve(A.T @ A, xbar)


@shaped
def adjoint_least_squares_matrix(A: Arr["m n"], b: Arr["m"], xbar: Arr["n"]):
    """Adjoint of ``A`` in ``x = A^+ b``: ``r w^T - A w x^T``, ``w = (A^T A)^{-1} x̄``, ``r = b - A x``."""
    x = _pinv(A) @ b
    w = np.linalg.solve(A.T @ A, xbar)
    return np.outer(b - A @ x, w) - np.outer(A @ w, x)


def _sp_least_squares_matrix(A, b, xbar):
    x = _pinv(A) * b
    w = (A.T * A).inv() * xbar
    return x, (b - A * x) * w.T - A * w * x.T


_LSTSQ_SOURCES = (
    f"{GOLUB_PEREYRA}, Theorem 4.3 (applied to x = A^+ b)",
    f"{GILES}, §3.1 (the rules for the inverse and products that it composes)",
    f"{PYTORCH}, `linalg_lstsq_backward`",
)

register(
    Identity(
        id="leastsquares.lstsq-rhs",
        title="Adjoint of the right-hand side of a least-squares solve",
        formula=r"x = A^+ b:\quad \bar b = (A^+)^\top\bar x = A(A^\top A)^{-1}\bar x",
        wrt="b",
        kind="vjp",
        cotangent="xbar",
        value=least_squares_solution,
        derivative=adjoint_least_squares_rhs,
        symbolic=lambda A, b, xbar: (_pinv(A) * b, A * (A.T * A).inv() * xbar),
        sample=_sample_lstsq,
        symbolic_dims=(1, 2),  # exact at 2 x 1 and 3 x 2
        sources=_LSTSQ_SOURCES,
        assumptions=(
            "A tall (m > n) with full column rank (the sample's singular values are in "
            r"[1, 2]). $\bar b$ lies in the range of A: a change of b orthogonal to the "
            "columns of A only changes the residual."
        ),
        derivation=r"""
With $A$ fixed, $x = A^+b$ is linear in $b$, so $\bar b = (A^+)^\top\bar x$, and
$(A^+)^\top = A(A^\top A)^{-1}$ at full column rank: one solve with the normal matrix (or
with $R$ from a QR of $A$, twice).
""",
        mistakes=(
            Mistake(
                r"A\bar x",
                lambda A, b, xbar: A @ xbar,
                "A^+ treated as A^T (true only for orthonormal columns): the solve with "
                "A^T A is missing",
            ),
        ),
        related=("leastsquares.lstsq-matrix", "quadratic.least-squares"),
        keywords=("least squares backward", "lstsq VJP", "A^+ b", "normal equations adjoint"),
    )
)

register(
    Identity(
        id="leastsquares.lstsq-matrix",
        title="Adjoint of the matrix of a least-squares solve",
        formula=(
            r"x = A^+ b:\quad \bar A = r\,w^\top - A w\,x^\top,"
            r"\quad w = (A^\top A)^{-1}\bar x,\quad r = b - Ax"
        ),
        wrt="A",
        kind="vjp",
        cotangent="xbar",
        value=least_squares_solution,
        derivative=adjoint_least_squares_matrix,
        symbolic=_sp_least_squares_matrix,
        sample=_sample_lstsq,
        symbolic_dims=(1,),  # sympy at 2 x 1; at 3 x 2 it cannot cancel in a minute
        sources=_LSTSQ_SOURCES,
        assumptions=(
            "A tall (m > n) with full column rank; b is general (the sample's b is not in the "
            "range of A, so the residual r is not zero and its term is tested). sympy checks "
            "the 2 x 1 case exactly; the numerical check covers sizes up to 9 x 8, and an "
            "independent check compares the rule with central differences of numpy's "
            "np.linalg.lstsq (tests/test_factorizations.py)."
        ),
        derivation=r"""
By Golub and Pereyra's rule at full column rank, $dx = d(A^+)\,b = -A^+dA\,x +
(A^\top A)^{-1}dA^\top r$ with $r = (I - AA^+)b = b - Ax$. Pairing with $\bar x$:
$\langle \bar x, -A^+dA\,x\rangle = \langle -(A^+)^\top\bar x\,x^\top, dA\rangle$ and
$(A^+)^\top\bar x = Aw$; $\langle \bar x, (A^\top A)^{-1}dA^\top r\rangle = r^\top dA\,w =
\langle r w^\top, dA\rangle$. The same follows from the normal equations $A^\top A x = A^\top b$.
""",
        mistakes=(
            Mistake(
                r"-A w\,x^\top",
                lambda A, b, xbar: -np.outer(A @ np.linalg.solve(A.T @ A, xbar), _pinv(A) @ b),
                "the residual term dropped, i.e. the rule of a square solve, -A^{-T} x̄ x^T: "
                "right only when b lies in the range of A (zero residual)",
            ),
            Mistake(
                r"r\,w^\top + A w\,x^\top",
                lambda A, b, xbar: (
                    np.outer(b - A @ _pinv(A) @ b, np.linalg.solve(A.T @ A, xbar))
                    + np.outer(A @ np.linalg.solve(A.T @ A, xbar), _pinv(A) @ b)
                ),
                "the sign of the term from d(A^+) = -A^+ dA A^+ lost",
            ),
        ),
        related=(
            "leastsquares.lstsq-rhs",
            "leastsquares.pinv-backward",
            "quadratic.least-squares-A",
        ),
        keywords=(
            "least squares backward",
            "lstsq VJP",
            "lstsq adjoint",
            "derivative of the least squares solution",
            "A^+ b",
        ),
    )
)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).


TOPICS = (
    (
        "full-column-rank",
        "Pseudo-inverse rules at full column rank",
        (
            "leastsquares.pinv-jvp",
            "leastsquares.pinv-backward",
            "leastsquares.lstsq-rhs",
            "leastsquares.lstsq-matrix",
        ),
    ),
)
