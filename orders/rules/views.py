"""Back-office pages of the rule editor, under /review/rules/: rule sets, drafting a version, previewing it
on recent orders in the sandbox, publishing it."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import ApplicationError
from orders.models import RulePreview, RuleSet, RuleSetVersion
from orders.rules.describe import builder_spec, rule_describe, rules_pretty
from orders.rules.exceptions import RuleSetInvalid
from orders.rules.forms import PreviewForm, PublishForm, RuleSetForm, RulesForm
from orders.rules.selectors import rule_context, rule_preview_latest, rule_set_list
from orders.rules.services import (
    rule_set_create,
    rule_version_create,
    rule_version_preview,
    rule_version_publish,
    rule_version_update,
)
from orders.selectors import order_list_for_user


@login_required
@permission_required("orders.view_ruleset", raise_exception=True)
def rule_set_index(request):
    form = RuleSetForm(request.POST or None)
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
    form = RulesForm(request.POST or None, initial=initial)
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
            "preview_form": PreviewForm(),
            "latest_preview": rule_preview_latest(version=version),
        },
    )


@require_POST
@login_required
@permission_required("orders.change_ruleset", raise_exception=True)
def rule_version_preview_view(request, pk: int):
    version = get_object_or_404(RuleSetVersion, pk=pk)
    form = PreviewForm(request.POST)
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
            "publish_form": PublishForm(initial={"preview": preview.pk}),
        },
    )


@require_POST
@login_required
@permission_required("orders.publish_ruleset", raise_exception=True)
def rule_version_publish_view(request, pk: int):
    version = get_object_or_404(RuleSetVersion.objects.select_related("rule_set"), pk=pk)
    form = PublishForm(request.POST)
    preview_id = form.cleaned_data["preview"] if form.is_valid() else None
    try:
        with transaction.atomic():
            rule_version_publish(version_id=version.pk, preview_id=preview_id, actor=request.user)
    except ApplicationError as error:
        messages.error(request, _("Not published: %(message)s") % {"message": error.message})
        return redirect("review:rule-version", pk=version.pk)
    messages.success(request, _("%(set)s v%(n)s is live.") % {"set": version.rule_set.name, "n": version.number})
    return redirect("review:rule-set", code=version.rule_set.code)
