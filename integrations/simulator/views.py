"""The peak simulator's back-office pages (managers): start a run, watch it live, open past runs' reports."""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from config.errors import ApplicationError
from integrations.simulator.forms import PeakRunForm
from integrations.simulator.models import PeakRun
from integrations.simulator.report import chart_labels
from integrations.simulator.selectors import peak_run_list, peak_run_live, peak_run_report_file
from integrations.simulator.services import peak_run_request

VIEW = "integrations.view_peakrun"
RUN = "integrations.run_peakrun"
LIVE_REFRESH_SECONDS = 2


@login_required
@permission_required(VIEW, raise_exception=True)
def peak_run_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "integrations/simulator/index.html",
        {"runs": peak_run_list(), "form": PeakRunForm(), "can_run": request.user.has_perm(RUN)},
    )


@login_required
@permission_required(RUN, raise_exception=True)
@require_POST
def peak_run_start(request: HttpRequest) -> HttpResponse:
    form = PeakRunForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "integrations/simulator/index.html",
            {"runs": peak_run_list(), "form": form, "can_run": True},
            status=400,
        )
    try:
        run = peak_run_request(parameters=form.cleaned_data, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("simulator:index")
    return redirect("simulator:run", pk=run.pk)


@login_required
@permission_required(VIEW, raise_exception=True)
def peak_run_page(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(PeakRun, pk=pk)
    return render(
        request,
        "integrations/simulator/run.html",
        {
            "run": run,
            "live": peak_run_live(run=run),
            "labels": chart_labels(),
            "refresh_seconds": LIVE_REFRESH_SECONDS,
        },
    )


@never_cache
@login_required
@permission_required(VIEW, raise_exception=True)
def peak_run_data(request: HttpRequest, pk: int) -> JsonResponse:
    run = get_object_or_404(PeakRun, pk=pk)
    return JsonResponse(peak_run_live(run=run), json_dumps_params={"ensure_ascii": False})


@login_required
@permission_required(VIEW, raise_exception=True)
def peak_run_report(request: HttpRequest, pk: int, name: str = "report.html") -> HttpResponse:
    run = get_object_or_404(PeakRun, pk=pk)
    path = peak_run_report_file(run=run, name=name)
    if path is None:
        raise Http404("no such report file")
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(open(path, "rb"), content_type=content_type)
