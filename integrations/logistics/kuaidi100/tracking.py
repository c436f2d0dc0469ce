"""Kuaidi100 tracking subscription (``POST https://poll.kuaidi100.com/poll``) and its signed callbacks.

Subscribe: form ``schema=json`` and ``param`` = ``{"company", "number", "key", "parameters": {"callbackurl",
"salt", "resultv2": "4", "phone"}}``; the answer ``{"result", "returnCode", "message"}``: 200 accepted, 501
already subscribed (fine: the callbacks come), 600 not a valid subscriber, 601 key expired, 700 carrier not
supported, 500 server error.

Callback: form ``param`` (JSON) and ``sign`` = upper(MD5(param + salt)). ``param.lastResult``: ``com``,
``nu``, ``state`` (0 在途, 1 揽收, 2 疑难, 3 签收, 4 退签, 5 派件, 6 退回, 7 转投, 8–13 清关, 14 拒签) and
``data[]`` newest first, each with ``context``, ``time``/``ftime`` (Shanghai time), ``status`` and, with
``resultv2=4``, ``statusCode`` (101 已下单, 102 待揽收, 103 已揽收, 1001…1002 在途, 501 投柜/驿站, 301…304
签收, 201…209 疑难) and ``areaName`` ("广东省,深圳市,南山区"). Answer ``{"result": true, "returnCode": "200"}``.

Documentation: https://api.kuaidi100.com/document/5f0ffb5ebc8da837cbd8aefc (订阅),
https://api.kuaidi100.com/document/5f0ffa8f2977d50a94e1023c (推送), status codes
https://api.kuaidi100.com/document/5f0ffd912977d50a94e1023f.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from typing import Any

from django.utils.translation import gettext as _

from fulfilment.carriers.adapters.base import TrackingUpdate
from integrations import transport
from integrations.exceptions import PayloadInvalid, PlatformUnavailable
from integrations.logistics.common import json_text
from integrations.mapping import local_datetime

POLL_URL = "https://poll.kuaidi100.com"
ACCEPTED = {"200", "501"}
# state / statusCode (by its first digit for the three-digit sub-states) → Order Hub's event kind.
STATE_KIND = {
    "1": "picked_up",
    "0": "in_transit",
    "7": "in_transit",
    "8": "in_transit",
    "5": "out_for_delivery",
    "3": "delivered",
    "2": "exception",
    "4": "exception",
    "6": "exception",
    "14": "exception",
}
NOT_A_SCAN = {"101", "102"}  # ordered / waiting for pickup: nothing happened to the parcel yet
TEXT_KIND = {"揽收": "picked_up", "在途": "in_transit", "派件": "out_for_delivery", "签收": "delivered"}


def subscribe_form(*, key: str, company: str, number: str, callback_url: str, salt: str, phone: str = "") -> dict:
    parameters = {"callbackurl": callback_url, "salt": salt, "resultv2": "4"}
    if phone:
        parameters["phone"] = phone
    return {
        "schema": "json",
        "param": json_text({"company": company, "number": number, "key": key, "parameters": parameters}),
    }


def subscribe(*, base_url: str, form: dict) -> tuple[bool, str]:
    """Send a subscription. ``(accepted, message)``; network failures raise ``PlatformUnavailable``."""
    response = transport.send(
        "POST",
        f"{(base_url or POLL_URL).rstrip('/')}/poll",
        body=urllib.parse.urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    answer = response.json()
    if not isinstance(answer, dict):
        raise PlatformUnavailable(
            _("kuaidi100 poll answered HTTP %(response_status)s without a JSON object")
            % {"response_status": response.status}
        )
    code = str(answer.get("returnCode") or "")
    return code in ACCEPTED, f"{code} {answer.get('message') or ''}".strip()


def callback_sign(param: str, salt: str) -> str:
    return hashlib.md5((param + salt).encode(), usedforsecurity=False).hexdigest().upper()


def kind_of(item: dict[str, Any]) -> str | None:
    code = str(item.get("statusCode") or "").strip()
    if code in NOT_A_SCAN:
        return None
    if code:
        # Sub-states: three digits under a one-digit state (103 → 1 揽收, 301 → 3 签收), four digits under
        # 在途 (1001, 1002 → 0) or 拒签 (14xx → 14).
        key = code
        if len(code) == 3:
            key = code[0]
        elif len(code) == 4:
            key = "0" if code.startswith("10") else code[:2]
        if key in STATE_KIND:
            return STATE_KIND[key]
    text = str(item.get("status") or "")
    for word, kind in TEXT_KIND.items():
        if word in text:
            return kind
    if text:
        return "exception" if any(word in text for word in ("疑难", "退签", "退回", "拒签", "拒收")) else "in_transit"
    return None


def callback_updates(param: dict[str, Any]) -> tuple[str, str, list[TrackingUpdate]]:
    """``(company, number, updates)`` from a callback's ``param``. Raises ``PayloadInvalid`` naming the field."""
    last = param.get("lastResult")
    if not isinstance(last, dict):
        raise PayloadInvalid(_("lastResult: missing or not an object"))
    number = str(last.get("nu") or "").strip()
    company = str(last.get("com") or "").strip()
    if not number or not company:
        raise PayloadInvalid(_("lastResult.com / lastResult.nu: missing"))
    updates = []
    for index, item in enumerate(last.get("data") or []):
        if not isinstance(item, dict):
            raise PayloadInvalid(_("lastResult.data[%(index)s]: not an object") % {"index": index})
        kind = kind_of(item)
        if kind is None:
            continue
        when = local_datetime(str(item.get("ftime") or item.get("time") or ""))
        if when is None:
            raise PayloadInvalid(
                _("lastResult.data[%(index)s].time: %(time)r is not a time")
                % {"index": index, "time": item.get("time")}
            )
        area = [part.strip() for part in str(item.get("areaName") or "").split(",") if part.strip()]
        context = str(item.get("context") or "")
        digest = hashlib.sha1(f"{when.isoformat()}|{context}".encode(), usedforsecurity=False).hexdigest()[:16]
        updates.append(
            TrackingUpdate(
                tracking_number=number,
                external_id=f"k100-{digest}",
                kind=kind,
                occurred_at=when,
                description=context[:255],
                province=area[0] if area else "",
                city=area[1] if len(area) > 1 else "",
            )
        )
    return company, number, updates


def callback_param(form: dict[str, str], salt: str) -> dict[str, Any]:
    """Check ``sign`` and read ``param``; raises ``PayloadInvalid`` (bad signature or body)."""
    raw = form.get("param") or ""
    from integrations.signing import equal

    if not salt or not equal(callback_sign(raw, salt), (form.get("sign") or "").upper()):
        raise PayloadInvalid(_("sign does not match MD5(param + salt)"))
    try:
        value = json.loads(raw)
    except ValueError:
        raise PayloadInvalid(_("param is not JSON")) from None
    if not isinstance(value, dict):
        raise PayloadInvalid(_("param is not a JSON object"))
    return value
