"""Layers: backpropagation through one layer, given the upstream gradient.

A layer maps its inputs and parameters to an output ``Y``; backpropagation receives the
upstream gradient ``Ybar = dL/dY`` (same shape as ``Y``) and returns the adjoint of each
input and parameter. Each adjoint is a vector-Jacobian product (``kind="vjp"``): the
gradient of ``<Ybar, layer(...)>`` with respect to that variable, so ``<Ybar, dY> = <Xbar, dX>``
for every direction ``dX``. The two-layer network with its squared-error loss is given as
ordinary gradients of a scalar.
"""

import math

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.softmax import _softmax
from gradref.shapes import Arr, shaped, shaped_like

GBC = "Goodfellow, Bengio & Courville, *Deep Learning* (2016)"
BISHOP = "Bishop, *Pattern Recognition and Machine Learning* (2006)"
GILES = (
    "Giles, *Collected Matrix Derivative Results for Forward and Reverse Mode Algorithmic "
    "Differentiation* (2008)"
)
BA = "Ba, Kiros & Hinton, *Layer Normalization* (2016)"
IOFFE = (
    "Ioffe & Szegedy, *Batch Normalization: Accelerating Deep Network Training by Reducing "
    "Internal Covariate Shift* (2015)"
)
VASWANI = "Vaswani et al., *Attention Is All You Need* (2017)"
NAIR_HINTON = "Nair & Hinton, *Rectified Linear Units Improve Restricted Boltzmann Machines* (2010)"

_ADJOINT = (
    r"\ \text{(the transpose of the adjoint: numerator layout arranges } "
    r"\partial L / \partial(\cdot) \text{ so)}"
)


# -- sympy helpers --------------------------------------------------------------------------


def _sp_ones(n):
    import sympy as sp

    return sp.ones(n, 1)


def _sp_tanh(M):
    import sympy as sp

    return M.applyfunc(sp.tanh)


def _sp_softmax_rows(S):
    import sympy as sp

    rows = []
    for i in range(S.rows):
        e = S[i, :].applyfunc(sp.exp)
        rows.append(e / sum(e))
    return sp.Matrix.vstack(*rows)


# ===========================================================================================
# Affine layer, row-major batch layout: Y = X W^T + 1 b^T (torch's nn.Linear)
# ===========================================================================================


@shaped
def affine_rows(X: Arr["n d"], W: Arr["m d"], b: Arr["m"]):
    """An affine layer on a batch of row vectors, ``Y = X W^T + 1 b^T`` (torch's layout).

    >>> affine_rows(np.ones((2, 3)), np.ones((1, 3)), np.array([1.0]))
    array([[4.],
           [4.]])
    """
    return X @ W.T + b


@shaped
def adjoint_affine_rows_weight(X: Arr["n d"], W: Arr["m d"], b: Arr["m"], Ybar: Arr["n m"]):
    """``Wbar = Ybar^T X``."""
    return Ybar.T @ X


@shaped
def adjoint_affine_rows_bias(X: Arr["n d"], W: Arr["m d"], b: Arr["m"], Ybar: Arr["n m"]):
    """``bbar = Ybar^T 1``: the upstream gradient summed over the batch."""
    return Ybar.sum(axis=0)


@shaped
def adjoint_affine_rows_input(X: Arr["n d"], W: Arr["m d"], b: Arr["m"], Ybar: Arr["n m"]):
    """``Xbar = Ybar W``."""
    return Ybar @ W


def _sp_affine_rows(X, W, b):
    return X * W.T + _sp_ones(X.rows) * b.T


_ROWS_ASSUMPTIONS = (
    "none (the layer is affine); X holds one example per row, W is stored as torch stores "
    "it (output x input); batch size n, input size d and output size m may all differ"
)
_ROWS_KEYWORDS = ("linear layer", "nn.Linear", "fully connected layer", "dense layer")

register(
    Identity(
        id="layers.affine-weight",
        title="Affine layer (row-major batch): adjoint of the weight",
        formula=r"Y = X W^\top + \mathbf{1} b^\top:\quad \bar W = \bar Y^\top X",
        wrt="W",
        kind="vjp",
        cotangent="Ybar",
        value=affine_rows,
        derivative=adjoint_affine_rows_weight,
        symbolic=lambda X, W, b, Ybar: (_sp_affine_rows(X, W, b), Ybar.T * X),
        derivation=r"""
Holding $X$ and $b$ fixed, $dY = X\, dW^\top$, so
$\langle \bar Y, dY\rangle = \operatorname{tr}(\bar Y^\top X\, dW^\top)
= \operatorname{tr}(dW\, X^\top \bar Y) = \langle \bar Y^\top X, dW\rangle$.
Hence $\bar W = \bar Y^\top X$, an $m \times d$ matrix like $W$: the sum over the batch of
the outer products $\bar y_i x_i^\top$ of each example's output gradient and input.
""",
        mistakes=(
            Mistake(
                r"X^\top \bar Y",
                lambda X, W, b, Ybar: X.T @ Ybar,
                "the transpose (d x m): the weight gradient of the layout Y = X W, not of "
                "torch's Y = X W^T",
            ),
            Mistake(
                r"\tfrac{1}{n} \bar Y^\top X",
                lambda X, W, b, Ybar: Ybar.T @ X / X.shape[0],
                "averages over the batch: the mean belongs in the loss, and is already in "
                "Ybar if the loss is a mean",
            ),
        ),
        conventions={"numerator": r"X^\top \bar Y\ \text{(the } d \times m \text{ transpose)}"},
        related=("layers.affine-bias", "layers.affine-input", "layers.affine-col-weight"),
        assumptions=_ROWS_ASSUMPTIONS,
        sources=(GILES, f"{GBC}, section 6.5"),
        keywords=(
            "linear layer weight gradient",
            "dW",
            "Ybar^T X",
            "grad_output.T @ input",
            *_ROWS_KEYWORDS,
            "backpropagation",
        ),
    )
)

register(
    Identity(
        id="layers.affine-bias",
        title="Affine layer (row-major batch): adjoint of the bias",
        formula=r"Y = X W^\top + \mathbf{1} b^\top:\quad \bar b = \bar Y^\top \mathbf{1}"
        r" = \textstyle\sum_{i=1}^{n} \bar y_i",
        wrt="b",
        kind="vjp",
        cotangent="Ybar",
        value=affine_rows,
        derivative=adjoint_affine_rows_bias,
        symbolic=lambda X, W, b, Ybar: (_sp_affine_rows(X, W, b), Ybar.T * _sp_ones(X.rows)),
        derivation=r"""
The bias is broadcast to every row: $dY = \mathbf{1}\, db^\top$, so
$\langle \bar Y, dY\rangle = \mathbf{1}^\top \bar Y\, db = \langle \bar Y^\top \mathbf{1}, db\rangle$.
Hence $\bar b = \bar Y^\top \mathbf{1}$, the column sums of $\bar Y$: a parameter shared by
every example collects the gradient of every example.
""",
        mistakes=(
            Mistake(
                r"\bar Y",
                lambda X, W, b, Ybar: Ybar,
                "forgets the batch sum: the n x m upstream gradient does not have the shape of b",
            ),
            Mistake(
                r"\tfrac{1}{n} \bar Y^\top \mathbf{1}",
                lambda X, W, b, Ybar: Ybar.mean(axis=0),
                "averages over the batch instead of summing",
            ),
        ),
        conventions={"numerator": r"\mathbf{1}^\top \bar Y\ \text{(a row)}"},
        related=("layers.affine-weight", "layers.affine-input", "layers.affine-col-bias"),
        assumptions=_ROWS_ASSUMPTIONS,
        sources=(GILES, f"{GBC}, section 6.5"),
        keywords=(
            "bias gradient",
            "db",
            "sum over the batch",
            "grad_output.sum(0)",
            *_ROWS_KEYWORDS,
            "broadcast",
        ),
    )
)

