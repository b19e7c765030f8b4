"""Recurrent cells: one LSTM step, one GRU step, and back-propagation through time.

Each entry is a vector-Jacobian product (``kind="vjp"``): the adjoint of a weight or of the
previous state given the upstream gradient ``ybar`` of the step's new hidden state,
verified as the gradient of ``<ybar, step(...)>``. Back-propagation through time chains
these adjoints backwards over the steps; the tanh RNN entry does so over three steps. One
example, its vectors as columns; each gate has its own input and recurrent weights (torch
stacks them, in the order of the gates, into ``weight_ih`` and ``weight_hh``), and the
biases are left out (the adjoint of a bias is the adjoint of the pre-activation it is
added to).

The sympy checks are exact at small sizes (m = 1, k = 2): gates compose exponentials,
quotients and tanh, and sympy's comparison grows steeply with the number of symbols. The
derivatives of the sigmoid and of tanh are written out in the sympy forms
(``exp(-z) / (1 + exp(-z))^2``, which is ``sigma (1 - sigma)``, and ``1 - tanh(z)^2``),
which SymEngine expands to exact equality quickly.
"""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.losses import _sigmoid
from gradref.shapes import Arr, shaped

GBC = "Goodfellow, Bengio & Courville, *Deep Learning* (2016)"
TORCH = "PyTorch, `tools/autograd/derivatives.yaml`"


def _sp_sigmoid(z):
    import sympy as sp

    return 1 / (1 + sp.exp(-z))


def _sp_sigmoid_slope(z):
    """``sigma'(z)`` as ``exp(-z) / (1 + exp(-z))^2``, which is ``sigma (1 - sigma)``."""
    import sympy as sp

    return sp.exp(-z) / (1 + sp.exp(-z)) ** 2


def _sp_tanh_slope(z):
    import sympy as sp

    return 1 - sp.tanh(z) ** 2


def _sp_map(function, v):
    return v.applyfunc(function)


def _sp_times(*factors):
    """The entrywise product of sympy columns."""
    import sympy as sp

    out = factors[0]
    for factor in factors[1:]:
        out = sp.matrix_multiply_elementwise(out, factor)
    return out


# ===========================================================================================
# One LSTM step: h' = o * tanh(c'), c' = f * c + i * g
# ===========================================================================================


def _lstm(x, h, c, W_I, W_F, W_G, W_O, U_I, U_F, U_G, U_O, ybar):
    """``(gates, c_new, deltas, cbar_new)``: the forward step and, from ``ybar``, the adjoints
    of the new cell state and of the four gates' pre-activations (input, forget, cell, output)."""
    i = _sigmoid(W_I @ x + U_I @ h)
    f = _sigmoid(W_F @ x + U_F @ h)
    g = np.tanh(W_G @ x + U_G @ h)
    o = _sigmoid(W_O @ x + U_O @ h)
    c_new = f * c + i * g
    tanh_c = np.tanh(c_new)
    cbar_new = ybar * o * (1 - tanh_c**2)
    deltas = (
        cbar_new * g * i * (1 - i),
        cbar_new * c * f * (1 - f),
        cbar_new * i * (1 - g**2),
        ybar * tanh_c * o * (1 - o),
    )
    return (i, f, g, o), c_new, deltas, cbar_new


@shaped
def lstm_step(
    x: Arr["m"],
    h: Arr["k"],
    c: Arr["k"],
    W_I: Arr["k m"],
    W_F: Arr["k m"],
    W_G: Arr["k m"],
    W_O: Arr["k m"],
    U_I: Arr["k k"],
    U_F: Arr["k k"],
    U_G: Arr["k k"],
    U_O: Arr["k k"],
):
    """One LSTM step (torch's LSTMCell, biases left out): the new hidden state ``o * tanh(c')``.

    >>> W, U = np.zeros((1, 1)), np.zeros((1, 1))
    >>> lstm_step(np.zeros(1), np.zeros(1), np.ones(1), W, W, W, W, U, U, U, U)
    array([0.2310...])
    """
    _, c_new, _, _ = _lstm(x, h, c, W_I, W_F, W_G, W_O, U_I, U_F, U_G, U_O, np.zeros_like(h))
    o = _sigmoid(W_O @ x + U_O @ h)
    return o * np.tanh(c_new)


def _lstm_adjoint(which):
    """The adjoint of ``which`` ("U_F", "h" or "c") of one LSTM step, with the value's checks."""

    def adjoint(x, h, c, W_I, W_F, W_G, W_O, U_I, U_F, U_G, U_O, ybar):
        gates, _, deltas, cbar_new = _lstm(x, h, c, W_I, W_F, W_G, W_O, U_I, U_F, U_G, U_O, ybar)
        if which == "U_F":
            return np.outer(deltas[1], h)
        if which == "h":
            return sum(U.T @ delta for U, delta in zip((U_I, U_F, U_G, U_O), deltas, strict=True))
        return gates[1] * cbar_new

    return adjoint


