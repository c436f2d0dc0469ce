"""The staff notifications' part of the demo: a DingTalk 加签 robot and a WeCom robot on the built-in sandbox, and
on-call phones called for red alerts (through the sandbox's Aliyun voice) — so the alerts the demo raises are sent
somewhere to look at (admin: Notification channels; the sandbox answers as the real services do)."""

from __future__ import annotations

from integrations.sandbox.notify import SANDBOX_ROBOT_SECRET
from orders.models import Alert, NotificationChannel


def alerting_demo_ensure(*, base_url: str) -> dict[str, int]:
    sandbox = f"{base_url.rstrip('/')}/sandbox/notify"
    channels = [
        {
            "name": "运营值班钉钉群",
            "kind": NotificationChannel.Kind.DINGTALK,
            "webhook_url": f"{sandbox}/dingtalk/robot/send?access_token=demo-ops",
            "secret": SANDBOX_ROBOT_SECRET,
            "min_severity": Alert.Severity.WARNING,
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
    for channel in channels:
        _channel, new = NotificationChannel.objects.get_or_create(name=channel["name"], defaults=channel)
        created += int(new)
    return {"notification_channels": created}
