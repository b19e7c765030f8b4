"""Determinants and log-determinants, differentiated with respect to a matrix.

Matrix Cookbook (2012) section 1.2 (eqs 25-28, expansions of det(I + A), checked as
equalities) and section 2.1 (eqs 46-58). Gradients follow the Cookbook's convention of
eq. (32): the entries of X are independent, and the gradient has the shape of X.
"""

import numpy as np

from gradref.catalog import Erratum, Identity, Mistake, register, register_erratum
from gradref.cookbook import PAGES, Note
from gradref.identities.linear import COOKBOOK
from gradref.shapes import STRUCTURES, Arr, shaped, shaped_like

MAGNUS = "Magnus & Neudecker, *Matrix Differential Calculus*, 3rd ed. (2019), ch. 8"
BOYD = "Boyd & Vandenberghe, *Convex Optimization* (2004), appendix A.4.1"


def _at(equation: int) -> str:
    return f"{COOKBOOK}, eq. ({equation}), p. {PAGES[equation]}"


# -- samplers for what the annotations cannot express -----------------------------------


def _invertible(rng, n):
    return STRUCTURES["invertible"][0](rng, (n, n))


def _sample_positive_det(rng, n):
    # Invertible and not symmetric, with det X > 0 so that ln det X is real (a row sign flip
    # keeps the conditioning).
    X = _invertible(rng, n)
    if np.linalg.det(X) < 0:
        X[0] = -X[0]
    return {"X": X}


def _sample_square_from_2(rng, n):
    # Sizes n + 1 = 2, 3, ...: at n = 1 det X = X_11 is linear, its Hessian vanishes, and a
    # zero Hessian cannot be confirmed by a relative error.
    return {"X": rng.standard_normal((n + 1, n + 1))}


def _sample_invertible_from_2(rng, n):
    # As above, for an invertible X (well conditioned by construction).
    return {"X": _invertible(rng, n + 1)}


def _sym_det_inv(M):
    """``det(M) M^{-1}`` for sympy: entry by entry the determinant cancels, leaving adj(M)."""
    return M.det() * (M.adjugate() / M.det())


def _sym(A):
    """The symmetric part of a sympy matrix of independent symbols."""
    return (A + A.T) / 2


def _sym_inv_transpose(X):
    """``X^{-T}`` for sympy, as ``adj(X)^T / det X`` (its definition; cheap to compare)."""
    return X.adjugate().T / X.det()


# -- section 1.2: det(I + A) ------------------------------------------------------------


def _traces(A):
    return np.trace(A), np.trace(A @ A), np.trace(A @ A @ A)


def _relative(exact, claimed, *terms):
    scale = max(abs(exact), *(abs(t) for t in terms), 1.0)
    return abs(exact - claimed) / scale


def _check_eq25(rng):
    worst = 0.0
    for _ in range(5):
        A = rng.standard_normal((2, 2))
        lhs = np.linalg.det(np.eye(2) + A)
        worst = max(worst, _relative(lhs, 1 + np.linalg.det(A) + np.trace(A)))
    return worst


def _check_eq26(rng):
    worst = 0.0
    for _ in range(5):
        A = rng.standard_normal((3, 3))
        t1, t2, _ = _traces(A)
        lhs = np.linalg.det(np.eye(3) + A)
        rhs = 1 + np.linalg.det(A) + t1 + t1**2 / 2 - t2 / 2
        worst = max(worst, _relative(lhs, rhs, t1**2, t2))
    return worst


def _check_eq27(rng):
    """Relative errors of eq. (27) read as printed (1/2 + Tr(A)^2) and as intended."""
    printed = corrected = 0.0
    for _ in range(5):
        A = rng.standard_normal((4, 4))
        t1, t2, t3 = _traces(A)
        lhs = np.linalg.det(np.eye(4) + A)
        tail = -t2 / 2 + t1**3 / 6 - t1 * t2 / 2 + t3 / 3
        as_printed = 1 + np.linalg.det(A) + t1 + 1 / 2 + t1**2 + tail
        intended = 1 + np.linalg.det(A) + t1 + t1**2 / 2 + tail
        terms = (t1**2, t2, t1**3, t1 * t2, t3)
        printed = max(printed, _relative(lhs, as_printed, *terms))
        corrected = max(corrected, _relative(lhs, intended, *terms))
    return printed, corrected


def _check_eq28(rng):
    """Eq. (28) as a second-order expansion in epsilon: its coefficients of 1, eps, eps^2.

    det(I + eps A) = sum_k e_k(A) eps^k exactly, with e_k the elementary symmetric functions
    of the eigenvalues (from the characteristic polynomial, ``np.poly``). An approximation
    that holds for small eps must match e_0 = 1, e_1 and e_2; the printed constant term is
    1 + det(A).
    """
    printed = corrected = 0.0
    for n in (3, 4, 5):
        A = rng.standard_normal((n, n))
        t1, t2, _ = _traces(A)
        e = np.poly(A)[:3] * np.array([1.0, -1.0, 1.0])  # e_0, e_1, e_2
        as_printed = np.array([1 + np.linalg.det(A), t1, t1**2 / 2 - t2 / 2])
        intended = np.array([1.0, t1, t1**2 / 2 - t2 / 2])
        scale = max(np.max(np.abs(e)), t1**2, abs(t2))
        printed = max(printed, np.max(np.abs(as_printed - e)) / scale)
        corrected = max(corrected, np.max(np.abs(intended - e)) / scale)
    return float(printed), float(corrected)


def _complex_step_gradient(f, X, h=1e-30):
    """``df/dX_ij`` entry by entry, by the complex step (exact to rounding)."""
    G = np.empty(X.shape)
    for index in np.ndindex(X.shape):
        E = np.zeros(X.shape, dtype=complex)
        E[index] = 1j * h
        G[index] = np.imag(f(X + E)) / h
    return G


def _check_eq47(rng):
    worst = 0.0
    for n in (1, 2, 3, 5):
        X = rng.standard_normal((n, n))
        G = _complex_step_gradient(np.linalg.det, X)  # dDet/dX_ik, measured
        lhs = G @ X.T  # sum_k dDet/dX_ik X_jk
        worst = max(worst, np.max(np.abs(lhs - np.linalg.det(X) * np.eye(n))) / np.max(np.abs(lhs)))
    return float(worst)


register_erratum(
    Erratum(
        id="cookbook-2012-eq-27",
        source=f"{COOKBOOK}, p. {PAGES[27]}",
        equations=(27,),
        printed=r"\det(I+A) = 1+\det(A)+\mathrm{Tr}(A)+\tfrac12 \;+\mathrm{Tr}(A)^2"
        r"-\tfrac12\mathrm{Tr}(A^2)+\tfrac16\mathrm{Tr}(A)^3-\tfrac12\mathrm{Tr}(A)"
        r"\mathrm{Tr}(A^2)+\tfrac13\mathrm{Tr}(A^3)",
        corrected=r"\det(I+A) = 1+\det(A)+\operatorname{tr}(A)+\tfrac12\operatorname{tr}(A)^2"
        r"-\tfrac12\operatorname{tr}(A^2)+\tfrac16\operatorname{tr}(A)^3-\tfrac12"
        r"\operatorname{tr}(A)\operatorname{tr}(A^2)+\tfrac13\operatorname{tr}(A^3)"
        r"\quad (A \in \mathbb{R}^{4\times 4})",
        category="typesetting",
        what="The line break falls inside the term ½Tr(A)², and the second line opens with a "
        "'+': read as printed, ½ and Tr(A)² are two terms and the sum is wrong. With the "
        "product ½Tr(A)² (the n = 3 formula, eq. 26, has it) both sides agree to rounding "
        "at random 4 x 4 matrices.",
        check=_check_eq27,
    )
)

