"""Norms of affine maps, angles and cross products.

The unsquared residual norm ``||A x - b||_2`` (in ``x`` and in ``A``), the cosine similarity
(in each argument, and row by row as a layer's backward rule), the vector p-norm at fixed
``p`` with its Hessian, and the Jacobians of the cross product. Norms are written without
``abs`` on complex numbers (``sqrt(r^T r)``, ``|x_i| = sign(Re x_i) x_i``), so the checker's
complex step passes through them; every sampler keeps the norms away from 0 (and, for the
p-norm, every entry away from 0), where these functions have kinks. The Euclidean norm of
``x - a`` and its unit vector are in ``norms``; the Rayleigh quotient in ``higher``.
"""

from fractions import Fraction

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.linear import COOKBOOK
from gradref.shapes import Arr, shaped, shaped_like

TORCH_YAML = "PyTorch, `tools/autograd/derivatives.yaml`"
TORCH_MANUAL = "PyTorch, `torch/csrc/autograd/FunctionsManual.cpp`"
TORCH_COSINE = (
    "PyTorch, `torch.nn.functional.cosine_similarity` (`aten/src/ATen/native/Distance.cpp`, a "
    "composite function: autograd differentiates its parts, derivatives.yaml has no entry)"
)
BOYD = "Boyd & Vandenberghe, *Convex Optimization* (2004)"


def _register(**fields):
    return register(Identity(**fields))


def _sym_norm(v):
    import sympy as sp

    return sp.sqrt((v.T * v)[0, 0])


# -- the residual norm ||A x - b||_2 -----------------------------------------------------------


def _sample_residual(rng, n):
    # A is m x n with m = n + 1 rows (tall: A x = b has no exact solution in general), b is
    # moved so that the residual has norm in [0.5, 2]: away from the kink at A x = b.
    m = n + 1
    A, x = rng.standard_normal((m, n)), rng.standard_normal(n)
    direction = rng.standard_normal(m)
    direction *= rng.uniform(0.5, 2.0) / np.linalg.norm(direction)
    return {"A": A, "x": x, "b": A @ x - direction}


@shaped
def residual_norm(A: Arr["m n"], x: Arr["n"], b: Arr["m"]):
    """The Euclidean norm of the residual, ``||A x - b||_2`` (not squared).

    >>> residual_norm(np.eye(2), np.array([3.0, 4.0]), np.zeros(2))
    np.float64(5.0)
    """
    r = A @ x - b
    return np.sqrt(r @ r)


@shaped_like(residual_norm)
def grad_residual_norm_x(A, x, b):
    """Gradient of ``||A x - b||_2`` in ``x``: ``A^T (A x - b) / ||A x - b||_2``.

    >>> grad_residual_norm_x(np.eye(2), np.array([3.0, 4.0]), np.zeros(2))
    array([0.6, 0.8])
    """
    r = A @ x - b
    return A.T @ r / np.sqrt(r @ r)


@shaped_like(residual_norm)
def hess_residual_norm_x(A, x, b):
    """Hessian of ``||A x - b||_2`` in ``x``: ``A^T (I - u u^T) A / ||A x - b||_2``, ``u`` the unit residual."""
    r = A @ x - b
    norm = np.sqrt(r @ r)
    u = r / norm
    return (A.T @ A - np.outer(A.T @ u, A.T @ u)) / norm


@shaped_like(residual_norm)
def grad_residual_norm_A(A, x, b):
    """Gradient of ``||A x - b||_2`` in ``A``: ``(A x - b) x^T / ||A x - b||_2``.

    >>> grad_residual_norm_A(np.eye(2), np.array([3.0, 4.0]), np.zeros(2))
    array([[1.8, 2.4],
           [2.4, 3.2]])
    """
    r = A @ x - b
    return np.outer(r, x) / np.sqrt(r @ r)


@shaped_like(residual_norm)
def hess_residual_norm_A(A, x, b):
    """Hessian of ``||A x - b||_2`` in ``A``, shape (m, n, m, n): ``V -> (I - u u^T) V x x^T / ||r||``."""
    r = A @ x - b
    norm = np.sqrt(r @ r)
    u = r / norm
    projector = np.eye(len(r)) - np.outer(u, u)
    return np.einsum("ik,j,l->ijkl", projector, x, x) / norm


_RESIDUAL_ASSUMPTIONS = (
    "A x != b (the norm has a kink where the residual vanishes: there the subgradients in x are "
    "A^T g for ||g||_2 <= 1); A any real m x n matrix; the norm itself, not its square"
)
_RESIDUAL_KEYWORDS = (
    "norm of a residual",
    "||Ax - b||",
    "unsquared least squares",
    "l2 loss",
    "Euclidean norm of an affine map",
    "square-root lasso",
)


