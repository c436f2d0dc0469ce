"""What a claimed message asks for: its adapter interprets it into steps (a platform order version, a
refund, nothing), fetching the full order for a thin notice. Network calls happen here, before any
transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from integrations.models import InboxMessage, ShopConnection
from integrations.platforms import adapter_for
from integrations.platforms.base import FetchOrder, OrderVersion, json_loads
from integrations.tokens import TokenRefresher
from orders.models import Shop, Source

SOURCE_BY_KIND = {
    InboxMessage.Kind.PUSH: Source.WEBHOOK,
    InboxMessage.Kind.POLL: Source.POLL,
    InboxMessage.Kind.POLL_PAGE: Source.POLL,
    InboxMessage.Kind.IMPORT: Source.IMPORT,
}


@dataclass
class Planned:
    message: InboxMessage
    adapter: Any
    steps: list[Any]  # PlatformOrder | RefundEvent | Ignore | ("split", items)


def _adapter(message: InboxMessage):
    if message.kind == InboxMessage.Kind.IMPORT:
        from integrations.imports import import_adapter

        return import_adapter(message)
    return adapter_for(message.platform)


def message_plan(message: InboxMessage, payload: Any = None) -> Planned:
    """What to do with a message (``payload``: its body, if already read)."""
    if payload is None:
        payload = json_loads(message.body, what="body")
    adapter = _adapter(message)
    steps: list[Any] = []
    for action in adapter.interpret(message.topic, payload):
        if isinstance(action, FetchOrder):  # a thin notice: fetch the full order (an expired token is refreshed)
            client = adapter.client(_connection(message.shop))
            native = TokenRefresher(client).call(client.order_get, action.external_id)
            steps.append(adapter.to_platform_order(native))
        elif isinstance(action, OrderVersion):
            steps.append(adapter.to_platform_order(action.native))
        else:
            steps.append(action)
    return Planned(message, adapter, steps)


def _connection(shop: Shop) -> ShopConnection:
    connection = ShopConnection.objects.filter(shop=shop).first()
    if connection is None:
        from integrations.exceptions import ConnectionNotFound

        raise ConnectionNotFound(
            _("Shop %(shop_code)s has no platform connection to fetch orders with.") % {"shop_code": shop.code}
        )
    return connection
