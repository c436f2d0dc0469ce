"""Pages: the back-office fulfilment desk, printable pick lists / packing slips / labels, the mobile pick
and pack pages, work items, the shipping health report, and the public tracking page.

Views parse input, call one selector or service and render; the mobile pages talk to the fulfilment API
under /api/v1/ (fulfilment/api/).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.client import client_ip
from config.errors import ApplicationError
from fulfilment import selectors
from fulfilment.carriers.library import carrier_choices
from fulfilment.eta.selectors import eta_accuracy_latest
from fulfilment.models import Shipment, WaveOrder, WaveStrategy
from fulfilment.reports import daily_series, report_charts, shipping_health, shipping_health_xlsx
from fulfilment.services import wave_build, waves_build_auto, work_item_resolve
from orders.masking import consignee_for
from orders.selectors import warehouse_list_for_user

PUBLIC_LOOKUPS_PER_IP = 10  # per window
PUBLIC_FAILURES_PER_ORDER = 5  # per window
PUBLIC_WINDOW_SECONDS = 600


def _floor(request):
    if not selectors.user_works_floor(request.user):
        raise PermissionDenied
    return request.user


# --- back office --------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def desk(request):
    """The fulfilment desk: build waves, see waves and open work items."""
    user = _floor(request)
    warehouses = list(warehouse_list_for_user(user).filter(is_active=True))
    if request.method == "POST":
        code = request.POST.get("warehouse", "")
        warehouse = next((w for w in warehouses if w.code == code), None)
        try:
            if warehouse is None:
                raise ApplicationError(_("Choose one of your warehouses."))
            capacity = int(request.POST.get("capacity") or 30)
            if request.POST.get("strategy") == "auto":
                built = waves_build_auto(warehouse=warehouse, capacity=capacity, actor=user)
                messages.success(
                    request, _("%(n)d waves built.") % {"n": len(built)} if built else _("Nothing to wave.")
                )
            else:
                wave = wave_build(
                    warehouse=warehouse,
                    strategy=request.POST.get("strategy", ""),
                    capacity=capacity,
                    carrier_code=request.POST.get("carrier", ""),
                    actor=user,
                )
                messages.success(request, _("Wave %(n)s built.") % {"n": wave.number})
        except (ApplicationError, ValueError) as exc:
            messages.error(request, str(exc))
        return redirect("fulfilment:desk")
    waves = selectors.wave_list_for_user(user).order_by("-created_at")[:50]
    return render(
        request,
        "fulfilment/desk.html",
        {
            "warehouses": warehouses,
            "strategies": WaveStrategy.choices,
            "carriers": carrier_choices(),
            "waves": waves,
            "open_items": selectors.work_item_list_for_user(user).count(),
            "alerts": selectors.alert_list_for_user(user)[:10],
        },
    )


@login_required
def wave_picklist(request, pk: int):
    user = _floor(request)
    wave = wave_or_404(user, pk)
    tasks = selectors.wave_tasks(wave=wave)
    return render(request, "fulfilment/picklist.html", {"wave": wave, "tasks": tasks, "now": timezone.now()})


@login_required
def wave_slips(request, pk: int):
    user = _floor(request)
    wave = wave_or_404(user, pk)
    slips = []
    for wave_order in (
        wave.wave_orders.exclude(status=WaveOrder.Status.REMOVED)
        .select_related("order__shop", "carrier")
        .prefetch_related("order__lines__sku")
    ):
        order = wave_order.order
        slips.append(
            {
                "wave_order": wave_order,
                "order": order,
                "lines": list(order.lines.all()),
                "consignee": consignee_for(user, order),
                "instructions": selectors.packing_instructions(order=order),
            }
        )
    return render(request, "fulfilment/packing_slips.html", {"wave": wave, "slips": slips, "now": timezone.now()})


def wave_or_404(user, pk):
    """The wave ``pk`` if ``user`` may see it, else 404 (the pages of waves and of their labels)."""
    try:
        return selectors.wave_get_for_user(user, pk=pk)
    except ApplicationError:
        raise Http404 from None


@login_required
def shipment_label(request, pk: int):
    user = _floor(request)
    shipment = (
        Shipment.objects.filter(pk=pk, warehouse__in=warehouse_list_for_user(user).values("pk"))
        .select_related("order__shop", "carrier", "warehouse")
        .first()
    )
    if shipment is None or not shipment.tracking_number:
        raise Http404
    order = shipment.order
    return render(
        request,
        "fulfilment/label.html",
        {
            "shipment": shipment,
            "order": order,
            "consignee": consignee_for(user, order),
            "instructions": selectors.packing_instructions(order=order),
            "auto_print": request.GET.get("print") == "1",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def work_items(request):
    if request.method == "POST":
        item = selectors.work_item_list_for_user(request.user).filter(pk=request.POST.get("item")).first()
        if item is None or not selectors.user_works_floor(request.user):
            raise Http404
        try:
            work_item_resolve(item=item, actor=request.user, resolution=request.POST.get("resolution", ""))
            messages.success(request, _("Work item resolved."))
        except ApplicationError as exc:
            messages.error(request, str(exc))
        return redirect("fulfilment:work-items")
    items = selectors.work_item_list_for_user(request.user)
    return render(
        request,
        "fulfilment/work_items.html",
        {"items": items[:200], "can_resolve": selectors.user_works_floor(request.user)},
    )


def _report_day(request) -> dt.date:
    day = parse_date(request.GET.get("day") or "")
    return day or (timezone.localdate() - dt.timedelta(days=1))


@login_required
def report(request):
    if not request.user.has_perm("orders.view_order"):
        raise PermissionDenied
    day = _report_day(request)
    data = shipping_health(day=day, user=request.user)
    trend = daily_series(days=14, user=request.user, end=day)
    from fulfilment.reports import bar_chart_svg

    trend_chart = bar_chart_svg([(f"{row['day']:%m-%d}", row["shipped"], "") for row in trend])
    return render(
        request,
        "fulfilment/report.html",
        {
            "report": data,
            "charts": report_charts(data),
            "trend_chart": trend_chart,
            "eta_accuracy": eta_accuracy_latest(),
            "day": day,
            "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1) if day < timezone.localdate() else None,
        },
    )


@login_required
def report_xlsx(request):
    if not request.user.has_perm("orders.view_order"):
        raise PermissionDenied
    day = _report_day(request)
    content = shipping_health_xlsx(shipping_health(day=day, user=request.user))
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="shipping-health-{day:%Y%m%d}.xlsx"'
    return response


# --- mobile -------------------------------------------------------------------------------------------------


@login_required
def m_home(request):
    user = _floor(request)
    return render(request, "fulfilment/m_waves.html", {"waves": selectors.my_waves(user)})


@login_required
def m_pick(request, pk: int):
    user = _floor(request)
    wave = wave_or_404(user, pk)
    return render(
        request,
        "fulfilment/m_pick.html",
        {
            "wave": wave,
            "api_wave": reverse("api-wave-detail", args=[wave.pk]),
            "api_claim": reverse("api-wave-claim", args=[wave.pk]),
            "api_confirm": reverse("api-pick-confirm", args=[0]),
            "api_refusal": reverse("api-pick-refusal", args=[0]),
            "pick_payload": selectors.wave_pick_payload(wave=wave),
        },
    )


@login_required
def m_pack(request):
    _floor(request)
    return render(
        request,
        "fulfilment/m_pack.html",
        {
            "api_lookup": reverse("api-pack-lookup"),
            "api_complete": reverse("api-pack-complete", args=[0]),
            "api_label": reverse("api-shipment-label", args=[0]),
            "api_update": reverse("api-shipment-update", args=[0]),
            "api_ship": reverse("api-shipment-ship", args=[0]),
        },
    )


# --- public tracking ----------------------------------------------------------------------------------------


def _rate_limited(key: str, limit: int) -> bool:
    """Fixed-window counter in the shared cache: True once ``key`` was hit more than ``limit`` times."""
    cache.add(key, 0, PUBLIC_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, PUBLIC_WINDOW_SECONDS)
        count = 1
    return count > limit


def _too_many(request, number: str = "") -> bool:
    """Per client address (every lookup counts) and per order number (failed lookups from any address)."""
    if _rate_limited(f"oh:track:ip:{client_ip(request) or 'unknown'}", PUBLIC_LOOKUPS_PER_IP):
        return True
    return bool(number) and (cache.get(f"oh:track:fail:{number}") or 0) >= PUBLIC_FAILURES_PER_ORDER


def _track_render(request, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, "fulfilment/track.html", context, status=status)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_http_methods(["GET", "POST"])
def public_track(request):
    """Buyers find their parcels by platform order number and the last 4 digits of the phone."""
    context = {"result": None, "error": "", "order_number": "", "retry_minutes": PUBLIC_WINDOW_SECONDS // 60}
    if request.method != "POST":
        return _track_render(request, context)
    number = (request.POST.get("order_number") or "").strip()[:64]
    last4 = (request.POST.get("phone_last4") or "").strip()[:8]
    context["order_number"] = number
    if _too_many(request, number):
        context["error"] = _("Too many lookups. Try again in %(m)d minutes.") % {"m": PUBLIC_WINDOW_SECONDS // 60}
        return _track_render(request, context, 429)
    result = selectors.public_tracking_lookup(order_number=number, phone_last4=last4)
    if result is None:
        if number:
            _rate_limited(f"oh:track:fail:{number}", PUBLIC_FAILURES_PER_ORDER)
        context["error"] = _("No order matches that number and phone.")
        return _track_render(request, context, 404)
    context["result"] = result
    return _track_render(request, context)


@require_http_methods(["GET"])
def public_track_link(request, token: str):
    """The signed link sent in buyer notifications: the same page, without typing anything."""
    context = {"result": None, "error": "", "order_number": "", "retry_minutes": PUBLIC_WINDOW_SECONDS // 60}
    if _too_many(request):
        context["error"] = _("Too many lookups. Try again in %(m)d minutes.") % {"m": PUBLIC_WINDOW_SECONDS // 60}
        return _track_render(request, context, 429)
    result = selectors.public_tracking_by_token(token)
    if result is None:
        context["error"] = _("This tracking link is not valid any more. Enter the order number instead.")
        return _track_render(request, context, 404)
    context["result"] = result
    context["order_number"] = result["order_number"]
    return _track_render(request, context)
