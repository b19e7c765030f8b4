"""Traces of matrix functions: the identities of the page ``reference/traces/functions.html``."""

import numpy as np
import sympy as sp

from gradref.catalog import Identity, Mistake, register
from gradref.identities.linear import COOKBOOK
from gradref.identities.traces._common import _cookbook
from gradref.shapes import Arr, shaped, shaped_like


def _power_series(X, coefficient, terms: int | None = None):
    """``sum_k coefficient(k) X^k``: ``terms`` terms, or until the terms stop mattering."""
    n = X.shape[0]
    power = np.eye(n, dtype=np.result_type(X, float))
    total = np.zeros_like(power)
    k = 0
    while True:
        c = coefficient(k)
        if c:
            total = total + c * power
        if terms is not None and k + 1 >= terms:
            return total
        if terms is None and k > 4:
            size = np.max(np.abs(total.real), initial=0.0)
            if np.max(np.abs(power.real), initial=0.0) <= 1e-17 * max(size, 1e-300) or k > 400:
                return total
        k += 1
        power = power @ X / k


def _sin_coefficient(k: int) -> float:
    return 0.0 if k % 2 == 0 else (-1.0) ** ((k - 1) // 2)


def _cos_coefficient(k: int) -> float:
    return 0.0 if k % 2 else (-1.0) ** (k // 2)


def _exp_coefficient(k: int) -> float:
    return 1.0


def _sympy_series(X, coefficient, degree: int):
    """The Taylor polynomial ``sum_{k <= degree} coefficient(k) X^k / k!`` in sympy."""
    power, total = sp.eye(X.rows), sp.zeros(X.rows, X.cols)
    for k in range(degree + 1):
        if coefficient(k):
            total += sp.Rational(int(coefficient(k))) / sp.factorial(k) * power
        power = power * X
    return total


def _small(rng, n):
    """A square sample of small norm (about 0.1), where the power series converge fast."""
    return {"X": 0.05 * rng.standard_normal((n, n)) / np.sqrt(n)}


#: Degree of the Taylor polynomials that sympy differentiates exactly for tr(sin X) and
#: tr(exp X); at the samples' norm (about 0.1) the rest of the series is below 1e-11.
TAYLOR_DEGREE = 7


@shaped
def trace_sin(X: Arr["n n"]):
    """The trace of the matrix sine, ``tr(sin X)`` (power series, summed to convergence).

    >>> trace_sin(np.array([[0.5, 0.0], [0.0, -0.25]])).round(12)
    np.float64(0.23202157935)
    """
    return np.trace(_power_series(X, _sin_coefficient))


@shaped_like(trace_sin)
def grad_trace_sin(X):
    """Gradient of ``tr(sin X)``: ``cos(X)^T`` (matrix cosine, power series)."""
    return _power_series(X, _cos_coefficient).T


register(
    Identity(
        id="traces.sin",
        title="Gradient of the trace of the matrix sine",
        formula=r"\nabla_X \operatorname{tr}(\sin X) = \cos(X)^\top",
        wrt="X",
        kind="gradient",
        value=trace_sin,
        derivative=grad_trace_sin,
        symbolic=lambda X: (
            _sympy_series(X, _sin_coefficient, TAYLOR_DEGREE).trace(),
            _sympy_series(X, _cos_coefficient, TAYLOR_DEGREE - 1).T,
        ),
        sources=(_cookbook(128),),
        sample=_small,
        assumptions="X square; sin and cos are the matrix functions (power series). Checked "
        "on samples of norm about 0.1, where the series converge in a few terms; sympy "
        "differentiates the degree-7 Taylor polynomial exactly",
        derivation=r"""
Term by term, $\sin X = \sum_j (-1)^j X^{2j+1}/(2j+1)!$ and eq. 121 gives
$d\operatorname{tr}(X^k) = \langle k(X^{k-1})^\top, dX\rangle$, so
$d\operatorname{tr}(\sin X) = \langle \sum_j (-1)^j (X^{2j})^\top/(2j)!, dX\rangle =
\langle \cos(X)^\top, dX\rangle$. This is the general rule
$\nabla_X\operatorname{tr}F(X) = f(X)^\top$ of section 2.5 with $F = \sin$, $f = \cos$.
""",
        mistakes=(
            Mistake(
                r"\cos(X)",
                lambda X: _power_series(X, _cos_coefficient),
                "the numerator-layout derivative; right only for symmetric X",
            ),
            Mistake(
                r"-\cos(X)^\top",
                lambda X: -_power_series(X, _cos_coefficient).T,
                "a sign slip between the derivatives of sin and cos",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(\sin X)}{\partial X} = \cos(X)",
            "cookbook": r"\frac{\partial\operatorname{Tr}(\sin(X))}{\partial X} = \cos(X)^T"
            r"\ \text{(eq. 128, same layout)}",
        },
        related=("traces.exp", "traces.power3"),
        cookbook=(128,),
        keywords=("matrix sine", "sin(X)", "tr(sin X)", "matrix function", "matrix cosine"),
    )
)


@shaped
def trace_exp(X: Arr["n n"]):
    """The trace of the matrix exponential, ``tr(exp X)`` (power series, summed to convergence).

    >>> trace_exp(np.array([[0.5, 0.0], [0.0, -0.25]])).round(12)
    np.float64(2.427522053772)
    """
    return np.trace(_power_series(X, _exp_coefficient))


@shaped_like(trace_exp)
def grad_trace_exp(X):
    """Gradient of ``tr(exp X)``: ``exp(X)^T``."""
    return _power_series(X, _exp_coefficient).T


register(
    Identity(
        id="traces.exp",
        title="Gradient of the trace of the matrix exponential (general rule tr F(X))",
        formula=r"\nabla_X \operatorname{tr}(\exp X) = \exp(X)^\top",
        wrt="X",
        kind="gradient",
        value=trace_exp,
        derivative=grad_trace_exp,
        symbolic=lambda X: (
            _sympy_series(X, _exp_coefficient, TAYLOR_DEGREE).trace(),
            _sympy_series(X, _exp_coefficient, TAYLOR_DEGREE - 1).T,
        ),
        sources=(
            f"{COOKBOOK}, section 2.5, p. 12: the unnumbered rule "
            r"∂Tr(F(X))/∂X = f(X)^T, here with F = exp",
        ),
        sample=_small,
        assumptions="X square; exp is the matrix exponential (power series). Checked on "
        "samples of norm about 0.1, where the series converges in a few terms; sympy "
        "differentiates the degree-7 Taylor polynomial exactly",
        derivation=r"""
The Cookbook's rule for a matrix function given by a power series, $F(X) = \sum_k c_k X^k$
with scalar derivative $f$, follows from eq. 121 term by term:
$d\operatorname{tr}F(X) = \sum_k c_k k\operatorname{tr}(X^{k-1}dX) =
\langle f(X)^\top, dX\rangle$. For $F = \exp$, $f = \exp$, so
$\nabla_X \operatorname{tr}(e^X) = (e^X)^\top$.
""",
        mistakes=(
            Mistake(
                r"\exp(X)",
                lambda X: _power_series(X, _exp_coefficient),
                "the numerator-layout derivative; right only for symmetric X",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \operatorname{tr}(e^X)}{\partial X} = e^X",
            "cookbook": r"\frac{\partial\operatorname{Tr}(F(X))}{\partial X} = f(X)^T,\quad f(X) = \exp(X)"
            r"\ \text{(section 2.5, unnumbered; } F = f = \exp)",
        },
        related=("traces.sin", "traces.power3"),
        cookbook=(),
        keywords=("matrix exponential", "exp(X)", "tr(exp X)", "matrix function", "tr F(X)"),
    )
)


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = ("functions", "Traces of matrix functions", ("traces.sin", "traces.exp"))
