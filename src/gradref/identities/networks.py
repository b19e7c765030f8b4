"""Convolution, gating, normalisation and embeddings: the backward pass of network blocks.

Each entry is a vector-Jacobian product (``kind="vjp"``): for an output ``Y`` of the block
and an upstream gradient ``Ybar = dL/dY`` shaped like it, the adjoint of one weight or input,
verified as the gradient of ``<Ybar, block(...)>`` (``<Ybar, dY> = <Xbar, dX>`` for every
direction ``dX``). Inputs are stored one token or example per row, as PyTorch stores them; a
tensor of more than two axes is stored as the matrix that the framework's matrix product
sees (the channels of an image by its pixels, see the convolution). Attention is in
:mod:`gradref.identities.attention`, recurrent cells in :mod:`gradref.identities.recurrent`.
"""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.losses import _sigmoid
from gradref.shapes import Arr, shaped

GBC = "Goodfellow, Bengio & Courville, *Deep Learning* (2016)"
TORCH = "PyTorch, `tools/autograd/derivatives.yaml`"

_ADJOINT = (
    r"\ \text{(the transpose of the adjoint: numerator layout arranges } "
    r"\partial L / \partial(\cdot) \text{ so)}"
)


# ===========================================================================================
# 2-D convolution with channels, stride 2 and padding 1, in the matrix form of im2col
# ===========================================================================================

#: The fixed geometry of the 2-D convolution entries: a 4 x 5 image, a 3 x 3 kernel, stride 2
#: and zero padding 1, so an output of 2 x 3 pixels (floor((4 + 2 - 3) / 2) + 1 = 2 rows,
#: floor((5 + 2 - 3) / 2) + 1 = 3 columns). The image is not square, so that a swapped
#: height and width cannot pass, and the padded row 5 is never read, as torch floors.
CONV_H, CONV_W, CONV_K, CONV_STRIDE, CONV_PAD = 4, 5, 3, 2, 1
CONV_HO = (CONV_H + 2 * CONV_PAD - CONV_K) // CONV_STRIDE + 1
CONV_WO = (CONV_W + 2 * CONV_PAD - CONV_K) // CONV_STRIDE + 1


def _unfold(X):
    """im2col: ``(c, H W) -> (c k k, Ho Wo)``, column ``p`` the padded patch under output
    pixel ``p``, its rows in torch's weight order (channel, kernel row, kernel column)."""
    c = X.shape[0]
    padded = np.pad(X.reshape(c, CONV_H, CONV_W), ((0, 0), (CONV_PAD,) * 2, (CONV_PAD,) * 2))
    cols = np.empty((c, CONV_K, CONV_K, CONV_HO, CONV_WO), dtype=X.dtype)
    for ki in range(CONV_K):
        for kj in range(CONV_K):
            cols[:, ki, kj] = padded[
                :,
                ki : ki + CONV_STRIDE * CONV_HO : CONV_STRIDE,
                kj : kj + CONV_STRIDE * CONV_WO : CONV_STRIDE,
            ]
    return cols.reshape(c * CONV_K * CONV_K, CONV_HO * CONV_WO)


def _fold(C, offset=CONV_PAD):
    """col2im, the adjoint of :func:`_unfold`: each column's patch added back into a zero
    padded image, then the padding cropped (at ``offset``)."""
    c = C.shape[0] // (CONV_K * CONV_K)
    cols = C.reshape(c, CONV_K, CONV_K, CONV_HO, CONV_WO)
    padded = np.zeros((c, CONV_H + 2 * CONV_PAD, CONV_W + 2 * CONV_PAD), dtype=C.dtype)
    for ki in range(CONV_K):
        for kj in range(CONV_K):
            padded[
                :,
                ki : ki + CONV_STRIDE * CONV_HO : CONV_STRIDE,
                kj : kj + CONV_STRIDE * CONV_WO : CONV_STRIDE,
            ] += cols[:, ki, kj]
    return padded[:, offset : offset + CONV_H, offset : offset + CONV_W].reshape(c, -1)


def _rotate_kernels(K):
    """Each 3 x 3 kernel of K (torch's weight as ``(o, c k k)``) turned by 180 degrees."""
    o = K.shape[0]
    return K.reshape(o, -1, CONV_K, CONV_K)[:, :, ::-1, ::-1].reshape(o, -1)


def _check_kernel(X, K):
    columns = X.shape[0] * CONV_K * CONV_K
    if K.shape[1] != columns:
        raise ValueError(
            f"`K` must have c k^2 = {columns} columns (c = {X.shape[0]} channels from `X`, "
            f"a {CONV_K} x {CONV_K} kernel per channel); got shape {K.shape}"
        )


@shaped
def conv2d(X: Arr["c 20"], K: Arr["o q"], b: Arr["o"]):
    """2-D cross-correlation (torch's conv2d) of a c-channel 4 x 5 image, 3 x 3 kernels, stride
    2, padding 1: ``K unfold(X) + b 1^T``, one output channel per row, 2 x 3 pixels each.

    >>> conv2d(np.ones((1, 20)), np.ones((1, 9)), np.zeros(1))
    array([[4., 6., 4., 6., 9., 6.]])
    """
    _check_kernel(X, K)
    return K @ _unfold(X) + b[:, None]


@shaped
def adjoint_conv2d_input(X: Arr["c 20"], K: Arr["o q"], b: Arr["o"], Ybar: Arr["o 6"]):
    """``Xbar = fold(K^T Ybar)``: the transposed convolution of Ybar."""
    _check_kernel(X, K)
    return _fold(K.T @ Ybar)


@shaped
def adjoint_conv2d_kernel(X: Arr["c 20"], K: Arr["o q"], b: Arr["o"], Ybar: Arr["o 6"]):
    """``Kbar = Ybar unfold(X)^T``."""
    _check_kernel(X, K)
    return Ybar @ _unfold(X).T


@shaped
def adjoint_conv2d_bias(X: Arr["c 20"], K: Arr["o q"], b: Arr["o"], Ybar: Arr["o 6"]):
    """``bbar = Ybar 1``: the upstream gradient summed over the output pixels."""
    _check_kernel(X, K)
    return Ybar.sum(axis=1)


