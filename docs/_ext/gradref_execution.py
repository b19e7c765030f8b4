"""The executed pages (the sheet, the guide, the conventions): run again only when what they read changes.

myst-nb's execution cache (``nb_execution_cache_path``) matches a page by the text of its
code cells alone, so it would serve a page's old outputs after a change in the package.
The pages are therefore keyed here on what they read: the core of the package
(``src/gradref/*.py``), the identities modules (or packages) of the families the sheet uses
(:data:`SHEET_FAMILIES`) or an executed page names, and the benchmark data the guide shows (``docs/_static/bench``).
When that key changes, the cache is emptied and the executed pages are read (so run)
again. An edit to another family's module (the reference chapters, which are not
executed: see gradref_catalog) leaves them alone.

- ``_key_the_execution_cache`` (config-inited): compares the key with the one the cache
  was filled under (``KEY`` in the cache folder) and empties the cache if they differ.
  The cache folder's name stays the same, since myst-nb's configuration values are
  "env" values: changing one would make Sphinx read every page again.
- ``_outdated_executed_pages`` (env-get-outdated): the executed pages, when the key differs
  from the one the environment was read with; and a page whose execution failed, so that
  its failure (a warning, an error under -W) is reported again instead of being forgotten.
- ``_spread_slow_pages`` (env-before-read-docs): with ``-j``, Sphinx reads the pages in
  chunks of consecutive names, one process per chunk; in name order all the slow pages
  (the executed ones, 2-5 s each, and the API page's autodoc, 2 s) fall in the first
  chunk, which then takes about 15 s while the others are done in 3. They are spread
  over the chunks instead, so that each chunk takes about as long.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

from gradref_slices import family_files

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "gradref"

#: The families whose identities the executed pages use (sheet 01, the conventions).
SHEET_FAMILIES = ("rules", "linear", "quadratic", "norms", "losses", "elementary")


def families_read_by_pages() -> set[str]:
    """The families an executed page names: ``identities.<family>``, ``from gradref.identities
    import a, b`` or an id ``"<family>.<name>"`` (another page, such as backprop, may use
    families beyond the sheet's)."""
    families = {p.stem for p in (PACKAGE / "identities").glob("*.py")} - {"__init__"}
    families |= {p.parent.name for p in (PACKAGE / "identities").glob("*/__init__.py")}
    found = set(SHEET_FAMILIES)
    for page in (ROOT / "docs").rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        if "file_format: mystnb" not in text:
            continue
        found |= set(re.findall(r"identities\.(\w+)", text))
        for names in re.findall(r"from gradref\.identities import ([\w, ]+)", text):
            found |= {name.strip() for name in names.split(",")}
        found |= set(re.findall(r"[\"'](\w+)\.[\w.-]+[\"']", text))
    return found & families


def execution_inputs() -> list[Path]:
    """What the executed pages read besides themselves."""
    return sorted(
        [
            *PACKAGE.glob("*.py"),
            PACKAGE / "identities" / "__init__.py",
            *(
                path
                for family in families_read_by_pages()
                for path in family_files(PACKAGE / "identities", family)
            ),
            *(p for p in (ROOT / "docs" / "_static" / "bench").glob("*") if p.is_file()),
        ]
    )


def execution_key() -> str:
    digest = hashlib.sha256()
    for path in execution_inputs():
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _key_the_execution_cache(app, config) -> None:
    key = execution_key()
    app.gradref_execution_key = key
    if config.nb_execution_mode != "cache" or not config.nb_execution_cache_path:
        return
    cache = Path(config.nb_execution_cache_path)
    stamp = cache / "KEY"
    if not (stamp.is_file() and stamp.read_text() == key):
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True, exist_ok=True)
        stamp.write_text(key)
    # The cache's database is created here, before the pages are read: two parallel readers
    # executing pages at once would otherwise both create its tables, and one would fail.
    if not (cache / "global.db").is_file():  # jupyter_cache.cache.db.DB_NAME
        from jupyter_cache import get_cache

        get_cache(str(cache)).list_cache_records()


def _outdated_executed_pages(app, env, added, changed, removed) -> list[str]:
    from myst_nb.sphinx_ import NbMetadataCollector

    executed, failed = [], []
    for docname in env.found_docs:
        try:
            data = NbMetadataCollector.get_exec_data(env, docname)
        except KeyError:
            continue
        if data is None:
            continue
        executed.append(docname)
        if not data.get("succeeded", True):
            failed.append(docname)
    if getattr(env, "gradref_execution_key", None) != app.gradref_execution_key:
        env.gradref_execution_key = app.gradref_execution_key
        return executed
    return failed


#: Markers of a page that is slow to read: executed, or documenting the API with autodoc.
SLOW_PAGE = re.compile(r"file_format: mystnb|^\.\. auto\w+::|\{auto\w+\}", re.M)


def spread(docnames: list[str], slow: set[str], sizes: list[int]) -> list[str]:
    """``docnames`` reordered so that the chunks of ``sizes`` (in order) share the slow ones."""
    chunks: list[list[str]] = [[] for _ in sizes]
    for index, name in enumerate(n for n in docnames if n in slow):  # round robin, with room
        order = [(index + k) % len(chunks) for k in range(len(chunks))]
        chunks[next(i for i in order if len(chunks[i]) < sizes[i])].append(name)
    rest = iter(name for name in docnames if name not in slow)
    for chunk, size in zip(chunks, sizes, strict=True):
        chunk.extend(next(rest) for _ in range(size - len(chunk)))
    return [name for chunk in chunks for name in chunk]


def _spread_slow_pages(app, env, docnames: list[str]) -> None:
    from sphinx.util.parallel import make_chunks

    if app.parallel <= 1 or len(docnames) < 2:
        return
    slow = {
        name
        for name in docnames
        if SLOW_PAGE.search(Path(env.doc2path(name)).read_text(encoding="utf-8"))
    }
    sizes = [len(chunk) for chunk in make_chunks(docnames, app.parallel)]  # as Sphinx will cut
    docnames[:] = spread(docnames, slow, sizes)


def setup(app):
    app.connect("config-inited", _key_the_execution_cache)
    app.connect("env-get-outdated", _outdated_executed_pages)
    app.connect("env-before-read-docs", _spread_slow_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
