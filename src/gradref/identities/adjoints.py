"""Reverse-mode rules for matrix operations: the adjoints of products, inverses, solves and factorisations.

Each entry is a vector-Jacobian product: for ``C = f(A, B)`` and an upstream gradient
``C̄`` shaped like ``C``, the adjoint ``Ā`` is the gradient of ``<C̄, C>`` with respect to
``A``, i.e. ``<C̄, dC> = <Ā, dA>`` for every direction ``dA``. A scalar output ``C`` (a
determinant, a trace) is stored as a one-entry array, so that ``C̄`` is one too.

Maps defined on symmetric matrices (the Cholesky factor, the symmetric eigendecomposition)
are defined here on the symmetric part ``(A + A^T) / 2`` of an arbitrary square argument, so
that every direction ``dA`` is allowed; their adjoints are therefore symmetric.
"""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.shapes import STRUCTURES, Arr, shaped

GILES = (
    'Giles, "Collected matrix derivative results for forward and reverse mode algorithmic '
    'differentiation", *Advances in Automatic Differentiation* (2008)'
)
MURRAY = 'Murray, "Differentiation of the Cholesky decomposition", arXiv:1602.07527 (2016)'
MATHIAS = (
    'Mathias, "A chain rule for matrix functions and applications", *SIAM Journal on Matrix '
    "Analysis and Applications* 17 (1996)"
)
NAJFELD = (
    'Najfeld & Havel, "Derivatives of the matrix exponential and their computation", '
    "*Advances in Applied Mathematics* 16 (1995)"
)
HIGHAM = "Higham, *Functions of Matrices: Theory and Computation* (2008)"

_ADJOINT = r"\ \text{(}\langle \bar C, dC\rangle = \langle \bar A, dA\rangle\text{)}"


def _inv(A):
    return np.linalg.inv(A)


def _sp_column(entry):
    """A one-entry sympy column, the sympy form of a scalar output stored as a one-entry array."""
    import sympy as sp

    return sp.Matrix([entry])


def _sp_log(x):
    import sympy as sp

    return sp.log(x)


def _sp_eye(n):
    import sympy as sp

    return sp.eye(n)


def _sp_diag(v):
    import sympy as sp

    return sp.diag(*v)


# -- samplers -------------------------------------------------------------------------------


def _invertible(rng, n, positive_det=False):
    A = STRUCTURES["invertible"][0](rng, (n, n))
    if positive_det and np.linalg.det(A) < 0:
        A[:, 0] = -A[:, 0]
    return A


def _sample_det(rng, n):
    """A non-symmetric invertible ``A`` and a one-entry cotangent."""
    return {"A": _invertible(rng, n), "Cbar": rng.standard_normal(1)}


def _sample_logdet(rng, n):
    """A non-symmetric invertible ``A`` with ``det A > 0`` and a one-entry cotangent."""
    return {"A": _invertible(rng, n, positive_det=True), "Cbar": rng.standard_normal(1)}


def _sample_trace(rng, n):
    """A general square ``A`` and a one-entry cotangent."""
    return {"A": rng.standard_normal((n, n)), "Cbar": rng.standard_normal(1)}


def _sample_trace_product(rng, n):
    """``A`` (m x n), ``B`` (n x m) with distinct m, n, and a one-entry cotangent."""
    return {
        "A": rng.standard_normal((n, n + 1)),
        "B": rng.standard_normal((n + 1, n)),
        "Cbar": rng.standard_normal(1),
    }


# -- products -------------------------------------------------------------------------------


@shaped
def matrix_product(A: Arr["m k"], B: Arr["k n"]):
    """The matrix product ``C = A B``.

    >>> matrix_product(np.eye(2), np.array([[1.0, 2.0], [3.0, 4.0]]))[1, 0]
    np.float64(3.0)
    """
    return A @ B


@shaped
def adjoint_product_left(A: Arr["m k"], B: Arr["k n"], Cbar: Arr["m n"]):
    """Adjoint of ``A`` in ``C = A B``: ``C̄ B^T``."""
    return Cbar @ B.T


@shaped
def adjoint_product_right(A: Arr["m k"], B: Arr["k n"], Cbar: Arr["m n"]):
    """Adjoint of ``B`` in ``C = A B``: ``A^T C̄``."""
    return A.T @ Cbar


register(
    Identity(
        id="adjoints.product-left",
        title="Adjoint of the left factor of a matrix product",
        formula=r"C = AB:\quad \bar A = \bar C B^\top",
        wrt="A",
        kind="vjp",
        cotangent="Cbar",
        value=matrix_product,
        derivative=adjoint_product_left,
        symbolic=lambda A, B, Cbar: (A * B, Cbar * B.T),
        sources=(GILES,),
        assumptions="None: A and B are any matrices with compatible shapes.",
        derivation=r"""
The product rule gives $dC = dA\,B$ (holding $B$ fixed), so
$\langle \bar C, dC\rangle = \operatorname{tr}(\bar C^\top dA\, B)
= \operatorname{tr}(B \bar C^\top dA) = \langle \bar C B^\top, dA\rangle$,
hence $\bar A = \bar C B^\top$. It is the backward pass of a linear layer with respect to its
input or its weight, depending on which factor that is.
""",
        mistakes=(
            Mistake(
                r"B \bar C^\top",
                lambda A, B, Cbar: B @ Cbar.T,
                "the numerator-layout derivative, the transpose of the adjoint: k x m, not m x k",
            ),
            Mistake(
                r"A^\top \bar C",
                lambda A, B, Cbar: A.T @ Cbar,
                "the other factor's adjoint (the rules for A and B mixed up)",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \langle \bar C, AB\rangle}{\partial A} = B \bar C^\top"
        },
        related=("adjoints.product-right", "traces.axb"),
        keywords=("matmul backward", "matrix product adjoint", "linear layer backward", "AB"),
    )
)

register(
    Identity(
        id="adjoints.product-right",
        title="Adjoint of the right factor of a matrix product",
        formula=r"C = AB:\quad \bar B = A^\top \bar C",
        wrt="B",
        kind="vjp",
        cotangent="Cbar",
        value=matrix_product,
        derivative=adjoint_product_right,
        symbolic=lambda A, B, Cbar: (A * B, A.T * Cbar),
        sources=(GILES,),
        assumptions="None: A and B are any matrices with compatible shapes.",
        derivation=r"""
With $A$ fixed, $dC = A\, dB$, so $\langle \bar C, dC\rangle = \operatorname{tr}(\bar C^\top A\,
dB) = \langle A^\top \bar C, dB\rangle$, hence $\bar B = A^\top \bar C$. Together with
$\bar A = \bar C B^\top$ this is the whole backward pass of a matrix product.
""",
        mistakes=(
            Mistake(
                r"\bar C^\top A",
                lambda A, B, Cbar: Cbar.T @ A,
                "the numerator-layout form (the transpose of the adjoint): its shape is n x k, "
                "not k x n",
            ),
            Mistake(
                r"\bar C B^\top",
                lambda A, B, Cbar: Cbar @ B.T,
                "the other factor's adjoint (the rules for A and B mixed up)",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \langle \bar C, AB\rangle}{\partial B} = \bar C^\top A"
        },
        related=("adjoints.product-left",),
        keywords=("matmul backward", "matrix product adjoint", "AB"),
    )
)


