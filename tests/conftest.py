"""Shared test setup: hypothesis profiles (ci by default, deep with BTIFLOW_HYPOTHESIS=deep)."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "deep", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("BTIFLOW_HYPOTHESIS", "ci"))
