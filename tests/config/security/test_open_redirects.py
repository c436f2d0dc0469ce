"""A ``next`` parameter sends the user back only within Order Hub (checked like Django's LoginView)."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from config.redirects import next_url
from tests.factories import make_order

pytestmark = pytest.mark.django_db

OFF_SITE = [
    "https://evil.example/phish",
    "//evil.example/phish",
    "/\\evil.example/phish",
    "\\\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "http://testserver.evil.example/",
    " //evil.example",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_next_pointing_off_site_is_ignored(target):
    request = RequestFactory().post("/x/", {"next": target})
    assert next_url(request) == ""


@pytest.mark.parametrize("target", ["/review/?kind=risk&page=2", "http://testserver/orders/"])
def test_next_on_this_site_is_kept(target):
    request = RequestFactory().post("/x/", {"next": target})
    assert next_url(request) == target


def test_https_page_never_sends_back_to_plain_http():
    request = RequestFactory().post("/x/", {"next": "http://testserver/orders/"}, secure=True)
    assert next_url(request) == ""


@pytest.mark.parametrize("target", OFF_SITE)
def test_review_decisions_do_not_redirect_off_site(client, manager, world, target):
    order = make_order(shop=world["shop_a"])
    client.force_login(manager)

    response = client.post(reverse("review:order-release", args=[order.number]), {"next": target})

    assert response.status_code == 302
    assert response["Location"] == reverse("review:queue")


def test_review_decisions_return_to_the_page_they_came_from(client, manager, world):
    order = make_order(shop=world["shop_a"])
    client.force_login(manager)

    response = client.post(reverse("review:order-release", args=[order.number]), {"next": "/review/?page=2"})

    assert response["Location"] == "/review/?page=2"


@pytest.mark.parametrize("target", OFF_SITE)
def test_dead_letter_replay_does_not_redirect_off_site(client, manager, target):
    client.force_login(manager)

    response = client.post(reverse("integrations-dead-letters-replay"), {"next": target})

    assert response.status_code == 302
    assert response["Location"] == reverse("integrations-dead-letters")


def test_dead_letter_replay_returns_to_the_message_it_came_from(client, manager):
    client.force_login(manager)

    response = client.post(reverse("integrations-dead-letters-replay"), {"next": "/integrations/inbox/7/"})

    assert response["Location"] == "/integrations/inbox/7/"