@shaped
def adjoint_lstm_forget_weight(
    x: Arr["m"],
    h: Arr["k"],
    c: Arr["k"],
    W_I: Arr["k m"],
    W_F: Arr["k m"],
    W_G: Arr["k m"],
    W_O: Arr["k m"],
    U_I: Arr["k k"],
    U_F: Arr["k k"],
    U_G: Arr["k k"],
    U_O: Arr["k k"],
    ybar: Arr["k"],
):
    """``U_Fbar = delta_F h^T``, ``delta_F = cbar' * c * f * (1 - f)``."""
    return _lstm_adjoint("U_F")(x, h, c, W_I, W_F, W_G, W_O, U_I, U_F, U_G, U_O, ybar)


@shaped
def adjoint_lstm_hidden(
    x: Arr["m"],
    h: Arr["k"],
    c: Arr["k"],
    W_I: Arr["k m"],
    W_F: Arr["k m"],
    W_G: Arr["k m"],
    W_O: Arr["k m"],
    U_I: Arr["k k"],
    U_F: Arr["k k"],
    U_G: Arr["k k"],
    U_O: Arr["k k"],
    ybar: Arr["k"],
):
    """``hbar = U_I^T delta_I + U_F^T delta_F + U_G^T delta_G + U_O^T delta_O``."""
    return _lstm_adjoint("h")(x, h, c, W_I, W_F, W_G, W_O, U_I, U_F, U_G, U_O, ybar)


@shaped
def adjoint_lstm_cell_state(
    x: Arr["m"],
    h: Arr["k"],
    c: Arr["k"],
    W_I: Arr["k m"],
    W_F: Arr["k m"],
    W_G: Arr["k m"],
    W_O: Arr["k m"],
    U_I: Arr["k k"],
    U_F: Arr["k k"],
    U_G: Arr["k k"],
    U_O: Arr["k k"],
    ybar: Arr["k"],
):
    """``cbar = f * cbar'``, ``cbar' = ybar * o * (1 - tanh(c')^2)``: through the forget gate."""
    return _lstm_adjoint("c")(x, h, c, W_I, W_F, W_G, W_O, U_I, U_F, U_G, U_O, ybar)


def _lstm_mistake(rule):
    """A mistake's derivative with the LSTM adjoints' signature: ``rule(arguments, _lstm(...))``."""

    def mistake(x, h, c, W_I, W_F, W_G, W_O, U_I, U_F, U_G, U_O, ybar):
        arguments = (x, h, c, W_I, W_F, W_G, W_O, U_I, U_F, U_G, U_O, ybar)
        return rule(arguments, _lstm(*arguments))

    return mistake


def _sp_lstm(which):
    import sympy as sp

    def build(x, h, c, W_I, W_F, W_G, W_O, U_I, U_F, U_G, U_O, ybar):
        pre = [W * x + U * h for W, U in ((W_I, U_I), (W_F, U_F), (W_G, U_G), (W_O, U_O))]
        i, f, o = (_sp_map(_sp_sigmoid, pre[b]) for b in (0, 1, 3))
        g = _sp_map(sp.tanh, pre[2])
        c_new = _sp_times(f, c) + _sp_times(i, g)
        value = _sp_times(o, _sp_map(sp.tanh, c_new))
        cbar = _sp_times(ybar, o, _sp_map(_sp_tanh_slope, c_new))
        deltas = (
            _sp_times(cbar, g, _sp_map(_sp_sigmoid_slope, pre[0])),
            _sp_times(cbar, c, _sp_map(_sp_sigmoid_slope, pre[1])),
            _sp_times(cbar, i, _sp_map(_sp_tanh_slope, pre[2])),
            _sp_times(ybar, _sp_map(sp.tanh, c_new), _sp_map(_sp_sigmoid_slope, pre[3])),
        )
        if which == "U_F":
            claimed = deltas[1] * h.T
        elif which == "h":
            claimed = sum(
                (U.T * d for U, d in zip((U_I, U_F, U_G, U_O), deltas, strict=True)),
                sp.zeros(h.rows, 1),
            )
        else:
            claimed = _sp_times(f, cbar)
        return value, claimed

    return build


def _sample_lstm(rng, n):
    # input width m = n, state width k = n + 1; recurrent weights scaled by 1 / sqrt(k)
    m, k = n, n + 1
    inputs = {"x": rng.standard_normal(m), "h": rng.standard_normal(k), "c": rng.standard_normal(k)}
    for name in ("W_I", "W_F", "W_G", "W_O"):
        inputs[name] = rng.standard_normal((k, m))
    for name in ("U_I", "U_F", "U_G", "U_O"):
        inputs[name] = rng.standard_normal((k, k)) / np.sqrt(k)
    inputs["ybar"] = rng.standard_normal(k)
    return inputs


