"""Higher-order and nonlinear forms: powers of a matrix, products of forms, quotients
(Matrix Cookbook 2012, section 2.4.3), with the power n fixed at a small integer."""

import numpy as np

from gradref.catalog import Erratum, Identity, Mistake, register, register_erratum
from gradref.cookbook import PAGES, Note
from gradref.identities.linear import COOKBOOK, cookbook_source, single_entry, sym_tensor
from gradref.shapes import Arr, shaped, shaped_like


def power(X, r: int):
    """``X^r`` for a square numpy or sympy matrix (``X^0 = I``)."""
    if isinstance(X, np.ndarray):
        return np.linalg.matrix_power(X, r)
    return X**r


# -- eq 90: the Jacobian of X -> X^n, for n = 3 and n = 2 ----------------------------------


@shaped
def cube(X: Arr["d d"]):
    """The matrix power ``X^3 = X X X``.

    >>> cube(np.array([[1.0, 1.0], [0.0, 1.0]]))
    array([[1., 3.],
           [0., 1.]])
    """
    return X @ X @ X


@shaped_like(cube)
def jac_cube(X):
    """Jacobian of ``X -> X^3``: ``sum_{r=0}^{2} (X^r J^{ij} X^{2-r})_kl`` at ``[k, l, i, j]``."""
    return sum(np.einsum("ki,jl->klij", power(X, r), power(X, 2 - r)) for r in range(3))


@shaped
def square(X: Arr["d d"]):
    """The matrix power ``X^2 = X X``.

    >>> square(np.array([[0.0, 1.0], [1.0, 0.0]]))
    array([[1., 0.],
           [0., 1.]])
    """
    return X @ X


@shaped_like(square)
def jac_square(X):
    """Jacobian of ``X -> X^2``: ``(J^{ij} X + X J^{ij})_kl`` at ``[k, l, i, j]``."""
    eye = np.eye(X.shape[0])
    return np.einsum("ki,jl->klij", eye, X) + np.einsum("ki,jl->klij", X, eye)


def _power_j_form(X, n: int):
    """The Cookbook's sum_r X^r J^{ij} X^{n-1-r}, as a sympy array [k, l, i, j]."""
    size = X.rows
    slices = {
        (i, j): sum(
            (power(X, r) * single_entry(size, size, i, j) * power(X, n - 1 - r) for r in range(n)),
            start=0 * X,
        )
        for i in range(size)
        for j in range(size)
    }
    return sym_tensor((size,) * 4, lambda k, l_, i, j: slices[i, j][k, l_])


POWER_NOTE = (
    "instantiated at n = {n} (the power is a fixed small integer here; the size of X is d, "
    "so that n names the power only)"
)

register(
    Identity(
        id="higher.jac-cube",
        title="Jacobian of the matrix cube X^3",
        formula=r"\frac{\partial (X^3)_{kl}}{\partial X_{ij}} = \sum_{r=0}^{2}"
        r" (X^r J^{ij} X^{2-r})_{kl}",
        wrt="X",
        kind="jacobian",
        value=cube,
        derivative=jac_cube,
        symbolic=lambda X: (X**3, _power_j_form(X, 3)),
        derivation=r"""
The product rule on $X^3 = X X X$ differentiates one factor at a time: $d(X^3) = dX\, X^2 +
X\, dX\, X + X^2\, dX = \sum_{r=0}^{2} X^r\, dX\, X^{2-r}$. The factors do not commute, so
the differential stays where it was. Taking $dX = J^{ij}$ gives the slice of the Jacobian
for $X_{ij}$; entry $(k, l)$ is $\sum_r (X^r)_{ki} (X^{2-r})_{jl}$.
""",
        mistakes=(
            Mistake(
                "3 X^2 J^{ij}",
                lambda X: 3 * np.einsum("ki,jl->klij", X @ X, np.eye(X.shape[0])),
                "the scalar power rule n x^{n-1}, which needs X and dX to commute",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{vec}_{\text{row}}(X^3)}"
            r"{\partial \operatorname{vec}_{\text{row}}(X)} = \sum_{r=0}^{2} X^r \otimes"
            r" (X^{2-r})^\top",
            "cookbook": r"\frac{\partial (X^n)_{kl}}{\partial X_{ij}} = \sum_{r=0}^{n-1}"
            r"(X^r J^{ij} X^{n-1-r})_{kl},\quad n = 3\ \text{(eq. 90, general n)}",
        },
        related=("higher.jac-square", "higher.power-form", "linear.identity-map"),
        cookbook=(90,),
        assumptions="X square; " + POWER_NOTE.format(n=3),
        sources=(cookbook_source(90, POWER_NOTE.format(n=3)),),
        keywords=("matrix power", "X^n", "X^3", "power rule", "jacobian", "single-entry matrix"),
    )
)

