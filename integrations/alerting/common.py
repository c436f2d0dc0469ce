"""What the group robots share: a JSON POST through ``integrations.transport`` and the ``errcode`` answer.

Whether a refusal is worth trying again is each robot's (``retry_later``: the codes that mean "not now", with how
long to wait); any other ``errcode`` (a wrong token, signature or key, a message the robot will never take) is
permanent: the delivery is parked for staff at once. No answer, HTTP 429 or 5xx: tried again with the back-off."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from integrations import transport
from integrations.exceptions import PlatformError
from orders.notifications import NotificationFailed


def robot_post(
    url: str, payload: dict[str, Any], *, robot: str, retry_later: Mapping[int, int] | None = None
) -> dict[str, Any]:
    """POST ``payload``; the robot answers ``{"errcode": 0, "errmsg": "ok"}`` or says why it refused.
    ``retry_later``: errcode → seconds to wait before trying again (every other errcode is permanent)."""
    try:
        response = transport.send(
            "POST",
            url,
            body=json.dumps(payload, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
    except PlatformError as exc:  # unreachable, timed out
        raise NotificationFailed(
            _("%(robot)s unreachable: %(error)s") % {"robot": robot, "error": exc},
            code="robot_unreachable",
            provider_code="unreachable",
        ) from exc
    try:
        answer = json.loads(response.body or b"{}")
    except ValueError:
        answer = None
    if response.status != 200 or not isinstance(answer, dict) or answer.get("errcode") != 0:
        errcode = answer.get("errcode") if isinstance(answer, dict) else None
        errmsg = answer.get("errmsg", "") if isinstance(answer, dict) else ""
        retry_later = retry_later or {}
        if errcode is None:  # no errcode: the HTTP status decides
            permanent, wait = response.status not in (429,) and response.status < 500, None
        else:
            permanent, wait = errcode not in retry_later, retry_later.get(errcode)
        raise NotificationFailed(
            _("%(robot)s refused the message: HTTP %(status)s, errcode %(errcode)s %(errmsg)s")
            % {"robot": robot, "status": response.status, "errcode": errcode, "errmsg": errmsg},
            code="robot_refused",
            extra={"errcode": errcode, "errmsg": errmsg, "status": response.status},
            provider_code=str(errcode) if errcode is not None else f"http_{response.status}",
            permanent=permanent,
            retry_after=wait,
        )
    return answer
