"""Downloadable notebooks of the executed pages that readers are invited to run.

One documented purpose: before the sources are read, each page named in ``NOTEBOOKS`` is
converted from its MyST Markdown into a Jupyter notebook (myst-nb's own reader), written to
``docs/_static/<page>.ipynb`` (ignored by git), which the page links with ``{download}``. The
notebook is the page itself, so it cannot drift from what the build executed. Its cells get
ids derived from their place and text (nbformat draws random ones), so that an unchanged
page gives the same file: the page depends on it, and a rewritten file would make Sphinx
read and write the page again on every build.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from gradref_reproducible import stable_cell_id
from myst_nb.core.read import read_myst_markdown_notebook

#: Pages offered as notebooks.
NOTEBOOKS = ("backprop", "deriving")


def write_notebooks(app, config) -> None:
    docs = Path(app.srcdir)
    for page in NOTEBOOKS:
        notebook = read_myst_markdown_notebook((docs / f"{page}.md").read_text())
        notebook.metadata.pop("file_format", None)
        for index, cell in enumerate(notebook.cells):
            cell.id = stable_cell_id(index, cell.source)
        text = nbformat.writes(notebook)
        target = docs / "_static" / f"{page}.ipynb"
        if not target.is_file() or target.read_text() != text:
            target.write_text(text)


def setup(app):
    app.connect("config-inited", write_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
