"""Mutation testing of the checker, the verifier and the identities, with mutmut.

Run with ``nox -s mutants`` (``-- src/gradref/verify.py ...`` for some files only;
``-- --max-children 2`` for more workers). mutmut's settings are ``[tool.mutmut]`` in
pyproject.toml; the tests run with the Hypothesis profile ``mutants`` (tests/conftest.py).

mutmut writes its mutated tree into ``./mutants``, so it runs in a fresh copy of ``src/``,
``tests/`` and pyproject.toml under ``_build/mutants/work`` (every run starts from scratch:
no verdict is carried over from an older tree). Results land in ``_build/mutants/``:

- ``summary.md`` / ``summary.json``: per file, the mutants and their verdicts, and the kill
  rate (killed + timeout over all mutants);
- ``<verdict>/<mutant>.diff`` for every mutant not killed (``survived``, ``timeout``, ...);
- ``mutmut.log``: mutmut's own output when not on a terminal.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "_build" / "mutants"
WORK = OUT / "work"
EQUIVALENT = Path(__file__).with_name("mutants-equivalent.toml")
MUTMUT = [str(Path(sys.executable).with_name("mutmut"))]
DETECTED = ("killed", "timeout")  # a timeout is a mutant the tests noticed (an endless loop)


def mutated_paths() -> list[str]:
    """The ``only_mutate`` patterns of ``[tool.mutmut]``."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    return config["only_mutate"]


def module_pattern(path: str) -> str:
    """``src/gradref/identities/linear.py`` -> ``gradref.identities.linear.*`` (mutant names)."""
    relative = (ROOT / path).resolve().relative_to(ROOT / "src")
    if relative.suffix == ".py":
        relative = relative.with_suffix("")
    return ".".join(relative.parts) + ".*"


def module_of(mutant: str) -> str:
    """``gradref.verify.xǁVerifyResultǁreport__mutmut_3`` -> ``gradref.verify``."""
    return mutant.rsplit(".", 1)[0]


def natural_key(name: str) -> tuple[str, int]:
    """Sort ``..._mutmut_9`` before ``..._mutmut_10``."""
    stem, _, number = name.rpartition("_")
    return (stem, int(number)) if number.isdigit() else (name, 0)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="files or folders to mutate (default: all)")
    parser.add_argument("--max-children", type=int, default=1, help="mutmut worker processes")
    parser.add_argument(
        "--report-only", action="store_true", help="summarize the last run again, run nothing"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="GLOB",
        help="mutate only these functions of the files (mutant names, e.g. "
        "'gradref.check.x__norm*'): a part, where the whole file takes too long",
    )
    parser.add_argument(
        "--tests",
        nargs="+",
        metavar="PATH",
        help="run only these tests against each mutant (instead of pyproject's selection): a "
        "part run, whose kill rate counts only what those tests detect",
    )
    args = parser.parse_args()
    allowed = [pattern.removesuffix("*").removesuffix("/") for pattern in mutated_paths()]
    for path in args.paths:
        relative = (ROOT / path).resolve().relative_to(ROOT).as_posix()
        if not any(relative == a or relative.startswith(a + "/") for a in allowed):
            parser.error(f"`{path}` is not mutated; pyproject's [tool.mutmut] names {allowed}")
    return args


def set_array(text: str, key: str, values: list[str]) -> str:
    """pyproject's text with the array ``key = [...]`` replaced by ``values``."""
    start = text.index(f"{key} = [")
    end = text.index("]", start + len(f"{key} = ["))
    return f"{text[:start]}{key} = {json.dumps(values)}{text[end + 1 :]}"  # a TOML array


