"""The lifeline: a tiny watchdog process that takes a benchmark's children down when the process that started
them dies, however it dies (``kill -9`` included). Run as a script by ``processes.child_popen`` — it imports
nothing of the project, so it starts in milliseconds and holds no database connection.

It reads its standard input, a pipe whose only writer is the starting process: a line ``+<pgid>`` names a
child's process group (each child starts in a session, hence a group, of its own, so the group holds the child
and everything it starts: gunicorn's workers, django-q2's sentinel, workers, monitor and pusher), ``-<pgid>`` one
that was stopped the ordinary way. The kernel closes the pipe when the starting process ends, so end of file means
it is gone: every group still named gets SIGTERM (a graceful stop), and SIGKILL after ``GRACE_SECONDS`` if any of
its processes is still there.

Why not ``prctl(PR_SET_PDEATHSIG)``: the kernel sends that signal when the *thread* that started the child ends,
not the process (prctl(2)) — the simulator starts the ingestion cluster again from its fault thread, which ends
long before the run — and it reaches the direct child only, not the processes the child started.
"""

from __future__ import annotations

import os
import signal
import sys
import time

GRACE_SECONDS = 10.0


def _alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal(pgids: set[int], signum: int) -> None:
    for pgid in pgids:
        try:
            os.killpg(pgid, signum)
        except (ProcessLookupError, PermissionError):
            pass


def main() -> None:
    # Ctrl-C in the terminal is the starting process's business: the lifeline outlives it to clean up.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    groups: set[int] = set()
    for line in sys.stdin:
        line = line.strip()
        if line[:1] == "+" and line[1:].isdigit():
            groups.add(int(line[1:]))
        elif line[:1] == "-" and line[1:].isdigit():
            groups.discard(int(line[1:]))
    groups = {pgid for pgid in groups if _alive(pgid)}
    if not groups:
        return
    _signal(groups, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    while time.monotonic() < deadline and any(_alive(pgid) for pgid in groups):
        time.sleep(0.2)
    _signal({pgid for pgid in groups if _alive(pgid)}, signal.SIGKILL)


if __name__ == "__main__":
    main()
