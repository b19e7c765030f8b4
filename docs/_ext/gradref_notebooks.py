"""Downloadable notebooks of the executed pages that readers are invited to run.

One documented purpose: before the sources are read, each page named in ``NOTEBOOKS`` is
converted from its MyST Markdown into a Jupyter notebook (myst-nb's own reader), written to
``docs/_static/<page>.ipynb`` (ignored by git), which the page links with ``{download}``. The
notebook is the page itself, so it cannot drift from what the build executed. Its cells get
ids derived from their place and text (nbformat draws random ones), so that an unchanged
page gives the same file: the page depends on it, and a rewritten file would make Sphinx
read and write the page again on every build. A page whose text (and the versions of myst-nb
and nbformat) gave the notebook that is there is not converted again: the doctree folder
keeps what each notebook was made from (``gradref-notebook-sources.json``).
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import nbformat
from gradref_reproducible import load_memo, save_memo, stable_cell_id, text_digest
from myst_nb.core.read import read_myst_markdown_notebook

#: Pages offered as notebooks.
NOTEBOOKS = ("backprop", "deriving")


def write_notebooks(app, config) -> None:
    docs = Path(app.srcdir)
    memo_path = Path(app.doctreedir) / "gradref-notebook-sources.json"
    made = load_memo(memo_path)
    versions = f"myst-nb {version('myst-nb')}, nbformat {version('nbformat')}"
    memo = {}
    for page in NOTEBOOKS:
        source = (docs / f"{page}.md").read_text()
        target = docs / "_static" / f"{page}.ipynb"
        key = [text_digest(f"{versions}\n{source}"), None]
        if target.is_file():
            key[1] = text_digest(target.read_text())
            if made.get(page) == key:
                memo[page] = key
                continue
        notebook = read_myst_markdown_notebook(source)
        notebook.metadata.pop("file_format", None)
        for index, cell in enumerate(notebook.cells):
            cell.id = stable_cell_id(index, cell.source)
        text = nbformat.writes(notebook)
        if not target.is_file() or target.read_text() != text:
            target.write_text(text)
        memo[page] = [key[0], text_digest(text)]
    save_memo(memo_path, memo, made, indent=0, sort_keys=True)


def setup(app):
    app.connect("config-inited", write_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
