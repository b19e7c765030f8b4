"""Checking an entry: each displayed formula evaluated at the samples and compared with its code."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradref.readback.definitions import (
    _by_rows,
    _entry_definitions,
    _index_labels,
    _rowwise,
    _split_top,
    _strip_notes,
    index_origin,
    read_statement,
)
from gradref.readback.evaluation import Env, evaluate
from gradref.readback.lexer import Unreadable
from gradref.readback.parser import _nodes, _Reader
from gradref.readback.values import Indexed, Lazy, ShapeMismatch, _as_column, _is_scalar, _scalar

#: Relative error above which a displayed formula disagrees with its code.
TOLERANCE = 1e-8


@dataclass(frozen=True)
class FieldResult:
    """The read-back of one displayed formula.

    ``status`` is "agree", "disagree" or "unreadable"; ``error`` the largest relative error
    over the samples (agree, disagree); ``reason`` what the reader could not read, or how
    the formula disagrees.
    """

    entry: str
    field: str
    latex: str
    status: str
    error: float | None = None
    reason: str = ""

    @property
    def key(self) -> str:
        return f"{self.entry}:{self.field}"


def _dims(identity, inputs) -> dict[str, int]:
    from gradref import shapes

    spec = shapes.dims_of(identity.value)
    if identity.kind == "vjp":
        spec = {**spec, **shapes.dims_of(identity.derivative)}
    sizes = {}
    for name, dims in spec.items():
        if name in inputs:
            for dim, size in zip(dims, np.shape(inputs[name]), strict=False):
                if isinstance(dim, str):
                    sizes[dim] = size
    return sizes


def displayed_formulas(identity) -> list[tuple[str, str]]:
    """``(field, latex)`` for every displayed formula of ``identity``, in page order."""
    fields = []
    if identity.formula:
        fields.append(("formula", identity.formula))
    if identity.hessian_formula:
        fields.append(("hessian", identity.hessian_formula))
    for key, latex in identity.conventions.items():
        fields.append((f"conventions.{key}", latex))
    for index, mistake in enumerate(identity.mistakes, start=1):
        fields.append((f"mistake-{index}", mistake.formula))
    return fields


def _inputs_env(inputs: dict, identity=None) -> dict[str, Any]:
    """The inputs (vectors as columns), and the defaults of the code's other arguments (k = 3)."""
    import inspect

    values = {}
    if identity is not None:
        for parameter in inspect.signature(identity.derivative).parameters.values():
            if isinstance(parameter.default, (int, float)) and not isinstance(
                parameter.default, bool
            ):
                values[parameter.name] = np.asarray(float(parameter.default))
    for name, v in inputs.items():
        values[name] = _as_column(v) if isinstance(v, (np.ndarray, int, float)) else v
    return values


def _rel_error(got, expected) -> float:
    expected = np.asarray(expected, dtype=float)
    got = np.asarray(got, dtype=float)
    scale = max(float(np.linalg.norm(expected)), 1e-300)
    if not np.all(np.isfinite(got)):
        return math.inf
    return (
        float(np.linalg.norm(got - expected)) / scale
        if np.linalg.norm(expected)
        else float(np.linalg.norm(got - expected))
    )


def _conform(got, expected: np.ndarray, wrt_ndim: int = 0, column_major: bool = False):
    """``got`` and ``expected`` in one shape, or None where the shapes differ.

    A Jacobian with a matrix on either side (``output.shape + wrt.shape``) written as a
    matrix (a Kronecker product) is compared on the flattened output and variable: row-major,
    as the build checks it, unless the formula says column-major.
    """
    direct = _conform_shape(got, expected)
    if direct is not None:
        return direct, expected
    if expected.ndim > 2 and np.ndim(got) == 2 and np.size(got) == expected.size and wrt_ndim:
        out_axes = expected.ndim - wrt_ndim
        if column_major:
            order = (*range(out_axes - 1, -1, -1), *range(expected.ndim - 1, out_axes - 1, -1))
            expected = np.transpose(expected, order)
        rows = int(np.prod(expected.shape[:out_axes]))
        expected = expected.reshape(rows, -1)
    return _conform_shape(got, expected), expected


def _transposed_vector(got: tuple[int, ...], expected: tuple[int, ...]) -> bool:
    """Whether ``got`` is a row (1×n, n > 1) where ``expected`` is a column (n×1, or a vector
    of the code, which the catalog writes as a column), or a column where it is a row."""
    if len(got) != 2 or 1 not in got or max(got) == 1:
        return False
    n = max(got)
    column = expected in ((n,), (n, 1))
    return (got == (1, n) and column) or (got == (n, 1) and expected == (1, n))


