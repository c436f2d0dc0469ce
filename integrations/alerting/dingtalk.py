"""DingTalk custom group robot (钉钉自定义机器人) with 加签.

POST JSON ``{"msgtype": "markdown", "markdown": {"title", "text"}}`` to the robot's
``https://oapi.dingtalk.com/robot/send?access_token=…``; with 加签 the URL also carries ``timestamp`` (ms) and
``sign`` = urlencode(base64(HMAC-SHA256(key=secret, msg="<timestamp>\\n<secret>"))); the robot refuses a
timestamp more than an hour off. Answer ``{"errcode": 0, "errmsg": "ok"}``; e.g. 310000 (sign not match,
keyword missing or IP not allowed), 300001 (token is not exist), 410100 (sent too fast: 20 a minute per robot).
Docs: https://open.dingtalk.com/document/robots/customize-robot-security-settings and
https://open.dingtalk.com/document/orgapp/custom-robot-access.

Retried later: 130101 "send too fast, exceed 20 times per minute" (as robots answer it, e.g.
https://github.com/ccfos/nightingale/issues/369) and 410100 (sent too fast) — after a minute, when the robot's
window has moved on. Every other errcode (310000 sign not match / keyword / IP, 300001 token is not exist, …) needs
a person to fix the channel: parked at once.
"""

from __future__ import annotations

import time
import urllib.parse
from typing import Any

from django.utils.translation import gettext as _

from integrations.alerting.common import robot_post
from integrations.signing import dingtalk_sign

KIND = "dingtalk"
RETRY_LATER = {130101: 60, 410100: 60}  # errcode → seconds: the per-minute limit


def signed_url(webhook_url: str, secret: str, *, timestamp_ms: int | None = None) -> str:
    """The webhook URL with ``timestamp`` and ``sign`` (unchanged without a secret)."""
    if not secret:
        return webhook_url
    timestamp_ms = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    sign = urllib.parse.quote_plus(dingtalk_sign(secret=secret, timestamp_ms=timestamp_ms))
    return f"{webhook_url}{'&' if '?' in webhook_url else '?'}timestamp={timestamp_ms}&sign={sign}"


def payload(title: str, text: str) -> dict[str, Any]:
    return {"msgtype": "markdown", "markdown": {"title": title, "text": f"#### {title}\n\n{text}"}}


def send(channel, *, title: str, text: str, **kwargs) -> None:
    robot_post(
        signed_url(channel.webhook_url, channel.secret),
        payload(title, text),
        robot=_("DingTalk robot"),
        retry_later=RETRY_LATER,
    )