register(
    Identity(
        id="layers.affine-input",
        title="Affine layer (row-major batch): adjoint of the input",
        formula=r"Y = X W^\top + \mathbf{1} b^\top:\quad \bar X = \bar Y W",
        wrt="X",
        kind="vjp",
        cotangent="Ybar",
        value=affine_rows,
        derivative=adjoint_affine_rows_input,
        symbolic=lambda X, W, b, Ybar: (_sp_affine_rows(X, W, b), Ybar * W),
        derivation=r"""
Holding $W$ and $b$ fixed, $dY = dX\, W^\top$, so
$\langle \bar Y, dY\rangle = \operatorname{tr}(\bar Y^\top dX\, W^\top)
= \operatorname{tr}(W^\top \bar Y^\top dX) = \langle \bar Y W, dX\rangle$.
Hence $\bar X = \bar Y W$ ($n \times d$), which is passed on to the layer below.
""",
        mistakes=(
            Mistake(
                r"W^\top \bar Y^\top",
                lambda X, W, b, Ybar: W.T @ Ybar.T,
                "the column-major adjoint W^T Zbar applied to the row-major layout: d x n, "
                "the transpose of Xbar",
            ),
        ),
        conventions={
            "numerator": r"W^\top \bar Y^\top\ \text{(the } d \times n \text{ transpose)}"
        },
        related=("layers.affine-weight", "layers.affine-bias", "layers.affine-col-input"),
        assumptions=_ROWS_ASSUMPTIONS,
        sources=(GILES, f"{GBC}, section 6.5"),
        keywords=(
            "input gradient",
            "dX",
            "Ybar W",
            "grad_output @ weight",
            *_ROWS_KEYWORDS,
            "backpropagation",
        ),
    )
)


# ===========================================================================================
# Affine layer, column-major layout: Z = W H + b 1^T (one example per column)
# ===========================================================================================


@shaped
def affine_columns(W: Arr["m d"], H: Arr["d n"], b: Arr["m"]):
    """An affine layer on a batch of column vectors, ``Z = W H + b 1^T``.

    >>> affine_columns(np.ones((1, 3)), np.ones((3, 2)), np.array([1.0]))
    array([[4., 4.]])
    """
    return W @ H + b[:, None]


@shaped
def adjoint_affine_columns_weight(W: Arr["m d"], H: Arr["d n"], b: Arr["m"], Zbar: Arr["m n"]):
    """``Wbar = Zbar H^T``."""
    return Zbar @ H.T


@shaped
def adjoint_affine_columns_bias(W: Arr["m d"], H: Arr["d n"], b: Arr["m"], Zbar: Arr["m n"]):
    """``bbar = Zbar 1``: the upstream gradient summed over the columns (the batch)."""
    return Zbar.sum(axis=1)


@shaped
def adjoint_affine_columns_input(W: Arr["m d"], H: Arr["d n"], b: Arr["m"], Zbar: Arr["m n"]):
    """``Hbar = W^T Zbar``."""
    return W.T @ Zbar


def _sp_affine_columns(W, H, b):
    return W * H + b * _sp_ones(H.cols).T


_COLUMNS_ASSUMPTIONS = (
    "none (the layer is affine); H holds one example per column (the layout of most "
    "textbooks); output size m, input size d and batch size n may all differ"
)
_COLUMNS_KEYWORDS = ("column-major layer", "Z = WH + b", "fully connected layer", "dense layer")

register(
    Identity(
        id="layers.affine-col-weight",
        title="Affine layer (column-major batch): adjoint of the weight",
        formula=r"Z = W H + b \mathbf{1}^\top:\quad \bar W = \bar Z H^\top",
        wrt="W",
        kind="vjp",
        cotangent="Zbar",
        value=affine_columns,
        derivative=adjoint_affine_columns_weight,
        symbolic=lambda W, H, b, Zbar: (_sp_affine_columns(W, H, b), Zbar * H.T),
        derivation=r"""
Holding $H$ and $b$ fixed, $dZ = dW\, H$, so
$\langle \bar Z, dZ\rangle = \operatorname{tr}(\bar Z^\top dW\, H)
= \operatorname{tr}(H \bar Z^\top dW) = \langle \bar Z H^\top, dW\rangle$.
Hence $\bar W = \bar Z H^\top$ ($m \times d$), the sum over the columns of
$\bar z_j h_j^\top$; it is the transpose image of the row-major $\bar Y^\top X$.
""",
        mistakes=(
            Mistake(
                r"H \bar Z^\top",
                lambda W, H, b, Zbar: H @ Zbar.T,
                "the transpose (d x m), as in numerator layout",
            ),
            Mistake(
                r"\tfrac{1}{n} \bar Z H^\top",
                lambda W, H, b, Zbar: Zbar @ H.T / H.shape[1],
                "averages over the batch: the mean belongs in the loss, and is already in "
                "Zbar if the loss is a mean",
            ),
        ),
        conventions={"numerator": r"H \bar Z^\top\ \text{(the } d \times m \text{ transpose)}"},
        related=("layers.affine-col-bias", "layers.affine-col-input", "layers.affine-weight"),
        assumptions=_COLUMNS_ASSUMPTIONS,
        sources=(GILES, f"{GBC}, section 6.5"),
        keywords=(
            "weight gradient",
            "dW",
            "Zbar H^T",
            "delta a^T",
            *_COLUMNS_KEYWORDS,
            "backpropagation",
        ),
    )
)

register(
    Identity(
        id="layers.affine-col-bias",
        title="Affine layer (column-major batch): adjoint of the bias",
        formula=r"Z = W H + b \mathbf{1}^\top:\quad \bar b = \bar Z \mathbf{1}",
        wrt="b",
        kind="vjp",
        cotangent="Zbar",
        value=affine_columns,
        derivative=adjoint_affine_columns_bias,
        symbolic=lambda W, H, b, Zbar: (_sp_affine_columns(W, H, b), Zbar * _sp_ones(H.cols)),
        derivation=r"""
The bias is broadcast to every column: $dZ = db\, \mathbf{1}^\top$, so
$\langle \bar Z, dZ\rangle = \operatorname{tr}(\bar Z^\top db\, \mathbf{1}^\top)
= \mathbf{1}^\top \bar Z^\top db = \langle \bar Z \mathbf{1}, db\rangle$.
Hence $\bar b = \bar Z \mathbf{1}$, the row sums of $\bar Z$ (the sum over the batch).
""",
        mistakes=(
            Mistake(
                r"\bar Z^\top \mathbf{1}",
                lambda W, H, b, Zbar: Zbar.sum(axis=0),
                "sums over the wrong axis (the outputs, not the batch): a vector of length n",
            ),
            Mistake(
                r"\tfrac{1}{n} \bar Z \mathbf{1}",
                lambda W, H, b, Zbar: Zbar.mean(axis=1),
                "averages over the batch instead of summing",
            ),
        ),
        conventions={"numerator": r"\mathbf{1}^\top \bar Z^\top\ \text{(a row)}"},
        related=("layers.affine-col-weight", "layers.affine-col-input", "layers.affine-bias"),
        assumptions=_COLUMNS_ASSUMPTIONS,
        sources=(GILES, f"{GBC}, section 6.5"),
        keywords=("bias gradient", "db", "Zbar 1", "sum over the batch", *_COLUMNS_KEYWORDS),
    )
)

register(
    Identity(
        id="layers.affine-col-input",
        title="Affine layer (column-major batch): adjoint of the input",
        formula=r"Z = W H + b \mathbf{1}^\top:\quad \bar H = W^\top \bar Z",
        wrt="H",
        kind="vjp",
        cotangent="Zbar",
        value=affine_columns,
        derivative=adjoint_affine_columns_input,
        symbolic=lambda W, H, b, Zbar: (_sp_affine_columns(W, H, b), W.T * Zbar),
        derivation=r"""
Holding $W$ and $b$ fixed, $dZ = W\, dH$, so
$\langle \bar Z, dZ\rangle = \operatorname{tr}(\bar Z^\top W\, dH) = \langle W^\top \bar Z, dH\rangle$.
Hence $\bar H = W^\top \bar Z$ ($d \times n$): the error signal travels back through the
transposed weights, $\delta^{(l-1)} = W^\top \delta^{(l)}$ before the activation's mask.
""",
        mistakes=(
            Mistake(
                r"\bar Z^\top W",
                lambda W, H, b, Zbar: Zbar.T @ W,
                "the row-major adjoint Ybar W carried over: n x d, the transpose of Hbar",
            ),
        ),
        conventions={"numerator": r"\bar Z^\top W\ \text{(the } n \times d \text{ transpose)}"},
        related=("layers.affine-col-weight", "layers.affine-col-bias", "layers.affine-input"),
        assumptions=_COLUMNS_ASSUMPTIONS,
        sources=(GILES, f"{GBC}, section 6.5"),
        keywords=("input gradient", "W^T Zbar", "W^T delta", "dH", *_COLUMNS_KEYWORDS),
    )
)


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


