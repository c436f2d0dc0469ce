"""The Content Security Policy: pages get the full policy, built once per response; JSON answers get the fixed
``frame-ancestors 'none'`` policy without building one (config/csp.py says why)."""

from unittest import mock

import csp.middleware
import pytest
from django.test import Client

from config.csp import JSON_POLICY

pytestmark = pytest.mark.django_db


@pytest.fixture
def builds():
    """Every policy django-csp's middleware builds during the test."""
    with mock.patch.object(csp.middleware, "build_policy", wraps=csp.middleware.build_policy) as built:
        yield built


def test_a_json_api_answer_carries_the_fixed_policy_and_builds_none(api, manager, builds):
    response = api(manager).get("/api/v1/shops/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Security-Policy"] == JSON_POLICY
    assert "frame-ancestors 'none'" in JSON_POLICY
    assert builds.call_count == 0


def test_a_refused_json_api_answer_builds_none_either(api, builds):
    response = api().get("/api/v1/shops/")

    assert response.status_code in (401, 403)
    assert response["Content-Security-Policy"] == JSON_POLICY
    assert builds.call_count == 0


def test_a_page_still_builds_its_own_policy(admin_user, builds):
    client = Client()
    client.force_login(admin_user)

    response = client.get("/", follow=True)

    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert [call.kwargs.get("report_only", False) for call in builds.call_args_list] == [False, True]
