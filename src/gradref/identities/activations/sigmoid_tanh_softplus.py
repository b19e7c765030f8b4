"""Sigmoid, tanh and softplus:
the identities of the page ``reference/activations/sigmoid-tanh-softplus.html``."""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.activations._common import (
    _DIAGONAL,
    GBC,
    _symbolic_map,
    _symbolic_sum,
    _sympy_exp_ratio,
    _sympy_sigmoid,
    _sympy_softplus,
)
from gradref.identities.losses import _sigmoid, _softplus
from gradref.shapes import Arr, shaped, shaped_like


def _sympy_tanh(t):
    import sympy as sp

    return sp.tanh(t)


def _sympy_dtanh(t):
    import sympy as sp

    return 1 - sp.tanh(t) ** 2


def _sympy_log_sigmoid(t):
    import sympy as sp

    return sp.log(_sympy_sigmoid(t))


# -- sigmoid --------------------------------------------------------------------------------


@shaped
def sum_sigmoid(x: Arr["n"]):
    """The sum of the logistic sigmoid over the entries, ``sum_i sigma(x_i)``.

    >>> sum_sigmoid(np.array([0.0, 1000.0, -1000.0]))
    np.float64(1.5)
    """
    return np.sum(_sigmoid(x))


@shaped_like(sum_sigmoid)
def grad_sum_sigmoid(x):
    """``sigma'(x) = sigma(x) (1 - sigma(x))``, entry by entry."""
    s = _sigmoid(x)
    return s * (1 - s)


@shaped_like(sum_sigmoid)
def hess_sum_sigmoid(x):
    """``diag(sigma(x) (1 - sigma(x)) (1 - 2 sigma(x)))``."""
    s = _sigmoid(x)
    return np.diag(s * (1 - s) * (1 - 2 * s))


register(
    Identity(
        id="activations.sigmoid",
        title="Derivative of the logistic sigmoid",
        formula=r"\nabla_x \sum_i \sigma(x_i) = \sigma(x) \odot \bigl(1 - \sigma(x)\bigr),"
        r"\quad \sigma(t) = \frac{1}{1 + e^{-t}}",
        wrt="x",
        kind="gradient",
        value=sum_sigmoid,
        derivative=grad_sum_sigmoid,
        symbolic=_symbolic_sum(
            _sympy_sigmoid, lambda t: _sympy_sigmoid(t) * (1 - _sympy_sigmoid(t))
        ),
        derivation=r"""
For one entry, $\sigma(t) = (1 + e^{-t})^{-1}$ and the chain rule give
$\sigma'(t) = e^{-t} / (1 + e^{-t})^2 = \sigma(t) \cdot \frac{e^{-t}}{1 + e^{-t}}$, and
$\frac{e^{-t}}{1 + e^{-t}} = 1 - \sigma(t) = \sigma(-t)$. The sum separates, so
$d \sum_i \sigma(x_i) = \sum_i \sigma'(x_i)\, dx_i = \langle \sigma(x) \odot (1 - \sigma(x)), dx\rangle$.
Each entry of the gradient depends only on its own $x_i$, so the Hessian is diagonal, with
$\sigma''(t) = \sigma'(t)\,(1 - 2\sigma(t))$.
""",
        hessian=hess_sum_sigmoid,
        hessian_formula=r"\nabla_x^2 \sum_i \sigma(x_i) = \operatorname{diag}\bigl(\sigma(x) "
        r"\odot (1 - \sigma(x)) \odot (1 - 2\sigma(x))\bigr)",
        mistakes=(
            Mistake(r"\sigma(x)", lambda x: _sigmoid(x), "confuses sigma' with sigma itself"),
            Mistake(
                r"\frac{e^{-x}}{1 + e^{-x}}",
                lambda x: _sigmoid(-x),
                "drops the square of 1 + e^{-x} when differentiating the reciprocal",
            ),
        ),
        conventions={"numerator": r"\bigl(\sigma(x) \odot (1 - \sigma(x))\bigr)^\top"},
        related=("activations.sigmoid-jacobian", "activations.softplus", "losses.logistic-w"),
        assumptions="none: sigma is smooth everywhere; the reference implementation does not "
        "overflow for large |x|",
        sources=(f"{GBC}, section 3.10", f"{GBC}, section 6.3.2"),
        keywords=(
            "sigmoid derivative",
            "logistic sigmoid",
            "sigma(1 - sigma)",
            "sigmoid in backpropagation",
            "sigmoid",
            "logistic function",
            "derivative of the sigmoid",
        ),
    )
)


