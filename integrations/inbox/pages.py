"""Poll pages: a stored page of orders becomes one message per order, stored already claimed by the page's
worker, which processes them at once."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from integrations.exceptions import PayloadInvalid
from integrations.inbox.settling import settle_done
from integrations.inbox.storing import inbox_store
from integrations.ingest import Applied
from integrations.models import InboxMessage
from integrations.platforms import adapter_for
from integrations.platforms.base import Adapter, PushItem, json_loads, to_json


def page_split(page: InboxMessage) -> dict[InboxMessage, Any]:
    """A stored poll page becomes one message per order (each deduplicated by its content), stored already
    claimed by the page's worker, which processes them next; the page is settled as split in the same
    transaction. Returns the new messages (an order stored before, unchanged, is not stored again), each
    with its order as read from the page, so it is not read again from its body. If the worker dies before
    processing them, the retry sweeper hands them back when their claim expires."""
    payload = json_loads(page.body, what="body")
    if not isinstance(payload, dict) or not isinstance(payload.get("orders"), list):
        raise PayloadInvalid(_("poll page: expected {'orders': [...]}."))
    adapter: Adapter = adapter_for(page.platform)
    topic = f"{adapter.platform}.order"
    items = []
    natives = {}
    source = adapter.mapping_compiled().effective["order"]["external_id"]
    for index, native in enumerate(payload["orders"]):
        external_id = _external_id(native, source, index)
        item = PushItem(topic=topic, event_id="", external_id=external_id, body=to_json(native))
        items.append(item)
        natives[item.body] = native
    with transaction.atomic(durable=True):
        stored = inbox_store(
            shop=page.shop,
            platform=page.platform,
            kind=InboxMessage.Kind.POLL,
            items=items,
            parent=page,
            claim=page.claim_token,
        )
        settle_done([(page, Applied(InboxMessage.Result.SPLIT, None))])
    return {message: natives[message.body] for message in stored.messages}


def _external_id(native: Any, source: str, index: int) -> str:
    """The platform order id of a page's ``index``-th order, read at ``source`` (the mapping's spec)."""
    from integrations.mapping import extract, spec_parse

    value = extract(native, spec_parse(source), field="external_id") if isinstance(native, dict) else None
    if not value:
        raise PayloadInvalid(
            _("poll page orders[%(index)s]: no platform order id at %(source)r.") % {"index": index, "source": source}
        )
    return str(value)
