"""Build hooks that make two builds of the same commit byte-identical (``nox -s reproducible``).

- ``_reproducible_notebooks``: each page's downloadable notebook (``_sources/<page>.ipynb``,
  the notebook that was run for the page) is the same whether this build executed the
  page or took its outputs from the execution cache, and from one build to the next.
  Without it:

  - a page taken from the cache was published *without its outputs*, execution counts
    and ``language_info``: myst-nb (1.4) merges the cached outputs into a copy of the
    notebook, renders the copy, and writes the original to ``jupyter_execute/``. The
    outputs are merged again here, from the same cache, without the records of myst-nb's
    ``glue`` (outputs that Jupyter cannot show, which myst-nb takes out of an executed
    notebook).
  - every cell had a *random* id: myst-nb turns a MyST page into a notebook with
    nbformat's ``new_code_cell``/``new_markdown_cell``, which draw one. Each cell now gets
    an id derived from its place and its text.
  - a cell's printed text came in as many outputs as the kernel flushed it in, which
    varies from run to run: consecutive outputs to one stream are joined
    (:func:`merged_streams`).

A notebook already made so by an earlier build (Sphinx did not write its page again) is left
as it is: its digest is kept in the doctree folder (``gradref-notebooks.json``), and the
execution cache (SQLAlchemy, nbformat) is not opened for it.

Remove a step when myst-nb writes the notebook it rendered, or gives its cells stable ids.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path


def stable_cell_id(index: int, source: str) -> str:
    """An id for the ``index``-th cell that depends only on its place and its text."""
    return hashlib.sha256(f"{index}\n{source}".encode()).hexdigest()[:16]


def merged_streams(outputs: list) -> list:
    """Consecutive outputs to one stream (stdout, stderr) joined into one, as Jupyter shows
    them: where a kernel cuts its printed text depends on when it flushed, which differs
    from run to run (seen: one line of the guide's output arriving in two pieces)."""
    merged = []
    for output in outputs:
        last = merged[-1] if merged else None
        if (
            output.get("output_type") == "stream"
            and last is not None
            and last.get("output_type") == "stream"
            and last.get("name") == output.get("name")
        ):
            last["text"] = "".join(last["text"]) + "".join(output["text"])
        else:
            merged.append(output)
    return merged


def text_digest(text: str) -> str:
    """sha256 of ``text`` (hex): what the build's memos compare."""
    return hashlib.sha256(text.encode()).hexdigest()


def load_memo(path: Path) -> dict:
    """A memo an earlier build left (JSON), or ``{}`` if there is none or it is unreadable."""
    try:
        memo = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return memo if isinstance(memo, dict) else {}


def save_memo(path: Path, memo: dict, saved: dict, **options) -> None:
    """Write ``memo`` (JSON, with ``json.dumps``'s ``options``) unless it is ``saved``, the
    one already there."""
    if memo != saved:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(memo, **options), encoding="utf-8")


def _reproducible_notebooks(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    memo_path = Path(app.doctreedir) / "gradref-notebooks.json"
    done = load_memo(memo_path)
    paths = sorted((outdir / "_sources").rglob("*.ipynb"))
    texts = {path: path.read_text(encoding="utf-8") for path in paths}
    memo = {}
    pending = []
    for path, text in texts.items():
        name = path.relative_to(outdir).as_posix()
        if done.get(name) == text_digest(text):
            memo[name] = done[name]
        else:
            pending.append(path)
    if pending:
        import nbformat
        from jupyter_cache import get_cache
        from myst_nb.ext.glue import extract_glue_data_cell

        cache = None
        if app.config.nb_execution_mode == "cache" and app.config.nb_execution_cache_path:
            cache = get_cache(app.config.nb_execution_cache_path)
    for path in pending:
        notebook = nbformat.reads(texts[path], as_version=nbformat.NO_CONVERT)
        # (a page whose execution failed is not in the cache: published as it was run)
        with contextlib.suppress(KeyError):
            if cache is not None:
                _, notebook = cache.merge_match_into_notebook(notebook)
                for cell in notebook.cells:  # glue's records out, as myst-nb takes them
                    if cell.cell_type == "code":
                        extract_glue_data_cell(cell)
        for index, cell in enumerate(notebook.cells):
            if "id" in cell:  # notebook format 4.5 and later
                cell["id"] = stable_cell_id(index, cell.source)
            if cell.cell_type == "code":
                cell.outputs = merged_streams(cell.outputs)
        text = nbformat.writes(notebook)
        if texts[path] != text:
            path.write_text(text, encoding="utf-8")
        memo[path.relative_to(outdir).as_posix()] = text_digest(text)
    save_memo(memo_path, memo, done, indent=0, sort_keys=True)


def setup(app):
    app.connect("build-finished", _reproducible_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