@shaped
def elementwise_sigmoid(x: Arr["n"]):
    """The logistic sigmoid applied entry by entry, ``sigma(x)``.

    >>> elementwise_sigmoid(np.array([0.0, 1000.0]))
    array([0.5, 1. ])
    """
    return _sigmoid(x)


@shaped_like(elementwise_sigmoid)
def jac_sigmoid(x):
    """``diag(sigma(x) (1 - sigma(x)))``."""
    s = _sigmoid(x)
    return np.diag(s * (1 - s))


register(
    Identity(
        id="activations.sigmoid-jacobian",
        title="Jacobian of the elementwise sigmoid",
        formula=r"\frac{\partial\, \sigma(x)}{\partial x} = "
        r"\operatorname{diag}\bigl(\sigma(x) \odot (1 - \sigma(x))\bigr)",
        wrt="x",
        kind="jacobian",
        value=elementwise_sigmoid,
        derivative=jac_sigmoid,
        symbolic=_symbolic_map(
            _sympy_sigmoid, lambda t: _sympy_sigmoid(t) * (1 - _sympy_sigmoid(t))
        ),
        derivation=r"""
Output $i$ is $\sigma(x_i)$ and depends on input $i$ only, so
$\partial \sigma(x_i) / \partial x_j = \sigma'(x_i)\,\delta_{ij}$: the Jacobian is
diagonal, with $\sigma'(x_i) = \sigma(x_i)(1 - \sigma(x_i))$ on the diagonal. In backpropagation
it is never formed: a vector-Jacobian product is the entrywise product
$\bar y \odot \sigma(x) \odot (1 - \sigma(x))$.
""",
        mistakes=(
            Mistake(
                r"\operatorname{diag}(\sigma(x)) - \sigma(x) \sigma(x)^\top",
                lambda x: np.diag(_sigmoid(x)) - np.outer(_sigmoid(x), _sigmoid(x)),
                "borrows the softmax Jacobian: the elementwise sigmoid couples no entries, so "
                "its Jacobian has no off-diagonal part",
            ),
            Mistake(
                r"\sigma(x) \odot (1 - \sigma(x))",
                lambda x: _sigmoid(x) * (1 - _sigmoid(x)),
                "the diagonal as a vector, not the n x n Jacobian",
            ),
        ),
        conventions={
            "numerator": r"\operatorname{diag}\bigl(\sigma(x) \odot (1 - \sigma(x))\bigr)"
            + _DIAGONAL
        },
        related=("activations.sigmoid", "softmax.softmax-jacobian"),
        assumptions="none: sigma is smooth everywhere",
        sources=(f"{GBC}, section 3.10",),
        keywords=(
            "sigmoid Jacobian",
            "Jacobian of the sigmoid",
            "elementwise Jacobian",
            "diagonal Jacobian",
            "sigmoid backward",
        ),
    )
)


# -- tanh -----------------------------------------------------------------------------------


@shaped
def sum_tanh(x: Arr["n"]):
    """The sum of the hyperbolic tangent over the entries, ``sum_i tanh(x_i)``.

    >>> sum_tanh(np.array([0.0, 1000.0]))
    np.float64(1.0)
    """
    return np.sum(np.tanh(x))


@shaped_like(sum_tanh)
def grad_sum_tanh(x):
    """``tanh'(x) = 1 - tanh(x)^2``, entry by entry."""
    return 1 - np.tanh(x) ** 2


@shaped_like(sum_tanh)
def hess_sum_tanh(x):
    """``diag(-2 tanh(x) (1 - tanh(x)^2))``."""
    t = np.tanh(x)
    return np.diag(-2 * t * (1 - t**2))


