"""What the back-office pages of orders share: the order the user may see (or 404), form errors on one line,
and the way back after a POST."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

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
    target = request.POST.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(fallback)
