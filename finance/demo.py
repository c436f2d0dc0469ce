"""Finance's part of the demo: two legal entities owning the demo shops, the demo finance user granted both,
and the demo's fortnight reconciled — so the consistency page, the daily balances and the finance exports
show figures (there are no statements in the demo: every day is "not covered")."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from finance.models import LegalEntity
from finance.services.entities import entity_access_grant, shop_entity_set
from finance.services.reconciliation import reconcile
from orders.models import Shop

ENTITIES = [
    ("huajian", "杭州花间科技有限公司", ["tmall-flagship", "taobao-outlet", "douyin-live", "wechat-mini", "website"]),
    ("jingxuan", "广州京选贸易有限公司", ["jd-pop", "pdd-main", "shopify-global", "pos-jingan"]),
]


def demo_seed() -> dict[str, int]:
    entities = []
    for code, name, shops in ENTITIES:
        entity, _created = LegalEntity.objects.get_or_create(code=code, defaults={"name": name})
        entities.append(entity)
        for shop in Shop.objects.filter(code__in=shops):
            shop_entity_set(shop=shop, entity=entity)
    finance_user = get_user_model().objects.filter(username="finance").first()
    if finance_user is not None:
        entity_access_grant(who=finance_user, entities=entities)
    today = timezone.localdate()
    run = reconcile(date_from=today - dt.timedelta(days=14), date_to=today)
    return {"legal_entities": len(entities), "daily_balances": run.stats.get("daily_balances", 0)}
