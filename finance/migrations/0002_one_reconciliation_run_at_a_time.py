from django.db import migrations, models
from django.utils import timezone


def older_running_runs_failed(apps, schema_editor):
    """Before the constraint: of several runs still marked running (a crashed process leaves one), all but the
    newest are marked failed."""
    Run = apps.get_model("finance", "ReconciliationRun")
    running = Run.objects.filter(status="running").order_by("-started_at", "-id")
    newest = running.first()
    if newest is not None:
        running.exclude(pk=newest.pk).update(
            status="failed", finished_at=timezone.now(), message="Abandoned: another run was started after it."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0001_statements_reconciliation_vouchers"),
    ]

    operations = [
        migrations.RunPython(older_running_runs_failed, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="reconciliationrun",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "running")), fields=("status",), name="one_run_running"
            ),
        ),
    ]
