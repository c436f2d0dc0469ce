"""A push message's content (Taobao TMC ``content``, Douyin ``data``, Pinduoduo ``content``): a JSON object sent
as an object or as a string of JSON; anything else is refused naming the message and the field."""

import pytest
from django.utils import translation

from integrations.exceptions import PayloadInvalid
from integrations.platforms.base import push_content


@pytest.mark.parametrize(
    "value",
    [
        {"tid": 4100001, "status": "TRADE_CLOSED"},
        '{"tid": 4100001, "status": "TRADE_CLOSED"}',
        b'{"tid": 4100001, "status": "TRADE_CLOSED"}',
    ],
)
def test_an_object_or_a_string_of_json_gives_the_object(value):
    assert push_content({"content": value}, "content", index=0) == {"tid": 4100001, "status": "TRADE_CLOSED"}


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ({"data": None}, "expected a JSON object"),
        ({}, "expected a JSON object"),
        ({"data": "[1, 2]"}, "expected a JSON object"),
        ({"data": 12}, "expected a JSON object"),
        ({"data": "{tid: 1"}, "not valid JSON"),
        ({"data": ""}, "not valid JSON"),
    ],
)
def test_anything_else_is_refused_naming_the_message_and_field(message, error):
    with translation.override("en"), pytest.raises(PayloadInvalid) as exc:
        push_content(message, "data", index=3)
    assert error in exc.value.message
    assert exc.value.extra["field"] == "body[3].data"
