"""Evaluation: a tree and an environment into a numpy value."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradref.readback.callables import inner_raw, input_function, jacobian
from gradref.readback.lexer import Unreadable
from gradref.readback.parser import _nodes, _Reader
from gradref.readback.values import (
    _ALIASES,
    BUILTINS,
    Indexed,
    Lazy,
    ShapeMismatch,
    _add,
    _column_of,
    _commutation,
    _index_value,
    _indexed,
    _is_scalar,
    _matmul_chain,
    _matrix_function,
    _resolve_like,
    _row_of,
    _scalar,
    _scale,
)


@dataclass
class Env:
    """What the symbols of one displayed formula stand for."""

    values: dict[str, Any]
    definitions: dict[str, tuple[tuple[str, ...], Any]]
    dims: dict[str, int]
    cache: dict[str, Any] = field(default_factory=dict)
    unread: dict[str, str] = field(default_factory=dict)
    active: set = field(default_factory=set)
    used_dims: set = field(default_factory=set)
    #: In a formula in index notation, the size of each free index (k, l, i, j).
    indices: dict[str, int] = field(default_factory=dict)
    #: In a differential, the variable and its direction: d(wrt) = V, d(other input) = 0.
    direction: tuple[str, Any] | None = None
    #: Names bound as a function's arguments while its body is evaluated.
    arguments: frozenset = frozenset()
    #: In a derivative with respect to an entry X_{ij}: X's shape (that of J^{ij}) and "ij".
    single_shape: tuple[tuple[int, ...], str] | None = None
    #: The first index: 1, or 0 where the statement counts from 0 (``i = 0, \dots, l - k``).
    origin: int = 1
    #: The entry's variable, at which a function given as an input (``f``, ``J_f``) is taken.
    variable: str | None = None

    def position(self, index) -> int:
        """An index as written, counted from 1 (the position the arrays are read at)."""
        return int(index) + 1 - self.origin

    def candidates(self, name: str, sub: str | None) -> list[str]:
        base = _ALIASES.get(name, name)
        if sub is None:
            return [name, base]
        flat = sub.replace("\\", "").replace(" ", "").replace("{", "").replace("}", "")
        found = [f"{name}_{flat}", f"{base}_{flat}", f"{name}{flat}", f"{base}{flat}"]
        bound = self.values.get(flat) if len(flat) == 1 else None
        if bound is None and len(flat) == 1 and flat in self.definitions:
            with contextlib.suppress(Unreadable):  # W_V beside V_i = X W_V E_i: no index
                bound = self.lookup(flat, None)
        if (
            bound is not None
            and not callable(bound)
            and np.ndim(bound) == 0
            and float(bound).is_integer()
        ):
            found += [f"{name}{int(bound)}", f"{base}{int(bound)}"]  # mu_j with j = 1: mu1
        return found

    def lookup(self, name: str, sub: str | None):
        for key in self.candidates(name, sub):
            params = self.definitions.get(key, ((),))[0]
            if params and all(p in self.values for p in params) and not _is_bound_arg(self, params):
                # Y for Y(x) = A + xB + x^2 C: the function at its own argument, an input
                if key not in self.cache:
                    self.cache[key] = _apply_defined(
                        ("sym", key, None), ("tuple", *(("sym", p, None) for p in params)), self
                    )
                return self.cache[key]
            if key in self.definitions and not self.definitions[key][0]:
                if key in self.active:
                    raise Unreadable(f"{key} is defined in terms of itself")
                if key not in self.cache:
                    self.active.add(key)
                    try:
                        self.cache[key] = evaluate(self.definitions[key][1], self)
                    finally:
                        self.active.discard(key)
                return self.cache[key]
            if key in self.unread:
                raise Unreadable(f"{key} is defined by what the reader cannot read: "
                                 f"{self.unread[key]}")  # fmt: skip
            if key in self.values:
                return self.values[key]
        if sub is None:
            for key, (params, tree) in self.definitions.items():
                if not params and key.startswith(name + "_") and key.endswith(",:"):
                    return self._rows(key, tree)
        return None

    def _rows(self, key: str, tree):
        """``P_{i,:} = f(Z_{i,:})``: a matrix defined row by row."""
        if key not in self.cache:
            index = key.rpartition("_")[2].split(",")[0]
            rows = []
            for i in range(1, _index_range(tree, index, self) + 1):
                inner = dataclasses.replace(
                    self, values={**self.values, index: np.asarray(float(i))}, cache={}
                )
                rows.append(np.ravel(evaluate(tree, inner)))
            self.cache[key] = np.array(rows)
        return self.cache[key]


def _is_bound_arg(env: Env, params: tuple[str, ...]) -> bool:
    """Whether the parameters are bound as a function's arguments (inside its body), not
    as inputs of the entry: then the name is the function itself."""
    return any(p in env.arguments for p in params)


def evaluate(tree, env: Env, target: tuple[int, ...] | None = None):
    """The numpy value of ``tree`` in ``env`` (vectors as columns; a 1×1 acts as a scalar)."""
    kind = tree[0]
    if kind == "num":
        return np.asarray(tree[1])
    if kind == "group":
        inner = tree[1]
        if inner[0] == "tuple":  # (x, y, z): a vector of its entries
            items = [evaluate(t, env) for t in inner[1:]]
            if not all(_is_scalar(v) for v in items):
                raise Unreadable("a tuple of arrays where a value was expected")
            return np.array([[_scalar(v)] for v in items])
        return evaluate(inner, env, target)
    if kind == "block":
        return _block(tree[1], env)
    if kind == "blockof":
        whole = np.asarray(evaluate(tree[1], env))
        n = whole.shape[0] // 2
        if whole.ndim != 2 or whole.shape != (2 * n, 2 * n):
            raise ShapeMismatch(f"a 2 x 2 block of a matrix of shape {whole.shape}")
        i, j = tree[2] - 1, tree[3] - 1
        return whole[i * n : (i + 1) * n, j * n : (j + 1) * n]
    if kind == "cases":
        return _cases(tree[1], env)
    if kind == "sym":
        return _symbol(tree, env)
    if kind == "neg":
        v = evaluate(tree[1], env, target)
        if isinstance(v, Indexed):
            return v.scaled(-1.0)
        return _scale(v, -1.0) if isinstance(v, Lazy) else -v
    if kind in ("add", "sub"):
        a = evaluate(tree[1], env, target)
        b = evaluate(tree[2], env, _shape_of(a) or target)
        return _add(a, b, 1 if kind == "add" else -1)
    if kind == "product":
        return _product(tree[1:], env, target)
    if kind in ("hadamard", "divide", "times", "slash"):
        a = evaluate(tree[1], env, target if kind in ("hadamard", "divide") else None)
        b = evaluate(tree[2], env, _shape_of(a) if kind in ("hadamard", "divide") else None)
        if isinstance(a, Lazy) and isinstance(b, Lazy):
            raise Unreadable("an elementwise product of I or 1 without a size")
        if isinstance(a, Lazy):
            a = a.sized(1, 1) if _is_scalar(b) else _resolve_like(a, b)
        if isinstance(b, Lazy):
            b = b.sized(1, 1) if _is_scalar(a) else _resolve_like(b, a)
        a, b = np.asarray(a), np.asarray(b)
        if not (_is_scalar(a) or _is_scalar(b)) and a.shape != b.shape:
            raise ShapeMismatch(f"elementwise on shapes {a.shape} and {b.shape}")
        if kind in ("hadamard", "times"):
            if kind == "times" and not (_is_scalar(a) or _is_scalar(b)):
                raise Unreadable("a product written with \\cdot or \\times of two arrays")
            return _scalar(a) * b if _is_scalar(a) else a * (_scalar(b) if _is_scalar(b) else b)
        return a / (_scalar(b) if _is_scalar(b) else b)
    if kind == "at":  # [M]_{1,d+1}: one entry, at indices computed from bound ones
        array = evaluate(tree[1], env)
        if isinstance(array, (Lazy, Indexed)) or np.ndim(array) != 2:
            raise Unreadable("an entry [M]_{i,j} of what is not a matrix")
        row, col = (env.position(_scalar(evaluate(t, env))) for t in tree[2:])
        if not (1 <= row <= np.shape(array)[0] and 1 <= col <= np.shape(array)[1]):
            raise Unreadable("an entry [M]_{i,j} indexed out of range")
        return np.asarray(np.asarray(array)[row - 1, col - 1])
    if kind == "nabla":  # \nabla f: the gradient of a function given as an input
        fn = input_function(tree, env.values)
        if fn is None:
            raise Unreadable("derivative notation on the right-hand side")
        return _at_variable(fn, env)
    if kind in _CONVOLUTIONS:
        return _convolution(kind, evaluate(tree[1], env), evaluate(tree[2], env))
    if kind == "kron":
        a, b = evaluate(tree[1], env), evaluate(tree[2], env)
        if isinstance(a, Lazy) or isinstance(b, Lazy):
            raise Unreadable("a Kronecker product with I of no stated size")
        return np.kron(a, b)
    if kind == "frac":
        a, b = evaluate(tree[1], env), evaluate(tree[2], env)
        if isinstance(b, Lazy) or (isinstance(a, Lazy) and not _is_scalar(b)):
            raise Unreadable("a fraction with I or 1 of no size")
        if isinstance(a, Lazy):
            return _scale(a, 1.0 / _scalar(b))
        if _is_scalar(b):
            if abs(_scalar(b)) <= 1e-12 * max(float(np.max(np.abs(a), initial=0.0)), 1e-300):
                raise Unreadable("a division by zero at the samples (the value is rounding)")
            return np.asarray(a) / _scalar(b)
        if _is_scalar(a):
            return _scalar(a) / np.asarray(b)
        if np.shape(a) != np.shape(b):
            raise ShapeMismatch(f"a fraction of shapes {np.shape(a)} and {np.shape(b)}")
        return np.asarray(a) / np.asarray(b)
    if kind == "transpose":
        v = evaluate(tree[1], env)
        if isinstance(v, Lazy):
            return (
                v if v.kind == "eye" else Lazy("ones_row" if v.kind == "ones" else "ones", v.scale)
            )
        return np.asarray(v).T
    if kind == "inv":
        v = evaluate(tree[1], env)
        if isinstance(v, Lazy):
            if v.kind == "eye":
                return Lazy("eye", 1.0 / v.scale)
            raise Unreadable("the inverse of 1")
        if _is_scalar(v):
            return 1.0 / np.asarray(v)
        if np.ndim(v) != 2 or np.shape(v)[0] != np.shape(v)[1]:
            raise ShapeMismatch(f"the inverse of a non-square {np.shape(v)}")
        return np.linalg.inv(v)
    if kind == "pinv":
        return np.linalg.pinv(np.asarray(evaluate(tree[1], env)))
    if kind == "power":
        return _power(tree, env)
    if kind == "hpower":
        v = evaluate(tree[1], env)
        return np.asarray(v) ** _scalar(evaluate(tree[2], env))
    if kind == "norm":
        v = np.asarray(evaluate(tree[1], env))
        if tree[2] == "2" and v.ndim == 2 and min(v.shape) > 1:
            return np.asarray(np.linalg.norm(v, 2))
        if re.fullmatch(r"\d+(\.\d+)?", tree[2]) and tree[2] != "2":
            if v.ndim == 2 and min(v.shape) > 1:
                raise Unreadable(f"the {tree[2]}-norm of a matrix")
            p = float(tree[2])  # the vector p-norm (sum |v_i|^p)^(1/p)
            return np.asarray(np.sum(np.abs(v) ** p) ** (1 / p))
        return np.asarray(np.linalg.norm(v))
    if kind in ("call", "maybe_call"):
        return _call(tree, env)
    if kind == "ones":
        return Lazy("ones")
    if kind == "ones_sized":
        if tree[1] not in env.dims:
            raise Unreadable(f"1_{tree[1]} of no known size")
        env.used_dims.add(tree[1])
        return np.ones((env.dims[tree[1]], 1))
    if kind == "indicator":
        cond = tree[1]
        if cond[0] != "compare":
            raise Unreadable("an indicator without a comparison")
        return _compare(cond, env).astype(float)
    if kind == "inner":
        a, b = np.asarray(evaluate(tree[1], env)), np.asarray(evaluate(tree[2], env))
        if a.shape != b.shape:
            raise ShapeMismatch(f"an inner product of shapes {a.shape} and {b.shape}")
        return np.asarray(np.sum(a * b))
    if kind == "sum":
        return _sum(tree, env, target)
    if kind == "entrywise":
        return _entrywise(tree, env)
    if kind == "derivative":
        return _derivative(tree[1], tree[2], env)
    if kind == "single":
        return _single(tree[1], env)
    if kind == "value":  # a value computed already (a function's, under a postfix)
        return tree[1]
    if kind == "condsum":
        return _condsum(tree, env, target)
    if kind == "compare":
        raise Unreadable("a comparison where a value was expected")
    if kind == "unread":
        raise Unreadable(tree[1])
    if kind == "differential":
        inner = tree[1][1] if tree[1][0] == "group" else tree[1]
        if env.direction is None or inner[0] != "sym":
            raise Unreadable("the differential of an expression")
        wrt, V = env.direction
        if inner[1] in (wrt, wrt.lower()) and inner[2] is None:
            return V
        value = evaluate(inner, env)
        return np.zeros(np.shape(value))
    if kind == "entry":
        if not env.indices:
            raise Unreadable("index notation outside a formula of entries")
        return _indexed(evaluate(tree[1], env), tree[2], env)
    if kind == "row":
        array, index = evaluate(tree[1], env), env.lookup(tree[2], None)
        if index is None or np.ndim(array) != 2:
            raise Unreadable(f"a row {tree[2]} of what is not a matrix")
        return _row_of(array, env.position(index), "a matrix")  # (M)_{i,:}: row i, a 1×n row
    if kind == "col":  # (M)_{:,j}: column j of a matrix, an n×1 column
        array, index = evaluate(tree[1], env), env.lookup(tree[2], None)
        if index is None or np.ndim(array) != 2:
            raise Unreadable(f"a column {tree[2]} of what is not a matrix")
        return _column_of(array, env.position(index), "a matrix")
    raise Unreadable(f"cannot evaluate {kind}")


#: ``a * b``: the full convolution, ``(a * b)_m = \sum_j a_j b_{m-j}`` over the j where both
#: are defined (length n_a + n_b - 1); ``a *_{\text{valid}} b``: its entries where b lies
#: wholly inside a (length n_a - n_b + 1); ``a \star b``: the full cross-correlation,
#: ``(a \star b)_m = \sum_j a_{m+j} b_j``, m = -(n_b - 1), ..., n_a - 1 (b slid along a,
#: unflipped: ``a * `` the reversed b).
_CONVOLUTIONS = {
    "conv": lambda a, b: np.convolve(a, b, mode="full"),
    "conv-valid": lambda a, b: np.convolve(a, b, mode="valid"),
    "xcorr": lambda a, b: np.correlate(a, b, mode="full"),
}


def _convolution(kind: str, a, b) -> np.ndarray:
    """The convolution (cross-correlation) of two vectors, as a column."""
    for v in (a, b):
        if isinstance(v, (Lazy, Indexed)) or _is_scalar(v):
            raise Unreadable("a convolution of what is not a vector")
        if np.ndim(v) != 2 or np.shape(v)[1] != 1:
            raise ShapeMismatch(f"a convolution of shape {np.shape(v)}, not a column")
    if kind == "conv-valid" and np.size(b) > np.size(a):
        raise ShapeMismatch("a 'valid' convolution with the longer vector second")
    out = _CONVOLUTIONS[kind](np.ravel(a), np.ravel(b))
    return out.reshape(-1, 1)


def _shape_of(value) -> tuple[int, ...] | None:
    """The shape of a concrete array (not a scalar): a target for its neighbour's I or 1."""
    if isinstance(value, Lazy) or _is_scalar(value):
        return None
    return np.shape(value)


