"""《大促容量基线报告》: one HTML file per run with its charts, written next to a copy of the vendored chart
library and the run's figures as JSON, so the folder opens offline (and is served as it is by the back office)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

STATIC = Path(settings.BASE_DIR) / "integrations" / "static"
ECHARTS = STATIC / "board" / "vendor" / "echarts-6.1.0.min.js"
CHARTS = STATIC / "simulator" / "charts.js"
FILES = {"report.html", "result.json", "echarts.min.js", "charts.js"}  # what a report folder holds


def report_write(result: dict[str, Any], *, options: dict[str, Any], directory: Path | None = None) -> Path:
    """Write the report of ``result`` into a new folder under ``SIMULATOR_REPORT_DIR``; returns report.html."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    folder = directory or Path(settings.SIMULATOR_REPORT_DIR) / f"{stamp}-{result.get('run', 'run')}"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ECHARTS, folder / "echarts.min.js")
    shutil.copyfile(CHARTS, folder / "charts.js")
    (folder / "result.json").write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(
            "integrations/simulator/report.html",
            {
                "r": result,
                "options": options,
                "written_at": timezone.localtime(),
                "latency_rows": list((result.get("latency_s") or {}).items()),
                "chart_labels": chart_labels(),
                "cpu_rows": cpu_rows(result.get("cpu_ms_per_order") or {}),
            },
        )
    path = folder / "report.html"
    path.write_text(html, encoding="utf-8")
    return path


def cpu_rows(per_order: dict[str, float]) -> list[tuple[str, float]]:
    """The report's "CPU per order" table: (what, milliseconds of CPU per order), in the reader's language."""
    names = {
        "web": _("web server (webhooks, the sandbox's answers)"),
        "workers": _("ingestion workers"),
        "review": _("review workers"),
        "notify": _("buyer messages"),
        "postgres": _("PostgreSQL"),
        "redis": _("Redis"),
        "simulator": _("the simulator itself (senders, sampling, waves)"),
        "other": _("other (kernel, other processes)"),
        "machine": _("whole machine"),
    }
    return [(label, per_order[key]) for key, label in names.items() if key in per_order]


def chart_labels() -> dict[str, str]:
    """The charts' titles and series names in the reader's language (charts.js draws them)."""
    return {
        "rate": _("Orders per second: offered, accepted, created, reviewed"),
        "progress": _("Progress"),
        "offered": _("offered"),
        "accepted": _("accepted (webhooks)"),
        "created": _("created"),
        "reviewed": _("reviewed"),
        "backlog": _("Backlog"),
        "queue": _("tasks in the broker"),
        "inbox": _("inbox messages not settled"),
        "db": _("PostgreSQL (pg_stat_activity, pg_locks)"),
        "connections": _("connections"),
        "active": _("active"),
        "lock_waits": _("waiting for a lock"),
        "not_granted": _("locks not granted"),
        "cpu": _("CPU %"),
        "cpu_machine": _("machine (all cores)"),
        "cpu_web": _("web (of one core)"),
        "cpu_workers": _("ingestion workers (of one core)"),
        "cpu_review": _("review workers (of one core)"),
        "cpu_notify": _("buyer messages (of one core)"),
        "cpu_postgres": _("PostgreSQL (of one core)"),
        "cpu_redis": _("Redis (of one core)"),
        "cpu_simulator": _("the simulator itself (of one core)"),
    }
