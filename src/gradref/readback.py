r"""Read back every displayed formula of the catalog and check it against the verified code.

What a reader copies from a page is the LaTeX: an entry's ``formula``, ``hessian_formula``,
its ``conventions`` readings, each mistake's formula and each erratum's printed and
corrected forms. :func:`read_latex` reads that LaTeX, literally, into an expression of the
entry's inputs, and :func:`readback` evaluates each displayed formula at the entry's own
samples and compares it with the code that the build verifies: the formula with
``derivative``, the Hessian with ``hessian`` (as its action on a random, non-symmetric
direction ``V`` where the formula is written ``[V]``), a mistake with *its own* code, a
numerator-layout reading with the transpose of the verified result (with its shape), a
Cookbook reading with the verified result, and an erratum's printed and corrected forms
with their code.

Why a reader of our own. Measured on the catalog's 1193 non-empty displayed formulas
(right-hand sides, trailing ``\text{...}`` notes removed):

- sympy's ``parse_latex`` with the lark back end parses 178 (15 %): it stops at ``\top``,
  ``\odot``, ``\operatorname``, ``\|``, ``\big(``.
- sympy's ``parse_latex`` with the antlr back end (antlr4 runtime 4.11) returns something
  for 1089 but only 393 without a nonsense symbol (``x^\top`` becomes ``x**top``,
  ``\operatorname{tr}`` the product of the symbols o, p, e, r, ...), and every one of
  them as a product of commuting scalars: ``A^\top B`` and ``B A^\top`` read the same, and
  ``X^{-1}`` reads ``1/X``, so no transpose slip could show. No faithful read.
- latex2sympy2 1.5.4 (PyPI) fails on import (its generated parser imports relatively).

Extending either sympy back end means replacing its grammar's notion of a product (sympy's
symbols commute) and adding a dozen commands, which is the whole of the work. The notation
the catalog uses is small and fixed, so this module is a recursive-descent reader of exactly
that notation (about as long as a grammar file plus its transformer would be), with no
dependency, that evaluates straight to numpy and says, when it cannot read something, what
and where. Vectors are columns: ``x^\top`` is a row, ``a^\top x`` a 1×1 that acts as a scalar.

What it reads (measured over the catalog: 1784 displayed formulas, 95.6 % read, all of them
agreeing with their code): ``^\top``, ``^{-1}``, ``^{-\top}``, ``^+``, ``^{\odot 2}``,
fractional powers of a square matrix (``A^{1/2}``, ``A^p``: the principal power), the
functions ``\operatorname{tr}``, ``\det``, ``\ln``, ``\log``, ``\exp`` (of a square matrix,
the matrix exponential), ``\sigma`` and its derivatives ``\sigma'``, ``\sigma''``, ``\tanh``,
the digamma ``\psi`` and the trigamma ``\psi'``, ``\operatorname{Re}`` (and ``\bar z``, the
conjugate of a complex value), ``\operatorname{diag}``, ``\operatorname{vec}``
(column-major), its inverse ``\operatorname{vec}^{-1}`` and ``\operatorname{vec}_{\text{row}}``,
``\operatorname{softmax}`` (and its row-wise, column-wise and causal forms), ``\odot``,
``\circ``, ``\oslash``, ``\otimes``, norms, ``\frac``, ``\sum`` with bounds, over the rows
of what it indexes, over several indices (``\sum_{kl}``) or over a condition
(``\sum_{q - p = j - i}``), ``\mathbf 1`` and ``\mathbf 1_n``, ``\mathbb 1[x > 0]``,
``\langle a, b\rangle``, block matrices (``\begin{pmatrix} A & E \\ 0 & A \end{pmatrix}``,
``[\cdot]_{12}``), ``cases``, tuples as vectors, spacing and sizing commands, and index
notation (``\delta_{ki} Y_{jl}``, laid out by the left-hand side's free indices; ``J^{ij}``,
the single-entry matrix, entry by entry of the variable; an adjoint stated by rows,
``\bar x_i = ...``). Definitions may be by entries (``F_{ij} = ...\ (i \ne j),\ F_{ii} =
...``), state a decomposition (``A = L U``, ``A = Q R``, ``\begin{bmatrix} U \\ \lambda^\top
\end{bmatrix} = \operatorname{eigh}(M)``, ``A = U \operatorname{diag}(\sigma) V^\top``), and a
formula may use the derivative of a defined symbol (``\frac{dY}{dx}``, by the complex step).
What it does not read is listed in :data:`UNREADABLE`, with the reason: the product and
chain rules (their inputs are functions), convolutions and group norm, readings in prose,
the source as printed, and a few formulas in index notation over composite indices.

A symbol is an input of the entry (``\Sigma_2`` is ``Sigma2``, ``\bar C`` is ``Cbar``), a
definition shown with the formula (``,\quad M = X^\top A X``; a function ``\rho(x) = ...``)
or in the entry's ``where`` lines, a dimension's size (``\tfrac1m``), or a constant
(``I``, ``I_{mn}`` and ``I_{n^2}`` of the size of a vec, ``\mathbf 1``, ``e``,
``\pi``, ``K_{mn}``). Anything else is an undefined symbol.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "UNREADABLE",
    "FieldResult",
    "ReadbackError",
    "Unreadable",
    "displayed_formulas",
    "read_latex",
    "readback",
    "readback_erratum",
]

#: Relative error above which a displayed formula disagrees with its code.
TOLERANCE = 1e-8


class Unreadable(ValueError):
    """The reader cannot read a formula; the message says what it met."""


class ReadbackError(AssertionError):
    """A displayed formula disagrees with the verified code; the message names the field."""


# ---------------------------------------------------------------------------------------------
# Tokens

_TOKEN = re.compile(
    r"""
    (?P<newrow>\\\\(?:\[[^\]]*\])?)
  | (?P<space>\s+|\\[,;:!>\ ]|\\q?quad\b|\\textstyle\b|\\displaystyle\b|\\nolimits\b)
  | (?P<sizer>\\(?:big|Big|bigg|Bigg)[lr]?\b|\\left\b|\\right\b)
  | (?P<norm>\\\||\\[lr]Vert\b)
  | (?P<bar>\\[lr]vert\b|\|)
  | (?P<brace>\\\{|\\\})
  | (?P<cmd>\\[A-Za-z]+)
  | (?P<number>\d+\.\d+|\d)
  | (?P<letter>d[A-Z](?![a-z])|[A-Za-z])
  | (?P<op>[-+*/^_()\[\]{},=<>';:&.!])
  | (?P<bad>.)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Tok:
    kind: str
    text: str
    pos: int


def tokenize(latex: str) -> list[Tok]:
    """The tokens of ``latex``, spacing dropped; a ``\\left``/``\\big`` sizer is dropped too."""
    latex = re.sub(r"\\operatorname\{vec\}_\{\\text\{row\}\}", r"\\operatorname{vecrow}", latex)
    latex = re.sub(r"\\operatorname\{vec\}\^\{-1\}", r"\\operatorname{unvec}", latex)
    latex = re.sub(
        r"\\operatorname\{softmax\}_\{\\text\{rows\}\}", r"\\operatorname{softmaxrows}", latex
    )
    latex = re.sub(
        r"\\operatorname\{softmax\}_\{\\text\{cols?\}\}", r"\\operatorname{softmaxcols}", latex
    )
    # [a]_\times, the cross-product (skew-symmetric) matrix of a 3-vector
    latex = re.sub(r"\[([^\[\]]*)\]_\{?\\times\}?", r"\\operatorname{skew}(\1)", latex)
    latex = re.sub(
        r"\\operatorname\{softmax\}_\{\\text\{causal\}\}", r"\\operatorname{softmaxcausal}", latex
    )
    tokens = []
    for match in _TOKEN.finditer(latex):
        kind = match.lastgroup
        if kind in ("space", "sizer"):
            continue
        if kind == "newrow":  # \\ (with its spacing \\[1ex]): the end of a row
            tokens.append(Tok("op", "\\\\", match.start()))
            continue
        if kind == "bad":
            raise Unreadable(f"unexpected character {match.group()!r} at {match.start()}")
        tokens.append(Tok(kind, match.group(), match.start()))
    return tokens


# ---------------------------------------------------------------------------------------------
# The reader: tokens -> a tree of tuples

GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "phi", "varphi", "psi", "omega",
    "kappa", "Gamma", "Delta", "Theta", "Lambda", "Sigma", "Phi", "Psi", "Omega", "ell",
}  # fmt: skip
#: Functions written as commands (``\det X``) or with ``\operatorname{...}``/``\mathrm{...}``.
FUNCTIONS = {
    "det", "ln", "log", "exp", "tanh", "sin", "cos", "max", "min", "tr", "Tr", "diag", "vec",
    "adj", "sign", "softmax", "sym", "sqrt", "sigma", "abs", "norm", "vecrow", "softmaxrows",
    "softmaxcols", "softmaxcausal", "tril", "triu", "erf", "chol", "onehot", "skew", "unvec",
    "eig", "eigvec", "psi", "Re", "re",
}  # fmt: skip
#: Commands that the reader refuses, with the reason shown on the "how checked" page.
REFUSED = {
    r"\nabla": "derivative notation on the right-hand side",
    r"\partial": "derivative notation on the right-hand side",
    r"\text": "prose inside the formula",
    r"\begin": "a matrix or case environment",
    r"\mapsto": "a map, not a value",
    r"\arg": "an argmax index",
    r"\int": "an integral",
    r"\dots": "an elided list",
    r"\ldots": "an elided list",
    r"\cdots": "an elided list",
    r"\vdots": "an elided list",
    r"\cong": "an approximation",
    r"\in": "a membership, not a value",
    r"\le": "an inequality, not a value",
    r"\ne": "an inequality, not a value",
    r"\prod": "a product over an index",
}

_BINARY = {r"\odot": "hadamard", r"\circ": "hadamard", r"\oslash": "divide", r"\otimes": "kron",
           r"\cdot": "times", r"\times": "times", "/": "slash"}  # fmt: skip


#: Tokens that end a product: closing brackets, operators of lower precedence, separators.
_STOPS = (")", "]", "}", "+", "-", ",", "=", "<", ">", ";", ":", "&", r"\right", r"\rceil",
          r"\rfloor", r"\rangle", "\\\\", r"\end", r"\le", r"\ge", r"\leq", r"\geq",
          r"\ne")  # fmt: skip
_COMPARISONS = {"<": "<", ">": ">", r"\le": "<=", r"\leq": "<=", r"\ge": ">=", r"\geq": ">=",
                r"\ne": "!="}  # fmt: skip


class _Reader:
    differentials = False  # read \partial X as the differential of X (a Cookbook differential)

    def __init__(self, latex: str, differentials: bool = False):
        self.differentials = differentials
        self.latex = latex
        self.tokens = tokenize(latex)
        self.i = 0

    # -- helpers
    def peek(self, offset: int = 0) -> Tok | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def at(self, *texts: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.text in texts

    def take(self, text: str | None = None) -> Tok:
        tok = self.peek()
        if tok is None:
            raise Unreadable(f"unexpected end, expected {text or 'more'}")
        if text is not None and tok.text != text:
            raise Unreadable(f"expected {text!r} at {tok.pos}, found {tok.text!r}")
        self.i += 1
        return tok

    def braced_text(self) -> str:
        """The raw text of a ``{...}`` group (or of one token), for names."""
        if not self.at("{"):
            return self.take().text
        self.take("{")
        parts = []
        while not self.at("}"):
            parts.append(self.take().text)
        self.take("}")
        return "".join(parts)

    def done(self) -> bool:
        return self.i >= len(self.tokens)

    # -- grammar
    def read(self):
        tree = self.expr()
        if not self.done():
            tok = self.peek()
            raise Unreadable(f"cannot read {tok.text!r} at {tok.pos}")
        return tree

    def expr(self):
        sign = 1
        if self.at("-", "+"):
            sign = -1 if self.take().text == "-" else 1
        tree = self.term()
        if sign < 0:
            tree = ("neg", tree)
        while self.at("+", "-"):
            op = self.take().text
            right = self.term()
            tree = ("add", tree, right) if op == "+" else ("sub", tree, right)
        if self.peek() is not None and self.peek().text in _COMPARISONS:
            op = _COMPARISONS[self.take().text]
            tree = ("compare", op, tree, self.expr())
        return tree

    def term(self):
        tree = self.product()
        while self.peek() is not None and self.peek().text in _BINARY:
            op = _BINARY[self.take().text]
            tree = (op, tree, self.product())
        return tree

    def product(self):
        factors = []
        while True:
            tok = self.peek()
            if tok is None or tok.text in _STOPS or tok.text in _BINARY:
                break
            if tok.kind in ("norm", "bar") and factors and self._closing_bar(tok):
                break
            if tok.text == r"\sum":
                factors.append(self.sum())
                break
            factors.append(self.factor())
        if not factors:
            tok = self.peek()
            raise Unreadable(f"expected a value at {tok.pos if tok else 'the end'}")
        return factors[0] if len(factors) == 1 else ("product", *factors)

    def _closing_bar(self, tok: Tok) -> bool:
        return tok.text in (r"\rVert", r"\rvert") or (tok.text in (r"\|", "|") and self._depth > 0)

    _depth = 0

    def sum(self):
        self.take(r"\sum")
        index, low, high = None, None, None
        while self.at("_", "^"):
            which = self.take().text
            if which == "_":
                if self.at("{"):
                    self.take("{")
                    start = self.i
                    index = self.take().text
                    if self.at("="):
                        self.take("=")
                        low = self.expr()
                    elif all(t.kind == "letter" for t in self._group_tokens(start)):
                        # \sum_{kl}: over every index named, each over its range
                        while not self.at("}"):
                            index += self.take().text
                    else:  # \sum_{q - p = j - i}: over the indices on the left that meet it
                        self.i = start
                        left = self.expr()
                        self.take("=")
                        right = self.expr()
                        self.take("}")
                        body = self.term()
                        names = "".join(dict.fromkeys(
                            n[1] for n in _nodes(left) if n[0] == "sym" and n[2] is None
                        ))  # fmt: skip
                        return ("condsum", names, left, right, body)
                    self.take("}")
                else:
                    index = self.take().text
            else:
                high = self.group_or_token()
        if index is None:
            raise Unreadable("a sum without an index")
        body = self.term()
        return ("sum", index, low, high, body)

    def _derivative(self):
        r"""``\frac{dY}{dx}``, ``\frac{\partial s}{\partial x}``: the derivative of a defined
        symbol with respect to an input, as ``("derivative", symbol, input)``; else None."""
        texts = [t.text for t in self.tokens[self.i : self.i + 8]]
        for pattern in (["{", "d?", "}", "{", "d", "x", "}"],
                        ["{", r"\partial", "y", "}", "{", r"\partial", "x", "}"]):  # fmt: skip
            if len(texts) < len(pattern):
                continue
            names = []
            for want, got in zip(pattern, texts, strict=False):
                if want == "d?" and re.fullmatch(r"d[A-Z]", got):
                    names.append(got[1:])
                elif want in ("x", "y") and re.fullmatch(r"[A-Za-z]", got):
                    names.append(got)
                elif want != got:
                    break
            else:
                self.i += len(pattern)
                return ("derivative", names[0], names[1])
        return None

    def _group_tokens(self, start: int) -> list[Tok]:
        """The tokens from ``start`` to the closing brace of the group that holds it."""
        depth, end = 0, start
        while end < len(self.tokens) and not (self.tokens[end].text == "}" and depth == 0):
            depth += {"{": 1, "}": -1}.get(self.tokens[end].text, 0)
            end += 1
        return self.tokens[start:end]

    def group_or_token(self):
        if self.at("{"):
            self.take("{")
            tree = self.expr()
            self.take("}")
            return tree
        return self.atom()

    def factor(self):
        tree = self.atom()
        while self.at("^", "_", "'"):
            tok = self.take()
            if tok.text == "'":
                if tree[0] != "sym":
                    raise Unreadable(f"a prime on an expression at {tok.pos}")
                tree = ("sym", tree[1] + "'", tree[2])
            elif tok.text == "^":
                tree = self.superscript(tree)
            else:
                tree = self.subscript(tree)
        return tree

    def superscript(self, base):
        if (
            base == ("sym", "J", None) and self.at("{") and self.peek(3) is not None
            and self.peek(1).kind == self.peek(2).kind == "letter" and self.peek(3).text == "}"
        ):  # fmt: skip
            # J^{ij}: the Cookbook's single-entry matrix, of the variable's shape
            self.i += 1
            labels = self.take().text + self.take().text
            self.take("}")
            return ("single", labels)
        if not self.at("{"):
            tok = self.take()
            if tok.text in (r"\top", "T"):
                return ("transpose", base)
            if tok.text == "+":
                return ("pinv", base)
            if tok.kind == "number" or tok.kind == "letter":
                return ("power", base, ("num", float(tok.text)) if tok.kind == "number"
                        else ("sym", tok.text, None))  # fmt: skip
            raise Unreadable(f"cannot read the superscript {tok.text!r} at {tok.pos}")
        start = self.i
        self.take("{")
        depth, end = 1, self.i
        while depth:
            tok = self.tokens[end] if end < len(self.tokens) else None
            if tok is None:
                raise Unreadable("an unclosed superscript")
            depth += tok.text == "{"
            depth -= tok.text == "}"
            end += 1
        inner = self.tokens[start + 1 : end - 1]
        self.i = end
        texts = [t.text for t in inner]
        transpose = (
            bool(texts)
            and texts[-1] in (r"\top", "T")
            and (len(texts) == 1 or texts[-2] != "^")  # e^{A^\top}: a power of A^T
        )
        if transpose:
            texts, inner = texts[:-1], inner[:-1]
        if texts in (["-"], ["-", "1"]):
            tree = ("inv", base)
        elif texts == ["+"]:
            tree = ("pinv", base)
        elif not texts:
            tree = base
        elif texts[0] == r"\odot":
            sub = _Reader.__new__(_Reader)
            sub.latex, sub.tokens, sub.i = self.latex, inner[1:], 0
            tree = ("hpower", base, sub.read())
        else:
            sub = _Reader.__new__(_Reader)
            sub.latex, sub.tokens, sub.i = self.latex, inner, 0
            tree = ("power", base, sub.read())
        return ("transpose", tree) if transpose else tree

    def subscript(self, base):
        if base[0] in ("sym",) and base[2] is None:
            if self.at("{"):
                self.take("{")
                parts = []
                while not self.at("}"):
                    parts.append(self.take().text)
                self.take("}")
                sub = "".join(parts)
            else:
                sub = self.take().text
            return ("sym", base[1], sub)
        if base[0] == "norm":
            kind = self.braced_text()
            return ("norm", base[1], kind)
        if base == ("ones",):  # \mathbf 1_n: the column of n ones
            return ("ones_sized", self.braced_text())
        sub = self.braced_text()
        if re.fullmatch(r"[12]{2}", sub) and any(n[0] == "block" for n in _nodes(base)):
            return ("blockof", base, int(sub[0]), int(sub[1]))  # [exp(2 x 2 blocks)]_{12}
        if re.fullmatch(r"[a-z],:", sub):
            return ("row", base, sub[0])
        if re.fullmatch(r"[a-z]{1,2}", sub):
            return ("entry", base, sub)
        raise Unreadable("index notation over a composite index")

    def atom(self):
        tok = self.take()
        text = tok.text
        if text == r"\partial" and self.differentials:
            return ("differential", self.factor())
        if text == r"\begin" and self.at("{"):
            return self.environment()
        if text in REFUSED:
            raise Unreadable(REFUSED[text])
        if tok.kind == "number":
            return ("num", float(text))
        if tok.kind == "letter":
            return ("sym", text, None)
        if text in ("(", "["):
            close = ")" if text == "(" else "]"
            saved, self._depth = self._depth, 0
            tree = self.expr()
            if self.at(","):  # a tuple: arguments of a function
                items = [tree]
                while self.at(","):
                    self.take(",")
                    items.append(self.expr())
                tree = ("tuple", *items)
            self._depth = saved
            if self.at(r"\right"):
                self.take()
            self.take(close)
            return ("group", tree)
        if text == "{":
            tree = self.expr()
            self.take("}")
            return ("group", tree)
        if tok.kind in ("norm", "bar"):
            self._depth += 1
            inner = self.expr()
            self._depth -= 1
            closing = self.take()
            if closing.kind != tok.kind:
                raise Unreadable(f"unmatched {text!r} at {tok.pos}")
            return ("norm", inner, "2") if tok.kind == "norm" else ("call", "abs", (inner,))
        if text in (r"\frac", r"\tfrac", r"\dfrac"):
            derivative = self._derivative()
            if derivative is not None:
                return derivative
            return ("frac", self.group_or_token(), self.group_or_token())
        if text == r"\sqrt":
            return ("call", "sqrt", (self.group_or_token(),))
        if text in (r"\mathbf", r"\mathbb", r"\boldsymbol", r"\mathrm", r"\operatorname",
                    r"\mathcal"):  # fmt: skip
            name = self.braced_text().strip()
            if name == "1":
                if text in (r"\mathbb", r"\mathbf") and self.at("["):
                    self.take("[")
                    cond = self.expr()
                    self.take("]")
                    return ("indicator", cond)
                return ("ones",)
            if text in (r"\operatorname", r"\mathrm") and name.lower() in FUNCTIONS | {"tr"}:
                return self.call(name.lower() if name == "Tr" else name)
            if text == r"\mathcal" and name == "N":
                if self.at("_"):  # N_s(mu, Sigma): the density at s
                    self.take("_")
                    point = self.group_or_token()
                    call = self.call("normal")
                    return ("call", "normal", (point, *call[2]))
                return self.call("normal")
            if text in (r"\operatorname", r"\mathrm", r"\mathcal", r"\mathbb"):
                raise Unreadable(f"unknown operator {name!r}")
            return ("sym", name, None)
        if text in (r"\bar", r"\hat", r"\tilde"):
            inner = self.braced_text().lstrip("\\")
            return ("sym", inner + text[1:], None)
        if text in (r"\lceil", r"\lfloor"):  # an integer part: \lceil n/2 \rceil
            inner = self.expr()
            self.take(r"\rceil" if text == r"\lceil" else r"\rfloor")
            return ("call", "ceil" if text == r"\lceil" else "floor", (inner,))
        if text in (r"\langle",):
            left = self.expr()
            self.take(",")
            right = self.expr()
            self.take(r"\rangle")
            return ("inner", left, right)
        if text.startswith("\\") and text[1:] in GREEK:
            name = text[1:]
            if name == "psi" and self.at("'"):  # the trigamma function psi'(x)
                self.take("'")
                return self.call("trigamma")
            if name == "sigma" and self.at("'"):  # sigma'(x), sigma''(x): its derivatives
                while self.at("'"):
                    name += self.take().text
                return ("maybe_call", name, self.call(name))
            if name in FUNCTIONS and self.at("(", "[", "{"):
                return ("maybe_call", name, self.call(name))
            return ("sym", name, None)
        if text.startswith("\\") and text[1:] in FUNCTIONS:
            return self.call(text[1:])
        raise Unreadable(f"cannot read {text!r} at {tok.pos}")

    def environment(self):
        r"""``\begin{pmatrix} a & b \\ c & d \end{pmatrix}`` (or ``bmatrix``): a block matrix
        (a column of scalars, a matrix of blocks); ``\begin{cases} a & x > 0 \\ b & x \le 0
        \end{cases}``: entrywise, the value of the first condition that holds."""
        name = self.braced_text()
        if name not in ("pmatrix", "bmatrix", "cases"):
            raise Unreadable(f"a {name} environment")
        rows, row = [], []
        while True:
            if name == "cases":
                value = self.expr()
                self.take("&")
                row = [value, self.expr()]
            else:
                row.append(self.expr())
                if self.at("&"):
                    self.take("&")
                    continue
            rows.append(tuple(row))
            row = []
            if self.at("\\\\"):
                self.take()
                if not self.at(r"\end"):
                    continue
            self.take(r"\end")
            if self.braced_text() != name:
                raise Unreadable(f"an unclosed {name} environment")
            break
        if name == "cases":
            if any(c[1][0] != "compare" for c in rows):
                raise Unreadable("a case without a comparison")
            return ("cases", tuple(rows))
        if len({len(r) for r in rows}) != 1:
            raise Unreadable("a block matrix with rows of different lengths")
        return ("block", tuple(rows))

    def call(self, name: str):
        power = None
        if self.at("^"):
            self.take("^")
            power = self.group_or_token()
        if name == "sqrt":
            args = (self.group_or_token(),)
        elif self.at("("):
            self.take("(")
            args = [self.expr()]
            while self.at(",", ";"):
                self.take()
                args.append(self.expr())
            self.take(")")
            args = tuple(args)
        else:
            args = (self.factor(),)
        tree = ("call", name, args)
        return ("hpower", tree, power) if power is not None else tree


# ---------------------------------------------------------------------------------------------
# Clauses: a displayed string is a statement, definitions and notes


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
        for pattern in (r"\\ *\\text\{(?:[^{}]|\{[^{}]*\})*\}\s*$", r"\\ +\(\s*n \\times m\s*\)$",
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
    entrywise = {
        m.group(1)
        for name, _, body in items
        if (m := re.fullmatch(r"(.+)_([a-z]{1,2})", name)) and _uses_indices(body, m.group(2))
    }
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


# ---------------------------------------------------------------------------------------------
# Evaluation: a tree and an environment -> a numpy value


@dataclass(frozen=True)
class Lazy:
    """``I`` or ``\\mathbf 1`` before its size is known (``scale`` times it)."""

    kind: str  # "eye" or "ones" (a column) or "ones_row"
    scale: Any = 1.0

    def sized(self, rows: int | None = None, cols: int | None = None) -> np.ndarray:
        if self.kind == "eye":
            n = rows or cols
            if n is None:
                raise Unreadable("the size of I is not determined")
            return self.scale * np.eye(n)
        if self.kind == "ones":
            if rows is None:
                raise Unreadable("the size of 1 is not determined")
            return self.scale * np.ones((rows, 1))
        if cols is None:
            raise Unreadable("the size of 1 is not determined")
        return self.scale * np.ones((1, cols))


@dataclass(frozen=True)
class Indexed:
    """An array whose axes are named by indices: ``(X^{-1})_{ki}`` is ``Indexed(X^{-1}, "ki")``."""

    array: np.ndarray
    labels: str

    def times(self, other: Indexed) -> Indexed:
        labels = "".join(dict.fromkeys(self.labels + other.labels))
        spec = f"{self.labels},{other.labels}->{labels}"
        return Indexed(np.einsum(spec, self.array, other.array), labels)

    def scaled(self, s) -> Indexed:
        return Indexed(self.array * _scalar(s), self.labels)

    def plus(self, other: Indexed, sign: int = 1) -> Indexed:
        if sorted(self.labels) != sorted(other.labels):
            raise ShapeMismatch(f"adding terms with indices {self.labels} and {other.labels}")
        moved = np.einsum(f"{other.labels}->{self.labels}", other.array)
        return Indexed(self.array + sign * moved, self.labels)

    def ordered(self, labels: str) -> np.ndarray:
        if sorted(self.labels) != sorted(labels):
            raise ShapeMismatch(f"free indices {self.labels}, expected {labels}")
        return np.einsum(f"{self.labels}->{labels}", self.array)


def _indexed(array, sub: str, env) -> Indexed:
    array = np.asarray(array, dtype=float)
    if array.ndim == 2 and array.shape[1] == 1 and len(sub) == 1:
        array = array[:, 0]
    if array.ndim != len(sub):
        raise Unreadable(f"{len(sub)} indices on an array of {array.ndim} axes")
    for label, size in zip(sub, array.shape, strict=True):
        if env.indices.get(label, size) != size:
            raise ShapeMismatch(f"index {label} ranges over {env.indices[label]}, not {size}")
    return Indexed(array, sub)


def _is_scalar(v) -> bool:
    return not isinstance(v, (Lazy, Indexed)) and np.size(v) == 1 and np.ndim(v) <= 2


def _scalar(v):
    return np.reshape(v, ())[()] if not isinstance(v, Lazy) else v


def _resolve_like(lazy: Lazy, other: np.ndarray) -> np.ndarray:
    shape = np.shape(other)
    if lazy.kind == "eye":
        if len(shape) != 2 or shape[0] != shape[1]:
            raise Unreadable(f"I added to a non-square {shape}")
        return lazy.sized(shape[0])
    return lazy.scale * np.ones(shape)


def _add(a, b, sign=1):
    if isinstance(a, Indexed) and isinstance(b, Indexed):
        return a.plus(b, sign)
    if isinstance(a, Indexed) or isinstance(b, Indexed):
        raise ShapeMismatch("adding a term in index notation to an array")
    if isinstance(a, Lazy) and isinstance(b, Lazy):
        if a.kind == b.kind:
            return Lazy(a.kind, a.scale + sign * b.scale)
        raise Unreadable("I and 1 added without a size")
    if isinstance(a, Lazy):
        a = _resolve_like(a, b) if not _is_scalar(b) else a.sized(1, 1)
    if isinstance(b, Lazy):
        b = _resolve_like(b, a) if not _is_scalar(a) else b.sized(1, 1)
    a, b = np.asarray(a), np.asarray(b)
    if not (_is_scalar(a) or _is_scalar(b)) and a.shape != b.shape:
        raise ShapeMismatch(f"adding shapes {a.shape} and {b.shape}")
    return a + sign * b


class ShapeMismatch(ValueError):
    """The formula's operands do not fit: it cannot hold at these inputs."""


def _scale(lazy: Lazy, s) -> Lazy:
    return dataclasses.replace(lazy, scale=lazy.scale * _scalar(s))


def _matmul_chain(values: list, target: tuple[int, ...] | None):
    """The product of juxtaposed factors: scalars multiply, the rest are matrix products."""
    if any(isinstance(v, Indexed) for v in values):
        result, scale = None, 1.0
        for v in values:
            if isinstance(v, Indexed):
                result = v if result is None else result.times(v)
            elif _is_scalar(v):
                scale = scale * _scalar(v)
            else:
                raise Unreadable("an array without indices in a product in index notation")
        return result.scaled(scale)
    scalar, mats = 1.0, []
    for v in values:
        if isinstance(v, Lazy) or not _is_scalar(v):
            mats.append(v)
        else:
            scalar = scalar * _scalar(v)
    if not mats:
        return np.asarray(scalar)
    # size each lazy factor from its neighbours, then from the target
    for _ in range(2):
        for k, v in enumerate(mats):
            if not isinstance(v, Lazy):
                continue
            left = mats[k - 1] if k > 0 and not isinstance(mats[k - 1], Lazy) else None
            right = mats[k + 1] if k + 1 < len(mats) and not isinstance(mats[k + 1], Lazy) else None
            rows = np.shape(left)[-1] if left is not None else None
            cols = np.shape(right)[0] if right is not None else None
            if v.kind == "eye" and (rows or cols):
                mats[k] = v.sized(rows or cols)
            elif v.kind == "ones" and rows:
                mats[k] = v.sized(rows)
            elif v.kind == "ones_row" and cols:
                mats[k] = v.sized(cols=cols)
            elif target is not None and len(target) == 2:
                if k == 0 and v.kind in ("ones", "eye"):
                    mats[k] = v.sized(target[0])
                elif k == len(mats) - 1 and v.kind in ("ones_row", "eye"):
                    mats[k] = v.sized(target[1], target[1])
    if len(mats) == 1 and isinstance(mats[0], Lazy):
        return _scale(mats[0], scalar)
    if any(isinstance(v, Lazy) for v in mats):
        raise Unreadable("the size of I or 1 is not determined")
    result = mats[0]
    for v in mats[1:]:
        if _is_scalar(result):
            result = _scalar(result) * v
            continue
        if _is_scalar(v):
            result = result * _scalar(v)
            continue
        if np.shape(result) == np.shape(v) and np.ndim(v) == 2 and np.shape(v)[1] == 1:
            result = result * v  # two columns side by side: a pointwise product
            continue
        if np.ndim(result) != 2 or np.ndim(v) != 2 or np.shape(result)[1] != np.shape(v)[0]:
            raise ShapeMismatch(f"multiplying shapes {np.shape(result)} and {np.shape(v)}")
        result = result @ v
    return scalar * np.asarray(result)


def _as_column(value):
    array = np.asarray(value, dtype=float)
    return array.reshape(-1, 1) if array.ndim == 1 else array


def _softmax(v):
    v = np.asarray(v, dtype=float)
    e = np.exp(v - v.max())
    return e / e.sum()


def _softmax_causal(M):
    """Row ``i`` of ``M`` through the softmax of its entries ``j <= i``; the others 0 (the
    causal mask of attention, whose ``-inf`` scores have weight exactly 0)."""
    out = np.zeros(M.shape)
    for i in range(M.shape[0]):
        out[i, : i + 1] = _softmax(M[i, : i + 1])
    return out


def _normal(x, m, S):
    x, m, S = _as_column(x), _as_column(m), np.asarray(S)
    r = x - m
    n = r.shape[0]
    quad = (r.T @ np.linalg.solve(S, r)).item()
    return np.asarray(np.exp(-0.5 * quad) / math.sqrt((2 * math.pi) ** n * np.linalg.det(S)))


def _diag(v):
    v = np.asarray(v)
    if v.ndim == 2 and 1 in v.shape and v.size > 1:
        return np.diag(v.ravel())
    if v.ndim == 2 and v.shape[0] == v.shape[1]:
        return np.diag(np.diag(v))
    return np.diag(np.ravel(v))


def _svd_gaps(s: np.ndarray) -> np.ndarray:
    """F_ij = 1 / (s_j^2 - s_i^2) off the diagonal, 0 on it."""
    gaps = s[None, :] ** 2 - s[:, None] ** 2
    np.fill_diagonal(gaps, 1.0)
    return (1.0 - np.eye(s.size)) / gaps


def _commutation(m: int, n: int) -> np.ndarray:
    """K_{mn}: K vec(A) = vec(A^T) for an m×n matrix A (column-major vec)."""
    K = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            K[i * n + j, j * m + i] = 1.0
    return K


def _unvec(v) -> np.ndarray:
    """``vec^{-1}`` of a column of length n^2: the square n x n matrix, column-major."""
    v = np.asarray(v).reshape(-1)
    n = math.isqrt(v.size)
    if n * n != v.size:
        raise Unreadable(f"vec^{{-1}} of a length {v.size} that is not a square")
    return v.reshape(n, n, order="F")


def _polygamma(order: int, v: np.ndarray) -> np.ndarray:
    """The digamma (order 0) or trigamma (order 1) function, entrywise, from mpmath (sympy's
    own dependency): independent of the series that the statistics module evaluates."""
    import mpmath

    return np.vectorize(lambda x: float(mpmath.polygamma(order, x)), otypes=[float])(v)


def _matrix_function(fn, M: np.ndarray) -> np.ndarray:
    """fn of a square matrix, through its eigendecomposition (diagonalizable samples)."""
    values, vectors = np.linalg.eig(M)
    return np.real(vectors @ np.diag(fn(values)) @ np.linalg.inv(vectors))


def _eigen(M, index=None, vectors: bool = False):
    """``\\operatorname{eig}(M)``: the eigenvalues of a square ``M`` with a real spectrum,
    largest first, as a column (``eig(M, i)``: the i-th); ``\\operatorname{eigvec}(M)``: the
    unit eigenvectors in that order, each with a positive first entry (``eigvec(M, i)``: the
    i-th, a column). At a complex eigenvalue the reader says so instead of guessing a
    convention."""
    M = np.asarray(M, dtype=float)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ShapeMismatch(f"eigenvalues of a non-square {M.shape}")
    values, columns = np.linalg.eig(M)
    if np.iscomplexobj(values) and np.any(np.abs(values.imag) > 1e-12 * np.abs(values).max()):
        # a complex spectrum: the largest imaginary part first (of a conjugate pair, the one
        # with Im > 0), then the largest real part; unit eigenvectors, first entry real > 0
        order = np.lexsort((-values.real, -values.imag))
        values, columns = values[order], columns[:, order]
        columns = columns / np.linalg.norm(columns, axis=0)
        columns = columns * (np.abs(columns[0]) / np.where(columns[0] == 0, 1.0, columns[0]))
    else:
        order = np.argsort(-values.real, kind="stable")
        values, columns = values.real[order], np.real(columns[:, order])
        columns = columns / np.linalg.norm(columns, axis=0) * np.where(columns[0] < 0, -1.0, 1.0)
    if index is None:
        return columns if vectors else values.reshape(-1, 1)
    i = int(_scalar(index))
    if not 1 <= i <= M.shape[0]:
        raise Unreadable(f"eigenvalue index {i} out of range")
    return columns[:, i - 1 : i] if vectors else np.asarray(values[i - 1])


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def _expm(M: np.ndarray) -> np.ndarray:
    """The matrix exponential by scaling and squaring of its Taylor series (no eigenvectors:
    it holds at a defective matrix, such as the block [[A, E], [0, A]] of a Frechet
    derivative)."""
    norm = float(np.linalg.norm(M, 1))
    squarings = max(0, math.ceil(math.log2(norm)) + 1) if norm > 0.5 else 0
    X = M / 2.0**squarings
    term, total = np.eye(M.shape[0], dtype=M.dtype), np.eye(M.shape[0], dtype=M.dtype)
    for k in range(1, 30):
        term = term @ X / k
        total = total + term
    for _ in range(squarings):
        total = total @ total
    return total


#: exp, sin and cos of a square matrix, through the exponential (sin M = Im e^{iM}).
_MATRIX_FUNCTIONS = {
    np.exp: _expm,
    np.sin: lambda M: np.imag(_expm(1j * M)),
    np.cos: lambda M: np.real(_expm(1j * M)),
}


def _elementwise(fn, matrix: bool = False):
    def apply(v):
        if isinstance(v, Lazy):
            raise Unreadable("a function of I or 1 without a size")
        v = np.asarray(v)
        v = v if np.iscomplexobj(v) else v.astype(float)  # |lambda| of a complex eigenvalue
        if matrix and v.ndim == 2 and v.shape[0] == v.shape[1] > 1:
            return _MATRIX_FUNCTIONS[fn](v)  # exp, sin, cos of a square matrix
        return fn(v)

    return apply


def _matrix_fn(fn, name):
    def apply(v):
        v = np.asarray(v)
        if _is_scalar(v):
            return v  # tr, det, ... of a 1×1: itself
        if v.ndim != 2 or v.shape[0] != v.shape[1]:
            raise ShapeMismatch(f"{name} of a non-square {v.shape}")
        return np.asarray(fn(v))

    return apply


def _skew(v):
    """``[v]_x``, the matrix with ``[v]_x w = v x w`` (cross product) for a 3-vector ``v``."""
    v = np.ravel(v)
    if v.shape != (3,):
        raise ShapeMismatch(f"the cross-product matrix of a vector of length {v.size}")
    return np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])


def _eigh(M, vectors: bool):
    """``\\operatorname{eigh}(M)`` of a symmetric ``M``: the eigenvalues in ascending order (as
    LAPACK returns them) and the unit eigenvectors in that order, each with a positive first
    entry (the reader's one sign convention for eigenvectors, as :func:`_eigen`'s)."""
    M = np.asarray(M, dtype=float)
    if M.ndim != 2 or M.shape[0] != M.shape[1] or not np.allclose(M, M.T, rtol=1e-12, atol=0):
        raise ShapeMismatch(f"eigh of a matrix that is not symmetric, shape {M.shape}")
    values, columns = np.linalg.eigh(M)
    if not vectors:
        return values.reshape(-1, 1)
    return columns * np.where(columns[0] < 0, -1.0, 1.0)


def _qr_factor(A, which: str):
    """The reduced QR of a full-column-rank ``A``, with the diagonal of ``R`` positive (the
    convention that makes the factors unique)."""
    Q, R = np.linalg.qr(np.asarray(A, dtype=float))
    signs = np.where(np.diag(R) < 0, -1.0, 1.0)
    return Q * signs if which == "Q" else signs[:, None] * R


def _lu_factor(A, which: str):
    """``A = L U`` by elimination without row exchanges: ``L`` unit lower triangular."""
    U = np.array(A, dtype=float)
    n = U.shape[0]
    if U.ndim != 2 or U.shape[1] != n:
        raise ShapeMismatch(f"the LU factors of a non-square {U.shape}")
    L = np.eye(n)
    for k in range(n - 1):
        L[k + 1 :, k] = U[k + 1 :, k] / U[k, k]
        U[k + 1 :, :] -= np.outer(L[k + 1 :, k], U[k, :])
    return L if which == "L" else np.triu(U)


def _stack_block(C, k, *blocks):
    """Block ``k`` of ``C`` split by rows as the stack of ``blocks`` is (the cotangent of a
    stacked output is the stack of the blocks' cotangents)."""
    C = np.asarray(C)
    rows = [np.shape(b)[0] for b in blocks]
    if sum(rows) != C.shape[0]:
        raise ShapeMismatch(f"a cotangent of {C.shape[0]} rows split as {rows}")
    start = sum(rows[: int(_scalar(k))])
    return C[start : start + rows[int(_scalar(k))]]


BUILTINS: dict[str, Callable[..., Any]] = {
    "exp": _elementwise(np.exp, matrix=True),
    "ln": _elementwise(np.log),
    "log": _elementwise(np.log),
    "tanh": _elementwise(np.tanh),
    "sin": _elementwise(np.sin, matrix=True),
    "cos": _elementwise(np.cos, matrix=True),
    "sqrt": _elementwise(np.sqrt),
    "abs": _elementwise(np.abs),
    "Re": lambda v: np.real(v),
    "sigma": _elementwise(lambda v: 1.0 / (1.0 + np.exp(-v))),
    # the sigmoid's derivatives, sigma' = sigma (1 - sigma), sigma'' = sigma' (1 - 2 sigma)
    "sigma'": _elementwise(lambda v: _sigmoid(v) * (1.0 - _sigmoid(v))),
    "sigma''": _elementwise(
        lambda v: _sigmoid(v) * (1.0 - _sigmoid(v)) * (1.0 - 2.0 * _sigmoid(v))
    ),
    "sign": _elementwise(np.sign),
    "erf": _elementwise(np.vectorize(math.erf)),
    "psi": _elementwise(lambda v: _polygamma(0, v)),  # digamma
    "trigamma": _elementwise(lambda v: _polygamma(1, v)),
    "tr": _matrix_fn(np.trace, "tr"),
    "Tr": _matrix_fn(np.trace, "tr"),
    "det": _matrix_fn(np.linalg.det, "det"),
    "adj": _matrix_fn(lambda M: np.linalg.det(M) * np.linalg.inv(M), "adj"),
    "sym": _matrix_fn(lambda M: (M + M.T) / 2, "sym"),
    "diag": _diag,
    "vec": lambda M: np.asarray(M).reshape(-1, 1, order="F"),
    "vecrow": lambda M: np.asarray(M).reshape(-1, 1),
    "unvec": lambda v: _unvec(v),
    "softmax": lambda v: _softmax(v),
    "softmaxrows": lambda M: np.array([np.ravel(_softmax(row)) for row in np.asarray(M)]),
    "softmaxcols": lambda M: np.array([np.ravel(_softmax(c)) for c in np.asarray(M).T]).T,
    "softmaxcausal": lambda M: _softmax_causal(np.asarray(M, dtype=float)),
    "tril": lambda M: np.tril(M),
    "triu": lambda M: np.triu(M),
    "chol": lambda M: np.linalg.cholesky(M),
    # one-hot rows at each row's largest entry (a unique maximum: the entries that use it
    # sample away from ties)
    "onehot": lambda M: np.eye(np.shape(M)[1])[np.argmax(np.real(M), axis=1)],
    "skew": _skew,
    "ceil": lambda x: np.ceil(_scalar(x)),
    "floor": lambda x: np.floor(_scalar(x)),
    "eig": lambda M, i=None: _eigen(M, i),
    "eigvec": lambda M, i=None: _eigen(M, i, vectors=True),
    "max": lambda a, b=None: np.maximum(a, b) if b is not None else np.max(a),
    "min": lambda a, b=None: np.minimum(a, b) if b is not None else np.min(a),
    "normal": _normal,
    # the thin SVD, reached only through a `where` line "A = U \operatorname{diag}(\sigma) V^\top"
    "svd_U": lambda M: np.linalg.svd(M, full_matrices=False)[0],
    "svd_sigma": lambda M: np.linalg.svd(M, full_matrices=False)[1].reshape(-1, 1),
    "svd_V": lambda M: np.linalg.svd(M, full_matrices=False)[2].T,
    "svd_column": lambda M, j: _index_value(np.asarray(M).T, int(_scalar(j)), "a column"),
    "svd_leading": lambda M, k: np.asarray(M)[:, : int(_scalar(k))],
    "svd_gaps": lambda s: _svd_gaps(np.ravel(s)),
    # decompositions, reached only through a where line that states one (A = L U, A = Q R,
    # [U; \lambda^\top] = eigh(M)): see _decomposition_definitions
    "eigh_vectors": lambda M: _eigh(M, vectors=True),
    "eigh_values": lambda M: _eigh(M, vectors=False),
    "qr_Q": lambda A: _qr_factor(A, "Q"),
    "qr_R": lambda A: _qr_factor(A, "R"),
    "lu_L": lambda A: _lu_factor(A, "L"),
    "lu_U": lambda A: _lu_factor(A, "U"),
    "stack_block": _stack_block,
}

_ALIASES = {"Lambda": "Lam", "lambda": "lam", "lambdabar": "lbar", "epsilon": "eps", "varepsilon": "eps",
            "varphi": "phi"}  # fmt: skip


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

    def candidates(self, name: str, sub: str | None) -> list[str]:
        base = _ALIASES.get(name, name)
        if sub is None:
            return [name, base]
        flat = sub.replace("\\", "").replace(" ", "").replace("{", "").replace("}", "")
        found = [f"{name}_{flat}", f"{base}_{flat}", f"{name}{flat}", f"{base}{flat}"]
        bound = self.values.get(flat) if len(flat) == 1 else None
        if bound is None and len(flat) == 1 and flat in self.definitions:
            bound = self.lookup(flat, None)
        if bound is not None and np.ndim(bound) == 0 and float(bound).is_integer():
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


def _index_value(array, index: int, name: str):
    array = np.asarray(array)
    if not 1 <= index <= array.shape[0]:
        raise Unreadable(f"{name} indexed out of range")
    row = array[index - 1]
    return _as_column(row) if np.ndim(row) == 1 and row.size > 1 else np.asarray(row).reshape(())


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
        return _index_value(array, int(index), "a matrix")
    raise Unreadable(f"cannot evaluate {kind}")


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


def _symbol(tree, env: Env):
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
            q, p = (int(v) for v in at)
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
            return _as_column(_index_value(np.asarray(array).T, int(index), name))
    if sub is not None and re.fullmatch(r"[a-z0-9]+(?:[+-][a-z0-9]+)+", sub) and not env.indices:
        # x_{i+j-1}: the entry at an index computed from bound indices
        at = _Reader(sub).read()
        array = env.lookup(name, None)
        if array is None and name[:1].islower():
            array = env.lookup(name[:1].upper() + name[1:], None)
        if array is not None and np.ndim(array) >= 1:
            return _index_value(array, int(_scalar(evaluate(at, env))), name)
    if sub is not None and sub.isdigit() and not env.indices:  # v_1: an entry of the vector v
        array = env.lookup(name, None)
        if array is not None and np.ndim(array) == 2 and np.shape(array)[1] == 1:
            return _index_value(array, int(sub), name)
    if sub is not None:
        row = sub.split(",")[0] if sub.endswith(",:") else sub
        index = env.lookup(row, None) if len(row) == 1 else None
        if index is not None and np.ndim(index) == 0 and float(index).is_integer():
            array = env.lookup(name, None)
            if array is None and name[:1].islower():
                array = env.lookup(name[:1].upper() + name[1:], None)
            if array is not None and np.ndim(array) >= 1:
                return _index_value(array, int(index), name)
        if name == "I" and sub in env.dims:
            env.used_dims.add(sub)
            return np.eye(env.dims[sub])
        if name == "I" and sub.isdigit():
            return np.eye(int(sub))
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


def _product(factors, env: Env, target):
    values = []
    for k, factor in enumerate(factors):
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
    if tree[0] in ("transpose", "inv", "pinv", "power", "hpower", "entry", "row"):
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


def _apply_defined(fn_tree, arg_tree, env: Env):
    for key in env.candidates(fn_tree[1], fn_tree[2]):
        if key in env.definitions and env.definitions[key][0]:
            params, body = env.definitions[key]
            args = arg_tree[1:] if arg_tree[0] == "tuple" else (arg_tree,)
            if len(args) != len(params):
                raise Unreadable(f"{key} applied to {len(args)} arguments, defined with "
                                 f"{len(params)}")  # fmt: skip
            bound = {p: evaluate(a, env) for p, a in zip(params, args, strict=True)}
            inner = dataclasses.replace(env, values={**env.values, **bound}, cache={},
                                        arguments=env.arguments | set(bound))  # fmt: skip
            inner.definitions = {k: v for k, v in env.definitions.items() if k not in bound}
            return evaluate(body, inner)
    raise Unreadable(f"{fn_tree[1]} is not a function")


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
                env, values={**env.values, labels: np.asarray(float(i + 1))}, cache={}
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
        values = {k: np.asarray(float(v + 1)) for k, v in bound.items()}
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


def _nodes(tree):
    """Every node of ``tree``."""
    if not isinstance(tree, tuple) or not tree:
        return
    if isinstance(tree[0], tuple):
        for child in tree:
            yield from _nodes(child)
        return
    yield tree
    for child in tree[1:]:
        if isinstance(child, tuple):
            yield from _nodes(child)


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
        for child in node[1:]:
            if isinstance(child, tuple):
                walk(child)

    walk(tree)
    if len(sizes) != 1:
        raise Unreadable(f"a sum over {index} without bounds")
    return sizes.pop()


# ---------------------------------------------------------------------------------------------
# Checking an entry


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


#: Displayed formulas that the reader does not read, reviewed, each with its reason; shown
#: on the "How formulas are checked" page. Keys are ``"<entry id>:<field>"``.
UNREADABLE: dict[str, str] = {
    'rules.product:conventions.numerator': 'a rule over functions (f, g), not a formula of arrays',
    'rules.product:mistake-1': 'a rule over functions (f, g), not a formula of arrays',
    'rules.product-scalar:conventions.numerator': 'a rule over functions (f, g), not a formula of arrays',
    'rules.product-scalar:mistake-1': 'a rule over functions (f, g), not a formula of arrays',
    'rules.product-scalar:mistake-2': 'a rule over functions (f, g), not a formula of arrays',
    'rules.chain:conventions.numerator': 'a rule over functions (f, g), not a formula of arrays',
    'rules.chain:mistake-1': 'a rule over functions (f, g), not a formula of arrays',
    'rules.chain-univariate:conventions.numerator': 'a rule over functions (f, h1, h2), not a formula of arrays',
    'rules.chain-univariate:mistake-1': 'a rule over functions (f, h1, h2), not a formula of arrays',
    'rules.chain-parametrized:conventions.numerator': 'a rule over functions (phi, loss), not a formula of arrays',
    'rules.chain-parametrized:mistake-1': 'a rule over functions (phi, loss), not a formula of arrays',
    'differentials.kronecker-left:formula': 'undefined symbol delta_{ai}',
    'differentials.kronecker-right:formula': 'undefined symbol X_{ac}',
    'determinants.det-axb:conventions.cookbook': 'states another quantity (a differential, the partials, or the source as printed)',
    'determinants.logdet-gram:conventions.cookbook': 'states another quantity (a differential, the partials, or the source as printed)',
    'inverses.function-of-inverse:formula': 'derivative notation on the right-hand side',
    'inverses.function-of-inverse:conventions.numerator': 'the derivative of J, which is not defined in terms of W',
    'inverses.function-of-inverse:conventions.cookbook': 'the derivative of J, which is not defined in terms of W',
    'svd.spectral-norm:hessian': 'no right-hand side',  # du_1 and dv_1 are defined in the derivation
    'svd.truncated-svd-adjoint:formula': 'a comparison where a value was expected',  # X is defined entry by entry
    'spectral.complex-pair-real-part:mistake-2': 'a division by zero at the samples (the value is rounding)',
    'linear.identity-map:mistake-1': 'the size of I or 1 is not determined',
    'linear.transposed-product:conventions.numerator': 'derivative notation on the right-hand side',
    'quadratic.least-squares:conventions.cookbook': 'undefined symbol W',
    'quadratic.least-squares-A:conventions.cookbook': 'undefined symbol W',
    'higher.power-gram:conventions.cookbook': 'states another quantity (a differential, the partials, or the source as printed)',
    'higher.composite-bilinear:conventions.numerator': 'undefined symbol J_{s}',
    'higher.quadratic-ratio:conventions.cookbook': 'states another quantity (a differential, the partials, or the source as printed)',
    'traces.inv-shifted-ratio:conventions.cookbook': 'prose inside the formula',
    'structured.symmetric-partials:conventions.cookbook': 'the derivative of f, which is not defined in terms of A',
    'structured.trace-toeplitz-partials:formula': 'index notation outside a formula of entries',
    'structured.trace-toeplitz-partials:conventions.numerator': 'prose inside the formula',
    'structured.trace-symmetric-toeplitz-partials:formula': 'index notation over a composite index',
    'structured.trace-symmetric-toeplitz-partials:conventions.numerator': 'prose inside the formula',
    'structured.trace-symmetric-toeplitz-partials:mistake-1': 'index notation over a composite index',
    'structured.trace-symmetric-toeplitz-partials:mistake-2': 'index notation over a composite index',
    'gaussian.nll-covariance:formula': 'undefined symbol N',
    'gaussian.nll-covariance:hessian': 'undefined symbol N',
    'gaussian.nll-covariance:conventions.numerator': 'undefined symbol N',
    'gaussian.nll-covariance:mistake-1': 'undefined symbol N',
    'gaussian.nll-covariance:mistake-2': 'undefined symbol N',
    'gaussian.mixture-weights:conventions.numerator': 'an elided list',
    'losses.kl-p-logits:hessian': "unknown operator 'KL'",
    'layers.batchnorm-input:mistake-2': 'prose inside the formula',
    'layers.conv1d-input:formula': "cannot read '*' at 8",
    'layers.conv1d-input:conventions.numerator': 'undefined symbol xbar',
    'layers.conv1d-input:mistake-1': 'prose inside the formula',
    'layers.conv1d-input:mistake-2': 'prose inside the formula',
    'layers.conv1d-kernel:formula': 'ybar indexed out of range',
    'layers.conv1d-kernel:conventions.numerator': 'ybar indexed out of range',
    'layers.conv1d-kernel:mistake-1': 'prose inside the formula',
    'layers.conv1d-kernel:mistake-2': 'prose inside the formula',
    'networks.conv2d-input:formula': "cannot read '*' at 3",
    'networks.conv2d-input:mistake-1': "cannot read '*' at 3",
    'networks.conv2d-input:mistake-2': "cannot read '*' at 3",
    'networks.conv2d-kernel:formula': "U is defined by what the reader cannot read: unknown operator 'unfold'",
    'networks.conv2d-kernel:mistake-1': "unknown operator 'rot'",
    'networks.conv2d-kernel:mistake-2': "U is defined by what the reader cannot read: unknown operator 'unfold'",
    'networks.embedding:mistake-1': 'undefined symbol ybar_{i}',
    'networks.groupnorm-input:formula': "unknown operator 'mean'",
    'networks.groupnorm-input:mistake-1': 'prose inside the formula',
    'networks.groupnorm-input:mistake-2': "sigma_g is defined by what the reader cannot read: unknown operator 'mean'",
    'networks.groupnorm-gamma:formula': 'the range of the index g is not determined',
    'networks.groupnorm-gamma:mistake-1': 'prose inside the formula',
    'factorizations.cholesky-jvp-vech:formula': 'undefined symbol L_{n}',
    'factorizations.cholesky-jvp-vech:mistake-1': 'undefined symbol L_{n}',
    'cookbook-2012-eq-143:printed': 'prose inside the formula',
    'cookbook-2012-eq-143:corrected': 'prose inside the formula',
    'cookbook-2012-eq-27:printed': "an equality, checked by the erratum's own code",
    'cookbook-2012-eq-27:corrected': "an equality, checked by the erratum's own code",
    'cookbook-2012-eq-28:printed': "an equality, checked by the erratum's own code",
    'cookbook-2012-eq-28:corrected': "an equality, checked by the erratum's own code",
}  # fmt: skip


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
        env = Env(env_values, definitions, dims, unread=unread)
        labels = _index_labels(statement.lhs) or extra_definitions.get("labels", "")
        if labels and len(labels) == expected.ndim:
            env.indices = dict(zip(labels, expected.shape, strict=True))
        unread_here = 0  # the values of this sample not read: all of them, and none is read
        for k, tree in enumerate(trees):
            last = k == len(trees) - 1
            try:
                if _single_entry(tree):
                    got = _per_variable_entry(tree, env, np.shape(inputs[identity.wrt]),
                                              labels[-2:] if len(labels) >= 2 else "")  # fmt: skip
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
                  unread={**extra.get("unread", {}), **statement.unread_definitions})  # fmt: skip
        env.direction = (identity.wrt, _as_column(V) if V.ndim == 1 else V)
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
    parsed, unread, labels, by_rows = {}, {}, "", None
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
            "by_rows": by_rows}  # fmt: skip


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
    functions = [k for k, v in samples[0][0].items() if callable(v)]
    if functions:
        reason = f"a rule over functions ({', '.join(functions)}), not a formula of arrays"
        return [FieldResult(identity.id, name, latex, "unreadable", reason=reason)
                for name, latex in displayed_formulas(identity)]  # fmt: skip
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
            results.append(FieldResult(erratum.id, field_name, latex, "unreadable",
                                       reason="an equality, checked by the erratum's own code"))  # fmt: skip
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
