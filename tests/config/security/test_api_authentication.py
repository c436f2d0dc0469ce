"""Every /api/v1/ path answers an anonymous request with 401 in the one error body — whatever the method,
and also for paths no operation serves (so nobody can probe which exist). The public tracking page is
outside /api/v1/."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

SAMPLE_ARGUMENTS = {"int": "1", "slug": "shop-a", "str": "OH20261111000001", "path": "x/y", "sku_code": "SKU-1"}


def _api_paths(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_paths(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and route.startswith("api/v1/") and route != "api/v1/^.*$":
            yield "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_ARGUMENTS.get(m.group(1) or "str", "x"), route)


API_PATHS = sorted(set(_api_paths(get_resolver().url_patterns)))


def test_the_api_has_paths_to_check():
    assert len(API_PATHS) > 10 and "/api/v1/orders/" in API_PATHS


@pytest.mark.parametrize("path", [*API_PATHS, "/api/v1/", "/api/v1/no-such-thing/", "/api/v1/orders/x/y/z/"])
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "options"])
def test_anonymous_requests_get_401(client, path, method):
    response = getattr(client, method)(path, content_type="application/json")

    assert response.status_code == 401, (
        f"{method.upper()} {path} answered {response.status_code} to an anonymous caller"
    )
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_a_bad_token_is_401_too(client):
    response = client.get("/api/v1/orders/", HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_an_unknown_path_is_404_for_a_signed_in_caller(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_public_tracking_page_needs_no_login(client):
    assert client.get("/track/").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/fulfilment/api/waves/",
        "/fulfilment/api/shipments/1/",
        "/fulfilment/api/carriers/",
    ],
)
def test_the_unversioned_fulfilment_api_is_gone(client, admin_user, path):
    """Fulfilment lives under /api/v1/ only: its old unversioned address answers nothing, to anyone."""
    client.force_login(admin_user)
    assert client.get(path).status_code == 404
    assert client.post(path, {}, content_type="application/json").status_code == 404
