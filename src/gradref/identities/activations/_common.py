"""Helpers shared by the topic modules of :mod:`gradref.identities.activations`."""

GBC = "Goodfellow, Bengio & Courville, *Deep Learning* (2016)"

_DIAGONAL = r"\ \text{(diagonal: the same in either layout)}"


# -- helpers ------------------------------------------------------------------------------


def _sympy_sigmoid(t):
    import sympy as sp

    return 1 / (1 + sp.exp(-t))


def _sympy_exp_ratio(t):
    """``e^t / (1 + e^t)``: the sigmoid as it comes out of differentiating the softplus."""
    import sympy as sp

    return sp.exp(t) / (1 + sp.exp(t))


def _symbolic_sum(phi, dphi):
    """A ``symbolic`` builder for ``sum_i phi(x_i)`` and its gradient ``phi'(x)``."""

    def build(x):
        import sympy as sp

        return sp.Add(*[phi(t) for t in x]), x.applyfunc(dphi)

    return build


def _symbolic_map(phi, dphi):
    """A ``symbolic`` builder for ``x -> phi(x)`` and its Jacobian ``diag(phi'(x))``."""

    def build(x):
        import sympy as sp

        return x.applyfunc(phi), sp.diag(*[dphi(t) for t in x])

    return build


def _sympy_softplus(t):
    import sympy as sp

    return sp.log(1 + sp.exp(t))
