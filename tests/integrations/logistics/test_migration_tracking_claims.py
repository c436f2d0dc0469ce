"""Migration ``integrations.0025_tracking_subscription_and_callback_claimed_at``: tracking callbacks (and
subscriptions alike) a worker was on when it runs — pending with attempts, as the earlier claim left them — count as
claimed then, so the sweeper takes them up once the claim expires instead of a second worker taking them at once;
rows never taken stay pending. Going back makes the claimed rows pending again."""

import pytest
from django.utils import timezone

from tests.migrating import migrate_to, migrate_to_newest

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE = ("integrations", "0024_connection_return_address")
AFTER = ("integrations", "0025_tracking_subscription_and_callback_claimed_at")


@pytest.fixture
def at_0024():
    apps = migrate_to([BEFORE])
    yield apps
    migrate_to_newest()


def _callbacks(apps):
    Callback = apps.get_model("integrations", "TrackingCallback")
    return {row.body["name"]: row for row in Callback.objects.all()}


def test_callbacks_a_worker_was_on_count_as_claimed_and_go_back_to_pending(at_0024):
    Callback = at_0024.get_model("integrations", "TrackingCallback")
    for name, status, attempts in [("new", "pending", 0), ("taken", "pending", 1), ("failed", "failed", 1)]:
        Callback.objects.create(service="kuaidi100", body={"name": name}, status=status, attempts=attempts)
    started = timezone.now()

    after = _callbacks(migrate_to([AFTER]))

    assert {name: row.status for name, row in after.items()} == {
        "new": "pending",
        "taken": "processing",
        "failed": "failed",
    }
    assert after["taken"].claimed_at >= started and after["new"].claimed_at is None
    back = _callbacks(migrate_to([BEFORE]))
    assert back["taken"].status == "pending"
