"""Tracking subscriptions and callbacks are claimed as every other table of retried work is (config.sweep): a worker
moves a row to *processing* and records when (``claimed_at``), so two workers never both work on it, and a claim
left by a killed worker is found by its age.

Until now a worker claimed a row by setting it pending again with one attempt more, so a pending row with attempts
is one a worker was on when this runs: it counts as claimed now (if its worker is gone, the sweeper takes it up once
the claim expires). A pending row without attempts was never taken and stays pending.
"""

from django.db import migrations, models
from django.utils import timezone

MODELS = ("TrackingSubscription", "TrackingCallback")
SUBSCRIPTION_CHOICES = [
    ("pending", "Pending"),
    ("processing", "Processing"),
    ("subscribed", "Subscribed"),
    ("failed", "Failed, will retry"),
    ("parked", "Parked"),
]
CALLBACK_CHOICES = [
    ("pending", "Pending"),
    ("processing", "Processing"),
    ("processed", "Processed"),
    ("failed", "Failed, will retry"),
    ("parked", "Parked"),
]


def claims_date(apps, schema_editor):
    now = timezone.now()
    for name in MODELS:
        apps.get_model("integrations", name).objects.filter(status="pending", attempts__gt=0).update(
            status="processing", claimed_at=now
        )


def claims_undo(apps, schema_editor):
    for name in MODELS:
        apps.get_model("integrations", name).objects.filter(status="processing").update(status="pending")


def _claimed_at(model_name):
    return migrations.AddField(
        model_name=model_name,
        name="claimed_at",
        field=models.DateTimeField(blank=True, null=True, verbose_name="claimed at"),
    )


def _status(model_name, choices):
    return migrations.AlterField(
        model_name=model_name,
        name="status",
        field=models.CharField(choices=choices, default="pending", max_length=10, verbose_name="status"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0024_connection_return_address"),
    ]

    operations = [
        _claimed_at("historicaltrackingcallback"),
        _claimed_at("historicaltrackingsubscription"),
        _claimed_at("trackingcallback"),
        _claimed_at("trackingsubscription"),
        _status("historicaltrackingcallback", CALLBACK_CHOICES),
        _status("historicaltrackingsubscription", SUBSCRIPTION_CHOICES),
        _status("trackingcallback", CALLBACK_CHOICES),
        _status("trackingsubscription", SUBSCRIPTION_CHOICES),
        migrations.RunPython(claims_date, claims_undo),
    ]