def _conform_shape(got, expected: np.ndarray):
    if isinstance(got, Lazy):
        if expected.ndim == 2 and (got.kind == "eye" and expected.shape[0] == expected.shape[1]):
            return got.sized(expected.shape[0])
        if got.kind in ("ones", "ones_row") and expected.ndim == 2:
            return got.scale * np.ones(expected.shape)
        return None
    got = np.asarray(got, dtype=float)
    if got.shape == expected.shape:
        return got
    if _transposed_vector(got.shape, expected.shape):
        return None  # a row where a column is claimed, or a column where a row is
    if got.size == expected.size and np.squeeze(got).shape == np.squeeze(expected).shape:
        return got.reshape(expected.shape)
    if got.ndim == 0 and got == 0:
        return np.zeros(expected.shape)
    return None


def _field_expected(identity, field_name: str, inputs: dict):
    """The value a displayed field claims, from the verified code, in the layout it claims.

    The formula, a Cookbook reading: the derivative; a mistake: its own code; a numerator
    reading: the transpose of a gradient or an adjoint (a row for a vector), a Jacobian as
    it is; the Hessian: the tensor (contracted with a direction by the caller).
    """
    wrt = identity.wrt
    if field_name == "formula" or field_name == "conventions.cookbook":
        return np.asarray(identity.derivative(**inputs), dtype=float)
    if field_name == "conventions.cookbook-partials":
        return _free_value_sums(identity, np.asarray(identity.derivative(**inputs), dtype=float))
    if field_name.startswith("mistake-"):
        mistake = identity.mistakes[int(field_name.split("-")[1]) - 1]
        return np.asarray(mistake.derivative(**inputs), dtype=float)
    if field_name == "conventions.numerator":
        G = np.asarray(identity.derivative(**inputs), dtype=float)
        if identity.kind == "jacobian":
            return G
        if G.ndim == 1:
            return G.reshape(1, -1)
        return G.T
    if field_name == "hessian":
        x = np.asarray(inputs[wrt])
        if isinstance(identity.hessian, str):
            return np.zeros(x.shape + x.shape)
        return np.asarray(identity.hessian(**inputs), dtype=float)
    raise ValueError(f"unknown field {field_name!r}")


#: The free value that entry (i, j) of a structured matrix holds, at the place where the
#: catalog stores the partial derivative with respect to it: a symmetric matrix's upper
#: triangle, a Toeplitz matrix's first row and column, a symmetric Toeplitz matrix's first row.
_FREE_VALUE: dict[str, Callable[[int, int], tuple[int, int]]] = {
    "symmetric": lambda i, j: (min(i, j), max(i, j)),
    "spd": lambda i, j: (min(i, j), max(i, j)),
    "toeplitz": lambda i, j: (0, j - i) if j >= i else (i - j, 0),
    "symmetric-toeplitz": lambda i, j: (0, abs(j - i)),
}


def _free_values(identity):
    """The map (i, j) -> its free value, for an entry whose variable is declared structured."""
    return _FREE_VALUE.get((identity.structure or {}).get(identity.wrt, ""))


#: The free values t_d of a structured matrix, by their index d, and where each stands.
_FREE_BY_INDEX: dict[str, Callable[[int], list[tuple[int, int, int]]]] = {
    "symmetric-toeplitz": lambda n: [(0, d, d) for d in range(n)],  # the first row, t_0...
}
_WRT_FREE = re.compile(r"\{\\partial\s*(?P<name>[a-z])_\{?(?P<label>[a-z])\}?\}\s*$")


def _by_free_value(identity, lhs: str) -> str:
    """``"d"`` where a left-hand side ``\frac{\\partial f}{\\partial t_d}`` states the partial
    with respect to the free value t_d of the (structured) variable T; else ""."""
    match = _WRT_FREE.search(lhs or "")
    structure = (identity.structure or {}).get(identity.wrt, "")
    if match is None or match["name"] != identity.wrt.lower() or structure not in _FREE_BY_INDEX:
        return ""
    return match["label"]


def _per_free_value(tree, env: Env, label: str, identity, shape) -> np.ndarray:
    """A formula for the partial with respect to t_d, read at each free value's d and put
    where that free value stands (as the entry stores the partials)."""
    out = np.zeros(shape)
    structure = identity.structure[identity.wrt]
    for i, j, d in _FREE_BY_INDEX[structure](shape[1]):
        inner = dataclasses.replace(env, values={**env.values, label: np.asarray(float(d))},
                                    cache={})  # fmt: skip
        value = evaluate(tree, inner)
        if not _is_scalar(value) or isinstance(value, Lazy):
            raise Unreadable(f"a partial with respect to t_{label} that is not a number")
        out[i, j] = _scalar(value)
    return out


