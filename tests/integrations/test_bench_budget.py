"""``bench_budget``'s ingestion stage drains the run's own shop's inbox messages, and leaves whatever else waits in
the database's inbox (another run's, a shop's real traffic) where it is."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from integrations.management.commands import bench_budget
from integrations.models import InboxMessage, WorkStatus
from orders.models import Shop

pytestmark = pytest.mark.django_db


def test_the_ingestion_stage_leaves_other_shops_messages_waiting(monkeypatch):
    shop = Shop.objects.create(code="elsewhere", name="别家店", platform="shopify")
    waiting = InboxMessage.objects.create(
        shop=shop,
        platform="shopify",
        kind=InboxMessage.Kind.PUSH,
        topic="orders/create",
        external_id="4400000001",
        content_hash="4400000001",
        body='{"id": 4400000001}',
    )
    # VACUUM cannot run inside the test's transaction; what it tidies does not change what is drained.
    monkeypatch.setattr(bench_budget, "vacuum", lambda: None)
    out = StringIO()

    call_command("bench_budget", "--orders", "3", "--pgbench-seconds", "0", stdout=out)

    result = json.loads(out.getvalue().splitlines()[-1])
    assert (result["created"], result["stages"]["ingestion"]["orders"]) == (3, 3)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.attempts, waiting.claimed_at) == (WorkStatus.PENDING, 0, None)
