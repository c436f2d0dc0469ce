"""Order files exported by platforms' back offices and POS systems: XLSX (openpyxl) or CSV (UTF-8 or GBK).

Columns are found by header synonyms per file format (``PROFILES``; staff add synonyms in the field
mappings, section ``header``). Every row is checked before anything is imported and each problem is
reported with its row, column, value and reason; rows of one order (same order id) make one order; a row
repeating another is reported and skipped. Importing stores every order's rows raw in the inbox (kind
``import``) and processes them like any other channel message, so a file imported twice creates nothing
twice.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from config.spreadsheets import RowError
from config.spreadsheets import table_read as spreadsheet_table_read
from config.tasks import enqueue_on_commit
from config.uploads import UploadRefused, upload_check
from integrations.exceptions import ImportInvalid, PayloadInvalid
from integrations.mapping import local_datetime, mapping_effective, yuan
from integrations.models import ImportJob, InboxMessage
from integrations.platforms.base import (
    Adapter,
    OrderVersion,
    PlatformOrder,
    PushItem,
    build_channel_order,
    phone_plausible,
)
from orders.channel import ChannelOrder
from orders.services import LineInput

MAX_ERRORS_SHOWN = 500
CHUNK = 100
ZERO = Decimal("0.00")

# Standard import fields and how their cells are read.
FIELD_KINDS = {
    "external_id": "text",
    "status": "text",
    "sku_code": "text",
    "title": "text",
    "spec": "text",
    "quantity": "quantity",
    "unit_price": "money",
    "line_total": "money",
    "line_paid": "money",
    "discount_merchant": "money",
    "discount_platform": "money",
    "shipping_fee": "money",
    "paid_amount": "money",
    "consignee_name": "text",
    "consignee_phone": "phone",
    "province": "text",
    "city": "text",
    "district": "text",
    "street": "text",
    "address": "text",
    "full_address": "text",
    "buyer_remark": "text",
    "seller_memo": "text",
    "payment_method": "text",
    "placed_at": "datetime",
    "paid_at": "datetime",
    "promised_ship_at": "datetime",
    "store": "text",
}
ORDER_LEVEL = ("discount_merchant", "discount_platform", "shipping_fee", "paid_amount")


@dataclass(frozen=True)
class Profile:
    key: str
    label: str
    headers: dict[str, str]  # field → synonyms separated by |
    required: tuple[str, ...]
    statuses: dict[str, str] = field(default_factory=dict)  # cell text → Order Hub status
    default_status: str = "paid"

    def defaults(self) -> dict[str, dict[str, str]]:
        return {"header": dict(self.headers), "status": dict(self.statuses)}


PROFILES: dict[str, Profile] = {
    "pdd_export": Profile(
        key="pdd_export",
        label="拼多多 订单导出 (Pinduoduo order export)",
        headers={
            "external_id": "订单号|订单编号",
            "status": "订单状态",
            "title": "商品|商品名称",
            "spec": "商品规格|规格",
            "quantity": "商品数量(件)|商品数量|数量",
            "sku_code": "商家编码-SKU维度|商家编码|SKU编码",
            "line_total": "商品总价(元)|商品总价",
            "discount_merchant": "店铺优惠折扣(元)|店铺优惠",
            "discount_platform": "平台优惠折扣(元)|平台优惠",
            "shipping_fee": "邮费(元)|邮费|运费",
            "paid_amount": "用户实付金额(元)|实付金额|用户实付",
            "consignee_name": "收货人|收货人姓名",
            "consignee_phone": "手机|收货人手机|联系电话",
            "province": "省",
            "city": "市",
            "district": "区|区县",
            "street": "街道",
            "address": "详细地址",
            "buyer_remark": "买家留言",
            "seller_memo": "商家备注",
            "paid_at": "支付时间|付款时间",
            "promised_ship_at": "承诺发货时间",
        },
        required=("external_id", "sku_code", "quantity", "line_total", "consignee_name", "consignee_phone", "address"),
        statuses={
            "待付款": "pending_payment",
            "待发货": "paid",
            "已发货": "shipped",
            "待收货": "shipped",
            "已签收": "completed",
            "已收货": "completed",
            "已取消": "cancelled",
            "交易关闭": "closed",
        },
    ),
    "pos": Profile(
        key="pos",
        label="门店 POS 销售日报 (store POS daily sales)",
        headers={
            "external_id": "单据编号|小票号|流水号",
            "store": "门店",
            "consignee_name": "收件人|收货人|顾客姓名",
            "consignee_phone": "收件人电话|收货人电话|手机",
            "full_address": "收货地址|送货地址|地址",
            "sku_code": "货号|商品编码|SKU",
            "quantity": "数量",
            "unit_price": "单价|零售价",
            "line_paid": "实收金额|实收",
            "payment_method": "付款方式|支付方式",
            "paid_at": "下单时间|销售时间",
        },
        required=(
            "external_id",
            "sku_code",
            "quantity",
            "unit_price",
            "consignee_name",
            "consignee_phone",
            "full_address",
        ),
    ),
    "standard": Profile(
        key="standard",
        label="Order Hub 标准模板 (standard template)",
        headers={
            "external_id": "订单号|订单编号|order_id|external_id",
            "status": "状态|订单状态|status",
            "sku_code": "SKU|商家编码|货号|sku_code|sku",
            "title": "商品名称|商品|title",
            "quantity": "数量|购买数量|quantity|qty",
            "unit_price": "单价|价格|unit_price|price",
            "line_paid": "实付|实付金额|line_paid",
            "shipping_fee": "运费|邮费|shipping_fee",
            "consignee_name": "收货人|收货人姓名|收件人|consignee_name|consignee",
            "consignee_phone": "手机|联系手机|收货人电话|收件人电话|consignee_phone|phone",
            "province": "省|省份|province",
            "city": "市|城市|city",
            "district": "区|区县|district",
            "address": "详细地址|address",
            "full_address": "收货地址|地址|full_address",
            "buyer_remark": "买家留言|备注|buyer_remark",
            "paid_at": "付款时间|支付时间|paid_at",
        },
        required=("external_id", "sku_code", "quantity", "unit_price", "consignee_name", "consignee_phone"),
        statuses={
            "待付款": "pending_payment",
            "待发货": "paid",
            "已付款": "paid",
            "paid": "paid",
            "pending_payment": "pending_payment",
        },
    ),
}


@dataclass
class ParsedRow:
    number: int
    cells: dict[str, Any]  # header → raw cell text
    values: dict[str, Any]  # field → parsed value


@dataclass
class Parsed:
    profile: Profile
    headers: list[str]
    columns: dict[str, str]  # field → header found
    unknown_columns: list[str]
    orders: dict[str, list[ParsedRow]]
    errors: list[RowError]
    duplicates: list[tuple[int, int]]  # (row, repeats row)
    bad_orders: set[str]
    rows: int = 0

    @property
    def good_orders(self) -> dict[str, list[ParsedRow]]:
        return {key: rows for key, rows in self.orders.items() if key not in self.bad_orders}


# --- reading -----------------------------------------------------------------------------------------------


def _norm(header: str) -> str:
    text = str(header or "").strip().replace("（", "(").replace("）", ")").replace(" ", "").replace("\u3000", "")
    return text.lower()


def table_read(content: bytes, name: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(headers, [(row number, cells)]) of the first sheet / the CSV (``config.spreadsheets.table_read``)."""
    try:
        return spreadsheet_table_read(content, name)
    except ApplicationError as refused:
        raise ImportInvalid(refused.message, extra=refused.extra) from None


