"""What inventory tells the apps above it. These signals are sent after the transaction that caused them
commits (never for a rolled-back change) — all but ``safety_stock_changed`` — and with ``send_robust``: a
failing receiver is logged, it does not undo the stock change. Receivers must be quick: enqueue a task
(``config.tasks.enqueue_on_commit``).

``stock_arrived`` (sender ``inventory.models.Stock``, ``sku_ids: list[int]``, ``warehouse_id: int``)
    Available stock of these SKUs went up at this location: receipt, positive adjustment or count,
    transfer in, return, or a released reservation. orders/receivers.py answers it by retrying the orders
    held ``out_of_stock`` for these SKUs, first paid first served.

``sellable_changed`` (sender ``inventory.models.ChannelStock``, ``shop_id: int``, ``sku_id: int``,
``quantity: int``)
    The sellable quantity computed for this shop × SKU changed (0 while the channel is paused at safety
    stock). The push itself goes through ``settings.INVENTORY_STOCK_PUSHER``; this signal is for side
    concerns (dashboards, notifications).

``stock_changed`` (sender ``inventory.models.Stock``, ``sku_ids: list[int]``)
    On-hand or reserved stock of these SKUs changed somewhere (any movement in the ledger, reservations
    included). integrations answers it with the partners' ``stock.changed`` webhook.

``safety_stock_changed`` (sender ``inventory.models.SafetyStock``, ``low: dict[int, dict]`` — SKU id →
``threshold``, ``available``, ``paused_shops`` —, ``fine: list[int]``, ``now``)
    The SKUs of a recompute that are at or below their safety stock, and those above it. Sent inside the
    recompute's transaction, so the alerts orders keeps for them (orders/receivers.py, orders' one alert model)
    commit or roll back with it; the receiver works in a savepoint of its own.
"""

from django.dispatch import Signal

stock_arrived = Signal()
sellable_changed = Signal()
stock_changed = Signal()
safety_stock_changed = Signal()
