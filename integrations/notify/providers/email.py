"""E-mail through Django's mail (``EMAIL_*`` settings): the template's subject and text, to the address the
channel gave, with the buyer's own unsubscribe link under it (and in ``List-Unsubscribe``). A refused recipient
is final; a server that cannot be reached is retried."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import make_msgid
from django.utils import translation
from django.utils.translation import gettext as _

from integrations.exceptions import NotifyProviderError
from integrations.notify.unsubscribe import unsubscribe_url

NAME = "email"


def send(message) -> str:
    message_id = make_msgid(domain="orderhub")
    link = unsubscribe_url(channel=message.channel, address=message.recipient)
    with translation.override(settings.LANGUAGE_CODE):
        footer = _("To stop these order notifications: %(link)s") % {"link": link}
    mail = EmailMessage(
        subject=message.subject or message.text[:60],
        body=f"{message.text}\n\n--\n{footer}",
        to=[message.recipient],
        headers={"Message-ID": message_id, "List-Unsubscribe": f"<{link}>"},
    )
    try:
        mail.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        raise NotifyProviderError(
            _("the mail server refused %(message_recipient)s: %(exc_recipients)s")
            % {"message_recipient": message.recipient, "exc_recipients": exc.recipients},
            provider_code="recipient_refused",
            retryable=False,
        ) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise NotifyProviderError(
            _("e-mail not sent: %(exc)s") % {"exc": exc}, provider_code="smtp_error", retryable=True
        ) from exc
    return message_id