def _is_partials(identity) -> bool:
    """An entry that computes the partial derivatives with respect to a structured matrix's
    free values (its title says so), stored at the free values' places."""
    return identity.title.startswith("Partial derivatives") and _free_values(identity) is not None


def _in_full(identity, stored: np.ndarray) -> np.ndarray:
    """The partial derivatives as the Cookbook lays them out: entry (i, j) the partial with
    respect to the free value it holds (a symmetric matrix for a symmetric X), for a reading
    in words ("symmetric: the same in either layout"). Other results as they are."""
    if not _is_partials(identity) or stored.ndim != 2:
        return stored
    place = _free_values(identity)
    n, m = stored.shape
    return np.array([[stored[place(i, j)] for j in range(m)] for i in range(n)])


def _at_free_values(identity, got: np.ndarray, expected: np.ndarray):
    """``got`` and ``expected`` at the places where the free values stand, zero elsewhere."""
    if got.ndim != 2:
        return got, expected
    place = _free_values(identity)
    n, m = got.shape
    mask = np.array([[place(i, j) == (i, j) for j in range(m)] for i in range(n)])
    return np.where(mask, got, 0.0), np.where(mask, expected, 0.0)


def _free_value_sums(identity, G: np.ndarray) -> np.ndarray:
    """The partials, in full, from the gradient G of an entry on a structured matrix: the
    partial with respect to a free value sums G over the entries that hold it."""
    place = _free_values(identity)
    n, m = G.shape
    sums: dict[tuple[int, int], float] = {}
    for i in range(n):
        for j in range(m):
            sums[place(i, j)] = sums.get(place(i, j), 0.0) + G[i, j]
    return np.array([[sums[place(i, j)] for j in range(m)] for i in range(n)])


def _claims_partials(identity, latex: str) -> bool:
    """A Cookbook reading on a structured matrix that says it gives the partial derivatives
    (``(eq. 139: partial derivatives, not this gradient)``)."""
    return (
        _free_values(identity) is not None
        and not _is_partials(identity)
        and "partial derivatives, not this gradient" in latex
    )


def _expected_column(expected: np.ndarray) -> np.ndarray:
    return expected.reshape(-1, 1) if expected.ndim == 1 else expected


def _uses_index(latex: str, index: str) -> bool:
    return bool(re.search(rf"_(\{{[^{{}}]*(?<![A-Za-z]){index}(?![A-Za-z])[^{{}}]*\}}|{index}\b)",
                          latex))  # fmt: skip


def _single_entry(tree) -> str:
    """The indices of the single-entry matrix ``J^{ij}`` (or ``E_{ij}``) that ``tree`` uses."""
    for node in _nodes(tree):
        if node[0] == "single":
            return node[1]
        if node[0] == "sym" and node[1] == "E" and node[2] and re.fullmatch("[a-z]{2}", node[2]):
            return node[2]
    return ""


#: ``\frac{\partial F}{\partial X_{ij}}``: a whole output differentiated by one entry of X.
_WRT_ENTRY = re.compile(
    r"^\\frac\{\\partial\s*[^{}_]*\}\{\\partial\s*(?P<name>[A-Za-z]+)_\{?(?P<labels>[a-z]{2})\}?\}$"
)


_KRONECKER_LHS = re.compile(
    r"\\frac\{\\partial\s*\(\s*(?P<left>[A-Za-z]+)\s*\\otimes\s*(?P<right>[A-Za-z]+)\s*\)"
    r"_\{\((?P<a>[a-z]),(?P<b>[a-z])\),\((?P<c>[a-z]),(?P<d>[a-z])\)\}\}"
    r"\{\\partial\s*(?P<wrt>[A-Za-z]+)_\{?(?P<i>[a-z])(?P<j>[a-z])\}?\}"
)


