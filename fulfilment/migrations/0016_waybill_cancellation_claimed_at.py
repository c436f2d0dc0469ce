"""Waybill cancellations are claimed as every other table of retried work is (config.sweep): a worker moves a row to
*processing* and records when (``claimed_at``), so two workers never both cancel a number, and a claim left by a
killed worker is found by its age.

Until now a worker claimed a cancellation by setting it pending again with one attempt more, so a pending row with
attempts is one a worker was on when this runs: it counts as claimed now (if its worker is gone, the sweeper takes
it up once the claim expires). A pending row without attempts was never taken and stays pending.
"""

from django.db import migrations, models
from django.utils import timezone

CHOICES = [
    ("pending", "Pending"),
    ("processing", "Processing"),
    ("done", "Cancelled at the service"),
    ("failed", "Failed, will retry"),
    ("parked", "Parked"),
]


def claims_date(apps, schema_editor):
    cancellation = apps.get_model("fulfilment", "WaybillCancellation")
    cancellation.objects.filter(status="pending", attempts__gt=0).update(
        status="processing", claimed_at=timezone.now()
    )


def claims_undo(apps, schema_editor):
    apps.get_model("fulfilment", "WaybillCancellation").objects.filter(status="processing").update(status="pending")


class Migration(migrations.Migration):
    dependencies = [
        ("fulfilment", "0015_waybill_cancellation_reason_message"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalwaybillcancellation",
            name="claimed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="claimed at"),
        ),
        migrations.AddField(
            model_name="waybillcancellation",
            name="claimed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="claimed at"),
        ),
        migrations.AlterField(
            model_name="historicalwaybillcancellation",
            name="status",
            field=models.CharField(choices=CHOICES, default="pending", max_length=10, verbose_name="status"),
        ),
        migrations.AlterField(
            model_name="waybillcancellation",
            name="status",
            field=models.CharField(choices=CHOICES, default="pending", max_length=10, verbose_name="status"),
        ),
        migrations.RunPython(claims_date, claims_undo),
    ]
