"""Personal data leaves the buyer message log after ``CONSIGNEE_RETENTION_DAYS`` (docs/notifications.md, "The
message log"): the daily ``integrations.buyer_messages_anonymise_due``."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations.notify.models import BuyerMessage
from integrations.notify.moments import Channel


def buyer_messages_anonymise_due(*, now: dt.datetime | None = None, days: int | None = None, batch: int = 1000) -> int:
    """Personal data leaves the log ``CONSIGNEE_RETENTION_DAYS`` after a message was written (the same period
    as the orders' consignee data): the recipient is masked (a phone keeps 3 + 4 digits, an openid or e-mail
    address is dropped) and the filled text, subject and parameters are cleared — in the message and in its
    history. Opt-outs keep their address (it is what keeps the buyer from being messaged). Idempotent; returns
    how many messages were anonymised."""
    from orders.masking import mask_phone

    now = now or timezone.now()
    days = settings.CONSIGNEE_RETENTION_DAYS if days is None else days
    due = (
        BuyerMessage.objects.filter(created_at__lte=now - dt.timedelta(days=days))
        .exclude(text="", params={}, subject="")
        .order_by("pk")
        .values_list("pk", "channel", "recipient")
    )
    history = BuyerMessage.history.model
    done = 0
    while rows := list(due[:batch]):
        with transaction.atomic():
            for pk, channel, recipient in rows:
                values = {
                    "recipient": mask_phone(recipient) if channel == Channel.SMS else "",
                    "text": "",
                    "subject": "",
                    "params": {},
                }
                BuyerMessage.objects.filter(pk=pk).update(**values)
                history.objects.filter(id=pk).update(**values)
        done += len(rows)
    return done
