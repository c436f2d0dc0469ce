"""CS pages of after-sales: the queue (filters, paging, deadline countdown, bulk approve), the case page (its
whole story and its steps: approve, reject, refund, interception, note, evidence), a case opened from the order
page, and the risk policy managers set. Pages parse the input, call one service or selector and render;
services' errors are shown as they say them (translated), e.g. 409 ``refund_exceeds_paid``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from aftersales import selectors
from aftersales.cs.forms import CaseCreateForm, CaseFilterForm, RiskPolicyForm
from aftersales.models import OPEN_STATUSES, Case, CaseEvidence, RiskPolicy
from aftersales.services import LineRequest, case_approve, case_create, case_reject, refund_execute, tier_for
from aftersales.services.bulk import APPROVED, cases_approve
from aftersales.services.decisions import RETURN_KINDS
from aftersales.services.execution import PAYABLE
from aftersales.services.interception import STOPPING_KINDS, case_interception_request
from aftersales.services.money import refunded_total
from aftersales.services.notes import case_evidence_add, case_note_add, evidence_check
from aftersales.services.risk import POLICY_FIELDS, risk_level, risk_policy_get, risk_policy_save
from config.errors import ApplicationError
from config.paging import EstimatedCountPaginator
from orders.masking import consignee_for
from orders.models import Order
from orders.selectors import order_get_for_user, shop_list_for_user

PAGE_SIZE = 50
BULK_MAX = 200  # cases one bulk approval may name
# Where each input of the risk score comes from (``aftersales.services.risk``).
RISK_FACTOR_LABELS = {
    "history": gettext_lazy("Other cases of the buyer in the look-back days"),
    "value": gettext_lazy("High value"),
    "reason": gettext_lazy("Risky reason code"),
    "inspection": gettext_lazy("Wrong item or empty box in this parcel"),
    "earlier_fraud": gettext_lazy("An earlier case of the buyer was flagged"),
}
REJECTABLE = (Case.Status.REQUESTED, Case.Status.AWAITING_RETURN, Case.Status.RECEIVED)


def _need(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _visible_case(request, case_id: int) -> Case:
    try:
        return selectors.case_list_for_user(request.user).get(pk=case_id)
    except Case.DoesNotExist:
        raise Http404 from None


def _back(request, fallback: str) -> str:
    """The ``next`` the form names, if it is a path of this site; else ``fallback``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
def case_queue(request):
    """The cases of the user's shops, nearest platform deadline first, with filters and bulk approve."""
    _need(request, "aftersales.view_case")
    form = CaseFilterForm(request.GET or None, shops=shop_list_for_user(request.user))
    policy = risk_policy_get()
    now = timezone.now()
    cases = selectors.case_queue_for_user(request.user, policy=policy, now=now, **form.values())
    page = EstimatedCountPaginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "case": case,
            "consignee": consignee_for(request.user, case.order),
            "level": risk_level(score=case.risk_score, policy=policy),
            "overdue": bool(case.deadline_at and case.deadline_at < now and case.status == Case.Status.REQUESTED),
            "waiting": case.status == Case.Status.REQUESTED,
        }
        for case in page.object_list
    ]
    return render(
        request,
        "aftersales/queue.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "policy": policy,
            "can_approve": request.user.has_perm("aftersales.change_case"),
        },
    )


@login_required
@require_POST
def case_bulk_approve(request):
    """Approve the ticked cases, each through the approval tiers; one message per case says what happened."""
    _need(request, "aftersales.change_case")
    ids = [int(value) for value in request.POST.getlist("case") if value.isdigit()][:BULK_MAX]
    back = _back(request, reverse("aftersales:queue"))
    if not ids:
        messages.error(request, _("Tick the cases to approve."))
        return redirect(back)
    cases = selectors.case_list_for_user(request.user).filter(pk__in=ids)
    for outcome in cases_approve(cases=cases, actor=request.user, reason=request.POST.get("reason", "")):
        if outcome.result == APPROVED:
            messages.success(request, _("%(number)s: approved.") % {"number": outcome.number})
        else:
            messages.error(
                request,
                _("%(number)s: not approved — %(why)s") % {"number": outcome.number, "why": outcome.message},
                extra_tags=f"bulk {outcome.code}",
            )
    return redirect(back)


