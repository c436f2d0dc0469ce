"""Sending the daily shipping health report (发货健康度日报) to the group robots at a set time.

Every ``fulfilment.shipping_report_send_due`` run (every 5 minutes): once the Shanghai clock has passed
``FULFILMENT_REPORT_SEND_AT`` (08:00 by default, before the morning meeting), yesterday's report gets one
``ReportDelivery`` per active notification channel that asked for it (``"shipping_report"`` in the channel's
alert kinds: a daily report is not an alert, so groups opt in); then every delivery due is claimed by
compare-and-set (``config.sweep``) and sent through ``orders.notifications.channel_send`` (DingTalk 加签 / WeCom
markdown, or e-mail). A claim lasts ``FULFILMENT_REPORT_CLAIM_EXPIRY_SECONDS``: a delivery still "sending" after
that (its worker was killed) is due again and claimed as another attempt, or parked once out of attempts. A
failure is retried with config.retry's back-off and, out of attempts, parked as dead: staff see it in the admin and
send it again.
The message is Chinese (the groups' language) and carries no personal data.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.retry import retry_decide
from config.sweep import claims_release_expired, due_ids, work_claim, work_replay
from fulfilment.models import ReportDelivery
from fulfilment.reports import shipping_health
from orders.models import NotificationChannel
from orders.notifications import channel_send

logger = logging.getLogger(__name__)
REPORT_KIND = "shipping_report"
Status = ReportDelivery.Status
DUE = (Status.PENDING, Status.FAILED)


def send_time() -> dt.time:
    hours, minutes = settings.FULFILMENT_REPORT_SEND_AT.split(":")
    return dt.time(int(hours), int(minutes))


def shipping_report_channels() -> list[NotificationChannel]:
    return [
        channel
        for channel in NotificationChannel.objects.filter(is_active=True).order_by("pk")
        if REPORT_KIND in (channel.alert_kinds or [])
    ]


def shipping_report_deliveries_open(*, day: dt.date, now: dt.datetime | None = None) -> int:
    """One delivery of ``day``'s report per opted-in channel, due ``now`` (again: nothing new). Returns how many
    were new."""
    created = 0
    for channel in shipping_report_channels():
        _delivery, new = ReportDelivery.objects.get_or_create(
            day=day, channel=channel, defaults={"next_attempt_at": now or timezone.now()}
        )
        created += int(new)
    return created


def shipping_report_message(report: dict[str, Any]) -> tuple[str, str]:
    """(title, markdown) of the report, in Chinese."""
    totals = report["totals"]
    day = report["day"].isoformat()
    page = f"{settings.NOTIFY_PUBLIC_BASE_URL.rstrip('/')}{reverse('fulfilment:report')}?day={day}"
    excel = f"{settings.NOTIFY_PUBLIC_BASE_URL.rstrip('/')}{reverse('fulfilment:report-xlsx')}?day={day}"

    def pct(value) -> str:
        return f"{value}%" if value is not None else "—"

    with translation.override(settings.LANGUAGE_CODE):
        title = _("Daily shipping health %(day)s") % {"day": day}
        lines = [
            f"### {title}",
            _("- Parcels shipped: %(n)s, on time: %(rate)s")
            % {"n": totals["shipped"], "rate": pct(totals["on_time_rate"])},
            _("- Label errors: %(n)s of %(attempts)s attempts (%(rate)s)")
            % {
                "n": totals["label_errors"],
                "attempts": totals["label_attempts"],
                "rate": pct(totals["label_error_rate"]),
            },
            _("- Exceptions caught: %(n)s") % {"n": totals["exceptions"]},
            _("- Manual interventions: %(n)s") % {"n": totals["manual_interventions"]},
        ]
        for channel in report["channels"]:
            lines.append(
                _("- %(channel)s: %(shipped)s shipped, on time %(rate)s, %(overdue)s overdue not shipped")
                % {
                    "channel": channel["channel"],
                    "shipped": channel["shipped"],
                    "rate": pct(channel["on_time_rate"]),
                    "overdue": channel["overdue_unshipped"],
                }
            )
        lines.append(f"[{_('Open the report')}]({page}) · [{_('Excel')}]({excel})")
    return title, "\n".join(lines)


def shipping_report_send_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Open yesterday's deliveries once the send time has passed, hand back claims whose worker was killed, then
    claim and send every delivery due."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    opened = 0
    if local.time() >= send_time():
        opened = shipping_report_deliveries_open(day=local.date() - dt.timedelta(days=1), now=now)
    # A worker killed while sending leaves its claim: once the claim expires, the delivery is due again (or parked,
    # out of attempts).
    released = claims_release_expired(
        ReportDelivery,
        claimed_status=Status.SENDING,
        released_status=Status.PENDING,
        dead_status=Status.DEAD,
        claim_expiry_seconds=settings.FULFILMENT_REPORT_CLAIM_EXPIRY_SECONDS,
        now=now,
    )
    sent, failed = 0, released.dead
    messages: dict[dt.date, tuple[str, str]] = {}
    for pk in due_ids(ReportDelivery.objects.all(), statuses=DUE, now=now, limit=None):
        # Claim: only the run that moves it to sending sends it; a second worker finds no row to update.
        if not work_claim(ReportDelivery, pk, due_statuses=DUE, claimed_status=Status.SENDING, now=now):
            continue
        delivery = ReportDelivery.objects.select_related("channel").get(pk=pk)
        if delivery.day not in messages:
            messages[delivery.day] = shipping_report_message(shipping_health(day=delivery.day, user=None))
        title, text = messages[delivery.day]
        try:
            channel_send(delivery.channel, title=title, text=text)
        except Exception as exc:  # the network, the robot's errcode: retried with the one policy, then parked
            decision = retry_decide(exc, attempts=delivery.attempts, now=now)
            _finish(
                delivery,
                Status.DEAD if decision.give_up else Status.FAILED,
                next_attempt_at=decision.next_attempt_at,
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
            )
            logger.warning("shipping report %s to %s failed: %s", delivery.day, delivery.channel, exc)
            failed += 1
            continue
        _finish(delivery, Status.SENT, sent_at=timezone.now(), last_error="")
        sent += 1
    return {"opened": opened, "sent": sent, "failed": failed}


def _finish(delivery: ReportDelivery, status: str, **fields) -> None:
    """Save the outcome of the claimed attempt — only while the claim is still this worker's."""
    ReportDelivery.objects.filter(pk=delivery.pk, status=Status.SENDING, claimed_at=delivery.claimed_at).update(
        status=status, claimed_at=None, **fields
    )


def report_deliveries_replay(*, delivery_ids: list[int]) -> int:
    """Send parked (dead or failed) deliveries again at the next run, with their attempts starting over."""
    parked = ReportDelivery.objects.filter(pk__in=delivery_ids, status__in=[Status.DEAD, Status.FAILED])
    return len(work_replay(parked, status=Status.PENDING, last_error=""))