register_erratum(
    Erratum(
        id="cookbook-2012-eq-28",
        source=f"{COOKBOOK}, p. {PAGES[28]}",
        equations=(28,),
        printed=r"\det(I+\varepsilon A) \cong 1+\det(A)+\varepsilon\mathrm{Tr}(A)"
        r"+\tfrac12\varepsilon^2\mathrm{Tr}(A)^2-\tfrac12\varepsilon^2\mathrm{Tr}(A^2)",
        corrected=r"\det(I+\varepsilon A) = 1+\varepsilon\operatorname{tr}(A)"
        r"+\tfrac12\varepsilon^2\big(\operatorname{tr}(A)^2-\operatorname{tr}(A^2)\big)"
        r"+O(\varepsilon^3)",
        category="wrong term",
        what="The term det(A) carries no power of ε: at ε → 0 the left side tends to 1 and "
        "the printed right side to 1 + det(A). In the exact expansion "
        "det(I + εA) = Σ_k ε^k e_k(A) the determinant is the last term, ε^n det(A), which is "
        "O(ε³) for n ≥ 3 (and for n = 2 it is the ε² term already written). Checked by "
        "comparing the coefficients of 1, ε, ε² with those of the characteristic polynomial; "
        "at ε = 1e-3 and a random 3 x 3 A the printed form is off by |det A| (2e-2) where "
        "the corrected one is off by 2e-11.",
        check=_check_eq28,
    )
)


# -- det X and ln det X ----------------------------------------------------------------------


@shaped
def determinant(X: Arr["n n"]):
    """The determinant ``det X``.

    >>> determinant(np.array([[2.0, 1.0], [1.0, 3.0]]))
    np.float64(5.0...)
    """
    return np.linalg.det(X)


@shaped_like(determinant)
def grad_det(X):
    """Gradient of ``det X``: ``det(X) X^{-T}`` (X invertible)."""
    return np.linalg.det(X) * np.linalg.inv(X).T


@shaped_like(determinant)
def hess_det(X):
    """Hessian of ``det X``: ``det(X) [X^{-1}_ji X^{-1}_lk - X^{-1}_jk X^{-1}_li]`` at (i, j, k, l)."""
    Y = np.linalg.inv(X)
    return np.linalg.det(X) * (np.einsum("ji,lk->ijkl", Y, Y) - np.einsum("jk,li->ijkl", Y, Y))


register(
    Identity(
        id="determinants.det",
        title="Gradient of the determinant",
        formula=r"\nabla_X \det X = \det(X)\, X^{-\top}",
        wrt="X",
        kind="gradient",
        value=determinant,
        derivative=grad_det,
        symbolic=lambda X: (X.det(), X.det() * _sym_inv_transpose(X)),
        structure={"X": "invertible"},
        sample=_sample_invertible_from_2,
        assumptions="X square and invertible (for singular X use the adjugate form, "
        "differentials.det-adjugate); checked from 2 x 2 up (a 1 x 1 det is linear)",
        sources=(_at(49), f"{_at(42)} (as a differential)", MAGNUS),
        derivation=r"""
Expanding $\det X$ along row $i$, $\det X = \sum_j X_{ij} C_{ij}$ with cofactors $C_{ij}$
that do not contain $X_{ij}$, so $\partial \det X / \partial X_{ij} = C_{ij}$: the gradient is
the cofactor matrix $\operatorname{adj}(X)^\top$. For invertible $X$,
$\operatorname{adj}(X) = \det(X)\, X^{-1}$, hence $\nabla_X \det X = \det(X)\, X^{-\top}$; as
a differential, $d\det X = \det(X) \operatorname{tr}(X^{-1} dX)$ (eq. 42).
""",
        hessian=hess_det,
        hessian_formula=r"\nabla_X^2 \det X\,[V] = \det(X)\big(\operatorname{tr}(X^{-1}V)\,"
        r"X^{-\top} - X^{-\top} V^\top X^{-\top}\big)",
        mistakes=(
            Mistake(
                r"\det(X)\, X^{-1}",
                lambda X: np.linalg.det(X) * np.linalg.inv(X),
                "drops the transpose: that is the numerator-layout derivative (and "
                "adj(X), not adj(X)^T)",
            ),
            Mistake(
                r"X^{-\top}",
                lambda X: np.linalg.inv(X).T,
                "the gradient of ln det X, with the factor det X lost",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \det X}{\partial X} = \det(X)\, X^{-1}",
            "cookbook": r"\frac{\partial\det(X)}{\partial X} = \det(X)(X^{-1})^T"
            r"\ \text{(eq. 49, same layout)}",
        },
        related=(
            "differentials.det-adjugate",
            "determinants.logdet",
            "determinants.det-power",
            "determinants.det-axb",
        ),
        cookbook=(42, 49),
        keywords=(
            "determinant",
            "det",
            "det X",
            "gradient of the determinant",
            "derivative of the determinant",
            "Jacobi's formula",
            "cofactor",
            "inverse transpose",
        ),
    )
)


@shaped
def log_det(X: Arr["n n"]):
    """The log-determinant ``ln det X`` (det X > 0).

    >>> log_det(np.array([[2.0, 0.0], [1.0, 0.5]]))
    np.float64(0.0)
    """
    return np.log(np.linalg.det(X))


@shaped_like(log_det)
def grad_log_det(X):
    """Gradient of ``ln det X``: ``X^{-T}``."""
    return np.linalg.inv(X).T


@shaped_like(log_det)
def hess_log_det(X):
    """Hessian of ``ln det X``: ``-X^{-1}_jk X^{-1}_li`` at (i, j, k, l)."""
    Y = np.linalg.inv(X)
    return -np.einsum("jk,li->ijkl", Y, Y)


_LOGDET_HESSIAN = (
    r"\nabla_X^2 \ln\det X\,[V] = -X^{-\top} V^\top X^{-\top}"
    r",\quad \text{i.e. } d^2 \ln\det X = -\operatorname{tr}(X^{-1}V X^{-1}V)"
)

register(
    Identity(
        id="determinants.logdet",
        title="Gradient of the log-determinant",
        formula=r"\nabla_X \ln\det X = X^{-\top}",
        wrt="X",
        kind="gradient",
        value=log_det,
        derivative=grad_log_det,
        symbolic=lambda X: (
            __import__("sympy").log(X.det()),
            _sym_inv_transpose(X),
        ),
        structure={"X": "invertible"},
        sample=_sample_positive_det,
        assumptions="X square with det X > 0 (not necessarily symmetric); for any invertible "
        "X the same holds for ln|det X| (eq. 57)",
        sources=(f"{_at(43)} (as a differential)", MAGNUS, BOYD),
        derivation=r"""
By the chain rule and Jacobi's formula (eq. 42),
$d \ln\det X = d\det X / \det X = \operatorname{tr}(X^{-1} dX)
= \langle X^{-\top}, dX\rangle$, so $\nabla_X \ln\det X = X^{-\top}$. Differentiating again,
$d(X^{-\top}) = (-X^{-1} dX\, X^{-1})^\top$, which gives the Hessian; note the transpose on
$V$: for a general direction $-X^{-\top} V X^{-\top}$ is not it (it agrees only for symmetric
$V$ and $X$).
""",
        hessian=hess_log_det,
        hessian_formula=_LOGDET_HESSIAN,
        mistakes=(
            Mistake(
                r"X^{-1}",
                lambda X: np.linalg.inv(X),
                "right only for symmetric X: the transpose of the gradient (numerator layout)",
            ),
            Mistake(
                r"\det(X)\, X^{-\top}",
                lambda X: np.linalg.det(X) * np.linalg.inv(X).T,
                "the gradient of det X: the chain rule's 1/det X is missing",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \ln\det X}{\partial X} = X^{-1}",
            "cookbook": r"\partial(\ln(\det(X))) = \mathrm{Tr}(X^{-1}\partial X)"
            r"\ \text{(eq. 43, a differential)}",
        },
        related=("determinants.logabsdet", "determinants.logdet-spd", "determinants.det"),
        cookbook=(43,),
        keywords=(
            "log determinant",
            "logdet",
            "log det",
            "ln det X",
            "log-determinant",
            "gradient of the log determinant",
            "Hessian of the log determinant",
            "inverse transpose",
        ),
    )
)