def prepare(paths: list[str], tests: list[str] | None = None) -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", ".hypothesis", ".pytest_cache")
    # docs/: tests read the build's extensions and the export's schema from it.
    for folder in ("src", "tests", "docs"):
        shutil.copytree(ROOT / folder, WORK / folder, ignore=ignore)
    text = (ROOT / "pyproject.toml").read_text()
    if paths:  # mutmut generates mutants for every file it mutates: minutes for all of them
        relative = [(ROOT / path).resolve().relative_to(ROOT).as_posix() for path in paths]
        text = set_array(
            text, "only_mutate", [p + "/*" if (ROOT / p).is_dir() else p for p in relative]
        )
    if tests:
        selection = tomllib.loads(text)["tool"]["mutmut"]["pytest_add_cli_args_test_selection"]
        filters = []  # pyproject's -m and -k options, kept
        for flag, value in itertools.pairwise(selection):
            if flag in ("-m", "-k"):
                filters += [flag, value]
        text = set_array(text, "pytest_add_cli_args_test_selection", tests + filters)
    (WORK / "pyproject.toml").write_text(text)


def run_mutmut(patterns: list[str], max_children: int) -> float:
    env = {**os.environ, "HYPOTHESIS_PROFILE": "mutants"}
    command = [*MUTMUT, "run", "--max-children", str(max_children), *patterns]
    print("$", " ".join(command), f"(in {WORK.relative_to(ROOT)})", flush=True)
    start = time.perf_counter()
    if sys.stdout.isatty():
        code = subprocess.run(command, cwd=WORK, env=env).returncode
    else:  # mutmut redraws a progress line many times a second: keep it out of CI logs
        log = OUT / "mutmut.log"
        with log.open("w") as stream:
            code = subprocess.run(
                command, cwd=WORK, env=env, stdout=stream, stderr=stream
            ).returncode
        if code:
            print(log.read_text(errors="replace")[-5000:])
    if code:
        sys.exit(f"mutmut failed with exit code {code}")
    return time.perf_counter() - start


def verdicts(patterns: list[str]) -> dict[str, str]:
    """Mutant name -> mutmut's verdict, for the mutants that this run selected."""
    from fnmatch import fnmatch

    listing = subprocess.run(
        [*MUTMUT, "results", "--all", "true"], cwd=WORK, check=True, capture_output=True, text=True
    ).stdout
    result = {}
    for line in listing.splitlines():
        name, _, verdict = line.strip().rpartition(": ")
        if name and (not patterns or any(fnmatch(name, p) for p in patterns)):
            result[name] = verdict
    return result


def diff_of(mutant: str) -> str:
    """What ``mutmut show MUTANT`` prints, without a process per mutant (seconds each)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant  # the pinned mutmut's own

    source = ROOT / "src" / (module_of(mutant).replace(".", "/") + ".py")
    if not source.is_file():
        source = source.with_suffix("") / "__init__.py"
    os.chdir(WORK)  # mutmut reads its config and results from the current directory
    return get_diff_for_mutant(mutant, path=source.relative_to(ROOT)) + "\n"


def changed_lines(diff: str) -> tuple[str, str]:
    """The removed and the added lines of a mutant's diff, stripped."""
    lines = diff.splitlines()
    removed = [line[1:].strip() for line in lines if line[:1] == "-" and line[:3] != "---"]
    added = [line[1:].strip() for line in lines if line[:1] == "+" and line[:3] != "+++"]
    return "\n".join(removed), "\n".join(added)


def load_equivalent() -> dict[tuple[str, str, str], str]:
    """(function, removed, added) -> why, from the reviewed list of equivalent mutants."""
    if not EQUIVALENT.is_file():
        return {}
    entries = tomllib.loads(EQUIVALENT.read_text())["equivalent"]
    return {
        (entry["function"], entry["removed"], added): entry["why"]
        for entry in entries
        for added in ([entry["added"]] if isinstance(entry["added"], str) else entry["added"])
    }


def seconds_by_module() -> dict[str, float]:
    """Time spent running tests against each module's mutants (from mutmut's .meta files)."""
    seconds: dict[str, float] = defaultdict(float)
    for meta in (WORK / "mutants").rglob("*.py.meta"):
        for name, duration in json.loads(meta.read_text()).get("durations_by_key", {}).items():
            seconds[module_of(name)] += duration or 0.0
    return seconds