@shaped
def hadamard_product(A: Arr["m n"], B: Arr["m n"]):
    """The entrywise (Hadamard) product ``C = A ∘ B``.

    >>> hadamard_product(np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]]))
    array([[3., 8.]])
    """
    return A * B


@shaped
def adjoint_hadamard(A: Arr["m n"], B: Arr["m n"], Cbar: Arr["m n"]):
    """Adjoint of ``A`` in ``C = A ∘ B``: ``C̄ ∘ B``."""
    return Cbar * B


register(
    Identity(
        id="adjoints.hadamard",
        title="Adjoint of a factor of an entrywise (Hadamard) product",
        formula=r"C = A \odot B:\quad \bar A = \bar C \odot B",
        wrt="A",
        kind="vjp",
        cotangent="Cbar",
        value=hadamard_product,
        derivative=adjoint_hadamard,
        symbolic=lambda A, B, Cbar: (
            A.multiply_elementwise(B),
            Cbar.multiply_elementwise(B),
        ),
        sources=(GILES,),
        assumptions="None: A and B have the same shape.",
        derivation=r"""
$dC = dA \odot B$, and $\langle \bar C, dA \odot B\rangle = \sum_{ij} \bar C_{ij} B_{ij}\,
dA_{ij} = \langle \bar C \odot B, dA\rangle$, so $\bar A = \bar C \odot B$. The entrywise
product is self-adjoint: no transpose appears.
""",
        mistakes=(
            Mistake(
                r"\bar C B^\top",
                lambda A, B, Cbar: Cbar @ B.T,
                "the matrix-product rule applied to an entrywise product",
            ),
            Mistake(
                r"\bar C \odot A",
                lambda A, B, Cbar: Cbar * A,
                "the factor that is differentiated kept instead of the other one",
            ),
        ),
        related=("adjoints.product-left",),
        keywords=("Hadamard product adjoint", "elementwise product backward", "gating"),
    )
)


@shaped
def gram_matrix(A: Arr["m n"]):
    """The Gram matrix ``C = A^T A``.

    >>> gram_matrix(np.array([[1.0, 2.0]]))
    array([[1., 2.],
           [2., 4.]])
    """
    return A.T @ A


@shaped
def adjoint_gram(A: Arr["m n"], Cbar: Arr["n n"]):
    """Adjoint of ``A`` in ``C = A^T A``: ``A (C̄ + C̄^T)``."""
    return A @ (Cbar + Cbar.T)


register(
    Identity(
        id="adjoints.gram",
        title="Adjoint of a Gram matrix",
        formula=r"C = A^\top A:\quad \bar A = A\,(\bar C + \bar C^\top)",
        wrt="A",
        kind="vjp",
        cotangent="Cbar",
        value=gram_matrix,
        derivative=adjoint_gram,
        symbolic=lambda A, Cbar: (A.T * A, A * (Cbar + Cbar.T)),
        sources=(GILES,),
        assumptions=(
            "None; the upstream gradient C̄ need not be symmetric (when it is, the adjoint is "
            "2 A C̄)."
        ),
        derivation=r"""
The product rule gives $dC = dA^\top A + A^\top dA$. The second term contributes
$\operatorname{tr}(\bar C^\top A^\top dA) = \langle A\bar C, dA\rangle$; the first is
$\operatorname{tr}(\bar C^\top dA^\top A) = \operatorname{tr}(A^\top dA\, \bar C)
= \langle A \bar C^\top, dA\rangle$. Hence $\bar A = A(\bar C + \bar C^\top)$, which is
$2A\bar C$ only for a symmetric $\bar C$.
""",
        mistakes=(
            Mistake(
                r"2 A \bar C",
                lambda A, Cbar: 2 * A @ Cbar,
                "assumes a symmetric upstream gradient; an arbitrary C̄ must be symmetrised",
            ),
            Mistake(
                r"A \bar C",
                lambda A, Cbar: A @ Cbar,
                "one of the two terms of the product rule dropped",
            ),
        ),
        related=("adjoints.product-left", "adjoints.product-right"),
        keywords=("Gram matrix adjoint", "A^T A backward", "covariance backward"),
    )
)


# -- inverse and linear solve ---------------------------------------------------------------


@shaped
def matrix_inverse(A: Arr["n n"]):
    """The inverse ``C = A^{-1}``.

    >>> matrix_inverse(np.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    return np.linalg.inv(A)


@shaped
def adjoint_inverse(A: Arr["n n"], Cbar: Arr["n n"]):
    """Adjoint of ``A`` in ``C = A^{-1}``: ``-C^T C̄ C^T``."""
    C = np.linalg.inv(A)
    return -C.T @ Cbar @ C.T


register(
    Identity(
        id="adjoints.inverse",
        symbolic_dims=(1, 2),  # exact at sizes 1 and 2; size 3 takes 4.4 CPU s
        title="Adjoint of the matrix inverse",
        formula=r"C = A^{-1}:\quad \bar A = -C^\top \bar C\, C^\top",
        wrt="A",
        kind="vjp",
        cotangent="Cbar",
        value=matrix_inverse,
        derivative=adjoint_inverse,
        symbolic=lambda A, Cbar: (A.inv(), -A.inv().T * Cbar * A.inv().T),
        sources=(GILES,),
        structure={"A": "invertible"},
        assumptions="A invertible (the sample is not symmetric, so the transposes matter).",
        derivation=r"""
