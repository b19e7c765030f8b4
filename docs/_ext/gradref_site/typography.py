"""Punctuation stays on the line of the formula it follows.

KaTeX typesets an inline formula as a row of inline blocks, and a browser may break a line
between an inline block and the text after it: the period, comma or colon after a formula
(``$\\langle 2X, dX\\rangle$.``) then started the next line. On a 375 px phone that
happened 252 times over the site's pages (measured in Chromium, every page, every
``<details>`` open). Each such formula and the punctuation right after it are now held in
one ``span.gr-nowrap`` (``white-space: nowrap``, docs/_static/gradref.css), and the
formula keeps its own breaks inside (``white-space: normal`` again on ``.katex``): a long
formula still wraps where it did, only never just before its punctuation.

Where-lines already put their commas inside the formula (docs/_ext/gradref_catalog.py,
``_listed``).
"""

from __future__ import annotations

import re

from docutils import nodes

#: Characters that close a phrase and must not start a line.
PUNCTUATION = re.compile(r"^[.,;:!?)\]’”]+")


def _math_then_punctuation(doctree: nodes.Node):
    for math in list(doctree.findall(nodes.math)):
        parent = math.parent
        if parent is None or isinstance(parent, nodes.FixedTextElement):
            continue
        index = parent.index(math)
        if index + 1 >= len(parent.children):
            continue
        after = parent[index + 1]
        if not isinstance(after, nodes.Text):
            continue
        found = PUNCTUATION.match(after.astext())
        if found:
            yield math, after, found.group(0)


def keep_punctuation_with_math(app, doctree) -> None:
    """``<math>`` followed by text that starts with punctuation becomes
    ``<inline classes="gr-nowrap"><math>punctuation</inline>`` then the rest of the text."""
    for math, after, punctuation in list(_math_then_punctuation(doctree)):
        parent = math.parent
        index = parent.index(math)
        held = nodes.inline(classes=["gr-nowrap"])
        parent.remove(math)
        held += math
        held += nodes.Text(punctuation)
        rest = after.astext()[len(punctuation) :]
        if rest:
            parent.replace(after, nodes.Text(rest))
        else:
            parent.remove(after)
        parent.insert(index, held)


def setup(app) -> None:
    app.connect("doctree-read", keep_punctuation_with_math)
