"""The command center's part of the demo: three alert rules that mean something (oversold units must stay 0;
stuck orders above 20 for 10 minutes, red after 30 more; a shop's callbacks failing 5 times in a row rings the
on-call phones), and the panels computed once the demo data is in, so
/board/ is full from the first visit (the schedule recomputes them every minute after that)."""

from decimal import Decimal

from integrations.board.models import BoardAlertRule
from integrations.board.snapshots import board_snapshots_refresh

Figure = BoardAlertRule.Figure
DEMO_RULES = [
    {
        "name": "超卖必须为 0",
        "figure": Figure.OVERSOLD,
        "comparison": BoardAlertRule.Comparison.ABOVE,
        "threshold": Decimal("0"),
        "for_minutes": 0,
        "severity": BoardAlertRule.Severity.CRITICAL,
    },
    {
        "name": "卡单过多",
        "figure": Figure.STUCK,
        "comparison": BoardAlertRule.Comparison.ABOVE,
        "threshold": Decimal("20"),
        "for_minutes": 10,
        "escalate_after_minutes": 30,
    },
    {  # red at once: the on-call phones ring (the demo's phone channel takes red alerts)
        "name": "渠道回调连续失败 5 次，电话通知",
        "figure": Figure.CALLBACK_FAILURES,
        "comparison": BoardAlertRule.Comparison.ABOVE,
        "threshold": Decimal("4"),
        "for_minutes": 0,
        "severity": BoardAlertRule.Severity.CRITICAL,
    },
]


def board_demo_ensure() -> dict[str, int]:
    rules = 0
    for rule in DEMO_RULES:
        _rule, created = BoardAlertRule.objects.get_or_create(name=rule["name"], defaults=rule)
        rules += int(created)
    outcome = board_snapshots_refresh()
    return {"board_alert_rules": rules, "board_panels": sum(1 for result in outcome.values() if result == "ok")}
