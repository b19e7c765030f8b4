"""SiLU, swish, GELU and Mish:
the identities of the page ``reference/activations/silu-gelu-mish.html``."""

import math

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.activations._common import (
    _DIAGONAL,
    _symbolic_map,
    _symbolic_sum,
    _sympy_exp_ratio,
    _sympy_sigmoid,
    _sympy_softplus,
)
from gradref.identities.losses import _sigmoid, _softplus
from gradref.shapes import Arr, shaped, shaped_like

HENDRYCKS = "Hendrycks & Gimpel, *Gaussian Error Linear Units (GELUs)* (2016)"

ELFWING = (
    "Elfwing, Uchibe & Doya, *Sigmoid-Weighted Linear Units for Neural Network Function "
    "Approximation in Reinforcement Learning* (2018)"
)

MISRA = "Misra, *Mish: A Self Regularized Non-Monotonic Activation Function* (2019)"

RAMACHANDRAN = "Ramachandran, Zoph & Le, *Searching for Activation Functions* (2017)"

#: The constants of the tanh approximation of GELU (Hendrycks & Gimpel).
GELU_C = math.sqrt(2 / math.pi)

GELU_K = 0.044715


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


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
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
)
