"""Who is told what: the notification channels (DingTalk / WeCom group robots, e-mail lists) and the routing of
staff messages — alerts, reminders, reports — to them.

A channel takes a message when it is active, the message's severity reaches the channel's minimum, and the
channel lists no alert kinds or lists the message's kind. Messages carry no consignee data (group chats are
wide audiences): order numbers, shops, amounts and masked phones only.

Sending itself is integrations' (``integrations.alerting``, the one transport: robots' real formats and
signatures, e-mail), registered here by channel kind when the apps are ready — orders does not import
integrations. Nothing is sent inside a database transaction: an alert's sends are rows (``AlertDelivery``,
``orders.services.alert_delivery``) written with the alert and sent by a task after commit. A channel's quiet hours
hold its non-red alerts until they end (``channel_quiet_until``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from orders.models import Alert, NotificationChannel

log = logging.getLogger(__name__)
SEVERITY_RANK = {Alert.Severity.INFO: 0, Alert.Severity.WARNING: 1, Alert.Severity.CRITICAL: 2}

# channel kind → sender(channel, *, title, text, extra_emails) (integrations.alerting.senders_register)
Sender = Callable[..., None]
_senders: dict[str, Sender] = {}


class NotificationFailed(ApplicationError):
    """A channel could not take a message. ``provider_code`` is what the service answered (DingTalk / WeCom
    ``errcode``, Aliyun ``Code``); ``permanent`` and ``retry_after`` tell config.retry whether sending again can
    help and not before when (each sender maps its service's codes)."""

    code = "notification_failed"
    status = 502

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
        provider_code: str = "",
        permanent: bool = False,
        retry_after: float | None = None,
    ):
        super().__init__(message, code=code, extra=extra)
        self.provider_code = provider_code
        self.permanent = permanent
        self.retry_after = retry_after


def notification_senders_register(senders: dict[str, Sender]) -> None:
    _senders.update(senders)


def _sender(kind: str) -> Sender:
    try:
        return _senders[kind]
    except KeyError:
        raise NotificationFailed(
            _("no sender for %(kind)s notifications") % {"kind": kind}, code="no_sender", permanent=True
        ) from None


def channel_send(channel: NotificationChannel, *, title: str, text: str, extra_emails: Iterable[str] = ()) -> None:
    """Send one message through one channel. Raises ``NotificationFailed``."""
    _sender(channel.kind)(channel, title=title, text=text, extra_emails=list(extra_emails))


def email_send(*, title: str, text: str, recipients: Iterable[str]) -> None:
    """E-mail people who are not on a channel (e.g. an order's supervisors)."""
    _sender(NotificationChannel.Kind.EMAIL)(None, title=title, text=text, extra_emails=list(recipients))


def channels_for(*, severity: str, kind: str = "") -> list[NotificationChannel]:
    rank = SEVERITY_RANK.get(severity, 1)
    return [
        channel
        for channel in NotificationChannel.objects.filter(is_active=True).order_by("pk")
        if SEVERITY_RANK.get(channel.min_severity, 1) <= rank
        and (not channel.alert_kinds or kind in channel.alert_kinds)
    ]


def channel_quiet_until(channel: NotificationChannel, now: dt.datetime) -> dt.datetime | None:
    """When the channel's quiet hours (on the Shanghai clock, ``TIME_ZONE``) end, if ``now`` is inside them;
    else None. Hours may run across midnight (22:00–08:00). A phone channel has none: it exists to wake someone."""
    start, end = channel.quiet_from, channel.quiet_to
    if start is None or end is None or start == end or channel.kind == NotificationChannel.Kind.VOICE:
        return None
    local = timezone.localtime(now)
    moment = local.time()
    inside = start <= moment < end if start < end else (moment >= start or moment < end)
    if not inside:
        return None
    until = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if until <= local:  # after midnight's start, e.g. 23:00 in 22:00–08:00: the end is tomorrow
        until = timezone.make_aware(dt.datetime.combine(local.date() + dt.timedelta(days=1), end))
    return until


def notification_broadcast(
    *,
    title: str,
    text: str,
    severity: str,
    kind: str = "",
    extra_emails: Iterable[str] = (),
    errors: list[str] | None = None,
) -> dict[str, int]:
    """Send to every matching channel (and ``extra_emails``). One failing channel does not stop the others;
    what each failure said is appended to ``errors`` when given."""
    sent = failed = 0
    extra_emails = list(extra_emails)
    emailed = False
    for channel in channels_for(severity=severity, kind=kind):
        is_email = channel.kind == NotificationChannel.Kind.EMAIL
        try:
            channel_send(channel, title=title, text=text, extra_emails=extra_emails if is_email else ())
            emailed |= is_email
            sent += 1
        except (ApplicationError, OSError) as error:
            failed += 1
            log.warning("notification via %s failed: %s", channel, error)
            if errors is not None:
                errors.append(f"{channel.name}: {error}")
    if extra_emails and not emailed:
        try:
            email_send(title=title, text=text, recipients=extra_emails)
            sent += 1
        except (ApplicationError, OSError) as error:
            failed += 1
            log.warning("notification e-mail to %s failed: %s", extra_emails, error)
            if errors is not None:
                errors.append(str(error))
    return {"sent": sent, "failed": failed}
