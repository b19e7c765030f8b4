"""Benchmark: gradref's derivative checker against the tools people use today.

Run with ``nox -s bench``.  For each case (logistic loss, a quadratic form with a
non-symmetric matrix, log-sum-exp, the sheet's function of (x, y, z)) and each
dimension, every tool checks

* the correct gradient: time (median of repeats), function evaluations,
  accuracy of its numerical derivative, and false alarms over many seeds;
* three wrong gradients: a transposed matrix, a flipped sign, one coordinate
  off by a relative 1e-4 (the largest one); the detection rate over seeds.

Tools that only return a numerical gradient (scipy's ``check_grad`` and
``approx_derivative``, numdifftools) are judged with a relative threshold
``||numerical - claimed|| / ||claimed|| > 1e-6``; torch's ``gradcheck`` and jax's
``check_grads`` decide themselves, with their default tolerances.

Writes ``docs/_static/bench/checkers.csv``, ``checkers.md`` (the rendered table) and
``machine.json`` (where and when it ran).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

import gradref
from gradref.identities.elementary import grad_sheet_xyz, sheet_xyz

OUT = Path(__file__).resolve().parent.parent / "docs" / "_static" / "bench"
THRESHOLD = 1e-6
MISTAKES = ("transposed", "sign", "coordinate 1e-4")


# -- cases ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A scalar function, its gradient, and plausible wrong gradients."""

    name: str
    n: int
    f: Callable[[np.ndarray], object]
    grad: Callable[[np.ndarray], np.ndarray]
    transposed: Callable[[np.ndarray], np.ndarray] | None
    x: np.ndarray


def _log1pexp(t):
    return np.log1p(np.exp(t))  # arguments stay moderate in these cases; complex-safe


def logistic_case(rng, n) -> Case:
    X = rng.standard_normal((n, n)) / np.sqrt(n)
    y = rng.choice([-1.0, 1.0], n)

    def f(w):
        return np.mean(_log1pexp(-y * (X @ w)))

    def sig(t):
        return 1 / (1 + np.exp(-t))

    def grad(w):
        return -X.T @ (y * sig(-y * (X @ w))) / n

    def transposed(w):
        return -X @ (y * sig(-y * (X @ w))) / n

    return Case("logistic loss", n, f, grad, transposed, rng.standard_normal(n))


def quadratic_case(rng, n) -> Case:
    A = rng.standard_normal((n, n))
    return Case(
        "quadratic form",
        n,
        lambda x: x @ A @ x,
        lambda x: (A + A.T) @ x,
        lambda x: 2 * A.T @ x,
        rng.standard_normal(n),
    )


def logsumexp_case(rng, n) -> Case:
    def f(x):
        return np.log(np.sum(np.exp(x)))

    def grad(x):
        e = np.exp(x - np.max(x))
        return e / e.sum()

    return Case("log-sum-exp", n, f, grad, None, rng.standard_normal(n))


def sheet_case(rng, n) -> Case:
    return Case(
        "sheet 4a f(x, y, z)", 3, sheet_xyz, grad_sheet_xyz, None, rng.uniform(-1.5, 1.5, 3)
    )


CASES = (logistic_case, quadratic_case, logsumexp_case, sheet_case)


def wrong_gradient(case: Case, mistake: str) -> Callable | None:
    if mistake == "transposed":
        return case.transposed
    if mistake == "sign":
        return lambda x: -case.grad(x)

    def coordinate(x):
        g = np.array(case.grad(x), dtype=float)
        g[int(np.argmax(np.abs(g)))] *= 1 + 1e-4
        return g

    return coordinate


# -- tools: each returns (passed, evaluations, relative error or nan) ----------------------------


class Counter:
    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, x):
        self.calls += 1
        return self.f(x)


def run_gradref(method):
    def run(case, grad, seed):
        f = Counter(case.f)
        result = gradref.check_gradient(f, grad, case.x, method=method, rng=seed, diagnose=False)
        return result.passed, f.calls, result.max_rel_error

    return run


def _relative(numerical, claimed):
    return float(np.linalg.norm(numerical - claimed) / max(np.linalg.norm(claimed), 1e-300))


