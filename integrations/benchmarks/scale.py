"""The scale data set of ``bench_api``: eight shops on four platforms (the big Taobao shops get the most
orders) over 200 SKUs in two warehouses, a partner who may see the two south shops and their warehouse, a
manager granted every shop. Orders come in through the real batch ingestion path — poll pages stored in the
inbox exactly as ``shop_poll`` stores them, worked through by a real ``qcluster`` — and are then shaped into
a year of trading (``scale_shape``)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import CommandError
from django.db import connection as db_connection
from django.utils import timezone

from config.progress import ProgressBar
from integrations.benchmarks.processes import child_stop, cluster_start, cluster_wait

# (code, platform, share of the orders, warehouse): the partner sees the two south shops and their warehouse.
SHOPS = [
    ("scale-tb-flagship", "taobao", 30, "scale-east"),
    ("scale-tb-outlet", "taobao", 15, "scale-east"),
    ("scale-jd-self", "jd", 15, "scale-east"),
    ("scale-pdd-main", "pdd", 10, "scale-east"),
    ("scale-dy-live", "douyin", 10, "scale-east"),
    ("scale-tb-kids", "taobao", 5, "scale-east"),
    ("scale-jd-south", "jd", 8, "scale-south"),
    ("scale-dy-south", "douyin", 7, "scale-south"),
]
WAREHOUSES = [("scale-east", "华东仓"), ("scale-south", "华南仓")]
PARTNER_SHOPS = ["scale-jd-south", "scale-dy-south"]
PARTNER_WAREHOUSE = "scale-south"
SKU_COUNT = 200
PAGE = 100
CHUNK = 20_000  # orders generated and stored at a time (memory), the cluster working on the previous chunk
PARTNER_USER = "scale-partner"
MANAGER_USER = "scale-manager"
PASSWORD = "scale-bench-password"  # a throw-away database's users; never the development database


def scale_setup() -> dict[str, Any]:
    """Warehouses, SKUs with stock, shops with their (disabled) connections, the partner and the manager."""
    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token

    from integrations.models import ShopConnection
    from inventory.models import SKU, Warehouse
    from inventory.services import stock_receive
    from orders.access import shop_access_grant, warehouse_access_grant
    from orders.models import Shop
    from orders.roles import MANAGER, SALES_CS

    warehouses = {}
    for code, label in WAREHOUSES:
        warehouses[code], _ = Warehouse.objects.get_or_create(code=code, defaults={"name": label})
    skus = []
    for index in range(1, SKU_COUNT + 1):
        sku, made = SKU.objects.get_or_create(code=f"SCALE-{index:04d}", defaults={"name": f"规模测试商品 {index}"})
        skus.append(sku)
    if not any(w.stocks.exists() for w in warehouses.values()):
        for warehouse in warehouses.values():
            stock_receive(warehouse=warehouse, lines=[(sku, 100_000_000) for sku in skus], reason="bench_api stock")
    connections_by_shop = {}
    for code, platform, _share, warehouse in SHOPS:
        shop, _ = Shop.objects.get_or_create(
            code=code, defaults={"name": code, "platform": platform, "default_warehouse": warehouses[warehouse]}
        )
        connection, _ = ShopConnection.objects.get_or_create(
            shop=shop,
            defaults={
                "app_key": code,
                "app_secret": "bench",
                "access_token": "bench",
                "webhook_secret": "bench",
                "is_enabled": False,  # never polled: orders come from this command's pages only
            },
        )
        connections_by_shop[code] = connection
    partner, made = User.objects.get_or_create(username=PARTNER_USER)
    if made:
        partner.groups.add(Group.objects.get(name=SALES_CS))
        shop_access_grant(who=partner, shops=list(Shop.objects.filter(code__in=PARTNER_SHOPS)))
        warehouse_access_grant(who=partner, warehouses=[warehouses[PARTNER_WAREHOUSE]])
    Token.objects.get_or_create(user=partner)
    manager, made = User.objects.get_or_create(username=MANAGER_USER)
    if made:
        manager.groups.add(Group.objects.get(name=MANAGER))
        shop_access_grant(who=manager, shops=list(Shop.objects.filter(code__startswith="scale-")))
        warehouse_access_grant(who=manager, warehouses=list(warehouses.values()))
    manager.set_password(PASSWORD)
    manager.save(update_fields=["password"])
    return {"connections": connections_by_shop, "skus": [(sku.code, sku.name) for sku in skus]}


def schedules_hold(*, keep: tuple[str, ...] = ()) -> None:
    """The periodic tasks (SLA watch, sweepers, syncs) wait while the cluster fills, except those named in
    ``keep``: they are not ingestion, and on a half-filled database they would only compete with it (the cluster
    upserts them when it starts, keeping their next run)."""
    from django_q.models import Schedule

    Schedule.objects.exclude(name__in=keep).update(next_run=timezone.now() + dt.timedelta(days=3650))


def schedules_release() -> None:
    from django_q.models import Schedule

    Schedule.objects.update(next_run=timezone.now())


def scale_plan(setup: dict[str, Any], target: int) -> dict[str, list[int]]:
    """Per shop, the platform sequence numbers still to come so the shops hold ``target`` in their shares."""
    from django.db.models import Count

    from orders.models import Order

    have = dict(Order.objects.filter(shop__code__startswith="scale-").values_list("shop__code").annotate(n=Count("id")))
    weights = sum(share for _code, _platform, share, _w in SHOPS)
    plan = {}
    for code, _platform, share, _warehouse in SHOPS:
        wanted = target * share // weights
        start = have.get(code, 0)
        plan[code] = list(range(start, max(start, wanted)))
    # Shops filled unevenly by an earlier (killed) run: never go past ``target`` in total.
    room, planned = max(0, target - sum(have.values())), sum(len(seqs) for seqs in plan.values())
    if planned > room:
        plan = {code: seqs[: len(seqs) * room // planned] for code, seqs in plan.items()}
    short = target - sum(have.get(code, 0) + len(seqs) for code, seqs in plan.items())
    if short > 0:
        first = SHOPS[0][0]
        end = plan[first][-1] + 1 if plan[first] else have.get(first, 0)
        plan[first] += list(range(end, end + short))
    return plan


def scale_chunk(setup: dict[str, Any], plan: dict[str, list[int]], size: int):
    """Take up to ``size`` sequence numbers off the plan, round robin over the shops, as (connection, platform,
    seqs) in pages."""
    platform_of = {code: platform for code, platform, _s, _w in SHOPS}
    taken = 0
    while taken < size and any(plan.values()):
        for code, seqs in plan.items():
            if not seqs:
                continue
            page, plan[code] = seqs[:PAGE], seqs[PAGE:]
            taken += len(page)
            yield setup["connections"][code], platform_of[code], (page, setup["skus"])


def scale_page_store(connection, platform: str, seqs_and_skus) -> int:
    """One poll page of these orders in the platform's format, stored as ``shop_poll`` stores it."""
    from integrations.platforms.client import Page
    from integrations.polling import _page_store
    from integrations.sandbox import data, formats

    seqs, skus = seqs_and_skus
    far = timezone.now().replace(year=timezone.now().year + 50)
    natives = []
    for seq in seqs:
        order = data.generate(connection.app_key, seq, now=far, skus=skus)
        if order is not None:
            natives.append(formats.NATIVE[platform](order))
    now = timezone.now()
    _page_store(connection, platform, Page(orders=natives, raw="", total=len(natives)), now, now, f"{seqs[0]}")
    return len(natives)


