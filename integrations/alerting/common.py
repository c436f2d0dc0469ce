"""What the group robots share: a JSON POST through ``integrations.transport`` and the ``errcode`` answer."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

from integrations import transport
from integrations.exceptions import PlatformError
from orders.notifications import NotificationFailed


def robot_post(url: str, payload: dict[str, Any], *, robot: str) -> dict[str, Any]:
    """POST ``payload``; the robot answers ``{"errcode": 0, "errmsg": "ok"}`` or says why it refused."""
    try:
        response = transport.send(
            "POST",
            url,
            body=json.dumps(payload, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
    except PlatformError as exc:  # unreachable, timed out
        raise NotificationFailed(
            _("%(robot)s unreachable: %(error)s") % {"robot": robot, "error": exc}, code="robot_unreachable"
        ) from exc
    try:
        answer = json.loads(response.body or b"{}")
    except ValueError:
        answer = None
    if response.status != 200 or not isinstance(answer, dict) or answer.get("errcode") != 0:
        errcode = answer.get("errcode") if isinstance(answer, dict) else None
        errmsg = answer.get("errmsg", "") if isinstance(answer, dict) else ""
        raise NotificationFailed(
            _("%(robot)s refused the message: HTTP %(status)s, errcode %(errcode)s %(errmsg)s")
            % {"robot": robot, "status": response.status, "errcode": errcode, "errmsg": errmsg},
            code="robot_refused",
            extra={"errcode": errcode, "errmsg": errmsg, "status": response.status},
        )
    return answer
