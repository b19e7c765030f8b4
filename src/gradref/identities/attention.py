"""Attention: the backward pass of self-attention with its projections, masks and biases.

Each entry is a vector-Jacobian product (``kind="vjp"``): for the output ``O`` of the layer
and an upstream gradient ``Obar = dL/dO`` shaped like it, the adjoint of one weight or input,
verified as the gradient of ``<Obar, attention(...)>``. Tokens are stored one per row, as
PyTorch stores a batch-first sequence (without the batch). Scaled dot-product attention of
given queries, keys and values is in :mod:`gradref.identities.layers`.

The sympy checks are exact at small sizes only: a softmax puts every symbol of a row into
every entry of it, and the exact comparison grows steeply with the number of symbols
(the sizes and times are in each entry). The numerical checks run at every size.
"""

import math

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.layers import _sp_softmax_rows
from gradref.identities.softmax import _softmax
from gradref.shapes import Arr, shaped

VASWANI = "Vaswani et al., *Attention Is All You Need*, NeurIPS (2017)"
GBC = "Goodfellow, Bengio & Courville, *Deep Learning* (2016)"
TORCH = "PyTorch, `tools/autograd/derivatives.yaml`"

_ADJOINT = (
    r"\ \text{(the transpose of the adjoint: numerator layout arranges } "
    r"\partial L / \partial(\cdot) \text{ so)}"
)


# ===========================================================================================
# Self-attention with its projections: O = softmax(X W_Q (X W_K)^T / sqrt(d)) X W_V
# ===========================================================================================


def _attention_weights(S, causal):
    """The row-wise softmax of ``S``; with ``causal``, over the keys ``j <= i`` of row ``i``
    only, the others exactly 0 (no ``-inf`` is formed, so no ``inf - inf`` can make a NaN)."""
    if not causal:
        return _softmax(S)
    keep = np.tril(np.ones(S.shape, dtype=bool))
    shifted = np.where(keep, S, 0.0)
    shifted = shifted - np.where(keep, shifted.real, -np.inf).max(axis=1, keepdims=True)
    E = np.where(keep, np.exp(np.where(keep, shifted, 0.0)), 0.0)
    return E / E.sum(axis=1, keepdims=True)


def _self_attention_backward(X, W_Q, W_K, W_V, Obar, causal=False):
    """``(Q, K, V, P, Sbar)``: the projections, the weights and the adjoint of the scores
    ``Sbar = P * (Obar V^T - rowsum(P * Obar V^T))``."""
    Q, K, V = X @ W_Q, X @ W_K, X @ W_V
    P = _attention_weights(Q @ K.T / math.sqrt(W_Q.shape[1]), causal)
    Pbar = Obar @ V.T
    Sbar = P * (Pbar - (P * Pbar).sum(axis=1, keepdims=True))
    return Q, K, V, P, Sbar


@shaped
def self_attention(X: Arr["t m"], W_Q: Arr["m d"], W_K: Arr["m d"], W_V: Arr["m e"]):
    """Self-attention ``softmax(X W_Q (X W_K)^T / sqrt(d)) X W_V``, the softmax along each row.

    >>> self_attention(np.ones((2, 1)), np.zeros((1, 4)), np.zeros((1, 4)), np.ones((1, 1)))
    array([[1.],
           [1.]])
    """
    Q, K, V = X @ W_Q, X @ W_K, X @ W_V
    return _softmax(Q @ K.T / math.sqrt(W_Q.shape[1])) @ V


@shaped
def adjoint_self_attention_wq(
    X: Arr["t m"], W_Q: Arr["m d"], W_K: Arr["m d"], W_V: Arr["m e"], Obar: Arr["t e"]
):
    """``W_Qbar = X^T Sbar K / sqrt(d)``."""
    _, K, _, _, Sbar = _self_attention_backward(X, W_Q, W_K, W_V, Obar)
    return X.T @ Sbar @ K / math.sqrt(W_Q.shape[1])


@shaped
def adjoint_self_attention_wk(
    X: Arr["t m"], W_Q: Arr["m d"], W_K: Arr["m d"], W_V: Arr["m e"], Obar: Arr["t e"]
):
    """``W_Kbar = X^T Sbar^T Q / sqrt(d)``."""
    Q, _, _, _, Sbar = _self_attention_backward(X, W_Q, W_K, W_V, Obar)
    return X.T @ Sbar.T @ Q / math.sqrt(W_Q.shape[1])


@shaped
def adjoint_self_attention_wv(
    X: Arr["t m"], W_Q: Arr["m d"], W_K: Arr["m d"], W_V: Arr["m e"], Obar: Arr["t e"]
):
    """``W_Vbar = X^T P^T Obar``."""
    _, _, _, P, _ = _self_attention_backward(X, W_Q, W_K, W_V, Obar)
    return X.T @ P.T @ Obar


@shaped
def adjoint_self_attention_x(
    X: Arr["t m"], W_Q: Arr["m d"], W_K: Arr["m d"], W_V: Arr["m e"], Obar: Arr["t e"]
):
    """``Xbar = (Sbar K W_Q^T + Sbar^T Q W_K^T) / sqrt(d) + P^T Obar W_V^T``: three paths."""
    Q, K, _, P, Sbar = _self_attention_backward(X, W_Q, W_K, W_V, Obar)
    root = math.sqrt(W_Q.shape[1])
    return (Sbar @ K @ W_Q.T + Sbar.T @ Q @ W_K.T) / root + P.T @ Obar @ W_V.T


def _sp_scores_adjoint(P, Pbar):
    """``Sbar = P * (Pbar - rowsum(P * Pbar))`` in sympy."""
    import sympy as sp

    rowsums = [sum(P[i, j] * Pbar[i, j] for j in range(P.cols)) for i in range(P.rows)]
    return sp.Matrix(P.rows, P.cols, lambda i, j: P[i, j] * (Pbar[i, j] - rowsums[i]))


def _sp_causal_softmax_rows(S):
    """The row-wise softmax over the keys ``j <= i`` of row ``i``, zero elsewhere, in sympy."""
    import sympy as sp

    rows = []
    for i in range(S.rows):
        e = [sp.exp(S[i, j]) for j in range(i + 1)]
        rows.append([x / sum(e) for x in e] + [sp.Integer(0)] * (S.cols - i - 1))
    return sp.Matrix(rows)


def _sp_self_attention(which, causal=False):
    import sympy as sp

    def build(X, W_Q, W_K, W_V, Obar):
        root = sp.sqrt(W_Q.cols)
        Q, K, V = X * W_Q, X * W_K, X * W_V
        S = Q * K.T / root
        P = _sp_causal_softmax_rows(S) if causal else _sp_softmax_rows(S)
        Sbar = _sp_scores_adjoint(P, Obar * V.T)
        claimed = {
            "W_Q": X.T * Sbar * K / root,
            "W_K": X.T * Sbar.T * Q / root,
            "W_V": X.T * P.T * Obar,
            "X": (Sbar * K * W_Q.T + Sbar.T * Q * W_K.T) / root + P.T * Obar * W_V.T,
        }[which]
        return P * V, claimed

    return build


def _sample_self_attention(rng, n):
    # t = n + 1 >= 2 tokens (a softmax over one key is constant), model width m = n, head
    # width d = n + 3 (d = 4 at the exact check: sqrt(d) = 2 is rational and not 1, so a
    # dropped scaling shows), value width e = n + 2: distinct at every n. The exact check
    # (n = 1) takes about 1.2 CPU s; 3 at t = 3, 39 at m = 3
    t, m, d, e = n + 1, n, n + 3, n + 2
    return {
        "X": rng.standard_normal((t, m)),
        "W_Q": rng.standard_normal((m, d)) / math.sqrt(m),
        "W_K": rng.standard_normal((m, d)) / math.sqrt(m),
        "W_V": rng.standard_normal((m, e)),
        "Obar": rng.standard_normal((t, e)),
    }