_LSTM_FORMULA = r"h' = o \odot \tanh(c'):\quad "
_LSTM_WHERE = (
    r"i = \sigma(W_I x + U_I h)",
    r"f = \sigma(W_F x + U_F h)",
    r"g = \tanh(W_G x + U_G h)",
    r"o = \sigma(W_O x + U_O h)",
    r"c' = f \odot c + i \odot g",
    r"\bar c' = \bar y \odot o \odot (1 - \tanh(c')^{\odot 2})",
    r"\delta_I = \bar c' \odot g \odot i \odot (1 - i)",
    r"\delta_F = \bar c' \odot c \odot f \odot (1 - f)",
    r"\delta_G = \bar c' \odot i \odot (1 - g^{\odot 2})",
    r"\delta_O = \bar y \odot \tanh(c') \odot o \odot (1 - o)",
)
_LSTM_ASSUMPTIONS = (
    "none (a composition of smooth maps). One example: input x of width m, hidden and cell "
    "states h, c of width k; the gates input i, forget f, cell g and output o, each with "
    "its input weights W_* (k x m) and recurrent weights U_* (k x k) (torch stacks them in "
    "this order into weight_ih and weight_hh), no biases and no peepholes. The output is "
    "the new hidden state h', with upstream gradient ybar. Within a sequence c' also has an "
    "upstream gradient of its own, from the next step's cell state; it adds to cbar' and "
    "changes nothing else. Checked exactly by sympy at m = 1, k = 2"
)
_LSTM_KEYWORDS = (
    "LSTM backward",
    "LSTM gradient",
    "long short-term memory",
    "LSTMCell",
    "backpropagation through time",
)
_LSTM_DERIVATION = r"""
Backwards through the step: $h' = o \odot \tanh(c')$ gives $\bar o = \bar y \odot \tanh(c')$
and $\bar c' = \bar y \odot o \odot (1 - \tanh^2 c')$. Then $c' = f \odot c + i \odot g$
gives $\bar f = \bar c' \odot c$, $\bar i = \bar c' \odot g$, $\bar g = \bar c' \odot i$ and
$\bar c = \bar c' \odot f$. Through the activations ($\sigma' = \sigma(1 - \sigma)$,
$\tanh' = 1 - \tanh^2$) these give the adjoints $\delta_I, \delta_F, \delta_G, \delta_O$ of
the four pre-activations $W_\ast x + U_\ast h$.
"""
_LSTM_SOURCES = (
    "Hochreiter & Schmidhuber, *Long Short-Term Memory*, Neural Computation 9 (1997)",
    "Greff, Srivastava, Koutník, Steunebrink & Schmidhuber, *LSTM: A Search Space Odyssey*, "
    "IEEE TNNLS 28 (2017), appendix (the backward pass of the vanilla LSTM, here without "
    "peepholes)",
    f"{GBC}, section 10.10.1 (the LSTM) and section 10.2.2 (back-propagation through time)",
    f"{TORCH}: `_thnn_fused_lstm_cell` (backward `_thnn_fused_lstm_cell_backward`)",
)


register(
    Identity(
        id="recurrent.lstm-forget-weight",
        title="One LSTM step: adjoint of the forget gate's recurrent weights",
        formula=_LSTM_FORMULA + r"\bar U_F = \delta_F\, h^\top",
        where=_LSTM_WHERE,
        wrt="U_F",
        kind="vjp",
        cotangent="ybar",
        value=lstm_step,
        derivative=adjoint_lstm_forget_weight,
        sample=_sample_lstm,
        symbolic=_sp_lstm("U_F"),
        symbolic_dims=(1,),  # m = 1, k = 2 (see the assumptions)
        derivation=_LSTM_DERIVATION
        + r"""
The forget gate's pre-activation $W_F x + U_F h$ is linear in $U_F$:
$\bar U_F = \delta_F\, h^\top$ (the other gates' weights alike, with their own $\delta$).
""",
        mistakes=(
            Mistake(
                r"\bigl(\bar c' \odot f \odot (1 - f)\bigr) h^\top",
                _lstm_mistake(lambda a, p: np.outer(p[3] * p[0][1] * (1 - p[0][1]), a[1])),
                "forgets that the forget gate multiplies the previous cell state: its "
                "adjoint is cbar' * c, not cbar'",
            ),
            Mistake(
                r"\bigl(\bar c' \odot c \odot f\bigr) h^\top",
                _lstm_mistake(lambda a, p: np.outer(p[3] * a[2] * p[0][1], a[1])),
                "writes the sigmoid's derivative as the sigmoid itself",
            ),
        ),
        related=("recurrent.lstm-hidden", "recurrent.lstm-cell-state", "recurrent.rnn-bptt"),
        assumptions=_LSTM_ASSUMPTIONS,
        sources=_LSTM_SOURCES,
        keywords=("forget gate gradient", "LSTM weight gradient", "dW_hh", *_LSTM_KEYWORDS),
    )
)