# ===========================================================================================
# Layer normalisation (statistics over the features of each row)
# ===========================================================================================


def _normalise(X, eps, axis):
    """``(Xhat, sigma)``: X centred and scaled along ``axis`` (biased variance), and sigma."""
    centred = X - X.mean(axis=axis, keepdims=True)
    sigma = np.sqrt((centred**2).mean(axis=axis, keepdims=True) + eps)
    return centred / sigma, sigma


def _check_eps(eps):
    if not np.real(eps) > 0:
        raise ValueError(f"`eps` must be positive; got {np.real(eps).item()!r}")


@shaped
def layer_norm(X: Arr["n d"], gamma: Arr["d"], beta: Arr["d"], eps: Arr[""]):
    """Layer normalisation of each row of X over its d features, then ``* gamma + beta``.

    >>> layer_norm(np.array([[1.0, 3.0]]), np.ones(2), np.zeros(2), 1e-12).round(6)
    array([[-1.,  1.]])
    """
    _check_eps(eps)
    Xhat, _ = _normalise(X, eps, axis=1)
    return Xhat * gamma + beta


def _normalisation_input_adjoint(X, gamma, eps, Ybar, axis):
    """``(ghat - mean(ghat) - Xhat * mean(ghat * Xhat)) / sigma`` along ``axis``."""
    Xhat, sigma = _normalise(X, eps, axis)
    ghat = Ybar * gamma
    return (
        ghat
        - ghat.mean(axis=axis, keepdims=True)
        - Xhat * (ghat * Xhat).mean(axis=axis, keepdims=True)
    ) / sigma


@shaped
def adjoint_layer_norm_input(
    X: Arr["n d"],
    gamma: Arr["d"],
    beta: Arr["d"],
    eps: Arr[""],
    Ybar: Arr["n d"],
):
    """``Xbar = (g - mean(g) - Xhat * mean(g * Xhat)) / sigma`` per row, ``g = Ybar * gamma``."""
    return _normalisation_input_adjoint(X, gamma, eps, Ybar, axis=1)


@shaped
def adjoint_layer_norm_gamma(
    X: Arr["n d"],
    gamma: Arr["d"],
    beta: Arr["d"],
    eps: Arr[""],
    Ybar: Arr["n d"],
):
    """``gammabar = sum over rows of Ybar * Xhat``."""
    Xhat, _ = _normalise(X, eps, axis=1)
    return (Ybar * Xhat).sum(axis=0)


@shaped
def adjoint_layer_norm_beta(
    X: Arr["n d"],
    gamma: Arr["d"],
    beta: Arr["d"],
    eps: Arr[""],
    Ybar: Arr["n d"],
):
    """``betabar = sum over rows of Ybar``."""
    return Ybar.sum(axis=0)


def _sample_layer_norm(rng, n):
    # d = n + 1 >= 2 features per row (one feature normalises to 0); eps in [0.05, 0.5],
    # large enough that dropping it is detected
    d = n + 1
    return {
        "X": rng.standard_normal((n, d)),
        "gamma": rng.standard_normal(d),
        "beta": rng.standard_normal(d),
        "eps": float(rng.uniform(0.05, 0.5)),
        "Ybar": rng.standard_normal((n, d)),
    }


def _sample_batch_norm(rng, n):
    # a batch of n + 1 >= 2 examples (statistics of one example are degenerate), d = n features
    N = n + 1
    return {
        "X": rng.standard_normal((N, n)),
        "gamma": rng.standard_normal(n),
        "beta": rng.standard_normal(n),
        "eps": float(rng.uniform(0.05, 0.5)),
        "Ybar": rng.standard_normal((N, n)),
    }


def _sp_normalise_rows(X, eps):
    """Row-wise (Xhat, [sigma_i]) of a sympy matrix: biased variance over each row."""
    import sympy as sp

    rows, sigmas = [], []
    for i in range(X.rows):
        row = X[i, :]
        centred = row - sp.ones(1, X.cols) * (sum(row) / X.cols)
        sigma = sp.sqrt(sum(c**2 for c in centred) / X.cols + eps)
        rows.append(centred / sigma)
        sigmas.append(sigma)
    return sp.Matrix.vstack(*rows), sigmas


def _sp_norm_layer(X, gamma, beta, eps, axis):
    """(Y, Xhat, sigmas) for layer (axis=1) or batch (axis=0) normalisation, in sympy."""
    if axis == 1:
        Xhat, sigmas = _sp_normalise_rows(X, eps)
    else:
        XhatT, sigmas = _sp_normalise_rows(X.T, eps)
        Xhat = XhatT.T
    Y = X.copy()
    for i in range(X.rows):
        for j in range(X.cols):
            Y[i, j] = Xhat[i, j] * gamma[j] + beta[j]
    return Y, Xhat, sigmas


def _sp_norm_input_adjoint(X, gamma, eps, Ybar, axis):
    import sympy as sp

    _, Xhat, sigmas = _sp_norm_layer(X, gamma, sp.zeros(X.cols, 1), eps, axis)
    G = X.copy()
    for i in range(X.rows):
        for j in range(X.cols):
            G[i, j] = Ybar[i, j] * gamma[j]
    out = X.copy()
    for i in range(X.rows):
        for j in range(X.cols):
            if axis == 1:
                group = [(i, c) for c in range(X.cols)]
                sigma = sigmas[i]
            else:
                group = [(r, j) for r in range(X.rows)]
                sigma = sigmas[j]
            size = len(group)
            mean_g = sum(G[p] for p in group) / size
            mean_gx = sum(G[p] * Xhat[p] for p in group) / size
            out[i, j] = (G[i, j] - mean_g - Xhat[i, j] * mean_gx) / sigma
    return out


def _sp_norm_adjoint(which, axis):
    import sympy as sp

    def build(X, gamma, beta, eps, Ybar):
        Y, Xhat, _ = _sp_norm_layer(X, gamma, beta, eps, axis)
        if which == "X":
            return Y, _sp_norm_input_adjoint(X, gamma, eps, Ybar, axis)
        if which == "gamma":
            return Y, sp.Matrix(
                [sum(Ybar[i, j] * Xhat[i, j] for i in range(X.rows)) for j in range(X.cols)]
            )
        return Y, sp.Matrix([sum(Ybar[i, j] for i in range(X.rows)) for j in range(X.cols)])

    return build