register(
    Identity(
        id="higher.jac-square",
        title="Jacobian of the matrix square X^2",
        formula=r"\frac{\partial (X^2)_{kl}}{\partial X_{ij}} = (J^{ij} X + X J^{ij})_{kl}"
        r" = \delta_{ki} X_{jl} + X_{ki} \delta_{jl}",
        wrt="X",
        kind="jacobian",
        value=square,
        derivative=jac_square,
        symbolic=lambda X: (X**2, _power_j_form(X, 2)),
        derivation=r"""
$d(X X) = dX\, X + X\, dX$ (product rule, order kept). With $dX = J^{ij}$, entry $(k, l)$
of $J^{ij} X$ is $\delta_{ki} X_{jl}$ and of $X J^{ij}$ is $X_{ki}\delta_{jl}$: eq. 90 at
$n = 2$.
""",
        mistakes=(
            Mistake(
                "2 X J^{ij}",
                lambda X: 2 * np.einsum("ki,jl->klij", X, np.eye(X.shape[0])),
                "the scalar rule d(x^2) = 2x dx, which assumes X and dX commute",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{vec}_{\text{row}}(X^2)}"
            r"{\partial \operatorname{vec}_{\text{row}}(X)} = I_d \otimes X^\top + X \otimes I_d",
            "cookbook": r"\frac{\partial (X^n)_{kl}}{\partial X_{ij}} = \sum_{r=0}^{n-1}"
            r"(X^r J^{ij} X^{n-1-r})_{kl},\quad n = 2\ \text{(eq. 90)}",
        },
        related=("higher.jac-cube", "linear.right-product"),
        cookbook=(90,),
        assumptions="X square; " + POWER_NOTE.format(n=2),
        sources=(cookbook_source(90, POWER_NOTE.format(n=2)),),
        keywords=("matrix square", "X^2", "matrix power", "jacobian", "product rule"),
    )
)

# -- eq 91: a^T X^n b, n = 3 ----------------------------------------------------------------


@shaped
def power_form(a: Arr["d"], X: Arr["d d"], b: Arr["d"]):
    """The form ``a^T X^3 b``.

    >>> power_form(np.array([1.0, 0.0]), np.array([[1.0, 1.0], [0.0, 1.0]]), np.array([0.0, 1.0]))
    np.float64(3.0)
    """
    return a @ X @ X @ X @ b


@shaped_like(power_form)
def grad_power_form(a, X, b):
    """Gradient of ``a^T X^3 b``: ``sum_{r=0}^{2} (X^r)^T a b^T (X^{2-r})^T``."""
    return sum(power(X, r).T @ np.outer(a, b) @ power(X, 2 - r).T for r in range(3))


def hessian_power_form(a, X, b):
    """Hessian of ``a^T X^3 b``, ``d^2 f / dX_ij dX_kl``: six terms, one per ordering of two
    differentials among the three factors."""
    eye, Xb, Xta = np.eye(X.shape[0]), X @ b, X.T @ a
    return (
        np.einsum("i,jk,l->ijkl", a, eye, Xb)
        + np.einsum("i,jk,l->ijkl", a, X, b)
        + np.einsum("i,jk,l->ijkl", Xta, eye, b)
        + np.einsum("k,li,j->ijkl", a, eye, Xb)
        + np.einsum("k,li,j->ijkl", a, X, b)
        + np.einsum("k,li,j->ijkl", Xta, eye, b)
    )


register(
    Identity(
        id="higher.power-form",
        title="Gradient of a^T X^n b (n = 3)",
        formula=r"\nabla_X\, a^\top X^3 b = \sum_{r=0}^{2} (X^r)^\top a b^\top (X^{2-r})^\top",
        wrt="X",
        kind="gradient",
        value=power_form,
        derivative=grad_power_form,
        symbolic=lambda a, X, b: (
            (a.T * X**3 * b)[0, 0],
            sum(
                ((X**r).T * a * b.T * (X ** (2 - r)).T for r in range(3)),
                start=0 * X,
            ),
        ),
        derivation=r"""
$df = a^\top d(X^3)\, b = \sum_{r=0}^{2} a^\top X^r\, dX\, X^{2-r} b$ (eq. 90). Each term is
$\operatorname{tr}(X^{2-r} b\, a^\top X^r\, dX) = \langle (X^r)^\top a b^\top
(X^{2-r})^\top, dX\rangle$, so the gradient is the sum of these outer products carried
through powers of $X^\top$.
""",
        hessian=hessian_power_form,
        hessian_formula=r"\nabla_X^2 f\,[V] = a b^\top (VX + XV)^\top + V^\top a b^\top X^\top"
        r" + X^\top a b^\top V^\top + (VX + XV)^\top a b^\top",
        mistakes=(
            Mistake(
                "3 (X^2)^\\top a b^\\top",
                lambda a, X, b: 3 * (X @ X).T @ np.outer(a, b),
                "the scalar power rule, as if X commuted with dX",
            ),
            Mistake(
                "\\sum_{r=0}^{2} X^r a b^\\top X^{2-r}",
                lambda a, X, b: sum(
                    power(X, r) @ np.outer(a, b) @ power(X, 2 - r) for r in range(3)
                ),
                "the transposes dropped: not the gradient, nor its numerator-layout transpose",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\, a^\top X^3 b}{\partial X} = \sum_{r=0}^{2} X^{2-r}"
            r" b a^\top X^r",
            "cookbook": r"\frac{\partial}{\partial X}a^T X^n b = \sum_{r=0}^{n-1}(X^r)^T a b^T"
            r"(X^{n-1-r})^T,\quad n = 3\ \text{(eq. 91 for any n, here at n = 3)}",
        },
        related=("higher.jac-cube", "linear.bilinear-X", "higher.power-gram"),
        cookbook=(91,),
        assumptions="X square; a, b constant; " + POWER_NOTE.format(n=3),
        sources=(cookbook_source(91, POWER_NOTE.format(n=3)),),
        keywords=("a^T X^n b", "matrix power", "X^n", "power of a matrix"),
    )
)

