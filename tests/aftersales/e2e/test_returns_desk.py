"""The returns desk on a phone: scan the return waybill → the case and what should be inside → count and grade
each line → photos of parcel and items (required) → received, stock moved through the ledger; a parcel matching
no case is registered as unknown with its photo."""

import base64
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from aftersales.models import ApprovalTier, Case, CaseEvidence, UnknownParcel
from aftersales.services import LineRequest, case_approve, case_create
from inventory.models import Pool, StockMovement
from orders import roles
from orders.access import warehouse_access_grant
from orders.states import Status
from tests.aftersales.helpers import order_shipped
from tests.factories import UserFactory, make_order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# A 1×1 PNG, as a phone camera's photo would be uploaded.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def _photo(name):
    return {"name": name, "mimeType": "image/png", "buffer": PNG}


@pytest.fixture
def receiver(world):
    user = UserFactory(username="receiver", groups=[roles.WAREHOUSE])
    warehouse_access_grant(who=user, warehouses=world["wh_a"])
    return user


@pytest.fixture
def awaiting(world, manager):
    # a fresh install's tier (a manager approves any amount): transactional tests start from an empty database
    ApprovalTier.objects.get_or_create(name="manager", approver=ApprovalTier.Approver.MANAGER, max_amount=None)
    sku1, sku2, _ = world["skus"]
    order = make_order(
        shop=world["shop_a"], skus=[(sku1, 2, Decimal("50.00")), (sku2, 1, Decimal("30.00"))], status=Status.PAID
    )
    order_shipped(order)
    case = case_create(
        order=order,
        kind="return_refund",
        lines=[LineRequest(sku_code="SKU-1", quantity=2), LineRequest(sku_code="SKU-2", quantity=1)],
        reason="质量问题",
        actor=manager,
    )
    case_approve(case=case, actor=manager)
    Case.objects.filter(pk=case.pk).update(return_waybill="SF1400000000001")
    return case


def _fits_the_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide: it scrolls sideways on a 360px phone"


def _scan(page, code):
    page.fill("#scan", code)
    page.press("#scan", "Enter")


def test_a_return_is_scanned_counted_graded_photographed_and_received(browser_page, awaiting, receiver):
    page = browser_page
    page.login(receiver)
    page.goto(page.url_for("/aftersales/m/returns/"))
    _fits_the_phone(page)

    _scan(page, "SF1400000000001")
    page.wait_for_selector("#inspect")
    _fits_the_phone(page)
    assert page.locator("#lines li").evaluate_all("els => els.map(e => e.dataset.sku)") == ["SKU-1", "SKU-2"]
    lines = {line.sku.code: line.pk for line in awaiting.lines.select_related("sku")}
    expect(page.locator("#parcel-photos")).to_have_attribute("capture", "environment")

    page.fill(f"#count-{lines['SKU-1']}", "2")
    page.select_option(f"#grade-{lines['SKU-1']}", "good")
    page.fill(f"#count-{lines['SKU-2']}", "1")
    page.select_option(f"#grade-{lines['SKU-2']}", "damaged")
    page.set_input_files("#parcel-photos", [_photo("parcel.png")])
    page.set_input_files("#item-photos", [_photo("item-1.png"), _photo("item-2.png")])
    page.click("#receive")

    expect(page.locator(".alert-ok")).to_contain_text(awaiting.number)
    awaiting.refresh_from_db()
    assert awaiting.status == Case.Status.RECEIVED and not awaiting.fraud_flag
    kinds = sorted(CaseEvidence.objects.filter(case=awaiting).values_list("kind", flat=True))
    assert kinds == ["item", "item", "parcel"]
    moves = StockMovement.objects.filter(reference=awaiting.number).order_by("sku__code")
    assert [(m.sku.code, m.pool, m.on_hand_delta) for m in moves] == [
        ("SKU-1", Pool.SPOT, 2),
        ("SKU-2", Pool.DAMAGED, 1),
    ]


def test_photos_are_required_before_anything_moves(browser_page, awaiting, receiver):
    page = browser_page
    page.login(receiver)
    page.goto(page.url_for(f"/aftersales/m/returns/{awaiting.pk}/"))

    page.evaluate("document.querySelectorAll('input[type=file]').forEach(i => i.required = false)")
    page.set_input_files("#item-photos", [_photo("item.png")])
    page.click("#receive")

    expect(page.locator("#error")).to_be_visible()
    awaiting.refresh_from_db()
    assert awaiting.status == Case.Status.AWAITING_RETURN
    assert not StockMovement.objects.filter(reference=awaiting.number).exists()


def test_a_parcel_matching_no_case_is_registered_as_unknown(browser_page, world, receiver):
    page = browser_page
    page.login(receiver)
    page.goto(page.url_for("/aftersales/m/returns/"))

    _scan(page, "YT9876543210")
    page.wait_for_selector("#unknown")
    _fits_the_phone(page)
    page.set_input_files("#parcel-photo", [_photo("unknown.png")])
    page.fill("#note", "一双黑色运动鞋")
    page.click("#register")

    expect(page.locator(".alert-ok")).to_contain_text("YT9876543210")
    parcel = UnknownParcel.objects.get()
    assert (parcel.tracking_number, parcel.warehouse, parcel.note, parcel.case) == (
        "YT9876543210",
        world["wh_a"],
        "一双黑色运动鞋",
        None,
    )
    assert parcel.photo.name.endswith(".png")
