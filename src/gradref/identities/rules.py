"""Product and chain rules, instantiated on concrete random smooth functions.

A rule holds for every differentiable function; to check it numerically the
catalog draws concrete ones (``sample``), and to check it symbolically it uses
sympy's undefined functions, so the exact check covers *any* smooth f and g at
the dimension tried.

The rules take any callables with the derivative methods they name. They
validate what passes between those functions (``f(x)``, ``f.jacobian(x)``, ...)
and name it in the error; a function that declares its input dimension as
``inputs`` (as :class:`TanhMap` and :class:`TanhUnit` do) is checked against the
vector it is given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradref._validate import matrix, scalar, vector
from gradref.catalog import Identity, Mistake, register
from gradref.identities.linear import SHEET


@dataclass(frozen=True, eq=False)
class TanhMap:
    """The smooth map ``x -> tanh(W x + b)`` from R^m to R^n, with its Jacobian.

    Parameters
    ----------
    W : array_like, shape (n, m)
    b : array_like, shape (n,)
        Converted to arrays once, and validated (finite, matching shapes).

    Examples
    --------
    >>> f = TanhMap(np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]), np.zeros(3))
    >>> f.jacobian(np.zeros(2)).shape
    (3, 2)
    """

    W: np.ndarray
    b: np.ndarray

    def __post_init__(self) -> None:
        W = matrix("W", self.W)
        object.__setattr__(self, "W", W)
        object.__setattr__(self, "b", vector("b", self.b, W.shape[0]))

    @property
    def inputs(self) -> int:
        """The dimension m of the domain."""
        return self.W.shape[1]

    def __call__(self, x):
        x = vector("x", x, self.W.shape[1])
        with np.errstate(over="ignore"):  # tanh saturates: an overflowing W x gives +-1
            return np.tanh(self.W @ x + self.b)

    def jacobian(self, x):
        """Jacobian ``diag(1 - tanh(W x + b)^2) W``, shape (n, m)."""
        t = self(x)
        return (1 - t**2)[:, None] * self.W


@dataclass(frozen=True, eq=False)
class TanhUnit:
    """The smooth function ``x -> tanh(w^T x + b)`` from R^m to R, with its gradient.

    Parameters
    ----------
    w : array_like, shape (m,)
    b : scalar
        Converted and validated once (finite, `w` a vector).

    Examples
    --------
    >>> TanhUnit(np.array([1.0, -1.0]), 0.0).gradient(np.zeros(2))
    array([ 1., -1.])
    """

    w: np.ndarray
    b: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "w", vector("w", self.w))
        object.__setattr__(self, "b", scalar("b", self.b))

    @property
    def inputs(self) -> int:
        """The dimension m of the domain."""
        return self.w.shape[0]

    def __call__(self, x):
        x = vector("x", x, self.w.shape[0])
        with np.errstate(over="ignore"):  # tanh saturates: an overflowing w^T x gives +-1
            return np.tanh(self.w @ x + self.b)

    def gradient(self, x):
        """Gradient ``(1 - tanh(w^T x + b)^2) w``, shape (m,)."""
        return (1 - self(x) ** 2) * self.w


@dataclass(frozen=True, eq=False)
class SineWave:
    """The univariate function ``t -> sin(a t + b)`` and its derivative.

    Parameters
    ----------
    a, b : scalar
        Validated once (finite scalars).

    Examples
    --------
    >>> SineWave(2.0, 0.0).derivative(0.0)
    np.float64(2.0)
    """

    a: float
    b: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "a", scalar("a", self.a))
        object.__setattr__(self, "b", scalar("b", self.b))

    def __call__(self, t):
        t = scalar("t", t)
        return np.sin(self.a * t + self.b)

    def derivative(self, t):
        """``a cos(a t + b)``."""
        t = scalar("t", t)
        return self.a * np.cos(self.a * t + self.b)


def _tanh_map(rng, n_out, n_in):
    return TanhMap(rng.standard_normal((n_out, n_in)) / np.sqrt(n_in), rng.standard_normal(n_out))


def _tanh_unit(rng, n_in):
    return TanhUnit(rng.standard_normal(n_in) / np.sqrt(n_in), float(rng.standard_normal()))


def _takes(name, function, size, argument):
    """Raise unless ``function`` takes vectors of shape (size,), if it declares ``inputs``."""
    inputs = getattr(function, "inputs", None)
    if inputs is not None and inputs != size:
        raise ValueError(
            f"`{name}` must take vectors of shape ({size},), the shape of `{argument}`; "
            f"it takes shape ({inputs},)"
        )


# -- 1a: product rule for an inner product of two vector functions -----------------


def _maps_at(x, f, g):
    """``x, f(x), g(x)``, validated: three vectors, ``f(x)`` and ``g(x)`` of one shape."""
    x = vector("x", x)
    fx = vector("f(x)", f(x))
    return x, fx, vector("g(x)", g(x), fx.shape[0])


def inner_of_maps(x, f, g):
    """``f(x)^T g(x)`` for two maps R^d -> R^n.

    Parameters
    ----------
    x : ndarray, shape (d,)
    f, g : callable
        Maps R^d -> R^n with a ``jacobian(x)`` method returning (n, d).

    Returns
    -------
    scalar
    """
    _, fx, gx = _maps_at(x, f, g)
    return fx @ gx


def grad_inner_of_maps(x, f, g):
    """Product rule: gradient of ``f^T g`` is ``J_f(x)^T g(x) + J_g(x)^T f(x)``.

    Parameters
    ----------
    x : ndarray, shape (d,)
    f, g : callable
        Maps R^d -> R^n with a ``jacobian(x)`` method returning (n, d).

    Returns
    -------
    ndarray, shape (d,)

    Examples
    --------
    >>> f = TanhMap(np.eye(2), np.zeros(2))
    >>> g = TanhMap(np.array([[0.0, 1.0], [1.0, 0.0]]), np.zeros(2))
    >>> grad_inner_of_maps(np.zeros(2), f, g)
    array([0., 0.])
    """
    x, fx, gx = _maps_at(x, f, g)
    J_f = matrix("f.jacobian(x)", f.jacobian(x), fx.shape[0], x.shape[0])
    J_g = matrix("g.jacobian(x)", g.jacobian(x), gx.shape[0], x.shape[0])
    return J_f.T @ gx + J_g.T @ fx


def _sample_product(rng, n):
    # d = n inputs, n + 1 outputs: a Jacobian used untransposed would not even fit.
    return {
        "x": rng.standard_normal(n),
        "f": _tanh_map(rng, n + 1, n),
        "g": _tanh_map(rng, n + 1, n),
    }


def _symbolic_product(x):
    import sympy as sp

    F = sp.Matrix([sp.Function(f"f_{k}")(*x) for k in (1, 2)])
    G = sp.Matrix([sp.Function(f"g_{k}")(*x) for k in (1, 2)])
    return (F.T * G)[0, 0], F.jacobian(x).T * G + G.jacobian(x).T * F


# -- 1b: product rule for two scalar functions --------------------------------------


def _functions_at(x, f, g):
    """``x, f(x), g(x)``, validated: a vector and two scalars."""
    return vector("x", x), scalar("f(x)", f(x)), scalar("g(x)", g(x))


def product_of_functions(x, f, g):
    """``f(x) g(x)`` for two scalar functions on R^d."""
    _, fx, gx = _functions_at(x, f, g)
    return fx * gx


def grad_product_of_functions(x, f, g):
    """Product rule with n = 1: ``grad f(x) g(x) + f(x) grad g(x)``.

    Parameters
    ----------
    x : ndarray, shape (d,)
    f, g : callable
        Functions R^d -> R with a ``gradient(x)`` method returning (d,).

    Returns
    -------
    ndarray, shape (d,)

    Examples
    --------
    >>> f = TanhUnit(np.array([1.0, 0.0]), 0.0)
    >>> g = TanhUnit(np.array([0.0, 1.0]), 1.0)
    >>> grad_product_of_functions(np.zeros(2), f, g).round(4)
    array([0.7616, 0.    ])
    """
    x, fx, gx = _functions_at(x, f, g)
    grad_f = vector("f.gradient(x)", f.gradient(x), x.shape[0])
    grad_g = vector("g.gradient(x)", g.gradient(x), x.shape[0])
    return grad_f * gx + fx * grad_g


def _sample_product_scalar(rng, n):
    return {"x": rng.standard_normal(n), "f": _tanh_unit(rng, n), "g": _tanh_unit(rng, n)}


def _gradient(expr, x):
    import sympy as sp

    return sp.Matrix([expr.diff(xi) for xi in x])


def _symbolic_product_scalar(x):
    import sympy as sp

    f, g = sp.Function("f")(*x), sp.Function("g")(*x)
    return f * g, _gradient(f, x) * g + f * _gradient(g, x)


# -- 2a: chain rule for a scalar function of a vector function ----------------------


def _inner_map_at(x, f, g):
    """``x, f(x)``, validated: two vectors, ``f(x)`` of the shape ``g`` takes."""
    x = vector("x", x)
    y = vector("f(x)", f(x))
    _takes("g", g, y.shape[0], "f(x)")
    return x, y


def composition(x, f, g):
    """``g(f(x))`` for f: R^m -> R^k and g: R^k -> R."""
    _, y = _inner_map_at(x, f, g)
    return g(y)


def grad_composition(x, f, g):
    """Chain rule: gradient of ``g o f`` is ``J_f(x)^T grad g(f(x))``.

    Parameters
    ----------
    x : ndarray, shape (m,)
    f : callable
        Map R^m -> R^k with a ``jacobian(x)`` method returning (k, m).
    g : callable
        Function R^k -> R with a ``gradient(y)`` method returning (k,).

    Returns
    -------
    ndarray, shape (m,)

    Examples
    --------
    >>> f = TanhMap(np.eye(2), np.zeros(2))
    >>> g = TanhUnit(np.array([1.0, 2.0]), 0.0)
    >>> grad_composition(np.zeros(2), f, g)
    array([1., 2.])
    """
    x, y = _inner_map_at(x, f, g)
    J_f = matrix("f.jacobian(x)", f.jacobian(x), y.shape[0], x.shape[0])
    grad_g = vector("g.gradient(f(x))", g.gradient(y), y.shape[0])
    return J_f.T @ grad_g


def _sample_composition(rng, n):
    return {"x": rng.standard_normal(n), "f": _tanh_map(rng, n + 1, n), "g": _tanh_unit(rng, n + 1)}


def _symbolic_composition(x):
    import sympy as sp

    F = sp.Matrix([sp.Function(f"f_{k}")(*x) for k in (1, 2)])
    g = sp.Function("g")
    y = sp.symbols("y_1:3")
    grad_g_at_f = _gradient(g(*y), y).subs(dict(zip(y, F, strict=True)), simultaneous=True)
    return g(*F), F.jacobian(x).T * grad_g_at_f


# -- 2b: chain rule through two univariate functions -----------------------------------


def _chain_at(x, f, h1):
    """``x, f(x), h1(f(x))``, validated: a vector and two scalars."""
    x = vector("x", x)
    t = scalar("f(x)", f(x))
    return x, t, scalar("h1(f(x))", h1(t))


def scalar_chain(x, f, h1, h2):
    """``h2(h1(f(x)))`` for f: R^d -> R and h1, h2: R -> R."""
    _, _, u = _chain_at(x, f, h1)
    return h2(u)


def grad_scalar_chain(x, f, h1, h2):
    """Gradient of ``h2 o h1 o f``: ``grad f(x) h2'(h1(f(x))) h1'(f(x))``.

    Parameters
    ----------
    x : ndarray, shape (d,)
    f : callable
        Function R^d -> R with a ``gradient(x)`` method.
    h1, h2 : callable
        Functions R -> R with a ``derivative(t)`` method.

    Returns
    -------
    ndarray, shape (d,)

    Examples
    --------
    >>> f = TanhUnit(np.array([1.0, 3.0]), 0.0)
    >>> grad_scalar_chain(np.zeros(2), f, SineWave(1.0, 0.0), SineWave(2.0, 0.0))
    array([2., 6.])
    """
    x, t, u = _chain_at(x, f, h1)
    grad_f = vector("f.gradient(x)", f.gradient(x), x.shape[0])
    dh2 = scalar("h2.derivative(h1(f(x)))", h2.derivative(u))
    dh1 = scalar("h1.derivative(f(x))", h1.derivative(t))
    return grad_f * dh2 * dh1


def _sample_scalar_chain(rng, n):
    h1 = SineWave(*rng.uniform(0.5, 2.0, size=2))
    h2 = SineWave(*rng.uniform(0.5, 2.0, size=2))
    return {"x": rng.standard_normal(n), "f": _tanh_unit(rng, n), "h1": h1, "h2": h2}


def _symbolic_scalar_chain(x):
    import sympy as sp

    f = sp.Function("f")(*x)
    h1, h2 = sp.Function("h_1"), sp.Function("h_2")
    s = sp.Symbol("s")
    dh1 = h1(s).diff(s).subs(s, f)
    dh2 = h2(s).diff(s).subs(s, h1(f))
    return h2(h1(f)), _gradient(f, x) * dh2 * dh1


# -- 2c: chain rule for a loss of three parametrised quantities ---------------------


def _parametrization_at(w, phi, loss):
    """``w, phi(w)``, validated: ``phi(w)`` of shape (3,), which ``loss`` takes."""
    w = vector("w", w)
    xyz = vector("phi(w)", phi(w), 3)
    _takes("loss", loss, 3, "phi(w)")
    return w, xyz


def loss_of_parametrization(w, phi, loss):
    """``L(x(w), y(w), z(w))`` with ``(x, y, z) = phi(w)``."""
    _, xyz = _parametrization_at(w, phi, loss)
    return loss(xyz)


def grad_loss_of_parametrization(w, phi, loss):
    """Gradient in ``w`` of ``L(x(w), y(w), z(w))``.

    ``dL/dx grad x(w) + dL/dy grad y(w) + dL/dz grad z(w)``: the partial
    derivatives of L at ``(x, y, z) = phi(w)`` weight the gradients of the
    three coordinates (the rows of ``J_phi(w)``).

    Parameters
    ----------
    w : ndarray, shape (p,)
    phi : callable
        Map R^p -> R^3 with a ``jacobian(w)`` method returning (3, p).
    loss : callable
        Function R^3 -> R with a ``gradient(v)`` method returning (3,).

    Returns
    -------
    ndarray, shape (p,)

    Examples
    --------
    >>> phi = TanhMap(np.eye(3), np.zeros(3))
    >>> grad_loss_of_parametrization(np.zeros(3), phi, TanhUnit(np.array([1.0, 2.0, 3.0]), 0.0))
    array([1., 2., 3.])
    """
    w, xyz = _parametrization_at(w, phi, loss)
    dL_dx, dL_dy, dL_dz = vector("loss.gradient(phi(w))", loss.gradient(xyz), 3)
    grad_x, grad_y, grad_z = matrix("phi.jacobian(w)", phi.jacobian(w), 3, w.shape[0])
    return dL_dx * grad_x + dL_dy * grad_y + dL_dz * grad_z


def _sample_parametrization(rng, n):
    # The statement fixes 3 quantities; p skips 3 (p = 1, 2, 4, 5, ...) so that the 3 x p
    # Jacobian of phi is never square and a transposed one cannot fit.
    p = n if n < 3 else n + 1
    return {"w": rng.standard_normal(p), "phi": _tanh_map(rng, 3, p), "loss": _tanh_unit(rng, 3)}


def _symbolic_parametrization(w):
    import sympy as sp

    coords = [sp.Function(name)(*w) for name in ("x", "y", "z")]
    L = sp.Function("L")
    a = sp.symbols("a b c")
    at_point = dict(zip(a, coords, strict=True))
    partials = [L(*a).diff(ai).subs(at_point, simultaneous=True) for ai in a]
    claimed = sum(
        (p * _gradient(c, w) for p, c in zip(partials, coords, strict=True)),
        sp.zeros(len(w), 1),
    )
    return L(*coords), claimed


register(
    Identity(
        id="rules.product",
        title="Product rule for an inner product of two vector functions",
        latex=r"\nabla (f^\top g)(x) = J_f(x)^\top g(x) + J_g(x)^\top f(x),"
        r"\qquad f, g : \mathbb{R}^d \to \mathbb{R}^n,\ J_f, J_g \in \mathbb{R}^{n \times d}",
        wrt="x",
        kind="gradient",
        sample=_sample_product,
        value=inner_of_maps,
        derivative=grad_inner_of_maps,
        symbolic=_symbolic_product,
        assumptions="f and g differentiable at x",
        derivation=r"""