# -- eq 92 (erratum): a^T (X^n)^T X^n b, n = 3 ----------------------------------------------

GRAM_POWER = 2  # at n = 3 the exact sympy check of this degree-2n form is slow


@shaped
def power_gram(a: Arr["d"], X: Arr["d d"], b: Arr["d"]):
    """The form ``a^T (X^2)^T X^2 b = (X^2 a)^T (X^2 b)``.

    >>> power_gram(np.array([1.0, 0.0]), np.diag([2.0, 1.0]), np.array([1.0, 1.0]))
    np.float64(16.0)
    """
    P = power(X, GRAM_POWER)
    return (P @ a) @ (P @ b)


@shaped_like(power_gram)
def grad_power_gram(a, X, b):
    """Gradient of ``a^T (X^n)^T X^n b``: ``sum_r (X^r)^T X^n (a b^T + b a^T) (X^{n-1-r})^T``."""
    n, P = GRAM_POWER, power(X, GRAM_POWER)
    sym = np.outer(a, b) + np.outer(b, a)
    return sum(power(X, r).T @ P @ sym @ power(X, n - 1 - r).T for r in range(n))


def printed_grad_power_gram(a, X, b):
    """Eq. 92 as printed: ``sum_r [X^{n-1-r} a b^T (X^n)^T X^r + (X^r)^T X^n a b^T (X^{n-1-r})^T]``."""
    n, P = GRAM_POWER, power(X, GRAM_POWER)
    return sum(
        power(X, n - 1 - r) @ np.outer(a, b) @ P.T @ power(X, r)
        + power(X, r).T @ P @ np.outer(a, b) @ power(X, n - 1 - r).T
        for r in range(n)
    )


def _power_gram_symbolic(a, X, b):
    n, P = GRAM_POWER, X**GRAM_POWER
    sym = a * b.T + b * a.T
    claimed = sum(
        ((X**r).T * P * sym * (X ** (n - 1 - r)).T for r in range(n)),
        start=0 * X,
    )
    return ((P * a).T * (P * b))[0, 0], claimed


register(
    Identity(
        id="higher.power-gram",
        title="Gradient of a^T (X^n)^T X^n b (n = 2)",
        formula=r"\nabla_X\, a^\top (X^n)^\top X^n b = \sum_{r=0}^{n-1} (X^r)^\top X^n"
        r" (a b^\top + b a^\top) (X^{n-1-r})^\top\quad (n = 2)",
        wrt="X",
        kind="gradient",
        value=power_gram,
        derivative=grad_power_gram,
        symbolic=_power_gram_symbolic,
        derivation=r"""
With $P = X^n$, $f = (Pa)^\top (Pb)$ and $df = a^\top dP^\top P b + a^\top P^\top dP\, b$.
The first scalar equals its transpose $b^\top P^\top dP\, a$, so $df = \operatorname{tr}(
(a b^\top + b a^\top) P^\top dP)$, i.e. the gradient of $a^\top P^\top Q b$ in $Q = P$ with
$a b^\top$ symmetrised. Then $dP = \sum_r X^r\, dX\, X^{n-1-r}$ (eq. 90) gives $\nabla_X =
\sum_r (X^r)^\top P (a b^\top + b a^\top) (X^{n-1-r})^\top$, checked here at $n = 2$.
""",
        mistakes=(
            Mistake(
                "2\\sum_{r=0}^{n-1} (X^r)^\\top X^n a b^\\top (X^{n-1-r})^\\top",
                lambda a, X, b: (
                    2
                    * sum(
                        power(X, r).T
                        @ power(X, GRAM_POWER)
                        @ np.outer(a, b)
                        @ power(X, GRAM_POWER - 1 - r).T
                        for r in range(GRAM_POWER)
                    )
                ),
                "counts one term of the product rule twice, right only when a = b",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial f}{\partial X} = \sum_{r=0}^{n-1} X^{n-1-r}"
            r" (a b^\top + b a^\top) (X^n)^\top X^r",
            "cookbook": r"\text{eq. 92 as printed has the transpose of the first term; see the"
            r" errata}",
        },
        related=("higher.power-form", "higher.jac-cube", "quadratic.gram-bilinear"),
        assumptions="X square; a, b constant; " + POWER_NOTE.format(n=GRAM_POWER),
        sources=(
            f"{COOKBOOK}, eq. (92), p. {PAGES[92]}, corrected from eq. (92), see the errata; "
            + POWER_NOTE.format(n=GRAM_POWER),
        ),
        keywords=("a^T (X^n)^T X^n b", "matrix power", "X^n", "power of a matrix", "erratum"),
    )
)

