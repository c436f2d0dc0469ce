"""Reads of webhook subscriptions: a user sees and manages only their own through the API."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from integrations.exceptions import WebhookNotFound
from integrations.models import WebhookDelivery, WebhookSubscription


def subscription_list_for_user(user) -> QuerySet[WebhookSubscription]:
    if not (user and user.is_authenticated):
        return WebhookSubscription.objects.none()
    return WebhookSubscription.objects.filter(owner=user).order_by("-created_at", "-id")


def subscription_get_for_user(user, *, subscription_id: int) -> WebhookSubscription:
    """Another user's subscription is the same 404 as a missing one."""
    subscription = subscription_list_for_user(user).filter(pk=subscription_id).first()
    if subscription is None:
        raise WebhookNotFound(
            _("No webhook subscription %(id)s.") % {"id": subscription_id}, extra={"id": subscription_id}
        )
    return subscription


def delivery_list(*, subscription: WebhookSubscription, status: str = "") -> QuerySet[WebhookDelivery]:
    """The subscription's delivery log, newest first."""
    deliveries = WebhookDelivery.objects.filter(subscription=subscription).select_related("event")
    if status:
        deliveries = deliveries.filter(status=status)
    return deliveries.order_by("-created_at", "-id")


def delivery_get(*, subscription: WebhookSubscription, delivery_id: int) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.filter(subscription=subscription, pk=delivery_id).first()
    if delivery is None:
        raise WebhookNotFound(
            _("No delivery %(id)s in this subscription's log.") % {"id": delivery_id}, extra={"id": delivery_id}
        )
    return delivery