def _sp_conv2d(which):
    """The convolution and its adjoints by their index sums (no unfold): ``y[o, i, j] = b_o +
    sum_{c, u, v} K[o, c, u, v] x[c, 2i + u - 1, 2j + v - 1]``, zero outside the image."""
    import sympy as sp

    def taps(i, j):
        """``(u, v, h, w)``: the kernel taps of output pixel (i, j) that land in the image."""
        for u in range(CONV_K):
            for v in range(CONV_K):
                h = CONV_STRIDE * i + u - CONV_PAD
                w = CONV_STRIDE * j + v - CONV_PAD
                if 0 <= h < CONV_H and 0 <= w < CONV_W:
                    yield u, v, h, w

    def build(X, K, b, Ybar):
        c, o = X.rows, K.rows
        pixels = [(i, j) for i in range(CONV_HO) for j in range(CONV_WO)]

        def weight(out, ch, u, v):
            return K[out, (ch * CONV_K + u) * CONV_K + v]

        Y = sp.Matrix(
            o,
            len(pixels),
            lambda out, p: (
                b[out]
                + sum(
                    weight(out, ch, u, v) * X[ch, h * CONV_W + w]
                    for ch in range(c)
                    for u, v, h, w in taps(*pixels[p])
                )
            ),
        )
        if which == "b":
            return Y, sp.Matrix([sum(Ybar[out, p] for p in range(len(pixels))) for out in range(o)])
        claimed = sp.zeros(*(X.shape if which == "X" else K.shape))
        for out in range(o):
            for p, (i, j) in enumerate(pixels):
                for ch in range(c):
                    for u, v, h, w in taps(i, j):
                        if which == "X":
                            claimed[ch, h * CONV_W + w] += weight(out, ch, u, v) * Ybar[out, p]
                        else:
                            index = (ch * CONV_K + u) * CONV_K + v
                            claimed[out, index] += X[ch, h * CONV_W + w] * Ybar[out, p]
        return Y, claimed

    return build


def _sample_conv2d(rng, n):
    # c = n input channels, o = n + 1 output channels, q = 9 c kernel columns
    c, o = n, n + 1
    return {
        "X": rng.standard_normal((c, CONV_H * CONV_W)),
        "K": rng.standard_normal((o, c * CONV_K * CONV_K)),
        "b": rng.standard_normal(o),
        "Ybar": rng.standard_normal((o, CONV_HO * CONV_WO)),
    }


_CONV_WHERE = (r"U(X) = \operatorname{unfold}_{4 \times 5,\ 3 \times 3,\ s = 2,\ p = 1}(X)",)
_CONV_FORMULA = r"Y = K\, U(X) + b \mathbf{1}^\top:\quad "
_CONV_ASSUMPTIONS = (
    "none (the map is affine in each argument). Fixed geometry: a 4 x 5 image with c "
    "channels, c_out = o output channels, 3 x 3 kernels, stride 2, zero padding 1, no "
    "dilation or groups, so a 2 x 3 output. Stored as the matrices of the im2col product "
    "(torch's layout, one image): X is c x 20, each row a channel's image flattened row by "
    "row; K is torch's weight (o, c, 3, 3) reshaped to o x 9c; Y is o x 6. U(X) is the "
    "9c x 6 matrix of patches (torch.nn.functional.unfold; its subscript: the 4 x 5 image, "
    "the 3 x 3 kernel, stride s, padding p), U* its adjoint (fold, col2im), "
    "which adds each patch back where it came from and crops the padding. The exact check "
    "writes the convolution and the adjoint as index sums, independently of unfold and fold"
)
_CONV_KEYWORDS = (
    "conv2d backward",
    "backpropagation in a CNN",
    "convolution backward",
    "2D convolution gradient",
    "convolution with stride and padding",
    "im2col",
    "col2im",
    "convolutional layer",
    "convolution_backward",
)
_CONV_DERIVATION = r"""
Each output pixel $p$ reads a $3 \times 3$ patch of every input channel (zero outside the
image): $y_{o,p} = b_o + \sum_{c,u,v} K_{o,(c,u,v)}\, x_{c,\, s i_p + u - 1,\, s j_p + v - 1}$,
$s = 2$. Collecting the patches as the columns of $U(X)$ makes this a matrix product,
$Y = K\, U(X) + b \mathbf{1}^\top$, with $U$ linear in $X$.
"""
_CONV_SOURCES = (
    f"{GBC}, section 9.5 (the gradients of a strided multichannel convolution: g for the "
    "kernel, h for the input)",
    "Chellapilla, Puri & Simard, *High Performance Convolutional Neural Networks for Document "
    "Processing*, IWFHR (2006) (the unfolded, im2col, matrix form)",
    f"{TORCH}: `convolution` (backward `convolution_backward`)",
)

register(
    Identity(
        id="networks.conv2d-input",
        title="2-D convolution with channels, stride and padding: adjoint of the input",
        formula=_CONV_FORMULA + r"\bar X = U^{*}\bigl(K^\top \bar Y\bigr)",
        where=_CONV_WHERE,
        wrt="X",
        kind="vjp",
        cotangent="Ybar",
        value=conv2d,
        derivative=adjoint_conv2d_input,
        sample=_sample_conv2d,
        symbolic=_sp_conv2d("X"),
        symbolic_dims=(1, 2),  # c = 1, 2 (20 and 40 pixel symbols); exact in 0.2 s
        derivation=_CONV_DERIVATION
        + r"""
Varying $X$: $\langle \bar Y, K\, dU\rangle = \langle K^\top \bar Y, U(dX)\rangle
= \langle U^{*}(K^\top \bar Y), dX\rangle$. Column $p$ of $K^\top \bar Y$ is the gradient of
patch $p$; $U^{*}$ adds it back into the image where the patch came from (overlapping
patches add) and drops what fell on the padding. In the language of the kernel: each
input pixel collects $K_{o,(c,u,v)}\, \bar y_{o,p}$ over the taps that read it, which is a
convolution of the zero-dilated $\bar Y$ with the kernel turned by $180°$, a *transposed
convolution*.
""",
        mistakes=(
            Mistake(
                r"U^{*}\bigl(\operatorname{rot}_{180}(K)^\top \bar Y\bigr)",
                lambda X, K, b, Ybar: _fold(_rotate_kernels(K).T @ Ybar),
                "flips the kernel once too often: the transposed convolution is a correlation "
                "with the flipped kernel, or a scatter with the kernel as it is, not both",
            ),
            Mistake(
                r"U^{*}\bigl(K^\top \bar Y\bigr)\ \text{cropped at the corner, not at the padding}",
                lambda X, K, b, Ybar: _fold(K.T @ Ybar, offset=0),
                "crops the padded gradient at (0, 0) instead of (p, p): every pixel's gradient "
                "is taken from its neighbour",
            ),
        ),
        related=("networks.conv2d-kernel", "networks.conv2d-bias", "layers.conv1d-input"),
        assumptions=_CONV_ASSUMPTIONS,
        sources=_CONV_SOURCES,
        keywords=(
            "conv2d input gradient",
            "transposed convolution",
            "flipped kernel",
            "deconvolution",
            *_CONV_KEYWORDS,
        ),
    )
)

