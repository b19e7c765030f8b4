"""The read-back's errors and the tokens of the catalog's LaTeX."""

from __future__ import annotations

import re
from dataclasses import dataclass


class Unreadable(ValueError):
    """The reader cannot read a formula; the message says what it met."""


class ReadbackError(AssertionError):
    """A displayed formula disagrees with the verified code; the message names the field."""


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
    # unfold_{h x w, k x k, s = 2, p = 1}(X): the patches of X's rows as h x w images; the
    # geometry becomes the call's first arguments
    latex = re.sub(
        r"\\operatorname\{unfold\}_\{\s*(\d+)\s*\\times\s*(\d+)\s*,(?:\\ |\s)*(\d+)\s*\\times\s*"
        r"(\d+)\s*,(?:\\ |\s)*s\s*=\s*(\d+)\s*,(?:\\ |\s)*p\s*=\s*(\d+)\s*\}\s*\(",
        r"\\operatorname{unfold}(\1, \2, \3, \4, \5, \6, ",
        latex,
    )
    # a *_{\text{valid}} b, the 'valid' part of the convolution (a * b is the full one)
    latex = re.sub(r"\*_\{\\text\{valid\}\}", r"\\convvalid ", latex)
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
