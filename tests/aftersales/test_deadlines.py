"""Each case's platform deadline is watched: amber before it runs out, a counted breach (red) after, resolved
once the case is decided."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.services import case_approve, case_create
from orders.models import Alert
from orders.sla import sla_watch
from orders.states import Status
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def _case(world, deadline_at):
    order = make_order(shop=world["shop_a"], skus=[(world["skus"][0], 1, Decimal("80.00"))], status=Status.PAID)
    return case_create(order=order, kind="compensation", amount=Decimal("10.00"), deadline_at=deadline_at)


def test_a_deadline_close_is_amber_a_passed_one_is_a_counted_breach(world, manager):
    now = timezone.now()
    soon = _case(world, now + dt.timedelta(hours=2))
    passed = _case(world, now - dt.timedelta(minutes=5))
    _case(world, now + dt.timedelta(days=2))  # far off: nothing yet

    counts = sla_watch(now=now)["aftersales_deadline"]

    assert (counts["open"], counts["breached"]) == (2, 1)
    alerts = dict(Alert.objects.filter(kind=Alert.Kind.AFTERSALES_DEADLINE).values_list("key", "severity"))
    assert alerts == {f"aftersales_deadline:{soon.pk}": "warning", f"aftersales_deadline:{passed.pk}": "critical"}

    case_approve(case=soon, actor=manager)
    counts = sla_watch(now=now)["aftersales_deadline"]

    assert (counts["open"], counts["resolved"]) == (1, 1)