@shaped
def log_abs_det(X: Arr["n n"]):
    """``ln |det X|``, written ``ln(det(X)^2) / 2`` so that it is analytic off det X = 0.

    >>> log_abs_det(np.array([[0.0, 1.0], [1.0, 0.0]]))
    np.float64(0.0)
    """
    return np.log(np.linalg.det(X) ** 2) / 2


@shaped_like(log_abs_det)
def grad_log_abs_det(X):
    """Gradient of ``ln |det X|``: ``X^{-T} = (X^T)^{-1}``."""
    return np.linalg.inv(X.T)


register(
    Identity(
        id="determinants.logabsdet",
        title="Gradient of the log of the absolute determinant",
        formula=r"\nabla_X \ln\lvert\det X\rvert = X^{-\top} = (X^\top)^{-1}",
        wrt="X",
        kind="gradient",
        value=log_abs_det,
        derivative=grad_log_abs_det,
        symbolic=lambda X: (
            __import__("sympy").log(X.det() ** 2) / 2,
            _sym_inv_transpose(X),
        ),
        structure={"X": "invertible"},
        assumptions="X square and invertible; det X may be negative",
        sources=(_at(57), MAGNUS),
        derivation=r"""
Where $\det X \ne 0$, $\ln\lvert\det X\rvert = \tfrac12 \ln\big((\det X)^2\big)$, so
$d \ln\lvert\det X\rvert = \tfrac12 \cdot 2 \det(X)\, d\det X / (\det X)^2
= \operatorname{tr}(X^{-1} dX)$, the same differential as $\ln\det X$ where $\det X > 0$.
Hence $\nabla_X = X^{-\top} = (X^\top)^{-1}$, whatever the sign of $\det X$.
""",
        hessian=hess_log_det,
        hessian_formula=_LOGDET_HESSIAN.replace(r"\ln\det X", r"\ln\lvert\det X\rvert", 1),
        mistakes=(
            Mistake(
                r"X^{-1}",
                lambda X: np.linalg.inv(X),
                "the transpose of the gradient (numerator layout); right only for symmetric X",
            ),
            Mistake(
                r"\operatorname{sign}(\det X)\, X^{-\top}",
                lambda X: np.sign(np.linalg.det(X).real) * np.linalg.inv(X).T,
                "differentiates |.| as if it were outside the logarithm: the sign cancels",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \ln\lvert\det X\rvert}{\partial X} = X^{-1}",
            "cookbook": r"\frac{\partial\ln|\det(X)|}{\partial X} = (X^{-1})^T = (X^T)^{-1}"
            r"\ \text{(eq. 57, same layout)}",
        },
        related=("determinants.logdet", "determinants.logabsdet-axb"),
        cookbook=(57,),
        keywords=(
            "log absolute determinant",
            "log abs det",
            "ln |det X|",
            "logabsdet",
            "slogdet",
            "log determinant",
        ),
    )
)


@shaped
def log_det_spd(X: Arr["n n"]):
    """``ln det X`` for symmetric positive definite ``X``.

    >>> log_det_spd(np.diag([2.0, 0.5]))
    np.float64(0.0)
    """
    return np.log(np.linalg.det(X))


@shaped_like(log_det_spd)
def grad_log_det_spd(X):
    """Gradient of ``ln det X`` at symmetric positive definite ``X``: ``X^{-1}``."""
    return np.linalg.inv(X)


register(
    Identity(
        id="determinants.logdet-spd",
        title="Gradient of the log-determinant of a positive definite matrix",
        formula=r"\nabla_X \ln\det X = X^{-1}",
        wrt="X",
        kind="gradient",
        value=log_det_spd,
        derivative=grad_log_det_spd,
        symbolic=lambda X: (
            __import__("sympy").log(X.det()),
            _sym_inv_transpose(X),  # equals X^{-1} at the symmetric sample
        ),
        structure={"X": "spd"},
        assumptions="X symmetric positive definite, its n^2 entries treated as independent "
        "(the Cookbook's convention, eq. 32); X^{-1} = X^{-T} there. Also the gradient on the "
        "space of symmetric matrices with the trace inner product. Not the derivative with "
        "respect to the n(n+1)/2 distinct entries, which is 2X^{-1} - X^{-1} \u2218 I "
        "(Cookbook eq. 141)",
        sources=(BOYD, f"{_at(43)} with X symmetric", MAGNUS),
        derivation=r"""
From $d\ln\det X = \operatorname{tr}(X^{-1} dX)$ (eq. 43) the gradient is $X^{-\top}$, which
is $X^{-1}$ because $X$ is symmetric. Restricted to symmetric directions $V$ the second
differential is $d^2 = -\operatorname{tr}(X^{-1} V X^{-1} V) < 0$ for $V \ne 0$, so
$\nabla^2 f[V] = -X^{-1} V X^{-1}$ and $\ln\det$ is concave on the positive definite cone.
The Hessian over all directions (not only symmetric ones) is that of
`determinants.logdet`, $-X^{-\top} V^\top X^{-\top}$.
""",
        mistakes=(
            Mistake(
                r"2X^{-1} - X^{-1}\circ I",
                lambda X: 2 * np.linalg.inv(X) - np.linalg.inv(X) * np.eye(len(X)),
                "the derivative with respect to the distinct entries of a symmetric X (eq. 141), "
                "used where all n^2 entries vary independently",
            ),
            Mistake(
                r"\det(X)\, X^{-1}",
                lambda X: np.linalg.det(X) * np.linalg.inv(X),
                "the gradient of det X: the chain rule's 1/det X is missing",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \ln\det X}{\partial X} = X^{-1}"
            r"\ \text{(symmetric, so the same in either layout)}",
        },
        related=("determinants.logdet", "determinants.logabsdet"),
        keywords=(
            "log determinant",
            "logdet",
            "positive definite",
            "SPD",
            "covariance",
            "ln det Sigma",
            "concave",
        ),
    )
)


# -- section 2.1.1: det Y(x) of a scalar --------------------------------------------------


def _path(A, B, C, x):
    """``Y(x) = A + x B + x^2 C`` and its first two derivatives in ``x``."""
    t = x[0]
    return A + t * B + t**2 * C, B + 2 * t * C, 2 * C


@shaped
def det_on_path(A: Arr["n n"], B: Arr["n n"], C: Arr["n n"], x: Arr["1"]):
    """``det Y(x)`` for the matrix path ``Y(x) = A + x B + x^2 C`` (x a scalar, as a 1-vector).

    >>> det_on_path(np.eye(2), np.eye(2), np.zeros((2, 2)), np.array([1.0]))
    np.float64(4.0)
    """
    Y, _, _ = _path(A, B, C, x)
    return np.linalg.det(Y)


