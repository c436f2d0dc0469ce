"""CS in a real browser: the queue counts down to the platform deadlines, two cases are ticked and approved in
bulk — one goes through, one is refused because no tier of the agent covers its amount — then the refused case
is opened, a note added and the case rejected with a reason."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from aftersales.models import ApprovalTier, Case
from orders.states import Status
from tests.factories import ApprovalTierFactory, make_case, make_order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cases(world):
    ApprovalTierFactory(name="客服 ≤50", approver=ApprovalTier.Approver.CS, max_amount=Decimal("50.00"))
    order = make_order(shop=world["shop_a"], skus=[(world["skus"][0], 2, Decimal("60.00"))], status=Status.PAID)
    now = timezone.now()
    small = make_case(
        order=order, kind="compensation", amount=Decimal("30.00"), deadline_at=now + dt.timedelta(hours=5)
    )
    large = make_case(
        order=order, kind="compensation", amount=Decimal("80.00"), deadline_at=now - dt.timedelta(hours=3)
    )
    return {"small": small, "large": large}


def test_cs_approves_in_bulk_then_decides_the_refused_case_on_its_page(desk_page, cases, cs_a):
    page = desk_page
    small, large = cases["small"], cases["large"]
    page.login(cs_a)
    page.clock.install()  # the page's own clock, to let six hours pass on the countdown
    page.goto(page.url_for("/aftersales/"))

    rows = page.locator("#cases tbody tr")
    expect(rows).to_have_count(2)
    assert rows.evaluate_all("rows => rows.map(r => r.dataset.case)") == [large.number, small.number]
    expect(page.locator(f'tr[data-case="{large.number}"] time.deadline.overdue')).to_be_visible()
    soon = page.locator(f'tr[data-case="{small.number}"] time.deadline')
    expect(soon).not_to_have_class(re.compile("overdue"))
    expect(soon).to_contain_text("剩余 4小时")
    page.clock.fast_forward("06:00:00")
    expect(soon).to_have_class(re.compile("overdue"))
    expect(soon).to_contain_text("已超时 1小时")

    page.check(f'input[name="case"][value="{small.pk}"]')
    page.check(f'input[name="case"][value="{large.pk}"]')
    page.click("#bulk-approve")

    messages = page.locator("ul.messages li")
    expect(messages).to_have_count(2)
    expect(page.locator("ul.messages li.success")).to_contain_text(small.number)
    expect(page.locator("ul.messages li.approval_not_allowed")).to_contain_text(large.number)
    assert Case.objects.get(pk=small.pk).status == Case.Status.APPROVED
    assert Case.objects.get(pk=large.pk).status == Case.Status.REQUESTED

    page.click(f'a[href="/aftersales/{large.pk}/"]')
    expect(page.locator("#case-amount")).to_contain_text("80.00")
    expect(page.locator("#tier")).to_be_visible()
    page.fill("#note", "买家同意改为部分补偿")
    page.click("#note-form button")
    expect(page.locator("#timeline li[data-kind='note']")).to_contain_text("买家同意改为部分补偿")

    page.fill("#reject-reason", "超出客服权限，改走部分补偿")
    page.click("#reject")
    expect(page.locator("#case-status")).to_have_attribute("data-status", "rejected")
    expect(page.locator("#decisions tr[data-verdict='reject']")).to_contain_text("超出客服权限，改走部分补偿")
