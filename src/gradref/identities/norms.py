"""Norms: the Euclidean norm and its square, the unit vector, and the Frobenius norm.

Cookbook section 2.6-2.7 (eqs 129-132): the gradient of ``||x - a||_2``, the Jacobian of
the unit vector ``(x - a) / ||x - a||_2`` (which is also that norm's Hessian), the squared
norm and the squared Frobenius norm (real case). Norms are written without ``abs`` or
``conj`` (``sqrt(x^T x)``), so the checker's complex step passes through them.
"""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.linear import COOKBOOK, SHEET
from gradref.shapes import Arr, dims_of, sample, shaped, shaped_like


def _cookbook(equation: int) -> str:
    from gradref.cookbook import PAGES

    return f"{COOKBOOK}, eq. ({equation}), p. {PAGES[equation]}"


def _at_least_two(value):
    """A sampler that draws at base size ``max(n, 2)``: vectors from length 2 on.

    In one dimension ``x - a`` has no direction: its unit vector is the constant +-1 and the
    norm is ``|x - a|``, whose exact derivative sympy writes as a sign function.
    """
    spec = dims_of(value)

    def draw(rng, n):
        return sample(spec, {}, rng, max(n, 2))

    return draw


# -- half the squared norm (sheet 4b) -------------------------------------------------------


@shaped
def half_squared_norm(x: Arr["n"]):
    """Half the squared Euclidean norm, ``||x||^2 / 2 = x^T x / 2``.

    >>> half_squared_norm(np.array([3.0, 4.0]))
    np.float64(12.5)
    """
    return x @ x / 2


@shaped_like(half_squared_norm)
def grad_half_squared_norm(x):
    """Gradient of ``||x||^2 / 2``: ``x`` itself.

    >>> grad_half_squared_norm(np.array([3.0, 4.0]))
    array([3., 4.])
    """
    return x.copy()


def hessian_half_squared_norm(x):
    """Hessian of ``||x||^2 / 2``: the identity matrix."""
    return np.eye(x.shape[0])


def _general():
    import sympy as sp

    n = sp.Symbol("n", integer=True, positive=True)
    x = sp.MatrixSymbol("x", n, 1)
    return x.T * x / 2, x, x


register(
    Identity(
        id="norms.half-squared",
        title="Gradient of half the squared Euclidean norm",
        formula=r"\nabla_x\, \tfrac12 \|x\|_2^2 = \nabla_x\, \tfrac12 x^\top x = x",
        wrt="x",
        kind="gradient",
        value=half_squared_norm,
        derivative=grad_half_squared_norm,
        symbolic=lambda x: ((x.T * x)[0, 0] / 2, x),
        general=_general,
        derivation=r"""
With $f(x) = \tfrac12 x^\top x$, the product rule gives
$df = \tfrac12 (dx^\top x + x^\top dx) = x^\top dx = \langle x, dx \rangle$, the two terms
being the same scalar. The gradient is what multiplies $dx$: $\nabla_x f = x$. The factor
$\tfrac12$ is there precisely to cancel the 2 of the squared norm (eq. 131).
""",
        hessian=hessian_half_squared_norm,
        hessian_formula=r"\nabla_x^2\, \tfrac12 \|x\|_2^2 = I",
        mistakes=(
            Mistake(
                "2x",
                lambda x: 2 * x,
                "the gradient of the squared norm without the half: the factor 2 of eq. (131) "
                "is kept although the 1/2 cancels it",
            ),
            Mistake(
                r"\frac{x}{\|x\|_2}",
                lambda x: x / np.sqrt(x @ x),
                "the gradient of the norm itself (eq. 129 with a = 0), not of its half square",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\, \tfrac12 \|x\|_2^2}{\partial x} = x^\top"
            r"\ \text{(a row vector)}",
        },
        related=("norms.squared", "norms.two-norm", "quadratic.grad-x"),
        assumptions="x any real vector; the gradient is the identity map, the Hessian I",
        sources=(f"{SHEET}, exercise 4b", f"{COOKBOOK}, eq. (81), with B = I/2"),
        exercise="4b",
        keywords=(
            "norm",
            "squared norm",
            "euclidean norm",
            "l2 norm",
            "2-norm",
            "||x||^2",
            "x^T x",
            "sum of squares",
            "l2 regularization",
            "weight decay",
        ),
    )
)


