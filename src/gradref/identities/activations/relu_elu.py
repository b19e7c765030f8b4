"""ReLU, leaky ReLU and ELU: the identities of the page ``reference/activations/relu-elu.html``."""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.activations._common import _DIAGONAL, GBC, _symbolic_map, _symbolic_sum
from gradref.shapes import Arr, shaped, shaped_like

CLEVERT = (
    "Clevert, Unterthiner & Hochreiter, *Fast and Accurate Deep Network Learning by "
    "Exponential Linear Units (ELUs)* (2016)"
)

MAAS = "Maas, Hannun & Ng, *Rectifier Nonlinearities Improve Neural Network Acoustic Models* (2013)"

NAIR_HINTON = "Nair & Hinton, *Rectified Linear Units Improve Restricted Boltzmann Machines* (2010)"


def _away_from_zero(rng, n, first=1.0):
    """Entries with |x_i| in [0.25, 2] (away from a kink): signs alternate from ``first``, shuffled.

    Both signs are present when n >= 2; at n = 1 the entry has the sign ``first``.
    """
    signs = rng.permutation(np.where(np.arange(n) % 2 == 0, first, -first))
    return signs * rng.uniform(0.25, 2.0, n)


def _sample_kink(rng, n):
    # at least one positive entry, where the ReLU's gradient is not zero
    return {"x": _away_from_zero(rng, n)}


def _sample_slope(rng, n):
    # a slope in (0.01, 0.3): a leaky ReLU's negative slope, never 0 or 1
    return {"x": _away_from_zero(rng, n), "a": float(rng.uniform(0.01, 0.3))}


def _sample_elu(rng, n):
    # alpha in [0.5, 2] away from 1, so that a dropped alpha cannot pass
    alpha = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.3, 0.6) + 1.0)
    # at least one negative entry, where the Hessian is not zero
    return {"x": _away_from_zero(rng, n, first=-1.0), "alpha": alpha}


# -- ReLU and leaky ReLU --------------------------------------------------------------------


@shaped
def sum_relu(x: Arr["n"]):
    """The sum of the rectified linear unit over the entries, ``sum_i max(x_i, 0)``.

    >>> sum_relu(np.array([-1.0, 2.0, 3.0]))
    np.float64(5.0)
    """
    return np.sum(np.maximum(x, 0))


@shaped_like(sum_relu)
def grad_sum_relu(x):
    """``relu'(x) = 1[x > 0]``, entry by entry (away from 0)."""
    return (x > 0).astype(float)


def _sympy_relu(t):
    import sympy as sp

    return sp.Piecewise((t, t > 0), (0, True))


def _sympy_step(t):
    import sympy as sp

    return sp.Piecewise((1, t > 0), (0, True))


_RELU_SUBGRADIENT = r"""
At $t = 0$ the ReLU has no derivative. Being convex, it has a subdifferential there, the
interval $[0, 1]$ of slopes of lines that stay below it; any value in it is a valid
subgradient, and frameworks use $0$. The identity is checked at points with no zero entry
($|x_i| \ge 0.25$), where it is an ordinary derivative.
"""

register(
    Identity(
        id="activations.relu",
        title="Derivative of the ReLU (away from the kink)",
        formula=r"\nabla_x \sum_i \max(x_i, 0) = \mathbb{1}[x > 0]",
        wrt="x",
        kind="gradient",
        value=sum_relu,
        derivative=grad_sum_relu,
        sample=_sample_kink,
        symbolic=_symbolic_sum(_sympy_relu, _sympy_step),
        derivation=r"""
On $t > 0$ the ReLU is $t$, with derivative $1$; on $t < 0$ it is $0$, with derivative
$0$. The sum separates, so for $x$ with no zero entry
$d \sum_i \max(x_i, 0) = \langle \mathbb{1}[x > 0], dx\rangle$, the indicator taken entry by
entry. The elementwise map's Jacobian is the diagonal mask $\operatorname{diag}(\mathbb{1}[x > 0])$:
a backward pass lets the upstream gradient through where the input was positive,
$\bar x = \bar y \odot \mathbb{1}[x > 0]$.
"""
        + _RELU_SUBGRADIENT
        + r"""The second derivative is $0$ away from the kink (the gradient is piecewise
constant), so no Hessian is listed.
""",
        mistakes=(
            Mistake(
                r"\max(x, 0)",
                lambda x: np.maximum(x, 0),
                "returns the activation itself, the forward value, instead of its slope",
            ),
            Mistake(
                r"\mathbb{1}",
                lambda x: np.ones_like(x),
                "treats the ReLU as the identity, forgetting that negative inputs are cut",
            ),
        ),
        conventions={"numerator": r"\mathbb{1}[x > 0]^\top"},
        related=(
            "activations.leaky-relu",
            "activations.leaky-relu-jacobian",
            "activations.softplus",
        ),
        assumptions="away from the kink: no entry of x is 0 (at 0 use a subgradient in [0, 1])",
        sources=(f"{GBC}, section 6.3.1", NAIR_HINTON),
        keywords=(
            "ReLU derivative",
            "ReLU",
            "rectified linear unit",
            "max(x 0)",
            "Heaviside",
            "subgradient",
            "step function",
        ),
    )
)


