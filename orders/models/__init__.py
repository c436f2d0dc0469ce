"""Shops and orders: the centre of Order Hub, one module per concern.

- ``shops``        Platform, Shop
- ``orders``       Queue, Source, Order, OrderLine, OrderEvent (the timeline)
- ``numbering``    OrderNumberCounter
- ``idempotency``  IdempotencyKey (partner submissions)
- ``rules``        RuleSet, RuleSetVersion, RulePreview, OrderRuleResult (orders.rules)
- ``review``       ReviewTask, Approval (orders.review)
- ``shaping``      OrderLink, PresaleTerms (orders.shaping)
- ``alerts``       Alert, AlertDelivery, NotificationChannel (orders.services.alerts, orders.notifications)
- ``pii``          ConsigneeReveal (orders.services.pii)
- ``tokens``       TokenPolicy (scope and rate limit of a partner's API token)
- ``fields``       MONEY and the user foreign key they share

Amounts are Decimal in the order's ``currency`` (CNY unless the channel says otherwise); every amount of
an order and its lines is in that one currency. Times are timezone-aware (stored UTC, shown Asia/Shanghai).
"""

from orders.models.alerts import CONNECTION_KINDS, Alert, AlertDelivery, NotificationChannel
from orders.models.fields import MONEY
from orders.models.idempotency import IdempotencyKey
from orders.models.numbering import OrderNumberCounter
from orders.models.orders import Order, OrderEvent, OrderLine, Queue, Source
from orders.models.pii import ConsigneeReveal
from orders.models.review import Approval, ReviewTask
from orders.models.rules import OrderRuleResult, RulePreview, RuleSet, RuleSetVersion
from orders.models.shaping import OrderLink, PresaleTerms
from orders.models.shops import Platform, Shop
from orders.models.tokens import TokenPolicy

__all__ = [
    "MONEY",
    "Alert",
    "AlertDelivery",
    "Approval",
    "ConsigneeReveal",
    "IdempotencyKey",
    "NotificationChannel",
    "CONNECTION_KINDS",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderLink",
    "OrderNumberCounter",
    "OrderRuleResult",
    "Platform",
    "PresaleTerms",
    "Queue",
    "ReviewTask",
    "RulePreview",
    "RuleSet",
    "RuleSetVersion",
    "Shop",
    "Source",
    "TokenPolicy",
]
