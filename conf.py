"""Sphinx configuration of the gradref site (sources in docs/, output in _build/html)."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent

# The package of this checkout, whatever copy of it is installed; and the site's own
# extensions: docs/_ext (the verified catalog and its pages, execution, search,
# reproducibility, accessibility and light pages).
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

project = "gradref"
author = "the gradref developers"
copyright = "2026, the gradref developers"
# The version is written once, in the package (pyproject.toml reads it there too).
release = re.search(
    r'^__version__ = "([^"]+)"', (ROOT / "src" / "gradref" / "__init__.py").read_text(), re.M
).group(1)

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "numpydoc",
    "sphinxcontrib.katex",  # math is rendered to HTML at build time (see "Math" below)
    "katex_startup",  # docs/_ext: KaTeX's server started reliably, one connection per process
    "sphinx_exercise",
    "sphinx_copybutton",
    "sphinx_togglebutton",  # hides solutions (class dropdown) until the reader opens them
    "sphinx_design",
    "sphinxcontrib.bibtex",
    "gradref_catalog",  # docs/_ext: verifies the catalog once (cached), writes its pages
    "gradref_execution",  # docs/_ext: executed pages run again only when what they read changes
    "gradref_search",  # docs/_ext: results that land on an identity's section
    "gradref_addresses",  # docs/_ext: id/<identity>.html, and the old addresses as redirects
    "gradref_reproducible",  # docs/_ext: two builds of a commit are byte-identical
    "gradref_site",  # docs/_ext: accessibility and light pages
    "gradref_notebooks",  # docs/_ext: pages readers run, offered as notebooks
    "gradref_incremental",  # docs/_ext: what a build that reads no page skips
    "parallel_errors",  # docs/_ext: a page failing in a parallel build fails the build
    "gradref_chunks",  # docs/_ext: parallel writing starts and ends with small chunks
    "gradref_exit",  # docs/_ext: the process exits without scanning every object again
]

# _static holds data, not pages: its .md files (the benchmark table) are included by pages;
# _generated holds the lists that the catalog, errata and concordance pages include.
exclude_patterns = [
    "_build",
    "_static",
    "_generated",
    "**.ipynb_checkpoints",
    "Thumbs.db",
    ".DS_Store",
]
nitpicky = True
nitpick_ignore_regex = [(r"py:.*", r"(np\.|numpy\.|optional|callable|scalar|ndarray|array_like).*")]

# -- MyST and execution --------------------------------------------------------------------
myst_enable_extensions = ["amsmath", "colon_fence", "dollarmath", "deflist", "substitution"]
myst_heading_anchors = 3
nb_render_markdown_format = "myst"
nb_execution_mode = "cache"
nb_execution_raise_on_error = False  # a failing cell is a warning, and -W makes it fail the build;
# unlike an exception, the warning (with the traceback naming the identity) survives -j 2.
nb_execution_show_tb = True
nb_execution_timeout = 300
nb_merge_streams = True
# The execution cache matches a page by its code only; docs/_ext/gradref_execution.py
# empties it (and reads the executed pages again) whenever what they read changes. It lives
# outside _build/html, so cleaning the HTML output keeps it.
nb_execution_cache_path = str(ROOT / "_build" / "jupyter_cache" / "pages")
# ipykernel (7.4+) warns, once per executed page, that its kernel "is running over TCP
# without encryption" unless the kernel manager gives it CurveZMQ keys. myst-nb starts
# kernels through nbclient without passing any kernel-manager configuration, so set the
# manager's default instead: provision keys whenever the kernelspec says it supports them
# (ipykernel's does). The kernel then talks to the build encrypted, and the warning has no
# cause left; remove this when myst-nb can configure the kernel manager.
from jupyter_client.manager import KernelManager  # noqa: E402

if KernelManager.class_traits().get("transport_encryption") is not None:  # jupyter_client 8.9+
    KernelManager.transport_encryption.default_value = "auto"

# -- API reference ----------------------------------------------------------------------------
autodoc_default_options = {"members": True, "show-inheritance": False}
autodoc_typehints = "none"
autodoc_member_order = "bysource"
autosummary_generate = False  # numpydoc turns autosummary on; nothing here uses it
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
numpydoc_class_members_toctree = False

# -- Citations ---------------------------------------------------------------------------------
bibtex_bibfiles = ["docs/references.bib"]  # relative to this file
bibtex_default_style = "unsrt"
bibtex_reference_style = "author_year"

# -- HTML ----------------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "gradref — verified gradient identities"
html_static_path = ["docs/_static"]
html_css_files = ["gradref.css", ("print.css", {"media": "print"})]
html_js_files = [("print.js", {"defer": "defer"})]  # print.css's switch and formula sizes
html_favicon = "docs/_static/favicon.svg"
html_context = {"default_mode": "auto"}
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "use_source_button": False,
    "use_repository_button": False,
    "home_page_in_toc": True,
    # Only the current page's branch is expanded in the sidebar: the whole tree, resolved
    # and parsed again for each of the 160 pages, was a third of the HTML writing time
    # (31 of 75 CPU s), and 20 kB of every page.
    "collapse_navbar": True,
}
html_last_updated_fmt = None
# Results show at once; then each one's snippet is read from its page, on this site.
html_show_search_summary = True
html_use_index = False  # the API page and the search cover it; saves a second per build
html_domain_indices = False
html_copy_source = True
html_sourcelink_suffix = ""
copybutton_prompt_text = r">>> |\.\.\. "
copybutton_prompt_is_regexp = True


# -- Math ------------------------------------------------------------------------------------------
# KaTeX renders every formula to HTML while the site is built (node runs the katex.min.js
# that ships in the PyPI package sphinxcontrib-katex), so a page shows its math as soon as it
# loads, with no script and no network. Its stylesheet and fonts come from the npm package of
# the same version, installed by `nox -s docs` into _build/npm (never committed) and copied
# into the output. A formula KaTeX cannot parse fails the build.
katex_prerender = True
katex_css_path = "katex/katex.min.css"
# sphinxcontrib-katex prerenders with throwOnError=False, which would publish a formula it
# cannot parse as red source text; it has no setting for that, so set its default here. And
# strict: input that KaTeX renders but LaTeX would not (a Unicode × inside a formula) is an
# error too, where KaTeX's default printed a warning to the terminal and the build went on.
import sphinxcontrib.katex as _katex  # noqa: E402

_katex.KATEX_DEFAULT_OPTIONS = {
    **_katex.KATEX_DEFAULT_OPTIONS,
    "throwOnError": True,
    "strict": "error",
}
KATEX_DIST = ROOT / "_build" / "npm" / "node_modules" / "katex" / "dist"


def _copy_katex_assets(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    if not (KATEX_DIST / "katex.min.css").is_file():
        raise RuntimeError(
            f"KaTeX's stylesheet is missing from {KATEX_DIST}: build with `nox -s docs`, "
            "which installs it from npm"
        )
    target = Path(app.outdir) / "_static" / "katex"
    if (target / "katex.min.css").is_file():
        return  # already there from an earlier build of this output
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(KATEX_DIST / "katex.min.css", target / "katex.min.css")
    shutil.copytree(KATEX_DIST / "fonts", target / "fonts", dirs_exist_ok=True)


def _offer_notebook_download(app, pagename, templatename, context, doctree) -> None:
    # Each executed page can be downloaded as the notebook that was run for it (with its
    # outputs), beside its MyST source: the theme's download menu lists `ipynb_source`.
    notebook = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not notebook.is_file():
        return
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(notebook, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def setup(app):
    app.connect("html-page-context", _offer_notebook_download, priority=400)
    app.connect("build-finished", _copy_katex_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
