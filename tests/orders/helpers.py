"""Helpers the orders tests (and others sending through orders.notifications) import."""

from __future__ import annotations

import json


class FakeResponse:
    """What ``urllib.request.urlopen`` returns in tests: a robot's JSON answer (``{"errcode": 0}`` …)."""

    status = 200
    headers: dict[str, str] = {}

    def __init__(self, body):
        self.body = json.dumps(body).encode()

    def read(self):
        return self.body

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
