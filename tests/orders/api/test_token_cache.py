"""A request's API token kept in the shared cache (``orders.tokens.token_get``, ``API_TOKEN_CACHE_SECONDS``): read
from the database once, then from the cache; deleting or rotating the token, deactivating its user or changing its
policy refuses it or applies the new limits on the very next request."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from orders.models import TokenPolicy
from orders.tokens import _token_cache_key, token_policy_save
from tests.api import api_client
from tests.factories import make_order

pytestmark = pytest.mark.django_db

SHOPS = "/api/v1/shops/"


@pytest.fixture(autouse=True)
def token_cache(settings):
    settings.API_TOKEN_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def token_reads(client, url=SHOPS) -> int:
    """Requests ``url`` (200 expected) and returns how many queries read the token table."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum('"authtoken_token"' in query["sql"] for query in queries.captured_queries)


def shop_codes(client) -> list[str]:
    return sorted(shop["code"] for shop in client.get(SHOPS).json()["results"])


def test_a_kept_token_is_read_from_the_database_once(cs_a):
    client = api_client(cs_a)
    assert token_reads(client) == 1
    assert token_reads(client) == 0
    assert token_reads(client) == 0


def test_nothing_is_kept_without_a_shared_cache(cs_a, settings):
    settings.API_TOKEN_CACHE_SECONDS = 0
    client = api_client(cs_a)
    assert [token_reads(client) for _ in range(3)] == [1, 1, 1]


def test_the_kept_copy_holds_no_password_hash(cs_a):
    client = api_client(cs_a)
    client.get(SHOPS)
    token, shop_ids = cache.get(_token_cache_key(Token.objects.get(user=cs_a).key))
    assert token.user == cs_a and shop_ids is None
    assert "password" in token.user.get_deferred_fields()


def test_a_deleted_token_is_refused_at_once(cs_a):
    client = api_client(cs_a)
    assert client.get(SHOPS).status_code == 200
    Token.objects.get(user=cs_a).delete()
    assert client.get(SHOPS).status_code == 401


def test_a_copy_put_back_by_a_request_that_read_the_token_before_it_was_deleted_is_not_served(cs_a):
    # The race: a request reads the token from the database, the token is deleted (its copy forgotten), then the
    # request writes the copy it read. The forgotten mark keeps that copy from being served.
    client = api_client(cs_a)
    key = Token.objects.get(user=cs_a).key
    assert client.get(SHOPS).status_code == 200
    read_before = cache.get(_token_cache_key(key))

    Token.objects.get(user=cs_a).delete()
    cache.set(_token_cache_key(key), read_before, 60)

    assert client.get(SHOPS).status_code == 401


def test_a_rotated_token_is_refused_and_the_new_one_works(cs_a):
    old = api_client(cs_a)
    assert old.get(SHOPS).status_code == 200
    Token.objects.filter(user=cs_a).delete()
    Token.objects.create(user=cs_a)
    assert old.get(SHOPS).status_code == 401
    assert api_client(cs_a).get(SHOPS).status_code == 200


def test_a_deactivated_users_token_is_refused_at_once(cs_a):
    client = api_client(cs_a)
    assert client.get(SHOPS).status_code == 200
    cs_a.is_active = False
    cs_a.save()
    assert client.get(SHOPS).status_code == 401


def test_a_new_policy_applies_at_once(manager):
    client = api_client(manager)
    assert shop_codes(client) == ["shop-a", "shop-b"]
    token_policy_save(user=manager, read_only=True, shops=[], rate="")
    assert client.post("/api/v1/orders/", {}, format="json").json()["code"] == "token_read_only"


def test_changing_a_policys_shops_applies_at_once(manager, world):
    make_order(shop=world["shop_a"])
    make_order(shop=world["shop_b"])
    policy = token_policy_save(user=manager, read_only=False, shops=[world["shop_a"]], rate="")
    client = api_client(manager)
    assert shop_codes(client) == ["shop-a"]
    policy.shops.set([world["shop_b"]])
    assert shop_codes(client) == ["shop-b"]
    policy.shops.clear()
    assert shop_codes(client) == ["shop-a", "shop-b"]
    TokenPolicy.objects.get(pk=policy.pk).delete()
    assert shop_codes(client) == ["shop-a", "shop-b"]