_register(
    id="angles.residual-norm-x",
    title="Gradient and Hessian of the residual norm ||Ax - b|| with respect to x",
    kind="gradient",
    formula=r"\nabla_x \|A x - b\|_2 = \frac{A^\top (A x - b)}{\|A x - b\|_2}",
    wrt="x",
    value=residual_norm,
    derivative=grad_residual_norm_x,
    symbolic=lambda A, x, b: (_sym_norm(A * x - b), A.T * (A * x - b) / _sym_norm(A * x - b)),
    sample=_sample_residual,
    derivation=r"""
With $r = Ax - b$, $dr = A\,dx$, and the norm's differential $d\|r\|_2 = r^\top dr / \|r\|_2$
(Cookbook eq. 129 with $a = 0$) gives $d\|r\|_2 = \langle A^\top r / \|r\|_2, dx\rangle$:
$A^\top$ applied to the unit residual $u = r / \|r\|_2$. Differentiating $A^\top u$ once more,
$du = (I - uu^\top)\, dr / \|r\|_2$ (the unit vector's Jacobian), so the Hessian is
$A^\top (I - uu^\top) A / \|r\|_2$: positive semidefinite, with the direction that changes
only the residual's length removed.
""",
    hessian=hess_residual_norm_x,
    hessian_formula=r"\nabla_x^2 \|A x - b\|_2 = \frac{A^\top (I - u u^\top) A}{\|A x - b\|_2}",
    where=(r"u = \frac{A x - b}{\|A x - b\|_2}",),
    mistakes=(
        Mistake(
            r"A^\top (A x - b)",
            lambda A, x, b: A.T @ (A @ x - b),
            "the gradient of half the squared norm: drops the division by the norm",
        ),
        Mistake(
            r"\frac{A^\top (A x - b)}{\|A x - b\|_2^2}",
            lambda A, x, b: A.T @ (A @ x - b) / ((A @ x - b) @ (A @ x - b)),
            "divides by the squared norm, as for the logarithm of the norm",
        ),
    ),
    conventions={"numerator": r"\frac{(A x - b)^\top A}{\|A x - b\|_2}\ \text{(a row vector)}"},
    related=("angles.residual-norm-A", "norms.two-norm", "quadratic.least-squares"),
    assumptions=_RESIDUAL_ASSUMPTIONS,
    sources=(f"{COOKBOOK}, eq. (129) with the chain rule", f"{BOYD}, section 6.1"),
    keywords=_RESIDUAL_KEYWORDS,
)

_register(
    id="angles.residual-norm-A",
    title="Gradient and Hessian of the residual norm ||Ax - b|| with respect to A",
    kind="gradient",
    formula=r"\nabla_A \|A x - b\|_2 = \frac{(A x - b)\, x^\top}{\|A x - b\|_2}",
    wrt="A",
    value=residual_norm,
    derivative=grad_residual_norm_A,
    symbolic=lambda A, x, b: (_sym_norm(A * x - b), (A * x - b) * x.T / _sym_norm(A * x - b)),
    sample=_sample_residual,
    symbolic_dims=(1, 2),  # the Hessian's exact check at 3 (12 x 12 entries) costs a second
    derivation=r"""
Now $dr = dA\, x$, so $d\|r\|_2 = u^\top dA\, x = \operatorname{tr}(x u^\top dA)
= \langle u x^\top, dA\rangle$ with $u = r/\|r\|_2$: the rank-one matrix of the unit residual
and $x$. In a direction $V$, $du = (I - uu^\top) V x / \|r\|_2$, which gives the Hessian's
action $(I - uu^\top) V x x^\top / \|r\|_2$.
""",
    hessian=hess_residual_norm_A,
    hessian_formula=r"\nabla_A^2 \|A x - b\|_2\,[V] = \frac{(I - u u^\top) V x x^\top}"
    r"{\|A x - b\|_2}",
    where=(r"u = \frac{A x - b}{\|A x - b\|_2}",),
    mistakes=(
        Mistake(
            r"(A x - b)\, x^\top",
            lambda A, x, b: np.outer(A @ x - b, x),
            "the gradient of half the squared norm: drops the division by the norm",
        ),
        Mistake(
            r"\frac{(A x - b)\, \mathbf 1^\top A}{\|A x - b\|_2}",
            lambda A, x, b: np.outer(A @ x - b, A.sum(axis=0)) / np.sqrt((A @ x - b) @ (A @ x - b)),
            "puts the rows of A where x belongs in the outer product",
        ),
    ),
    conventions={
        "numerator": r"\frac{x (A x - b)^\top}{\|A x - b\|_2}\ \text{(shaped like } A^\top\text{)}"
    },
    related=("angles.residual-norm-x", "quadratic.least-squares-A"),
    assumptions=_RESIDUAL_ASSUMPTIONS,
    sources=(f"{COOKBOOK}, eq. (129) with the chain rule",),
    keywords=(*_RESIDUAL_KEYWORDS, "gradient with respect to the matrix"),
)


