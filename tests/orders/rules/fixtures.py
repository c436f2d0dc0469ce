"""Fixtures shared by the rules, review, shaping, health and SLA tests (imported by their conftest files)."""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest

from orders.models import RuleSet
from orders.rules.services import rule_version_create, rule_version_preview, rule_version_publish
from orders.states import Status
from tests.factories import SKUFactory, make_order

START = dt.datetime(2026, 11, 11, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


@pytest.fixture(autouse=True)
def tasks_run_inline(sync_tasks):
    """The rules, review, shaping, health and SLA tests run queued tasks at once (``sync_tasks``)."""


class Clock:
    def __init__(self, at: dt.datetime):
        self.now = at

    def advance(self, **delta) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@pytest.fixture
def clock():
    """Time frozen at 2026-11-11 10:00 Shanghai; ``clock.advance(minutes=11)`` moves it."""
    frozen = Clock(START)
    with mock.patch("django.utils.timezone.now", side_effect=lambda: frozen.now):
        yield frozen


@pytest.fixture
def publish(db):
    """``publish(rules, code="default")``: a live rule set version, through preview and publish."""

    def _publish(rules, code="default", actor=None):
        rule_set, _ = RuleSet.objects.get_or_create(code=code, defaults={"name": f"rules {code}"})
        version = rule_version_create(rule_set=rule_set, rules=rules, actor=actor)
        preview = rule_version_preview(version_id=version.pk, actor=actor)
        return rule_version_publish(version_id=version.pk, preview_id=preview.pk, actor=actor)

    return _publish


@pytest.fixture
def paid_order(world):
    """``paid_order(amount=Decimal("99.00"), sku=None, quantity=1, **order fields)`` in shop A, paid."""

    def _make(amount=Decimal("99.00"), sku=None, quantity=1, shop=None, **fields):
        sku = sku or SKUFactory()
        return make_order(shop=shop or world["shop_a"], status=Status.PAID, skus=[(sku, quantity, amount)], **fields)

    return _make


def rule(rule_id, when, then, **extra):
    """A rule as managers write it."""
    return {"id": rule_id, "name": rule_id.replace("-", " "), "when": when, "then": then, **extra}
