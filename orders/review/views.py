"""Back-office pages of the review queue (tasks, holds, bulk decisions, the consignee address) and the alert
list, under /review/. Views parse input, call one service or selector and render; services decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from config.errors import ApplicationError
from config.redirects import next_url
from orders.masking import consignee_for
from orders.models import Alert, AlertDelivery, Order, ReviewTask
from orders.pages import PAGE_SIZE, form_errors, redirect_back, visible_order
from orders.review import forms
from orders.review.selectors import alert_list_for_user, review_task_list_for_user, stock_alert_list
from orders.review.services import (
    order_address_update,
    review_approve,
    review_bulk,
    review_hold_manual,
    review_hold_release,
    review_reject,
)
from orders.selectors import order_list_for_user
from orders.services.alert_delivery import alert_deliveries_replay
from orders.services.alerts import alert_acknowledge, alert_assign
from orders.shaping.merge import order_merge_candidates


def _visible_task(request, pk: int) -> ReviewTask:
    task = ReviewTask.objects.select_related("order").filter(pk=pk).first()
    if task is None or not order_list_for_user(request.user).filter(pk=task.order_id).exists():
        raise Http404(_("No such review task."))
    return task


@login_required
@permission_required("orders.view_reviewtask", raise_exception=True)
def review_queue(request):
    form = forms.QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    tasks = review_task_list_for_user(
        request.user, kind=filters.get("kind", ""), shop=filters.get("shop", ""), mine=filters.get("mine", False)
    )
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {"task": task, "consignee": consignee_for(request.user, task.order), "approvals": list(task.approvals.all())}
        for task in page.object_list
    ]
    can_shape = request.user.has_perm("orders.change_order")
    return render(
        request,
        "orders/review/queue.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "can_decide": request.user.has_perm("orders.change_reviewtask"),
            "can_shape": can_shape,
            "merge_groups": order_merge_candidates(order_list_for_user(request.user), limit=20) if can_shape else [],
        },
    )


def _note(request) -> str:
    """The optional note of a decision form."""
    form = forms.DecisionForm(request.POST)
    form.is_valid()
    return form.cleaned_data.get("note", "")


def _decide(request, run, *, refused: str, done):
    """Run one decision from the queue; tell the user what became of it (``refused`` with the refusal's message,
    or ``done(result)``) and go back to where they were."""
    try:
        result = run()
    except ApplicationError as error:
        messages.error(request, refused % {"message": error.message})
    else:
        messages.success(request, done(result))
    return redirect_back(request, "review:queue")


@require_POST
@login_required
@permission_required("orders.change_reviewtask", raise_exception=True)
def review_task_approve(request, pk: int):
    task = _visible_task(request, pk)
    note = _note(request)

    def done(task):
        if task.status == ReviewTask.Status.OPEN:
            return _("Tier approved; order %(number)s waits for the next tier.") % {"number": task.order.number}
        return _("Order %(number)s approved.") % {"number": task.order.number}

    return _decide(
        request,
        lambda: review_approve(task_id=task.pk, actor=request.user, note=note),
        refused=_("Not approved: %(message)s"),
        done=done,
    )


@require_POST
@login_required
@permission_required("orders.change_reviewtask", raise_exception=True)
def review_task_reject(request, pk: int):
    task = _visible_task(request, pk)
    form = forms.RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not rejected: %(errors)s") % {"errors": form_errors(form)})
        return redirect_back(request, "review:queue")
    return _decide(
        request,
        lambda: review_reject(task_id=task.pk, actor=request.user, note=form.cleaned_data["note"]),
        refused=_("Not rejected: %(message)s"),
        done=lambda _task: _("Order %(number)s rejected and cancelled.") % {"number": task.order.number},
    )


@require_POST
@login_required
@permission_required("orders.change_reviewtask", raise_exception=True)
def review_order_release(request, number: str):
    order = visible_order(request, number)
    note = _note(request)
    return _decide(
        request,
        lambda: review_hold_release(order_id=order.pk, actor=request.user, note=note),
        refused=_("Hold not released: %(message)s"),
        done=lambda released: (
            _("Hold released; order %(number)s is now %(status)s.")
            % {"number": released.number, "status": released.get_status_display()}
        ),
    )


@require_POST
@login_required
@permission_required("orders.change_reviewtask", raise_exception=True)
def review_order_hold(request, number: str):
    order = visible_order(request, number)
    form = forms.HoldForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not held: %(errors)s") % {"errors": form_errors(form)})
        return redirect("order-detail", number=order.number)
    return _decide(
        request,
        lambda: review_hold_manual(order_id=order.pk, actor=request.user, reason=form.cleaned_data["reason"]),
        refused=_("Not held: %(message)s"),
        done=lambda _task: _("Order %(number)s is held for review.") % {"number": order.number},
    )


@require_POST
@login_required
@permission_required("orders.change_reviewtask", raise_exception=True)
def review_bulk_view(request):
    visible = list(review_task_list_for_user(request.user).values_list("pk", flat=True))
    form = forms.BulkForm(request.POST, task_ids=visible)
    if not form.is_valid():
        messages.error(request, _("Nothing done: %(errors)s") % {"errors": form_errors(form)})
        return redirect_back(request, "review:queue")
    results = review_bulk(
        action=form.cleaned_data["action"],
        task_ids=form.cleaned_data["tasks"],
        actor=request.user,
        note=form.cleaned_data["note"],
    )
    done = [r for r in results if r.ok]
    if done:
        messages.success(
            request,
            _("%(n)s task(s) done: %(orders)s") % {"n": len(done), "orders": ", ".join(r.order_number for r in done)},
        )
    for result in results:
        if not result.ok:
            messages.error(request, f"{result.order_number or result.task_id}: {result.message}")
    return redirect_back(request, "review:queue")


@login_required
@permission_required("orders.change_order", raise_exception=True)
def review_order_address(request, number: str):
    order = visible_order(request, number)
    if not request.user.has_perm("orders.view_consignee_pii"):
        raise Http404(_("No such order."))  # editing needs to see what is edited
    form = forms.AddressForm(
        request.POST or None, instance=Order(**{f: getattr(order, f) for f in forms.ADDRESS_FIELDS})
    )
    if request.method == "POST" and form.is_valid():
        try:
            order_address_update(
                order_id=order.pk, actor=request.user, **{f: form.cleaned_data[f] for f in forms.ADDRESS_FIELDS}
            )
        except ApplicationError as error:
            messages.error(request, _("Address not changed: %(message)s") % {"message": error.message})
        else:
            messages.success(request, _("Address of %(number)s updated.") % {"number": order.number})
            return redirect_back(request, reverse("review:queue"))
    return render(request, "orders/review/address.html", {"order": order, "form": form, "next": next_url(request)})


@login_required
@permission_required("orders.view_alert", raise_exception=True)
def alert_list(request):
    form = forms.AlertFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    alerts = alert_list_for_user(
        request.user,
        state=filters.get("state") or "open",
        kind=filters.get("kind", ""),
        severity=filters.get("severity", ""),
    )
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "orders/review/alerts.html",
        {
            "form": form,
            "page": page,
            "assignees": list(forms.AssignForm().fields["assignee"].queryset),
            "can_change": request.user.has_perm("orders.change_alert"),
        },
    )


@login_required
@permission_required("inventory.view_stock", raise_exception=True)
def stock_alerts(request):
    """Inventory's stock alerts page (/stock/alerts/): the safety-stock alerts of the one alert model."""
    show_all = request.GET.get("all") == "1"
    page = Paginator(stock_alert_list(open_only=not show_all), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "inventory/stock_alerts.html", {"page": page, "show_all": show_all})


