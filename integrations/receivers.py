"""What integrations listens to in the domain apps, to carry it out to the platforms."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from aftersales.models import Case
from aftersales.signals import case_evidence_added, case_interception_wanted, case_platform_decision
from config.tasks import enqueue_on_commit
from fulfilment.signals import shipment_confirmed, shipment_delivered, waybill_balance_low
from integrations.health import health_alert_raise
from integrations.hooks.events import AFTERSALES_UPDATED, STOCK_CHANGED, order_event_types
from integrations.hooks.services import webhooks_publish_on_commit
from integrations.logistics.tracking import tracking_subscription_create
from integrations.models import ShopConnection
from integrations.outbox import delivery_check_enqueue, ship_confirmation_enqueue
from integrations.services import push_connections_forget
from inventory.signals import stock_changed
from orders.models import Alert, Order, Shop
from orders.signals import order_events_recorded


@receiver(case_interception_wanted, dispatch_uid="integrations.case_interception")
def _case_interception_wanted(sender, *, case_id: int, **kwargs):
    """An after-sales case wants its parcel back from the carrier: asked after commit, in a task."""
    enqueue_on_commit("integrations.tasks.case_intercept", case_id)


@receiver(case_platform_decision, dispatch_uid="integrations.refund_decision")
def _case_platform_decision(sender, *, case_id: int, action: str, request_no: str = "", reason: str = "", **kwargs):
    """A decision on a platform's refund (agree, agree the return, refuse): its outbox message, written in the
    decision's transaction."""
    from integrations.refunds import refund_decision_enqueue

    refund_decision_enqueue(case_id=case_id, action=action, request_no=request_no, reason=reason)


@receiver(case_evidence_added, dispatch_uid="integrations.refusal_proof")
def _case_evidence_added(sender, *, case_id: int, **kwargs):
    """Evidence added to a case: a refusal parked for want of a proof image is sent again, after commit."""
    from integrations.refunds import refusal_proof_attached

    refusal_proof_attached(case_id=case_id)


@receiver(shipment_confirmed, dispatch_uid="integrations.ship_confirmation")
def _shipment_confirmed(sender, *, order_id: int, platform_carrier_code: str, tracking_number: str, **kwargs):
    """A shipment left the warehouse: queue the platform's ship confirmation in the same transaction."""
    order = Order.objects.select_related("shop").get(pk=order_id)
    ship_confirmation_enqueue(order=order, carrier_code=platform_carrier_code, tracking_number=tracking_number)


@receiver(shipment_confirmed, dispatch_uid="integrations.tracking_subscription")
def _shipment_subscribe(sender, *, shipment_id: int, **kwargs):
    """A shipment left the warehouse: subscribe its tracking with the aggregators (after commit)."""
    tracking_subscription_create(shipment_id=shipment_id)


@receiver(shipment_delivered, dispatch_uid="integrations.delivery_check")
def _shipment_delivered(sender, *, shipment_id: int, order_id: int, **kwargs):
    """Tracking says delivered: check (or confirm) it on the platform, which ends the level-3 exception."""
    order = Order.objects.select_related("shop").get(pk=order_id)
    delivery_check_enqueue(order=order, shipment_id=shipment_id)


@receiver(waybill_balance_low, dispatch_uid="integrations.waybill_balance_alert")
def _waybill_balance_low(sender, *, account_id, shop_id, provider, carrier_code, branch, balance, threshold, **kwargs):
    """An e-waybill account runs low: one alert per account and day, sent to the robots."""
    from django.utils import timezone

    health_alert_raise(
        shop=Shop.objects.filter(pk=shop_id).first() if shop_id else None,
        kind=Alert.Kind.WAYBILL_BALANCE,
        dedup_key=f"waybill:{account_id}:{timezone.localdate():%Y%m%d}",
        message=f"{provider} {carrier_code} {branch}: {balance} e-waybill numbers left (alert below {threshold}).",
        data={"account_id": account_id, "balance": balance, "threshold": threshold},
    )


# A changed secret, a connection switched off, a shop renamed: forget the connections kept for pushes.
for _model in (ShopConnection, Shop):
    post_save.connect(
        push_connections_forget, sender=_model, dispatch_uid=f"integrations.forget.save.{_model.__name__}"
    )
    post_delete.connect(
        push_connections_forget, sender=_model, dispatch_uid=f"integrations.forget.delete.{_model.__name__}"
    )


# --- webhooks to partners (integrations.hooks): published after the change commits --------------------------


@receiver(order_events_recorded, dispatch_uid="integrations.webhooks.order_events")
def _order_events_recorded(sender, *, events, **kwargs):
    """An order was created or changed status: order.* webhooks (no query inside the order's transaction)."""
    items = [
        (event_type, f"order_event:{event.pk}", {"order_id": event.order_id})
        for event in events
        for event_type in order_event_types(kind=event.kind, to_status=event.to_status)
    ]
    if items:
        webhooks_publish_on_commit(items)


@receiver(stock_changed, dispatch_uid="integrations.webhooks.stock_changed")
def _stock_changed(sender, *, sku_ids, **kwargs):
    """Stock of these SKUs changed (sent after commit): one stock.changed per SKU."""
    import uuid

    webhooks_publish_on_commit(
        [(STOCK_CHANGED, f"stock:{sku_id}:{uuid.uuid4()}", {"sku_id": sku_id}) for sku_id in sku_ids]
    )


@receiver(post_save, sender=Case, dispatch_uid="integrations.webhooks.refund")
def _refund_saved(sender, *, instance, **kwargs):
    """A refund was recorded or changed (aftersales.refund_record saves it): aftersales.updated."""
    key = f"refund:{instance.pk}:{instance.updated_at.isoformat() if instance.updated_at else ''}"
    webhooks_publish_on_commit([(AFTERSALES_UPDATED, key, {"refund_id": instance.pk})])