@shaped_like(det_on_path)
def grad_det_on_path(A, B, C, x):
    """``d det Y / dx = det(Y) tr(Y^{-1} dY/dx)``, as a 1-vector."""
    Y, dY, _ = _path(A, B, C, x)
    return np.array([np.linalg.det(Y) * np.trace(np.linalg.solve(Y, dY))])


@shaped_like(det_on_path)
def hess_det_on_path(A, B, C, x):
    """``d^2 det Y / dx^2`` as printed in eq. (48), as a 1 x 1 matrix."""
    Y, dY, d2Y = _path(A, B, C, x)
    P = np.linalg.solve(Y, dY)
    second = np.trace(np.linalg.solve(Y, d2Y)) + np.trace(P) * np.trace(P) - np.trace(P @ P)
    return np.array([[np.linalg.det(Y) * second]])


def _symbolic_path(A, B, C, x):
    t = x[0, 0]
    Y, dY = A + t * B + t**2 * C, B + 2 * t * C
    return Y.det(), [(_sym_det_inv(Y) * dY).trace()]


register(
    Identity(
        id="determinants.det-path",
        title="Derivative of the determinant of a matrix function of a scalar",
        formula=r"\frac{d}{dx}\det Y(x) = \det(Y)\,\operatorname{tr}\!\Big(Y^{-1}"
        r"\frac{dY}{dx}\Big),\quad Y(x) = A + xB + x^2 C",
        where=(r"Y = A + xB + x^2 C", r"Y' = B + 2xC", r"Y'' = 2C"),
        wrt="x",
        kind="gradient",
        value=det_on_path,
        derivative=grad_det_on_path,
        symbolic=_symbolic_path,
        structure={"A": "invertible"},
        assumptions="x a scalar (here a 1-vector); Y(x) square, differentiable and invertible "
        "at x. The statement is for any such Y; it is checked on the quadratic path "
        "Y(x) = A + xB + x^2C, so that dY/dx depends on x and the second derivative "
        "d^2Y/dx^2 = 2C is not zero (every term of eq. 48 is exercised)",
        sources=(f"{_at(46)}, and eq. (48) for the second derivative", MAGNUS),
        derivation=r"""
With $d\det Y = \det(Y)\operatorname{tr}(Y^{-1}dY)$ (eq. 42) and $dY = Y'(x)\,dx$ by the
chain rule, $\tfrac{d}{dx}\det Y = \det(Y)\operatorname{tr}(Y^{-1}Y')$ (eq. 46).
Differentiating this product once more, the factor $\det Y$ gives
$\det(Y)\operatorname{tr}(Y^{-1}Y')^2$, and the trace gives
$\det(Y)\big[\operatorname{tr}(Y^{-1}Y'') - \operatorname{tr}(Y^{-1}Y'Y^{-1}Y')\big]$
(from $d Y^{-1} = -Y^{-1} dY\, Y^{-1}$): their sum is eq. (48).
""",
        hessian=hess_det_on_path,
        hessian_formula=r"\frac{d^2\det Y}{dx^2} = \det(Y)\Big[\operatorname{tr}(Y^{-1}Y'')"
        r" + \operatorname{tr}(Y^{-1}Y')^2 - \operatorname{tr}\big((Y^{-1}Y')^2\big)\Big]"
        r"\ \text{(eq. 48)}",
        mistakes=(
            Mistake(
                r"\det(Y)\operatorname{tr}(Y^{-1})\operatorname{tr}(Y')",
                lambda A, B, C, x: np.array(
                    [
                        np.linalg.det(_path(A, B, C, x)[0])
                        * np.trace(np.linalg.inv(_path(A, B, C, x)[0]))
                        * np.trace(_path(A, B, C, x)[1])
                    ]
                ),
                "splits the trace of a product into a product of traces",
            ),
            Mistake(
                r"\det(Y')",
                lambda A, B, C, x: np.array([np.linalg.det(_path(A, B, C, x)[1])]),
                "differentiates inside the determinant, as if det were linear",
            ),
        ),
        conventions={
            "cookbook": r"\frac{\partial\det(Y)}{\partial x} = \det(Y)\mathrm{Tr}\left[Y^{-1}"
            r"\frac{\partial Y}{\partial x}\right]\ \text{(eq. 46)}",
        },
        related=("determinants.det", "differentials.inverse"),
        cookbook=(46, 48),
        keywords=(
            "determinant of a matrix function",
            "d det Y / dx",
            "Jacobi's formula",
            "second derivative of a determinant",
            "determinant",
        ),
    )
)


# -- section 2.1.2: linear forms ----------------------------------------------------------


@shaped
def det_axb(A: Arr["p n"], X: Arr["n n"], B: Arr["n p"]):
    """The determinant ``det(A X B)`` of a p x p product.

    >>> det_axb(np.eye(2, 3), np.eye(3), np.eye(3, 2))
    np.float64(1.0)
    """
    return np.linalg.det(A @ X @ B)


@shaped_like(det_axb)
def grad_det_axb(A, X, B):
    """Gradient of ``det(AXB)``: ``det(AXB) A^T (AXB)^{-T} B^T``."""
    M = A @ X @ B
    return np.linalg.det(M) * A.T @ np.linalg.inv(M).T @ B.T


@shaped_like(det_axb)
def hess_det_axb(A, X, B):
    """Hessian of ``det(AXB)``: ``det(M) [Q_ji Q_lk - Q_jk Q_li]`` with ``Q = B M^{-1} A``."""
    M = A @ X @ B
    Q = B @ np.linalg.solve(M, A)
    return np.linalg.det(M) * (np.einsum("ji,lk->ijkl", Q, Q) - np.einsum("jk,li->ijkl", Q, Q))


def _symbolic_det_axb(A, X, B):
    import sympy as sp

    M = (A * X * B).applyfunc(sp.expand)  # flat polynomials: sympy differentiates them fast
    claimed = A.T * _sym_det_inv(M).T * B.T  # det(M) M^{-T}, entry by entry
    return sp.expand(M.det()), claimed.applyfunc(sp.expand)


def _sample_det_axb(rng, n):
    # p = n + 1 < n + 2: A and B not square (where eq. 51 fails), p > 1 (a nonzero Hessian).
    p, m = n + 1, n + 2
    return {
        "A": rng.standard_normal((p, m)),
        "X": _invertible(rng, m),
        "B": rng.standard_normal((m, p)),
    }


def _printed_eq51(A, X, B):
    return np.linalg.det(A @ X @ B) * np.linalg.inv(X).T


