"""Benchmark: gradref's derivative checker against the tools people use today.

Run with ``nox -s bench``.  For each case (logistic loss written with ``np.logaddexp``, a
quadratic form with a non-symmetric matrix, log-sum-exp, the sheet's function of
(x, y, z)) and each dimension, every tool checks

* the correct gradient: time (median of repeats of the same check, on the same function
  object), function evaluations (of the first and of the repeated checks: gradref's
  automatic mode remembers a function that refused complex input), accuracy of its
  numerical derivative, and its verdicts over many seeds;
* three wrong gradients: a transposed matrix, a flipped sign, one coordinate off by a
  relative 1e-4 (the largest one); the detection rate over seeds.

gradref's checks count as passed when ``verdict == "passed"`` and as a detection when
``verdict == "failed"``; the rate of ``"inconclusive"`` verdicts is recorded for the correct
and the wrong gradients separately.  Tools that only return a numerical gradient (scipy's
``check_grad`` and ``approx_derivative``, numdifftools) are judged with a relative threshold
``||numerical - claimed|| / ||claimed|| > 1e-6``; torch's ``gradcheck`` and jax's
``check_grads`` decide themselves, with their default tolerances.

For every gradref row, costs timed alternately with the repeated checks (medians over
the repeats, so that a busy machine slows both sides alike) put the time in perspective:
``t_f`` (one real evaluation of f at x), ``t_fc`` (one complex evaluation at
``x + 1e-20j u``, where f accepts complex input), ``t_grad`` (one call of the gradient) and
``scipy.optimize.check_grad`` itself.  With ``k`` the evaluations of the repeated check:

* ``bound = (n + 1) t_f / (k t_f + t_grad)``: the largest speed-up over an (n + 1)-evaluation
  finite-difference check that any checker making k evaluations of f (at the cost of a real
  one) and one of the gradient could have;
* ``speedup_vs_check_grad``: the time of ``scipy.optimize.check_grad`` over the tool's,
  same case and dimension (for the other tools, from check_grad's own row);
* ``overhead = t_check / (k_real t_f + k_complex t_fc + t_grad)``: the check's time over
  the cost of the evaluations it makes (1 means nothing but f and the gradient).

Writes ``docs/_static/bench/checkers.csv``, ``checkers.md`` (the rendered table) and
``machine.json`` (where and when it ran).
"""

from __future__ import annotations

import argparse
import contextlib
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
NAN = float("nan")
#: Times are CPU time of this process (all its threads): on a shared machine, other jobs
#: stretch wall-clock time, more for a long measurement than for a short one, which would
#: bias every ratio; CPU time counts the work done. On an idle machine, with BLAS on one
#: thread (as `nox -s bench` runs it), the two agree.
clock = time.process_time


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


def logistic_case(rng, n) -> Case:
    X = rng.standard_normal((n, n)) / np.sqrt(n)
    y = rng.choice([-1.0, 1.0], n)

    def f(w):  # the form people write: stable, and real-only (logaddexp refuses complex input)
        return np.mean(np.logaddexp(0, -y * (X @ w)))

    def grad(w):
        return -X.T @ (y / (1 + np.exp(y * (X @ w)))) / n

    def transposed(w):
        return -X @ (y / (1 + np.exp(y * (X @ w)))) / n

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


# -- tools: each returns (verdict, evaluations, relative error or nan) ---------------------------


class NotApplicable(Exception):
    """The tool cannot check this case (gradref's complex step on a real-only function)."""


class Counter:
    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, x):
        self.calls += 1
        return self.f(x)


def run_gradref(method):
    def run(case, grad, seed, diagnose=True):
        # case.f itself, not a wrapper: the automatic mode's memo is keyed by the function
        # object, and the evaluations are counted by the checker.
        try:
            result = gradref.check_gradient(
                case.f, grad, case.x, method=method, rng=seed, diagnose=diagnose
            )
        except ValueError as exc:
            if method == "complex" and "complex input" in str(exc):
                raise NotApplicable(str(exc)) from exc
            raise
        return result.verdict, result.evaluations, result.max_rel_error

    return run


def _verdict(passed: bool) -> str:
    return "passed" if passed else "failed"


def _relative(numerical, claimed):
    return float(np.linalg.norm(numerical - claimed) / max(np.linalg.norm(claimed), 1e-300))


