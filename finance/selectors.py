"""Reads on finance data, always through what the user may see.

A finance user sees a legal entity when they hold ``finance.access_entity`` on it (django-guardian, given
to the user or one of their groups); ``finance.view_all_entities`` and superusers see every entity.
Statements, differences, daily balances and vouchers are visible through their entity; a statement with
no entity yet is visible to its uploader and to those who see everything.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet, Sum
from guardian.shortcuts import get_objects_for_user

from finance.models import (
    DailyBalance,
    Difference,
    ExportJob,
    LegalEntity,
    ReconciliationRun,
    Statement,
    StatementLine,
    Voucher,
)
from finance.models.entities import ENTITY_ACCESS
from finance.models.reconciliation import UNRESOLVED_STATUSES
from orders.tokens import token_shop_ids

ALL_ENTITIES_PERMISSION = "finance.view_all_entities"


def user_sees_all_entities(user) -> bool:
    return bool(user and user.is_active and (user.is_superuser or user.has_perm(ALL_ENTITIES_PERMISSION)))


def entity_list_for_user(user) -> QuerySet[LegalEntity]:
    if not (user and user.is_authenticated):
        return LegalEntity.objects.none()
    if user_sees_all_entities(user):
        return LegalEntity.objects.all()
    return get_objects_for_user(user, ENTITY_ACCESS, klass=LegalEntity, accept_global_perms=False)


def _entity_ids(user):
    return entity_list_for_user(user).values("pk")


def statement_list_for_user(user) -> QuerySet[Statement]:
    statements = Statement.objects.select_related("entity", "shop", "uploaded_by")
    if not (user and user.is_authenticated):
        return statements.none()
    token_shops = token_shop_ids(user)
    if token_shops is not None:  # an API token limited to shops: those shops' statements only
        statements = statements.filter(shop__in=token_shops)
    if user_sees_all_entities(user):
        return statements
    return statements.filter(Q(entity__in=_entity_ids(user)) | Q(entity__isnull=True, uploaded_by=user))


def statement_get_for_user(user, *, pk: int) -> Statement:
    return statement_list_for_user(user).get(pk=pk)


def statement_lines_for_user(user, *, statement: Statement) -> QuerySet[StatementLine]:
    statement_get_for_user(user, pk=statement.pk)
    return StatementLine.objects.filter(statement=statement).select_related("order", "refund").order_by("row")


def difference_list_for_user(
    user,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    types: list[str] | None = None,
    statuses: list[str] | None = None,
    shop_code: str | None = None,
    entity_code: str | None = None,
    owner=None,
    unresolved: bool = False,
) -> QuerySet[Difference]:
    differences = Difference.objects.select_related("shop", "entity", "order", "refund", "owner", "line")
    if not (user and user.is_authenticated):
        return differences.none()
    if not user_sees_all_entities(user):
        differences = differences.filter(entity__in=_entity_ids(user))
    token_shops = token_shop_ids(user)
    if token_shops is not None:  # an API token limited to shops: those shops' differences only
        differences = differences.filter(shop__in=token_shops)
    if date_from:
        differences = differences.filter(business_date__gte=date_from)
    if date_to:
        differences = differences.filter(business_date__lte=date_to)
    if types:
        differences = differences.filter(type__in=types)
    if statuses:
        differences = differences.filter(status__in=statuses)
    if unresolved:
        differences = differences.filter(status__in=UNRESOLVED_STATUSES)
    if shop_code:
        differences = differences.filter(shop__code=shop_code)
    if entity_code:
        differences = differences.filter(entity__code=entity_code)
    if owner is not None:
        differences = differences.filter(owner=owner)
    return differences


def difference_get_for_user(user, *, pk: int) -> Difference:
    return difference_list_for_user(user).prefetch_related("comments__author").get(pk=pk)


def difference_counts_for_user(user, **filters) -> list[dict]:
    """Open work by type: count and summed difference."""
    return list(
        difference_list_for_user(user, unresolved=True, **filters)
        .order_by()
        .values("type")
        .annotate(count=Count("id"), total=Sum("difference"))
        .order_by("type")
    )


def daily_balance_for_user(
    user, *, date_from: dt.date, date_to: dt.date, channel: str | None = None, shop_code: str | None = None
) -> QuerySet[DailyBalance]:
    balances = DailyBalance.objects.filter(date__gte=date_from, date__lte=date_to).select_related("shop", "entity")
    if not (user and user.is_authenticated):
        return balances.none()
    if not user_sees_all_entities(user):
        balances = balances.filter(entity__in=_entity_ids(user))
    if channel:
        balances = balances.filter(channel=channel)
    if shop_code:
        balances = balances.filter(shop__code=shop_code)
    return balances


def consistency_by_day_and_channel(user, *, date_from: dt.date, date_to: dt.date, shop_code: str | None = None):
    """Rows ``{date, channel, sales, refunds, expected, received, settled, fees, difference, open}`` and
    per-day totals for the chart."""
    rows = list(
        daily_balance_for_user(user, date_from=date_from, date_to=date_to, shop_code=shop_code)
        .order_by()
        .values("date", "channel")
        .annotate(
            sales=Sum("sales"),
            refunds=Sum("refunds"),
            expected=Sum("expected"),
            received=Sum("received"),
            settled=Sum("settled"),
            fees=Sum("fees"),
            difference=Sum("difference"),
            open=Sum("open_differences"),
        )
        .order_by("date", "channel")
    )
    return rows


def run_list() -> QuerySet[ReconciliationRun]:
    return ReconciliationRun.objects.select_related("triggered_by")


def export_list_for_user(user) -> QuerySet[ExportJob]:
    if not (user and user.is_authenticated):
        return ExportJob.objects.none()
    return ExportJob.objects.filter(requested_by=user)


def voucher_list_for_user(user, *, date_from: dt.date | None = None, date_to: dt.date | None = None):
    vouchers = Voucher.objects.select_related("entity").prefetch_related("lines")
    if not (user and user.is_authenticated):
        return vouchers.none()
    if not user_sees_all_entities(user):
        vouchers = vouchers.filter(entity__in=_entity_ids(user))
    if date_from:
        vouchers = vouchers.filter(date__gte=date_from)
    if date_to:
        vouchers = vouchers.filter(date__lte=date_to)
    return vouchers
