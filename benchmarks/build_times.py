"""Measure the docs build: cold, no change, one identity edited; and the heaviest pages.

Run with ``nox -s buildtime`` (it uses the docs environment). Times are wall-clock seconds
of ``sphinx-build`` itself (the noxfile's command: ``-j <cores + 1> -W -n``). Every build goes to
``_build/buildtime/`` (its own HTML, doctrees, execution cache and verification cache), so
the site in ``_build/html`` and its caches are left alone; the cold build starts with none
of them.

The edit changes the derivation of the first identity of ``traces/linear.py`` (its record, so its
page), as an author would, and restores it afterwards. "pages read" counts the doctrees
that the build wrote (the pages Sphinx read again); "verified" is what the catalog
extension reports (verifications run, of all, the rest from its cache).

The output of the last build (the edit undone, after three incremental builds) is then
compared with the cold build's, file by file: the shortcuts an incremental build takes
(pages not read again, styles not inlined again) must give the same site.

Then a captioned listing is added to the first page of the contents, and taken out again:
the listings of every later page are numbered one higher, and back (figure numbers run
across the site; an incremental build keeps the last numbers only when no page's outline
changed: docs/_ext/gradref_incremental.py).

Targets (the compositions issue): cold <= 75 s, no change <= 2 s, one identity edited <= 8 s,
no page > 600 kB.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = ROOT / "_build" / "buildtime"
EDITED = ROOT / "src" / "gradref" / "identities" / "traces" / "linear.py"
FIRST_PAGE = ROOT / "docs" / "conventions.md"  # the first page of the contents after the home page
LATER_PAGE = "reference/traces/linear.html"
LISTING = "\n\n```{code-block} python\n:caption: Build-time probe\n\npass\n```\n"
LISTING_NUMBER = re.compile(r'<span class="caption-number">Listing (\d+) </span>')
TARGETS = {"cold": 75.0, "no change": 2.0, "one identity edited": 8.0}
PAGE_BOUND_KB = 600
SLOWEST: list[str] = []


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def build() -> tuple[float, float, int, str]:
    """Wall and CPU seconds, doctrees written, and the catalog extension's verification line.

    CPU seconds (of sphinx-build and its children: kernels, verification workers) say what
    the build costs when the machine is busy with other work, which wall seconds do not.
    """
    command = [
        sys.executable, "-m", "sphinx", "-j", str((os.cpu_count() or 1) + 1), "-W", "--keep-going", "-n", "-c", str(ROOT),
        "-d", str(SCRATCH / "doctrees"),
        "-D", f"nb_execution_cache_path={SCRATCH / 'jupyter_cache'}",
        "-b", "html", str(ROOT / "docs"), str(SCRATCH / "html"),
    ]  # fmt: skip
    env = {
        **os.environ,
        "GRADREF_VERIFY_CACHE": str(SCRATCH / "verify-cache"),
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])
        ),
    }
    start_wall, cpu = time.time(), _cpu()
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"the build failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    read = sum(
        1 for p in (SCRATCH / "doctrees").rglob("*.doctree") if p.stat().st_mtime >= start_wall
    )
    found = re.search(r"gradref: verifying (\d+) of (\d+)", done.stdout)
    verified = f"{found.group(1)} of {found.group(2)}" if found else "0 (all cached)"
    cost = re.search(r"gradref: verified in ([\d.]+ CPU s); slowest: (.*)", done.stdout)
    if cost:
        verified += f" in {cost.group(1)}"
        SLOWEST.append(cost.group(2))
    return seconds, _cpu() - cpu, read, verified


def _same(first: Path, second: Path) -> bool:
    if not first.is_file() or not second.is_file():
        return False
    return first.read_bytes() == second.read_bytes()


def _differing(first: Path, second: Path) -> list[str]:
    """The files (relative names) that differ in the two output folders (see ``_same``)."""
    names = {
        p.relative_to(folder).as_posix()
        for folder in (first, second)
        for p in folder.rglob("*")
        if p.is_file()
    }
    return sorted(name for name in names if not _same(first / name, second / name))


def _listing_numbers() -> list[int]:
    page = SCRATCH / "html" / LATER_PAGE
    return [int(n) for n in LISTING_NUMBER.findall(page.read_text(encoding="utf-8"))]


def _listing_numbers_after_a_listing_added() -> str:
    """ "yes" if adding a listing to the first page, then taking it out, shifts the numbers
    of a later page's listings by one, then back; else what was seen."""
    before = _listing_numbers()
    original = FIRST_PAGE.read_text(encoding="utf-8")
    try:
        FIRST_PAGE.write_text(original + LISTING, encoding="utf-8")
        build()
        added = _listing_numbers()
    finally:
        FIRST_PAGE.write_text(original, encoding="utf-8")
    build()
    after = _listing_numbers()
    if before and added == [n + 1 for n in before] and after == before:
        return "yes"
    return f"before {before[:3]}, with the listing {added[:3]}, after {after[:3]}"


def main() -> None:
    shutil.rmtree(SCRATCH, ignore_errors=True)
    SCRATCH.mkdir(parents=True)
    rows = {"cold": build()}
    shutil.copytree(SCRATCH / "html", SCRATCH / "cold-html")
    rows["no change"] = build()
    original = EDITED.read_text(encoding="utf-8")
    edited = original.replace('derivation=r"""', 'derivation=r"""(Build-time probe.) ', 1)
    if edited == original:
        sys.exit(f"no derivation to edit in {EDITED}")
    try:
        EDITED.write_text(edited, encoding="utf-8")
        rows["one identity edited"] = build()
    finally:
        EDITED.write_text(original, encoding="utf-8")
    rows["edit undone"] = build()
    html = SCRATCH / "html"
    differing = _differing(SCRATCH / "cold-html", html)
    numbers = _listing_numbers_after_a_listing_added()
    pages = sorted(
        (p for p in html.rglob("*.html") if not p.relative_to(html).parts[0].startswith("_")),
        key=lambda p: -p.stat().st_size,
    )
    print(f"{'build':<22} {'wall s':>7} {'CPU s':>6} {'target':>7} {'pages read':>11}  verified")
    for name, (seconds, cpu, read, verified) in rows.items():
        target = f"{TARGETS[name]:.0f}" if name in TARGETS else ""
        flag = " (over)" if name in TARGETS and seconds > TARGETS[name] else ""
        print(f"{name:<22} {seconds:7.2f} {cpu:6.2f} {target:>7} {read:>11}  {verified}{flag}")
    print(
        "\nthe incremental builds end with the cold build's output: "
        + ("yes" if not differing else f"NO, {len(differing)} files differ: {differing[:5]}")
    )
    print(
        "a listing added to the first page numbers the later listings one higher, and back: "
        + ("yes" if numbers == "yes" else f"NO ({numbers})")
    )
    if SLOWEST:
        print(f"slowest verifications of the cold build (CPU s): {SLOWEST[0]}")
    print(f"\npages: {len(pages)}; the heaviest (bound {PAGE_BOUND_KB} kB):")
    for page in pages[:5]:
        size = page.stat().st_size / 1024
        flag = " (over)" if size > PAGE_BOUND_KB else ""
        print(f"  {page.relative_to(html).as_posix():<32} {size:7.0f} kB{flag}")


if __name__ == "__main__":
    main()