def _product_size(sub: str, env: Env) -> int | None:
    """The size that ``I_{mn}`` or ``I_{n^2}`` names: a product of one-letter dimensions."""
    square = re.fullmatch(r"([A-Za-z])\^\{?2\}?", sub)
    letters = square.group(1) * 2 if square else sub
    if len(letters) < 2 or sub in env.dims or not all(c in env.dims for c in letters):
        return None
    env.used_dims.update(letters)
    return math.prod(env.dims[c] for c in letters)


def _at_variable(fn, env: Env):
    """A function given as an input, at the entry's variable (``f`` for ``f(x)``)."""
    if env.variable is None or env.values.get(env.variable) is None:
        raise Unreadable("a function given as an input, without the variable to take it at")
    return fn(env.values[env.variable])


def _symbol(tree, env: Env):
    fn = input_function(tree, env.values)
    if fn is not None:  # f, J_f, h': a function given as an input, at the variable
        return _at_variable(fn, env)
    _, name, sub = tree
    if env.direction is not None and sub is None and name == "d" + env.direction[0]:
        return env.direction[1]  # dX, the direction of a forward rule
    found = env.lookup(name, sub)
    if found is not None:
        return found
    if (
        sub is not None
        and env.indices
        and re.fullmatch(r"[a-z]{1,2}", sub)
        and all(c in env.indices for c in sub)
    ):
        if name == "delta" and len(sub) == 2:
            a, b = sub
            return Indexed(np.eye(env.indices[a], env.indices[b]), sub)
        array = env.lookup(name, None)
        if array is not None:
            return _indexed(array, sub, env)
    if sub is not None and re.fullmatch(r"[a-z]{2}", sub) and not env.indices:
        at = [env.lookup(c, None) for c in sub]  # A_{qp} with q and p bound: one entry
        array = env.lookup(name, None)
        if (
            array is not None and np.ndim(array) == 2
            and all(v is not None and np.ndim(v) == 0 and float(v).is_integer() for v in at)
        ):  # fmt: skip
            q, p = (env.position(v) for v in at)
            if not (1 <= q <= np.shape(array)[0] and 1 <= p <= np.shape(array)[1]):
                raise Unreadable(f"{name}_{{{sub}}} indexed out of range")
            return np.asarray(np.asarray(array)[q - 1, p - 1])
    if sub is None and name.endswith("bar") and len(name) > 3:
        value = env.lookup(name[:-3], None)  # \bar\lambda of a complex value: its conjugate
        if value is not None and np.iscomplexobj(value):
            return np.conj(value)
    if name == "E" and env.single_shape is not None and sub and re.fullmatch("[a-z]{2}", sub):
        return _single(sub, env)  # E_{ij}, the single-entry matrix
    if sub is not None and re.fullmatch(r":[a-z]", sub):  # X_{:j}, column j
        index, array = env.lookup(sub[1], None), env.lookup(name, None)
        if index is not None and array is not None and np.ndim(array) == 2:
            return _column_of(array, env.position(index), name)
    if sub is not None and re.fullmatch(r"[a-z0-9]+(?:[+-][a-z0-9]+)+", sub) and not env.indices:
        # x_{i+j-1}: the entry at an index computed from bound indices
        at = _Reader(sub).read()
        array = env.lookup(name, None)
        if array is None and name[:1].islower():
            array = env.lookup(name[:1].upper() + name[1:], None)
        if array is not None and np.ndim(array) >= 1:
            return _index_value(array, env.position(_scalar(evaluate(at, env))), name)
    if sub is not None and sub.isdigit() and not env.indices:  # v_1: an entry of the vector v
        array = env.lookup(name, None)
        if array is not None and np.ndim(array) == 2 and np.shape(array)[1] == 1:
            return _index_value(array, env.position(sub), name)
    if sub is not None:
        row = sub.split(",")[0] if sub.endswith(",:") else sub
        index = env.lookup(row, None) if len(row) == 1 else None
        if index is not None and np.ndim(index) == 0 and float(index).is_integer():
            try:
                array = env.lookup(name, None)
            except Unreadable:
                member = _family_member(name, row, env)
                if member is None:
                    raise
                return member
            if array is None and name[:1].islower():
                array = env.lookup(name[:1].upper() + name[1:], None)
            if array is not None and np.ndim(array) >= 1:
                if sub.endswith(",:"):  # X_{i,:}: row i, a 1×n row
                    return _row_of(array, env.position(index), name)
                return _index_value(array, env.position(index), name)
        if name == "I" and sub in env.dims:
            env.used_dims.add(sub)
            return np.eye(env.dims[sub])
        if name == "I" and sub.isdigit():
            return np.eye(int(sub))
        if (
            name == "I"
            and index is not None
            and np.ndim(index) == 0
            and float(index).is_integer()
            and index >= 1
        ):  # I_h, I_k of a size that is a number in scope, not a dimension: a default of the
            # code's arguments (h = 2 heads) or a `where` line (k = c / h)
            return np.eye(int(index))
        if name == "I" and _product_size(sub, env) is not None:
            return np.eye(_product_size(sub, env))  # I_{mn}, I_{n^2}: the size of a vec
        if name == "K" and len(sub) == 2 and all(s in env.dims for s in sub):
            env.used_dims.update(sub)
            return _commutation(env.dims[sub[0]], env.dims[sub[1]])
    if sub is None:
        if name == "I":
            return Lazy("eye")
        if name in env.dims:
            env.used_dims.add(name)
            return np.asarray(float(env.dims[name]))
        if name == "e":
            return np.asarray(math.e)
        if name == "pi":
            return np.asarray(math.pi)
    shown = name + (f"_{{{sub}}}" if sub else "")
    raise Unreadable(f"undefined symbol {shown}")


