"""The case page (/aftersales/<id>/): the whole story of a case and its steps — approve, reject (a reason
required), give the money back, stop the order, a note, evidence — each through the after-sales services, their
errors shown as they say them (409 ``refund_exceeds_paid`` included); a case opened from the order page."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from aftersales.exceptions import RefundExceedsPaid
from aftersales.models import ApprovalTier, Case, CaseDecision, CaseEvent, CaseEvidence, Payout
from aftersales.services import case_approve
from aftersales.signals import case_interception_wanted
from orders.access import shop_access_grant
from orders.models import Shop
from orders.services import order_transition
from orders.states import HoldReason, Status
from tests.factories import (
    ApprovalTierFactory,
    CaseEventFactory,
    CaseEvidenceFactory,
    CaseFactory,
    CaseLineFactory,
    make_case,
    make_order,
)
from tests.factories.aftersales import PNG

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_install_tier")]


@pytest.fixture
def order(world):
    return make_order(
        shop=world["shop_a"],
        skus=[(world["skus"][0], 2, Decimal("50.00")), (world["skus"][1], 1, Decimal("30.00"))],
        status=Status.PAID,
        buyer_id="tb-buyer-1",
    )


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _said(answer):
    return [(m.level_tag, m.message, m.extra_tags) for m in get_messages(answer.wsgi_request)]


def test_the_page_tells_the_whole_story(order, manager):
    case = CaseFactory(
        order=order,
        amount=Decimal("50.00"),
        buyer_words="盒子压坏了，里面的瓶子漏了",
        return_waybill="SF1400000000009",
        risk_score=35,
        risk_factors={"history": 15, "reason": 15, "value": 5, "earlier_cases": 1},
    )
    CaseLineFactory(case=case, quantity=1, amount=Decimal("50.00"))
    CaseEvidenceFactory(case=case, caption="买家拍的漏液照片")
    CaseEventFactory(case=case, note="买家电话说下午寄回")
    CaseDecision.objects.create(case=case, verdict="reject", actor=manager, amount=case.amount, reason="先看照片")

    page = _client(manager).get(f"/aftersales/{case.pk}/").content.decode()

    for shown in (
        case.number,
        f'href="/orders/{order.number}/"',
        "盒子压坏了，里面的瓶子漏了",
        "SF1400000000009",
        "买家拍的漏液照片",
        "买家电话说下午寄回",
        "先看照片",
        'data-sku="SKU-1"',
        'id="risk-score">35<',
        "+15",
        "130.00",  # paid for the order
        'id="buyer-history" href="/aftersales/buyers/?phone=13812345678"',
    ):
        assert shown in page, shown


def test_finance_sees_the_consignee_masked_and_no_steps(order, finance):
    case = CaseFactory(order=order)

    page = _client(finance).get(f"/aftersales/{case.pk}/").content.decode()

    assert "138****5678" in page and "13812345678" not in page
    assert 'id="steps"' not in page and 'id="note-form"' not in page
    assert 'id="buyer-history"' not in page  # no return history by phone for roles that see it masked


def test_cs_cannot_open_a_case_of_another_shop(world, cs_a):
    other = make_order(shop=world["shop_b"], skus=[(world["skus"][0], 1, Decimal("10.00"))], status=Status.PAID)
    case = CaseFactory(order=other)

    assert _client(cs_a).get(f"/aftersales/{case.pk}/").status_code == 404
    assert _client(cs_a).post(f"/aftersales/{case.pk}/approve/").status_code == 404


def test_approve_from_the_page_records_the_decision_and_stops_nothing_else(order, manager):
    case = make_case(order=order, kind="compensation", amount=Decimal("20.00"))

    answer = _client(manager).post(f"/aftersales/{case.pk}/approve/", {"reason": "老客户"})

    assert answer.status_code == 302 and answer["Location"] == f"/aftersales/{case.pk}/"
    case.refresh_from_db()
    assert case.status == Case.Status.APPROVED
    assert list(case.decisions.values_list("verdict", "actor__username", "reason")) == [
        ("approve", "manager", "老客户")
    ]


def test_approving_a_case_past_what_the_order_was_paid_is_409_refund_exceeds_paid(shrunk_case, manager):
    with pytest.raises(RefundExceedsPaid) as refused:
        case_approve(case=shrunk_case, actor=manager)

    assert refused.value.status == 409
    assert refused.value.extra == {
        "field": "amount",
        "paid": "110.00",
        "already_refunded": "0.00",
        "available": "110.00",
    }
    shrunk_case.refresh_from_db()
    assert shrunk_case.status == Case.Status.REQUESTED and not shrunk_case.decisions.exists()


def test_the_page_shows_the_409_in_the_readers_language(shrunk_case, manager):
    shop_access_grant(who=manager, shops=shrunk_case.order.shop)
    client = _client(manager)

    answer = client.post(f"/aftersales/{shrunk_case.pk}/approve/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    ((level, message, code),) = _said(answer)
    assert (level, code) == ("error", "refund_exceeds_paid")
    assert "110.00" in message and "120.00" in message
    assert "exceeds" not in message  # said in Chinese


def test_reject_needs_a_reason_and_releases_the_order(order, cs_a):
    case = make_case(order=order, kind="refund_only", lines=[("SKU-1", 1)])
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.REFUND)
    client = _client(cs_a)

    answer = client.post(f"/aftersales/{case.pk}/reject/", {"reason": " "})
    assert [(level, code) for level, _m, code in _said(answer)] == [("error", "case_invalid")]
    case.refresh_from_db()
    assert case.status == Case.Status.REQUESTED

    client.post(f"/aftersales/{case.pk}/reject/", {"reason": "买家已确认收货无问题"})
    case.refresh_from_db()
    order.refresh_from_db()
    assert case.status == Case.Status.REJECTED and order.status == Status.PAID


def test_refund_from_the_page_gives_an_offline_orders_money_back_once(world, manager):
    own = make_order(
        shop=Shop.objects.create(code="pos", name="门店", platform="pos"),
        skus=[(world["skus"][0], 1, Decimal("80.00"))],
        status=Status.PAID,
    )
    shop_access_grant(who=manager, shops=own.shop)
    case = make_case(order=own, kind="compensation", amount=Decimal("15.00"))
    case_approve(case=case, actor=manager)
    client = _client(manager)

    client.post(f"/aftersales/{case.pk}/refund/")
    client.post(f"/aftersales/{case.pk}/refund/")

    case.refresh_from_db()
    assert case.status == Case.Status.REFUNDED
    assert list(case.payouts.values_list("method", "status", "amount")) == [
        (Payout.Method.OFFLINE, Payout.Status.SUCCEEDED, Decimal("15.00"))
    ]


def _sent_order(world, status):
    """A paid order moved along its statuses (``order_transition``) as far as ``status``."""
    order = make_order(shop=world["shop_a"], skus=[(world["skus"][0], 1, Decimal("50.00"))], status=Status.PAID)
    path = [Status.APPROVED, Status.PICKING, Status.SHIPPED, Status.DELIVERED]
    for step in path[: path.index(status) + 1]:
        order = order_transition(order=order, to_status=step, system="tests")
    return order


def test_stopping_an_order_already_with_the_carrier_asks_an_interception_again(world, cs_a):
    case = make_case(order=_sent_order(world, Status.SHIPPED), kind="return_refund", lines=[("SKU-1", 1)])
    assert case.events.filter(kind=CaseEvent.Kind.INTERCEPTION).count() == 1  # asked when the case was opened
    asked = []
    case_interception_wanted.connect(
        lambda sender, case_id, **kw: asked.append(case_id), weak=False, dispatch_uid="heard"
    )
    try:
        answer = _client(cs_a).post(f"/aftersales/{case.pk}/intercept/")
    finally:
        case_interception_wanted.disconnect(dispatch_uid="heard")

    assert asked == [case.pk]
    assert [level for level, _m, _c in _said(answer)] == ["success"]
    assert case.events.filter(kind=CaseEvent.Kind.INTERCEPTION).count() == 2


def test_a_delivered_order_cannot_be_stopped(world, cs_a):
    case = make_case(order=_sent_order(world, Status.DELIVERED), kind="return_refund", lines=[("SKU-1", 1)])

    answer = _client(cs_a).post(f"/aftersales/{case.pk}/intercept/")

    assert [(level, code) for level, _m, code in _said(answer)] == [("error", "case_state")]


def test_a_note_and_evidence_go_on_the_case(order, cs_a):
    case = CaseFactory(order=order)
    client = _client(cs_a)

    client.post(f"/aftersales/{case.pk}/note/", {"note": "已电话联系买家"})
    client.post(
        f"/aftersales/{case.pk}/evidence/",
        {"evidence": [SimpleUploadedFile("chat.png", PNG, content_type="image/png")], "caption": "聊天截图"},
    )
    refused = client.post(
        f"/aftersales/{case.pk}/evidence/",
        {"evidence": [SimpleUploadedFile("run.exe", b"MZ", content_type="application/x-msdownload")]},
    )

    assert list(case.events.filter(kind=CaseEvent.Kind.NOTE).values_list("note", flat=True))[0] == "已电话联系买家"
    assert list(case.evidence.values_list("caption", "kind", "uploaded_by__username")) == [
        ("聊天截图", CaseEvidence.Kind.BUYER, "cs_a")
    ]
    assert [(level, code) for level, _m, code in _said(refused)][-1] == ("error", "case_invalid")


def test_a_case_opened_from_the_order_page(order, cs_a):
    client = _client(cs_a)
    assert f'href="/aftersales/new/{order.number}/"' in client.get(f"/orders/{order.number}/").content.decode()
    line = order.lines.get(sku__code="SKU-1")

    answer = client.post(
        f"/aftersales/new/{order.number}/",
        {
            "kind": "return_refund",
            f"qty-{line.pk}": "1",
            "reason_code": "quality",
            "reason": "质量问题",
            "buyer_words": "拉链坏了",
            "evidence": [SimpleUploadedFile("zip.png", PNG, content_type="image/png")],
        },
    )

    case = Case.objects.get(order=order)
    assert answer.status_code == 302 and answer["Location"] == f"/aftersales/{case.pk}/"
    assert (case.kind, case.amount, case.buyer_words, case.created_by) == (
        "return_refund",
        Decimal("50.00"),
        "拉链坏了",
        cs_a,
    )
    assert list(case.lines.values_list("sku__code", "quantity")) == [("SKU-1", 1)]
    assert case.evidence.count() == 1


def test_a_case_the_order_cannot_give_says_why_on_the_form(order, cs_a):
    line = order.lines.get(sku__code="SKU-1")

    answer = _client(cs_a).post(
        f"/aftersales/new/{order.number}/", {"kind": "refund_only", f"qty-{line.pk}": "1", "amount": "200.00"}
    )

    assert answer.status_code == 400
    assert 'id="form-error"' in answer.content.decode()
    assert not Case.objects.filter(order=order).exists()


def test_the_warehouse_and_finance_cannot_open_a_case(order, finance):
    assert _client(finance).get(f"/aftersales/new/{order.number}/").status_code == 403
    assert f"/aftersales/new/{order.number}/" not in _client(finance).get(f"/orders/{order.number}/").content.decode()


def test_finance_gives_the_money_back_as_the_second_check_a_tier_asks_for(world, manager, finance):
    ApprovalTierFactory(
        name="主管 + 财务复核", approver=ApprovalTier.Approver.MANAGER, max_amount=None, finance_check=True
    )
    ApprovalTier.objects.filter(finance_check=False).update(is_active=False)
    pos = Shop.objects.create(code="pos", name="门店", platform="pos")
    shop_access_grant(who=finance, shops=pos)
    own = make_order(shop=pos, skus=[(world["skus"][0], 1, Decimal("80.00"))], status=Status.PAID)
    case = make_case(order=own, kind="compensation", amount=Decimal("15.00"))
    case_approve(case=case, actor=manager)

    page = _client(finance).get(f"/aftersales/{case.pk}/").content.decode()
    assert 'id="refund"' in page and 'id="approve"' not in page
    _client(finance).post(f"/aftersales/{case.pk}/refund/")

    case.refresh_from_db()
    assert case.status == Case.Status.REFUNDED
    assert list(case.decisions.values_list("verdict", "actor__username")) == [
        ("approve", "manager"),
        ("finance_check", "finance"),
    ]


def test_the_page_reads_as_many_queries_for_a_long_story_as_for_a_short_one(order, manager):
    case = CaseFactory(order=order, amount=Decimal("50.00"))
    CaseLineFactory(case=case, quantity=1, amount=Decimal("50.00"))

    def story(n):
        CaseEvidenceFactory.create_batch(n, case=case, uploaded_by=manager)
        CaseEventFactory.create_batch(n, case=case, actor=manager)
        for _ in range(n):
            CaseDecision.objects.create(case=case, verdict="reject", actor=manager, amount=case.amount, reason="再看")

    story(1)
    client = _client(manager)
    client.get(f"/aftersales/{case.pk}/")  # the session and the permission caches of this client
    with CaptureQueriesContext(connection) as short:
        client.get(f"/aftersales/{case.pk}/")
    story(4)

    with CaptureQueriesContext(connection) as long:
        page = client.get(f"/aftersales/{case.pk}/").content.decode()

    assert page.count('data-verdict="reject"') == 5
    assert len(long) == len(short)
