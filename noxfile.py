"""The one entry point: ``nox -s tests``, ``nox -s docs``, ``nox -s lint``."""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["lint", "tests", "docs"]

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")


def install(session: nox.Session, *groups: str) -> None:
    """Install the package (editable, so pages and tests see ``src/``) and dependency groups."""
    requirements = [
        req for group in groups for req in nox.project.dependency_groups(PYPROJECT, group)
    ]
    session.install("-e", ".", *requirements)


@nox.session(python="3.11")
def tests(session: nox.Session) -> None:
    """Unit, property (Hypothesis), symbolic and doctests."""
    install(session, "test")
    session.run("pytest", *session.posargs)


@nox.session(python="3.11")
def docs(session: nox.Session) -> None:
    """Build the site into _build/html, executing every page; any warning fails the build.

    ``nox -s docs -- clean`` removes the HTML output first (the execution cache is kept).
    """
    install(session, "docs")
    if "clean" in session.posargs:
        shutil.rmtree(ROOT / "_build" / "html", ignore_errors=True)
        shutil.rmtree(ROOT / "_build" / "doctrees", ignore_errors=True)
    session.run(
        "sphinx-build", "-j", "2", "-W", "--keep-going", "-n", "-c", ".", "-d", "_build/doctrees",
        "-b", "html", "docs", "_build/html",
    )  # fmt: skip
    session.log(f"site built: open {ROOT / '_build' / 'html' / 'index.html'}")


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff lint and format check."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