def run_scipy_check_grad(case, grad, seed, diagnose=True):
    from scipy.optimize import check_grad

    f = Counter(lambda x: float(np.real(case.f(x))))
    error = check_grad(f, grad, case.x) / max(np.linalg.norm(grad(case.x)), 1e-300)
    return _verdict(error <= THRESHOLD), f.calls, error


def run_scipy_approx_derivative(case, grad, seed, diagnose=True):
    from scipy.optimize._numdiff import approx_derivative

    f = Counter(lambda x: float(np.real(case.f(x))))
    numerical = approx_derivative(f, case.x)
    error = _relative(numerical, grad(case.x))
    return _verdict(error <= THRESHOLD), f.calls, error


def run_numdifftools(case, grad, seed, diagnose=True):
    import numdifftools as nd

    f = Counter(lambda x: float(np.real(case.f(x))))
    numerical = nd.Gradient(f)(case.x)
    error = _relative(np.atleast_1d(numerical), grad(case.x))
    return _verdict(error <= THRESHOLD), f.calls, error


def run_torch(fast_mode):
    def run(case, grad, seed, diagnose=True):
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
        return _verdict(bool(passed)), f.calls, NAN

    return run


def run_jax(case, grad, seed, diagnose=True):
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
    return _verdict(passed), f.calls, NAN


TOOLS = {
    "gradref (auto)": run_gradref("auto"),
    "gradref (complex step)": run_gradref("complex"),
    "gradref (central)": run_gradref("central"),
    "scipy check_grad": run_scipy_check_grad,
    "scipy approx_derivative": run_scipy_approx_derivative,
    "torch gradcheck": run_torch(False),
    "torch gradcheck (fast)": run_torch(True),
    "jax check_grads": run_jax,
    "numdifftools Gradient": run_numdifftools,
}
REFERENCE = "scipy check_grad"  # the speed-ups are relative to it


# -- costs of f and of the gradient ---------------------------------------------------------------


def time_per_call(call: Callable[[], object]) -> float:
    """Time of one call, averaged over a batch lasting about 2 ms (microsecond calls)."""
    start = clock()
    call()
    once = max(clock() - start, 1e-7)
    batch = max(1, min(1000, int(2e-3 / once)))
    start = clock()
    for _ in range(batch):
        call()
    return (clock() - start) / batch


def complex_point(case: Case) -> np.ndarray | None:
    """``x + 1e-20j u`` for a random unit ``u``, or None if f refuses complex input."""
    u = np.random.default_rng(1).standard_normal(case.x.shape)
    z = case.x + 1e-20j * (u / np.linalg.norm(u))
    try:
        return z if np.iscomplexobj(np.asarray(case.f(z))) else None
    except Exception:
        return None


class KindCounter:
    """Counts the real and the complex evaluations of f (one object: the memo applies)."""

    def __init__(self, f):
        self.f, self.real, self.complex = f, 0, 0

    def __call__(self, x):
        if np.iscomplexobj(x):
            self.complex += 1
        else:
            self.real += 1
        return self.f(x)


def evaluation_kinds(method: str, case: Case) -> tuple[int, int]:
    """(real, complex) evaluations of a repeated gradref check of one function object."""
    f = KindCounter(case.f)
    gradref.check_gradient(f, case.grad, case.x, method=method, rng=0)  # the first check
    before = f.real, f.complex
    gradref.check_gradient(f, case.grad, case.x, method=method, rng=1)
    return f.real - before[0], f.complex - before[1]


# -- the run ---------------------------------------------------------------------------------------


def seeds_for(tool: str, n: int, quick: bool) -> int:
    """Seeds for the false-alarm and detection rates: gradref's claims need 1,000."""
    if tool.startswith("gradref"):
        return 100 if quick else 1000
    if quick:
        return 3
    if n >= 1000:
        return 1 if tool.startswith("numdifftools") else 5  # seconds a call at n = 1000
    return 20


def repeats_for(tool: str, n: int) -> int:
    """Timing repeats after the first check (the median is reported)."""
    if tool.startswith("gradref"):
        return 15
    if n >= 1000:
        return 1 if tool.startswith("numdifftools") else 3
    return 5