_SA_WHERE = (
    r"P = \operatorname{softmax}_{\text{rows}}\!\bigl(X W_Q W_K^\top X^\top / \sqrt{d}\bigr)",
    r"\bar S = P \odot \bigl(\bar O W_V^\top X^\top - (P \odot \bar O W_V^\top X^\top)"
    r"\mathbf{1}\mathbf{1}^\top\bigr)",
)
_SA_FORMULA = r"O = P X W_V:\quad "
_SA_ASSUMPTIONS = (
    "none: the softmax is smooth. t >= 2 tokens of width m, one per row of X (torch's "
    "batch-first layout without the batch); queries and keys of width d, values of width e; "
    "no mask (see the causal entry). Checked exactly by sympy at t = 2, m = 1, d = 4, e = 3 "
    "(a larger exact check takes minutes: the softmax puts every symbol in every entry), "
    "numerically at t = 2, ..., 9"
)
_SA_KEYWORDS = (
    "self-attention backward",
    "attention projection gradient",
    "transformer backward",
    "multi-head attention",
    "scaled dot-product attention",
)
_SA_DERIVATION = r"""
Write $Q = X W_Q$, $K = X W_K$, $V = X W_V$, $S = Q K^\top / \sqrt d$ and $O = P V$. From $O$, $\bar P = \bar O V^\top$ and
$\bar V = P^\top \bar O$. Through the softmax of each row $p$ of $P$, whose Jacobian
$\operatorname{diag}(p) - p p^\top$ is symmetric, $\bar s = p \odot (\bar p - p^\top \bar p)$,
which is $\bar S$ row by row. From $S$, $\bar Q = \bar S K / \sqrt d$ and
$\bar K = \bar S^\top Q / \sqrt d$ (as in the entries for the queries and keys alone).
"""

register(
    Identity(
        id="attention.self-attention-wq",
        title="Self-attention: adjoint of the query projection",
        formula=_SA_FORMULA + r"\bar W_Q = \frac{1}{\sqrt d} X^\top \bar S X W_K",
        where=_SA_WHERE,
        wrt="W_Q",
        kind="vjp",
        cotangent="Obar",
        value=self_attention,
        derivative=adjoint_self_attention_wq,
        sample=_sample_self_attention,
        symbolic=_sp_self_attention("W_Q"),
        symbolic_dims=(1,),  # t = 2, m = 1, d = 4, e = 3 (see the assumptions)
        derivation=_SA_DERIVATION
        + r"""
Finally $Q = X W_Q$ gives $dQ = X\, dW_Q$, and $\langle \bar Q, X\, dW_Q\rangle
= \langle X^\top \bar Q, dW_Q\rangle$, so $\bar W_Q = X^\top \bar S K / \sqrt d$.
""",
        mistakes=(
            Mistake(
                r"\frac{1}{\sqrt d} X^\top \bigl(P \odot \bar O W_V^\top X^\top\bigr) X W_K",
                lambda X, W_Q, W_K, W_V, Obar: (
                    lambda Q, K, V, P, Sbar: X.T @ (P * (Obar @ V.T)) @ K / math.sqrt(Q.shape[1])
                )(*_self_attention_backward(X, W_Q, W_K, W_V, Obar)),
                "keeps only the diagonal of the softmax Jacobian: drops the - p p^T part",
            ),
            Mistake(
                r"X^\top \bar S X W_K",
                lambda X, W_Q, W_K, W_V, Obar: (lambda Q, K, V, P, Sbar: X.T @ Sbar @ K)(
                    *_self_attention_backward(X, W_Q, W_K, W_V, Obar)
                ),
                "forgets the 1/sqrt(d) scaling of the scores",
            ),
            Mistake(
                r"\frac{1}{\sqrt d} X^\top \bar S^\top X W_K",
                lambda X, W_Q, W_K, W_V, Obar: (
                    lambda Q, K, V, P, Sbar: X.T @ Sbar.T @ K / math.sqrt(Q.shape[1])
                )(*_self_attention_backward(X, W_Q, W_K, W_V, Obar)),
                "transposes the score adjoint: the query's gradient sums over its own row of "
                "scores (the keys it attends to), not over a column",
            ),
        ),
        conventions={"numerator": r"\bar W_Q^\top" + _ADJOINT},
        related=(
            "attention.self-attention-wk",
            "attention.self-attention-wv",
            "attention.self-attention-x",
            "layers.attention-q",
        ),
        assumptions=_SA_ASSUMPTIONS,
        sources=(
            f"{VASWANI}, section 3.2.1, eq. (1)",
            f"{GBC}, section 6.5 (back-propagation)",
            f"{TORCH}: `_scaled_dot_product_attention_math` is composed of `matmul`, "
            "`_softmax` (`_softmax_backward_data`) and `mul`, each differentiated there",
        ),
        keywords=("query projection gradient", "dW_Q", "W_Q gradient", *_SA_KEYWORDS),
    )
)

register(
    Identity(
        id="attention.self-attention-wk",
        title="Self-attention: adjoint of the key projection",
        formula=_SA_FORMULA + r"\bar W_K = \frac{1}{\sqrt d} X^\top \bar S^\top X W_Q",
        where=_SA_WHERE,
        wrt="W_K",
        kind="vjp",
        cotangent="Obar",
        value=self_attention,
        derivative=adjoint_self_attention_wk,
        sample=_sample_self_attention,
        symbolic=_sp_self_attention("W_K"),
        symbolic_dims=(1,),  # t = 2, m = 1, d = 4, e = 3 (see the assumptions)
        derivation=_SA_DERIVATION
        + r"""
Finally $K = X W_K$ gives $\langle \bar K, X\, dW_K\rangle = \langle X^\top \bar K, dW_K\rangle$,
so $\bar W_K = X^\top \bar S^\top Q / \sqrt d$: the keys collect the score adjoint by column.
""",
        mistakes=(
            Mistake(
                r"\frac{1}{\sqrt d} X^\top \bar S X W_Q",
                lambda X, W_Q, W_K, W_V, Obar: (
                    lambda Q, K, V, P, Sbar: X.T @ Sbar @ Q / math.sqrt(Q.shape[1])
                )(*_self_attention_backward(X, W_Q, W_K, W_V, Obar)),
                "copies the query rule: S = Q K^T is not symmetric in Q and K, the keys take "
                "the transposed score adjoint",
            ),
            Mistake(
                r"\frac{1}{\sqrt d} X^\top \bigl(P \odot \bar O W_V^\top X^\top\bigr)^\top X W_Q",
                lambda X, W_Q, W_K, W_V, Obar: (
                    lambda Q, K, V, P, Sbar: X.T @ (P * (Obar @ V.T)).T @ Q / math.sqrt(Q.shape[1])
                )(*_self_attention_backward(X, W_Q, W_K, W_V, Obar)),
                "keeps only the diagonal of the softmax Jacobian: drops the - p p^T part",
            ),
        ),
        conventions={"numerator": r"\bar W_K^\top" + _ADJOINT},
        related=(
            "attention.self-attention-wq",
            "attention.self-attention-wv",
            "attention.self-attention-x",
            "layers.attention-k",
        ),
        assumptions=_SA_ASSUMPTIONS,
        sources=(f"{VASWANI}, section 3.2.1, eq. (1)", f"{GBC}, section 6.5 (back-propagation)"),
        keywords=("key projection gradient", "dW_K", "W_K gradient", *_SA_KEYWORDS),
    )
)