# -- cosine similarity ----------------------------------------------------------------------


def _sample_pair(rng, n):
    # two vectors of length n + 1 >= 2 (in one dimension the cosine is the constant +-1), with
    # norms in [0.5, 2]: away from the kink at 0.
    size = n + 1
    x, y = rng.standard_normal(size), rng.standard_normal(size)
    x *= rng.uniform(0.5, 2.0) / np.linalg.norm(x)
    y *= rng.uniform(0.5, 2.0) / np.linalg.norm(y)
    return {"x": x, "y": y}


@shaped
def cosine(x: Arr["n"], y: Arr["n"]):
    """The cosine similarity ``x^T y / (||x||_2 ||y||_2)``.

    >>> cosine(np.array([1.0, 0.0]), np.array([1.0, 1.0])).round(4)
    np.float64(0.7071)
    """
    return x @ y / np.sqrt((x @ x) * (y @ y))


@shaped_like(cosine)
def grad_cosine_x(x, y):
    """Gradient of the cosine similarity in ``x``: ``y / (|x| |y|) - (x^T y) x / (|x|^3 |y|)``.

    >>> grad_cosine_x(np.array([1.0, 0.0]), np.array([0.0, 2.0]))
    array([0., 1.])
    """
    nx, ny = np.sqrt(x @ x), np.sqrt(y @ y)
    return y / (nx * ny) - (x @ y) * x / (nx**3 * ny)


@shaped_like(cosine)
def hess_cosine_x(x, y):
    """Hessian of the cosine similarity in ``x`` (symmetric, n x n)."""
    nx, ny, c = np.sqrt(x @ x), np.sqrt(y @ y), x @ y
    return (
        -(np.outer(x, y) + np.outer(y, x)) / (nx**3 * ny)
        - c * np.eye(len(x)) / (nx**3 * ny)
        + 3 * c * np.outer(x, x) / (nx**5 * ny)
    )


@shaped_like(cosine)
def grad_cosine_y(x, y):
    """Gradient of the cosine similarity in ``y``: ``x / (|x| |y|) - (x^T y) y / (|x| |y|^3)``.

    >>> grad_cosine_y(np.array([0.0, 2.0]), np.array([1.0, 0.0]))
    array([0., 1.])
    """
    nx, ny = np.sqrt(x @ x), np.sqrt(y @ y)
    return x / (nx * ny) - (x @ y) * y / (nx * ny**3)


def _sym_cosine(x, y):
    return (x.T * y)[0, 0] / (_sym_norm(x) * _sym_norm(y))


def _sym_grad_cosine_x(x, y):
    nx, ny = _sym_norm(x), _sym_norm(y)
    return y / (nx * ny) - (x.T * y)[0, 0] * x / (nx**3 * ny)


_COSINE_KEYWORDS = (
    "cosine similarity",
    "gradient of cosine similarity",
    "angle between vectors",
    "normalized dot product",
    "cosine distance",
    "CosineSimilarity",
    "CosineEmbeddingLoss",
)
_COSINE_ASSUMPTIONS = (
    "x, y nonzero real vectors (the cosine is undefined at 0; PyTorch clamps the norms' "
    "product below by eps = 1e-8, which changes nothing away from 0); checked from length 2 "
    "on, as in one dimension the cosine is the constant +-1"
)


_register(
    id="angles.cosine-x",
    title="Gradient and Hessian of the cosine similarity with respect to its first argument",
    kind="gradient",
    formula=r"\nabla_x \frac{x^\top y}{\|x\|_2 \|y\|_2} = \frac{y}{\|x\|_2 \|y\|_2} - "
    r"\frac{x^\top y}{\|x\|_2^3 \|y\|_2}\, x",
    wrt="x",
    value=cosine,
    derivative=grad_cosine_x,
    symbolic=lambda x, y: (_sym_cosine(x, y), _sym_grad_cosine_x(x, y)),
    sample=_sample_pair,
    derivation=r"""
Write $c = \frac{x^\top y}{\|y\|_2} \cdot \|x\|_2^{-1}$. The product rule gives two terms:
$d(x^\top y) = y^\top dx$, and $d\|x\|_2^{-1} = -\|x\|_2^{-3} x^\top dx$ (eq. 129). Hence
$\nabla_x c = \frac{1}{\|x\|_2}\big(\hat y - c\, \hat x\big)$ with the unit vectors
$\hat x, \hat y$: the part of $\hat y$ orthogonal to $x$, divided by $\|x\|_2$. It is
orthogonal to $x$, as scaling $x$ leaves the cosine unchanged. Differentiating the three
factors of the second term once more gives the symmetric Hessian below.
""",
    hessian=hess_cosine_x,
    hessian_formula=r"\nabla_x^2 = -\frac{x y^\top + y x^\top}{\|x\|_2^3 \|y\|_2} - "
    r"\frac{x^\top y}{\|x\|_2^3 \|y\|_2}\, I + \frac{3\, x^\top y}{\|x\|_2^5 \|y\|_2}\, x x^\top",
    mistakes=(
        Mistake(
            r"\frac{y}{\|x\|_2 \|y\|_2}",
            lambda x, y: y / np.sqrt((x @ x) * (y @ y)),
            "treats the norm of x as a constant: misses the term from differentiating 1/||x||",
        ),
        Mistake(
            r"\frac{y}{\|y\|_2} - \frac{x^\top y}{\|x\|_2^2 \|y\|_2}\, x",
            lambda x, y: y / np.sqrt(y @ y) - (x @ y) * x / ((x @ x) * np.sqrt(y @ y)),
            "the tangential direction y_hat - c x_hat, without the overall factor 1/||x||",
        ),
    ),
    conventions={
        "numerator": r"\frac{y^\top}{\|x\|_2 \|y\|_2} - \frac{x^\top y}{\|x\|_2^3 \|y\|_2}\, "
        r"x^\top\ \text{(a row vector)}"
    },
    related=("angles.cosine-y", "angles.cosine-rows", "norms.unit-vector"),
    assumptions=_COSINE_ASSUMPTIONS,
    sources=(f"{COOKBOOK}, eq. (129) with the quotient rule", TORCH_COSINE),
    keywords=_COSINE_KEYWORDS,
)

