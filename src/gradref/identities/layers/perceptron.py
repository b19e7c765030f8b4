"""Two-layer perceptron: the identities of the page ``reference/layers/perceptron.html``."""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.layers._common import GBC
from gradref.shapes import Arr, shaped, shaped_like

BISHOP = "Bishop, *Pattern Recognition and Machine Learning* (2006)"


def _sp_tanh(M):
    import sympy as sp

    return M.applyfunc(sp.tanh)


# ===========================================================================================
# Two-layer perceptron with a squared-error loss
# ===========================================================================================


def _mlp_forward(W1, b1, W2, b2, x):
    a = np.tanh(W1 @ x + b1)
    return a, W2 @ a + b2


@shaped
def mlp_squared_error(
    W1: Arr["h d"],
    b1: Arr["h"],
    W2: Arr["k h"],
    b2: Arr["k"],
    x: Arr["d"],
    t: Arr["k"],
):
    """``L = 1/2 ||W2 tanh(W1 x + b1) + b2 - t||^2``: a two-layer perceptron's squared error.

    >>> mlp_squared_error(np.zeros((2, 3)), np.zeros(2), np.ones((1, 2)), np.array([1.0]),
    ...                   np.ones(3), np.array([3.0]))
    np.float64(2.0)
    """
    _, y = _mlp_forward(W1, b1, W2, b2, x)
    r = y - t
    return r @ r / 2


def _mlp_delta1(W1, b1, W2, b2, x, t):
    """The hidden error ``delta1 = (1 - a^2) * W2^T (y - t)`` and the activation ``a``."""
    a, y = _mlp_forward(W1, b1, W2, b2, x)
    return (1 - a**2) * (W2.T @ (y - t)), a


@shaped_like(mlp_squared_error)
def grad_mlp_w2(W1, b1, W2, b2, x, t):
    """``(y - t) a^T`` with ``a = tanh(W1 x + b1)``."""
    a, y = _mlp_forward(W1, b1, W2, b2, x)
    return np.outer(y - t, a)


@shaped_like(mlp_squared_error)
def hess_mlp_w2(W1, b1, W2, b2, x, t):
    """``d^2 L / dW2_ij dW2_kl = delta_ik a_j a_l``."""
    a, _ = _mlp_forward(W1, b1, W2, b2, x)
    return np.einsum("ik,j,l->ijkl", np.eye(W2.shape[0]), a, a)


@shaped_like(mlp_squared_error)
def grad_mlp_b2(W1, b1, W2, b2, x, t):
    """``y - t``."""
    _, y = _mlp_forward(W1, b1, W2, b2, x)
    return y - t


@shaped_like(mlp_squared_error)
def hess_mlp_b2(W1, b1, W2, b2, x, t):
    """The identity ``I_k``."""
    return np.eye(b2.shape[0])


@shaped_like(mlp_squared_error)
def grad_mlp_w1(W1, b1, W2, b2, x, t):
    """``delta1 x^T`` with ``delta1 = (1 - a^2) * W2^T (y - t)``."""
    delta1, _ = _mlp_delta1(W1, b1, W2, b2, x, t)
    return np.outer(delta1, x)


@shaped_like(mlp_squared_error)
def grad_mlp_b1(W1, b1, W2, b2, x, t):
    """``delta1 = (1 - a^2) * W2^T (y - t)``."""
    delta1, _ = _mlp_delta1(W1, b1, W2, b2, x, t)
    return delta1


def _sp_mlp(W1, b1, W2, b2, x, t):
    """(L, a, r, delta1) of the two-layer perceptron, as sympy expressions."""
    import sympy as sp

    a = _sp_tanh(W1 * x + b1)
    r = W2 * a + b2 - t
    delta1 = sp.matrix_multiply_elementwise(a.applyfunc(lambda v: 1 - v**2), W2.T * r)
    return (r.T * r)[0, 0] / 2, a, r, delta1


def _sp_mlp_grad(which):
    def build(W1, b1, W2, b2, x, t):
        L, a, r, delta1 = _sp_mlp(W1, b1, W2, b2, x, t)
        return L, {"W2": r * a.T, "b2": r, "W1": delta1 * x.T, "b1": delta1}[which]

    return build