def _family_member(name: str, label: str, env: Env):
    r"""``E_i`` at the ``i`` in scope, from its `where` line ``E_i = e_i \otimes I_k``: the
    fallback for a family indexed by a bound index (``\sum_{i=1}^{h}`` binds ``i``) that
    the entry-by-entry reading cannot make an array of (no range for ``i``, or members that
    are matrices); ``E_j`` is read from the same line at ``j``. ``None`` if ``name`` is no
    such family: one case, one index, no parameters."""
    params, tree = env.definitions.get(name, ((), None))
    if tree is None or tree[0] != "entrywise" or params or len(tree[1]) != 1:
        return None
    cases = tree[2]
    if len(cases) != 1 or cases[0][0] is not None:
        return None
    key = f"{name}_{{{label}}}"  # the cache is new wherever the index is bound anew
    if key in env.active:
        raise Unreadable(f"{name}_{label} is defined in terms of itself")
    if key not in env.cache:
        inner = env  # E_j with E_i's line: its index i at j's value
        if tree[1] != label:
            at = {tree[1]: env.lookup(label, None)}
            inner = dataclasses.replace(env, values={**env.values, **at}, cache={})
        env.active.add(key)
        try:
            env.cache[key] = evaluate(cases[0][1], inner)
        finally:
            env.active.discard(key)
    return env.cache[key]


