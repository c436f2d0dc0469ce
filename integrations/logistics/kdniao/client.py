"""KDNiao tracking: subscription (``RequestType`` 1008) and its pushes (``RequestType`` 101).

Every request is a form: ``RequestData`` (JSON), ``EBusinessID``, ``RequestType``, ``DataType`` 2 and
``DataSign`` = base64(md5(RequestData + ApiKey)) (URL-encoded by the form). Subscribe with
``{"ShipperCode", "LogisticCode", "CustomerName"}`` (SF needs the last four digits of a phone); the answer is
``{"EBusinessID", "Success", "Reason", "UpdateTime"}``.

A push carries the same form with ``RequestData`` = ``{"EBusinessID", "PushTime", "Count", "Data": [{"ShipperCode",
"LogisticCode", "State" (0 no track, 1 揽收, 2 在途, 3 签收, 4 问题件), "StateEx", "Location", "Traces":
[{"AcceptTime", "AcceptStation", "Location", "Action"}]}]}``. ``Action``: 1 揽收, 2 在途, 201 到达派件城市,
202 派件中, 211 投柜/驿站, 3/301–311 签收, 4/401–412 问题件. The answer: ``{"EBusinessID", "UpdateTime",
"Success": true, "Reason": ""}``.

Documentation: https://www.kdniao.com/api-subscribe (轨迹订阅 1008 / 推送 101),
https://www.kdniao.com/documents (DataSign).
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from typing import Any

from django.utils.translation import gettext as _

from fulfilment.carriers.adapters.base import TrackingUpdate
from integrations import transport
from integrations.exceptions import PayloadInvalid
from integrations.logistics.common import json_text
from integrations.mapping import local_datetime
from integrations.signing import equal, kdniao_data_sign

BASE_URL = "https://api.kdniao.com"
SUBSCRIBE = "1008"
PUSH = "101"


def form(*, business_id: str, api_key: str, request_type: str, data: dict[str, Any]) -> dict[str, str]:
    text = json_text(data)
    return {
        "RequestData": text,
        "EBusinessID": business_id,
        "RequestType": request_type,
        "DataType": "2",
        "DataSign": kdniao_data_sign(text, api_key),
    }


def subscribe(
    *, base_url: str, business_id: str, api_key: str, shipper: str, number: str, phone: str = ""
) -> tuple[bool, str]:
    data = {"ShipperCode": shipper, "LogisticCode": number}
    if phone:
        data["CustomerName"] = phone[-4:]
    response = transport.send(
        "POST",
        f"{(base_url or BASE_URL).rstrip('/')}/api/dist",
        body=urllib.parse.urlencode(
            form(business_id=business_id, api_key=api_key, request_type=SUBSCRIBE, data=data)
        ).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
    )
    answer = response.json()
    ok = isinstance(answer, dict) and bool(answer.get("Success"))
    return ok, str((answer or {}).get("Reason") or "") if isinstance(answer, dict) else f"HTTP {response.status}"


def action_kind(action: str, state: str) -> str | None:
    code = str(action or state or "").strip()
    if not code or code == "0":
        return None
    if code == "1":
        return "picked_up"
    if code in ("2", "201"):
        return "in_transit"
    if code in ("202", "211"):
        return "out_for_delivery"
    if code.startswith("3"):
        return "delivered"
    if code.startswith("4"):
        return "exception"
    return "in_transit"


def push_data(form_data: dict[str, str], api_key: str) -> dict[str, Any]:
    raw = form_data.get("RequestData") or ""
    if not api_key or not equal(kdniao_data_sign(raw, api_key), urllib.parse.unquote(form_data.get("DataSign") or "")):
        raise PayloadInvalid(_("DataSign does not match base64(md5(RequestData + ApiKey))"))
    try:
        value = json.loads(raw)
    except ValueError:
        raise PayloadInvalid(_("RequestData is not JSON")) from None
    if not isinstance(value, dict):
        raise PayloadInvalid(_("RequestData is not a JSON object"))
    return value


def push_updates(data: dict[str, Any]) -> list[tuple[str, str, list[TrackingUpdate]]]:
    """``[(shipper code, number, updates)]`` for every parcel in a push."""
    parcels = []
    for p_index, parcel in enumerate(data.get("Data") or []):
        number = str(parcel.get("LogisticCode") or "").strip()
        shipper = str(parcel.get("ShipperCode") or "").strip()
        if not number or not shipper:
            raise PayloadInvalid(_("Data[%(p_index)s].LogisticCode / ShipperCode: missing") % {"p_index": p_index})
        updates = []
        traces = parcel.get("Traces") or []
        for index, trace in enumerate(traces):
            last = index == len(traces) - 1
            kind = action_kind(str(trace.get("Action") or ""), str(parcel.get("State") or "") if last else "2")
            if kind is None:
                continue
            when = local_datetime(str(trace.get("AcceptTime") or ""))
            if when is None:
                raise PayloadInvalid(
                    _("Data[%(p_index)s].Traces[%(index)s].AcceptTime: %(AcceptTime)r is not a time")
                    % {"p_index": p_index, "index": index, "AcceptTime": trace.get("AcceptTime")}
                )
            station = str(trace.get("AcceptStation") or "")
            digest = hashlib.sha1(f"{when.isoformat()}|{station}".encode(), usedforsecurity=False).hexdigest()[:16]
            location = str(trace.get("Location") or parcel.get("Location") or "")
            updates.append(
                TrackingUpdate(
                    tracking_number=number,
                    external_id=f"kdn-{digest}",
                    kind=kind,
                    occurred_at=when,
                    description=station[:255],
                    city=location[:32],
                )
            )
        parcels.append((shipper, number, updates))
    return parcels
