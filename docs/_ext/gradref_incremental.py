"""What a build that reads no page can skip (the no-change rebuild, ``nox -s buildtime``).

Two hooks: figure numbers are assigned again only when some page was read or removed; the
search page is rendered again only when some page was written.

sphinx-exercise turns ``numfig`` on (it numbers the exercises), and Sphinx (9.0) then
assigns figure numbers after every build's reading phase by walking the doctree of every
page of the site: 66 pickles loaded, 30,000 nodes visited, about a second, the largest
part of a rebuild in which nothing changed. The numbers depend only on the doctrees, the
toctrees (themselves in the doctrees), the section numbers and the ``numfig*`` options,
which are "env" options (changing one makes Sphinx read every page); so when no page was
read and none removed, the numbers of the last build stand and the walk is skipped. Section
numbers (cheap: they come from the table of contents, not the doctrees) are assigned as
before.

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

from sphinx.environment.collectors.toctree import TocTreeCollector


def _note_reading(app, env, docnames) -> None:
    app.gradref_pages_read = app.gradref_pages_read or bool(docnames)


def _note_removal(app, env, docname) -> None:
    app.gradref_pages_read = True  # env-purge-doc: a page removed (or about to be read again)


def _numbers_if_read(collector: TocTreeCollector):
    def get_updated_docs(app, env) -> list[str]:
        if getattr(app, "gradref_pages_read", True):
            return collector.get_updated_docs(app, env)
        return collector.assign_section_numbers(env)

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
    app.connect("builder-inited", _wrap_toctree_collector)
    app.connect("builder-inited", _wrap_search_page)
    app.connect("env-before-read-docs", _note_reading)
    app.connect("env-purge-doc", _note_removal)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
