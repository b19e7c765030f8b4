"""The reader: the catalog's LaTeX, as tokens, into a tree of tuples."""

from __future__ import annotations

import re

from gradref.readback.lexer import Tok, Unreadable, tokenize

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
    "eig", "eigvec", "psi", "Re", "re", "unfold", "mean",
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
           r"\cdot": "times", r"\times": "times", "/": "slash",
           # of two vectors: the full convolution, its 'valid' part, the full cross-correlation
           "*": "conv", r"\convvalid": "conv-valid", r"\star": "xcorr"}  # fmt: skip


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
            if tok.text == "*":  # U^*: the adjoint of a linear function
                return ("adjoint", base)
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
        elif texts == ["*"]:  # U^{*}: the adjoint of a linear function
            tree = ("adjoint", base)
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
        if re.fullmatch(r":,[a-z]", sub):
            return ("col", base, sub[2])
        if re.fullmatch(r"[a-z]{1,2}", sub):
            return ("entry", base, sub)
        at = re.fullmatch(r"(\d+|[a-z](?:[+-]\d+)?),(\d+|[a-z](?:[+-]\d+)?)", sub)
        if at:  # [M]_{1,d+1}: the entry at a row and a column computed from bound indices
            return ("at", base, _Reader(at[1]).read(), _Reader(at[2]).read())
        raise Unreadable("index notation over a composite index")

    def atom(self):
        tok = self.take()
        text = tok.text
        if text == r"\partial" and self.differentials:
            return ("differential", self.factor())
        if text == r"\begin" and self.at("{"):
            return self.environment()
        if text == r"\nabla" and not self.at("_", "^"):
            return ("nabla", self.factor())  # \nabla f: of a function given as an input
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
