"""Activations and elementwise maps: sigmoid, tanh, softplus, ReLU and their relatives.

Each activation ``phi`` acts entry by entry, so two statements say everything about its
first derivative: the gradient of ``sum_i phi(x_i)`` is the vector ``phi'(x)``, and the
Jacobian of ``x -> phi(x)`` is the diagonal matrix ``diag(phi'(x))``. The Hessian of the
sum is ``diag(phi''(x))`` wherever ``phi`` is twice differentiable.
"""

import math

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.losses import _sigmoid, _softplus
from gradref.shapes import Arr, shaped, shaped_like

GBC = "Goodfellow, Bengio & Courville, *Deep Learning* (2016)"
HENDRYCKS = "Hendrycks & Gimpel, *Gaussian Error Linear Units (GELUs)* (2016)"
CLEVERT = (
    "Clevert, Unterthiner & Hochreiter, *Fast and Accurate Deep Network Learning by "
    "Exponential Linear Units (ELUs)* (2016)"
)
ELFWING = (
    "Elfwing, Uchibe & Doya, *Sigmoid-Weighted Linear Units for Neural Network Function "
    "Approximation in Reinforcement Learning* (2018)"
)
MISRA = "Misra, *Mish: A Self Regularized Non-Monotonic Activation Function* (2019)"
RAMACHANDRAN = "Ramachandran, Zoph & Le, *Searching for Activation Functions* (2017)"
MAAS = "Maas, Hannun & Ng, *Rectifier Nonlinearities Improve Neural Network Acoustic Models* (2013)"
NAIR_HINTON = "Nair & Hinton, *Rectified Linear Units Improve Restricted Boltzmann Machines* (2010)"

#: The constants of the tanh approximation of GELU (Hendrycks & Gimpel).
GELU_C = math.sqrt(2 / math.pi)
GELU_K = 0.044715

_DIAGONAL = r"\ \text{(diagonal: the same in either layout)}"


# -- helpers ------------------------------------------------------------------------------


def _sympy_sigmoid(t):
    import sympy as sp

    return 1 / (1 + sp.exp(-t))


def _sympy_tanh(t):
    import sympy as sp

    return sp.tanh(t)


def _sympy_dtanh(t):
    import sympy as sp

    return 1 - sp.tanh(t) ** 2


def _sympy_log_sigmoid(t):
    import sympy as sp

    return sp.log(_sympy_sigmoid(t))


def _sympy_exp_ratio(t):
    """``e^t / (1 + e^t)``: the sigmoid as it comes out of differentiating the softplus."""
    import sympy as sp

    return sp.exp(t) / (1 + sp.exp(t))


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


def _sample_beta(rng, n):
    # beta in [1.5, 3]: away from 1, so that swish cannot pass for SiLU
    return {"x": rng.standard_normal(n), "beta": float(rng.uniform(1.5, 3.0))}


def _erf(z):
    """The error function, elementwise; complex input (the complex step) through mpmath."""
    if not np.iscomplexobj(z):
        return np.vectorize(math.erf, otypes=[float])(z)
    import mpmath

    with mpmath.workdps(60):  # erf'(x) e^{x^2} spans many digits below erf(x) near 1
        out = [complex(mpmath.erf(mpmath.mpc(v.real, v.imag))) for v in np.ravel(z)]
    return np.reshape(np.array(out, dtype=complex), np.shape(z))


def _gauss_cdf(x):
    return (1 + _erf(x / math.sqrt(2))) / 2


def _gauss_pdf(x):
    return np.exp(-(x**2) / 2) / math.sqrt(2 * math.pi)


def _sympy_gauss(t):
    import sympy as sp

    return (1 + sp.erf(t / sp.sqrt(2))) / 2, sp.exp(-(t**2) / 2) / sp.sqrt(2 * sp.pi)


def _gelu_tanh_parts(x):
    """``u = c (x + k x^3)``, ``u'``, ``u''`` and ``t = tanh(u)`` of the tanh approximation."""
    u = GELU_C * (x + GELU_K * x**3)
    du = GELU_C * (1 + 3 * GELU_K * x**2)
    ddu = 6 * GELU_C * GELU_K * x
    return u, du, ddu, np.tanh(u)