_register(
    id="angles.cosine-y",
    title="Gradient of the cosine similarity with respect to its second argument",
    kind="gradient",
    formula=r"\nabla_y \frac{x^\top y}{\|x\|_2 \|y\|_2} = \frac{x}{\|x\|_2 \|y\|_2} - "
    r"\frac{x^\top y}{\|x\|_2 \|y\|_2^3}\, y",
    wrt="y",
    value=cosine,
    derivative=grad_cosine_y,
    symbolic=lambda x, y: (_sym_cosine(x, y), _sym_grad_cosine_x(y, x)),
    sample=_sample_pair,
    derivation=r"""
The cosine is symmetric in its arguments, so the gradient in $y$ is that in $x$ with the
roles exchanged: the part of $\hat x$ orthogonal to $y$, divided by $\|y\|_2$. Its norm is
$\sin\theta / \|y\|_2$, with $\theta$ the angle between the vectors: the gradient vanishes
when they are parallel.
""",
    mistakes=(
        Mistake(
            r"\frac{y}{\|x\|_2 \|y\|_2} - \frac{x^\top y}{\|x\|_2^3 \|y\|_2}\, x",
            lambda x, y: grad_cosine_x(x, y),
            "the gradient in the other argument (x), not exchanged",
        ),
        Mistake(
            r"\frac{x}{\|x\|_2 \|y\|_2}",
            lambda x, y: x / np.sqrt((x @ x) * (y @ y)),
            "treats the norm of y as a constant: misses the term from differentiating 1/||y||",
        ),
    ),
    conventions={
        "numerator": r"\frac{x^\top}{\|x\|_2 \|y\|_2} - \frac{x^\top y}{\|x\|_2 \|y\|_2^3}\, "
        r"y^\top\ \text{(a row vector)}"
    },
    related=("angles.cosine-x", "angles.cosine-rows"),
    assumptions=_COSINE_ASSUMPTIONS,
    sources=(f"{COOKBOOK}, eq. (129) with the quotient rule", TORCH_COSINE),
    keywords=_COSINE_KEYWORDS,
)


def _sample_rows(rng, n):
    # m = n rows of length d = n + 1 >= 2, each of norm in [0.5, 2]; an upstream gradient cbar.
    m, d = n, n + 1
    X, Y = rng.standard_normal((m, d)), rng.standard_normal((m, d))
    X *= rng.uniform(0.5, 2.0, (m, 1)) / np.linalg.norm(X, axis=1, keepdims=True)
    Y *= rng.uniform(0.5, 2.0, (m, 1)) / np.linalg.norm(Y, axis=1, keepdims=True)
    return {"X": X, "Y": Y, "cbar": rng.standard_normal(m)}


@shaped
def cosine_rows(X: Arr["m d"], Y: Arr["m d"]):
    """Row-wise cosine similarities ``c_i = x_i^T y_i / (||x_i|| ||y_i||)``, a vector of length m.

    >>> cosine_rows(np.array([[1.0, 0.0], [0.0, 3.0]]), np.array([[2.0, 0.0], [1.0, 0.0]]))
    array([1., 0.])
    """
    return np.sum(X * Y, axis=1) / np.sqrt(np.sum(X * X, axis=1) * np.sum(Y * Y, axis=1))


def _adjoint_rows(X, Y, cbar, power=2):
    nx = np.sqrt(np.sum(X * X, axis=1))
    ny = np.sqrt(np.sum(Y * Y, axis=1))
    c = np.sum(X * Y, axis=1) / (nx * ny)
    return (cbar / (nx * ny))[:, None] * Y - (cbar * c / nx**power)[:, None] * X


