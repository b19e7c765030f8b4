"""The site's search: results that land on an identity's section, ranked and summarised.

Sphinx's search (``searchtools.js``) finds an index entry, a section title or a page's
words, and scores the match; it knows nothing of identities. This extension and the scorer
file it goes with (``gradref_search.js``, set as ``html_search_scorer`` in conf.py) add:

- ``_index_entries_anchor_their_section``: an index entry at the top of a section (the
  identities' keywords, written by docs/_ext/gradref_catalog.py) points at the section, not at the
  paragraph after it, so a result opens at the identity's heading and its snippet is the
  identity's text.
- ``_identity_keywords_on_the_search_page``: the search page carries, for each identity
  section, its keywords in the catalog's order and its place in the reference, and the
  pages in the site's reading order, which the scorer uses to rank identities above prose
  and to order equal matches by relevance rather than alphabetically.
"""

from __future__ import annotations

import json
from pathlib import Path

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
    """``"<docname>#<section id>"`` of each identity: its keywords (in order) and reading order.

    From the catalog's records (docs/_ext/gradref_catalog.py), in reading order; their
    keywords are the identity's ``search_terms``.
    """
    labels = app.env.get_domain("std").labels
    sections = {}
    for order, record in enumerate(app.gradref_export["identities"]):
        if record["id"].lower() not in labels:  # a build of a part of the docs
            continue
        docname, anchor, _title = labels[record["id"].lower()]
        sections[f"{docname}#{anchor}"] = {
            "id": record["id"],
            "keywords": [keyword.lower() for keyword in record["keywords"]],
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


# Sphinx (9.0) collects a page's index entries for the search index while it writes the
# page, after it has saved the environment: the next build's environment lacks the entries
# of every page written before, and an incremental build publishes a search index with
# only the entries of the pages it rewrote (an identity's keywords would no longer find
# it). The entries are saved beside the doctrees at the end of each build and put back
# into the environment before it is saved, for every page that still exists; a page that
# is written again replaces its own. Remove when Sphinx keeps them itself.
ENTRIES_FILE = "gradref-search-index-entries.json"


def _keep_index_entries(app, env) -> None:
    entries = env._search_index_index_entries
    # The environment's own entries of a page that no longer exists (a chapter split or
    # renumbered) would make Sphinx's search index fail (KeyError in IndexBuilder.freeze).
    for docname in [d for d in entries if d not in env.all_docs]:
        del entries[docname]
    path = Path(app.doctreedir) / ENTRIES_FILE
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    for docname, found in saved.items():
        if docname in env.all_docs and docname not in entries:
            entries[docname] = [tuple(entry) for entry in found]


def _save_index_entries(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    entries = getattr(app.env, "_search_index_index_entries", None)
    if entries is None:
        return
    text = json.dumps(entries, sort_keys=True, ensure_ascii=False)
    path = Path(app.doctreedir) / ENTRIES_FILE
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def setup(app):
    app.connect("doctree-read", _index_entries_anchor_their_section)
    app.connect("env-updated", _keep_index_entries)
    app.connect("build-finished", _save_index_entries)
    app.connect("html-page-context", _identity_keywords_on_the_search_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