_LN_FORMULA = (
    r"Y = \hat X \operatorname{diag}(\gamma) + \mathbf{1}\beta^\top,\ "
    r"\hat x_i = \frac{x_i - \mu_i \mathbf{1}}{\sigma_i},\ "
    r"\sigma_i = \sqrt{\tfrac1d \lVert x_i - \mu_i \mathbf{1} \rVert^2 + \epsilon}:\quad "
)
#: The row means, the row deviations and the normalised rows, as arrays.
_LN_WHERE = (
    r"\mu = \tfrac1d X \mathbf{1}",
    r"\sigma = \sqrt{\tfrac1d (X - \mu \mathbf{1}^\top)^{\odot 2} \mathbf{1} + \epsilon}",
    r"\hat X = \operatorname{diag}(\sigma)^{-1} (X - \mu \mathbf{1}^\top)",
)
_LN_ASSUMPTIONS = (
    "eps > 0 (so sigma_i > 0 even for a constant row); each row x_i (one example) is "
    "normalised over its d >= 2 features with its mean mu_i and biased variance (divisor d); "
    "batch size n and feature size d may differ"
)
_LN_KEYWORDS = ("layer normalization", "layer norm", "LayerNorm", "layernorm backward")
_LN_DERIVATION = r"""
For one row ($\mu$, $\sigma$ its statistics), $d\hat x = \frac{1}{\sigma}\bigl(dx -
\mathbf{1}\,\tfrac1d \mathbf{1}^\top dx - \hat x\, \tfrac1d \hat x^\top dx\bigr)$, because
$d\mu = \tfrac1d \mathbf{1}^\top dx$ and, from $\sigma^2 = \tfrac1d \lVert x - \mu\mathbf{1}\rVert^2 +
\epsilon$, $d\sigma = (x - \mu\mathbf{1})^\top dx \,/\, (d \cdot \sigma)$ (the term in $d\mu$
drops, as $\mathbf{1}^\top(x - \mu\mathbf{1}) = 0$); then $\hat x = (x - \mu\mathbf{1})/\sigma$
gives $d\hat x = (dx - \mathbf{1}\, d\mu)/\sigma - \hat x\, d\sigma / \sigma$.
"""

register(
    Identity(
        id="layers.layernorm-input",
        title="Layer normalisation: adjoint of the input",
        formula=_LN_FORMULA
        + r"\bar x_i = \frac{1}{\sigma_i}\Bigl(g_i - \tfrac1d (\mathbf{1}^\top g_i) \mathbf{1} "
        r"- \tfrac1d (\hat x_i^\top g_i)\, \hat x_i\Bigr),\ g_i = \gamma \odot \bar y_i",
        where=_LN_WHERE,
        wrt="X",
        kind="vjp",
        cotangent="Ybar",
        value=layer_norm,
        derivative=adjoint_layer_norm_input,
        sample=_sample_layer_norm,
        symbolic=_sp_norm_adjoint("X", axis=1),
        derivation=_LN_DERIVATION
        + r"""
With $g = \gamma \odot \bar y$, $\langle \bar y, dy\rangle = \langle g, d\hat x\rangle
= \frac1\sigma \bigl\langle g - \tfrac1d (\mathbf{1}^\top g) \mathbf{1} -
\tfrac1d (\hat x^\top g)\, \hat x, dx\bigr\rangle$, as the matrix
$I - \tfrac1d \mathbf{1}\mathbf{1}^\top - \tfrac1d \hat x \hat x^\top$ is symmetric; this is $\bar x$.
A shift of the row changes nothing, and accordingly $\mathbf{1}^\top \bar x = 0$; when
$\epsilon = 0$ the matrix is the projection that also removes $\hat x$ (a rescaling of the
row changes nothing either).
""",
        mistakes=(
            Mistake(
                r"\frac{1}{\sigma_i} \gamma \odot \bar y_i",
                lambda X, gamma, beta, eps, Ybar: Ybar * gamma / _normalise(X, eps, 1)[1],
                "treats the mean and the variance as constants: misses the gradient through "
                "the statistics",
            ),
            Mistake(
                r"\frac{1}{\sigma_i}\bigl(g_i - \tfrac1d (\mathbf{1}^\top g_i) \mathbf{1}\bigr)",
                lambda X, gamma, beta, eps, Ybar: (
                    lambda G: (G - G.mean(axis=1, keepdims=True)) / _normalise(X, eps, 1)[1]
                )(Ybar * gamma),
                "differentiates through the mean but forgets the variance",
            ),
        ),
        conventions={"numerator": r"\bar X^\top" + _ADJOINT},
        related=("layers.layernorm-gamma", "layers.layernorm-beta", "layers.batchnorm-input"),
        assumptions=_LN_ASSUMPTIONS,
        sources=(BA,),
        keywords=("layer normalization gradient", "dx of layer norm", *_LN_KEYWORDS),
    )
)

register(
    Identity(
        id="layers.layernorm-gamma",
        title="Layer normalisation: adjoint of the gain",
        formula=_LN_FORMULA + r"\bar\gamma = \textstyle\sum_{i=1}^{n} \bar y_i \odot \hat x_i",
        where=_LN_WHERE,
        wrt="gamma",
        kind="vjp",
        cotangent="Ybar",
        value=layer_norm,
        derivative=adjoint_layer_norm_gamma,
        sample=_sample_layer_norm,
        symbolic=_sp_norm_adjoint("gamma", axis=1),
        derivation=r"""
Varying $\gamma$ alone, $dY_{ij} = \hat X_{ij}\, d\gamma_j$, so
$\langle \bar Y, dY\rangle = \sum_j \bigl(\sum_i \bar Y_{ij} \hat X_{ij}\bigr) d\gamma_j$:
$\bar\gamma$ is the column sum of $\bar Y \odot \hat X$, the gain being shared by every row.
""",
        mistakes=(
            Mistake(
                r"\textstyle\sum_i \bar y_i \odot x_i",
                lambda X, gamma, beta, eps, Ybar: (Ybar * X).sum(axis=0),
                "multiplies by the raw input instead of the normalised one",
            ),
            Mistake(
                r"\bar Y \odot \hat X",
                lambda X, gamma, beta, eps, Ybar: Ybar * _normalise(X, eps, 1)[0],
                "forgets the sum over the batch (the shape is n x d, not d)",
            ),
        ),
        conventions={"numerator": r"\bar\gamma^\top" + _ADJOINT},
        related=("layers.layernorm-input", "layers.layernorm-beta", "layers.batchnorm-gamma"),
        assumptions=_LN_ASSUMPTIONS,
        sources=(BA,),
        keywords=("layer norm gain gradient", "gamma gradient", "dgamma", *_LN_KEYWORDS),
    )
)

register(
    Identity(
        id="layers.layernorm-beta",
        title="Layer normalisation: adjoint of the bias",
        formula=_LN_FORMULA + r"\bar\beta = \textstyle\sum_{i=1}^{n} \bar y_i",
        where=_LN_WHERE,
        wrt="beta",
        kind="vjp",
        cotangent="Ybar",
        value=layer_norm,
        derivative=adjoint_layer_norm_beta,
        sample=_sample_layer_norm,
        symbolic=_sp_norm_adjoint("beta", axis=1),
        derivation=r"""
Varying $\beta$ alone, $dY = \mathbf{1}\, d\beta^\top$, so
$\langle \bar Y, dY\rangle = \langle \bar Y^\top \mathbf{1}, d\beta\rangle$: $\bar\beta$ is the
sum of the rows of $\bar Y$, as for any bias broadcast over the batch.
""",
        mistakes=(
            Mistake(
                r"\bar Y \mathbf{1}",
                lambda X, gamma, beta, eps, Ybar: Ybar.sum(axis=1),
                "sums over the features (the normalisation axis) instead of the batch",
            ),
            Mistake(
                r"\textstyle\sum_i \gamma \odot \bar y_i",
                lambda X, gamma, beta, eps, Ybar: (Ybar * gamma).sum(axis=0),
                "multiplies by the gain, which scales Xhat, not beta",
            ),
        ),
        conventions={"numerator": r"\mathbf{1}^\top \bar Y" + _ADJOINT},
        related=("layers.layernorm-gamma", "layers.layernorm-input", "layers.affine-bias"),
        assumptions=_LN_ASSUMPTIONS,
        sources=(BA,),
        keywords=("layer norm bias gradient", "beta gradient", "dbeta", *_LN_KEYWORDS),
    )
)


# ===========================================================================================
# Batch normalisation in training mode (statistics over the batch, per feature)
# ===========================================================================================


@shaped
def batch_norm(X: Arr["n d"], gamma: Arr["d"], beta: Arr["d"], eps: Arr[""]):
    """Batch normalisation (training mode) of each column of X over the batch, ``* gamma + beta``.

    >>> batch_norm(np.array([[1.0], [3.0]]), np.ones(1), np.zeros(1), 1e-12).round(6)
    array([[-1.],
           [ 1.]])
    """
    _check_eps(eps)
    Xhat, _ = _normalise(X, eps, axis=0)
    return Xhat * gamma + beta


