"""Django admin for shops and orders, scoped like every other view of Order Hub.

- Every changelist and object page shows only what ``orders.selectors`` lets the user see; an object
  outside that scope is a 404 on its change, delete and history pages (simple-history's own views do not
  scope, so ``ScopedAdminMixin`` checks before them).
- Status changes go through ``orders.services.order_transition`` (admin actions); status, hold reason,
  amounts and numbering are read-only.
- Consignee phone and detail address are masked for users without ``orders.view_consignee_pii`` in the
  changelist, the change form and the history pages.
- Who may work on which shop/warehouse (django-guardian) is granted on the "Who may work on this" page
  of a shop or warehouse (guardian's object-permission pages), by administrators only, and only the
  access permission is offered there.
- Rule versions, previews, results, links and approvals are written only by their services (the rule
  editor, the review queue): read-only here. Review tasks and alerts get admin actions that call the
  services. Everything tied to an order is scoped to the orders the user may see.

One module per concern: ``mixins`` (shared with the other apps' admins), ``shops``, ``orders``, ``records``
(timeline, lines, counters, idempotency keys), ``pii`` (consignee reveals), ``rules``, ``review``, ``shaping``,
``alerts``, ``tokens`` (API token policies).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from orders.admin import alerts, orders, pii, records, review, rules, shaping, shops, tokens  # noqa: F401 - they register
from orders.admin.mixins import AccessGrantAdminMixin, ReadOnlyAdminMixin, ScopedAdminMixin, VisibleShopFilter

admin.site.site_header = _("Order Hub administration")
admin.site.site_title = _("Order Hub")
admin.site.index_title = _("Order Hub administration")

__all__ = ["AccessGrantAdminMixin", "ReadOnlyAdminMixin", "ScopedAdminMixin", "VisibleShopFilter"]
