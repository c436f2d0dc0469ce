"""The staff notifications' part of the demo: a DingTalk 加签 robot (quiet 23:00–07:00) and a WeCom robot on the
built-in sandbox, and on-call phones called for red alerts (through the sandbox's Aliyun voice) — so the alerts the
demo raises are sent somewhere to look at (admin: Notification channels; the sandbox answers as the real services
do). One demo alert shows its deliveries on its page (/review/alerts/<id>/): sent at amber to the DingTalk group,
then at red to the WeCom group and the phones — and parked at the DingTalk group after DingTalk kept answering
130101 (send too fast) until the retry policy gave up; "Send again" sends it through the sandbox."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from config.retry import max_attempts
from integrations.sandbox.notify import SANDBOX_ROBOT_SECRET
from orders.models import Alert, AlertDelivery, NotificationChannel
from orders.services.alerts import alert_raise


def alerting_demo_ensure(*, base_url: str) -> dict[str, int]:
    sandbox = f"{base_url.rstrip('/')}/sandbox/notify"
    channels = [
        {
            "name": "运营值班钉钉群",
            "kind": NotificationChannel.Kind.DINGTALK,
            "webhook_url": f"{sandbox}/dingtalk/robot/send?access_token=demo-ops",
            "secret": SANDBOX_ROBOT_SECRET,
            "min_severity": Alert.Severity.WARNING,
            "quiet_from": dt.time(23, 0),
            "quiet_to": dt.time(7, 0),
        },
        {
            "name": "主管企业微信群",
            "kind": NotificationChannel.Kind.WECOM,
            "webhook_url": f"{sandbox}/wecom/webhook/send?key=demo-managers",
            "min_severity": Alert.Severity.CRITICAL,
        },
        {
            "name": "值班电话（红色告警）",
            "kind": NotificationChannel.Kind.VOICE,
            "phones": "13800138000\n13900139000",
            "min_severity": Alert.Severity.CRITICAL,
        },
    ]
    created = 0
    by_name = {}
    for channel in channels:
        by_name[channel["name"]], new = NotificationChannel.objects.get_or_create(
            name=channel["name"], defaults=channel
        )
        created += int(new)
    return {"notification_channels": created, **_deliveries_demo(*by_name.values())}


def _deliveries_demo(dingtalk, wecom, phones) -> dict[str, int]:
    alert, _new = alert_raise(
        kind=Alert.Kind.FAILURES,  # no monitor resolves it behind the demo's back
        key="demo:deliveries",
        severity=Alert.Severity.CRITICAL,
        title="演示：渠道回调连续失败 5 次",
        detail={"demo": True},
        notify=False,  # the deliveries below tell what happened
    )
    now = timezone.now()
    sent = {"status": AlertDelivery.Status.SENT, "attempts": 1, "sent_at": now}
    rows = [
        (dingtalk, Alert.Severity.WARNING, {**sent, "sent_at": now - dt.timedelta(minutes=30)}),
        (wecom, Alert.Severity.CRITICAL, sent),
        (phones, Alert.Severity.CRITICAL, sent),
        (
            dingtalk,
            Alert.Severity.CRITICAL,
            {
                "status": AlertDelivery.Status.PARKED,
                "attempts": max_attempts(),
                "error_code": "130101",
                "last_error": "NotificationFailed: 钉钉机器人拒收消息：HTTP 200，errcode 130101 "
                "send too fast, exceed 20 times per minute",
            },
        ),
    ]
    for channel, step, fields in rows:
        AlertDelivery.objects.get_or_create(alert=alert, channel=channel, step=step, defaults=fields)
    return {"alert_deliveries": alert.deliveries.count()}