register(
    Identity(
        id="activations.tanh",
        title="Derivative of the hyperbolic tangent",
        formula=r"\nabla_x \sum_i \tanh(x_i) = 1 - \tanh(x)^{\odot 2}",
        wrt="x",
        kind="gradient",
        value=sum_tanh,
        derivative=grad_sum_tanh,
        symbolic=_symbolic_sum(_sympy_tanh, _sympy_dtanh),
        derivation=r"""
With $\tanh = \sinh / \cosh$, the quotient rule gives
$\tanh' = (\cosh^2 - \sinh^2)/\cosh^2 = 1 - \tanh^2$. The sum separates:
$d \sum_i \tanh(x_i) = \langle 1 - \tanh(x)^{\odot 2}, dx\rangle$. Differentiating
$1 - \tanh^2$ once more gives the diagonal Hessian with entries
$-2 \tanh(x_i)\,(1 - \tanh(x_i)^2)$. (Also $\tanh(t) = 2\sigma(2t) - 1$, which turns the
sigmoid's identity into this one.)
""",
        hessian=hess_sum_tanh,
        hessian_formula=r"\nabla_x^2 \sum_i \tanh(x_i) = "
        r"\operatorname{diag}\bigl(-2 \tanh(x) \odot (1 - \tanh(x)^{\odot 2})\bigr)",
        mistakes=(
            Mistake(
                r"1 + \tanh(x)^{\odot 2}",
                lambda x: 1 + np.tanh(x) ** 2,
                "the sign of tan' = 1 + tan^2, carried over to the hyperbolic tangent",
            ),
            Mistake(
                r"\tanh(x) \odot (1 - \tanh(x))",
                lambda x: np.tanh(x) * (1 - np.tanh(x)),
                "the sigmoid's pattern sigma (1 - sigma) applied to tanh",
            ),
        ),
        conventions={"numerator": r"\bigl(1 - \tanh(x)^{\odot 2}\bigr)^\top"},
        related=("activations.tanh-jacobian", "activations.sigmoid"),
        assumptions="none: tanh is smooth everywhere",
        sources=(f"{GBC}, section 6.3.2",),
        keywords=(
            "tanh derivative",
            "hyperbolic tangent",
            "1 - tanh^2",
            "tanh in backpropagation",
            "tanh",
            "sech^2",
            "derivative of tanh",
        ),
    )
)


@shaped
def elementwise_tanh(x: Arr["n"]):
    """The hyperbolic tangent applied entry by entry.

    >>> elementwise_tanh(np.array([0.0, 1000.0]))
    array([0., 1.])
    """
    return np.tanh(x)


@shaped_like(elementwise_tanh)
def jac_tanh(x):
    """``diag(1 - tanh(x)^2)``."""
    return np.diag(1 - np.tanh(x) ** 2)


register(
    Identity(
        id="activations.tanh-jacobian",
        title="Jacobian of the elementwise hyperbolic tangent",
        formula=r"\frac{\partial \tanh(x)}{\partial x} = "
        r"\operatorname{diag}\bigl(1 - \tanh(x)^{\odot 2}\bigr)",
        wrt="x",
        kind="jacobian",
        value=elementwise_tanh,
        derivative=jac_tanh,
        symbolic=_symbolic_map(_sympy_tanh, _sympy_dtanh),
        derivation=r"""
Output $i$ is $\tanh(x_i)$, a function of input $i$ alone, so
$\partial \tanh(x_i)/\partial x_j = (1 - \tanh(x_i)^2)\,\delta_{ij}$ and the Jacobian is the
diagonal matrix of $\tanh' = 1 - \tanh^2$. A backward pass multiplies entrywise:
$\bar x = \bar y \odot (1 - y^{\odot 2})$ with $y = \tanh(x)$, reusing the forward output.
""",
        mistakes=(
            Mistake(
                r"I - \tanh(x) \tanh(x)^\top",
                lambda x: np.eye(x.size) - np.outer(np.tanh(x), np.tanh(x)),
                "squares the vector as an outer product, which couples entries that the "
                "elementwise map keeps apart",
            ),
        ),
        conventions={
            "numerator": r"\operatorname{diag}\bigl(1 - \tanh(x)^{\odot 2}\bigr)" + _DIAGONAL
        },
        related=("activations.tanh",),
        assumptions="none: tanh is smooth everywhere",
        sources=(f"{GBC}, section 6.3.2",),
        keywords=("tanh Jacobian", "Jacobian of tanh", "tanh backward", "diagonal Jacobian"),
    )
)


# -- softplus -------------------------------------------------------------------------------


