"""The back office's peak simulator: a manager starts a run (queued as a task after commit), one at a time,
watches it live, and opens past runs' reports; other roles cannot."""

import json

import pytest
from django.urls import reverse

from integrations.simulator.models import PeakRun
from integrations.simulator.report import report_write
from integrations.simulator.services import peak_run_progress

pytestmark = pytest.mark.django_db

FORM = {
    "curve": "double11",
    "orders": "2000",
    "peak_per_s": "200",
    "hot_share": "0.2",
    "hot_skus": "5",
    "thin_share": "0.2",
    "web": "2",
    "workers": "2",
    "review_workers": "2",
    "faults": ["duplicates", "kill-worker"],
}


def test_a_manager_starts_a_run_that_is_queued_as_a_task_after_commit(
    client, manager, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("simulator:start"), FORM)

    run = PeakRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("simulator:run", args=[run.pk])
    assert run.status == PeakRun.Status.QUEUED
    assert run.requested_by == manager
    assert run.parameters["orders"] == 2000
    assert run.parameters["faults"] == ["duplicates", "kill-worker"]
    assert run.parameters["fresh"] is False
    assert len(callbacks) == 1


def test_a_second_run_is_refused_while_one_is_going(client, manager, django_capture_on_commit_callbacks):
    PeakRun.objects.create(status=PeakRun.Status.RUNNING)
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("simulator:start"), FORM, follow=True)

    assert PeakRun.objects.count() == 1
    assert callbacks == []
    assert "仍在运行" in response.content.decode()


def test_a_bad_parameter_is_shown_on_its_field(client, manager):
    client.force_login(manager)

    response = client.post(reverse("simulator:start"), {**FORM, "hot_share": "1.5"})

    assert response.status_code == 400
    assert PeakRun.objects.count() == 0
    assert "hot_share" in response.context["form"].errors


def test_the_live_data_carry_the_latest_sample_and_the_faults(client, manager):
    run = PeakRun.objects.create(status=PeakRun.Status.RUNNING)
    peak_run_progress(run_id=run.pk, event={"event": "plan", "orders": 300, "fresh": True, "run": "abc"})
    for t in (1.0, 2.0):
        peak_run_progress(run_id=run.pk, event={"event": "sample", "t": t, "created": int(t * 10), "queue": 3})
    peak_run_progress(run_id=run.pk, event={"event": "fault", "fault": "kill-worker", "at_s": 1.5, "what": "kill -9"})
    client.force_login(manager)

    data = client.get(reverse("simulator:data", args=[run.pk])).json()

    assert data["status"] == "running"
    assert data["first_on_fresh_database"] is True
    assert data["latest"]["created"] == 20
    assert [s["t"] for s in data["samples"]] == [1.0, 2.0]
    assert data["faults"][0]["fault"] == "kill-worker"
    page = client.get(reverse("simulator:run", args=[run.pk]))
    assert page.status_code == 200
    assert "首次运行（新数据库）" in page.content.decode()


def test_a_finished_runs_report_opens_with_its_chart_library(client, manager, settings, tmp_path):
    settings.SIMULATOR_REPORT_DIR = tmp_path
    result = {"run": "abc", "lost": 0, "duplicated": 0, "oversold": 0, "offered": 10, "latency_s": {}}
    path = report_write(result, options={"faults": []})
    run = PeakRun.objects.create(status=PeakRun.Status.FINISHED, report_dir=str(path), result=result)
    client.force_login(manager)

    report = client.get(reverse("simulator:report", args=[run.pk]))
    library = client.get(reverse("simulator:report-file", args=[run.pk, "echarts.min.js"]))
    elsewhere = client.get(reverse("simulator:report-file", args=[run.pk, "..%2F..%2Fsettings.py"]))

    assert report.status_code == 200
    assert "《大促容量基线报告》" in b"".join(report.streaming_content).decode()
    assert library.status_code == 200
    assert elsewhere.status_code == 404
    listing = client.get(reverse("simulator:index")).content.decode()
    assert reverse("simulator:report", args=[run.pk]) in listing


def test_people_who_do_not_run_the_operation_cannot_start_a_run(client, cs_a):
    client.force_login(cs_a)

    assert client.post(reverse("simulator:start"), FORM).status_code == 403
    assert client.get(reverse("simulator:index")).status_code == 403
    assert PeakRun.objects.count() == 0


def test_the_report_json_is_the_result(settings, tmp_path):
    settings.SIMULATOR_REPORT_DIR = tmp_path
    result = {"run": "r1", "lost": 0, "latency_s": {"push_to_reviewed": {"p50": 0.5, "p95": 1.0, "p99": 2.0}}}

    path = report_write(result, options={})

    assert json.loads((path.parent / "result.json").read_text(encoding="utf-8")) == result
    assert (path.parent / "echarts.min.js").stat().st_size > 100_000
    assert "push → reviewed" not in path.read_text(encoding="utf-8")  # written in Chinese


def test_the_task_claims_a_queued_run_once_and_keeps_its_failure_on_the_run():
    from integrations.simulator.runner import peak_run_execute

    taken = PeakRun.objects.create(status=PeakRun.Status.RUNNING)
    queued = PeakRun.objects.create(parameters={"faults": ["meteor"], "orders": 10})

    assert peak_run_execute(run_id=taken.pk) == "taken"
    assert peak_run_execute(run_id=queued.pk) == "failed"
    assert peak_run_execute(run_id=queued.pk) == "taken"  # a second delivery of the task does nothing

    queued.refresh_from_db()
    assert queued.status == PeakRun.Status.FAILED
    assert "meteor" in queued.error
    assert queued.finished_at is not None