def _sympy_gelu_tanh_parts(t):
    import sympy as sp

    c, k = sp.sqrt(2 / sp.pi), sp.Rational(44715, 10**6)
    u = c * (t + k * t**3)
    return u, c * (1 + 3 * k * t**2), sp.tanh(u)


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


def _sympy_softplus(t):
    import sympy as sp

    return sp.log(1 + sp.exp(t))


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
        formula=r"\nabla_x \sum_i \operatorname{elu}_\alpha(x_i) = \begin{cases} 1 & x_i > 0 \\ "
        r"\alpha e^{x_i} & x_i < 0 \end{cases},\quad \operatorname{elu}_\alpha(t) = "
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


# -- SiLU / swish ---------------------------------------------------------------------------


@shaped
def sum_silu(x: Arr["n"]):
    """The sum of the SiLU (swish with beta = 1), ``sum_i x_i sigma(x_i)``.

    >>> sum_silu(np.array([0.0, 1000.0, -1000.0]))
    np.float64(1000.0)
    """
    return np.sum(x * _sigmoid(x))


@shaped_like(sum_silu)
def grad_sum_silu(x):
    """``silu'(x) = sigma(x) (1 + x (1 - sigma(x)))``, entry by entry."""
    s = _sigmoid(x)
    return s * (1 + x * (1 - s))


@shaped_like(sum_silu)
def hess_sum_silu(x):
    """``diag(sigma(x) (1 - sigma(x)) (2 + x (1 - 2 sigma(x))))``."""
    s = _sigmoid(x)
    return np.diag(s * (1 - s) * (2 + x * (1 - 2 * s)))


def _sympy_silu(t):
    return t * _sympy_sigmoid(t)


def _sympy_dsilu(t):
    s = _sympy_sigmoid(t)
    return s * (1 + t * (1 - s))


register(
    Identity(
        id="activations.silu",
        title="Derivative of the SiLU (swish)",
        formula=r"\nabla_x \sum_i x_i \sigma(x_i) = \sigma(x) \odot "
        r"\bigl(1 + x \odot (1 - \sigma(x))\bigr)",
        wrt="x",
        kind="gradient",
        value=sum_silu,
        derivative=grad_sum_silu,
        symbolic=_symbolic_sum(_sympy_silu, _sympy_dsilu),
        derivation=r"""
For one entry, the product rule on $t\,\sigma(t)$ gives $\sigma(t) + t\,\sigma'(t) =
\sigma(t) + t\,\sigma(t)(1 - \sigma(t)) = \sigma(t)\,(1 + t(1 - \sigma(t)))$. The sum
separates. Differentiating again, $2\sigma' + t\sigma'' $ with $\sigma'' = \sigma'(1 - 2\sigma)$
gives the diagonal Hessian entries $\sigma(1 - \sigma)(2 + t(1 - 2\sigma))$, which change sign:
unlike the ReLU it approximates, the SiLU is not monotone (its minimum is near $t \approx -1.28$).
""",
        hessian=hess_sum_silu,
        hessian_formula=r"\nabla_x^2 \sum_i x_i \sigma(x_i) = \operatorname{diag}\bigl("
        r"\sigma(x) \odot (1 - \sigma(x)) \odot (2 + x \odot (1 - 2\sigma(x)))\bigr)",
        mistakes=(
            Mistake(
                r"\sigma(x)",
                lambda x: _sigmoid(x),
                "treats the factor x as a constant: one term of the product rule",
            ),
            Mistake(
                r"x \odot \sigma(x) \odot (1 - \sigma(x))",
                lambda x: x * _sigmoid(x) * (1 - _sigmoid(x)),
                "keeps only the other term of the product rule",
            ),
        ),
        conventions={"numerator": r"\text{the same vector, as a row}"},
        related=("activations.silu-jacobian", "activations.swish", "activations.gelu-erf"),
        assumptions="none: the SiLU is smooth everywhere",
        sources=(ELFWING, HENDRYCKS, RAMACHANDRAN),
        keywords=("SiLU", "swish", "x sigmoid(x)", "sigmoid linear unit", "silu derivative"),
    )
)


