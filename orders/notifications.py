"""Who is told what: the notification channels (DingTalk / WeCom group robots, e-mail lists) and the routing of
staff messages — alerts, reminders, reports — to them.

A channel takes a message when it is active, the message's severity reaches the channel's minimum, and the
channel lists no alert kinds or lists the message's kind. Messages carry no consignee data (group chats are
wide audiences): order numbers, shops, amounts and masked phones only.

Sending itself is integrations' (``integrations.alerting``, the one transport: robots' real formats and
signatures, e-mail), registered here by channel kind when the apps are ready — orders does not import
integrations. Nothing is sent inside a database transaction: alerts go out in the ``orders.tasks.alert_notify``
task, queued on commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.utils.translation import gettext as _

from config.errors import ApplicationError
from orders.models import Alert, NotificationChannel

log = logging.getLogger(__name__)
SEVERITY_RANK = {Alert.Severity.INFO: 0, Alert.Severity.WARNING: 1, Alert.Severity.CRITICAL: 2}

# channel kind → sender(channel, *, title, text, extra_emails) (integrations.alerting.senders_register)
Sender = Callable[..., None]
_senders: dict[str, Sender] = {}


class NotificationFailed(ApplicationError):
    code = "notification_failed"
    status = 502


def notification_senders_register(senders: dict[str, Sender]) -> None:
    _senders.update(senders)


def _sender(kind: str) -> Sender:
    try:
        return _senders[kind]
    except KeyError:
        raise NotificationFailed(_("no sender for %(kind)s notifications") % {"kind": kind}, code="no_sender") from None


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