register(
    Identity(
        id="networks.conv2d-kernel",
        title="2-D convolution with channels, stride and padding: adjoint of the kernel",
        formula=_CONV_FORMULA + r"\bar K = \bar Y\, U(X)^\top",
        where=_CONV_WHERE,
        wrt="K",
        kind="vjp",
        cotangent="Ybar",
        value=conv2d,
        derivative=adjoint_conv2d_kernel,
        sample=_sample_conv2d,
        symbolic=_sp_conv2d("K"),
        symbolic_dims=(1, 2),  # c = 1, 2; exact in 0.2 s
        derivation=_CONV_DERIVATION
        + r"""
Varying $K$: $\langle \bar Y, dK\, U(X)\rangle = \langle \bar Y\, U(X)^\top, dK\rangle$.
Entry $(o, (c, u, v))$ sums, over the output pixels, $\bar y_{o,p}$ times the input pixel
that tap $(u, v)$ read for $p$: a correlation of the input with the (dilated) upstream
gradient. The kernel is shared by all positions, so its adjoint sums over them.
""",
        mistakes=(
            Mistake(
                r"\operatorname{rot}_{180}\bigl(\bar Y\, U(X)^\top\bigr)",
                lambda X, K, b, Ybar: _rotate_kernels(Ybar @ _unfold(X).T),
                "a convolution instead of a cross-correlation: each kernel's adjoint comes "
                "out turned by 180 degrees",
            ),
            Mistake(
                r"\tfrac16\, \bar Y\, U(X)^\top",
                lambda X, K, b, Ybar: Ybar @ _unfold(X).T / (CONV_HO * CONV_WO),
                "averages over the output positions instead of summing",
            ),
        ),
        related=("networks.conv2d-input", "networks.conv2d-bias", "layers.conv1d-kernel"),
        assumptions=_CONV_ASSUMPTIONS,
        sources=_CONV_SOURCES,
        keywords=("conv2d weight gradient", "filter gradient", "kernel gradient", *_CONV_KEYWORDS),
    )
)

register(
    Identity(
        id="networks.conv2d-bias",
        title="2-D convolution with channels, stride and padding: adjoint of the bias",
        formula=r"Y = K\, U(X) + b \mathbf{1}^\top:\quad \bar b = \bar Y \mathbf{1}",
        where=_CONV_WHERE,
        wrt="b",
        kind="vjp",
        cotangent="Ybar",
        value=conv2d,
        derivative=adjoint_conv2d_bias,
        sample=_sample_conv2d,
        symbolic=_sp_conv2d("b"),
        symbolic_dims=(1, 2),
        derivation=r"""
The bias of output channel $o$ is added at each of its pixels: $dY = db\, \mathbf{1}^\top$,
and $\langle \bar Y, db\, \mathbf{1}^\top\rangle = \langle \bar Y \mathbf{1}, db\rangle$.
""",
        mistakes=(
            Mistake(
                r"\tfrac16\, \bar Y \mathbf{1}",
                lambda X, K, b, Ybar: Ybar.mean(axis=1),
                "averages over the output pixels instead of summing",
            ),
        ),
        conventions={"numerator": r"\mathbf{1}^\top \bar Y^\top" + _ADJOINT},
        related=("networks.conv2d-input", "networks.conv2d-kernel", "layers.affine-bias"),
        assumptions=_CONV_ASSUMPTIONS,
        sources=_CONV_SOURCES,
        keywords=("conv2d bias gradient", *_CONV_KEYWORDS),
    )
)


# ===========================================================================================
# Gated linear unit: Y = (X W) * sigmoid(X V)
# ===========================================================================================


@shaped
def glu(X: Arr["n m"], W: Arr["m k"], V: Arr["m k"]):
    """The gated linear unit ``(X W) * sigmoid(X V)`` of each row of X (bias-free).

    >>> glu(np.ones((1, 1)), np.array([[2.0]]), np.array([[0.0]]))
    array([[1.]])
    """
    return (X @ W) * _sigmoid(X @ V)


@shaped
def adjoint_glu_input(X: Arr["n m"], W: Arr["m k"], V: Arr["m k"], Ybar: Arr["n k"]):
    """``Xbar = (Ybar * s) W^T + (Ybar * (X W) * s * (1 - s)) V^T``, ``s = sigmoid(X V)``."""
    s = _sigmoid(X @ V)
    return (Ybar * s) @ W.T + (Ybar * (X @ W) * s * (1 - s)) @ V.T


@shaped
def adjoint_glu_gate(X: Arr["n m"], W: Arr["m k"], V: Arr["m k"], Ybar: Arr["n k"]):
    """``Vbar = X^T (Ybar * (X W) * s * (1 - s))``, ``s = sigmoid(X V)``."""
    s = _sigmoid(X @ V)
    return X.T @ (Ybar * (X @ W) * s * (1 - s))


