"""Back-office pages under /finance/: consistency per day and channel, statements (list, upload with
progress, detail), the difference work list, reconciliation runs, exports and vouchers.

Views parse input, call one service or selector and render; who sees what is decided by the selectors.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import ApplicationError
from config.tasks import enqueue_on_commit
from finance import forms
from finance.models import Difference, ExportJob, Statement
from finance.selectors import (
    consistency_by_day_and_channel,
    difference_counts_for_user,
    difference_get_for_user,
    difference_list_for_user,
    export_list_for_user,
    run_list,
    statement_get_for_user,
    statement_lines_for_user,
    statement_list_for_user,
    voucher_list_for_user,
)
from finance.services.differences import difference_assign, difference_comment_add, difference_status_set
from finance.services.exports import export_request
from finance.services.statements import (
    statement_import,
    statement_summary,
    statement_upload,
    sync_import_max_bytes,
)
from finance.services.vouchers import vouchers_draft

PAGE = 50
view_finance = permission_required("finance.view_difference", raise_exception=True)


def _page(request, items, size=PAGE):
    return Paginator(items, size).get_page(request.GET.get("page"))


# --- consistency ------------------------------------------------------------------------------------------------


def consistency_chart(days: list[dict], *, width: int = 720, height: int = 220) -> dict:
    """Geometry of an inline SVG bar chart: per day, expected and received bars and the difference."""
    if not days:
        return {"width": width, "height": height, "days": []}
    top = max([max(abs(d["expected"]), abs(d["received"])) for d in days] + [Decimal("1")])
    plot = height - 40
    slot = width / len(days)
    bar = max(2.0, min(24.0, slot / 3))
    out = []
    for i, day in enumerate(days):
        x = i * slot + (slot - 2 * bar) / 2
        e = float(abs(day["expected"]) / top) * plot
        r = float(abs(day["received"]) / top) * plot
        out.append(
            {
                **day,
                "x_expected": round(x, 1),
                "x_received": round(x + bar, 1),
                "y_expected": round(plot - e + 10, 1),
                "y_received": round(plot - r + 10, 1),
                "h_expected": round(e, 1),
                "h_received": round(r, 1),
                "label_x": round(i * slot + slot / 2, 1),
                "bad": day["difference"] != 0,
            }
        )
    return {"width": width, "height": height, "bar": round(bar, 1), "days": out, "base": plot + 10}


@login_required
@view_finance
def consistency(request):
    form = forms.ConsistencyForm(request.GET or None, user=request.user)
    date_from, date_to = form.range()
    shop = form.cleaned_data.get("shop") if form.is_bound and form.is_valid() else None
    rows = consistency_by_day_and_channel(
        request.user, date_from=date_from, date_to=date_to, shop_code=shop.code if shop else None
    )
    per_day: dict[dt.date, dict] = {}
    for row in rows:
        day = per_day.setdefault(
            row["date"], {"date": row["date"], "expected": Decimal(0), "received": Decimal(0), "difference": Decimal(0)}
        )
        for name in ("expected", "received", "difference"):
            day[name] += row[name] or 0
    days = [per_day[d] for d in sorted(per_day)]
    return render(
        request,
        "finance/consistency.html",
        {
            "form": form,
            "rows": rows,
            "chart": consistency_chart(days),
            "date_from": date_from,
            "date_to": date_to,
            "open_by_type": difference_counts_for_user(request.user),
            "reconcile_form": forms.ReconcileForm(initial={"date_from": date_from, "date_to": date_to}),
            "runs": run_list()[:5],
        },
    )


@login_required
@permission_required("finance.add_reconciliationrun", raise_exception=True)
@require_POST
def reconcile_start(request):
    form = forms.ReconcileForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the dates to reconcile: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect("finance-home")
    data = form.cleaned_data
    enqueue_on_commit(
        "finance.tasks.reconcile", data["date_from"].isoformat(), data["date_to"].isoformat(), request.user.pk
    )
    messages.success(
        request,
        _("Reconciliation of %(from)s … %(to)s started; the differences list fills as it finishes.")
        % {"from": data["date_from"], "to": data["date_to"]},
    )
    return redirect("finance-home")


# --- statements -------------------------------------------------------------------------------------------------


@login_required
@permission_required("finance.view_statement", raise_exception=True)
def statement_list(request):
    form = forms.StatementUploadForm(user=request.user)
    if request.method == "POST":
        if not request.user.has_perm("finance.add_statement"):
            raise Http404
        form = forms.StatementUploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                statement = statement_upload(
                    file=upload,
                    filename=upload.name,
                    user=request.user,
                    entity=form.cleaned_data.get("entity"),
                    shop=form.cleaned_data.get("shop"),
                )
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                if statement.size > sync_import_max_bytes():
                    enqueue_on_commit("finance.tasks.statement_import", statement.pk)
                    messages.info(request, _("%(name)s is being imported in the background.") % {"name": upload.name})
                else:
                    statement = statement_import(statement_id=statement.pk)
                    _import_message(request, statement)
                return redirect("finance-statement-detail", pk=statement.pk)
    statements = statement_list_for_user(request.user)
    return render(request, "finance/statement_list.html", {"form": form, "page": _page(request, statements)})


def _import_message(request, statement: Statement) -> None:
    if statement.status == Statement.Status.FAILED:
        messages.error(request, statement.message)
    elif statement.error_count or statement.totals_ok is False:
        messages.warning(
            request,
            _("%(name)s imported with %(n)s rows in error; see below.")
            % {"name": statement.filename, "n": statement.error_count},
        )
    else:
        messages.success(
            request,
            _("%(name)s imported: %(lines)s lines, %(matched)s matched to orders.")
            % {"name": statement.filename, "lines": statement.line_count, "matched": statement.matched_count},
        )


@login_required
@permission_required("finance.view_statement", raise_exception=True)
def statement_detail(request, pk: int):
    try:
        statement = statement_get_for_user(request.user, pk=pk)
    except Statement.DoesNotExist:
        raise Http404 from None
    lines = statement_lines_for_user(request.user, statement=statement)
    summary = statement_summary(statement, errors_limit=200)
    totals = [
        {
            "name": key,
            "declared": value,
            "parsed": statement.parsed_totals.get(key),
            "ok": str(value) == str(statement.parsed_totals.get(key)),
        }
        for key, value in statement.declared_totals.items()
    ]
    return render(
        request,
        "finance/statement_detail.html",
        {"statement": statement, "summary": summary, "totals": totals, "page": _page(request, lines, 100)},
    )


@login_required
@permission_required("finance.view_statement", raise_exception=True)
def statement_progress(request, pk: int):
    """JSON for the progress bar of a background import."""
    try:
        statement = statement_get_for_user(request.user, pk=pk)
    except Statement.DoesNotExist:
        raise Http404 from None
    return JsonResponse({"status": statement.status, "progress": statement.progress, "finished": statement.is_finished})


# --- differences ------------------------------------------------------------------------------------------------


@login_required
@view_finance
def difference_list(request):
    form = forms.DifferenceFilterForm(request.GET or None, user=request.user)
    filters = form.filters() if form.is_bound else {"unresolved": True}
    differences = difference_list_for_user(request.user, **filters).order_by("-business_date", "-id")
    return render(
        request,
        "finance/difference_list.html",
        {"form": form, "page": _page(request, differences), "export_query": request.GET.urlencode()},
    )


@login_required
@view_finance
def difference_detail(request, pk: int):
    try:
        difference = difference_get_for_user(request.user, pk=pk)
    except Difference.DoesNotExist:
        raise Http404 from None
    can_change = request.user.has_perm("finance.change_difference")
    if request.method == "POST":
        if not can_change:
            raise Http404
        action = request.POST.get("action")
        try:
            if action == "status":
                form = forms.DifferenceStatusForm(request.POST)
                if form.is_valid():
                    difference_status_set(
                        difference=difference,
                        status=form.cleaned_data["status"],
                        actor=request.user,
                        note=form.cleaned_data["note"],
                    )
                    messages.success(request, _("Status saved."))
                else:
                    messages.error(request, form.errors.as_text())
            elif action == "assign":
                form = forms.DifferenceAssignForm(request.POST)
                if form.is_valid():
                    difference_assign(difference=difference, owner=form.cleaned_data["owner"], actor=request.user)
                    messages.success(request, _("Owner saved."))
            elif action == "take":
                difference_assign(difference=difference, owner=request.user, actor=request.user)
                messages.success(request, _("It is yours now."))
            elif action == "comment":
                form = forms.CommentForm(request.POST)
                if form.is_valid():
                    difference_comment_add(difference=difference, author=request.user, body=form.cleaned_data["body"])
                    messages.success(request, _("Comment added."))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("finance-difference-detail", pk=difference.pk)
    return render(
        request,
        "finance/difference_detail.html",
        {
            "difference": difference,
            "can_change": can_change,
            "status_form": forms.DifferenceStatusForm(initial={"status": difference.status}),
            "assign_form": forms.DifferenceAssignForm(initial={"owner": difference.owner_id}),
            "comment_form": forms.CommentForm(),
        },
    )


# --- exports and vouchers ---------------------------------------------------------------------------------------


@login_required
@permission_required("finance.view_exportjob", raise_exception=True)
def export_list(request):
    report_form = forms.ReportExportForm(user=request.user)
    if request.method == "POST":
        if not request.user.has_perm("finance.add_exportjob"):
            raise Http404
        kind = request.POST.get("kind")
        try:
            if kind == ExportJob.Kind.REPORT:
                report_form = forms.ReportExportForm(request.POST, user=request.user)
                if report_form.is_valid():
                    date_from, date_to = report_form.range(default_days=31)
                    data = report_form.cleaned_data
                    export_request(
                        user=request.user,
                        kind=kind,
                        params={
                            "date_from": date_from,
                            "date_to": date_to,
                            "group_by": data["group_by"],
                            "entity": data["entity"].code if data.get("entity") else None,
                        },
                    )
                    messages.success(request, _("The report is being generated."))
                    return redirect("finance-exports")
            elif kind == ExportJob.Kind.DIFFERENCES:
                form = forms.DifferenceFilterForm(request.POST, user=request.user)
                filters = form.filters()
                export_request(
                    user=request.user,
                    kind=kind,
                    params={
                        "date_from": filters["date_from"],
                        "date_to": filters["date_to"],
                        "types": filters["types"],
                        "statuses": filters["statuses"],
                        "shop": filters["shop_code"],
                        "entity": filters["entity_code"],
                    },
                )
                messages.success(request, _("The difference list is being exported."))
                return redirect("finance-exports")
        except ApplicationError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "finance/export_list.html",
        {"report_form": report_form, "page": _page(request, export_list_for_user(request.user))},
    )


@login_required
@permission_required("finance.view_exportjob", raise_exception=True)
def export_download(request, pk: int):
    job = get_object_or_404(export_list_for_user(request.user), pk=pk, status=ExportJob.Status.DONE)
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file.name.rsplit("/", 1)[-1])


@login_required
@permission_required("finance.view_voucher", raise_exception=True)
def voucher_list(request):
    draft_form = forms.VoucherDraftForm(user=request.user)
    export_form = forms.VoucherExportForm(user=request.user)
    if request.method == "POST":
        if not request.user.has_perm("finance.add_voucher"):
            raise Http404
        try:
            if request.POST.get("action") == "draft":
                draft_form = forms.VoucherDraftForm(request.POST, user=request.user)
                if draft_form.is_valid():
                    data = draft_form.cleaned_data
                    result = vouchers_draft(
                        entity=data["entity"], date_from=data["date_from"], date_to=data["date_to"], user=request.user
                    )
                    messages.success(
                        request,
                        _("%(n)s vouchers drafted; %(k)s already exported were left as they are.")
                        % {"n": result["drafted"], "k": result["kept_exported"]},
                    )
                    return redirect("finance-vouchers")
            elif request.POST.get("action") == "export":
                export_form = forms.VoucherExportForm(request.POST, user=request.user)
                if export_form.is_valid():
                    data = export_form.cleaned_data
                    date_from, date_to = export_form.range(default_days=31)
                    export_request(
                        user=request.user,
                        kind=ExportJob.Kind.VOUCHERS,
                        layout=data["layout"],
                        params={"date_from": date_from, "date_to": date_to, "entity": data["entity"].code},
                    )
                    messages.success(request, _("The vouchers are being exported."))
                    return HttpResponseRedirect(reverse("finance-exports"))
        except ApplicationError as exc:
            messages.error(request, exc.message)
    vouchers = voucher_list_for_user(request.user).order_by("-date", "entity__code", "number")
    return render(
        request,
        "finance/voucher_list.html",
        {"draft_form": draft_form, "export_form": export_form, "page": _page(request, vouchers, 20)},
    )
