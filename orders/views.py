"""Back-office pages: home, order list, order detail and the detail page's actions.

Views parse input, call one selector or service and render. What a user may see comes from
``orders.selectors`` (guardian-scoped); what they may see of a consignee from ``orders.masking``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.client import client_ip
from config.errors import ApplicationError
from config.paging import EstimatedCountPaginator
from orders import roles
from orders.exceptions import InvalidTransition
from orders.forms import NoteForm, OrderFilterForm, TransitionForm
from orders.masking import consignee_for, user_may_reveal
from orders.models import Order, Platform
from orders.models.orders import ADDRESS_FIELDS
from orders.selectors import order_counts_for_user, order_get_for_user, order_list_for_user, shop_list_for_user
from orders.services import consignee_reveal, order_note_add, order_transition
from orders.states import NOT_SHIPPED, TRANSITIONS, HoldReason, Status
from orders.templatetags.backoffice import money

PAGE_SIZE = 50
# What the order list shows of an order (templates/orders/order_list.html, ``_list_rows``, ``consignee_for``) and
# of its shop: the page reads only these columns, not the order's other ones nor its warehouse.
LIST_COLUMNS = (
    "number",
    "shop__name",
    "external_id",
    "status",
    "hold_reason",
    "buyer_nick",
    *ADDRESS_FIELDS,  # the consignee block (consignee_for)
    "currency",
    "paid_amount",
    "created_at",
    "promised_ship_at",
)

# What each role looks at first on the home page: statuses whose orders wait for that role.
ROLE_FOCUS = {
    roles.SALES_CS: [Status.ON_HOLD, Status.PENDING_PAYMENT, Status.PAID],
    roles.WAREHOUSE: [Status.APPROVED, Status.PICKING],
    roles.FINANCE: [Status.DELIVERED, Status.COMPLETED, Status.CLOSED],
    roles.MANAGER: [Status.ON_HOLD, Status.PAID, Status.APPROVED],
    roles.ADMIN: [Status.ON_HOLD, Status.PAID],
}


@login_required
def home(request):
    counts = order_counts_for_user(request.user)
    by_status = {row["status"]: row["count"] for row in counts["by_status"]}
    order_list_url = reverse("order-list")
    status_rows = [
        (Status(status).label, by_status[status], f"{order_list_url}?{urlencode({'status': status})}")
        for status in Status.values
        if by_status.get(status)
    ]
    shop_rows = [
        (
            f"{row['shop__name']} · {Platform(row['shop__platform']).label}",
            row["count"],
            f"{order_list_url}?{urlencode({'shop': row['shop__code']})}",
        )
        for row in counts["by_shop"]
    ]
    groups = sorted(request.user.groups.values_list("name", flat=True))
    focus = []
    for name in groups:
        focus += [status for status in ROLE_FOCUS.get(name, []) if status not in focus]
    return render(
        request,
        "orders/home.html",
        {
            "roles": [roles.ROLE_LABELS.get(name, name) for name in groups],
            "focus": [
                (Status(status).label, by_status.get(status, 0), f"{order_list_url}?{urlencode({'status': status})}")
                for status in focus
            ],
            "total": sum(by_status.values()),
            "status_rows": status_rows,
            "shop_rows": shop_rows,
        },
    )


@login_required
@permission_required("orders.view_order", raise_exception=True)
def order_list(request):
    form = OrderFilterForm(request.GET or None, shops=shop_list_for_user(request.user))
    orders = order_list_for_user(request.user).select_related(None).select_related("shop").only(*LIST_COLUMNS)
    orders = orders.order_by("-created_at", "-id")
    if form.is_bound:
        form.is_valid()
        orders = form.filter(orders)
    page = EstimatedCountPaginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _list_rows(request.user, page.object_list, now=timezone.now())
    return render(request, "orders/order_list.html", {"form": form, "page": page, "rows": rows})


def _list_rows(user, orders, *, now) -> list[dict]:
    """The list's rows with their cells ready to show: labels, times (Shanghai) and amounts are formatted here
    once per page rather than through a template filter per cell."""
    status_labels = {value: str(label) for value, label in Status.choices}
    hold_labels = {value: str(label) for value, label in HoldReason.choices}
    rows = []
    for order in orders:
        promised = order.promised_ship_at
        rows.append(
            {
                "order": order,
                "url": reverse("order-detail", args=[order.number]),
                "status_label": status_labels.get(order.status, order.status),
                "hold_label": hold_labels.get(order.hold_reason, order.hold_reason),
                "consignee": consignee_for(user, order),
                "paid": money(order.paid_amount, order.currency),
                "created": _minute(order.created_at),
                "ship_by": _minute(promised) if promised else "",
                "overdue": bool(promised and promised < now and order.status in NOT_SHIPPED),
            }
        )
    return rows


def _minute(moment) -> str:
    """``{{ moment|date:"Y-m-d H:i" }}``: the time in the current time zone, to the minute."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _visible_order(request, number: str) -> Order:
    try:
        return order_get_for_user(request.user, number=number)
    except Order.DoesNotExist:
        raise Http404(_("No such order.")) from None