def _product(factors, env: Env, target):
    values = []
    for k, factor in enumerate(factors):
        before = input_function(factors[k - 1], env.values) if values and k > 0 else None
        if before is not None and factor[0] == "group":  # f(x), J_f(x), \nabla g(f(x))
            values[-1] = before(evaluate(factor[1], env))
            continue
        if before is not None and _postfix_on_group(factor):  # J_f(x)^\top
            rebuild, group = _postfix_on_group(factor)
            values[-1] = evaluate(rebuild(("value", before(evaluate(group[1], env)))), env)
            continue
        following = factors[k + 1] if k + 1 < len(factors) else None
        if (
            following is not None
            and (following[0] == "group" or _postfix_on_group(following))
            and input_function(factor, env.values) is not None
        ):
            values.append(None)  # applied to the bracket that follows
            continue
        if factor[0] == "group" and values and k > 0 and _is_adjoint(factors[k - 1], env):
            values[-1] = _apply_adjoint(factors[k - 1][1], factor[1], env)  # U^*(Y)
            continue
        if _is_adjoint(factor, env):
            if k + 1 < len(factors) and factors[k + 1][0] == "group":
                values.append(None)
                continue
            raise Unreadable(f"{factor[1][1]}^* not applied to an argument")
        # "\rho(x)": a symbol defined as a function (or a builtin) applied to a group
        if factor[0] == "group" and values and k > 0 and _callable_symbol(factors[k - 1], env):
            fn_tree = factors[k - 1]
            values[-1] = _apply_defined(fn_tree, factor[1], env)
            continue
        on_group = _postfix_on_group(factor)
        if on_group and values and k > 0 and _callable_symbol(factors[k - 1], env):
            # \alpha(A)^\top, \alpha(A)_{ij}: the function's value, then the postfix
            rebuild, group = on_group
            applied = _apply_defined(factors[k - 1], group[1], env)
            values[-1] = evaluate(rebuild(("value", applied)), env)
            continue
        values.append(None if _callable_symbol(factor, env) else evaluate(factor, env))
        if values[-1] is None:
            if k + 1 < len(factors) and (
                factors[k + 1][0] == "group" or _postfix_on_group(factors[k + 1])
            ):
                continue
            values[-1] = _apply_defined(factor, _own_arguments(factor, env), env)
    return _matmul_chain(values, target)


