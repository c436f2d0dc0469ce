"""Repeated wrong passwords lock one user name from one address out for a while (django-axes)."""

import datetime as dt

import axes.attempts
import axes.handlers.proxy
import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "right-horse-battery"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff():
    user = UserFactory(username="lin")
    user.set_password(PASSWORD)
    user.save()
    return user


def _login(client, password, *, username="lin", address="10.0.0.1", url=None):
    return client.post(url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_wrong_passwords_up_to_the_limit_are_refused_with_the_login_form(client, staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _login(client, "wrong")
        assert response.status_code == 200
        assert response.context["form"].errors


def test_after_the_limit_even_the_right_password_is_refused(client, staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "wrong")

    response = _login(client, PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # the refused attempt counts too (and starts the cool-off again)
    attempt = AccessAttempt.objects.get(username="lin", ip_address="10.0.0.1")
    assert attempt.failures_since_start == settings.AXES_FAILURE_LIMIT + 1


def test_the_lockout_page_is_translated(client, staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "wrong")

    response = _login(client, PASSWORD)

    assert "登录失败次数过多" in response.content.decode()


def test_the_lockout_is_for_that_user_from_that_address_only(client, staff, settings):
    UserFactory(username="wang").set_password(PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "wrong")

    assert _login(client, PASSWORD, address="10.0.0.2").status_code == 302  # same user, another address


def test_the_admin_login_is_locked_too(client, staff, settings):
    staff.is_staff = True
    staff.save()
    url = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "wrong", url=url)

    assert _login(client, PASSWORD, url=url).status_code == 429


def test_a_successful_login_clears_the_count(client, staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "wrong")
    assert _login(client, PASSWORD).status_code == 302
    client.logout()

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "wrong")

    assert _login(client, PASSWORD).status_code == 302


def test_an_administrator_can_lift_a_lockout(client, staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "wrong")

    call_command("axes_reset_username", "lin")

    assert _login(client, PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, staff, settings, monkeypatch):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "wrong")
    later = timezone.now() + settings.AXES_COOLOFF_TIME + dt.timedelta(seconds=1)
    for module in (axes.attempts, axes.handlers.proxy):  # the clocks axes reads the cool-off with
        monkeypatch.setattr(module, "now", lambda: later)

    assert _login(client, PASSWORD).status_code == 302