Differentiating $CA = I$ gives $dC\,A + C\,dA = 0$, i.e. $dC = -C\,dA\,C$. Then
$\langle \bar C, dC\rangle = -\operatorname{tr}(\bar C^\top C\, dA\, C)
= -\operatorname{tr}(C \bar C^\top C\, dA) = \langle -C^\top \bar C C^\top, dA\rangle$,
so $\bar A = -C^\top \bar C\, C^\top = -A^{-\top} \bar C A^{-\top}$.
""",
        mistakes=(
            Mistake(
                r"-C \bar C\, C",
                lambda A, Cbar: -_inv(A) @ Cbar @ _inv(A),
                "the forward-mode formula dC = -C dA C reused with the cotangent in place of "
                "dA: the transposes are missing",
            ),
            Mistake(
                r"C^\top \bar C\, C^\top",
                lambda A, Cbar: _inv(A).T @ Cbar @ _inv(A).T,
                "the sign of the derivative of the inverse lost",
            ),
        ),
        related=("adjoints.solve-rhs", "adjoints.solve-matrix"),
        keywords=("inverse backward", "matrix inverse adjoint", "inv VJP", "A^-1"),
    )
)


@shaped
def linear_solve(A: Arr["n n"], B: Arr["n m"]):
    """The solution ``C = A^{-1} B`` of ``A C = B``.

    >>> linear_solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([[2.0], [2.0]]))
    array([[1. ],
           [0.5]])
    """
    return np.linalg.solve(A, B)


@shaped
def adjoint_solve_rhs(A: Arr["n n"], B: Arr["n m"], Cbar: Arr["n m"]):
    """Adjoint of ``B`` in ``C = A^{-1} B``: ``B̄ = A^{-T} C̄`` (one solve with ``A^T``)."""
    return np.linalg.solve(A.T, Cbar)


@shaped
def adjoint_solve_matrix(A: Arr["n n"], B: Arr["n m"], Cbar: Arr["n m"]):
    """Adjoint of ``A`` in ``C = A^{-1} B``: ``-B̄ C^T`` with ``B̄ = A^{-T} C̄``."""
    C = np.linalg.solve(A, B)
    Bbar = np.linalg.solve(A.T, Cbar)
    return -Bbar @ C.T


register(
    Identity(
        id="adjoints.solve-rhs",
        title="Adjoint of the right-hand side of a linear solve",
        formula=r"C = A^{-1}B:\quad \bar B = A^{-\top} \bar C",
        wrt="B",
        kind="vjp",
        cotangent="Cbar",
        value=linear_solve,
        derivative=adjoint_solve_rhs,
        symbolic=lambda A, B, Cbar: (A.inv() * B, A.inv().T * Cbar),
        sources=(GILES,),
        structure={"A": "invertible"},
        assumptions="A invertible; B̄ is computed by one solve with A^T, never by forming A^{-1}.",
        derivation=r"""
With $A$ fixed, $dC = A^{-1} dB$, so $\langle \bar C, dC\rangle = \operatorname{tr}(\bar C^\top
A^{-1} dB) = \langle A^{-\top}\bar C, dB\rangle$, hence $\bar B = A^{-\top} \bar C$: the
backward pass of a solve is a solve with the transposed matrix (with the same factorisation).
""",
        mistakes=(
            Mistake(
                r"A^{-1} \bar C",
                lambda A, B, Cbar: np.linalg.solve(A, Cbar),
                "a solve with A instead of A^T: right only for symmetric A",
            ),
        ),
        related=("adjoints.solve-matrix", "adjoints.inverse"),
        keywords=("linear solve backward", "solve adjoint", "A^-1 B", "np.linalg.solve VJP"),
    )
)

register(
    Identity(
        id="adjoints.solve-matrix",
        symbolic_dims=(1, 2),  # exact at sizes 1 and 2; size 3 takes 16 CPU s
        title="Adjoint of the matrix of a linear solve",
        formula=r"C = A^{-1}B:\quad \bar A = -\bar B\, C^\top,\quad \bar B = A^{-\top}\bar C",
        wrt="A",
        kind="vjp",
        cotangent="Cbar",
        value=linear_solve,
        derivative=adjoint_solve_matrix,
        symbolic=lambda A, B, Cbar: (A.inv() * B, -(A.inv().T * Cbar) * (A.inv() * B).T),
        sources=(GILES,),
        structure={"A": "invertible"},
        assumptions="A invertible.",
        derivation=r"""
Differentiating $AC = B$ with $B$ fixed gives $dA\,C + A\,dC = 0$, so $dC = -A^{-1} dA\, C$ and
$\langle \bar C, dC\rangle = -\operatorname{tr}(\bar C^\top A^{-1} dA\, C)
= -\operatorname{tr}(C \bar B^\top dA)$ with $\bar B = A^{-\top}\bar C$; hence
$\bar A = -\bar B C^\top$. It reuses $\bar B$, which the backward pass needs anyway.
""",
        mistakes=(
            Mistake(
                r"-\bar C\, C^\top",
                lambda A, B, Cbar: -Cbar @ np.linalg.solve(A, B).T,
                "the solve with A^T forgotten: the upstream gradient used in place of B̄",
            ),
            Mistake(
                r"-C\, \bar B^\top",
                lambda A, B, Cbar: -np.linalg.solve(A, B) @ np.linalg.solve(A.T, Cbar).T,
                "the outer product in the wrong order (the transpose of the adjoint)",
            ),
        ),
        related=("adjoints.solve-rhs", "adjoints.inverse"),
        keywords=("linear solve backward", "solve adjoint", "A^-1 B"),
    )
)


# -- scalar functions: determinant, log-determinant, trace ----------------------------------


@shaped
def determinant(A: Arr["n n"]):
    """The determinant ``C = det A``, as a one-entry array.

    >>> determinant(np.array([[2.0, 1.0], [0.0, 3.0]]))
    array([6.])
    """
    return np.reshape(np.linalg.det(A), (1,))


@shaped
def adjoint_determinant(A: Arr["n n"], Cbar: Arr["1"]):
    """Adjoint of ``A`` in ``C = det A``: ``C̄ C A^{-T}``."""
    return Cbar[0] * np.linalg.det(A) * np.linalg.inv(A).T


register(
    Identity(
        id="adjoints.determinant",
        title="Adjoint of the determinant",
        formula=r"C = \det A:\quad \bar A = \bar C\, C\, A^{-\top}",
        wrt="A",
        kind="vjp",
        cotangent="Cbar",
        value=determinant,
        derivative=adjoint_determinant,
        symbolic=lambda A, Cbar: (
            _sp_column(A.det()),
            Cbar[0] * A.det() * A.inv().T,
        ),
        sources=(GILES,),
        sample=_sample_det,
        assumptions=(
            "A invertible (otherwise the adjoint is C̄ adj(A)^T, the transposed adjugate); the "
            "scalar C and its upstream gradient C̄ are one-entry arrays."
        ),
        derivation=r"""
