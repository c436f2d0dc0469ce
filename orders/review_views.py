"""Back-office pages of issue 5: the review queue, order shaping, the rule editor with its sandbox preview,
and the alert list. Views parse input, call one service or selector and render; services decide."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import ApplicationError
from orders.masking import consignee_for
from orders.models import Alert, Order, ReviewTask, RulePreview, RuleSet, RuleSetVersion
from orders.review import forms
from orders.review.selectors import alert_list_for_user, review_task_list_for_user
from orders.review.services import (
    order_address_update,
    review_approve,
    review_bulk,
    review_hold_manual,
    review_hold_release,
    review_reject,
)
from orders.rules.describe import builder_spec, rule_describe, rules_pretty
from orders.rules.exceptions import RuleSetInvalid
from orders.rules.selectors import rule_context, rule_preview_latest, rule_set_list
from orders.rules.services import (
    rule_set_create,
    rule_version_create,
    rule_version_preview,
    rule_version_publish,
    rule_version_update,
)
from orders.selectors import order_list_for_user
from orders.shaping.merge import order_merge, order_merge_candidates
from orders.shaping.split import order_split, order_split_by_availability, order_split_presale
from orders.sla import alert_acknowledge, alert_assign

PAGE_SIZE = 50


def _errors(form) -> str:
    return "; ".join(
        f"{form.fields[n].label if n in form.fields else ''}: {' '.join(e)}".lstrip(": ")
        for n, e in form.errors.items()
    )


def _visible_order(request, number: str) -> Order:
    try:
        return order_list_for_user(request.user).get(number=number)
    except Order.DoesNotExist:
        raise Http404(_("No such order.")) from None


def _visible_task(request, pk: int) -> ReviewTask:
    task = ReviewTask.objects.select_related("order").filter(pk=pk).first()
    if task is None or not order_list_for_user(request.user).filter(pk=task.order_id).exists():
        raise Http404(_("No such review task."))
    return task


def _back(request, fallback: str):
    target = request.POST.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(fallback)


# --- review queue ------------------------------------------------------------------------------------------


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


@require_POST
@login_required
@permission_required("orders.change_reviewtask", raise_exception=True)
def review_task_approve(request, pk: int):
    task = _visible_task(request, pk)
    form = forms.DecisionForm(request.POST)
    form.is_valid()
    try:
        task = review_approve(task_id=task.pk, actor=request.user, note=form.cleaned_data.get("note", ""))
    except ApplicationError as error:
        messages.error(request, _("Not approved: %(message)s") % {"message": error.message})
    else:
        if task.status == ReviewTask.Status.OPEN:
            messages.success(
                request, _("Tier approved; order %(number)s waits for the next tier.") % {"number": task.order.number}
            )
        else:
            messages.success(request, _("Order %(number)s approved.") % {"number": task.order.number})
    return _back(request, "review:queue")


@require_POST
@login_required
@permission_required("orders.change_reviewtask", raise_exception=True)
def review_task_reject(request, pk: int):
    task = _visible_task(request, pk)
    form = forms.RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not rejected: %(errors)s") % {"errors": _errors(form)})
        return _back(request, "review:queue")
    try:
        review_reject(task_id=task.pk, actor=request.user, note=form.cleaned_data["note"])
    except ApplicationError as error:
        messages.error(request, _("Not rejected: %(message)s") % {"message": error.message})
    else:
        messages.success(request, _("Order %(number)s rejected and cancelled.") % {"number": task.order.number})
    return _back(request, "review:queue")


@require_POST
@login_required
@permission_required("orders.change_reviewtask", raise_exception=True)
def review_order_release(request, number: str):
    order = _visible_order(request, number)
    form = forms.DecisionForm(request.POST)
    form.is_valid()
    try:
        order = review_hold_release(order_id=order.pk, actor=request.user, note=form.cleaned_data.get("note", ""))
    except ApplicationError as error:
        messages.error(request, _("Hold not released: %(message)s") % {"message": error.message})
    else:
        messages.success(
            request,
            _("Hold released; order %(number)s is now %(status)s.")
            % {"number": order.number, "status": order.get_status_display()},
        )
    return _back(request, "review:queue")


@require_POST
@login_required
@permission_required("orders.change_reviewtask", raise_exception=True)
def review_order_hold(request, number: str):
    order = _visible_order(request, number)
    form = forms.HoldForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not held: %(errors)s") % {"errors": _errors(form)})
        return redirect("order-detail", number=order.number)
    try:
        review_hold_manual(order_id=order.pk, actor=request.user, reason=form.cleaned_data["reason"])
    except ApplicationError as error:
        messages.error(request, _("Not held: %(message)s") % {"message": error.message})
    else:
        messages.success(request, _("Order %(number)s is held for review.") % {"number": order.number})
    return _back(request, "review:queue")


@require_POST
@login_required
@permission_required("orders.change_reviewtask", raise_exception=True)
def review_bulk_view(request):
    visible = list(review_task_list_for_user(request.user).values_list("pk", flat=True))
    form = forms.BulkForm(request.POST, task_ids=visible)
    if not form.is_valid():
        messages.error(request, _("Nothing done: %(errors)s") % {"errors": _errors(form)})
        return _back(request, "review:queue")
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
    return _back(request, "review:queue")


@login_required
@permission_required("orders.change_order", raise_exception=True)
def review_order_address(request, number: str):
    order = _visible_order(request, number)
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
            return _back(request, reverse("review:queue"))
    return render(
        request, "orders/review/address.html", {"order": order, "form": form, "next": request.GET.get("next", "")}
    )


# --- shaping -----------------------------------------------------------------------------------------------


@login_required
@permission_required("orders.change_order", raise_exception=True)
def review_order_split(request, number: str):
    order = _visible_order(request, number)
    lines = list(order.lines.select_related("sku"))
    form = forms.SplitForm(request.POST or None, lines=lines)
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
    form = forms.MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not merged: %(errors)s") % {"errors": _errors(form)})
        return _back(request, "review:queue")
    numbers = form.numbers()
    visible = dict(order_list_for_user(request.user).filter(number__in=numbers).values_list("number", "pk"))
    missing = [n for n in numbers if n not in visible]
    target = form.cleaned_data["target"]
    if missing or (target and target not in visible):
        messages.error(
            request, _("Not merged: no such order %(numbers)s.") % {"numbers": ", ".join(missing or [target])}
        )
        return _back(request, "review:queue")
    try:
        merged = order_merge(
            order_ids=list(visible.values()),
            actor=request.user,
            target_id=visible.get(target) if target else None,
            reason=_("merged by staff"),
        )
    except ApplicationError as error:
        messages.error(request, _("Not merged: %(message)s") % {"message": error.message})
        return _back(request, "review:queue")
    messages.success(request, _("Merged into %(number)s.") % {"number": merged.number})
    return redirect("order-detail", number=merged.number)


# --- rules -------------------------------------------------------------------------------------------------


@login_required
@permission_required("orders.view_ruleset", raise_exception=True)
def rule_set_index(request):
    form = forms.RuleSetForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("orders.add_ruleset"):
            raise Http404
        if form.is_valid():
            try:
                rule_set = rule_set_create(actor=request.user, **form.cleaned_data)
            except RuleSetInvalid as error:
                form.add_error("code", error.message)
            else:
                return redirect("review:rule-set", code=rule_set.code)
    return render(request, "orders/rules/index.html", {"rule_sets": rule_set_list(), "form": form})


@login_required
@permission_required("orders.view_ruleset", raise_exception=True)
def rule_set_detail(request, code: str):
    rule_set = get_object_or_404(rule_set_list(), code=code)
    versions = list(rule_set.versions.all())
    live = next((v for v in versions if v.status == RuleSetVersion.Status.PUBLISHED), None)
    return render(
        request,
        "orders/rules/rule_set.html",
        {
            "rule_set": rule_set,
            "versions": versions,
            "live": live,
            "live_rules": [rule_describe(r) for r in live.rules] if live else [],
        },
    )


@require_POST
@login_required
@permission_required("orders.change_ruleset", raise_exception=True)
def rule_version_new(request, code: str):
    rule_set = get_object_or_404(RuleSet, code=code)
    try:
        version = rule_version_create(rule_set=rule_set, actor=request.user, note=request.POST.get("note", ""))
    except RuleSetInvalid as error:  # the copied rules refer to something that no longer exists
        version = rule_version_create(rule_set=rule_set, rules=[], actor=request.user)
        messages.warning(
            request,
            _("The previous rules no longer validate (%(message)s); started empty.") % {"message": error.message},
        )
    return redirect("review:rule-version", pk=version.pk)


@login_required
@permission_required("orders.view_ruleset", raise_exception=True)
def rule_version_edit(request, pk: int):
    version = get_object_or_404(RuleSetVersion.objects.select_related("rule_set"), pk=pk)
    can_edit = version.is_editable and request.user.has_perm("orders.change_ruleset")
    initial = {"rules": json.dumps(rules_pretty(version.rules), ensure_ascii=False, indent=2), "note": version.note}
    form = forms.RulesForm(request.POST or None, initial=initial)
    rule_errors = []
    if request.method == "POST":
        if not can_edit:
            raise Http404
        if form.is_valid():
            try:
                rule_version_update(
                    version_id=version.pk,
                    rules=form.cleaned_data["rules"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except ApplicationError as error:
                rule_errors = getattr(error, "errors", None) or [{"path": "", "message": error.message}]
            else:
                messages.success(request, _("Saved. Preview it against recent orders before publishing."))
                return redirect("review:rule-version", pk=version.pk)
    ctx = rule_context()
    return render(
        request,
        "orders/rules/edit.html",
        {
            "version": version,
            "form": form,
            "can_edit": can_edit,
            "rule_errors": rule_errors,
            "rules": [rule_describe(r) for r in version.rules],
            "spec": builder_spec(ctx),
            "preview_form": forms.PreviewForm(),
            "latest_preview": rule_preview_latest(version=version),
        },
    )


@require_POST
@login_required
@permission_required("orders.change_ruleset", raise_exception=True)
def rule_version_preview_view(request, pk: int):
    version = get_object_or_404(RuleSetVersion, pk=pk)
    form = forms.PreviewForm(request.POST)
    days = form.cleaned_data["days"] if form.is_valid() else 7
    try:
        preview = rule_version_preview(version_id=version.pk, actor=request.user, days=days)
    except ApplicationError as error:
        messages.error(request, _("Preview failed: %(message)s") % {"message": error.message})
        return redirect("review:rule-version", pk=version.pk)
    return redirect("review:rule-preview", pk=preview.pk)


@login_required
@permission_required("orders.view_ruleset", raise_exception=True)
def rule_preview_detail(request, pk: int):
    preview = get_object_or_404(RulePreview.objects.select_related("version", "version__rule_set", "created_by"), pk=pk)
    version = preview.version
    visible = set(
        order_list_for_user(request.user)
        .filter(pk__in=[r["order_id"] for r in preview.rows])
        .values_list("pk", flat=True)
    )
    rows = [dict(row, visible=row["order_id"] in visible) for row in preview.rows]
    names = {f"{version.rule_set.code}/{r['id']}": r["name"] for r in version.rules}
    return render(
        request,
        "orders/rules/preview.html",
        {
            "preview": preview,
            "version": version,
            "rows": rows,
            "rule_counts": [(ref, names.get(ref, ref), n) for ref, n in preview.rule_counts.items()],
            "current": preview.rules_hash == version.content_hash,
            "can_publish": (
                version.is_editable
                and preview.rules_hash == version.content_hash
                and request.user.has_perm("orders.publish_ruleset")
            ),
            "publish_form": forms.PublishForm(initial={"preview": preview.pk}),
        },
    )


@require_POST
@login_required
@permission_required("orders.publish_ruleset", raise_exception=True)
def rule_version_publish_view(request, pk: int):
    version = get_object_or_404(RuleSetVersion.objects.select_related("rule_set"), pk=pk)
    form = forms.PublishForm(request.POST)
    preview_id = form.cleaned_data["preview"] if form.is_valid() else None
    try:
        with transaction.atomic():
            rule_version_publish(version_id=version.pk, preview_id=preview_id, actor=request.user)
    except ApplicationError as error:
        messages.error(request, _("Not published: %(message)s") % {"message": error.message})
        return redirect("review:rule-version", pk=version.pk)
    messages.success(request, _("%(set)s v%(n)s is live.") % {"set": version.rule_set.name, "n": version.number})
    return redirect("review:rule-set", code=version.rule_set.code)


# --- alerts ------------------------------------------------------------------------------------------------


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
    return _back(request, "review:alerts")


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
            messages.error(request, _("Not assigned: %(errors)s") % {"errors": _errors(form)})
            return _back(request, "review:alerts")
        assignee = form.cleaned_data["assignee"]
    try:
        alert_assign(alert_id=alert.pk, assignee=assignee, actor=request.user)
    except ApplicationError as error:
        messages.error(request, _("Not assigned: %(message)s") % {"message": error.message})
    else:
        messages.success(
            request, _("Alert assigned to %(who)s.") % {"who": assignee.get_username() if assignee else _("nobody")}
        )
    return _back(request, "review:alerts")
