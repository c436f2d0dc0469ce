"""Tasks the worker-cluster tests queue for a real ``qcluster`` process."""

import logging
import time
from pathlib import Path

from config.requestid import request_id_get

log = logging.getLogger("orderhub.tests")


def sleep_then_mark(seconds: float, path: str) -> str:
    """Write ``<path>.started`` (with the request id the task runs under), sleep, write ``<path>.done``."""
    Path(f"{path}.started").write_text(request_id_get())
    log.warning("test task started")
    time.sleep(seconds)
    Path(f"{path}.done").write_text("done")
    return "done"