# --- checking ----------------------------------------------------------------------------------------------


def profile_mapping(profile: Profile) -> dict[str, dict[str, str]]:
    return mapping_effective(profile.key, profile.defaults())


def file_parse(content: bytes, name: str, profile_key: str) -> Parsed:
    headers, body = table_read(content, name)
    return rows_parse(headers, body, profile_key, name=name)


def rows_parse(
    headers: list[str], body: list[tuple[int, list[str]]], profile_key: str, *, name: str = "file"
) -> Parsed:
    profile = PROFILES.get(profile_key)
    if profile is None:
        raise ImportInvalid(
            _("Unknown file format %(profile)r (one of %(known)s).")
            % {"profile": profile_key, "known": ", ".join(PROFILES)}
        )
    mapping = profile_mapping(profile)
    position = {_norm(h): i for i, h in enumerate(headers) if h}
    columns: dict[str, str] = {}
    for field_name, synonyms in mapping.get("header", {}).items():
        for synonym in synonyms.split("|"):
            if _norm(synonym) in position:
                columns[field_name] = headers[position[_norm(synonym)]]
                break
    missing = [f for f in profile.required if f not in columns]
    if missing:
        wanted = "; ".join(f"{f} ({mapping['header'].get(f, '')})" for f in missing)
        raise ImportInvalid(
            _("%(name)s: required columns not found: %(wanted)s. Columns in the file: %(found)s.")
            % {"name": name, "wanted": wanted, "found": ", ".join(h for h in headers if h)},
            extra={"missing": missing},
        )
    used = set(columns.values())
    parsed = Parsed(profile, headers, columns, [h for h in headers if h and h not in used], {}, [], [], set())
    from inventory.models import SKU

    sku_column = headers.index(columns["sku_code"])
    known_skus = set(
        SKU.objects.filter(code__in={c[sku_column] for _n, c in body if len(c) > sku_column}).values_list(
            "code", flat=True
        )
    )
    seen: dict[tuple, int] = {}
    statuses = mapping.get("status", {})
    for number, cells in body:
        parsed.rows += 1
        by_header = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(headers) if h}
        key = tuple(cells)
        if key in seen:
            parsed.duplicates.append((number, seen[key]))
            continue
        seen[key] = number
        values, errors = _row_values(number, by_header, columns, profile, statuses, known_skus)
        order_id = values.get("external_id") or f"(row {number})"
        parsed.orders.setdefault(order_id, []).append(ParsedRow(number, by_header, values))
        if errors:
            parsed.errors.extend(errors)
            parsed.bad_orders.add(order_id)
    for order_id, rows in parsed.orders.items():
        if order_id in parsed.bad_orders:
            continue
        try:
            rows_to_channel_order(profile, rows, mapping)
        except PayloadInvalid as exc:
            parsed.errors.append(
                RowError(rows[0].number, str(exc.extra.get("column", "")), str(exc.extra.get("value", "")), exc.message)
            )
            parsed.bad_orders.add(order_id)
    return parsed