def _sp_glu(which):
    import sympy as sp

    def build(X, W, V, Ybar):
        A, Z = X * W, X * V
        s = Z.applyfunc(lambda z: 1 / (1 + sp.exp(-z)))
        # sigma' written as exp(-z) / (1 + exp(-z))^2, which is sigma (1 - sigma) (the
        # activations.sigmoid entry): SymEngine then proves each entry by expansion, in a
        # tenth of the time sympy takes to bring sigma (1 - sigma) over one denominator
        slope = Z.applyfunc(lambda z: sp.exp(-z) / (1 + sp.exp(-z)) ** 2)
        gate = sp.matrix_multiply_elementwise(sp.matrix_multiply_elementwise(Ybar, A), slope)
        if which == "X":
            claimed = sp.matrix_multiply_elementwise(Ybar, s) * W.T + gate * V.T
        else:
            claimed = X.T * gate
        return sp.matrix_multiply_elementwise(A, s), claimed

    return build


_GLU_WHERE = (r"A = X W", r"G = \sigma(X V)")
_GLU_ASSUMPTIONS = (
    "none (a composition of smooth maps); n rows (tokens or examples) of width m, k output "
    "features; the biases b, c of Dauphin et al. are left out (each has the adjoint of its "
    "product, summed over the rows). torch.nn.functional.glu is the same map on an input "
    "that holds X W and X V side by side"
)
_GLU_KEYWORDS = (
    "GLU backward",
    "gated linear unit gradient",
    "gated linear unit",
    "GLU",
    "glu_backward",
    "gating",
)
_GLU_DERIVATION = r"""
With $A = X W$, $Z = X V$ and $G = \sigma(Z)$, $Y = A \odot G$ and
$dY = dA \odot G + A \odot G \odot (1 - G) \odot dZ$, since $\sigma' = \sigma(1 - \sigma)$.
So $\bar A = \bar Y \odot G$ (the linear path, scaled by the gate) and
$\bar Z = \bar Y \odot A \odot G \odot (1 - G)$ (the gate's path).
"""

register(
    Identity(
        id="networks.glu-input",
        title="Gated linear unit: adjoint of the input",
        formula=r"Y = A \odot G:\quad \bar X = (\bar Y \odot G) W^\top "
        r"+ \bigl(\bar Y \odot A \odot G \odot (1 - G)\bigr) V^\top",
        where=_GLU_WHERE,
        wrt="X",
        kind="vjp",
        cotangent="Ybar",
        value=glu,
        derivative=adjoint_glu_input,
        symbolic=_sp_glu("X"),
        symbolic_dims=(1, 2),  # exact at n = 1, 2 (m = n + 1, k = n + 2); n = 3 adds 0.3 s
        derivation=_GLU_DERIVATION
        + r"""
Both $A$ and $Z$ are linear in $X$: $\bar X = \bar A W^\top + \bar Z V^\top$.
""",
        mistakes=(
            Mistake(
                r"(\bar Y \odot G) W^\top",
                lambda X, W, V, Ybar: (Ybar * _sigmoid(X @ V)) @ W.T,
                "treats the gate as a constant mask (the 'linear path' alone): drops the "
                "gradient through the sigmoid",
            ),
            Mistake(
                r"(\bar Y \odot G) W^\top + (\bar Y \odot A \odot G) V^\top",
                lambda X, W, V, Ybar: (lambda s: (Ybar * s) @ W.T + (Ybar * (X @ W) * s) @ V.T)(
                    _sigmoid(X @ V)
                ),
                "writes the sigmoid's derivative as the sigmoid itself",
            ),
        ),
        conventions={"numerator": r"\bar X^\top" + _ADJOINT},
        related=("networks.glu-gate", "activations.sigmoid", "layers.affine-input"),
        assumptions=_GLU_ASSUMPTIONS,
        sources=(
            "Dauphin, Fan, Auli & Grangier, *Language Modeling with Gated Convolutional "
            "Networks*, ICML (2017), section 3, eq. (1) (the unit) and eq. (3) (its gradient)",
            f"{TORCH}: `glu` (backward `glu_backward`)",
        ),
        keywords=("GLU input gradient", *_GLU_KEYWORDS),
    )
)

register(
    Identity(
        id="networks.glu-gate",
        title="Gated linear unit: adjoint of the gate weights",
        formula=r"Y = A \odot G:\quad \bar V = X^\top \bigl(\bar Y \odot A \odot G \odot (1 - G)\bigr)",
        where=_GLU_WHERE,
        wrt="V",
        kind="vjp",
        cotangent="Ybar",
        value=glu,
        derivative=adjoint_glu_gate,
        symbolic=_sp_glu("V"),
        symbolic_dims=(1, 2),  # exact at n = 1, 2 (m = n + 1, k = n + 2); n = 3 adds 0.3 s
        derivation=_GLU_DERIVATION
        + r"""
$Z = X V$ gives $\langle \bar Z, X\, dV\rangle = \langle X^\top \bar Z, dV\rangle$.
""",
        mistakes=(
            Mistake(
                r"X^\top (\bar Y \odot A \odot G)",
                lambda X, W, V, Ybar: X.T @ (Ybar * (X @ W) * _sigmoid(X @ V)),
                "writes the sigmoid's derivative as the sigmoid itself",
            ),
            Mistake(
                r"X^\top (\bar Y \odot G \odot (1 - G))",
                lambda X, W, V, Ybar: (lambda s: X.T @ (Ybar * s * (1 - s)))(_sigmoid(X @ V)),
                "forgets that the gate multiplies the linear path A: its adjoint carries A",
            ),
        ),
        conventions={"numerator": r"\bar V^\top" + _ADJOINT},
        related=("networks.glu-input", "activations.sigmoid", "layers.affine-weight"),
        assumptions=_GLU_ASSUMPTIONS,
        sources=(
            "Dauphin, Fan, Auli & Grangier, *Language Modeling with Gated Convolutional "
            "Networks*, ICML (2017), section 3, eqs. (1) and (3)",
            f"{TORCH}: `glu` (backward `glu_backward`)",
        ),
        keywords=("GLU gate gradient", *_GLU_KEYWORDS),
    )
)


# ===========================================================================================
# RMSNorm: y = g * x / rms(x), rms(x) = sqrt(mean(x^2) + eps), per row
# ===========================================================================================


def _check_eps(eps):
    if not np.real(eps) > 0:
        raise ValueError(f"`eps` must be positive; got {np.real(eps).item()!r}")


def _rms(X, eps):
    """The root mean square of each row of X (with eps), as a column."""
    return np.sqrt((X * X).mean(axis=1, keepdims=True) + eps)


