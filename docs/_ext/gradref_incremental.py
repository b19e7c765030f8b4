"""What a build that reads no page can skip (the no-change rebuild, ``nox -s buildtime``).

Two hooks: figure numbers are assigned again only when what they are assigned from changed;
the search page is rendered again only when some page was written.

sphinx-exercise turns ``numfig`` on (it numbers the exercises), and Sphinx (9.0) then
assigns figure numbers after every build's reading phase by walking the doctree of every
page of the site: 66 pickles loaded, 30,000 nodes visited, about a second, the largest
part of a rebuild in which nothing changed. The numbers depend only on the doctrees, the
toctrees (themselves in the doctrees), the section numbers and the ``numfig*`` options,
which are "env" options (changing one makes Sphinx read every page); so when no page was
read and none removed, the numbers of the last build stand and the walk is skipped. Section
numbers (cheap: they come from the table of contents, not the doctrees) are assigned as
before.

When pages were read (an identity edited: its chapter page), the walk is skipped too if
nothing it reads changed. What it reads of a page is its outline (:class:`FigureOutlines`,
taken as each page is read, where its doctree is at hand): in document order, each section
(where a section number may start), each table of contents with its entries, and each
element the walk numbers, with its type and id, found as the walk finds them. If every
page's outline, every section number and the ``numfig`` options are those of the last
walk, the walk would give the same numbers: those of the last walk are put back (Sphinx
clears a page's numbers when it reads the page again).

The search page (``search.html``) is rendered by Sphinx after every build, pages written
or not: the theme's templates compiled and the page context built for it alone, about half a
second of a rebuild in which nothing changed. Its content is the layout around the search
box: the site's navigation (from the tables of contents), the templates and the
configuration. A change to a page's title or place (a page read again), to a template or to
the configuration makes Sphinx write pages again; so when no page was written and the
search page is there from an earlier build, that page stands. (Like every other page not
written, it keeps its links to the static files it was written with.)

Remove these when Sphinx skips the walk, and the search page of a build that wrote nothing,
itself.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.domains.std import StandardDomain
from sphinx.environment.collectors import EnvironmentCollector
from sphinx.environment.collectors.toctree import TocTreeCollector


def _figure_type(env, node) -> str | None:
    """The type under which Sphinx's walk numbers ``node`` (its ``get_figtype``), or None."""
    for domain in env.domains.sorted():
        figtype = domain.get_enumerable_node_type(node)
        if isinstance(domain, StandardDomain) and not domain.get_numfig_title(node):
            continue  # an element without a caption is not numbered
        if figtype:
            return figtype
    return None


def outline(env, doctree) -> tuple:
    """What Sphinx's figure-numbering walk reads of a page, in the order it reads it."""
    candidates = (nodes.container, *{c for d in env.domains.sorted() for c in d.enumerable_nodes})
    found: list[tuple] = []

    def walk(element) -> None:
        for child in element.children:
            if isinstance(child, nodes.section):
                found.append(("section", child["ids"][0] if child["ids"] else ""))
                walk(child)
                found.append(("end",))
            elif isinstance(child, addnodes.toctree):
                found.append(("toctree", tuple(name for _, name in child["entries"])))
            elif isinstance(child, nodes.Element):
                figtype = _figure_type(env, child) if isinstance(child, candidates) else None
                if figtype and child["ids"]:
                    found.append(("numbered", figtype, child["ids"][0]))
                walk(child)

    walk(doctree)
    return tuple(found)


class FigureOutlines(EnvironmentCollector):
    """Each page's :func:`outline`, in ``env.gradref_figure_outlines``."""

    def clear_doc(self, app, env, docname) -> None:
        getattr(env, "gradref_figure_outlines", {}).pop(docname, None)

    def merge_other(self, app, env, docnames, other) -> None:
        outlines = env.__dict__.setdefault("gradref_figure_outlines", {})
        for docname in docnames:
            outlines[docname] = other.gradref_figure_outlines[docname]

    def process_doc(self, app, doctree) -> None:
        env = app.env
        env.__dict__.setdefault("gradref_figure_outlines", {})[env.docname] = outline(env, doctree)


def _note_reading(app, env, docnames) -> None:
    app.gradref_pages_read = app.gradref_pages_read or bool(docnames)


def _note_removal(app, env, docname) -> None:
    app.gradref_pages_read = True  # env-purge-doc: a page removed (or about to be read again)


def _copy(fignumbers: dict) -> dict:
    """``env.toc_fignumbers`` copied: page -> figure type -> id -> number (a tuple)."""
    return {
        name: {kind: dict(ids) for kind, ids in kinds.items()} for name, kinds in fignumbers.items()
    }


def _numbers_if_read(collector: TocTreeCollector):
    def get_updated_docs(app, env) -> list[str]:
        rewrite = collector.assign_section_numbers(env)
        if not getattr(app, "gradref_pages_read", True):
            return rewrite
        outlines = getattr(env, "gradref_figure_outlines", None)
        options = (env.config.numfig, env.config.numfig_secnum_depth)
        walked = getattr(env, "gradref_walked", None)
        if (
            outlines is not None
            and walked is not None
            and walked[:3] == (outlines, env.toc_secnumbers, options)
        ):
            # A page read again lost its numbers (Sphinx clears them with the page).
            env.toc_fignumbers = _copy(walked[3])
            return rewrite
        rewrite += collector.assign_figure_numbers(env)
        if outlines is not None:
            env.gradref_walked = (
                dict(outlines),
                {name: dict(numbers) for name, numbers in env.toc_secnumbers.items()},
                options,
                _copy(env.toc_fignumbers),
            )
        return rewrite

    return get_updated_docs


def _search_page_if_written(builder, app):
    handle_page, write_documents = builder.handle_page, builder.write_documents

    def write(docnames):
        app.gradref_pages_written = app.gradref_pages_written or bool(docnames)
        return write_documents(docnames)

    def handle(pagename, *args, **kwargs):
        if (
            pagename == "search"
            and not app.gradref_pages_written
            and Path(builder.get_outfilename("search")).is_file()
        ):
            return None
        return handle_page(pagename, *args, **kwargs)

    return write, handle


def _wrap_search_page(app) -> None:
    """Put the wrappers in place of the HTML builder's ``write_documents`` (which notes that
    pages were written) and ``handle_page`` (which skips the search page otherwise)."""
    app.gradref_pages_written = False
    if app.builder.format == "html" and hasattr(app.builder, "handle_page"):
        app.builder.write_documents, app.builder.handle_page = _search_page_if_written(
            app.builder, app
        )


def _wrap_toctree_collector(app) -> None:
    """Put the wrapper in place of the table-of-contents collector's env-get-updated handler."""
    app.gradref_pages_read = False
    for listener in list(app.events.listeners["env-get-updated"]):
        collector = getattr(listener.handler, "__self__", None)
        if isinstance(collector, TocTreeCollector):
            app.disconnect(listener.id)
            app.connect("env-get-updated", _numbers_if_read(collector), priority=listener.priority)
            return
    raise RuntimeError("gradref_incremental: Sphinx's toctree collector was not found")


def setup(app):
    app.add_env_collector(FigureOutlines)
    app.connect("builder-inited", _wrap_toctree_collector)
    app.connect("builder-inited", _wrap_search_page)
    app.connect("env-before-read-docs", _note_reading)
    app.connect("env-purge-doc", _note_removal)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
