"""The signature a receiver verifies, and the retry schedule: first retry within a minute, more than 24 hours
of retries before a delivery is parked."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from config.retry import backoff_delay
from integrations.hooks.addresses import address_is_public
from integrations.hooks.signing import signature_compute, signature_header, signature_verify

SECRET = "whsec-test-0123456789abcdef"
BODY = b'{"id": "e1", "type": "order.paid", "data": {"number": "OH1"}}'


def test_the_header_is_t_and_v1_hmac_sha256_of_t_dot_body():
    import hashlib
    import hmac

    header = signature_header(secret=SECRET, body=BODY, timestamp=1700000000)

    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert signature_compute(secret=SECRET, timestamp=1700000000, body=BODY) == expected


def test_verification_refuses_a_changed_body_a_wrong_secret_and_a_stale_timestamp():
    header = signature_header(secret=SECRET, body=BODY, timestamp=1700000000)

    assert signature_verify(secret=SECRET, header=header, body=BODY, now=1700000100)
    assert not signature_verify(secret=SECRET, header=header, body=BODY + b" ", now=1700000100)
    assert not signature_verify(secret="x" * 20, header=header, body=BODY, now=1700000100)
    assert not signature_verify(secret=SECRET, header=header, body=BODY, now=1700000000 + 301)
    assert not signature_verify(secret=SECRET, header="v1=abc", body=BODY, now=1700000000)


def test_first_retry_within_a_minute_and_retries_last_more_than_a_day():
    attempts = settings.WEBHOOK_RETRY_MAX_ATTEMPTS
    waits = [backoff_delay(n) for n in range(1, attempts)]  # between attempt n and n + 1

    assert waits[0] <= dt.timedelta(seconds=60)
    assert sum(waits, dt.timedelta()) >= dt.timedelta(hours=24)


def test_public_and_private_addresses():
    assert address_is_public("93.184.215.14")
    assert address_is_public("2606:2800:21f:cb07:6820:80da:af6b:8b2c")
    for private in (
        "127.0.0.1",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:10.0.0.1",
        "224.0.0.1",
        "240.0.0.1",
    ):
        assert not address_is_public(private), private