register_erratum(
    Erratum(
        id="cookbook-2012-eq-92",
        source=f"{COOKBOOK}, p. {PAGES[92]}",
        equations=(92,),
        printed=r"\frac{\partial}{\partial X}a^T(X^n)^TX^nb = \sum_{r=0}^{n-1}\Big[X^{n-1-r}ab^T"
        r"(X^n)^TX^r + (X^r)^TX^nab^T(X^{n-1-r})^T\Big]",
        corrected=r"\frac{\partial}{\partial X}a^\top(X^n)^\top X^n b = \sum_{r=0}^{n-1}\Big["
        r"(X^r)^\top X^n b a^\top (X^{n-1-r})^\top + (X^r)^\top X^n a b^\top"
        r" (X^{n-1-r})^\top\Big]",
        category="transpose",
        what="The first term of the sum is printed transposed: X^{n-1-r} a b^T (X^n)^T X^r is "
        "the transpose of the correct (X^r)^T X^n b a^T (X^{n-1-r})^T, so the printed sum is "
        "neither the gradient nor its transpose. Checked with the derivative checker at n = 2 "
        "against a^T (X^2)^T X^2 b; the second term is right.",
        identity="higher.power-gram",
        printed_derivative=printed_grad_power_gram,
    )
)

# -- eq 93: s(x)^T A r(x), instantiated with affine s and r ---------------------------------


@shaped
def composite_bilinear(
    S: Arr["p n"], c: Arr["p"], A: Arr["p q"], R: Arr["q n"], d: Arr["q"], x: Arr["n"]
):
    """The form ``s^T A r`` with ``s = S x + c`` and ``r = R x + d``.

    >>> I = np.eye(2)
    >>> composite_bilinear(I, np.ones(2), I, I, np.zeros(2), np.array([1.0, 0.0]))
    np.float64(2.0)
    """
    return (S @ x + c) @ A @ (R @ x + d)


@shaped_like(composite_bilinear)
def grad_composite_bilinear(S, c, A, R, d, x):
    """Eq. 93: ``[ds/dx]^T A r + [dr/dx]^T A^T s``, with ``ds/dx = S`` and ``dr/dx = R``."""
    s, r = S @ x + c, R @ x + d
    ds_dx, dr_dx = S, R
    return ds_dx.T @ A @ r + dr_dx.T @ A.T @ s


def hessian_composite_bilinear(S, c, A, R, d, x):
    """Hessian of ``s^T A r`` for affine ``s``, ``r``: ``S^T A R + R^T A^T S``."""
    return S.T @ A @ R + R.T @ A.T @ S