def _postfix_on_group(tree):
    """``(rebuild, group)`` for a transpose, inverse, power or index on a bracket (``(A)^\top``),
    where ``rebuild(x)`` puts ``x`` in the bracket's place; else None."""
    if tree[0] in ("transpose", "inv", "pinv", "power", "hpower", "entry", "row", "col", "at"):
        inner = tree[1]
        if inner[0] == "group":
            return (lambda x: (tree[0], x, *tree[2:])), inner
        found = _postfix_on_group(inner)
        if found:
            rebuild, group = found
            return (lambda x: (tree[0], rebuild(x), *tree[2:])), group
    return None


def _own_arguments(tree, env: Env):
    """``\\rho`` for ``\\rho(x)``, where ``\\rho(x) = ...`` is defined: at its own argument."""
    for key in env.candidates(tree[1], tree[2]):
        if key in env.definitions and env.definitions[key][0]:
            params = env.definitions[key][0]
            return ("tuple", *(("sym", p, None) for p in params))
    raise Unreadable(f"{tree[1]} is not a function")


def _callable_symbol(tree, env: Env) -> bool:
    if tree[0] != "sym":
        return False
    for key in env.candidates(tree[1], tree[2]):
        if key in env.definitions and env.definitions[key][0]:
            return True
    return False


def _is_adjoint(tree, env: Env) -> bool:
    return tree[0] == "adjoint" and _callable_symbol(tree[1], env)


def _apply_adjoint(fn_tree, arg_tree, env: Env):
    """``U^*(Y)``: the adjoint of a linear function ``U`` of one argument, at ``Y``: the array
    of ``<U(E), Y>`` over the unit arrays E of U's domain, the shape of the input that U's
    parameter names (``U(X) = ...`` with X an input of the entry)."""
    params = next((env.definitions[key][0] for key in env.candidates(fn_tree[1], fn_tree[2])
                   if key in env.definitions and env.definitions[key][0]), ())  # fmt: skip
    if len(params) != 1:
        raise Unreadable(f"{fn_tree[1]}^* of a function of {len(params)} arguments")
    domain = env.values.get(params[0])
    if domain is None or _is_scalar(domain):
        raise Unreadable(f"the domain of {fn_tree[1]}^* is not determined")
    shape = np.shape(domain)
    Y = np.asarray(evaluate(arg_tree, env), dtype=float)
    if np.any(_apply_defined(fn_tree, ("value", np.zeros(shape)), env) != 0):
        raise Unreadable(f"{fn_tree[1]}^* of a function that is not linear")
    out = np.zeros(shape)
    for index in np.ndindex(*shape):
        unit = np.zeros(shape)
        unit[index] = 1.0
        image = np.asarray(_apply_defined(fn_tree, ("value", unit), env))
        if image.shape != Y.shape:
            raise ShapeMismatch(
                f"{fn_tree[1]}^* of shape {Y.shape}; {fn_tree[1]} gives {image.shape}"
            )
        out[index] = np.sum(image * Y)
    return out