register(
    Identity(
        id="attention.self-attention-wv",
        title="Self-attention: adjoint of the value projection",
        formula=_SA_FORMULA + r"\bar W_V = X^\top P^\top \bar O",
        where=_SA_WHERE,
        wrt="W_V",
        kind="vjp",
        cotangent="Obar",
        value=self_attention,
        derivative=adjoint_self_attention_wv,
        sample=_sample_self_attention,
        symbolic=_sp_self_attention("W_V"),
        symbolic_dims=(1,),  # t = 2, m = 1, d = 4, e = 3 (see the assumptions)
        derivation=r"""
The weights $P$ do not depend on $W_V$: $dO = P X\, dW_V$, and
$\langle \bar O, P X\, dW_V\rangle = \operatorname{tr}(\bar O^\top P X\, dW_V)
= \langle X^\top P^\top \bar O, dW_V\rangle$.
""",
        mistakes=(
            Mistake(
                r"X^\top P \bar O",
                lambda X, W_Q, W_K, W_V, Obar: (lambda Q, K, V, P, Sbar: X.T @ P @ Obar)(
                    *_self_attention_backward(X, W_Q, W_K, W_V, Obar)
                ),
                "forgets to transpose the attention weights (P is not symmetric)",
            ),
            Mistake(
                r"\frac{1}{\sqrt d} X^\top P^\top \bar O",
                lambda X, W_Q, W_K, W_V, Obar: (
                    lambda Q, K, V, P, Sbar: X.T @ P.T @ Obar / math.sqrt(Q.shape[1])
                )(*_self_attention_backward(X, W_Q, W_K, W_V, Obar)),
                "carries the 1/sqrt(d) of the scores over to the values, which enter linearly",
            ),
        ),
        conventions={"numerator": r"\bar W_V^\top" + _ADJOINT},
        related=(
            "attention.self-attention-wq",
            "attention.self-attention-wk",
            "attention.self-attention-x",
            "layers.attention-v",
        ),
        assumptions=_SA_ASSUMPTIONS,
        sources=(f"{VASWANI}, section 3.2.1, eq. (1)", f"{GBC}, section 6.5 (back-propagation)"),
        keywords=("value projection gradient", "dW_V", "W_V gradient", *_SA_KEYWORDS),
    )
)

register(
    Identity(
        id="attention.self-attention-x",
        title="Self-attention: adjoint of the input tokens",
        formula=_SA_FORMULA + r"\bar X = \frac{1}{\sqrt d}\bigl(\bar S X W_K W_Q^\top "
        r"+ \bar S^\top X W_Q W_K^\top\bigr) + P^\top \bar O W_V^\top",
        where=_SA_WHERE,
        wrt="X",
        kind="vjp",
        cotangent="Obar",
        value=self_attention,
        derivative=adjoint_self_attention_x,
        sample=_sample_self_attention,
        symbolic=_sp_self_attention("X"),
        symbolic_dims=(1,),  # t = 2, m = 1, d = 4, e = 3 (see the assumptions)
        derivation=r"""
$X$ enters three times, as $Q = X W_Q$, $K = X W_K$ and $V = X W_V$; its adjoint is the sum
of the three paths, $\bar X = \bar Q W_Q^\top + \bar K W_K^\top + \bar V W_V^\top$, with
$\bar Q = \bar S K / \sqrt d$, $\bar K = \bar S^\top Q / \sqrt d$ and $\bar V = P^\top \bar O$
(see the entries for the projections).
""",
        mistakes=(
            Mistake(
                r"\frac{1}{\sqrt d}\bar S X W_K W_Q^\top + P^\top \bar O W_V^\top",
                lambda X, W_Q, W_K, W_V, Obar: (
                    lambda Q, K, V, P, Sbar: (
                        Sbar @ K @ W_Q.T / math.sqrt(Q.shape[1]) + P.T @ Obar @ W_V.T
                    )
                )(*_self_attention_backward(X, W_Q, W_K, W_V, Obar)),
                "differentiates the queries and the values but treats the keys as constant, "
                "as if they came from another sequence (cross-attention)",
            ),
            Mistake(
                r"\frac{1}{\sqrt d}\bigl(\bar S X W_K W_Q^\top + \bar S^\top X W_Q W_K^\top\bigr) "
                r"+ P \bar O W_V^\top",
                lambda X, W_Q, W_K, W_V, Obar: (
                    lambda Q, K, V, P, Sbar: (
                        (Sbar @ K @ W_Q.T + Sbar.T @ Q @ W_K.T) / math.sqrt(Q.shape[1])
                        + P @ Obar @ W_V.T
                    )
                )(*_self_attention_backward(X, W_Q, W_K, W_V, Obar)),
                "forgets to transpose the attention weights on the value path",
            ),
        ),
        conventions={"numerator": r"\bar X^\top" + _ADJOINT},
        related=(
            "attention.self-attention-wq",
            "attention.self-attention-wk",
            "attention.self-attention-wv",
            "layers.attention-q",
        ),
        assumptions=_SA_ASSUMPTIONS,
        sources=(f"{VASWANI}, section 3.2.1, eq. (1)", f"{GBC}, section 6.5 (back-propagation)"),
        keywords=("self-attention input gradient", "dX attention", *_SA_KEYWORDS),
    )
)


# ===========================================================================================
# Causal (masked) attention and attention with an additive bias
# ===========================================================================================


def _masked_scores_adjoint(Q, K, V, Obar, B=None, causal=False):
    """``(P, Sbar)`` of ``softmax(Q K^T / sqrt(d) + B) V``, the softmax causal or not."""
    S = Q @ K.T / math.sqrt(Q.shape[1]) + (0.0 if B is None else B)
    P = _attention_weights(S, causal)
    Pbar = Obar @ V.T
    return P, P * (Pbar - (P * Pbar).sum(axis=1, keepdims=True))


@shaped
def causal_attention(Q: Arr["t d"], K: Arr["t d"], V: Arr["t e"]):
    """Causal attention: query ``i`` attends to the keys ``j <= i`` only (weights exactly 0 above
    the diagonal, as with a mask of ``-inf`` added to the scores).

    >>> causal_attention(np.zeros((2, 4)), np.zeros((2, 4)), np.array([[1.0], [3.0]]))
    array([[1.],
           [2.]])
    """
    return _attention_weights(Q @ K.T / math.sqrt(Q.shape[1]), causal=True) @ V


@shaped
def adjoint_causal_attention_query(Q: Arr["t d"], K: Arr["t d"], V: Arr["t e"], Obar: Arr["t e"]):
    """``Qbar = Sbar K / sqrt(d)``, ``Sbar`` zero above the diagonal with ``P``."""
    _, Sbar = _masked_scores_adjoint(Q, K, V, Obar, causal=True)
    return Sbar @ K / math.sqrt(Q.shape[1])


@shaped
def adjoint_causal_attention_key(Q: Arr["t d"], K: Arr["t d"], V: Arr["t e"], Obar: Arr["t e"]):
    """``Kbar = Sbar^T Q / sqrt(d)``: key ``j`` hears only from the queries ``i >= j``."""
    _, Sbar = _masked_scores_adjoint(Q, K, V, Obar, causal=True)
    return Sbar.T @ Q / math.sqrt(Q.shape[1])


def _sp_causal_attention(which):
    import sympy as sp

    def build(Q, K, V, Obar):
        root = sp.sqrt(Q.cols)
        P = _sp_causal_softmax_rows(Q * K.T / root)
        Sbar = _sp_scores_adjoint(P, Obar * V.T)
        claimed = Sbar * K / root if which == "Q" else Sbar.T * Q / root
        return P * V, claimed

    return build


def _sample_causal_attention(rng, n):
    # t = n + 1 >= 2 tokens (row 1 attends to key 1 alone, row 2 to keys 1 and 2), d = n + 3
    # (d = 4 at the exact check: sqrt(d) = 2), e = n. The exact check takes 0.6 CPU s at
    # t = 2, 1.7 at t = 3
    t, d, e = n + 1, n + 3, n
    return {
        "Q": rng.standard_normal((t, d)),
        "K": rng.standard_normal((t, d)),
        "V": rng.standard_normal((t, e)),
        "Obar": rng.standard_normal((t, e)),
    }


def _unmasked_backward(Q, K, V, Obar):
    """``Sbar`` from the weights without the mask: the backward pass forgets the mask."""
    return _masked_scores_adjoint(Q, K, V, Obar, causal=False)[1]


