"""Back-office stock pages under /stock/: SKUs across locations and channels, the ledger, reservations by
order, receipts, adjustments, transfers, counts (盘点) and the accuracy report.

Views parse input, call one selector or service and render. Locations are scoped by
``inventory.selectors.stock_warehouses_for_user``; reading needs ``inventory.view_stock`` and writing
``inventory.adjust_stock`` (the 仓库 and 主管 roles).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import ApplicationError
from config.uploads import upload_check
from inventory.alerts import open_safety_alerts_count
from inventory.forms import (
    AccuracyFilterForm,
    AdjustmentForm,
    CountLineForm,
    CountOpenForm,
    MovementFilterForm,
    ReceiptForm,
    TransferForm,
)
from inventory.models import SKU, ChannelStock, Reservation, SafetyStock, StockCount, Warehouse
from inventory.selectors import (
    channel_stock_for_sku,
    channel_stock_named,
    reservation_list,
    stock_accuracy_report,
    stock_count_get,
    stock_count_list,
    stock_levels_for_sku,
    stock_movement_list,
    stock_sku_list,
    stock_warehouses_for_user,
)
from inventory.services import (
    stock_adjust,
    stock_count_apply,
    stock_count_cancel,
    stock_count_open,
    stock_count_record,
    stock_receive,
    stock_transfer,
)

VIEW = "inventory.view_stock"
ADJUST = "inventory.adjust_stock"
PAGE_SIZE = 50


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
@permission_required(VIEW, raise_exception=True)
def stock_index(request):
    query = request.GET.get("q", "").strip()
    return render(
        request,
        "inventory/stock_index.html",
        {
            "query": query,
            "page": _page(request, stock_sku_list(user=request.user, query=query)),
            "open_alerts": open_safety_alerts_count(),
            "can_adjust": request.user.has_perm(ADJUST),
        },
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def stock_sku(request, code: str):
    sku = SKU.objects.filter(code=code).first()
    if sku is None:
        raise Http404
    levels = list(stock_levels_for_sku(user=request.user, sku=sku))
    return render(
        request,
        "inventory/stock_sku.html",
        {
            "sku": sku,
            "levels": levels,
            "totals": {
                "on_hand": sum(r.on_hand for r in levels),
                "reserved": sum(r.reserved for r in levels),
                "available": sum(r.available for r in levels),
            },
            "channels": channel_stock_for_sku(sku=sku),
            "safety": SafetyStock.objects.filter(sku=sku).first(),
            "movements": stock_movement_list(user=request.user, sku=sku)[:30],
            "reservations": reservation_list(user=request.user, sku=sku, state="active")[:100],
        },
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def stock_movements(request):
    form = MovementFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        if data["sku"]:
            filters["sku"] = SKU.objects.filter(code=data["sku"]).first() or SKU(pk=0)
        if data["warehouse"]:
            filters["warehouse"] = Warehouse.objects.filter(code=data["warehouse"]).first() or Warehouse(pk=0)
        filters["reference"] = data["reference"]
        filters["kind"] = data["kind"]
    movements = stock_movement_list(user=request.user, **filters)
    return render(request, "inventory/stock_movements.html", {"form": form, "page": _page(request, movements)})


@login_required
@permission_required(VIEW, raise_exception=True)
def stock_reservations(request):
    order = request.GET.get("order", "").strip()
    state = request.GET.get("state", "")
    reservations = reservation_list(user=request.user, reference=order, state=state)
    return render(
        request,
        "inventory/stock_reservations.html",
        {
            "order": order,
            "state": state,
            "state_choices": Reservation.State.choices,
            "page": _page(request, reservations),
        },
    )


def _operation(request, *, form_class, title, run, template="inventory/stock_operation.html"):
    """A one-form page: validate, run the service, report the result, come back to the form."""
    warehouses = stock_warehouses_for_user(request.user).filter(is_active=True)
    form = form_class(request.POST or None, warehouses=warehouses)
    if request.method == "POST" and form.is_valid():
        try:
            message = run(form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, message)
            return redirect(request.path)
    return render(request, template, {"form": form, "title": title})


def _recorded(data, request) -> dict:
    """What every stock operation records besides its quantities: why, the document, who."""
    return {"reason": data["reason"], "reference": data["reference"], "actor": request.user}


def _one_line(data) -> dict:
    """The placeholders of a one-line operation's message."""
    return {"n": data["quantity"], "sku": data["sku"].code, "wh": data["warehouse"].code}


@login_required
@permission_required(ADJUST, raise_exception=True)
def stock_receive_view(request):
    def run(data):
        lines = [(data["sku"], data["quantity"])]
        stock_receive(warehouse=data["warehouse"], lines=lines, pool=data["pool"], **_recorded(data, request))
        return _("Received %(n)s × %(sku)s at %(wh)s.") % _one_line(data)

    return _operation(request, form_class=ReceiptForm, title=_("Receive goods"), run=run)


@login_required
@permission_required(ADJUST, raise_exception=True)
def stock_adjust_view(request):
    def run(data):
        stock_adjust(
            sku=data["sku"],
            warehouse=data["warehouse"],
            quantity=data["quantity"],
            pool=data["pool"],
            **_recorded(data, request),
        )
        return _("Adjusted %(sku)s at %(wh)s by %(n)+d.") % _one_line(data)

    return _operation(request, form_class=AdjustmentForm, title=_("Adjust stock"), run=run)


