"""Computing and storing the command center's panels (writes: ``board_snapshots_refresh``) and reading them
back (``board_snapshot_list``). The refresh runs every minute (``integrations.tasks.board_snapshots_refresh``);
each panel is computed outside any transaction and written with one ``UPDATE``, so a slow panel holds no lock
and a failing one keeps its last figures (with the error shown) while the others move on."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from integrations.board import figures
from integrations.board.models import BoardSnapshot

logger = logging.getLogger(__name__)

Panel = BoardSnapshot.Panel
PANELS: dict[str, Callable[..., dict[str, Any]]] = {
    Panel.NOW: figures.panel_now,
    Panel.FLOW: figures.panel_flow,
    Panel.CONNECTIONS: figures.panel_connections,
    Panel.HEATMAP: figures.panel_heatmap,
    Panel.MONEY: figures.panel_money,
}
# Panels that read days of rows (the heat map: a week of orders and work items; money: weeks of balances and
# statement lines) are recomputed every 15 minutes, not every minute; the others every run.
EVERY: dict[str, dt.timedelta] = {Panel.HEATMAP: dt.timedelta(minutes=15), Panel.MONEY: dt.timedelta(minutes=15)}
SLACK = dt.timedelta(seconds=30)  # a schedule that runs a little early does not skip a due panel


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    """Decimals and datetimes as the JSON field would refuse them: as strings (DjangoJSONEncoder)."""
    import json

    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def board_snapshots_refresh(*, panels: list[str] | None = None, now: dt.datetime | None = None) -> dict[str, str]:
    """Compute ``panels`` (default: every panel that is due, see ``EVERY``) and store them.
    Returns ``{panel: "ok" | "not due" | error text}``."""
    now = now or timezone.now()
    outcome: dict[str, str] = {}
    for panel in panels or list(PANELS):
        snapshot, _created = BoardSnapshot.objects.get_or_create(panel=panel)
        every = EVERY.get(panel)
        if panels is None and every and snapshot.computed_at and snapshot.computed_at > now - every + SLACK:
            outcome[panel] = "not due"
            continue
        started = time.monotonic()
        try:
            data = _json_safe(PANELS[panel](now=now))
        except Exception as exc:  # one broken panel must not stop the others; its error is shown on the board
            logger.exception("board panel %s failed", panel)
            BoardSnapshot.objects.filter(panel=panel).update(error=f"{type(exc).__name__}: {exc}"[:2000])
            outcome[panel] = f"{type(exc).__name__}: {exc}"
            continue
        took = int((time.monotonic() - started) * 1000)
        BoardSnapshot.objects.filter(panel=panel).update(data=data, computed_at=now, took_ms=took, error="")
        outcome[panel] = "ok"
    return outcome


def board_snapshot_list() -> dict[str, BoardSnapshot]:
    """The stored panels by name (a panel never computed yet is absent)."""
    return {snapshot.panel: snapshot for snapshot in BoardSnapshot.objects.all()}