register(
    Identity(
        id="determinants.det-axb",
        title="Gradient of the determinant of a product A X B",
        formula=r"\nabla_X \det(AXB) = \det(AXB)\, A^\top (AXB)^{-\top} B^\top",
        wrt="X",
        kind="gradient",
        value=det_axb,
        derivative=grad_det_axb,
        symbolic=_symbolic_det_axb,
        structure={"X": "invertible"},
        sample=_sample_det_axb,
        symbolic_dims=(1,),  # X 3 x 3 (sympy takes 30 s at 4 x 4); numerically up to 10 x 10
        assumptions="AXB square (p x p) and invertible; X need not be square in general. It is "
        "checked with X square, the shapes under which the printed eq. 51 can be evaluated, "
        "and A, B not square: A (p x n), X (n x n), B (n x p) with p = n - 1 from p = 2 up "
        "(p = 1 would make det(AXB) linear in X, with a zero Hessian)",
        sources=(
            f"corrected from {_at(51)}, see the errata",
            MAGNUS,
        ),
        derivation=r"""
With $M = AXB$, $dM = A\,dX\,B$ and Jacobi's formula
$d\det M = \det(M)\operatorname{tr}(M^{-1}A\,dX\,B) = \det(M)\operatorname{tr}(BM^{-1}A\,dX)$
(cyclic), so $\nabla_X \det M = \det(M)\,(BM^{-1}A)^\top = \det(M)\,A^\top M^{-\top}B^\top$.
Only when $A$ and $B$ are square and invertible does $A^\top M^{-\top} B^\top$ collapse to
$X^{-\top}$, the form printed in eq. (51).
""",
        hessian=hess_det_axb,
        hessian_formula=r"\nabla_X^2 \det(AXB)[V] = \det(M)\big(\operatorname{tr}(QV)\,Q^\top"
        r" - Q^\top V^\top Q^\top\big),\quad M = AXB,\ Q = BM^{-1}A",
        mistakes=(
            Mistake(
                r"\det(AXB)\, X^{-\top}",
                _printed_eq51,
                "the Cookbook's eq. (51): right only when A and B are square",
            ),
            Mistake(
                r"\det(AXB)\, B (AXB)^{-1} A",
                lambda A, X, B: np.linalg.det(A @ X @ B) * B @ np.linalg.inv(A @ X @ B) @ A,
                "the numerator-layout derivative, the transpose of the gradient",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \det(AXB)}{\partial X} = \det(AXB)\, B(AXB)^{-1}A",
            "cookbook": r"\frac{\partial\det(AXB)}{\partial X} = \det(AXB)(X^{-1})^T"
            r"\ \text{(eq. 51; square A, B only)}",
        },
        related=("determinants.det", "determinants.logabsdet-axb"),
        keywords=(
            "determinant of a product",
            "det(AXB)",
            "det AXB",
            "determinant",
            "linear form",
        ),
    )
)

register_erratum(
    Erratum(
        id="cookbook-2012-eq-51",
        source=f"{COOKBOOK}, p. {PAGES[51]}",
        equations=(51,),
        printed=r"\frac{\partial\det(AXB)}{\partial X} = \det(AXB)(X^{-1})^T"
        r" = \det(AXB)(X^T)^{-1}",
        corrected=r"\frac{\partial\det(AXB)}{\partial X} = \det(AXB)\,A^\top(AXB)^{-\top}"
        r"B^\top\quad\text{(}= \det(AXB)X^{-\top}\text{ when A and B are square)}",
        category="missing assumption",
        what="Section 2.1.2 states no shapes for A and B; the printed X^{-1} only needs X "
        "square. With X n x n and A (p x n), B (n x p), p < n, AXB is invertible but the "
        "printed gradient has full rank n where the true one, det(M) A^T M^{-T} B^T, has "
        "rank p: the printed formula holds only for square A and B.",
        identity="determinants.det-axb",
        printed_derivative=_printed_eq51,
    )
)


def _expanded(M):
    """A sympy matrix of flat polynomials, and its determinant expanded: cheap to differentiate."""
    import sympy as sp

    M = M.applyfunc(sp.expand)
    return M, sp.expand(M.det())


def _symbolic_log_abs_det_axb(A, X, B):
    import sympy as sp

    M, D = _expanded(A * X * B)
    # ln|D| as ln D: the same derivative D'/D, and the same real part where D < 0
    claimed = (A.T * M.adjugate().T * B.T).applyfunc(sp.expand) / D  # (AXB)^{-T} = adj(M)^T / D
    return sp.log(D), claimed


@shaped
def log_abs_det_axb(A: Arr["2 2"], X: Arr["2 3"], B: Arr["3 2"]):
    """``ln |det(A X B)|`` (AXB is 2 x 2), as ``ln(det(AXB)^2) / 2``.

    >>> log_abs_det_axb(np.eye(2), 2 * np.eye(2, 3), -np.eye(3, 2))
    np.float64(1.38...)
    """
    return np.log(np.linalg.det(A @ X @ B) ** 2) / 2


@shaped_like(log_abs_det_axb)
def grad_log_abs_det_axb(A, X, B):
    """Gradient of ``ln |det(AXB)|``: ``A^T (AXB)^{-T} B^T``."""
    return A.T @ np.linalg.inv(A @ X @ B).T @ B.T


@shaped_like(log_abs_det_axb)
def hess_log_abs_det_axb(A, X, B):
    """Hessian of ``ln |det(AXB)|``: ``-Q_jk Q_li`` with ``Q = B (AXB)^{-1} A``."""
    Q = B @ np.linalg.solve(A @ X @ B, A)
    return -np.einsum("jk,li->ijkl", Q, Q)


register(
    Identity(
        id="determinants.logabsdet-axb",
        title="Gradient of the log-determinant of a product A X B",
        formula=r"\nabla_X \ln\lvert\det(AXB)\rvert = A^\top (AXB)^{-\top} B^\top",
        wrt="X",
        kind="gradient",
        value=log_abs_det_axb,
        derivative=grad_log_abs_det_axb,
        symbolic=_symbolic_log_abs_det_axb,
        assumptions="AXB square (p x p) and invertible; X may be rectangular. Checked at the "
        "fixed sizes A 2 x 2, X 2 x 3, B 3 x 2 (sympy's exact Hessian of a larger "
        "ln|det(AXB)| takes tens of seconds)",
        sources=(f"{_at(51)}, corrected (see the errata) and divided by det(AXB)", MAGNUS),
        derivation=r"""
With $M = AXB$, $d\ln\lvert\det M\rvert = \operatorname{tr}(M^{-1}dM)
= \operatorname{tr}(M^{-1}A\,dX\,B) = \operatorname{tr}(BM^{-1}A\,dX)$, so the gradient is
$(BM^{-1}A)^\top = A^\top M^{-\top}B^\top$. Its differential is
$-(BM^{-1}A\,dX\,BM^{-1}A)^\top$, the Hessian below.
""",
        hessian=hess_log_abs_det_axb,
        hessian_formula=r"\nabla_X^2 \ln\lvert\det(AXB)\rvert\,[V] = -Q^\top V^\top Q^\top,"
        r"\quad Q = B(AXB)^{-1}A",
        mistakes=(
            Mistake(
                r"B (AXB)^{-1} A",
                lambda A, X, B: B @ np.linalg.inv(A @ X @ B) @ A,
                "the numerator-layout derivative: the transpose of the gradient",
            ),
            Mistake(
                r"A^\top (AXB)^{-1} B^\top",
                lambda A, X, B: A.T @ np.linalg.inv(A @ X @ B) @ B.T,
                "transposes the outer factors but not the inverse",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \ln\lvert\det(AXB)\rvert}{\partial X} = B(AXB)^{-1}A",
        },
        related=("determinants.det-axb", "determinants.logabsdet"),
        keywords=("log determinant of a product", "ln det(AXB)", "logdet", "det(AXB)"),
    )
)


# -- section 2.1.3: square forms X^T A X ---------------------------------------------------


@shaped
def det_xtax_square(A: Arr["n n"], X: Arr["n n"]):
    """``det(X^T A X)`` for square ``X``.

    >>> det_xtax_square(np.eye(2), 2 * np.eye(2))
    np.float64(16.0)
    """
    return np.linalg.det(X.T @ A @ X)


@shaped_like(det_xtax_square)
def grad_det_xtax_square(A, X):
    """Gradient of ``det(X^T A X)`` for square invertible ``X``: ``2 det(X^T A X) X^{-T}``."""
    return 2 * np.linalg.det(X.T @ A @ X) * np.linalg.inv(X).T


@shaped_like(det_xtax_square)
def hess_det_xtax_square(A, X):
    """Hessian: ``2 det(M) [2 X^{-1}_ji X^{-1}_lk - X^{-1}_jk X^{-1}_li]``, ``M = X^T A X``."""
    Y = np.linalg.inv(X)
    f = np.linalg.det(X.T @ A @ X)
    return 2 * f * (2 * np.einsum("ji,lk->ijkl", Y, Y) - np.einsum("jk,li->ijkl", Y, Y))


