"""The drill's verdict: what was sent compared with what the cluster's database holds."""

from __future__ import annotations

from integrations.benchmarks.drill.world import World


def drill_compare(world: World, deliveries: list, with_duplicates: int, adjustments_ok: list[str]) -> dict:
    """What was sent against what is stored: lost, duplicated, oversold (orders, stock adjustments,
    reservations, the stock ledger)."""
    from django.db.models import Count

    from integrations.benchmarks.invariants import invariants_count
    from inventory.models import StockMovement
    from orders.models import Order

    shops = [world.shopify.shop, world.taobao.shop]
    counted = invariants_count(
        sent=[(d.platform, d.external_id) for d in deliveries], shops=shops, warehouses=[world.warehouse]
    )
    adjust_keys = list(
        StockMovement.objects.filter(reference__startswith=f"drill-adj-{world.run}-").values_list(
            "reference", flat=True
        )
    )
    duplicate_adjustments = len(adjust_keys) - len(set(adjust_keys))
    lost_adjustments = len(set(adjustments_ok) - set(adjust_keys))
    by_status = dict(Order.objects.filter(shop__in=shops).values_list("status").annotate(n=Count("id")))
    return {
        "sent": counted.sent,
        "sent_with_duplicates": with_duplicates,
        "stored": counted.stored,
        "lost": counted.lost + lost_adjustments,
        "duplicated": counted.duplicated + duplicate_adjustments,
        "oversold": counted.oversold,
        "ledger_mismatches": counted.ledger_mismatches,
        "adjustments_sent": len(adjustments_ok),
        "adjustments_applied": len(set(adjust_keys)),
        "orders_by_status": by_status,
    }