register(
    Identity(
        id="higher.composite-bilinear",
        title="Gradient of s(x)^T A r(x): the product rule through Jacobians",
        formula=r"\nabla_x\, s^\top A r = \Big[\frac{\partial s}{\partial x}\Big]^\top A r"
        r" + \Big[\frac{\partial r}{\partial x}\Big]^\top A^\top s,\quad s = Sx + c,\ r = Rx + d",
        where=(r"J_s = \frac{\partial s}{\partial x}", r"J_r = \frac{\partial r}{\partial x}"),
        wrt="x",
        kind="gradient",
        value=composite_bilinear,
        derivative=grad_composite_bilinear,
        symbolic=lambda S, c, A, R, d, x: (
            ((S * x + c).T * A * (R * x + d))[0, 0],
            S.T * A * (R * x + d) + R.T * A.T * (S * x + c),
        ),
        derivation=r"""
The product rule gives $d(s^\top A r) = ds^\top A r + s^\top A\, dr$, and by the chain rule
$ds = J_s\, dx$, $dr = J_r\, dx$ with the Jacobians $J_s = \partial s / \partial x$ and
$J_r = \partial r / \partial x$. So $df = \langle J_s^\top A r + J_r^\top A^\top s,
dx\rangle$. The rule holds for any differentiable $s$, $r$; it is checked here on affine
maps, $J_s = S$ and $J_r = R$, where the Hessian is $S^\top A R + R^\top A^\top S$.
""",
        hessian=hessian_composite_bilinear,
        hessian_formula=r"\nabla_x^2\, s^\top A r = S^\top A R + R^\top A^\top S"
        r"\quad (s, r \text{ affine})",
        mistakes=(
            Mistake(
                "\\big[\\tfrac{\\partial s}{\\partial x}\\big]^\\top A r",
                lambda S, c, A, R, d, x: S.T @ A @ (R @ x + d),
                "treats r as constant: one term of the product rule is missing",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial f}{\partial x} = r^\top A^\top J_s + s^\top A J_r"
            r"\ \text{(a row vector)}",
            "cookbook": r"\frac{\partial}{\partial x}s^T A r = \Big[\frac{\partial s}{\partial x}"
            r"\Big]^T A r + \Big[\frac{\partial r}{\partial x}\Big]^T A^T s\ \text{(eq. 93, with}"
            r" [\partial s/\partial x]_{ij} = \partial s_i/\partial x_j)",
        },
        related=("quadratic.affine-bilinear", "rules.product", "rules.chain"),
        cookbook=(93,),
        assumptions="A constant (may be rectangular); s and r affine here: s = Sx + c, r = Rx + d",
        sources=(cookbook_source(93, "instantiated with affine s(x) = Sx + c, r(x) = Rx + d"),),
        keywords=("s^T A r", "product rule", "bilinear form", "jacobian"),
    )
)

# -- eqs 94, 95: the quotient of two quadratic forms ---------------------------------------


@shaped
def quadratic_ratio(A: Arr["3 2"], B: Arr["2 2"], x: Arr["2"]):
    """The quotient ``(A x)^T (A x) / (B x)^T (B x)``.

    >>> quadratic_ratio(np.eye(3, 2), 2 * np.eye(2), np.array([1.0, 1.0]))
    np.float64(0.25)
    """
    Ax, Bx = A @ x, B @ x
    return (Ax @ Ax) / (Bx @ Bx)


@shaped_like(quadratic_ratio)
def grad_quadratic_ratio(A, B, x):
    """``2 A^T A x / (x^T B^T B x) - 2 (x^T A^T A x) B^T B x / (x^T B^T B x)^2``."""
    num, den = x @ A.T @ A @ x, x @ B.T @ B @ x
    return 2 * A.T @ A @ x / den - 2 * num * B.T @ B @ x / den**2


def printed_grad_quadratic_ratio(A, B, x):
    """Eq. 95 as printed: ``x^T B B x`` (not ``x^T B^T B x``) in the first denominator."""
    return (
        2 * A.T @ A @ x / (x @ B @ B @ x)
        - 2 * (x @ A.T @ A @ x) * B.T @ B @ x / (x @ B.T @ B @ x) ** 2
    )


def hessian_quadratic_ratio(A, B, x):
    """Hessian of ``u / v`` with ``u = x^T P x``, ``v = x^T Q x``, ``P = A^T A``, ``Q = B^T B``."""
    P, Q = A.T @ A, B.T @ B
    u, v, Px, Qx = x @ P @ x, x @ Q @ x, P @ x, Q @ x
    return (
        2 * P / v
        - 2 * u * Q / v**2
        - 4 * (np.outer(Px, Qx) + np.outer(Qx, Px)) / v**2
        + 8 * u * np.outer(Qx, Qx) / v**3
    )