Differentiate the inner product $f^\top g = \sum_i f_i g_i$ with the product rule:
$d(f^\top g) = df^\top g + f^\top dg$. With $df = J_f\, dx$ and $dg = J_g\, dx$ this is
$g^\top J_f\, dx + f^\top J_g\, dx = \langle J_f^\top g + J_g^\top f,\ dx\rangle$, which
gives the gradient.
""",
        mistakes=(
            Mistake(
                r"J_f(x)^\top g(x)",
                lambda x, f, g: f.jacobian(x).T @ g(x),
                "keeps one term of the product rule and forgets that g depends on x too",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial (f^\top g)}{\partial x} = g^\top J_f + f^\top J_g"
            r"\ \text{(a row vector)}",
        },
        related=("rules.product-scalar", "rules.chain", "linear.inner"),
        sources=(f"{SHEET}, exercise 1a",),
        exercise="1a",
        keywords=(
            "product rule for vector functions",
            "inner product of two functions",
            "f^T g",
            "f^Tg",
            "product rule",
            "jacobian transpose",
        ),
    )
)

register(
    Identity(
        id="rules.product-scalar",
        title="Product rule for two scalar functions",
        latex=r"\nabla (fg)(x) = \nabla f(x)\, g(x) + f(x)\, \nabla g(x),"
        r"\qquad f, g : \mathbb{R}^d \to \mathbb{R}",
        wrt="x",
        kind="gradient",
        sample=_sample_product_scalar,
        value=product_of_functions,
        derivative=grad_product_of_functions,
        symbolic=_symbolic_product_scalar,
        assumptions="f and g differentiable at x",
        derivation=r"""