@shaped
def sum_leaky_relu(x: Arr["n"], a: Arr[""]):
    """The sum of the leaky ReLU with negative slope ``a``, ``sum_i max(x_i, a x_i)``.

    >>> sum_leaky_relu(np.array([-1.0, 2.0]), 0.1)
    np.float64(1.9)
    """
    return np.sum(np.where(np.real(x) > 0, x, a * x))


@shaped_like(sum_leaky_relu)
def grad_sum_leaky_relu(x, a):
    """``1`` where ``x > 0``, ``a`` where ``x < 0``."""
    return np.where(x > 0, 1.0, a)


def _sympy_leaky(a):
    import sympy as sp

    return (
        lambda t: sp.Piecewise((t, t > 0), (a * t, True)),
        lambda t: sp.Piecewise((1, t > 0), (a, True)),
    )


def _symbolic_leaky(x, a):
    return _symbolic_sum(*_sympy_leaky(a))(x)


register(
    Identity(
        id="activations.leaky-relu",
        title="Derivative of the leaky ReLU (away from the kink)",
        formula=r"\nabla_x \sum_i \operatorname{lrelu}_a(x_i) = \mathbb{1}[x > 0] + "
        r"a\,\mathbb{1}[x < 0],\quad \operatorname{lrelu}_a(t) = \begin{cases} t & t > 0 \\ "
        r"a t & t \le 0 \end{cases}",
        wrt="x",
        kind="gradient",
        value=sum_leaky_relu,
        derivative=grad_sum_leaky_relu,
        sample=_sample_slope,
        structure={"a": "positive"},
        symbolic=_symbolic_leaky,
        derivation=r"""
The leaky ReLU is linear on each side of $0$: slope $1$ for $t > 0$ and slope $a$ for
$t < 0$. The sum separates, so away from the kink
$d \sum_i \operatorname{lrelu}_a(x_i) = \sum_i (\mathbb{1}[x_i > 0] + a\,\mathbb{1}[x_i < 0])\,dx_i$.
At $t = 0$ there is no derivative; for $0 \le a \le 1$ the function is convex and its
subdifferential there is $[a, 1]$. The second derivative is $0$ away from the kink, so no
Hessian is listed.
""",
        mistakes=(
            Mistake(
                r"\mathbb{1}[x > 0]",
                lambda x, a: (x > 0).astype(float),
                "the ReLU's derivative: forgets the slope a of the negative side",
            ),
            Mistake(
                r"a\,\mathbb{1}[x > 0] + \mathbb{1}[x < 0]",
                lambda x, a: np.where(x > 0, a, 1.0),
                "swaps the two slopes",
            ),
        ),
        conventions={"numerator": r"\bigl(\mathbb{1}[x > 0] + a\,\mathbb{1}[x < 0]\bigr)^\top"},
        related=("activations.relu", "activations.leaky-relu-jacobian", "activations.elu"),
        assumptions="away from the kink: no entry of x is 0; the slope a is a fixed number "
        "(0 < a < 1 in practice)",
        sources=(f"{GBC}, section 6.3.1", MAAS),
        keywords=("leaky ReLU", "leaky relu derivative", "LReLU", "negative slope", "subgradient"),
    )
)


@shaped
def elementwise_leaky_relu(x: Arr["n"], a: Arr[""]):
    """The leaky ReLU with negative slope ``a``, entry by entry.

    >>> elementwise_leaky_relu(np.array([-1.0, 2.0]), 0.1)
    array([-0.1,  2. ])
    """
    return np.where(np.real(x) > 0, x, a * x)


@shaped_like(elementwise_leaky_relu)
def jac_leaky_relu(x, a):
    """``diag(1[x > 0] + a 1[x < 0])``."""
    return np.diag(np.where(x > 0, 1.0, a))


def _symbolic_leaky_map(x, a):
    return _symbolic_map(*_sympy_leaky(a))(x)


register(
    Identity(
        id="activations.leaky-relu-jacobian",
        title="Jacobian of the elementwise leaky ReLU (away from the kink)",
        formula=r"\frac{\partial \operatorname{lrelu}_a(x)}{\partial x} = "
        r"\operatorname{diag}\bigl(\mathbb{1}[x > 0] + a\,\mathbb{1}[x < 0]\bigr)",
        wrt="x",
        kind="jacobian",
        value=elementwise_leaky_relu,
        derivative=jac_leaky_relu,
        sample=_sample_slope,
        structure={"a": "positive"},
        symbolic=_symbolic_leaky_map,
        derivation=r"""
Each output depends on its own input only, with slope $1$ on the positive side and $a$ on the
negative side, so the Jacobian is diagonal with those slopes. Unlike the ReLU's, it has no zero
on the diagonal (for $a \ne 0$): a backward pass scales the upstream gradient by $a$ on
negative inputs instead of cutting it. At a zero entry there is no derivative (see the
gradient entry for the subgradient).
""",
        mistakes=(
            Mistake(
                r"\operatorname{diag}\bigl(\mathbb{1}[x > 0]\bigr)",
                lambda x, a: np.diag((x > 0).astype(float)),
                "the ReLU's mask, which drops the negative-side slope a",
            ),
        ),
        conventions={
            "numerator": r"\operatorname{diag}\bigl(\mathbb{1}[x > 0] + a\,\mathbb{1}[x < 0]\bigr)"
            + _DIAGONAL
        },
        related=("activations.leaky-relu", "activations.relu"),
        assumptions="away from the kink: no entry of x is 0; a is a fixed slope",
        sources=(MAAS,),
        keywords=("leaky ReLU Jacobian", "leaky relu backward", "diagonal Jacobian"),
    )
)


