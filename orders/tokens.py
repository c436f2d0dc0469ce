"""Partner API token policies (``orders.TokenPolicy``): the one writer, and the scope the selectors read.

``orders.api.auth.PolicyTokenAuthentication`` puts a ``TokenScope`` on the user it authenticates; the
"visible to this user" selectors (``orders.selectors``) narrow shops and orders to the token's shops. A user
authenticated any other way (a session, a token without a policy) carries no scope: their grants decide.
Work done for a partner outside their requests (the webhooks they subscribed) takes the scope of their token
with ``token_scopes_apply``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from orders.models import Shop, TokenPolicy
from orders.models.tokens import RATE_SHAPE

SCOPE_ATTRIBUTE = "api_token_scope"


@dataclass(frozen=True)
class TokenScope:
    read_only: bool
    shop_ids: frozenset[int] | None  # None: every shop the user may see


def token_scope_set(user, scope: TokenScope) -> None:
    setattr(user, SCOPE_ATTRIBUTE, scope)


def token_scope_of(policy: TokenPolicy, shop_ids: Iterable[int]) -> TokenScope:
    """The scope a request with this policy's token works in (``shop_ids``: the policy's shops)."""
    return TokenScope(read_only=policy.read_only, shop_ids=frozenset(shop_ids) or None)


def token_scopes_apply(users: Iterable) -> None:
    """Put on each of ``users`` the limits of their token's policy, as if they had come with their token: for
    work done for them without a request of theirs (the webhooks a partner subscribed with that token must not
    carry what the token may not read). Users without a policy are left as they are."""
    by_id: dict[int, list] = {}
    for user in users:
        by_id.setdefault(user.pk, []).append(user)
    for policy in TokenPolicy.objects.filter(user_id__in=list(by_id)).prefetch_related("shops"):
        scope = token_scope_of(policy, [shop.pk for shop in policy.shops.all()])
        for user in by_id[policy.user_id]:
            token_scope_set(user, scope)


def token_shop_ids(user) -> frozenset[int] | None:
    """The shops the request's token is limited to, or None when it is not limited to shops."""
    scope = getattr(user, SCOPE_ATTRIBUTE, None)
    return scope.shop_ids if scope is not None else None


@transaction.atomic
def token_policy_save(
    *, user, read_only: bool, shops: Iterable[Shop], rate: str, note: str = "", actor=None
) -> TokenPolicy:
    """Set the limits of ``user``'s API token (creating its policy the first time): read only or not, the shops
    it is limited to (none: every shop the user may see), its rate limit (empty: none). ``rate`` must have
    DRF's shape (``600/min``)."""
    if rate:
        RATE_SHAPE(rate)  # ValidationError naming the expected shape
    fields = {"read_only": read_only, "rate": rate, "note": note}
    creator = actor if actor is not None and actor.is_authenticated else None
    policy, _created = TokenPolicy.objects.update_or_create(
        user=user, defaults=fields, create_defaults={**fields, "created_by": creator}
    )
    policy.shops.set(list(shops))
    return policy