@shaped
def rms_norm(X: Arr["n d"], g: Arr["d"], eps: Arr[""]):
    """RMSNorm of each row of X over its d features: ``g * x / sqrt(mean(x^2) + eps)``.

    >>> rms_norm(np.array([[3.0, 4.0]]), np.ones(2), 1e-12).round(6)
    array([[0.848528, 1.131371]])
    """
    _check_eps(eps)
    return X / _rms(X, eps) * g


@shaped
def adjoint_rms_norm_input(X: Arr["n d"], g: Arr["d"], eps: Arr[""], Ybar: Arr["n d"]):
    """``Xbar = (G - Xhat * rowmean(Xhat * G)) / r`` per row, ``G = Ybar * g``, ``Xhat = X / r``."""
    _check_eps(eps)
    r = _rms(X, eps)
    Xhat, G = X / r, Ybar * g
    return (G - Xhat * (Xhat * G).mean(axis=1, keepdims=True)) / r


@shaped
def adjoint_rms_norm_gain(X: Arr["n d"], g: Arr["d"], eps: Arr[""], Ybar: Arr["n d"]):
    """``gbar = sum over rows of Ybar * Xhat``."""
    _check_eps(eps)
    return (Ybar * X / _rms(X, eps)).sum(axis=0)


def _sp_rms_norm(which):
    import sympy as sp

    def build(X, g, eps, Ybar):
        n, d = X.shape
        r = [sp.sqrt(sum(X[i, j] ** 2 for j in range(d)) / d + eps) for i in range(n)]
        Xhat = sp.Matrix(n, d, lambda i, j: X[i, j] / r[i])
        Y = sp.Matrix(n, d, lambda i, j: Xhat[i, j] * g[j])
        G = sp.Matrix(n, d, lambda i, j: Ybar[i, j] * g[j])
        if which == "X":
            means = [sum(Xhat[i, j] * G[i, j] for j in range(d)) / d for i in range(n)]
            claimed = sp.Matrix(n, d, lambda i, j: (G[i, j] - Xhat[i, j] * means[i]) / r[i])
        else:
            claimed = sp.Matrix([sum(Ybar[i, j] * Xhat[i, j] for i in range(n)) for j in range(d)])
        return Y, claimed

    return build


def _sample_rms_norm(rng, n):
    # d = n + 1 >= 2 features; eps in [0.05, 0.5], large enough that dropping it shows
    d = n + 1
    return {
        "X": rng.standard_normal((n, d)),
        "g": rng.standard_normal(d),
        "eps": float(rng.uniform(0.05, 0.5)),
        "Ybar": rng.standard_normal((n, d)),
    }


_RMS_WHERE = (
    r"r = \sqrt{(X \odot X)\mathbf{1} / d + \varepsilon}",
    r"\hat X = \operatorname{diag}(r)^{-1} X",
    r"G = \bar Y \operatorname{diag}(g)",
)
_RMS_ASSUMPTIONS = (
    "eps > 0 (so r_i > 0 even for a zero row); each row (one token) is scaled by its root "
    "mean square over its d >= 2 features, with no centring (unlike layer normalisation); a "
    "gain g per feature and no bias, as in Zhang & Sennrich"
)
_RMS_KEYWORDS = ("RMSNorm backward", "RMS norm gradient", "root mean square layer normalization",
                 "RMSNorm", "rms_norm")  # fmt: skip

register(
    Identity(
        id="networks.rmsnorm-input",
        title="RMSNorm: adjoint of the input",
        formula=r"Y = \hat X \operatorname{diag}(g):\quad \bar X = \operatorname{diag}(r)^{-1}"
        r"\bigl(G - \tfrac1d\, \hat X \odot (\hat X \odot G)\mathbf{1}\mathbf{1}^\top\bigr)",
        where=_RMS_WHERE,
        wrt="X",
        kind="vjp",
        cotangent="Ybar",
        value=rms_norm,
        derivative=adjoint_rms_norm_input,
        sample=_sample_rms_norm,
        symbolic=_sp_rms_norm("X"),
        derivation=r"""
For one row $x$ with $r = \sqrt{\lVert x\rVert^2 / d + \varepsilon}$: $dr = x^\top dx / (d\, r)$,
so $d(x / r) = dx / r - x\, x^\top dx / (d\, r^3)$, and with $G = g \odot \bar y$,
$\langle \bar y, dy\rangle = \langle G, d(x/r)\rangle
= \bigl\langle \bigl(G - \hat x\, (\hat x^\top G) / d\bigr) / r, dx\bigr\rangle$,
$\hat x = x / r$. Layer normalisation has the same form plus the term of the mean,
$-\tfrac1d (\mathbf 1^\top G)\mathbf 1$, which RMSNorm, having no centring, does not have.
""",
        mistakes=(
            Mistake(
                r"\operatorname{diag}(r)^{-1} G",
                lambda X, g, eps, Ybar: Ybar * g / _rms(X, eps),
                "treats the root mean square as a constant: misses the gradient through it",
            ),
            Mistake(
                r"\operatorname{diag}(r)^{-1}\bigl(G - \tfrac1d G \mathbf{1}\mathbf{1}^\top "
                r"- \tfrac1d\, \hat X \odot (\hat X \odot G)\mathbf{1}\mathbf{1}^\top\bigr)",
                lambda X, g, eps, Ybar: (
                    lambda r, G: (
                        (
                            G
                            - G.mean(axis=1, keepdims=True)
                            - X / r * (X / r * G).mean(axis=1, keepdims=True)
                        )
                        / r
                    )
                )(_rms(X, eps), Ybar * g),
                "reuses the layer-norm backward: subtracts a mean that RMSNorm never took",
            ),
        ),
        conventions={"numerator": r"\bar X^\top" + _ADJOINT},
        related=("networks.rmsnorm-gain", "layers.layernorm-input", "networks.groupnorm-input"),
        assumptions=_RMS_ASSUMPTIONS,
        sources=(
            "Zhang & Sennrich, *Root Mean Square Layer Normalization*, NeurIPS (2019), "
            "section 4 (the normalisation and its invariances)",
            f"{TORCH}: `_fused_rms_norm` (backward `_fused_rms_norm_backward`)",
        ),
        keywords=("RMSNorm input gradient", *_RMS_KEYWORDS),
    )
)

