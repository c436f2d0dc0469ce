"""The public tracking page: a buyer finds their parcels by PLATFORM order number and the last 4 digits of
the phone, or by the signed link in a notification; they see the parcels' events and nothing else of the
order; guessing is rate-limited per address and per order number (shared cache)."""

import datetime as dt

import pytest
from django.core import signing
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from fulfilment.models import TrackingPush
from fulfilment.selectors import PUBLIC_LINK_SALT, public_tracking_token
from fulfilment.services import tracking_push_process
from orders.models import Order, OrderLink

pytestmark = pytest.mark.django_db
PLATFORM_ID = "3987456123001234567"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def delivered(shipped):
    shipment = shipped(
        consignee_name="王小明", consignee_phone="13912345678", external_id=PLATFORM_ID, address="文三路100号"
    )
    now = timezone.now()
    body = {
        "tracking_number": shipment.tracking_number,
        "events": [
            {
                "id": "1",
                "kind": "picked_up",
                "at": (now - dt.timedelta(hours=5)).isoformat(),
                "province": "浙江省",
                "city": "杭州市",
                "description": "已揽收",
            },
            {
                "id": "2",
                "kind": "delivered",
                "at": now.isoformat(),
                "province": "江苏省",
                "city": "南京市",
                "description": "已签收，快递员电话 13800001111",
            },
        ],
    }
    tracking_push_process(push_id=TrackingPush.objects.create(carrier_code="ZTO", body=body).pk)
    shipment.refresh_from_db()
    return shipment


def _track(client, number, last4, **extra):
    return client.post(reverse("public-track"), {"order_number": number, "phone_last4": last4}, **extra)


def test_the_platform_order_number_and_the_phone_digits_find_the_parcel(client, delivered):
    response = _track(client, PLATFORM_ID, "5678")

    assert response.status_code == 200
    html = response.content.decode()
    (parcel,) = response.context["result"]["parcels"]
    assert [e["kind"] for e in parcel["events"]] == ["已签收", "已揽收"]  # newest first
    assert parcel["carrier"] == delivered.carrier.name
    assert delivered.tracking_number not in html and delivered.tracking_number[-4:] in html
    assert "138****11" in html and "13800001111" not in html  # numbers inside descriptions are masked


def test_nothing_else_of_the_order_is_shown(client, delivered):
    html = _track(client, PLATFORM_ID, "5678").content.decode()
    order = delivered.order
    for private in ("王小明", "王*", "13912345678", "139****5678", "文三路", order.number, str(order.paid_amount)):
        assert private not in html, private
    assert response_has_no_cache(_track(client, PLATFORM_ID, "5678"))


def response_has_no_cache(response) -> bool:
    return response["Cache-Control"] == "no-store" and response["X-Robots-Tag"] == "noindex"


def test_order_hubs_own_number_works_too(client, delivered):
    assert _track(client, delivered.order.number, "5678").status_code == 200


def test_a_platform_masked_phone_still_matches_on_its_last_digits(client, delivered):
    Order.objects.filter(pk=delivered.order_id).update(consignee_phone="139****5678")
    assert _track(client, PLATFORM_ID, "5678").status_code == 200


def test_the_page_does_not_say_which_part_was_wrong(client, delivered):
    wrong_phone = _track(client, PLATFORM_ID, "0000")
    wrong_order = _track(client, "3987456123009999999", "5678")
    assert wrong_phone.status_code == wrong_order.status_code == 404
    assert wrong_phone.context["error"] == wrong_order.context["error"]
    assert wrong_phone.context["result"] is None


def test_parcels_of_the_order_it_was_merged_into_are_shown(client, delivered, approved_order):
    source = approved_order(consignee_phone="13912345678", external_id="3987456123007777777")
    OrderLink.objects.create(
        kind=OrderLink.Kind.MERGE, from_order=source, to_order=delivered.order, platform_ids=[source.external_id]
    )
    (parcel,) = _track(client, "3987456123007777777", "5678").context["result"]["parcels"]
    assert parcel["tracking_number"][-4:] == delivered.tracking_number[-4:]


def test_an_order_not_shipped_yet_says_so(client, approved_order, floor):
    approved_order(consignee_phone="13912345678", external_id="4000000000000000001")
    response = _track(client, "4000000000000000001", "5678")
    assert response.status_code == 200 and response.context["result"]["parcels"] == []
    assert "Not shipped yet" in response.content.decode() or "尚未发货" in response.content.decode()


def test_the_signed_link_opens_the_same_page_without_typing(client, delivered):
    token = public_tracking_token(delivered.order)

    response = client.get(reverse("public-track-link", args=[token]))

    assert response.status_code == 200
    assert response.context["result"]["order_number"] == PLATFORM_ID
    assert len(response.context["result"]["parcels"]) == 1


def test_a_forged_or_altered_link_shows_nothing(client, delivered):
    forged = signing.dumps({"o": delivered.order_id}, salt="another-salt", compress=True)
    altered = public_tracking_token(delivered.order)[:-2] + "xx"
    for token in (forged, altered, "nonsense"):
        response = client.get(reverse("public-track-link", args=[token]))
        assert response.status_code == 404 and response.context["result"] is None


def test_an_expired_link_shows_nothing(client, delivered, settings, monkeypatch):
    token = public_tracking_token(delivered.order)
    later = timezone.now().timestamp() + (settings.PUBLIC_TRACKING_LINK_DAYS + 1) * 86400
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert client.get(reverse("public-track-link", args=[token])).status_code == 404
    assert signing.loads(token, salt=PUBLIC_LINK_SALT)["o"] == delivered.order_id  # valid apart from its age


def test_lookups_are_limited_per_address(client, delivered):
    for _ in range(10):
        _track(client, "nope", "1234")
    blocked = _track(client, PLATFORM_ID, "5678")
    assert blocked.status_code == 429 and blocked.context["result"] is None
    assert _track(client, PLATFORM_ID, "5678", REMOTE_ADDR="10.9.9.9").status_code == 200  # another address


def test_guessing_one_orders_phone_is_limited_across_addresses(client, delivered):
    for i in range(5):
        _track(client, PLATFORM_ID, f"000{i}", REMOTE_ADDR=f"10.0.0.{i}")
    assert _track(client, PLATFORM_ID, "5678", REMOTE_ADDR="10.0.0.99").status_code == 429


def test_the_address_behind_a_proxy_is_the_forwarded_one(client, delivered, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(10):
        _track(client, "nope", "1234", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert (
        _track(client, "nope", "1234", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    )
    assert (
        _track(client, PLATFORM_ID, "5678", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code
        == 200
    )


def test_the_page_needs_no_login(client):
    assert client.get(reverse("public-track")).status_code == 200


def test_a_delivered_parcel_shows_no_expected_date(client, delivered):
    (parcel,) = _track(client, PLATFORM_ID, "5678").context["result"]["parcels"]
    assert parcel["delivered_at"] is not None and parcel["eta"] is None
