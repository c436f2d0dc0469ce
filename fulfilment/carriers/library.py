"""Reads on the carrier library. Carriers are chosen from this table, never typed: every code that comes
in (an API field, a form, a tracking push) goes through ``carrier_get``, which refuses codes not in it."""

from __future__ import annotations

import difflib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from config.messages import message
from fulfilment.exceptions import CarrierNotMapped, UnknownCarrier
from fulfilment.models import Carrier, CarrierPlatformCode
from fulfilment.models.written import BLOCKED_NOT_MAPPED

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "carriers.json"

# Channels Order Hub confirms nothing to: its own standard code is used. A WeChat mini-program's shipping info
# (upload_shipping_info, with the express_company of WeChat's get_delivery_list) is uploaded by the mini-program's
# own backend, which reads the WeChat codes from the carrier library; Order Hub tells WeChat nothing, so a carrier
# without a WeChat code ships mini-program orders all the same.
PLATFORMS_NOT_CONFIRMED = frozenset({"website", "pos", "wechat"})


@lru_cache(maxsize=1)
def carrier_data() -> dict[str, Any]:
    """The bundled carrier list (fulfilment/data/carriers.json), as loaded by ``carriers_sync``."""
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def carrier_names() -> dict[str, str]:
    """``{code: name}`` of every carrier in the bundled library, in its order (``settings.ORDERS_CARRIER_NAMES``:
    the carriers an order rule may choose). No database read."""
    return {row["code"]: row["name"] for row in carrier_data()["carriers"]}


def platform_codes(platform: str) -> set[str]:
    """Every carrier code ``platform`` knows, as the library holds them now (staff edits included). For
    channels Order Hub confirms nothing to: the standard codes."""
    if platform in PLATFORMS_NOT_CONFIRMED:
        return set(Carrier.objects.values_list("code", flat=True))
    return set(CarrierPlatformCode.objects.filter(platform=platform).values_list("code", flat=True))


def carrier_get(code: str, *, active_only: bool = True) -> Carrier:
    """The carrier with this standard code. Unknown codes raise ``UnknownCarrier`` naming the closest
    real codes (``YT0`` → did you mean YTO?)."""
    cleaned = (code or "").strip()
    carriers = Carrier.objects.all()
    if active_only:
        carriers = carriers.filter(is_active=True)
    carrier = carriers.filter(code=cleaned).first()
    if carrier is not None:
        return carrier
    known = list(carriers.values_list("code", flat=True))
    close = difflib.get_close_matches(cleaned.upper(), known, n=3, cutoff=0.5)
    hint = _(" Did you mean %(codes)s?") % {"codes": ", ".join(close)} if close else ""
    raise UnknownCarrier(
        _("%(code)r is not a carrier in the carrier library; choose one from the list.") % {"code": cleaned} + hint,
        extra={"carrier": cleaned, "suggestions": close},
    )


def carrier_platform_code(*, carrier: Carrier, platform: str) -> str:
    """The code ``platform`` uses for ``carrier`` (Taobao calls Yunda ``YUNDA``, Douyin ``yunda``).

    Own website, POS and WeChat mini-program orders are confirmed to no platform and get the standard code. A
    platform that has no code for the carrier raises ``CarrierNotMapped``: the shipment cannot be confirmed there.
    """
    if platform in PLATFORMS_NOT_CONFIRMED:
        return carrier.code
    code = CarrierPlatformCode.objects.filter(carrier=carrier, platform=platform).values_list("code", flat=True).first()
    if code:
        return code
    raise CarrierNotMapped(
        message(BLOCKED_NOT_MAPPED, carrier=str(carrier), platform=platform),  # said: the label breaker keeps it
        extra={"carrier": carrier.code, "platform": platform},
    )


def carrier_choices(*, warehouse=None) -> list[tuple[str, str]]:
    """``(code, label)`` for a select box: the warehouse's carriers first (when given), then all others."""
    from fulfilment.models import WarehouseCarrier

    carriers = list(Carrier.objects.filter(is_active=True).order_by("code"))
    preferred: list[str] = []
    if warehouse is not None:
        preferred = list(
            WarehouseCarrier.objects.filter(warehouse=warehouse, is_active=True, carrier__is_active=True)
            .order_by("priority", "carrier__code")
            .values_list("carrier__code", flat=True)
        )
    rank = {code: index for index, code in enumerate(preferred)}
    carriers.sort(key=lambda c: (rank.get(c.code, len(rank)), c.code))
    return [(c.code, f"{c.name} ({c.code})") for c in carriers]
