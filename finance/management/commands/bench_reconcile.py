"""Benchmark: ``manage.py bench_reconcile --lines N``.

Generates orders (with platform/merchant coupons, postage, partial and full refunds) in a benchmark shop and
an Alipay trade bill (业务明细: GBK, ``#`` header and footer totals) of N lines that matches them with
realistic noise — 0.6% fees rounded per line, coupons split between platform and merchant, refunds with
their returned fees — and a few percent of planted differences, one kind of each type. It then imports the
file and reconciles its dates on the configured database, and checks that every planted difference was
found with its type and that nothing else was flagged.

``seconds`` covers the import (parse, COPY, match) and the reconciliation; generating the orders and the
file is reported separately. ``peak_mb`` is the peak resident memory of this process (the database server's
memory is not included). Previous benchmark data is removed first; ``--keep`` leaves this run's data.
The last line of output is one JSON object.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import resource
import tempfile
import time
from decimal import ROUND_HALF_UP, Decimal

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from aftersales.models import Case
from config.progress import ProgressBar
from finance.formats.base import SHANGHAI, normalise_ref
from finance.models import Difference, LegalEntity, ShopEntity, Statement
from finance.services.reconciliation import reconcile
from finance.services.statements import statement_import, statement_lines_delete, statement_upload
from orders.models import Order, Shop, Source
from orders.states import Status

BENCH_SHOP = "bench-reconcile"
BENCH_ENTITY = "bench-reconcile"
FIRST_DAY = dt.date(2031, 3, 1)
TYPES = (
    "missing_in_hub",
    "missing_in_statement",
    "amount_mismatch",
    "refund_not_recorded",
    "unexpected_fee",
    "coupon_allocation",
    "duplicate_charge",
    "cross_period",
)
HEADER = (
    "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,"
    "商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,"
    "卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注"
)
RATE = Decimal("0.006")
BATCH = 5000


def yuan(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def fee_cents(cents: int) -> int:
    """0.6% of an amount, rounded half up, in cents."""
    return int((Decimal(abs(cents)) * RATE).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


class Command(BaseCommand):
    help = "Generate N statement lines with planted differences, import and reconcile them, and report."

    def add_arguments(self, parser):
        parser.add_argument("--lines", type=int, required=True, help="statement lines to generate")
        parser.add_argument("--days", type=int, default=3, help="days the payments spread over")
        parser.add_argument(
            "--planted-rate", type=float, default=0.02, help="share of orders with a planted difference"
        )
        parser.add_argument("--refund-rate", type=float, default=0.05, help="share of orders with a refund")
        parser.add_argument("--seed", type=int, default=20261111)
        parser.add_argument("--keep", action="store_true", help="keep this run's orders, statement and differences")

    def handle(
        self, *args, lines: int, days: int, planted_rate: float, refund_rate: float, seed: int, keep: bool, **options
    ):
        if lines < 100:
            raise CommandError("--lines must be at least 100")
        err = self.stderr._out
        shop, entity = self._setup()
        self.stdout.write(f"database: {connection.vendor} ({connection.settings_dict.get('NAME')})")
        removed = self._cleanup(shop, entity)
        if removed:
            self.stdout.write(f"removed the previous benchmark's data ({removed} orders)")

        # One transaction, rolled back at the end unless --keep: removing a million bulk-inserted orders row
        # by row (with every foreign key that points at them checked) would take longer than the benchmark.
        with transaction.atomic():
            result = self._run(
                shop,
                entity,
                lines=lines,
                days=days,
                planted_rate=planted_rate,
                refund_rate=refund_rate,
                seed=seed,
                err=err,
            )
            if not keep:
                transaction.set_rollback(True)
        if not keep:
            default_storage.delete(result.pop("stored_file"))
        else:
            result.pop("stored_file")
        self.stdout.write(json.dumps(result))

    def _run(self, shop, entity, *, lines, days, planted_rate, refund_rate, seed, err) -> dict:
        started = time.monotonic()
        fd, path = tempfile.mkstemp(prefix="bench-reconcile-", suffix=".csv")
        os.close(fd)
        try:
            planted, orders = self._generate(
                path,
                shop,
                lines=lines,
                days=days,
                planted_rate=planted_rate,
                refund_rate=refund_rate,
                seed=seed,
                progress=ProgressBar(lines, label="generate", stream=err),
            )
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:  # as autovacuum would have done for orders arriving over time
                    cursor.execute(f"ANALYZE {Order._meta.db_table}")
                    cursor.execute(f"ANALYZE {Case._meta.db_table}")
            generated = time.monotonic() - started
            size_mb = os.path.getsize(path) / 1e6
            self.stdout.write(f"generated {orders} orders and {lines} lines ({size_mb:.1f} MB) in {generated:.1f} s")

            t0 = time.monotonic()
            with open(path, "rb") as handle:
                statement = statement_upload(file=handle, filename=f"bench-{lines}.csv", entity=entity, shop=shop)
            bar = ProgressBar(100, label="import", stream=err)
            statement = statement_import(statement_id=statement.pk, progress=bar)
            bar(100)
            imported = time.monotonic() - t0
        finally:
            os.unlink(path)
        if statement.status != Statement.Status.IMPORTED:
            raise CommandError(f"import failed: {statement.message}")
        self.stdout.write(
            f"imported {statement.line_count} lines in {imported:.1f} s "
            f"({statement.line_count / imported:,.0f} lines/s), {statement.matched_count} matched, "
            f"totals {'agree' if statement.totals_ok else 'DO NOT agree'}"
        )

        t1 = time.monotonic()
        run = reconcile(
            date_from=FIRST_DAY,
            date_to=FIRST_DAY + dt.timedelta(days=days),
            progress=ProgressBar(0, label="reconcile", stream=err),
        )
        reconciled = time.monotonic() - t1
        seconds = imported + reconciled
        self.stdout.write(f"reconciled {run.stats['orders']:,} orders in {reconciled:.1f} s: {run.stats['by_type']}")
        self.stdout.write(f"  timings: {run.stats['timings']}")

        found = self._found(shop, entity)
        planted_found = len(planted & found)
        false_positives = found - planted
        missed = planted - found
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        for kind in TYPES:
            p = sum(1 for t, _k in planted if t == kind)
            f = sum(1 for t, _k in planted & found if t == kind)
            self.stdout.write(f"  {kind:22s} planted {p:6d}  found {f:6d}")
        if missed:
            self.stdout.write(f"missed (first 10): {sorted(missed)[:10]}")
        if false_positives:
            self.stdout.write(f"false positives (first 10): {sorted(false_positives)[:10]}")
        self.stdout.write(
            f"total {seconds:.1f} s for {lines:,} lines = {lines / seconds:,.0f} lines/s; peak memory {peak_mb:.0f} MB"
        )
        return {
            "lines": lines,
            "orders": orders,
            "database": connection.vendor,
            "load_average": round(os.getloadavg()[0], 2),  # other work on the machine skews the figures
            "seconds": round(seconds, 2),
            "import_seconds": round(imported, 2),
            "reconcile_seconds": round(reconciled, 2),
            "generate_seconds": round(generated, 2),
            "lines_per_second": round(lines / seconds),
            "peak_mb": round(peak_mb, 1),
            "planted": len(planted),
            "planted_found": planted_found,
            "false_positives": len(false_positives),
            "totals_ok": statement.totals_ok,
            "stored_file": statement.file.name,
        }

    # --- set-up and clean-up ------------------------------------------------------------------------------

    def _setup(self) -> tuple[Shop, LegalEntity]:
        shop, _ = Shop.objects.get_or_create(
            code=BENCH_SHOP, defaults={"name": "对账基准测试店", "platform": "tmall", "is_active": False}
        )
        entity, _ = LegalEntity.objects.get_or_create(code=BENCH_ENTITY, defaults={"name": "对账基准测试公司"})
        ShopEntity.objects.get_or_create(shop=shop, defaults={"entity": entity})
        return shop, entity

    def _cleanup(self, shop: Shop, entity: LegalEntity) -> int:
        """Raw deletes: the benchmark's rows were bulk-inserted and have no history to keep."""
        orders = Order._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM finance_differencecomment WHERE difference_id IN "
                f"(SELECT id FROM {Difference._meta.db_table} WHERE entity_id = %s OR shop_id = %s)",
                [entity.pk, shop.pk],
            )
            cursor.execute(
                f"DELETE FROM {Difference._meta.db_table} WHERE entity_id = %s OR shop_id = %s", [entity.pk, shop.pk]
            )
            for statement in Statement.objects.filter(entity=entity):
                statement_lines_delete(statement_id=statement.pk)
                statement.file.delete(save=False)
                statement.delete()
            cursor.execute(
                f"DELETE FROM {Case._meta.db_table} WHERE order_id IN (SELECT id FROM {orders} WHERE shop_id = %s)",
                [shop.pk],
            )
            cursor.execute(f"DELETE FROM {orders} WHERE shop_id = %s", [shop.pk])
            return cursor.rowcount

    # --- generation -------------------------------------------------------------------------------------------

    def _generate(self, path, shop, *, lines, days, planted_rate, refund_rate, seed, progress):
        rnd = random.Random(seed)
        tag = f"{seed % 10000:04d}"
        planted: set[tuple[str, str]] = set()
        order_batch: list[Order] = []
        refund_batch: list[tuple[str, int, dt.datetime]] = []  # (order number, cents, when)
        written = 0
        orders = 0
        totals = {"trade": [0, 0, 0], "refund": [0, 0, 0]}  # count, amount, fee (cents)
        span = days * 86400
        expected_orders = max(1, int(lines / (1 + refund_rate + planted_rate / 4)))
        step = span / expected_orders
        start = dt.datetime.combine(FIRST_DAY, dt.time(), tzinfo=SHANGHAI)
        now = timezone.now()

        out = open(path, "w", encoding="gbk", newline="")
        out.write("#支付宝业务明细查询\r\n#账号：[20889999999999990156]\r\n")
        out.write(
            f"#起始日期：[{FIRST_DAY:%Y年%m月%d日} 00:00:00]   "
            f"终止日期：[{FIRST_DAY + dt.timedelta(days=days + 1):%Y年%m月%d日} 00:00:00]\r\n"
        )
        out.write("#-----------------------------------------业务明细列表----------------------------------------\r\n")
        out.write(HEADER + "\r\n")

        def line(txn, ref, kind, when, gross, amount, platform, merchant, refund_ref, fee):
            nonlocal written
            stamp = when.strftime("%Y-%m-%d %H:%M:%S")
            out.write(
                f"{txn}\t,{ref}\t,{kind},基准商品,{stamp},{stamp},,,,,b**r@alipay,{yuan(gross)},{yuan(amount)},"
                f"{yuan(platform)},0.00,0.00,{yuan(merchant)},0.00,,0.00,0.00,{refund_ref},{yuan(fee)},0.00,\r\n"
            )
            bucket = totals["trade" if kind == "交易" else "refund"]
            bucket[0] += 1
            bucket[1] += amount
            bucket[2] += fee
            written += 1

        def flush(final=False):
            refunds_due = refund_batch and (final or len(refund_batch) >= BATCH)
            if order_batch and (final or refunds_due or len(order_batch) >= BATCH):
                Order.objects.bulk_create(order_batch, batch_size=BATCH)
                order_batch.clear()
            if refunds_due:
                ids = dict(
                    Order.objects.filter(number__in=[n for n, _c, _w in refund_batch]).values_list("number", "id")
                )
                Case.objects.bulk_create(
                    [
                        Case(
                            number=f"ASB{n}",
                            order_id=ids[n],
                            external_id=f"R{n}",
                            kind=Case.Kind.REFUND_ONLY,
                            status=Case.Status.REFUNDED,
                            amount=Decimal(c) / 100,
                            requested_at=w,
                            refunded_at=w,
                        )
                        for n, c, w in refund_batch
                    ],
                    batch_size=BATCH,
                )
                refund_batch.clear()

        i = 0
        ghost = 0
        while written < lines:
            i += 1
            paid_at = start + dt.timedelta(seconds=int(i * step))
            if paid_at >= start + dt.timedelta(seconds=span):
                paid_at = start + dt.timedelta(seconds=rnd.randrange(span))
            number = f"BX{tag}{i:09d}"
            ref = f"BX{tag}-{i:09d}"
            txn = f"2031{tag}{i:016d}"
            goods = rnd.randrange(1000, 99900)
            dp = rnd.choice((0, 0, 0, 500, 1000, 2000)) if goods > 5000 else 0
            dm = rnd.choice((0, 0, 0, 300, 500, 1000)) if goods > 5000 else 0
            ship = rnd.choice((0, 0, 0, 600, 800))
            kind = None
            if rnd.random() < planted_rate:
                kind = TYPES[rnd.randrange(len(TYPES))]
            if kind == "coupon_allocation" and not (dp and dm):
                dp, dm = 500, 500
                goods = max(goods, 6000)
            if kind == "cross_period":
                day = (paid_at - start).days
                paid_at = start + dt.timedelta(days=day, hours=23, minutes=59, seconds=rnd.randrange(50))
            if kind == "duplicate_charge" and paid_at.astimezone(SHANGHAI).hour == 23:
                paid_at -= dt.timedelta(hours=1)
            paid = goods - dp - dm + ship
            gross = paid + dp + dm
            if kind == "missing_in_hub":
                ghost += 1
                ghost_ref = f"BX{tag}-9{ghost:08d}"
                line(f"2031{tag}9{ghost:015d}", ghost_ref, "交易", paid_at, gross, paid, dp, dm, "", -fee_cents(paid))
                planted.add((kind, normalise_ref(ghost_ref)))
                progress(written)
                continue
            orders += 1
            order_batch.append(
                Order(
                    number=number,
                    shop=shop,
                    external_id=f"TB{tag}{i:012d}",
                    source=Source.DEMO,
                    status=Status.PAID,
                    currency="CNY",
                    goods_amount=Decimal(goods) / 100,
                    discount_platform=Decimal(dp) / 100,
                    discount_merchant=Decimal(dm) / 100,
                    shipping_fee=Decimal(ship) / 100,
                    paid_amount=Decimal(paid) / 100,
                    payment_method="alipay",
                    placed_at=paid_at,
                    paid_at=paid_at,
                    promised_ship_at=paid_at + dt.timedelta(hours=48),
                    created_at=now,
                )
            )
            if kind is not None:
                planted.add((kind, number))
            if kind == "missing_in_statement":
                flush()
                continue
            amount, fee, platform, merchant, when = paid, -fee_cents(paid), dp, dm, paid_at
            if kind == "amount_mismatch":
                amount = paid - rnd.randrange(100, min(999, paid - 1))
                fee = -fee_cents(amount)
            elif kind == "unexpected_fee":
                fee -= rnd.randrange(50, 500)
            elif kind == "coupon_allocation":
                platform, merchant = dp + dm, 0
            elif kind == "cross_period":
                when = paid_at + dt.timedelta(seconds=70)
            line(txn, ref, "交易", when, gross, amount, platform, merchant, "", fee)
            if kind == "duplicate_charge":
                line(
                    f"2031{tag}8{i:015d}",
                    ref,
                    "交易",
                    when + dt.timedelta(minutes=5),
                    gross,
                    amount,
                    platform,
                    merchant,
                    "",
                    fee,
                )
            refund_cents = 0
            if kind == "refund_not_recorded":
                refund_cents = max(100, paid // 3)
                line(
                    txn,
                    ref,
                    "退款",
                    paid_at + dt.timedelta(minutes=30),
                    0,
                    -refund_cents,
                    0,
                    0,
                    f"RX{number}",
                    fee_cents(refund_cents),
                )
            elif kind is None and rnd.random() < refund_rate and written < lines:
                refund_cents = paid if rnd.random() < 0.5 else max(100, paid * rnd.randrange(10, 60) // 100)
                refunded_at = paid_at + dt.timedelta(minutes=rnd.randrange(10, 300))
                line(txn, ref, "退款", refunded_at, 0, -refund_cents, 0, 0, f"R{number}", fee_cents(refund_cents))
                refund_batch.append((number, refund_cents, refunded_at))
            flush()
            progress(written)
        flush(final=True)
        progress(written)
        out.write("#-----------------------------------------业务明细列表结束------------------------------------\r\n")
        for label, key in (("交易", "trade"), ("退款", "refund")):
            count, amount, fee = totals[key]
            out.write(f"#{label}合计：{count}笔，商家实收共{yuan(amount)}元，服务费共{yuan(fee)}元\r\n")
        out.write(f"#导出时间：[{timezone.localtime():%Y年%m月%d日 %H:%M:%S}]\r\n")
        out.close()
        return planted, orders

    def _found(self, shop: Shop, entity: LegalEntity) -> set[tuple[str, str]]:
        found = set()
        rows = (
            Difference.objects.filter(entity=entity)
            .values_list("type", "order__number", "line__order_key")
            .iterator(chunk_size=10000)
        )
        for kind, number, key in rows:
            found.add((kind, number or key or ""))
        return found