@shaped
def elementwise_silu(x: Arr["n"]):
    """The SiLU applied entry by entry, ``x sigma(x)``.

    >>> elementwise_silu(np.array([0.0, 1000.0]))
    array([   0., 1000.])
    """
    return x * _sigmoid(x)


@shaped_like(elementwise_silu)
def jac_silu(x):
    """``diag(sigma(x) (1 + x (1 - sigma(x))))``."""
    s = _sigmoid(x)
    return np.diag(s * (1 + x * (1 - s)))


register(
    Identity(
        id="activations.silu-jacobian",
        title="Jacobian of the elementwise SiLU",
        formula=r"\frac{\partial\, x \odot \sigma(x)}{\partial x} = \operatorname{diag}\bigl("
        r"\sigma(x) \odot (1 + x \odot (1 - \sigma(x)))\bigr)",
        wrt="x",
        kind="jacobian",
        value=elementwise_silu,
        derivative=jac_silu,
        symbolic=_symbolic_map(_sympy_silu, _sympy_dsilu),
        derivation=r"""
The map is $x \mapsto x \odot \sigma(x)$. The product rule on differentials gives
$d(x \odot \sigma(x)) = dx \odot \sigma(x) + x \odot \sigma'(x) \odot dx =
\operatorname{diag}(\sigma(x) + x \odot \sigma(x) \odot (1 - \sigma(x)))\,dx$, and the
Jacobian is the diagonal matrix that multiplies $dx$.
""",
        mistakes=(
            Mistake(
                r"\operatorname{diag}(\sigma(x)) + x\,\sigma'(x)^\top",
                lambda x: np.diag(_sigmoid(x)) + np.outer(x, _sigmoid(x) * (1 - _sigmoid(x))),
                "writes the product rule's second term as an outer product, as for a scalar "
                "times a vector, where the map is entrywise",
            ),
        ),
        conventions={
            "numerator": r"\operatorname{diag}\bigl(\sigma(x) \odot (1 + x \odot (1 - "
            r"\sigma(x)))\bigr)" + _DIAGONAL
        },
        related=("activations.silu",),
        assumptions="none: the SiLU is smooth everywhere",
        sources=(ELFWING, HENDRYCKS),
        keywords=("SiLU Jacobian", "swish Jacobian", "diagonal Jacobian"),
    )
)


@shaped
def sum_swish(x: Arr["n"], beta: Arr[""]):
    """The sum of swish with parameter ``beta``, ``sum_i x_i sigma(beta x_i)``.

    >>> sum_swish(np.array([0.0, 1000.0]), 2.0)
    np.float64(1000.0)
    """
    return np.sum(x * _sigmoid(beta * x))


@shaped_like(sum_swish)
def grad_sum_swish(x, beta):
    """``sigma(beta x) + beta x sigma(beta x) (1 - sigma(beta x))``, entry by entry."""
    s = _sigmoid(beta * x)
    return s + beta * x * s * (1 - s)


@shaped_like(sum_swish)
def hess_sum_swish(x, beta):
    """``diag(beta s (1 - s) (2 + beta x (1 - 2 s)))`` with ``s = sigma(beta x)``."""
    s = _sigmoid(beta * x)
    return np.diag(beta * s * (1 - s) * (2 + beta * x * (1 - 2 * s)))


def _symbolic_swish(x, beta):
    def dswish(t):
        s = _sympy_sigmoid(beta * t)
        return s + beta * t * s * (1 - s)

    return _symbolic_sum(lambda t: t * _sympy_sigmoid(beta * t), dswish)(x)