@shaped
def sum_softplus(x: Arr["n"]):
    """The sum of the softplus over the entries, ``sum_i log(1 + exp(x_i))``.

    >>> sum_softplus(np.array([0.0, 0.0, -1000.0])) == 2 * np.log(2.0)
    np.True_
    """
    return np.sum(_softplus(x))


@shaped_like(sum_softplus)
def grad_sum_softplus(x):
    """``softplus'(x) = sigma(x)``, entry by entry."""
    return _sigmoid(x)


@shaped_like(sum_softplus)
def hess_sum_softplus(x):
    """``diag(sigma(x) (1 - sigma(x)))``."""
    s = _sigmoid(x)
    return np.diag(s * (1 - s))


register(
    Identity(
        id="activations.softplus",
        title="Derivative of the softplus",
        formula=r"\nabla_x \sum_i \log\bigl(1 + e^{x_i}\bigr) = \sigma(x)",
        wrt="x",
        kind="gradient",
        value=sum_softplus,
        derivative=grad_sum_softplus,
        symbolic=_symbolic_sum(_sympy_softplus, _sympy_exp_ratio),
        derivation=r"""
For one entry, $\zeta(t) = \log(1 + e^t)$ has $\zeta'(t) = e^t / (1 + e^t) =
1/(1 + e^{-t}) = \sigma(t)$: the softplus is an antiderivative of the sigmoid. The sum
separates, so $d \sum_i \zeta(x_i) = \langle \sigma(x), dx\rangle$. Its Hessian is the
diagonal of $\sigma' = \sigma(1 - \sigma) > 0$, so the softplus is convex.
""",
        hessian=hess_sum_softplus,
        hessian_formula=r"\nabla_x^2 \sum_i \log(1 + e^{x_i}) = "
        r"\operatorname{diag}\bigl(\sigma(x) \odot (1 - \sigma(x))\bigr)",
        mistakes=(
            Mistake(
                r"\sigma(-x)",
                lambda x: _sigmoid(-x),
                "the sign of e^{-x}: sigma(-x) is the derivative of log(1 + e^{-x})",
            ),
            Mistake(
                r"\frac{1}{1 + e^{x}}",
                lambda x: 1 / (1 + np.exp(x)),
                "drops the e^x of the numerator, leaving 1 - sigma(x)",
            ),
        ),
        conventions={"numerator": r"\sigma(x)^\top"},
        related=(
            "activations.softplus-jacobian",
            "activations.sigmoid",
            "activations.log-sigmoid",
            "losses.logistic-w",
        ),
        assumptions="none: the softplus is smooth everywhere; the reference implementation "
        "does not overflow for large |x|",
        sources=(f"{GBC}, section 3.10",),
        keywords=(
            "softplus derivative",
            "softplus",
            "log(1 + exp(x))",
            "log1p exp",
            "smooth ReLU",
            "derivative of softplus is sigmoid",
        ),
    )
)


@shaped
def elementwise_softplus(x: Arr["n"]):
    """The softplus applied entry by entry, ``log(1 + exp(x))``.

    >>> elementwise_softplus(np.array([-1000.0, 1000.0]))
    array([   0., 1000.])
    """
    return _softplus(x)


@shaped_like(elementwise_softplus)
def jac_softplus(x):
    """``diag(sigma(x))``."""
    return np.diag(_sigmoid(x))


register(
    Identity(
        id="activations.softplus-jacobian",
        title="Jacobian of the elementwise softplus",
        formula=r"\frac{\partial \log(1 + e^{x})}{\partial x} = \operatorname{diag}\bigl(\sigma(x)\bigr)",
        wrt="x",
        kind="jacobian",
        value=elementwise_softplus,
        derivative=jac_softplus,
        symbolic=_symbolic_map(_sympy_softplus, _sympy_exp_ratio),
        derivation=r"""
Output $i$ is $\log(1 + e^{x_i})$, a function of $x_i$ alone, whose derivative is
$e^{x_i}/(1 + e^{x_i}) = \sigma(x_i)$; so
$\partial y_i / \partial x_j = \sigma(x_i)\,\delta_{ij}$ and the Jacobian is
$\operatorname{diag}(\sigma(x))$.
""",
        mistakes=(
            Mistake(
                r"\operatorname{diag}\bigl(\sigma(-x)\bigr)",
                lambda x: np.diag(_sigmoid(-x)),
                "the sign of the exponent, as for log(1 + e^{-x})",
            ),
            Mistake(
                r"\operatorname{diag}\bigl(\sigma(x) \odot (1 - \sigma(x))\bigr)",
                lambda x: np.diag(_sigmoid(x) * (1 - _sigmoid(x))),
                "one derivative too many: that is the softplus's second derivative",
            ),
        ),
        conventions={"numerator": r"\operatorname{diag}\bigl(\sigma(x)\bigr)" + _DIAGONAL},
        related=("activations.softplus",),
        assumptions="none: the softplus is smooth everywhere",
        sources=(f"{GBC}, section 3.10",),
        keywords=("softplus Jacobian", "Jacobian of softplus", "diagonal Jacobian"),
    )
)