register(
    Identity(
        id="recurrent.lstm-hidden",
        title="One LSTM step: adjoint of the previous hidden state",
        formula=_LSTM_FORMULA
        + r"\bar h = U_I^\top \delta_I + U_F^\top \delta_F + U_G^\top \delta_G + U_O^\top \delta_O",
        where=_LSTM_WHERE,
        wrt="h",
        kind="vjp",
        cotangent="ybar",
        value=lstm_step,
        derivative=adjoint_lstm_hidden,
        sample=_sample_lstm,
        symbolic=_sp_lstm("h"),
        symbolic_dims=(1,),  # m = 1, k = 2 (see the assumptions)
        derivation=_LSTM_DERIVATION
        + r"""
The previous hidden state enters each gate through $U_\ast h$: $\bar h$ sums the four
gates' $U_\ast^\top \delta_\ast$.
""",
        mistakes=(
            Mistake(
                r"U_I^\top \delta_I + U_G^\top \delta_G + U_O^\top \delta_O",
                _lstm_mistake(lambda a, p: a[7].T @ p[2][0] + a[9].T @ p[2][2] + a[10].T @ p[2][3]),
                "drops the forget gate's path from h (through f * c) to c'",
            ),
            Mistake(
                r"U_I \delta_I + U_F \delta_F + U_G \delta_G + U_O \delta_O",
                _lstm_mistake(lambda a, p: sum(U @ d for U, d in zip(a[7:11], p[2], strict=True))),
                "forgets to transpose the recurrent weights",
            ),
        ),
        related=(
            "recurrent.lstm-cell-state",
            "recurrent.lstm-forget-weight",
            "recurrent.gru-hidden",
        ),
        assumptions=_LSTM_ASSUMPTIONS,
        sources=_LSTM_SOURCES,
        keywords=("LSTM hidden state gradient", "dh_prev", *_LSTM_KEYWORDS),
    )
)

register(
    Identity(
        id="recurrent.lstm-cell-state",
        title="One LSTM step: adjoint of the previous cell state",
        formula=_LSTM_FORMULA + r"\bar c = f \odot \bar c'",
        where=_LSTM_WHERE,
        wrt="c",
        kind="vjp",
        cotangent="ybar",
        value=lstm_step,
        derivative=adjoint_lstm_cell_state,
        sample=_sample_lstm,
        symbolic=_sp_lstm("c"),
        symbolic_dims=(1,),  # m = 1, k = 2 (see the assumptions)
        derivation=_LSTM_DERIVATION
        + r"""
The previous cell state enters only through $f \odot c$ (the gates read $h$, not $c$,
without peepholes): $\bar c = f \odot \bar c'$. This is the "constant error carousel":
through time the cell's gradient is multiplied by the forget gates alone, with no
squashing derivative, which is why it does not vanish as an RNN's does.
""",
        mistakes=(
            Mistake(
                r"\bar c'",
                _lstm_mistake(lambda a, p: p[3]),
                "passes the cell's gradient through unchanged: misses the forget gate",
            ),
            Mistake(
                r"f \odot \bar y \odot o",
                _lstm_mistake(lambda a, p: p[0][1] * a[11] * p[0][3]),
                "forgets the derivative of the tanh between c' and h'",
            ),
        ),
        related=("recurrent.lstm-hidden", "recurrent.lstm-forget-weight"),
        assumptions=_LSTM_ASSUMPTIONS,
        sources=_LSTM_SOURCES,
        keywords=(
            "LSTM cell state gradient",
            "dc_prev",
            "constant error carousel",
            *_LSTM_KEYWORDS,
        ),
    )
)


# ===========================================================================================
# One GRU step (torch's placement of the reset gate): h' = (1 - z) * n + z * h
# ===========================================================================================


def _gru(x, h, W_R, W_Z, W_N, U_R, U_Z, U_N, ybar):
    """``(r, z, n, delta_R, delta_Z, delta_N)``: the gates and the adjoints of the three
    pre-activations, from ``ybar``."""
    r = _sigmoid(W_R @ x + U_R @ h)
    z = _sigmoid(W_Z @ x + U_Z @ h)
    n = np.tanh(W_N @ x + r * (U_N @ h))
    delta_n = ybar * (1 - z) * (1 - n**2)
    delta_r = delta_n * (U_N @ h) * r * (1 - r)
    delta_z = ybar * (h - n) * z * (1 - z)
    return r, z, n, delta_r, delta_z, delta_n


