"""Reads on rule sets: the live configuration, compiled once per content, and what the editor shows."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from inventory.models import Warehouse
from orders.models import Order, OrderRuleResult, PresaleTerms, RulePreview, RuleSet, RuleSetVersion, Shop
from orders.rules.actions import Context
from orders.rules.engine import CompiledRuleSet, rules_compile

_COMPILED: dict[tuple[int, str], CompiledRuleSet] = {}


def rule_context() -> Context:
    """The codes rules may refer to right now (validation of a new version)."""
    return Context(
        warehouses=frozenset(Warehouse.objects.filter(is_active=True).values_list("code", flat=True)),
        shops=frozenset(Shop.objects.values_list("code", flat=True)),
    )


def live_rule_versions() -> list[RuleSetVersion]:
    """The published version of every active rule set, in rule set code order (the evaluation order)."""
    return list(
        RuleSetVersion.objects.filter(status=RuleSetVersion.Status.PUBLISHED, rule_set__is_active=True)
        .select_related("rule_set")
        .order_by("rule_set__code")
    )


def compiled_for(version: RuleSetVersion) -> CompiledRuleSet:
    """The compiled form of a version, cached by (id, content hash) — a published version never changes."""
    key = (version.pk, version.content_hash)
    compiled = _COMPILED.get(key)
    if compiled is None:
        if len(_COMPILED) > 200:
            _COMPILED.clear()
        compiled = rules_compile(version.rule_set.code, version.rules)
        _COMPILED[key] = compiled
    return compiled


def rule_set_list() -> QuerySet[RuleSet]:
    return RuleSet.objects.prefetch_related(
        Prefetch("versions", queryset=RuleSetVersion.objects.select_related("created_by", "published_by"))
    )


def rule_version_get(*, pk: int) -> RuleSetVersion:
    return RuleSetVersion.objects.select_related("rule_set", "created_by", "published_by").get(pk=pk)


def rule_preview_latest(*, version: RuleSetVersion) -> RulePreview | None:
    return version.previews.filter(rules_hash=version.content_hash).order_by("-created_at", "-id").first()


def orders_review_missed(*, older_than_seconds: int, limit: int) -> list[int]:
    """Ids of paid orders the automatic review never reached (oldest paid first): paid and untouched for
    ``older_than_seconds``, no evaluated rules result, not a presale waiting for its balance."""
    from orders.states import Status

    cutoff = timezone.now() - dt.timedelta(seconds=older_than_seconds)
    reviewed = OrderRuleResult.objects.filter(order=OuterRef("pk"), evaluated_at__isnull=False)
    waiting = PresaleTerms.objects.filter(order=OuterRef("pk"), state=PresaleTerms.State.AWAITING_BALANCE)
    missed = (
        Order.objects.filter(Q(paid_at__lt=cutoff) | Q(paid_at__isnull=True), status=Status.PAID, updated_at__lt=cutoff)
        .exclude(Exists(reviewed))
        .exclude(Exists(waiting))
        .order_by("paid_at", "pk")
    )
    return list(missed.values_list("pk", flat=True)[:limit])