def _apply_defined(fn_tree, arg_tree, env: Env):
    for key in env.candidates(fn_tree[1], fn_tree[2]):
        if key in env.definitions and env.definitions[key][0]:
            params, body = env.definitions[key]
            args = arg_tree[1:] if arg_tree[0] == "tuple" else (arg_tree,)
            if len(args) != len(params):
                raise Unreadable(f"{key} applied to {len(args)} arguments, defined with "
                                 f"{len(params)}")  # fmt: skip
            bound = {p: evaluate(a, env) for p, a in zip(params, args, strict=True)}
            try:
                return evaluate(body, _binding(env, bound))
            except ShapeMismatch:
                entrywise = _entrywise_application(body, bound, env)
                if entrywise is None:
                    raise
                return entrywise
    raise Unreadable(f"{fn_tree[1]} is not a function")


def _binding(env: Env, bound: dict) -> Env:
    inner = dataclasses.replace(env, values={**env.values, **bound}, cache={},
                                arguments=env.arguments | set(bound))  # fmt: skip
    inner.definitions = {k: v for k, v in env.definitions.items() if k not in bound}
    return inner


def _entrywise_application(body, bound: dict, env: Env):
    r"""A function defined on numbers (``\sigma''(t) = \sigma(t)(1 - \sigma(t))...``) applied
    to columns of one length, whose body does not read for the whole columns: its value at
    each entry, as a column; None where the body does not give a number at each entry.

    Entry by entry, ``t(1 - t)`` is a product of numbers; the reader never reads two
    columns side by side as their entrywise product, which would let ``x y`` written for
    ``x^\top y`` pass."""
    if not bound or any(isinstance(v, Lazy) for v in bound.values()):
        return None
    arrays = {name: np.asarray(v) for name, v in bound.items()}
    shapes = {a.shape for a in arrays.values() if a.size != 1}
    if len(shapes) != 1:
        return None
    (shape,) = shapes
    if len(shape) != 2 or shape[1] != 1 or shape[0] < 2:
        return None
    entries = {name: a.reshape(-1) for name, a in arrays.items()}
    column = []
    for i in range(shape[0]):
        at = {name: e[i if e.size != 1 else 0].reshape(()) for name, e in entries.items()}
        try:
            value = np.asarray(evaluate(body, _binding(env, at)))
        except (Unreadable, ShapeMismatch):
            return None
        if value.size != 1:
            return None
        column.append(float(value.reshape(())))
    return np.asarray(column).reshape(-1, 1)


def _call(tree, env: Env):
    if tree[0] == "maybe_call":
        name, call = tree[1], tree[2]
        found = env.lookup(name, None)
        if found is not None:  # an input named sigma: sigma times the group
            args = call[2]
            return _matmul_chain([found, *(evaluate(a, env) for a in args)], None)
        for key in env.candidates(name, None):
            if key in env.definitions and env.definitions[key][0]:
                return _apply_defined(("sym", name, None), ("tuple", *call[2]), env)
        return _call(call, env)
    _, name, args = tree
    fn = BUILTINS.get(name)
    if fn is None:
        raise Unreadable(f"unknown function {name}")
    values = [evaluate(a, env) for a in args]
    if any(isinstance(v, Lazy) for v in values):
        raise Unreadable(f"{name} of I or 1 without a size")
    return np.asarray(fn(*values))


def _power(tree, env: Env):
    base = evaluate(tree[1], env)
    exponent = evaluate(tree[2], env)
    if isinstance(base, Lazy):
        if base.kind == "eye":
            return Lazy("eye", base.scale ** _scalar(exponent))
        raise Unreadable("a power of 1")
    base = np.asarray(base)
    if (
        tree[1][0] == "sym"
        and tree[1][1] == "e"
        and tree[1][2] is None
        and not _is_scalar(exponent)
    ):
        return BUILTINS["exp"](exponent)
    if _is_scalar(base):
        return base ** (_scalar(exponent) if _is_scalar(exponent) else np.asarray(exponent))
    if not _is_scalar(exponent):
        raise Unreadable("a matrix power with an array exponent")
    k = float(_scalar(exponent))
    if base.ndim == 2 and base.shape[0] == base.shape[1] and k.is_integer():
        if k < 0:
            return np.linalg.matrix_power(np.linalg.inv(base), int(-k))
        return np.linalg.matrix_power(base, int(k))
    if base.ndim == 2 and base.shape[0] == base.shape[1]:
        # a fractional power A^{1/2}, A^{p}: the principal one, through the eigendecomposition
        # (the entries that display one have eigenvalues off the closed negative real axis)
        return _matrix_function(lambda v: np.power(v.astype(complex), k), base)
    if base.ndim == 2 and base.shape[1] == 1:
        return base**k  # a power of a column: pointwise
    raise ShapeMismatch(f"the power {k:g} of an array of shape {base.shape}")


#: What a definition may use for the reader to differentiate it by the complex step (each is
#: complex-analytic in numpy: sums, products, powers, inverses, transposes).
_ANALYTIC = {"num", "sym", "group", "add", "sub", "neg", "product", "transpose", "inv",
             "power", "frac"}  # fmt: skip


