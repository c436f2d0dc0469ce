"""The requests ``bench_api`` measures: the partner API with a token (a partner who may see two shops and
their warehouse) and the back office with a manager's session, each path with a few hundred URLs drawn from
the data."""

from __future__ import annotations

import urllib.parse
from typing import Any

from django.db import connection as db_connection

from integrations.benchmarks.http_load import RequestPath
from integrations.benchmarks.scale import PARTNER_SHOPS, PARTNER_USER

# Targets per path (p95, ms): the partner API and stock ≤ 50, the back-office list ≤ 200.
API_P95_MS = 50
BACK_OFFICE_P95_MS = 200


def api_paths(setup: dict[str, Any]) -> list[RequestPath]:
    """The measured requests: each path with a few hundred URLs drawn from the data."""
    from orders.models import Order, Shop

    partner_shops = list(Shop.objects.filter(code__in=PARTNER_SHOPS).values_list("pk", "code"))
    all_shops = list(Shop.objects.filter(code__startswith="scale-").values_list("code", flat=True))
    sample = orders_sample(300)
    partner_sample = orders_sample(300, shop_ids=[pk for pk, _code in partner_shops])
    statuses = ["paid", "approved", "shipped", "completed", "on_hold"]
    skus = [code for code, _name in setup["skus"]]
    q = urllib.parse.urlencode
    external = [q({"shop": shop, "external_id": ext}) for _number, shop, ext, _name, _phone in partner_sample]
    searches = (
        [number for number, *_rest in sample[:100]]
        + [ext for _n, _s, ext, _name, _p in sample[:100]]
        + [phone for *_rest, phone in sample[:100] if phone and "*" not in phone]
        + [name for *_r, name, _p in sample[:100] if name and "*" not in name]
    )
    assert Order.objects.exists()
    return [
        RequestPath("api_orders_first_page", API_P95_MS, "token", ["/api/v1/orders/"]),
        RequestPath(
            "api_orders_shop_status",
            API_P95_MS,
            "token",
            [f"/api/v1/orders/?{q({'shop': code, 'status': s})}" for _pk, code in partner_shops for s in statuses],
        ),
        RequestPath("api_orders_external_id", API_P95_MS, "token", [f"/api/v1/orders/?{e}" for e in external]),
        RequestPath(
            "api_orders_cursor",
            API_P95_MS,
            "token",
            ["/api/v1/orders/?cursor="]
            + [f"/api/v1/orders/?{q({'cursor': '', 'shop': code})}" for _pk, code in partner_shops]
            + [f"/api/v1/orders/?{q({'updated_after': f'2026-{m:02d}-01T00:00:00+08:00'})}" for m in range(1, 13)],
        ),
        RequestPath("api_order_detail", API_P95_MS, "token", [f"/api/v1/orders/{n}/" for n, *_r in partner_sample]),
        RequestPath("api_stock_sku", API_P95_MS, "token", [f"/api/v1/stock/?{q({'sku': code})}" for code in skus]),
        RequestPath("bo_orders_first_page", BACK_OFFICE_P95_MS, "session", ["/orders/"]),
        RequestPath(
            "bo_orders_filtered",
            BACK_OFFICE_P95_MS,
            "session",
            [f"/orders/?{q({'shop': code, 'status': s})}" for code in all_shops for s in statuses]
            + [f"/orders/?{q({'status': s, 'created_from': '2026-01-01'})}" for s in statuses],
        ),
        RequestPath(
            "bo_orders_search", BACK_OFFICE_P95_MS, "session", [f"/orders/?{q({'q': term})}" for term in searches]
        ),
    ]


def orders_sample(count: int, shop_ids: list[int] | None = None) -> list[tuple]:
    """About ``count`` orders picked at random (TABLESAMPLE: no scan of the table)."""
    where = "WHERE o.shop_id = ANY(%s)" if shop_ids else ""
    params = [shop_ids] if shop_ids else []
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'orders_order'")
        rows = max(cursor.fetchone()[0], 1)
        percent = min(100.0, 100.0 * count * 20 / rows)
        cursor.execute(
            "SELECT o.number, s.code, o.external_id, o.consignee_name, o.consignee_phone "
            f"FROM orders_order o TABLESAMPLE SYSTEM ({percent}) JOIN orders_shop s ON s.id = o.shop_id {where} "
            "LIMIT %s",
            [*params, count],
        )
        return cursor.fetchall()


def partner_token() -> str:
    """The API token of the scale data set's partner."""
    from rest_framework.authtoken.models import Token

    return Token.objects.get(user__username=PARTNER_USER).key
