"""Helpers shared by the topic modules of :mod:`gradref.identities.traces`; other families
import some of them from the package, which re-exports them."""

import numpy as np

from gradref.identities.linear import COOKBOOK

#: Eqs. 123-127 are checked by sympy at the smallest sizes only: its exact simplification
#: of a symbolic inverse (or of the degree-4 polynomial of eq. 123) takes minutes beyond
#: them. The numerical check runs at every size.
SYMBOLIC_SMALL = (1,)


def _cookbook(*equations: int) -> str:
    """The Cookbook citation, with its equation numbers and page."""
    from gradref.cookbook import PAGES

    numbers = ", ".join(f"({n})" for n in equations)
    label = "eq." if len(equations) == 1 else "eqs."
    return f"{COOKBOOK}, {label} {numbers}, p. {PAGES[equations[0]]}"


def hessian_tensor(X, directional):
    """The 4-tensor ``H[i, j, k, l] = dG[E_kl]_ij`` of a gradient's directional derivative.

    ``directional(V)`` is the derivative of the gradient ``G`` in the direction ``V`` (the
    Hessian's action ``\\nabla^2 f[V]``); evaluating it on each single-entry matrix ``E_kl``
    gives the Hessian as ``X.shape + X.shape``.

    >>> hessian_tensor(np.zeros((1, 2)), lambda V: 2 * V).reshape(2, 2)
    array([[2., 0.],
           [0., 2.]])
    """
    rows, cols = np.shape(X)
    columns = []
    for k in range(rows):
        for l in range(cols):  # noqa: E741
            E = np.zeros((rows, cols))
            E[k, l] = 1.0
            columns.append(directional(E))
    return np.moveaxis(np.reshape(columns, (rows, cols, rows, cols)), (0, 1), (2, 3))