def scale_shape(upto: int | None = None) -> int:
    """Give the orders the fill created a year's spread: each is moved back by up to 365 days with all its
    times (a hash of its id decides how far), and an order paid that long ago gets the status it would have by
    then. Closed orders stay closed, on-hold ones (refund requests) closed once old; 2 % of the old paid ones
    were cancelled. Orders shaped by an earlier run are left alone (``bench_api_shaped`` remembers the highest
    id shaped, in the bench database only). Returns how many orders were shaped. Reservations are left as they
    are: the benchmark reads orders and stock levels, it does not ship. ``upto``: shape only up to this id
    (default: all); below the newest ids while a fill still runs, whose batches may not have committed yet."""
    with db_connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_api_shaped (max_id bigint NOT NULL)")
        cursor.execute("SELECT coalesce(max(max_id), 0) FROM bench_api_shaped")
        after = cursor.fetchone()[0]
        if upto is None:
            cursor.execute("SELECT coalesce(max(id), 0) FROM orders_order")
            upto = cursor.fetchone()[0]
        cursor.execute(
            """
            UPDATE orders_order AS o SET
                created_at = o.created_at - m.back,
                updated_at = o.updated_at - m.back,
                placed_at = o.placed_at - m.back,
                paid_at = o.paid_at - m.back,
                promised_ship_at = o.promised_ship_at - m.back,
                hold_reason = CASE WHEN m.back > interval '20 days' THEN '' ELSE o.hold_reason END,
                status = CASE
                    WHEN o.status = 'on_hold' AND m.back > interval '20 days' THEN 'closed'
                    WHEN o.status NOT IN ('paid', 'approved') THEN o.status
                    WHEN m.back > interval '20 days' AND o.id %% 50 = 0 THEN 'cancelled'
                    WHEN m.back > interval '20 days' THEN 'completed'
                    WHEN m.back > interval '10 days' THEN 'delivered'
                    WHEN m.back > interval '5 days' THEN 'in_transit'
                    WHEN m.back > interval '3 days' THEN 'shipped'
                    WHEN m.back > interval '2 days' THEN 'picking'
                    WHEN m.back > interval '1 day' THEN 'approved'
                    ELSE 'paid'
                END
            FROM (
                SELECT id, make_interval(secs => ((id * 2654435761) %% 31536000)::float8) AS back
                FROM orders_order WHERE id > %s AND id <= %s
            ) AS m
            WHERE o.id = m.id
            """,
            [after, upto],
        )
        shaped = cursor.rowcount
        cursor.execute("INSERT INTO bench_api_shaped VALUES (%s)", [max(after, upto)])
        return shaped


