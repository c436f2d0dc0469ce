"""What every platform adapter provides, and the generic part of mapping a native order.

An adapter is a set of plain functions around one platform's formats:

- ``verify(connection, request)`` — check a push's signature (``SignatureInvalid`` → 401);
- ``split(request)`` — cut a push body into messages (a TMC or Douyin body may carry several);
- ``interpret(topic, payload)`` — what a stored message means: an order version, a refund, or a thin
  notice whose full order must be fetched;
- ``to_platform_order(native)`` — the native order → ``PlatformOrder``: the order in standard form
  (``orders.channel.ChannelOrder``, through the field-mapping dictionary) and, apart from it, what the version
  says about its refunds (``aftersales.channel.RefundInput``), which integrations hands to aftersales;
- ``client(connection)`` — the platform's API (orders page, one order, ship confirmation, stock update),
  every call signed the platform's way, against the connection's configurable base URL.

Receiver data that platforms hand out only encrypted (PDD, Douyin, Taobao oaid) is kept as ciphertext in
``consignee_cipher`` with the masked values in the consignee fields. Decrypting it, or printing the
platform's e-waybill from it, is an adapter capability (``capabilities``); no adapter here pretends to
decrypt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.channel import RefundInput
from integrations.address import address_normalize, address_parse
from integrations.exceptions import PayloadInvalid
from integrations.mapping import FieldRead, fields_compile, fields_read, mapping_compiled, mapping_effective
from orders.channel import CHANNEL_TARGETS, ChannelOrder
from orders.services import LineInput, OrderInput
from orders.states import Status

# The standard order fields a mapping may fill, with the transform used when the mapping gives none.
ORDER_FIELDS: dict[str, str] = {
    "external_id": "text",
    "status": "text",
    "modified_at": "datetime",
    "placed_at": "datetime",
    "paid_at": "datetime",
    "promised_ship_at": "datetime",
    "buyer_id": "text",
    "buyer_nick": "text",
    "buyer_email": "text",
    "consignee_name": "text",
    "consignee_phone": "text",
    "country": "text",
    "province": "text",
    "city": "text",
    "district": "text",
    "address": "text",
    "full_address": "text",
    "postal_code": "text",
    "buyer_remark": "text",
    "seller_memo": "text",
    "currency": "text",
    "goods_amount": "yuan",
    "discount_platform": "yuan",
    "discount_merchant": "yuan",
    "shipping_fee": "yuan",
    "paid_amount": "yuan",
    "payment_method": "text",
    "tags": "list",
    "lines": "raw",
}
LINE_FIELDS: dict[str, str] = {
    "sku_code": "text",
    "quantity": "int",
    "unit_price": "yuan",
    "discount": "yuan",
    "paid": "yuan",
    "title": "text",
    "external_line_id": "text",
    "is_gift": "bool",
}
ZERO = Decimal("0.00")
_PHONE_OK = re.compile(r"^(\+?[\d\s\-()]{7,20}|1\d{2}\*{4}\d{4}|1\d{10})$")


@dataclass
class PushRequest:
    """A pushed HTTP request as received: raw body, headers (canonical names), query parameters."""

    body: bytes
    headers: dict[str, str]
    query: dict[str, str]

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


@dataclass
class PushItem:
    """One message cut from a push body, to be stored as one inbox row."""

    topic: str
    event_id: str
    external_id: str
    body: str


@dataclass
class PlatformOrder:
    """What an adapter reads from one version of a platform order: the order (for ``orders.channel``) and,
    apart from it, the platform's word on the order's refunds (for ``aftersales.channel``) — each refund the
    version lists, and ``refund_pending`` where the platform only flags a refund under way (Taobao's line
    ``refund_status``, Pinduoduo's order ``refund_status``)."""

    order: ChannelOrder
    refunds: list[RefundInput] = field(default_factory=list)
    refund_pending: bool = False


@dataclass
class OrderVersion:
    native: dict[str, Any]


@dataclass
class FetchOrder:
    """A thin notice: fetch the full order by id, then treat it as an ``OrderVersion``."""

    external_id: str


@dataclass
class RefundEvent:
    external_id: str
    refund: RefundInput


@dataclass
class Ignore:
    reason: str


Action = OrderVersion | FetchOrder | RefundEvent | Ignore


@dataclass
class Adapter:
    """The mapping half of a platform adapter; subclasses add signature, split, interpret and client."""

    platform: str
    defaults: dict[str, dict[str, str]]
    currency: str = "CNY"
    capabilities: frozenset[str] = field(default_factory=frozenset)
    # Standard order fields a payload must carry: without what the buyer paid, the platform's share of the
    # discounts cannot be worked out, and a guess would put money in the wrong place.
    required: tuple[str, ...] = ("paid_amount",)

    # --- push ----------------------------------------------------------------------------------------------
    def verify(self, connection, request: PushRequest) -> None:  # pragma: no cover - every adapter overrides
        raise NotImplementedError

    def split(self, request: PushRequest) -> list[PushItem]:  # pragma: no cover
        raise NotImplementedError

    def interpret(self, topic: str, payload: Any) -> list[Action]:  # pragma: no cover
        raise NotImplementedError

    def client(self, connection):  # pragma: no cover
        raise NotImplementedError

    # --- mapping -------------------------------------------------------------------------------------------
    def mapping(self) -> dict[str, dict[str, str]]:
        return mapping_effective(self.platform, self.defaults)

    def mapping_compiled(self) -> CompiledMapping:
        """The effective mapping ready to read orders with; built again only when it changes."""
        return mapping_compiled(self.platform, self.defaults, _mapping_compile)

    def prepare(self, native: dict[str, Any]) -> dict[str, Any]:
        """Platform-specific derived fields the dictionary can then point at (``_oh_…`` keys)."""
        return native

    def finish(self, native: dict[str, Any], values: dict[str, Any], read: PlatformOrder) -> PlatformOrder:
        """Platform-specific touches after the generic mapping (discount split, presale, refunds…)."""
        return read

    def to_platform_order(self, native: dict[str, Any]) -> PlatformOrder:
        if not isinstance(native, dict):
            raise PayloadInvalid(
                _("%(platform)s: an order must be a JSON object, got %(type)s.")
                % {"platform": self.platform, "type": type(native).__name__}
            )
        native = self.prepare(native)
        mapping = self.mapping_compiled()
        values = fields_read(native, mapping.order)
        sources = mapping.effective.get("order", {})
        for name in self.required:
            if values.get(name) is None:
                raise PayloadInvalid(
                    _("%(name)s (%(get)s): missing; the order cannot be read without it.")
                    % {"name": name, "get": sources.get(name, "")},
                    extra={"field": name},
                )
        raw_lines = values.pop("lines", None)
        if not isinstance(raw_lines, list) or not raw_lines:
            raise PayloadInvalid(
                _("lines (%(lines)s): the order has no line items.")
                % {"lines": mapping.effective["order"].get("lines")},
                extra={"field": "lines"},
            )
        lines = []
        for index, raw in enumerate(raw_lines):
            line = fields_read(raw, mapping.line, prefix=f"lines[{index}].")
            lines.append(line_input(line, index=index, sources=mapping.effective.get("line", {})))
        cipher = {name: value for name, value in fields_read(native, mapping.cipher, prefix="cipher.").items() if value}
        order = build_channel_order(
            values,
            lines,
            status_map=mapping.status,
            cipher=cipher,
            currency=self.currency,
            sources=sources,
        )
        return self.finish(native, values, PlatformOrder(order=order))


@dataclass(frozen=True)
class CompiledMapping:
    """An adapter's effective mapping, parsed: the order and line fields with their default transforms, the
    cipher fields (read as text, none left out), and the status map."""

    effective: dict[str, dict[str, str]]
    order: tuple[FieldRead, ...]
    line: tuple[FieldRead, ...]
    cipher: tuple[FieldRead, ...]
    status: dict[str, str]


def _mapping_compile(effective: dict[str, dict[str, str]]) -> CompiledMapping:
    return CompiledMapping(
        effective=effective,
        order=fields_compile(effective.get("order", {}), ORDER_FIELDS),
        line=fields_compile(effective.get("line", {}), LINE_FIELDS),
        cipher=fields_compile(effective.get("cipher", {}), {}, skip_blank=False),
        status=effective.get("status", {}),
    )


def _named(name: str, sources: dict[str, str] | None) -> str:
    """``name (its source spec)`` when the mapping is known, so a message names the platform's field."""
    source = (sources or {}).get(name)
    return f"{name} ({source})" if source else name


def _required(line: dict[str, Any], name: str, *, where: str, sources: dict[str, str] | None) -> Any:
    """The line's ``name``, or PayloadInvalid naming the field (and its source) when it is missing."""
    value = line.get(name)
    if value is None:
        raise PayloadInvalid(
            _("%(where)s.%(field)s: missing.") % {"where": where, "field": _named(name, sources)},
            extra={"field": f"{where}.{name}"},
        )
    return value


def line_input(line: dict[str, Any], *, index: int, sources: dict[str, str] | None = None) -> LineInput:
    where = f"lines[{index}]"
    sku = (line.get("sku_code") or "").strip()
    if not sku:
        raise PayloadInvalid(
            _("%(where)s.%(field)s: the line has no SKU code (商家编码).")
            % {"where": where, "field": _named("sku_code", sources)},
            extra={"field": f"{where}.sku_code"},
        )
    quantity = _required(line, "quantity", where=where, sources=sources)
    if quantity < 1:
        raise PayloadInvalid(
            _("%(where)s.%(field)s: %(quantity)r must be at least 1.")
            % {"where": where, "field": _named("quantity", sources), "quantity": quantity},
            extra={"field": f"{where}.quantity"},
        )
    price = _required(line, "unit_price", where=where, sources=sources)
    discount = line.get("discount")
    if discount is None and line.get("paid") is not None:
        discount = price * quantity - line["paid"]
    return LineInput(
        sku_code=sku,
        quantity=quantity,
        unit_price=price,
        discount=discount if discount is not None else ZERO,
        is_gift=bool(line.get("is_gift")),
        title=(line.get("title") or "")[:200],
        external_line_id=str(line.get("external_line_id") or ""),
    )


def build_channel_order(
    values: dict[str, Any],
    lines: list[LineInput],
    *,
    status_map: dict[str, str],
    cipher: dict[str, Any],
    currency: str,
    sources: dict[str, str] | None = None,
) -> ChannelOrder:
    external_id = (values.get("external_id") or "").strip()
    if not external_id:
        raise PayloadInvalid(
            _("%(field)s: the order has no platform order id.") % {"field": _named("external_id", sources)},
            extra={"field": "external_id"},
        )
    platform_status = str(values.get("status") or "")
    target = status_map.get(platform_status)
    if target is None:
        raise PayloadInvalid(
            _(
                "%(field)s: platform status %(platform_status)r of order "
                "%(external_id)s has no mapping (known: %(value)s); add one in the "
                "field mappings and replay."
            )
            % {
                "field": _named("status", sources),
                "platform_status": platform_status,
                "external_id": external_id,
                "value": ", ".join(sorted(status_map)) or "none",
            },
            extra={"field": "status", "value": platform_status},
        )
    if target not in CHANNEL_TARGETS:
        raise PayloadInvalid(
            _("status: %(platform_status)r maps to %(target)r, which is not an order status.")
            % {"platform_status": platform_status, "target": target}
        )

    placed_at = values.get("placed_at")
    paid_at = values.get("paid_at")
    modified_at = values.get("modified_at")
    if target == Status.PENDING_PAYMENT or (paid_at is None and target in (Status.CANCELLED, Status.CLOSED)):
        initial = Status.PENDING_PAYMENT
    else:
        initial = Status.PAID
        paid_at = paid_at or placed_at or modified_at or timezone.now()

    address = _address(values)
    phone = (values.get("consignee_phone") or "").strip()
    data = OrderInput(
        external_id=external_id,
        lines=lines,
        status=initial,
        buyer_id=(values.get("buyer_id") or "")[:64],
        buyer_nick=(values.get("buyer_nick") or "")[:100],
        buyer_email=email_or_blank(values.get("buyer_email")),
        consignee_name=(values.get("consignee_name") or "").strip()[:100],
        consignee_phone=phone[:32],
        country=(values.get("country") or "CN").upper()[:2],
        province=address.province[:32],
        city=address.city[:32],
        district=address.district[:32],
        address=address.detail[:255],
        postal_code=(values.get("postal_code") or "")[:16],
        consignee_cipher=cipher,
        buyer_remark=values.get("buyer_remark") or "",
        seller_memo=values.get("seller_memo") or "",
        currency=(values.get("currency") or currency).upper(),
        goods_amount=values.get("goods_amount"),
        discount_platform=values.get("discount_platform") or ZERO,
        discount_merchant=values.get("discount_merchant") or ZERO,
        shipping_fee=values.get("shipping_fee") or ZERO,
        paid_amount=values.get("paid_amount"),
        payment_method=(values.get("payment_method") or "")[:32],
        placed_at=placed_at,
        paid_at=paid_at if initial == Status.PAID else None,
        promised_ship_at=values.get("promised_ship_at"),
        tags=list(values.get("tags") or []),
    )
    return ChannelOrder(data=data, target_status=target, platform_status=platform_status, modified_at=modified_at)


def email_or_blank(value: Any) -> str:
    """The buyer's e-mail address as the platform gave it, or "" when there is none or it is not an address:
    a contact detail the order can do without never stops the order."""
    text = str(value or "").strip().lower()
    try:
        validate_email(text)
    except ValidationError:
        return ""
    return text[:254]


def _address(values: dict[str, Any]):
    province, city, district = (values.get(k) or "" for k in ("province", "city", "district"))
    detail = values.get("address") or ""
    country = (values.get("country") or "CN").upper()
    if country != "CN":
        return address_normalize(province=province, city=city, district=district, detail=detail)
    if values.get("full_address") and not (province and city and detail):
        parsed = address_parse(values["full_address"])
        province = province or parsed.province
        city = city or parsed.city
        district = district or parsed.district
        detail = detail or parsed.detail
    return address_normalize(province=province, city=city, district=district, detail=detail)


def phone_plausible(phone: str) -> bool:
    """A mobile (13812345678), a platform-masked mobile (138****5678) or a landline/international number."""
    return bool(_PHONE_OK.match((phone or "").strip()))


def platform_order_hash(read: PlatformOrder) -> str:
    """A fingerprint of the standard form (the order and its refunds): two versions with the same hash change
    nothing."""
    order = read.order
    payload = {
        "data": order.data.__dict__ | {"lines": [line.__dict__ for line in order.data.lines]},
        "target": order.target_status,
        "platform_status": order.platform_status,
        "refund_pending": read.refund_pending,
        "refunds": [r.__dict__ for r in read.refunds],
        "presale": order.presale.__dict__ if order.presale is not None else None,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def body_hash(body: str | bytes) -> str:
    return hashlib.sha256(body if isinstance(body, bytes) else body.encode()).hexdigest()


def json_loads(body: str | bytes, *, what: str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadInvalid(
            _("%(what)s: not valid JSON (%(error)s).") % {"what": what, "error": exc}, extra={"field": what}
        ) from None


def push_content(message: dict[str, Any], field: str, *, index: int) -> dict[str, Any]:
    """The business content of message ``index`` of a push: ``message[field]``, a JSON object sent as an object
    or as a string of JSON (Taobao TMC's ``content``, Douyin's ``data``, Pinduoduo's ``content``)."""
    what = f"body[{index}].{field}"
    content = message.get(field)
    if isinstance(content, str | bytes):
        content = json_loads(content, what=what)
    if not isinstance(content, dict):
        raise PayloadInvalid(_("%(what)s: expected a JSON object.") % {"what": what}, extra={"field": what})
    return content


def push_messages_split(
    request: PushRequest,
    *,
    needs: tuple[str, ...],
    item: Callable[[dict[str, Any], int], PushItem],
    array_only: bool = False,
) -> list[PushItem]:
    """Cut a push body (one message object, or a JSON array of them) into one ``PushItem`` a message.

    Each message must be an object carrying every field of ``needs`` (non-empty); ``item`` builds the row from
    the message and its index. ``array_only``: the platform always pushes an array, a lone object is refused."""
    data = json_loads(request.body, what="body")
    if array_only and not isinstance(data, list):
        raise PayloadInvalid(_("body: the platform pushes a JSON array of messages."), extra={"field": "body"})
    messages = data if isinstance(data, list) else [data]
    items = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or any(message.get(name) in (None, "") for name in needs):
            raise PayloadInvalid(
                _("body[%(index)s]: a message needs %(fields)s.") % {"index": index, "fields": ", ".join(needs)},
                extra={"field": f"body[{index}]"},
            )
        items.append(item(message, index))
    return items


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def utc_now() -> dt.datetime:
    return timezone.now()
