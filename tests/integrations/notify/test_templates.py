"""Templates managers edit: every placeholder is checked when saved (through the admin too), and a shop's own
template is kept apart from the one for every shop."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from integrations.exceptions import NotifyTemplateInvalid
from integrations.notify.models import NotificationTemplate
from integrations.notify.rendering import fill, template_check
from orders import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (the UI default is Chinese)."""
    from django.utils import translation

    with translation.override("en", deactivate=True):
        yield


def test_every_moment_and_channel_has_a_seeded_template_for_every_shop(templates):
    assert NotificationTemplate.objects.filter(shop=None).count() == 7 * 3
    for template in NotificationTemplate.objects.all():
        template_check(body=template.body, subject=template.subject, params=template.params)


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"body": "订单{order_no}已发货"}, "body", "{order_no} is not a variable"),
        ({"body": "ok", "subject": "{order_number.__class__}"}, "subject", "is not a variable"),
        ({"body": "订单{order_number"}, "body", "write a literal brace"),
        ({"body": "ok", "params": {"a": "{amount:>10}"}}, "params.a", "is not a variable"),
        ({"body": "ok", "params": ["x"]}, "params", "write an object"),
        ({"body": "ok", "params": {"a": {"b": 1}}}, "params.a", "write text"),
    ],
)
def test_a_template_that_cannot_be_filled_is_refused_naming_the_field(fields, field, words):
    with pytest.raises(NotifyTemplateInvalid) as caught:
        template_check(**fields)
    assert caught.value.extra["field"] == field
    assert words in caught.value.message


def test_filling_leaves_literal_braces_and_missing_values_empty():
    assert fill("{{订单}} {order_number} {carrier}", {"order_number": "A1"}) == "{订单} A1 "


def test_a_manager_edits_a_template_in_the_admin_and_a_bad_variable_is_refused(templates):
    manager = UserFactory(groups=[roles.MANAGER])
    template = NotificationTemplate.objects.get(shop=None, moment="shipped", channel="sms")
    versions = template.history.count()
    url = reverse("admin:integrations_notificationtemplate_change", args=[template.pk])
    client = Client()
    client.force_login(manager)
    form = {
        "moment": "shipped",
        "channel": "sms",
        "shop": "",
        "is_active": "on",
        "code": "SMS_2024",
        "subject": "",
        "params": '{"order": "{order_number}"}',
    }

    refused = client.post(url, {**form, "body": "运单{waybill}"})
    assert refused.status_code == 200
    assert "{waybill}" in refused.content.decode()
    saved = client.post(url, {**form, "body": "运单{tracking_number}"})
    assert saved.status_code == 302
    template.refresh_from_db()
    assert (template.code, template.body, template.params) == (
        "SMS_2024",
        "运单{tracking_number}",
        {"order": "{order_number}"},
    )
    assert template.history.count() == versions + 1  # the refused edit wrote nothing
