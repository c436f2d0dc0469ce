"""Tracking pushes and shipping report deliveries record when a worker claimed them (``claimed_at``), as every
other table of retried work does (config.sweep): a claim left by a killed worker is then found by its age.

Rows claimed when this runs get a claim time: a report delivery's claim lasted until its ``next_attempt_at``, so it
was claimed the claim expiry before that; a push being processed had no time of its own and counts as claimed now
(if its worker is gone, the sweeper takes it up once the claim expires).
"""

import datetime as dt

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def claims_date(apps, schema_editor):
    expiry = dt.timedelta(seconds=settings.FULFILMENT_REPORT_CLAIM_EXPIRY_SECONDS)
    report_delivery = apps.get_model("fulfilment", "ReportDelivery")
    report_delivery.objects.filter(status="sending").update(claimed_at=models.F("next_attempt_at") - expiry)
    apps.get_model("fulfilment", "TrackingPush").objects.filter(status="processing").update(claimed_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("fulfilment", "0012_published_jd_and_wechat_codes"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalreportdelivery",
            name="claimed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="claimed at"),
        ),
        migrations.AddField(
            model_name="historicaltrackingpush",
            name="claimed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="claimed at"),
        ),
        migrations.AddField(
            model_name="reportdelivery",
            name="claimed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="claimed at"),
        ),
        migrations.AddField(
            model_name="trackingpush",
            name="claimed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="claimed at"),
        ),
        migrations.RunPython(claims_date, migrations.RunPython.noop),
    ]