@shaped
def adjoint_batch_norm_input(
    X: Arr["n d"],
    gamma: Arr["d"],
    beta: Arr["d"],
    eps: Arr[""],
    Ybar: Arr["n d"],
):
    """``Xbar = (G - mean(G) - Xhat * mean(G * Xhat)) / sigma`` per column, ``G = Ybar * gamma``."""
    return _normalisation_input_adjoint(X, gamma, eps, Ybar, axis=0)


@shaped
def adjoint_batch_norm_gamma(
    X: Arr["n d"],
    gamma: Arr["d"],
    beta: Arr["d"],
    eps: Arr[""],
    Ybar: Arr["n d"],
):
    """``gammabar = sum over the batch of Ybar * Xhat``."""
    Xhat, _ = _normalise(X, eps, axis=0)
    return (Ybar * Xhat).sum(axis=0)


@shaped
def adjoint_batch_norm_beta(
    X: Arr["n d"],
    gamma: Arr["d"],
    beta: Arr["d"],
    eps: Arr[""],
    Ybar: Arr["n d"],
):
    """``betabar = sum over the batch of Ybar``."""
    return Ybar.sum(axis=0)


_BN_FORMULA = (
    r"Y = \hat X \operatorname{diag}(\gamma) + \mathbf{1}\beta^\top,\ "
    r"\hat X_{:j} = \frac{X_{:j} - \mu_j \mathbf{1}}{\sigma_j},\ "
    r"\sigma_j = \sqrt{\tfrac1n \lVert X_{:j} - \mu_j \mathbf{1} \rVert^2 + \epsilon}:\quad "
)
#: The column means, the column deviations and the normalised columns, as arrays.
_BN_WHERE = (
    r"\mu = \tfrac1n X^\top \mathbf{1}",
    r"\sigma = \sqrt{\tfrac1n \big((X - \mathbf{1} \mu^\top)^{\odot 2}\big)^\top \mathbf{1} + \epsilon}",
    r"\hat X = (X - \mathbf{1} \mu^\top) \operatorname{diag}(\sigma)^{-1}",
)
_BN_ASSUMPTIONS = (
    "eps > 0; training mode: each column (feature) is normalised with the mean mu_j and the "
    "biased variance (divisor n) of the current batch of n >= 2 examples, which depend on X "
    "(in inference mode the running statistics are constants and Xbar = Ybar diag(gamma / "
    "sigma)); batch size n and feature size d may differ"
)
_BN_KEYWORDS = ("batch normalization", "batch norm", "BatchNorm", "batchnorm backward")

register(
    Identity(
        id="layers.batchnorm-input",
        title="Batch normalisation (training mode): adjoint of the input",
        formula=_BN_FORMULA
        + r"\bar X_{:j} = \frac{1}{\sigma_j}\Bigl(G_{:j} - \tfrac1n (\mathbf{1}^\top G_{:j}) \mathbf{1} "
        r"- \tfrac1n (\hat X_{:j}^\top G_{:j})\, \hat X_{:j}\Bigr),\ "
        r"G = \bar Y \operatorname{diag}(\gamma)",
        where=_BN_WHERE,
        wrt="X",
        kind="vjp",
        cotangent="Ybar",
        value=batch_norm,
        derivative=adjoint_batch_norm_input,
        sample=_sample_batch_norm,
        symbolic=_sp_norm_adjoint("X", axis=0),
        derivation=r"""
It is layer normalisation transposed: each column $c = X_{:j}$ is normalised over the batch,
with $d\mu = \tfrac1n \mathbf{1}^\top dc$ and $d\sigma = (c - \mu\mathbf{1})^\top dc \,/\, (n\sigma)$,
so $d\hat c = \frac1\sigma\bigl(dc - \tfrac1n (\mathbf{1}^\top dc)\, \mathbf{1} -
\tfrac1n (\hat c^\top dc)\, \hat c\bigr)$. With $g = \gamma_j \bar Y_{:j}$ and the symmetry of
$I - \tfrac1n \mathbf{1}\mathbf{1}^\top - \tfrac1n \hat c \hat c^\top$,
$\langle g, d\hat c\rangle = \frac1\sigma \bigl\langle g - \tfrac1n (\mathbf{1}^\top g) \mathbf{1} -
\tfrac1n (\hat c^\top g)\, \hat c, dc\bigr\rangle$. Every example's adjoint depends on the whole batch, through the statistics.
""",
        mistakes=(
            Mistake(
                r"\bar Y \operatorname{diag}(\gamma / \sigma)",
                lambda X, gamma, beta, eps, Ybar: Ybar * gamma / _normalise(X, eps, 0)[1],
                "the inference-mode adjoint: treats the batch statistics as constants",
            ),
            Mistake(
                r"\text{the layer-norm formula (statistics over each row)}",
                lambda X, gamma, beta, eps, Ybar: _normalisation_input_adjoint(
                    X, gamma, eps, Ybar, axis=1
                ),
                "takes the statistics over the wrong axis (the features instead of the batch)",
            ),
        ),
        conventions={"numerator": r"\bar X^\top" + _ADJOINT},
        related=("layers.batchnorm-gamma", "layers.batchnorm-beta", "layers.layernorm-input"),
        assumptions=_BN_ASSUMPTIONS,
        sources=(IOFFE, f"{GBC}, section 8.7.1"),
        keywords=("batch normalization gradient", "dx of batch norm", *_BN_KEYWORDS),
    )
)

register(
    Identity(
        id="layers.batchnorm-gamma",
        title="Batch normalisation (training mode): adjoint of the gain",
        formula=_BN_FORMULA + r"\bar\gamma = (\bar Y \odot \hat X)^\top \mathbf{1}",
        where=_BN_WHERE,
        wrt="gamma",
        kind="vjp",
        cotangent="Ybar",
        value=batch_norm,
        derivative=adjoint_batch_norm_gamma,
        sample=_sample_batch_norm,
        symbolic=_sp_norm_adjoint("gamma", axis=0),
        derivation=r"""
Varying $\gamma$ alone, $dY_{ij} = \hat X_{ij}\, d\gamma_j$ (the statistics do not depend on
$\gamma$), so $\bar\gamma_j = \sum_i \bar Y_{ij} \hat X_{ij}$, a sum over the batch.
""",
        mistakes=(
            Mistake(
                r"(\bar Y \odot X)^\top \mathbf{1}",
                lambda X, gamma, beta, eps, Ybar: (Ybar * X).sum(axis=0),
                "multiplies by the raw input instead of the normalised one",
            ),
            Mistake(
                r"\tfrac1n (\bar Y \odot \hat X)^\top \mathbf{1}",
                lambda X, gamma, beta, eps, Ybar: (Ybar * _normalise(X, eps, 0)[0]).mean(axis=0),
                "averages over the batch, as the statistics do, instead of summing",
            ),
        ),
        conventions={"numerator": r"\bar\gamma^\top" + _ADJOINT},
        related=("layers.batchnorm-input", "layers.batchnorm-beta", "layers.layernorm-gamma"),
        assumptions=_BN_ASSUMPTIONS,
        sources=(IOFFE,),
        keywords=("batch norm gain gradient", "gamma gradient", "dgamma", *_BN_KEYWORDS),
    )
)