register(
    Identity(
        id="activations.swish",
        title="Derivative of swish with a slope parameter",
        formula=r"\nabla_x \sum_i x_i \sigma(\beta x_i) = \sigma(\beta x) + "
        r"\beta\, x \odot \sigma(\beta x) \odot \bigl(1 - \sigma(\beta x)\bigr)",
        wrt="x",
        kind="gradient",
        value=sum_swish,
        derivative=grad_sum_swish,
        sample=_sample_beta,
        structure={"beta": "positive"},
        symbolic=_symbolic_swish,
        derivation=r"""
With $s = \sigma(\beta t)$, the product rule and the chain rule give
$\frac{d}{dt}\, t\,\sigma(\beta t) = s + t \cdot \beta\, s (1 - s)$; the inner derivative
$\beta$ is the only change from the SiLU ($\beta = 1$). The sum separates. Differentiating
once more gives the diagonal Hessian entries $\beta s(1 - s)(2 + \beta t (1 - 2s))$. As
$\beta \to \infty$ swish tends to the ReLU, and at $\beta = 0$ it is $t/2$.
""",
        hessian=hess_sum_swish,
        hessian_formula=r"\nabla_x^2 \sum_i x_i \sigma(\beta x_i) = \operatorname{diag}\bigl("
        r"\beta\, s \odot (1 - s) \odot (2 + \beta x \odot (1 - 2 s))\bigr),\ s = \sigma(\beta x)",
        mistakes=(
            Mistake(
                r"\sigma(\beta x) + x \odot \sigma(\beta x) \odot (1 - \sigma(\beta x))",
                lambda x, beta: (
                    _sigmoid(beta * x) + x * _sigmoid(beta * x) * (1 - _sigmoid(beta * x))
                ),
                "forgets the inner derivative beta of sigma(beta x)",
            ),
        ),
        conventions={"numerator": r"\text{the same vector, as a row}"},
        related=("activations.silu",),
        assumptions="none: swish is smooth everywhere; beta is a fixed number",
        sources=(RAMACHANDRAN,),
        keywords=("swish", "swish beta", "x sigmoid(beta x)", "swish derivative"),
    )
)


# -- GELU -----------------------------------------------------------------------------------


@shaped
def sum_gelu(x: Arr["n"]):
    """The sum of the GELU, ``sum_i x_i Phi(x_i)``, with ``Phi`` the standard normal CDF.

    >>> sum_gelu(np.array([0.0, 1.0])).round(6)
    np.float64(0.841345)
    """
    return np.sum(x * _gauss_cdf(x))


@shaped_like(sum_gelu)
def grad_sum_gelu(x):
    """``gelu'(x) = Phi(x) + x phi(x)``, entry by entry."""
    return _gauss_cdf(x) + x * _gauss_pdf(x)


@shaped_like(sum_gelu)
def hess_sum_gelu(x):
    """``diag(phi(x) (2 - x^2))``."""
    return np.diag(_gauss_pdf(x) * (2 - x**2))


def _sympy_gelu(t):
    return t * _sympy_gauss(t)[0]


def _sympy_dgelu(t):
    cdf, pdf = _sympy_gauss(t)
    return cdf + t * pdf


