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
    "sphinx_proof",
    "sphinx_exercise",
    "sphinx_copybutton",
    "sphinx_togglebutton",  # hides solutions (class dropdown) until the reader opens them
    "sphinx_design",
    "sphinxcontrib.bibtex",
    "sphinx-mathjax-offline",  # serves MathJax 3 from _static: nothing is fetched from a CDN
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
html_copy_source = True
html_sourcelink_suffix = ""
copybutton_prompt_text = r">>> |\.\.\. "
copybutton_prompt_is_regexp = True


def setup(app):
    # A changed src/ changes this value, which Sphinx treats as a configuration change
    # that invalidates every page: all pages are re-read and re-executed.
    app.add_config_value("gradref_source_hash", "", "env")
