"""Legal entities: which shop belongs to which, and who may see which (guardian)."""

from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from finance.models import LegalEntity, ShopEntity
from finance.models.entities import ENTITY_ACCESS


@transaction.atomic(savepoint=False)
def shop_entity_set(*, shop, entity: LegalEntity) -> ShopEntity:
    """Make ``shop`` belong to ``entity`` (moving it if it belonged to another)."""
    link = ShopEntity.objects.filter(shop=shop).first()
    if link is None:
        return ShopEntity.objects.create(shop=shop, entity=entity)
    if link.entity_id != entity.pk:
        link.entity = entity
        link.save()
    return link


def _many(objs):
    return [objs] if isinstance(objs, LegalEntity) else list(objs)


@transaction.atomic(savepoint=False)
def entity_access_grant(*, who, entities) -> None:
    """Let a user or group see and work on the finances of these legal entities."""
    for entity in _many(entities):
        assign_perm(ENTITY_ACCESS, who, entity)


@transaction.atomic(savepoint=False)
def entity_access_revoke(*, who, entities) -> None:
    for entity in _many(entities):
        remove_perm(ENTITY_ACCESS, who, entity)
