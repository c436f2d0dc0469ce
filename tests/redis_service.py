"""Tests that need a real Redis: run wherever Redis answers, and always in CI (CI=true), where a missing Redis
fails them instead of skipping them unseen."""

import os

import pytest

from integrations.simulator.broker import redis_reachable

REDIS = "redis://127.0.0.1:6379/11"  # a database no other test or service uses

needs_redis = pytest.mark.skipif(
    not os.environ.get("CI") and not redis_reachable(REDIS), reason="needs Redis on 127.0.0.1:6379 (runs in CI)"
)
