"""Functions given as inputs: the product and chain rules' concrete instances.

A rule over functions (``rules.*``) is checked at the functions its entry samples (smooth
maps such as ``x -> tanh(W x + b)``). In a displayed rule, such a function ``f`` stands for
its value at the entry's variable, ``f(x)`` for its value at an argument, ``J_f`` (``J_f(x)``)
for its Jacobian, ``\\nabla f`` (``\\nabla f(x)``) for the gradient of a scalar function, ``h'``
for the derivative of a univariate one and ``\\frac{\\partial f}{\\partial x}`` for the Jacobian
in the variable. The derivatives are the reader's own, by central differences of the
function (fourth order: exact to about 1e-11 for these smooth functions), not the code's.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gradref.readback.lexer import Unreadable

#: The step of the central differences: their error is about STEP**4 times the fifth
#: derivative, plus rounding of about 1e-16 / STEP.
STEP = 1e-3


def as_argument(value):
    """A value of the reader (a column, a 1×1) as a function's argument: 1-D, or a float."""
    array = np.asarray(value, dtype=float)
    if array.size == 1:
        return float(array.reshape(()))
    if array.ndim == 2 and array.shape[1] == 1:
        return array[:, 0]
    if array.ndim == 1:
        return array
    raise Unreadable(f"a function applied to an array of shape {array.shape}")


def as_value(result) -> np.ndarray:
    """A function's result as a value of the reader: a scalar, or a column."""
    array = np.asarray(result, dtype=float)
    if array.ndim == 0:
        return array
    if array.ndim == 1:
        return array.reshape(-1, 1)
    raise Unreadable(f"a function with a value of shape {array.shape}")


def jacobian(f: Callable, x) -> np.ndarray:
    """``[k, l] = d f_k / d x_l`` at x (a 1 × d row for a scalar f), by central differences."""
    x = np.asarray(as_argument(x), dtype=float).reshape(-1)
    columns = []
    for entry in range(x.size):

        def at(t, entry=entry):
            shifted = x.copy()
            shifted[entry] += t
            return np.ravel(np.asarray(f(shifted if shifted.size > 1 else shifted[0]), float))

        h = STEP * max(1.0, abs(x[entry]))
        columns.append((-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h))
    return np.column_stack(columns)


def derivative(h: Callable, t) -> np.ndarray:
    """``h'(t)`` of a univariate function, by central differences."""
    t = as_argument(t)
    if not isinstance(t, float):
        raise Unreadable("the derivative h' of a function of a vector")
    return np.asarray(jacobian(lambda s: h(float(s)), t).reshape(()))


def input_function(tree, values: dict) -> Callable | None:
    """What ``tree`` denotes, as a function of one value, if it is a function given as an
    input (or its Jacobian ``J_f``, gradient ``\\nabla f``, derivative ``h'``); else None."""
    if tree[0] == "nabla":
        inner = input_function(tree[1], values)
        if inner is None:
            return None
        return lambda v: jacobian(inner_raw(tree[1], values), v).T  # a column
    if tree[0] != "sym":
        return None
    name, sub = tree[1], tree[2]
    if name == "J" and sub is not None:
        f = _named(sub, None, values)
        return None if f is None else (lambda v: jacobian(f, v))
    if name.endswith("'"):
        h = _named(name.rstrip("'"), sub, values)
        if h is None:
            return None
        if name.count("'") != 1:
            raise Unreadable("a derivative of a function given as an input beyond the first")
        return lambda v: derivative(h, v)
    f = _named(name, sub, values)
    return None if f is None else (lambda v: as_value(f(as_argument(v))))


def inner_raw(tree, values: dict) -> Callable:
    """The function itself that a symbol names (for its derivatives)."""
    f = _named(tree[1], tree[2], values) if tree[0] == "sym" else None
    if f is None:
        raise Unreadable("derivative notation on the right-hand side")
    return f


def _named(name: str, sub: str | None, values: dict) -> Callable | None:
    for key in [name] if sub is None else [f"{name}{sub}", f"{name}_{sub}"]:
        value = values.get(key)
        if callable(value) and not isinstance(value, np.ndarray):
            return value
    return None
