"""The fault drill (``make cluster-check``): nothing lost, nothing done twice, nothing oversold while the cluster
loses a web node, a worker node, Redis and PostgreSQL.

    manage.py cluster_check [--short] [--orders N] [--dir /tmp/orderhub-cluster] [--reuse] [--keep]

1. Brings up the cluster (deploy/cluster.py: HAProxy, two web nodes, two worker clusters, PgBouncer, a
   PostgreSQL primary and streaming replica, Redis), unless ``--reuse`` finds one running.
2. Runs the drill in a child process connected to the cluster's database (``--phase drill``): a Shopify shop
   (signed ``orders/create`` webhooks with the full order) and a Taobao shop (signed TMC thin notices; the
   workers fetch each trade from the platform sandbox the web nodes serve), 20 SKUs with less stock than the
   orders want, and a partner token. Sender threads stream the orders through HAProxy, every 7th sent again
   (a platform's duplicate delivery), plus stock adjustments over the partner API with Idempotency-Keys. Like a
   platform, a sender retries whatever got no 2xx answer.
3. During the stream, one after another: ``kill -9`` web1, ``kill -9`` worker1 (mid-batch), a Redis restart
   (its queue is lost), a PostgreSQL restart (``kill -9`` of the primary, then a start). After each, a probe
   order is sent; ``recovery_s`` is the longest time from a fault until its probe was stored as an order.
4. Reads: the back-office order list through the partner API, counted on PgBouncer per database (replica vs
   primary); then the replica's replay is paused until it lags beyond ``DB_REPLICA_MAX_LAG_SECONDS`` and the
   same reads go to the primary, then resumed.
5. When the senders are done and the inbox has settled, compares what was sent with what is stored and prints a
   summary and one JSON line: ``sent``, ``stored``, ``lost``, ``duplicated``, ``oversold``, ``faults``,
   ``recovery_s``, reads by database, … Exit status 1 if anything was lost, duplicated or oversold.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integrations.benchmarks.drill.run import Drill
from integrations.benchmarks.drill.world import world_build

BASE_DIR = Path(settings.BASE_DIR)


def _cluster_module():
    sys.path.insert(0, str(BASE_DIR / "deploy"))
    import cluster  # deploy/cluster.py: standard library only

    return cluster


class Command(BaseCommand):
    help = "Fault drill on the production topology; last line JSON (sent, stored, lost, duplicated, oversold, …)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=os.environ.get("CLUSTER_DIR", "/tmp/orderhub-cluster"))
        parser.add_argument("--port-base", type=int, default=7100)
        parser.add_argument("--short", action="store_true", help="CI: fewer orders, faults 15 s apart")
        parser.add_argument("--orders", type=int, default=0, help="orders to send (default 1200, short 300)")
        parser.add_argument("--reuse", action="store_true", help="use the cluster already running in --dir")
        parser.add_argument("--keep", action="store_true", help="leave the cluster running afterwards")
        parser.add_argument("--phase", choices=["all", "drill"], default="all", help=False)

    def handle(self, *args, **options):
        if options["phase"] == "drill":
            return self._drill(options)
        cluster = _cluster_module()
        started = time.monotonic()
        state = Path(options["dir"], "cluster.json")
        if options["reuse"] and state.exists():
            topology = cluster.load(options["dir"])
        else:
            topology = cluster.up(options["dir"], options["port_base"])
        up_seconds = time.monotonic() - started
        try:
            child = subprocess.run(
                [sys.executable, "manage.py", "cluster_check", "--phase", "drill", "--dir", options["dir"]]
                + (["--short"] if options["short"] else [])
                + (["--orders", str(options["orders"])] if options["orders"] else []),
                cwd=BASE_DIR,
                env={
                    **os.environ,
                    **topology.app_env(direct=True),
                    "LOG_FORMAT": "plain",
                    "PYTHONUNBUFFERED": "1",
                    "LOG_LEVEL": "WARNING",
                    "CLUSTER_UP_SECONDS": f"{up_seconds:.1f}",
                },
            )
        finally:
            if not options["keep"]:
                cluster.down(options["dir"])
        if child.returncode:
            raise CommandError(
                f"the drill found a problem (exit status {child.returncode}); logs in {options['dir']}/logs"
            )

    # --- the drill, inside the cluster's database --------------------------------------------------------------

    def _drill(self, options):
        cluster = _cluster_module()
        topology = cluster.load(options["dir"])
        short = options["short"]
        orders = options["orders"] or (300 if short else 1200)
        gap = 15.0 if short else 45.0
        world = world_build(topology)
        drill = Drill(topology=topology, world=world, cluster=cluster, out=self.stdout)
        report = drill.run(orders=orders, gap=gap)
        report["cluster_up_s"] = float(os.environ.get("CLUSTER_UP_SECONDS", "0"))
        self._print(report)
        if report["lost"] or report["duplicated"] or report["oversold"]:
            sys.exit(1)

    def _print(self, r):
        w = self.stdout.write
        w("")
        w(
            f"Fault drill: {r['sent']} orders sent ({r['sent_with_duplicates']} deliveries with duplicates), "
            f"{r['adjustments_sent']} stock adjustments, in {r['seconds']:.0f} s"
        )
        w(f"  stored {r['stored']} · lost {r['lost']} · duplicated {r['duplicated']} · oversold {r['oversold']}")
        for fault in r["fault_log"]:
            w(
                f"  fault {fault['fault']:<8} at {fault['at_s']:>5.0f} s: {fault['what']}; orders flowed again after "
                f"{fault['recovery_s']:.1f} s"
            )
        w(
            f"  recovery_s (longest) {r['recovery_s']:.1f} · work held by the killed worker resumed after "
            f"{r['held_work_resumed_s']:.1f} s · inbox settled {r['settled_after_senders']}"
        )
        reads = r["reads"]
        w(
            f"  reads through PgBouncer: replica {reads['replica_queries']} queries, "
            f"primary {reads['primary_queries']} for 20 order-list reads while the replica was fresh (less background)"
        )
        w(
            f"  replica lag fallback: paused replay → lag {reads['lag_when_paused_s']} s > limit "
            f"{reads['max_lag_s']} s → /readyz says reads from {reads['readyz_reads_when_lagging']}; the same reads: "
            f"replica +{reads['replica_queries_when_lagging']}, primary +{reads['primary_queries_when_lagging']}"
        )
        w(f"  HTTP: {r['http_retries']} retries by the senders ({r['http_errors']} never answered 2xx)")
        w(json.dumps({k: v for k, v in r.items() if k != "fault_log"}, ensure_ascii=False))