def _row_values(number, cells, columns, profile, statuses, known_skus) -> tuple[dict[str, Any], list[RowError]]:
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    for field_name, header in columns.items():
        raw = cells.get(header, "")
        if raw == "":
            if field_name in profile.required:
                errors.append(RowError(number, header, raw, _("is required")))
            continue
        kind = FIELD_KINDS.get(field_name, "text")
        try:
            if kind == "quantity":
                quantity = int(raw)
                if quantity < 1:
                    raise ValueError
                values[field_name] = quantity
            elif kind == "money":
                amount = yuan(raw)
                if amount < 0:
                    raise ValueError
                values[field_name] = amount
            elif kind == "datetime":
                values[field_name] = local_datetime(raw)
            elif kind == "phone":
                if not phone_plausible(raw):
                    errors.append(
                        RowError(
                            number,
                            header,
                            raw,
                            _("is not a phone number (11-digit mobile, masked 138****5678, or landline)"),
                        )
                    )
                    continue
                values[field_name] = raw
            else:
                values[field_name] = raw
        except (ValueError, ArithmeticError):
            reason = {
                "quantity": _("is not a whole number of at least 1"),
                "money": _("is not an amount in yuan (two decimals at most, not negative)"),
                "datetime": _("is not a date and time (YYYY-MM-DD HH:MM:SS)"),
            }[kind]
            errors.append(RowError(number, header, raw, reason))
    if "sku_code" in values and values["sku_code"] not in known_skus:
        errors.append(RowError(number, columns["sku_code"], values["sku_code"], _("is not a known SKU code")))
    if "status" in values and values["status"] not in statuses:
        errors.append(
            RowError(
                number,
                columns["status"],
                values["status"],
                _("is not a known status (%(known)s)") % {"known": ", ".join(statuses)},
            )
        )
    return values, errors