Jacobi's formula $d\det A = \det A\,\operatorname{tr}(A^{-1} dA)$ gives
$\bar C\, dC = \bar C\, C \operatorname{tr}(A^{-1}dA) = \langle \bar C C A^{-\top}, dA\rangle$,
hence $\bar A = \bar C\, C\, A^{-\top}$. The sample is not symmetric, so $A^{-\top}$ and
$A^{-1}$ differ.
""",
        mistakes=(
            Mistake(
                r"\bar C\, C\, A^{-1}",
                lambda A, Cbar: Cbar[0] * np.linalg.det(A) * np.linalg.inv(A),
                "the transpose dropped: A^{-1} is the numerator-layout derivative",
            ),
            Mistake(
                r"\bar C\, A^{-\top}",
                lambda A, Cbar: Cbar[0] * np.linalg.inv(A).T,
                "the log-determinant's adjoint: the factor C = det A is missing",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \bar C \det A}{\partial A} = \bar C\, C\, A^{-1}"
        },
        related=("adjoints.logdet",),
        keywords=("determinant backward", "det adjoint", "Jacobi's formula", "det VJP"),
    )
)


@shaped
def log_determinant(A: Arr["n n"]):
    """The log-determinant ``C = ln det A`` (``det A > 0``), as a one-entry array.

    >>> log_determinant(np.array([[np.e, 0.0], [0.0, 1.0]]))
    array([1.])
    """
    return np.reshape(np.log(np.linalg.det(A)), (1,))


@shaped
def adjoint_log_determinant(A: Arr["n n"], Cbar: Arr["1"]):
    """Adjoint of ``A`` in ``C = ln det A``: ``C̄ A^{-T}``."""
    return Cbar[0] * np.linalg.inv(A).T


register(
    Identity(
        id="adjoints.logdet",
        title="Adjoint of the log-determinant",
        formula=r"C = \ln\det A:\quad \bar A = \bar C\, A^{-\top}",
        wrt="A",
        kind="vjp",
        cotangent="Cbar",
        value=log_determinant,
        derivative=adjoint_log_determinant,
        symbolic=lambda A, Cbar: (
            _sp_column(_sp_log(A.det())),
            Cbar[0] * A.inv().T,
        ),
        sources=(GILES,),
        sample=_sample_logdet,
        assumptions=(
            "det A > 0 (A need not be symmetric; the sample is not). For det A < 0 the same "
            "adjoint holds for ln|det A|, what slogdet computes."
        ),
        derivation=r"""
By the chain rule and Jacobi's formula, $dC = \frac{d\det A}{\det A} = \operatorname{tr}(A^{-1}
dA)$, so $\bar C\, dC = \langle \bar C A^{-\top}, dA\rangle$ and $\bar A = \bar C A^{-\top}$.
For an SPD $A$ (a covariance in a Gaussian likelihood) this is $\bar C A^{-1}$, usually
computed from the Cholesky factor.
""",
        mistakes=(
            Mistake(
                r"\bar C\, A^{-1}",
                lambda A, Cbar: Cbar[0] * np.linalg.inv(A),
                "the SPD form used for a non-symmetric matrix: the transpose matters",
            ),
            Mistake(
                r"\bar C\, \det(A)\, A^{-\top}",
                lambda A, Cbar: Cbar[0] * np.linalg.det(A) * np.linalg.inv(A).T,
                "the determinant's adjoint: the logarithm divides the factor det A away",
            ),
        ),
        conventions={"numerator": r"\frac{\partial \bar C \ln\det A}{\partial A} = \bar C A^{-1}"},
        related=("adjoints.determinant", "adjoints.cholesky"),
        keywords=("log determinant backward", "logdet adjoint", "slogdet VJP", "log det"),
    )
)


@shaped
def matrix_trace(A: Arr["n n"]):
    """The trace ``C = tr A``, as a one-entry array.

    >>> matrix_trace(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([5.])
    """
    return np.reshape(np.trace(A), (1,))


@shaped
def adjoint_trace(A: Arr["n n"], Cbar: Arr["1"]):
    """Adjoint of ``A`` in ``C = tr A``: ``C̄ I``."""
    return Cbar[0] * np.eye(A.shape[0])


register(
    Identity(
        id="adjoints.trace",
        title="Adjoint of the trace",
        formula=r"C = \operatorname{tr} A:\quad \bar A = \bar C\, I",
        wrt="A",
        kind="vjp",
        cotangent="Cbar",
        value=matrix_trace,
        derivative=adjoint_trace,
        symbolic=lambda A, Cbar: (
            _sp_column(A.trace()),
            Cbar[0] * _sp_eye(A.rows),
        ),
        sources=(GILES,),
        sample=_sample_trace,
        assumptions="None: A is any square matrix.",
        derivation=r"""
The trace is linear: $dC = \operatorname{tr}(dA) = \langle I, dA\rangle$, so
$\bar C\,dC = \langle \bar C I, dA\rangle$ and $\bar A = \bar C I$: the upstream gradient is
spread over the diagonal only.
""",
        mistakes=(
            Mistake(
                r"\bar C\, \mathbf{1}\mathbf{1}^\top",
                lambda A, Cbar: Cbar[0] * np.ones_like(A),
                "the trace confused with the sum of all entries",
            ),
        ),
        related=("adjoints.trace-product", "traces.axb"),
        keywords=("trace backward", "trace adjoint", "tr"),
    )
)


@shaped
def trace_of_product(A: Arr["m n"], B: Arr["n m"]):
    """The trace of a product ``C = tr(A B)``, as a one-entry array.

    >>> trace_of_product(np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]]))
    array([11.])
    """
    return np.reshape(np.trace(A @ B), (1,))


@shaped
def adjoint_trace_of_product(A: Arr["m n"], B: Arr["n m"], Cbar: Arr["1"]):
    """Adjoint of ``A`` in ``C = tr(A B)``: ``C̄ B^T``."""
    return Cbar[0] * B.T


register(
    Identity(
        id="adjoints.trace-product",
        title="Adjoint of the trace of a product",
        formula=r"C = \operatorname{tr}(AB):\quad \bar A = \bar C\, B^\top",
        wrt="A",
        kind="vjp",
        cotangent="Cbar",
        value=trace_of_product,
        derivative=adjoint_trace_of_product,
        symbolic=lambda A, B, Cbar: (
            _sp_column((A * B).trace()),
            Cbar[0] * B.T,
        ),
        sources=(GILES,),
        sample=_sample_trace_product,
        assumptions="None: A is m x n and B is n x m.",
        derivation=r"""
