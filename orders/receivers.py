"""Orders listening to the apps below it, and telling them about shops. Imported once from
``OrdersConfig.ready()``."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from config.tasks import enqueue_on_commit
from inventory.alerts import open_safety_alerts_reader_register
from inventory.models import SKU, SafetyStock, Stock
from inventory.services import channel_stock_forget_shop
from inventory.shops import ShopName, shop_directory_register
from inventory.signals import safety_stock_changed, stock_arrived
from orders.models import Alert, Shop, TokenPolicy
from orders.tokens import token_cache_forget


@receiver(stock_arrived, sender=Stock, dispatch_uid="orders.retry_out_of_stock_on_arrival")
def retry_out_of_stock_on_arrival(sender, *, sku_ids: list[int], warehouse_id: int, **kwargs) -> None:
    """Stock arrived (inventory sends this after commit): retry the orders held out_of_stock for it."""
    enqueue_on_commit("orders.tasks.orders_retry_out_of_stock", list(sku_ids))


@receiver(safety_stock_changed, sender=SafetyStock, dispatch_uid="orders.safety_stock_alerts")
def safety_stock_alerts(sender, *, low: dict[int, dict], fine: list[int], now, **kwargs) -> None:
    """SKUs at or below their safety stock get an alert (once while it lasts); those above it again are resolved."""
    from orders.services.alerts import alert_raise, alert_resolve

    keys = {sku_id: f"safety_stock:{sku_id}" for sku_id in low}
    with transaction.atomic():
        already = set(
            Alert.objects.filter(key__in=keys.values(), resolved_at__isnull=True).values_list("key", flat=True)
        )
        new = [sku_id for sku_id, key in keys.items() if key not in already]
        skus = {sku.pk: sku for sku in SKU.objects.filter(pk__in=new)}
        for sku_id in new:
            state = low[sku_id]
            alert_raise(
                kind=Alert.Kind.SAFETY_STOCK,
                key=keys[sku_id],
                severity=Alert.Severity.WARNING,
                sku_id=sku_id,
                title=_("%(sku)s at safety stock: %(available)d available, threshold %(threshold)d")
                % {"sku": skus[sku_id].code, "available": state["available"], "threshold": state["threshold"]},
                detail={**state, "sku": skus[sku_id].code},
            )
        alert_resolve(keys=[f"safety_stock:{sku_id}" for sku_id in fine], now=now)


class _ShopDirectory:
    """What a shop id on inventory's channel rows stands for (``inventory.shops``)."""

    def names(self, ids: Iterable[int] | None) -> dict[int, ShopName]:
        shops = Shop.objects.all() if ids is None else Shop.objects.filter(pk__in=list(ids))
        return {pk: ShopName(pk, code, name) for pk, code, name in shops.values_list("pk", "code", "name")}

    def ids_by_code(self, codes: Iterable[str]) -> dict[str, int]:
        return dict(Shop.objects.filter(code__in=list(codes)).values_list("code", "pk"))


shop_directory_register(_ShopDirectory())
open_safety_alerts_reader_register(
    lambda: Alert.objects.filter(kind=Alert.Kind.SAFETY_STOCK, resolved_at__isnull=True).count()
)


@receiver(post_delete, sender=Shop, dispatch_uid="orders.forget_shop_channel_stock")
def forget_shop_channel_stock(sender, *, instance: Shop, **kwargs) -> None:
    """A deleted shop is offered no stock any more: its channel rows go with it."""
    channel_stock_forget_shop(shop_id=instance.pk)


# A token kept in the shared cache (orders.tokens.token_get) is forgotten when it, its user or its policy changes.


@receiver([post_save, post_delete], sender=Token, dispatch_uid="orders.forget_cached_token")
def forget_cached_token(sender, *, instance: Token, created: bool = False, **kwargs) -> None:
    if created:
        return  # a new key: nothing of it was kept
    token_cache_forget(keys=[instance.key])


@receiver([post_save, post_delete], sender=settings.AUTH_USER_MODEL, dispatch_uid="orders.forget_cached_user_token")
def forget_cached_user_token(sender, *, instance, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # a login changes nothing a token carries
    token_cache_forget(user_ids=[instance.pk])


@receiver([post_save, post_delete], sender=TokenPolicy, dispatch_uid="orders.forget_cached_policy_token")
def forget_cached_policy_token(sender, *, instance: TokenPolicy, **kwargs) -> None:
    token_cache_forget(user_ids=[instance.user_id])


@receiver(m2m_changed, sender=TokenPolicy.shops.through, dispatch_uid="orders.forget_cached_policy_shops_token")
def forget_cached_policy_shops_token(sender, *, instance, action: str, **kwargs) -> None:
    if action.startswith("post_") and isinstance(instance, TokenPolicy):
        token_cache_forget(user_ids=[instance.user_id])
