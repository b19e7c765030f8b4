"""Random expression trees: exact gradients are accepted, perturbed ones are not.

A property test that no hand-written list of cases can match.  Hypothesis draws
an expression tree (structure, depth, constants), the size of the variable and
the point; sympy differentiates the tree exactly and both are lambdified to
numpy, so the value function also accepts complex input.  The building blocks:

* smooth: sums, products, quotients with denominators kept away from 0,
  integer and real powers (of positive sub-expressions), ``exp`` of bounded
  arguments, ``log`` of positive ones, tanh, sin, cos, one-layer maps
  ``w^T act(A x + b)``, inner products, quadratic forms ``x^T A x`` (A not
  symmetric), ``tr(A X)``, ``a^T X b``, ``||X||_F^2``, and log-determinants
  ``log det(S0 + diag(x**2))``, ``log det(S0 + (Ux)(Ux)^T)``,
  ``log det(S0 + X X^T)`` (opaque leaves whose gradient ``tr(S^{-1} dS)`` is
  written by hand);
* non-analytic, written in numpy with hand-written gradients: ``np.vdot(x, x)``,
  ``x @ x.conj()``, ``np.sqrt(x @ x.conj())``, ``sum(x * |x|)``,
  ``(x @ x) * ||x||``, ``|tree + d|`` (kept at least 0.5 away from 0), and
  log-determinants computed through ``np.linalg.cholesky``, whose Hermitian
  algorithm discards the imaginary part of the diagonal.  Each case adds one of
  them to a smooth tree, so a checker that trusts the complex step blindly
  rejects the right gradient and accepts the one the complex step sees.

The reference gradients are checked against sympy independently of the checker
(``test_reference_gradients_match_sympy``).  Every perturbation must be
rejected: the largest entry with its sign flipped or off by a relative 1e-4,
the whole gradient scaled by 1 + 1e-6, the transpose for a matrix variable, and
for non-analytic cases the gradient the complex step sees.

A deterministic sweep, outside pytest, prints the counts (expressions, false
alarms, misses, inconclusive verdicts)::

    PYTHONPATH=src python tests/test_expression_trees.py --count 2000
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pytest
import sympy as sp
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from gradref import DerivativeShapeError, check_gradient

#: Deepest tree drawn (a binary tree of this depth has at most 16 leaves).
MAX_DEPTH = 4
#: Largest vector length and matrix side.
MAX_N, MAX_SIDE = 6, 4
#: Share of exact gradients that must get the verdict "passed" (the rest may be inconclusive).
MIN_PASSED_SHARE = 0.98
#: The four families of cases: (variable, with a non-analytic term).
CATEGORIES = {
    "smooth-vector": ("vector", False),
    "nonanalytic-vector": ("vector", True),
    "smooth-matrix": ("matrix", False),
    "nonanalytic-matrix": ("matrix", True),
}


def verdict_of(result: Any) -> str:
    """The three-way verdict, from the checker's ``verdict`` or, before it had one, ``passed``."""
    return getattr(result, "verdict", "passed" if result.passed else "failed")


# -- where the choices come from: Hypothesis (shrinkable) or a seeded generator --------


class Source(Protocol):
    def integer(self, lo: int, hi: int) -> int: ...
    def real(self, lo: float, hi: float) -> float: ...
    def choice(self, options: Sequence[Any]) -> Any: ...


class HypothesisSource:
    """Every structural choice, constant and coordinate is a Hypothesis draw."""

    def __init__(self, draw: Callable) -> None:
        self._draw = draw

    def integer(self, lo: int, hi: int) -> int:
        return self._draw(st.integers(lo, hi))

    def real(self, lo: float, hi: float) -> float:
        return self._draw(st.floats(lo, hi))

    def choice(self, options: Sequence[Any]) -> Any:
        return self._draw(st.sampled_from(options))


class ScriptedSource:
    """Recorded choices replayed in order: a failing Hypothesis draw kept as an example."""

    def __init__(self, script: Sequence[tuple[str, Any]]) -> None:
        self._script = iter(script)

    def _next(self, kind: str) -> Any:
        recorded, value = next(self._script)
        assert recorded == kind, f"the script holds a {recorded} where a {kind} is drawn"
        return value

    def integer(self, lo: int, hi: int) -> int:
        return self._next("integer")

    def real(self, lo: float, hi: float) -> float:
        return self._next("real")

    def choice(self, options: Sequence[Any]) -> Any:
        return options[self._next("choice")]