register(
    Identity(
        id="layers.batchnorm-beta",
        title="Batch normalisation (training mode): adjoint of the bias",
        formula=_BN_FORMULA + r"\bar\beta = \bar Y^\top \mathbf{1}",
        where=_BN_WHERE,
        wrt="beta",
        kind="vjp",
        cotangent="Ybar",
        value=batch_norm,
        derivative=adjoint_batch_norm_beta,
        sample=_sample_batch_norm,
        symbolic=_sp_norm_adjoint("beta", axis=0),
        derivation=r"""
Varying $\beta$ alone, $dY = \mathbf{1}\, d\beta^\top$, so $\bar\beta = \bar Y^\top \mathbf{1}$,
the sum over the batch of the upstream gradient.
""",
        mistakes=(
            Mistake(
                r"\bar Y \mathbf{1}",
                lambda X, gamma, beta, eps, Ybar: Ybar.sum(axis=1),
                "sums over the features instead of the batch (a vector of length n)",
            ),
            Mistake(
                r"\bar Y^\top \mathbf{1} / \sigma",
                lambda X, gamma, beta, eps, Ybar: Ybar.sum(axis=0) / _normalise(X, eps, 0)[1][0],
                "divides by sigma as if beta were added before the scaling",
            ),
        ),
        conventions={"numerator": r"\mathbf{1}^\top \bar Y" + _ADJOINT},
        related=("layers.batchnorm-gamma", "layers.batchnorm-input", "layers.layernorm-beta"),
        assumptions=_BN_ASSUMPTIONS,
        sources=(IOFFE,),
        keywords=("batch norm bias gradient", "beta gradient", "dbeta", *_BN_KEYWORDS),
    )
)


# ===========================================================================================
# Scaled dot-product attention: O = softmax(Q K^T / sqrt(d)) V
# ===========================================================================================


@shaped
def attention(Q: Arr["t d"], K: Arr["s d"], V: Arr["s e"]):
    """Scaled dot-product attention ``softmax(Q K^T / sqrt(d)) V``, the softmax along each row.

    >>> attention(np.zeros((1, 4)), np.zeros((2, 4)), np.array([[1.0], [3.0]]))
    array([[2.]])
    """
    return _softmax(Q @ K.T / math.sqrt(Q.shape[1])) @ V


def _attention_scores_adjoint(Q, K, V, Obar):
    """``(P, Sbar)``: the attention weights and ``Sbar = P * (Obar V^T - rowsum(P * Obar V^T))``."""
    P = _softmax(Q @ K.T / math.sqrt(Q.shape[1]))
    dP = Obar @ V.T
    return P, P * (dP - (P * dP).sum(axis=1, keepdims=True))


@shaped
def adjoint_attention_query(Q: Arr["t d"], K: Arr["s d"], V: Arr["s e"], Obar: Arr["t e"]):
    """``Qbar = Sbar K / sqrt(d)``."""
    _, Sbar = _attention_scores_adjoint(Q, K, V, Obar)
    return Sbar @ K / math.sqrt(Q.shape[1])


@shaped
def adjoint_attention_key(Q: Arr["t d"], K: Arr["s d"], V: Arr["s e"], Obar: Arr["t e"]):
    """``Kbar = Sbar^T Q / sqrt(d)``."""
    _, Sbar = _attention_scores_adjoint(Q, K, V, Obar)
    return Sbar.T @ Q / math.sqrt(Q.shape[1])


@shaped
def adjoint_attention_value(Q: Arr["t d"], K: Arr["s d"], V: Arr["s e"], Obar: Arr["t e"]):
    """``Vbar = P^T Obar``."""
    P, _ = _attention_scores_adjoint(Q, K, V, Obar)
    return P.T @ Obar


def _sp_attention(which):
    import sympy as sp

    def build(Q, K, V, Obar):
        root = sp.sqrt(Q.cols)
        P = _sp_softmax_rows(Q * K.T / root)
        dP = Obar * V.T
        rowsums = sp.Matrix([sum(P[i, j] * dP[i, j] for j in range(P.cols)) for i in range(P.rows)])
        Sbar = sp.Matrix(P.rows, P.cols, lambda i, j: P[i, j] * (dP[i, j] - rowsums[i]))
        claimed = {"Q": Sbar * K / root, "K": Sbar.T * Q / root, "V": P.T * Obar}[which]
        return P * V, claimed

    return build


#: Sizes (t queries, s keys, width d of queries and keys, width e of values) of the attention
#: samples: all distinct, t >= 2 (a wrong softmax axis shows), s >= 2 (a softmax over one
#: key is constant) and d = 4 (sqrt(d) = 2 is rational and not 1, so a dropped scaling
#: shows). They are fixed, because sympy's exact check grows steeply with them: at the
#: sizes (3, 4, 5, 6) of n = 3 it takes minutes per identity. For the adjoints of Q and K
#: the values are one-dimensional (e = 1), which keeps that check near 8 s; the adjoint of
#: V, a cheap check, uses e = 5.
ATTENTION_SIZES = {"Q": (2, 3, 4, 1), "K": (2, 3, 4, 1), "V": (2, 3, 4, 5)}


def _sample_attention(wrt):
    def sample(rng, n):
        # fixed sizes (see ATTENTION_SIZES): each n is an independent sample
        t, s, d, e = ATTENTION_SIZES[wrt]
        return {
            "Q": rng.standard_normal((t, d)),
            "K": rng.standard_normal((s, d)),
            "V": rng.standard_normal((s, e)),
            "Obar": rng.standard_normal((t, e)),
        }

    return sample


_ATT_FORMULA = (
    r"O = P V,\ P = \operatorname{softmax}_{\text{rows}}\!\bigl(Q K^\top / \sqrt{d}\bigr),\ "
    r"\bar S = P \odot \bigl(\bar O V^\top - (P \odot \bar O V^\top)\mathbf{1}\mathbf{1}^\top\bigr)"
    r":\quad "
)
_ATT_ASSUMPTIONS = (
    "none: the softmax is smooth; t queries and s >= 2 keys of width d, values of width e, "
    "all sizes may differ; no mask (a causal or padding mask sets scores to -inf, and the "
    "masked weights and their adjoints are 0)"
)
_ATT_KEYWORDS = ("scaled dot-product attention", "attention", "self-attention", "transformer")
_ATT_DERIVATION = r"""
Write $S = Q K^\top / \sqrt d$, $P = \operatorname{softmax}(S)$ row by row, $O = P V$.
From $O$, $\bar P = \bar O V^\top$; through the softmax of each row $p$ (Jacobian
$\operatorname{diag}(p) - p p^\top$, symmetric), $\bar s = p \odot (\bar p - p^\top \bar p)$,
which is $\bar S$ row by row.
"""

register(
    Identity(
        id="layers.attention-q",
        title="Scaled dot-product attention: adjoint of the queries",
        formula=_ATT_FORMULA + r"\bar Q = \frac{1}{\sqrt d} \bar S K",
        wrt="Q",
        kind="vjp",
        cotangent="Obar",
        value=attention,
        derivative=adjoint_attention_query,
        sample=_sample_attention("Q"),
        fixed_dimension=True,
        symbolic=_sp_attention("Q"),
        derivation=_ATT_DERIVATION
        + r"""
Finally $dS = dQ\, K^\top / \sqrt d$ gives $\langle \bar S, dS\rangle
= \frac{1}{\sqrt d}\operatorname{tr}(\bar S^\top dQ\, K^\top) = \langle \bar S K / \sqrt d, dQ\rangle$.
""",
        mistakes=(
            Mistake(
                r"\frac{1}{\sqrt d} \bigl(P \odot \bar O V^\top\bigr) K",
                lambda Q, K, V, Obar: (
                    (_softmax(Q @ K.T / math.sqrt(Q.shape[1])) * (Obar @ V.T))
                    @ K
                    / math.sqrt(Q.shape[1])
                ),
                "treats the softmax as elementwise: drops the - p p^T part of its Jacobian",
            ),
            Mistake(
                r"\bar S K",
                lambda Q, K, V, Obar: _attention_scores_adjoint(Q, K, V, Obar)[1] @ K,
                "forgets the 1/sqrt(d) scaling of the scores",
            ),
        ),
        conventions={"numerator": r"\bar Q^\top" + _ADJOINT},
        related=("layers.attention-k", "layers.attention-v", "softmax.rowwise-jacobian"),
        assumptions=_ATT_ASSUMPTIONS,
        sources=(f"{VASWANI}, section 3.2.1, eq. (1)", GILES),
        keywords=("attention backward", "query gradient", "dQ", *_ATT_KEYWORDS),
    )
)