_CAUSAL_WHERE = (
    r"P = \operatorname{softmax}_{\text{causal}}\!\bigl(Q K^\top / \sqrt{d}\bigr)",
    r"\bar S = P \odot \bigl(\bar O V^\top - (P \odot \bar O V^\top)\mathbf{1}\mathbf{1}^\top\bigr)",
)
_CAUSAL_ASSUMPTIONS = (
    "none: the masked softmax is smooth in the scores it keeps. Self-attention over t tokens "
    "(t queries, t keys); softmax_causal takes row i over the keys j <= i, and gives the "
    "others weight exactly 0: the mask's -inf is never formed (exp(-inf) is 0, but a row "
    "that is masked entirely, or -inf - (-inf) in a shifted softmax, gives NaN), and P, "
    "hence Sbar, is 0 above the diagonal. Checked exactly by sympy at t = 2, d = 4, e = 1, "
    "numerically at t = 2, ..., 9"
)
_CAUSAL_KEYWORDS = (
    "causal attention backward",
    "masked attention gradient",
    "causal mask",
    "autoregressive attention",
    "decoder self-attention",
    "look-ahead mask",
)
_CAUSAL_DERIVATION = r"""
A mask $M$ with $M_{ij} = -\infty$ for $j > i$ added to the scores gives $P_{ij} = 0$ there,
and the softmax of row $i$ over the keys $j \le i$. On the kept entries the softmax Jacobian
is the usual $\operatorname{diag}(p) - p p^\top$ of the shorter row; on the masked ones the
weight is constant, 0. So the rule of unmasked attention holds with the masked $P$:
$\bar S = P \odot (\bar P - (P \odot \bar P)\mathbf 1 \mathbf 1^\top)$, $\bar P = \bar O V^\top$,
and $\bar S$ is zero wherever $P$ is: the mask acts in the backward pass through $P$.
"""

register(
    Identity(
        id="attention.causal-attention-q",
        title="Causal (masked) attention: adjoint of the queries",
        formula=r"O = P V:\quad \bar Q = \frac{1}{\sqrt d} \bar S K",
        where=_CAUSAL_WHERE,
        wrt="Q",
        kind="vjp",
        cotangent="Obar",
        value=causal_attention,
        derivative=adjoint_causal_attention_query,
        sample=_sample_causal_attention,
        symbolic=_sp_causal_attention("Q"),
        symbolic_dims=(1,),  # t = 2, d = 4, e = 1 (see the assumptions)
        derivation=_CAUSAL_DERIVATION
        + r"""
From $S = Q K^\top / \sqrt d$, $\bar Q = \bar S K / \sqrt d$: query $i$ collects the keys
$j \le i$ only.
""",
        mistakes=(
            Mistake(
                r"\frac{1}{\sqrt d} \bigl(P' \odot (\bar O V^\top - (P' \odot \bar O V^\top)"
                r"\mathbf{1}\mathbf{1}^\top)\bigr) K,\quad "
                r"P' = \operatorname{softmax}_{\text{rows}}\!\bigl(Q K^\top / \sqrt{d}\bigr)",
                lambda Q, K, V, Obar: _unmasked_backward(Q, K, V, Obar) @ K / math.sqrt(Q.shape[1]),
                "applies the mask in the forward pass only: the backward pass recomputes the "
                "weights without it",
            ),
            Mistake(
                r"\frac{1}{\sqrt d} \bigl(P \odot \bar O V^\top\bigr) K",
                lambda Q, K, V, Obar: (lambda P: (P * (Obar @ V.T)) @ K / math.sqrt(Q.shape[1]))(
                    _masked_scores_adjoint(Q, K, V, Obar, causal=True)[0]
                ),
                "keeps only the diagonal of the softmax Jacobian: drops the - p p^T part",
            ),
        ),
        conventions={"numerator": r"\bar Q^\top" + _ADJOINT},
        related=("attention.causal-attention-k", "layers.attention-q", "attention.attention-bias"),
        assumptions=_CAUSAL_ASSUMPTIONS,
        sources=(
            f"{VASWANI}, section 3.2.3 (masking by -inf in the decoder)",
            f"{TORCH}: `_softmax` (backward `_softmax_backward_data`), with the mask applied "
            "to the scores by `masked_fill`",
        ),
        keywords=("causal query gradient", "masked dQ", *_CAUSAL_KEYWORDS),
    )
)

register(
    Identity(
        id="attention.causal-attention-k",
        title="Causal (masked) attention: adjoint of the keys",
        formula=r"O = P V:\quad \bar K = \frac{1}{\sqrt d} \bar S^\top Q",
        where=_CAUSAL_WHERE,
        wrt="K",
        kind="vjp",
        cotangent="Obar",
        value=causal_attention,
        derivative=adjoint_causal_attention_key,
        sample=_sample_causal_attention,
        symbolic=_sp_causal_attention("K"),
        symbolic_dims=(1,),  # t = 2, d = 4, e = 1 (see the assumptions)
        derivation=_CAUSAL_DERIVATION
        + r"""
From $S = Q K^\top / \sqrt d$, $\bar K = \bar S^\top Q / \sqrt d$: key $j$ collects the
queries $i \ge j$ that may see it. The last key is seen by the last query alone.
""",
        mistakes=(
            Mistake(
                r"\frac{1}{\sqrt d} \bigl(P' \odot (\bar O V^\top - (P' \odot \bar O V^\top)"
                r"\mathbf{1}\mathbf{1}^\top)\bigr)^\top Q,\quad "
                r"P' = \operatorname{softmax}_{\text{rows}}\!\bigl(Q K^\top / \sqrt{d}\bigr)",
                lambda Q, K, V, Obar: (
                    _unmasked_backward(Q, K, V, Obar).T @ Q / math.sqrt(Q.shape[1])
                ),
                "applies the mask in the forward pass only: future queries leak gradient into "
                "past keys",
            ),
            Mistake(
                r"\frac{1}{\sqrt d} \bar S Q",
                lambda Q, K, V, Obar: (
                    _masked_scores_adjoint(Q, K, V, Obar, causal=True)[1]
                    @ Q
                    / math.sqrt(Q.shape[1])
                ),
                "copies the query rule without the transpose: the mask is lower triangular, its "
                "transpose upper",
            ),
        ),
        conventions={"numerator": r"\bar K^\top" + _ADJOINT},
        related=("attention.causal-attention-q", "layers.attention-k", "attention.attention-bias"),
        assumptions=_CAUSAL_ASSUMPTIONS,
        sources=(
            f"{VASWANI}, section 3.2.3 (masking by -inf in the decoder)",
            f"{TORCH}: `_softmax` (backward `_softmax_backward_data`)",
        ),
        keywords=("causal key gradient", "masked dK", *_CAUSAL_KEYWORDS),
    )
)


@shaped
def biased_attention(Q: Arr["t d"], K: Arr["s d"], V: Arr["s e"], B: Arr["t s"]):
    """Attention with an additive bias on the scores, ``softmax(Q K^T / sqrt(d) + B) V``.

    >>> biased_attention(np.zeros((1, 4)), np.zeros((2, 4)), np.array([[1.0], [3.0]]),
    ...                  np.zeros((1, 2)))
    array([[2.]])
    """
    return _softmax(Q @ K.T / math.sqrt(Q.shape[1]) + B) @ V


@shaped
def adjoint_attention_bias(
    Q: Arr["t d"], K: Arr["s d"], V: Arr["s e"], B: Arr["t s"], Obar: Arr["t e"]
):
    """``Bbar = Sbar``: the adjoint of the scores themselves."""
    return _masked_scores_adjoint(Q, K, V, Obar, B=B)[1]


def _sp_attention_bias(Q, K, V, B, Obar):
    import sympy as sp

    P = _sp_softmax_rows(Q * K.T / sp.sqrt(Q.cols) + B)
    return P * V, _sp_scores_adjoint(P, Obar * V.T)


def _sample_attention_bias(rng, n):
    # t = n + 1 >= 2 queries, s = n + 2 keys, d = n + 3 (4 at the exact check), e = n
    t, s, d, e = n + 1, n + 2, n + 3, n
    return {
        "Q": rng.standard_normal((t, d)),
        "K": rng.standard_normal((s, d)),
        "V": rng.standard_normal((s, e)),
        "B": rng.standard_normal((t, s)),
        "Obar": rng.standard_normal((t, e)),
    }


