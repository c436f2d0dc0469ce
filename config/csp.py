"""The Content Security Policy middleware: django-csp's, reading the addresses of the warehouse PC's local print
components (``FULFILMENT_PRINT_COMPONENTS``, WebSockets the wave print page talks to) at each response, so the
policy follows the setting wherever it is changed.

A policy is for a document a browser renders: where its scripts, styles, images, fonts and connections may come
from, and who may frame it. A JSON answer (the partner API, health checks) is data: it loads nothing, and
``X-Content-Type-Options: nosniff`` keeps a browser from rendering it as a page. Of the policy only
``frame-ancestors 'none'`` concerns it (against drag-and-drop clickjacking; the OWASP REST Security Cheat Sheet
lists ``Content-Security-Policy: frame-ancestors 'none'`` among the headers for every API response). So a JSON
response gets ``JSON_POLICY``, a fixed header written at import, and the page policy is built for pages only
(the API's browsable HTML included).
"""

from __future__ import annotations

from csp.constants import HEADER
from csp.middleware import CSPMiddleware as _CSPMiddleware
from csp.middleware import PolicyParts
from django.conf import settings

JSON_POLICY = "default-src 'none'; frame-ancestors 'none'"


class CSPMiddleware(_CSPMiddleware):
    def process_response(self, request, response):
        if not _is_json(response):
            return super().process_response(request, response)
        if HEADER not in response and not getattr(response, "_csp_exempt", False):
            response[HEADER] = JSON_POLICY
        return response

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        components = sorted(set(settings.FULFILMENT_PRINT_COMPONENTS.values()))
        if components and not report_only:
            update = dict(parts.update or {})
            update["connect-src"] = [*update.get("connect-src", []), *components]
            parts.update = update
        return parts


def _is_json(response) -> bool:
    """``application/json`` or a ``+json`` type (``application/problem+json``, the OpenAPI schema's)."""
    media_type = response.get("Content-Type", "").partition(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")
