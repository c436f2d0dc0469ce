"""A request id on every log line, following the work from the web request into the background tasks it queues.

The id comes from the proxy (HAProxy's ``unique-id`` sent as ``X-Request-ID``) or is made here; it is answered
in the response's ``X-Request-ID`` header. Tasks queued while it is set carry it (django-q2's ``pre_enqueue``
signal writes it into the task package) and a worker sets it again before running the task
(``pre_execute``); a task queued by another task keeps the id of the request that started the chain. Work
nothing asked for (schedules) gets the task's own id.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="")

HEADER = "HTTP_X_REQUEST_ID"
_ACCEPTED = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")  # what a proxy's id looks like; anything else is replaced
TASK_KEY = "request_id"
QUIET_PATHS = frozenset({"/healthz", "/readyz"})

access_log = logging.getLogger("orderhub.access")


def request_id_get() -> str:
    return request_id_var.get()


def request_id_new() -> str:
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (empty outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class RequestIdMiddleware:
    """Sets the request id for the request's log lines and tasks, answers it, and writes one access line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.META.get(HEADER, "")
        request_id = given if _ACCEPTED.match(given) else request_id_new()
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            if request.path in QUIET_PATHS and response.status_code < 400:
                return response  # the load balancer's checks, every second
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


def task_tag(sender, task: dict, **kwargs) -> None:
    """django-q2 ``pre_enqueue``: the task carries the id of the request (or task) that queued it."""
    current = request_id_var.get()
    if current and TASK_KEY not in task:
        task[TASK_KEY] = current


def task_adopt(sender, func, task: dict, **kwargs) -> None:
    """django-q2 ``pre_execute`` (in the worker process): the task's log lines and the tasks it queues carry
    the id it was given, or its own. (A task run synchronously is already in its caller's context.)"""
    if task.get("sync"):
        return
    request_id_var.set(task.get(TASK_KEY) or str(task.get("id", "")) or request_id_new())


def connect() -> None:
    from django_q.signals import pre_enqueue, pre_execute

    pre_enqueue.connect(task_tag, dispatch_uid="config.requestid.task_tag")
    pre_execute.connect(task_adopt, dispatch_uid="config.requestid.task_adopt")
