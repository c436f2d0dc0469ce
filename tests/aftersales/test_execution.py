"""Refunds through a payment provider: the client plugged into the execution is called after commit with the
refund request number; failures are retried by the one retry policy and parked when out of attempts; staff
send a parked one again."""

from decimal import Decimal

import pytest

from aftersales.models import Case, Payout
from aftersales.services import (
    LineRequest,
    ProviderAnswer,
    case_approve,
    case_create,
    payout_replay,
    refund_execute,
)
from aftersales.services.execution import PROVIDERS, payout_send
from config.errors import ApplicationError
from orders.models import Shop
from orders.states import Status
from tests.factories import make_order

pytestmark = pytest.mark.django_db


class Provider:
    code = "testpay"

    def __init__(self):
        self.calls, self.fail = [], 0

    def refund(self, request):
        self.calls.append(request)
        if self.fail:
            self.fail -= 1
            raise ApplicationError("provider busy", code="busy")
        return ProviderAnswer(reference=f"P-{request.request_no}")


@pytest.fixture
def provider(monkeypatch):
    provider = Provider()
    monkeypatch.setitem(PROVIDERS, provider.code, provider)
    return provider


@pytest.fixture
def approved(world, manager):
    shop = Shop.objects.create(code="mini", name="小程序", platform="wechat", default_warehouse=world["wh_a"])
    order = make_order(
        shop=shop, skus=[(world["skus"][0], 1, Decimal("88.00"))], status=Status.PAID, payment_method="testpay"
    )
    case = case_create(order=order, kind="refund_only", lines=[LineRequest(sku_code="SKU-1", quantity=1)])
    case_approve(case=case, actor=manager)
    return case


def test_the_provider_is_called_once_with_the_request_number(
    approved, provider, manager, sync_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        payout = refund_execute(case=approved, actor=manager)

    payout.refresh_from_db()
    approved.refresh_from_db()
    assert [c.request_no for c in provider.calls] == [payout.request_no] == [f"{approved.number}R01"]
    assert provider.calls[0].amount == Decimal("88.00")
    assert (payout.status, payout.reference, approved.status) == ("succeeded", f"P-{payout.request_no}", "refunded")


def test_a_failing_provider_is_retried_then_parked_and_replayed(approved, provider, manager, settings):
    settings.RETRY_MAX_ATTEMPTS = 2
    provider.fail = 2
    payout = refund_execute(case=approved, actor=manager)

    assert payout_send(payout_id=payout.pk) == Payout.Status.FAILED
    assert payout_send(payout_id=payout.pk) == Payout.Status.PARKED
    payout.refresh_from_db()
    assert (payout.attempts, payout.error_code) == (2, "busy")

    payout_replay(payout=payout, actor=manager)
    assert payout_send(payout_id=payout.pk) == Payout.Status.SUCCEEDED
    approved.refresh_from_db()
    assert approved.status == Case.Status.REFUNDED