register(
    Identity(
        id="higher.quadratic-ratio",
        title="Gradient of a quotient of two quadratic forms",
        formula=r"\nabla_x \frac{(Ax)^\top (Ax)}{(Bx)^\top (Bx)} = 2\frac{A^\top A x}"
        r"{x^\top B^\top B x} - 2\frac{x^\top A^\top A x\, B^\top B x}{(x^\top B^\top B x)^2}",
        where=(r"u = x^\top A^\top A x", r"v = x^\top B^\top B x"),
        wrt="x",
        kind="gradient",
        value=quadratic_ratio,
        derivative=grad_quadratic_ratio,
        symbolic=lambda A, B, x: (
            (x.T * A.T * A * x)[0, 0] / (x.T * B.T * B * x)[0, 0],
            2 * A.T * A * x / (x.T * B.T * B * x)[0, 0]
            - 2 * (x.T * A.T * A * x)[0, 0] * B.T * B * x / (x.T * B.T * B * x)[0, 0] ** 2,
        ),
        derivation=r"""
Write $u = x^\top A^\top A x$ and $v = x^\top B^\top B x$ (eq. 94 is this rewriting), with
gradients $2A^\top A x$ and $2B^\top B x$ (quadratic forms with symmetric matrices). The
quotient rule $d(u/v) = du/v - u\, dv/v^2$ gives $\nabla = 2A^\top A x / v - 2 u B^\top B x
/ v^2$. Differentiating once more gives the Hessian $2P/v - 2uQ/v^2 - 4(Px x^\top Q + Qx
x^\top P)/v^2 + 8u\, Qx x^\top Q / v^3$ with $P = A^\top A$, $Q = B^\top B$.
""",
        hessian=hessian_quadratic_ratio,
        hessian_formula=r"\nabla_x^2 \frac{u}{v} = \frac{2P}{v} - \frac{2uQ}{v^2}"
        r" - \frac{4(Px x^\top Q + Qx x^\top P)}{v^2} + \frac{8u\, Qx x^\top Q}{v^3},"
        r"\quad P = A^\top A,\ Q = B^\top B",
        mistakes=(
            Mistake(
                "2\\frac{A^\\top A x}{x^\\top B^\\top B x}",
                lambda A, B, x: 2 * A.T @ A @ x / (x @ B.T @ B @ x),
                "differentiates only the numerator, as if the denominator were constant",
            ),
            Mistake(
                "\\frac{A^\\top A x}{B^\\top B x}",
                lambda A, B, x: (A.T @ A @ x) / (B.T @ B @ x),
                "the ratio of the two gradients, entry by entry: not the quotient rule",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial}{\partial x}\frac{u}{v} = \frac{2 x^\top A^\top A}{v}"
            r" - \frac{2u\, x^\top B^\top B}{v^2}\ \text{(a row vector)}",
            "cookbook": r"\text{eq. 95 as printed has } x^T B B x \text{ in the first"
            r" denominator; see the errata}",
        },
        related=("higher.rayleigh", "quadratic.grad-x-symmetric", "rules.product-scalar"),
        assumptions="Bx ≠ 0; checked at fixed sizes A 3 x 2, B 2 x 2, x of length 2 (the exact "
        "check of the quotient is slow at larger sizes); B square so that the printed x^T B B x "
        "is defined. The formula holds for any sizes and any B with Bx ≠ 0",
        sources=(
            f"{COOKBOOK}, eqs. (94)-(95), p. {PAGES[95]}, corrected from eq. (95), see the errata",
        ),
        keywords=(
            "quotient of quadratic forms",
            "generalized rayleigh quotient",
            "ratio",
            "quotient rule",
            "x^T A^T A x / x^T B^T B x",
            "fisher discriminant",
            "erratum",
        ),
    )
)

register_erratum(
    Erratum(
        id="cookbook-2012-eq-95",
        source=f"{COOKBOOK}, p. {PAGES[95]}",
        equations=(95,),
        printed=r"= 2\frac{A^TAx}{x^TBBx} - 2\frac{x^TA^TAx\,B^TBx}{(x^TB^TBx)^2}",
        corrected=r"= 2\frac{A^\top A x}{x^\top B^\top B x} - 2\frac{x^\top A^\top A x\,"
        r" B^\top B x}{(x^\top B^\top B x)^2}",
        category="transpose",
        what="The first denominator is printed x^T B B x; the quotient rule gives x^T B^T B x "
        "(the denominator of eq. 94). The two agree only when B is symmetric (and x^T B B x "
        "is defined only for square B); checked with the derivative checker at square, "
        "non-symmetric B.",
        identity="higher.quadratic-ratio",
        printed_derivative=printed_grad_quadratic_ratio,
    )
)

# -- companions: the Rayleigh quotient, products of forms ----------------------------------


@shaped
def rayleigh_quotient(A: Arr["3 3"], x: Arr["3"]):
    """The Rayleigh quotient ``x^T A x / x^T x``.

    >>> rayleigh_quotient(np.diag([1.0, 3.0, 2.0]), np.array([1.0, 1.0, 0.0]))
    np.float64(2.0)
    """
    return (x @ A @ x) / (x @ x)


@shaped_like(rayleigh_quotient)
def grad_rayleigh_quotient(A, x):
    """Gradient of the Rayleigh quotient for symmetric ``A``: ``2 (A x - rho x) / x^T x``."""
    rho = (x @ A @ x) / (x @ x)
    return 2 * (A @ x - rho * x) / (x @ x)


def hessian_rayleigh_quotient(A, x):
    """Hessian of the Rayleigh quotient: ``(2 (A - rho I) - 2 (x g^T + g x^T)) / x^T x``."""
    rho, g = (x @ A @ x) / (x @ x), grad_rayleigh_quotient(A, x)
    return (2 * (A - rho * np.eye(len(x))) - 2 * (np.outer(x, g) + np.outer(g, x))) / (x @ x)