register(
    Identity(
        id="attention.attention-bias",
        title="Attention with an additive score bias: adjoint of the bias",
        formula=r"O = P V:\quad \bar B = P \odot \bigl(\bar O V^\top - (P \odot \bar O V^\top)"
        r"\mathbf{1}\mathbf{1}^\top\bigr)",
        where=(r"P = \operatorname{softmax}_{\text{rows}}\!\bigl(Q K^\top / \sqrt{d} + B\bigr)",),
        wrt="B",
        kind="vjp",
        cotangent="Obar",
        value=biased_attention,
        derivative=adjoint_attention_bias,
        sample=_sample_attention_bias,
        symbolic=_sp_attention_bias,
        symbolic_dims=(1,),  # t = 2, s = 3, d = 4, e = 1: exact in 0.1 s
        derivation=r"""
The bias enters the scores $S = Q K^\top / \sqrt d + B$ with coefficient 1, so $\bar B$ is the
adjoint of the scores: from $O = P V$, $\bar P = \bar O V^\top$, and through the softmax of
each row $p$ (Jacobian $\operatorname{diag}(p) - p p^\top$),
$\bar b = p \odot (\bar p - p^\top \bar p)$. Each row of $\bar B$ sums to 0 (a constant added
to a row of scores does not change the softmax). A finite mask is such a bias; a mask of
$-\infty$ is its limit, where $P = 0$ and so $\bar B = 0$ (see causal attention).
""",
        mistakes=(
            Mistake(
                r"\bar O V^\top",
                lambda Q, K, V, B, Obar: Obar @ V.T,
                "stops at the weights: the adjoint of P, not of the scores (no softmax Jacobian)",
            ),
            Mistake(
                r"P \odot \bar O V^\top",
                lambda Q, K, V, B, Obar: (
                    _softmax(Q @ K.T / math.sqrt(Q.shape[1]) + B) * (Obar @ V.T)
                ),
                "keeps only the diagonal of the softmax Jacobian: drops the - p p^T part",
            ),
            Mistake(
                r"\frac{1}{\sqrt d} P \odot \bigl(\bar O V^\top - (P \odot \bar O V^\top)"
                r"\mathbf{1}\mathbf{1}^\top\bigr)",
                lambda Q, K, V, B, Obar: (
                    _masked_scores_adjoint(Q, K, V, Obar, B=B)[1] / math.sqrt(Q.shape[1])
                ),
                "scales the bias by 1/sqrt(d) like the dot products; it is added after the scaling",
            ),
        ),
        conventions={"numerator": r"\bar B^\top" + _ADJOINT},
        related=("attention.causal-attention-q", "layers.attention-q", "softmax.rowwise-jacobian"),
        assumptions=(
            "none: the softmax is smooth. t queries and s >= 2 keys of width d, values of width "
            "e, a finite bias B of the scores' shape t x s (a relative-position bias, ALiBi, or "
            "a finite padding mask); a mask of -inf is the limit where P and Bbar are 0. "
            "Checked exactly by sympy at t = 2, s = 3, d = 4, e = 1"
        ),
        sources=(
            f"{VASWANI}, section 3.2.1, eq. (1)",
            f"{TORCH}: `_softmax` (backward `_softmax_backward_data`), "
            "`scaled_dot_product_attention` with a float `attn_mask` added to the scores",
        ),
        keywords=(
            "attention bias gradient",
            "attention mask gradient",
            "relative position bias gradient",
            "ALiBi",
            "attn_mask",
            "dB",
        ),
    )
)


# ===========================================================================================
# Multi-head self-attention: O = [H_1, ..., H_h] W_O, H_i = softmax(Q_i K_i^T / sqrt(k)) V_i
# ===========================================================================================

#: The number of heads of the catalog's checks (the code takes any ``h``).
_HEADS = 2


def _head_width(W_Q, h):
    """``k``: one head's width, the stacked width ``c`` of the projections over ``h`` heads."""
    if h < 1:
        raise ValueError(f"`h` must be a positive number of heads; got {h}")
    if W_Q.shape[1] % h:
        raise ValueError(
            f"`W_Q` must stack h = {h} heads of equal width: a multiple of {h} columns; got "
            f"shape {W_Q.shape}"
        )
    return W_Q.shape[1] // h


def _heads(X, W_Q, W_K, W_V, h):
    """For each head: its queries, keys and values (its blocks of columns) and its weights."""
    k = _head_width(W_Q, h)
    Q, K, V = X @ W_Q, X @ W_K, X @ W_V
    for i in range(h):
        q, kk, vv = Q[:, i * k : (i + 1) * k], K[:, i * k : (i + 1) * k], V[:, i * k : (i + 1) * k]
        yield q, kk, vv, _softmax(q @ kk.T / math.sqrt(k))


def _multi_head_backward(
    X, W_Q, W_K, W_V, W_O, Obar, h, scale=None, correction=True, key_transpose=True
):
    """``(H, Qbar, Kbar, Vbar)``: the concatenated heads and the adjoints of ``X W_Q``,
    ``X W_K``, ``X W_V``, head by head with the upstream block ``Hbar_i`` of ``Obar W_O^T``.
    ``scale`` (default ``1/sqrt(k)``), ``correction=False`` and ``key_transpose=False`` give
    the mistakes' versions."""
    k = _head_width(W_Q, h)
    scale = 1 / math.sqrt(k) if scale is None else scale
    Hbar = Obar @ W_O.T
    H, Qbar, Kbar, Vbar = [], [], [], []
    for i, (Q, K, V, P) in enumerate(_heads(X, W_Q, W_K, W_V, h)):
        Hbar_i = Hbar[:, i * k : (i + 1) * k]
        Pbar = Hbar_i @ V.T
        Sbar = P * (Pbar - (P * Pbar).sum(axis=1, keepdims=True)) if correction else P * Pbar
        H.append(P @ V)
        Qbar.append(Sbar @ K * scale)
        Kbar.append((Sbar.T if key_transpose else Sbar) @ Q * scale)
        Vbar.append(P.T @ Hbar_i)
    return tuple(np.hstack(blocks) for blocks in (H, Qbar, Kbar, Vbar))


@shaped
def multi_head_attention(
    X: Arr["t m"],
    W_Q: Arr["m c"],
    W_K: Arr["m c"],
    W_V: Arr["m c"],
    W_O: Arr["c m"],
    h: int = _HEADS,
):
    """Multi-head self-attention ``[H_1, ..., H_h] W_O``, head ``i`` on its block of columns.

    >>> X, W = np.ones((2, 2)), np.zeros((2, 4))
    >>> multi_head_attention(X, W, W, np.ones((2, 4)), np.ones((4, 2)))
    array([[8., 8.],
           [8., 8.]])
    """
    H = np.hstack([P @ V for _, _, V, P in _heads(X, W_Q, W_K, W_V, h)])
    return H @ W_O


@shaped
def adjoint_multi_head_x(
    X: Arr["t m"],
    W_Q: Arr["m c"],
    W_K: Arr["m c"],
    W_V: Arr["m c"],
    W_O: Arr["c m"],
    Obar: Arr["t m"],
    h: int = _HEADS,
):
    """``Xbar = Qbar W_Q^T + Kbar W_K^T + Vbar W_V^T``, summed over the heads' blocks."""
    _, Qbar, Kbar, Vbar = _multi_head_backward(X, W_Q, W_K, W_V, W_O, Obar, h)
    return Qbar @ W_Q.T + Kbar @ W_K.T + Vbar @ W_V.T


