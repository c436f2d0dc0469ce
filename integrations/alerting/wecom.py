"""WeCom group robot (企业微信群机器人).

POST JSON ``{"msgtype": "markdown", "markdown": {"content"}}`` to
``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`` (the key is the credential; no signature). Answer
``{"errcode": 0, "errmsg": "ok"}``; e.g. 93000 (invalid webhook url), 45009 (over 20 messages a minute).
Docs: https://developer.work.weixin.qq.com/document/path/91770.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from integrations.alerting.common import robot_post

KIND = "wecom"


def payload(title: str, text: str) -> dict[str, Any]:
    return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{text}"}}


def send(channel, *, title: str, text: str, **kwargs) -> None:
    robot_post(channel.webhook_url, payload(title, text), robot=_("WeCom robot"))