class RandomSource:
    """The same choices from a numpy generator, for the deterministic sweep."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng

    def integer(self, lo: int, hi: int) -> int:
        return int(self._rng.integers(lo, hi, endpoint=True))

    def real(self, lo: float, hi: float) -> float:
        return float(self._rng.uniform(lo, hi))

    def choice(self, options: Sequence[Any]) -> Any:
        return options[int(self._rng.integers(len(options)))]


def signed(source: Source, lo: float, hi: float) -> float:
    """A number with magnitude in [lo, hi] and either sign."""
    return source.choice((1.0, -1.0)) * source.real(lo, hi)


def spd(rng: np.random.Generator, m: int) -> np.ndarray:
    """A symmetric positive definite matrix with eigenvalues >= 1, by construction."""
    B = rng.standard_normal((m, m))
    return B @ B.T / m + np.eye(m)


# -- opaque leaves and non-analytic terms: numpy value, hand gradient, sympy formula ---


@dataclass(frozen=True)
class Piece:
    """A term with a numpy value, a hand-written gradient and a real sympy formula.

    ``formula`` takes real symbols shaped like the point (a list or a sympy
    Matrix) and is only used to verify ``grad`` at small sizes.
    """

    name: str
    value: Callable[[np.ndarray], Any]
    grad: Callable[[np.ndarray], np.ndarray]
    formula: Callable[[Any], sp.Expr]


def sym_matrix(values: np.ndarray) -> sp.Matrix:
    return sp.Matrix(values.shape[0], values.shape[1], [sp.Float(v) for v in values.ravel()])


def logdet_diag(rng: np.random.Generator, n: int, *, cholesky: bool) -> Piece:
    """``log det(S0 + diag(x**2))``; gradient ``2 x * diag(S^{-1})``."""
    S0 = spd(rng, n)

    def value(x):
        S = S0 + np.diag(x**2)
        if cholesky:
            return 2 * np.sum(np.log(np.diag(np.linalg.cholesky(S))))
        return np.log(np.linalg.det(S))

    def grad(x):
        return 2 * x * np.diag(np.linalg.inv(S0 + np.diag(x**2)))

    def formula(r):
        return sp.log((sym_matrix(S0) + sp.diag(*[ri**2 for ri in r])).det())

    how = "cholesky-" if cholesky else ""
    return Piece(f"{how}logdet(S0 + diag(x**2))", value, grad, formula)


def logdet_rank_one(rng: np.random.Generator, n: int, k: int, *, cholesky: bool) -> Piece:
    """``log det(S0 + (Ux)(Ux)^T)`` with U of shape (k, n); gradient ``2 U^T S^{-1} U x``."""
    S0, U = spd(rng, k), rng.standard_normal((k, n)) / math.sqrt(n)

    def value(x):
        v = U @ x
        S = S0 + np.outer(v, v)
        if cholesky:
            return 2 * np.sum(np.log(np.diag(np.linalg.cholesky(S))))
        return np.log(np.linalg.det(S))

    def grad(x):
        v = U @ x
        return 2 * U.T @ np.linalg.solve(S0 + np.outer(v, v), v)

    def formula(r):
        v = sym_matrix(U) * sp.Matrix(r)
        return sp.log((sym_matrix(S0) + v * v.T).det())

    how = "cholesky-" if cholesky else ""
    return Piece(f"{how}logdet(S0 + (Ux)(Ux)^T)", value, grad, formula)


def logdet_gram(rng: np.random.Generator, m: int, *, cholesky: bool) -> Piece:
    """``log det(S0 + X X^T)`` for X of shape (m, n); gradient ``2 S^{-1} X``."""
    S0 = spd(rng, m)

    def value(X):
        S = S0 + X @ X.T
        if cholesky:
            return 2 * np.sum(np.log(np.diag(np.linalg.cholesky(S))))
        return np.log(np.linalg.det(S))

    def grad(X):
        return 2 * np.linalg.solve(S0 + X @ X.T, X)

    def formula(R):
        return sp.log((sym_matrix(S0) + R * R.T).det())

    how = "cholesky-" if cholesky else ""
    return Piece(f"{how}logdet(S0 + X X^T)", value, grad, formula)


def square_sum(R: Any) -> sp.Expr:
    return sp.Add(*[r**2 for r in R])


NONANALYTIC_VECTOR = (
    "vdot(x, x)",
    "x @ x.conj()",
    "sqrt(x @ x.conj())",
    "sum(x * |x|)",
    "(x @ x) * norm(x)",
    "cholesky-logdet(S0 + diag(x**2))",
    "cholesky-logdet(S0 + (Ux)(Ux)^T)",
    "|tree + d|",
)
NONANALYTIC_MATRIX = (
    "vdot(X, X)",
    "norm(X)",
    "sum(X * |X|)",
    "cholesky-logdet(S0 + X X^T)",
    "|tree + d|",
)


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x)


def norm_formula(r: Any) -> sp.Expr:
    return sp.sqrt(square_sum(r))


def abs_formula(r: Any) -> sp.Expr:
    return sp.Add(*[ri * sp.Abs(ri) for ri in r])


#: The non-analytic terms that need no constants: value, gradient, real sympy formula.
#: For complex input np.vdot, .conj() and np.abs, np.linalg.norm (sqrt of sum |x_i|^2)
#: make the value's imaginary part ignore a complex step.
ELEMENTARY_NONANALYTIC: dict[str, tuple[Callable, Callable, Callable]] = {
    "vdot(x, x)": (lambda x: np.vdot(x, x), lambda x: 2 * x, square_sum),
    "vdot(X, X)": (lambda x: np.vdot(x, x), lambda x: 2 * x, square_sum),
    "x @ x.conj()": (lambda x: x @ x.conj(), lambda x: 2 * x, square_sum),
    "sqrt(x @ x.conj())": (lambda x: np.sqrt(x @ x.conj()), unit, norm_formula),
    "norm(X)": (np.linalg.norm, unit, norm_formula),  # Frobenius
    "sum(x * |x|)": (lambda x: np.sum(x * np.abs(x)), lambda x: 2 * np.abs(x), abs_formula),
    "sum(X * |X|)": (lambda x: np.sum(x * np.abs(x)), lambda x: 2 * np.abs(x), abs_formula),
    "(x @ x) * norm(x)": (
        lambda x: (x @ x) * np.linalg.norm(x),
        lambda x: 3 * np.linalg.norm(x) * x,
        lambda r: square_sum(r) ** sp.Rational(3, 2),
    ),
}


# -- the tree ---------------------------------------------------------------------------

UNARY = ("tanh", "sin", "cos", "exp", "log-square", "log-tanh", "power", "real-power")
BINARY = ("add", "mul", "quotient-square", "quotient-sin")
VECTOR_LEAVES = ("variable", "constant", "inner", "layer", "quadratic", "logdet", "logdet-rank1")
MATRIX_LEAVES = ("variable", "constant", "trace", "bilinear", "frobenius", "logdet-gram")


@dataclass(frozen=True)
class Leaf:
    """A leaf of the tree standing for a sub-expression of the point.

    Either ``expr``, a sympy expression in the entries of the point (differentiated
    by sympy), or ``piece``, an opaque term with a hand-written gradient.  Keeping
    these out of the tree keeps sympy fast: the tree is over few plain symbols.
    """

    symbol: sp.Symbol
    name: str
    expr: sp.Expr | None = None
    piece: Piece | None = None


class TreeBuilder:
    """Draws a random sympy tree over the entries of the point and compound leaves."""

    def __init__(self, source: Source, rng: np.random.Generator, shape: tuple[int, ...]) -> None:
        self.source, self.rng, self.shape = source, rng, shape
        self.size = math.prod(shape)
        self.xs = sp.symbols(f"x0:{self.size}")
        self.leaves: list[Leaf] = []

    def dot(self, coefficients: np.ndarray) -> sp.Expr:
        floats = [sp.Float(float(c)) for c in np.ravel(coefficients)]
        return sp.Add(*[c * x for c, x in zip(floats, self.xs, strict=True)])

    def compound(self, name: str, expr: sp.Expr | None = None, piece: Piece | None = None):
        symbol = sp.Symbol(f"l{len(self.leaves)}")
        self.leaves.append(Leaf(symbol, name, expr, piece))
        return symbol

    def leaf(self) -> sp.Expr:
        vector = len(self.shape) == 1
        kind = self.source.choice(VECTOR_LEAVES if vector else MATRIX_LEAVES)
        n, rng = self.shape[-1], self.rng
        if kind == "variable":
            return self.xs[self.source.integer(0, self.size - 1)]
        if kind == "constant":
            return sp.Float(signed(self.source, 0.25, 2.0))
        if kind == "inner":
            return self.compound("<a, x>", self.dot(rng.standard_normal(n) / math.sqrt(n)))
        if kind == "layer":
            k = self.source.integer(1, n)
            A = rng.standard_normal((k, n)) / math.sqrt(n)
            b, w = rng.standard_normal(k) / 2, rng.standard_normal(k) / math.sqrt(k)
            act = self.source.choice(("tanh", "sin", "square"))
            function = {"tanh": sp.tanh, "sin": sp.sin, "square": lambda e: e**2}[act]
            expr = sp.Add(
                *[sp.Float(w[j]) * function(self.dot(A[j]) + sp.Float(b[j])) for j in range(k)]
            )
            return self.compound(f"w^T {act}(A x + b) with A {k}x{n}", expr)
        if kind == "quadratic":  # A not symmetric
            A = rng.standard_normal((n, n)) / n
            expr = sp.Add(
                *[sp.Float(A[i, j]) * self.xs[i] * self.xs[j] for i in range(n) for j in range(n)]
            )
            return self.compound("x^T A x", expr)
        if kind == "logdet":
            piece = logdet_diag(rng, n, cholesky=False)
            return self.compound(piece.name, piece=piece)
        if kind == "logdet-rank1":
            piece = logdet_rank_one(rng, n, self.source.integer(1, n), cholesky=False)
            return self.compound(piece.name, piece=piece)
        m = self.shape[0]
        X = sp.Matrix(m, n, self.xs)
        if kind == "trace":  # A of shape (n, m)
            A = sym_matrix(rng.standard_normal((n, m)) / math.sqrt(m * n))
            return self.compound("tr(A X)", (A * X).trace())
        if kind == "bilinear":
            a, b = rng.standard_normal(m) / math.sqrt(m), rng.standard_normal(n) / math.sqrt(n)
            return self.compound(
                "a^T X b", (sym_matrix(a[None, :]) * X * sym_matrix(b[:, None]))[0, 0]
            )
        if kind == "frobenius":
            return self.compound("||X||_F^2 / (m n)", square_sum(self.xs) / (m * n))
        assert kind == "logdet-gram", kind
        piece = logdet_gram(rng, m, cholesky=False)
        return self.compound(piece.name, piece=piece)

    def tree(self, depth: int) -> sp.Expr:
        node = "leaf" if depth == 0 else self.source.choice(("leaf", "unary", "binary"))
        if node == "leaf":
            return self.leaf()
        if node == "unary":
            op, e = self.source.choice(UNARY), self.tree(depth - 1)
            if op == "tanh":
                return sp.tanh(e)
            if op == "sin":
                return sp.sin(e)
            if op == "cos":
                return sp.cos(e)
            if op == "exp":  # bounded argument
                return sp.exp(sp.Float(signed(self.source, 0.25, 1.5)) * sp.tanh(e))
            if op == "log-square":
                return sp.log(1 + e**2)
            if op == "log-tanh":
                return sp.log(2 + sp.tanh(e))
            if op == "power":
                return e ** self.source.integer(2, 3)
            assert op == "real-power", op  # of a positive base
            return (1 + e**2) ** sp.Float(signed(self.source, 0.25, 1.5))
        op, left, right = self.source.choice(BINARY), self.tree(depth - 1), self.tree(depth - 1)
        if op == "add":
            return left + right
        if op == "mul":
            return left * right
        if op == "quotient-square":
            return left / (1 + right**2)
        assert op == "quotient-sin", op
        return left / (2 + sp.sin(right))

    def smooth(self, depth: int) -> sp.Expr:
        """A tree plus a linear term ``<a, x>`` (so that the point is not stationary)."""
        linear = self.dot(self.rng.standard_normal(self.size) / math.sqrt(self.size))
        return self.tree(depth) + self.compound("<a, x>", linear)

    def nonanalytic(self, point: np.ndarray) -> Piece:
        """A non-analytic term, with its hand-written gradient."""
        vector = len(self.shape) == 1
        name = self.source.choice(NONANALYTIC_VECTOR if vector else NONANALYTIC_MATRIX)
        n, rng = self.shape[-1], self.rng
        if name == "cholesky-logdet(S0 + diag(x**2))":
            return logdet_diag(rng, n, cholesky=True)
        if name == "cholesky-logdet(S0 + (Ux)(Ux)^T)":
            return logdet_rank_one(rng, n, self.source.integer(1, n), cholesky=True)
        if name == "cholesky-logdet(S0 + X X^T)":
            return logdet_gram(rng, self.shape[0], cholesky=True)
        if name != "|tree + d|":
            return Piece(name, *ELEMENTARY_NONANALYTIC[name])
        # |e + d| with e a smaller tree, and d chosen so that |e(point) + d| = |s| >= 0.5.
        expr = self.smooth(self.source.integer(0, 2))
        value, grad, used = compile_tree(expr, self.xs, self.leaves)
        s = signed(self.source, 0.5, 2.0)
        d = s - float(np.real(value(point)))

        def formula(r):
            return sp.Abs(substitute(expr, self.xs, used, r) + d)

        inside, legend = describe_expr(expr, used)
        return Piece(
            f"|{inside} + ({d:.4g})|{legend}",
            lambda x: np.abs(value(x) + d),
            lambda x: math.copysign(1.0, s) * grad(x),
            formula,
        )


def lambdify(args: Sequence[sp.Symbol], expr: Any) -> Callable:
    return sp.lambdify(args, expr, modules="numpy", docstring_limit=0)


def compile_tree(expr: sp.Expr, xs: Sequence[sp.Symbol], leaves: Sequence[Leaf]):
    """Lambdify ``expr`` and its exact gradient; compound leaves enter by the chain rule.

    Every derivative is sympy's, except those of opaque leaves (hand-written).
    Returns ``(value, grad, used)`` with ``used`` the leaves ``expr`` contains.
    """
    used = [leaf for leaf in leaves if leaf.symbol in expr.free_symbols]
    symbolic = [leaf for leaf in used if leaf.expr is not None]
    opaque = [leaf for leaf in used if leaf.piece is not None]
    args = [*xs, *(leaf.symbol for leaf in symbolic), *(leaf.symbol for leaf in opaque)]
    lam_value = lambdify(args, expr)
    lam_partials = lambdify(args, [sp.diff(expr, a) for a in args])
    lam_leaves = lambdify(xs, [leaf.expr for leaf in symbolic])
    lam_leaf_grads = lambdify(xs, [[sp.diff(leaf.expr, x) for x in xs] for leaf in symbolic])

    def inputs(x: np.ndarray) -> list:
        flat = x.ravel()
        return [*flat, *lam_leaves(*flat), *(leaf.piece.value(x) for leaf in opaque)]

    def value(x):
        return lam_value(*inputs(np.asarray(x)))

    def grad(x):
        x = np.asarray(x, dtype=float)
        partials = lam_partials(*inputs(x))
        size, k = len(xs), len(symbolic)
        g = np.array(partials[:size], dtype=float)
        for d, row in zip(partials[size : size + k], lam_leaf_grads(*x.ravel()), strict=True):
            g = g + float(d) * np.array(row, dtype=float)
        g = g.reshape(x.shape)
        for d, leaf in zip(partials[size + k :], opaque, strict=True):
            g = g + float(d) * leaf.piece.grad(x)
        return g

    return value, grad, used


def substitute(expr: sp.Expr, xs, leaves: Sequence[Leaf], r: Any) -> sp.Expr:
    """``expr`` over real symbols ``r`` (a list, or a Matrix for a matrix variable), with
    every compound leaf replaced by its expression or formula."""
    to_r = dict(zip(xs, list(r), strict=True))
    mapping = dict(to_r)
    for leaf in leaves:
        inner = leaf.piece.formula(r) if leaf.expr is None else leaf.expr.xreplace(to_r)
        mapping[leaf.symbol] = inner
    return expr.xreplace(mapping)


def describe_expr(expr: sp.Expr, leaves: Sequence[Leaf]) -> tuple[str, str]:
    """The expression with 4 digits, and what its compound leaves stand for."""
    legend = ", ".join(f"{leaf.symbol} = {leaf.name}" for leaf in leaves)
    return sp.sstr(expr.evalf(4)), f" where {legend}" if legend else ""


# -- a drawn case -----------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A scalar function of a vector or matrix, its exact gradient, and the point."""

    label: str
    point: np.ndarray
    seed: int
    f: Callable = field(repr=False)
    grad: Callable = field(repr=False)
    analytic: bool = field(repr=False)
    formula: Callable[[], tuple[sp.Expr, list[sp.Symbol]]] = field(repr=False)


