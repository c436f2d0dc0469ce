"""Orders listening to the apps below it, and telling them about shops. Imported once from
``OrdersConfig.ready()``."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models.signals import post_delete
from django.dispatch import receiver

from config.tasks import enqueue_on_commit
from inventory.models import Stock
from inventory.services import channel_stock_forget_shop
from inventory.shops import ShopName, shop_directory_register
from inventory.signals import stock_arrived
from orders.models import Shop


@receiver(stock_arrived, sender=Stock, dispatch_uid="orders.retry_out_of_stock_on_arrival")
def retry_out_of_stock_on_arrival(sender, *, sku_ids: list[int], warehouse_id: int, **kwargs) -> None:
    """Stock arrived (inventory sends this after commit): retry the orders held out_of_stock for it."""
    enqueue_on_commit("orders.tasks.orders_retry_out_of_stock", list(sku_ids))


class _ShopDirectory:
    """What a shop id on inventory's channel rows stands for (``inventory.shops``)."""

    def names(self, ids: Iterable[int] | None) -> dict[int, ShopName]:
        shops = Shop.objects.all() if ids is None else Shop.objects.filter(pk__in=list(ids))
        return {pk: ShopName(pk, code, name) for pk, code, name in shops.values_list("pk", "code", "name")}

    def ids_by_code(self, codes: Iterable[str]) -> dict[str, int]:
        return dict(Shop.objects.filter(code__in=list(codes)).values_list("code", "pk"))


shop_directory_register(_ShopDirectory())


@receiver(post_delete, sender=Shop, dispatch_uid="orders.forget_shop_channel_stock")
def forget_shop_channel_stock(sender, *, instance: Shop, **kwargs) -> None:
    """A deleted shop is offered no stock any more: its channel rows go with it."""
    channel_stock_forget_shop(shop_id=instance.pk)