@shaped
def adjoint_cosine_rows(X: Arr["m d"], Y: Arr["m d"], cbar: Arr["m"]):
    """Adjoint of ``X`` given the upstream gradient ``cbar`` of the row-wise cosines.

    >>> adjoint_cosine_rows(np.array([[1.0, 0.0]]), np.array([[0.0, 2.0]]), np.array([1.0]))
    array([[0., 1.]])
    """
    return _adjoint_rows(X, Y, cbar)


def _sp_cosine_rows(X, Y, cbar):
    import sympy as sp

    rows = [(X[i, :], Y[i, :]) for i in range(X.rows)]
    value = sp.Matrix([_sym_cosine(x.T, y.T) for x, y in rows])
    adjoint = sp.Matrix.vstack(
        *[cbar[i] * _sym_grad_cosine_x(x.T, y.T).T for i, (x, y) in enumerate(rows)]
    )
    return value, adjoint


_register(
    id="angles.cosine-rows",
    title="Row-wise cosine similarity: adjoint of the first argument",
    kind="vjp",
    cotangent="cbar",
    formula=r"c = \big((X \odot Y) \mathbf 1\big) \oslash (n_X \odot n_Y):\quad \bar X = "
    r"\operatorname{diag}\big(\bar c \oslash (n_X \odot n_Y)\big)\, Y - "
    r"\operatorname{diag}\big(\bar c \odot c \oslash n_X^{\odot 2}\big)\, X",
    where=(
        r"n_X = \sqrt{(X \odot X) \mathbf 1}",
        r"n_Y = \sqrt{(Y \odot Y) \mathbf 1}",
    ),
    wrt="X",
    value=cosine_rows,
    derivative=adjoint_cosine_rows,
    symbolic=_sp_cosine_rows,
    sample=_sample_rows,
    derivation=r"""
Each output $c_i$ depends on row $i$ of $X$ only, through the gradient of the cosine
(`angles.cosine-x`): $dc_i = \big(\frac{y_i}{n_{X,i} n_{Y,i}} - \frac{c_i\, x_i}{n_{X,i}^2}
\big)^\top dx_i$. Hence $\langle \bar c, dc\rangle = \sum_i \bar c_i\, dc_i$, and row $i$ of
$\bar X$ is $\bar c_i$ times that gradient: a row scaling of $Y$ minus a row scaling of $X$,
without forming the $m \times md$ Jacobian. This is what autograd computes for
`torch.nn.functional.cosine_similarity(X, Y, dim=1)`, by differentiating its parts.
""",
    mistakes=(
        Mistake(
            r"\operatorname{diag}\big(\bar c \oslash (n_X \odot n_Y)\big)\, Y",
            lambda X, Y, cbar: (
                (cbar / np.sqrt(np.sum(X * X, axis=1) * np.sum(Y * Y, axis=1)))[:, None] * Y
            ),
            "treats the row norms of X as constants: misses the derivative of 1/||x_i||",
        ),
        Mistake(
            r"\operatorname{diag}\big(\bar c \oslash (n_X \odot n_Y)\big)\, Y - "
            r"\operatorname{diag}\big(\bar c \odot c \oslash n_X\big)\, X",
            lambda X, Y, cbar: _adjoint_rows(X, Y, cbar, power=1),
            "one power of the norm short in the second term (c x_i / ||x_i|| instead of "
            "c x_i / ||x_i||^2)",
        ),
    ),
    conventions={
        "numerator": r"\bar X^\top\ \text{(the transpose of the adjoint: numerator layout "
        r"arranges } \partial L / \partial X \text{ so)}"
    },
    related=("angles.cosine-x", "layers.layernorm-input"),
    assumptions="rows of X and Y nonzero (PyTorch clamps the product of the norms below by "
    "eps = 1e-8, which changes nothing away from 0); cosines along dim = 1, one per row",
    sources=(TORCH_COSINE,),
    keywords=(
        "cosine similarity backward",
        "batched cosine similarity",
        "cosine_similarity dim=1",
        *_COSINE_KEYWORDS,
    ),
)


# -- the vector p-norm at a fixed p -----------------------------------------------------------


def _sample_entries_away_from_zero(rng, n):
    # n + 1 >= 2 entries (in one dimension the norm is |x|, linear, with a zero Hessian), of
    # magnitude in [0.3, 2] with random signs: |x|^(p - 2) stays bounded (p < 2).
    return {"x": rng.choice([-1.0, 1.0], size=n + 1) * rng.uniform(0.3, 2.0, n + 1)}


def _abs(x):
    # |x| for real x, written as sign(Re x) x so that the complex step passes through
    return np.sign(np.real(x)) * x