$dC = \operatorname{tr}(dA\,B) = \operatorname{tr}(B\,dA) = \langle B^\top, dA\rangle$, so
$\bar A = \bar C B^\top$. It is the product rule's $\bar C B^\top$ with the upstream gradient
$\bar C I$ of the trace.
""",
        mistakes=(
            Mistake(
                r"\bar C\, B",
                lambda A, B, Cbar: Cbar[0] * B,
                "the numerator-layout derivative; with distinct m and n its shape is wrong",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \bar C \operatorname{tr}(AB)}{\partial A} = \bar C B"
        },
        related=("adjoints.trace", "adjoints.product-left", "traces.axb"),
        keywords=("trace of a product backward", "tr(AB) adjoint"),
    )
)


# -- Cholesky factorisation -----------------------------------------------------------------


def _cholesky(S):
    """The lower Cholesky factor of a symmetric ``S``, by the column recurrence.

    Written out (not ``np.linalg.cholesky``) so that it is complex-analytic: it never
    conjugates, so the complex step differentiates it exactly. It works on sympy matrices too.
    """
    n = S.shape[0]
    L = [[0] * n for _ in range(n)]
    for j in range(n):
        L[j][j] = _sqrt(S[j, j] - sum(L[j][k] ** 2 for k in range(j)))
        for i in range(j + 1, n):
            L[i][j] = (S[i, j] - sum(L[i][k] * L[j][k] for k in range(j))) / L[j][j]
    return np.array(L) if _is_numeric(S) else _sympy_matrix(L)


def _is_numeric(S):
    return isinstance(S, np.ndarray)


def _sqrt(x):
    if isinstance(x, (np.number, float, complex)):
        return np.sqrt(x)
    import sympy as sp

    return sp.sqrt(x)


def _sympy_matrix(rows):
    import sympy as sp

    return sp.Matrix(rows)


def _phi(M):
    """The lower triangle of ``M`` with its diagonal halved."""
    return np.tril(M) - np.diag(np.diag(M)) / 2


def _sym(M):
    return (M + M.T) / 2


def _sample_spd(rng, n):
    """An SPD matrix of size ``n + 1`` and a lower-triangular ``L̄`` (sympy checks n = 1: 2 x 2)."""
    n += 1
    return {
        "A": STRUCTURES["spd"][0](rng, (n, n)),
        "Lbar": np.tril(rng.standard_normal((n, n))),
    }


@shaped
def cholesky_factor(A: Arr["n n"]):
    """The lower Cholesky factor ``L`` of the symmetric part: ``L L^T = (A + A^T) / 2``.

    >>> cholesky_factor(np.array([[4.0, 2.0], [2.0, 5.0]]))
    array([[2., 0.],
           [1., 2.]])
    """
    return _cholesky(_sym(A))


@shaped
def adjoint_cholesky(A: Arr["n n"], Lbar: Arr["n n"]):
    """Adjoint of ``A`` in ``L = chol((A + A^T)/2)``: ``sym(L^{-T} Φ(L^T L̄) L^{-1})``."""
    L = _cholesky(_sym(A))
    Linv = np.linalg.inv(L)
    return _sym(Linv.T @ _phi(L.T @ Lbar) @ Linv)


def _sp_phi(M):
    import sympy as sp

    n = M.rows
    return sp.Matrix(n, n, lambda i, j: M[i, j] if i > j else (M[i, j] / 2 if i == j else 0))


def _sp_cholesky(A, Lbar):
    """The Cholesky factor of the symmetric part and the claimed adjoint, in sympy."""
    S = (A + A.T) / 2
    L = _cholesky(S)
    Linv = L.inv()
    G = Linv.T * _sp_phi(L.T * Lbar) * Linv
    return L, (G + G.T) / 2


register(
    Identity(
        id="adjoints.cholesky",
        title="Adjoint of the Cholesky factorisation",
        formula=(
            r"L = \operatorname{chol}\big(\tfrac12(A + A^\top)\big):\quad"
            r" \bar A = \operatorname{sym}\big(L^{-\top}\,\Phi(L^\top \bar L)\,L^{-1}\big)"
        ),
        where=(r"\Phi(M) = \operatorname{tril}(M) - \tfrac12\operatorname{diag}(M)",),
        wrt="A",
        kind="vjp",
        cotangent="Lbar",
        value=cholesky_factor,
        derivative=adjoint_cholesky,
        symbolic=_sp_cholesky,
        sources=(MURRAY, GILES),
        sample=_sample_spd,
        symbolic_dims=(1,),  # sympy at 2 x 2 only (minutes beyond); numerics at 2, ..., 9
        assumptions=(
            "A symmetric positive definite; the factor is defined on the symmetric part "
            "(A + A^T)/2, so every direction dA is allowed and the adjoint is symmetric. "
            r"$\Phi$ keeps the strictly lower triangle and halves the diagonal; "
            r"$\operatorname{sym}(M) = \tfrac12(M + M^\top)$. "
            r"Only the lower triangle of $\bar L$ matters (its upper triangle multiplies zeros)."
        ),
        derivation=r"""
Differentiating $S = LL^\top$ (with $S = \operatorname{sym}(A)$) gives
$L^{-1} dS\, L^{-\top} = L^{-1}dL + (L^{-1}dL)^\top$, and $L^{-1}dL$ is lower triangular, so
$dL = L\,\Phi(L^{-1} dS\, L^{-\top})$. Then $\langle \bar L, dL\rangle = \langle \Phi(L^\top
\bar L), L^{-1} dS\, L^{-\top}\rangle$ ($\Phi$ is a mask, hence self-adjoint)
$= \langle L^{-\top}\Phi(L^\top\bar L)L^{-1}, dS\rangle$, and as
$dS = \operatorname{sym}(dA)$ the adjoint with respect to $A$ is the symmetric part (codes
that differentiate with respect to the lower triangle of $A$ only use a different, triangular
bookkeeping of the same result).
""",
        mistakes=(
            Mistake(
                r"\operatorname{sym}\big(L^{-\top}\operatorname{tril}(L^\top \bar L)L^{-1}\big)",
                lambda A, Lbar: _sym(
                    np.linalg.inv(_cholesky(_sym(A))).T
                    @ np.tril(_cholesky(_sym(A)).T @ Lbar)
                    @ np.linalg.inv(_cholesky(_sym(A)))
                ),
                "the diagonal of the lower triangle not halved: the diagonal of L^{-1}dL is "
                "half that of L^{-1} dS L^{-T}",
            ),
            Mistake(
                r"L^{-\top}\,\Phi(L^\top \bar L)\,L^{-1}",
                lambda A, Lbar: (
                    np.linalg.inv(_cholesky(_sym(A))).T
                    @ _phi(_cholesky(_sym(A)).T @ Lbar)
                    @ np.linalg.inv(_cholesky(_sym(A)))
                ),
                "the symmetrisation missing: the factorisation sees only the symmetric part of "
                "a perturbation, so its adjoint must be symmetric",
            ),
        ),
        related=("adjoints.logdet", "adjoints.solve-matrix"),
        keywords=(
            "Cholesky backward",
            "Cholesky adjoint",
            "cholesky VJP",
            "Cholesky gradient",
            "reverse-mode Cholesky",
            "derivative of the Cholesky factor",
            "LL^T",
        ),
    )
)


# -- symmetric eigendecomposition -----------------------------------------------------------


def _eigh(A):
    """Eigenvalues (ascending) and eigenvectors of ``(A + A^T)/2``, each eigenvector's first entry positive."""
    lam, U = np.linalg.eigh(_sym(A))
    return lam, U * np.sign(U[0, :])