@shaped
def gru_step(
    x: Arr["m"],
    h: Arr["k"],
    W_R: Arr["k m"],
    W_Z: Arr["k m"],
    W_N: Arr["k m"],
    U_R: Arr["k k"],
    U_Z: Arr["k k"],
    U_N: Arr["k k"],
):
    """One GRU step (torch's GRUCell, biases left out): ``h' = (1 - z) * n + z * h``.

    >>> W, U = np.zeros((1, 1)), np.zeros((1, 1))
    >>> gru_step(np.zeros(1), np.ones(1), W, W, W, U, U, U)
    array([0.5])
    """
    _, z, n, *_ = _gru(x, h, W_R, W_Z, W_N, U_R, U_Z, U_N, np.zeros_like(h))
    return (1 - z) * n + z * h


@shaped
def adjoint_gru_hidden(
    x: Arr["m"],
    h: Arr["k"],
    W_R: Arr["k m"],
    W_Z: Arr["k m"],
    W_N: Arr["k m"],
    U_R: Arr["k k"],
    U_Z: Arr["k k"],
    U_N: Arr["k k"],
    ybar: Arr["k"],
):
    """``hbar = z * ybar + U_R^T delta_R + U_Z^T delta_Z + U_N^T (r * delta_N)``."""
    r, z, _, delta_r, delta_z, delta_n = _gru(x, h, W_R, W_Z, W_N, U_R, U_Z, U_N, ybar)
    return z * ybar + U_R.T @ delta_r + U_Z.T @ delta_z + U_N.T @ (r * delta_n)


@shaped
def adjoint_gru_candidate_weight(
    x: Arr["m"],
    h: Arr["k"],
    W_R: Arr["k m"],
    W_Z: Arr["k m"],
    W_N: Arr["k m"],
    U_R: Arr["k k"],
    U_Z: Arr["k k"],
    U_N: Arr["k k"],
    ybar: Arr["k"],
):
    """``U_Nbar = (r * delta_N) h^T``."""
    r, *_, delta_n = _gru(x, h, W_R, W_Z, W_N, U_R, U_Z, U_N, ybar)
    return np.outer(r * delta_n, h)


def _sp_gru(which):
    import sympy as sp

    def build(x, h, W_R, W_Z, W_N, U_R, U_Z, U_N, ybar):
        pre_r, pre_z = W_R * x + U_R * h, W_Z * x + U_Z * h
        r, z = _sp_map(_sp_sigmoid, pre_r), _sp_map(_sp_sigmoid, pre_z)
        pre_n = W_N * x + _sp_times(r, U_N * h)
        n = _sp_map(sp.tanh, pre_n)
        ones = sp.ones(h.rows, 1)
        value = _sp_times(ones - z, n) + _sp_times(z, h)
        delta_n = _sp_times(ybar, ones - z, _sp_map(_sp_tanh_slope, pre_n))
        delta_r = _sp_times(delta_n, U_N * h, _sp_map(_sp_sigmoid_slope, pre_r))
        delta_z = _sp_times(ybar, h - n, _sp_map(_sp_sigmoid_slope, pre_z))
        if which == "h":
            claimed = (
                _sp_times(z, ybar)
                + U_R.T * delta_r
                + U_Z.T * delta_z
                + U_N.T * _sp_times(r, delta_n)
            )
        else:
            claimed = _sp_times(r, delta_n) * h.T
        return value, claimed

    return build


def _sample_gru(rng, n):
    # input width m = n, state width k = n + 1; recurrent weights scaled by 1 / sqrt(k)
    m, k = n, n + 1
    inputs = {"x": rng.standard_normal(m), "h": rng.standard_normal(k)}
    for name in ("W_R", "W_Z", "W_N"):
        inputs[name] = rng.standard_normal((k, m))
    for name in ("U_R", "U_Z", "U_N"):
        inputs[name] = rng.standard_normal((k, k)) / np.sqrt(k)
    inputs["ybar"] = rng.standard_normal(k)
    return inputs


