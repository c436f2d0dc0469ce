"""Reads of the peak simulator's runs for the back office."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

from integrations.simulator.models import PeakRun
from integrations.simulator.report import FILES


def peak_run_list(*, limit: int = 50) -> list[PeakRun]:
    return list(PeakRun.objects.select_related("requested_by").order_by("-created_at", "-id")[:limit])


def peak_run_live(*, run: PeakRun) -> dict[str, Any]:
    """What the live page redraws: status, the plan, the latest samples, the faults, the result once there."""
    live = run.live or {}
    samples = live.get("samples") or []
    return {
        "id": run.pk,
        "status": run.status,
        "status_label": run.get_status_display(),
        "first_on_fresh_database": run.first_on_fresh_database,
        "plan": live.get("plan"),
        "latest": samples[-1] if samples else None,
        "samples": samples,
        "faults": live.get("faults") or [],
        "result": run.result or None,
        "error": run.error,
        "has_report": bool(run.report_dir),
    }


def peak_run_report_file(*, run: PeakRun, name: str) -> Path | None:
    """A file of the run's report folder (report.html, its chart scripts, result.json), or None. Only those
    names, and only inside ``SIMULATOR_REPORT_DIR``."""
    if name not in FILES or not run.report_dir:
        return None
    folder = Path(run.report_dir).parent.resolve()
    root = Path(settings.SIMULATOR_REPORT_DIR).resolve()
    if root not in folder.parents and folder != root:
        return None
    path = folder / name
    return path if path.is_file() else None
