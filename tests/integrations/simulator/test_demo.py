"""seed_demo's peak simulator part: one finished run with its report, once."""

import pytest

from integrations.simulator.demo import peak_demo_ensure
from integrations.simulator.models import PeakRun

pytestmark = pytest.mark.django_db


def test_the_demo_leaves_one_finished_run_whose_report_is_there(settings, tmp_path):
    settings.SIMULATOR_REPORT_DIR = tmp_path

    assert peak_demo_ensure() == {"peak_runs": 1}
    assert peak_demo_ensure() == {"peak_runs": 0}

    run = PeakRun.objects.get()
    assert run.status == PeakRun.Status.FINISHED
    assert run.parameters["recorded"] is True
    assert (run.result["lost"], run.result["duplicated"], run.result["oversold"]) == (0, 0, 0)
    assert "series" not in run.result
    assert "《大促容量基线报告》" in open(run.report_dir, encoding="utf-8").read()
