"""The moments a buyer is told about, the variables a template may use, and who gets nothing.

Where each moment happens (the domain apps announce it; ``receivers`` listens):

- ``paid`` — an order created paid or moved to paid (``orders.signals.order_events_recorded``);
- ``shipped`` — a parcel left the warehouse (``fulfilment.signals.shipment_confirmed``), with carrier, tracking
  number and the signed tracking link;
- ``delivered`` — tracking says signed for (``fulfilment.signals.shipment_delivered``);
- ``delayed`` — a shipping exception was caught: no pickup scan within 24 h, no movement for 48 h, or the
  carrier reported a problem (a new ``fulfilment.WorkItem`` of those kinds);
- ``intercepted`` — the carrier accepted to stop the parcel and send it back (``fulfilment.ShipmentInterception``
  answered ``accepted``);
- ``refunded`` — an after-sales case reached ``refunded`` (``aftersales.Case`` saved in that status);
- ``presale_due`` — a presale balance falls due soon (``orders.signals.presale_balance_reminded``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Moment(models.TextChoices):
    PAID = "paid", _("Order paid")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    DELAYED = "delayed", _("Delivery delayed")
    INTERCEPTED = "intercepted", _("Parcel intercepted")
    REFUNDED = "refunded", _("Refund done")
    PRESALE_DUE = "presale_due", _("Presale balance due")


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat subscribe message")
    EMAIL = "email", _("E-mail")


def self_notifying_platforms() -> frozenset[str]:
    """Platforms that tell their buyers themselves, whose orders get no message from Order Hub:
    ``NOTIFY_SELF_NOTIFYING_PLATFORMS`` — Taobao/Tmall, JD, Pinduoduo and Douyin by default (they send their own
    notices and forbid sellers to message buyers outside the platform); add ``shopify`` where the store's own
    Shopify notifications are on."""
    return frozenset(settings.NOTIFY_SELF_NOTIFYING_PLATFORMS)


# Every variable a template may use, and what it holds (shown to managers in the admin and docs).
VARIABLES: dict[str, str] = {
    "shop": _("The shop's name"),
    "order_number": _("The order number the buyer knows (the platform's, else Order Hub's)"),
    "buyer": _("The consignee's name"),
    "amount": _("The amount paid, e.g. 199.00"),
    "currency": _("The order's currency, e.g. CNY"),
    "carrier": _("The carrier's name (shipped, delivered, delayed, intercepted)"),
    "tracking_number": _("The tracking number (shipped, delivered, delayed, intercepted)"),
    "tracking_url": _("The signed link to the public tracking page"),
    "tracking_token": _("The signed token of that link alone (for SMS templates that fix the link's address)"),
    "delivered_at": _("When the parcel was signed for (delivered)"),
    "reason": _("Why (delayed, intercepted, refund)"),
    "refund_amount": _("The amount refunded (refund done)"),
    "balance": _("The presale balance to pay (presale balance due)"),
    "due_at": _("When the presale balance is due (presale balance due)"),
}
