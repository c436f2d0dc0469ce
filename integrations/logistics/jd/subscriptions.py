"""The shop's own carrier subscriptions on JD's e-waybill (无界电子面单), which give the ``providerCode``,
branch and settlement code a waybill request for the carrier takes.

``jingdong.ldop.alpha.provider.sign.success`` (根据商家编码查询商家所有审核成功的签约信息,
https://open.jd.com/home/home#/doc/api?apiCateId=356&apiId=2063) takes ``vendorCode`` (商家编码: the shop's
JD venderId, ``ShopConnection.seller_id``) and answers ``resultInfo`` with ``statusCode`` (0 = success),
``statusMessage`` and ``data``: one row per signed subscription with ``providerCode``, ``providerId``,
``providerName``, ``providerType``, ``supportCod``, ``operationType``, ``branchCode``, ``branchName``,
``settlementCode``, ``amount``, ``address`` and ``valueAddedServices`` (JD's SDK classes
``LdopAlphaProviderSignSuccessRequest``/``Response`` and ``SignSuccessQueryDTO``, as published in the JOS Java,
.NET and PHP SDKs). Public integrations read it before each waybill request and take the row whose
``providerCode`` is the carrier's, using its ``settlementCode`` when ``operationType`` is 1 and its
``branchCode`` otherwise.

Order Hub keeps a shop's rows in the cache for ``INTEGRATIONS_JD_SUBSCRIPTION_SECONDS`` and asks JD again at
once when a carrier is missing from the kept rows (a subscription just signed). A carrier is the row's whose
``providerCode`` is the library's ``jd_waybill`` code, else whose ``providerName`` is the library's Chinese name
(快递/速递/速运 taken as one word). When the lookup is unavailable (no venderId on the connection, a JOS error,
a ``statusCode`` other than 0) ``None`` is returned and the caller falls back to the library's code and the
account's branch.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from fulfilment.carriers.adapters.base import AccountRef, CarrierCallFailed
from fulfilment.carriers.library import carrier_get
from fulfilment.exceptions import UnknownCarrier
from integrations.logistics.common import carrier_code, platform_call, shop_client

log = logging.getLogger(__name__)

SIGN_SUCCESS = "jingdong.ldop.alpha.provider.sign.success"
SETTLEMENT_OPERATION = "1"  # the row's settlementCode is the one to send (JD's direct carriers); else its branchCode
EXPRESS_WORDS = re.compile(r"(快递|速递|速运)$")


@dataclass(frozen=True)
class Subscription:
    provider_code: str
    provider_name: str = ""
    operation_type: str = ""
    branch_code: str = ""
    branch_name: str = ""
    settlement_code: str = ""


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def subscriptions_parse(answer: dict[str, Any]) -> list[Subscription] | None:
    """The subscription rows of a ``sign.success`` answer; ``None`` when JD refused (``statusCode`` ≠ 0)."""
    info = answer.get("resultInfo") or {}
    if _text(info.get("statusCode")) != "0":
        log.warning("jd %s refused: %s %s", SIGN_SUCCESS, info.get("statusCode"), info.get("statusMessage"))
        return None
    rows = info.get("data") or []
    rows = rows if isinstance(rows, list) else [rows]
    return [
        Subscription(
            provider_code=_text(row.get("providerCode")),
            provider_name=_text(row.get("providerName")),
            operation_type=_text(row.get("operationType")),
            branch_code=_text(row.get("branchCode")),
            branch_name=_text(row.get("branchName")),
            settlement_code=_text(row.get("settlementCode")),
        )
        for row in rows
        if isinstance(row, dict) and (row.get("providerCode") or row.get("providerName"))
    ]


def _name_key(name: str) -> str:
    return EXPRESS_WORDS.sub("", name.replace(" ", ""))


def subscription_match(rows: list[Subscription], *, carrier: str, account: AccountRef) -> Subscription | None:
    """The shop's subscription for ``carrier`` (the one on the account's branch when there are several)."""
    try:
        library = carrier_get(carrier, active_only=False)
    except UnknownCarrier:
        return None
    try:
        code = carrier_code(carrier, "jd_waybill")
    except CarrierCallFailed:
        code = ""
    name = _name_key(library.name)
    found = [r for r in rows if code and r.provider_code == code] or [
        r for r in rows if r.provider_name and _name_key(r.provider_name) == name
    ]
    on_branch = [r for r in found if account.branch_code and r.branch_code == account.branch_code]
    return (on_branch or found or [None])[0]


def _cache_key(shop_id: int | None, vendor_code: str) -> str:
    return f"jd-waybill-subscriptions:{shop_id}:{vendor_code}"


def subscriptions_forget(*, shop_id: int | None, vendor_code: str) -> None:
    cache.delete(_cache_key(shop_id, vendor_code))


def subscription_get(account: AccountRef, carrier: str, *, required: bool = True) -> Subscription | None:
    """The shop's JD e-waybill subscription for ``carrier``; ``None`` when JD cannot be asked (then the library's
    code is the fallback). A carrier the shop has not signed raises ``CarrierCallFailed`` (``subscription_missing``)
    when ``required``, before any waybill call."""
    client = shop_client(account)
    vendor_code = _text(client.connection.seller_id)
    if not vendor_code:
        return None
    key = _cache_key(account.shop_id, vendor_code)
    kept = cache.get(key)
    if kept is not None:
        found = subscription_match([Subscription(**row) for row in kept], carrier=carrier, account=account)
        if found is not None:
            return found
    try:
        rows = subscriptions_parse(platform_call(client, SIGN_SUCCESS, vendorCode=vendor_code))
    except CarrierCallFailed as exc:
        log.warning("jd %s unavailable for shop %s: %s", SIGN_SUCCESS, account.shop_id, exc.message)
        return None
    if rows is None:
        return None
    cache.set(key, [asdict(row) for row in rows], settings.INTEGRATIONS_JD_SUBSCRIPTION_SECONDS)
    found = subscription_match(rows, carrier=carrier, account=account)
    if found is None and required:
        raise CarrierCallFailed(
            _(
                "the shop %(shop)s has no JD e-waybill subscription for %(carrier)s; sign one in JD's 无界电子面单 "
                "or choose another carrier"
            )
            % {"shop": client.connection.shop.name, "carrier": carrier},
            code="subscription_missing",
        )
    return found
