"""The peak simulator's part of the demo: one finished run with its report, so /simulator/ shows what a run
leaves. It is a run recorded on the project's machine (``demo_run.json``: the command's result, series
included; docs/performance.md), its report written again into ``SIMULATOR_REPORT_DIR`` — seed_demo starts no
web or worker processes of its own and needs no second database."""

from __future__ import annotations

import json
from pathlib import Path

from django.utils import timezone

from integrations.simulator.models import PeakRun
from integrations.simulator.report import report_write

RECORDED = Path(__file__).resolve().parent / "demo_run.json"


def peak_demo_ensure() -> dict[str, int]:
    if PeakRun.objects.filter(status=PeakRun.Status.FINISHED).exists():
        return {"peak_runs": 0}
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    result, parameters = recorded["result"], {**recorded["parameters"], "recorded": True}
    path = report_write(result, options=parameters)
    now = timezone.now()
    PeakRun.objects.create(
        status=PeakRun.Status.FINISHED,
        parameters=parameters,
        started_at=now,
        finished_at=now,
        database=result.get("database", ""),
        first_on_fresh_database=bool(result.get("first_run_on_fresh_database")),
        result={k: v for k, v in result.items() if k != "series"},
        report_dir=str(path),
    )
    return {"peak_runs": 1}