def run_scipy_check_grad(case, grad, seed):
    from scipy.optimize import check_grad

    f = Counter(lambda x: float(np.real(case.f(x))))
    error = check_grad(f, grad, case.x) / max(np.linalg.norm(grad(case.x)), 1e-300)
    return error <= THRESHOLD, f.calls, error


def run_scipy_approx_derivative(case, grad, seed):
    from scipy.optimize._numdiff import approx_derivative

    f = Counter(lambda x: float(np.real(case.f(x))))
    numerical = approx_derivative(f, case.x)
    error = _relative(numerical, grad(case.x))
    return error <= THRESHOLD, f.calls, error


def run_numdifftools(case, grad, seed):
    import numdifftools as nd

    f = Counter(lambda x: float(np.real(case.f(x))))
    numerical = nd.Gradient(f)(case.x)
    error = _relative(np.atleast_1d(numerical), grad(case.x))
    return error <= THRESHOLD, f.calls, error


def run_torch(fast_mode):
    def run(case, grad, seed):
        import torch

        f = Counter(lambda x: float(np.real(case.f(x))))

        class Claimed(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return torch.tensor(f(x.detach().numpy()), dtype=torch.float64)

            @staticmethod
            def backward(ctx, grad_output):
                (x,) = ctx.saved_tensors
                return grad_output * torch.from_numpy(
                    np.asarray(grad(x.detach().numpy()), dtype=float)
                )

        x = torch.tensor(case.x, dtype=torch.float64, requires_grad=True)
        torch.manual_seed(seed)
        passed = torch.autograd.gradcheck(
            Claimed.apply, (x,), fast_mode=fast_mode, raise_exception=False
        )
        return bool(passed), f.calls, float("nan")

    return run


def run_jax(case, grad, seed):
    import jax
    import jax.numpy as jnp
    from jax.test_util import check_grads

    jax.config.update("jax_enable_x64", True)
    f = Counter(lambda x: float(np.real(case.f(np.asarray(x)))))
    shape = jax.ShapeDtypeStruct((), jnp.float64)
    gshape = jax.ShapeDtypeStruct(case.x.shape, jnp.float64)

    @jax.custom_vjp
    def claimed(x):
        return jax.pure_callback(lambda v: np.float64(f(v)), shape, x)

    def fwd(x):
        return claimed(x), x

    def bwd(x, g):
        return (g * jax.pure_callback(lambda v: np.asarray(grad(np.asarray(v)), float), gshape, x),)

    claimed.defvjp(fwd, bwd)
    try:
        check_grads(claimed, (jnp.asarray(case.x),), order=1, modes=["rev"])
        passed = True
    except AssertionError:
        passed = False
    return passed, f.calls, float("nan")


TOOLS = {
    "gradref (complex step)": run_gradref("complex"),
    "gradref (central, fallback)": run_gradref("central"),
    "scipy check_grad": run_scipy_check_grad,
    "scipy approx_derivative": run_scipy_approx_derivative,
    "torch gradcheck": run_torch(False),
    "torch gradcheck (fast)": run_torch(True),
    "jax check_grads": run_jax,
    "numdifftools Gradient": run_numdifftools,
}


# -- the run ---------------------------------------------------------------------------------------


def seeds_for(tool: str, n: int, quick: bool) -> int:
    """Seeds for the false-alarm and detection rates: gradref's claims need 1,000."""
    if tool.startswith("gradref"):
        return 100 if quick else 1000
    if quick:
        return 3
    if n >= 1000:
        return 1 if tool.startswith("numdifftools") else 5  # ~30 s a call at n = 1000
    return 20


def repeats_for(tool: str, n: int) -> int:
    """Timing repeats (the median is reported)."""
    if tool.startswith("gradref"):
        return 9
    if n >= 1000:
        return 1 if tool.startswith("numdifftools") else 3
    return 5


def measure(tool: str, run, make_case, n: int, quick: bool) -> dict:
    seeds = seeds_for(tool, n, quick)
    case = make_case(np.random.default_rng(0), n)
    repeats = repeats_for(tool, n)
    times, evaluations, error = [], 0, float("nan")
    for r in range(repeats):
        start = time.perf_counter()
        _, evaluations, error = run(case, case.grad, r)
        times.append(time.perf_counter() - start)
    false_alarms = 0
    detected = dict.fromkeys(MISTAKES, 0)
    applicable = dict.fromkeys(MISTAKES, 0)
    for seed in range(seeds):
        case = make_case(np.random.default_rng(seed + 1), n)
        false_alarms += not run(case, case.grad, seed)[0]
        for mistake in MISTAKES:
            wrong = wrong_gradient(case, mistake)
            if wrong is None:
                continue
            applicable[mistake] += 1
            detected[mistake] += not run(case, wrong, seed)[0]
    row = {
        "tool": tool,
        "case": case.name,
        "n": case.n,
        "evaluations": evaluations,
        "median_time_s": statistics.median(times),
        "relative_error": error,
        "repeats": repeats,
        "seeds": seeds,
        "false_alarm_rate": false_alarms / seeds,
    }
    for mistake in MISTAKES:
        row[f"detect_{mistake}"] = (
            detected[mistake] / applicable[mistake] if applicable[mistake] else float("nan")
        )
    return row


def machine() -> dict:
    info = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "numpy": np.__version__,
    }
    for module in ("scipy", "torch", "jax", "numdifftools"):
        try:
            info[module] = __import__(module).__version__
        except ImportError:
            info[module] = "not installed"
    try:
        with open("/proc/cpuinfo") as handle:
            names = [
                line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")
            ]
        info["cpu"] = names[0] if names else ""
    except OSError:
        info["cpu"] = ""
    return info


