"""Reads for the review queue and the alert list, always through the orders the user may see."""

from __future__ import annotations

from django.db.models import Case, F, IntegerField, Prefetch, Q, QuerySet, When

from orders.models import Alert, Approval, ReviewTask
from orders.roles import ADMIN, MANAGER
from orders.selectors import order_list_for_user, user_sees_all_orders


def review_task_list_for_user(user, *, kind: str = "", shop: str = "", mine: bool = False) -> QuerySet[ReviewTask]:
    """Open review tasks of visible orders, oldest first, with order, shop, result and tiers loaded.

    ``mine``: only tasks whose next pending tier is for one of the user's roles (or with no tiers)."""
    tasks = (
        ReviewTask.objects.filter(status=ReviewTask.Status.OPEN, order__in=order_list_for_user(user).values("pk"))
        .select_related("order", "order__shop", "order__rule_result", "rule_version", "rule_version__rule_set")
        .prefetch_related(Prefetch("approvals", queryset=Approval.objects.select_related("decided_by")))
        .order_by("created_at", "pk")
    )
    if kind:
        tasks = tasks.filter(kind=kind)
    if shop:
        tasks = tasks.filter(order__shop__code=shop)
    if mine and not user.is_superuser:
        roles = set(user.groups.values_list("name", flat=True))
        if ADMIN not in roles:
            waiting_for_others = Approval.objects.filter(status=Approval.Status.PENDING).exclude(role__in=roles)
            tasks = tasks.exclude(pk__in=waiting_for_others.values("task_id"))
    return tasks


def alert_list_for_user(user, *, state: str = "open", kind: str = "", severity: str = "") -> QuerySet[Alert]:
    alerts = Alert.objects.select_related("order", "order__shop", "shop", "sku", "assignee", "acknowledged_by")
    if not user_sees_all_orders(user):
        visible = Q(order__in=order_list_for_user(user).values("pk"))
        if user.groups.filter(name=MANAGER).exists():
            visible |= Q(order__isnull=True)  # alerts about the whole operation (the command center's rules)
        alerts = alerts.filter(visible)
    if state != "all":
        alerts = alerts.filter(resolved_at__isnull=True)
    if state == "mine":
        alerts = alerts.filter(assignee=user)
    elif state == "unacknowledged":
        alerts = alerts.filter(acknowledged_at__isnull=True)
    if kind:
        alerts = alerts.filter(kind=kind)
    if severity:
        alerts = alerts.filter(severity=severity)
    rank = Case(
        When(severity=Alert.Severity.CRITICAL, then=2),
        When(severity=Alert.Severity.WARNING, then=1),
        default=0,
        output_field=IntegerField(),
    )
    return alerts.annotate(rank=rank).order_by(F("resolved_at").desc(nulls_first=True), "-rank", "-created_at", "-pk")


def stock_alert_list(*, open_only: bool = True) -> QuerySet[Alert]:
    """Safety-stock alerts (not shop-scoped: whoever may view stock sees them), newest first."""
    alerts = Alert.objects.filter(kind=Alert.Kind.SAFETY_STOCK).select_related("sku")
    if open_only:
        alerts = alerts.filter(resolved_at__isnull=True)
    return alerts.order_by("-created_at", "-pk")
