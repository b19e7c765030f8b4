"""Functions built from elementary functions, differentiated coordinate by coordinate."""

import numpy as np

from gradref.catalog import Identity, register
from gradref.identities.linear import SHEET
from gradref.identities.losses import _sigmoid, _softplus  # v is validated here, not u(v)
from gradref.shapes import Arr, shaped, shaped_like


@shaped
def sheet_xyz(v: Arr["3"]):
    """The sheet's function ``x^2/2 + y z - log(1 + exp(x^2 y^3 z))`` at ``v = (x, y, z)``.

    >>> float(sheet_xyz(np.array([0.0, 1.0, 2.0]))) == 2.0 - float(np.log(2.0))
    True
    """
    x, y, z = v
    return x**2 / 2 + y * z - _softplus(x**2 * y**3 * z)


@shaped_like(sheet_xyz)
def grad_sheet_xyz(v):
    """Its gradient, with ``u = x^2 y^3 z`` and ``sigma(u) = e^u / (1 + e^u)``.

    ``(x - 2 x y^3 z sigma(u),  z - 3 x^2 y^2 z sigma(u),  y - x^2 y^3 sigma(u))``

    >>> grad_sheet_xyz(np.array([0.0, 1.0, 2.0]))
    array([0., 2., 1.])
    """
    x, y, z = v
    s = _sigmoid(x**2 * y**3 * z)
    return np.array([x - 2 * x * y**3 * z * s, z - 3 * x**2 * y**2 * z * s, y - x**2 * y**3 * s])


def _sample(rng, n):
    # Fixed dimension 3; the scale keeps x^2 y^3 z moderate so both branches of
    # the logistic function are exercised without saturating it.
    return {"v": rng.uniform(-1.5, 1.5, size=3)}


def _symbolic(v):
    import sympy as sp

    x, y, z = v
    u = x**2 * y**3 * z
    s = sp.exp(u) / (1 + sp.exp(u))
    value = x**2 / 2 + y * z - sp.log(1 + sp.exp(u))
    return value, sp.Matrix(
        [x - 2 * x * y**3 * z * s, z - 3 * x**2 * y**2 * z * s, y - x**2 * y**3 * s]
    )


register(
    Identity(
        id="elementary.sheet-xyz",
        title="Gradient of a function of (x, y, z) with a softplus term",
        latex=r"\nabla f(x,y,z) = \begin{pmatrix} x - 2xy^3z\,\sigma(u) \\ "
        r"z - 3x^2y^2z\,\sigma(u) \\ y - x^2y^3\,\sigma(u) \end{pmatrix},"
        r"\qquad f = \tfrac12 x^2 + yz - \log(1 + e^{u}),\ u = x^2y^3z,\ "
        r"\sigma(u) = \frac{e^{u}}{1+e^{u}}",
        wrt="v",
        kind="gradient",
        sample=_sample,
        value=sheet_xyz,
        derivative=grad_sheet_xyz,
        symbolic=_symbolic,
        sources=(f"{SHEET}, exercise 4a (printed answer corrected: see the erratum)",),
        exercise="4a",
        fixed_dimension=True,
        keywords=(
            "softplus",
            "partial derivatives",
            "function of three variables",
            "log(1 + e^u)",
            "log(1+e^u)",
        ),
    )
)