register(
    Identity(
        id="activations.gelu-erf",
        title="Derivative of the GELU (exact, erf form)",
        formula=r"\nabla_x \sum_i x_i \Phi(x_i) = \Phi(x) + x \odot \varphi(x),\quad "
        r"\Phi(t) = \tfrac12\bigl(1 + \operatorname{erf}(t/\sqrt2)\bigr),\ "
        r"\varphi(t) = \tfrac{1}{\sqrt{2\pi}} e^{-t^2/2}",
        wrt="x",
        kind="gradient",
        value=sum_gelu,
        derivative=grad_sum_gelu,
        symbolic=_symbolic_sum(_sympy_gelu, _sympy_dgelu),
        derivation=r"""
The GELU is $t\,\Phi(t)$ with $\Phi$ the standard normal distribution function, whose
derivative is the density: $\Phi' = \varphi$ (from $\operatorname{erf}'(u) =
\tfrac{2}{\sqrt\pi} e^{-u^2}$ and the chain rule through $u = t/\sqrt 2$). The product rule
gives $\Phi(t) + t\,\varphi(t)$, and the sum separates. With $\varphi'(t) = -t\,\varphi(t)$,
the second derivative is $2\varphi(t) - t^2 \varphi(t) = \varphi(t)(2 - t^2)$: the diagonal
of the Hessian.
""",
        hessian=hess_sum_gelu,
        hessian_formula=r"\nabla_x^2 \sum_i x_i \Phi(x_i) = "
        r"\operatorname{diag}\bigl(\varphi(x) \odot (2 - x^{\odot 2})\bigr)",
        mistakes=(
            Mistake(
                r"\Phi(x)",
                lambda x: _gauss_cdf(x),
                "treats the factor x as a constant: one term of the product rule",
            ),
            Mistake(
                r"\Phi(x) + \varphi(x)",
                lambda x: _gauss_cdf(x) + _gauss_pdf(x),
                "drops the factor x from the product rule's second term",
            ),
        ),
        conventions={"numerator": r"\bigl(\Phi(x) + x \odot \varphi(x)\bigr)^\top"},
        related=(
            "activations.gelu-erf-jacobian",
            "activations.gelu-tanh",
            "activations.silu",
        ),
        assumptions="none: the GELU is smooth everywhere (erf is evaluated exactly, also for "
        "complex input)",
        sources=(HENDRYCKS,),
        keywords=(
            "GELU",
            "Gaussian error linear unit",
            "gelu derivative",
            "x Phi(x)",
            "erf",
            "normal CDF",
        ),
    )
)


@shaped
def elementwise_gelu(x: Arr["n"]):
    """The GELU applied entry by entry, ``x Phi(x)``.

    >>> elementwise_gelu(np.array([0.0, 1.0])).round(6)
    array([0.      , 0.841345])
    """
    return x * _gauss_cdf(x)


@shaped_like(elementwise_gelu)
def jac_gelu(x):
    """``diag(Phi(x) + x phi(x))``."""
    return np.diag(_gauss_cdf(x) + x * _gauss_pdf(x))


register(
    Identity(
        id="activations.gelu-erf-jacobian",
        title="Jacobian of the elementwise GELU (erf form)",
        formula=r"\frac{\partial\, x \odot \Phi(x)}{\partial x} = "
        r"\operatorname{diag}\bigl(\Phi(x) + x \odot \varphi(x)\bigr)",
        where=(
            r"\Phi(t) = \tfrac12\bigl(1 + \operatorname{erf}(t/\sqrt2)\bigr)",
            r"\varphi(t) = \tfrac{1}{\sqrt{2\pi}} e^{-t^2/2}",
        ),
        wrt="x",
        kind="jacobian",
        value=elementwise_gelu,
        derivative=jac_gelu,
        symbolic=_symbolic_map(_sympy_gelu, _sympy_dgelu),
        derivation=r"""
Output $i$ is $x_i \Phi(x_i)$, which depends on $x_i$ only; its derivative is
$\Phi(x_i) + x_i \varphi(x_i)$ by the product rule and $\Phi' = \varphi$. The Jacobian is
the diagonal matrix of these slopes.
""",
        mistakes=(
            Mistake(
                r"\operatorname{diag}\bigl(\Phi(x)\bigr)",
                lambda x: np.diag(_gauss_cdf(x)),
                "the gate Phi(x) alone, as if it did not depend on x",
            ),
        ),
        conventions={
            "numerator": r"\operatorname{diag}\bigl(\Phi(x) + x \odot \varphi(x)\bigr)" + _DIAGONAL
        },
        related=("activations.gelu-erf", "activations.gelu-tanh-jacobian"),
        assumptions="none: the GELU is smooth everywhere",
        sources=(HENDRYCKS,),
        keywords=("GELU Jacobian", "gelu backward", "diagonal Jacobian"),
    )
)


@shaped
def sum_gelu_tanh(x: Arr["n"]):
    """The sum of the tanh approximation of the GELU, ``x (1 + tanh(c (x + k x^3))) / 2``.

    >>> sum_gelu_tanh(np.array([0.0, 1.0])).round(6)
    np.float64(0.841192)
    """
    _, _, _, t = _gelu_tanh_parts(x)
    return np.sum(x * (1 + t) / 2)


