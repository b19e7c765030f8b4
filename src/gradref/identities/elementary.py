"""Functions built from elementary functions, differentiated coordinate by coordinate."""

import numpy as np

from gradref.catalog import Erratum, Identity, Mistake, register, register_erratum
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


def _printed_4a(v):
    """The sheet's printed answer to exercise 4a, transcribed as printed."""
    x, y, z = v
    return np.array(
        [
            x - 2 * x * y**3 * z / (1 + np.exp(x**2 * y**3 * z)),
            z - 3 * y**2 * x**2 * z / (1 + np.exp(x**2 * y**3 * z)),
            y - x**2 * y**3 / (1 + np.exp(x**2 * y**3 * z)),
        ]
    )


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
        where=(r"x = v_1,\ y = v_2,\ z = v_3", r"u = x^2y^3z"),
        wrt="v",
        kind="gradient",
        sample=_sample,
        value=sheet_xyz,
        derivative=grad_sheet_xyz,
        symbolic=_symbolic,
        derivation=r"""
Write $u = x^2y^3z$. The derivative of $\log(1 + e^u)$ in $u$ is
$e^u/(1 + e^u) = \sigma(u)$, and $\nabla u = (2xy^3z,\ 3x^2y^2z,\ x^2y^3)$. The gradient of
$\tfrac12x^2 + yz$ is $(x, z, y)$; subtract $\sigma(u)\nabla u$ (chain rule).
""",
        mistakes=(
            Mistake(
                r"\begin{pmatrix} x - 2xy^3z/(1+e^{u}) \\ z - 3x^2y^2z/(1+e^{u}) \\ "
                r"y - x^2y^3/(1+e^{u}) \end{pmatrix}",
                lambda v: _printed_4a(v),
                "the sheet's printed answer: sigma(-u) where sigma(u) is needed",
            ),
            Mistake(
                r"(x,\ z,\ y) - \sigma(u)\,(2xy^3z,\ 3x^2y^2z,\ x^2y^3)\ \text{with}\ "
                r"u = xy^3z",
                lambda v: (
                    np.array([v[0], v[2], v[1]])
                    - _sigmoid(v[0] * v[1] ** 3 * v[2])
                    * np.array(
                        [
                            2 * v[0] * v[1] ** 3 * v[2],
                            3 * v[0] ** 2 * v[1] ** 2 * v[2],
                            v[0] ** 2 * v[1] ** 3,
                        ]
                    )
                ),
                "drops the square on x inside the logistic function",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial f}{\partial (x, y, z)} = \begin{pmatrix} "
            r"x - 2xy^3z\,\sigma(u) & z - 3x^2y^2z\,\sigma(u) & y - x^2y^3\,\sigma(u)"
            r"\end{pmatrix}",
        },
        related=("losses.logistic-w", "rules.chain-univariate"),
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

register_erratum(
    Erratum(
        id="sheet01-4a",
        source=f"{SHEET}, exercise 4a, printed answer",
        equations=(),
        printed=r"\begin{pmatrix} x - \dfrac{2xy^3z}{1 + \exp(x^2y^3z)} \\[1ex] "
        r"z - \dfrac{3y^2x^2z}{1 + \exp(x^2y^3z)} \\[1ex] "
        r"y - \dfrac{x^2y^3}{1 + \exp(x^2y^3z)} \end{pmatrix}",
        corrected=r"\begin{pmatrix} x - 2xy^3z\,\sigma(u) \\ z - 3x^2y^2z\,\sigma(u) \\ "
        r"y - x^2y^3\,\sigma(u) \end{pmatrix},\quad \sigma(u) = \frac{e^{u}}{1 + e^{u}},\ "
        r"u = x^2y^3z",
        category="wrong term",
        what="Each fraction is 1/(1 + e^u) = sigma(-u), where the derivative of log(1 + e^u) "
        "is e^u/(1 + e^u) = sigma(u): the numerator e^u is missing. The two agree only where "
        "u = 0.",
        identity="elementary.sheet-xyz",
        printed_derivative=_printed_4a,
    )
)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "three-variables",
        "A function of three variables",
        ("elementary.sheet-xyz",),
    ),
)
