from django.db import migrations


class Migration(migrations.Migration):
    """A refund becomes an after-sales case of any kind: the same rows, under their new name (the finance
    links to them follow the rename)."""

    dependencies = [
        ("aftersales", "0001_refunds"),
        ("finance", "0002_one_reconciliation_run_at_a_time"),
    ]

    operations = [
        migrations.RenameModel("Refund", "Case"),
        migrations.RenameModel("HistoricalRefund", "HistoricalCase"),
    ]