def _derivative(name: str, wrt: str, env: Env):
    """``dY/dx`` of a symbol defined in terms of the input x (``Y = A + xB + x^2 C``), by the
    complex step (exact to rounding: the definition is a rational function of x); the
    Jacobian ``[k, l] = d y_k / d x_l`` for a vector."""
    fn = input_function(("sym", name, None), env.values)
    if fn is not None and wrt == env.variable:  # df/dx of a function given as an input
        return jacobian(inner_raw(("sym", name, None), env.values), env.values[wrt])
    found = next((k for k in env.candidates(name, None) if k in env.definitions), None)
    x = env.values.get(wrt)
    if found is None or env.definitions[found][0] not in ((), (wrt,)) or x is None:
        raise Unreadable(f"the derivative of {name}, which is not defined in terms of {wrt}")
    tree = env.definitions[found][1]
    if any(node[0] not in _ANALYTIC for node in _nodes(tree)):
        raise Unreadable(f"the derivative of {name}, defined by more than sums and products")
    x = np.asarray(x, dtype=float)
    step, columns = 1e-30, []
    for entry in range(x.size):
        shifted = x.astype(complex).reshape(-1)
        shifted[entry] += 1j * step
        inner = dataclasses.replace(env, values={**env.values, wrt: shifted.reshape(x.shape)},
                                    cache={})  # fmt: skip
        inner.definitions = {k: v for k, v in env.definitions.items() if k != wrt}
        value = evaluate(tree, inner)
        if isinstance(value, (Lazy, Indexed)):
            raise Unreadable(f"the derivative of {name}: I, 1 or index notation")
        columns.append(np.imag(np.asarray(value)) / step)
    if x.size == 1:
        return columns[0]
    return np.column_stack([np.ravel(c) for c in columns])


def _compare(cond, env: Env) -> np.ndarray:
    """A comparison, entrywise: ``x > 0``, ``|r| \\le \\delta``."""
    a, b = np.asarray(evaluate(cond[2], env)), np.asarray(evaluate(cond[3], env))
    if not (_is_scalar(a) or _is_scalar(b)) and a.shape != b.shape:
        raise ShapeMismatch(f"comparing shapes {a.shape} and {b.shape}")
    ops = {"<": np.less, ">": np.greater, "<=": np.less_equal, ">=": np.greater_equal,
           "!=": np.not_equal}  # fmt: skip
    return np.asarray(ops[cond[1]](a, b))


def _cases(rows, env: Env):
    """Entrywise, the value of the first case whose condition holds (none: unreadable)."""
    conditions = [_compare(cond, env) for _, cond in rows]
    values = [np.asarray(evaluate(value, env), dtype=float) for value, _ in rows]
    shape = np.broadcast_shapes(*(np.shape(v) for v in values + conditions))
    held = np.zeros(shape, dtype=bool)
    out = np.zeros(shape)
    for condition, value in zip(conditions, values, strict=True):
        take = np.broadcast_to(condition, shape) & ~held
        out = np.where(take, np.broadcast_to(value, shape), out)
        held |= take
    if not held.all():
        raise Unreadable("an entry in none of the cases")
    return out


def _block(rows, env: Env):
    """A block matrix; a 0 block takes its size from its row and column; scalars make a
    column (or a matrix) of entries."""
    cells = [[evaluate(c, env) for c in row] for row in rows]
    if any(isinstance(c, (Lazy, Indexed)) for row in cells for c in row):
        raise Unreadable("I, 1 or index notation in a block matrix")
    if all(_is_scalar(c) for row in cells for c in row):
        return np.array([[float(np.real(_scalar(c))) for c in row] for row in cells])
    heights = [max((np.shape(c)[0] for c in row if not _is_scalar(c)), default=None)
               for row in cells]  # fmt: skip
    widths = [max((np.shape(row[k])[1] for row in cells if not _is_scalar(row[k])), default=None)
              for k in range(len(cells[0]))]  # fmt: skip
    if None in heights or None in widths:
        raise Unreadable("a block of no determined size")
    blocks = [[np.zeros((h, w)) + _scalar(c) if _is_scalar(c) else np.asarray(c)
               for c, w in zip(row, widths, strict=True)]
              for row, h in zip(cells, heights, strict=True)]  # fmt: skip
    return np.block(blocks)


def _condsum(tree, env: Env, target):
    """``\\sum_{q - p = j - i} A_{qp}``: over the indices on the left of the condition, each
    over the range of what it subscripts, where the two sides are equal."""
    _, names, left, right, body = tree
    ranges = [_index_range(body, name, env) for name in names]
    total = None
    for point in np.ndindex(*ranges):
        values = {n: np.asarray(float(v + 1)) for n, v in zip(names, point, strict=True)}
        inner = dataclasses.replace(env, values={**env.values, **values}, cache={})
        if _scalar(evaluate(left, inner)) != _scalar(evaluate(right, inner)):
            continue
        term = evaluate(body, inner, target)
        total = term if total is None else _add(total, term)
    return np.asarray(0.0) if total is None else total


def _sum(tree, env: Env, target):
    _, index, low, high, body = tree
    if len(index) > 1 and low is None and high is None:  # \sum_{kl}: one sum per index
        for name in reversed(index[1:]):
            body = ("sum", name, None, None, body)
        tree = ("sum", index[0], None, None, body)
        _, index, low, high, body = tree
    if low is not None and high is not None:
        lo = int(_scalar(evaluate(low, env)))
        hi = int(_scalar(evaluate(high, env)))
    elif low is None and high is None:
        hi = _index_range(body, index, env)
        lo = 1
    else:
        raise Unreadable("a sum with one bound")
    total = None
    for value in range(lo, hi + 1):
        inner = dataclasses.replace(env, values={**env.values, index: np.asarray(float(value))},
                                    cache={})  # fmt: skip
        term = evaluate(body, inner, target)
        total = term if total is None else _add(total, term)
    if total is None:
        raise Unreadable("an empty sum")
    return total