def _sample_eigh(rng, n):
    """A symmetric matrix of size ``n + 1`` (sympy checks n = 1: 2 x 2) with eigenvalues at
    least 1/2 apart and eigenvectors whose first entries are at least 0.2 / sqrt(n + 1) in
    magnitude, so that the sign convention is smooth there; and the cotangent ``λ̄``."""
    n += 1
    while True:
        Q = STRUCTURES["orthogonal"][0](rng, (n, n))
        if np.min(np.abs(Q[0, :])) >= 0.2 / np.sqrt(n):
            break
    lam = np.arange(n) + rng.uniform(-0.25, 0.25, n) - n / 2
    return {"A": (Q * lam) @ Q.T, "lbar": rng.standard_normal(n)}


def _sample_eigh_both(rng, n):
    """A matrix as in :func:`_sample_eigh` but of size ``n`` (sympy checks 1 x 1 only), and
    ``C̄ = [Ū; λ̄^T]`` of shape (n + 1, n)."""
    A = _sample_eigh(rng, n - 1)["A"]
    return {"A": A, "Cbar": rng.standard_normal((n + 1, n))}


@shaped
def symmetric_eigenvalues(A: Arr["n n"]):
    """The eigenvalues ``λ`` (ascending) of the symmetric part ``(A + A^T)/2``.

    >>> symmetric_eigenvalues(np.array([[2.0, 1.0], [1.0, 2.0]]))
    array([1., 3.])
    """
    return _eigh(A)[0]


@shaped
def adjoint_symmetric_eigenvalues(A: Arr["n n"], lbar: Arr["n"]):
    """Adjoint of ``A`` in ``λ = eig((A + A^T)/2)``: ``U diag(λ̄) U^T``."""
    _, U = _eigh(A)
    return U @ np.diag(lbar) @ U.T


@shaped
def symmetric_eigendecomposition(A: Arr["n n"]):
    """Both outputs of ``eigh((A + A^T)/2)`` in one array: the eigenvectors ``U`` above ``λ^T``.

    The columns of ``U`` are unit eigenvectors by ascending eigenvalue, first entries positive.

    >>> symmetric_eigendecomposition(np.array([[2.0, 0.0], [0.0, 1.0]]))
    array([[0., 1.],
           [1., 0.],
           [1., 2.]])
    """
    lam, U = _eigh(A)
    return np.vstack([U, lam[None, :]])


def _eigenvector_weights(lam):
    """``F_ij = 1 / (λ_j - λ_i)`` off the diagonal, 0 on it."""
    gaps = lam[None, :] - lam[:, None]
    np.fill_diagonal(gaps, 1.0)
    F = 1.0 / gaps
    np.fill_diagonal(F, 0.0)
    return F


@shaped
def adjoint_symmetric_eigendecomposition(A: Arr["n n"], Cbar: Arr["p n"]):
    """Adjoint of ``A`` in ``[U; λ^T] = eigh((A + A^T)/2)``, ``C̄ = [Ū; λ̄^T]`` (p = n + 1):
    ``sym(U (diag(λ̄) + F ∘ U^T Ū) U^T)``."""
    Ubar, lbar = Cbar[:-1], Cbar[-1]
    lam, U = _eigh(A)
    F = _eigenvector_weights(lam)
    return _sym(U @ (np.diag(lbar) + F * (U.T @ Ubar)) @ U.T)


def _sp_eigh_2x2(A):
    """Eigenvalues (ascending) and unit eigenvectors (first entries positive) of sym(A), 2 x 2."""
    import sympy as sp

    S = (A + A.T) / 2
    a, b, d = S[0, 0], S[0, 1], S[1, 1]
    r = sp.sqrt(((a - d) / 2) ** 2 + b**2)
    lam = [(a + d) / 2 - r, (a + d) / 2 + r]
    # (d - λ1, -b) and (λ2 - d, b) are eigenvectors with a positive first entry when b != 0
    columns = [sp.Matrix([d - lam[0], -b]), sp.Matrix([lam[1] - d, b])]
    U = sp.Matrix.hstack(*[c / sp.sqrt(c[0] ** 2 + c[1] ** 2) for c in columns])
    return sp.Matrix(lam), U


def _sp_eigenvalues(A, lbar):
    lam, U = _sp_eigh_2x2(A)
    return lam, U * _sp_diag(lbar) * U.T


def _sp_eigendecomposition(A, Cbar):
    """``[U; λ^T]`` and the claimed adjoint in sympy, at 1 x 1 (``[1; a]``, adjoint ``λ̄``) or 2 x 2.

    The 2 x 2 closed form is exact, but sympy cannot prove the adjoint equal to the exact
    derivative in reasonable time (over 10 minutes), so the catalog check runs at 1 x 1 and the
    tests compare the exact 2 x 2 derivative with the formula at points instead.
    """
    import sympy as sp

    if A.rows == 1:
        return sp.Matrix([[1], [(A[0, 0] + A[0, 0]) / 2]]), sp.Matrix([[Cbar[1, 0]]])
    lam, U = _sp_eigh_2x2(A)
    Ubar, lbar = Cbar[:2, :], Cbar[2, :]
    F = sp.Matrix(2, 2, lambda i, j: 0 if i == j else 1 / (lam[j] - lam[i]))
    G = U * (sp.diag(*lbar) + F.multiply_elementwise(U.T * Ubar)) * U.T
    return sp.Matrix.vstack(U, lam.T), (G + G.T) / 2


_EIGH_SYMPY = (
    "sympy checks a closed form at 2 x 2 only (no closed form for the roots beyond that); "
    "the numerical check covers sizes 2, 3, 4, 6 and 9"
)

