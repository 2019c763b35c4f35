"""Hypothesis profiles: "ci" (the default: deterministic, a few hundred examples per target) and
"deep" (`--hypothesis-profile=deep`: at least 10,000 examples per target, random seed)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile("ci", max_examples=300, derandomize=True, database=None,
                          deadline=None, suppress_health_check=_QUIET, print_blob=True)
settings.register_profile("deep", max_examples=10_000, derandomize=False, database=None,
                          deadline=None, suppress_health_check=_QUIET, print_blob=True)
# `--hypothesis-profile=NAME` (hypothesis's pytest plugin) loads its profile after this file.
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
