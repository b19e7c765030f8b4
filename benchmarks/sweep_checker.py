"""Sweep of the checker's verdicts: what a pass means in norm (issue 18, item 6).

Run by ``nox -s sweep`` (not part of the unit tests: it makes some 10^5 checks). For each
method (the complex step, central differences), dimension ``n`` and kind of function, and
for each of ``--seeds`` seeds (a fresh function, point and random directions), it checks the
right gradient and three wrong ones, each wrong by ``10 rtol`` in norm (``rtol`` the
method's default):

* ``scaled``: the right gradient times ``1 + 10 rtol``;
* ``entry``: one entry, drawn at random, moved by ``10 rtol ||g||``;
* ``random``: moved by ``10 rtol ||g||`` along a random unit direction.

The function is ``f(x) = sum_i (d_i x_i^2 / 2 + sin(a_i x_i))`` with ``d_i, a_i`` drawn in
``[0.5, 2]`` and ``x`` standard normal (``plain``); the same plus the constant
``1e5 ||g||`` (``offset``: central differences lose five digits to it); and
``f(x - c)`` at ``x = c + z`` with ``c_i`` near ``10^6`` (``far``: the step grows with
``|x|``, and each point rounds to ``1e-10``). The target: no wrong gradient passes, and no
right gradient fails, anywhere.

Writes ``docs/_static/bench/sweep.csv`` and ``sweep.md`` (the markdown table, also printed).
``--seeds`` (default 1,000) and ``--seeds-large`` (seeds at ``n = 10,000``, default 300:
each of its checks costs ten times those at ``n = 1,000``); ``--methods`` and ``--functions``
run a part, ``--merge DIR ...`` writes the table from the CSVs of parts run apart.
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np

import gradref
from gradref.check import DEFAULT_RTOL

OUT = Path(__file__).resolve().parent.parent / "docs" / "_static" / "bench"
DIMS = (2, 10, 100, 1000, 10_000)
METHODS = ("complex", "central")
FUNCTIONS = ("plain", "offset", "far")
CLAIMS = ("right", "scaled", "entry", "random")
VERDICTS = ("passed", "failed", "inconclusive")


def problem(kind: str, n: int, rng: np.random.Generator):
    """``(f, g, x)``: the function, its gradient and the point, for one seed."""
    d, a = rng.uniform(0.5, 2.0, n), rng.uniform(0.5, 2.0, n)
    z = rng.standard_normal(n)
    center = 1e6 * (1 + 0.1 * rng.uniform(-1, 1, n)) if kind == "far" else np.zeros(n)

    def base(y):
        return np.sum(0.5 * d * y * y + np.sin(a * y))

    def grad(x):
        y = x - center
        return d * y + a * np.cos(a * y)

    x = center + z
    offset = 1e5 * np.linalg.norm(grad(x)) if kind == "offset" else 0.0

    def f(x):
        return base(x - center) + offset

    return f, grad, x


def claims(g: np.ndarray, rtol: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The right gradient and three wrong by ``10 rtol ||g||`` in norm."""
    error = 10 * rtol * np.linalg.norm(g)
    entry = g.copy()
    entry[rng.integers(g.size)] += error * rng.choice([-1.0, 1.0])
    v = rng.standard_normal(g.size)
    return {
        "right": g,
        "scaled": g * (1 + 10 * rtol),
        "entry": entry,
        "random": g + error * v / np.linalg.norm(v),
    }


def run(dims, seeds: int, seeds_large: int, methods=METHODS, functions=FUNCTIONS) -> list[dict]:
    rows = []
    for method in methods:
        rtol = DEFAULT_RTOL[method]
        for kind in functions:
            for n in dims:
                count = seeds_large if n >= 10_000 else seeds
                tally = {c: dict.fromkeys(VERDICTS, 0) for c in CLAIMS}
                evaluations = {c: [] for c in CLAIMS}
                began = time.process_time()
                for seed in range(count):
                    rng = np.random.default_rng([n, seed, FUNCTIONS.index(kind)])
                    f, grad, x = problem(kind, n, rng)
                    for claim, value in claims(grad(x), rtol, rng).items():
                        result = gradref.check_gradient(
                            f, lambda x, value=value: value, x, method=method,
                            rng=rng, diagnose=False,
                        )  # fmt: skip
                        tally[claim][result.verdict] += 1
                        evaluations[claim].append(result.evaluations)
                row = {"method": method, "function": kind, "n": n, "seeds": count}
                for claim in CLAIMS:
                    for verdict in VERDICTS:
                        row[f"{claim}_{verdict}"] = tally[claim][verdict]
                    row[f"{claim}_evaluations"] = float(np.median(evaluations[claim]))
                row["cpu_s"] = round(time.process_time() - began, 1)
                rows.append(row)
                print(line(row), flush=True)
    return rows


def line(row: dict) -> str:
    """One row of the markdown table."""

    def cell(claim):
        counts = [row[f"{claim}_{verdict}"] for verdict in VERDICTS]
        return " / ".join(str(c) for c in counts)

    name = "complex step" if row["method"] == "complex" else "central"
    return (
        f"| {name} | {row['function']} | {row['n']:,} | {row['seeds']:,} | "
        + " | ".join(cell(claim) for claim in CLAIMS)
        + f" | {row['right_evaluations']:g} |"
    )


HEADER = (
    "| method | f | n | seeds | right | scaled | one entry | random direction "
    "| evaluations (right, median) |\n"
    "|---|---|---:|---:|---:|---:|---:|---:|---:|"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1000)
    parser.add_argument("--seeds-large", type=int, default=300, help="seeds at n >= 10,000")
    parser.add_argument("--merge", type=Path, nargs="+", help="folders of parts' sweep.csv")
    parser.add_argument("--dims", type=int, nargs="+", default=list(DIMS))
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--functions", nargs="+", default=list(FUNCTIONS))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    began = time.perf_counter()
    if args.merge:
        rows = []
        for folder in args.merge:
            with open(folder / "sweep.csv", newline="") as handle:
                for row in csv.DictReader(handle):
                    for key, value in row.items():
                        if key not in ("method", "function"):
                            row[key] = float(value) if "." in value else int(value)
                    rows.append(row)
    else:
        print("Each cell: passed / failed / inconclusive, over the seeds.")
        print(HEADER)
        rows = run(args.dims, args.seeds, args.seeds_large, args.methods, args.functions)
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "sweep.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    table = "\n".join([HEADER, *(line(row) for row in rows)])
    (args.out / "sweep.md").write_text(
        "Each cell: passed / failed / inconclusive, over the seeds; the wrong gradients "
        "(scaled, one entry, random direction) are wrong by 10 rtol in norm.\n\n" + table + "\n"
    )
    print(f"wrote {args.out / 'sweep.csv'} and sweep.md in {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