_GRU_FORMULA = r"h' = (1 - z) \odot n + z \odot h:\quad "
_GRU_WHERE = (
    r"r = \sigma(W_R x + U_R h)",
    r"z = \sigma(W_Z x + U_Z h)",
    r"n = \tanh(W_N x + r \odot U_N h)",
    r"\delta_N = \bar y \odot (1 - z) \odot (1 - n^{\odot 2})",
    r"\delta_R = \delta_N \odot U_N h \odot r \odot (1 - r)",
    r"\delta_Z = \bar y \odot (h - n) \odot z \odot (1 - z)",
)
_GRU_ASSUMPTIONS = (
    "none (a composition of smooth maps). One example: input x of width m, hidden state h of "
    "width k, ybar the upstream gradient of h'; the gates reset r, update z and the "
    "candidate n, each with input weights W_* (k x m) and recurrent weights U_* (k x k) "
    "(torch stacks them in this order), no biases. The reset gate multiplies U_N h after "
    "the product, as torch and cuDNN do; Cho et al. apply it to h before the product, "
    "another cell with another adjoint. Checked exactly by sympy at m = 1, k = 2"
)
_GRU_KEYWORDS = (
    "GRU backward",
    "GRU gradient",
    "gated recurrent unit",
    "GRUCell",
    "backpropagation through time",
)
_GRU_DERIVATION = r"""
Backwards through $h' = (1 - z) \odot n + z \odot h$: $\bar n = \bar y \odot (1 - z)$,
$\bar z = \bar y \odot (h - n)$, and $h$ receives $z \odot \bar y$ directly. Through
$n = \tanh(W_N x + r \odot U_N h)$: $\delta_N = \bar n \odot (1 - n^2)$ is the adjoint of its
pre-activation, so $U_N h$ receives $r \odot \delta_N$ and $r$ receives $\delta_N \odot U_N h$;
through the sigmoids, the gates' pre-activations receive $\delta_R$ and $\delta_Z$.
"""
_GRU_SOURCES = (
    "Cho et al., *Learning Phrase Representations using RNN Encoder-Decoder for Statistical "
    "Machine Translation*, EMNLP (2014), section 2.3, eqs. (5)-(8) (the gated unit)",
    f"{GBC}, section 10.10.2 (other gated RNNs) and section 10.2.2 (back-propagation through time)",
    f"{TORCH}: `_thnn_fused_gru_cell` (backward `_thnn_fused_gru_cell_backward`)",
)

register(
    Identity(
        id="recurrent.gru-hidden",
        title="One GRU step: adjoint of the previous hidden state",
        formula=_GRU_FORMULA + r"\bar h = z \odot \bar y + U_R^\top \delta_R + U_Z^\top \delta_Z "
        r"+ U_N^\top (r \odot \delta_N)",
        where=_GRU_WHERE,
        wrt="h",
        kind="vjp",
        cotangent="ybar",
        value=gru_step,
        derivative=adjoint_gru_hidden,
        sample=_sample_gru,
        symbolic=_sp_gru("h"),
        symbolic_dims=(1,),  # m = 1, k = 2 (see the assumptions)
        derivation=_GRU_DERIVATION
        + r"""
$h$ enters directly, through $z \odot h$, and through the three products $U_\ast h$:
$\bar h = z \odot \bar y + U_R^\top \delta_R + U_Z^\top \delta_Z + U_N^\top (r \odot \delta_N)$.
The direct term is the GRU's carousel: with $z$ near 1 the gradient passes a step unchanged.
""",
        mistakes=(
            Mistake(
                r"U_R^\top \delta_R + U_Z^\top \delta_Z + U_N^\top (r \odot \delta_N)",
                lambda x, h, W_R, W_Z, W_N, U_R, U_Z, U_N, ybar: (
                    adjoint_gru_hidden(x, h, W_R, W_Z, W_N, U_R, U_Z, U_N, ybar)
                    - _gru(x, h, W_R, W_Z, W_N, U_R, U_Z, U_N, ybar)[1] * ybar
                ),
                "forgets the direct path z * h of the interpolation",
            ),
            Mistake(
                r"z \odot \bar y + U_R^\top \delta_R + U_Z^\top \delta_Z + U_N^\top \delta_N",
                lambda x, h, W_R, W_Z, W_N, U_R, U_Z, U_N, ybar: (
                    lambda r, z, n, dr, dz, dn: z * ybar + U_R.T @ dr + U_Z.T @ dz + U_N.T @ dn
                )(*_gru(x, h, W_R, W_Z, W_N, U_R, U_Z, U_N, ybar)),
                "leaves the reset gate off the candidate's path: the forward pass multiplied "
                "U_N h by r, so its adjoint is r * delta_N",
            ),
        ),
        related=("recurrent.gru-candidate-weight", "recurrent.lstm-hidden", "recurrent.rnn-bptt"),
        assumptions=_GRU_ASSUMPTIONS,
        sources=_GRU_SOURCES,
        keywords=("GRU hidden state gradient", "dh_prev", *_GRU_KEYWORDS),
    )
)

