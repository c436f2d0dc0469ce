"""WeCom group robot (企业微信群机器人).

POST JSON ``{"msgtype": "markdown", "markdown": {"content"}}`` to
``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`` (the key is the credential; no signature). Answer
``{"errcode": 0, "errmsg": "ok"}``; e.g. 93000 (invalid webhook url), 45009 (over 20 messages a minute).
Docs: https://developer.work.weixin.qq.com/document/path/91770 (errcodes: https://developer.work.weixin.qq.com/document/path/90313).

Retried later: 45009 (api freq out of limit: 20 a minute per robot) after a minute, and -1 (system busy) after
the back-off. Every other errcode (93000 invalid webhook url, 40008 invalid message type, …) is parked at once.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from integrations.alerting.common import robot_post

KIND = "wecom"
RETRY_LATER = {45009: 60, -1: 0}  # errcode → seconds (0: the back-off alone)


def payload(title: str, text: str) -> dict[str, Any]:
    return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{text}"}}


def send(channel, *, title: str, text: str, **kwargs) -> None:
    robot_post(channel.webhook_url, payload(title, text), robot=_("WeCom robot"), retry_later=RETRY_LATER)
