"""Machine-to-machine endpoints (platform webhooks, carrier and payment notifications) answered without the back
office's middleware.

Platforms, carriers and payment providers post signed messages: they have no session, no user, no language to
negotiate, no CSRF token, no messages to show, and read no HTML (so no CSP or frame options). For a path under
``PREFIXES`` whose view is marked ``@machine_endpoint``, ``MachineEndpointsMiddleware`` calls the view itself; the
middleware above it (the request id with its access line, the request metrics, SecurityMiddleware) still runs,
the rest of the stack (sessions, locale, CSRF, auth, messages, CSP, clickjacking, history, axes, replica reads)
does not. Any other request, or a path under a prefix that resolves to an unmarked view or to nothing, goes down
the whole stack as before. Why: docs/performance.md, "CPU per order of a peak's path".
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.urls import Resolver404, get_urlconf, resolve
from django.utils import translation

PREFIXES = ("/webhooks/", "/payments/")


def machine_endpoint(view):
    """Marks a view that serves only machines (see the module): it must not read the session, the user, the
    request's language or messages, and must be ``csrf_exempt`` already (it authenticates by signature)."""
    view.machine_endpoint = True
    return view


@functools.lru_cache(maxsize=1024)
def _resolve(path: str, urlconf: str | None):
    """``resolve(path)``, kept for the paths machines post to again and again (a webhook's path names its
    platform and shop): Django walks its URL patterns afresh at every request. A path that matches nothing is
    not kept (``Resolver404`` is raised each time). ``urlconf`` (the request's, or ``ROOT_URLCONF``) is part of
    the key."""
    return resolve(path, urlconf)


class MachineEndpointsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(PREFIXES):
            return self.get_response(request)
        try:
            match = _resolve(request.path_info, get_urlconf() or settings.ROOT_URLCONF)
        except Resolver404:
            return self.get_response(request)
        if not getattr(match.func, "machine_endpoint", False):
            return self.get_response(request)
        request.resolver_match = match
        # Errors are answered in the site's language (a platform negotiates none), never in the one a previous
        # request left active in this thread.
        translation.activate(settings.LANGUAGE_CODE)
        response = match.func(request, *match.args, **match.kwargs)
        if not response.streaming and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))  # as CommonMiddleware does
        return response
