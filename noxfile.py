"""The one entry point: ``nox -s tests``, ``nox -s docs``, ``nox -s lint``, ``nox -s pdf``.

Every session but ``bench`` runs on the Python that runs nox (it names no version), so a
machine with only Python 3.12, say, runs them on 3.12 instead of skipping them. A Python
older than the package's ``requires-python`` fails at the install step, pip saying why.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
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
AXE_VERSION = "4.14.1"  # axe-core, the accessibility checker that `nox -s site` runs on every page


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
    session.run("pytest", "-m", "not browser", "-n", "auto", *session.posargs)


#: What the build takes from npm, into _build/npm: KaTeX's stylesheet and fonts (at the
#: version that sphinxcontrib-katex bundles), and the search's index builder and client:
#: MiniSearch, the Porter stemmer, and esbuild, which bundles them (docs/_ext/gradref_search.py).
NPM_PACKAGES = {
    "katex": KATEX_VERSION,
    "minisearch": "7.2.0",
    "stemmer": "2.0.1",
    "esbuild": "0.28.2",
}


def install_katex(session: nox.Session) -> None:
    """The npm packages the build uses (NPM_PACKAGES), unless they are there at their versions."""
    modules = ROOT / "_build" / "npm" / "node_modules"

    def installed(name: str, version: str) -> bool:
        manifest = modules / name / "package.json"
        return manifest.is_file() and json.loads(manifest.read_text())["version"] == version

    if not all(installed(name, version) for name, version in NPM_PACKAGES.items()):
        session.run(
            "npm", "install", "--prefix", "_build/npm", "--no-save", "--no-audit", "--no-fund",
            *(f"{name}@{version}" for name, version in NPM_PACKAGES.items()), external=True,
        )  # fmt: skip


#: Sphinx's processes: one more than the cores. It reads with that many, but writes with
#: one fewer beside the main process, which resolves each page before handing it over; on
#: this 2-core machine, -j 3 writes the site in 6.4 s where -j 2 took 9.3 s.
SPHINX_JOBS = (os.cpu_count() or 1) + 1


def sphinx_build(
    session: nox.Session, html: str, doctrees: str, *options: str, pages: tuple[str, ...] = ()
) -> None:
    """The site's build: every page executed, any warning an error; ``pages`` (source
    files) writes only those, after reading whatever changed.

    SOURCE_DATE_EPOCH is the time of the commit, so that whatever would write the time of
    the build (Sphinx's copyright year, matplotlib's SVG and PDF dates) writes that instead.
    """
    env = {}
    if shutil.which("git"):  # and a checkout: outside one, git exits with 128
        commit_time = session.run(
            "git", "log", "-1", "--format=%ct", external=True, silent=True, success_codes=[0, 128]
        )  # fmt: skip
        if str(commit_time).strip().isdigit():
            env["SOURCE_DATE_EPOCH"] = str(commit_time).strip()
    session.run(
        "sphinx-build", "-j", str(SPHINX_JOBS), "-W", "--keep-going", "-n", "-c", ".", "-d", doctrees,
        *options, "-b", "html", "docs", html, *pages, env=env,
    )  # fmt: skip


@nox.session
def docs(session: nox.Session) -> None:
    """Build the site into _build/html, executing every page; any warning fails the build.

    ``nox -s docs -- clean`` removes the HTML output first (the execution cache is kept).
    """
    install(session, "docs")
    install_katex(session)
    if "clean" in session.posargs:
        shutil.rmtree(ROOT / "_build" / "html", ignore_errors=True)
        shutil.rmtree(ROOT / "_build" / "doctrees", ignore_errors=True)
    sphinx_build(session, "_build/html", "_build/doctrees")
    session.log(f"site built: open {ROOT / '_build' / 'html' / 'index.html'}")


@nox.session
def reproducible(session: nox.Session) -> None:
    """Build the site twice from scratch and fail unless both outputs are byte-identical.

    Each build starts from nothing (its own output folder, doctrees and environment) and
    builds as `nox -s docs` does. The pages are executed once, by the first build, and the second
    takes their outputs from that build's execution cache, as `nox -s docs` mostly does:
    docs/guide.md runs the checker with fresh random directions, whose printed errors
    differ from one execution to the next. ``-- --reexecute`` executes every page in both
    builds. Takes about twice `nox -s docs -- clean` with an empty cache; not part of the
    default sessions nor of .ci/run. Also fails if an output file contains the checkout's
    or the output folder's absolute path.
    """
    install(session, "docs")
    install_katex(session)
    with tempfile.TemporaryDirectory(prefix="gradref-reproducible-") as scratch:
        builds = [Path(scratch) / "first", Path(scratch) / "second"]
        for build in builds:
            cache = build if "--reexecute" in session.posargs else builds[0]
            start = time.perf_counter()
            sphinx_build(
                session, str(build / "html"), str(build / "doctrees"), "-E", "-q",
                "-D", f"nb_execution_cache_path={cache / 'jupyter_cache'}",
            )  # fmt: skip
            session.log(f"{build.name} build: {time.perf_counter() - start:.0f} s")
        problems = compare_builds(*(build / "html" for build in builds))
        problems += absolute_paths(builds[0] / "html", [str(ROOT), scratch])
    if problems:
        session.error("the two builds differ:\n" + "\n".join(problems))
    session.log("the two builds are byte-identical")


def compare_builds(first: Path, second: Path, excerpts: int = 5) -> list[str]:
    """What differs between two output folders: files, then an excerpt of the first changes."""

    def files(folder: Path) -> set[str]:
        return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}

    ours, theirs = files(first), files(second)
    problems = [f"only in the first build: {name}" for name in sorted(ours - theirs)]
    problems += [f"only in the second build: {name}" for name in sorted(theirs - ours)]
    differing = [
        name
        for name in sorted(ours & theirs)
        if (first / name).read_bytes() != (second / name).read_bytes()
    ]
    problems += [f"differs: {name}" for name in differing]
    for name in differing[:excerpts]:
        a, b = (first / name).read_bytes(), (second / name).read_bytes()
        at = first_difference(a, b)
        line = a.count(b"\n", 0, at) + 1
        problems.append(f"  {name}, line {line}, byte {at}:")
        problems += [
            f"    - {a[max(at - 60, 0) : at + 60]!r}",
            f"    + {b[max(at - 60, 0) : at + 60]!r}",
        ]
    return problems


def first_difference(a: bytes, b: bytes) -> int:
    """The offset of the first byte where ``a`` and ``b`` differ."""
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


def absolute_paths(folder: Path, paths: list[str]) -> list[str]:
    """Files of ``folder`` that contain one of ``paths`` (a build on another machine differs)."""
    return [
        f"contains the absolute path {path}: {file.relative_to(folder).as_posix()}"
        for file in sorted(folder.rglob("*"))
        if file.is_file()
        for path in paths
        if path.encode() in file.read_bytes()
    ]


@nox.session
def site(session: nox.Session) -> None:
    """Test the built site (run `nox -s docs` first) in headless Chromium from Debian.

    Needs /usr/bin/chromium (Debian package `chromium`); Playwright drives it, never
    downloading a browser of its own.
    """
    install(session, "test", "site")
    # axe-core, from npm, into a prefix of its own under _build/npm: npm removes from a
    # prefix every package that one install does not name, so sharing the docs session's
    # prefix would uninstall KaTeX (and the next docs build would uninstall axe-core).
    axe = ROOT / "_build" / "npm" / "site"
    installed = axe / "node_modules" / "axe-core" / "package.json"
    if not installed.is_file() or json.loads(installed.read_text())["version"] != AXE_VERSION:
        session.run(
            "npm", "install", "--prefix", str(axe), "--no-save", "--no-audit", "--no-fund",
            f"axe-core@{AXE_VERSION}", external=True,
        )  # fmt: skip
    # The tests that measure time run alone, first; then the rest, one Chromium per core
    # (pytest-xdist), the accessibility checks page by page. Both runs add their
    # measurements to one _build/screenshots/measurements.json (tests/conftest.py).
    files = ("tests/test_site.py", "tests/test_site_search.py", "tests/test_site_addresses.py")
    # With a selection (`nox -s site -- -k ...`), one of the two runs may select nothing.
    selected = (0, 5) if session.posargs else (0,)
    env = {"GRADREF_SITE_RUN": f"{os.getpid()}-{time.time():.0f}"}
    session.run(
        "pytest", "-m", "browser and timing", *files, *session.posargs,
        env=env, success_codes=selected,
    )  # fmt: skip
    session.run(
        "pytest", "-m", "browser and not timing", "-n", "auto", "--dist", "load", *files,
        *session.posargs, env=env, success_codes=selected,
    )  # fmt: skip


#: The page that links to the published PDF (within ``{only} pdf``): the pdf session writes
#: it again, and it alone, with the tag.
PDF_LINKED_FROM = "docs/index.md"


@nox.session
def pdf(session: nox.Session) -> None:
    """Print the whole reference to one PDF, _build/pdf/gradref.pdf (run `nox -s docs` first).

    Chromium (Debian's, as in `nox -s site`) prints every page of the built site with its
    print stylesheet; tools/pdf.py merges them behind a table of contents, with bookmarks
    and page numbers. ``-- --solutions hidden`` leaves the exercises' solutions out.

    The PDF is then published with the site: copied to _build/html/gradref.pdf, and the
    home page written again with the tag ``pdf``, which is what makes it link to the PDF (the
    one page that changes with the tag: no other is written again, which would take a
    minute). A site built by `nox -s docs` alone has no link, so it never points to a PDF
    that is not there; the next `nox -s docs` sees the tag gone and writes every page again.
    Last, tests/test_pdf.py checks it.
    """
    tagged = [
        path.relative_to(ROOT).as_posix()
        for path in sorted((ROOT / "docs").rglob("*.md"))
        if "{only} pdf" in path.read_text(encoding="utf-8")
    ]
    if tagged != [PDF_LINKED_FROM]:
        session.error(f"only {PDF_LINKED_FROM} may depend on the tag `pdf`; found {tagged}")
    install(session, "docs", "pdf", "test")
    session.run("python", "tools/pdf.py", *session.posargs)
    shutil.copy2(ROOT / "_build" / "pdf" / "gradref.pdf", ROOT / "_build" / "html" / "gradref.pdf")
    sphinx_build(session, "_build/html", "_build/doctrees", "-t", "pdf", pages=(PDF_LINKED_FROM,))
    session.run("pytest", "-m", "browser", "tests/test_pdf.py")


# One thread for BLAS and the frameworks: on a small shared machine, a multithreaded BLAS
# spends most of a small product waiting for a busy core, and every tool pays it unevenly.
BENCH_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


# The one session tied to a version: torch 2.13.0 is pinned to the CPU wheel for Python 3.11
# that lies on these machines' disk (for another Python, pip downloads a multi-GB CUDA
# build). Without a Python 3.11 this session fails (see error_on_missing_interpreters).
@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """Benchmark the derivative checker against scipy, torch, jax and numdifftools.

    Writes docs/_static/bench/checkers.{csv,md}, detection.csv and machine.json;
    ``-- --quick`` for a smoke run (other options go to benchmarks/bench_checkers.py).
    """
    install(session, "bench")
    session.run("python", "benchmarks/bench_checkers.py", *session.posargs, env=BENCH_ENV)
    quick = ["--quick"] if "--quick" in session.posargs else []
    session.run("python", "benchmarks/detection_power.py", *quick, env=BENCH_ENV)


@nox.session
def sweep(session: nox.Session) -> None:
    """What a pass means in norm: the checker's verdicts on right and wrong gradients.

    Runs benchmarks/sweep_checker.py (some 10^5 checks over 1,000 seeds; about five minutes of
    CPU, more on a busy machine) and writes docs/_static/bench/sweep.{csv,md}, which the
    guide shows. Options go to the script (``-- --seeds 100`` for a quicker run). Not in CI.
    """
    install(session)
    session.run("python", "benchmarks/sweep_checker.py", *session.posargs, env=BENCH_ENV)


@nox.session
def mutants(session: nox.Session) -> None:
    """Mutation testing (mutmut) of check.py, verify.py and identities/; slow, so not in CI.

    Writes _build/mutants/summary.md and a diff per surviving mutant. ``-- FILE ...`` mutates
    only those files; ``-- --max-children 2`` runs two workers (one by default).
    """
    # Not the package itself: the tests must import mutmut's mutated copy, and only that.
    session.install(
        *PYPROJECT["project"]["dependencies"],
        *nox.project.dependency_groups(PYPROJECT, "test", "mutants"),
    )
    session.run("python", "tools/mutants.py", *session.posargs)


@nox.session(venv_backend="none")
def buildtime(session: nox.Session) -> None:
    """Time cold, no-change and one-identity-edit docs builds; list the heaviest pages.

    Builds into _build/buildtime (the site in _build/html and its caches are left alone) with
    the docs session's environment: run `nox -s docs` once first.
    """
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


@nox.session(venv_backend="none")
def searchquality(session: nox.Session) -> None:
    """The search measured on tests/data/search_questions.json, in Node, on the built index.

    Prints, asked as asked and as keywords, how often an answering identity is among the
    first three results, and the queries with no result; ``-- --show`` lists every miss.
    Run `nox -s docs` first (the index, and esbuild from _build/npm).
    """
    modules = ROOT / "_build" / "npm" / "node_modules"
    bundle = ROOT / "_build" / "search" / "evaluate.bundle.mjs"
    session.run(
        str(modules / ".bin" / "esbuild"), "docs/_ext/search/evaluate.mjs", "--bundle",
        "--platform=node", "--format=esm", "--log-level=warning", f"--outfile={bundle}",
        env={"NODE_PATH": str(modules)}, external=True,
    )  # fmt: skip
    session.run(
        "node", str(bundle), "_build/search/static/gradref-search-index.js",
        "tests/data/search_questions.json", *session.posargs, external=True,
    )  # fmt: skip
