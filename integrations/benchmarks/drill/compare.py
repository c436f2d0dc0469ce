"""The drill's verdict: what was sent compared with what the cluster's database holds."""

from __future__ import annotations

from integrations.benchmarks.drill.world import World


def drill_compare(world: World, deliveries: list, with_duplicates: int, adjustments_ok: list[str]) -> dict:
    """What was sent against what is stored: lost, duplicated, oversold (orders, stock adjustments,
    reservations, the stock ledger)."""
    from django.db.models import Count, F, Sum

    from inventory.models import Reservation, Stock, StockMovement
    from inventory.selectors import stock_ledger_mismatches
    from orders.models import Order, OrderLine

    sent = {(d.platform, d.external_id) for d in deliveries}
    shops = {"shopify": world.shopify.shop, "taobao": world.taobao.shop}
    stored_rows = list(Order.objects.filter(shop__in=shops.values()).values_list("shop__platform", "external_id"))
    stored = {(platform, external) for platform, external in stored_rows}
    duplicate_orders = len(stored_rows) - len(stored)
    lost = len(sent - stored)
    adjust_keys = list(
        StockMovement.objects.filter(reference__startswith=f"drill-adj-{world.run}-").values_list(
            "reference", flat=True
        )
    )
    duplicate_adjustments = len(adjust_keys) - len(set(adjust_keys))
    lost_adjustments = len(set(adjustments_ok) - set(adjust_keys))
    lines = dict(OrderLine.objects.filter(order__shop__in=shops.values()).values_list("pk", "quantity"))
    held = (
        Reservation.objects.filter(order_line_id__in=list(lines), state=Reservation.State.ACTIVE)
        .values_list("order_line_id")
        .annotate(units=Sum("quantity"))
    )
    over_reserved_lines = sum(units > lines[line_id] for line_id, units in held)
    oversold_rows = Stock.objects.filter(warehouse=world.warehouse, reserved__gt=F("on_hand")).count()
    negative = Stock.objects.filter(warehouse=world.warehouse, on_hand__lt=0).count()
    mismatches = stock_ledger_mismatches()
    by_status = dict(Order.objects.filter(shop__in=shops.values()).values_list("status").annotate(n=Count("id")))
    return {
        "sent": len(sent),
        "sent_with_duplicates": with_duplicates,
        "stored": len(stored & sent),
        "lost": lost + lost_adjustments,
        "duplicated": duplicate_orders + duplicate_adjustments + over_reserved_lines,
        "oversold": oversold_rows + negative,
        "ledger_mismatches": len(mismatches),
        "adjustments_sent": len(adjustments_ok),
        "adjustments_applied": len(set(adjust_keys)),
        "orders_by_status": by_status,
    }
