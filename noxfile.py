"""The one entry point: ``nox -s tests``, ``nox -s docs``, ``nox -s lint``, ``nox -s pdf``.

Every session but ``bench`` runs on the Python that runs nox (it names no version), so a
machine with only Python 3.12, say, runs them on 3.12 instead of skipping them. A Python
older than the package's ``requires-python`` fails at the install step, pip saying why.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["lint", "tests", "docs", "site"]
# An interpreter asked for on the command line (`--force-python 3.13`) that is not there
# is an error, never a skipped session that exits 0 with nothing run.
nox.options.error_on_missing_interpreters = True

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
KATEX_VERSION = "0.16.22"  # the katex.min.js inside sphinxcontrib-katex 0.9.11
# Warnings are errors; -j 2 reads (and executes) pages in parallel. `nox -s pdf` runs it too.
SPHINX_BUILD = (
    "sphinx-build", "-j", "2", "-W", "--keep-going", "-n", "-c", ".", "-d", "_build/doctrees",
    "-b", "html", "docs", "_build/html",
)  # fmt: skip


def install(session: nox.Session, *groups: str) -> None:
    """Install the package (editable, so pages and tests see ``src/``) and dependency groups."""
    requirements = [
        req for group in groups for req in nox.project.dependency_groups(PYPROJECT, group)
    ]
    session.install("-e", ".", *requirements)


@nox.session
def tests(session: nox.Session) -> None:
    """Unit, property (Hypothesis), symbolic and doctests."""
    install(session, "test")
    session.run("pytest", "-m", "not browser", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the site into _build/html, executing every page; any warning fails the build.

    ``nox -s docs -- clean`` removes the HTML output first (the execution cache is kept).
    """
    install(session, "docs")
    # KaTeX's stylesheet and fonts, from npm, at the version that sphinxcontrib-katex bundles.
    if not (ROOT / "_build" / "npm" / "node_modules" / "katex" / "package.json").is_file():
        session.run(
            "npm", "install", "--prefix", "_build/npm", "--no-save", "--no-audit", "--no-fund",
            f"katex@{KATEX_VERSION}", external=True,
        )  # fmt: skip
    if "clean" in session.posargs:
        shutil.rmtree(ROOT / "_build" / "html", ignore_errors=True)
        shutil.rmtree(ROOT / "_build" / "doctrees", ignore_errors=True)
    session.run(*SPHINX_BUILD)
    session.log(f"site built: open {ROOT / '_build' / 'html' / 'index.html'}")


@nox.session
def site(session: nox.Session) -> None:
    """Test the built site (run `nox -s docs` first) in headless Chromium from Debian.

    Needs /usr/bin/chromium (Debian package `chromium`); Playwright drives it, never
    downloading a browser of its own.
    """
    install(session, "test", "site")
    session.run("pytest", "-m", "browser", "tests/test_site.py", *session.posargs)


@nox.session
def pdf(session: nox.Session) -> None:
    """Print the whole reference to one PDF, _build/pdf/gradref.pdf (run `nox -s docs` first).

    Chromium (Debian's, as in `nox -s site`) prints every page of the built site with its
    print stylesheet; tools/pdf.py merges them behind a table of contents, with bookmarks
    and page numbers. ``-- --solutions hidden`` leaves the exercises' solutions out.

    The PDF is then published with the site: copied to _build/html/gradref.pdf, and the
    site rebuilt with the tag ``pdf`` (no page is executed again; every page is rewritten),
    which is what makes the home page link to it. A site built by `nox -s docs` alone has no
    link, so it never points to a PDF that is not there. Last, tests/test_pdf.py checks it.
    """
    install(session, "docs", "pdf", "test")
    session.run("python", "tools/pdf.py", *session.posargs)
    shutil.copy2(ROOT / "_build" / "pdf" / "gradref.pdf", ROOT / "_build" / "html" / "gradref.pdf")
    session.run(*SPHINX_BUILD, "-t", "pdf")
    session.run("pytest", "-m", "browser", "tests/test_pdf.py")


# The one session tied to a version: torch 2.13.0 is pinned to the CPU wheel for Python 3.11
# that lies on these machines' disk (for another Python, pip downloads a multi-GB CUDA
# build). Without a Python 3.11 this session fails (see error_on_missing_interpreters).
@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """Benchmark the derivative checker against scipy, torch, jax and numdifftools.

    Writes docs/_static/bench/checkers.{csv,md} and machine.json; ``-- --quick`` for a smoke run.
    """
    install(session, "bench")
    session.run("python", "benchmarks/bench_checkers.py", *session.posargs)


@nox.session(venv_backend="none")
def buildtime(session: nox.Session) -> None:
    """Time cold, no-change and one-page-edit docs builds (run `nox -s docs` once first)."""
    python = ROOT / ".nox" / "docs" / "bin" / "python"
    if not python.is_file():
        session.error("run `nox -s docs` first: this session reuses its environment")
    session.run(str(python), "benchmarks/build_times.py", external=True)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff lint and format check."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
