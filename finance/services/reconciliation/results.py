"""Saving what a run found: which refund each refund line paid, and the differences upserted by key —
human decisions (owner, status, comments) kept, changed ones reopened, those no longer found closed."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_noop

from config.messages import message, message_label
from finance.models import Difference, DifferenceComment, DifferenceStatus, ReconciliationRun, StatementLine
from finance.models.reconciliation import HUMAN_STATUSES
from finance.services.reconciliation.rows import Candidate

SYSTEM = "reconciliation"
KEY_CHUNK = 2000


def refund_links_save(links: dict[int, int | None]) -> None:
    """Remember which refund each refund line paid: one UPDATE per chunk of pairs."""
    table = StatementLine._meta.db_table
    pairs = [(line_id, refund_id) for line_id, refund_id in links.items() if refund_id is not None]
    unlinked = [line_id for line_id, refund_id in links.items() if refund_id is None]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # two text parameters unnested by the server: no per-value placeholders to send and parse
            for i in range(0, len(pairs), 100_000):
                chunk = pairs[i : i + 100_000]
                cursor.execute(
                    f"UPDATE {table} SET refund_id = v.refund_id FROM ("
                    f"SELECT unnest(string_to_array(%s, ','))::bigint AS line_id, "
                    f"unnest(string_to_array(%s, ','))::bigint AS refund_id) v WHERE {table}.id = v.line_id",
                    [",".join(str(line) for line, _r in chunk), ",".join(str(refund) for _l, refund in chunk)],
                )
        else:
            for i in range(0, len(pairs), KEY_CHUNK):
                chunk = pairs[i : i + KEY_CHUNK]
                values = ", ".join(["(%s, %s)"] * len(chunk))
                cursor.execute(
                    f"WITH v(line_id, refund_id) AS (VALUES {values}) "
                    f"UPDATE {table} SET refund_id = v.refund_id FROM v WHERE {table}.id = v.line_id",
                    [value for pair in chunk for value in pair],
                )
    for i in range(0, len(unlinked), KEY_CHUNK):
        StatementLine.objects.filter(pk__in=unlinked[i : i + KEY_CHUNK]).update(refund_id=None)


UPDATABLE = (
    "type",
    "component",
    "business_date",
    "source",
    "channel",
    "shop_id",
    "entity_id",
    "order_id",
    "refund_id",
    "line_id",
    "currency",
    "expected",
    "actual",
    "difference",
    "detail",
    "detail_message",
)


def differences_upsert(
    run: ReconciliationRun, candidates: dict[str, Candidate], scope_ids, date_from: dt.date, date_to: dt.date
) -> dict[str, int]:
    now = timezone.now()
    keys = list(candidates)
    existing: dict[str, Difference] = {}
    for i in range(0, len(keys), KEY_CHUNK):
        for diff in Difference.objects.filter(key__in=keys[i : i + KEY_CHUNK]):
            existing[diff.key] = diff
    new: list[Difference] = []
    changed: list[Difference] = []
    seen: list[int] = []
    comments: list[DifferenceComment] = []
    for key, cand in candidates.items():
        diff = existing.get(key)
        values = {name: getattr(cand, name) for name in UPDATABLE}
        if diff is None:
            new.append(Difference(key=key, first_run=run, last_run=run, detected_at=now, last_seen_at=now, **values))
            continue
        amounts_before = (diff.expected, diff.actual, diff.difference)
        updates = {name: value for name, value in values.items() if getattr(diff, name) != value}
        reopen = None
        if diff.status == DifferenceStatus.AUTO_CLOSED:
            reopen = message(gettext_noop("Found again by run #%(run)s."), run=run.pk)
        elif (
            diff.status in HUMAN_STATUSES and "difference" in updates and diff.status != DifferenceStatus.INVESTIGATING
        ):
            reopen = message(
                gettext_noop(
                    "Reopened by run #%(run)s: the difference changed from %(before)s to %(after)s "
                    "after it was marked %(status)s."
                ),
                run=run.pk,
                before=amounts_before[2],
                after=cand.difference,
                status=message_label(DifferenceStatus(diff.status).label),
            )
        if not updates and reopen is None:
            seen.append(diff.pk)
            continue
        for name, value in updates.items():
            setattr(diff, name, value)
        if reopen is not None:
            diff.status = DifferenceStatus.OPEN
            diff.resolved_at = None
            comments.append(
                DifferenceComment(difference=diff, system=SYSTEM, body=reopen, body_message=reopen.stored())
            )
        diff.last_run = run
        diff.last_seen_at = now
        changed.append(diff)
    Difference.objects.bulk_create(new, batch_size=1000)
    if changed:
        Difference.objects.bulk_update(
            changed, [*UPDATABLE, "status", "resolved_at", "last_run", "last_seen_at"], batch_size=500
        )
    for i in range(0, len(seen), KEY_CHUNK):
        Difference.objects.filter(pk__in=seen[i : i + KEY_CHUNK]).update(last_run=run, last_seen_at=now)
    # open differences in scope that this run did not find: closed, with a note
    # (two queries, not one with OR: see scope_build)
    still_open = Difference.objects.filter(status=DifferenceStatus.OPEN).exclude(last_run=run)
    gone = list(still_open.filter(order_id__in=scope_ids).values_list("pk", flat=True))
    gone += still_open.filter(order__isnull=True, business_date__gte=date_from, business_date__lte=date_to).values_list(
        "pk", flat=True
    )
    closed = message(gettext_noop("No longer found by run #%(run)s."), run=run.pk)
    for i in range(0, len(gone), KEY_CHUNK):
        batch = gone[i : i + KEY_CHUNK]
        Difference.objects.filter(pk__in=batch).update(status=DifferenceStatus.AUTO_CLOSED, resolved_at=now)
        comments.extend(
            DifferenceComment(difference_id=pk, system=SYSTEM, body=closed, body_message=closed.stored())
            for pk in batch
        )
    DifferenceComment.objects.bulk_create(comments, batch_size=1000)
    return {"created": len(new), "updated": len(changed), "unchanged": len(seen), "closed": len(gone)}
