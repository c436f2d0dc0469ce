"""``config.widgets.PlainSelect`` renders exactly the HTML Django's ``Select`` renders through its templates."""

from unittest import mock

import pytest
from django import forms

from config.widgets import PlainSelect
from orders.forms import OrderFilterForm
from orders.models import Shop

FLAT = [("", "全部状态"), ("paid", "已付款"), ("a&b", '<"引号">'), (3, "three")]
GROUPED = [("组 <1>", [("x", "X"), ("y", "Y")]), ("z", "Z"), ("", [("w", "W")])]


def django_select(widget, *args, **kwargs) -> str:
    """What Django's own Select renders for the same widget and arguments (its templates)."""
    return forms.Select.render(widget, *args, **kwargs)


@pytest.mark.parametrize("choices", [FLAT, GROUPED])
@pytest.mark.parametrize("value", [None, "", "paid", "a&b", 3, "y", ["x", "z"]])
@pytest.mark.parametrize("attrs", [None, {"id": "id_status", "class": "a<b", "disabled": True, "required": False}])
def test_plain_select_renders_what_djangos_select_renders(choices, value, attrs):
    widget = PlainSelect(choices=choices)
    assert widget.render("status", value, attrs=attrs) == django_select(widget, "status", value, attrs=attrs)


@pytest.mark.parametrize("multiple", [False, True])
def test_plain_select_keeps_the_widgets_own_attributes(multiple):
    widget = PlainSelect(attrs={"class": "wide", "data-x": 1}, choices=FLAT)
    widget.allow_multiple_selected = multiple
    assert widget.render("s", ["paid"], attrs={"id": "s"}) == django_select(widget, "s", ["paid"], attrs={"id": "s"})


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data", [None, {"status": "paid", "shop": "shop-b", "queue": "normal", "channel": "jd", "q": "x"}, {"status": "?"}]
)
def test_the_order_filter_forms_selects_render_as_djangos(world, data):
    form = OrderFilterForm(data, shops=Shop.objects.order_by("code"))
    if form.is_bound:
        form.is_valid()
    selects = [bound for bound in form if isinstance(bound.field.widget, PlainSelect)]
    assert {bound.name for bound in selects} == {"status", "shop", "hold_reason", "queue", "channel", "age"}
    plain = [str(bound) for bound in selects]
    with mock.patch.object(PlainSelect, "render", forms.Select.render):
        assert [str(bound) for bound in selects] == plain
