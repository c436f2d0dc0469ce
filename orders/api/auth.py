"""API tokens with a policy (``orders.TokenPolicy``): read-only tokens, tokens limited to some shops, and a
rate limit per token. Both classes are the API's defaults (``REST_FRAMEWORK`` in config/settings.py), so they
hold on every /api/v1/ endpoint.

- ``PolicyTokenAuthentication``: DRF's ``Authorization: Token <key>``; a read-only token's write (any method
  but GET, HEAD, OPTIONS) is refused with 403 ``token_read_only`` before the view runs; a token limited to
  shops carries them on its user (``orders.tokens``) for the selectors.
- ``TokenRateThrottle``: at most the policy's rate (``600/min``) per token, counted in the cache named by
  ``API_RATE_LIMIT_CACHE``; over it, 429 ``throttled`` with ``Retry-After`` (seconds). A token without a rate,
  and a browser session, are not throttled.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle

from orders.models import TokenPolicy
from orders.tokens import TokenScope, token_scope_set


def policy_of(token) -> TokenPolicy | None:
    """The policy of the token's user; None for a token without one and for a request without a token."""
    if token is None or not hasattr(token, "user"):
        return None
    try:
        return token.user.api_token_policy
    except TokenPolicy.DoesNotExist:
        return None


class TokenReadOnly(exceptions.PermissionDenied):
    default_code = "token_read_only"


class PolicyTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        model = self.get_model()
        try:
            token = model.objects.select_related("user__api_token_policy").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token

    def authenticate(self, request):
        found = super().authenticate(request)
        if found is None:
            return None
        user, token = found
        policy = policy_of(token)
        if policy is None:
            return found
        if policy.read_only and request.method not in SAFE_METHODS:
            raise TokenReadOnly(_("This token is read-only: it may not %(method)s.") % {"method": request.method})
        shop_ids = frozenset(policy.shops.values_list("pk", flat=True))
        token_scope_set(user, TokenScope(read_only=policy.read_only, shop_ids=shop_ids or None))
        return found


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def __init__(self):  # the rate is the token's, read per request: nothing from THROTTLE_RATES
        pass

    @property
    def cache(self):
        return caches[settings.API_RATE_LIMIT_CACHE]

    def allow_request(self, request, view) -> bool:
        policy = policy_of(request.auth)
        if policy is None or not policy.rate:
            return True
        self.rate = policy.rate
        self.num_requests, self.duration = self.parse_rate(policy.rate)
        self.policy_id = policy.pk
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.policy_id}
