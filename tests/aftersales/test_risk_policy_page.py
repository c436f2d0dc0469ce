"""The risk thresholds page (/aftersales/risk/): managers set the look-back days, the points and where watch and
high risk start, outside the admin; every change is kept in the policy's history and shown with who made it."""

from decimal import Decimal

import pytest
from django.test import Client

from aftersales.exceptions import CaseInvalid
from aftersales.models import RiskPolicy
from aftersales.services.risk import risk_policy_get, risk_policy_save
from tests.factories import RiskPolicyFactory

pytestmark = pytest.mark.django_db

FORM = {
    "window_days": "60",
    "points_per_case": "10",
    "history_cap": "30",
    "value_from": "500.00",
    "value_points": "25",
    "risky_reasons": ["quality", "missing_item"],
    "reason_points": "10",
    "fraud_points": "50",
    "watch_from": "35",
    "high_from": "65",
}


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_manager_sets_the_thresholds_and_sees_who_changed_what(manager):
    client = _client(manager)

    answer = client.post("/aftersales/risk/", FORM)

    assert answer.status_code == 302
    policy = risk_policy_get()
    assert (policy.window_days, policy.value_from, policy.risky_reasons, policy.watch_from, policy.high_from) == (
        60,
        Decimal("500.00"),
        ["quality", "missing_item"],
        35,
        65,
    )
    client.post("/aftersales/risk/", {**FORM, "high_from": "80"})
    page = client.get("/aftersales/risk/").content.decode()
    history = page.split('id="policy-history"')[1]
    assert history.count("<tr><td") == 2 and "manager" in history
    assert "65 → 80" in history
    assert RiskPolicy.objects.count() == 1 and risk_policy_get().history.count() == 2


def test_the_newest_active_policy_is_the_one_changed(manager):
    RiskPolicyFactory(name="old")
    newest = RiskPolicyFactory(name="current")

    _client(manager).post("/aftersales/risk/", FORM)

    newest.refresh_from_db()
    assert newest.window_days == 60 and RiskPolicy.objects.get(name="old").window_days == 90


def test_high_risk_may_not_start_below_watch(manager):
    answer = _client(manager).post("/aftersales/risk/", {**FORM, "watch_from": "70", "high_from": "60"})

    assert answer.status_code == 400 and 'id="form-error"' in answer.content.decode()
    assert not RiskPolicy.objects.exists()
    with pytest.raises(CaseInvalid):
        risk_policy_save(values={"watch_from": 50, "high_from": 101})


def test_cs_may_not_see_or_change_the_thresholds(cs_a):
    client = _client(cs_a)

    assert client.get("/aftersales/risk/").status_code == 403
    assert client.post("/aftersales/risk/", FORM).status_code == 403
    assert not RiskPolicy.objects.exists()