def _visible_alert(request, pk: int) -> Alert:
    alert = alert_list_for_user(request.user, state="all").filter(pk=pk).first()
    if alert is None:
        raise Http404(_("No such alert."))
    return alert


@require_POST
@login_required
@permission_required("orders.change_alert", raise_exception=True)
def alert_acknowledge_view(request, pk: int):
    alert = _visible_alert(request, pk)
    alert_acknowledge(alert_id=alert.pk, actor=request.user)
    messages.success(request, _("Alert acknowledged."))
    return redirect_back(request, "review:alerts")


@require_POST
@login_required
@permission_required("orders.change_alert", raise_exception=True)
def alert_assign_view(request, pk: int):
    alert = _visible_alert(request, pk)
    if request.POST.get("me"):
        assignee = request.user
    else:
        form = forms.AssignForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Not assigned: %(errors)s") % {"errors": form_errors(form)})
            return redirect_back(request, "review:alerts")
        assignee = form.cleaned_data["assignee"]
    try:
        alert_assign(alert_id=alert.pk, assignee=assignee, actor=request.user)
    except ApplicationError as error:
        messages.error(request, _("Not assigned: %(message)s") % {"message": error.message})
    else:
        messages.success(
            request, _("Alert assigned to %(who)s.") % {"who": assignee.get_username() if assignee else _("nobody")}
        )
    return redirect_back(request, "review:alerts")


@login_required
@permission_required("orders.view_alert", raise_exception=True)
def alert_detail(request, pk: int):
    """One alert and — for managers — every send of it to a channel: sent, waiting (quiet hours, back-off) or
    parked, with the provider's error, and replay."""
    alert = _visible_alert(request, pk)
    sees_deliveries = request.user.has_perm("orders.view_alertdelivery")
    deliveries = alert.deliveries.select_related("channel").order_by("created_at", "pk") if sees_deliveries else []
    return render(
        request,
        "orders/review/alert.html",
        {
            "alert": alert,
            "deliveries": deliveries,
            "sees_deliveries": sees_deliveries,
            "can_replay": request.user.has_perm("orders.change_alertdelivery"),
            "replayable": AlertDelivery.REPLAYABLE,
            "can_change": request.user.has_perm("orders.change_alert"),
            "assignees": list(forms.AssignForm().fields["assignee"].queryset),
        },
    )


@require_POST
@login_required
@permission_required("orders.change_alertdelivery", raise_exception=True)
def alert_deliveries_replay_view(request, pk: int):
    """Send the alert's parked (or failing) deliveries again: the one named by ``delivery``, or all of them."""
    alert = _visible_alert(request, pk)
    deliveries = alert.deliveries.all()
    if request.POST.get("delivery"):
        deliveries = deliveries.filter(pk__in=[v for v in request.POST.getlist("delivery") if v.isdigit()])
    replayed = alert_deliveries_replay(delivery_ids=list(deliveries.values_list("pk", flat=True)))
    if replayed:
        messages.success(
            request,
            ngettext("%(n)d delivery sent again.", "%(n)d deliveries sent again.", replayed) % {"n": replayed},
        )
    else:
        messages.info(request, _("Nothing to send again: no parked or failing delivery."))
    return redirect("review:alert", pk=alert.pk)
