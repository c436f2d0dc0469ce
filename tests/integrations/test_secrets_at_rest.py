"""Secrets at rest: stored encrypted, read in clear, rotated to a new key by a command, never in history,
the API or the logs."""

import logging

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection as db

from config.crypto import PREFIX, SecretUnreadable, _fernet, encrypted_fields, key_derive
from integrations import tokens
from integrations.models import ShopConnection
from orders.models import NotificationChannel, Shop
from tests.integrations.helpers import make_shop

pytestmark = pytest.mark.django_db

KEY_A, KEY_B = Fernet.generate_key().decode(), Fernet.generate_key().decode()
SECRETS = {
    "app_secret": "app-secret-6f1d",
    "access_token": "tok-b1e0f2",
    "refresh_token": "ref-77aa01",
    "webhook_secret": "hook-c0ffee",
}


@pytest.fixture(autouse=True)
def _keys(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    _fernet.cache_clear()
    yield
    _fernet.cache_clear()


def _use_keys(settings, *keys):
    settings.FIELD_ENCRYPTION_KEYS = list(keys)


def _stored(table, column, pk):
    with db.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 (names are ours)
        return cursor.fetchone()[0]


@pytest.fixture
def connection(warehouse):
    return make_shop("tmall-secret", "tmall", warehouse, **SECRETS)


def test_secrets_are_stored_encrypted_and_read_in_clear(connection):
    for field, value in SECRETS.items():
        stored = _stored("integrations_shopconnection", field, connection.pk)
        assert stored.startswith(PREFIX) and value not in stored
        assert Fernet(KEY_A.encode()).decrypt(stored[len(PREFIX) :].encode()).decode() == value
    assert {f: getattr(ShopConnection.objects.get(pk=connection.pk), f) for f in SECRETS} == SECRETS


def test_the_same_secret_is_stored_differently_each_time(connection):
    other = make_shop("jd-secret", "jd", connection.shop.default_warehouse, **SECRETS)
    assert _stored("integrations_shopconnection", "app_secret", connection.pk) != _stored(
        "integrations_shopconnection", "app_secret", other.pk
    )


def test_robot_url_and_signing_secret_are_encrypted():
    robot = NotificationChannel.objects.create(
        name="ops",
        kind="dingtalk",
        webhook_url="https://oapi.dingtalk.com/robot/send?access_token=abc123",
        secret="SECxyz",
    )
    assert "abc123" not in _stored("orders_notificationchannel", "webhook_url", robot.pk)
    assert "SECxyz" not in _stored("orders_notificationchannel", "secret", robot.pk)
    assert NotificationChannel.objects.get(pk=robot.pk).secret == "SECxyz"


def test_an_empty_secret_stays_empty_and_can_be_filtered_on(warehouse):
    bare = make_shop("pdd-bare", "pdd", warehouse, app_secret="", access_token="")
    assert _stored("integrations_shopconnection", "access_token", bare.pk) == ""
    assert list(ShopConnection.objects.filter(access_token="")) == [bare]
    assert list(ShopConnection.objects.exclude(access_token="")) == []


def test_comparing_an_encrypted_field_with_a_value_is_refused(connection):
    with pytest.raises(TypeError, match="ShopConnection.access_token is encrypted"):
        list(ShopConnection.objects.filter(access_token="tok-b1e0f2"))
    with pytest.raises(TypeError, match="encrypted"):
        list(ShopConnection.objects.filter(access_token__in=["tok-b1e0f2"]))


def test_rotation_moves_every_secret_to_the_new_key(connection, settings):
    _use_keys(settings, KEY_B, KEY_A)  # new key first, the old one still readable
    assert ShopConnection.objects.get(pk=connection.pk).access_token == "tok-b1e0f2"

    call_command("secrets_rotate", stdout=open("/dev/null", "w"))

    _use_keys(settings, KEY_B)  # the old key removed
    assert {f: getattr(ShopConnection.objects.get(pk=connection.pk), f) for f in SECRETS} == SECRETS
    stored = _stored("integrations_shopconnection", "webhook_secret", connection.pk)
    assert Fernet(KEY_B.encode()).decrypt(stored[len(PREFIX) :].encode()).decode() == "hook-c0ffee"


def test_without_the_key_a_secret_was_written_with_reading_it_says_what_is_missing(connection, settings):
    _use_keys(settings, KEY_B)
    with pytest.raises(SecretUnreadable, match="写入时所用的密钥缺失"):
        ShopConnection.objects.get(pk=connection.pk)


def test_secrets_in_clear_from_before_encryption_are_read_and_encrypted_by_rotation(connection):
    with db.cursor() as cursor:
        cursor.execute(
            "UPDATE integrations_shopconnection SET access_token = 'legacy-token' WHERE id = %s", [connection.pk]
        )
    assert ShopConnection.objects.get(pk=connection.pk).access_token == "legacy-token"

    call_command("secrets_rotate", stdout=open("/dev/null", "w"))

    assert _stored("integrations_shopconnection", "access_token", connection.pk).startswith(PREFIX)
    assert ShopConnection.objects.get(pk=connection.pk).access_token == "legacy-token"


def test_without_configured_keys_a_key_is_derived_from_secret_key(connection, settings):
    _use_keys(settings)
    settings.SECRET_KEY = "a-secret-key-for-this-test-only-0123456789"
    connection.access_token = "derived-tok"
    connection.save()

    stored = _stored("integrations_shopconnection", "access_token", connection.pk)
    assert Fernet(key_derive(settings.SECRET_KEY)).decrypt(stored[len(PREFIX) :].encode()) == b"derived-tok"


def test_a_new_key_is_printed_on_request(capsys):
    call_command("secrets_rotate", "--generate-key")
    Fernet(capsys.readouterr().out.strip().encode())  # a valid key


def test_every_secret_field_of_the_project_is_encrypted():
    fields = {model._meta.label: names for model, names in encrypted_fields().items()}
    assert fields["integrations.ShopConnection"] == ["app_secret", "access_token", "refresh_token", "webhook_secret"]
    assert fields["orders.NotificationChannel"] == ["webhook_url", "secret", "phones"]
    assert fields["integrations.LogisticsConnection"] == ["secret", "callback_salt"]


def test_secrets_are_kept_out_of_history(connection):
    historical = {f.name for f in ShopConnection.history.model._meta.fields}
    assert historical.isdisjoint(SECRETS)
    assert {f.name for f in NotificationChannel.history.model._meta.fields}.isdisjoint({"webhook_url", "secret"})


def test_the_shop_api_never_returns_a_secret(client, admin_user, connection):
    client.force_login(admin_user)
    shop = Shop.objects.get(pk=connection.shop_id)
    bodies = [
        client.get("/api/v1/shops/").content.decode(),
        client.get(f"/api/v1/shops/{shop.code}/").content.decode(),
    ]
    for body in bodies:
        assert not any(value in body for value in SECRETS.values())


def test_a_token_refresh_logs_no_secret(request, caplog, sandbox_http, taobao):
    ShopConnection.objects.filter(pk=taobao.pk).update(refresh_token="ref-77aa01")
    taobao.refresh_from_db()
    with caplog.at_level(logging.DEBUG):
        fresh = tokens.connection_token_refresh(connection=taobao)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in ("ref-77aa01", fresh.access_token, fresh.refresh_token, taobao.app_secret, "good-token"):
        assert secret not in logged
