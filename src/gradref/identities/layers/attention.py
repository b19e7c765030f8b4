"""Scaled dot-product attention: the identities of the page ``reference/layers/attention.html``."""

import math

import numpy as np  # noqa: F401 (the doctests use it)

from gradref.catalog import Identity, Mistake, register
from gradref.identities.layers._common import _ADJOINT, GILES, _sp_softmax_rows
from gradref.identities.softmax import _softmax
from gradref.shapes import Arr, shaped

VASWANI = "Vaswani et al., *Attention Is All You Need* (2017)"


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


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
    "attention",
    "Scaled dot-product attention",
    ("layers.attention-q", "layers.attention-k", "layers.attention-v"),
)
