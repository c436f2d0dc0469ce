"""What the board page receives: the stored panels with their age, and the labels of the codes they hold in the
reader's language (the panels store codes; a page is rendered in Chinese or English)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from finance.models.reconciliation import DifferenceType
from integrations.board.models import BoardSnapshot
from orders.board import AGE_LABELS
from orders.models import Platform
from orders.states import Status


def board_labels() -> dict[str, Any]:
    return {
        "status": {code: str(label) for code, label in Status.choices},
        "platform": {code: str(label) for code, label in Platform.choices},
        "panel": {code: str(label) for code, label in BoardSnapshot.Panel.choices},
        "age": {code: str(label) for code, label in AGE_LABELS.items()},
        "difference": {code: str(label) for code, label in DifferenceType.choices},
        "expected": _("Receivable"),
        "received": _("Received"),
        "density": _("Exceptions per 100 orders"),
        "exceptions": _("Exceptions"),
        "on_time_rate": _("On time (%)"),
        "uncategorised": _("No category"),
        "today": _("Today"),
        "last_week": _("Same day last week"),
        "orders": _("Orders"),
        "hour": _("Hour"),
    }


def board_payload(snapshots: dict[str, BoardSnapshot]) -> dict[str, Any]:
    now = timezone.now()
    panels = {}
    for code in BoardSnapshot.Panel.values:
        snapshot = snapshots.get(code)
        computed = snapshot.computed_at if snapshot else None
        panels[code] = {
            "data": snapshot.data if snapshot and computed else None,
            "computed_at": timezone.localtime(computed).isoformat() if computed else None,
            "age_s": round((now - computed).total_seconds()) if computed else None,
            "error": snapshot.error if snapshot else "",
        }
    return {"panels": panels, "labels": board_labels()}