def _entrywise(tree, env: Env):
    """An array defined by its entries (``F_{ij} = ...``), each index over its range: the
    size of what it subscripts in the body, else the one dimension that the body names."""
    _, labels, cases, _, *by = tree
    if by:  # \bar x_i = ...: a row (or \bar X_{:j}, a column) per index of the adjoint
        columns, variable = by
        shape = np.shape(env.lookup(variable, None))
        count = shape[1] if columns else shape[0]
        rows = []
        for i in range(count):
            inner = dataclasses.replace(
                env, values={**env.values, labels: np.asarray(float(i + env.origin))}, cache={}
            )
            value = evaluate(cases[0][1], inner)
            if isinstance(value, (Lazy, Indexed)):
                raise Unreadable("a row of I, 1 or index notation")
            rows.append(np.ravel(np.asarray(value, dtype=float)))
        if len({r.size for r in rows}) != 1:
            raise ShapeMismatch("rows of different lengths")
        out = np.array(rows)
        if out.shape[1] == 1:
            return out  # entries of a vector: a column
        return out.T if columns else out
    ranges = []
    for label in dict.fromkeys(labels):
        sizes = set()
        for _, body in cases:
            with contextlib.suppress(Unreadable):
                sizes.add(_index_range(body, label, env))
        if not sizes:  # N_{ij} = n - |i - j|: the one dimension named
            named = {n[1] for _, body in cases for n in _nodes(body)
                     if n[0] == "sym" and n[2] is None and n[1] in env.dims}  # fmt: skip
            sizes = {env.dims[d] for d in named}
        if not sizes and len(labels) == 2:  # alpha(A)_{ij} = sum A_{qp}: the shape of A
            arrays = {n[1] for _, body in cases for n in _nodes(body) if n[0] == "sym"}
            shapes = {np.shape(v) for a in arrays if (v := env.lookup(a, None)) is not None}
            shapes = {shape for shape in shapes if len(shape) == 2}
            if len(shapes) == 1:
                sizes = {shapes.pop()[labels.index(label)]}
        if len(sizes) != 1:
            raise Unreadable(f"the range of the index {label} is not determined")
        ranges.append(sizes.pop())
    labels = "".join(dict.fromkeys(labels))
    out = {}
    for point in np.ndindex(*ranges):
        bound = dict(zip(labels, point, strict=True))
        body = next(
            (body for condition, body in cases
             if condition is None or (bound[condition[1]] == bound[condition[2]])
             == (condition[0] == "eq")),
            None,
        )  # fmt: skip
        if body is None:
            raise Unreadable(f"the entry {point} is in none of the cases")
        values = {k: np.asarray(float(v + env.origin)) for k, v in bound.items()}
        inner = dataclasses.replace(env, values={**env.values, **values}, cache={}, indices={})
        value = evaluate(body, inner)
        if isinstance(value, (Lazy, Indexed)):
            raise Unreadable("an entry of I, 1 or index notation")
        out[point] = np.asarray(value, dtype=float)
    shapes = {v.shape for v in out.values()}
    if len(shapes) != 1:
        raise ShapeMismatch(f"entries of different shapes {sorted(shapes)}")
    shape = shapes.pop()
    if all(d == 1 for d in shape):
        return np.array([out[p].item() for p in np.ndindex(*ranges)]).reshape(
            ranges if len(ranges) == 2 else (ranges[0], 1)
        )
    if len(ranges) == 1 and len(shape) == 2 and shape[1] == 1:  # g_i a column: row i of g
        return np.stack([out[(i,)][:, 0] for i in range(ranges[0])])
    raise Unreadable("entries that are matrices")


def _index_range(tree, index: str, env: Env) -> int:
    """The range of an index without bounds: the first dimension of what it indexes."""
    sizes = set()

    def walk(node):
        if not isinstance(node, tuple) or not node:
            return
        if isinstance(node[0], tuple):  # the arguments of a call
            for child in node:
                walk(child)
            return
        if node and node[0] == "sym" and node[2] in (index, f"{index},:"):
            array = env.lookup(node[1], None)
            if array is None and node[1][:1].islower():
                array = env.lookup(node[1][:1].upper() + node[1][1:], None)
            if array is not None and np.ndim(array) >= 1:
                sizes.add(np.shape(array)[0])
        elif node and node[0] == "sym" and node[2] and re.fullmatch(r"[a-z]{2}", node[2]):
            array = env.lookup(node[1], None)  # A_{qp}: q over the rows, p over the columns
            if array is not None and np.ndim(array) == 2 and index in node[2]:
                sizes.add(np.shape(array)[node[2].index(index)])
        if node and node[0] == "row" and node[2] == index:
            sizes.add(np.shape(evaluate(node[1], env))[0])
        if node and node[0] == "col" and node[2] == index:
            sizes.add(np.shape(evaluate(node[1], env))[1])
        for child in node[1:]:
            if isinstance(child, tuple):
                walk(child)

    walk(tree)
    if len(sizes) != 1:
        raise Unreadable(f"a sum over {index} without bounds")
    return sizes.pop()


def _single(labels: str, env: Env) -> np.ndarray:
    """``J^{ij}`` (``J^{ji}``, ``E_{ij}``) at the bound i and j: the variable's shape, a 1 at
    (i, j)."""
    if env.single_shape is None:
        raise Unreadable("J^{ij} outside a derivative with respect to an entry")
    at = [env.lookup(c, None) for c in labels]
    shape, variable = env.single_shape
    # J^{ji} for the variable X_{ij}: of X^T's shape (the Cookbook sizes J by its context)
    single = np.zeros(shape[::-1] if labels == variable[::-1] else shape)
    try:
        single[int(at[0]) - 1, int(at[1]) - 1] = 1.0
    except (IndexError, TypeError) as exc:
        raise ShapeMismatch(f"J^{{{labels}}} outside the variable's shape") from exc
    return single
