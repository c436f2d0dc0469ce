"""Back-office pages of after-sales: the returns desk at the warehouse (mobile, 360 px: scan, count, grade,
photograph; register an unknown parcel), the list of unknown parcels to link to their case, and the risky buyers
for CS. Pages parse the
input, call one service or selector and render; rules live in the services."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aftersales import selectors
from aftersales.models import Case, CaseLine
from aftersales.services.inspection import case_inspect, parcel_link, parcel_register
from aftersales.services.receiving import ReceivedLine
from aftersales.services.risk import risk_level, risk_policy_get
from config.errors import ApplicationError
from inventory.selectors import stock_warehouses_for_user
from orders.masking import mask_phone


def _need(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _case(request, case_id: int) -> Case:
    try:
        return selectors.case_get_for_user(request.user, case_id=case_id)
    except Case.DoesNotExist:
        raise Http404 from None


@login_required
def returns_scan(request):
    """Scan the return waybill, the order or the case number: the matching cases, or the unknown-parcel form."""
    _need(request, "aftersales.change_case")
    code = request.GET.get("code", "").strip()
    cases = list(selectors.cases_for_scan(request.user, code=code)[:10]) if code else []
    if len(cases) == 1 and cases[0].status == Case.Status.AWAITING_RETURN:
        return redirect("aftersales:m-return", case_id=cases[0].pk)
    return render(
        request,
        "aftersales/m_returns.html",
        {"code": code, "cases": cases, "warehouses": stock_warehouses_for_user(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def return_inspect(request, case_id: int):
    """One case's parcel: what should be inside, each line counted and graded, photos of parcel and items."""
    _need(request, "aftersales.change_case")
    case = _case(request, case_id)
    lines = list(case.lines.all())
    error = None
    if request.method == "POST":
        try:
            received = [
                ReceivedLine(
                    sku_code=line.sku.code,
                    quantity=_count(request.POST.get(f"count-{line.pk}"), line=line),
                    condition=request.POST.get(f"grade-{line.pk}", ""),
                )
                for line in lines
            ]
            case_inspect(
                case=case,
                lines=received,
                parcel_photos=request.FILES.getlist("parcel_photos"),
                item_photos=request.FILES.getlist("item_photos"),
                actor=request.user,
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("Case %(number)s received.") % {"number": case.number})
            return redirect("aftersales:m-returns")
    return render(
        request,
        "aftersales/m_return.html",
        {"case": case, "lines": lines, "grades": CaseLine.Condition.choices, "error": error, "form": request.POST},
        status=400 if error else 200,
    )


def _count(value: str | None, *, line: CaseLine) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        raise ApplicationError(
            _("%(sku)s: count how many came back (a whole number).") % {"sku": line.sku.code}, code="case_invalid"
        ) from None


@login_required
@require_POST
def parcel_new(request):
    """Register the scanned parcel as unknown (it matched no case)."""
    _need(request, "aftersales.add_unknownparcel")
    warehouses = stock_warehouses_for_user(request.user)
    warehouse = warehouses.filter(pk=request.POST.get("warehouse") or 0).first() or warehouses.first()
    if warehouse is None:
        raise PermissionDenied
    try:
        parcel = parcel_register(
            scanned=request.POST.get("scanned", ""),
            warehouse=warehouse,
            photo=request.FILES.get("photo"),
            sender=request.POST.get("sender", ""),
            note=request.POST.get("note", ""),
            actor=request.user,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        query = urlencode({"code": request.POST.get("scanned", "")})
        return redirect(f"{reverse('aftersales:m-returns')}?{query}")
    messages.success(request, _("Unknown parcel %(parcel)s registered.") % {"parcel": parcel})
    return redirect("aftersales:m-returns")


@login_required
def parcel_list(request):
    """Unknown parcels not linked yet, in the user's warehouses, each with a form to link it to its case."""
    _need(request, "aftersales.view_unknownparcel")
    parcels = selectors.unknown_parcels_for_user(request.user)
    return render(request, "aftersales/parcels.html", {"parcels": parcels[:200]})


@login_required
@require_POST
def parcel_link_view(request, parcel_id: int):
    _need(request, "aftersales.change_unknownparcel")
    parcel = selectors.unknown_parcels_for_user(request.user).filter(pk=parcel_id).first()
    if parcel is None:
        raise Http404
    number = request.POST.get("case", "").strip()
    case = selectors.case_list_for_user(request.user).filter(number=number).first()
    if case is None:
        messages.error(request, _("case: no case %(number)s that you may see.") % {"number": number or "—"})
        return redirect("aftersales:parcels")
    try:
        parcel_link(parcel=parcel, case=case, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Parcel %(parcel)s linked to case %(number)s.") % {"parcel": parcel, "number": number}
        )
    return redirect("aftersales:parcels")


@login_required
def risky_buyers(request):
    """Buyers CS should look at twice before agreeing: several cases across shops, fraud flags, high scores; with
    ``?phone=`` one buyer's whole return history (for roles that see phone numbers)."""
    _need(request, "aftersales.view_case")
    policy = risk_policy_get()
    phone = request.GET.get("phone", "").strip()
    buyers = selectors.risky_buyers_for_user(request.user, days=policy.window_days, watch_from=policy.watch_from)
    reveal = request.user.has_perm("orders.view_consignee_pii")
    history = []
    if phone and reveal:  # a buyer's whole story by phone: only for roles that see phone numbers
        history = list(selectors.case_list_for_user(request.user).filter(order__consignee_phone=phone)[:100])
    for buyer in buyers:
        buyer["level"] = risk_level(score=buyer["top_score"], policy=policy)
        buyer["shown"] = buyer["phone"] if reveal else mask_phone(buyer["phone"])
    return render(
        request,
        "aftersales/risky_buyers.html",
        {
            "buyers": buyers,
            "policy": policy,
            "phone": phone if reveal else "",
            "history": history,
        },
    )
