"""Detection power: the smallest error in one coordinate that the checker catches.

Run by ``nox -s bench`` (after ``bench_checkers.py``).  The checker compares directional
derivatives ``<g, u>`` along ``k`` random unit directions with a tolerance relative to
``||g||``: an error ``e`` confined to coordinate ``j`` shows up as ``e_j u_j``, and
``u_j`` is about ``N(0, 1/n)``.  So the error it catches with a given probability is
relative to the gradient's norm and grows like ``sqrt(n)``; more directions shrink it.

For ``f(x) = sum(sin(a x)) + x^T D x / 2`` (``D`` diagonal, cheap at ``n = 10,000``), each
``n``, number of directions ``k`` and method, coordinate ``j`` of the true gradient ``g`` is
moved by ``eps ||g||`` (``j`` drawn at random in each trial, or the largest ``|g_j|``), and
the smallest ``eps`` on the grid ``10^(-12), 10^(-11.75), ..., 1`` that the checker detects
(``verdict == "failed"``) in at least 99% of the trials is found, each trial with its own
directions: 1,000 trials with one or two directions, where the detection rate approaches
99% slowly as ``eps`` grows, 300 with four or eight.  The same trials are used at every
``eps``, and the detection rate is taken to grow with ``eps``: the search starts at the
grid point the theory predicts and steps down (or up) until the rate crosses 99%, so it
probes two or three grid points per setting.

Theory (Gaussian approximation): a direction misses the error when
``|eps ||g|| u_j| <= t ||g||`` (``t`` the tolerance), with probability
``P(|Z| < t sqrt(n) / eps)``; ``k`` independent directions all miss with its ``k``-th power.
Setting that to 1% gives ``eps = t sqrt(n) / c_k`` with ``2 Phi(c_k) - 1 = 0.01^(1/k)``.
The exact law of ``u_j^2`` on the sphere (Beta(1/2, (n - 1)/2)) is reported beside it.

Writes ``docs/_static/bench/detection.csv``.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
from scipy import special, stats

import gradref

OUT = Path(__file__).resolve().parent.parent / "docs" / "_static" / "bench"
#: eps = 10^(-12), 10^(-11.75), ..., 10^0: the error in one coordinate, relative to ||g||.
GRID = 10.0 ** (np.arange(-48, 1) / 4)
DIMS = (10, 100, 1000, 10_000)
DIRECTIONS = (1, 2, 4, 8)
METHODS = ("complex", "central")
COORDINATES = ("random", "largest")
RATE = 0.99  # "detected": in at least this fraction of the trials


def trials_for(k: int, quick: bool) -> int:
    """Trials per setting: more where the miss probability falls only slowly with eps."""
    if quick:
        return 100
    return 1000 if k <= 2 else 300


def problem(n: int):
    """``f``, its gradient at ``x``, and ``x``: a smooth function cheap at large ``n``."""
    rng = np.random.default_rng(n)
    a = rng.uniform(0.5, 2.0, n)
    d = rng.uniform(1.0, 2.0, n)
    x = rng.standard_normal(n)

    def f(v):
        return np.sum(np.sin(a * v)) + 0.5 * v @ (d * v)

    return f, a * np.cos(a * x) + d * x, x


def theory_gaussian(tolerance: float, n: int, k: int) -> float:
    """``eps`` missed with probability 1%: ``P(|Z| < t sqrt(n) / eps)^k = 0.01``."""
    c = stats.norm.ppf((1 + (1 - RATE) ** (1 / k)) / 2)
    return tolerance * np.sqrt(n) / c


def theory_sphere(tolerance: float, n: int, k: int) -> float:
    """The same with the exact law of ``u_j^2`` for ``u`` uniform on the unit sphere."""
    # P(u_j^2 < c^2) = I_{c^2}(1/2, (n - 1)/2) = 0.01^(1/k)
    c2 = special.betaincinv(0.5, (n - 1) / 2, (1 - RATE) ** (1 / k))
    return tolerance / np.sqrt(c2)


class Setting:
    """One (n, k, method, coordinate): fixed trials, detection rates per grid index."""

    def __init__(self, n, k, method, coordinate, trials, problem_):
        self.n, self.k, self.method, self.coordinate = n, k, method, coordinate
        self.f, self.g, self.x = problem_
        self.norm = float(np.linalg.norm(self.g))
        code = (n, k, METHODS.index(method), COORDINATES.index(coordinate))
        picks = np.random.default_rng([*code, 0])
        if coordinate == "random":
            self.coordinates = picks.integers(n, size=trials)
        else:
            self.coordinates = np.full(trials, int(np.argmax(np.abs(self.g))))
        self.seeds = [[*code, 1, trial] for trial in range(trials)]
        self.rates: dict[int, float] = {}
        self.inconclusive = 0
        self.checks = 0
        self.tolerances: list[float] = []

    def rate(self, index: int) -> float:
        """Detection rate at ``GRID[index]``; stops early once it cannot reach ``RATE``."""
        if index in self.rates:
            return self.rates[index]
        trials = len(self.seeds)
        allowed_misses = int(np.floor((1 - RATE) * trials + 1e-9))
        detected = misses = 0
        for j, seed in zip(self.coordinates, self.seeds, strict=True):
            wrong = self.g.copy()
            wrong[j] += GRID[index] * self.norm
            result = gradref.check_gradient(
                self.f, lambda _, w=wrong: w, self.x, method=self.method, directions=self.k,
                rng=np.random.default_rng(seed), diagnose=False,
            )  # fmt: skip
            self.checks += 1
            self.tolerances.append(result.tolerance)
            self.inconclusive += result.verdict == "inconclusive"
            if result.verdict == "failed":
                detected += 1
            else:
                misses += 1
                if misses > allowed_misses:
                    break
        self.rates[index] = detected / (detected + misses)
        return self.rates[index]

    def smallest_detected(self, start: int) -> int:
        """Smallest grid index with rate >= RATE, the rate taken to grow with eps."""
        index = start
        if self.rate(index) >= RATE:
            while index > 0 and self.rate(index - 1) >= RATE:
                index -= 1
            return index
        while index < len(GRID) - 1 and self.rate(index) < RATE:
            index += 1
        return index


def run(quick: bool, dims, directions) -> list[dict]:
    rows = []
    for n in dims:
        prob = problem(n)
        for method in METHODS:
            # Each direction's tolerance: rtol / (100 sqrt(n)) under the norm-wise rule.
            tolerance = (
                gradref.check.DEFAULT_RTOL[method] * gradref.check.DIRECTION_SHARE / np.sqrt(n)
            )
            for k in directions:
                trials = trials_for(k, quick)
                gauss = theory_gaussian(tolerance, n, k)
                start = int(np.searchsorted(GRID, gauss * (1 - 1e-9)))
                for coordinate in COORDINATES:
                    began = time.perf_counter()
                    setting = Setting(n, k, method, coordinate, trials, prob)
                    index = min(setting.smallest_detected(min(start, len(GRID) - 1)), len(GRID) - 1)
                    below = setting.rates.get(index - 1, float("nan"))
                    row = {
                        "n": n,
                        "directions": k,
                        "method": method,
                        "coordinate": coordinate,
                        "trials": trials,
                        "smallest_eps_detected": GRID[index],
                        "rate_at_smallest": setting.rates[index],
                        "rate_one_step_below": below,
                        "tolerance": tolerance,
                        "median_effective_tolerance": (
                            statistics.median(setting.tolerances)
                            if setting.tolerances
                            else float("nan")
                        ),
                        "theory_gaussian": gauss,
                        "theory_sphere": theory_sphere(tolerance, n, k),
                        "inconclusive_rate": setting.inconclusive / setting.checks,
                        "checks": setting.checks,
                        "seconds": time.perf_counter() - began,
                    }
                    rows.append(row)
                    print(
                        f"n={n:<6} k={k} {method:<8} {coordinate:<8} "
                        f"eps={row['smallest_eps_detected']:.2e} "
                        f"(rate {row['rate_at_smallest']:.3f}, below {below:.3f}) "
                        f"theory {gauss:.2e} / sphere {row['theory_sphere']:.2e} "
                        f"[{setting.checks} checks, {row['seconds']:.1f} s]",
                        flush=True,
                    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 trials, for a smoke run")
    parser.add_argument("--dims", type=int, nargs="+", default=list(DIMS))
    parser.add_argument("--directions", type=int, nargs="+", default=list(DIRECTIONS))
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    began = time.perf_counter()
    rows = run(args.quick, args.dims, args.directions)
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "detection.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {OUT / 'detection.csv'} in {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
