"""Benchmark stock reservation under parallel writers against the configured database.

    manage.py bench_reserve --workers 8 --orders 20000 --mode hot
    manage.py bench_reserve --workers 8 --orders 20000 --mode spread --lines 1

W worker processes (or threads with --threads) reserve stock for N orders through the real service,
``inventory.services.order_stock_reserve``, each order in its own transaction. ``hot``: every order wants
the same SKU; ``spread``: each order wants random SKUs out of --skus (1,000). The command creates its own
location, SKUs and stock (prefix BENCH-), checks the result — oversold units, ledger vs levels, active
reservations vs reserved — and deletes everything it created. It prints a summary and ends with one line
of JSON: reservations_per_s, oversold, deadlocks, …
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import threading
import time
import uuid

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, close_old_connections, connection, connections, transaction
from django.db.models import Sum
from django.test.utils import override_settings

from config.pgbench import pgbench_ceiling, pgbench_line
from config.progress import ProgressBar
from inventory.models import SKU, Pool, Reservation, Stock, StockMovement, Warehouse
from inventory.selectors import stock_ledger_mismatches
from inventory.services import LineDemand, order_stock_reserve

DEADLOCK = "40P01"


def _is_deadlock(exc: BaseException) -> bool:
    cause = exc.__cause__ or exc
    return getattr(cause, "sqlstate", None) == DEADLOCK or "deadlock" in str(exc).lower()


def _plan(*, orders: int, mode: str, lines: int, sku_ids: list[int], seed: int) -> list[list[tuple[int, int]]]:
    """For each order: [(sku_id, quantity)], in a random line order."""
    rng = random.Random(seed)
    if mode == "hot":
        return [[(sku_ids[0], 1)] for _ in range(orders)]
    return [[(sku_id, 1) for sku_id in rng.sample(sku_ids, lines)] for _ in range(orders)]


def _work(index, order_indexes, plan, warehouse_id, start, progress, out):
    """One worker: reserve its orders, one transaction each. Runs in a child process or a thread."""
    ok = short = deadlocks = errors = lines = 0
    first_error = ""
    start.wait()
    began, cpu = time.perf_counter(), time.process_time()
    for n, i in enumerate(order_indexes, 1):
        order_id = -(i + 1)  # negative ids: bench reservations can never meet a real order's
        try:
            # The service is its own transaction (one statement when every line is on one stock row).
            result = order_stock_reserve(
                order_id=order_id,
                reference=f"BENCH{i}",
                lines=[
                    LineDemand(line_id=order_id * 100 - j, sku_id=sku_id, quantity=quantity)
                    for j, (sku_id, quantity) in enumerate(plan[i])
                ],
                warehouse_id=warehouse_id,
                system="bench",
            )
            ok += result.ok
            short += not result.ok
            lines += result.created
        except OperationalError as exc:
            if _is_deadlock(exc):
                deadlocks += 1
            else:
                errors += 1
                first_error = first_error or repr(exc)
        except Exception as exc:  # noqa: BLE001 - counted and reported
            errors += 1
            first_error = first_error or repr(exc)
        progress[index] = n
    ended, cpu = time.perf_counter(), time.process_time() - cpu
    connection.close()
    out.put(
        {
            "began": began,
            "ended": ended,
            "cpu": cpu,
            "ok": ok,
            "lines": lines,
            "short": short,
            "deadlocks": deadlocks,
            "errors": errors,
            "first_error": first_error,
        }
    )


class Command(BaseCommand):
    help = "Benchmark parallel stock reservations (hot SKU or spread over many SKUs); ends with one JSON line."

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=8)
        parser.add_argument("--orders", type=int, default=10000)
        parser.add_argument("--mode", choices=["hot", "spread"], default="hot")
        parser.add_argument("--lines", type=int, default=1, help="SKUs per order in spread mode (default 1).")
        parser.add_argument("--skus", type=int, default=1000, help="SKUs in spread mode (default 1,000).")
        parser.add_argument(
            "--stock",
            type=int,
            default=None,
            help="Units per SKU (default: enough for every order; less makes a sell-out).",
        )
        parser.add_argument("--threads", action="store_true", help="Threads instead of processes.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--keep", action="store_true", help="Leave the bench data in place.")
        parser.add_argument("--pgbench-seconds", type=int, default=10, help="pgbench after the run (0: none).")

    def handle(self, *args, workers, orders, mode, lines, skus, stock, threads, seed, keep, pgbench_seconds, **options):
        if workers < 1 or orders < 1:
            raise CommandError("--workers and --orders must be at least 1")
        if mode == "spread" and not 1 <= lines <= skus:
            raise CommandError("--lines must be between 1 and --skus")
        load_before = os.getloadavg()[0]  # other work on the machine skews the figures: say so
        prefix = f"BENCH-{uuid.uuid4().hex[:6].upper()}"
        sku_count = 1 if mode == "hot" else skus
        warehouse, sku_ids = self._setup(prefix, sku_count)
        plan = _plan(orders=orders, mode=mode, lines=lines, sku_ids=sku_ids, seed=seed)
        demand: dict[int, int] = {}
        for order in plan:
            for sku_id, quantity in order:
                demand[sku_id] = demand.get(sku_id, 0) + quantity
        initial = {sku_id: (stock if stock is not None else demand.get(sku_id, 0)) for sku_id in sku_ids}
        self._stock(warehouse, initial, prefix)
        vendor = connection.vendor
        self.stdout.write(
            f"bench_reserve: {mode}, {orders} orders × {1 if mode == 'hot' else lines} line(s), {workers} "
            f"{'threads' if threads else 'processes'}, {sku_count} SKU(s), {sum(initial.values())} units, on {vendor}"
        )
        try:
            with override_settings(DEBUG=False):  # measure the production configuration: no query logging
                outcome = self._run(workers, orders, plan, warehouse.pk, threads)
            check = self._check(warehouse, sku_ids, initial)
        finally:
            if not keep:
                self._cleanup(warehouse, sku_ids)
        wall = max(r["ended"] for r in outcome) - min(r["began"] for r in outcome)
        ok = sum(r["ok"] for r in outcome)
        reserved_lines = sum(r["lines"] for r in outcome)
        summary = {
            "mode": mode,
            "workers": workers,
            "orders": orders,
            "lines_per_order": 1 if mode == "hot" else lines,
            "skus": sku_count,
            "backend": vendor,
            "parallelism": "threads" if threads else "processes",
            "seconds": round(wall, 3),
            "orders_reserved": ok,
            "short": sum(r["short"] for r in outcome),
            "reservations": reserved_lines,
            # one reservation per order line; orders_per_s counts every order handled, short ones too
            "reservations_per_s": round(reserved_lines / wall, 1) if wall else None,
            "orders_per_s": round(orders / wall, 1) if wall else None,
            "oversold": check["oversold"],
            "deadlocks": sum(r["deadlocks"] for r in outcome),
            "errors": sum(r["errors"] for r in outcome),
            "ledger_mismatches": check["ledger_mismatches"],
            # Python CPU per order in the workers (processes only: threads share one process clock).
            "client_cpu_ms_per_order": None if threads else round(1000 * sum(r["cpu"] for r in outcome) / orders, 3),
            "load_average_before": round(load_before, 2),
        }
        ceiling = pgbench_ceiling(f"stock_{mode}", clients=workers, seconds=pgbench_seconds)
        summary["pgbench_tps"] = ceiling.get("tps")
        summary["pgbench"] = ceiling
        first_error = next((r["first_error"] for r in outcome if r["first_error"]), "")
        self.stdout.write(
            f"  {ok} orders reserved ({summary['short']} short), {reserved_lines} line reservations in {wall:.2f}s = "
            f"{summary['reservations_per_s']} reservations/s, {summary['orders_per_s']} orders/s; "
            f"oversold {summary['oversold']}, deadlocks {summary['deadlocks']}, errors {summary['errors']}, "
            f"ledger mismatches {summary['ledger_mismatches']}"
        )
        self.stdout.write(f"  {pgbench_line(ceiling)}")
        if first_error:
            self.stdout.write(f"  first error: {first_error}")
        self.stdout.write(json.dumps(summary))

    # --- setup, run, check, cleanup ----------------------------------------------------------------------

    def _setup(self, prefix: str, count: int) -> tuple[Warehouse, list[int]]:
        warehouse = Warehouse.objects.create(code=prefix.lower(), name=f"{prefix} bench", priority=30000)
        SKU.objects.bulk_create([SKU(code=f"{prefix}-{i:05d}", name=f"{prefix} SKU {i}") for i in range(count)])
        return warehouse, list(
            SKU.objects.filter(code__startswith=f"{prefix}-").order_by("pk").values_list("pk", flat=True)
        )

    def _stock(self, warehouse: Warehouse, initial: dict[int, int], prefix: str) -> None:
        """Opening stock with its receipt rows in the ledger (written directly: no order retries for bench SKUs)."""
        with transaction.atomic():
            Stock.objects.bulk_create(
                [Stock(sku_id=s, warehouse=warehouse, pool=Pool.SPOT, on_hand=q) for s, q in initial.items()]
            )
            StockMovement.objects.bulk_create(
                [
                    StockMovement(
                        kind="receipt", sku_id=s, warehouse=warehouse, on_hand_delta=q, reference=prefix, system="bench"
                    )
                    for s, q in initial.items()
                    if q
                ]
            )

    def _run(self, workers: int, orders: int, plan, warehouse_id: int, threads: bool) -> list[dict]:
        slices = [list(range(w, orders, workers)) for w in range(workers)]
        if threads:
            start, out = threading.Barrier(workers + 1), __import__("queue").Queue()
            progress = [0] * workers
            runners = [
                threading.Thread(target=_work, args=(w, slices[w], plan, warehouse_id, start, progress, out))
                for w in range(workers)
            ]
        else:
            ctx = mp.get_context("fork")
            connections.close_all()  # children open their own connections
            start, out = ctx.Barrier(workers + 1), ctx.Queue()
            progress = ctx.Array("i", workers, lock=False)
            runners = [
                ctx.Process(target=_work, args=(w, slices[w], plan, warehouse_id, start, progress, out))
                for w in range(workers)
            ]
        for runner in runners:
            runner.start()
        start.wait()
        bar = ProgressBar(orders, label="orders", stream=self.stderr._out)
        results = []
        while len(results) < workers:
            bar(sum(progress))
            try:
                results.append(out.get(timeout=0.25))
            except Exception:  # noqa: BLE001 - queue.Empty from either queue type
                if not any(r.is_alive() for r in runners) and out.empty():
                    break
        for runner in runners:
            runner.join()
        bar(orders)
        close_old_connections()
        if len(results) < workers:
            raise CommandError(f"{workers - len(results)} workers died; see the errors above")
        return results

    def _check(self, warehouse: Warehouse, sku_ids: list[int], initial: dict[int, int]) -> dict:
        held = dict(
            Reservation.objects.filter(stock__warehouse=warehouse, state=Reservation.State.ACTIVE)
            .values_list("stock__sku_id")
            .annotate(total=Sum("quantity"))
            .order_by()
        )
        oversold = sum(max(0, held.get(s, 0) - initial[s]) for s in sku_ids)
        levels = Stock.objects.filter(warehouse=warehouse)
        oversold += sum(max(0, row.reserved - row.on_hand) for row in levels)
        mismatches = [p for p in stock_ledger_mismatches(sku_ids=sku_ids)]
        return {"oversold": oversold, "ledger_mismatches": len(mismatches)}

    def _cleanup(self, warehouse: Warehouse, sku_ids: list[int]) -> None:
        """Raw deletes: no signals, so no history rows for data that only the benchmark ever saw."""
        with transaction.atomic():
            StockMovement.objects.filter(warehouse=warehouse)._raw_delete(connection.alias)
            Reservation.objects.filter(stock__in=Stock.objects.filter(warehouse=warehouse))._raw_delete(
                connection.alias
            )
            Stock.objects.filter(warehouse=warehouse)._raw_delete(connection.alias)
            SKU.objects.filter(pk__in=sku_ids)._raw_delete(connection.alias)
            Warehouse.objects.filter(pk=warehouse.pk)._raw_delete(connection.alias)
            Warehouse.history.filter(id=warehouse.pk).delete()