@shaped
def adjoint_multi_head_wq(
    X: Arr["t m"],
    W_Q: Arr["m c"],
    W_K: Arr["m c"],
    W_V: Arr["m c"],
    W_O: Arr["c m"],
    Obar: Arr["t m"],
    h: int = _HEADS,
):
    """``W_Qbar = X^T Qbar``: head ``i``'s columns are ``X^T Sbar_i K_i / sqrt(k)``."""
    _, Qbar, _, _ = _multi_head_backward(X, W_Q, W_K, W_V, W_O, Obar, h)
    return X.T @ Qbar


@shaped
def adjoint_multi_head_wk(
    X: Arr["t m"],
    W_Q: Arr["m c"],
    W_K: Arr["m c"],
    W_V: Arr["m c"],
    W_O: Arr["c m"],
    Obar: Arr["t m"],
    h: int = _HEADS,
):
    """``W_Kbar = X^T Kbar``: head ``i``'s columns are ``X^T Sbar_i^T Q_i / sqrt(k)``."""
    _, _, Kbar, _ = _multi_head_backward(X, W_Q, W_K, W_V, W_O, Obar, h)
    return X.T @ Kbar


@shaped
def adjoint_multi_head_wv(
    X: Arr["t m"],
    W_Q: Arr["m c"],
    W_K: Arr["m c"],
    W_V: Arr["m c"],
    W_O: Arr["c m"],
    Obar: Arr["t m"],
    h: int = _HEADS,
):
    """``W_Vbar = X^T Vbar``: head ``i``'s columns are ``X^T P_i^T Hbar_i``."""
    _, _, _, Vbar = _multi_head_backward(X, W_Q, W_K, W_V, W_O, Obar, h)
    return X.T @ Vbar


@shaped
def adjoint_multi_head_wo(
    X: Arr["t m"],
    W_Q: Arr["m c"],
    W_K: Arr["m c"],
    W_V: Arr["m c"],
    W_O: Arr["c m"],
    Obar: Arr["t m"],
    h: int = _HEADS,
):
    """``W_Obar = H^T Obar``, ``H = [H_1, ..., H_h]`` the concatenated heads."""
    H, _, _, _ = _multi_head_backward(X, W_Q, W_K, W_V, W_O, Obar, h)
    return H.T @ Obar


def _sp_multi_head(which):
    import sympy as sp

    def build(X, W_Q, W_K, W_V, W_O, Obar):
        k = W_Q.cols // _HEADS
        root = sp.sqrt(k)
        Q, K, V, Hbar = X * W_Q, X * W_K, X * W_V, Obar * W_O.T
        H, Qbar, Kbar, Vbar = [], [], [], []
        for i in range(_HEADS):
            q, kk = Q[:, i * k : (i + 1) * k], K[:, i * k : (i + 1) * k]
            vv, Hbar_i = V[:, i * k : (i + 1) * k], Hbar[:, i * k : (i + 1) * k]
            P = _sp_softmax_rows(q * kk.T / root)
            Sbar = _sp_scores_adjoint(P, Hbar_i * vv.T)
            H.append(P * vv)
            Qbar.append(Sbar * kk / root)
            Kbar.append(Sbar.T * q / root)
            Vbar.append(P.T * Hbar_i)
        H, Qbar, Kbar, Vbar = (sp.Matrix.hstack(*blocks) for blocks in (H, Qbar, Kbar, Vbar))
        claimed = {
            "X": Qbar * W_Q.T + Kbar * W_K.T + Vbar * W_V.T,
            "W_Q": X.T * Qbar,
            "W_K": X.T * Kbar,
            "W_V": X.T * Vbar,
            "W_O": H.T * Obar,
        }[which]
        return H * W_O, claimed

    return build


def _sample_multi_head(rng, n):
    # h = 2 heads; t = n + 1 >= 2 tokens, model width m = n, head width k = n + 3 (stacked
    # c = 2k), except at the exact check (n = 1), k = 2: sqrt(k) is not 1 and not sqrt(c) = 2,
    # so a dropped or a wrong scaling shows, and the adjoint of X takes 2 CPU s there (17 s
    # at k = 4: the softmax puts every symbol of a row in every entry). t, m, c distinct
    t, m, k = n + 1, n, 2 if n == 1 else n + 3
    return {
        "X": rng.standard_normal((t, m)),
        "W_Q": rng.standard_normal((m, _HEADS * k)) / math.sqrt(m),
        "W_K": rng.standard_normal((m, _HEADS * k)) / math.sqrt(m),
        "W_V": rng.standard_normal((m, _HEADS * k)),
        "W_O": rng.standard_normal((_HEADS * k, m)),
        "Obar": rng.standard_normal((t, m)),
    }


#: The `where` lines of the multi-head entries, by the symbol they define. Head i's queries,
#: keys, values and upstream block are named once per entry, so that the formula, its
#: mistakes and its conventions stay short; each entry shows the lines its formulas use
#: (every formula is rendered to HTML where it stands, and a topic page holds several).
_MHA_LINES = {
    "k": r"k = c / h",
    "e": r"e_i = (I_h)_{:,i}",
    "E": r"E_i = e_i \otimes I_k",
    "Q": r"Q_i = X W_Q E_i",
    "K": r"K_i = X W_K E_i",
    "V": r"V_i = X W_V E_i",
    "P": r"P_i = \operatorname{softmax}_{\text{rows}}\!\bigl(Q_i K_i^\top / \sqrt{k}\bigr)",
    "Hbar": r"\bar H_i = \bar O W_O^\top E_i",
    "Sbar": r"\bar S_i = P_i \odot \bigl(\bar H_i V_i^\top"
    r" - (P_i \odot \bar H_i V_i^\top)\mathbf{1}\mathbf{1}^\top\bigr)",
    "H": r"H = \sum_{i=1}^{h} P_i V_i E_i^\top",
}


def _mha_where(*without):
    """The multi-head `where` lines, in reading order, but those of the symbols ``without``."""
    return tuple(line for name, line in _MHA_LINES.items() if name not in without)


_MHA_FORMULA = r"O = H W_O:\quad "
_MHA_ASSUMPTIONS = (
    "none: the softmax is smooth. t >= 2 tokens of width m, one per row of X; h heads, "
    "each with its block of k = c/h columns of the stacked projections W_Q, W_K, W_V "
    "(m x hk: one head width k for queries, keys and values, d_k = d_v as in Vaswani et al. "
    "and torch's head_dim), the output projection W_O (hk x m) (torch's `in_proj_weight` and "
    "`out_proj.weight` store the transposes, so their `.grad` is the numerator reading); "
    "no mask, no biases. The code takes any h; the catalog checks h = 2, exactly by sympy "
    "at t = 2, m = 1, k = 2 (a larger exact check takes seconds to minutes: the softmax "
    "puts every symbol of a row in every entry), numerically at larger sizes with t, m, k "
    "distinct"
)
_MHA_KEYWORDS = (
    "multi head attention backward",
    "multi-head attention gradient",
    "MHA backward",
    "transformer backward",
    "attention heads",
    "head_dim",
)
#: The derivation's common part, kept short: the page renders it once per entry.
_MHA_FORWARD = r"""
Head $i$ reads the block of $k$ columns of the stacked projections that $E_i$ selects
(Vaswani et al.'s $W_i^Q$ is $W_Q E_i$), and scales its scores by its own width $k$, not by
$c = hk$; the heads are concatenated."""
_MHA_DERIVATION = (
    _MHA_FORWARD
    + r""" Backwards, each head receives its own block $\bar H_i$ of the adjoint (the
concatenation splits the adjoint, it does not sum it), and is then single-head attention,
with $\bar S_i$ the adjoint of its scores through the softmax of each row.
"""
)


def _mha_mistake(which, **options):
    """A mistake's adjoint: the backward pass with a wrong ``scale`` or without the softmax's
    row-wise correction, pulled back to ``which`` as the right rule does."""

    def adjoint(X, W_Q, W_K, W_V, W_O, Obar, h=_HEADS):
        k = _head_width(W_Q, h)
        rest = {key: value for key, value in options.items() if key != "scale"}
        scale = options.get("scale", lambda k, h: 1 / math.sqrt(k))(k, h)
        _, Qbar, Kbar, Vbar = _multi_head_backward(
            X, W_Q, W_K, W_V, W_O, Obar, h, scale=scale, **rest
        )
        return {
            "X": Qbar @ W_Q.T + Kbar @ W_K.T + Vbar @ W_V.T,
            "W_Q": X.T @ Qbar,
            "W_K": X.T @ Kbar,
        }[which]

    return adjoint