def draw_point(source: Source, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Entries of magnitude in [0.25, 2], plus a small jitter that breaks ties and symmetries."""
    size = math.prod(shape)
    drawn = np.array([signed(source, 0.25, 2.0) for _ in range(size)]).reshape(shape)
    return drawn + rng.uniform(-0.05, 0.05, shape)


def build_case(
    source: Source, variable: str, nonanalytic: bool, max_n: int = MAX_N, max_side: int = MAX_SIDE
) -> Case:
    """Draw a case: ``tree(x) + <a, x>`` (a linear term so that x is not stationary),
    plus ``c * term(x)`` with a non-analytic ``term`` when asked."""
    seed = source.integer(0, 2**32 - 1)
    rng = np.random.default_rng(seed)
    if variable == "vector":
        shape: tuple[int, ...] = (source.integer(1, max_n),)
    else:
        shape = (source.integer(1, max_side), source.integer(1, max_side))
    point = draw_point(source, rng, shape)
    builder = TreeBuilder(source, rng, shape)
    expr = builder.smooth(source.integer(0, MAX_DEPTH))
    value, grad, used = compile_tree(expr, builder.xs, builder.leaves)
    label = "{} {}: {}{}".format(variable, shape, *describe_expr(expr, used))
    term = builder.nonanalytic(point) if nonanalytic else None
    if term is None:
        f, g = value, grad
    else:
        c = signed(source, 0.25, 2.0)
        label += f"; plus {c:.4g} * {term.name}"

        def f(x):
            return value(x) + c * term.value(x)

        def g(x):
            return grad(x) + c * term.grad(x)

    def formula():
        r = sp.symbols(f"r0:{builder.size}", real=True)
        shaped = sp.Matrix(*shape, r) if len(shape) == 2 else list(r)
        full = substitute(expr, builder.xs, used, shaped)
        if term is not None:
            full += c * term.formula(shaped)
        return full, list(r)

    return Case(label, point, seed, f, g, not nonanalytic, formula)


@st.composite
def cases(draw, variable: str, nonanalytic: bool, **sizes: int) -> Case:
    """Hypothesis strategy: every choice of :func:`build_case` is a draw."""
    return build_case(HypothesisSource(draw), variable, nonanalytic, **sizes)


# -- the checks -------------------------------------------------------------------------


def complex_step_gradient(f: Callable, x: np.ndarray) -> np.ndarray:
    """The gradient the complex step sees, one coordinate at a time (wrong if f is not analytic)."""
    h = 1e-20
    g = np.empty(x.size)
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = 1.0
        g[i] = np.imag(np.asarray(f(x + 1j * h * e.reshape(x.shape)))) / h
    return g.reshape(x.shape)


def perturbations(case: Case, exact: np.ndarray) -> dict[str, np.ndarray | None]:
    """Wrong gradients that must be rejected (``None``: a shape the checker must refuse)."""
    k = int(np.argmax(np.abs(exact)))
    flipped, off = exact.copy(), exact.copy()
    flipped.flat[k] *= -1
    off.flat[k] *= 1 + 1e-4
    wrong: dict[str, np.ndarray | None] = {
        "sign-flip": flipped,
        "scaled-1e-6": exact * (1 + 1e-6),
        "entry-off-1e-4": off,
    }
    scale = float(np.linalg.norm(exact))
    if exact.ndim == 2:
        if exact.shape[0] != exact.shape[1]:
            wrong["transpose"] = None
        elif np.linalg.norm(exact - exact.T) > 1e-3 * scale:
            wrong["transpose"] = exact.T.copy()
    if not case.analytic:
        blind = complex_step_gradient(case.f, case.point)
        if np.linalg.norm(blind - exact) > 1e-3 * scale:
            wrong["complex-step-sees"] = blind
    return wrong


@dataclass(frozen=True)
class Outcome:
    exact: str
    exact_report: str
    perturbed: dict[str, str]
    reports: dict[str, str]


def describe(result: Any) -> str:
    """The checker's report, and its reason for the verdict when it gives one."""
    report = result.report() if hasattr(result, "report") else repr(result)
    reason = getattr(result, "reason", "")
    return report + (f"\nreason: {reason}" if reason else "")


def run_checks(case: Case, method: str) -> Outcome:
    """Check the exact gradient and every perturbation of it; return the verdicts."""
    result = check_gradient(case.f, case.grad, case.point, method=method, rng=case.seed)
    exact = case.grad(case.point)
    verdicts, reports = {}, {}
    for name, wrong in perturbations(case, exact).items():
        claimed = exact.T.copy() if wrong is None else wrong
        try:
            perturbed = check_gradient(
                case.f, lambda _, w=claimed: w, case.point, method=method, rng=case.seed
            )
        except DerivativeShapeError as exc:
            verdicts[name], reports[name] = "failed", str(exc)
        else:
            verdicts[name], reports[name] = verdict_of(perturbed), describe(perturbed)
    return Outcome(verdict_of(result), describe(result), verdicts, reports)


#: Verdicts on exact gradients over this pytest run (all methods), for the final share test.
EXACT_VERDICTS: Counter[str] = Counter()


def assert_case(case: Case, method: str) -> None:
    outcome = run_checks(case, method)
    EXACT_VERDICTS[outcome.exact] += 1
    event(f"exact gradient: {outcome.exact}")
    assert outcome.exact != "failed", (
        f"exact gradient rejected ({method}): {case.label}\n{outcome.exact_report}"
    )
    misses = [name for name, verdict in outcome.perturbed.items() if verdict == "passed"]
    assert not misses, (
        f"wrong gradients accepted ({method}): {misses} for {case.label}\n"
        + "\n".join(outcome.reports[name] for name in misses)
    )


# -- a draw that once failed, kept --------------------------------------------------------


def orthogonal_directions_case() -> Case:
    """The draw that let a gradient scaled by 1 + 1e-6 pass (issue 18), made exact.

    ``l0**2 + l1 - 0.375 * cholesky-logdet(S0 + diag(x**2))`` with ``l0 = x^T A x`` and
    ``l1 = <a, x>`` at x = (-1.5248, -0.9968, -1.6463, -0.3631): both random directions
    were nearly orthogonal to the gradient, so the scaling error showed along neither. The
    draw's constants came from a seed that was not kept; here ``a`` is chosen so that the
    gradient is exactly orthogonal to both random directions the checker draws with
    ``rng=seed`` (two ``standard_normal`` draws of the point's shape).
    """
    seed, n, c = 0, 4, -0.375
    point = np.array([-1.5248, -0.9968, -1.6463, -0.3631])
    rng = np.random.default_rng(seed + 1)
    A = rng.standard_normal((n, n)) / n
    term = logdet_diag(rng, n, cholesky=True)
    directions = np.random.default_rng(seed)
    drawn = np.array([directions.standard_normal(n) for _ in range(2)])
    q, _ = np.linalg.qr(drawn.T)
    rest = 2 * (point @ A @ point) * (A + A.T) @ point + c * term.grad(point)
    a = -q @ (q.T @ rest)  # gradient = rest + a, orthogonal to both directions

    def f(x):
        return (x @ A @ x) ** 2 + a @ x + c * term.value(x)

    def grad(x):
        return 2 * (x @ A @ x) * (A + A.T) @ x + a + c * term.grad(x)

    def formula():
        r = sp.symbols(f"r0:{n}", real=True)
        l0 = sum(sp.Float(A[i, j]) * r[i] * r[j] for i in range(n) for j in range(n))
        l1 = sum(sp.Float(a[i]) * r[i] for i in range(n))
        return l0**2 + l1 + c * term.formula(list(r)), list(r)

    label = f"vector ({n},): l0**2 + l1 where l0 = x^T A x, l1 = <a, x>; plus {c} * {term.name}"
    return Case(label, point, seed, f, grad, False, formula)


class Replay:
    """Stands in for Hypothesis' ``data`` in an ``@example``: every draw returns ``case``."""

    def __init__(self, case: Case) -> None:
        self.case = case

    def draw(self, strategy: Any, label: str | None = None) -> Case:
        return self.case

    def __repr__(self) -> str:
        return f"Replay({self.case.label!r})"


# -- the tests --------------------------------------------------------------------------

PARAMS = [pytest.param(*spec, id=name) for name, spec in CATEGORIES.items()]
#: The central-difference parametrization draws a quarter as many cases.
CENTRAL = settings(max_examples=max(10, settings.default.max_examples // 4))


@pytest.mark.parametrize(("variable", "nonanalytic"), PARAMS)
@given(data=st.data())
@example(data=Replay(orthogonal_directions_case()))  # a vector case, run in every category
def test_random_tree(variable, nonanalytic, data):
    assert_case(data.draw(cases(variable, nonanalytic), label="case"), "auto")


@pytest.mark.parametrize(("variable", "nonanalytic"), PARAMS)
@CENTRAL
@given(data=st.data())
@example(data=Replay(orthogonal_directions_case()))  # a vector case, run in every category
def test_random_tree_central(variable, nonanalytic, data):
    assert_case(data.draw(cases(variable, nonanalytic), label="case"), "central")


#: The choices of a draw that failed test_reference_gradients_match_sympy on a fresh clone:
#: l3 + sin(l0 + (l2**6 + 1)**1.2156 + tanh(l1) + 1.5806) with l2 near 840, so that sin's
#: argument is 5e10 and its cosine 0.047. float64 gives the argument to ~5e-14 of itself
#: (2.6e-3 rad), which moved the gradient by 5.5 % from sympy's exact one: the gradient
#: was right, the draw ill-conditioned, and the comparison's fixed 1e-9 could not hold.
ILL_CONDITIONED_DRAW = [
    ("integer", 1566622), ("integer", 3), ("choice", 0), ("real", 1.4645364216132715),
    ("choice", 1), ("real", 1.1918442483535663), ("choice", 0), ("real", 0.6054065319765266),
    ("integer", 4), ("choice", 1), ("choice", 1), ("choice", 2), ("choice", 0), ("choice", 2),
    ("choice", 0), ("choice", 2), ("choice", 0), ("choice", 4), ("choice", 1), ("choice", 0),
    ("real", 1.5805857894791226), ("choice", 1), ("choice", 0), ("choice", 2), ("choice", 1),
    ("choice", 7), ("choice", 1), ("choice", 6), ("choice", 3), ("integer", 1), ("choice", 2),
    ("integer", 3), ("choice", 0), ("real", 1.2156012806945546), ("choice", 3), ("choice", 0),
    ("real", 1.1917829853094795),
]  # fmt: skip
#: How far the inputs are moved, relative, to measure how much float64's rounding can move
#: the exact gradient (an evaluation in float64 is the exact one at inputs moved by a few
#: dozen units in the last place, for these trees of a few dozen operations).
ROUNDING_REACH = 64 * np.finfo(float).eps


@pytest.mark.parametrize(("variable", "nonanalytic"), PARAMS)
@settings(max_examples=max(5, settings.default.max_examples // 16))
@given(data=st.data())
@example(
    data=Replay(build_case(ScriptedSource(ILL_CONDITIONED_DRAW), "vector", True, 3, 2))
)  # run in every category
def test_reference_gradients_match_sympy(variable, nonanalytic, data):
    # The ground truth must not depend on the checker: the assembled gradient (sympy's
    # for the tree, hand-written for log-determinants and non-analytic terms) equals
    # sympy's derivative of the whole formula over real symbols, determinants expanded.
    # Small sizes: the determinants are expanded symbolically.
    case = data.draw(cases(variable, nonanalytic, max_n=3, max_side=2), label="case")
    full, r = case.formula()
    expected = [sp.diff(full, ri) for ri in r]

    def exact(point: np.ndarray) -> np.ndarray:
        at = dict(zip(r, point.ravel(), strict=True))
        values = np.array([complex(sp.N(e.xreplace(at), 30)) for e in expected])
        assert np.all(np.abs(values.imag) < 1e-12)
        return values.real

    values = exact(case.point)
    # The float64 gradient is held to what float64 can give: the exact gradient at the point
    # moved by ROUNDING_REACH (all entries one way, and alternately), four times its move.
    signs = np.where(np.arange(case.point.size) % 2 == 0, 1.0, -1.0).reshape(case.point.shape)
    reach = max(
        float(np.max(np.abs(exact(case.point * (1 + ROUNDING_REACH * s)) - values)))
        for s in (1.0, signs)
    )
    np.testing.assert_allclose(
        case.grad(case.point).ravel(), values, rtol=1e-9, atol=max(1e-12, 4 * reach),
        err_msg=case.label,
    )  # fmt: skip


#: Cases per category of the deterministic sweep inside pytest.
SWEEP_COUNT = max(10, settings.default.max_examples // 8)


def test_deterministic_sweep_and_share_of_passed():
    # A seeded sweep (no shrinking, uniform choices): no false alarm, no miss, and exact
    # gradients get "passed" (not "inconclusive") in at least MIN_PASSED_SHARE of the
    # checks, counted over the sweep and every test above in this run.
    totals = sweep(SWEEP_COUNT, seed=20240601, methods=("auto",))
    counts = totals["auto"]
    assert counts["exact failed"] == 0, examples(totals)
    assert counts["misses"] == 0, examples(totals)
    verdicts = EXACT_VERDICTS + Counter(
        {v: counts[f"exact {v}"] for v in ("passed", "failed", "inconclusive")}
    )
    share = verdicts["passed"] / sum(verdicts.values())
    assert share >= MIN_PASSED_SHARE, dict(verdicts)


# -- the sweep: counts for the record ---------------------------------------------------


def sweep(count: int, seed: int, methods: Sequence[str]) -> dict[str, Any]:
    """Check ``count`` cases per category with each method; count verdicts and anomalies.

    ``totals[method]`` counts expressions and verdicts (overall and per category);
    ``totals["examples"]`` keeps the first few anomalies of each kind, as text.
    """
    totals: dict[str, Any] = {m: Counter() for m in methods}
    totals["examples"] = []
    kept: Counter[tuple[str, str, str]] = Counter()

    def keep(method: str, kind: str, case: Case, report: str) -> None:
        key = (method, kind, case.label.split(":")[0])
        kept[key] += 1
        if kept[key] <= 5:
            text = f"[{method}] {kind}: {case.label}\n  at x = {case.point!r}, seed {case.seed}"
            totals["examples"].append((method, kind, text + "\n  " + report.replace("\n", "\n  ")))

    for index in range(count):
        for number, (category, (variable, nonanalytic)) in enumerate(CATEGORIES.items()):
            rng = np.random.default_rng([seed, index, number])
            case = build_case(RandomSource(rng), variable, nonanalytic)
            for method in methods:
                outcome = run_checks(case, method)
                c = totals[method]
                for prefix in ("", f"{category} "):
                    c[f"{prefix}expressions"] += 1
                    c[f"{prefix}exact {outcome.exact}"] += 1
                if outcome.exact != "passed":
                    keep(method, f"exact gradient {outcome.exact}", case, outcome.exact_report)
                for name, verdict in outcome.perturbed.items():
                    c["perturbed"] += 1
                    c[f"perturbed {verdict}"] += 1
                    c[f"{category} {name} {verdict}"] += 1
                    if verdict == "passed":
                        c["misses"] += 1
                        c[f"{category} misses"] += 1
                        keep(method, f"miss ({name})", case, outcome.reports[name])
    return totals


def examples(totals: dict[str, Any], limit: int = 3) -> str:
    """The first ``limit`` anomalies of each kind (method and verdict), as text."""
    shown: Counter[tuple[str, str]] = Counter()
    lines = []
    for method, kind, text in totals["examples"]:
        shown[method, kind] += 1
        if shown[method, kind] <= limit:
            lines.append(text)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500, help="cases per category (4 of them)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--method", choices=("auto", "central", "both"), default="both")
    parser.add_argument("--examples", type=int, default=3, help="examples shown per anomaly")
    args = parser.parse_args(argv)
    methods = ("auto", "central") if args.method == "both" else (args.method,)
    start = time.perf_counter()
    totals = sweep(args.count, args.seed, methods)
    elapsed = time.perf_counter() - start
    print(f"{args.count} cases per category, seed {args.seed}, {elapsed:.1f} s")
    header = f"{'method':8} {'category':20} {'exprs':>6} {'passed':>7} {'failed':>7}"
    header += f" {'inconcl':>7} {'misses':>7}"
    for method in methods:
        c = totals[method]
        print(header)
        for category in (*CATEGORIES, None):
            p = f"{category} " if category else ""
            print(
                f"{method:8} {category or 'all':20} {c[f'{p}expressions']:6d}"
                f" {c[f'{p}exact passed']:7d} {c[f'{p}exact failed']:7d}"
                f" {c[f'{p}exact inconclusive']:7d} {c[f'{p}misses']:7d}"
            )
        misses = sorted((k, v) for k, v in c.items() if k.endswith(" passed") and "exact" not in k)
        for key, value in misses:
            if key != "perturbed passed":
                print(f"  miss: {key.removesuffix(' passed')}: {value}")
        print(
            f"  perturbed checks: {c['perturbed']} (passed {c['perturbed passed']}, "
            f"failed {c['perturbed failed']}, inconclusive {c['perturbed inconclusive']})"
        )
    if totals["examples"] and args.examples:
        print("\nexamples:")
        print(examples(totals, args.examples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
