"""Printing pages: a wave's labels in pick order through the platforms' print components (the browser sends
the commands to the component on this PC) and as PDF; a single label's PDF (reprint, same number); and the
endpoint the page reports the component's results to (the print log)."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fulfilment import selectors
from fulfilment.models import LabelPrint, Shipment
from fulfilment.printing.component import component_of
from fulfilment.printing.pdf import SIZES
from fulfilment.services.printing import (
    label_prints_record,
    labels_pdf,
    print_report_message,
    print_tasks,
    wave_labels,
)
from fulfilment.views import wave_or_404
from orders.selectors import warehouse_list_for_user


def _floor(request):
    """Floor staff only. The pages send an anonymous visitor to the login page first (``login_required``); the
    results endpoint, called by the page's script, answers them 403."""
    if not request.user.is_authenticated or not selectors.user_works_floor(request.user):
        raise PermissionDenied
    return request.user


@login_required
@require_GET
def wave_print(request, pk: int):
    user = _floor(request)
    wave = wave_or_404(user, pk)
    shipments = wave_labels(wave=wave)
    rows = [
        {
            "shipment": s,
            "component": component_of(s.label),
            "printed": s.prints.filter(status__in=["sent", "printed"]).exists(),
        }
        for s in shipments
    ]
    return render(
        request,
        "fulfilment/wave_print.html",
        {
            "wave": wave,
            "rows": rows,
            "tasks": print_tasks(shipments=shipments),
            "components": settings.FULFILMENT_PRINT_COMPONENTS,
            "pdf_count": sum(1 for row in rows if not row["component"]),
            "sizes": list(SIZES),
        },
    )


def _pdf_response(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@login_required
@require_GET
def wave_labels_pdf(request, pk: int):
    """The wave's labels without a print component, one page each in pick order (``?all=1``: every label)."""
    user = _floor(request)
    wave = wave_or_404(user, pk)
    size = request.GET.get("size", "100x150")
    if size not in SIZES:
        raise Http404
    shipments = [s for s in wave_labels(wave=wave) if request.GET.get("all") == "1" or not component_of(s.label)]
    if not shipments:
        raise Http404(_("No label of this wave prints as PDF."))
    content = labels_pdf(shipments=shipments, user=user, size=size)
    label_prints_record(shipments=shipments, method=LabelPrint.Method.PDF, actor=user)
    return _pdf_response(content, f"wave-{wave.pk}-labels.pdf")


@login_required
@require_GET
def shipment_label_pdf(request, pk: int):
    user = _floor(request)
    shipment = (
        Shipment.objects.filter(pk=pk, warehouse__in=warehouse_list_for_user(user).values("pk"))
        .select_related("order__shop", "carrier", "warehouse", "waybill_account")
        .exclude(tracking_number="")
        .first()
    )
    if shipment is None:
        raise Http404
    size = request.GET.get("size", "100x150")
    content = labels_pdf(shipments=[shipment], user=user, size=size if size in SIZES else "100x150")
    label_prints_record(shipments=[shipment], method=LabelPrint.Method.PDF, actor=user)
    return _pdf_response(content, f"{shipment.tracking_number}.pdf")


@require_POST
def print_results(request, pk: int):
    """The page reports what the print component answered: ``{"component", "task_id", "status" (sent or
    failed for the whole task), "documents": [{"documentID", "status": "printed"|"failed", "msg"}]}``; a document
    the page could not send says ``"problem": "not_running"`` instead of a ``msg``."""
    user = _floor(request)
    wave = wave_or_404(user, pk)
    try:
        body = json.loads(request.body or b"{}")
        documents = {str(d["documentID"]): d for d in body.get("documents") or []}
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"code": "bad_request", "message": _("The print report is not readable.")}, status=400)
    shipments = [s for s in wave_labels(wave=wave) if s.tracking_number in documents]
    statuses = {
        number: LabelPrint.Status.PRINTED if d.get("status") == "printed" else LabelPrint.Status.FAILED
        for number, d in documents.items()
    }
    rows = label_prints_record(
        shipments=shipments,
        method=LabelPrint.Method.COMPONENT,
        component=str(body.get("component") or "")[:12],
        task_id=str(body.get("task_id") or ""),
        statuses=statuses,
        messages={number: print_report_message(d) for number, d in documents.items()},
        actor=user,
    )
    return JsonResponse({"recorded": len(rows), "reprints": sum(1 for r in rows if r.reprint)})
