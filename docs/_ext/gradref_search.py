"""The site's search: questions in a reader's words land on the identity that answers them.

Built with the site, run in the browser, no server (``docs/_ext/search/``):

- ``terms.js`` reads text and queries alike: words (synonyms, stop words, stems), formulas
  (``x^T A x``, ``xᵀAx``, ``x'Ax`` are one term), and what a question asks ("Hessian of ...
  with respect to A": the kind of answer and the variable, which the ranking uses);
- ``build.mjs`` indexes every identity (title, keywords, the formulas it is about, its
  symbols, chapter and topic, kind) and every section of the prose pages with MiniSearch,
  and renders each identity's formula with KaTeX for the results (a file a family);
- ``client.js`` searches as you type in the header's search box of every page, and on
  ``search.html?q=...``, whose results are links, best first.

Why MiniSearch (7.2, npm ``minisearch``): it runs from a serialised index in the page, with
no server and no fetch (the site also works from disk); it has per-field boosts, a
per-document boost (identities above prose; the variable and kind a query names), fuzzy
and prefix matching, and OR queries whose results say which query terms each matched (so
a page can say which words matched nothing). Lunr (2.3.9) has not had a release since
2020, and needs every term of a query unless told otherwise; Pagefind (1.x) indexes the
built HTML into fragments fetched at search time (no file://, and ranking by its own
weights of HTML elements rather than by the catalog's fields). The stemmer is the
``stemmer`` package (Porter); esbuild bundles the two scripts from npm's packages.

When: at ``env-updated`` (after the pages are read, before they are written), so that the
client script and the index are static files Sphinx copies and versions with the rest; the
work is skipped when neither the documents nor the scripts changed.

Sphinx's own search is off (:func:`_no_sphinx_search`): nothing on the site loaded its index
(``searchindex.js``) or its scripts, yet the build's main process fed every page's text to
its indexer, one page after another, while the writers waited: a tenth of a cold build. The
search page (``search.html``, this site's template) is written as an extra page instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

HERE = Path(__file__).parent / "search"
ROOT = Path(__file__).resolve().parents[2]
NPM = ROOT / "_build" / "npm" / "node_modules"
#: Where the scripts are built; a static path of the site (Sphinx copies it to _static/).
OUT = ROOT / "_build" / "search"
STATIC = OUT / "static"
SOURCES = ("terms.js", "options.js", "rank.js", "build.mjs", "client.js", "loader.js")
#: Prose pages whose sections are indexed: every page but the reference chapters (their
#: identities are indexed as identities) and the search page itself.
SKIP = ("search", "genindex", "py-modindex")
#: At most this much of a section's text is indexed and (its start) shown.
TEXT_LIMIT = 3000


def _code_spans(text: str) -> list[str]:
    return re.findall(r"``(.+?)``", text or "")


def identity_documents(app) -> list[dict]:
    """What the index knows of each identity (from its verified record and its code)."""
    labels = app.env.get_domain("std").labels
    family_titles = app.gradref_search_facts["family"]
    topics = app.gradref_search_facts["topic"]
    summaries = app.gradref_search_facts["summary"]
    documents = []
    for record in app.gradref_export["identities"]:
        if record["id"].lower() not in labels:  # a build of a part of the docs
            continue
        docname, anchor, _title = labels[record["id"].lower()]
        functions = _code_spans(summaries[record["id"]])
        lhs = re.match(
            r"\s*\\nabla(?:_\{[^{}]*\}|_\\?\w+)?\s*(?:\^2)?\s*(.+?)(?:\\,\[V\])?\s*=",
            record["formula"],
        )
        if lhs:
            functions.append(lhs.group(1))
        functions += [k for k in record["keywords"] if re.search(r"[\^'|()_]|[a-z][A-Z]", k)]
        documents.append(
            {
                "key": record["id"],
                "type": "identity",
                "id": record["id"],
                "title": record["title"],
                "url": f"{app.builder.get_target_uri(docname)}#{anchor}",
                "keywords": record["keywords"],
                "formula": record["formula"],
                "functions": functions,
                "family": family_titles[record["family"]],
                "topic": topics.get(record["id"], ""),
                "wrt": record["wrt"],
                "kind": record["kind"],
                "hessian": record["hessian"] is not None,
                "cookbook": record["cookbook"],
                "assumptions": record["assumptions"],
            }
        )
    return documents


def _section_text(section: nodes.section) -> str:
    """The section's own text (not its subsections', nor an exercise's hidden solution)."""
    parts = []
    for child in section.children[1:]:
        if isinstance(child, nodes.section):
            continue
        if "solution" in " ".join(child.get("classes", [])) or "solution" in type(child).__name__:
            continue
        parts.append(child.astext())
    return re.sub(r"\s+", " ", " ".join(parts)).strip()[:TEXT_LIMIT]


def _prose_pages(env) -> list[str]:
    return [
        docname
        for docname in sorted(env.found_docs)
        if not docname.startswith(("reference/", "_")) and docname not in SKIP
    ]


