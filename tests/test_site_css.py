"""The build's CSS pruning (docs/_ext/gradref_site/css.py), which decides what every page's
stylesheet keeps: a rule a page can match must survive, whatever the stylesheet's syntax."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "gradref_site_css", Path(__file__).parent.parent / "docs" / "_ext" / "gradref_site" / "css.py"
)
css = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = css  # dataclasses look their module up
_SPEC.loader.exec_module(css)


def _vocabulary(page: str = "", script: str = ""):
    vocabulary = css.Vocabulary()
    vocabulary.add_page(page)
    vocabulary.add_script(script)
    return vocabulary


def test_a_rule_survives_if_any_of_its_selectors_can_match():
    sheet = ".used,.unused{color:red}.unused{color:blue}div{margin:0}"
    assert css.purge(sheet, _vocabulary('<p class="used">')) == ".used{color:red}div{margin:0}"


def test_groups_are_pruned_inside_and_dropped_when_empty():
    sheet = "@media (min-width:1px){.used{a:b}.gone{c:d}}@supports (x:y){.gone{e:f}}"
    assert css.purge(sheet, _vocabulary("used")) == "@media (min-width:1px){.used{a:b}}"


@pytest.mark.parametrize(
    "rule",
    [
        ":is(.gone,.used) p{a:b}",  # a class inside :is() is not required
        "p:not(.gone){a:b}",
        "[class*=gone]{a:b}",  # nor one in an attribute selector
        ".used::before{content:'}.gone{'}",  # braces inside strings are text
        "@font-face{font-family:x;src:url(a.woff2)}",  # at-rules are kept whole
        "@keyframes spin{0%{a:b}to{a:c}}",
        "/*! licence */",
    ],
)
def test_what_cannot_be_decided_is_kept(rule):
    assert css.purge(rule, _vocabulary("used")) == rule


def test_classes_a_script_builds_from_a_prefix_are_kept():
    vocabulary = _vocabulary(script="el.classList.add(`bs-${this.NAME}-auto`)")
    assert css.purge(".bs-tooltip-auto{a:b}.tooltip-gone{c:d}", vocabulary) == (
        ".bs-tooltip-auto{a:b}"
    )


def test_it_can_fail():
    # A class that no page and no script names is dropped: the check is not vacuous.
    assert css.purge(".gone{a:b}", _vocabulary("used")) == ""


def test_whitespace_is_squeezed_outside_strings():
    sheet = ".used  >  p ,\n.used {\n  content: '  two  spaces ';\n  margin: 0\n}"
    assert css.purge(sheet, _vocabulary("used")) == (
        ".used > p,.used{content: '  two  spaces ';margin: 0}"
    )
