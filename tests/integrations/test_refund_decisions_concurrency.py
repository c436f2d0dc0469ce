"""Refund decisions under real concurrency on PostgreSQL: two staff executing the same platform case at once make
one execution and one outbox message; two workers handed the same message make one call to the platform."""

import threading
import time
from decimal import Decimal

import pytest

from aftersales.models import Case, Payout
from aftersales.services import case_approve, refund_execute, refund_record
from integrations import outbox
from integrations.models import OutboxMessage, WorkStatus
from orders.states import Status
from tests.concurrency import run_together
from tests.factories import make_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("refund_sandbox")]


@pytest.fixture
def approved_case(taobao, skus, manager):
    order = make_order(
        shop=taobao.shop, skus=[(skus["FLW-SERUM-30ML"], 1, Decimal("99.00"))], status=Status.PAID, external_id="T-C1"
    )
    case, _created = refund_record(order=order, amount=Decimal("99.00"), external_id="990001", system="tests")
    case_approve(case=case, actor=manager)
    return case


def test_two_executions_at_once_make_one_execution_and_one_message(approved_case, manager, monkeypatch):
    queued = []
    monkeypatch.setattr("integrations.tasks.outbox_deliver", lambda message_id: queued.append(message_id))

    results, errors = run_together([lambda: refund_execute(case=approved_case, actor=manager) for _ in range(3)])

    assert errors == []
    assert len({payout.pk for payout in results}) == 1
    assert Payout.objects.filter(case=approved_case).count() == 1
    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.REFUND_AGREE)
    assert queued == [message.pk]
    assert Case.objects.get(pk=approved_case.pk).status == Case.Status.APPROVED


def test_two_workers_handed_the_same_message_call_the_platform_once(approved_case, manager, monkeypatch):
    monkeypatch.setattr("integrations.tasks.outbox_deliver", lambda message_id: None)  # delivered by the test
    refund_execute(case=approved_case, actor=manager)
    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.REFUND_AGREE)
    calls, lock = [], threading.Lock()

    def platform(client, connection, claimed):
        with lock:
            calls.append(claimed.pk)
        time.sleep(0.3)  # the other worker tries meanwhile
        return {"succ": True}

    monkeypatch.setattr("integrations.refunds.refund_decision_send", platform)

    results, errors = run_together([lambda: outbox.outbox_deliver(message.pk) for _ in range(2)])

    assert errors == []
    assert sorted(results) == sorted([WorkStatus.DONE, "not_due"])
    assert calls == [message.pk]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (WorkStatus.DONE, 1)