@login_required
@permission_required("orders.view_order", raise_exception=True)
def order_detail(request, number: str):
    return _order_detail_render(request, _visible_order(request, number))


def _order_detail_render(request, order: Order, *, consignee: dict | None = None):
    user = request.user
    next_statuses = [status for status in Status.values if status in TRANSITIONS[order.status]]
    events = list(order.events.all())
    for event in events:
        hold = (event.data or {}).get("hold_reason", "")
        event.hold_reason_label = HoldReason(hold).label if hold in HoldReason.values else hold
    now = timezone.now()
    response = render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "consignee": consignee or consignee_for(user, order),
            "can_reveal": consignee is None and user_may_reveal(user),
            "revealed": consignee is not None,
            "lines": list(order.lines.all()),
            "presale": getattr(order, "presale", None),  # 定金/尾款 terms, None for ordinary orders
            "events": events,
            "overdue": bool(order.promised_ship_at and order.promised_ship_at < now and order.status in NOT_SHIPPED),
            "can_change": user.has_perm("orders.change_order"),
            "can_note": user.has_perm("orders.add_orderevent"),
            "next_statuses": [(s, Status(s).label) for s in next_statuses if s != Status.ON_HOLD],
            "can_hold": Status.ON_HOLD in next_statuses,
            "hold_reasons": HoldReason.choices,
            "note_form": NoteForm(),
            "history_url": (
                reverse("admin:orders_order_history", args=[order.pk])
                if user.is_staff and user.has_perm("orders.view_order")
                else ""
            ),
        },
    )
    if consignee is not None:
        response["Cache-Control"] = "no-store"  # a revealed phone and address stay out of every cache
    return response


@require_POST
@login_required
@permission_required("orders.view_order", raise_exception=True)
def order_consignee_reveal_view(request, number: str):
    """Show the unmasked consignee once, for a reason that is logged (``consignee_reveal``)."""
    order = _visible_order(request, number)
    try:
        consignee = consignee_reveal(
            user=request.user, order=order, reason=request.POST.get("reason", ""), ip_address=client_ip(request)
        )
    except ApplicationError as error:
        messages.error(request, _("Not revealed: %(message)s") % {"message": error.message})
        return redirect("order-detail", number=order.number)
    return _order_detail_render(request, order, consignee=consignee)


@require_POST
@login_required
@permission_required("orders.change_order", raise_exception=True)
def order_transition_view(request, number: str):
    order = _visible_order(request, number)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The status change was not understood: %(errors)s") % {"errors": _errors(form)})
        return redirect("order-detail", number=order.number)
    to_status = form.cleaned_data["to_status"]
    try:
        order_transition(
            order=order,
            to_status=to_status,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            hold_reason=form.cleaned_data["hold_reason"] if to_status == Status.ON_HOLD else "",
        )
    except InvalidTransition as error:
        messages.error(request, _("Status not changed: %(message)s") % {"message": error.message})
    else:
        messages.success(
            request,
            _("Order %(number)s is now %(status)s.") % {"number": order.number, "status": Status(to_status).label},
        )
    return redirect("order-detail", number=order.number)


@require_POST
@login_required
@permission_required("orders.add_orderevent", raise_exception=True)
def order_note_view(request, number: str):
    order = _visible_order(request, number)
    form = NoteForm(request.POST)
    if form.is_valid():
        order_note_add(order=order, text=form.cleaned_data["text"], actor=request.user)
        messages.success(request, _("Note added."))
    else:
        messages.error(request, _("Note not added: %(errors)s") % {"errors": _errors(form)})
    return redirect("order-detail", number=order.number)


def _errors(form) -> str:
    return "; ".join(
        f"{form.fields[name].label if name in form.fields else name}: {' '.join(errs)}"
        for name, errs in form.errors.items()
    )