@shaped_like(sum_gelu_tanh)
def grad_sum_gelu_tanh(x):
    """``(1 + tanh u) / 2 + x (1 - tanh^2 u) u' / 2`` with ``u = c (x + k x^3)``."""
    _, du, _, t = _gelu_tanh_parts(x)
    return (1 + t) / 2 + x * (1 - t**2) * du / 2


@shaped_like(sum_gelu_tanh)
def hess_sum_gelu_tanh(x):
    """``diag((1 - tanh^2 u) (u' + x (u'' - 2 tanh(u) u'^2) / 2))``."""
    _, du, ddu, t = _gelu_tanh_parts(x)
    return np.diag((1 - t**2) * (du + x * (ddu - 2 * t * du**2) / 2))


def _sympy_gelu_tanh(t):
    _, _, th = _sympy_gelu_tanh_parts(t)
    return t * (1 + th) / 2


def _sympy_dgelu_tanh(t):
    _, du, th = _sympy_gelu_tanh_parts(t)
    return (1 + th) / 2 + t * (1 - th**2) * du / 2


register(
    Identity(
        id="activations.gelu-tanh",
        title="Derivative of the GELU (tanh approximation)",
        formula=r"\nabla_x \sum_i \tfrac12 x_i \bigl(1 + \tanh u_i\bigr) = "
        r"\tfrac12 (1 + \tanh u) + \tfrac12\, x \odot (1 - \tanh^2 u) \odot u',\quad "
        r"u = \sqrt{2/\pi}\,(x + 0.044715\, x^{\odot 3}),\ "
        r"u' = \sqrt{2/\pi}\,(1 + 3 \cdot 0.044715\, x^{\odot 2})",
        where=(
            r"\Phi(t) = \tfrac12\bigl(1 + \operatorname{erf}(t/\sqrt2)\bigr)",
            r"\varphi(t) = \tfrac{1}{\sqrt{2\pi}} e^{-t^2/2}",
        ),
        wrt="x",
        kind="gradient",
        value=sum_gelu_tanh,
        derivative=grad_sum_gelu_tanh,
        symbolic=_symbolic_sum(_sympy_gelu_tanh, _sympy_dgelu_tanh),
        derivation=r"""
The approximation replaces $\Phi(t)$ by $\tfrac12(1 + \tanh u(t))$ with the cubic
$u(t) = \sqrt{2/\pi}\,(t + 0.044715\, t^3)$. The product rule, $\tanh' = 1 - \tanh^2$ and the
chain rule through $u$ give $\tfrac12(1 + \tanh u) + \tfrac12 t (1 - \tanh^2 u)\,u'(t)$. The
sum separates. Differentiating once more (with $u'' = 6 \cdot 0.044715 \sqrt{2/\pi}\, t$)
gives the diagonal Hessian entries $(1 - \tanh^2 u)\bigl(u' + \tfrac12 t (u'' - 2 \tanh(u)\,
u'^2)\bigr)$. This is the derivative of the approximation, not of the exact GELU: the values
differ by less than $5 \cdot 10^{-4}$, the derivatives by less than $10^{-3}$.
""",
        hessian=hess_sum_gelu_tanh,
        hessian_formula=r"\nabla_x^2 = \operatorname{diag}\Bigl((1 - \tanh^2 u) \odot \bigl(u' + "
        r"\tfrac12\, x \odot (u'' - 2 \tanh(u) \odot u'^{\odot 2})\bigr)\Bigr),\ "
        r"u'' = 6 \cdot 0.044715 \sqrt{2/\pi}\, x",
        mistakes=(
            Mistake(
                r"\tfrac12 (1 + \tanh u) + \tfrac12\, x \odot (1 - \tanh^2 u) \sqrt{2/\pi}",
                lambda x: (
                    (1 + _gelu_tanh_parts(x)[3]) / 2
                    + x * (1 - _gelu_tanh_parts(x)[3] ** 2) * GELU_C / 2
                ),
                "differentiates the cubic u as if it were linear, dropping 3 k x^2 from u'",
            ),
            Mistake(
                r"\Phi(x) + x \odot \varphi(x)",
                lambda x: _gauss_cdf(x) + x * _gauss_pdf(x),
                "the exact GELU's derivative: within 1e-3, but not the derivative of "
                "the approximation",
            ),
        ),
        conventions={"numerator": r"\text{the same vector, as a row}"},
        related=("activations.gelu-erf", "activations.gelu-tanh-jacobian"),
        assumptions="none: the approximation is smooth everywhere",
        sources=(HENDRYCKS,),
        keywords=(
            "GELU tanh approximation",
            "gelu tanh",
            "approximate GELU",
            "0.044715",
            "gelu derivative",
        ),
    )
)


