"""Sphinx configuration of the gradref site (sources in docs/, output in _build/html)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def _source_hash() -> str:
    """Hash of everything the executed pages depend on besides themselves: src/."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "src").rglob("*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


SOURCE_HASH = _source_hash()
gradref_source_hash = SOURCE_HASH  # registered in setup(): see there

project = "gradref"
author = "the gradref developers"
copyright = "2026, the gradref developers"
release = "0.1.0"

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "numpydoc",
    "sphinx.ext.mathjax",
    "sphinx_exercise",
    "sphinx_copybutton",
    "sphinx_togglebutton",  # hides solutions (class dropdown) until the reader opens them
    "sphinx_design",
    "sphinxcontrib.bibtex",
    # MathJax 3 is served from _static (see setup() below): nothing is fetched from a CDN.
]

exclude_patterns = ["_build", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
nitpicky = True
nitpick_ignore_regex = [(r"py:.*", r"(np\.|numpy\.|optional|callable|scalar|ndarray|array_like).*")]

# -- MyST and execution --------------------------------------------------------------------
myst_enable_extensions = ["amsmath", "colon_fence", "dollarmath", "deflist", "substitution"]
myst_heading_anchors = 3
nb_render_markdown_format = "myst"
nb_execution_mode = "cache"
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 300
nb_merge_streams = True
# The execution cache is keyed by page content only; keying its folder by a hash of src/
# means a changed package can never be served an old verification.  It lives outside
# _build/html, so cleaning the HTML output keeps it.
_CACHE_ROOT = ROOT / "_build" / "jupyter_cache"
nb_execution_cache_path = str(_CACHE_ROOT / SOURCE_HASH)
if _CACHE_ROOT.is_dir():
    for stale in _CACHE_ROOT.iterdir():
        if stale.name != SOURCE_HASH:
            shutil.rmtree(stale, ignore_errors=True)

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
html_css_files = ["gradref.css"]
html_favicon = "docs/_static/favicon.svg"
html_context = {"default_mode": "auto"}
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "use_source_button": False,
    "use_repository_button": False,
    "home_page_in_toc": True,
}
html_last_updated_fmt = None
html_use_index = False  # the API page and the search cover it; saves a second per build
html_domain_indices = False
html_copy_source = True
html_sourcelink_suffix = ""
copybutton_prompt_text = r">>> |\.\.\. "
copybutton_prompt_is_regexp = True


# -- Offline MathJax ------------------------------------------------------------------------------
# The MathJax 3 distribution comes from the PyPI package sphinx-mathjax-offline (installed by the
# docs dependency group, never committed here); it is copied into the output once.
mathjax_path = "mathjax/tex-chtml.js"


def _mathjax_source() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or spec.origin is None:
        raise RuntimeError("install the docs dependency group: sphinx-mathjax-offline is missing")
    return Path(spec.origin).parent / "static" / "mathjax"


def _copy_mathjax(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    if (target / "tex-chtml.js").is_file():
        return  # already there from an earlier build of this output
    shutil.copytree(_mathjax_source(), target, dirs_exist_ok=True)


def setup(app):
    app.connect("build-finished", _copy_mathjax)
    # A changed src/ changes this value, which Sphinx treats as a configuration change
    # that invalidates every page: all pages are re-read and re-executed.
    app.add_config_value("gradref_source_hash", "", "env")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