def page_documents(app) -> list[dict]:
    """Each titled section of the prose pages (the guide, the conventions, the errata, ...).

    Reused from the last build (``_build/search/pages.json``) when the prose pages and their
    doctrees (name, size, time of writing) are the ones it read: loading the doctrees again
    was most of the search's share of a build in which nothing changed.
    """
    env = app.env
    pages = _prose_pages(env)
    doctrees = Path(app.doctreedir)
    state = []
    for docname in pages:
        try:
            stat = (doctrees / f"{docname}.doctree").stat()
        except OSError:
            state = None
            break
        state.append([docname, stat.st_size, stat.st_mtime_ns])
    saved_path = OUT / "pages.json"
    try:
        saved = json.loads(saved_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        saved = None
    if state is not None and isinstance(saved, dict) and saved.get("state") == state:
        return saved["documents"]
    documents = _page_documents(app, pages)
    if state is not None:
        OUT.mkdir(parents=True, exist_ok=True)
        saved_path.write_text(
            json.dumps({"state": state, "documents": documents}, ensure_ascii=False),
            encoding="utf-8",
        )
    return documents


def _page_documents(app, pages: list[str]) -> list[dict]:
    env = app.env
    documents = []
    for docname in pages:
        doctree = env.get_doctree(docname)
        page = env.titles[docname].astext() if docname in env.titles else docname
        uri = app.builder.get_target_uri(docname)
        for section in doctree.findall(nodes.section):
            if not section["ids"] or not section.children:
                continue
            title = section[0].astext()
            text = _section_text(section)
            if not text and section.parent is not doctree:
                continue
            top = section.parent is doctree
            documents.append(
                {
                    "key": f"page:{docname}#{section['ids'][0]}",
                    "type": "page",
                    "title": page if top else f"{page} › {title}",
                    "page": page,
                    "url": uri if top else f"{uri}#{section['ids'][0]}",
                    "text": text,
                }
            )
    return documents


def _run(command: list[str], **kwargs) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    if done.returncode != 0:
        raise ExtensionError(
            f"gradref search: {' '.join(map(str, command[:2]))} failed:\n{done.stdout}{done.stderr}"
        )


def build_search(app, env) -> None:
    """Write the client script and the index into STATIC (skipped if nothing changed)."""
    if app.builder.format != "html" or not hasattr(app, "gradref_export"):
        return
    documents = identity_documents(app) + page_documents(app)
    text = json.dumps({"documents": documents}, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(text.encode())
    for name in SOURCES:
        digest.update((HERE / name).read_bytes())
    stamp = OUT / "stamp"
    outputs = ("gradref-search-loader.js", "gradref-search.js", "gradref-search-index.js")
    if (
        stamp.is_file()
        and stamp.read_text() == digest.hexdigest()
        and all((STATIC / name).is_file() for name in outputs)
    ):
        return
    esbuild = NPM / ".bin" / "esbuild"
    node = shutil.which("node")
    if not esbuild.is_file() or node is None:
        raise ExtensionError(
            "gradref search: esbuild and node are needed (`nox -s docs` installs them into "
            "_build/npm)"
        )
    shutil.rmtree(STATIC, ignore_errors=True)  # no family's formulas left from a past build
    STATIC.mkdir(parents=True, exist_ok=True)
    (OUT / "documents.json").write_text(text, encoding="utf-8")
    bundle_env = {**os.environ, "NODE_PATH": str(NPM)}
    common = ["--bundle", "--log-level=warning", "--legal-comments=none"]
    _run(
        [str(esbuild), str(HERE / "build.mjs"), *common, "--platform=node", "--format=esm",
         f"--outfile={OUT / 'build.bundle.mjs'}"],
        env=bundle_env,
    )  # fmt: skip
    _run([node, str(OUT / "build.bundle.mjs"), str(OUT / "documents.json"), str(STATIC)])
    _run(
        [str(esbuild), str(HERE / "client.js"), *common, "--format=iife", "--minify",
         "--target=es2020", f"--outfile={STATIC / 'gradref-search.js'}"],
        env=bundle_env,
    )  # fmt: skip
    bundle = hashlib.sha256((STATIC / "gradref-search.js").read_bytes()).hexdigest()[:16]
    _run(
        [str(esbuild), str(HERE / "loader.js"), "--minify", "--log-level=warning",
         f"--define:GRADREF_SEARCH_BUNDLE={json.dumps(bundle)}",
         f"--outfile={STATIC / 'gradref-search-loader.js'}"],
    )  # fmt: skip
    stamp.write_text(digest.hexdigest())
    logger.info(f"gradref search: {len(documents)} documents indexed")


def _static_path(app, config) -> None:
    STATIC.mkdir(parents=True, exist_ok=True)
    if str(STATIC) not in config.html_static_path:
        config.html_static_path.append(str(STATIC))


def _no_sphinx_search(app) -> None:
    """Sphinx's search index off (see the module's doc); a stale one from an earlier build
    removed."""
    if app.builder.format != "html" or not hasattr(app.builder, "search"):
        return
    app.builder.search = False
    for name in ("searchindex.js", "searchindex.js.tmp"):
        (Path(app.outdir) / name).unlink(missing_ok=True)


def _search_page(app):
    """The search page, which Sphinx writes only with its own search on."""
    if app.builder.format == "html":
        yield "search", {}, "search.html"


def setup(app):
    app.connect("builder-inited", _no_sphinx_search)
    app.connect("html-collect-pages", _search_page)
    app.connect("config-inited", _static_path)
    app.connect("env-updated", build_search)
    app.add_js_file("gradref-search-loader.js", defer="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