@shaped
def elementwise_gelu_tanh(x: Arr["n"]):
    """The tanh approximation of the GELU, entry by entry.

    >>> elementwise_gelu_tanh(np.array([0.0, 1.0])).round(6)
    array([0.      , 0.841192])
    """
    _, _, _, t = _gelu_tanh_parts(x)
    return x * (1 + t) / 2


@shaped_like(elementwise_gelu_tanh)
def jac_gelu_tanh(x):
    """``diag((1 + tanh u) / 2 + x (1 - tanh^2 u) u' / 2)``."""
    _, du, _, t = _gelu_tanh_parts(x)
    return np.diag((1 + t) / 2 + x * (1 - t**2) * du / 2)


register(
    Identity(
        id="activations.gelu-tanh-jacobian",
        title="Jacobian of the elementwise GELU (tanh approximation)",
        formula=r"\frac{\partial \operatorname{gelu}_{\tanh}(x)}{\partial x} = "
        r"\operatorname{diag}\bigl(\tfrac12 (1 + \tanh u) + \tfrac12\, x \odot "
        r"(1 - \tanh^2 u) \odot u'\bigr)",
        where=(
            r"u = \sqrt{2/\pi}\,(x + 0.044715\, x^{\odot 3})",
            r"u' = \sqrt{2/\pi}\,(1 + 3 \cdot 0.044715\, x^{\odot 2})",
        ),
        wrt="x",
        kind="jacobian",
        value=elementwise_gelu_tanh,
        derivative=jac_gelu_tanh,
        symbolic=_symbolic_map(_sympy_gelu_tanh, _sympy_dgelu_tanh),
        derivation=r"""
Each output $\tfrac12 x_i (1 + \tanh u(x_i))$ depends on $x_i$ alone, so the Jacobian is
diagonal, with the scalar derivative of the gradient entry on the diagonal (product rule,
$\tanh' = 1 - \tanh^2$, chain rule through the cubic $u$).
""",
        mistakes=(
            Mistake(
                r"\operatorname{diag}\bigl(\tfrac12 (1 + \tanh u)\bigr)",
                lambda x: np.diag((1 + _gelu_tanh_parts(x)[3]) / 2),
                "the gate alone: one term of the product rule",
            ),
        ),
        conventions={"numerator": r"\text{the same diagonal matrix}" + _DIAGONAL},
        related=("activations.gelu-tanh", "activations.gelu-erf-jacobian"),
        assumptions="none: the approximation is smooth everywhere",
        sources=(HENDRYCKS,),
        keywords=("GELU tanh Jacobian", "approximate GELU Jacobian", "diagonal Jacobian"),
    )
)


# -- Mish -----------------------------------------------------------------------------------


@shaped
def sum_mish(x: Arr["n"]):
    """The sum of Mish, ``sum_i x_i tanh(softplus(x_i))``.

    >>> sum_mish(np.array([0.0, 1000.0, -1000.0]))
    np.float64(1000.0)
    """
    return np.sum(x * np.tanh(_softplus(x)))


