"""``manage.py qcluster``: django-q2's worker cluster, registering the schedules first and stopping gracefully
on SIGTERM/SIGINT within ``Q_STOP_GRACE_SECONDS`` (config/workers.py). Replaces django-q2's command of the
same name (config comes before django_q in INSTALLED_APPS)."""

import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from config.heap import heap_freeze
from config.schedules import schedules_sync


class Command(BaseCommand):
    help = "Start a worker cluster (django-q2): registers the schedules, stops gracefully on SIGTERM."

    def add_arguments(self, parser):
        parser.add_argument("--run-once", action="store_true", help="Start, then stop at once (a smoke test).")
        parser.add_argument(
            "-n",
            "--name",
            dest="cluster_name",
            default=None,
            help="Work on another cluster's queue (as Q_CLUSTER_NAME).",
        )

    def handle(self, *args, **options):
        from config.workers import GracefulCluster, log

        if options["cluster_name"]:
            os.environ["Q_CLUSTER_NAME"] = options["cluster_name"]
        synced = schedules_sync()
        heap_freeze()  # before the workers are forked: they inherit it (config/heap.py)
        cluster = GracefulCluster()
        cluster.start()
        log.info(
            "worker cluster %s up: %s workers, broker %s; schedules %d created, %d updated, %d removed",
            cluster.name,
            settings.Q_CLUSTER["workers"],
            "redis" if settings.Q_REDIS_URL else "database",
            synced.created,
            synced.updated,
            synced.removed,
        )
        if options["run_once"]:
            cluster.stop_within(settings.Q_STOP_GRACE_SECONDS)
            return
        sys.exit(cluster.run_until_signalled())