@login_required
def case_detail(request, case_id: int):
    """One case's whole story: the order, lines, amounts, parcels, the buyer's words, evidence, timeline,
    decisions, refund executions, the risk score with its inputs, the deadline; and the steps the user may take."""
    _need(request, "aftersales.view_case")
    try:
        case = selectors.case_page_get_for_user(request.user, case_id=case_id)
    except Case.DoesNotExist:
        raise Http404 from None
    user = request.user
    policy = risk_policy_get()
    order = case.order
    already = refunded_total(order=order, exclude_case_id=case.pk)
    can_change = user.has_perm("aftersales.change_case")
    tier = tier_for(user=user, amount=case.amount) if case.status == Case.Status.REQUESTED else None
    factors = case.risk_factors or {}
    now = timezone.now()
    events = list(case.events.all())
    for event in events:
        event.from_label = _status_label(event.from_status)
        event.to_label = _status_label(event.to_status)
    return render(
        request,
        "aftersales/case_detail.html",
        {
            "case": case,
            "order": order,
            "consignee": consignee_for(user, order),
            "lines": list(case.lines.all()),
            "evidence": list(case.evidence.all()),
            "events": events,
            "decisions": list(case.decisions.all()),
            "payouts": list(case.payouts.all()),
            "parcels": list(case.unknown_parcels.all()),
            "paid": order.paid_amount,
            "others": already,
            "available": max(order.paid_amount - already, 0),
            "policy": policy,
            "level": risk_level(score=case.risk_score, policy=policy),
            "factors": [(label, factors[key]) for key, label in RISK_FACTOR_LABELS.items() if factors.get(key)],
            "earlier_cases": factors.get("earlier_cases", 0),
            "overdue": bool(case.deadline_at and case.deadline_at < now and case.status == Case.Status.REQUESTED),
            "waiting": case.status == Case.Status.REQUESTED,
            "tier": tier,
            "can_approve": can_change and case.status == Case.Status.REQUESTED,
            "can_reject": can_change and case.status in REJECTABLE,
            "can_refund": _may_refund(user) and case.status in PAYABLE.get(case.kind, ()),
            "can_intercept": can_change and case.status in OPEN_STATUSES and case.kind in STOPPING_KINDS,
            "can_note": can_change,
            "waits_for_return": case.kind in RETURN_KINDS,
            "evidence_kinds": CaseEvidence.Kind.choices,
        },
    )


def _status_label(status: str) -> str:
    return Case.Status(status).label if status in Case.Status.values else status


def _may_refund(user) -> bool:
    """CS gives the money back; finance does too, as the second check some tiers ask for."""
    return user.has_perm("aftersales.change_case") or user.has_perm("aftersales.change_payout")


def _step(request, case_id: int, step, done: str, *, allowed: bool | None = None):
    """Run one step on a visible case; its error (translated by the service) or ``done`` as a message."""
    if not (request.user.has_perm("aftersales.change_case") if allowed is None else allowed):
        raise PermissionDenied
    case = _visible_case(request, case_id)
    try:
        result = step(case)
    except ApplicationError as exc:
        messages.error(request, exc.message, extra_tags=exc.code)
    else:
        messages.success(request, done % {"number": case.number, "result": result or ""})
    return redirect("aftersales:case", case_id=case.pk)


@login_required
@require_POST
def case_approve_view(request, case_id: int):
    return _step(
        request,
        case_id,
        lambda case: case_approve(case=case, actor=request.user, reason=request.POST.get("reason", "")),
        _("Case %(number)s approved."),
    )


@login_required
@require_POST
def case_reject_view(request, case_id: int):
    return _step(
        request,
        case_id,
        lambda case: case_reject(case=case, actor=request.user, reason=request.POST.get("reason", "")),
        _("Case %(number)s rejected."),
    )