register(
    Identity(
        id="layers.attention-k",
        title="Scaled dot-product attention: adjoint of the keys",
        formula=_ATT_FORMULA + r"\bar K = \frac{1}{\sqrt d} \bar S^\top Q",
        wrt="K",
        kind="vjp",
        cotangent="Obar",
        value=attention,
        derivative=adjoint_attention_key,
        sample=_sample_attention("K"),
        fixed_dimension=True,
        symbolic=_sp_attention("K"),
        derivation=_ATT_DERIVATION
        + r"""
Finally $dS = Q\, dK^\top / \sqrt d$ gives $\langle \bar S, dS\rangle
= \frac{1}{\sqrt d}\operatorname{tr}(\bar S^\top Q\, dK^\top) = \langle \bar S^\top Q / \sqrt d, dK\rangle$.
""",
        mistakes=(
            Mistake(
                r"\bar S^\top Q",
                lambda Q, K, V, Obar: _attention_scores_adjoint(Q, K, V, Obar)[1].T @ Q,
                "forgets the 1/sqrt(d) scaling of the scores",
            ),
            Mistake(
                r"\frac{1}{\sqrt d} \bigl(P \odot \bar O V^\top\bigr)^\top Q",
                lambda Q, K, V, Obar: (
                    (_softmax(Q @ K.T / math.sqrt(Q.shape[1])) * (Obar @ V.T)).T
                    @ Q
                    / math.sqrt(Q.shape[1])
                ),
                "treats the softmax as elementwise: drops the - p p^T part of its Jacobian",
            ),
        ),
        conventions={"numerator": r"\bar K^\top" + _ADJOINT},
        related=("layers.attention-q", "layers.attention-v", "softmax.rowwise-jacobian"),
        assumptions=_ATT_ASSUMPTIONS,
        sources=(f"{VASWANI}, section 3.2.1, eq. (1)", GILES),
        keywords=("attention backward", "key gradient", "dK", *_ATT_KEYWORDS),
    )
)

register(
    Identity(
        id="layers.attention-v",
        title="Scaled dot-product attention: adjoint of the values",
        formula=r"O = P V,\ P = \operatorname{softmax}_{\text{rows}}\!\bigl(Q K^\top / \sqrt{d}\bigr)"
        r":\quad \bar V = P^\top \bar O",
        wrt="V",
        kind="vjp",
        cotangent="Obar",
        value=attention,
        derivative=adjoint_attention_value,
        sample=_sample_attention("V"),
        fixed_dimension=True,
        symbolic=_sp_attention("V"),
        derivation=r"""
The weights $P$ do not depend on $V$, so $dO = P\, dV$ and
$\langle \bar O, dO\rangle = \operatorname{tr}(\bar O^\top P\, dV) = \langle P^\top \bar O, dV\rangle$:
each value row collects the output gradients of the queries that attend to it, weighted
by their attention.
""",
        mistakes=(
            Mistake(
                r"\frac{1}{\sqrt d} P^\top \bar O",
                lambda Q, K, V, Obar: (
                    _softmax(Q @ K.T / math.sqrt(Q.shape[1])).T @ Obar / math.sqrt(Q.shape[1])
                ),
                "carries the 1/sqrt(d) of the scores over to the values, which enter linearly",
            ),
            Mistake(
                r"\bar O^\top P",
                lambda Q, K, V, Obar: Obar.T @ _softmax(Q @ K.T / math.sqrt(Q.shape[1])),
                "the numerator-layout transpose (e x s)",
            ),
        ),
        conventions={"numerator": r"\bar O^\top P\ \text{(the } e \times s \text{ transpose)}"},
        related=("layers.attention-q", "layers.attention-k", "layers.affine-input"),
        assumptions=_ATT_ASSUMPTIONS,
        sources=(f"{VASWANI}, section 3.2.1, eq. (1)", GILES),
        keywords=("attention backward", "value gradient", "dV", "P^T Obar", *_ATT_KEYWORDS),
    )
)


# ===========================================================================================
# 1-D convolution (cross-correlation, 'valid' mode)
# ===========================================================================================


def _windows(x, size):
    """The ``len(x) - size + 1`` windows ``x[i : i + size]`` as the rows of a matrix."""
    return np.lib.stride_tricks.sliding_window_view(x, size)


@shaped
def conv1d_valid(x: Arr["l"], w: Arr["k"]):
    """The 'valid' cross-correlation ``y[i] = sum_j w[j] x[i + j]``, of length l - k + 1.

    >>> conv1d_valid(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, -1.0]))
    array([-1., -1., -1.])
    """
    if w.shape[0] > x.shape[0]:
        raise ValueError(
            f"the kernel `w` (length {w.shape[0]}) must not be longer than `x` "
            f"(length {x.shape[0]})"
        )
    return _windows(x, w.shape[0]) @ w


def _check_conv_cotangent(x, w, ybar):
    """The upstream gradient has the output's length, l - k + 1."""
    length = x.shape[0] - w.shape[0] + 1
    if ybar.shape[0] != length:
        raise ValueError(
            f"`ybar` must have shape (l - k + 1,) = ({length},), the output's, as l = "
            f"{x.shape[0]} from `x` and k = {w.shape[0]} from `w`; got shape {ybar.shape}"
        )


@shaped
def adjoint_conv1d_input(x: Arr["l"], w: Arr["k"], ybar: Arr["o"]):
    """``xbar = np.convolve(ybar, w, "full")``: the full cross-correlation with the flipped kernel."""
    _check_conv_cotangent(x, w, ybar)
    return np.convolve(ybar, w, mode="full")


@shaped
def adjoint_conv1d_kernel(x: Arr["l"], w: Arr["k"], ybar: Arr["o"]):
    """``wbar[j] = sum_i ybar[i] x[i + j]``: the valid cross-correlation of x with ybar."""
    _check_conv_cotangent(x, w, ybar)
    return _windows(x, ybar.shape[0]) @ ybar


def _sample_conv(rng, n):
    # kernel k = n + 1 >= 2 (a flip is visible), output o = n + 2, input l = o + k - 1
    k, o = n + 1, n + 2
    return {
        "x": rng.standard_normal(o + k - 1),
        "w": rng.standard_normal(k),
        "ybar": rng.standard_normal(o),
    }


def _sp_conv(which):
    import sympy as sp

    def build(x, w, ybar):
        k, o = w.rows, x.rows - w.rows + 1
        y = sp.Matrix([sum(w[j] * x[i + j] for j in range(k)) for i in range(o)])
        if which == "x":
            claimed = sp.Matrix(
                [sum(w[j] * ybar[m - j] for j in range(k) if 0 <= m - j < o) for m in range(x.rows)]
            )
        else:
            claimed = sp.Matrix([sum(ybar[i] * x[i + j] for i in range(o)) for j in range(k)])
        return y, claimed

    return build


_CONV_FORMULA = r"y_i = \textstyle\sum_{j=0}^{k-1} w_j x_{i+j}\ (i = 0, \dots, l - k):\quad "
_CONV_ASSUMPTIONS = (
    "none (the map is bilinear); 'valid' mode, stride 1, no padding or dilation: an input of "
    "length l, a kernel of length k <= l and an output of length o = l - k + 1"
)
_CONV_KEYWORDS = ("convolution", "conv1d", "cross-correlation", "convolutional layer")

