"""E-mail to a channel's addresses (and the extra recipients an alert names), through Django's mail backend."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from orders.notifications import NotificationFailed

KIND = "email"


def addresses(text: str) -> list[str]:
    """The addresses of a channel: one per line, or separated by commas or semicolons."""
    return [e.strip() for e in text.replace(",", "\n").replace(";", "\n").splitlines() if e.strip()]


def send(channel, *, title: str, text: str, extra_emails: Iterable[str] = (), **kwargs) -> None:
    recipients = sorted(set(addresses(channel.emails if channel is not None else "")) | set(extra_emails))
    if not recipients:
        return
    try:
        send_mail(f"{settings.EMAIL_SUBJECT_PREFIX}{title}", text, None, recipients, fail_silently=False)
    except OSError as exc:
        raise NotificationFailed(
            _("e-mail to %(recipients)s failed: %(error)s") % {"recipients": ", ".join(recipients), "error": exc},
            code="email_failed",
            provider_code=type(exc).__name__,
        ) from exc