register(
    Identity(
        id="determinants.det-xtax-square",
        title="Gradient of det(X^T A X) for square X",
        formula=r"\nabla_X \det(X^\top A X) = 2\det(X^\top A X)\, X^{-\top}",
        wrt="X",
        kind="gradient",
        value=det_xtax_square,
        derivative=grad_det_xtax_square,
        symbolic=lambda A, X: (
            # det(X^T A X) = det(A) det(X)^2 for square X: the same polynomial, far cheaper for
            # sympy (the numpy value computes det(X^T A X) as printed; sympy's value is compared
            # with it at a random point)
            A.det() * X.det() ** 2,
            2 * A.det() * X.det() ** 2 * _sym_inv_transpose(X),
        ),
        structure={"A": "square", "X": "invertible"},
        assumptions="X square and invertible; A any square matrix (not necessarily symmetric)",
        sources=(_at(52), MAGNUS),
        derivation=r"""
For square $X$, $\det(X^\top A X) = \det(A)(\det X)^2$, so
$d\det(X^\top AX) = 2\det(A)\det(X)\, d\det X = 2\det(X^\top AX)\operatorname{tr}(X^{-1}dX)$
by Jacobi's formula, and the gradient is $2\det(X^\top AX)X^{-\top}$. The symmetry of $A$
plays no part.
""",
        hessian=hess_det_xtax_square,
        hessian_formula=r"\nabla_X^2 f[V] = 2f\big(2\operatorname{tr}(X^{-1}V)X^{-\top}"
        r" - X^{-\top}V^\top X^{-\top}\big),\quad f = \det(X^\top AX)",
        mistakes=(
            Mistake(
                r"\det(X^\top AX)\, X^{-\top}",
                lambda A, X: np.linalg.det(X.T @ A @ X) * np.linalg.inv(X).T,
                "counts X once: det(X^T A X) is quadratic in det X",
            ),
            Mistake(
                r"2\det(X^\top AX)\, X^{-1}",
                lambda A, X: 2 * np.linalg.det(X.T @ A @ X) * np.linalg.inv(X),
                "the numerator-layout derivative: the transpose of the gradient",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \det(X^\top AX)}{\partial X} = 2\det(X^\top AX)\,X^{-1}",
        },
        related=("determinants.det-xtax", "determinants.det"),
        cookbook=(52,),
        keywords=("det(X^T A X)", "square form", "determinant", "Gram determinant"),
    )
)


@shaped
def det_xtax(A: Arr["3 3"], X: Arr["3 2"]):
    """``det(X^T A X)`` for a tall ``X`` (m > n; checked at m = 3, n = 2).

    >>> det_xtax(np.eye(3), np.eye(3)[:, :2])
    np.float64(1.0)
    """
    return np.linalg.det(X.T @ A @ X)


@shaped_like(det_xtax)
def grad_det_xtax_symmetric(A, X):
    """Gradient for symmetric ``A``: ``2 det(X^T A X) A X (X^T A X)^{-1}``."""
    M = X.T @ A @ X
    return 2 * np.linalg.det(M) * A @ X @ np.linalg.inv(M)


@shaped_like(det_xtax)
def grad_det_xtax(A, X):
    """Gradient for any ``A``: ``det(M) (A X M^{-1} + A^T X (X^T A^T X)^{-1})``, ``M = X^T A X``."""
    M = X.T @ A @ X
    return np.linalg.det(M) * (A @ X @ np.linalg.inv(M) + A.T @ X @ np.linalg.inv(X.T @ A.T @ X))


@shaped_like(det_xtax)
def hess_det_xtax_symmetric(A, X):
    """Hessian for symmetric ``A``: ``2 f (2 P_ij P_kl + R_ik N_lj - P_il P_kj)``.

    With ``M = X^T A X``, ``N = M^{-1}``, ``P = A X N``, ``R = A - A X N X^T A``, ``f = det M``.
    """
    M = X.T @ A @ X
    N = np.linalg.inv(M)
    P = A @ X @ N
    R = A - A @ X @ N @ X.T @ A
    f = np.linalg.det(M)
    return (
        2
        * f
        * (
            2 * np.einsum("ij,kl->ijkl", P, P)
            + np.einsum("ik,lj->ijkl", R, N)
            - np.einsum("il,kj->ijkl", P, P)
        )
    )


register(
    Identity(
        id="determinants.det-xtax-symmetric",
        title="Gradient of det(X^T A X) for tall X and symmetric A",
        formula=r"\nabla_X \det(X^\top A X) = 2\det(X^\top A X)\, A X (X^\top A X)^{-1}",
        wrt="X",
        kind="gradient",
        value=det_xtax,
        derivative=grad_det_xtax_symmetric,
        symbolic=lambda A, X: (
            (X.T * _sym(A) * X).det(),
            # the symbols of A are independent: symmetrize them, as the sample is
            2 * _sym(A) * X * _sym_det_inv(X.T * _sym(A) * X),
        ),
        structure={"A": "symmetric"},
        assumptions="A symmetric (m x m), X m x n with X^T A X invertible; for square X it "
        "equals 2 det(X^T A X) X^{-T} (eq. 52). Checked at the fixed sizes m = 3, n = 2 "
        "(sympy's exact check of a larger det(X^T A X) takes seconds)",
        sources=(_at(53), MAGNUS),
        derivation=r"""
With $M = X^\top A X$, $dM = dX^\top AX + X^\top A\,dX$, and for symmetric $A$ the two terms
are transposes of each other. Jacobi's formula gives $d\det M = \det(M)\operatorname{tr}
(M^{-1}dM) = 2\det(M)\operatorname{tr}(M^{-1}X^\top A\,dX)$ ($M^{-1}$ is symmetric too), so
the gradient is $2\det(M)\,(M^{-1}X^\top A)^\top = 2\det(M)\,AXM^{-1}$.
""",
        hessian=hess_det_xtax_symmetric,
        hessian_formula=r"\nabla_X^2 f[V] = 2f\Big(2\operatorname{tr}(P^\top V)\,P"
        r" + (A - AXM^{-1}X^\top A)\,V M^{-1} - P V^\top P\Big),\ "
        r"M = X^\top AX,\ P = AXM^{-1},\ f = \det M",
        mistakes=(
            Mistake(
                r"2\det(X^\top AX)\, AX",
                lambda A, X: 2 * np.linalg.det(X.T @ A @ X) * A @ X,
                "drops the inverse (X^T A X)^{-1} from Jacobi's formula",
            ),
            Mistake(
                r"2\det(X^\top AX)\, (X^\top A X)^{-1} X^\top A",
                lambda A, X: 2 * np.linalg.det(X.T @ A @ X) * np.linalg.inv(X.T @ A @ X) @ X.T @ A,
                "the numerator-layout derivative (an n x m matrix, the transpose)",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \det(X^\top AX)}{\partial X} = 2\det(X^\top AX)\,"
            r"(X^\top AX)^{-1}X^\top A",
        },
        related=("determinants.det-xtax", "determinants.det-xtax-square"),
        cookbook=(53,),
        keywords=("det(X^T A X)", "square form", "determinant", "symmetric", "Gram determinant"),
    )
)

