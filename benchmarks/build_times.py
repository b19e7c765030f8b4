"""Measure the docs build: cold, no-change rebuild, one-page edit, and after cleaning the HTML.

Run with ``nox -s buildtime`` (it uses the docs environment). Times are wall-clock seconds
of ``sphinx-build`` itself, not of environment creation. The cold build starts with no
HTML, no doctrees and no execution cache.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "_build"
COMMAND = [
    sys.executable, "-m", "sphinx", "-j", "2", "-q", "-W", "--keep-going", "-n", "-c", str(ROOT),
    "-d", str(BUILD / "doctrees"), "-b", "html", str(ROOT / "docs"), str(BUILD / "html"),
]  # fmt: skip


def build() -> float:
    start = time.perf_counter()
    subprocess.run(COMMAND, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    for folder in ("html", "doctrees", "jupyter_cache", "jupyter_execute"):
        shutil.rmtree(BUILD / folder, ignore_errors=True)
    results = {"cold": build()}
    pages = sum(1 for p in (BUILD / "jupyter_execute").rglob("*.ipynb"))
    results["no change"] = build()
    page = ROOT / "docs" / "conventions.md"
    original = page.read_text()
    try:
        page.write_text(original + "\n<!-- build-time probe -->\n")
        results["one page edited"] = build()
    finally:
        page.write_text(original)
    results["restore the page"] = build()
    shutil.rmtree(BUILD / "html")
    shutil.rmtree(BUILD / "doctrees")
    results["HTML cleaned, cache kept"] = build()
    print(f"executed pages: {pages}")
    print(f"cold target: 0.75 s x {pages} + 5 s = {0.75 * pages + 5:.2f} s")
    for name, seconds in results.items():
        print(f"{name:>26}: {seconds:6.2f} s")


if __name__ == "__main__":
    main()