# -- log-sigmoid ----------------------------------------------------------------------------


@shaped
def sum_log_sigmoid(x: Arr["n"]):
    """The sum of ``log sigma(x_i) = -softplus(-x_i)`` over the entries.

    >>> sum_log_sigmoid(np.array([0.0, 1000.0])) == -np.log(2.0)
    np.True_
    """
    return -np.sum(_softplus(-x))


@shaped_like(sum_log_sigmoid)
def grad_sum_log_sigmoid(x):
    """``(log sigma)'(x) = 1 - sigma(x) = sigma(-x)``, entry by entry."""
    return _sigmoid(-x)


@shaped_like(sum_log_sigmoid)
def hess_sum_log_sigmoid(x):
    """``-diag(sigma(x) (1 - sigma(x)))``."""
    s = _sigmoid(x)
    return -np.diag(s * (1 - s))


register(
    Identity(
        id="activations.log-sigmoid",
        title="Derivative of the log-sigmoid",
        formula=r"\nabla_x \sum_i \log \sigma(x_i) = 1 - \sigma(x) = \sigma(-x)",
        wrt="x",
        kind="gradient",
        value=sum_log_sigmoid,
        derivative=grad_sum_log_sigmoid,
        symbolic=_symbolic_sum(_sympy_log_sigmoid, lambda t: 1 - _sympy_sigmoid(t)),
        derivation=r"""
The chain rule and $\sigma' = \sigma(1 - \sigma)$ give
$(\log \sigma)'(t) = \sigma'(t)/\sigma(t) = 1 - \sigma(t) = \sigma(-t)$. Equivalently,
$\log \sigma(t) = -\zeta(-t)$ with the softplus $\zeta$, whose derivative is $\sigma$. The sum
separates, and the Hessian is $-\operatorname{diag}(\sigma(x) \odot (1 - \sigma(x)))$: the
log-sigmoid is concave, which is why the logistic loss $-\log\sigma$ is convex.
""",
        hessian=hess_sum_log_sigmoid,
        hessian_formula=r"\nabla_x^2 \sum_i \log \sigma(x_i) = "
        r"-\operatorname{diag}\bigl(\sigma(x) \odot (1 - \sigma(x))\bigr)",
        mistakes=(
            Mistake(
                r"\frac{1}{\sigma(x)}",
                lambda x: 1 / _sigmoid(x),
                "differentiates the log but forgets the inner derivative sigma'",
            ),
            Mistake(r"\sigma(x)", lambda x: _sigmoid(x), "the sign of the softplus argument"),
        ),
        conventions={"numerator": r"\sigma(-x)^\top"},
        related=("activations.softplus", "activations.sigmoid", "losses.logistic-w"),
        assumptions="none: log sigma is smooth everywhere; computed as -softplus(-x) so that "
        "it does not overflow",
        sources=(f"{GBC}, section 3.10",),
        keywords=(
            "log sigmoid",
            "log-sigmoid",
            "logsigmoid",
            "log sigma",
            "1 - sigma",
            "sigma(-x)",
        ),
    )
)


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
    "sigmoid-tanh-softplus",
    "Sigmoid, tanh and softplus",
    (
        "activations.sigmoid",
        "activations.sigmoid-jacobian",
        "activations.tanh",
        "activations.tanh-jacobian",
        "activations.softplus",
        "activations.softplus-jacobian",
        "activations.log-sigmoid",
    ),
)
