"""The field-mapping dictionary as adapters read it: staff overrides take effect when the overrides are read
again (every few seconds, or at once after ``overrides_forget``), a bad override fails the order with the
parser's message, and errors name the field, its source and the value."""

from decimal import Decimal

import pytest
from django.utils import translation

from integrations import mapping
from integrations.exceptions import MappingInvalid, PayloadInvalid
from integrations.mapping import overrides_forget
from integrations.models import FieldMapping
from integrations.platforms import adapter_for
from orders.states import Status
from tests.integrations.helpers import sample, shopify_sample

pytestmark = pytest.mark.django_db


def fullinfo():
    return sample("taobao_trade_fullinfo.json")["trade_fullinfo_get_response"]["trade"]


def test_staff_override_is_read_once_the_overrides_are_read_again(taobao):
    adapter = adapter_for("taobao")
    assert adapter.to_platform_order(fullinfo()).order.data.consignee_phone == "138****5678"

    FieldMapping.objects.create(profile="taobao", section="order", key="consignee_phone", value="receiver_zip")
    assert adapter.to_platform_order(fullinfo()).order.data.consignee_phone == "138****5678"  # overrides still cached
    overrides_forget()

    assert adapter.to_platform_order(fullinfo()).order.data.consignee_phone == "310012"


def test_staff_override_takes_effect_when_the_cached_overrides_expire(taobao, monkeypatch):
    adapter = adapter_for("taobao")
    now = [1000.0]
    monkeypatch.setattr(mapping.time, "monotonic", lambda: now[0])
    trade = dict(fullinfo(), status="TRADE_NEW_STATE")
    with pytest.raises(PayloadInvalid, match="的平台状态 'TRADE_NEW_STATE' 没有映射"):
        adapter.to_platform_order(trade)

    FieldMapping.objects.create(profile="taobao", section="status", key="TRADE_NEW_STATE", value="paid")
    FieldMapping.objects.create(profile="taobao", section="line", key="title", value="sku_properties_name")
    now[0] += mapping.CACHE_SECONDS

    order = adapter.to_platform_order(trade).order
    assert (order.platform_status, order.target_status) == ("TRADE_NEW_STATE", Status.PAID)
    assert [line.title for line in order.data.lines] == ["规格:30ml", "规格:5片"]


@pytest.mark.parametrize(
    "section, key, value, message",
    [
        (
            "order",
            "consignee_name",
            "receiver name",
            "'receiver name'：'receiver name' 不是形如 a.b.0.c 的路径。",
        ),
        (
            "line",
            "unit_price",
            "price @euros",
            "'price @euros'：未知的转换 'euros'（可选：text, yuan, fen, datetime, epoch, iso, int, bool, list, raw）。",
        ),
        ("cipher", "oaid", " ", "' '：没有来源路径。"),
    ],
)
def test_a_bad_override_fails_every_order_with_what_is_wrong(taobao, section, key, value, message):
    FieldMapping.objects.create(profile="taobao", section=section, key=key, value=value)
    overrides_forget()

    for _attempt in range(2):
        with pytest.raises(MappingInvalid) as caught:
            adapter_for("taobao").to_platform_order(fullinfo())
        assert caught.value.message == message


def test_a_blank_override_leaves_the_field_unmapped(taobao):
    FieldMapping.objects.create(profile="taobao", section="order", key="buyer_remark", value="")
    overrides_forget()

    assert adapter_for("taobao").to_platform_order(fullinfo()).order.data.buyer_remark == ""


def test_a_bad_line_value_names_the_line_field_its_source_and_the_value(taobao):
    trade = fullinfo()
    trade["orders"]["order"][1]["num"] = "two"

    with pytest.raises(PayloadInvalid) as caught:
        adapter_for("taobao").to_platform_order(trade)

    assert caught.value.message == "lines[1].quantity (num @int)：'two' 不是整数。"
    assert caught.value.extra == {"field": "lines[1].quantity", "value": "two"}


def test_amounts_collected_over_a_list_add_up_and_a_bad_one_is_named(shopify):
    _headers, body = shopify_sample()
    body["shipping_lines"] = [{"price": "8.00"}, {"price": "0"}, {"price": 4.5}]
    body["total_price"] = "338.50"
    assert adapter_for("shopify").to_platform_order(body).order.data.shipping_fee == Decimal("12.50")

    body["shipping_lines"][1]["price"] = "free"
    with pytest.raises(PayloadInvalid) as caught:
        adapter_for("shopify").to_platform_order(body)
    assert caught.value.message == (
        "shipping_fee (total_shipping_price_set.shop_money.amount|shipping_lines[].price @yuan)：'free' "
        "不是以元为单位的金额。"
    )


@pytest.mark.parametrize(
    "rows, expected",
    [
        ([{"b": "1.00"}], Decimal("1.00")),  # no a anywhere: b
        ([{"a": "2.00", "b": "1.00"}, {"b": "3.00"}], Decimal("4.00")),  # a has a hole: b for every row
        ([{"a": "2.00", "b": "1.00"}, {"a": "0.50", "b": "3.00"}], Decimal("2.50")),  # a complete: a
        ([{"a": None, "b": "1.00"}], Decimal("1.00")),  # null is no value
        ([], None),
    ],
)
def test_alternatives_fall_back_over_collected_lists_with_a_hole(rows, expected):
    spec = mapping.spec_parse("rows[].a|rows[].b @yuan")
    compiled = mapping.fields_compile({"fee": "rows[].a|rows[].b @yuan"}, {})

    assert mapping.extract({"rows": rows}, spec, field="fee") == expected
    assert mapping.fields_read({"rows": rows}, compiled) == {"fee": expected}


def test_a_collected_list_no_alternative_fills_names_the_element_without_a_value():
    spec = mapping.spec_parse("rows[].a|rows[].b @yuan")
    compiled = mapping.fields_compile({"fee": "rows[].a|rows[].b @yuan"}, {})
    native = {"rows": [{"a": "1.00", "b": "1.00"}, {"a": "", "b": "2.00"}, {"a": "1.00"}]}

    for read in (lambda: mapping.extract(native, spec, field="fee"), lambda: mapping.fields_read(native, compiled)):
        with pytest.raises(PayloadInvalid) as caught:
            read()
        assert caught.value.message == (
            "fee (rows[].a|rows[].b @yuan)：rows[1].a 没有值（没有任何备选路径对每个元素都有值）。"
        )
        assert caught.value.extra == {"field": "fee", "path": "rows[1].a"}


@pytest.mark.parametrize("field, source", [("quantity", "num"), ("unit_price", "price")])
def test_a_line_missing_its_quantity_or_price_is_refused_naming_the_field_and_its_source(field, source):
    from integrations.platforms.base import line_input

    line = {"sku_code": "SKU-1", "quantity": 2, "unit_price": Decimal("9.90")}
    del line[field]

    with translation.override("en"), pytest.raises(PayloadInvalid) as refused:
        line_input(line, index=3, sources={field: source})

    assert refused.value.message == f"lines[3].{field} ({source}): missing."
    assert refused.value.extra == {"field": f"lines[3].{field}"}