def _rayleigh_symbolic(A, x):
    A = (A + A.T) / 2
    rho = (x.T * A * x)[0, 0] / (x.T * x)[0, 0]
    return rho, 2 * (A * x - rho * x) / (x.T * x)[0, 0]


register(
    Identity(
        id="higher.rayleigh",
        title="Gradient of the Rayleigh quotient",
        formula=r"\nabla_x \frac{x^\top A x}{x^\top x} = \frac{2}{x^\top x}\big(A x - \rho(x)\,"
        r" x\big),\quad \rho(x) = \frac{x^\top A x}{x^\top x}",
        where=(r"g = \frac{2}{x^\top x}\big(A x - \rho(x)\, x\big)",),
        wrt="x",
        kind="gradient",
        value=rayleigh_quotient,
        derivative=grad_rayleigh_quotient,
        structure={"A": "symmetric"},
        symbolic=_rayleigh_symbolic,
        derivation=r"""
The quotient rule on $u = x^\top A x$ ($\nabla u = 2Ax$, $A$ symmetric) and $v = x^\top x$
($\nabla v = 2x$): $\nabla \rho = 2Ax / v - 2u x / v^2 = \frac{2}{v}(Ax - \rho x)$. It
vanishes exactly when $Ax = \rho x$: the stationary points are the eigenvectors, the
values there the eigenvalues. The Hessian follows from the product rule on $\frac{2}{v}(Ax -
\rho x)$.
""",
        hessian=hessian_rayleigh_quotient,
        hessian_formula=r"\nabla_x^2 \rho = \frac{2}{x^\top x}\big(A - \rho I - x g^\top"
        r" - g x^\top\big),\quad g = \nabla_x \rho",
        mistakes=(
            Mistake(
                "\\frac{2 A x}{x^\\top x}",
                lambda A, x: 2 * A @ x / (x @ x),
                "differentiates the numerator only; the normalisation x^T x depends on x too",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \rho}{\partial x} = \frac{2}{x^\top x}(x^\top A - \rho"
            r" x^\top)\ \text{(a row vector)}",
        },
        related=("higher.quadratic-ratio", "quadratic.grad-x-symmetric"),
        assumptions="A symmetric, x ≠ 0 (for a general A replace A by (A + A^T)/2); checked at "
        "the fixed size n = 3, since at n = 1 the quotient is constant",
        sources=(cookbook_source(95, "with A^T A and B^T B replaced by A and I (corrected)"),),
        keywords=("rayleigh quotient", "eigenvector", "eigenvalue", "x^T A x / x^T x", "ratio"),
    )
)


@shaped
def squared_quadratic_form(A: Arr["n n"], x: Arr["n"]):
    """The square of a quadratic form, ``(x^T A x)^2``.

    >>> squared_quadratic_form(np.eye(2), np.array([1.0, 1.0]))
    np.float64(4.0)
    """
    return (x @ A @ x) ** 2


@shaped_like(squared_quadratic_form)
def grad_squared_quadratic_form(A, x):
    """Gradient of ``(x^T A x)^2``: ``2 (x^T A x) (A + A^T) x``."""
    return 2 * (x @ A @ x) * (A + A.T) @ x


def hessian_squared_quadratic_form(A, x):
    """Hessian of ``(x^T A x)^2``: ``2 (A + A^T) x x^T (A + A^T) + 2 (x^T A x)(A + A^T)``."""
    S = A + A.T
    return 2 * np.outer(S @ x, S @ x) + 2 * (x @ A @ x) * S


register(
    Identity(
        id="higher.squared-quadratic",
        title="Gradient of the square of a quadratic form",
        formula=r"\nabla_x \big(x^\top A x\big)^2 = 2\,(x^\top A x)\,(A + A^\top)\, x",
        wrt="x",
        kind="gradient",
        value=squared_quadratic_form,
        derivative=grad_squared_quadratic_form,
        symbolic=lambda A, x: (
            (x.T * A * x)[0, 0] ** 2,
            2 * (x.T * A * x)[0, 0] * (A + A.T) * x,
        ),
        derivation=r"""
Chain rule through the scalar $q = x^\top A x$: $d(q^2) = 2q\, dq$ and $dq = x^\top (A +
A^\top)\, dx$, so $\nabla = 2q (A + A^\top) x$. Differentiating the product $2q \cdot (A +
A^\top)x$ once more gives the Hessian $2(A + A^\top)x x^\top (A + A^\top) + 2q(A +
A^\top)$.
""",
        hessian=hessian_squared_quadratic_form,
        hessian_formula=r"\nabla_x^2 (x^\top A x)^2 = 2 (A + A^\top) x x^\top (A + A^\top)"
        r" + 2 (x^\top A x)(A + A^\top)",
        mistakes=(
            Mistake(
                "4 (x^\\top A x) A x",
                lambda A, x: 4 * (x @ A @ x) * A @ x,
                "the inner gradient 2Ax of the symmetric case, used for a general A",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial (x^\top A x)^2}{\partial x} = 2 (x^\top A x)\, x^\top"
            r" (A + A^\top)\ \text{(a row vector)}",
        },
        related=("quadratic.grad-x", "higher.product-linear", "rules.chain-univariate"),
        assumptions="A square, not necessarily symmetric",
        sources=(cookbook_source(81, "with the chain rule"),),
        keywords=("quartic", "square of a quadratic form", "(x^T A x)^2"),
    )
)


@shaped
def product_of_linear_forms(a: Arr["n"], b: Arr["n"], x: Arr["n"]):
    """The product of two linear forms, ``(a^T x)(b^T x)``.

    >>> product_of_linear_forms(np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([2.0, 3.0]))
    np.float64(6.0)
    """
    return (a @ x) * (b @ x)


@shaped_like(product_of_linear_forms)
def grad_product_of_linear_forms(a, b, x):
    """Gradient of ``(a^T x)(b^T x)``: ``(b^T x) a + (a^T x) b``."""
    return (b @ x) * a + (a @ x) * b


def hessian_product_of_linear_forms(a, b, x):
    """Hessian of ``(a^T x)(b^T x)``: ``a b^T + b a^T``."""
    return np.outer(a, b) + np.outer(b, a)


register(
    Identity(
        id="higher.product-linear",
        title="Gradient of a product of two linear forms",
        formula=r"\nabla_x (a^\top x)(b^\top x) = (b^\top x)\, a + (a^\top x)\, b",
        wrt="x",
        kind="gradient",
        value=product_of_linear_forms,
        derivative=grad_product_of_linear_forms,
        symbolic=lambda a, b, x: (
            (a.T * x)[0, 0] * (b.T * x)[0, 0],
            (b.T * x)[0, 0] * a + (a.T * x)[0, 0] * b,
        ),
        derivation=r"""
The product rule on two scalars: $d\big((a^\top x)(b^\top x)\big) = (a^\top dx)(b^\top x) +
(a^\top x)(b^\top dx)$, so $\nabla = (b^\top x) a + (a^\top x) b$. The product is the
quadratic form $x^\top a b^\top x$, and its Hessian $a b^\top + b a^\top$ is eq. 81's $B +
B^\top$ with $B = a b^\top$.
""",
        hessian=hessian_product_of_linear_forms,
        hessian_formula=r"\nabla_x^2 (a^\top x)(b^\top x) = a b^\top + b a^\top",
        mistakes=(
            Mistake(
                "(a^\\top x)\\, a + (b^\\top x)\\, b",
                lambda a, b, x: (a @ x) * a + (b @ x) * b,
                "pairs each factor with its own gradient instead of with the other factor",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial}{\partial x}(a^\top x)(b^\top x) = (b^\top x)\,"
            r" a^\top + (a^\top x)\, b^\top\ \text{(a row vector)}",
        },
        related=("linear.inner", "quadratic.grad-x", "rules.product-scalar"),
        assumptions="a, b constant",
        sources=(cookbook_source(81, "with B = a b^T"),),
        keywords=("product of linear forms", "(a^T x)(b^T x)", "product rule", "x^T a b^T x"),
    )
)

COOKBOOK_NOTES = {
    94: Note(
        "rewriting",
        "Rewrites (Ax)^T(Ax) / (Bx)^T(Bx) as x^T A^T A x / x^T B^T B x, the left side of eq. 95; "
        "the equality of the two values is checked here, the derivative with eq. 95.",
        see=("higher.quadratic-ratio", "cookbook-2012-eq-95"),
        check=lambda rng: _check_eq94(rng),
    ),
}


def _check_eq94(rng):
    """Relative error of eq. 94's rewriting at random A (4 x 3), B (3 x 3), x."""
    A, B, x = rng.standard_normal((4, 3)), rng.standard_normal((3, 3)), rng.standard_normal(3)
    left = ((A @ x) @ (A @ x)) / ((B @ x) @ (B @ x))
    right = (x @ A.T @ A @ x) / (x @ B.T @ B @ x)
    return abs(left - right) / abs(right)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "powers",
        "Powers of a matrix",
        (
            "higher.jac-square",
            "higher.jac-cube",
            "higher.power-form",
            "higher.power-gram",
        ),
    ),
    (
        "products-quotients",
        "Products and quotients of forms",
        (
            "higher.product-linear",
            "higher.squared-quadratic",
            "higher.composite-bilinear",
            "higher.rayleigh",
            "higher.quadratic-ratio",
        ),
    ),
)