def fmt(value, spec):
    return "—" if value != value else format(value, spec)  # NaN -> dash


def render(rows: list[dict], info: dict) -> str:
    lines = [
        f"Measured {info['date']} on {info['cpu'] or info['processor']} ({info['cores']} cores), "
        f"Python {info['python']}, numpy {info['numpy']}, scipy {info['scipy']}, "
        f"torch {info['torch']}, jax {info['jax']}, numdifftools {info['numdifftools']}.",
        "",
        "| case | n | tool | f evals | median time | rel. error | transposed | sign | coord. 1e-4 | false alarms (seeds) |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r['n']} | {r['tool']} | {r['evaluations']} | "
            f"{r['median_time_s'] * 1e3:.3g} ms | {fmt(r['relative_error'], '.1e')} | "
            f"{fmt(r['detect_transposed'], '.0%')} | {fmt(r['detect_sign'], '.0%')} | "
            f"{fmt(r['detect_coordinate 1e-4'], '.0%')} | {r['false_alarm_rate']:.0%} ({r['seeds']}) |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few seeds, for a smoke run")
    parser.add_argument("--dims", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--tools", nargs="+", default=list(TOOLS))
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    partial = OUT / "checkers.partial.csv"  # rows so far, should the run be interrupted
    for make_case in CASES:
        dims = [3] if make_case is sheet_case else args.dims
        for n in dims:
            for tool in args.tools:
                row = measure(tool, TOOLS[tool], make_case, n, args.quick)
                rows.append(row)
                with open(partial, "w", newline="") as handle:
                    writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
                    writer.writeheader()
                    writer.writerows(rows)
                print(
                    f"{row['case']:>22} n={n:<5} {tool:<28} evals={row['evaluations']:<6} "
                    f"time={row['median_time_s'] * 1e3:9.3f} ms err={fmt(row['relative_error'], '.1e'):>8} "
                    f"FA={row['false_alarm_rate']:.0%} "
                    + " ".join(f"{m}={fmt(row['detect_' + m], '.0%')}" for m in MISTAKES),
                    flush=True,
                )
    partial.unlink()
    with open(OUT / "checkers.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    info = machine()
    (OUT / "machine.json").write_text(json.dumps(info, indent=2) + "\n")
    (OUT / "checkers.md").write_text(render(rows, info))
    print(f"wrote {OUT / 'checkers.csv'} and {OUT / 'checkers.md'}")


if __name__ == "__main__":
    main()
