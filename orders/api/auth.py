"""API tokens with a policy (``orders.TokenPolicy``): read-only tokens, tokens limited to some shops, and a
rate limit per token. Both classes are the API's defaults (``REST_FRAMEWORK`` in config/settings.py), so they
hold on every /api/v1/ endpoint.

- ``PolicyTokenAuthentication``: DRF's ``Authorization: Token <key>``; a read-only token's write (any method
  but GET, HEAD, OPTIONS) is refused with 403 ``token_read_only`` before the view runs; a token limited to
  shops carries them on its user (``orders.tokens``) for the selectors.
- ``TokenRateThrottle``: at most the policy's rate (``600/min``) per token, counted atomically in the cache
  named by ``API_RATE_LIMIT_CACHE`` over a window that opens with the token's first request and lasts the
  rate's period; over it, 429 ``throttled`` with ``Retry-After`` (seconds until the window closes). A token
  without a rate, and a browser session, are not throttled.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle

from orders.tokens import token_get, token_policy_of, token_scope_of, token_scope_set


class TokenReadOnly(exceptions.PermissionDenied):
    default_code = "token_read_only"


class PolicyTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        found = token_get(key)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token, shop_ids = found
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        policy = token_policy_of(token)
        if policy is not None:
            token_scope_set(token.user, token_scope_of(policy, shop_ids))
        return token.user, token

    def authenticate(self, request):
        found = super().authenticate(request)
        if found is None:
            return None
        policy = token_policy_of(found[1])
        if policy is not None and policy.read_only and request.method not in SAFE_METHODS:
            raise TokenReadOnly(_("This token is read-only: it may not %(method)s.") % {"method": request.method})
        return found


class TokenRateThrottle(SimpleRateThrottle):
    """A fixed window per token that opens with its first request and lasts the rate's period: the window's
    count is created (``add``) and raised (``incr``) in single atomic steps of the shared cache, so racing
    requests each get a distinct number and only the first ``count`` pass — a read-then-write count would let
    two requests both take the last slot. (DRF's own throttle keeps a list of times read, appended and written
    back, which races.)"""

    scope = "token"

    def __init__(self):  # the rate is the token's, read per request: nothing from THROTTLE_RATES
        self.wait_seconds: float | None = None

    def allow_request(self, request, view) -> bool:
        policy = token_policy_of(request.auth)
        if policy is None or not policy.rate:
            return True
        allowed, period = self.parse_rate(policy.rate)
        cache = caches[settings.API_RATE_LIMIT_CACHE]
        key = self.cache_format % {"scope": self.scope, "ident": f"{policy.pk}:{policy.rate}"}
        now = self.timer()
        for _attempt in range(3):
            # The window's start and its count expire together; the count starts at 0 if no window is open.
            cache.add(f"{key}:start", now, timeout=period)
            cache.add(key, 0, timeout=period)
            try:
                used = cache.incr(key)
            except ValueError:  # the window expired between add and incr: open the next one
                continue
            break
        else:
            return True  # the cache keeps losing the key: let the request through rather than refuse it
        if used <= allowed:
            return True
        started = cache.get(f"{key}:start")
        self.wait_seconds = max(1.0, (started if started is not None else now) + period - now)
        return False

    def wait(self) -> float | None:
        return self.wait_seconds
