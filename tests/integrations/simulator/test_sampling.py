"""Where a run's CPU went: per process group, from readings of /proc, and per order over the run."""

import os
import subprocess
import sys

import pytest

from integrations.benchmarks.processes import cpu_by_pid, processes_named
from integrations.simulator.results import CPU_GROUPS, cpu_per_order
from integrations.simulator.sampling import Sample, cpu_used

linux = pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="reads Linux /proc")


def test_a_process_that_ended_takes_no_cpu_away_and_one_that_started_counts_from_zero():
    before = {10: 5.0, 11: 3.0}  # 11 ends between the readings; 12 starts
    now = {10: 5.5, 12: 0.25}

    assert cpu_used(now, before) == pytest.approx(0.75)


def test_a_process_id_reused_with_less_cpu_counts_nothing_negative():
    assert cpu_used({10: 0.1}, {10: 9.0}) == 0.0


def _sample(t, machine, **groups):
    shares = {f"cpu_{group}": groups.get(group, 0.0) for group in CPU_GROUPS}
    return Sample(
        t=t, connections=0, active=0, lock_waits=0, locks_not_granted=0, queue=0, inbox=0, created=0, reviewed=0,
        cpu_machine=machine, **shares,
    )  # fmt: skip


def test_cpu_per_order_adds_each_groups_share_over_its_interval():
    # 2 CPUs; first interval 1 s, second 2 s. web: 50 % of a core for 1 s + 100 % for 2 s = 2.5 s.
    samples = [
        _sample(1.0, 50.0, web=50.0, postgres=40.0),
        _sample(3.0, 100.0, web=100.0, postgres=60.0, simulator=20.0),
    ]

    per_order = cpu_per_order(samples, created=500, cpus=2)

    assert per_order["web"] == 5.0  # 2.5 s ÷ 500 orders
    assert per_order["postgres"] == 3.2  # (0.4 + 1.2) s ÷ 500
    assert per_order["simulator"] == 0.8
    assert per_order["machine"] == 10.0  # (0.5 × 1 × 2 + 1.0 × 2 × 2) s ÷ 500
    assert per_order["other"] == 1.0  # what no group accounts for
    assert per_order["workers"] == 0.0


def test_no_orders_no_figures():
    assert cpu_per_order([_sample(1.0, 50.0, web=10.0)], created=0, cpus=2) == {}


@linux
def test_processes_are_found_by_their_command_name_and_their_cpu_read():
    child = subprocess.Popen([sys.executable, "-c", "import time; sum(range(3_000_000)); time.sleep(30)"])
    try:
        name = open(f"/proc/{child.pid}/comm").read().strip()
        for _ in range(50):
            if child.pid in processes_named((name,))[name] and cpu_by_pid([child.pid]).get(child.pid, 0) > 0:
                break
            subprocess.run(["sleep", "0.1"])
        assert child.pid in processes_named((name,))[name]
        assert cpu_by_pid([child.pid])[child.pid] > 0
    finally:
        child.kill()
        child.wait()
    assert child.pid not in cpu_by_pid([child.pid])  # a process gone is left out
