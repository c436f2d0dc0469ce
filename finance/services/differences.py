"""Differences as work items: owner, status, comments, reminders. Human decisions live here; the
reconciliation run never overrides them (see ``reconciliation.results.differences_upsert``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from guardian.shortcuts import get_users_with_perms

from config.messages import Message, message, message_label, message_stored
from finance.exceptions import DifferenceInvalid
from finance.models import Difference, DifferenceComment, DifferenceStatus, LegalEntity
from finance.models.reconciliation import UNRESOLVED_STATUSES

HUMAN_CHOICES = (
    DifferenceStatus.OPEN,
    DifferenceStatus.INVESTIGATING,
    DifferenceStatus.RESOLVED,
    DifferenceStatus.ACCEPTED,
)


def _comment(difference: Difference, *, actor=None, system: str = "", body: str) -> DifferenceComment:
    """A comment; a ``body`` made with ``config.messages.message`` is shown in each reader's language."""
    return DifferenceComment.objects.create(
        difference=difference,
        author=actor if actor is not None and actor.is_authenticated else None,
        system=system if actor is None else "",
        body=body,
        body_message=message_stored(body) or {},
    )


def _owner_name(user) -> str:
    return user.get_username() if user is not None else message(gettext_noop("nobody"))


def _status_name(status: str) -> Message:
    return message_label(DifferenceStatus(status).label)


@transaction.atomic
def difference_assign(*, difference: Difference, owner, actor) -> Difference:
    """Make ``owner`` (or nobody) responsible for the difference."""
    locked = Difference.objects.select_for_update().get(pk=difference.pk)
    if locked.owner_id == (owner.pk if owner else None):
        return locked
    before = _owner_name(locked.owner if locked.owner_id else None)
    locked.owner = owner
    locked.save(update_fields=["owner"])
    _comment(
        locked,
        actor=actor,
        body=message(gettext_noop("Owner: %(before)s → %(after)s."), before=before, after=_owner_name(owner)),
    )
    return locked


@transaction.atomic
def difference_status_set(*, difference: Difference, status: str, actor, note: str = "") -> Difference:
    """Move a difference to a status a person may choose. Writing it off (accepted) needs a reason."""
    if status not in HUMAN_CHOICES:
        raise DifferenceInvalid(
            _("status: %(status)r is not one of %(value)s.") % {"status": status, "value": ", ".join(HUMAN_CHOICES)},
            extra={"field": "status"},
        )
    note = note if isinstance(note, Message) else note.strip()
    if status == DifferenceStatus.ACCEPTED and not note:
        raise DifferenceInvalid(_("note: say why the difference is written off."), extra={"field": "note"})
    locked = Difference.objects.select_for_update().get(pk=difference.pk)
    if locked.status == status and not note:
        return locked
    before = locked.status
    locked.status = status
    locked.resolved_at = timezone.now() if status in (DifferenceStatus.RESOLVED, DifferenceStatus.ACCEPTED) else None
    locked.save(update_fields=["status", "resolved_at"])
    names = {"before": _status_name(before), "after": _status_name(status)}
    _comment(
        locked,
        actor=actor,
        body=message(gettext_noop("Status: %(before)s → %(after)s. %(note)s"), note=note, **names)
        if note
        else message(gettext_noop("Status: %(before)s → %(after)s."), **names),
    )
    return locked


def difference_comment_add(*, difference: Difference, author, body: str) -> DifferenceComment:
    body = body.strip()
    if not body:
        raise DifferenceInvalid(_("comment: write something."), extra={"field": "body"})
    return _comment(difference, actor=author, body=body[:5000])


def _recipients(entity_id: int | None, cache: dict) -> list:
    if entity_id is None:
        return []
    if entity_id not in cache:
        entity = LegalEntity.objects.get(pk=entity_id)
        users = get_users_with_perms(entity, only_with_perms_in=["access_entity"], with_group_users=True)
        cache[entity_id] = [u for u in users if u.is_active and u.email]
    return cache[entity_id]


def _language_of(user) -> str:
    """The language an e-mail to ``user`` is written in: Order Hub keeps no language per user (the one chosen in
    the browser lives in that browser's cookie), so the site's default."""
    return settings.LANGUAGE_CODE


def _reminder(user, items: list[Difference]) -> tuple[str, str]:
    """Subject and text of the reminder e-mail to ``user`` about ``items``, in the active language."""
    lines = [
        _("- %(type)s %(amount)s %(currency)s (%(date)s, %(days)s days old): %(detail)s")
        % {
            "type": d.get_type_display(),
            "amount": d.difference,
            "currency": d.currency,
            "date": d.business_date,
            "days": d.age_days,
            "detail": d.detail_display,
        }
        for d in items[:50]
    ]
    subject = ngettext(
        "[Order Hub] %(count)s reconciliation difference waiting for you",
        "[Order Hub] %(count)s reconciliation differences waiting for you",
        len(items),
    ) % {"count": len(items)}
    greeting = _("Hello %(name)s,") % {"name": user.get_username()}
    return subject, "\n".join([greeting, "", *lines, "", _("Order Hub → Finance → Differences")])


def differences_remind(*, now: dt.datetime | None = None) -> int:
    """E-mail owners (or, for unowned ones, the users with access to the entity) about differences that have
    been unresolved for ``FINANCE_REMIND_AFTER_DAYS`` days; each difference at most once a day. Returns the
    number of e-mails sent."""
    now = now or timezone.now()
    after = dt.timedelta(days=settings.FINANCE_REMIND_AFTER_DAYS)
    due = Difference.objects.filter(status__in=UNRESOLVED_STATUSES, detected_at__lte=now - after).filter(
        Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - dt.timedelta(days=1))
    )
    per_user: dict[int, list[Difference]] = defaultdict(list)
    users: dict[int, object] = {}
    cache: dict = {}
    for difference in due.select_related("owner").order_by("detected_at")[:5000]:
        targets = [difference.owner] if difference.owner_id else _recipients(difference.entity_id, cache)
        for user in targets:
            if user is not None and user.email:
                users[user.pk] = user
                per_user[user.pk].append(difference)
    sent = 0
    for user_id, items in per_user.items():
        user = users[user_id]
        with translation.override(_language_of(user)):
            subject, body = _reminder(user, items)
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[user.email])
        sent += 1
    reminded = {d.pk for items in per_user.values() for d in items}
    if reminded:
        Difference.objects.filter(pk__in=reminded).update(reminded_at=now)
    return sent


__all__ = ["difference_assign", "difference_comment_add", "difference_status_set", "differences_remind"]
