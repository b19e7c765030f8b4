"""Shared test configuration: Hypothesis profiles and input builders."""

from __future__ import annotations

import fcntl
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# "quick" (default) for every run; HYPOTHESIS_PROFILE=intense for a long soak.
settings.register_profile(
    "quick", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "intense", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# "mutants" for `nox -s mutants`: every mutant reruns the tests that reach it, so few
# examples, in a fixed order (a mutant's verdict must not depend on luck), and no database.
settings.register_profile(
    "mutants",
    max_examples=10,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))


@pytest.fixture(autouse=True)
def _forget_real_only_functions():
    """Each test starts with the checker's memory of real-only functions empty.

    The memory lives as long as the process: where tests run twice in one process (mutmut's
    clean run after its stats run, and the mutants forked from it), a function a test module
    defines would be remembered from the first run, and the second would see "in an earlier
    check" in its note.
    """
    from gradref import check

    check._REAL_ONLY.clear()


def well_conditioned(rng: np.random.Generator, n: int) -> np.ndarray:
    """A symmetric positive definite matrix with eigenvalues in [n, ~2n], by construction."""
    B = rng.standard_normal((n, n))
    return B @ B.T / n + n * np.eye(n)


@pytest.fixture(scope="session")
def server(request):
    """The built site, served on 127.0.0.1 (its measurements are written at the end)."""
    from tests.test_site import MEASUREMENTS, SITE

    if not (SITE / "index.html").is_file():
        pytest.fail(f"no built site at {SITE}: run `nox -s docs` first")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d", str(SITE)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while True:
        try:
            urllib.request.urlopen(base + "/index.html", timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail("the static server did not start")
            time.sleep(0.05)
    yield base
    process.terminate()
    process.wait(timeout=10)
    measured = _write_measurements(MEASUREMENTS)
    # Printed past pytest's output capture, so that every run shows them; axe-core's
    # findings page by page are in the file.
    shown = {
        key: value for key, value in measured.items() if key not in ("axe", "display_formulas")
    }
    for mode, found in measured.get("axe", {}).items():
        shown[f"axe_{mode}_elements_in_violation"] = found["elements_in_violation"]
        shown[f"axe_{mode}_pages"] = len(found["pages"])
    with request.config.pluginmanager.getplugin("capturemanager").global_and_fixture_disabled():
        print("\nbrowser measurements:", json.dumps(shown, indent=2))


def _merge(into: dict, new: dict) -> None:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _write_measurements(measurements: dict) -> dict:
    """Add this process's measurements to _build/screenshots/measurements.json and return
    the whole.

    `nox -s site` runs the browser tests in several processes (the timing tests alone first,
    then the rest over the cores), which share one run id (``GRADREF_SITE_RUN``, or
    pytest-xdist's own): each adds what it measured to the file under a lock, and a file
    of an earlier run is replaced, not added to.
    """
    from tests.test_site import ARTIFACTS, IMPACTS

    run = os.environ.get("GRADREF_SITE_RUN") or os.environ.get("PYTEST_XDIST_TESTRUNUID", "")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "measurements.json"
    with open(ARTIFACTS / ".measurements.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        merged: dict = {}
        if run and path.is_file():
            earlier = json.loads(path.read_text(encoding="utf-8"))
            if earlier.get("run") == run:
                merged = earlier
        _merge(merged, json.loads(json.dumps(measurements)))
        merged["run"] = run
        # The display formulas that the test of every page found, counted by width.
        merged["display_formulas_total"] = {
            width: sum(pages.values())
            for width, pages in merged.get("display_formulas", {}).items()
        }
        for found in merged.get("axe", {}).values():
            found["elements_in_violation"] = {
                impact: sum(page[impact] for page in found["pages"].values()) for impact in IMPACTS
            }
        path.write_text(json.dumps(merged, indent=2) + "\n", encoding="utf-8")
    return merged


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, driven by Playwright."""
    from tests.test_site import ARGS, CHROMIUM

    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()
