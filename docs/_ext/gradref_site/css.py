"""Drop the CSS rules no page of the site can match (the build's own small PurgeCSS).

Pure functions over text, with no Sphinx in them, so that ``tests/test_site_css.py`` can
test them alone. A rule is kept unless *every* one of its selectors names a class that
appears nowhere in the site: not in any page, nor in any script a page loads (scripts add
classes at run time), nor produced by a script from a prefix (``bs-${name}-auto``). What
cannot be decided that way is kept: selectors without classes, classes inside ``:is()``,
``:where()``, ``:not()`` and ``:has()``, and every at-rule other than the conditional
groups (``@media``, ``@supports``, ``@container``, ``@layer``), whose rules are pruned the
same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

GROUPS = ("@media", "@supports", "@container", "@layer", "@document")
TOKEN = re.compile(r"[A-Za-z_][\w-]*")
CLASS = re.compile(r"\.((?:[\w-]|\\.)+)")
# A class built by a script from a literal prefix: `bs-${name}-auto`, "fa-" + name.
PREFIX = re.compile(r"""([A-Za-z][\w-]*-)(?:\$\{|["']\s*\+)""")
FUNCTIONAL = ("is", "where", "not", "has", "matches", "-webkit-any", "-moz-any")


@dataclass
class Rule:
    prelude: str  # selectors, or an at-rule's prelude
    body: str = ""  # declarations (a style rule or a non-group at-rule)
    children: list[Rule] | None = None  # the rules of a conditional group
    comment: bool = False  # a preserved /*! ... */ comment (prelude holds it)
    statement: bool = False  # an at-rule without a block (@charset, @import ...)


def _skip_string(css: str, i: int) -> int:
    quote = css[i]
    i += 1
    while i < len(css) and css[i] != quote:
        i += 2 if css[i] == "\\" else 1
    return i + 1


def _skip_comment(css: str, i: int) -> int:
    end = css.find("*/", i + 2)
    return len(css) if end < 0 else end + 2


def _block_end(css: str, i: int) -> int:
    """Index just past the ``}`` that closes the block opened at ``css[i] == "{"``."""
    depth = 0
    while i < len(css):
        c = css[i]
        if c in "\"'":
            i = _skip_string(css, i)
            continue
        if css.startswith("/*", i):
            i = _skip_comment(css, i)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("unbalanced braces in a stylesheet")


def _squeeze(text: str) -> str:
    """Whitespace runs outside strings as one space, none at either end or after `;`."""
    out, i = [], 0
    while i < len(text):
        if text[i] in "\"'":
            end = _skip_string(text, i)
            out.append(text[i:end])
            i = end
        elif text[i].isspace():
            while i < len(text) and text[i].isspace():
                i += 1
            if out and not out[-1].endswith((";", "{", "}", ",")):
                out.append(" ")
        else:
            out.append(text[i])
            i += 1
    return "".join(out).strip()


def parse(css: str) -> list[Rule]:
    """Parse a stylesheet into rules (nesting only inside conditional groups)."""
    rules: list[Rule] = []
    i, n = 0, len(css)
    while i < n:
        if css[i].isspace() or css[i] == ";":
            i += 1
            continue
        if css.startswith("/*", i):
            end = _skip_comment(css, i)
            if css.startswith("/*!", i):  # licences are kept, like every minifier does
                rules.append(Rule(css[i:end], comment=True))
            i = end
            continue
        # The prelude runs to the first `{` or `;` outside strings, comments and brackets.
        j, depth, prelude = i, 0, []
        while j < n:
            c = css[j]
            if c in "\"'":
                end = _skip_string(css, j)
                prelude.append(css[j:end])
                j = end
                continue
            if css.startswith("/*", j):
                j = _skip_comment(css, j)
                continue
            if c in "([":
                depth += 1
            elif c in ")]":
                depth -= 1
            elif depth == 0 and c in "{;":
                break
            prelude.append(c)
            j += 1
        text = "".join(prelude).strip()
        if j >= n or css[j] == ";":
            if text:
                rules.append(Rule(text, statement=True))
            i = j + 1
            continue
        end = _block_end(css, j)
        inner = css[j + 1 : end - 1]
        if text.lower().startswith(GROUPS):
            rules.append(Rule(text, children=parse(inner)))
        else:
            rules.append(Rule(_squeeze(text), _squeeze(inner)))
        i = end
    return rules


def serialize(rules: list[Rule]) -> str:
    out = []
    for rule in rules:
        if rule.comment:
            out.append(rule.prelude)
        elif rule.statement:
            out.append(rule.prelude + ";")
        elif rule.children is not None:
            inner = serialize(rule.children)
            if inner:
                out.append(f"{rule.prelude}{{{inner}}}")
        else:
            out.append(f"{rule.prelude}{{{rule.body}}}")
    return "".join(out)


def _split_selectors(prelude: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, c in enumerate(prelude):
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(prelude[start:i])
            start = i + 1
    parts.append(prelude[start:])
    return [p.strip() for p in parts]


def _outside_functions(selector: str) -> str:
    """The selector without attribute brackets and functional pseudo-class arguments."""
    out, i, n = [], 0, len(selector)
    while i < n:
        c = selector[i]
        if c == "[":
            depth = 0
            while i < n:
                depth += selector[i] == "["
                depth -= selector[i] == "]"
                i += 1
                if depth == 0:
                    break
            continue
        if c == ":":
            m = re.match(r":+([\w-]+)\(", selector[i:])
            if m and m.group(1).lower() in FUNCTIONAL:
                i += m.end()
                depth = 1
                while i < n and depth:
                    depth += selector[i] == "("
                    depth -= selector[i] == ")"
                    i += 1
                continue
        out.append(c)
        i += 1
    return "".join(out)


@dataclass
class Vocabulary:
    """The class names the site can produce: tokens of its pages and scripts."""

    tokens: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)

    def add_page(self, html: str) -> None:
        self.tokens.update(TOKEN.findall(html))

    def add_script(self, js: str) -> None:
        self.tokens.update(TOKEN.findall(js))
        self.prefixes.update(p for p in PREFIX.findall(js) if len(p) > 2)

    def knows(self, name: str) -> bool:
        return name in self.tokens or name.startswith(tuple(self.prefixes))


def _selector_can_match(selector: str, vocabulary: Vocabulary) -> bool:
    classes = CLASS.findall(_outside_functions(selector))
    return all(vocabulary.knows(re.sub(r"\\(.)", r"\1", name)) for name in classes)


def prune(rules: list[Rule], vocabulary: Vocabulary) -> list[Rule]:
    """Rules with every selector that cannot match removed (and empty rules dropped)."""
    kept = []
    for rule in rules:
        if rule.children is not None:
            kept.append(Rule(rule.prelude, children=prune(rule.children, vocabulary)))
        elif rule.comment or rule.statement or rule.prelude.startswith("@"):
            kept.append(rule)
        else:
            alive = [
                s for s in _split_selectors(rule.prelude) if _selector_can_match(s, vocabulary)
            ]
            if alive:
                kept.append(Rule(",".join(alive), rule.body))
    return kept


def purge(css: str, vocabulary: Vocabulary) -> str:
    return serialize(prune(parse(css), vocabulary))
