"""A run's parameters as the back office stores them (JSON) → the simulation's options."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from integrations.simulator.options import Options

FIELDS = (
    "curve",
    "orders",
    "peak_per_s",
    "hot_share",
    "hot_skus",
    "thin_share",
    "web",
    "workers",
    "review_workers",
    "faults",
    "target_per_s",
)


def options_from_parameters(parameters: dict[str, Any]) -> tuple[Options, bool]:
    """(options, fresh database?) from stored parameters; what is not given keeps the command's default."""
    given = {key: parameters[key] for key in FIELDS if parameters.get(key) not in (None, "")}
    return Options(**given, redis_url=settings.SIMULATOR_REDIS_URL), bool(parameters.get("fresh"))
