"""Server processes set what they loaded aside from the garbage collector (config/heap.py)."""

from __future__ import annotations

import gc
import importlib
import sys

import pytest
from django.core.management import call_command


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_the_web_server_freezes_what_it_loaded(unfrozen):
    module = sys.modules.get("config.wsgi")
    importlib.reload(module) if module else importlib.import_module("config.wsgi")
    assert gc.get_freeze_count() > 50_000  # Django, the apps and their views: tens of thousands of objects


@pytest.mark.django_db
def test_the_worker_cluster_freezes_before_it_forks_its_workers(unfrozen, monkeypatch):
    from config import workers

    seen = []

    class Cluster:
        name = "test"

        def start(self):
            seen.append(("start", gc.get_freeze_count()))

        def stop_within(self, seconds):
            return True

    monkeypatch.setattr(workers, "GracefulCluster", Cluster)
    call_command("qcluster", "--run-once")
    assert seen and seen[0][0] == "start" and seen[0][1] > 50_000
