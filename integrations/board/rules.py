"""Alert rules on the command center's figures (``BoardAlertRule``), evaluated after every refresh of the panels.

A rule reads one figure (``FIGURES``) from the stored panels. Out of bounds, the rule remembers since when; once
that lasts ``for_minutes`` it raises an ``orders.Alert`` of kind ``board`` keyed by the rule (one open alert per
rule: a rule still out of bounds updates its alert, it never raises a second one), red after
``escalate_after_minutes`` more. Alerts are sent by orders' one notification path (DingTalk / WeCom robots,
e-mail; channels choose kinds and a minimum severity), once per severity — each send a delivery row; a channel's
quiet hours hold its non-red alerts until they end. Back within bounds, the alert resolves itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from integrations.board.models import BoardAlertRule, BoardSnapshot
from orders.models import Alert
from orders.services.alerts import alert_raise, alerts_resolve


def _max_shop(key: str) -> Callable[[dict], Any]:
    return lambda panels: max(
        (shop[key] for shop in panels["connections"]["shops"] if shop[key] is not None), default=None
    )


def _min_shop(key: str) -> Callable[[dict], Any]:
    return lambda panels: min(
        (shop[key] for shop in panels["connections"]["shops"] if shop[key] is not None), default=None
    )


Figure = BoardAlertRule.Figure
# How each figure is read from the panels' data.
FIGURES: dict[str, Callable[[dict], Any]] = {
    Figure.BACKLOG: lambda p: p["now"]["backlog"]["total"],
    Figure.BACKLOG_OVER_4H: lambda p: sum(row["buckets"]["4h+"] for row in p["now"]["backlog"]["rows"]),
    Figure.STUCK: lambda p: p["now"]["stuck"]["total"],
    Figure.REVIEW_OPEN: lambda p: p["now"]["review"]["open"],
    Figure.REVIEW_WAIT_MIN: lambda p: p["now"]["review"]["oldest_wait_min"],
    Figure.OVERSOLD: lambda p: p["now"]["oversold"]["units"],
    Figure.CYCLE_P90_H: lambda p: p["flow"]["cycle"]["p90_h"],
    Figure.LABEL_ERRORS: lambda p: p["flow"]["label_errors"],
    Figure.EXCEPTIONS: lambda p: p["flow"]["exceptions"],
    Figure.CALLBACK_FAILURES: _max_shop("consecutive_failures"),
    Figure.CONSISTENCY_MIN: _min_shop("consistency_pct"),
    Figure.TOKEN_DAYS_MIN: _min_shop("token_days_left"),
    Figure.OPEN_DIFFERENCES: lambda p: sum(row["count"] for row in p["money"]["differences"]),
}


def figure_value(panels: dict[str, dict], figure: str) -> Decimal | None:
    """The figure from the panels' data, or None when its panel is not computed yet (or has no value)."""
    try:
        value = FIGURES[figure](panels)
    except (KeyError, TypeError):
        return None
    return None if value is None else Decimal(str(value))


def _out_of_bounds(rule: BoardAlertRule, value: Decimal) -> bool:
    return value > rule.threshold if rule.comparison == BoardAlertRule.Comparison.ABOVE else value < rule.threshold


def rule_key(rule: BoardAlertRule) -> str:
    return f"board:{rule.pk}"


def board_alert_rules_evaluate(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Evaluate every active rule against the stored panels. Returns counts of raised, resolved and sent-late."""
    now = now or timezone.now()
    panels = {s.panel: s.data for s in BoardSnapshot.objects.exclude(computed_at=None)}
    keep: set[str] = set()
    raised = 0
    for rule in BoardAlertRule.objects.filter(is_active=True).order_by("pk"):
        value = figure_value(panels, rule.figure)
        if value is None:  # unknown for now: keep whatever the rule had
            if rule.breach_started_at is not None:
                keep.add(rule_key(rule))
            continue
        if not _out_of_bounds(rule, value):
            BoardAlertRule.objects.filter(pk=rule.pk).update(breach_started_at=None, last_value=value)
            continue
        since = rule.breach_started_at or now
        BoardAlertRule.objects.filter(pk=rule.pk).update(breach_started_at=since, last_value=value)
        keep.add(rule_key(rule))
        lasted = now - since
        if lasted < dt.timedelta(minutes=rule.for_minutes):
            continue
        severity = rule.severity
        if rule.escalate_after_minutes is not None and lasted >= dt.timedelta(
            minutes=rule.for_minutes + rule.escalate_after_minutes
        ):
            severity = Alert.Severity.CRITICAL
        with translation.override(settings.LANGUAGE_CODE):  # alerts are read in the groups' language
            title = _("%(rule)s: %(figure)s = %(value)s (%(comparison)s %(threshold)s)") % {
                "rule": rule.name,
                "figure": rule.get_figure_display(),
                "value": f"{value.normalize():f}",
                "comparison": rule.get_comparison_display(),
                "threshold": f"{rule.threshold.normalize():f}",
            }
        _alert, new = alert_raise(
            kind=Alert.Kind.BOARD,
            key=rule_key(rule),
            severity=severity,
            title=title,
            detail={"rule": rule.pk, "figure": rule.figure, "value": str(value), "since": since.isoformat()},
        )
        raised += int(new)
    resolved = alerts_resolve(kind=Alert.Kind.BOARD, keep=keep, now=now)
    return {"raised": raised, "resolved": resolved}