def _p_norm(x, p):
    return np.sum(_abs(x) ** p) ** (1 / p)


def _grad_p_norm(x, p):
    return np.sign(np.real(x)) * _abs(x) ** (p - 1) / _p_norm(x, p) ** (p - 1)


def _hess_p_norm(x, p):
    g, norm = _grad_p_norm(x, p), _p_norm(x, p)
    return (p - 1) * (np.diag(_abs(x) ** (p - 2)) / norm ** (p - 1) - np.outer(g, g) / norm)


@shaped
def norm3(x: Arr["n"]):
    """The 3-norm ``(sum_i |x_i|^3)^(1/3)``.

    >>> norm3(np.array([-1.0, 2.0])).round(4)
    np.float64(2.0801)
    """
    return _p_norm(x, 3)


@shaped_like(norm3)
def grad_norm3(x):
    """Gradient of the 3-norm: ``sign(x) |x|^2 / ||x||_3^2``.

    >>> grad_norm3(np.array([0.0, -2.0]))
    array([ 0., -1.])
    """
    return _grad_p_norm(x, 3)


@shaped_like(norm3)
def hess_norm3(x):
    """Hessian of the 3-norm: ``2 (diag(|x|) / ||x||_3^2 - g g^T / ||x||_3)``, ``g`` its gradient."""
    return _hess_p_norm(x, 3)


@shaped
def norm15(x: Arr["n"]):
    """The 1.5-norm ``(sum_i |x_i|^1.5)^(2/3)``.

    >>> norm15(np.array([1.0, -1.0])).round(4)
    np.float64(1.5874)
    """
    return _p_norm(x, 1.5)


@shaped_like(norm15)
def grad_norm15(x):
    """Gradient of the 1.5-norm: ``sign(x) |x|^0.5 / ||x||_1.5^0.5``.

    >>> grad_norm15(np.array([4.0, 0.0]))
    array([1., 0.])
    """
    return _grad_p_norm(x, 1.5)


@shaped_like(norm15)
def hess_norm15(x):
    """Hessian of the 1.5-norm: ``0.5 (diag(|x|^-0.5) / ||x||^0.5 - g g^T / ||x||)``."""
    return _hess_p_norm(x, 1.5)


def _sp_p_norm(exponent):
    def build(x):
        import sympy as sp

        p = sp.Rational(exponent)  # exact: 3/2, not the float 1.5
        norm = sum(sp.Abs(xi) ** p for xi in x) ** (1 / p)
        gradient = x.applyfunc(lambda xi: sp.sign(xi) * sp.Abs(xi) ** (p - 1)) / norm ** (p - 1)
        return norm, gradient

    return build


_P_NORM_KEYWORDS = (
    "p-norm",
    "lp norm",
    "vector norm",
    "norm backward",
    "linalg.vector_norm",
    "torch.norm p",
    "Hessian of the p-norm",
)
_P_NORM_SOURCES = (
    f"{TORCH_YAML}, entries `norm.Scalar` and `linalg_vector_norm`",
    f"{TORCH_MANUAL}, `norm_backward` and `linalg_vector_norm_backward`",
)


def _p_norm_derivation(p, q):
    return rf"""
With $s = \sum_i |x_i|^{{{p}}}$ and $\|x\|_{{{p}}} = s^{{1/{p}}}$, away from $x_i = 0$
$\partial |x_i|^{{{p}}} / \partial x_i = {p}\, \operatorname{{sign}}(x_i) |x_i|^{{{q}}}$, and the
chain rule through $s^{{1/{p}}}$ gives $g_i = \operatorname{{sign}}(x_i)
|x_i|^{{{q}}} / \|x\|_{{{p}}}^{{{q}}}$. The Hessian has the derivative of the numerator on the
diagonal, $({q})|x_i|^{{{q} - 1}} / \|x\|_{{{p}}}^{{{q}}}$, minus the rank-one term from the
denominator, $({q})\, g g^\top / \|x\|_{{{p}}}$: $\nabla^2 = ({q})\big(\operatorname{{diag}}
(|x|^{{{q} - 1}}) / \|x\|_{{{p}}}^{{{q}}} - g g^\top / \|x\|_{{{p}}}\big)$, which annihilates $x$
(the norm is linear along rays). PyTorch's `norm_backward` computes the same gradient as
$x \odot |x|^{{p - 2}} / \|x\|_p^{{p - 1}}$.
"""


