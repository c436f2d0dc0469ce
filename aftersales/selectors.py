"""Reads on after-sales cases: the buyer-history facts of the order rules, a buyer's cases across shops, the
cases a user may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, F, Max, Q, QuerySet, Sum

from aftersales.models import Case, CaseEvidence, UnknownParcel
from inventory.selectors import stock_warehouses_for_user
from orders.selectors import order_list_for_user


def refund_times_by_phone(*, phones: Iterable[str], until: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """(consignee phone, when the refund was asked for) of the refunds — not cancelled — of orders to these
    phones, up to ``until``: the buyer-history facts of the order rules (``orders.rules.facts``)."""
    rows = (
        Case.objects.filter(order__consignee_phone__in=list(phones), created_at__lte=until)
        .exclude(status=Case.Status.WITHDRAWN)
        .values_list("order__consignee_phone", "requested_at", "created_at")
    )
    return [(phone, requested_at or created_at) for phone, requested_at, created_at in rows]


def buyer_cases(*, order, since: dt.datetime | None = None):
    """Every case of the buyer of ``order`` across all shops: orders to the same consignee phone, or of the same
    buyer id on the same platform (the order's own cases included)."""
    same = Q(pk__in=[])
    if order.consignee_phone:
        same |= Q(order__consignee_phone=order.consignee_phone)
    if order.buyer_id:
        same |= Q(order__buyer_id=order.buyer_id, order__shop__platform=order.shop.platform)
    if not order.consignee_phone and not order.buyer_id:
        same = Q(order_id=order.pk)
    cases = Case.objects.filter(same)
    if since is not None:
        cases = cases.filter(created_at__gte=since)
    return cases


def case_list_for_user(user) -> QuerySet[Case]:
    """The cases of the orders this user may see, with order and shop joined."""
    return Case.objects.select_related("order", "order__shop").filter(order__in=order_list_for_user(user).values("pk"))


def case_get_for_user(user, *, case_id: int) -> Case:
    """One case the user may see (``Case.DoesNotExist`` otherwise)."""
    return case_list_for_user(user).prefetch_related("lines__sku", "decisions__actor", "events").get(pk=case_id)


def cases_for_scan(user, *, code: str):
    """The visible cases a scanned code names: the return waybill, the case number, the order number or the
    platform order id (newest first)."""
    code = (code or "").strip()
    if not code:
        return Case.objects.none()
    named = Q(return_waybill=code) | Q(number=code) | Q(order__number=code) | Q(order__external_id=code)
    return case_list_for_user(user).filter(named).order_by("-created_at")


def unknown_parcels_for_user(user, *, linked: bool = False):
    """Unknown parcels registered at the warehouses ``user`` may see (by default those not linked yet)."""
    parcels = UnknownParcel.objects.filter(warehouse__in=stock_warehouses_for_user(user))
    return parcels.filter(case__isnull=not linked).select_related("warehouse", "case", "registered_by")


def media_evidence_for_user(user) -> QuerySet[CaseEvidence]:
    """Evidence whose files ``user`` may open: that of the cases they may see (config/media.py)."""
    return CaseEvidence.objects.filter(case__in=case_list_for_user(user).values("pk"))


def media_parcels_for_user(user) -> QuerySet[UnknownParcel]:
    """Returned parcels whose photos ``user`` may open: registered at a warehouse they may see, or linked to a
    case they may see (config/media.py)."""
    return UnknownParcel.objects.filter(
        Q(warehouse__in=stock_warehouses_for_user(user)) | Q(case__in=case_list_for_user(user).values("pk"))
    )


def risky_buyers_for_user(user, *, days: int, watch_from: int, limit: int = 100) -> list[dict]:
    """Buyers (by consignee phone, across all the shops the user may see) with several cases in ``days`` days, a
    fraud flag, or a case scored from ``watch_from``: phone, cases, total given back, fraud flags, the highest
    score and the last case's time — the riskiest first."""
    since = dt.datetime.now(tz=dt.UTC) - dt.timedelta(days=days)
    rows = (
        case_list_for_user(user)
        .filter(created_at__gte=since)
        .exclude(order__consignee_phone="")
        .exclude(status=Case.Status.WITHDRAWN)
        .values("order__consignee_phone")
        .annotate(
            cases=Count("pk"),
            amount=Sum("amount"),
            frauds=Count("pk", filter=Q(fraud_flag=True)),
            top_score=Max("risk_score"),
            last_at=Max("created_at"),
        )
        .filter(Q(cases__gte=2) | Q(frauds__gt=0) | Q(top_score__gte=watch_from))
        .order_by(F("top_score").desc(nulls_last=True), "-cases", "-last_at")[:limit]
    )
    return [{"phone": row.pop("order__consignee_phone"), **row} for row in rows]


# The CS queue's risk bands (``aftersales.services.risk.risk_level``) and deadline filters.
RISK_BANDS = ("low", "watch", "high", "unscored")
DEADLINE_FILTERS = ("overdue", "due", "none")


def case_queue_for_user(
    user,
    *,
    policy,
    now: dt.datetime,
    kind: str = "",
    status: str = "",
    shop=None,
    risk: str = "",
    risk_from: int | None = None,
    deadline: str = "",
    due_hours: int = 24,
    query: str = "",
) -> QuerySet[Case]:
    """The CS queue: the cases the user may see, filtered, the nearest platform deadline first (cases without
    one after them, newest first).

    ``risk`` is a band of ``policy`` (low below *watch from*, watch, high from *high risk from*, or unscored),
    ``risk_from`` a score threshold; ``deadline`` is ``overdue`` (a case still waiting for an answer past its
    platform deadline, as the SLA watch counts it), ``due`` (one whose deadline comes within ``due_hours``) or
    ``none`` (no deadline); ``query`` is a case
    number, an order number, a platform order id, the platform's refund id or the return waybill."""
    cases = case_list_for_user(user)
    if kind:
        cases = cases.filter(kind=kind)
    if status:
        cases = cases.filter(status=status)
    if shop is not None:
        cases = cases.filter(order__shop=shop)
    if risk == "unscored":
        cases = cases.filter(risk_score__isnull=True)
    elif risk == "high":
        cases = cases.filter(risk_score__gte=policy.high_from)
    elif risk == "watch":
        cases = cases.filter(risk_score__gte=policy.watch_from, risk_score__lt=policy.high_from)
    elif risk == "low":
        cases = cases.filter(risk_score__lt=policy.watch_from)
    if risk_from is not None:
        cases = cases.filter(risk_score__gte=risk_from)
    if deadline == "overdue":
        cases = cases.filter(status=Case.Status.REQUESTED, deadline_at__lt=now)
    elif deadline == "due":
        cases = cases.filter(
            status=Case.Status.REQUESTED, deadline_at__gte=now, deadline_at__lte=now + dt.timedelta(hours=due_hours)
        )
    elif deadline == "none":
        cases = cases.filter(deadline_at__isnull=True)
    query = (query or "").strip()
    if query:
        cases = cases.filter(
            Q(number__iexact=query)
            | Q(order__number__iexact=query)
            | Q(order__external_id=query)
            | Q(external_id=query)
            | Q(return_waybill=query)
        )
    return cases.order_by(F("deadline_at").asc(nulls_last=True), "-created_at", "-id")


def case_page_get_for_user(user, *, case_id: int) -> Case:
    """One case the user may see, with everything its page shows joined or prefetched: lines with their SKUs,
    evidence, timeline, decisions with who and under which tier, payouts, linked unknown parcels
    (``Case.DoesNotExist`` otherwise)."""
    return (
        case_list_for_user(user)
        .select_related("order__warehouse", "created_by", "replacement_order")
        .prefetch_related(
            "lines__sku",
            "evidence__uploaded_by",
            "events__actor",
            "decisions__actor",
            "decisions__tier",
            "payouts__requested_by",
            "unknown_parcels",
        )
        .get(pk=case_id)
    )
