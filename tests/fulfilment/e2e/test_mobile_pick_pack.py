"""The warehouse floor on a phone: My waves → scan bin → scan SKU → quantity, the wrong-SKU block, a
flaky network, then the pack station → verify every line → weight → label → shipped."""

import os

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from fulfilment.models import PickTask, ScanEvent, Shipment, Wave
from fulfilment.services import wave_build
from orders import roles
from orders.access import warehouse_access_grant
from orders.states import Status
from tests.factories import SKUFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def picker(floor):
    user = UserFactory(username="picker")
    user.groups.set(Group.objects.filter(name=roles.WAREHOUSE))
    warehouse_access_grant(who=user, warehouses=floor["wh_a"])
    return user


def _scan(page, code):
    page.fill("#scan", code)
    page.press("#scan", "Enter")


def _shot(page, name):
    """Set E2E_SCREENSHOTS=/some/dir to keep screenshots of the key screens."""
    folder = os.environ.get("E2E_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def _fits_the_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide: it scrolls sideways on a 360px phone"


def test_pick_and_pack_on_a_phone_with_the_wrong_sku_block(browser_page, floor, approved_order, picker):
    page = browser_page
    sku1, sku2, _sku3 = floor["skus"]
    SKUFactory(code="SKU-X")
    order = approved_order(skus=[(sku1, 2), (sku2, 1)], tags=["赠品", "需冰袋"], buyer_remark="请放门口")
    wave = wave_build(warehouse=floor["wh_a"], strategy="by_carrier", carrier_code="SF")
    page.login(picker)

    # My waves
    page.goto(page.url_for("/fulfilment/m/"))
    _fits_the_phone(page)
    page.click(f'[data-wave="{wave.number}"]')
    page.wait_for_selector("#t-location")
    assert page.inner_text("#t-location") == "M02-01"
    assert page.evaluate("document.activeElement.id") == "scan"  # the scanner types into the scan field
    _fits_the_phone(page)
    confirm_box = page.locator("#confirm")

    # scan the bin, then a SKU that is not in the order: refused loudly, page blocked
    _scan(page, "M02-01")
    assert page.get_attribute("#step-sku", "aria-current") == "step"
    _scan(page, "SKU-X")
    page.wait_for_selector("#block", state="visible")
    assert page.get_attribute("body", "data-blocked") == "1"
    message = page.inner_text("#block-message")
    assert "SKU-X" in message and order.number in message and "%" not in message
    assert page.evaluate("window.__ohAlarms") >= 1
    assert page.is_hidden("#block-dismiss")  # no way round it but the right scan
    _shot(page, "pick-wrong-sku")
    # still blocked after another wrong scan, even one of the order's own SKUs
    _scan(page, "SKU-2")
    assert page.is_visible("#block") and page.evaluate("window.__ohAlarms") >= 2
    # ...and after a reload: the block is kept with the scan state
    page.reload()
    page.wait_for_selector("#block", state="visible")
    # the right SKU (by barcode) unblocks and goes on to the quantity
    _scan(page, sku1.barcode)
    page.wait_for_selector("#block", state="hidden")
    assert page.get_attribute("body", "data-blocked") == "0"
    assert page.input_value("#qty") == "1"
    _scan(page, "SKU-1")  # one more unit
    assert page.input_value("#qty") == "2"
    _shot(page, "pick-quantity")
    box = confirm_box.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300  # a big, thumb-sized target
    confirm_box.click()

    # second pick on a flaky network: the post waits in the queue and goes when the network is back
    # Playwright's auto-waiting assertions, not wait_for_function: the page's CSP forbids evaluating strings.
    expect(page.locator("#t-location")).to_have_text("B03-05")
    expect(page.locator("#net")).to_have_attribute("data-pending", "0")
    page.context.set_offline(True)
    _scan(page, "B03-05")
    _scan(page, "SKU-2")
    page.click("#confirm")
    page.wait_for_selector("#finished", state="visible")
    expect(page.locator("#net")).to_have_attribute("data-pending", "1")
    assert PickTask.objects.filter(wave=wave, status=PickTask.Status.OPEN).count() == 1
    page.context.set_offline(False)
    expect(page.locator("#net")).to_have_attribute("data-pending", "0")

    assert list(PickTask.objects.filter(wave=wave).order_by("sequence").values_list("status", "picked_quantity")) == [
        (PickTask.Status.DONE, 2),
        (PickTask.Status.DONE, 1),
    ]
    assert Wave.objects.get(pk=wave.pk).status == Wave.Status.PICKED
    refused = list(
        ScanEvent.objects.filter(kind=ScanEvent.Kind.WRONG_SKU).order_by("at").values_list("scanned", "expected")
    )
    assert refused[:2] == [("SKU-X", "SKU-1"), ("SKU-2", "SKU-1")]

    # pack station
    page.click("#finished a")
    page.wait_for_selector("#idle")
    tote = wave.wave_orders.get().tote
    _scan(page, tote)
    page.wait_for_selector("#order", state="visible")
    tags = page.locator("#instructions li").all_inner_texts()
    assert tags == ["赠品", "需冰袋"]
    assert page.locator("#instructions li").first.bounding_box()["height"] >= 30  # prominent
    assert "请放门口" in page.inner_text("#o-remark")
    _fits_the_phone(page)
    _scan(page, "SKU-X")  # not in the parcel's order: refused
    page.wait_for_selector("#block", state="visible")
    page.click("#block-dismiss")
    for code in ("SKU-1", sku1.barcode, "SKU-2"):
        _scan(page, code)
    page.wait_for_selector("#finish", state="visible")
    assert page.locator('#lines li[data-sku="SKU-1"] .count').inner_text() == "2/2"
    assert page.input_value("#carrier") == "SF"  # planned carrier, chosen from the list
    page.fill("#weight", "1.25")
    _shot(page, "pack-verified")
    page.click("#print")
    page.wait_for_selector("#labelled", state="visible")
    shipment = Shipment.objects.get(order=order)
    assert shipment.status == Shipment.Status.LABELLED and shipment.weight_grams == 1250
    assert page.inner_text("#tracking") == shipment.tracking_number
    label_href = page.get_attribute("#label-link", "href")
    page.click("#ship")
    page.wait_for_selector("#shipped", state="visible")
    _shot(page, "pack-shipped")

    order.refresh_from_db()
    assert order.status == Status.SHIPPED
    StockMovement = apps.get_model("inventory", "StockMovement")
    assert sorted(
        StockMovement.objects.filter(kind="ship", reference=order.number).values_list("sku__code", "on_hand_delta")
    ) == [
        ("SKU-1", -2),
        ("SKU-2", -1),
    ]
    # the printable label
    page.goto(page.url_for(label_href.replace("?print=1", "")))
    assert page.inner_text("#label-tracking") == shipment.tracking_number


def test_the_breaker_shows_why_a_label_is_blocked_and_a_freight_carrier_fixes_it(
    browser_page, floor, approved_order, picker
):
    page = browser_page
    sku1 = floor["skus"][0]
    order = approved_order(skus=[(sku1, 1)])
    wave = wave_build(warehouse=floor["wh_a"], strategy="by_carrier", carrier_code="ZTO")
    task = wave.tasks.get()
    from fulfilment.services import pick_confirm

    pick_confirm(task=task, location_code="M02-01", sku_code="SKU-1", quantity=1, actor=picker)
    page.login(picker)
    page.goto(page.url_for("/fulfilment/m/pack/"))
    _scan(page, order.number)
    page.wait_for_selector("#order", state="visible")
    _scan(page, "SKU-1")
    page.fill("#weight", "75")
    page.click("#print")
    page.wait_for_selector("#breaker", state="visible")
    assert "75.0" in page.inner_text("#breaker-reason")
    _shot(page, "pack-breaker")
    assert Shipment.objects.get(order=order).block_reason == "overweight"
    page.select_option("#carrier", "DBWL")  # 德邦物流 takes 3 t
    page.click("#retry")
    page.wait_for_selector("#labelled", state="visible")
    assert Shipment.objects.get(order=order).carrier.code == "DBWL"
