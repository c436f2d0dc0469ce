"""Back-office pages of the channel integrations (under /integrations/): shop health, dead letters with
one-click and bulk replay, alerts, order-file imports with preview and progress, field mappings.

Who sees what: pages need ``integrations.view_shopconnection`` and show only the shops the user may see;
replaying and resolving need ``integrations.change_shopconnection``; importing orders needs
``orders.add_order`` on a visible shop.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from config.redirects import redirect_next
from integrations.catalog import PLATFORM_PROFILES, defaults_for, effective_for, known_profiles
from integrations.exceptions import ImportInvalid
from integrations.forms import ImportUploadForm
from integrations.imports import PROFILES, file_parse, import_job_create, import_job_start, preview
from integrations.inbox import dead_letter_replay
from integrations.models import ImportJob, InboxMessage
from integrations.selectors import (
    alert_list_for_user,
    connection_list_for_user,
    dead_letter_list_for_user,
    import_job_list_for_user,
    inbox_message_get_for_user,
    shop_health,
)
from orders.selectors import shop_list_for_user
from orders.services.alerts import alert_resolve

VIEW = "integrations.view_shopconnection"
CHANGE = "integrations.change_shopconnection"
PAGE_SIZE = 100


@login_required
@permission_required(VIEW, raise_exception=True)
def integrations_index(request: HttpRequest) -> HttpResponse:
    rows = [shop_health(connection) for connection in connection_list_for_user(request.user)]
    return render(
        request,
        "integrations/index.html",
        {
            "rows": rows,
            "dead_letters": dead_letter_list_for_user(request.user).count(),
            "alerts": alert_list_for_user(request.user)[:10],
        },
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def shop_health_page(request: HttpRequest, shop_code: str) -> HttpResponse:
    connection = connection_list_for_user(request.user).filter(shop__code=shop_code).first()
    if connection is None:
        raise Http404(_("No such shop, or you may not see it."))
    return render(request, "integrations/shop_health.html", {"health": shop_health(connection)})


@login_required
@permission_required(VIEW, raise_exception=True)
def dead_letter_list(request: HttpRequest) -> HttpResponse:
    letters = dead_letter_list_for_user(
        request.user, platform=request.GET.get("platform", ""), shop_code=request.GET.get("shop", "")
    )
    return render(
        request,
        "integrations/dead_letters.html",
        {
            "letters": letters[:PAGE_SIZE],
            "total": letters.count(),
            "platform": request.GET.get("platform", ""),
            "shop": request.GET.get("shop", ""),
        },
    )


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def dead_letter_replay_view(request: HttpRequest) -> HttpResponse:
    """Replay the ticked dead letters, or all that the filter shows (``all=1``)."""
    visible = dead_letter_list_for_user(
        request.user, platform=request.POST.get("platform", ""), shop_code=request.POST.get("shop", "")
    )
    if request.POST.get("all"):
        ids = list(visible.values_list("pk", flat=True)[:1000])
    else:
        wanted = [int(pk) for pk in request.POST.getlist("ids") if pk.isdigit()]
        ids = list(visible.filter(pk__in=wanted).values_list("pk", flat=True))
    count = dead_letter_replay(message_ids=ids, actor=request.user)
    messages.success(
        request, ngettext("%(n)d message queued again.", "%(n)d messages queued again.", count) % {"n": count}
    )
    return redirect_next(request, "integrations-dead-letters")


@login_required
@permission_required(VIEW, raise_exception=True)
def inbox_message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        message = inbox_message_get_for_user(request.user, pk=pk)
    except InboxMessage.DoesNotExist:
        raise Http404(_("No such message, or you may not see it.")) from None
    try:
        pretty = json.dumps(json.loads(message.body), ensure_ascii=False, indent=2)
    except ValueError:
        pretty = message.body
    return render(request, "integrations/inbox_message.html", {"message": message, "pretty": pretty})


@login_required
@permission_required(VIEW, raise_exception=True)
def alert_list(request: HttpRequest) -> HttpResponse:
    return render(request, "integrations/alerts.html", {"alerts": alert_list_for_user(request.user)[:200]})


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def alert_resolve_view(request: HttpRequest) -> HttpResponse:
    wanted = [int(pk) for pk in request.POST.getlist("ids") if pk.isdigit()]
    ids = list(alert_list_for_user(request.user).filter(pk__in=wanted).values_list("pk", flat=True))
    count = alert_resolve(alert_ids=ids)
    messages.success(request, ngettext("%(n)d alert resolved.", "%(n)d alerts resolved.", count) % {"n": count})
    return redirect("integrations-alerts")


# --- imports -----------------------------------------------------------------------------------------------


def _import_shops(user):
    return shop_list_for_user(user)


@login_required
@permission_required("orders.add_order", raise_exception=True)
def import_upload(request: HttpRequest) -> HttpResponse:
    shops = _import_shops(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None, shops=shops)
    if request.method == "POST" and form.is_valid():
        try:
            job, _report = import_job_create(
                shop=form.cleaned_data["shop"],
                profile=form.cleaned_data["profile"],
                upload=form.cleaned_data["file"],
                user=request.user,
            )
        except ImportInvalid as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("integrations-import", pk=job.pk)
    jobs = import_job_list_for_user(request.user).order_by("-created_at")[:20]
    return render(request, "integrations/import_upload.html", {"form": form, "jobs": jobs, "profiles": PROFILES})


def _job_for(request: HttpRequest, pk: int) -> ImportJob:
    return get_object_or_404(import_job_list_for_user(request.user), pk=pk)


@login_required
@permission_required("orders.add_order", raise_exception=True)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    report = None
    if job.status == ImportJob.Status.PREVIEWED:
        with job.file.open("rb") as handle:
            try:
                report = preview(file_parse(handle.read(), job.file_name, job.profile))
            except ImportInvalid as exc:
                messages.error(request, exc.message)
    return render(request, "integrations/import_detail.html", {"job": job, "report": report})


@login_required
@permission_required("orders.add_order", raise_exception=True)
@require_POST
def import_start(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    if not import_job_start(job=job):
        messages.warning(request, _("This file was already imported or is being imported."))
    return redirect("integrations-import", pk=job.pk)


@login_required
@permission_required("orders.add_order", raise_exception=True)
def import_progress(request: HttpRequest, pk: int) -> JsonResponse:
    job = _job_for(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "percent": job.progress_percent,
            "processed": job.processed,
            "total": job.total_orders,
            "created": job.created,
            "duplicates": job.duplicates,
            "failed": job.failed,
        }
    )


# --- mappings ----------------------------------------------------------------------------------------------


@login_required
@permission_required(VIEW, raise_exception=True)
def mapping_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "integrations/mappings.html",
        {"platforms": PLATFORM_PROFILES, "files": [(k, PROFILES[k].label) for k in PROFILES], "profile": None},
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def mapping_detail(request: HttpRequest, profile: str) -> HttpResponse:
    if profile not in known_profiles():
        raise Http404(profile)
    defaults, effective = defaults_for(profile), effective_for(profile)
    sections = []
    for section, entries in effective.items():
        rows = [
            {
                "key": key,
                "value": value,
                "default": defaults.get(section, {}).get(key, ""),
                "overridden": value != defaults.get(section, {}).get(key),
            }
            for key, value in entries.items()
        ]
        sections.append({"name": section, "rows": rows})
    return render(
        request,
        "integrations/mappings.html",
        {
            "platforms": PLATFORM_PROFILES,
            "files": [(k, PROFILES[k].label) for k in PROFILES],
            "profile": profile,
            "sections": sections,
        },
    )
