"""Where a form may send the user back to: a ``next`` parameter checked the way Django's ``LoginView`` does.

A ``next`` that points at another host (``https://evil.example/``, ``//evil.example``, ``/\\evil.example``,
``https:evil.example`` …) or another scheme (``javascript:``) is ignored and the fallback is used instead —
an open redirect would let a phishing link wear Order Hub's address.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request: HttpRequest, *, field: str = "next") -> str:
    """The request's ``next`` (POST first, then GET) if it stays on this site, else ``""``."""
    target = request.POST.get(field) or request.GET.get(field) or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def redirect_next(request: HttpRequest, fallback: str, *args, field: str = "next", **kwargs) -> HttpResponseRedirect:
    """Redirect to the checked ``next``, or to ``fallback`` (a URL name with its arguments, or a path)."""
    return redirect(next_url(request, field=field) or fallback, *args, **kwargs)