_register(
    id="angles.p-norm-3",
    title="Gradient and Hessian of the vector 3-norm",
    kind="gradient",
    formula=r"\nabla_x \|x\|_3 = \frac{\operatorname{sign}(x) \odot |x|^{\odot 2}}{\|x\|_3^2}",
    wrt="x",
    value=norm3,
    derivative=grad_norm3,
    symbolic=_sp_p_norm(3),
    symbolic_dims=(1, 2),  # exact at lengths 2 and 3 (the sampler adds 1); 4 adds 0.3 s
    sample=_sample_entries_away_from_zero,
    derivation=_p_norm_derivation(3, 2),
    hessian=hess_norm3,
    hessian_formula=r"\nabla_x^2 \|x\|_3 = 2 \left(\frac{\operatorname{diag}(|x|)}{\|x\|_3^2} - "
    r"\frac{g g^\top}{\|x\|_3}\right)",
    where=(r"g = \frac{\operatorname{sign}(x) \odot |x|^{\odot 2}}{\|x\|_3^2}",),
    mistakes=(
        Mistake(
            r"\frac{|x|^{\odot 2}}{\|x\|_3^2}",
            lambda x: _abs(x) ** 2 / _p_norm(x, 3) ** 2,
            "drops the sign of x: the derivative of |x_i|^3 is 3 sign(x_i) x_i^2",
        ),
        Mistake(
            r"\frac{\operatorname{sign}(x) \odot |x|^{\odot 2}}{\|x\|_3}",
            lambda x: np.sign(np.real(x)) * _abs(x) ** 2 / _p_norm(x, 3),
            "divides by the norm as for p = 2, instead of by its (p - 1)-th power",
        ),
    ),
    conventions={"numerator": r"\text{the same vector, as a row}"},
    related=("angles.p-norm-three-halves", "norms.two-norm"),
    assumptions="p = 3 fixed; no entry of x is 0 (for p = 3 the gradient is continuous there "
    "too, but the Hessian's diag(|x|) has a kink); the norm of a real vector",
    sources=_P_NORM_SOURCES,
    keywords=("3-norm", "l3 norm", *_P_NORM_KEYWORDS),
)

_register(
    id="angles.p-norm-three-halves",
    title="Gradient and Hessian of the vector 1.5-norm",
    kind="gradient",
    formula=r"\nabla_x \|x\|_{1.5} = \frac{\operatorname{sign}(x) \odot |x|^{\odot 0.5}}"
    r"{\|x\|_{1.5}^{0.5}}",
    wrt="x",
    value=norm15,
    derivative=grad_norm15,
    symbolic=_sp_p_norm(Fraction(3, 2)),
    sample=_sample_entries_away_from_zero,
    derivation=_p_norm_derivation(1.5, 0.5),
    hessian=hess_norm15,
    hessian_formula=r"\nabla_x^2 \|x\|_{1.5} = 0.5 \left(\frac{\operatorname{diag}"
    r"(|x|^{\odot -0.5})}{\|x\|_{1.5}^{0.5}} - \frac{g g^\top}{\|x\|_{1.5}}\right)",
    where=(r"g = \frac{\operatorname{sign}(x) \odot |x|^{\odot 0.5}}{\|x\|_{1.5}^{0.5}}",),
    mistakes=(
        Mistake(
            r"\frac{x \odot |x|^{\odot 0.5}}{\|x\|_{1.5}^{0.5}}",
            lambda x: x * _abs(x) ** 0.5 / _p_norm(x, 1.5) ** 0.5,
            "x |x|^(p - 1) for sign(x) |x|^(p - 1): one power of |x| too many (PyTorch's form "
            "is x |x|^(p - 2))",
        ),
        Mistake(
            r"\frac{\operatorname{sign}(x) \odot |x|^{\odot 0.5}}{\|x\|_{1.5}}",
            lambda x: np.sign(np.real(x)) * _abs(x) ** 0.5 / _p_norm(x, 1.5),
            "divides by the norm as for p = 2, instead of by its (p - 1)-th power",
        ),
    ),
    conventions={"numerator": r"\text{the same vector, as a row}"},
    related=("angles.p-norm-3", "norms.two-norm"),
    assumptions="p = 1.5 fixed; no entry of x is 0 (the Hessian's |x_i|^(-1/2) is unbounded "
    "there; the sample keeps |x_i| >= 0.3); the norm of a real vector",
    sources=_P_NORM_SOURCES,
    keywords=("1.5-norm", *_P_NORM_KEYWORDS),
)


# -- the cross product ------------------------------------------------------------------------


def _skew(v):
    # [v]_x, with [v]_x w = v x w
    return np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])


def _sp_skew(v):
    import sympy as sp

    return sp.Matrix([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])


