"""1-D convolution: the identities of the page ``reference/layers/convolution.html``."""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.layers._common import _ADJOINT, GBC
from gradref.shapes import Arr, shaped

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
        formula=_CONV_FORMULA + r"\bar x = \bar y * w\ "
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
                r"\bar y \star w",
                lambda x, w, ybar: np.convolve(ybar, w[::-1], mode="full"),
                "reuses the forward cross-correlation on the way back, without flipping the "
                "kernel: the full cross-correlation of ybar with w (no flip)",
            ),
            Mistake(
                r"\bar y *_{\text{valid}} w",
                lambda x, w, ybar: np.convolve(ybar, w, mode="valid"),
                "keeps the forward 'valid' mode (the valid convolution of ybar with w): the "
                "adjoint of a valid correlation is a full convolution, of the input's length",
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
                r"\textstyle\sum_{i=0}^{o-1} \bar y_i x_{i+k-1-j}",
                lambda x, w, ybar: (_windows(x, ybar.shape[0]) @ ybar)[::-1],
                "a convolution instead of a cross-correlation: the kernel adjoint comes out "
                "reversed (the right sum, flipped: entry j is the right one's entry k - 1 - j)",
            ),
            Mistake(
                r"\frac{1}{o} \textstyle\sum_{i=0}^{o-1} \bar y_i x_{i+j}",
                lambda x, w, ybar: _windows(x, ybar.shape[0]) @ ybar / ybar.shape[0],
                "averages over the output positions instead of summing (divides the sum by o)",
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


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = ("convolution", "1-D convolution", ("layers.conv1d-input", "layers.conv1d-kernel"))