_NO_CORRECTION = r"\tilde S_i = P_i \odot \bar H_i V_i^\top"  # no - p p^T part
_WHOLE_WIDTH = (
    "scales by the stacked width c = hk (d_model in the paper, where d_model = h d_k) "
    "instead of the head's width k: the softmax of head i sees k-dimensional dot products"
)

register(
    Identity(
        id="attention.multi-head-x",
        title="Multi-head self-attention: adjoint of the input tokens",
        formula=_MHA_FORMULA
        + r"\bar X = \sum_{i=1}^{h}\Bigl(\frac{1}{\sqrt k}\bigl(\bar S_i K_i E_i^\top W_Q^\top "
        r"+ \bar S_i^\top Q_i E_i^\top W_K^\top\bigr) + P_i^\top \bar H_i E_i^\top W_V^\top\Bigr)",
        where=_mha_where(),
        wrt="X",
        kind="vjp",
        cotangent="Obar",
        value=multi_head_attention,
        derivative=adjoint_multi_head_x,
        sample=_sample_multi_head,
        symbolic=_sp_multi_head("X"),
        symbolic_dims=(1,),  # t = 2, m = 1, k = 2 (see the assumptions)
        derivation=_MHA_DERIVATION
        + r"""
The tokens reach the output along three paths per head, whose adjoints
$\bar Q_i = \bar S_i K_i / \sqrt k$, $\bar K_i = \bar S_i^\top Q_i / \sqrt k$ and
$\bar V_i = P_i^\top \bar H_i$ each go back through the head's block of its projection: here
the heads do sum, since every head reads the same $X$.
""",
        mistakes=(
            Mistake(
                r"\sum_{i=1}^{h}\Bigl(\bigl(\bar S_i K_i E_i^\top W_Q^\top + \bar S_i^\top Q_i "
                r"E_i^\top W_K^\top\bigr) + P_i^\top \bar H_i E_i^\top W_V^\top\Bigr)",
                _mha_mistake("X", scale=lambda k, h: 1.0),
                "forgets the 1/sqrt(k) of the scores in the backward pass of the softmax",
            ),
            Mistake(
                r"\sum_{i=1}^{h}\Bigl(\frac{1}{\sqrt c}\bigl(\bar S_i K_i E_i^\top W_Q^\top "
                r"+ \bar S_i^\top Q_i E_i^\top W_K^\top\bigr) + P_i^\top \bar H_i E_i^\top "
                r"W_V^\top\Bigr)",
                _mha_mistake("X", scale=lambda k, h: 1 / math.sqrt(h * k)),
                _WHOLE_WIDTH,
            ),
            Mistake(
                r"\sum_{i=1}^{h}\Bigl(\frac{1}{\sqrt k}\bigl(\tilde S_i K_i E_i^\top W_Q^\top "
                r"+ \tilde S_i^\top Q_i E_i^\top W_K^\top\bigr) + P_i^\top \bar H_i E_i^\top "
                r"W_V^\top\Bigr),\quad " + _NO_CORRECTION,
                _mha_mistake("X", correction=False),
                "keeps only the diagonal of the softmax Jacobian: drops the row-wise - p p^T "
                "correction",
            ),
        ),
        conventions={"numerator": r"\bar X^\top" + _ADJOINT},
        related=(
            "attention.multi-head-wq",
            "attention.multi-head-wo",
            "attention.self-attention-x",
        ),
        assumptions=_MHA_ASSUMPTIONS,
        sources=(
            f"{VASWANI}, section 3.2.2 (MultiHead = Concat(head_1, ..., head_h) W^O, "
            "head_i = Attention(Q W_i^Q, K W_i^K, V W_i^V)) and eq. (1) (the 1/sqrt(d_k))",
            "PyTorch, `torch/nn/functional.py`, `multi_head_attention_forward` "
            "(head_dim = embed_dim // num_heads; the scores of each head scaled by "
            "head_dim^(-1/2)); its backward is composed of the derivatives in "
            "`tools/autograd/derivatives.yaml`",
            f"{GBC}, section 6.5 (back-propagation)",
        ),
        keywords=(
            "multi head attention input gradient",
            "dX multi-head attention",
            *_MHA_KEYWORDS,
        ),
    )
)

register(
    Identity(
        id="attention.multi-head-wq",
        title="Multi-head self-attention: adjoint of the stacked query projection",
        formula=_MHA_FORMULA
        + r"\bar W_Q = \frac{1}{\sqrt k}\sum_{i=1}^{h} X^\top \bar S_i K_i E_i^\top",
        where=_mha_where(),
        wrt="W_Q",
        kind="vjp",
        cotangent="Obar",
        value=multi_head_attention,
        derivative=adjoint_multi_head_wq,
        sample=_sample_multi_head,
        symbolic=_sp_multi_head("W_Q"),
        symbolic_dims=(1,),  # t = 2, m = 1, k = 2 (see the assumptions)
        derivation=_MHA_DERIVATION
        + r"""
The queries' adjoint $\bar S_i K_i / \sqrt k$ reaches $W_Q$ through $X$ and $E_i$: each
head's block of columns of $\bar W_Q$ is fed by that head only.
""",
        mistakes=(
            Mistake(
                r"\sum_{i=1}^{h} X^\top \bar S_i K_i E_i^\top",
                _mha_mistake("W_Q", scale=lambda k, h: 1.0),
                "forgets the 1/sqrt(k) of the scores in the backward pass of the softmax",
            ),
            Mistake(
                r"\frac{1}{\sqrt c}\sum_{i=1}^{h} X^\top \bar S_i K_i E_i^\top",
                _mha_mistake("W_Q", scale=lambda k, h: 1 / math.sqrt(h * k)),
                _WHOLE_WIDTH,
            ),
            Mistake(
                r"\frac{1}{\sqrt k}\sum_{i=1}^{h} X^\top \tilde S_i K_i E_i^\top,\quad "
                + _NO_CORRECTION,
                _mha_mistake("W_Q", correction=False),
                "keeps only the diagonal of the softmax Jacobian: drops the row-wise - p p^T "
                "correction",
            ),
        ),
        conventions={"numerator": r"\bar W_Q^\top" + _ADJOINT},
        related=(
            "attention.multi-head-wk",
            "attention.multi-head-wv",
            "attention.multi-head-x",
            "attention.self-attention-wq",
        ),
        assumptions=_MHA_ASSUMPTIONS,
        sources=(
            f"{VASWANI}, section 3.2.2 (W_i^Q in R^(d_model x d_k), one per head) and eq. (1)",
            "PyTorch, `torch/nn/functional.py`, `multi_head_attention_forward` (the stacked "
            "`in_proj_weight`, each head's queries scaled by head_dim^(-1/2))",
        ),
        keywords=(
            "gradient of multi-head attention wrt W_Q",
            "query projection gradient multi-head",
            "per-head W_Q gradient",
            *_MHA_KEYWORDS,
        ),
    )
)

