"""The parent side of ``simulate_peak``: the simulator's database made ready, the drive started as a child
process connected to it (so this process stays on the configured database, where the run's row is), its events
relayed to the run's row and the terminal, and the report written at the end."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from config.pgbench import pgbench_ceiling
from integrations.benchmarks import processes
from integrations.benchmarks.database import bench_database_prepare, configured_name, database_url
from integrations.simulator import services
from integrations.simulator.exceptions import SimulationInvalid
from integrations.simulator.options import FAULTS, Options
from integrations.simulator.report import report_write

EVENT = "@@ "  # the drive's event lines start with this; anything else it prints is passed on


def simulation_database() -> str:
    return settings.SIMULATOR_DATABASE or f"{configured_name()}_peaksim"


def options_check(options: Options, database: str) -> None:
    unknown = sorted(set(options.faults) - set(FAULTS))
    if unknown:
        raise SimulationInvalid(
            _("Unknown fault %(faults)s (one of %(known)s).")
            % {"faults": ", ".join(unknown), "known": ", ".join(FAULTS)}
        )
    if database == configured_name():
        raise SimulationInvalid(
            _("The database %(name)s is the configured database: a simulation needs its own.") % {"name": database}
        )
    if not 0 <= options.hot_share <= 1 or not 0 <= options.thin_share <= 1:
        raise SimulationInvalid(_("--hot-share and --thin-share are shares between 0 and 1."))
    if options.orders < 1 or options.peak_per_s <= 0:
        raise SimulationInvalid(_("A run needs at least one order and a peak above 0 orders/s."))


def simulation_run(
    *, options: Options, database: str, fresh: bool, run_id: int | None, out: Callable[[str], None]
) -> dict[str, Any]:
    """Run one simulation in ``database`` (dropped and created again with ``fresh``); returns its result with
    ``report`` (the report's path)."""
    options_check(options, database)
    bench_database_prepare(database, keep=not fresh)
    url = database_url(database)
    env = {**os.environ, "DATABASE_URL": url, "DB_REPLICA_URL": "", "LOG_LEVEL": "WARNING"}
    if not database.startswith("test_"):
        out(_("Migrating the simulation database %(name)s …") % {"name": database})
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=settings.BASE_DIR, env=env, check=True
        )
    if run_id:
        services.peak_run_started(run_id=run_id, database=database)
    # Its own gunicorn and clusters die with it, and it with this process (a kill -9 included): processes.child_popen.
    child = processes.child_popen(
        [sys.executable, "manage.py", "simulate_peak", "--phase", "drive", "--options-json", _options_json(options)],
        cwd=settings.BASE_DIR,
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        text=True,
    )
    result: dict[str, Any] | None = None
    assert child.stdout is not None
    for line in child.stdout:
        if not line.startswith(EVENT):
            out(line.rstrip("\n"))
            continue
        event = json.loads(line[len(EVENT) :])
        if event.get("event") == "result":
            result = event["result"]
            continue
        _show(event, out)
        if run_id:
            services.peak_run_progress(run_id=run_id, event=event)
    child.wait()
    processes.child_forget(child)
    if child.returncode or result is None:
        raise SimulationInvalid(
            _("The simulation stopped with exit status %(code)s before its result.") % {"code": child.returncode},
            code="simulator_failed",
        )
    result["database"] = database
    # PostgreSQL's ceiling in the same run, on the same database, once the run's own processes are gone.
    result["pgbench"] = pgbench_ceiling(
        "push_store", clients=options.clients, seconds=options.pgbench_seconds, database=database
    )
    result["report"] = str(report_write(result, options=dataclasses.asdict(options)))
    if run_id:
        services.peak_run_finished(run_id=run_id, result=result, report_dir=str(result["report"]))
    return result


def _options_json(options: Options) -> str:
    return json.dumps(dataclasses.asdict(options))


def _show(event: dict[str, Any], out: Callable[[str], None]) -> None:
    kind = event.get("event")
    if kind == "plan":
        out(
            _("Offering %(orders)s orders in %(seconds)s s, peak %(peak)s orders/s (%(label)s); run %(run)s")
            % {
                "orders": event["orders"],
                "seconds": event["seconds"],
                "peak": event["peak_per_s"],
                "label": _("first run on a fresh database") if event.get("fresh") else _("a later run"),
                "run": event["run"],
            }
        )
        set_aside = event.get("set_aside") or {}
        if set_aside.get("inbox_parked") or set_aside.get("unreviewed_paid"):
            out(
                _(
                    "Earlier runs left %(parked)s inbox messages (parked as dead letters) and %(unreviewed)s paid "
                    "orders without a review: this run does not work through them."
                )
                % {"parked": set_aside.get("inbox_parked", 0), "unreviewed": set_aside.get("unreviewed_paid", 0)}
            )
    elif kind == "sample" and int(event["t"]) % 5 == 0:
        out(
            f"  [{event['t']:6.1f} s] offered {event['offered']:.0f}/s · created {event['created']} · "
            f"reviewed {event['reviewed']} · queue {event['queue']} · inbox {event['inbox']} · "
            f"lock waits {event['lock_waits']} · CPU {event['cpu_machine']} %"
        )
    elif kind == "fault":
        out(f"  [{event['at_s']:6.1f} s] {event['fault']}: {event['what']}")


def peak_run_execute(*, run_id: int) -> str:
    """The back office's run ``run_id``: claimed by compare-and-set (queued → running), then the command's
    work with the parameters it was queued with; a failure is kept on the run for the page to show."""
    from integrations.simulator.models import PeakRun
    from integrations.simulator.parameters import options_from_parameters

    if not PeakRun.objects.filter(pk=run_id, status=PeakRun.Status.QUEUED).update(status=PeakRun.Status.RUNNING):
        return "taken"
    run = PeakRun.objects.get(pk=run_id)
    try:
        options, fresh = options_from_parameters(run.parameters)
        simulation_run(options=options, database=simulation_database(), fresh=fresh, run_id=run_id, out=_log)
    except Exception as exc:  # noqa: BLE001 - any failure ends the run as failed, with what went wrong
        services.peak_run_failed(run_id=run_id, error=str(exc) or exc.__class__.__name__)
        return "failed"
    return "finished"


def _log(line: str) -> None:
    import logging

    logging.getLogger(__name__).info("%s", line)
