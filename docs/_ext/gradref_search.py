"""The site's search: results that land on an identity's section, ranked and summarised.

Sphinx's search (``searchtools.js``) finds an index entry, a section title or a page's
words, and scores the match; it knows nothing of identities. This extension and the scorer
file it goes with (``gradref_search.js``, set as ``html_search_scorer`` in conf.py) add:

- ``_index_entries_anchor_their_section``: an index entry at the top of a section (the
  identities' keywords, written by docs/_chapters.py) points at the section, not at the
  paragraph after it, so a result opens at the identity's heading and its snippet is the
  identity's text.
- ``_identity_keywords_on_the_search_page``: the search page carries, for each identity
  section, its keywords in the catalog's order and its place in the reference, and the
  pages in the site's reading order, which the scorer uses to rank identities above prose
  and to order equal matches by relevance rather than alphabetically.
"""

from __future__ import annotations

import json

from docutils import nodes
from sphinx import addnodes


def _index_entries_anchor_their_section(app, doctree) -> None:
    # Sphinx anchors an index entry at a target of its own ("index-3"), which docutils
    # moves onto the next element: the first paragraph of the section, whose text alone
    # becomes the result's snippet. Entries that open a section (before its first
    # paragraph) are about the section: anchor them at its id instead.
    for section in doctree.findall(nodes.section):
        if not section["ids"]:
            continue
        for child in section.children[1:]:  # after the title
            if isinstance(child, addnodes.index):
                child["entries"] = [
                    (kind, value, section["ids"][0], main, key)
                    for kind, value, _target, main, key in child["entries"]
                ]
            elif not isinstance(child, nodes.target):
                break


def identity_sections(app) -> dict[str, dict]:
    """``"<docname>#<section id>"`` of each identity: its keywords (in order) and reading order."""
    from gradref.catalog import catalog

    labels = app.env.get_domain("std").labels
    sections = {}
    for order, identity in enumerate(catalog()):
        if identity.id.lower() not in labels:  # a build of a part of the docs
            continue
        docname, anchor, _title = labels[identity.id.lower()]
        sections[f"{docname}#{anchor}"] = {
            "id": identity.id,
            "keywords": [keyword.lower() for keyword in identity.keywords],
            "order": order,
        }
    return sections


def reading_order(env) -> list[str]:
    """Every page, in the order of the site's table of contents (pages outside it last)."""
    order: list[str] = []

    def visit(docname: str) -> None:
        if docname in order:
            return
        order.append(docname)
        for child in env.toctree_includes.get(docname, ()):
            visit(child)

    visit(env.config.root_doc)
    return order + sorted(set(env.found_docs) - set(order))


def _js_value(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False).replace("</", "<\\/")


def _identity_keywords_on_the_search_page(app, pagename, templatename, context, doctree):
    if pagename != "search":
        return
    app.add_js_file(None, body=f"window.GRADREF_IDENTITIES = {_js_value(identity_sections(app))};")
    app.add_js_file(None, body=f"window.GRADREF_PAGES = {_js_value(reading_order(app.env))};")


def setup(app):
    app.connect("doctree-read", _index_entries_anchor_their_section)
    app.connect("html-page-context", _identity_keywords_on_the_search_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
