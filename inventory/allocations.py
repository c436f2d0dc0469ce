"""Channel allocations set in bulk: a table (page upload, XLSX or CSV read by ``config.spreadsheets.table_read``)
of shop × SKU rows, each applied by ``channel_stock_set`` — all of them or none.

Columns (Chinese or English headers, any order): 店铺/shop (the shop code), SKU/sku (the SKU code),
规则/rule (默认/default, 共享/shared, 百分比/percentage, 定额/fixed, 独占/exclusive), 百分比/percent,
定额/quota, 安全库存暂停/pause_on_safety (是/否, yes/no, 1/0; default yes), 启用/active (default yes).
Every cell that cannot be used is reported with its row and column; nothing is applied then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from config.spreadsheets import RowError, table_read
from inventory.exceptions import StockInvalid
from inventory.models import SKU, ChannelStock
from inventory.services.channels import channel_stock_set
from inventory.shops import shop_ids_by_code

Rule = ChannelStock.Rule
COLUMNS = {
    "shop": ("店铺", "shop"),
    "sku": ("sku", "商品编码"),
    "rule": ("规则", "rule"),
    "percent": ("百分比", "percent"),
    "quota": ("定额", "quota"),
    "pause_on_safety": ("安全库存暂停", "pause_on_safety"),
    "active": ("启用", "active"),
}
RULE_WORDS = {
    "默认": Rule.DEFAULT,
    "共享": Rule.SHARED,
    "百分比": Rule.PERCENTAGE,
    "定额": Rule.FIXED,
    "独占": Rule.EXCLUSIVE,
    **{value: value for value in Rule.values},
}
YES = {"是", "yes", "y", "1", "true"}
NO = {"否", "no", "n", "0", "false"}
MAX_ERRORS = 20


class AllocationInvalid(StockInvalid):
    code = "allocation_invalid"


@dataclass(frozen=True)
class AllocationRow:
    row: int
    shop_id: int
    sku: SKU
    rule: str
    percent: int
    quota: int
    pause_on_safety: bool
    is_active: bool


def allocations_parse(content: bytes, name: str) -> list[AllocationRow]:
    """Read and check the whole table; ``AllocationInvalid`` lists every bad cell (row, column, why)."""
    headers, body = table_read(content, name)
    wanted = {alias: key for key, aliases in COLUMNS.items() for alias in aliases}
    index = {}
    for position, header in enumerate(headers):
        key = wanted.get(header.strip().lower()) or wanted.get(header.strip())
        if key:
            index[key] = (position, header)
    missing = [COLUMNS[key][0] for key in ("shop", "sku", "rule") if key not in index]
    if missing:
        raise AllocationInvalid(
            _("%(name)s: row 1 needs the columns %(columns)s.") % {"name": name, "columns": ", ".join(missing)},
            extra={"missing": missing},
        )

    def cell(cells: list[str], key: str) -> tuple[str, str]:
        position, header = index.get(key, (None, COLUMNS[key][0]))
        value = cells[position].strip() if position is not None and position < len(cells) else ""
        return value, header

    shops = shop_ids_by_code({cell(cells, "shop")[0] for _n, cells in body})
    skus = {sku.code: sku for sku in SKU.objects.filter(code__in={cell(cells, "sku")[0] for _n, cells in body})}
    errors: list[RowError] = []
    rows: list[AllocationRow] = []

    def bad(number: int, header: str, value: str, why: str) -> None:
        errors.append(RowError(number, header, value, why))

    for number, cells in body:
        shop_code, shop_header = cell(cells, "shop")
        sku_code, sku_header = cell(cells, "sku")
        rule_text, rule_header = cell(cells, "rule")
        if shop_code not in shops:
            bad(number, shop_header, shop_code, _("is not a shop code."))
        if sku_code not in skus:
            bad(number, sku_header, sku_code, _("is not a SKU code."))
        rule = RULE_WORDS.get(rule_text.lower()) or RULE_WORDS.get(rule_text)
        if rule is None:
            bad(number, rule_header, rule_text, _("is not a rule (默认, 共享, 百分比, 定额, 独占)."))
        numbers = {}
        for key, default in (("percent", 100), ("quota", 0)):
            text, header = cell(cells, key)
            try:
                numbers[key] = int(text) if text else default
                if numbers[key] < 0:
                    raise ValueError
            except ValueError:
                bad(number, header, text, _("is not a whole number of 0 or more."))
        flags = {}
        for key in ("pause_on_safety", "active"):
            text, header = cell(cells, key)
            if not text or text.lower() in YES:
                flags[key] = True
            elif text.lower() in NO:
                flags[key] = False
            else:
                bad(number, header, text, _("is not 是/否 (yes/no)."))
        if len(errors) >= MAX_ERRORS:
            break
        if not errors:
            rows.append(
                AllocationRow(
                    row=number,
                    shop_id=shops[shop_code],
                    sku=skus[sku_code],
                    rule=rule,
                    percent=numbers["percent"],
                    quota=numbers["quota"],
                    pause_on_safety=flags["pause_on_safety"],
                    is_active=flags["active"],
                )
            )
    if errors:
        shown = errors[:MAX_ERRORS]
        raise AllocationInvalid("\n".join(str(e) for e in shown), extra={"errors": [e.as_dict() for e in shown]})
    if not rows:
        raise AllocationInvalid(_("%(name)s: no allocation rows below the header.") % {"name": name})
    return rows


@transaction.atomic
def channel_stocks_set_many(*, rows: Sequence[AllocationRow]) -> int:
    """Apply the rows in order (``channel_stock_set``); one refused row refuses them all, naming its row."""
    for row in rows:
        try:
            channel_stock_set(
                shop_id=row.shop_id,
                sku=row.sku,
                rule=row.rule,
                percent=row.percent,
                quota=row.quota,
                pause_on_safety=row.pause_on_safety,
                is_active=row.is_active,
            )
        except StockInvalid as exc:
            raise AllocationInvalid(
                _("row %(row)s: %(message)s") % {"row": row.row, "message": exc.message},
                extra={**exc.extra, "row": row.row},
            ) from None
    return len(rows)


def allocations_import(*, content: bytes, name: str) -> int:
    return channel_stocks_set_many(rows=allocations_parse(content, name))
