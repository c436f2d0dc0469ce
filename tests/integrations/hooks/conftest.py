"""A real local HTTP receiver (http.server in a thread) that records what it is sent and answers with the
statuses a test gives it; subscriptions owned by the conftest cast."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings

from integrations.hooks.services import subscription_create
from tests.integrations.hooks.helpers import SECRET


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # next statuses; then 200

    def answer(self, *statuses: int, headers: dict[str, str] | None = None) -> None:
        self.answers.extend((status, headers or {}) for status in statuses)


@pytest.fixture
def receiver():
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            state.requests.append(
                Received(
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length),
                )
            )
            status, headers = state.answers.pop(0) if state.answers else (200, {})
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/orderhub"
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def private_allowed():
    with override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=True):
        yield


@pytest.fixture
def subscribe(private_allowed, receiver):
    def _subscribe(owner, *events, url=None):
        return subscription_create(owner=owner, url=url or receiver.url, events=list(events), secret=SECRET)

    return _subscribe