# -- the squared norm (eq 131) ----------------------------------------------------------------


@shaped
def squared_norm(x: Arr["n"]):
    """The squared Euclidean norm ``||x||_2^2 = x^T x``.

    >>> squared_norm(np.array([3.0, 4.0]))
    np.float64(25.0)
    """
    return x @ x


@shaped_like(squared_norm)
def grad_squared_norm(x):
    """Gradient of ``||x||_2^2``: ``2 x``."""
    return 2 * x


def hessian_squared_norm(x):
    """Hessian of ``||x||_2^2``: ``2 I``."""
    return 2 * np.eye(x.shape[0])


register(
    Identity(
        id="norms.squared",
        title="Gradient of the squared Euclidean norm",
        formula=r"\nabla_x\, \|x\|_2^2 = \nabla_x\, \|x^\top x\|_2 = 2x",
        wrt="x",
        kind="gradient",
        value=squared_norm,
        derivative=grad_squared_norm,
        symbolic=lambda x: ((x.T * x)[0, 0], 2 * x),
        derivation=r"""
$f(x) = x^\top x$ gives $df = dx^\top x + x^\top dx = 2 x^\top dx = \langle 2x, dx\rangle$,
so $\nabla_x f = 2x$. The middle form printed in eq. (131), $\|x^\top x\|_2$, is the norm
of the $1\times 1$ matrix $x^\top x$: its 2-norm (largest singular value) is
$|x^\top x| = x^\top x$, as $x^\top x \ge 0$ for real $x$; so it is the same function and
the same gradient, not a fourth power.
""",
        hessian=hessian_squared_norm,
        hessian_formula=r"\nabla_x^2\, \|x\|_2^2 = 2I",
        mistakes=(
            Mistake(
                "x",
                lambda x: x.copy(),
                "the gradient of half the squared norm: the factor 2 is dropped",
            ),
            Mistake(
                r"4\|x\|_2^2\, x",
                lambda x: 4 * (x @ x) * x,
                r"reads $\|x^\top x\|_2$ as $\|x\|_2^4 = (x^\top x)^2$, the square of the "
                "squared norm",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \|x\|_2^2}{\partial x} = 2x^\top\ \text{(a row vector)}",
            "cookbook": r"\frac{\partial\lVert x\rVert_2^2}{\partial x} = "
            r"\frac{\partial\lVert x^Tx\rVert_2}{\partial x} = 2x\ \text{(eq. 131)}",
        },
        related=("norms.half-squared", "norms.two-norm", "norms.frobenius-squared"),
        cookbook=(131,),
        assumptions=(
            r"x a real vector. In eq. (131) $\|x^\top x\|_2$ is the 2-norm of the 1 x 1 matrix "
            r"$x^\top x$, i.e. $|x^\top x| = x^\top x$: the same function as $\|x\|_2^2$"
        ),
        sources=(_cookbook(131), f"{COOKBOOK}, eq. (81), with B = I"),
        keywords=(
            "squared norm",
            "squared euclidean norm",
            "||x||^2",
            "x^T x",
            "norm of x^T x",
            "2x",
            "sum of squares",
            "l2 norm squared",
        ),
    )
)


# -- the two-norm of x - a (eq 129) and its unit vector (eq 130) ------------------------------


@shaped
def distance(x: Arr["n"], a: Arr["n"]):
    """The Euclidean distance ``||x - a||_2 = sqrt((x - a)^T (x - a))``.

    >>> distance(np.array([3.0, 4.0]), np.zeros(2))
    np.float64(5.0)
    """
    return np.sqrt((x - a) @ (x - a))


@shaped_like(distance)
def grad_distance(x, a):
    """Gradient of ``||x - a||_2``: the unit vector ``(x - a) / ||x - a||_2``."""
    return (x - a) / np.sqrt((x - a) @ (x - a))


def hessian_distance(x, a):
    """Hessian of ``||x - a||_2``: ``I / r - (x - a)(x - a)^T / r^3`` with ``r = ||x - a||_2``."""
    r = np.sqrt((x - a) @ (x - a))
    return np.eye(x.shape[0]) / r - np.outer(x - a, x - a) / r**3


