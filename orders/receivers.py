"""Orders listening to the apps below it. Imported once from ``OrdersConfig.ready()``."""

from django.dispatch import receiver

from config.tasks import enqueue_on_commit
from inventory.models import Stock
from inventory.signals import stock_arrived


@receiver(stock_arrived, sender=Stock, dispatch_uid="orders.retry_out_of_stock_on_arrival")
def retry_out_of_stock_on_arrival(sender, *, sku_ids: list[int], warehouse_id: int, **kwargs) -> None:
    """Stock arrived (inventory sends this after commit): retry the orders held out_of_stock for it."""
    enqueue_on_commit("orders.tasks.orders_retry_out_of_stock", list(sku_ids))