# -- ELU ------------------------------------------------------------------------------------


@shaped
def sum_elu(x: Arr["n"], alpha: Arr[""]):
    """The sum of the ELU, ``x_i`` for ``x_i > 0`` and ``alpha (exp(x_i) - 1)`` otherwise.

    >>> sum_elu(np.array([2.0, -1000.0]), 1.0)
    np.float64(1.0)
    """
    positive = np.real(x) > 0
    return np.sum(np.where(positive, x, alpha * np.expm1(np.where(positive, 0, x))))


@shaped_like(sum_elu)
def grad_sum_elu(x, alpha):
    """``1`` where ``x > 0``, ``alpha exp(x)`` where ``x < 0``."""
    positive = np.real(x) > 0
    return np.where(positive, 1, alpha * np.exp(np.where(positive, 0, x)))


@shaped_like(sum_elu)
def hess_sum_elu(x, alpha):
    """``diag(0 where x > 0, alpha exp(x) where x < 0)``."""
    positive = np.real(x) > 0
    return np.diag(np.where(positive, 0, alpha * np.exp(np.where(positive, 0, x))))


def _symbolic_elu(x, alpha):
    import sympy as sp

    return _symbolic_sum(
        lambda t: sp.Piecewise((t, t > 0), (alpha * (sp.exp(t) - 1), True)),
        lambda t: sp.Piecewise((1, t > 0), (alpha * sp.exp(t), True)),
    )(x)


register(
    Identity(
        id="activations.elu",
        title="Derivative of the ELU (away from 0)",
        formula=r"\nabla_x \sum_i \operatorname{elu}_\alpha(x_i) = \begin{cases} 1 & x > 0 \\ "
        r"\alpha e^{x} & x < 0 \end{cases},\quad \operatorname{elu}_\alpha(t) = "
        r"\begin{cases} t & t > 0 \\ \alpha (e^{t} - 1) & t \le 0 \end{cases}",
        wrt="x",
        kind="gradient",
        value=sum_elu,
        derivative=grad_sum_elu,
        sample=_sample_elu,
        structure={"alpha": "positive"},
        symbolic=_symbolic_elu,
        derivation=r"""
On the positive side the ELU is $t$ (slope $1$); on the negative side it is
$\alpha(e^t - 1)$, with slope $\alpha e^t = \operatorname{elu}_\alpha(t) + \alpha$, which a
backward pass can compute from the forward output. The sum separates. Differentiating
the slope once more gives the diagonal Hessian: $0$ on the positive side, $\alpha e^{t}$ on
the negative side. At $0$ the two one-sided slopes are $1$ and $\alpha$: the ELU is
differentiable there only for $\alpha = 1$, and twice differentiable never (the second
derivative jumps from $\alpha$ to $0$), so both are stated and checked away from $0$.
""",
        hessian=hess_sum_elu,
        hessian_formula=r"\nabla_x^2 \sum_i \operatorname{elu}_\alpha(x_i) = \operatorname{diag}"
        r"\bigl(\alpha e^{x} \odot \mathbb{1}[x < 0]\bigr)",
        mistakes=(
            Mistake(
                r"\mathbb{1}[x > 0] + e^{x} \odot \mathbb{1}[x < 0]",
                lambda x, alpha: np.where(x > 0, 1, np.exp(np.minimum(x, 0))),
                "drops the scale alpha of the negative branch",
            ),
            Mistake(
                r"\mathbb{1}[x > 0] + \alpha (e^{x} - 1) \odot \mathbb{1}[x < 0]",
                lambda x, alpha: np.where(x > 0, 1, alpha * np.expm1(np.minimum(x, 0))),
                "copies the negative branch's value instead of differentiating it",
            ),
        ),
        conventions={"numerator": r"\text{the same vector, as a row}"},
        related=("activations.relu", "activations.leaky-relu"),
        assumptions="away from 0: no entry of x is 0 (the ELU is C^1 at 0 only for alpha = 1 "
        "and never C^2 there); alpha > 0 is a fixed number",
        sources=(CLEVERT,),
        keywords=("ELU", "exponential linear unit", "elu derivative", "alpha e^x"),
    )
)


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
    "relu-elu",
    "ReLU, leaky ReLU and ELU",
    (
        "activations.relu",
        "activations.leaky-relu",
        "activations.leaky-relu-jacobian",
        "activations.elu",
    ),
)