def rows_to_channel_order(profile: Profile, rows: list[ParsedRow], mapping: dict[str, dict[str, str]]) -> ChannelOrder:
    """The standard order of one order's rows (all already checked)."""
    first = rows[0].values
    lines = []
    for row in rows:
        v = row.values
        quantity = v["quantity"]
        price = v.get("unit_price")
        if price is None:
            total = v.get("line_total")
            price = (total / quantity).quantize(Decimal("0.01")) if total is not None else None
            if price is None or price * quantity != total:
                raise PayloadInvalid(
                    _("row %(row_number)s: %(total)s cannot be split evenly over %(quantity)s pieces.")
                    % {"row_number": row.number, "total": total, "quantity": quantity},
                    extra={"column": _column(mapping, "line_total"), "value": str(total)},
                )
        discount = ZERO
        if v.get("line_paid") is not None:
            discount = price * quantity - v["line_paid"]
            if discount < 0:
                raise PayloadInvalid(
                    _("row %(row_number)s: paid %(line_paid)s is more than %(quantity)s × %(price)s.")
                    % {"row_number": row.number, "line_paid": v["line_paid"], "quantity": quantity, "price": price},
                    extra={"column": _column(mapping, "line_paid"), "value": str(v["line_paid"])},
                )
        title = " ".join(p for p in (v.get("title", ""), v.get("spec", "")) if p)
        lines.append(
            LineInput(sku_code=v["sku_code"], quantity=quantity, unit_price=price, discount=discount, title=title[:200])
        )
    line_discounts = sum((line.discount for line in lines), ZERO)
    merchant = first.get("discount_merchant")
    platform = first.get("discount_platform", ZERO)
    if merchant is None:
        merchant = line_discounts
    elif line_discounts != merchant + platform:
        for line in lines:
            line.discount = ZERO
    address = first.get("address", "")
    if first.get("street") and address and not address.startswith(first["street"]):
        address = f"{first['street']}{address}"
    values = {
        "external_id": first["external_id"],
        "status": first.get("status", "_default"),
        "placed_at": first.get("placed_at") or first.get("paid_at"),
        "paid_at": first.get("paid_at"),
        "promised_ship_at": first.get("promised_ship_at"),
        "consignee_name": first.get("consignee_name", ""),
        "consignee_phone": first.get("consignee_phone", ""),
        "province": first.get("province", ""),
        "city": first.get("city", ""),
        "district": first.get("district", ""),
        "address": address,
        "full_address": first.get("full_address", ""),
        "buyer_remark": first.get("buyer_remark", ""),
        "seller_memo": " ".join(p for p in (first.get("seller_memo", ""), first.get("store", "")) if p),
        "discount_merchant": merchant,
        "discount_platform": platform,
        "shipping_fee": first.get("shipping_fee", ZERO),
        "paid_amount": first.get("paid_amount"),
        "payment_method": first.get("payment_method", ""),
    }
    status_map = {**mapping.get("status", {}), "_default": profile.default_status}
    order = build_channel_order(values, lines, status_map=status_map, cipher={}, currency="CNY")
    from orders.exceptions import OrderInvalid
    from orders.services import order_validate

    try:
        order_validate(order.data)
    except OrderInvalid as exc:
        raise PayloadInvalid(
            _("row %(number)s: %(exc_message)s") % {"number": rows[0].number, "exc_message": exc.message},
            extra={"column": "", "value": ""},
        ) from None
    return order


def _column(mapping, field_name: str) -> str:
    return mapping.get("header", {}).get(field_name, field_name).split("|")[0]


# --- the import adapter (processing stored rows) -----------------------------------------------------------


class ImportAdapter(Adapter):
    """Reads an inbox message of kind ``import``: one order's raw rows, re-checked with the profile."""

    def __init__(self, profile: Profile):
        super().__init__(platform=profile.key, defaults=profile.defaults())
        self.profile = profile

    def interpret(self, topic: str, payload: Any):
        return [OrderVersion(payload)]

    def to_platform_order(self, native: dict[str, Any]) -> PlatformOrder:
        headers = native.get("headers") or []
        body = [(row["row"], [str(row["cells"].get(h, "")) for h in headers]) for row in native.get("rows") or []]
        if not body:
            raise PayloadInvalid(_("import message: no rows."))
        parsed = rows_parse(headers, body, self.profile.key)
        if parsed.errors:
            raise PayloadInvalid(str(parsed.errors[0]), extra=parsed.errors[0].as_dict())
        ((_order_id, rows),) = parsed.good_orders.items()
        return PlatformOrder(order=rows_to_channel_order(self.profile, rows, profile_mapping(self.profile)))


def import_adapter(message: InboxMessage) -> ImportAdapter:
    key = message.topic.removeprefix("import:")
    if key not in PROFILES:
        raise PayloadInvalid(_("unknown import profile %(key)r") % {"key": key})
    return ImportAdapter(PROFILES[key])


# --- jobs --------------------------------------------------------------------------------------------------