def _sym_distance(x, a):
    import sympy as sp

    return sp.sqrt(((x - a).T * (x - a))[0, 0])


def _sym_unit_jacobian(x, a):
    import sympy as sp

    r = _sym_distance(x, a)
    return sp.eye(x.rows) / r - (x - a) * (x - a).T / r**3


register(
    Identity(
        id="norms.two-norm",
        title="Gradient of the Euclidean norm (distance to a point)",
        formula=r"\nabla_x\, \|x - a\|_2 = \frac{x - a}{\|x - a\|_2}",
        wrt="x",
        kind="gradient",
        value=distance,
        derivative=grad_distance,
        sample=_at_least_two(distance),
        symbolic=lambda x, a: (_sym_distance(x, a), (x - a) / _sym_distance(x, a)),
        derivation=r"""
Write $f = r = \sqrt{s}$ with $s = (x-a)^\top (x-a)$. Then $ds = 2 (x-a)^\top dx$ and
$dr = ds / (2\sqrt{s}) = \frac{(x-a)^\top}{\|x-a\|_2}\, dx$, so the gradient is the unit
vector pointing from $a$ to $x$. It has norm 1 everywhere, and $r$ is not differentiable at
$x = a$.
""",
        hessian=hessian_distance,
        hessian_formula=r"\nabla_x^2\, \|x - a\|_2 = \frac{I}{\|x-a\|_2} - "
        r"\frac{(x-a)(x-a)^\top}{\|x-a\|_2^3}\ \text{(eq. 130)}",
        mistakes=(
            Mistake(
                "x - a",
                lambda x, a: x - a,
                "the gradient of half the squared distance: the division by the norm is lost",
            ),
            Mistake(
                r"\frac{x - a}{\|x - a\|_2^2}",
                lambda x, a: (x - a) / ((x - a) @ (x - a)),
                "divides by the squared norm, as if differentiating a logarithm of the distance",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \|x-a\|_2}{\partial x} = "
            r"\frac{(x-a)^\top}{\|x-a\|_2}\ \text{(a row vector)}",
        },
        related=("norms.unit-vector", "norms.squared", "norms.half-squared"),
        cookbook=(129,),
        assumptions=(
            "x, a real vectors with x != a (the norm has a kink at x = a); checked from length 2 "
            "on, as in one dimension the norm is |x - a|"
        ),
        sources=(_cookbook(129),),
        keywords=(
            "two-norm",
            "2-norm",
            "euclidean norm",
            "distance",
            "||x - a||",
            "norm of x minus a",
            "unit vector",
            "l2 norm",
        ),
    )
)


@shaped
def unit_vector(x: Arr["n"], a: Arr["n"]):
    """The unit vector ``(x - a) / ||x - a||_2``.

    >>> unit_vector(np.array([3.0, 4.0]), np.zeros(2))
    array([0.6, 0.8])
    """
    return (x - a) / np.sqrt((x - a) @ (x - a))


@shaped_like(unit_vector)
def jac_unit_vector(x, a):
    """Jacobian of ``(x - a) / r``: ``I / r - (x - a)(x - a)^T / r^3``, ``r = ||x - a||_2``."""
    r = np.sqrt((x - a) @ (x - a))
    return np.eye(x.shape[0]) / r - np.outer(x - a, x - a) / r**3