@login_required
@permission_required(ADJUST, raise_exception=True)
def stock_transfer_view(request):
    def run(data):
        stock_transfer(
            from_warehouse=data["from_warehouse"],
            to_warehouse=data["to_warehouse"],
            lines=[(data["sku"], data["quantity"])],
            from_pool=data["from_pool"],
            to_pool=data["to_pool"],
            **_recorded(data, request),
        )
        return _("Moved %(n)s × %(sku)s from %(a)s to %(b)s.") % {
            "n": data["quantity"],
            "sku": data["sku"].code,
            "a": data["from_warehouse"].code,
            "b": data["to_warehouse"].code,
        }

    return _operation(request, form_class=TransferForm, title=_("Transfer stock"), run=run)


@login_required
@permission_required(VIEW, raise_exception=True)
def stock_counts(request):
    form = CountOpenForm(
        request.POST or None, warehouses=stock_warehouses_for_user(request.user).filter(is_active=True)
    )
    if request.method == "POST":
        if not request.user.has_perm(ADJUST):
            raise Http404
        if form.is_valid():
            try:
                count = stock_count_open(
                    warehouse=form.cleaned_data["warehouse"], reason=form.cleaned_data["reason"], actor=request.user
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("stock-count", pk=count.pk)
    return render(
        request,
        "inventory/stock_counts.html",
        {
            "form": form,
            "page": _page(request, stock_count_list(user=request.user)),
            "can_adjust": request.user.has_perm(ADJUST),
        },
    )


def _visible_count(request, pk: int) -> StockCount:
    try:
        return stock_count_get(user=request.user, pk=pk)
    except StockCount.DoesNotExist:
        raise Http404 from None


@login_required
@permission_required(VIEW, raise_exception=True)
def stock_count(request, pk: int):
    count = _visible_count(request, pk)
    form = CountLineForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm(ADJUST):
            raise Http404
        if form.is_valid():
            try:
                stock_count_record(
                    count=count,
                    sku=form.cleaned_data["sku"],
                    counted_quantity=form.cleaned_data["counted"],
                    pool=form.cleaned_data["pool"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("stock-count", pk=count.pk)
    return render(
        request,
        "inventory/stock_count.html",
        {"count": count, "lines": count.lines.all(), "form": form, "can_adjust": request.user.has_perm(ADJUST)},
    )


@login_required
@permission_required(ADJUST, raise_exception=True)
@require_POST
def stock_count_action(request, pk: int, action: str):
    count = _visible_count(request, pk)
    try:
        if action == "apply":
            movements = stock_count_apply(count=count, actor=request.user)
            messages.success(
                request, _("%(ref)s applied: %(n)s differences booked.") % {"ref": count.reference, "n": len(movements)}
            )
        elif action == "cancel":
            stock_count_cancel(count=count)
            messages.success(request, _("%(ref)s cancelled.") % {"ref": count.reference})
        else:
            raise Http404
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("stock-count", pk=count.pk)


@login_required
@permission_required(VIEW, raise_exception=True)
def stock_accuracy(request):
    form = AccuracyFilterForm(request.GET or None)
    warehouse = since = until = None
    if form.is_valid():
        data = form.cleaned_data
        if data["warehouse"]:
            warehouse = Warehouse.objects.filter(code=data["warehouse"]).first() or Warehouse(pk=0)
        tz = timezone.get_current_timezone()
        if data["since"]:
            since = dt.datetime.combine(data["since"], dt.time.min, tzinfo=tz)
        if data["until"]:
            until = dt.datetime.combine(data["until"], dt.time.min, tzinfo=tz)
    report = stock_accuracy_report(user=request.user, warehouse=warehouse, since=since, until=until)
    return render(request, "inventory/stock_accuracy.html", {"form": form, "report": report})


ALLOCATE = "inventory.change_channelstock"


@login_required
@permission_required(ALLOCATE, raise_exception=True)
def stock_allocations(request):
    """Channel allocations in bulk: upload a table (XLSX or CSV) of shop × SKU rules; the allocations in force
    (every row that is not the default) are listed below."""
    from inventory.allocations import COLUMNS, allocations_import

    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("Choose an XLSX or CSV file.")
        else:
            try:
                upload_check(upload, name=upload.name)  # before the file is read into memory
                count = allocations_import(content=upload.read(), name=upload.name)
            except ApplicationError as exc:
                error = exc.message
            else:
                messages.success(request, _("%(n)s allocations saved.") % {"n": count})
                return redirect("stock-allocations")
    allocations = (
        ChannelStock.objects.exclude(rule=ChannelStock.Rule.DEFAULT)
        .select_related("sku")
        .order_by("sku__code", "shop_id")
    )
    page = _page(request, allocations)
    page.object_list = channel_stock_named(page.object_list)
    return render(
        request,
        "inventory/stock_allocations.html",
        {"error": error, "columns": [aliases[0] for aliases in COLUMNS.values()], "page": page},
    )