def preview(parsed: Parsed, *, limit: int = 20) -> dict[str, Any]:
    """What the import would do: counts, the first mapped orders, every row error, repeated rows."""
    mapping = profile_mapping(parsed.profile)
    sample = []
    for order_id, rows in list(parsed.good_orders.items())[:limit]:
        order = rows_to_channel_order(parsed.profile, rows, mapping)
        data = order.data
        sample.append(
            {
                "external_id": order_id,
                "rows": [r.number for r in rows],
                "status": order.target_status,
                "consignee": data.consignee_name,
                "phone": data.consignee_phone,
                "address": " ".join(p for p in (data.province, data.city, data.district, data.address) if p),
                "lines": [f"{line.sku_code} × {line.quantity} @ {line.unit_price}" for line in data.lines],
                "paid_amount": str(data.paid_amount if data.paid_amount is not None else ""),
            }
        )
    return {
        "rows": parsed.rows,
        "orders": len(parsed.good_orders),
        "bad_orders": len(parsed.bad_orders),
        "columns": parsed.columns,
        "unknown_columns": parsed.unknown_columns,
        "errors": [e.as_dict() for e in parsed.errors[:MAX_ERRORS_SHOWN]],
        "duplicates": [{"row": row, "repeats": of} for row, of in parsed.duplicates],
        "sample": sample,
    }


@transaction.atomic
def import_job_create(*, shop, profile: str, upload, user=None) -> tuple[ImportJob, dict[str, Any]]:
    """Store the uploaded file and check it. Raises ``ImportInvalid`` when the file cannot be read at all."""
    try:
        upload_check(upload, name=upload.name)  # before reading it into memory
    except UploadRefused as refused:
        raise ImportInvalid(refused.message, extra=refused.extra) from None
    content = upload.read()
    parsed = file_parse(content, upload.name, profile)
    report = preview(parsed)
    upload.seek(0)
    job = ImportJob.objects.create(
        shop=shop,
        profile=profile,
        file=upload,
        file_name=upload.name[:255],
        file_hash=hashlib.sha256(content).hexdigest(),
        total_orders=report["orders"],
        errors=report["errors"],
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    return job, report


@transaction.atomic
def import_job_start(*, job: ImportJob) -> bool:
    """Queue the import of a previewed file (only once)."""
    started = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PREVIEWED).update(
        status=ImportJob.Status.QUEUED
    )
    if started:
        enqueue_on_commit("integrations.tasks.import_run", job.pk)
    return bool(started)


def import_run(job_id: int) -> dict[str, int]:
    """Import the good orders of a queued file, in chunks, updating the progress as it goes."""
    from integrations.inbox import inbox_process, inbox_store

    if not ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(status=ImportJob.Status.RUNNING):
        return {}
    job = ImportJob.objects.select_related("shop").get(pk=job_id)
    try:
        with job.file.open("rb") as handle:
            parsed = file_parse(handle.read(), job.file_name, job.profile)
        good = list(parsed.good_orders.items())
        ImportJob.objects.filter(pk=job.pk).update(total_orders=len(good))
        for start in range(0, len(good), CHUNK):
            items = []
            for order_id, rows in good[start : start + CHUNK]:
                body = json.dumps(
                    {
                        "profile": job.profile,
                        "file": job.file_name,
                        "headers": [h for h in parsed.headers if h],
                        "rows": [{"row": r.number, "cells": r.cells} for r in rows],
                    },
                    ensure_ascii=False,
                    sort_keys=True,
                )
                items.append(PushItem(topic=f"import:{job.profile}", event_id="", external_id=order_id, body=body))
            stored = inbox_store(
                shop=job.shop, platform=job.shop.platform, kind=InboxMessage.Kind.IMPORT, items=items, enqueue=False
            )
            counts = inbox_process(stored.new_ids) if stored.new_ids else {}
            ImportJob.objects.filter(pk=job.pk).update(
                processed=F("processed") + len(items),
                created=F("created") + counts.get("created", 0),
                duplicates=F("duplicates") + stored.duplicates + counts.get("unchanged", 0) + counts.get("stale", 0),
                failed=F("failed") + counts.get("dead", 0) + counts.get("failed", 0),
            )
    except Exception as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED,
            finished_at=timezone.now(),
            errors=[{"row": 0, "column": "", "value": "", "reason": str(exc)}],
        )
        raise
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE, finished_at=timezone.now())
    job.refresh_from_db()
    return {"created": job.created, "duplicates": job.duplicates, "failed": job.failed}


__all__ = ["PROFILES", "file_parse", "import_run", "preview"]
