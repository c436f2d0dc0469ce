"""Every spreadsheet download, on the demo data that ``make run`` shows — not only on empty fixtures.

The demo is loaded once for this module (``seed_demo``, 60 orders) inside a transaction that is rolled back at
the end; each test runs in a savepoint inside it. (Work the demo queues after commit is not run: the exports
read what the demo's services wrote.) Finance exports are built as the worker would (``export_build``).

Every URL that answers a spreadsheet must be listed in ``EXPORT_URLS`` below (a test fails on one that is
not), and each is fetched as a role that may use it: it answers 200, and openpyxl reads the workbook back
with its rows.
"""

from __future__ import annotations

import io
import os

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from openpyxl import load_workbook

from finance.models import ExportJob
from finance.services.exports import export_build

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Every URL name that answers a spreadsheet (checked against the URLconf below).
EXPORT_URLS = {"fulfilment:report-xlsx", "finance-export-download", "aftersales:reports-xlsx"}


def _names(patterns, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            names |= _names(pattern.url_patterns, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(prefix + pattern.name)
    return names


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        # Marked like a TestCase's outer block, so the services' durable transactions may open inside it.
        outer = transaction.atomic()
        outer._from_testcase = True
        with outer:
            with open(os.devnull, "w") as devnull:
                call_command("seed_demo", "--orders", "60", stdout=devnull)
            yield
            transaction.set_rollback(True)


@pytest.fixture
def as_user(demo, db, client):
    def login(username: str):
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return login


def _workbook(response):
    assert response.status_code == 200, response.content[:2000]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(io.BytesIO(body))


def test_every_spreadsheet_url_is_covered_here():
    spreadsheet_like = {
        name
        for name in _names(get_resolver().url_patterns)
        if any(word in name for word in ("xlsx", "csv", "excel", "download"))
    }
    assert spreadsheet_like <= EXPORT_URLS, f"add {sorted(spreadsheet_like - EXPORT_URLS)} to EXPORT_URLS and test it"


@pytest.mark.parametrize("username", ["manager", "cs", "warehouse", "admin"])
def test_shipping_report_workbook_downloads_on_the_demo_data(as_user, username):
    client = as_user(username)
    for day in ("", f"?day={timezone.localdate():%Y-%m-%d}"):
        response = client.get(reverse("fulfilment:report-xlsx") + day)
        assert response["Content-Type"] == XLSX
        workbook = _workbook(response)
        assert workbook.sheetnames == ["Channels", "Labels", "Exceptions", "Interventions"]
        channels = list(workbook["Channels"].iter_rows(min_row=3, values_only=True))
        if username in ("manager", "admin"):
            # The demo has overdue orders on several channels; the channel names are translated labels.
            assert channels and all(isinstance(row[0], str) and row[0] for row in channels)
        assert len(list(workbook["Exceptions"].iter_rows(min_row=2))) >= 1


@pytest.mark.parametrize("username", ["manager", "cs", "finance", "admin"])
def test_aftersales_reports_workbook_downloads_on_the_demo_data(as_user, username):
    response = as_user(username).get(reverse("aftersales:reports-xlsx"))
    assert response["Content-Type"] == XLSX
    trend, shops, skus, reasons, close = _workbook(response).worksheets
    periods = list(trend.iter_rows(min_row=3, values_only=True))
    assert len(periods) == 30  # the last 30 Shanghai days, one row each
    if username != "cs":  # the demo's report cases (aftersales/reports/demo.py) are on every platform's shops
        assert sum(row[4] for row in periods) > 0  # refunded cases
        assert len(list(reasons.iter_rows(min_row=2))) >= 3
        assert list(close.iter_rows(min_row=2, max_row=2, values_only=True))[0][1] > 0  # cases closed
        assert len(list(shops.iter_rows(min_row=2))) >= 2 and len(list(skus.iter_rows(min_row=2))) >= 1


@pytest.mark.parametrize(
    "post",
    [
        {"kind": "report", "group_by": "date"},
        {"kind": "report", "group_by": "channel"},
        {"kind": "report", "group_by": "shop"},
        {"kind": "report", "group_by": "category"},
        {"kind": "report", "group_by": "entity"},
        {"kind": "differences"},
    ],
    ids=lambda p: "-".join(p.values()),
)
def test_finance_exports_download_on_the_demo_data(as_user, post):
    client = as_user("finance")
    before = set(ExportJob.objects.values_list("pk", flat=True))
    response = client.post(reverse("finance-exports"), post)
    assert response.status_code == 302, response.content[:2000]
    (job_id,) = set(ExportJob.objects.values_list("pk", flat=True)) - before
    job = export_build(job_id=job_id)
    assert job.status == ExportJob.Status.DONE, job.error
    workbook = _workbook(client.get(reverse("finance-export-download", args=[job_id])))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows and all(isinstance(name, str) and name for name in rows[0])
    if post["kind"] == "report":  # the demo's fortnight is reconciled (finance/demo.py): figures to export
        assert job.rows > 0
    # A header, the data rows, a totals row.
    assert len(rows) == 1 + job.rows + 1 and rows[-1][0] == "合计 Total"
