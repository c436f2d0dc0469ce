"""The reports page (charts with their tables under them) and its Excel export: the filter parsed, the figures
read for the user, rendered."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render

from aftersales.reports.charts import report_charts
from aftersales.reports.excel import report_workbook
from aftersales.reports.forms import ReportForm
from aftersales.reports.selectors import aftersales_report

PERMISSION = "aftersales.view_reports"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form(request) -> ReportForm:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    return ReportForm(request.GET, user=request.user)


@login_required
def reports_page(request):
    """The after-sales reports over the filter's days (by default the last 30 Shanghai days)."""
    form = _form(request)
    if not form.is_valid():
        return render(request, "aftersales/reports/page.html", {"form": form}, status=400)
    report = aftersales_report(request.user, form.report_filter())
    return render(
        request,
        "aftersales/reports/page.html",
        {"form": form, "report": report, "charts": report_charts(report), "query": request.GET.urlencode()},
    )


@login_required
def reports_xlsx(request):
    """The same figures as an Excel workbook."""
    form = _form(request)
    if not form.is_valid():
        return render(request, "aftersales/reports/page.html", {"form": form}, status=400)
    f = form.report_filter()
    response = HttpResponse(report_workbook(aftersales_report(request.user, f)), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="aftersales-{f.date_from:%Y%m%d}-{f.date_to:%Y%m%d}.xlsx"'
    return response