For scalars the product rule reads $d(fg) = g\, df + f\, dg$, and
$df = \langle \nabla f, dx\rangle$, $dg = \langle \nabla g, dx\rangle$, so
$d(fg) = \langle g\nabla f + f \nabla g,\ dx\rangle$.
""",
        mistakes=(
            Mistake(
                r"\nabla f\, g - f\, \nabla g",
                lambda x, f, g: f.gradient(x) * g(x) - f(x) * g.gradient(x),
                "the sign of the quotient rule's numerator, carried into the product rule",
            ),
            Mistake(
                r"\nabla f(x) \odot \nabla g(x)",
                lambda x, f, g: f.gradient(x) * g.gradient(x),
                "multiplies the derivatives, as if d(fg) = df dg",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial (fg)}{\partial x} = g\, \frac{\partial f}{\partial x}"
            r" + f\, \frac{\partial g}{\partial x}\ \text{(row vectors)}",
        },
        related=("rules.product",),
        sources=(f"{SHEET}, exercise 1b",),
        exercise="1b",
        keywords=(
            "product rule",
            "leibniz rule",
            "derivative of a product",
            "product of two functions",
        ),
    )
)

register(
    Identity(
        id="rules.chain",
        title="Chain rule for a scalar function of a vector function",
        latex=r"\nabla (g \circ f)(x) = J_f(x)^\top\, \nabla g(f(x)),"
        r"\qquad f : \mathbb{R}^m \to \mathbb{R}^k,\ g : \mathbb{R}^k \to \mathbb{R},\ "
        r"J_f \in \mathbb{R}^{k \times m}",
        wrt="x",
        kind="gradient",
        sample=_sample_composition,
        value=composition,
        derivative=grad_composition,
        symbolic=_symbolic_composition,
        assumptions="f differentiable at x, g differentiable at f(x)",
        derivation=r"""
