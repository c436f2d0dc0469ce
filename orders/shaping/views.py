"""Back-office pages of order shaping: split an order (by hand, by what is in stock, the presale part) and
merge orders, under /review/."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import ApplicationError
from orders.pages import form_errors, redirect_back, visible_order
from orders.selectors import order_list_for_user
from orders.shaping.forms import MergeForm, SplitForm
from orders.shaping.merge import order_merge
from orders.shaping.split import order_split, order_split_by_availability, order_split_presale


@login_required
@permission_required("orders.change_order", raise_exception=True)
def review_order_split(request, number: str):
    order = visible_order(request, number)
    lines = list(order.lines.select_related("sku"))
    form = SplitForm(request.POST or None, lines=lines)
    if request.method == "POST":
        mode = request.POST.get("mode", "manual")
        try:
            if mode == "presale":
                child = order_split_presale(order_id=order.pk, actor=request.user)
                children = [child] if child else []
            elif mode == "availability":
                children = order_split_by_availability(order_id=order.pk, actor=request.user)
            elif form.is_valid():
                children = [
                    order_split(
                        order_id=order.pk, parts=form.parts(), actor=request.user, reason=form.cleaned_data["reason"]
                    )
                ]
            else:
                children = None
        except ApplicationError as error:
            messages.error(request, _("Not split: %(message)s") % {"message": error.message})
        else:
            if children:
                messages.success(request, _("Split: %(numbers)s") % {"numbers": ", ".join(c.number for c in children)})
                return redirect("order-detail", number=order.number)
            if children is not None:
                messages.info(request, _("Nothing to split."))
    return render(request, "orders/review/split.html", {"order": order, "form": form, "lines": lines})


@require_POST
@login_required
@permission_required("orders.change_order", raise_exception=True)
def review_merge(request):
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not merged: %(errors)s") % {"errors": form_errors(form)})
        return redirect_back(request, "review:queue")
    numbers = form.numbers()
    visible = dict(order_list_for_user(request.user).filter(number__in=numbers).values_list("number", "pk"))
    missing = [n for n in numbers if n not in visible]
    target = form.cleaned_data["target"]
    if missing or (target and target not in visible):
        messages.error(
            request, _("Not merged: no such order %(numbers)s.") % {"numbers": ", ".join(missing or [target])}
        )
        return redirect_back(request, "review:queue")
    try:
        merged = order_merge(
            order_ids=list(visible.values()),
            actor=request.user,
            target_id=visible.get(target) if target else None,
            reason=_("merged by staff"),
        )
    except ApplicationError as error:
        messages.error(request, _("Not merged: %(message)s") % {"message": error.message})
        return redirect_back(request, "review:queue")
    messages.success(request, _("Merged into %(number)s.") % {"number": merged.number})
    return redirect("order-detail", number=merged.number)