register(
    Identity(
        id="networks.rmsnorm-gain",
        title="RMSNorm: adjoint of the gain",
        formula=r"Y = \hat X \operatorname{diag}(g):\quad \bar g = (\bar Y \odot \hat X)^\top \mathbf{1}",
        where=_RMS_WHERE,
        wrt="g",
        kind="vjp",
        cotangent="Ybar",
        value=rms_norm,
        derivative=adjoint_rms_norm_gain,
        sample=_sample_rms_norm,
        symbolic=_sp_rms_norm("g"),
        derivation=r"""
Varying $g$ alone, $dY_{ij} = \hat X_{ij}\, dg_j$, so $\bar g_j = \sum_i \bar Y_{ij} \hat X_{ij}$:
the gain is shared by every row, and its adjoint sums over them.
""",
        mistakes=(
            Mistake(
                r"(\bar Y \odot X)^\top \mathbf{1}",
                lambda X, g, eps, Ybar: (Ybar * X).sum(axis=0),
                "multiplies by the raw input instead of the normalised one",
            ),
            Mistake(
                r"\bar Y^\top \mathbf{1}",
                lambda X, g, eps, Ybar: Ybar.sum(axis=0),
                "the adjoint of a bias: RMSNorm's g multiplies",
            ),
        ),
        conventions={"numerator": r"\mathbf{1}^\top (\bar Y \odot \hat X)" + _ADJOINT},
        related=("networks.rmsnorm-input", "layers.layernorm-gamma"),
        assumptions=_RMS_ASSUMPTIONS,
        sources=(
            "Zhang & Sennrich, *Root Mean Square Layer Normalization*, NeurIPS (2019), section 4",
            f"{TORCH}: `_fused_rms_norm` (backward `_fused_rms_norm_backward`)",
        ),
        keywords=("RMSNorm gain gradient", "RMSNorm weight gradient", *_RMS_KEYWORDS),
    )
)


# ===========================================================================================
# Embedding lookup: Y = E[ids], stored as Y = X E with one-hot rows X
# ===========================================================================================


def _token_ids(X):
    """The column of the one non-zero entry of each row of X (its word); ValueError if a row
    has none or several."""
    nonzero = np.real(X) != 0
    if not np.all(nonzero.sum(axis=1) == 1):
        raise ValueError(
            "`X` must hold one non-zero entry per row (a one-hot row, or a weighted one)"
        )
    return nonzero.argmax(axis=1)


@shaped
def embedding(X: Arr["n v"], E: Arr["v m"]):
    """The rows of the table E picked by the one-hot rows of X: ``E[ids]``, which is ``X E``
    (a row of X that holds a weight w instead of 1 picks w times the row).

    >>> embedding(np.array([[0.0, 1.0], [0.0, 1.0]]), np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[3., 4.],
           [3., 4.]])
    """
    ids = _token_ids(X)
    return X[np.arange(ids.size), ids][:, None] * E[ids]


@shaped
def adjoint_embedding_table(X: Arr["n v"], E: Arr["v m"], Ybar: Arr["n m"]):
    """``Ebar = X^T Ybar``: the scatter-add ``Ebar[ids[i]] += Ybar[i]`` (times the weight)."""
    ids = _token_ids(X)
    Ebar = np.zeros(E.shape, dtype=np.result_type(E, Ybar))
    np.add.at(Ebar, ids, X[np.arange(ids.size), ids][:, None] * Ybar)
    return Ebar


def _sample_embedding(rng, n):
    # vocabulary v = n + 1, n + 3 tokens: each word at least once (a permutation of the
    # vocabulary) and two more drawn at random, so some word repeats; width m = n
    v, m = n + 1, n
    ids = np.concatenate([rng.permutation(v), rng.integers(v, size=2)])
    rng.shuffle(ids)
    return {
        "X": np.eye(v)[ids],
        "E": rng.standard_normal((v, m)),
        "Ybar": rng.standard_normal((ids.size, m)),
    }


def _overwrite_rows(X, E, Ybar):
    """``Ebar[ids] = Ybar``: an assignment, where a repeated word keeps its last gradient."""
    ids = _token_ids(X)
    Ebar = np.zeros(E.shape)
    Ebar[ids] = X[np.arange(ids.size), ids][:, None] * Ybar
    return Ebar


register(
    Identity(
        id="networks.embedding",
        title="Embedding lookup: adjoint of the table",
        formula=r"Y = X E:\quad \bar E = X^\top \bar Y",
        wrt="E",
        kind="vjp",
        cotangent="Ybar",
        value=embedding,
        derivative=adjoint_embedding_table,
        sample=_sample_embedding,
        symbolic=lambda X, E, Ybar: (X * E, X.T * Ybar),
        structure={"X": "one-hot"},
        derivation=r"""
Row $i$ of $Y$ is row $w_i$ of $E$, the word of token $i$; with $X$ the one-hot matrix of the
words, $Y = X E$, and $\bar E = X^\top \bar Y$: row $w$ of $\bar E$ is the sum of the
upstream gradients of the tokens that are the word $w$ (zero for a word absent from the
batch). Frameworks never form $X$: they scatter-add the rows of $\bar Y$ into a zero table
at the indices (`index_add`), or keep the sparse rows.
""",
        mistakes=(
            Mistake(
                r"\bar E_{w_i,:} = \bar y_i\ \text{(assigned, not added)}",
                _overwrite_rows,
                "scatters by assignment: a word that occurs twice keeps one of its gradients",
            ),
            Mistake(
                r"\operatorname{diag}(X^\top \mathbf{1})^{-1} X^\top \bar Y",
                lambda X, E, Ybar: (X.T @ Ybar) / X.sum(axis=0)[:, None],
                "averages the gradients of a repeated word instead of summing them (torch's "
                "scale_grad_by_freq is a different option: it divides by the frequency "
                "deliberately)",
            ),
        ),
        conventions={"numerator": r"\bar Y^\top X" + _ADJOINT},
        related=("layers.affine-weight", "networks.rmsnorm-input"),
        assumptions=(
            "none (the lookup is linear in E); n tokens over a vocabulary of v words, each "
            "token a one-hot row of X (an index into the rows of E); rows of E are m wide. The "
            "samples repeat some word, so that a rule that overwrites instead of adding fails"
        ),
        sources=(
            f"{GBC}, section 12.4.2 (word embeddings)",
            f"{TORCH}: `embedding` (backward `embedding_backward`, dense "
            "`embedding_dense_backward`)",
        ),
        keywords=(
            "embedding backward",
            "embedding gradient",
            "scatter-add",
            "index_add",
            "nn.Embedding",
            "lookup table gradient",
            "word embedding gradient",
        ),
    )
)


