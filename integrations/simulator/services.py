"""Writes of the peak simulator's runs: start one from the back office (a django-q2 task runs the command), and
record how it goes."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.tasks import enqueue_on_commit
from integrations.simulator.exceptions import SimulationInvalid
from integrations.simulator.models import PeakRun

LIVE_SAMPLES = 600  # the live page's charts keep the last ten minutes of samples
TASK_TIMEOUT_S = 3 * 3600  # a run takes minutes; the task may run this long (the cluster's default is 60 s)


@transaction.atomic(durable=True)
def peak_run_request(*, parameters: dict[str, Any], actor=None) -> PeakRun:
    """Queue a simulation with ``parameters`` (the command's options); one at a time: a run takes the
    machine's CPU, and two would measure each other."""
    busy = PeakRun.objects.select_for_update().filter(status__in=[PeakRun.Status.QUEUED, PeakRun.Status.RUNNING])
    if busy.exists():
        raise SimulationInvalid(
            _("Simulation #%(id)s is still running: wait for it to finish.") % {"id": busy.first().pk},
            code="simulator_busy",
        )
    run = PeakRun.objects.create(parameters=parameters, requested_by=actor if actor and actor.pk else None)
    enqueue_on_commit("integrations.tasks.peak_run_execute", run.pk, timeout=TASK_TIMEOUT_S)
    return run


def peak_run_started(*, run_id: int, database: str) -> None:
    run = PeakRun.objects.get(pk=run_id)
    run.status, run.started_at, run.database = PeakRun.Status.RUNNING, timezone.now(), database
    run.save(update_fields=["status", "started_at", "database"])


def peak_run_progress(*, run_id: int, event: dict[str, Any]) -> None:
    """Fold one event of the running simulation into ``live`` (the plan, the samples, the faults), one UPDATE."""
    live = PeakRun.objects.filter(pk=run_id).values_list("live", flat=True).first() or {}
    kind = event.get("event")
    if kind == "plan":
        live["plan"] = event
    elif kind == "sample":
        live["samples"] = (live.get("samples") or [])[-(LIVE_SAMPLES - 1) :] + [event]
    elif kind == "fault":
        live["faults"] = (live.get("faults") or []) + [event]
    elif kind == "phase":
        live["phase"] = event.get("phase")
    else:
        return
    updates: dict[str, Any] = {"live": live}
    if kind == "plan":
        updates["first_on_fresh_database"] = bool(event.get("fresh"))
    PeakRun.objects.filter(pk=run_id).update(**updates)


def peak_run_finished(*, run_id: int, result: dict[str, Any], report_dir: str) -> None:
    run = PeakRun.objects.get(pk=run_id)
    run.status, run.finished_at = PeakRun.Status.FINISHED, timezone.now()
    run.result = {k: v for k, v in result.items() if k != "series"}
    run.report_dir = report_dir
    run.first_on_fresh_database = bool(result.get("first_run_on_fresh_database"))
    run.save(update_fields=["status", "finished_at", "result", "report_dir", "first_on_fresh_database"])


def peak_run_failed(*, run_id: int, error: str) -> None:
    run = PeakRun.objects.get(pk=run_id)
    run.status, run.finished_at, run.error = PeakRun.Status.FAILED, timezone.now(), error[:4000]
    run.save(update_fields=["status", "finished_at", "error"])
