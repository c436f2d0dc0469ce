"""The CS queue (/aftersales/): the cases of the user's shops, filtered by kind, status, shop, risk and platform
deadline, searched by number; consignees masked for roles without personal data; bulk approve through the
approval tiers with one outcome per case."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aftersales.models import ApprovalTier, Case, CaseDecision
from aftersales.selectors import case_queue_for_user
from aftersales.services.bulk import cases_approve
from aftersales.services.risk import risk_policy_get
from orders.states import Status
from tests.factories import ApprovalTierFactory, CaseFactory, RiskPolicyFactory, make_case, make_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_install_tier")]


@pytest.fixture
def orders(world):
    sku = world["skus"][0]
    return {
        shop: make_order(
            shop=world[shop], skus=[(sku, 2, Decimal("50.00"))], status=Status.PAID, consignee_phone="13912345678"
        )
        for shop in ("shop_a", "shop_b")
    }


@pytest.fixture
def queue(orders):
    now = timezone.now()
    a, b = orders["shop_a"], orders["shop_b"]
    return {
        "overdue": CaseFactory(order=a, number="AS20261111000001", deadline_at=now - dt.timedelta(hours=2)),
        "soon": CaseFactory(
            order=a, number="AS20261111000002", kind=Case.Kind.RETURN_REFUND, deadline_at=now + dt.timedelta(hours=5)
        ),
        "later": CaseFactory(order=a, number="AS20261111000003", risk_score=80, deadline_at=now + dt.timedelta(days=3)),
        "watch": CaseFactory(order=a, number="AS20261111000004", risk_score=45, external_id="TB-RF-77"),
        "done": CaseFactory(
            order=a, number="AS20261111000005", status=Case.Status.REFUNDED, deadline_at=now - dt.timedelta(days=1)
        ),
        "other_shop": CaseFactory(order=b, number="AS20261111000006", risk_score=10),
    }


def _numbers(cases):
    return [case.number for case in cases]


def _queue(user, **filters):
    return _numbers(case_queue_for_user(user, policy=risk_policy_get(), now=timezone.now(), **filters))


def test_the_queue_shows_the_nearest_deadline_first_and_only_the_users_shops(queue, cs_a, manager):
    assert _queue(cs_a) == [
        "AS20261111000005",  # refunded yesterday: past its deadline, but no longer open
        "AS20261111000001",
        "AS20261111000002",
        "AS20261111000003",
        "AS20261111000004",
    ]
    assert "AS20261111000006" in _queue(manager)


def test_the_queue_filters_by_kind_status_shop_risk_and_deadline(queue, manager, world):
    assert _queue(manager, kind="return_refund") == ["AS20261111000002"]
    assert _queue(manager, status="refunded") == ["AS20261111000005"]
    assert _queue(manager, shop=world["shop_b"]) == ["AS20261111000006"]
    assert _queue(manager, risk="high") == ["AS20261111000003"]
    assert _queue(manager, risk="watch") == ["AS20261111000004"]
    assert _queue(manager, risk="low") == ["AS20261111000006"]
    assert _queue(manager, risk_from=45) == ["AS20261111000003", "AS20261111000004"]
    assert _queue(manager, deadline="overdue") == ["AS20261111000001"]
    assert _queue(manager, deadline="due", due_hours=6) == ["AS20261111000002"]
    assert _queue(manager, deadline="due", due_hours=100) == ["AS20261111000002", "AS20261111000003"]
    assert _queue(manager, deadline="none") == ["AS20261111000006", "AS20261111000004"]


def test_the_queue_finds_a_case_by_its_number_its_order_or_the_platforms_ids(queue, manager, orders):
    assert _queue(manager, query="as20261111000002") == ["AS20261111000002"]
    assert _queue(manager, query="TB-RF-77") == ["AS20261111000004"]
    assert _queue(manager, query=orders["shop_b"].external_id) == ["AS20261111000006"]
    assert len(_queue(manager, query=orders["shop_a"].number)) == 5


def test_the_queue_page_reads_as_many_queries_for_fifteen_cases_as_for_five(queue, manager):
    client = Client()
    client.force_login(manager)
    client.get("/aftersales/")  # the session and the permission caches of this client
    with CaptureQueriesContext(connection) as few:
        assert client.get("/aftersales/").status_code == 200
    CaseFactory.create_batch(10, order=queue["overdue"].order)

    with CaptureQueriesContext(connection) as many:
        page = client.get("/aftersales/").content.decode()

    assert page.count('<tr data-case="') == 16
    assert len(many) == len(few)


def test_the_queue_page_masks_consignees_for_finance_and_counts_down_to_the_deadline(queue, finance, cs_a):
    client = Client()
    client.force_login(finance)
    page = client.get("/aftersales/").content.decode()
    assert "139****5678" in page and "13912345678" not in page
    assert 'id="bulk-approve"' not in page  # finance looks only

    client.force_login(cs_a)
    page = client.get("/aftersales/?deadline=overdue").content.decode()
    assert "13912345678" in page
    assert "AS20261111000001" in page and "AS20261111000002" not in page
    assert 'class="deadline nowrap overdue"' in page


def test_bulk_approve_says_for_each_case_whether_it_was_approved_and_why_not(orders, cs_a, world):
    ApprovalTierFactory(approver=ApprovalTier.Approver.CS, max_amount=Decimal("60.00"))
    RiskPolicyFactory(watch_from=30, high_from=50)
    order = orders["shop_a"]
    small = make_case(order=order, kind="compensation", amount=Decimal("20.00"))
    large = make_case(order=order, kind="compensation", amount=Decimal("70.00"))
    other_buyer = make_order(shop=world["shop_a"], skus=[(world["skus"][0], 1, Decimal("40.00"))], status=Status.PAID)
    high = make_case(order=other_buyer, kind="compensation", amount=Decimal("10.00"), reason_code="quality")
    Case.objects.filter(pk=high.pk).update(fraud_flag=True)  # a wrong item came back: 40 + 15 for the reason
    client = Client()
    client.force_login(cs_a)

    answer = client.post(
        "/aftersales/bulk-approve/",
        {"case": [small.pk, large.pk, high.pk], "next": "/aftersales/?status=requested"},
    )

    assert answer.status_code == 302 and answer["Location"] == "/aftersales/?status=requested"
    said = {re.match(r"AS\d+", m.message)[0]: (m.level_tag, m.extra_tags) for m in get_messages(answer.wsgi_request)}
    assert said == {
        small.number: ("success", ""),
        large.number: ("error", "bulk approval_not_allowed"),
        high.number: ("error", "bulk risk_high"),
    }
    statuses = dict(Case.objects.filter(pk__in=[small.pk, large.pk, high.pk]).values_list("number", "status"))
    assert statuses == {small.number: "approved", large.number: "requested", high.number: "requested"}
    assert CaseDecision.objects.get(case=small).actor == cs_a


def test_bulk_approve_is_refused_for_a_next_address_off_the_site(orders, cs_a):
    client = Client()
    client.force_login(cs_a)

    answer = client.post("/aftersales/bulk-approve/", {"case": [], "next": "https://evil.example/"})

    assert answer["Location"] == "/aftersales/"


def test_bulk_approve_never_touches_a_case_the_user_may_not_see(orders, cs_a):
    foreign = make_case(order=orders["shop_b"], kind="compensation", amount=Decimal("5.00"))
    client = Client()
    client.force_login(cs_a)

    client.post("/aftersales/bulk-approve/", {"case": [foreign.pk]})

    foreign.refresh_from_db()
    assert foreign.status == Case.Status.REQUESTED


def test_bulk_approve_refuses_a_case_that_would_give_back_more_than_was_paid(shrunk_case, manager):
    (outcome,) = cases_approve(cases=[shrunk_case], actor=manager)

    assert (outcome.result, outcome.code) == ("refused", "refund_exceeds_paid")
    assert "120.00" in outcome.message and "110.00" in outcome.message
    shrunk_case.refresh_from_db()
    assert shrunk_case.status == Case.Status.REQUESTED