register(
    Identity(
        id="norms.unit-vector",
        title="Jacobian of the unit vector (x - a) / ||x - a||",
        formula=r"\frac{\partial}{\partial x}\frac{x-a}{\|x-a\|_2} = \frac{I}{\|x-a\|_2} - "
        r"\frac{(x-a)(x-a)^\top}{\|x-a\|_2^3}",
        wrt="x",
        kind="jacobian",
        value=unit_vector,
        derivative=jac_unit_vector,
        sample=_at_least_two(unit_vector),
        symbolic=lambda x, a: ((x - a) / _sym_distance(x, a), _sym_unit_jacobian(x, a)),
        derivation=r"""
With $r = \|x - a\|_2$ and $dr = (x-a)^\top dx / r$ (eq. 129), the quotient rule gives
$d\frac{x-a}{r} = \frac{dx}{r} - \frac{(x-a)\, dr}{r^2}
= \Big(\frac{I}{r} - \frac{(x-a)(x-a)^\top}{r^3}\Big) dx$. The Jacobian is the matrix that
multiplies $dx$; it is $1/r$ times the projection onto the plane orthogonal to $x - a$
(moving along $x - a$ does not change the unit vector), and it is symmetric, being the
Hessian of $\|x - a\|_2$.
""",
        mistakes=(
            Mistake(
                r"\frac{I}{\|x-a\|_2}",
                lambda x, a: np.eye(x.shape[0]) / np.sqrt((x - a) @ (x - a)),
                "treats the norm in the denominator as a constant and drops the quotient rule's "
                "second term",
            ),
            Mistake(
                r"\frac{I}{\|x-a\|_2} - \frac{(x-a)(x-a)^\top}{\|x-a\|_2^2}",
                lambda x, a: (
                    np.eye(x.shape[0]) / np.sqrt((x - a) @ (x - a))
                    - np.outer(x - a, x - a) / ((x - a) @ (x - a))
                ),
                "one power of the norm short in the second term: it forgets that dr itself "
                "carries a 1/r",
            ),
        ),
        conventions={
            "numerator": r"\text{the same matrix (it is symmetric)}",
        },
        related=("norms.two-norm",),
        cookbook=(130,),
        assumptions=(
            "x, a real vectors with x != a; the Jacobian is symmetric (a Hessian). Checked from "
            "length 2 on: in one dimension the unit vector is the constant +-1"
        ),
        sources=(_cookbook(130),),
        keywords=(
            "unit vector",
            "normalized vector",
            "normalization",
            "jacobian of x / ||x||",
            "derivative of a unit vector",
            "projection onto the orthogonal complement",
            "hessian of the norm",
        ),
    )
)


# -- the Frobenius norm (eq 132) -------------------------------------------------------------


@shaped
def squared_frobenius_norm(X: Arr["m n"]):
    """The squared Frobenius norm ``||X||_F^2 = tr(X X^T)``.

    >>> squared_frobenius_norm(np.array([[1.0, 2.0, 2.0]]))
    np.float64(9.0)
    """
    return np.trace(X @ X.T)


@shaped_like(squared_frobenius_norm)
def grad_squared_frobenius_norm(X):
    """Gradient of ``||X||_F^2``: ``2 X``."""
    return 2 * X


def hessian_squared_frobenius_norm(X):
    """Hessian of ``||X||_F^2``: twice the identity map, ``2 delta_ik delta_jl``."""
    m, n = X.shape
    return 2 * np.einsum("ik,jl->ijkl", np.eye(m), np.eye(n))


register(
    Identity(
        id="norms.frobenius-squared",
        title="Gradient of the squared Frobenius norm",
        formula=r"\nabla_X\, \|X\|_F^2 = \nabla_X \operatorname{tr}(X X^\top) = 2X",
        wrt="X",
        kind="gradient",
        value=squared_frobenius_norm,
        derivative=grad_squared_frobenius_norm,
        symbolic=lambda X: ((X * X.T).trace(), 2 * X),
        derivation=r"""
$f(X) = \operatorname{tr}(X X^\top) = \sum_{ij} X_{ij}^2$. The product rule gives
$df = \operatorname{tr}(dX\, X^\top) + \operatorname{tr}(X\, dX^\top)
= 2\operatorname{tr}(X^\top dX) = \langle 2X, dX\rangle$, since a trace equals the trace of
its transpose and is invariant under cyclic shifts. Hence $\nabla_X f = 2X$, the matrix form
of eq. (131).
""",
        hessian=hessian_squared_frobenius_norm,
        hessian_formula=r"\nabla_X^2\, \|X\|_F^2\,[V] = 2V",
        mistakes=(
            Mistake(
                r"2X^\top",
                lambda X: 2 * X.T,
                "the numerator-layout result, shaped like X^T instead of X",
            ),
            Mistake("X", lambda X: X.copy(), "the factor 2 of the square is lost"),
        ),
        conventions={
            "numerator": r"\frac{\partial \|X\|_F^2}{\partial X} = 2X^\top",
            "cookbook": r"\frac{\partial}{\partial X}\lVert X\rVert_F^2 = "
            r"\frac{\partial}{\partial X}\mathrm{Tr}(XX^H) = 2X\ \text{(eq. 132)}",
        },
        related=("norms.frobenius", "norms.squared", "traces.axb"),
        cookbook=(132,),
        assumptions=(
            r"X a real matrix of any shape; the Cookbook writes $X X^H$, which is $X X^\top$ "
            r"for real X (for complex X, $\operatorname{tr}(X X^H)$ is not analytic and the "
            "2X is a convention for the conjugate derivative, not checked here)"
        ),
        sources=(_cookbook(132), f"{COOKBOOK}, eq. (119), with A = I (a special case)"),
        keywords=(
            "frobenius norm",
            "squared frobenius norm",
            "||X||_F^2",
            "tr(X X^T)",
            "sum of squared entries",
            "matrix norm",
            "weight decay",
            "2X",
        ),
    )
)