register(
    Identity(
        id="adjoints.eigenvalues",
        title="Adjoint of the eigenvalues of a symmetric matrix",
        formula=(
            r"\lambda = \operatorname{eig}\big(\tfrac12(A + A^\top)\big) = \operatorname{diag}"
            r"(U^\top A U):\quad \bar A = U \operatorname{diag}(\bar\lambda)\, U^\top"
        ),
        where=(
            r"\begin{bmatrix} U \\ \lambda^\top \end{bmatrix} = \operatorname{eigh}\big(\tfrac12(A + A^\top)\big)",
        ),
        wrt="A",
        kind="vjp",
        cotangent="lbar",
        value=symmetric_eigenvalues,
        derivative=adjoint_symmetric_eigenvalues,
        symbolic=_sp_eigenvalues,
        sources=(GILES,),
        sample=_sample_eigh,
        symbolic_dims=(1,),  # sympy at 2 x 2 only (minutes beyond); numerics at 2, ..., 9
        assumptions=(
            "Distinct eigenvalues (a repeated eigenvalue is not differentiable as a sorted "
            "list); the eigenvalues are those of the symmetric part (A + A^T)/2, so every "
            "direction dA is allowed. U holds the orthonormal eigenvectors. " + _EIGH_SYMPY + "."
        ),
        derivation=r"""
For a simple eigenvalue with unit eigenvector $u_i$, differentiating $S u_i = \lambda_i u_i$
and multiplying by $u_i^\top$ (using $u_i^\top du_i = 0$) gives $d\lambda_i = u_i^\top dS\,
u_i$. Hence $\langle \bar\lambda, d\lambda\rangle = \sum_i \bar\lambda_i u_i^\top dS\, u_i =
\langle U\operatorname{diag}(\bar\lambda)U^\top, dS\rangle$, and with $dS =
\operatorname{sym}(dA)$ the adjoint is already symmetric, so no further symmetrisation is
needed. The eigenvectors' signs do not matter here.
""",
        mistakes=(
            Mistake(
                r"U^\top \operatorname{diag}(\bar\lambda)\, U",
                lambda A, lbar: _eigh(A)[1].T @ np.diag(lbar) @ _eigh(A)[1],
                "U and U^T swapped: the eigenvectors are the columns of U",
            ),
            Mistake(
                r"\operatorname{diag}(\bar\lambda)",
                lambda A, lbar: np.diag(lbar),
                "the eigenvalues treated as the diagonal entries of A: true only for diagonal A",
            ),
        ),
        related=("adjoints.eigh",),
        keywords=(
            "eigenvalue backward",
            "eigh VJP",
            "eigenvalue adjoint",
            "symmetric eigendecomposition",
            "spectral derivative",
        ),
    )
)


def _eigh_adjoint_variant(A, Cbar, transpose_weights=False, symmetrise=True):
    """The eigendecomposition adjoint with one of the listed mistakes switched on."""
    lam, U = _eigh(A)
    F = _eigenvector_weights(lam)
    F = F.T if transpose_weights else F
    G = U @ (np.diag(Cbar[-1]) + F * (U.T @ Cbar[:-1])) @ U.T
    return _sym(G) if symmetrise else G


register(
    Identity(
        id="adjoints.eigh",
        title="Adjoint of the eigendecomposition of a symmetric matrix (eigenvectors and eigenvalues)",
        formula=(
            r"\begin{bmatrix} U \\ \lambda^\top \end{bmatrix} = \operatorname{eigh}\big("
            r"\tfrac12(A + A^\top)\big):\quad \bar A = "
            r"\operatorname{sym}\big(U\,(\operatorname{diag}(\bar\lambda) + F \odot U^\top \bar U)"
            r"\,U^\top\big),\quad F_{ij} = \frac{1}{\lambda_j - \lambda_i}\ (i \ne j),\ F_{ii} = 0"
        ),
        wrt="A",
        kind="vjp",
        cotangent="Cbar",
        value=symmetric_eigendecomposition,
        derivative=adjoint_symmetric_eigendecomposition,
        symbolic=_sp_eigendecomposition,
        sources=(GILES,),
        sample=_sample_eigh_both,
        symbolic_dims=(1,),  # sympy at 1 x 1 only (see the assumptions); numerics at 1-8
        assumptions=(
            "Distinct eigenvalues (the weights 1/(λ_j - λ_i) blow up as two meet); the "
            "decomposition is of the symmetric part (A + A^T)/2; the eigenvectors are unit "
            "columns in ascending order of eigenvalue, each with a positive first entry, which "
            "fixes the sign and makes the map differentiable (the sample keeps those entries "
            "away from zero); the adjoint does not depend on the sign convention. Both outputs "
            "of eigh are stacked into one (n + 1) x n array, U above λ^T, and so is the upstream "
            "gradient (Ū above λ̄^T); with Ū = 0 this is adjoints.eigenvalues. "
            "sympy verifies only the 1 x 1 case: at 2 x 2 the closed form exists but "
            "sympy cannot prove the adjoint equal to the exact derivative in reasonable time; "
            "the tests compare the exact 2 x 2 derivative with the formula at points; "
            "the numerical check covers sizes 1, 2, 3, 5 and 8."
        ),
        derivation=r"""
Differentiating $SU = U\Lambda$ and multiplying by $U^\top$ gives
$U^\top dS\, U = (U^\top dU)\Lambda - \Lambda(U^\top dU) + d\Lambda$. The diagonal gives
$d\lambda_i = (U^\top dS\, U)_{ii}$; off it, $(U^\top dU)_{ij} = (U^\top dS\,U)_{ij}/(\lambda_j -
\lambda_i)$, and $U^\top dU$ has a zero diagonal (unit columns). So $dU = U\,(F \odot U^\top
dS\,U)$ and $\langle \bar U, dU\rangle + \langle\bar\lambda, d\lambda\rangle =
\langle U(\operatorname{diag}(\bar\lambda) + F\odot U^\top\bar U)U^\top, dS\rangle$. As
$dS = \operatorname{sym}(dA)$, $\bar A$ is the symmetric part.
""",
        mistakes=(
            Mistake(
                r"\operatorname{sym}\big(U\,(\operatorname{diag}(\bar\lambda) + F^\top \odot "
                r"U^\top \bar U)\,U^\top\big)",
                lambda A, Cbar: _eigh_adjoint_variant(A, Cbar, transpose_weights=True),
                "the gaps taken as λ_i - λ_j: a sign error in every eigenvector weight",
            ),
            Mistake(
                r"U\,(\operatorname{diag}(\bar\lambda) + F \odot U^\top \bar U)\,U^\top",
                lambda A, Cbar: _eigh_adjoint_variant(A, Cbar, symmetrise=False),
                "the symmetrisation missing: a map of the symmetric part sees only sym(dA)",
            ),
        ),
        related=("adjoints.eigenvalues",),
        keywords=(
            "eigenvector backward",
            "eigh VJP",
            "eigh backward",
            "eigenvector adjoint",
            "symmetric eigendecomposition",
        ),
    )
)


# -- matrix exponential ---------------------------------------------------------------------


def _expm(A):
    """``exp(A)`` by scaling and squaring with a degree-18 Taylor polynomial.

    The scaling ``2^-s`` brings the 1-norm to at most 1/2, where the truncation error is below
    1e-22 relative; ``s`` is an integer read off the real size of ``A``, so the map stays
    complex-analytic (the complex step differentiates it exactly).
    """
    n = A.shape[0]
    norm = float(np.max(np.sum(np.abs(A), axis=0))) if n else 0.0
    s = max(0, int(np.ceil(np.log2(norm))) + 1) if norm > 0 else 0
    X = A / 2.0**s
    term = np.eye(n, dtype=X.dtype)
    result = term.copy()
    for k in range(1, 19):
        term = term @ X / k
        result = result + term
    for _ in range(s):
        result = result @ result
    return result


