"""Writes on stock. Import from here: ``from inventory.services import order_stock_reserve``.

Split by sub-domain: levels (receipts, adjustments, transfers, returns), reservation (orders' reserve,
release, consume), counts (盘点), channels (allocation, safety stock, pushes).
"""

from inventory.services.channels import (
    channel_stock_defaults_ensure,
    channel_stock_forget_shop,
    channel_stock_mark_pushed,
    channel_stock_recompute,
    channel_stock_set,
    channel_stock_sync,
    channel_stock_touch,
    safety_stock_refresh,
    safety_stock_set,
    stock_alerts_sync,
    stock_push_unconfigured,
)
from inventory.services.counts import stock_count_apply, stock_count_cancel, stock_count_open, stock_count_record
from inventory.services.levels import (
    StockLine,
    stock_adjust,
    stock_receive,
    stock_return,
    stock_rows_ensure,
    stock_transfer,
)
from inventory.services.release import (
    order_lines_stock_release,
    order_stock_consume,
    order_stock_release,
    orders_stock_release,
    reservation_move,
)
from inventory.services.reservation import (
    LineDemand,
    OrderDemand,
    ReserveResult,
    order_stock_reserve,
    orders_stock_reserve,
)

__all__ = [
    "LineDemand",
    "OrderDemand",
    "ReserveResult",
    "StockLine",
    "channel_stock_mark_pushed",
    "channel_stock_recompute",
    "channel_stock_defaults_ensure",
    "channel_stock_forget_shop",
    "channel_stock_set",
    "channel_stock_sync",
    "channel_stock_touch",
    "order_lines_stock_release",
    "order_stock_consume",
    "order_stock_release",
    "orders_stock_release",
    "order_stock_reserve",
    "orders_stock_reserve",
    "reservation_move",
    "safety_stock_refresh",
    "safety_stock_set",
    "stock_adjust",
    "stock_alerts_sync",
    "stock_count_apply",
    "stock_count_cancel",
    "stock_count_open",
    "stock_count_record",
    "stock_push_unconfigured",
    "stock_receive",
    "stock_return",
    "stock_rows_ensure",
    "stock_transfer",
]
