"""A platform's refund end to end: the feed opens the case, staff approve it, the refund is agreed on the
platform and the platform's "refunded" notice settles it — then finance's vouchers count it. A staff case and the
platform's case for the same refund are one case; repeated and late notices change nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.channel import RefundInput
from aftersales.models import Case, CaseEvent, Payout
from aftersales.services import LineRequest, case_approve, case_create, refund_execute
from finance.services.vouchers import voucher_amounts
from integrations.ingest import refund_event_apply
from orders.services import order_transition
from orders.states import Status
from tests.factories import LegalEntityFactory, make_order

pytestmark = pytest.mark.django_db


def _order(shop, skus):
    order = make_order(
        shop=shop, skus=[(skus["FLW-SERUM-30ML"], 1, Decimal("99.00"))], status=Status.PAID, external_id="T-9"
    )
    return order_transition(order=order, to_status=Status.APPROVED, system="tests")


def _notice(shop, refund_id, status, amount="99.00"):
    return refund_event_apply(
        shop=shop,
        external_id="T-9",
        refund=RefundInput(external_id=refund_id, amount=Decimal(amount), status=status),
        system="tests",
    )


def test_platform_feed_case_decision_execution_and_finance(taobao, skus, manager):
    entity = LegalEntityFactory(shops=[taobao.shop])
    order = _order(taobao.shop, skus)

    _notice(taobao.shop, "RF-9", "requested")
    _notice(taobao.shop, "RF-9", "requested")  # delivered twice: nothing more
    case = Case.objects.get(order=order)
    assert (case.source, case.status, case.external_id) == (Case.Source.PLATFORM, "requested", "RF-9")
    assert case.events.filter(kind=CaseEvent.Kind.CREATED).count() == 1

    case_approve(case=case, actor=manager)
    payout = refund_execute(case=case, actor=manager)
    assert (payout.method, payout.status) == (Payout.Method.PLATFORM, Payout.Status.SENT)

    _notice(taobao.shop, "RF-9", "refunded")
    _notice(taobao.shop, "RF-9", "requested")  # late, out of order: changes nothing

    case.refresh_from_db()
    payout.refresh_from_db()
    assert (case.status, payout.status) == (Case.Status.REFUNDED, Payout.Status.SUCCEEDED)
    today = timezone.localdate()
    amounts = voucher_amounts(entity=entity, date_from=today - dt.timedelta(days=1), date_to=today)
    assert amounts[today]["refunds"]["tmall"] == Decimal("99.00")


def test_a_staff_case_and_the_platforms_case_for_the_same_refund_are_one(taobao, skus, manager):
    order = _order(taobao.shop, skus)
    staff = case_create(
        order=order, kind="refund_only", lines=[LineRequest(sku_code="FLW-SERUM-30ML", quantity=1)], actor=manager
    )

    _notice(taobao.shop, "RF-7", "requested")

    assert list(Case.objects.filter(order=order).values_list("pk", "external_id")) == [(staff.pk, "RF-7")]
    assert staff.events.filter(kind=CaseEvent.Kind.MATCHED).exists()
