"""Notifications to DingTalk and WeCom group robots and by e-mail.

- DingTalk custom robot (加签): the request goes to the webhook URL plus ``&timestamp=<ms>&sign=<sign>``,
  where sign = urlencode(base64(HMAC-SHA256(key=secret, msg="<timestamp>\\n<secret>"))). The robot refuses
  a timestamp more than an hour off. Body: ``{"msgtype": "markdown", "markdown": {"title", "text"}}``.
- WeCom group robot: the ``key`` in the webhook URL is the credential (no signature). Body:
  ``{"msgtype": "markdown", "markdown": {"content"}}``.
Both answer ``{"errcode": 0, "errmsg": "ok"}``; anything else is a failure. Messages carry no consignee data
(group chats are wide audiences): order numbers, shops, amounts and masked phones only.

HTTP goes through urllib (no extra dependency), never inside a database transaction: alerts are sent by the
``orders.tasks.alert_notify`` task, queued on commit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from orders.models import Alert, NotificationChannel

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 5
SEVERITY_RANK = {Alert.Severity.INFO: 0, Alert.Severity.WARNING: 1, Alert.Severity.CRITICAL: 2}


class NotificationFailed(ApplicationError):
    code = "notification_failed"
    status = 502


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's robot signature, already URL-encoded for the query string."""
    string_to_sign = f"{timestamp_ms}\n{secret}"
    digest = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def dingtalk_url(webhook_url: str, secret: str, *, timestamp_ms: int | None = None) -> str:
    if not secret:
        return webhook_url
    timestamp_ms = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    joiner = "&" if "?" in webhook_url else "?"
    return f"{webhook_url}{joiner}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def dingtalk_payload(title: str, text: str) -> dict[str, Any]:
    return {"msgtype": "markdown", "markdown": {"title": title, "text": f"#### {title}\n\n{text}"}}


def wecom_payload(title: str, text: str) -> dict[str, Any]:
    return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{text}"}}


def _post_json(url: str, payload: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (https robots)
            answer = json.loads(response.read().decode("utf-8") or "{}")
    except (urllib.error.URLError, TimeoutError, ValueError) as error:
        raise NotificationFailed(_("robot webhook unreachable: %(error)s") % {"error": error}) from error
    if answer.get("errcode", 0) != 0:
        raise NotificationFailed(
            f"robot refused the message: {answer.get('errcode')} {answer.get('errmsg', '')}".strip(),
            extra={"errcode": answer.get("errcode"), "errmsg": answer.get("errmsg", "")},
        )
    return answer


def _emails(text: str) -> list[str]:
    return [e.strip() for e in text.replace(",", "\n").replace(";", "\n").splitlines() if e.strip()]


def channel_send(channel: NotificationChannel, *, title: str, text: str, extra_emails: Iterable[str] = ()) -> None:
    """Send one message through one channel. Raises ``NotificationFailed``."""
    if channel.kind == NotificationChannel.Kind.DINGTALK:
        _post_json(dingtalk_url(channel.webhook_url, channel.secret), dingtalk_payload(title, text))
    elif channel.kind == NotificationChannel.Kind.WECOM:
        _post_json(channel.webhook_url, wecom_payload(title, text))
    else:
        recipients = sorted(set(_emails(channel.emails)) | set(extra_emails))
        if recipients:
            email_send(title=title, text=text, recipients=recipients)


def email_send(*, title: str, text: str, recipients: Iterable[str]) -> int:
    recipients = sorted(set(recipients))
    if not recipients:
        return 0
    prefix = settings.EMAIL_SUBJECT_PREFIX
    return send_mail(f"{prefix}{title}", text, None, recipients, fail_silently=False)


def channels_for(*, severity: str, kind: str = "") -> list[NotificationChannel]:
    rank = SEVERITY_RANK.get(severity, 1)
    return [
        channel
        for channel in NotificationChannel.objects.filter(is_active=True).order_by("pk")
        if SEVERITY_RANK.get(channel.min_severity, 1) <= rank
        and (not channel.alert_kinds or kind in channel.alert_kinds)
    ]


def notification_broadcast(
    *, title: str, text: str, severity: str, kind: str = "", extra_emails: Iterable[str] = ()
) -> dict[str, int]:
    """Send to every matching channel (and ``extra_emails``). One failing channel does not stop the others."""
    sent = failed = 0
    extra_emails = list(extra_emails)
    emailed = False
    for channel in channels_for(severity=severity, kind=kind):
        try:
            channel_send(
                channel,
                title=title,
                text=text,
                extra_emails=extra_emails if channel.kind == NotificationChannel.Kind.EMAIL else (),
            )
            emailed |= channel.kind == NotificationChannel.Kind.EMAIL
            sent += 1
        except (NotificationFailed, OSError) as error:
            failed += 1
            log.warning("notification via %s failed: %s", channel, error)
    if extra_emails and not emailed:
        try:
            email_send(title=title, text=text, recipients=extra_emails)
            sent += 1
        except OSError as error:
            failed += 1
            log.warning("notification e-mail to %s failed: %s", extra_emails, error)
    return {"sent": sent, "failed": failed}
