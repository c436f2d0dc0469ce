"""E-mail through Django's mail (``EMAIL_*`` settings): the template's subject and text, to the address the
channel gave. A refused recipient is final; a server that cannot be reached is retried."""

from __future__ import annotations

import smtplib

from django.core.mail import EmailMessage
from django.core.mail.message import make_msgid

from integrations.exceptions import NotifyProviderError

NAME = "email"


def send(message) -> str:
    message_id = make_msgid(domain="orderhub")
    mail = EmailMessage(
        subject=message.subject or message.text[:60],
        body=message.text,
        to=[message.recipient],
        headers={"Message-ID": message_id},
    )
    try:
        mail.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        raise NotifyProviderError(
            f"the mail server refused {message.recipient}: {exc.recipients}",
            provider_code="recipient_refused",
            retryable=False,
        ) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise NotifyProviderError(f"e-mail not sent: {exc}", provider_code="smtp_error", retryable=True) from exc
    return message_id