_MLP_ASSUMPTIONS = (
    "none: tanh is smooth; one example x with target t, hidden size h, input size d and "
    "output size k may all differ"
)

_MLP_KEYWORDS = ("multilayer perceptron", "MLP", "two-layer network", "backpropagation")

_MLP_FORMULA = (
    r"L = \tfrac12 \lVert y - t \rVert^2,\ y = W_2 a + b_2,\ a = \tanh(W_1 x + b_1),\ "
    r"\delta_1 = (1 - a^{\odot 2}) \odot W_2^\top (y - t):\quad "
)

_MLP_DERIVATION = r"""
Write $u = W_1 x + b_1$, $a = \tanh(u)$, $y = W_2 a + b_2$, $r = y - t$. Then
$dL = r^\top dy$ with $dy = dW_2\, a + db_2 + W_2\, da$ and
$da = (1 - a^{\odot 2}) \odot du$, $du = dW_1\, x + db_1$.
"""

register(
    Identity(
        id="layers.mlp-w2",
        title="Two-layer perceptron: gradient with respect to the output weights",
        formula=_MLP_FORMULA + r"\nabla_{W_2} L = (y - t)\, a^\top",
        wrt="W2",
        kind="gradient",
        value=mlp_squared_error,
        derivative=grad_mlp_w2,
        symbolic=_sp_mlp_grad("W2"),
        derivation=_MLP_DERIVATION
        + r"""
Varying $W_2$ alone, $dL = r^\top dW_2\, a = \operatorname{tr}(a r^\top dW_2)
= \langle r a^\top, dW_2\rangle$, so $\nabla_{W_2} L = (y - t) a^\top$. $L$ is quadratic in
$W_2$: the gradient changes by $V a a^\top$ along a direction $V$.
""",
        hessian=hess_mlp_w2,
        hessian_formula=r"\nabla^2_{W_2} L[V] = V a a^\top",
        mistakes=(
            Mistake(
                r"a (y - t)^\top",
                lambda W1, b1, W2, b2, x, t: np.outer(
                    np.tanh(W1 @ x + b1), W2 @ np.tanh(W1 @ x + b1) + b2 - t
                ),
                "the numerator-layout transpose (h x k)",
            ),
            Mistake(
                r"(y - t)(W_1 x + b_1)^\top",
                lambda W1, b1, W2, b2, x, t: np.outer(
                    W2 @ np.tanh(W1 @ x + b1) + b2 - t, W1 @ x + b1
                ),
                "uses the pre-activation u instead of the activation a = tanh(u) that W2 "
                "multiplies",
            ),
        ),
        conventions={"numerator": r"a (y - t)^\top"},
        related=("layers.mlp-b2", "layers.mlp-w1", "layers.affine-col-weight"),
        assumptions=_MLP_ASSUMPTIONS,
        sources=(f"{GBC}, section 6.5", f"{BISHOP}, section 5.3"),
        keywords=("output layer weight gradient", "(y - t) a^T", *_MLP_KEYWORDS),
    )
)

register(
    Identity(
        id="layers.mlp-b2",
        title="Two-layer perceptron: gradient with respect to the output bias",
        formula=_MLP_FORMULA + r"\nabla_{b_2} L = y - t",
        wrt="b2",
        kind="gradient",
        value=mlp_squared_error,
        derivative=grad_mlp_b2,
        symbolic=_sp_mlp_grad("b2"),
        derivation=_MLP_DERIVATION
        + r"""
Varying $b_2$ alone, $dL = r^\top db_2$, so $\nabla_{b_2} L = r = y - t$, the output error.
Its derivative with respect to $b_2$ is the identity matrix.
""",
        hessian=hess_mlp_b2,
        hessian_formula=r"\nabla^2_{b_2} L = I_k",
        mistakes=(
            Mistake(
                r"t - y",
                lambda W1, b1, W2, b2, x, t: t - (W2 @ np.tanh(W1 @ x + b1) + b2),
                "the sign of the residual flipped (that is the descent direction, not the "
                "gradient)",
            ),
        ),
        conventions={"numerator": r"(y - t)^\top"},
        related=("layers.mlp-w2", "layers.mlp-b1", "norms.half-squared"),
        assumptions=_MLP_ASSUMPTIONS,
        sources=(f"{GBC}, section 6.5", f"{BISHOP}, section 5.3"),
        keywords=("output bias gradient", "y - t", "output error", *_MLP_KEYWORDS),
    )
)