With $y = f(x)$, $dy = J_f(x)\, dx$ and $d(g(y)) = \langle \nabla g(y), dy\rangle
= \nabla g(y)^\top J_f(x)\, dx = \langle J_f(x)^\top \nabla g(y),\ dx\rangle$. The transpose
appears because a gradient is a column: in numerator layout the same rule is the product of
row vector and matrix, $\nabla g^\top J_f$.
""",
        mistakes=(
            Mistake(
                r"W^\top \nabla g(f(x))\ \text{for}\ f = \tanh(Wx + b)",
                lambda x, f, g: f.W.T @ g.gradient(f(x)),
                "forgets the derivative of tanh inside the Jacobian of f",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial (g\circ f)}{\partial x} = "
            r"\big(\nabla g(f(x))\big)^\top J_f(x)\ \text{(row vector times matrix)}",
        },
        related=("rules.chain-univariate", "rules.chain-parametrized", "rules.product"),
        sources=(f"{SHEET}, exercise 2a",),
        exercise="2a",
        keywords=(
            "chain rule",
            "composition",
            "composite function",
            "g(f(x))",
            "backpropagation",
            "jacobian transpose",
            "jacobian",
        ),
    )
)

register(
    Identity(
        id="rules.chain-univariate",
        title="Chain rule through two univariate functions",
        latex=r"\nabla (h_2 \circ h_1 \circ f)(x) = \nabla f(x)\, h_2'\big(h_1(f(x))\big)\, "
        r"h_1'\big(f(x)\big),\qquad f : \mathbb{R}^d \to \mathbb{R},\ h_1, h_2 : \mathbb{R} \to \mathbb{R}",
        wrt="x",
        kind="gradient",
        sample=_sample_scalar_chain,
        value=scalar_chain,
        derivative=grad_scalar_chain,
        symbolic=_symbolic_scalar_chain,
        assumptions="f, h1, h2 differentiable where evaluated",
        derivation=r"""
