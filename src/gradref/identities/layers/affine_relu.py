"""Affine and ReLU layers: the identities of the page ``reference/layers/affine-relu.html``."""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.layers._common import _ADJOINT, GBC, GILES
from gradref.shapes import Arr, shaped

NAIR_HINTON = "Nair & Hinton, *Rectified Linear Units Improve Restricted Boltzmann Machines* (2010)"


# -- sympy helpers --------------------------------------------------------------------------


def _sp_ones(n):
    import sympy as sp

    return sp.ones(n, 1)


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


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
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
)