@shaped_like(sum_mish)
def grad_sum_mish(x):
    """``w + x (1 - w^2) sigma(x)`` with ``w = tanh(softplus(x))``, entry by entry."""
    w = np.tanh(_softplus(x))
    return w + x * (1 - w**2) * _sigmoid(x)


@shaped_like(sum_mish)
def hess_sum_mish(x):
    """``diag(2 w' + x w'')`` with ``w' = (1 - w^2) s``, ``w'' = (1 - w^2) s (1 - s) - 2 w s w'``."""
    w, s = np.tanh(_softplus(x)), _sigmoid(x)
    dw = (1 - w**2) * s
    ddw = (1 - w**2) * s * (1 - s) - 2 * w * s * dw
    return np.diag(2 * dw + x * ddw)


def _sympy_mish(t):
    import sympy as sp

    return t * sp.tanh(_sympy_softplus(t))


def _sympy_dmish(t):
    import sympy as sp

    w = sp.tanh(_sympy_softplus(t))
    return w + t * (1 - w**2) * _sympy_exp_ratio(t)


register(
    Identity(
        id="activations.mish",
        title="Derivative of Mish",
        formula=r"\nabla_x \sum_i x_i \tanh\bigl(\zeta(x_i)\bigr) = w + x \odot (1 - w^{\odot 2})"
        r" \odot \sigma(x),\quad w = \tanh\bigl(\zeta(x)\bigr),\ \zeta(t) = \log(1 + e^{t})",
        wrt="x",
        kind="gradient",
        value=sum_mish,
        derivative=grad_sum_mish,
        symbolic=_symbolic_sum(_sympy_mish, _sympy_dmish),
        derivation=r"""
Mish is $t\, w(t)$ with the gate $w = \tanh(\zeta(t))$ and the softplus $\zeta$. The chain
rule, with $\tanh' = 1 - \tanh^2$ and $\zeta' = \sigma$, gives $w' = (1 - w^2)\,\sigma$; the
product rule gives $w + t\, w'$, and the sum separates. Once more,
$(t w)'' = 2 w' + t\, w''$ with $w'' = (1 - w^2)\,\sigma(1 - \sigma) - 2 w\, \sigma\, w'$: the
diagonal of the Hessian.
""",
        hessian=hess_sum_mish,
        hessian_formula=r"\nabla_x^2 \sum_i x_i w(x_i) = \operatorname{diag}\bigl(2 w' + x \odot "
        r"w''\bigr),\ w' = (1 - w^{\odot 2}) \odot \sigma(x),\ "
        r"w'' = (1 - w^{\odot 2}) \odot \sigma(x) \odot (1 - \sigma(x)) - 2\, w \odot \sigma(x) \odot w'",
        mistakes=(
            Mistake(
                r"w + x \odot (1 - w^{\odot 2})",
                lambda x: np.tanh(_softplus(x)) + x * (1 - np.tanh(_softplus(x)) ** 2),
                "stops the chain rule at tanh, forgetting the softplus's derivative sigma(x)",
            ),
            Mistake(
                r"w",
                lambda x: np.tanh(_softplus(x)),
                "treats the factor x as a constant: one term of the product rule",
            ),
        ),
        conventions={"numerator": r"\text{the same vector, as a row}"},
        related=("activations.silu", "activations.softplus", "activations.tanh"),
        assumptions="none: Mish is smooth everywhere",
        sources=(MISRA,),
        keywords=("Mish", "x tanh(softplus(x))", "mish derivative", "self regularized"),
    )
)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
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
    ),
    (
        "relu-elu",
        "ReLU, leaky ReLU and ELU",
        (
            "activations.relu",
            "activations.leaky-relu",
            "activations.leaky-relu-jacobian",
            "activations.elu",
        ),
    ),
    (
        "silu-gelu-mish",
        "SiLU, swish, GELU and Mish",
        (
            "activations.silu",
            "activations.silu-jacobian",
            "activations.swish",
            "activations.gelu-erf",
            "activations.gelu-erf-jacobian",
            "activations.gelu-tanh",
            "activations.gelu-tanh-jacobian",
            "activations.mish",
        ),
    ),
)
