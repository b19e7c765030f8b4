"""Clauses and definitions: a displayed string is a statement, where-lines and notes;
the definitions an entry shows (its where-lines, a decomposition, an adjoint stated by rows)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from gradref.readback.lexer import Unreadable
from gradref.readback.parser import _Reader


def _split_top(latex: str, separators: tuple[str, ...]) -> list[str]:
    """``latex`` split at each separator that stands outside every bracket."""
    parts, depth, start, i = [], 0, 0, 0
    opening, closing = "([{", ")]}"
    while i < len(latex):
        if latex.startswith((r"\{", r"\}"), i):
            i += 2
            continue
        if latex.startswith((r"\left", r"\right"), i):
            i += 5 if latex.startswith(r"\left", i) else 6
            continue
        ch = latex[i]
        if ch in opening:
            depth += 1
        elif ch in closing:
            depth -= 1
        elif depth == 0:
            for sep in separators:
                if latex.startswith(sep, i) and not (
                    sep[-1].isalpha() and latex[i + len(sep) : i + len(sep) + 1].isalpha()
                ):
                    parts.append(latex[start:i])
                    i += len(sep)
                    start = i
                    break
            else:
                i += 1
                continue
            continue
        i += 1
    parts.append(latex[start:])
    return [p.strip() for p in parts]


_NOTE = re.compile(r"^(\\text\{|\(|\\big\(|\\ \()")


def _strip_notes(latex: str) -> str:
    r"""``latex`` without its trailing notes: ``\ \text{(a row vector)}``, ``\quad (A = A^\top)``."""
    # a note runs to the end: "\ \text{(shaped like } W\text{)}", "\ \text{for invertible } X"
    latex = re.sub(r"(\\ *|\s)\\text\{\s*(\(|for |with ).*$", "", latex.strip()).strip()
    latex = re.sub(r"\s*\\in\s*\\mathbb\{?R\}?\^\{[^{}]*\}\s*$", "", latex)  # its shape
    while True:
        changed = False
        # a trailing note in brackets; words that qualify the formula ("\text{cropped at the
        # corner}") are not a note: they stay, and the reader refuses them as prose
        for pattern in (r"\\ *\\text\{\s*\((?:[^{}]|\{[^{}]*\})*\}\s*$", r"\\ +\(\s*n \\times m\s*\)$",
                        r"\\ *\((?:i \\le j)\)\s*$"):  # fmt: skip
            new = re.sub(pattern, "", latex).strip()
            if new != latex:
                latex, changed = new, True
        if not changed:
            return latex


_SEPARATORS = (r",\qquad", r";\quad", r",\quad", r":\quad", r"\qquad", r"\quad", r",\ ", r";\ ",
               r"\ \text{with}\ ")  # fmt: skip


@dataclass(frozen=True)
class Statement:
    """A displayed string, read: the values it states and the definitions it shows."""

    values: tuple[Any, ...]  # trees of the right-hand sides (the last is the result)
    definitions: dict[str, tuple[tuple[str, ...], Any]]  # name -> (parameters, tree)
    lhs: str
    unread_definitions: dict[str, str] = field(default_factory=dict)
    parenthetical: tuple[str, ...] = ()


def _starts_derivative(text: str) -> bool:
    return bool(re.match(r"\s*(\\nabla|\\partial|\\frac\{d|\\frac\{\\partial|d[A-Za-z(\\])", text))


def _is_derivative(text: str) -> bool:
    return bool(re.search(r"\\nabla|\\partial|\\frac\{d|\\frac\{\\partial|^\s*d[A-Za-z(\\]", text))


_DEFINITION = re.compile(
    r"^(?P<name>\\(?:bar|hat|tilde)\s*\{?\\?[A-Za-z]+\}?|\\?[A-Za-z]+)"
    r"(?:\((?P<params0>[^()]*)\))?"
    r"(?:_\{(?P<bsub>[^{}=]+)\}|_(?P<sub>\\?[A-Za-z0-9]+))?(?P<primes>'*)"
    r"\s*(?:\((?P<params>[^()]*)\))?\s*=(?!=)"
)


def _definition(clause: str):
    """``(name, parameters, right-hand side)`` if ``clause`` defines one symbol, else None."""
    match = _DEFINITION.match(clause)
    if not match or "," in re.sub(r"\{[^{}]*\}|\([^()]*\)", "", clause.partition("=")[0]):
        return None
    sub = match.group("bsub") or match.group("sub")
    name = _name_of(match.group("name"), sub, match.group("primes"))
    if match.group("params0") and match.group("params"):
        return None
    given = match.group("params0") or match.group("params") or ""
    params = tuple(p.strip().lstrip("\\") for p in given.split(",") if p)
    return name, params, clause[match.end() :].strip()


def _name_of(name: str, sub: str | None = None, primes: str = "") -> str:
    name = name.strip()
    accent = re.match(r"\\(bar|hat|tilde)\s*\{?\\?([A-Za-z]+)\}?", name)
    if accent:
        name = accent.group(2) + accent.group(1)
    name = name.lstrip("\\")
    if sub:
        name += "_" + sub.replace("\\", "").replace(" ", "")
    return name + primes


def read_statement(latex: str, whole: bool = False) -> Statement:
    r"""Read a displayed string into its stated values and its definitions.

    The string is cut at the separators that stand outside brackets (``,\quad``, ``,\ ``,
    ``:\quad``, ``\qquad``); a clause ``M = ...`` or ``\rho(x) = ...`` is a definition, a
    parenthetical clause a note; the first other clause is the statement, whose parts between
    ``=`` signs are its values, a part with derivative notation (``\nabla``, ``\partial``) its
    left-hand side. With ``whole`` (a mistake's formula), the statement has no left-hand side.

    Examples
    --------
    >>> s = read_statement(r"\nabla_X f = 2 M,\quad M = X^\top A")
    >>> len(s.values), sorted(s.definitions)
    (1, ['M'])
    """
    latex = _strip_notes(latex)
    context, colon, rest = latex.partition(r":\quad")
    clauses = _split_top(rest if colon else latex, _SEPARATORS)
    statement, definitions, unread, notes, lhs = None, {}, {}, [], ""
    for clause in _split_top(context, _SEPARATORS) if colon else ():
        defined = _definition(clause)
        if defined:
            definitions[defined[0]] = defined[1:]
    for clause in clauses:
        clause = _strip_notes(clause)
        if not clause:
            continue
        if statement is not None and _NOTE.match(clause) and clause.rstrip().endswith((")", "}")):
            notes.append(clause)
            inner = re.match(r"^\((.*)\)$", clause)
            defined = _definition(inner.group(1)) if inner else None
            if defined and not re.search(rf"(?<![A-Za-z\\]){re.escape(defined[0])}(?![A-Za-z])",
                                         defined[2]):  # fmt: skip
                definitions[defined[0]] = defined[1:]  # "(n = 2)"; "(A = A^T)" is an assumption
            continue
        if statement is None:
            defined = _definition(clause)
            parts = _split_top(clause, ("=",))
            if defined and len(parts) == 2 and not _is_derivative(parts[0]) and (
                not whole and clause is not clauses[-1] and any(
                    not _definition(c) for c in clauses[clauses.index(clause) + 1 :] if c
                )
            ):  # fmt: skip
                name, params, body = defined
                definitions[name] = (params, body)
                continue
            statement = clause
            continue
        defined = _definition(clause)
        if defined:
            name, params, body = defined
            definitions[name] = (params, body)
        else:
            notes.append(clause)
    if statement is None:
        raise Unreadable("no statement")
    parts = _split_top(statement, ("=",))
    if whole:
        values, lhs = parts, ""
    else:
        # a part in derivative notation is a left-hand side, unless it only holds one (the
        # right-hand side of det(Y) tr(Y^{-1} dY/dx) uses the derivative of a defined Y)
        is_lhs = [
            _is_derivative(p) and (k == 0 or _starts_derivative(p)) for k, p in enumerate(parts)
        ]
        values = [p for p, left in zip(parts, is_lhs, strict=True) if not left]
        lhs = " = ".join(p for p, left in zip(parts, is_lhs, strict=True) if left)
        if len(parts) > 1 and parts[0] and not _is_derivative(parts[0]):
            # "Y = f(X): ..." or a left-hand side without derivative notation
            values = parts[1:]
            lhs = parts[0]
    trees = tuple(values)  # empty: a statement in derivative notation only
    parsed, unread_now = _read_definitions(
        [(name, params, body) for name, (params, body) in definitions.items()]
    )
    return Statement(trees, parsed, lhs, {**unread, **unread_now}, tuple(notes))


#: The condition of an entry's case: ``F_{ij} = ...\ (i \ne j)``.
_CASE = re.compile(r"(?:\\[ ,;])*\s*\(\s*([a-z])\s*\\ne(?:q)?\s*([a-z])\s*\)\s*$")
_SUBSCRIPTS = re.compile(r"_(\{[^{}]*\}|\\?[A-Za-z0-9])")


def _uses_indices(body: str, labels: str) -> bool:
    """Whether ``body`` subscripts anything with one of ``labels``: ``\\lambda_j - \\lambda_i``."""
    if any(set(labels) & set(re.sub(r"\\[A-Za-z]+", "", sub)) for sub in _SUBSCRIPTS.findall(body)):
        return True
    bare = re.sub(r"\\[A-Za-z]+|_(\{[^{}]*\}|\\?[A-Za-z0-9])", " ", body)  # N_{ij} = n - |i - j|
    return len(labels) == 2 and all(
        re.search(rf"(?<![A-Za-z]){c}(?![A-Za-z])", bare) for c in labels
    )


def _read_definitions(items) -> tuple[dict, dict]:
    r"""Read ``(name, parameters, body)`` definitions into trees (and the reasons for those
    not read).

    A definition by entries, ``F_{ij} = \frac{1}{\lambda_j - \lambda_i}\ (i \ne j)``, ``F_{ii} =
    0`` or ``g_i = \gamma \odot \bar y_i`` (a name subscripted with one or two index letters
    that its body uses as subscripts), defines the array ``F`` (or ``g``, a row per ``i``): its
    cases (the diagonal ``F_{ii}``, the off-diagonal ``(i \ne j)``) are read together.
    """
    parsed, unread, by_entries = {}, {}, {}
    # not where the whole is defined too (G = diag(gamma) Ybar and its blocks G_g = E_g^T G):
    # then G_g keeps its own name, read at the g in scope
    entrywise = {
        m.group(1)
        for name, _, body in items
        if (m := re.fullmatch(r"(.+)_([a-z]{1,2})", name)) and _uses_indices(body, m.group(2))
    } - {name for name, _, _ in items}
    for name, params, body in items:
        m = re.fullmatch(r"(.+)_([a-z]{1,2})", name)
        if m and m.group(1) in entrywise:
            labels, condition = m.group(2), None
            case = _CASE.search(body)
            if case:
                body, condition = body[: case.start()], ("ne", case.group(1), case.group(2))
            if len(labels) == 2 and labels[0] == labels[1]:
                condition = ("eq", labels[0], labels[1])
            by_entries.setdefault(m.group(1), (params, []))[1].append((labels, condition, body))
            body = _CASE.sub("", body)  # also read as a name, where the label is no index
        try:
            parsed[name] = (params, _Reader(body).read())
        except Unreadable as exc:
            unread[name] = str(exc)
    for base, (params, cases) in by_entries.items():
        labels = max((c[0] for c in cases), key=lambda t: len(set(t)))
        try:
            read = tuple((cond, _Reader(body).read()) for _, cond, body in cases)
            names = tuple(f"{base}_{c[0]}" for c in cases)
            parsed[base] = (params, ("entrywise", labels, read, names))
        except Unreadable as exc:
            unread[base] = str(exc)
    return parsed, unread


def read_latex(latex: str):
    """The tree of one LaTeX expression (no ``=``).

    Examples
    --------
    >>> read_latex(r"A^\\top x")
    ('product', ('transpose', ('sym', 'A', None)), ('sym', 'x', None))
    """
    return _Reader(latex).read()


#: ``\bar x_i = ...``, ``\bar X_{:j} = ...``, ``\bar w_j = ...``: an adjoint stated row by row
#: (column by column, entry by entry).
_BY_ROWS = re.compile(
    r"^\\bar\s*\{?\s*(?P<name>[A-Za-z])\s*\}?\s*_\{?(?P<col>:?)(?P<index>[a-z])\}?$"
)


_BY_ENTRY = re.compile(r"\{\\partial\s*\\?(?P<name>[A-Za-z]+)_\{?(?P<index>[a-z])\}?\}\s*$")


def _by_rows(identity, lhs: str):
    """``(index, columns)`` where a reverse-mode rule states its adjoint by rows (a gradient
    with respect to a vector, by its entries: ``\\partial f / \\partial \\rho_j``), else None."""
    entry = _BY_ENTRY.search((lhs or "").strip())
    if entry and identity.kind == "gradient" and entry["name"] == identity.wrt:
        return entry["index"], False
    match = _BY_ROWS.match((lhs or "").strip())
    if match is None or identity.kind != "vjp" or match["name"].lower() != identity.wrt.lower():
        return None
    return match["index"], bool(match["col"])


def _rowwise(tree, identity, by):
    """``tree``, stated for row (column, entry) ``index`` of the adjoint, read for all of them."""
    index, columns = by
    return ("entrywise", index, ((None, tree),), (), columns, identity.wrt)


_INDEX_LHS = re.compile(
    r"\\frac\{\\partial\s*(?:\\operatorname\{vec\}\s*)?(?:\\operatorname\{[a-z]+\}\s*)?(?:\(.*\)|\\?[A-Za-z]+)(?:_\{?(?P<out>[a-z]{1,2})\}?)?"
    r"(?:\s|\\[a-z]+\s*)*[^{}]*\}"
    r"\{\\partial\s*\\?[A-Za-z]+_\{?(?P<wrt>[a-z]{1,2})\}?\}"
)


def _index_labels(lhs: str) -> str:
    """``"klij"`` for ``\\frac{\\partial (X^{-1})_{kl}}{\\partial X_{ij}}``: output, then variable;
    ``"ijkl"`` for a Hessian's entries ``\\big(\\nabla^2 A\\big)_{ij,kl}``."""
    pairs = re.search(r"\\nabla\S*\^2.*_\{([a-z]{2}),([a-z]{2})\}\s*$", lhs or "")
    if pairs and len(set(pairs[1] + pairs[2])) == 4:
        return pairs[1] + pairs[2]
    match = _INDEX_LHS.search(lhs or "")
    out = match.group("out") or "" if match else ""
    if not match or set(out) & set(match.group("wrt")):
        return ""
    return out + match.group("wrt")


_SVD_LINE = re.compile(
    r"^\s*(?P<A>[A-Za-z])\s*=\s*U\s*\\operatorname\{diag\}\(\\sigma\)\s*V\^\\top\s*$"
)
#: The singular-value gaps of the SVD rules, as the entries write them.
_SVD_GAPS_LINE = r"F_{ij} = \frac{1}{\sigma_j^2 - \sigma_i^2}\ (i \ne j),\ F_{ii} = 0"


def _svd_definitions(latex: str) -> dict[str, Any] | None:
    r"""The symbols of a thin SVD shown as ``A = U \operatorname{diag}(\sigma) V^\top``.

    Such a line states the factorisation of an input rather than defining a symbol, so it
    binds ``U``, ``V``, ``\sigma`` (descending, as ``numpy.linalg.svd`` returns them) and
    ``\Sigma``; the columns ``u_i``, ``v_i`` for a digit or an index letter, ``\sigma_1`` and
    ``\sigma_n`` (``\sigma_i`` is an entry of the vector ``\sigma``, as for any vector); and
    ``U_k``, ``V_k``, ``\Sigma_k``, the leading k. Formulas read with them must not depend on
    the signs of the singular vectors, which are numpy's. The line of the gaps,
    ``F_{ij} = 1/(\sigma_j^2 - \sigma_i^2)`` off the diagonal (:data:`_SVD_GAPS_LINE`), binds
    ``F``.
    """
    if latex.strip() == _SVD_GAPS_LINE:
        return {"F": ((), ("call", "svd_gaps", (("sym", "sigma", None),)))}
    match = _SVD_LINE.match(latex)
    if match is None:
        return None
    A = ("sym", match.group("A"), None)
    U, V, sigma = ("sym", "U", None), ("sym", "V", None), ("sym", "sigma", None)
    found = {
        "U": ((), ("call", "svd_U", (A,))),
        "V": ((), ("call", "svd_V", (A,))),
        "sigma": ((), ("call", "svd_sigma", (A,))),
        "Sigma": ((), ("call", "diag", (sigma,))),
    }
    for sub in ("1", "2", "i", "j", "k", "n", "r"):
        index = ("num", float(sub)) if sub.isdigit() else ("sym", sub, None)
        found[f"u_{sub}"] = ((), ("call", "svd_column", (U, index)))
        found[f"v_{sub}"] = ((), ("call", "svd_column", (V, index)))
        if sub.isdigit() or sub == "n":  # sigma_i: an entry of the vector sigma, as any vector's
            found[f"sigma_{sub}"] = ((), ("call", "svd_column", (("transpose", sigma), index)))
        if not sub.isdigit():
            found[f"U_{sub}"] = ((), ("call", "svd_leading", (U, index)))
            found[f"V_{sub}"] = ((), ("call", "svd_leading", (V, index)))
            leading = ("call", "svd_leading", (("transpose", sigma), index))
            found[f"Sigma_{sub}"] = ((), ("call", "diag", (leading,)))
    return found


#: ``A = L U``, ``A = Q R``, ``A = L L^\top``: a where line that states a factorisation of an
#: input binds its factors (LU without row exchanges, the reduced QR with R's diagonal
#: positive, Cholesky).
_FACTORISATION_LINE = re.compile(
    r"^\s*(?P<A>[A-Za-z])\s*=\s*(?P<f1>[LQ])\s*(?P<f2>U|R|L\^\\top)\s*$"
)
#: ``\begin{bmatrix} U \\ \lambda^\top \end{bmatrix} = \operatorname{eigh}(M)``: the outputs of a
#: decomposition, stacked.
_STACKED_LINE = re.compile(
    r"^\s*\\begin\{bmatrix\}(?P<blocks>.*?)\\end\{bmatrix\}\s*=\s*"
    r"\\operatorname\{(?P<fn>eigh|qr)\}(?P<arg>.*)$"
)
_BLOCK = re.compile(r"^\s*(?P<name>\\?[A-Za-z]+)\s*(?P<t>\^\\top)?\s*$")


def _decomposition_definitions(latex: str, cotangent: str | None = None):
    r"""The factors that a line binds: ``A = L U`` (L, U), ``A = Q R`` (Q, R), ``A = L L^\top``
    (L); ``\begin{bmatrix} U \\ \lambda^\top \end{bmatrix} = \operatorname{eigh}(M)`` (U, the
    eigenvectors, and \lambda, the eigenvalues, ascending) and ``\begin{bmatrix} Q \\ R
    \end{bmatrix} = \operatorname{qr}(A)``. Where the stack is the output of a reverse-mode rule
    (``cotangent``), the blocks' adjoints (``\bar U``, ``\bar\lambda``) are bound to the
    cotangent's rows, as the stack is split. None where ``latex`` is no such line."""
    latex = _strip_notes(latex)
    match = _FACTORISATION_LINE.match(latex)
    if match is not None:
        A = ("sym", match.group("A"), None)
        f1, f2 = match.group("f1"), match.group("f2")
        if f2.startswith("L"):
            return {"L": ((), ("call", "chol", (A,)))} if f1 == "L" else None
        if (f1, f2) == ("L", "U"):
            return {"L": ((), ("call", "lu_L", (A,))), "U": ((), ("call", "lu_U", (A,)))}
        if (f1, f2) == ("Q", "R"):
            return {"Q": ((), ("call", "qr_Q", (A,))), "R": ((), ("call", "qr_R", (A,)))}
        return None
    match = _STACKED_LINE.match(latex)
    if match is None:
        return None
    argument = _Reader(match.group("arg")).read()
    blocks = [_BLOCK.match(b) for b in match.group("blocks").split(r"\\")]
    if len(blocks) != 2 or not all(blocks):
        raise Unreadable(f"a stack of outputs the reader does not know: {latex!r}")
    outputs = {"eigh": ("eigh_vectors", "eigh_values"), "qr": ("qr_Q", "qr_R")}[match["fn"]]
    found, trees = {}, []
    for block, output in zip(blocks, outputs, strict=True):
        value = ("call", output, (argument,))
        name = block["name"].lstrip("\\")
        found[name] = ((), value)  # U, or \lambda (a column) of the block \lambda^\top
        found.setdefault("", ((), ("stack",)))  # the order of the stack, under no name
        found[""] = ((), (*found[""][1], name))
        trees.append(("transpose", value) if block["t"] else value)
    if cotangent is not None:
        for k, block in enumerate(blocks):
            part = ("call", "stack_block", (("sym", cotangent, None), ("num", float(k)), *trees))
            name = block["name"].lstrip("\\") + "bar"
            found[name] = ((), ("transpose", part) if block["t"] else part)
    return found


def _entry_definitions(identity) -> dict[str, Any]:
    """The definitions an entry shows: its ``where`` lines, then those of its formula."""
    parsed, unread, labels, by_rows, formula_lhs = {}, {}, "", None, ""
    sources = list(getattr(identity, "where", ()))
    context = identity.formula.partition(r":\quad")[0] if r":\quad" in identity.formula else ""
    cotangent = getattr(identity, "cotangent", None) if identity.kind == "vjp" else None
    for clause in _split_top(context, _SEPARATORS) if context else ():
        try:
            parsed.update(_decomposition_definitions(clause, cotangent) or {})
        except Unreadable as exc:
            unread[clause] = str(exc)
    where_items = []
    for latex in sources:
        svd = _svd_definitions(latex) or _decomposition_definitions(latex)
        if svd is not None:
            parsed.update(svd)
            continue
        clauses = _split_top(_strip_notes(latex), _SEPARATORS)
        if len(clauses) == 1 or not all(_definition(c) for c in clauses):
            clauses = [_strip_notes(latex)]  # one definition (and its note)
        for clause in clauses:
            defined = _definition(clause)
            if defined is None:
                raise Unreadable(f"a `where` line must read 'SYMBOL = ...'; got {latex!r}")
            where_items.append(defined)
    where_parsed, where_unread = _read_definitions(where_items)
    parsed.update(where_parsed)
    unread.update(where_unread)
    if identity.formula:
        try:
            statement = read_statement(identity.formula)
            parsed = {**statement.definitions, **parsed}
            unread = {**statement.unread_definitions, **unread}
            labels = _index_labels(statement.lhs)
            formula_lhs = statement.lhs
            named = _definition(statement.lhs.strip() + " =") if statement.lhs else None
            if named and not named[1] and identity.kind == "vjp":  # "\bar X = ...": the adjoint
                parsed.setdefault(named[0], ((), _Reader(statement.values[-1]).read()))
            by_rows = _by_rows(identity, statement.lhs)
            if by_rows is not None:  # \bar x_i = ...: \bar X (\bar x of a vector) is the adjoint
                adjoint = ((), _rowwise(_Reader(statement.values[-1]).read(), identity, by_rows))
                parsed.setdefault(identity.wrt + "bar", adjoint)
        except Unreadable:
            pass
    stack = parsed.pop("", ((), ("stack",)))[1][1:]
    return {"parsed": parsed, "unread": unread, "labels": labels, "stack": stack,
            "by_rows": by_rows, "origin": index_origin(identity.formula),
            "formula_lhs": formula_lhs}  # fmt: skip


#: ``(i = 0, \dots, l - k)``: the statement says that its indices count from 0.
_FROM_ZERO = re.compile(r"\(\s*[a-z]\s*=\s*0\s*,\s*\\[lc]?dots")


def index_origin(latex: str) -> int:
    r"""Where the indices of a statement start: 0 where it says so (``(i = 0, \dots, n)``),
    else 1. An entry's formula sets it for all its displayed formulas."""
    return 0 if _FROM_ZERO.search(latex or "") else 1