register(
    Identity(
        id="determinants.det-xtax",
        title="Gradient of det(X^T A X) for tall X and any A",
        formula=r"\nabla_X \det(X^\top A X) = \det(X^\top A X)\big(AX(X^\top AX)^{-1}"
        r" + A^\top X(X^\top A^\top X)^{-1}\big)",
        wrt="X",
        kind="gradient",
        value=det_xtax,
        derivative=grad_det_xtax,
        symbolic=lambda A, X: (
            (X.T * A * X).det(),
            # det(M) M^{-1} and det(M) M^{-T}, with det(M) = det(M^T)
            A * X * _sym_det_inv(X.T * A * X) + A.T * X * _sym_det_inv(X.T * A.T * X),
        ),
        structure={"A": "square"},
        assumptions="A square (m x m), not necessarily symmetric; X m x n with X^T A X "
        "invertible. Checked at the fixed sizes m = 3, n = 2 (sympy's exact check of a larger "
        "det(X^T A X) takes seconds)",
        sources=(_at(54), MAGNUS),
        derivation=r"""
With $M = X^\top AX$, $dM = dX^\top AX + X^\top A\,dX$ and Jacobi's formula
$d\det M = \det(M)\big[\operatorname{tr}(M^{-1}dX^\top AX) + \operatorname{tr}(M^{-1}X^\top A
\,dX)\big]$. Transposing the first trace, $\operatorname{tr}(X^\top A^\top dX\,M^{-\top})
= \operatorname{tr}(M^{-\top}X^\top A^\top dX)$, so the gradient is
$\det(M)\big(AXM^{-1} + A^\top XM^{-\top}\big)$, and $M^{-\top} = (X^\top A^\top X)^{-1}$.
""",
        mistakes=(
            Mistake(
                r"2\det(X^\top AX)\, AX(X^\top AX)^{-1}",
                grad_det_xtax_symmetric,
                "the symmetric-A formula (eq. 53) used for a non-symmetric A",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \det(X^\top AX)}{\partial X} = \det(X^\top AX)"
            r"\big((X^\top A^\top X)^{-1}X^\top A^\top + (X^\top AX)^{-1}X^\top A\big)",
        },
        related=("determinants.det-xtax-symmetric", "determinants.det-xtax-square"),
        cookbook=(54,),
        keywords=("det(X^T A X)", "square form", "determinant", "non-symmetric"),
    )
)


# -- section 2.1.4: other nonlinear forms ---------------------------------------------------


def _symbolic_log_det_gram(X):
    import sympy as sp

    G, D = _expanded(X.T * X)
    return sp.log(D), 2 * (G.adjugate() / D * X.T).T  # 2 (X^+)^T, X^+ = (X^T X)^{-1} X^T


@shaped
def log_det_gram(X: Arr["3 2"]):
    """``ln det(X^T X)`` for a tall ``X`` of full column rank (checked at 3 x 2).

    >>> log_det_gram(2 * np.eye(3, 2))  # X^T X = 4 I
    np.float64(2.772...)
    """
    return np.log(np.linalg.det(X.T @ X))


def _pinv_full_column_rank(X):
    """``X^+ = (X^T X)^{-1} X^T`` (full column rank; analytic, unlike an SVD)."""
    return np.linalg.solve(X.T @ X, X.T)


@shaped_like(log_det_gram)
def grad_log_det_gram(X):
    """Gradient of ``ln det(X^T X)``: ``2 (X^+)^T``."""
    return 2 * _pinv_full_column_rank(X).T


@shaped_like(log_det_gram)
def hess_log_det_gram(X):
    """Hessian: ``2 [(I - X X^+)_ik N_lj - P_il P_kj]``, ``N = (X^T X)^{-1}``, ``P = (X^+)^T``."""
    N = np.linalg.inv(X.T @ X)
    P = X @ N
    R = np.eye(len(X)) - P @ X.T
    return 2 * (np.einsum("ik,lj->ijkl", R, N) - np.einsum("il,kj->ijkl", P, P))


register(
    Identity(
        id="determinants.logdet-gram",
        title="Gradient of ln det(X^T X)",
        formula=r"\nabla_X \ln\det(X^\top X) = 2\,(X^+)^\top = 2X(X^\top X)^{-1}",
        wrt="X",
        kind="gradient",
        value=log_det_gram,
        derivative=grad_log_det_gram,
        symbolic=_symbolic_log_det_gram,
        assumptions="X m x n of full column rank (m >= n), so X^T X is invertible and "
        "X^+ = (X^T X)^{-1} X^T. Checked at the fixed size 3 x 2: sympy's exact Hessian of "
        "ln det(X^T X) takes tens of seconds at 4 x 3",
        sources=(f"{_at(55)} (printed with a stray bar after the numerator)", MAGNUS),
        derivation=r"""
This is eq. (53) with $A = I$, divided by $\det(X^\top X)$: with $M = X^\top X$,
$d\ln\det M = \operatorname{tr}(M^{-1}(dX^\top X + X^\top dX)) = 2\operatorname{tr}
(M^{-1}X^\top dX)$, so the gradient is $2XM^{-1} = 2(X^+)^\top$ because
$X^+ = M^{-1}X^\top$ for full column rank.
""",
        hessian=hess_log_det_gram,
        hessian_formula=r"\nabla_X^2 \ln\det(X^\top X)[V] = 2\big((I - XX^+)\,V(X^\top X)^{-1}"
        r" - (X^+)^\top V^\top (X^+)^\top\big)",
        mistakes=(
            Mistake(
                r"2X^+",
                lambda X: 2 * _pinv_full_column_rank(X),
                "the pseudo-inverse without its transpose: an n x m matrix, the numerator layout",
            ),
            Mistake(
                r"(X^+)^\top",
                lambda X: _pinv_full_column_rank(X).T,
                "misses the factor 2: X enters X^T X twice",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \ln\det(X^\top X)}{\partial X} = 2X^+",
            "cookbook": r"\frac{\partial \ln\det(X^TX)|}{\partial X} = 2(X^+)^T"
            r"\ \text{(eq. 55, as printed, with a stray bar)}",
        },
        related=("determinants.det-xtax-symmetric", "determinants.logdet-pinv"),
        cookbook=(55,),
        keywords=(
            "pseudo-inverse",
            "pseudoinverse",
            "Moore-Penrose",
            "ln det(X^T X)",
            "log det X^T X",
            "Gram matrix",
            "logdet",
        ),
    )
)


def _symbolic_log_det_gram_of_pinv(P):
    import sympy as sp

    S, D = _expanded(P * P.T)
    return -sp.log(D), -2 * (P.T * S.adjugate() / D).T  # -2 X^T, X = P^T (P P^T)^{-1}


@shaped
def log_det_gram_of_pinv(P: Arr["2 3"]):
    """``ln det(X^T X)`` as a function of ``P = X^+`` (n x m, full row rank), with ``X = P^+``.

    >>> log_det_gram_of_pinv(2 * np.eye(2, 3))  # X = P^+ = np.eye(3, 2) / 2
    np.float64(-2.772...)
    """
    X = P.T @ np.linalg.inv(P @ P.T)  # X = P^+ for full row rank P
    return np.log(np.linalg.det(X.T @ X))


@shaped_like(log_det_gram_of_pinv)
def grad_log_det_gram_of_pinv(P):
    """Gradient with respect to ``X^+``: ``-2 X^T`` with ``X = (X^+)^+``."""
    X = P.T @ np.linalg.inv(P @ P.T)
    return -2 * X.T


@shaped_like(log_det_gram_of_pinv)
def hess_log_det_gram_of_pinv(P):
    """Hessian: ``-2 (S^{-1}_ik R_lj - Z_il Z_kj)``, ``S = P P^T``, ``Z = S^{-1} P = X^T``, ``R = I - P^T Z``."""
    Sinv = np.linalg.inv(P @ P.T)
    Z = Sinv @ P  # X^T
    R = np.eye(P.shape[1]) - P.T @ Z
    return -2 * (np.einsum("ik,lj->ijkl", Sinv, R) - np.einsum("il,kj->ijkl", Z, Z))


