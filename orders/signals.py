"""What orders tells other apps.

``order_events_recorded`` (sender ``orders.models.OrderEvent``, ``events: list[OrderEvent]``)
    Timeline events were written (an order created, a status change, an update, a note) — sent inside the
    transaction that wrote them, for every way they are written (one at a time or in bulk). Receivers must not
    query or fail: queue work after commit (``config.tasks.enqueue_on_commit``). integrations answers it by
    publishing the partners' webhooks (``integrations.hooks``), and by telling buyers their order was paid
    (``integrations.notify``).

``presale_balance_reminded`` (sender ``orders.models.PresaleTerms``, ``terms_id``, ``order_id``)
    A presale's balance falls due soon and its reminder was claimed (once per terms) — sent inside that
    transaction. integrations answers it by telling the buyer (``integrations.notify``).
"""

from django.dispatch import Signal

order_events_recorded = Signal()
presale_balance_reminded = Signal()
