"""Helpers shared by the topic modules of :mod:`gradref.identities.layers`; other families
import some of them from the package, which re-exports them."""

GBC = "Goodfellow, Bengio & Courville, *Deep Learning* (2016)"

GILES = (
    "Giles, *Collected Matrix Derivative Results for Forward and Reverse Mode Algorithmic "
    "Differentiation* (2008)"
)

_ADJOINT = (
    r"\ \text{(the transpose of the adjoint: numerator layout arranges } "
    r"\partial L / \partial(\cdot) \text{ so)}"
)


def _sp_softmax_rows(S):
    import sympy as sp

    rows = []
    for i in range(S.rows):
        e = S[i, :].applyfunc(sp.exp)
        rows.append(e / sum(e))
    return sp.Matrix.vstack(*rows)
