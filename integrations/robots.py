"""Group robots that receive health alerts, in their real webhook formats.

- DingTalk (钉钉自定义机器人): POST JSON ``{"msgtype": "markdown", "markdown": {"title", "text"}}`` to the
  robot's ``…/robot/send?access_token=…`` URL; with 加签 the URL also carries ``timestamp`` (ms) and
  ``sign`` = urlencode(base64(HMAC-SHA256(secret, "timestamp\\nsecret"))). Answers ``{"errcode": 0}``.
- WeCom (企业微信群机器人): POST JSON ``{"msgtype": "markdown", "markdown": {"content"}}`` to
  ``…/cgi-bin/webhook/send?key=…``. Answers ``{"errcode": 0, "errmsg": "ok"}``.
"""

from __future__ import annotations

import json
import time
import urllib.parse

from django.utils.translation import gettext as _

from integrations import transport
from integrations.exceptions import PlatformError
from integrations.models import AlertRobot
from integrations.signing import dingtalk_sign


def robot_message(*, title: str, lines: list[str]) -> str:
    return "\n\n".join([f"#### {title}", *lines])


def robot_send(robot: AlertRobot, *, title: str, text: str, now_ms: int | None = None) -> dict:
    """Send one markdown message; raise ``PlatformError`` if the robot refuses it."""
    url = robot.webhook_url
    if robot.kind == AlertRobot.Kind.DINGTALK:
        if robot.secret:
            timestamp = now_ms if now_ms is not None else int(time.time() * 1000)
            sign = urllib.parse.quote_plus(dingtalk_sign(secret=robot.secret, timestamp_ms=timestamp))
            url = f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"
        payload = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    else:
        payload = {"msgtype": "markdown", "markdown": {"content": text}}
    response = transport.send(
        "POST", url, body=json.dumps(payload, ensure_ascii=False).encode(), headers={"Content-Type": "application/json"}
    )
    answer = response.json() if response.body else {}
    if response.status != 200 or not isinstance(answer, dict) or answer.get("errcode") != 0:
        raise PlatformError(
            _("%(kind)s robot %(robot_name)s: HTTP %(response_status)s %(answer)s")
            % {
                "kind": robot.get_kind_display(),
                "robot_name": robot.name,
                "response_status": response.status,
                "answer": answer,
            }
        )
    return answer
