"""Shared test configuration: Hypothesis profiles and input builders."""

from __future__ import annotations

import os

import numpy as np
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


def well_conditioned(rng: np.random.Generator, n: int) -> np.ndarray:
    """A symmetric positive definite matrix with eigenvalues in [n, ~2n], by construction."""
    B = rng.standard_normal((n, n))
    return B @ B.T / n + n * np.eye(n)