register(
    Identity(
        id="recurrent.gru-candidate-weight",
        title="One GRU step: adjoint of the candidate's recurrent weights",
        formula=_GRU_FORMULA + r"\bar U_N = (r \odot \delta_N)\, h^\top",
        where=_GRU_WHERE,
        wrt="U_N",
        kind="vjp",
        cotangent="ybar",
        value=gru_step,
        derivative=adjoint_gru_candidate_weight,
        sample=_sample_gru,
        symbolic=_sp_gru("U_N"),
        symbolic_dims=(1,),  # m = 1, k = 2 (see the assumptions)
        derivation=_GRU_DERIVATION
        + r"""
$U_N$ enters through $r \odot U_N h$: $\bar U_N = (r \odot \delta_N)\, h^\top$, while the
input weights get $\bar W_N = \delta_N\, x^\top$ (the reset gate does not touch $W_N x$).
""",
        mistakes=(
            Mistake(
                r"\delta_N\, h^\top",
                lambda x, h, W_R, W_Z, W_N, U_R, U_Z, U_N, ybar: np.outer(
                    _gru(x, h, W_R, W_Z, W_N, U_R, U_Z, U_N, ybar)[5], h
                ),
                "leaves the reset gate off, as is right for W_N but not for U_N",
            ),
            Mistake(
                r"\bigl(r \odot \bar y \odot (1 - n^{\odot 2})\bigr) h^\top",
                lambda x, h, W_R, W_Z, W_N, U_R, U_Z, U_N, ybar: (
                    lambda r, z, n, dr, dz, dn: np.outer(r * ybar * (1 - n**2), h)
                )(*_gru(x, h, W_R, W_Z, W_N, U_R, U_Z, U_N, ybar)),
                "forgets the factor 1 - z with which the candidate enters h'",
            ),
        ),
        related=("recurrent.gru-hidden", "recurrent.lstm-forget-weight"),
        assumptions=_GRU_ASSUMPTIONS,
        sources=_GRU_SOURCES,
        keywords=("GRU weight gradient", "candidate weight gradient", *_GRU_KEYWORDS),
    )
)


# ===========================================================================================
# Back-propagation through time: three steps of a tanh RNN
# ===========================================================================================


def _rnn_states(x1, x2, x3, h0, W, U):
    states = [h0]
    for x in (x1, x2, x3):
        states.append(np.tanh(W @ states[-1] + U @ x))
    return states


def _bptt(x1, x2, x3, h0, W, U, ybar, transpose=True, carried_slope=True, steps=3):
    """``Wbar`` summed over the last ``steps`` steps (a mistake's variants: the adjoint carried
    back by W instead of W^T, or without tanh' on what is carried)."""
    h = _rnn_states(x1, x2, x3, h0, W, U)
    back = W.T if transpose else W
    delta = (1 - h[3] ** 2) * ybar
    Wbar = np.outer(delta, h[2])
    for t in (2, 1)[: steps - 1]:
        carried = back @ delta
        delta = (1 - h[t] ** 2) * carried if carried_slope else carried
        Wbar = Wbar + np.outer(delta, h[t - 1])
    return Wbar


@shaped
def rnn_last_state(
    x1: Arr["m"], x2: Arr["m"], x3: Arr["m"], h0: Arr["k"], W: Arr["k k"], U: Arr["k m"]
):
    """The state after three steps of a tanh RNN, ``h_t = tanh(W h_{t-1} + U x_t)``.

    >>> z = np.zeros(1)
    >>> rnn_last_state(z, z, z, np.ones(1), np.eye(1), np.eye(1)).round(4)
    array([0.5663])
    """
    return _rnn_states(x1, x2, x3, h0, W, U)[3]


@shaped
def adjoint_rnn_recurrent_weight(
    x1: Arr["m"],
    x2: Arr["m"],
    x3: Arr["m"],
    h0: Arr["k"],
    W: Arr["k k"],
    U: Arr["k m"],
    ybar: Arr["k"],
):
    """``Wbar = delta_3 h_2^T + delta_2 h_1^T + delta_1 h_0^T``, by back-propagation through time."""
    return _bptt(x1, x2, x3, h0, W, U, ybar)


def _sp_rnn(x1, x2, x3, h0, W, U, ybar):
    import sympy as sp

    h = [h0]
    for x in (x1, x2, x3):
        h.append(_sp_map(sp.tanh, W * h[-1] + U * x))
    ones = sp.ones(h0.rows, 1)
    delta = _sp_times(ones - _sp_times(h[3], h[3]), ybar)
    claimed = delta * h[2].T
    for t in (2, 1):
        delta = _sp_times(ones - _sp_times(h[t], h[t]), W.T * delta)
        claimed += delta * h[t - 1].T
    return h[3], claimed


def _sample_rnn(rng, n):
    # input width m = n, state width k = n + 1; W scaled to spectral radius about
    # 1 / sqrt(2), so the states stay away from tanh's flat tails
    m, k = n, n + 1
    return {
        "x1": rng.standard_normal(m),
        "x2": rng.standard_normal(m),
        "x3": rng.standard_normal(m),
        "h0": rng.standard_normal(k),
        "W": rng.standard_normal((k, k)) / np.sqrt(2 * k),
        "U": rng.standard_normal((k, m)),
        "ybar": rng.standard_normal(k),
    }


