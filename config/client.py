"""The address a request came from, for lockouts and rate limits.

Without a proxy in front it is ``REMOTE_ADDR``. Behind ``TRUSTED_PROXY_COUNT`` reverse proxies (each appending
the address it received the request from to ``X-Forwarded-For``) it is the entry that many places from the
right: entries further left were written by the client and could be anything, so they are never trusted.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, or None when the request has none (a request made up inside the process)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
