"""The Content Security Policy middleware: django-csp's, reading the addresses of the warehouse PC's local print
components (``FULFILMENT_PRINT_COMPONENTS``, WebSockets the wave print page talks to) at each response, so the
policy follows the setting wherever it is changed."""

from __future__ import annotations

from csp.middleware import CSPMiddleware as _CSPMiddleware
from csp.middleware import PolicyParts
from django.conf import settings


class CSPMiddleware(_CSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        components = sorted(set(settings.FULFILMENT_PRINT_COMPONENTS.values()))
        if components and not report_only:
            update = dict(parts.update or {})
            update["connect-src"] = [*update.get("connect-src", []), *components]
            parts.update = update
        return parts
