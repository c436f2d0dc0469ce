"""Personal data in raw copies: a platform's or partner's message body (and the headers kept with it), an uploaded
order file, and the body of a webhook delivery (the order as its subscriber may see it) carry the buyers' names,
phones and addresses.

``CONSIGNEE_RETENTION_DAYS`` after they arrived — the period after which the orders' own consignee data is
erased (``orders.services.pii``) — the daily ``integrations.inbound_raw_erase_due``:

- erases the body and headers of processed inbox messages (``done``), in the message and in its history. What
  deduplication and audits need stays: shop, platform, kind, topic, event id, platform order id, content hash,
  result, the order it fed and the times. Messages not processed (pending, failed, parked) keep their body:
  staff still need it to replay them;
- deletes the file of finished order imports (done or failed), keeping the job's name, counts and row errors;
- deletes delivered webhook deliveries (``done``) from the delivery log, whose history keeps every attempt's
  outcome without the body; parked ones stay for their owner to replay.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations.models import ImportJob, InboxMessage, WebhookDelivery, WorkStatus


def inbound_raw_erase_due(*, now: dt.datetime | None = None, days: int | None = None) -> dict[str, int]:
    """The erasures below; returns how many messages, files and deliveries were erased."""
    now = now or timezone.now()
    return {
        "messages": inbox_bodies_erase_due(now=now, days=days),
        "import_files": import_files_erase_due(now=now, days=days),
        "webhook_deliveries": webhook_deliveries_delete_due(now=now, days=days),
    }


def _cutoff(now: dt.datetime | None, days: int | None) -> dt.datetime:
    days = settings.CONSIGNEE_RETENTION_DAYS if days is None else days
    return (now or timezone.now()) - dt.timedelta(days=days)


def inbox_bodies_erase_due(*, now: dt.datetime | None = None, days: int | None = None, batch: int = 1000) -> int:
    """Erase the bodies and headers of processed messages received more than ``days`` (default
    ``CONSIGNEE_RETENTION_DAYS``) ago. Idempotent; returns how many messages were erased."""
    due = (
        InboxMessage.objects.filter(status=WorkStatus.DONE, received_at__lte=_cutoff(now, days))
        .exclude(body="", headers={})
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    history = InboxMessage.history.model
    done = 0
    while ids := list(due[:batch]):
        with transaction.atomic():
            InboxMessage.objects.filter(pk__in=ids).update(body="", headers={})
            history.objects.filter(id__in=ids).update(body="", headers={})
        done += len(ids)
    return done


def import_files_erase_due(*, now: dt.datetime | None = None, days: int | None = None) -> int:
    """Delete the uploaded files of imports finished more than ``days`` ago (the file is not opened again once a
    job has run). Idempotent; returns how many files were deleted."""
    jobs = ImportJob.objects.filter(
        status__in=(ImportJob.Status.DONE, ImportJob.Status.FAILED), finished_at__lte=_cutoff(now, days)
    ).exclude(file="")
    done = 0
    for job in jobs.order_by("pk").iterator():
        name = job.file.name
        # The row forgets the file first (a crash in between leaves an orphan file, never a row naming none).
        ImportJob.objects.filter(pk=job.pk).update(file="")
        ImportJob.history.model.objects.filter(id=job.pk).update(file="")
        job.file.storage.delete(name)
        done += 1
    return done


def webhook_deliveries_delete_due(*, now: dt.datetime | None = None, days: int | None = None, batch: int = 1000) -> int:
    """Delete the deliveries delivered more than ``days`` ago (their event stays, so publishing never makes them
    again). Idempotent; returns how many were deleted."""
    due = (
        WebhookDelivery.objects.filter(status=WorkStatus.DONE, sent_at__lte=_cutoff(now, days))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    done = 0
    while ids := list(due[:batch]):
        with transaction.atomic():
            WebhookDelivery.objects.filter(pk__in=ids).delete()
        done += len(ids)
    return done