def timing(tool: str, run, make_case, n: int) -> dict | None:
    """Time the first check of one function object, then repeated checks of the same one.

    For gradref, each repeat also times one real evaluation of f, one complex one, one call
    of the gradient and one ``scipy.optimize.check_grad``, so that the ratios compare
    times taken side by side, whatever else the machine was doing meanwhile.
    """
    case = make_case(np.random.default_rng(0), n)
    start = clock()
    try:
        _, evaluations_first, _ = run(case, case.grad, 0)
    except NotApplicable:
        return None
    time_first = clock() - start
    ours = tool.startswith("gradref")
    z = complex_point(case) if ours else None
    samples: dict[str, list[float]] = {"check": [], "f": [], "fc": [], "grad": [], "ref": []}
    evaluations, error = evaluations_first, NAN
    for r in range(repeats_for(tool, n)):
        start = clock()
        _, evaluations, error = run(case, case.grad, r + 1)
        samples["check"].append(clock() - start)
        if ours:
            samples["f"].append(time_per_call(lambda: case.f(case.x)))
            if z is not None:
                samples["fc"].append(time_per_call(lambda: case.f(z)))
            samples["grad"].append(time_per_call(lambda: case.grad(case.x)))
            start = clock()
            TOOLS[REFERENCE](case, case.grad, r)
            samples["ref"].append(clock() - start)
    median = {key: statistics.median(v) if v else NAN for key, v in samples.items()}
    row = {
        "tool": tool,
        "case": case.name,
        "n": case.n,
        "evaluations_first": evaluations_first,
        "evaluations": evaluations,
        "time_first_s": time_first,
        "median_time_s": median["check"],
        "relative_error": error,
        "repeats": len(samples["check"]),
        "t_f_s": median["f"],
        "t_fc_s": median["fc"],
        "t_grad_s": median["grad"],
        "t_check_grad_s": median["ref"],
    }
    row.update(dict.fromkeys(("k_real", "k_complex", "bound", "overhead"), NAN))
    if ours:
        method = tool.split("(")[1].rstrip(")").replace("complex step", "complex")
        k_real, k_complex = evaluation_kinds(method, make_case(np.random.default_rng(0), n))
        t_f, t_fc, t_grad = median["f"], median["fc"], median["grad"]
        row["k_real"], row["k_complex"] = k_real, k_complex
        row["bound"] = (case.n + 1) * t_f / ((k_real + k_complex) * t_f + t_grad)
        own = k_real * t_f + (k_complex * t_fc if k_complex else 0.0) + t_grad
        row["overhead"] = median["check"] / own
    return row


def verdicts(rows: dict[str, dict], make_case, n: int, quick: bool) -> None:
    """Verdict rates over seeds, each seed a fresh case (data, point, function object)."""
    counts = {
        tool: {"seeds": 0, "passed": 0, "failed": 0, "inconclusive": 0, "wrong": 0,
               "inconclusive_wrong": 0, **{m: [0, 0] for m in MISTAKES}}
        for tool in rows
    }  # fmt: skip
    for seed in range(max(seeds_for(tool, n, quick) for tool in rows)):
        case = make_case(np.random.default_rng(seed + 1), n)
        for tool in rows:
            if seed >= seeds_for(tool, n, quick):
                continue
            run, c = TOOLS[tool], counts[tool]
            c["seeds"] += 1
            c[run(case, case.grad, seed, diagnose=False)[0]] += 1
            for mistake in MISTAKES:
                wrong = wrong_gradient(case, mistake)
                if wrong is None:
                    continue
                verdict = run(case, wrong, seed, diagnose=False)[0]
                c[mistake][0] += verdict == "failed"
                c[mistake][1] += 1
                c["wrong"] += 1
                c["inconclusive_wrong"] += verdict == "inconclusive"
    for tool, row in rows.items():
        c, ours = counts[tool], tool.startswith("gradref")
        row["seeds"] = c["seeds"]
        row["pass_rate"] = c["passed"] / c["seeds"]
        row["false_alarm_rate"] = c["failed"] / c["seeds"]
        row["inconclusive_correct"] = c["inconclusive"] / c["seeds"] if ours else NAN
        for mistake in MISTAKES:
            detected, checked = c[mistake]
            row[f"detect_{mistake}"] = detected / checked if checked else NAN
        row["inconclusive_wrong"] = c["inconclusive_wrong"] / c["wrong"] if ours else NAN