register(
    Identity(
        id="recurrent.rnn-bptt",
        title="Back-propagation through time: adjoint of the recurrent weight of a tanh RNN",
        formula=r"h_3 = \tanh(W h_2 + U x_3):\quad "
        r"\bar W = \delta_3 h_2^\top + \delta_2 h_1^\top + \delta_1 h_0^\top",
        where=(
            r"h_1 = \tanh(W h_0 + U x_1)",
            r"h_2 = \tanh(W h_1 + U x_2)",
            r"\delta_3 = (1 - h_3^{\odot 2}) \odot \bar y",
            r"\delta_2 = (1 - h_2^{\odot 2}) \odot W^\top \delta_3",
            r"\delta_1 = (1 - h_1^{\odot 2}) \odot W^\top \delta_2",
        ),
        wrt="W",
        kind="vjp",
        cotangent="ybar",
        value=rnn_last_state,
        derivative=adjoint_rnn_recurrent_weight,
        sample=_sample_rnn,
        symbolic=_sp_rnn,
        symbolic_dims=(1, 2),  # m = 1, 2 and k = 2, 3
        derivation=r"""
The same $W$ acts at every step, so $\bar W$ is the sum of its adjoints at each step,
$\delta_t\, h_{t-1}^\top$, where $\delta_t$ is the adjoint of the pre-activation
$W h_{t-1} + U x_t$. Going backwards, $h_3$ receives $\bar y$, and $h_{t-1}$ receives
$W^\top \delta_t$ from step $t$; through the tanh, $\delta_t = (1 - h_t^2) \odot \bar h_t$.
Unrolled, $\delta_1$ carries the product $\operatorname{diag}(1 - h_1^2)\, W^\top
\operatorname{diag}(1 - h_2^2)\, W^\top$, the source of vanishing and exploding gradients.
A loss on every step adds that step's own upstream gradient to $\bar h_t$.
""",
        mistakes=(
            Mistake(
                r"\delta_3 h_2^\top",
                lambda x1, x2, x3, h0, W, U, ybar: _bptt(x1, x2, x3, h0, W, U, ybar, steps=1),
                "truncates back-propagation through time to the last step",
            ),
            Mistake(
                r"\delta_3 h_2^\top + \tilde\delta_2 h_1^\top + \tilde\delta_1 h_0^\top,\quad "
                r"\tilde\delta_2 = (1 - h_2^{\odot 2}) \odot W \delta_3,\quad "
                r"\tilde\delta_1 = (1 - h_1^{\odot 2}) \odot W \tilde\delta_2",
                lambda x1, x2, x3, h0, W, U, ybar: _bptt(
                    x1, x2, x3, h0, W, U, ybar, transpose=False
                ),
                "carries the adjoint back by W instead of W^T",
            ),
            Mistake(
                r"\delta_3 h_2^\top + \tilde\delta_2 h_1^\top + \tilde\delta_1 h_0^\top,\quad "
                r"\tilde\delta_2 = W^\top \delta_3,\quad \tilde\delta_1 = W^\top \tilde\delta_2",
                lambda x1, x2, x3, h0, W, U, ybar: _bptt(
                    x1, x2, x3, h0, W, U, ybar, carried_slope=False
                ),
                "applies tanh' at the last step only, not to what is carried back through "
                "the earlier steps",
            ),
        ),
        related=("recurrent.lstm-forget-weight", "recurrent.gru-candidate-weight", "layers.mlp-w1"),
        assumptions=(
            "none (a composition of smooth maps). Three steps of a tanh RNN without bias: "
            "inputs x_1, x_2, x_3 of width m, initial state h_0 and states of width k, "
            "recurrent weight W (k x k) and input weight U (k x m); the output is the last "
            "state h_3 with upstream gradient ybar (a sequence-to-one loss). Checked "
            "exactly by sympy at m = 1, 2, k = 2, 3"
        ),
        sources=(
            f"{GBC}, section 10.2.2 (back-propagation through time: the gradient of the "
            "shared W as a sum over the steps)",
            "Werbos, *Backpropagation Through Time: What It Does and How to Do It*, "
            "Proceedings of the IEEE 78 (1990)",
            "Pascanu, Mikolov & Bengio, *On the difficulty of training recurrent neural "
            "networks*, ICML (2013), section 2 (the product of Jacobians)",
        ),
        keywords=(
            "backpropagation through time",
            "BPTT",
            "RNN gradient",
            "recurrent weight gradient",
            "vanilla RNN backward",
            "vanishing gradient",
            "Elman network",
        ),
    )
)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
TOPICS = (
    (
        "lstm",
        "One LSTM step",
        (
            "recurrent.lstm-forget-weight",
            "recurrent.lstm-hidden",
            "recurrent.lstm-cell-state",
        ),
    ),
    (
        "gru-bptt",
        "One GRU step, and BPTT",
        (
            "recurrent.gru-hidden",
            "recurrent.gru-candidate-weight",
            "recurrent.rnn-bptt",
        ),
    ),
)
