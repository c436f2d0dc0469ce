"""The access matrix: for every page and endpoint in the URLconf, the status each role gets — written out in
``MATRIX`` as a table a person reviews (not recorded from today's behaviour) — and no page or list that shows
one role another shop's or warehouse's orders.

Columns, in this order (the cast of tests/conftest.py):

    anon  anonymous
    cs    客服/销售, granted shop A only
    wh    仓库, granted warehouse B only
    fin   财务, both shops, consignee masked
    mgr   主管, both shops and both warehouses
    adm   管理员 (the administrator role: every permission, every shop)

Order A belongs to shop A and ships from warehouse A; order B to shop B and warehouse B. URL parameters are
filled from ``VALUES`` (order A's number, shop A's code …; ids that exist nowhere give 404 to those allowed
past the permission check). Every route is requested with GET: a POST-only view answers 405 (or the login
redirect / 403 first, whichever its decorators check first) — the 401-for-every-method check of /api/v1/
is tests/config/security/test_api_authentication.py.

Statuses: 200 shown · 302 sent to the login page (or on, for language/logout) · 401 API without credentials ·
403 role lacks the permission · 404 not there, or not visible to this user · 400 required query missing ·
405 method not allowed.

Django admin: its index, login and logout, and the changelists of the models whose rows are scoped to shops
or warehouses are in the matrix (their rows are checked for leaks like every other page); the other admin
pages follow the model permissions and are covered by tests/orders/test_admin.py.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from tests.factories import make_order
from tests.security.matrix_probe import ROLES, fill, routes

pytestmark = pytest.mark.django_db

# fmt: off
MATRIX = {
    #                                          anon cs  wh  fin mgr adm
    "home": "302 200 200 200 200 200",
    # liveness and readiness for the load balancer: no login, no data
    "healthz": "200 200 200 200 200 200",
    "readyz": "200 200 200 200 200 200",
    "login": "200 200 200 200 200 200",
    "logout": "405 405 405 405 405 405",
    "admin:index": "302 200 200 200 200 200",
    "admin:login": "200 302 302 302 302 302",
    "admin:logout": "302 405 405 405 405 405",
    "api-docs": "200 200 200 200 200 200",
    "api-schema": "200 200 200 200 200 200",
    # fulfilment: waves, pick tasks, packing, shipments, routing, carriers (the floor's mobile pages call them too)
    "api-carrier-list": "401 200 200 200 200 200",
    "api-carrier-check": "401 400 400 400 400 400",
    "api-order-route": "401 200 404 200 200 200",
    "api-pack-complete": "401 405 405 403 405 405",
    "api-pack-lookup": "401 400 400 403 400 400",
    "api-pick-confirm": "401 405 405 403 405 405",
    "api-pick-refusal": "401 405 405 403 405 405",
    "api-shipment-detail": "401 404 404 404 404 404",
    "api-shipment-label": "401 405 405 403 405 405",
    "api-shipment-ship": "401 405 405 403 405 405",
    "api-shipment-update": "401 405 405 403 405 405",
    "api-wave-list": "401 200 200 403 200 200",
    "api-wave-detail": "401 404 404 403 404 404",
    "api-wave-claim": "401 405 405 403 405 405",
    "api-wave-auto": "401 405 405 403 405 405",
    "api-finance-differences": "401 403 403 200 403 200",
    "api-finance-statements": "401 403 403 200 403 200",
    "api-finance-statement-detail": "401 403 403 404 403 404",
    "api-order-list": "401 200 200 200 200 200",
    # after-sales cases: every role that sees orders sees their cases; the steps are POST and need
    # aftersales.change_case (finance only looks: 403 first); an id that exists nowhere is 404
    "api-case-list": "401 200 200 200 200 200",
    "api-case-detail": "401 404 404 404 404 404",
    "api-case-approve": "401 405 405 403 405 405",
    "api-case-reject": "401 405 405 403 405 405",
    "api-case-receive": "401 405 405 403 405 405",
    "api-case-refund": "401 405 405 403 405 405",
    "api-order-detail": "401 200 404 200 200 200",
    # order actions are POST (address: PATCH); finance lacks orders.change_order / add_orderevent (403 first)
    "api-order-cancel": "401 405 405 403 405 405",
    "api-order-hold": "401 405 405 403 405 405",
    "api-order-release": "401 405 405 403 405 405",
    "api-order-approve": "401 405 405 403 405 405",
    "api-order-pay": "401 405 405 403 405 405",
    "api-order-address": "401 405 405 403 405 405",
    "api-order-notes": "401 405 405 403 405 405",
    "api-order-shipments": "401 200 404 200 200 200",
    "api-shipment-list": "401 200 200 200 200 200",
    "api-shop-list": "401 200 200 200 200 200",
    "api-shop-detail": "401 200 404 200 200 200",
    "api-sku-list": "401 200 200 200 200 200",
    "api-sku-detail": "401 200 200 200 200 200",
    "api-stock": "401 400 400 400 400 400",
    "api-stock-accuracy": "401 200 200 200 200 200",
    "api-stock-adjustments": "401 403 405 403 405 405",
    "api-stock-counts": "401 403 405 403 405 405",
    "api-stock-levels": "401 200 200 200 200 200",
    "api-stock-receipts": "401 403 405 403 405 405",
    "api-stock-reservations": "401 400 400 400 400 400",
    "api-stock-transfers": "401 403 405 403 405 405",
    # webhook subscriptions: every user manages their own (others' are a 404); resume/replay are POST-only
    "api-webhook-list": "401 200 200 200 200 200",
    "api-webhook-detail": "401 404 404 404 404 404",
    "api-webhook-resume": "401 405 405 405 405 405",
    "api-webhook-deliveries": "401 404 404 404 404 404",
    "api-webhook-delivery-replay": "401 405 405 405 405 405",
    "api-warehouse-list": "401 200 200 200 200 200",
    "api-warehouse-detail": "401 404 404 404 200 200",
    "finance-home": "302 403 403 200 403 200",
    "finance-differences": "302 403 403 200 403 200",
    "finance-difference-detail": "302 403 403 404 403 404",
    "finance-exports": "302 403 403 200 403 200",
    "finance-export-download": "302 403 403 404 403 404",
    "finance-reconcile": "302 403 403 405 403 405",
    "finance-statements": "302 403 403 200 403 200",
    "finance-statement-detail": "302 403 403 404 403 404",
    "finance-statement-progress": "302 403 403 404 403 404",
    "finance-vouchers": "302 403 403 200 403 200",
    "fulfilment:desk": "302 200 200 403 200 200",
    "fulfilment:m-home": "302 200 200 403 200 200",
    "fulfilment:m-pack": "302 200 200 403 200 200",
    "fulfilment:m-pick": "302 404 404 403 404 404",
    "fulfilment:report-xlsx": "302 200 200 200 200 200",
    "fulfilment:report": "302 200 200 200 200 200",
    # carriers push tracking with their own token (X-Tracking-Token), outside the partner API: POST only
    "fulfilment:tracking-push": "405 405 405 405 405 405",
    "fulfilment:sandbox-tracking": "404 404 404 404 404 404",
    "fulfilment:sandbox-waybill": "405 405 405 405 405 405",
    "fulfilment:sandbox-waybill-cancel": "405 405 405 405 405 405",
    "fulfilment:sandbox-waybill-intercept": "405 405 405 405 405 405",
    "fulfilment:shipment-label": "302 404 404 403 404 404",
    # label printing: floor staff; an anonymous visitor is sent to the login page
    "fulfilment:shipment-label-pdf": "302 404 404 403 404 404",
    "fulfilment:wave-labels-pdf": "302 404 404 403 404 404",
    "fulfilment:wave-print": "302 404 404 403 404 404",
    "fulfilment:wave-print-results": "405 405 405 405 405 405",
    "fulfilment:wave-picklist": "302 404 404 403 404 404",
    "fulfilment:wave-slips": "302 404 404 403 404 404",
    "fulfilment:work-items": "302 200 200 200 200 200",
    "set_language": "302 302 302 302 302 302",
    "integrations-index": "302 403 403 403 200 200",
    "integrations-alerts": "302 403 403 403 200 200",
    # the command center: figures of every shop, for managers and administrators
    "board:page": "302 403 403 403 200 200",
    "board:data": "302 403 403 403 200 200",
    # the peak simulator: managers start runs, watch them and open their reports
    "simulator:index": "302 403 403 403 200 200",
    "simulator:start": "302 403 403 403 405 405",
    "simulator:run": "302 403 403 403 404 404",
    "simulator:data": "302 403 403 403 404 404",
    "simulator:report": "302 403 403 403 404 404",
    "simulator:report-file": "302 403 403 403 404 404",
    # Prometheus: a scraper's bearer token (METRICS_TOKEN), or a signed-in user who may view the board
    "metrics": "401 403 403 403 200 200",
    "integrations-alerts-resolve": "302 403 403 403 405 405",
    "integrations-dead-letters": "302 403 403 403 200 200",
    "integrations-dead-letters-replay": "302 403 403 403 405 405",
    "integrations-imports": "302 200 403 403 200 200",
    "integrations-import": "302 404 403 403 404 404",
    "integrations-import-progress": "302 404 403 403 404 404",
    "integrations-import-start": "302 405 403 403 405 405",
    "integrations-inbox-message": "302 403 403 403 404 404",
    "integrations-mappings": "302 403 403 403 200 200",
    "integrations-mapping": "302 403 403 403 200 200",
    "integrations-shop-health": "302 403 403 403 404 404",
    "order-list": "302 200 200 200 200 200",
    "order-detail": "302 200 404 200 200 200",
    "order-note-add": "405 405 405 405 405 405",
    "order-consignee-reveal": "405 405 405 405 405 405",
    "order-transition": "405 405 405 405 405 405",
    "review:queue": "302 200 403 403 200 200",
    "review:alerts": "302 200 200 403 200 200",
    # one alert (its deliveries shown to managers) and replaying its parked deliveries (POST only)
    "review:alert": "302 404 404 403 404 404",
    "review:alert-replay": "405 405 405 405 405 405",
    "review:alert-acknowledge": "405 405 405 405 405 405",
    "review:alert-assign": "405 405 405 405 405 405",
    "review:bulk": "405 405 405 405 405 405",
    "review:merge": "405 405 405 405 405 405",
    "review:order-address": "302 200 404 403 200 200",
    "review:order-hold": "405 405 405 405 405 405",
    "review:order-release": "405 405 405 405 405 405",
    "review:order-split": "302 200 404 403 200 200",
    "review:rule-preview": "302 403 403 403 404 404",
    "review:rule-version": "302 403 403 403 404 404",
    "review:rule-version-preview": "405 405 405 405 405 405",
    "review:rule-version-publish": "405 405 405 405 405 405",
    "review:rules": "302 403 403 403 200 200",
    "review:rule-set": "302 403 403 403 404 404",
    "review:rule-version-new": "405 405 405 405 405 405",
    "review:task-approve": "405 405 405 405 405 405",
    "review:task-reject": "405 405 405 405 405 405",
    "sandbox-api": "200 200 200 200 200 200",
    "sandbox-fault": "503 503 503 503 503 503",
    "sandbox-push": "405 405 405 405 405 405",
    "sandbox-partner-webhooks": "405 405 405 405 405 405",
    "sandbox-partner-webhooks-down": "405 405 405 405 405 405",
    # the logistics services emulated for the demo — on with SANDBOX_ENABLED (development, tests), 404 in production
    "sandbox-kdniao": "200 200 200 200 200 200",
    "sandbox-kuaidi100-label": "200 200 200 200 200 200",
    "sandbox-kuaidi100-poll": "200 200 200 200 200 200",
    "sandbox-sf": "200 200 200 200 200 200",
    # buyer notification providers' sandbox: POST only (Aliyun, Tencent, WeChat send); the WeChat token endpoint
    # answers a GET without appid with WeChat's own error body
    "sandbox-notify-aliyun": "405 405 405 405 405 405",
    # WeChat Pay's refund notifications: POST only, no login (the signature is the provider's)
    "payments-wechatpay-refund-notify": "405 405 405 405 405 405",
    # the payment providers' refund sandbox: POST only, signatures checked like the providers
    "sandbox-payments-alipay": "405 405 405 405 405 405",
    "sandbox-payments-wechatpay-refunds": "405 405 405 405 405 405",
    "sandbox-notify-tencent": "405 405 405 405 405 405",
    "sandbox-notify-aliyun-voice": "405 405 405 405 405 405",
    "sandbox-notify-dingtalk": "405 405 405 405 405 405",
    "sandbox-notify-wecom": "405 405 405 405 405 405",
    "sandbox-notify-wechat-token": "200 200 200 200 200 200",
    "sandbox-notify-wechat-send": "405 405 405 405 405 405",
    # the returns desk (mobile): CS and the warehouse handle cases; finance does not; a case id that exists nowhere
    "aftersales:m-returns": "302 200 200 403 200 200",
    "aftersales:m-return": "302 404 404 403 404 404",
    "aftersales:m-parcel-new": "302 405 405 405 405 405",
    "aftersales:parcels": "302 200 200 403 200 200",
    # risky buyers: everyone who sees cases (finance with phone numbers masked)
    "aftersales:risky-buyers": "302 200 200 200 200 200",
    "aftersales:parcel-link": "302 405 405 405 405 405",
    # after-sales reports and their Excel: CS (their shops), finance and managers; not the warehouse
    "aftersales:reports": "302 200 403 200 200 200",
    "aftersales:reports-xlsx": "302 200 403 200 200 200",
    # the CS queue and the case page: everyone who sees cases (finance with consignees masked); the steps are
    # POST-only; a case id that exists nowhere is 404
    "aftersales:queue": "302 200 200 200 200 200",
    "aftersales:bulk-approve": "302 405 405 405 405 405",
    "aftersales:case": "302 404 404 404 404 404",
    "aftersales:case-approve": "302 405 405 405 405 405",
    "aftersales:case-reject": "302 405 405 405 405 405",
    "aftersales:case-refund": "302 405 405 405 405 405",
    "aftersales:case-intercept": "302 405 405 405 405 405",
    "aftersales:case-note": "302 405 405 405 405 405",
    "aftersales:case-evidence": "302 405 405 405 405 405",
    # a case opened from the order page (order A): CS of shop A and managers; the warehouse and finance do not
    "aftersales:case-new": "302 200 403 403 200 200",
    # the risk thresholds: managers (and administrators) set them
    "aftersales:risk-policy": "302 403 403 403 200 200",
    "stock-index": "302 403 200 403 200 200",
    "stock-accuracy": "302 403 200 403 200 200",
    "stock-adjust": "302 403 200 403 200 200",
    "stock-alerts": "302 403 200 403 200 200",
    # channel allocations in bulk: managers and administrators
    "stock-allocations": "302 403 403 403 200 200",
    "stock-counts": "302 403 200 403 200 200",
    "stock-count": "302 403 404 403 404 404",
    "stock-count-action": "302 403 405 403 405 405",
    "stock-movements": "302 403 200 403 200 200",
    "stock-receive": "302 403 200 403 200 200",
    "stock-reservations": "302 403 200 403 200 200",
    "stock-sku": "302 403 200 403 200 200",
    "stock-transfer": "302 403 200 403 200 200",
    # uploaded files: to the users who may see the row a file belongs to; no file at this path (404)
    "media": "302 404 404 404 404 404",
    "public-track": "200 200 200 200 200 200",
    "public-track-link": "404 404 404 404 404 404",
    # a buyer's own opt-out from a signed link in a message: no login; a token that is not signed is a 404
    "notify-unsubscribe": "404 404 404 404 404 404",
    "integrations-webhook": "405 405 405 405 405 405",
    # tracking callbacks of the logistics aggregators: POST only, signed by the service
    "logistics-kdniao-callback": "405 405 405 405 405 405",
    "logistics-kuaidi100-callback": "405 405 405 405 405 405",
    "logistics-sf-route-push": "405 405 405 405 405 405",
    # admin changelists whose rows are scoped to the user's shops / warehouses
    "admin:orders_order_changelist": "302 200 200 200 200 200",
    "admin:orders_orderevent_changelist": "302 200 200 200 200 200",
    "admin:orders_orderline_changelist": "302 200 200 200 200 200",
    "admin:orders_shop_changelist": "302 200 200 200 200 200",
    "admin:orders_consigneereveal_changelist": "302 403 403 200 200 200",
    # every send of an alert to a channel, replayed by managers (scoped to the alerts the user sees)
    "admin:orders_alertdelivery_changelist": "302 403 403 403 200 200",
    "admin:inventory_warehouse_changelist": "302 200 200 200 200 200",
    # returned parcels matching no case: the warehouse registers them, CS links them; finance has no part in it
    "admin:aftersales_unknownparcel_changelist": "302 200 200 403 200 200",
    "admin:integrations_shopconnection_changelist": "302 403 403 403 200 200",
    "admin:aftersales_case_changelist": "302 200 200 200 200 200",
    "admin:aftersales_payout_changelist": "302 200 403 200 200 200",
}
# fmt: on

# Routes in the URLconf that the matrix leaves to other tests (see the module docstring).
ADMIN_PREFIX = "admin/"
ADMIN_KEPT = {"admin:index", "admin:login", "admin:logout"}

ORDER_A_MARKER, ORDER_B_MARKER = "MARKER-A-7731", "MARKER-B-9942"
# Whose rows each scoped role must never see, and which it must see on the lists (so the check is not vacuous).
FOREIGN = {"cs": ORDER_B_MARKER, "wh": ORDER_A_MARKER}
OWN_ON_LISTS = {"cs": ORDER_A_MARKER, "wh": ORDER_B_MARKER}
LISTS = ("order-list", "api-order-list", "admin:orders_order_changelist")


@pytest.fixture
def cast(world, cs_a, warehouse_b, finance, manager, admin_user):
    return {"anon": None, "cs": cs_a, "wh": warehouse_b, "fin": finance, "mgr": manager, "adm": admin_user}


@pytest.fixture
def orders(world):
    a = make_order(shop=world["shop_a"], external_id=ORDER_A_MARKER, skus=[(world["skus"][0], 1, Decimal("10.00"))])
    b = make_order(shop=world["shop_b"], external_id=ORDER_B_MARKER, skus=[(world["skus"][1], 1, Decimal("10.00"))])
    return {"a": a, "b": b}


def _values(world, orders) -> dict[str, dict[str, str]]:
    """URL parameters: defaults, and per route where a name means something else."""
    defaults = {
        "number": orders["a"].number,
        "shop_code": world["shop_a"].code,
        "code": world["shop_a"].code,
        "platform": "taobao",
        "carrier_code": "ZTO",
        "profile": "standard",
        "action": "start",
        "fault": "503",
        "rest": "x",
        "token": "x",
        "tracking_number": "x",
        "path": "x",
    }
    per_route = {
        "api-sku-detail": {"code": world["skus"][0].code},
        "stock-sku": {"code": world["skus"][0].code},
        "api-warehouse-detail": {"code": world["wh_a"].code},
        "api-carrier-check": {"code": "ZTO"},
    }
    return {"*": defaults, **per_route}


def _checked_routes():
    for route in routes():
        if route.route.startswith(ADMIN_PREFIX) and route.name not in ADMIN_KEPT and route.name not in MATRIX:
            continue
        if route.route == "api/v1/^.*$":  # the catch-all: tests/config/security/test_api_authentication.py
            continue
        if route.route.startswith("^media/"):  # development only (DEBUG at import): files by unguessable name
            continue
        yield route


def _observe(cast, path: str) -> dict[str, tuple[int, str]]:
    seen = {}
    for role in ROLES:
        client = Client()
        if cast[role] is not None:
            client.force_login(cast[role])
        response = client.get(path)
        body = b"" if getattr(response, "streaming", False) else response.content
        seen[role] = (response.status_code, body.decode("utf-8", "replace"))
    return seen


def test_every_route_answers_each_role_as_the_matrix_says(cast, world, orders):
    values = _values(world, orders)
    problems: list[str] = []
    checked = set()
    for route in _checked_routes():
        checked.add(route.name)
        path = fill(route.route, {**values["*"], **values.get(route.name, {})})
        seen = _observe(cast, path)
        statuses = " ".join(str(seen[role][0]) for role in ROLES)
        expected = MATRIX.get(route.name)
        if expected is None:
            problems.append(
                f"{route.name!r} (GET {path}) has no entry in MATRIX (tests/security/test_access_matrix.py).\n"
                f"    Add the status each role SHOULD get, columns {' '.join(ROLES)}; today it answers:\n"
                f'    "{route.name}": "{statuses}",\n'
                "    (check each number before you copy it: a 200 for a role that must not see the page is a bug)"
            )
        elif expected.split() != statuses.split():
            diff = ", ".join(
                f"{role} expected {want} got {got}"
                for role, want, got in zip(ROLES, expected.split(), statuses.split(), strict=True)
                if want != got
            )
            problems.append(f"{route.name!r} (GET {path}): {diff}")
        for role, marker in FOREIGN.items():
            status, body = seen[role]
            if status == 200 and marker in body:
                problems.append(f"{route.name!r} (GET {path}) shows {role} an order of a shop/warehouse not theirs")
        if route.name in LISTS:
            for role, marker in OWN_ON_LISTS.items():
                if marker not in seen[role][1]:
                    problems.append(f"{route.name!r} (GET {path}) does not list {role}'s own order")
    stale = sorted(set(MATRIX) - checked)
    if stale:
        problems.append(f"MATRIX has entries for routes that no longer exist: {stale} — delete them")
    assert not problems, "\n" + "\n".join(problems)
