"""Where the drill's reads go: counted on PgBouncer per database (the replica while it is fresh, the primary
once its replay lags beyond ``DB_REPLICA_MAX_LAG_SECONDS``)."""

from __future__ import annotations

import json
import time

from integrations.benchmarks.drill.world import World, reader_token
from integrations.benchmarks.http_load import http_get


def pgbouncer_queries(cluster, topology) -> dict[str, int]:
    """Queries PgBouncer has passed on so far, per database."""
    rows = cluster.psql(topology.pgbouncer, "SHOW STATS", database="pgbouncer")
    counts = {}
    for line in rows.splitlines():
        cells = line.split("|")
        if len(cells) > 4:
            counts[cells[0]] = int(cells[2])  # database | total_xact_count | total_query_count | …
    return counts


def _list_reads(topology, token: str, count: int) -> None:
    for _ in range(count):
        http_get(topology.haproxy, "/api/v1/orders/", {"Authorization": f"Token {token}"})


def _measured(cluster, topology, read) -> dict[str, int]:
    """Queries PgBouncer passed to the replica and the primary while ``read()`` ran, less what passed in the
    same time just before without it (health checks, lag probes, the drill's other traffic)."""
    first = pgbouncer_queries(cluster, topology)
    started = time.monotonic()
    read()
    took = time.monotonic() - started
    second = pgbouncer_queries(cluster, topology)
    time.sleep(took)
    third = pgbouncer_queries(cluster, topology)
    out = {}
    for name, database in (("replica", "orderhub_replica"), ("primary", "orderhub")):
        during = second.get(database, 0) - first.get(database, 0)
        background = third.get(database, 0) - second.get(database, 0)
        out[name] = max(during - background, 0)
    return out


def reads_fresh(cluster, topology, world: World) -> dict:
    """The order list read 20 times while the replica is fresh: how many queries went to each database."""
    time.sleep(2)  # the token's user has not written yet: not pinned
    counted = _measured(cluster, topology, lambda: _list_reads(topology, world.token, 20))
    return {"replica_queries": counted["replica"], "primary_queries": counted["primary"]}


def reads_lagging(cluster, topology, world: World) -> dict:
    """Pause the replica's replay until it lags beyond the limit; the same reads then go to the primary."""
    reader = reader_token(world)
    cluster.psql(topology.replica, "SELECT pg_wal_replay_pause()")
    try:
        limit = int(topology.app_env()["DB_REPLICA_MAX_LAG_SECONDS"])
        deadline = time.monotonic() + 60
        lag = 0.0
        while time.monotonic() < deadline:
            lag = float(
                cluster.psql(
                    topology.replica,
                    "SELECT COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)",
                )
            )
            if lag > limit + 1:
                break
            time.sleep(0.5)
        time.sleep(1.5)  # each web process measures the lag at most once a second
        readyz = json.loads(http_get(topology.haproxy, "/readyz", {})[1] or "{}")

        def reads():
            for _ in range(20):
                http_get(topology.haproxy, "/api/v1/orders/", {"Authorization": f"Token {reader}"})

        counted = _measured(cluster, topology, reads)
    finally:
        cluster.psql(topology.replica, "SELECT pg_wal_replay_resume()")
    return {
        "max_lag_s": limit,
        "lag_when_paused_s": round(lag, 1),
        "readyz_reads_when_lagging": readyz.get("checks", {}).get("replica", {}).get("reads", "?"),
        "replica_queries_when_lagging": counted["replica"],
        "primary_queries_when_lagging": counted["primary"],
    }
