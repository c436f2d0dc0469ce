"""The one retry policy (config.retry): back-off, attempts, permanent errors, a platform's retry-after."""

import datetime as dt

import pytest

from config.errors import ApplicationError
from config.retry import RetryDecision, backoff_delay, is_permanent, retry_decide
from integrations.exceptions import PayloadInvalid, PlatformUnavailable, RateLimited
from orders.exceptions import DuplicateOrder, OrderInvalid

NOW = dt.datetime(2026, 11, 11, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def policy(settings):
    settings.RETRY_MAX_ATTEMPTS = 4
    settings.RETRY_BASE_SECONDS = 30
    settings.RETRY_MAX_SECONDS = 3600


def test_backoff_doubles_from_the_base_and_stops_at_the_cap():
    assert [backoff_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff_delay(20).total_seconds() == 3600


def test_a_transient_error_is_retried_after_the_backoff_until_the_attempts_are_used_up():
    error = PlatformUnavailable("503 from the platform")
    assert retry_decide(error, attempts=1, now=NOW) == RetryDecision(False, NOW + dt.timedelta(seconds=30))
    assert retry_decide(error, attempts=3, now=NOW) == RetryDecision(False, NOW + dt.timedelta(seconds=120))
    assert retry_decide(error, attempts=4, now=NOW).give_up
    assert retry_decide(error, attempts=4, now=NOW).next_attempt_at == NOW


def test_a_caller_may_allow_fewer_or_more_attempts_than_the_setting():
    error = PlatformUnavailable("503")
    assert retry_decide(error, attempts=2, now=NOW, limit=2).give_up
    assert not retry_decide(error, attempts=5, now=NOW, limit=8).give_up


def test_errors_that_say_they_are_permanent_give_up_at_the_first_attempt():
    assert retry_decide(PayloadInvalid("body is not JSON"), attempts=1, now=NOW).give_up
    assert retry_decide(DuplicateOrder("order exists"), attempts=1, now=NOW).give_up
    assert not retry_decide(ApplicationError("something else"), attempts=1, now=NOW).give_up
    assert not retry_decide(KeyError("a bug"), attempts=1, now=NOW).give_up


def test_an_unknown_sku_is_retried_because_staff_may_add_it_but_other_invalid_orders_are_not():
    assert not is_permanent(OrderInvalid("no SKU 'X'", code="unknown_sku"))
    assert is_permanent(OrderInvalid("paid is not goods + shipping", code="amounts_mismatch"))
    assert is_permanent(OrderInvalid("no code given"))


def test_a_rate_limit_waits_at_least_as_long_as_the_platform_asks():
    assert retry_decide(RateLimited("slow down", retry_after=600), attempts=1, now=NOW).next_attempt_at == NOW + (
        dt.timedelta(seconds=600)
    )
    assert retry_decide(RateLimited("slow down", retry_after=5), attempts=3, now=NOW).next_attempt_at == NOW + (
        dt.timedelta(seconds=120)
    )