# ===========================================================================================
# Group normalisation: two groups of channels, statistics over each group's channels and pixels
# ===========================================================================================

#: The number of groups of the group-normalisation entries.
GROUPS = 2


def _group_blocks(X):
    """``X`` (c x p) as ``(GROUPS, c / GROUPS, p)``: the channels of each group."""
    c = X.shape[0]
    if c % GROUPS:
        raise ValueError(
            f"`X` must have a number of rows (channels) divisible by {GROUPS}, the number of "
            f"groups; got shape {X.shape}"
        )
    return X.reshape(GROUPS, c // GROUPS, X.shape[1])


def _group_normalise(X, eps):
    """``(Xhat, sigma)`` by groups: ``Xhat`` as X, ``sigma`` of shape (GROUPS, 1, 1)."""
    blocks = _group_blocks(X)
    centred = blocks - blocks.mean(axis=(1, 2), keepdims=True)
    sigma = np.sqrt((centred**2).mean(axis=(1, 2), keepdims=True) + eps)
    return (centred / sigma).reshape(X.shape), sigma


@shaped
def group_norm(X: Arr["c p"], gamma: Arr["c"], beta: Arr["c"], eps: Arr[""]):
    """Group normalisation of one image (c channels by p pixels) in two groups of channels,
    then a gain and a bias per channel.

    >>> group_norm(np.array([[1.0, 3.0], [0.0, 2.0]]), np.ones(2), np.zeros(2), 1e-12).round(6)
    array([[-1.,  1.],
           [-1.,  1.]])
    """
    _check_eps(eps)
    Xhat, _ = _group_normalise(X, eps)
    return gamma[:, None] * Xhat + beta[:, None]


@shaped
def adjoint_group_norm_input(
    X: Arr["c p"], gamma: Arr["c"], beta: Arr["c"], eps: Arr[""], Ybar: Arr["c p"]
):
    """``Xbar = (G - mean(G) - Xhat * mean(G * Xhat)) / sigma`` within each group,
    ``G = gamma * Ybar`` (the gain of each channel on its row)."""
    _check_eps(eps)
    Xhat, sigma = _group_normalise(X, eps)
    G, H = _group_blocks(gamma[:, None] * Ybar), _group_blocks(Xhat)
    out = G - G.mean(axis=(1, 2), keepdims=True) - H * (G * H).mean(axis=(1, 2), keepdims=True)
    return (out / sigma).reshape(X.shape)


@shaped
def adjoint_group_norm_gamma(
    X: Arr["c p"], gamma: Arr["c"], beta: Arr["c"], eps: Arr[""], Ybar: Arr["c p"]
):
    """``gammabar = (Ybar * Xhat) 1``: per channel, summed over its pixels."""
    _check_eps(eps)
    return (Ybar * _group_normalise(X, eps)[0]).sum(axis=1)


def _sp_group_norm(which):
    import sympy as sp

    def build(X, gamma, beta, eps, Ybar):
        c, p = X.shape
        size = c // GROUPS
        Xhat, sigma = sp.zeros(c, p), [None] * c
        for group in range(GROUPS):
            rows = range(group * size, (group + 1) * size)
            cells = [(r, q) for r in rows for q in range(p)]
            mean = sum(X[cell] for cell in cells) / len(cells)
            s = sp.sqrt(sum((X[cell] - mean) ** 2 for cell in cells) / len(cells) + eps)
            for cell in cells:
                Xhat[cell] = (X[cell] - mean) / s
            for r in rows:
                sigma[r] = s
        Y = sp.Matrix(c, p, lambda r, q: gamma[r] * Xhat[r, q] + beta[r])
        if which == "gamma":
            return Y, sp.Matrix([sum(Ybar[r, q] * Xhat[r, q] for q in range(p)) for r in range(c)])
        G = sp.Matrix(c, p, lambda r, q: gamma[r] * Ybar[r, q])
        claimed = sp.zeros(c, p)
        for group in range(GROUPS):
            cells = [(r, q) for r in range(group * size, (group + 1) * size) for q in range(p)]
            mean_g = sum(G[cell] for cell in cells) / len(cells)
            mean_gx = sum(G[cell] * Xhat[cell] for cell in cells) / len(cells)
            for r, q in cells:
                claimed[r, q] = (G[r, q] - mean_g - Xhat[r, q] * mean_gx) / sigma[r]
        return Y, claimed

    return build


def _sample_group_norm(rng, n):
    # c = 2 n channels (n per group: at n = 1 each group is one channel, instance norm),
    # p = 2 n + 1 pixels (odd, so never c); eps in [0.05, 0.5], so that dropping it shows
    c, p = 2 * n, 2 * n + 1
    return {
        "X": rng.standard_normal((c, p)),
        "gamma": rng.standard_normal(c),
        "beta": rng.standard_normal(c),
        "eps": float(rng.uniform(0.05, 0.5)),
        "Ybar": rng.standard_normal((c, p)),
    }


_GN_FORMULA = r"Y = \operatorname{diag}(\gamma) \hat X + \beta \mathbf{1}^\top:\quad "
_GN_WHERE = (
    r"k = c / 2",
    r"E_g = (I_2)_{:,g} \otimes I_k",
    r"\mu_g = \operatorname{mean}(E_g^\top X)",
    r"\sigma_g = \sqrt{\operatorname{mean}\bigl((E_g^\top X - \mu_g)^{\odot 2}\bigr) + \varepsilon}",
    r"\hat X_g = (E_g^\top X - \mu_g) / \sigma_g",
    r"\hat X = \sum_{g=1}^{2} E_g \hat X_g",
    r"G = \operatorname{diag}(\gamma) \bar Y",
    r"G_g = E_g^\top G",
)
_GN_ASSUMPTIONS = (
    "eps > 0. One image: X holds c channels (rows) by p pixels (columns, the image "
    "flattened); the channels form 2 groups of c / 2 consecutive channels, and each group "
    "X_g is normalised with the mean mu_g and the biased variance of all its entries "
    "(channels and pixels); gamma and beta are per channel, not per group. With one group "
    "this is layer normalisation over (c, p); with c groups, instance normalisation"
)
_GN_KEYWORDS = (
    "group normalization backward",
    "group norm gradient",
    "GroupNorm",
    "native_group_norm_backward",
    "instance normalization",
)
_GN_SOURCES = (
    "Wu & He, *Group Normalization*, ECCV (2018), section 3.1 (eqs. (1)-(2) with the "
    "group's set of channels and pixels)",
    f"{TORCH}: `native_group_norm` (backward `native_group_norm_backward`)",
)

register(
    Identity(
        id="networks.groupnorm-input",
        title="Group normalisation: adjoint of the input",
        formula=_GN_FORMULA + r"\bar X = \sum_{g=1}^{2} \frac{1}{\sigma_g} E_g \bigl(G_g - "
        r"\operatorname{mean}(G_g) - \hat X_g \operatorname{mean}(G_g \odot \hat X_g)\bigr)",
        where=_GN_WHERE,
        wrt="X",
        kind="vjp",
        cotangent="Ybar",
        value=group_norm,
        derivative=adjoint_group_norm_input,
        sample=_sample_group_norm,
        symbolic=_sp_group_norm("X"),
        symbolic_dims=(1,),  # c = 2 channels, p = 3 pixels; minutes at c = 4 (the square roots)
        derivation=r"""
Within a group, $\hat X_g$ is layer normalisation of the group's entries taken as one
vector: with $N$ entries, $d\hat x = \frac{1}{\sigma}\bigl(dx - \tfrac1N \mathbf 1
\mathbf 1^\top dx - \tfrac1N \hat x \hat x^\top dx\bigr)$, a symmetric map. The gain
multiplies row by row ($G = \operatorname{diag}(\gamma)\bar Y$ is the adjoint of $\hat X$),
and the groups do not interact, so each block of $\bar X$ is the layer-norm rule applied
to its block of $G$.
""",
        mistakes=(
            Mistake(
                r"\text{the same rule with the statistics of each channel}",
                lambda X, gamma, beta, eps, Ybar: _instance_norm_adjoint(X, gamma, eps, Ybar),
                "averages over each channel's pixels (instance norm) instead of over the group",
            ),
            Mistake(
                r"\sum_{g=1}^{2} \frac{1}{\sigma_g} E_g G_g",
                lambda X, gamma, beta, eps, Ybar: (
                    _group_blocks(gamma[:, None] * Ybar) / _group_normalise(X, eps)[1]
                ).reshape(X.shape),
                "treats the group's mean and variance as constants",
            ),
        ),
        related=("networks.groupnorm-gamma", "layers.layernorm-input", "networks.rmsnorm-input"),
        assumptions=_GN_ASSUMPTIONS,
        sources=_GN_SOURCES,
        keywords=("group norm input gradient", *_GN_KEYWORDS),
    )
)

register(
    Identity(
        id="networks.groupnorm-gamma",
        title="Group normalisation: adjoint of the per-channel gain",
        formula=_GN_FORMULA + r"\bar\gamma = (\bar Y \odot \hat X)\mathbf{1}",
        where=_GN_WHERE,
        wrt="gamma",
        kind="vjp",
        cotangent="Ybar",
        value=group_norm,
        derivative=adjoint_group_norm_gamma,
        sample=_sample_group_norm,
        symbolic=_sp_group_norm("gamma"),
        symbolic_dims=(1,),  # c = 2, p = 3 (see the input's entry)
        derivation=r"""
Varying $\gamma$ alone, $dY = \operatorname{diag}(d\gamma)\hat X$, so
$\bar\gamma_c = \sum_q \bar Y_{cq} \hat X_{cq}$: each channel's gain sums over its own pixels.
""",
        mistakes=(
            Mistake(
                r"\sum_{g=1}^{2} E_g \mathbf{1}\mathbf{1}^\top E_g^\top (\bar Y \odot \hat X)\mathbf{1}",
                lambda X, gamma, beta, eps, Ybar: np.repeat(
                    _group_blocks(Ybar * _group_normalise(X, eps)[0]).sum(axis=(1, 2)),
                    X.shape[0] // GROUPS,
                ),
                "gives the gain one value per group, as the statistics are, instead of one per "
                "channel: the sums over each group, repeated for its channels",
            ),
        ),
        related=("networks.groupnorm-input", "layers.layernorm-gamma"),
        assumptions=_GN_ASSUMPTIONS,
        sources=_GN_SOURCES,
        keywords=("group norm gain gradient", "dgamma", *_GN_KEYWORDS),
    )
)


def _instance_norm_adjoint(X, gamma, eps, Ybar):
    """The layer-norm rule on each channel (row) alone: instance normalisation's adjoint."""
    centred = X - X.mean(axis=1, keepdims=True)
    sigma = np.sqrt((centred**2).mean(axis=1, keepdims=True) + eps)
    Xhat, G = centred / sigma, gamma[:, None] * Ybar
    return (
        G - G.mean(axis=1, keepdims=True) - Xhat * (G * Xhat).mean(axis=1, keepdims=True)
    ) / sigma


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
TOPICS = (
    (
        "convolution-2d",
        "2-D convolution with channels",
        (
            "networks.conv2d-input",
            "networks.conv2d-kernel",
            "networks.conv2d-bias",
        ),
    ),
    (
        "gated-and-normalised",
        "GLU, RMSNorm and embeddings",
        (
            "networks.glu-input",
            "networks.glu-gate",
            "networks.rmsnorm-input",
            "networks.rmsnorm-gain",
            "networks.embedding",
        ),
    ),
    (
        "group-normalisation",
        "Group normalisation",
        (
            "networks.groupnorm-input",
            "networks.groupnorm-gamma",
        ),
    ),
)