def _sample_expm(rng, n):
    """A general square matrix of size ``n`` (sympy checks 1 x 1 only) and ``C̄``."""
    return {"A": rng.standard_normal((n, n)), "Cbar": rng.standard_normal((n, n))}


@shaped
def matrix_exponential(A: Arr["n n"]):
    """The matrix exponential ``C = exp(A)``.

    >>> np.round(matrix_exponential(np.array([[0.0, 1.0], [0.0, 0.0]])), 12)
    array([[1., 1.],
           [0., 1.]])
    """
    return _expm(A)


@shaped
def adjoint_matrix_exponential(A: Arr["n n"], Cbar: Arr["n n"]):
    """Adjoint of ``A`` in ``C = exp(A)``: the top-right block of ``exp([[A^T, C̄], [0, A^T]])``."""
    n = A.shape[0]
    block = np.block([[A.T, Cbar], [np.zeros_like(A), A.T]])
    return _expm(block)[:n, n:]


def _sp_expm(A, Cbar):
    """``exp(A)`` and the Daleckii-Krein form of the adjoint in sympy, at 1 x 1 or 2 x 2.

    sympy cannot prove the 2 x 2 form equal to the exact derivative in reasonable time (over
    6 minutes), so the catalog check runs at 1 x 1 and the tests compare the 2 x 2 formulas at
    points instead.

    With ``A^T = V D V^{-1}`` (distinct eigenvalues ``d``), ``L(A^T, C̄) = V ((V^{-1} C̄ V) ∘ G)
    V^{-1}``, ``G_ij = (e^{d_i} - e^{d_j}) / (d_i - d_j)``, ``G_ii = e^{d_i}``: a formula
    independent of the block-triangular one the numpy code uses.
    """
    import sympy as sp

    if A.rows == 1:
        return A.applyfunc(sp.exp), Cbar * sp.exp(A[0, 0])
    V, D = A.T.diagonalize()
    d = [D[0, 0], D[1, 1]]
    G = sp.Matrix(
        2, 2, lambda i, j: sp.exp(d[i]) if i == j else (sp.exp(d[i]) - sp.exp(d[j])) / (d[i] - d[j])
    )
    Vinv = V.inv()
    expA = (V * sp.diag(*[sp.exp(x) for x in d]) * Vinv).T
    return expA, V * (Vinv * Cbar * V).multiply_elementwise(G) * Vinv


register(
    Identity(
        id="adjoints.expm",
        title="Adjoint of the matrix exponential",
        formula=(
            r"C = e^{A}:\quad \bar A = L_{\exp}(A^\top, \bar C) = \int_0^1 e^{sA^\top}\,\bar C\,"
            r"e^{(1-s)A^\top}\,ds = \Big[\exp\begin{pmatrix} A^\top & \bar C \\ 0 & A^\top"
            r"\end{pmatrix}\Big]_{12}"
        ),
        where=(r"L_{\exp}(X, E) = \Big[\exp\begin{pmatrix} X & E \\ 0 & X\end{pmatrix}\Big]_{12}",),
        wrt="A",
        kind="vjp",
        cotangent="Cbar",
        value=matrix_exponential,
        derivative=adjoint_matrix_exponential,
        symbolic=_sp_expm,
        sources=(MATHIAS, NAJFELD, HIGHAM, GILES),
        sample=_sample_expm,
        symbolic_dims=(1,),  # sympy at 1 x 1 only (see the assumptions); numerics at 1-8
        assumptions=(
            "None for the identity (A is any square matrix). The reference computes exp by "
            "scaling and squaring with a degree-18 Taylor polynomial, and the adjoint as the "
            "top-right block of the exponential of a 2n x 2n block upper-triangular matrix. "
            "sympy verifies only the 1 x 1 case exactly; at 2 x 2 the tests compare the exact "
            "derivative of sympy's exp(A) with the independent Daleckii-Krein form "
            r"$V((V^{-1}\bar C V)\odot G)V^{-1}$, $A^\top = VDV^{-1}$, "
            r"$G_{ij} = (e^{d_i} - e^{d_j})/(d_i - d_j)$, and with the numpy adjoint, at points; "
            "the numerical check covers sizes 1, 2, 3, 5 and 8."
        ),
        derivation=r"""
The Fréchet derivative of the exponential is $L(A, E) = \int_0^1 e^{sA} E\, e^{(1-s)A}\,ds$,
so $\langle \bar C, dC\rangle = \int_0^1 \operatorname{tr}(\bar C^\top e^{sA} dA\,
e^{(1-s)A})\,ds = \langle \int_0^1 e^{sA^\top} \bar C\, e^{(1-s)A^\top} ds, dA\rangle$ (cyclic
trace, substituting $s \to 1 - s$): $\bar A = L(A^\top, \bar C)$, the Fréchet derivative at
$A^\top$ in the direction $\bar C$. That derivative is the top-right block of
$\exp\begin{pmatrix} X & E \\ 0 & X\end{pmatrix}$ (Mathias 1996; Najfeld & Havel 1995), so one
exponential of a $2n \times 2n$ matrix gives the adjoint.
""",
        mistakes=(
            Mistake(
                r"L_{\exp}(A, \bar C)",
                lambda A, Cbar: _expm(np.block([[A, Cbar], [np.zeros_like(A), A]]))[
                    : A.shape[0], A.shape[0] :
                ],
                "the Fréchet derivative taken at A instead of A^T: right only for symmetric A",
            ),
            Mistake(
                r"e^{A^\top} \bar C",
                lambda A, Cbar: _expm(A.T) @ Cbar,
                "the scalar rule (e^a)' = e^a carried over: A and dA do not commute",
            ),
        ),
        related=("adjoints.eigenvalues", "adjoints.product-left"),
        keywords=(
            "matrix exponential backward",
            "expm VJP",
            "expm adjoint",
            "Frechet derivative of the matrix exponential",
            "exp(A)",
        ),
    )
)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "products",
        "Matrix products",
        (
            "adjoints.product-left",
            "adjoints.product-right",
            "adjoints.hadamard",
            "adjoints.gram",
        ),
    ),
    (
        "inverse-solve",
        "Inverse and linear solve",
        (
            "adjoints.inverse",
            "adjoints.solve-rhs",
            "adjoints.solve-matrix",
        ),
    ),
    (
        "trace-det",
        "Trace, determinant and log det",
        (
            "adjoints.trace",
            "adjoints.trace-product",
            "adjoints.determinant",
            "adjoints.logdet",
        ),
    ),
    (
        "factorisations",
        "Factorisations and matrix exponential",
        (
            "adjoints.cholesky",
            "adjoints.eigenvalues",
            "adjoints.eigh",
            "adjoints.expm",
        ),
    ),
)
