"""SF Express route push (路由推送): SF posts every new route of our parcels to the URL registered for the
app on its open platform.

The push comes in the open platform's envelope, form-encoded: ``partnerID``, ``requestID``, ``serviceCode``,
``timestamp``, ``msgDigest`` and ``msgData``, with ``msgDigest`` = base64(MD5(urlencode(msgData + timestamp +
checkword))) — the same digest our requests carry (``integrations.signing.sf_msg_digest``). ``msgData`` is
``{"Body": {"WaybillRoute": [...]}}``, each route with ``id`` (SF's route id), ``mailno`` (the waybill),
``orderid`` (our order id), ``acceptTime`` ("2026-11-11 18:00:00", Shanghai), ``acceptAddress`` (the city),
``remark`` (the text shown to buyers), ``opCode`` (the operation), ``reasonCode``/``reasonName``. SF expects
``{"return_code": "0000", "return_msg": "成功"}``; any other code (``1000``) makes it push again later.

Documentation: https://open.sf-express.com/Api/ApiDetails?level3=397&interName=%E8%B7%AF%E7%94%B1%E6%8E%A8%E9%80%81%E6%8E%A5%E5%8F%A3-RoutePushService
The route fields and the answer are SF's published route-push contract as SF integrations in public code
show it (WaybillRoute with mailno/orderid/acceptTime/acceptAddress/remark/opCode/id, return_code 0000); the
envelope and its digest on pushes could not be checked against SF's page from here and are taken to be the
open platform's standard ones — check them on the first real push.

opCode → event (SF's operation codes as SF integrations publish them): 50/54 picked up (收件), 44/204 out for
delivery (派件), 80/8000 signed (签收), 33/70/77/99/648 delivery failed, refused or returned (exception);
anything else is a movement between SF's sites (in transit).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.utils.translation import gettext as _

from fulfilment.carriers.adapters.base import TrackingUpdate
from integrations.exceptions import PayloadInvalid
from integrations.mapping import local_datetime
from integrations.signing import equal, sf_msg_digest

PICKED_UP = {"50", "54"}
OUT_FOR_DELIVERY = {"44", "204"}
DELIVERED = {"80", "8000"}
EXCEPTION = {"33", "70", "77", "99", "648"}
ENVELOPE = ("partnerID", "timestamp", "msgDigest", "msgData")
OK = {"return_code": "0000", "return_msg": "成功"}


def op_kind(op_code: str) -> str:
    if op_code in PICKED_UP:
        return "picked_up"
    if op_code in OUT_FOR_DELIVERY:
        return "out_for_delivery"
    if op_code in DELIVERED:
        return "delivered"
    if op_code in EXCEPTION:
        return "exception"
    return "in_transit"


def push_data(form: dict[str, str], *, partner_id: str, check_word: str) -> dict[str, Any]:
    """Check the envelope and its digest, and read ``msgData``. Raises ``PayloadInvalid`` (401 for the caller)."""
    missing = [name for name in ENVELOPE if not form.get(name)]
    if missing:
        raise PayloadInvalid(_("%(join)s: missing from SF's push") % {"join": ", ".join(missing)})
    if not check_word or form["partnerID"] != partner_id:
        raise PayloadInvalid(_("partnerID %(partnerID)r is not ours") % {"partnerID": form["partnerID"]})
    if not equal(sf_msg_digest(form["msgData"], form["timestamp"], check_word), form["msgDigest"]):
        raise PayloadInvalid(_("msgDigest does not match base64(MD5(urlencode(msgData + timestamp + checkword)))"))
    try:
        data = json.loads(form["msgData"])
    except ValueError:
        raise PayloadInvalid(_("msgData is not JSON")) from None
    if not isinstance(data, dict):
        raise PayloadInvalid(_("msgData is not a JSON object"))
    return data


def push_updates(data: dict[str, Any]) -> list[tuple[str, list[TrackingUpdate]]]:
    """``[(waybill number, updates)]`` from a push's ``msgData``. Raises ``PayloadInvalid`` naming the field."""
    routes = (data.get("Body") or {}).get("WaybillRoute") if isinstance(data.get("Body"), dict) else None
    if isinstance(routes, dict):
        routes = [routes]
    if not isinstance(routes, list):
        raise PayloadInvalid(_("Body.WaybillRoute: missing or not a list"))
    by_number: dict[str, list[TrackingUpdate]] = {}
    for index, route in enumerate(routes):
        where = f"Body.WaybillRoute[{index}]"
        if not isinstance(route, dict):
            raise PayloadInvalid(_("%(where)s: not an object") % {"where": where})
        number = str(route.get("mailno") or "").strip()
        if not number:
            raise PayloadInvalid(_("%(where)s.mailno: missing") % {"where": where})
        try:
            when = local_datetime(str(route.get("acceptTime") or ""))
        except ValueError:
            when = None
        if when is None:
            raise PayloadInvalid(
                _("%(where)s.acceptTime: %(acceptTime)r is not a time")
                % {"where": where, "acceptTime": route.get("acceptTime")}
            )
        remark = str(route.get("remark") or "")
        route_id = str(route.get("id") or "").strip()
        key = route_id or hashlib.sha1(f"{when.isoformat()}|{remark}".encode(), usedforsecurity=False).hexdigest()[:16]
        by_number.setdefault(number, []).append(
            TrackingUpdate(
                tracking_number=number,
                external_id=f"sf-{key}"[:64],
                kind=op_kind(str(route.get("opCode") or "").strip()),
                occurred_at=when,
                description=(remark or str(route.get("reasonName") or ""))[:255],
                city=str(route.get("acceptAddress") or "")[:32],
            )
        )
    return list(by_number.items())
