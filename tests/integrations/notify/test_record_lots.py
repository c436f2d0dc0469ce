"""Recording a lot of moments at once: the lot's orders, references, templates and opt-outs are read once for the
lot and its messages written by one INSERT — as many queries for 50 moments as for one — keeping every rule of
recording one (opt-out, once per moment/source/channel, channel choice, skipped masked numbers, a shop's own
template, platforms that tell their own buyers)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations.notify.models import BuyerMessage, NotificationTemplate
from integrations.notify.services import buyer_moments_record, buyer_opt_out
from tests.factories import ShopFactory, make_order
from tests.integrations.notify.helpers import parcel

pytestmark = pytest.mark.django_db
Status = BuyerMessage.Status


def _lot(shop, count: int, *, prefix: str) -> list[list]:
    """A paid moment and a shipped one (its parcel a reference) for each of ``count`` orders reachable by SMS and
    e-mail."""
    items = []
    for i in range(count):
        order = make_order(shop=shop, consignee_phone=f"139{i:08d}", buyer_email=f"{prefix}{i}@example.com")
        shipment = parcel(order, tracking_number=f"{prefix}{i}")
        items.append(["paid", order.pk, f"{prefix}:paid:{i}", {}])
        items.append(["shipped", order.pk, f"{prefix}:ship:{i}", {"shipment_id": shipment.pk}])
    return items


@pytest.mark.postgres  # elsewhere the messages go in one at a time (no INSERT … ON CONFLICT … RETURNING)
def test_a_lot_of_fifty_is_recorded_in_as_many_queries_as_one(providers, website, queued):
    one, fifty = _lot(website, 1, prefix="one"), _lot(website, 50, prefix="fifty")
    buyer_opt_out(channel="sms", address="13900000003")

    with CaptureQueriesContext(connection) as single:
        written_one = buyer_moments_record(one)
    with CaptureQueriesContext(connection) as lot:
        written_fifty = buyer_moments_record(fifty)

    assert (written_one, written_fifty) == (4, 200)  # paid and shipped, on SMS and e-mail
    assert len(lot.captured_queries) == len(single.captured_queries) <= 10


def test_a_lot_keeps_the_rules_of_recording_one(providers, website, queued):
    own = NotificationTemplate.objects.create(
        moment="paid", channel="sms", shop=website, code="SMS_OWN", body="官网 {order_number}", params={"o": "{shop}"}
    )
    taobao = make_order(shop=ShopFactory(platform="taobao"), consignee_phone="13700000001")
    masked = make_order(shop=website, consignee_phone="137****0002")
    opted = make_order(shop=website, consignee_phone="13700000003")
    other_shop = make_order(shop=ShopFactory(platform="website"), consignee_phone="13700000004")
    buyer_opt_out(channel="sms", address="+86 137-0000-0003")
    told_before = buyer_moments_record([["paid", opted.pk, "before", {}]])

    written = buyer_moments_record(
        [
            ["paid", taobao.pk, "t", {}],
            ["paid", masked.pk, "m", {}],
            ["paid", opted.pk, "before", {}],  # told before: not written again
            ["paid", other_shop.pk, "s", {}],
            ["paid", other_shop.pk, "s", {}],  # told twice in the lot: once
            ["paid", opted.pk, "again", {}],
        ]
    )

    assert told_before == 1 and written == 2
    by_order = {m.order_id: m for m in BuyerMessage.objects.filter(source_key__in=["s", "again"])}
    assert set(by_order) == {other_shop.pk, opted.pk}
    assert by_order[opted.pk].status == Status.OPTED_OUT and by_order[opted.pk].code == "SMS_OWN"
    assert by_order[other_shop.pk].code == "SMS_123456789"  # the template for every shop
    assert not BuyerMessage.objects.filter(order__in=[taobao, masked]).exists()
    assert [args[0] for _func, args in queued][-1] == [by_order[other_shop.pk].pk]  # the opted-out one is not sent
    assert own.pk == by_order[opted.pk].template_id
    assert by_order[other_shop.pk].history.filter(history_type="+").count() == 1  # created, in its history