register(
    Identity(
        id="layers.conv1d-input",
        title="1-D convolution (valid cross-correlation): adjoint of the input",
        formula=_CONV_FORMULA + r"\bar x_m = \textstyle\sum_{j} w_j \bar y_{m-j} = (\bar y * w)_m\ "
        r"\text{(full convolution = full cross-correlation with the flipped kernel)}",
        wrt="x",
        kind="vjp",
        cotangent="ybar",
        value=conv1d_valid,
        derivative=adjoint_conv1d_input,
        sample=_sample_conv,
        symbolic=_sp_conv("x"),
        derivation=r"""
$\langle \bar y, dy\rangle = \sum_i \sum_j \bar y_i w_j\, dx_{i+j}$; collecting the terms of
$dx_m$ ($i = m - j$) gives $\bar x_m = \sum_j w_j \bar y_{m-j}$, the sum over the $j$ with
$0 \le m - j \le o - 1$. That is a *full* convolution of $\bar y$ with $w$ (length
$o + k - 1 = l$): equivalently the full cross-correlation of the zero-padded $\bar y$ with
the *flipped* kernel. So the backward pass of a cross-correlation is a convolution, which is
why frameworks flip the kernel (or transpose the convolution) on the way back.
""",
        mistakes=(
            Mistake(
                r"\text{full cross-correlation of } \bar y \text{ with } w \text{ (no flip)}",
                lambda x, w, ybar: np.convolve(ybar, w[::-1], mode="full"),
                "reuses the forward cross-correlation on the way back, without flipping the kernel",
            ),
            Mistake(
                r"\text{valid convolution of } \bar y \text{ with } w",
                lambda x, w, ybar: np.convolve(ybar, w, mode="valid"),
                "keeps the forward 'valid' mode: the adjoint of a valid correlation is a full "
                "convolution, of the input's length",
            ),
        ),
        conventions={"numerator": r"\bar x^\top" + _ADJOINT},
        related=("layers.conv1d-kernel", "structured.trace-toeplitz"),
        assumptions=_CONV_ASSUMPTIONS,
        sources=(f"{GBC}, chapter 9",),
        keywords=(
            "convolution backward",
            "transposed convolution",
            "flipped kernel",
            "full convolution",
            "input gradient",
            *_CONV_KEYWORDS,
        ),
    )
)

register(
    Identity(
        id="layers.conv1d-kernel",
        title="1-D convolution (valid cross-correlation): adjoint of the kernel",
        formula=_CONV_FORMULA + r"\bar w_j = \textstyle\sum_{i=0}^{o-1} \bar y_i x_{i+j}",
        wrt="w",
        kind="vjp",
        cotangent="ybar",
        value=conv1d_valid,
        derivative=adjoint_conv1d_kernel,
        sample=_sample_conv,
        symbolic=_sp_conv("w"),
        derivation=r"""
Varying $w$ alone, $\langle \bar y, dy\rangle = \sum_j \bigl(\sum_i \bar y_i x_{i+j}\bigr) dw_j$,
so $\bar w_j = \sum_i \bar y_i x_{i+j}$: the 'valid' cross-correlation of the input with the
upstream gradient (length $l - o + 1 = k$). The kernel is shared by all output positions,
so its adjoint sums over them, like a bias over the batch.
""",
        mistakes=(
            Mistake(
                r"\text{the same, flipped: } \bar w_{k-1-j}",
                lambda x, w, ybar: (_windows(x, ybar.shape[0]) @ ybar)[::-1],
                "a convolution instead of a cross-correlation: the kernel adjoint comes out "
                "reversed",
            ),
            Mistake(
                r"\textstyle\sum_i \bar y_i\, x_{i:i+k}\ \text{divided by } o",
                lambda x, w, ybar: _windows(x, ybar.shape[0]) @ ybar / ybar.shape[0],
                "averages over the output positions instead of summing",
            ),
        ),
        conventions={"numerator": r"\bar w^\top" + _ADJOINT},
        related=("layers.conv1d-input", "layers.affine-bias"),
        assumptions=_CONV_ASSUMPTIONS,
        sources=(f"{GBC}, chapter 9",),
        keywords=(
            "kernel gradient",
            "filter gradient",
            "weight gradient of a convolution",
            "dw",
            *_CONV_KEYWORDS,
        ),
    )
)


# ===========================================================================================
# Elementwise activation layer: ReLU
# ===========================================================================================


@shaped
def relu_layer(X: Arr["n m"]):
    """The ReLU applied entry by entry, ``max(X, 0)``.

    >>> relu_layer(np.array([[-1.0, 2.0]]))
    array([[0., 2.]])
    """
    return np.maximum(X, 0)


@shaped
def adjoint_relu_layer(X: Arr["n m"], Ybar: Arr["n m"]):
    """``Xbar = Ybar * 1[X > 0]``: the upstream gradient, masked."""
    return Ybar * (X > 0)


def _sample_relu(rng, n):
    # |X_ij| in [0.25, 2] (away from the kink), both signs present (n (n + 1) >= 2 entries)
    m = n + 1
    signs = rng.permutation(np.where(np.arange(n * m) % 2 == 0, 1.0, -1.0)).reshape(n, m)
    return {"X": signs * rng.uniform(0.25, 2.0, (n, m)), "Ybar": rng.standard_normal((n, m))}


def _sp_relu_layer(X, Ybar):
    import sympy as sp

    def step(v):
        return sp.Piecewise((1, v > 0), (0, True))

    Y = X.applyfunc(lambda v: sp.Piecewise((v, v > 0), (0, True)))
    return Y, sp.matrix_multiply_elementwise(Ybar, X.applyfunc(step))


register(
    Identity(
        id="layers.relu",
        title="ReLU layer: adjoint of the input (away from the kink)",
        formula=r"Y = \max(X, 0):\quad \bar X = \bar Y \odot \mathbb{1}[X > 0]",
        wrt="X",
        kind="vjp",
        cotangent="Ybar",
        value=relu_layer,
        derivative=adjoint_relu_layer,
        sample=_sample_relu,
        symbolic=_sp_relu_layer,
        derivation=r"""
Each output entry depends on its own input only: where $X_{ij} > 0$, $dY_{ij} = dX_{ij}$;
where $X_{ij} < 0$, $dY_{ij} = 0$. Hence $\langle \bar Y, dY\rangle
= \langle \bar Y \odot \mathbb{1}[X > 0], dX\rangle$: the backward pass lets the upstream
gradient through where the input was positive and blocks it elsewhere; the diagonal
Jacobian is never formed. At an entry $X_{ij} = 0$ the ReLU has no derivative, only
subgradients in $[0, 1]$ (frameworks use $0$); the check samples entries with
$|X_{ij}| \ge 0.25$, where the formula is an ordinary derivative.
""",
        mistakes=(
            Mistake(
                r"\bar Y",
                lambda X, Ybar: Ybar,
                "passes the gradient through unmasked, as if the ReLU were the identity",
            ),
            Mistake(
                r"\bar Y \odot \max(X, 0)",
                lambda X, Ybar: Ybar * np.maximum(X, 0),
                "multiplies by the activation (the forward output) instead of its slope",
            ),
        ),
        conventions={"numerator": r"\bar X^\top" + _ADJOINT},
        related=("activations.relu", "activations.leaky-relu-jacobian", "layers.affine-input"),
        assumptions="away from the kink: no entry of X is 0 (at 0 any subgradient in [0, 1] "
        "may be used; frameworks use 0)",
        sources=(f"{GBC}, section 6.3.1", NAIR_HINTON),
        keywords=(
            "ReLU backward",
            "ReLU mask",
            "activation layer",
            "relu gradient",
            "Ybar * (X > 0)",
            "backpropagation",
        ),
    )
)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "affine-relu",
        "Affine and ReLU layers",
        (
            "layers.affine-weight",
            "layers.affine-bias",
            "layers.affine-input",
            "layers.affine-col-weight",
            "layers.affine-col-bias",
            "layers.affine-col-input",
            "layers.relu",
        ),
    ),
    (
        "perceptron",
        "Two-layer perceptron",
        (
            "layers.mlp-w2",
            "layers.mlp-b2",
            "layers.mlp-w1",
            "layers.mlp-b1",
        ),
    ),
    (
        "normalisation",
        "Normalisation layers",
        (
            "layers.layernorm-input",
            "layers.layernorm-gamma",
            "layers.layernorm-beta",
            "layers.batchnorm-input",
            "layers.batchnorm-gamma",
            "layers.batchnorm-beta",
        ),
    ),
    (
        "attention",
        "Scaled dot-product attention",
        (
            "layers.attention-q",
            "layers.attention-k",
            "layers.attention-v",
        ),
    ),
    (
        "convolution",
        "1-D convolution",
        (
            "layers.conv1d-input",
            "layers.conv1d-kernel",
        ),
    ),
)
