"""The client address used by lockouts and rate limits trusts only what the configured proxies wrote."""

from django.test import RequestFactory

from config.client import client_ip


def _request(**meta):
    return RequestFactory().get("/", **meta)


def test_without_proxies_the_peer_address_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4")) == "203.0.113.9"


def test_behind_one_proxy_the_last_forwarded_address_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = _request(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert client_ip(request) == "203.0.113.9"  # 6.6.6.6 was written by the client itself


def test_behind_two_proxies_the_second_from_the_right_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    request = _request(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9, 10.0.0.4")
    assert client_ip(request) == "203.0.113.9"


def test_a_short_forwarded_header_falls_back_to_the_peer(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9")) == "10.0.0.5"