register(
    Identity(
        id="determinants.logdet-pinv",
        title="Gradient of ln det(X^T X) with respect to the pseudo-inverse",
        formula=r"\nabla_{X^+} \ln\det(X^\top X) = -2X^\top",
        where=(r"X = P^+",),
        wrt="P",
        kind="gradient",
        value=log_det_gram_of_pinv,
        derivative=grad_log_det_gram_of_pinv,
        # ln det(X^T X) = -ln det(P P^T) for X = P^+ (the cheap form for sympy; the numpy
        # value follows the statement, through X).
        symbolic=_symbolic_log_det_gram_of_pinv,
        assumptions="P = X^+ is the variable: n x m of full row rank (n <= m), and X = P^+, "
        "m x n of full column rank; the gradient has the shape of X^+. Checked at the fixed "
        "size 2 x 3 (sympy's exact Hessian takes tens of seconds at 3 x 4)",
        sources=(_at(56), MAGNUS),
        derivation=r"""
Write $P = X^+$ for the variable. For full row rank, $X = P^+ = P^\top(PP^\top)^{-1}$, so
$X^\top X = (PP^\top)^{-1}PP^\top(PP^\top)^{-1} = (PP^\top)^{-1}$ and
$\ln\det(X^\top X) = -\ln\det(PP^\top)$. As for eq. (55),
$d(-\ln\det PP^\top) = -2\operatorname{tr}((PP^\top)^{-1}P\,dP^\top)$, so the gradient is
$-2(PP^\top)^{-1}P = -2(P^+)^\top = -2X^\top$.
""",
        hessian=hess_log_det_gram_of_pinv,
        hessian_formula=r"\nabla_{P}^2 f[V] = -2\big(S^{-1}V(I - P^\top S^{-1}P)"
        r" - X^\top V^\top X^\top\big),\quad S = PP^\top",
        mistakes=(
            Mistake(
                r"2X^\top",
                lambda P: 2 * (P.T @ np.linalg.inv(P @ P.T)).T,
                "loses the sign: ln det(X^T X) decreases as X^+ grows",
            ),
            Mistake(
                r"-2X",
                lambda P: -2 * P.T @ np.linalg.inv(P @ P.T),
                "the numerator-layout derivative, with the shape of X instead of X^+",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \ln\det(X^\top X)}{\partial X^+} = -2X",
        },
        related=("determinants.logdet-gram",),
        cookbook=(56,),
        keywords=(
            "pseudo-inverse",
            "pseudoinverse",
            "derivative with respect to the pseudo-inverse",
            "ln det(X^T X)",
            "logdet",
        ),
    )
)


@shaped
def det_power(X: Arr["n n"], k: int = 3):
    """``det(X^k)`` for an integer power ``k`` (3 by default).

    >>> det_power(2 * np.eye(2))
    np.float64(64.0)
    """
    return np.linalg.det(np.linalg.matrix_power(X, k))


@shaped_like(det_power)
def grad_det_power(X, k=3):
    """Gradient of ``det(X^k)``: ``k det(X^k) X^{-T}``."""
    return k * np.linalg.det(np.linalg.matrix_power(X, k)) * np.linalg.inv(X).T


@shaped_like(det_power)
def hess_det_power(X, k=3):
    """Hessian: ``k det(X^k) [k X^{-1}_ji X^{-1}_lk - X^{-1}_jk X^{-1}_li]``."""
    Y = np.linalg.inv(X)
    f = np.linalg.det(np.linalg.matrix_power(X, k))
    return k * f * (k * np.einsum("ji,lk->ijkl", Y, Y) - np.einsum("jk,li->ijkl", Y, Y))


register(
    Identity(
        id="determinants.det-power",
        title="Gradient of the determinant of a matrix power",
        formula=r"\nabla_X \det(X^k) = k\det(X^k)\, X^{-\top}",
        wrt="X",
        kind="gradient",
        value=det_power,
        derivative=grad_det_power,
        # det(X^k) = det(X)^k: the same polynomial, far cheaper for sympy than det of X^k.
        symbolic=lambda X, k=3: (X.det() ** k, k * X.det() ** k * _sym_inv_transpose(X)),
        structure={"X": "invertible"},
        assumptions="X square and invertible; k an integer (checked at k = 3)",
        sources=(_at(58), MAGNUS),
        derivation=r"""
$\det(X^k) = (\det X)^k$, so by the chain rule and Jacobi's formula
$d\det(X^k) = k(\det X)^{k-1}\det(X)\operatorname{tr}(X^{-1}dX)
= k\det(X^k)\operatorname{tr}(X^{-1}dX)$, and the gradient is $k\det(X^k)X^{-\top}$.
""",
        hessian=hess_det_power,
        hessian_formula=r"\nabla_X^2 f[V] = k f\big(k\operatorname{tr}(X^{-1}V)X^{-\top}"
        r" - X^{-\top}V^\top X^{-\top}\big),\quad f = \det(X^k)",
        mistakes=(
            Mistake(
                r"k\det(X^{k-1})\, X^{-\top}",
                lambda X, k=3: (
                    k * np.linalg.det(np.linalg.matrix_power(X, k - 1)) * np.linalg.inv(X).T
                ),
                "the power rule applied to the matrix inside det: one factor det X too few",
            ),
            Mistake(
                r"k\det(X^k)\, X^{-k\top}",
                lambda X, k=3: (
                    k
                    * np.linalg.det(np.linalg.matrix_power(X, k))
                    * np.linalg.matrix_power(np.linalg.inv(X), k).T
                ),
                "differentiates X^k as if the power carried over to the inverse",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \det(X^k)}{\partial X} = k\det(X^k)\,X^{-1}",
            "cookbook": r"\frac{\partial\det(X^k)}{\partial X} = k\det(X^k)X^{-T}"
            r"\ \text{(eq. 58, same layout)}",
        },
        related=("determinants.det",),
        cookbook=(58,),
        keywords=("determinant of a power", "det(X^k)", "matrix power", "determinant"),
    )
)


COOKBOOK_NOTES = {
    25: Note(
        "equality",
        "not a derivative: det(I + A) for 2 x 2 A, checked at random matrices",
        check=_check_eq25,
    ),
    26: Note(
        "equality",
        "not a derivative: det(I + A) for 3 x 3 A, checked at random matrices",
        check=_check_eq26,
    ),
    47: Note(
        "equality",
        "not a derivative formula but a property of the gradient of det: (dDet/dX) X^T = "
        "det(X) I, checked with the gradient measured by the complex step, entry by entry",
        see=("determinants.det",),
        check=_check_eq47,
    ),
    50: Note(
        "duplicate",
        "eq. (47) printed again in section 2.1.2",
        see=("determinants.det",),
        check=_check_eq47,
    ),
}


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "det-logdet",
        "Determinant and log-determinant",
        (
            "determinants.det",
            "determinants.logdet",
            "determinants.logabsdet",
            "determinants.logdet-spd",
            "determinants.det-path",
        ),
    ),
    (
        "products",
        "Determinants of products",
        (
            "determinants.det-axb",
            "determinants.logabsdet-axb",
            "determinants.det-power",
        ),
    ),
    (
        "square-forms",
        "Determinants of Gram-type products",
        (
            "determinants.det-xtax-square",
            "determinants.det-xtax-symmetric",
            "determinants.det-xtax",
            "determinants.logdet-gram",
            "determinants.logdet-pinv",
        ),
    ),
)
