"""Partner API token policies (``orders.TokenPolicy``): the one writer, and the scope the selectors read.

``orders.api.auth.PolicyTokenAuthentication`` puts a ``TokenScope`` on the user it authenticates; the
"visible to this user" selectors (``orders.selectors``) narrow shops and orders to the token's shops. A user
authenticated any other way (a session, a token without a policy) carries no scope: their grants decide.
Work done for a partner outside their requests (the webhooks they subscribed) takes the scope of their token
with ``token_scopes_apply``.

A request's token, with its user, policy and the policy's shops, is read through ``token_get``: from the shared
cache for ``API_TOKEN_CACHE_SECONDS`` (only when there is a cache every web worker shares), else from the
database. Deleting or rotating the token, changing its user or its policy forgets the cached copy at once
(``orders.receivers``) and leaves a mark that it was forgotten, for twice the copy's lifetime: while the mark is
there the token is read from the database and not kept, so a request that read the token just before it changed
(or before the change committed) cannot put the old copy back. A change made around the database's signals
(``QuerySet.update()`` on users) is seen when the copy expires.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from rest_framework.authtoken.models import Token

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


def token_policy_of(token) -> TokenPolicy | None:
    """The policy of the token's user; None for a token without one and for a request without a token."""
    if token is None or not hasattr(token, "user"):
        return None
    try:
        return token.user.api_token_policy
    except TokenPolicy.DoesNotExist:
        return None


def _token_cache_key(key: str) -> str:
    # The key is a credential: the cache holds only its digest.
    return "api-token:" + hashlib.sha256(key.encode()).hexdigest()


def _token_forgotten_key(key: str) -> str:
    return "api-token-forgotten:" + hashlib.sha256(key.encode()).hexdigest()


def token_get(key: str) -> tuple[Token, list[int] | None] | None:
    """The token with this key (its user and the user's policy loaded, the password hash not) and the ids of the
    shops its policy names (None without a policy); None when there is no such token."""
    seconds = settings.API_TOKEN_CACHE_SECONDS
    forgotten = False
    if seconds:
        kept = cache.get_many([_token_cache_key(key), _token_forgotten_key(key)])
        forgotten = _token_forgotten_key(key) in kept
        if not forgotten and _token_cache_key(key) in kept:
            return kept[_token_cache_key(key)]
    token = Token.objects.select_related("user__api_token_policy").defer("user__password").filter(key=key).first()
    if token is None:
        return None  # not cached: guessed keys must not fill the cache
    policy = token_policy_of(token)
    found = (token, None if policy is None else list(policy.shops.values_list("pk", flat=True)))
    if seconds and not forgotten:
        cache.set(_token_cache_key(key), found, seconds)
    return found


def token_cache_forget(*, keys: Iterable[str] = (), user_ids: Iterable[int] = ()) -> None:
    """Forget the cached copies of these tokens and of these users' tokens (the next request reads them again)."""
    if not settings.API_TOKEN_CACHE_SECONDS:
        return
    keys = list(keys)
    user_ids = list(user_ids)
    if user_ids:
        keys += Token.objects.filter(user_id__in=user_ids).values_list("key", flat=True)
    if keys:
        cache.set_many({_token_forgotten_key(key): 1 for key in keys}, 2 * settings.API_TOKEN_CACHE_SECONDS)
        cache.delete_many([_token_cache_key(key) for key in keys])


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