@login_required
@require_POST
def case_refund_view(request, case_id: int):
    def step(case):
        payout = refund_execute(case=case, actor=request.user)
        return payout.get_status_display()

    return _step(request, case_id, step, _("Refund of case %(number)s: %(result)s."), allowed=_may_refund(request.user))


@login_required
@require_POST
def case_intercept_view(request, case_id: int):
    outcomes = {"held": _("the order is on hold"), "interception_requested": _("the carrier is asked to intercept")}
    return _step(
        request,
        case_id,
        lambda case: outcomes.get(case_interception_request(case=case, actor=request.user), ""),
        _("Case %(number)s: %(result)s."),
    )


@login_required
@require_POST
def case_note_view(request, case_id: int):
    return _step(
        request,
        case_id,
        lambda case: case_note_add(case=case, note=request.POST.get("note", ""), actor=request.user),
        _("Note added to case %(number)s."),
    )


@login_required
@require_POST
def case_evidence_view(request, case_id: int):
    return _step(
        request,
        case_id,
        lambda case: len(
            case_evidence_add(
                case=case,
                files=request.FILES.getlist("evidence"),
                kind=request.POST.get("kind", CaseEvidence.Kind.BUYER),
                caption=request.POST.get("caption", ""),
                actor=request.user,
            )
        ),
        _("Evidence added to case %(number)s."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request, number: str):
    """Open a case on an order (from the order page): kind, lines and quantities, amount, reason, the buyer's
    words and evidence, through the one creation service."""
    _need(request, "aftersales.add_case")
    try:
        order: Order = order_get_for_user(request.user, number=number)
    except Order.DoesNotExist:
        raise Http404 from None
    order_lines = list(order.lines.all())
    form = CaseCreateForm(request.POST or None, order_lines=order_lines)
    error = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        files = request.FILES.getlist("evidence")
        try:
            evidence_check(files)
            case = case_create(
                order=order,
                kind=data["kind"],
                amount=data["amount"],
                lines=[LineRequest(sku_code=code, quantity=quantity) for code, quantity in form.lines()],
                reason=data["reason"],
                reason_code=data["reason_code"],
                buyer_words=data["buyer_words"],
                actor=request.user,
                system="back office",
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            if files:
                case_evidence_add(case=case, files=files, actor=request.user)
            messages.success(request, _("Case %(number)s opened.") % {"number": case.number})
            return redirect("aftersales:case", case_id=case.pk)
    return render(
        request,
        "aftersales/case_new.html",
        {"order": order, "form": form, "error": error},
        status=400 if error or (request.method == "POST" and not form.is_valid()) else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def risk_policy(request):
    """The risk thresholds, look-back days and points managers set, with the policy's history."""
    _need(request, "aftersales.view_riskpolicy")
    policy = risk_policy_get()
    can_change = request.user.has_perm("aftersales.change_riskpolicy") and request.user.has_perm(
        "aftersales.add_riskpolicy"
    )
    form = RiskPolicyForm(request.POST or None, policy=policy)
    error = None
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in POLICY_FIELDS}
            try:
                risk_policy_save(values=values, actor=request.user)
            except ApplicationError as exc:
                error = exc.message
            else:
                messages.success(request, _("Risk policy saved."))
                return redirect("aftersales:risk-policy")
    history = []
    if policy.pk:
        records = list(policy.history.select_related("history_user").order_by("-history_date", "-history_id")[:50])
        for record, previous in zip(records, [*records[1:], None], strict=True):
            changes = record.diff_against(previous).changes if previous is not None else []
            history.append(
                {
                    "record": record,
                    "changes": [
                        {"field": RiskPolicy._meta.get_field(c.field).verbose_name, "old": c.old, "new": c.new}
                        for c in changes
                        if c.field != "updated_at"
                    ],
                }
            )
    return render(
        request,
        "aftersales/risk_policy.html",
        {"form": form, "policy": policy, "history": history, "can_change": can_change, "error": error},
        status=400 if request.method == "POST" else 200,
    )