Apply the chain rule twice: $d\,h_2(h_1(f)) = h_2'(h_1(f))\, d\,h_1(f)$ and
$d\,h_1(f) = h_1'(f)\, df = h_1'(f)\, \langle \nabla f, dx\rangle$. The two scalar
derivatives multiply the gradient of the innermost function.
""",
        mistakes=(
            Mistake(
                r"\nabla f(x)\, h_2'\big(h_1(f(x))\big)",
                lambda x, f, h1, h2: f.gradient(x) * h2.derivative(h1(f(x))),
                "drops the middle factor h_1'(f(x))",
            ),
        ),
        conventions={
            "numerator": r"h_2'(h_1(f))\, h_1'(f)\, \frac{\partial f}{\partial x}"
            r"\ \text{(a row vector)}",
        },
        related=("rules.chain",),
        sources=(f"{SHEET}, exercise 2b",),
        exercise="2b",
        keywords=(
            "chain rule through univariate functions",
            "univariate chain rule",
            "scalar chain rule",
            "chain rule",
            "composition",
        ),
    )
)

register(
    Identity(
        id="rules.chain-parametrized",
        title="Chain rule for a loss of parametrised quantities",
        latex=r"\nabla_w \mathcal{L}\big(x(w), y(w), z(w)\big) = "
        r"\partial_x \mathcal{L}\, \nabla x(w) + \partial_y \mathcal{L}\, \nabla y(w) + "
        r"\partial_z \mathcal{L}\, \nabla z(w),\qquad w \in \mathbb{R}^p,\ "
        r"\mathcal{L} : \mathbb{R}^3 \to \mathbb{R}",
        wrt="w",
        kind="gradient",
        sample=_sample_parametrization,
        value=loss_of_parametrization,
        derivative=grad_loss_of_parametrization,
        symbolic=_symbolic_parametrization,
        assumptions="x, y, z differentiable at w; L differentiable at (x(w), y(w), z(w))",
        derivation=r"""
