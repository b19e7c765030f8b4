"""Accessibility, fixed where the markup is made (issue "readers", item A).

Each hook fixes one finding of axe-core, or of a reader, at its source; what can only be
fixed in the browser is in ``static/gradref-a11y.js``, and the theme's components in
``templates/`` (search button, site title). ``tests/test_site.py`` runs axe-core on every
page and checks each of these.
"""

from __future__ import annotations

import re

from docutils import nodes
from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput
from sphinx.util.docutils import SphinxTranslator
from sphinx_exercise.nodes import exercise_node, exercise_subtitle, solution_node


# -- The bibliography: a list of entries ---------------------------------------------------
# docutils writes consecutive citations as `<div role="list">` around
# `<div role="doc-biblioentry">` entries. DPUB-ARIA 1.1 deprecates doc-biblioentry, and a
# list whose items are not `listitem`s is an error for assistive technology (axe-core:
# aria-required-children, critical; aria-deprecated-role and aria-allowed-role, minor).
# The entries are written as list items instead, the rest as docutils writes it
# (docutils 0.22, writers/_html_base.py); remove this when docutils does the same.
def visit_citation(self: SphinxTranslator, node: nodes.citation) -> None:
    if not isinstance(node.previous_sibling(), nodes.citation):
        self.body.append('<div role="list" class="citation-list">\n')
    self.body.append(self.starttag(node, "div", classes=["citation"], role="listitem"))


def depart_citation(self: SphinxTranslator, node: nodes.citation) -> None:
    self.body.append("</div>\n")
    if not isinstance(node.next_node(descend=False, siblings=True), nodes.citation):
        self.body.append("</div>\n")


# -- "Show code cell source": the name a reader sees ----------------------------------------
# myst-nb writes a hidden cell's `<summary>` with aria-label="Toggle hidden content" while it
# shows "Show code cell source" (axe-core: label-content-name-mismatch, serious). Without
# the label, the summary is named by what it shows. Otherwise as myst-nb writes it
# (myst_nb/sphinx_.py, visit_HideCellInput); remove this when myst-nb drops the label.
def visit_hidden_cell(self: SphinxTranslator, node: HideCodeCellNode) -> None:
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n<summary>\n')
    for state, prompt in (("collapsed", node["prompt_show"]), ("expanded", node["prompt_hide"])):
        self.body.append(f'<p class="{state} admonition-title">{self.encode(prompt)}</p>\n')
    self.body.append("</summary>\n")


# -- Exercises: unique ids, and references that say which exercise -------------------------
def _exercise_number(node: exercise_node) -> str | None:
    """What a reader calls an unnumbered exercise: "3c" for "3c — a quadratic form"."""
    subtitle = next(iter(node.findall(exercise_subtitle)), None)
    if subtitle is None:
        return None
    return subtitle.astext().split("—")[0].strip() or None


def fix_exercises(app, doctree: nodes.document) -> None:
    """Run after sphinx-exercise's own doctree-read (it registers the labels there).

    - sphinx-exercise gives every exercise's body the id "exercise-content" and every
      solution's "solution-content": sheet 01 repeated each twelve times. Each body's id
      is made from its exercise's or solution's own label instead.
    - A reference to an unnumbered exercise reads the exercise's title, which
      sphinx-exercise registers as plain "Exercise" (eight links on sheet 01 read just
      "Exercise"). They read "Exercise 3c" instead, the number from the exercise's title.
    """
    std = app.env.get_domain("std")
    for node in doctree.findall(lambda n: isinstance(n, (exercise_node, solution_node))):
        for section in node.children:
            if isinstance(section, nodes.section) and section["ids"] in (
                ["exercise-content"],
                ["solution-content"],
            ):
                section["ids"] = [nodes.make_id(f"{node['label']}-content")]
        if type(node) is exercise_node and node.get("names"):
            number = _exercise_number(node)
            name = node["names"][0]
            if number and name in std.labels:
                docname, labelid, _title = std.labels[name]
                std.labels[name] = (docname, labelid, f"Exercise {number}")


# -- The sidebar's toggles: named by what they open ---------------------------------------------
# pydata-sphinx-theme (0.16) writes each expandable entry of the sidebar (a family, whose
# topics it lists) as `<a>Family</a><details><summary>` with only a chevron icon in the
# summary: a control with no name (axe-core: summary-name, serious). Each summary is named
# after its entry: "Topics of Determinants". Remove when the theme names them.
_TOGGLE = re.compile(
    r'(<a class="(?:current )?reference internal"[^>]*>([^<]+)</a><details[^>]*>)<summary>'
)


def name_sidebar_toggles(app, pagename, templatename, context, doctree) -> None:
    generate = context.get("generate_toctree_html")
    if generate is None or getattr(generate, "_gradref_named", False):
        return

    def named(*args, **kwargs):
        html = str(generate(*args, **kwargs))
        return _TOGGLE.sub(
            lambda m: f'{m.group(1)}<summary aria-label="Topics of {m.group(2).strip()}">', html
        )

    named._gradref_named = True
    context["generate_toctree_html"] = named


def setup(app) -> None:
    app.add_node(nodes.citation, override=True, html=(visit_citation, depart_citation))
    app.add_node(HideCodeCellNode, override=True, html=(visit_hidden_cell, depart_HideCellInput))
    app.connect("doctree-read", fix_exercises, priority=600)
    # after the theme's own html-page-context hook (priority 500), which adds the function
    app.connect("html-page-context", name_sidebar_toggles, priority=600)
    # After sphinx-togglebutton's script, whose buttons it names.
    app.add_js_file("gradref-a11y.js", priority=800, loading_method="defer")
