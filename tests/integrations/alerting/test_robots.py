"""Group robots through the sandbox, which checks DingTalk's 加签 as DingTalk does
(https://open.dingtalk.com/document/robots/customize-robot-security-settings) and WeCom's key
(https://developer.work.weixin.qq.com/document/path/91770)."""

from __future__ import annotations

import pytest

from integrations.sandbox.notify import SANDBOX_ROBOT_SECRET
from orders.models import NotificationChannel
from orders.notifications import notification_broadcast

pytestmark = pytest.mark.django_db
SANDBOX = "http://127.0.0.1:8000/sandbox/notify"


def _broadcast():
    errors: list[str] = []
    result = notification_broadcast(title="卡单 35 单", text="- 超过 20 单", severity="critical", errors=errors)
    return result, errors


def test_a_signed_dingtalk_message_and_a_wecom_message_are_accepted(sandbox_http):
    NotificationChannel.objects.create(
        name="钉钉",
        kind="dingtalk",
        webhook_url=f"{SANDBOX}/dingtalk/robot/send?access_token=t",
        secret=SANDBOX_ROBOT_SECRET,
    )
    NotificationChannel.objects.create(name="企微", kind="wecom", webhook_url=f"{SANDBOX}/wecom/webhook/send?key=k")
    assert _broadcast() == ({"sent": 2, "failed": 0}, [])


@pytest.mark.parametrize(
    "url, secret, errcode",
    [
        (f"{SANDBOX}/dingtalk/robot/send?access_token=t", "SECwrong", "310000"),  # sign not match
        (f"{SANDBOX}/dingtalk/robot/send", SANDBOX_ROBOT_SECRET, "300001"),  # no access_token
    ],
)
def test_a_refusing_dingtalk_robot_is_reported_with_its_errcode(sandbox_http, url, secret, errcode):
    NotificationChannel.objects.create(name="钉钉", kind="dingtalk", webhook_url=url, secret=secret)
    result, errors = _broadcast()
    assert result == {"sent": 0, "failed": 1}
    assert errcode in errors[0]


def test_a_wecom_robot_without_key_is_refused(sandbox_http):
    NotificationChannel.objects.create(name="企微", kind="wecom", webhook_url=f"{SANDBOX}/wecom/webhook/send")
    result, errors = _broadcast()
    assert result == {"sent": 0, "failed": 1} and "93000" in errors[0]