$\mathcal L$ depends on $w$ only through $u = (x(w), y(w), z(w))$:
$d\mathcal L = \partial_x\mathcal L\, dx + \partial_y\mathcal L\, dy + \partial_z\mathcal L\, dz$,
and $dx = \langle\nabla x(w), dw\rangle$ (likewise $y$, $z$). Collecting the coefficient of
$dw$ gives the sum of the three gradients weighted by the partial derivatives of $\mathcal L$.
""",
        mistakes=(
            Mistake(
                r"\partial_y\mathcal L\,\nabla x + \partial_x\mathcal L\,\nabla y + "
                r"\partial_z\mathcal L\,\nabla z",
                lambda w, phi, loss: loss.gradient(phi(w))[[1, 0, 2]] @ phi.jacobian(w),
                "pairs each partial derivative with the wrong inner gradient",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \mathcal L}{\partial w} = \nabla\mathcal L(u)^\top "
            r"\frac{\partial u}{\partial w}\ \text{(row vector times the } 3 \times p \text{ Jacobian)}",
        },
        related=("rules.chain",),
        sources=(f"{SHEET}, exercise 2c",),
        exercise="2c",
        keywords=(
            "chain rule for a parametrised loss",
            "parametrization",
            "parametrisation",
            "multivariable chain rule",
            "total derivative",
            "chain rule",
        ),
    )
)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "product",
        "Product rules",
        (
            "rules.product-scalar",
            "rules.product",
        ),
    ),
    (
        "chain",
        "Chain rules",
        (
            "rules.chain-univariate",
            "rules.chain",
            "rules.chain-parametrized",
        ),
    ),
)
