"""What orders tells other apps.

``order_events_recorded`` (sender ``orders.models.OrderEvent``, ``events: list[OrderEvent]``)
    Timeline events were written (an order created, a status change, an update, a note) — sent inside the
    transaction that wrote them, for every way they are written (one at a time or in bulk). Receivers must not
    query or fail: queue work after commit (``config.tasks.enqueue_on_commit``). integrations answers it by
    publishing the partners' webhooks (``integrations.hooks``).
"""

from django.dispatch import Signal

order_events_recorded = Signal()