@shaped
def frobenius_norm(X: Arr["m n"]):
    """The Frobenius norm ``||X||_F = sqrt(tr(X X^T))``.

    >>> frobenius_norm(np.array([[1.0, 2.0, 2.0]]))
    np.float64(3.0)
    """
    return np.sqrt(np.trace(X @ X.T))


@shaped_like(frobenius_norm)
def grad_frobenius_norm(X):
    """Gradient of ``||X||_F``: ``X / ||X||_F``."""
    return X / np.sqrt(np.trace(X @ X.T))


def hessian_frobenius_norm(X):
    """Hessian of ``||X||_F``: ``delta_ik delta_jl / r - X_ij X_kl / r^3`` with ``r = ||X||_F``."""
    m, n = X.shape
    r = np.sqrt(np.trace(X @ X.T))
    return np.einsum("ik,jl->ijkl", np.eye(m), np.eye(n)) / r - np.multiply.outer(X, X) / r**3


def _sym_frobenius(X):
    import sympy as sp

    return sp.sqrt((X * X.T).trace())


register(
    Identity(
        id="norms.frobenius",
        title="Gradient of the Frobenius norm",
        formula=r"\nabla_X\, \|X\|_F = \frac{X}{\|X\|_F}",
        wrt="X",
        kind="gradient",
        value=frobenius_norm,
        derivative=grad_frobenius_norm,
        symbolic=lambda X: (_sym_frobenius(X), X / _sym_frobenius(X)),
        derivation=r"""
$\|X\|_F = \sqrt{s}$ with $s = \|X\|_F^2$ and $ds = \langle 2X, dX\rangle$ (eq. 132), so
$d\|X\|_F = ds / (2\sqrt{s}) = \langle X / \|X\|_F,\ dX\rangle$: the matrix analogue of
eq. (129) with $a = 0$, a gradient of Frobenius norm 1.
""",
        hessian=hessian_frobenius_norm,
        hessian_formula=r"\nabla_X^2\, \|X\|_F\,[V] = \frac{V}{\|X\|_F} - "
        r"\frac{\langle X, V\rangle}{\|X\|_F^3}\, X",
        mistakes=(
            Mistake(
                "2X",
                lambda X: 2 * X,
                "the gradient of the squared norm, used for the norm",
            ),
            Mistake(
                r"\frac{X}{\|X\|_F^2}",
                lambda X: X / np.trace(X @ X.T),
                "divides by the squared norm instead of the norm",
            ),
        ),
        conventions={"numerator": r"\frac{\partial \|X\|_F}{\partial X} = \frac{X^\top}{\|X\|_F}"},
        related=("norms.frobenius-squared", "norms.two-norm"),
        assumptions="X a real matrix, X != 0 (the norm has a kink at 0)",
        sources=(
            f"{COOKBOOK}, eq. (132) with the chain rule for the square root (not printed there)",
        ),
        keywords=(
            "frobenius norm",
            "||X||_F",
            "matrix norm",
            "norm of a matrix",
            "normalized matrix",
        ),
    )
)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "euclidean",
        "Euclidean norm and unit vector",
        (
            "norms.half-squared",
            "norms.squared",
            "norms.two-norm",
            "norms.unit-vector",
        ),
    ),
    (
        "frobenius",
        "Frobenius norm",
        (
            "norms.frobenius-squared",
            "norms.frobenius",
        ),
    ),
)