@shaped
def cross(a: Arr["3"], b: Arr["3"]):
    """The cross product ``a x b`` of two 3-vectors.

    >>> cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    array([0., 0., 1.])
    """
    return np.array(
        [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    )


@shaped_like(cross)
def jac_cross_a(a, b):
    """Jacobian of ``a x b`` in ``a``: ``-[b]_x``.

    >>> jac_cross_a(np.zeros(3), np.array([0.0, 0.0, 1.0])) + 0.0
    array([[ 0.,  1.,  0.],
           [-1.,  0.,  0.],
           [ 0.,  0.,  0.]])
    """
    return -_skew(b)


@shaped_like(cross)
def jac_cross_b(a, b):
    """Jacobian of ``a x b`` in ``b``: ``[a]_x``.

    >>> jac_cross_b(np.array([0.0, 0.0, 1.0]), np.zeros(3)) + 0.0
    array([[ 0., -1.,  0.],
           [ 1.,  0.,  0.],
           [ 0.,  0.,  0.]])
    """
    return _skew(a)


def _sp_cross(a, b):
    return _sp_skew(a) * b


_CROSS_KEYWORDS = (
    "cross product",
    "Jacobian of the cross product",
    "skew-symmetric matrix",
    "hat map",
    "linalg.cross",
    "a x b",
)
_CROSS_SOURCES = (
    f"{TORCH_YAML}, entry `linalg_cross` (its backward rules: the adjoint of `self` is "
    "`other` x `grad`, that of `other` is `grad` x `self`)",
    "Murray, Li & Sastry, *A Mathematical Introduction to Robotic Manipulation* (1994), "
    "chapter 2 (the hat map of a 3-vector)",
)


_register(
    id="angles.cross-a",
    title="Jacobian of the cross product with respect to its first factor",
    kind="jacobian",
    formula=r"\frac{\partial (a \times b)}{\partial a} = -[b]_\times",
    wrt="a",
    value=cross,
    derivative=jac_cross_a,
    symbolic=lambda a, b: (_sp_cross(a, b), -_sp_skew(b)),
    derivation=r"""
The cross product is bilinear and antisymmetric: $a \times b = -\,b \times a = -[b]_\times a$,
with $[v]_\times$ the skew-symmetric matrix for which $[v]_\times w = v \times w$: rows
$(0, -v_3, v_2)$, $(v_3, 0, -v_1)$, $(-v_2, v_1, 0)$. It is
linear in $a$, so its Jacobian is the constant $-[b]_\times = [b]_\times^\top$. In reverse
mode, $\bar a = (-[b]_\times)^\top \bar c = [b]_\times \bar c = b \times \bar c$, which is
PyTorch's `linalg_cross(other, grad)`.
""",
    mistakes=(
        Mistake(
            r"[b]_\times",
            lambda a, b: _skew(b),
            "forgets the antisymmetry: the derivative of a x b in a is -[b]_x, since "
            "a x b = -(b x a)",
        ),
        Mistake(
            r"[a]_\times",
            lambda a, b: _skew(a),
            "the Jacobian with respect to the other factor, b",
        ),
    ),
    conventions={"numerator": r"-[b]_\times\ \text{(a Jacobian is already numerator layout)}"},
    related=("angles.cross-b",),
    assumptions="a, b real 3-vectors; a x b = [a]_x b with [a]_x the skew-symmetric "
    "cross-product matrix; the Jacobian is output x input",
    sources=_CROSS_SOURCES,
    keywords=_CROSS_KEYWORDS,
)

_register(
    id="angles.cross-b",
    title="Jacobian of the cross product with respect to its second factor",
    kind="jacobian",
    formula=r"\frac{\partial (a \times b)}{\partial b} = [a]_\times",
    wrt="b",
    value=cross,
    derivative=jac_cross_b,
    symbolic=lambda a, b: (_sp_cross(a, b), _sp_skew(a)),
    derivation=r"""
By definition of the cross-product matrix, $a \times b = [a]_\times b$: linear in $b$ with the
constant Jacobian $[a]_\times$. In reverse mode $\bar b = [a]_\times^\top \bar c =
-[a]_\times \bar c = \bar c \times a$, PyTorch's `linalg_cross(grad, self)`.
""",
    mistakes=(
        Mistake(
            r"-[a]_\times",
            lambda a, b: -_skew(a),
            "the transpose of the Jacobian (its reverse-mode matrix), which is -[a]_x",
        ),
        Mistake(
            r"[b]_\times",
            lambda a, b: _skew(b),
            "the cross-product matrix of the differentiated vector instead of the other one",
        ),
    ),
    conventions={"numerator": r"[a]_\times\ \text{(a Jacobian is already numerator layout)}"},
    related=("angles.cross-a",),
    assumptions="a, b real 3-vectors; the Jacobian is output x input",
    sources=_CROSS_SOURCES,
    keywords=_CROSS_KEYWORDS,
)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "residual-norm",
        "Norm of a residual Ax - b",
        ("angles.residual-norm-x", "angles.residual-norm-A"),
    ),
    (
        "cosine",
        "Cosine similarity",
        ("angles.cosine-x", "angles.cosine-y", "angles.cosine-rows"),
    ),
    (
        "p-norm",
        "Vector p-norms",
        ("angles.p-norm-3", "angles.p-norm-three-halves"),
    ),
    (
        "cross-product",
        "Cross product",
        ("angles.cross-a", "angles.cross-b"),
    ),
)
