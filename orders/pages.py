"""What the back-office pages of orders share: the order the user may see (or 404), form errors on one line,
and the way back after a POST."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from config.redirects import redirect_next
from orders.models import Order
from orders.selectors import order_list_for_user

PAGE_SIZE = 50


def form_errors(form) -> str:
    return "; ".join(
        f"{form.fields[n].label if n in form.fields else ''}: {' '.join(e)}".lstrip(": ")
        for n, e in form.errors.items()
    )


def visible_order(request, number: str) -> Order:
    try:
        return order_list_for_user(request.user).get(number=number)
    except Order.DoesNotExist:
        raise Http404(_("No such order.")) from None


def redirect_back(request, fallback: str):
    """Back to the checked ``next`` (config.redirects: never off this site), else to ``fallback``."""
    return redirect_next(request, fallback)