def report(results: dict[str, str], wall: float) -> None:
    for old in OUT.iterdir():  # the diffs of an earlier report
        if old.is_dir() and old != WORK:
            shutil.rmtree(old)
    equivalent, used = load_equivalent(), set()
    diffs, why = {}, {}
    for name, verdict in results.items():
        if verdict == "killed":
            continue
        diffs[name] = diff_of(name)
        key = (name.rsplit("__mutmut_", 1)[0], *changed_lines(diffs[name]))
        if verdict == "survived" and key in equivalent:
            results[name], why[name] = "equivalent", equivalent[key]
            used.add(key)

    by_module: dict[str, Counter[str]] = defaultdict(Counter)
    for name, verdict in results.items():
        by_module[module_of(name)][verdict] += 1
    seconds = seconds_by_module()
    columns = ["killed", "timeout", "survived", "equivalent", "no tests", "suspicious"]
    rows = sorted(by_module.items())
    rows.append(("total", sum((counts for _, counts in rows), Counter())))

    def rate(counts: Counter[str]) -> float:
        """Detected over the mutants that are not equivalent."""
        relevant = sum(counts.values()) - counts["equivalent"]
        return sum(counts[v] for v in DETECTED) / max(1, relevant)

    total = rows[-1][1]
    lines = [
        f"# Mutation testing (mutmut): {rate(total):.1%} of {sum(total.values())} mutants "
        f"killed; {wall:.0f} s wall time",
        "",
        "Kill rate: (killed + timeout) / (mutants - equivalent). Equivalent: reviewed, listed",
        f"with the reason in {EQUIVALENT.relative_to(ROOT)}.",
        "",
        "| module | mutants | " + " | ".join(columns) + " | kill rate | test time (s) |",
        "|---" * (len(columns) + 4) + "|",
    ]
    for module, counts in rows:
        other = sum(counts.values()) - sum(counts[c] for c in columns)
        cells = [str(counts[c]) for c in columns]
        extra = f" (+{other} other)" if other else ""
        test_time = sum(seconds.values()) if module == "total" else seconds.get(module, 0.0)
        lines.append(
            f"| {module} | {sum(counts.values())}{extra} | " + " | ".join(cells)
            + f" | {rate(counts):.1%} | {test_time:.0f} |"
        )  # fmt: skip
    for title, selected in (
        ("Not killed, not explained", lambda v: v != "equivalent"),
        ("Equivalent", lambda v: v == "equivalent"),
    ):
        lines += ["", f"# {title}"]
        module = None
        for name, diff in sorted(diffs.items(), key=lambda item: natural_key(item[0])):
            verdict = results[name]
            if not selected(verdict):
                continue
            if module_of(name) != module:
                module = module_of(name)
                lines += ["", f"## {module}", ""]
            target = OUT / verdict.replace(" ", "-") / f"{name}.diff"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(diff)
            removed, added = changed_lines(diff)
            reason = f": {why[name]}" if name in why else ""
            lines.append(f"- {verdict} `{name.rsplit('.', 1)[1]}`{reason}")
            lines += ["  ```diff", *(f"  - {r}" for r in removed.split("\n"))]
            lines += [*(f"  + {a}" for a in added.split("\n")), "  ```"]
    modules = {module for module, _ in rows}
    stale = [k for k in equivalent if k not in used and k[0].rsplit(".", 1)[0] in modules]
    if stale:
        lines += ["", f"# {len(stale)} entries of {EQUIVALENT.name} matched no survivor", ""]
        lines += [f"- `{function}`: `{removed}` -> `{added}`" for function, removed, added in stale]
    text = "\n".join(lines) + "\n"
    (OUT / "summary.md").write_text(text)
    summary = {
        "wall_seconds": round(wall, 1),
        "kill_rate": rate(total),
        "modules": {module: dict(counts) for module, counts in rows},
        "not_killed": {n: v for n, v in sorted(results.items()) if v != "killed"},
    }
    (OUT / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(text)
    print(f"written: {(OUT / 'summary.md').relative_to(ROOT)} and the diffs beside it")


def main() -> None:
    args = parse_args()
    patterns = args.only or [module_pattern(path) for path in args.paths]
    if args.report_only:
        wall = json.loads((OUT / "summary.json").read_text())["wall_seconds"]
    else:
        prepare(args.paths, args.tests)
        wall = run_mutmut(patterns, args.max_children)
    report(verdicts(patterns), wall)


if __name__ == "__main__":
    main()