register(
    Identity(
        id="layers.mlp-w1",
        title="Two-layer perceptron: gradient with respect to the hidden weights",
        formula=_MLP_FORMULA + r"\nabla_{W_1} L = \delta_1 x^\top",
        wrt="W1",
        kind="gradient",
        value=mlp_squared_error,
        derivative=grad_mlp_w1,
        symbolic=_sp_mlp_grad("W1"),
        derivation=_MLP_DERIVATION
        + r"""
Varying $W_1$ alone, $dL = r^\top W_2 \bigl((1 - a^{\odot 2}) \odot dW_1 x\bigr)
= \bigl((1 - a^{\odot 2}) \odot W_2^\top r\bigr)^\top dW_1\, x = \langle \delta_1 x^\top, dW_1\rangle$,
moving the entrywise factor across the inner product. The error $r$ is sent back through
$W_2^\top$ and masked by $\tanh'(u) = 1 - a^{\odot 2}$: that is backpropagation.
""",
        mistakes=(
            Mistake(
                r"\bigl(W_2^\top (y - t)\bigr) x^\top",
                lambda W1, b1, W2, b2, x, t: np.outer(
                    W2.T @ (W2 @ np.tanh(W1 @ x + b1) + b2 - t), x
                ),
                "forgets the derivative of tanh on the way back",
            ),
            Mistake(
                r"x \delta_1^\top",
                lambda W1, b1, W2, b2, x, t: np.outer(x, _mlp_delta1(W1, b1, W2, b2, x, t)[0]),
                "the numerator-layout transpose (d x h)",
            ),
        ),
        conventions={"numerator": r"x \delta_1^\top"},
        related=("layers.mlp-b1", "layers.mlp-w2", "activations.tanh"),
        assumptions=_MLP_ASSUMPTIONS,
        sources=(f"{GBC}, section 6.5", f"{BISHOP}, section 5.3"),
        keywords=(
            "hidden layer weight gradient",
            "delta x^T",
            "error backpropagation",
            *_MLP_KEYWORDS,
        ),
    )
)

register(
    Identity(
        id="layers.mlp-b1",
        title="Two-layer perceptron: gradient with respect to the hidden bias",
        formula=_MLP_FORMULA + r"\nabla_{b_1} L = \delta_1",
        wrt="b1",
        kind="gradient",
        value=mlp_squared_error,
        derivative=grad_mlp_b1,
        symbolic=_sp_mlp_grad("b1"),
        derivation=_MLP_DERIVATION
        + r"""
Varying $b_1$ alone, $dL = r^\top W_2 \bigl((1 - a^{\odot 2}) \odot db_1\bigr)
= \langle (1 - a^{\odot 2}) \odot W_2^\top r, db_1\rangle$, so $\nabla_{b_1} L = \delta_1$,
the hidden error; the weight gradient is $\delta_1 x^\top$.
""",
        mistakes=(
            Mistake(
                r"(1 - a) \odot a \odot W_2^\top (y - t)",
                lambda W1, b1, W2, b2, x, t: (lambda a: (1 - a) * a * (W2.T @ (W2 @ a + b2 - t)))(
                    np.tanh(W1 @ x + b1)
                ),
                "uses the sigmoid's derivative a (1 - a) for tanh",
            ),
            Mistake(
                r"W_2^\top (y - t)",
                lambda W1, b1, W2, b2, x, t: W2.T @ (W2 @ np.tanh(W1 @ x + b1) + b2 - t),
                "forgets the derivative of tanh on the way back",
            ),
        ),
        conventions={"numerator": r"\delta_1^\top"},
        related=("layers.mlp-w1", "layers.mlp-b2", "activations.tanh"),
        assumptions=_MLP_ASSUMPTIONS,
        sources=(f"{GBC}, section 6.5", f"{BISHOP}, section 5.3"),
        keywords=("hidden bias gradient", "delta", "hidden error", *_MLP_KEYWORDS),
    )
)


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
    "perceptron",
    "Two-layer perceptron",
    ("layers.mlp-w2", "layers.mlp-b2", "layers.mlp-w1", "layers.mlp-b1"),
)
