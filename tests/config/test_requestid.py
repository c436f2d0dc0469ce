"""A request id on every log line, following the work into background tasks."""

import io
import json
import logging

import pytest
from django.conf import settings
from django_q.brokers.orm import ORM
from django_q.signing import SignedPackage
from django_q.tasks import async_task
from pythonjsonlogger.json import JsonFormatter

from config.requestid import RequestIdFilter, request_id_get, request_id_var, task_adopt


@pytest.fixture
def json_lines():
    """The project's JSON formatter and request-id filter on the access logger; returns the lines written."""
    stream = io.StringIO()
    options = {k: v for k, v in settings.LOGGING["formatters"]["json"].items() if k != "()"}
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(**options))
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("orderhub.access")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_each_response_carries_a_new_request_id_and_its_access_line_as_json(client, json_lines):
    first = client.get("/accounts/login/")
    second = client.get("/accounts/login/")

    assert len(first["X-Request-ID"]) == 32 and first["X-Request-ID"] != second["X-Request-ID"]
    lines = json_lines()
    assert [(line["request_id"], line["path"], line["status"], line["level"]) for line in lines] == [
        (first["X-Request-ID"], "/accounts/login/", 200, "INFO"),
        (second["X-Request-ID"], "/accounts/login/", 200, "INFO"),
    ]
    assert {"time", "logger", "pid", "method", "duration_ms"} <= set(lines[0])


def test_the_proxys_request_id_is_kept_and_a_malformed_one_replaced(client, json_lines):
    kept = client.get("/accounts/login/", HTTP_X_REQUEST_ID="7f3a9c2e-haproxy:42")
    replaced = client.get("/accounts/login/", HTTP_X_REQUEST_ID='bad id"\n{')

    assert kept["X-Request-ID"] == "7f3a9c2e-haproxy:42"
    assert replaced["X-Request-ID"] != 'bad id"\n{' and len(replaced["X-Request-ID"]) == 32
    assert [line["request_id"] for line in json_lines()] == ["7f3a9c2e-haproxy:42", replaced["X-Request-ID"]]


def test_outside_a_request_the_id_is_empty_and_the_request_leaves_none_behind(client):
    client.get("/accounts/login/")

    assert request_id_get() == ""


@pytest.mark.django_db
def test_a_task_queued_during_a_request_carries_its_id_and_the_worker_takes_it_on(settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    token = request_id_var.set("req-123")
    try:
        async_task("config.tasks.task_results_prune", broker=ORM())
    finally:
        request_id_var.reset(token)
    from django_q.models import OrmQ

    task = SignedPackage.loads(OrmQ.objects.get().payload)
    assert task["request_id"] == "req-123"

    task_adopt(sender="django_q", func=None, task=task)  # what the worker process does before running it
    try:
        assert request_id_get() == "req-123"
        task_adopt(sender="django_q", func=None, task={"id": "9b1d", "name": "scheduled"})  # nobody asked for it
        assert request_id_get() == "9b1d"
    finally:
        request_id_var.set("")


def test_the_load_balancers_health_checks_leave_no_access_lines(client, json_lines):
    assert client.get("/healthz").status_code == 200

    assert json_lines() == []