register(
    Identity(
        id="attention.multi-head-wk",
        title="Multi-head self-attention: adjoint of the stacked key projection",
        formula=_MHA_FORMULA
        + r"\bar W_K = \frac{1}{\sqrt k}\sum_{i=1}^{h} X^\top \bar S_i^\top Q_i E_i^\top",
        where=_mha_where(),
        wrt="W_K",
        kind="vjp",
        cotangent="Obar",
        value=multi_head_attention,
        derivative=adjoint_multi_head_wk,
        sample=_sample_multi_head,
        symbolic=_sp_multi_head("W_K"),
        symbolic_dims=(1,),  # t = 2, m = 1, k = 2 (see the assumptions)
        derivation=_MHA_DERIVATION
        + r"""
The keys' adjoint $\bar S_i^\top Q_i / \sqrt k$ collects the score adjoint by column, as in
single-head attention, and fills the head's block of columns of $\bar W_K$ through $X$.
""",
        mistakes=(
            Mistake(
                r"\frac{1}{\sqrt k}\sum_{i=1}^{h} X^\top \bar S_i Q_i E_i^\top",
                _mha_mistake("W_K", key_transpose=False),
                "copies the query rule with Q and K swapped: S_i = Q_i K_i^T is not symmetric, "
                "the keys take the transposed score adjoint",
            ),
            Mistake(
                r"\frac{1}{\sqrt c}\sum_{i=1}^{h} X^\top \bar S_i^\top Q_i E_i^\top",
                _mha_mistake("W_K", scale=lambda k, h: 1 / math.sqrt(h * k)),
                _WHOLE_WIDTH,
            ),
        ),
        conventions={"numerator": r"\bar W_K^\top" + _ADJOINT},
        related=(
            "attention.multi-head-wq",
            "attention.multi-head-wv",
            "attention.self-attention-wk",
        ),
        assumptions=_MHA_ASSUMPTIONS,
        sources=(
            f"{VASWANI}, section 3.2.2 (W_i^K in R^(d_model x d_k), one per head) and eq. (1)",
            "PyTorch, `torch/nn/functional.py`, `multi_head_attention_forward`",
        ),
        keywords=(
            "gradient of multi-head attention wrt W_K",
            "key projection gradient multi-head",
            *_MHA_KEYWORDS,
        ),
    )
)

register(
    Identity(
        id="attention.multi-head-wv",
        title="Multi-head self-attention: adjoint of the stacked value projection",
        formula=_MHA_FORMULA + r"\bar W_V = \sum_{i=1}^{h} X^\top P_i^\top \bar H_i E_i^\top",
        where=_mha_where("Sbar"),
        wrt="W_V",
        kind="vjp",
        cotangent="Obar",
        value=multi_head_attention,
        derivative=adjoint_multi_head_wv,
        sample=_sample_multi_head,
        symbolic=_sp_multi_head("W_V"),
        symbolic_dims=(1,),  # t = 2, m = 1, k = 2 (see the assumptions)
        derivation=_MHA_DERIVATION
        + r"""
The weights $P_i$ do not depend on $W_V$. The values' adjoint $P_i^\top \bar H_i$ fills the
head's block of columns of $\bar W_V$ through $X$: its own weights, and its own block of
the output projection's adjoint.
""",
        mistakes=(
            Mistake(
                r"\sum_{i=1}^{h} X^\top P_i \bar H_i E_i^\top",
                lambda X, W_Q, W_K, W_V, W_O, Obar, h=_HEADS: (
                    X.T
                    @ np.hstack(
                        [
                            P @ (Obar @ W_O.T)[:, i * V.shape[1] : (i + 1) * V.shape[1]]
                            for i, (_, _, V, P) in enumerate(_heads(X, W_Q, W_K, W_V, h))
                        ]
                    )
                ),
                "forgets to transpose the attention weights (P_i is not symmetric)",
            ),
            Mistake(
                r"\Bigl(\sum_{i=1}^{h} X^\top P_i^\top \bar H_i\Bigr) \sum_{i=1}^{h} E_i^\top",
                lambda X, W_Q, W_K, W_V, W_O, Obar, h=_HEADS: np.tile(
                    sum(np.hsplit(adjoint_multi_head_wv(X, W_Q, W_K, W_V, W_O, Obar, h), h)),
                    (1, h),
                ),
                "sums the heads where it must concatenate them: every head's block of W_V "
                "receives the sum of all the heads' adjoints (tied value heads)",
            ),
        ),
        conventions={"numerator": r"\bar W_V^\top" + _ADJOINT},
        related=(
            "attention.multi-head-wq",
            "attention.multi-head-wo",
            "attention.self-attention-wv",
        ),
        assumptions=_MHA_ASSUMPTIONS,
        sources=(
            f"{VASWANI}, section 3.2.2 (W_i^V in R^(d_model x d_v), one per head)",
            "PyTorch, `torch/nn/functional.py`, `multi_head_attention_forward`",
        ),
        keywords=(
            "gradient of multi-head attention wrt W_V",
            "value projection gradient multi-head",
            *_MHA_KEYWORDS,
        ),
    )
)

register(
    Identity(
        id="attention.multi-head-wo",
        title="Multi-head self-attention: adjoint of the output projection",
        formula=_MHA_FORMULA + r"\bar W_O = H^\top \bar O",
        where=_mha_where("Hbar", "Sbar"),
        wrt="W_O",
        kind="vjp",
        cotangent="Obar",
        value=multi_head_attention,
        derivative=adjoint_multi_head_wo,
        sample=_sample_multi_head,
        symbolic=_sp_multi_head("W_O"),
        symbolic_dims=(1,),  # t = 2, m = 1, k = 2 (see the assumptions)
        derivation=_MHA_FORWARD
        + r"""

The heads do not depend on $W_O$, and $dO = H\, dW_O$: the block of rows of $W_O$ that
multiplies head $i$ gets $(P_i V_i)^\top \bar O$, the concatenated heads and not their sum.
""",
        mistakes=(
            Mistake(
                r"\sum_{i=1}^{h} E_i \tilde H^\top \bar O,\quad "
                r"\tilde H = \sum_{i=1}^{h} P_i V_i",
                lambda X, W_Q, W_K, W_V, W_O, Obar, h=_HEADS: np.tile(
                    sum(np.hsplit(_multi_head_backward(X, W_Q, W_K, W_V, W_O, Obar, h)[0], h)).T
                    @ Obar,
                    (h, 1),
                ),
                "sums the heads where they are concatenated: every block of W_O gets the "
                "summed heads, as if O were (H_1 + ... + H_h) W_O",
            ),
            Mistake(
                r"W_V^\top X^\top \bar O",
                lambda X, W_Q, W_K, W_V, W_O, Obar, h=_HEADS: W_V.T @ X.T @ Obar,
                "takes the values V = X W_V for the heads: forgets the attention weights P_i "
                "between the value projection and the output projection",
            ),
        ),
        conventions={"numerator": r"\bar W_O^\top = \bar O^\top H" + _ADJOINT},
        related=(
            "attention.multi-head-wv",
            "attention.multi-head-x",
            "layers.affine-weight",
        ),
        assumptions=_MHA_ASSUMPTIONS,
        sources=(
            f"{VASWANI}, section 3.2.2 (W^O in R^(h d_v x d_model), applied to the "
            "concatenated heads)",
            "PyTorch, `torch/nn/functional.py`, `multi_head_attention_forward` (the heads "
            "are concatenated and passed to `linear` with `out_proj_weight`), and "
            "`tools/autograd/derivatives.yaml` (`mm`: the weight's adjoint)",
        ),
        keywords=(
            "gradient of attention wrt W_O",
            "output projection gradient",
            "out_proj gradient",
            "dW_O",
            *_MHA_KEYWORDS,
        ),
    )
)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
TOPICS = (
    (
        "projections",
        "Self-attention with its projections",
        (
            "attention.self-attention-wq",
            "attention.self-attention-wk",
            "attention.self-attention-wv",
            "attention.self-attention-x",
        ),
    ),
    (
        "masks-and-biases",
        "Causal and biased attention",
        (
            "attention.causal-attention-q",
            "attention.causal-attention-k",
            "attention.attention-bias",
        ),
    ),
    # two pages: each multi-head entry renders 70-150 kB of math, one page of all five
    # passed the site's bound on a page's size
    (
        "multi-head",
        "Multi-head attention: tokens and output",
        ("attention.multi-head-x", "attention.multi-head-wo"),
    ),
    (
        "multi-head-projections",
        "Multi-head attention: Q, K, V weights",
        (
            "attention.multi-head-wq",
            "attention.multi-head-wk",
            "attention.multi-head-wv",
        ),
    ),
)