def add_speedups(rows: list[dict]) -> None:
    """Time of check_grad over the tool's: taken side by side for gradref, else its row's."""
    reference = {(r["case"], r["n"]): r["median_time_s"] for r in rows if r["tool"] == REFERENCE}
    for r in rows:
        ref = r["t_check_grad_s"]
        if ref != ref:  # NaN: not timed side by side
            ref = reference.get((r["case"], r["n"]), NAN)
        r["speedup_vs_check_grad"] = ref / r["median_time_s"]


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
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        info[variable] = os.environ.get(variable, "unset")
    with contextlib.suppress(OSError):  # the load when the run ended: a busy machine is slower
        info["load_average"] = [round(v, 2) for v in os.getloadavg()]
    return info


def fmt(value, spec):
    return "—" if value != value else format(value, spec)  # NaN -> dash


def render(rows: list[dict], info: dict) -> str:
    lines = [
        f"Measured {info['date']} on {info['cpu'] or info['processor']} ({info['cores']} cores), "
        f"Python {info['python']}, numpy {info['numpy']}, scipy {info['scipy']}, "
        f"torch {info['torch']}, jax {info['jax']}, numdifftools {info['numdifftools']}.",
        "",
        "| case | n | tool | f evals (first, repeated) | median time | speed-up vs check_grad "
        "| bound | overhead | rel. error | transposed | sign | coord. 1e-4 "
        "| false alarms | inconclusive (correct, wrong) | seeds |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        evals = (
            f"{r['evaluations']}"
            if r["evaluations_first"] == r["evaluations"]
            else f"{r['evaluations_first']}, {r['evaluations']}"
        )
        inconclusive = (
            "—"
            if r["inconclusive_correct"] != r["inconclusive_correct"]
            else f"{r['inconclusive_correct']:.0%}, {r['inconclusive_wrong']:.0%}"
        )
        lines.append(
            f"| {r['case']} | {r['n']} | {r['tool']} | {evals} | "
            f"{r['median_time_s'] * 1e3:.3g} ms | {fmt(r['speedup_vs_check_grad'], '.3g')} | "
            f"{fmt(r['bound'], '.3g')} | {fmt(r['overhead'], '.2g')} | "
            f"{fmt(r['relative_error'], '.1e')} | "
            f"{fmt(r['detect_transposed'], '.0%')} | {fmt(r['detect_sign'], '.0%')} | "
            f"{fmt(r['detect_coordinate 1e-4'], '.0%')} | {r['false_alarm_rate']:.0%} | "
            f"{inconclusive} | {r['seeds']} |"
        )
    return "\n".join(lines) + "\n"


def write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few seeds, for a smoke run")
    parser.add_argument("--dims", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--tools", nargs="+", default=list(TOOLS))
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    OUT.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    rows = []
    partial = OUT / "checkers.partial.csv"  # rows so far, should the run be interrupted
    for make_case in CASES:
        dims = [3] if make_case is sheet_case else args.dims
        for n in dims:
            name = make_case(np.random.default_rng(0), n).name
            timed = {}
            for tool in args.tools:
                row = timing(tool, TOOLS[tool], make_case, n)
                if row is None:
                    print(f"{name:>22} n={n:<5} {tool:<28} not applicable", flush=True)
                else:
                    timed[tool] = row
            verdicts(timed, make_case, n, args.quick)
            for tool, row in timed.items():
                rows.append(row)
                print(
                    f"{name:>22} n={n:<5} {tool:<28} "
                    f"evals={row['evaluations_first']}/{row['evaluations']:<6} "
                    f"time={row['median_time_s'] * 1e3:9.3f} ms "
                    f"err={fmt(row['relative_error'], '.1e'):>8} "
                    f"pass={row['pass_rate']:.0%} FA={row['false_alarm_rate']:.0%} "
                    + " ".join(f"{m}={fmt(row['detect_' + m], '.0%')}" for m in MISTAKES)
                    + f" bound={fmt(row['bound'], '.3g')} overhead={fmt(row['overhead'], '.2g')}",
                    flush=True,
                )
            write_csv(partial, rows)
    add_speedups(rows)
    partial.unlink()
    write_csv(OUT / "checkers.csv", rows)
    info = machine()
    info["bench_checkers_seconds"] = round(time.perf_counter() - began)
    (OUT / "machine.json").write_text(json.dumps(info, indent=2) + "\n")
    (OUT / "checkers.md").write_text(render(rows, info))
    print(f"wrote {OUT / 'checkers.csv'} and {OUT / 'checkers.md'}")


if __name__ == "__main__":
    main()