def scale_fill(setup: dict[str, Any], target: int, env: dict[str, str], *, workers: int, timeout: float, stream) -> int:
    """Orders through the inbox until the shops hold ``target`` between them, worked through by a ``qcluster``
    of ``workers`` started here (progress on ``stream``); returns how many were new. A killed fill resumes:
    the cluster first finishes the pages still waiting, dedup drops repeats."""
    from integrations.models import InboxMessage, WorkStatus
    from orders.models import Order

    have = Order.objects.filter(shop__code__startswith="scale-").count()
    waiting = InboxMessage.objects.filter(status__in=[WorkStatus.PENDING, WorkStatus.PROCESSING]).exists()
    if have >= target and not waiting:
        stream.write(f"{have} orders already in the database: no fill")
        return 0
    cluster = cluster_start(env)
    try:
        cluster_wait(cluster, workers)
        schedules_hold()
        deadline = time.monotonic() + timeout
        progress = ProgressBar(target, label="fill", stream=stream)
        _inbox_drain(deadline, progress, have)  # pages a killed run left
        have = Order.objects.filter(shop__code__startswith="scale-").count()
        before = have
        plan = scale_plan(setup, target)
        while any(plan.values()):
            natives = 0
            for connection, platform, seqs in scale_chunk(setup, plan, CHUNK):
                natives += scale_page_store(connection, platform, seqs)
            _inbox_drain(deadline, progress, have, natives)
            have = Order.objects.filter(shop__code__startswith="scale-").count()
        progress(have)
    finally:
        child_stop(cluster)
        schedules_release()
    return have - before


def _inbox_drain(deadline: float, progress, have: int, stored: int = 0) -> None:
    """Until the cluster has settled every inbox message (or the time is up)."""
    from integrations.models import InboxMessage, WorkStatus

    while time.monotonic() < deadline:
        unsettled = InboxMessage.objects.filter(status__in=[WorkStatus.PENDING, WorkStatus.PROCESSING])
        left = unsettled.count()
        progress(min(have + max(stored - left, 0), progress.total))
        if not left:
            return
        time.sleep(0.5)
    raise CommandError("the fill did not finish in time (--timeout); run again with --reuse to go on")