def _kronecker_labels(identity, lhs: str, shape, variable_shape):
    r"""``("abcdij", sizes)`` for ``\frac{\partial (X \otimes Y)_{(a,b),(c,d)}}{\partial X_{ij}}``:
    the entry (a p + b, c q + d) of the m p × n q product, by (a, b, c, d) (X is m × n, Y is
    p × q), then the variable's (i, j); else None."""
    match = _KRONECKER_LHS.match((lhs or "").strip())
    if (
        match is None or match["wrt"] != identity.wrt or len(shape) != 4
        or len(variable_shape) != 2 or match["wrt"] not in (match["left"], match["right"])
    ):  # fmt: skip
        return None
    rows, cols = shape[:2]
    if match["wrt"] == match["left"]:
        (m, n), (p, q) = variable_shape, (rows // variable_shape[0], cols // variable_shape[1])
    else:
        (p, q), (m, n) = variable_shape, (rows // variable_shape[0], cols // variable_shape[1])
    if (m * p, n * q) != (rows, cols):
        return None
    labels = "".join(match[k] for k in "abcdij")
    return labels, (m, p, n, q, *variable_shape)


def _wrt_entry(identity, lhs: str) -> str:
    """``"ij"`` where the left-hand side differentiates the whole output by the entry X_{ij} of
    the (matrix) variable: the right-hand side is then read at each entry (i, j)."""
    match = _WRT_ENTRY.match((lhs or "").strip())
    return match["labels"] if match and match["name"] == identity.wrt else ""


def _per_variable_entry(tree, env: Env, shape: tuple[int, ...], variable: str = ""):
    """A formula in ``J^{ij}``, the derivative with respect to ``X_{ij}``: evaluated at each
    entry (i, j) of the variable, with ``J^{ij}`` the matrix of X's shape with a 1 at (i, j),
    and stacked as a Jacobian (the output's axes, then the variable's)."""
    labels = variable or _single_entry(tree)  # the variable's X_{mn}, else J^{ij}'s own
    if len(shape) != 2:
        raise Unreadable("a single-entry matrix for a variable that is not a matrix")
    indices = {k: v for k, v in env.indices.items() if k not in labels}
    out = None
    for i, j in np.ndindex(*shape):
        values = {labels[0]: np.asarray(i + 1.0), labels[1]: np.asarray(j + 1.0)}
        inner = dataclasses.replace(env, values={**env.values, **values}, cache={},
                                    indices=indices, single_shape=(shape, labels))  # fmt: skip
        value = evaluate(tree, inner)
        if isinstance(value, Indexed):
            value = value.ordered("".join(indices))
        if isinstance(value, Lazy):
            raise Unreadable("I or 1 without a size")
        value = np.asarray(value, dtype=float)
        if out is None:
            out = np.zeros(value.shape + shape)
        out[(..., i, j)] = value
    return out


def _entries_or_names(definitions: dict, bound: set) -> dict:
    """A definition by entries ``F_{ij} = ...`` defines ``F``, unless its subscript is a
    size or an input (``A_k = U_k \\Sigma_k V_k^\\top`` with k given): then it names ``A_k``."""
    kept = dict(definitions)
    for key, (_, tree) in definitions.items():
        if tree[0] != "entrywise":
            continue
        drop = (key,) if set(tree[1]) & bound else tree[3]
        for name in drop:
            kept.pop(name, None)
    return kept


def _check_one(identity, field_name, latex, samples, extra_definitions) -> FieldResult:
    whole = field_name.startswith("mistake-") or not re.search(r"=", _strip_notes(latex))
    differential = field_name == "conventions.cookbook" and bool(re.match(r"\s*\\partial", latex))
    differential = differential or _states_forward_rule(identity, field_name, latex)
    if differential:
        return _check_differential(identity, field_name, latex, samples, extra_definitions)
    claimed = field_name  # what the field claims: the derivative, or the partials in full
    if field_name == "conventions.cookbook" and _claims_partials(identity, latex):
        claimed = "conventions.cookbook-partials"
    elif field_name == "conventions.cookbook" and _claims_other(latex):
        return FieldResult(identity.id, field_name, latex, "unreadable",
                           reason="states another quantity (a differential, the partials, or "
                           "the source as printed)")  # fmt: skip
    claim = _prose_claim(identity, field_name, latex, samples)
    if claim is not None:
        return claim
    try:
        statement = read_statement(latex, whole=whole)
        if not statement.values:
            raise Unreadable("no right-hand side")
        trees = []
        for value in statement.values:
            try:
                trees.append(_Reader(value).read())
            except Unreadable as exc:
                trees.append(("unread", str(exc)))
        if all(tree[0] == "unread" for tree in trees):
            raise Unreadable(trees[-1][1])
        by = _by_rows(identity, statement.lhs) if not whole else None
        if by is None and field_name.startswith("mistake-") and extra_definitions.get("by_rows"):
            by = extra_definitions["by_rows"]
            by = by if _uses_index(latex, by[0]) else None
        if by is not None:
            trees = [_rowwise(t, identity, by) if t[0] != "unread" else t for t in trees]
    except Unreadable as exc:
        return FieldResult(identity.id, field_name, latex, "unreadable", reason=str(exc))
    unread_parts = []
    action = bool(re.search(r"\[\s*V\s*\]", statement.lhs)) or bool(
        field_name == "hessian" and re.search(r"\[V\]", latex)
    )
    # the direction is V, or E where V names something else (the SVD's right factor)
    direction = "E" if re.search(r"\[\s*E\s*\]", statement.lhs) else "V"
    action = action or direction == "E"
    worst = 0.0
    for inputs, dims, rng in samples:
        env_values = _inputs_env(inputs, identity)
        expected = _field_expected(identity, claimed, inputs)
        if field_name == "hessian":
            x = np.asarray(inputs[identity.wrt])
            if len(_index_labels(statement.lhs)) == 2 * x.ndim and x.ndim == 2:
                pass  # (\nabla^2 A)_{ij,kl}: the Hessian's entries, in index notation
            elif action or x.ndim == 2:
                V = rng.standard_normal(x.shape)
                if "mathbb{S}" in latex:
                    V = (V + V.T) / 2
                expected = np.tensordot(expected, V, axes=x.ndim)
                env_values = {**env_values, direction: V}
            elif x.ndim == 1:
                expected = expected.reshape(x.size, x.size)
        expected = _expected_column(np.asarray(expected, dtype=float))
        definitions = {**extra_definitions.get("parsed", {}), **statement.definitions}
        unread = {**extra_definitions.get("unread", {}), **statement.unread_definitions}
        definitions = _entries_or_names(definitions, set(dims) | set(env_values))
        twice = sorted((set(definitions) | set(unread)) & (set(dims) | set(env_values)))
        if twice:
            return FieldResult(identity.id, field_name, latex, "disagree", math.inf,
                               reason=f"{', '.join(twice)} bound twice: defined here and a size "
                               f"or an input of the entry")  # fmt: skip
        env = Env(env_values, definitions, dims, unread=unread, variable=identity.wrt)
        env.origin = min(index_origin(latex), extra_definitions.get("origin", 1))
        labels = _index_labels(statement.lhs) or extra_definitions.get("labels", "")
        kron = _kronecker_labels(identity, statement.lhs, expected.shape,
                                 np.shape(inputs[identity.wrt]))  # fmt: skip
        if kron is not None:  # (X \otimes Y)_{(a,b),(c,d)}: row a p + b, column c q + d
            labels, sizes = kron
            expected = expected.reshape(sizes)
        if labels and len(labels) == expected.ndim:
            env.indices = dict(zip(labels, expected.shape, strict=True))
        unread_here = 0  # the values of this sample not read: all of them, and none is read
        for k, tree in enumerate(trees):
            last = k == len(trees) - 1
            try:
                # (a mistake is read whole: its left-hand side is its first value)
                lhs = statement.lhs or (statement.values[0] if len(statement.values) > 1 else "")
                # \partial f / \partial t_d: the partial with respect to one free value
                free = _by_free_value(identity, lhs or extra_definitions.get("formula_lhs", ""))
                free = free if lhs or _uses_index(latex, free) else ""
                variable_ndim = np.ndim(inputs[identity.wrt])
                by_entry = _wrt_entry(identity, lhs) if not env.indices else ""
                by_entry = by_entry if expected.ndim > variable_ndim else ""
                if free:
                    got = _per_free_value(tree, env, free, identity, expected.shape)
                elif _single_entry(tree) or by_entry:
                    got = _per_variable_entry(tree, env, np.shape(inputs[identity.wrt]),
                                              by_entry or (labels[-2:] if len(labels) >= 2
                                                           else ""))  # fmt: skip
                else:
                    got = evaluate(tree, env, target=expected.shape)
            except Unreadable as exc:
                if last and unread_here == len(trees) - 1:
                    return FieldResult(identity.id, field_name, latex, "unreadable",
                                       reason=str(exc))  # fmt: skip
                unread_here += 1
                unread_parts.append(f"{statement.values[k]} ({exc})")
                continue
            except (ShapeMismatch, np.linalg.LinAlgError) as exc:
                return FieldResult(identity.id, field_name, latex, "disagree", math.inf,
                                   reason=f"{statement.values[k]}: {exc}")  # fmt: skip
            if isinstance(got, Indexed):
                try:
                    got = got.ordered("".join(env.indices))
                except ShapeMismatch as exc:
                    return FieldResult(identity.id, field_name, latex, "disagree", math.inf,
                                       reason=f"{statement.values[k]}: {exc}")  # fmt: skip
            if (
                _is_scalar(got) and not isinstance(got, Lazy) and expected.ndim == 2
                and min(expected.shape) > 1 and field_name != "hessian"
                and re.search(r"\\frac\{\\partial\s*\}\{\\partial\s*[A-Z]_\{?[a-z]{2}\}?\}",
                              statement.lhs)
            ):  # fmt: skip
                # d f / d X_{ij} = 2 sum_{kl} X_{kl}: the same value at every (i, j)
                got = np.full(expected.shape, float(_scalar(got)))
            if np.iscomplexobj(got) and np.any(np.imag(got)):
                return FieldResult(identity.id, field_name, latex, "disagree", math.inf,
                                   reason=f"{statement.values[k]}: a complex value")  # fmt: skip
            got = np.real(got) if np.iscomplexobj(got) else got
            conformed, against = _conform(got, expected, np.ndim(inputs[identity.wrt]),
                                          "column-major" in latex)  # fmt: skip
            if conformed is not None and _is_partials(identity) and claimed != "hessian":
                # the partials are claimed where the free values stand: (i \le j), a border
                conformed, against = _at_free_values(identity, conformed, against)
            verdict, error = _judge(identity, field_name, latex, statement.values[k], got,
                                    conformed, against)  # fmt: skip
            if verdict is not None:
                return verdict
            worst = max(worst, error)
    note = "; not read: " + "; ".join(sorted(set(unread_parts))) if unread_parts else ""
    return FieldResult(identity.id, field_name, latex, "agree", worst, reason=note.lstrip("; "))


def _judge(identity, field_name, latex, text, got, conformed, against):
    """``(disagreement or None, relative error)`` of a value read against the code's."""
    if conformed is None:
        shape = "lazy" if isinstance(got, Lazy) else np.shape(got)
        return FieldResult(identity.id, field_name, latex, "disagree", math.inf,
                           reason=f"{text}: shape {shape}, expected "
                           f"{np.shape(against)}"), math.inf  # fmt: skip
    error = _rel_error(conformed, against)
    if not error <= TOLERANCE:
        return FieldResult(identity.id, field_name, latex, "disagree", error,
                           reason=f"{text}: relative error {error:.2e}"), error  # fmt: skip
    return None, error


#: Readings written in words, and what each claims about the verified result ``G``.
PROSE_CLAIMS = {
    "symmetric": re.compile(
        r"^\\text\{(symmetric: the same in either layout|the same matrix "
        r"\(it is symmetric\))\}$"
    ),
    "row": re.compile(r"^\\text\{the same vector, as a row\}$"),
    "diagonal": re.compile(r"^\\text\{the same diagonal matrix\}"),
    "jacobian": re.compile(
        r"^\\text\{the same 4-index array\}|^\\frac\{\\partial [^=]*\}\\ \\text\{\(this reference's layout\)\}$"
    ),
}


def _prose_claim(identity, field_name, latex, samples) -> FieldResult | None:
    """A numerator reading in words ("symmetric: the same in either layout"), checked."""
    if field_name != "conventions.numerator":
        return None
    claim = next((name for name, pattern in PROSE_CLAIMS.items() if pattern.match(latex)), None)
    if claim is None:
        return None
    for inputs, _, _ in samples:
        G = _in_full(identity, np.asarray(identity.derivative(**inputs), dtype=float))
        holds = {
            "symmetric": G.ndim == 2 and np.allclose(G, G.T, rtol=TOLERANCE, atol=0),
            "row": G.ndim == 1,
            "diagonal": G.ndim == 2 and not np.any(G - np.diag(np.diag(G))),
            "jacobian": identity.kind == "jacobian",
        }[claim]
        if not holds:
            return FieldResult(identity.id, field_name, latex, "disagree", math.inf,
                               reason=f"the reading says {claim}; the verified result is not")  # fmt: skip
    return FieldResult(identity.id, field_name, latex, "agree", 0.0, reason=f"claim: {claim}")


#: A forward rule ``dF = ...`` or ``d(F) = ...`` (after an optional ``F = ...:\quad``).
_FORWARD_RULE = re.compile(r"^(?:[^:]*:\\quad\s*)?d(?:[A-Za-z]+|\([^=]*\))\s*=")


def _states_forward_rule(identity, field_name: str, latex: str) -> bool:
    """Whether a Jacobian's formula or mistake is stated as its forward rule, ``dF = ...`` in
    the direction ``d<wrt>``: it is then read as a differential, at ``d<wrt> = V``."""
    if (
        identity.kind == "jacobian"
        and field_name.startswith("mistake-")
        and f"d{identity.wrt}" in latex
        and _states_forward_rule(identity, "formula", identity.formula)
    ):
        return True  # a mistake of a forward rule, stated as its right-hand side
    return (
        identity.kind == "jacobian"
        and (field_name == "formula" or field_name.startswith("mistake-"))
        and bool(_FORWARD_RULE.match(latex.strip()))
        and (
            f"d{identity.wrt}" in latex  # a mistake's rule in terms of the formula's F = ...dA...
            or (
                field_name.startswith("mistake-")
                and _states_forward_rule(identity, "formula", identity.formula)
            )
        )
    )


def _check_differential(identity, field_name, latex, samples, extra) -> FieldResult:
    """A differential, d f = ... with dX = V: against the directional derivative of the code
    that the field claims (the derivative, or a mistake's own code)."""
    try:
        statement = read_statement(latex, whole=True)
        stated = _FORWARD_RULE.match(latex.strip()) or re.match(r"\s*\\partial", latex)
        values = statement.values[1:] if stated else statement.values  # "dv = ..." or "..."
        trees = [_Reader(value, differentials=True).read() for value in values]
        if not trees:
            raise Unreadable("no right-hand side")
    except Unreadable as exc:
        return FieldResult(identity.id, field_name, latex, "unreadable", reason=str(exc))
    worst = 0.0
    for inputs, dims, rng in samples:
        x = np.asarray(inputs[identity.wrt], dtype=float)
        V = rng.standard_normal(x.shape)
        if (identity.structure or {}).get(identity.wrt) in ("symmetric", "spd"):
            V = (V + V.T) / 2  # a direction in the declared domain: dA symmetric
        D = np.asarray(_field_expected(identity, field_name, inputs), dtype=float)
        if identity.kind == "gradient":
            expected = np.asarray(np.sum(D * V))
        else:
            expected = np.tensordot(D, V, axes=x.ndim)
        expected = _expected_column(expected)
        env = Env(_inputs_env(inputs, identity),
                  {**extra.get("parsed", {}), **statement.definitions}, dims,
                  unread={**extra.get("unread", {}), **statement.unread_definitions},
                  variable=identity.wrt)  # fmt: skip
        env.direction = (identity.wrt, _as_column(V) if V.ndim == 1 else V)
        env.origin = min(index_origin(latex), extra.get("origin", 1))
        for text, tree in zip(values, trees, strict=True):
            try:
                got = evaluate(tree, env, target=expected.shape)
                got = _stacked_differential(statement.values[0], got, extra.get("stack"), env)
            except Unreadable as exc:
                return FieldResult(identity.id, field_name, latex, "unreadable", reason=str(exc))
            except (ShapeMismatch, np.linalg.LinAlgError) as exc:
                return FieldResult(identity.id, field_name, latex, "disagree", math.inf,
                                   reason=f"{text}: {exc}")  # fmt: skip
            verdict, error = _judge(identity, field_name, latex, text, got,
                                    _conform_shape(got, expected), expected)  # fmt: skip
            if verdict is not None:
                return verdict
            worst = max(worst, error)
    return FieldResult(identity.id, field_name, latex, "agree", worst,
                       reason="a differential, at dX = V")  # fmt: skip


def _stacked_differential(lhs: str, got, stack, env: Env):
    r"""The differential of a stacked output (``\begin{bmatrix} Q \\ R \end{bmatrix} =
    \operatorname{qr}(A)``) from a rule that states one block (``dQ = ...``) and defines the
    others (``dR = ...``): the blocks stacked in the output's order. Else ``got`` as it is."""
    if not stack or lhs.strip() not in {f"d{b}" for b in stack}:
        return got
    blocks = []
    for block in stack:
        if lhs.strip() == f"d{block}":
            blocks.append(np.asarray(got))
            continue
        value = env.lookup(f"d{block}", None)
        if value is None:
            raise Unreadable(f"the rule states d{block} nowhere")
        blocks.append(np.asarray(value))
    return np.vstack(blocks)


def _claims_other(latex: str) -> bool:
    return bool(re.search(r"\(eq\. \d+, a differential\)|partial derivatives, not this gradient|as printed|"
                          r"only\)|^\s*\\partial\(", latex))  # fmt: skip


def _samples(identity, rng, count: int = 2):
    rng = np.random.default_rng(rng)
    sizes = (2, 3) if not identity.fixed_dimension else (2,) * count
    samples = []
    for n in sizes[:count]:
        inputs = identity.sample(rng, n)
        samples.append((inputs, _dims(identity, inputs), rng))
    return samples


def readback(identity, rng: int = 0) -> list[FieldResult]:
    """Read back every displayed formula of ``identity`` and compare it with its code.

    Examples
    --------
    >>> from gradref import get
    >>> [(r.field, r.status) for r in readback(get("traces.axb"))][:3]
    [('formula', 'agree'), ('hessian', 'agree'), ('conventions.numerator', 'agree')]
    """
    if identity.sample is None:
        return []
    samples = _samples(identity, rng)
    try:
        shared = _entry_definitions(identity)
    except Unreadable as exc:
        return [FieldResult(identity.id, "where", "", "unreadable", reason=str(exc))]
    results = []
    for field_name, latex in displayed_formulas(identity):
        try:
            results.append(_check_one(identity, field_name, latex, samples, shared))
        except Exception as exc:  # the code itself raised at these inputs
            results.append(FieldResult(identity.id, field_name, latex, "unreadable",
                                       reason=f"{type(exc).__name__}: {exc}"))  # fmt: skip
    return results


def readback_erratum(erratum, rng: int = 0) -> list[FieldResult]:
    """Read back an erratum's printed and corrected forms (a derivative erratum's)."""
    from gradref.catalog import get

    results = []
    for field_name, latex in (("printed", erratum.printed), ("corrected", erratum.corrected)):
        if erratum.check is not None or not erratum.identity:
            results.append(_check_equality(erratum, field_name, latex, rng))
            continue
        identity = get(erratum.identity)
        code = erratum.printed_derivative if field_name == "printed" else identity.derivative
        stand_in = dataclasses.replace(identity, derivative=code, conventions={},
                                       mistakes=(), hessian=None, hessian_formula="")  # fmt: skip
        samples = _samples(identity, rng)
        try:
            shared = _entry_definitions(identity)
        except Unreadable:
            shared = {}
        results.append(_check_one(stand_in, "formula", latex, samples, shared))
        results[-1] = dataclasses.replace(results[-1], entry=erratum.id, field=field_name)
    return results


#: ``(A \in \mathbb{R}^{4\times 4})``: the size an equality states for a symbol.
_STATED_SIZE = re.compile(
    r"\\quad\s*\(\s*(?P<name>[A-Za-z])\s*\\in\s*\\mathbb\{R\}\^\{(?P<m>\d+)\s*\\times\s*(?P<n>\d+)\}\s*\)"
)


def _check_equality(erratum, field_name: str, latex: str, rng: int) -> FieldResult:
    """An equality erratum's form, read: both sides evaluated at random inputs of the size
    the erratum states (``(A \\in \\mathbb{R}^{4\times 4})``), which must agree for the
    corrected form and must not for the printed one, as the erratum's own check finds (the
    build asserts that: the printed form off by more than 1e-6, the corrected one within
    1e-10)."""
    sizes = {m["name"]: (int(m["m"]), int(m["n"]))
             for form in (erratum.printed, erratum.corrected) for m in _STATED_SIZE.finditer(form)}  # fmt: skip
    sides = _split_top(_STATED_SIZE.sub("", latex).strip(), ("=",))
    if not sizes or len(sides) != 2:
        return FieldResult(erratum.id, field_name, latex, "unreadable",
                           reason="an equality, checked by the erratum's own code")  # fmt: skip
    try:
        trees = [_Reader(side).read() for side in sides]
        generator = np.random.default_rng(rng)
        worst = 0.0
        for _ in range(3):
            values = {name: generator.standard_normal(shape) for name, shape in sizes.items()}
            left, right = (np.asarray(evaluate(tree, Env(values, {}, {})), dtype=float)
                           for tree in trees)  # fmt: skip
            scale = max(float(np.max(np.abs(left))), float(np.max(np.abs(right))), 1e-300)
            worst = max(worst, float(np.max(np.abs(left - right))) / scale)
    except Unreadable as exc:
        return FieldResult(erratum.id, field_name, latex, "unreadable", reason=str(exc))
    holds = worst <= 1e-10
    if holds and field_name == "corrected":
        return FieldResult(erratum.id, field_name, latex, "agree", worst, reason="the sides agree")
    if not holds and field_name == "printed":  # what it claims: that it fails (error 0)
        return FieldResult(erratum.id, field_name, latex, "agree", 0.0,
                           reason=f"the sides differ (relative error {worst:.1e}), as the "
                           "erratum says")  # fmt: skip
    return FieldResult(erratum.id, field_name, latex, "disagree", worst,
                       reason=f"the sides {'agree' if holds else 'differ'} (relative error "
                       f"{worst:.2e}): the {field_name} form should "
                       f"{'hold' if field_name == 'corrected' else 'fail'}")  # fmt: skip
