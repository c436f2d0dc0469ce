import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db import migrations

SHANGHAI = ZoneInfo("Asia/Shanghai")
PREFIX = "AS"


def forwards(apps, schema_editor):
    """Every existing refund gets a case number (``AS`` + the Shanghai day it was recorded + the day's
    sequence, the counter of ``orders.OrderNumberCounter`` moved past them), withdrawn replaces cancelled,
    a refund with a platform id came from the platform; a fresh install's one approval tier: a manager
    approves any amount."""
    Case = apps.get_model("aftersales", "Case")
    Counter = apps.get_model("orders", "OrderNumberCounter")
    ApprovalTier = apps.get_model("aftersales", "ApprovalTier")
    Case.objects.filter(status="cancelled").update(status="withdrawn")
    Case.objects.exclude(external_id="").update(source="platform")
    last: dict[dt.date, int] = defaultdict(int)
    for counter in Counter.objects.filter(prefix=PREFIX):
        last[counter.day] = counter.last
    for case in Case.objects.filter(number="").order_by("created_at", "pk").iterator():
        day = case.created_at.astimezone(SHANGHAI).date()
        last[day] += 1
        Case.objects.filter(pk=case.pk).update(number=f"{PREFIX}{day:%Y%m%d}{last[day]:06d}")
    for day, value in last.items():
        Counter.objects.update_or_create(prefix=PREFIX, day=day, defaults={"last": value})
    if not ApprovalTier.objects.exists():
        ApprovalTier.objects.create(name="主管 Manager", approver="主管", max_amount=None, clean_history_only=False)


def backwards(apps, schema_editor):
    Case = apps.get_model("aftersales", "Case")
    Case.objects.filter(status="withdrawn").update(status="cancelled")
    Case.objects.update(number="")


class Migration(migrations.Migration):
    dependencies = [
        ("aftersales", "0003_cases"),
        ("orders", "0007_follow_changes"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
