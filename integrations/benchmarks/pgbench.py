"""PostgreSQL's own ceiling for ``bench_api``: pgbench reading one order by primary key (config/pgbench.py runs it)."""

from __future__ import annotations

from config.pgbench import pgbench_run


def pgbench_orders_read(max_id: int, clients: int, seconds: int) -> dict[str, float]:
    """pgbench reading one order by primary key (select-only, prepared) with ``clients`` clients for
    ``seconds``; ``{"tps", "latency_ms"}``, empty without pgbench."""
    script = (
        f"\\set id random(1, {max(1, max_id)})\nSELECT number, status, paid_amount FROM orders_order WHERE id = :id;\n"
    )
    return pgbench_run(script, clients=clients, seconds=seconds)
