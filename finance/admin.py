"""Admin for finance models. Configuration (entities, tolerances, fee rates, account mapping) is edited here;
imported data is read-only, and changes to differences go through the services so comments and history
are written as on the back-office pages."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ReadOnlyAdminMixin
from config.messages import message
from finance.models import (
    AccountMapping,
    DailyBalance,
    Difference,
    DifferenceComment,
    ExportJob,
    FeeRate,
    LegalEntity,
    ReconciliationRun,
    ShopEntity,
    Statement,
    StatementLine,
    Tolerance,
    Voucher,
    VoucherLine,
)
from finance.services.differences import difference_assign, difference_status_set
from finance.services.entities import shop_entity_set


@admin.register(LegalEntity)
class LegalEntityAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "tax_id", "ledger_code", "currency", "vat_rate", "is_active")
    list_filter = ("is_active", "currency")
    search_fields = ("code", "name", "tax_id")


@admin.register(ShopEntity)
class ShopEntityAdmin(SimpleHistoryAdmin):
    list_display = ("shop", "entity")
    list_filter = ("entity",)
    search_fields = ("shop__code", "shop__name", "entity__code", "entity__name")
    autocomplete_fields = ()
    raw_id_fields = ("shop",)

    def save_model(self, request, obj, form, change):
        link = shop_entity_set(shop=obj.shop, entity=obj.entity)
        obj.pk = link.pk


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "id",
        "filename",
        "format",
        "entity",
        "status",
        "line_count",
        "matched_count",
        "error_count",
        "totals_ok",
        "created_at",
    )
    list_filter = ("status", "format", "source", "totals_ok", "entity")
    search_fields = ("filename", "sha256", "account")
    readonly_fields = [f.name for f in Statement._meta.fields]

    def has_delete_permission(self, request, obj=None):
        """A wrongly imported statement is removed whole (its lines with it), by whoever may delete statements."""
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    def get_deleted_objects(self, objs, request):
        """Summarise instead of collecting every line (a statement can have millions)."""
        deleted = [f"{s} — {s.line_count} lines" for s in objs]
        perms_needed = set() if self.has_delete_permission(request) else {"statement"}
        return deleted, {Statement._meta.verbose_name_plural: len(deleted)}, perms_needed, []

    def delete_model(self, request, obj):
        _statement_delete(obj)

    def delete_queryset(self, request, queryset):
        for statement in queryset:
            _statement_delete(statement)


def _statement_delete(statement: Statement) -> None:
    """Lines go with one DELETE (millions of rows); differences keep their text but lose the link."""
    from finance.services.statements import statement_lines_delete

    Difference.objects.filter(line__statement=statement).update(line=None)
    statement_lines_delete(statement_id=statement.pk)
    statement.file.delete(save=False)
    statement.delete()


@admin.register(StatementLine)
class StatementLineAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "statement",
        "row",
        "kind",
        "source",
        "occurred_at",
        "order_ref",
        "amount",
        "fee",
        "commission",
        "order",
        "match_rule",
    )
    list_filter = ("kind", "source", "flow", "match_rule")
    search_fields = ("order_ref", "order_key", "platform_ref", "transaction_id", "refund_ref")
    raw_id_fields = ("statement", "order", "refund")
    show_full_result_count = False
    list_select_related = ("order",)


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("id", "date_from", "date_to", "status", "started_at", "finished_at", "triggered_by")
    list_filter = ("status",)
    search_fields = ("message",)


@admin.display(description=_("comment"))
def _comment_shown(_admin, comment):
    return comment.body_display  # in the reader's language when Order Hub wrote it


class DifferenceCommentInline(admin.TabularInline):
    model = DifferenceComment
    extra = 0
    fields = ("author", "system", "body_shown", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    body_shown = _comment_shown


@admin.register(Difference)
class DifferenceAdmin(SimpleHistoryAdmin):
    list_display = (
        "id",
        "type",
        "component",
        "business_date",
        "shop",
        "entity",
        "order",
        "expected",
        "actual",
        "difference",
        "status",
        "owner",
    )
    list_filter = ("type", "status", "component", "source", "channel", "entity")
    search_fields = ("key", "order__number", "detail", "line__order_ref", "line__transaction_id")
    raw_id_fields = ("order", "refund", "line", "shop", "owner")
    readonly_fields = [
        "detail_shown",
        *(f.name for f in Difference._meta.fields if f.name not in ("status", "owner", "detail", "detail_message")),
    ]
    inlines = [DifferenceCommentInline]

    @admin.display(description=_("detail"))
    def detail_shown(self, difference):
        return difference.detail_display

    def has_add_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if "owner" in form.changed_data:
            difference_assign(difference=obj, owner=obj.owner, actor=request.user)
        if "status" in form.changed_data:
            difference_status_set(
                difference=obj, status=obj.status, actor=request.user, note=message(gettext_noop("(in the admin)"))
            )


@admin.register(DifferenceComment)
class DifferenceCommentAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("difference", "author", "system", "body_shown", "created_at")
    list_filter = ("system",)
    search_fields = ("body",)

    body_shown = _comment_shown


@admin.register(Tolerance)
class ToleranceAdmin(SimpleHistoryAdmin):
    list_display = ("difference_type", "amount", "note")
    list_filter = ("difference_type",)
    search_fields = ("note",)


@admin.register(FeeRate)
class FeeRateAdmin(SimpleHistoryAdmin):
    list_display = ("source", "kind", "description_contains", "shop", "rate", "is_active")
    list_filter = ("source", "kind", "is_active")
    search_fields = ("description_contains", "shop__code")
    raw_id_fields = ("shop",)


@admin.register(DailyBalance)
class DailyBalanceAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "date",
        "channel",
        "shop",
        "entity",
        "expected",
        "received",
        "settled",
        "fees",
        "difference",
        "open_differences",
        "covered",
    )
    list_filter = ("channel", "entity", "covered")
    search_fields = ("shop__code", "channel")
    date_hierarchy = "date"


@admin.register(AccountMapping)
class AccountMappingAdmin(SimpleHistoryAdmin):
    list_display = ("entity", "item", "source", "account_code", "account_name", "aux_type", "aux_code")
    list_filter = ("item", "source", "entity")
    search_fields = ("account_code", "account_name")


class VoucherLineInline(admin.TabularInline):
    model = VoucherLine
    extra = 0
    readonly_fields = (
        "seq",
        "item",
        "summary",
        "account_code",
        "account_name",
        "debit",
        "credit",
        "aux_type",
        "aux_code",
    )
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Voucher)
class VoucherAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("__str__", "entity", "date", "status", "debit_total", "credit_total")
    list_filter = ("status", "entity")
    search_fields = ("entity__code", "number")
    inlines = [VoucherLineInline]


@admin.register(VoucherLine)
class VoucherLineAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("voucher", "seq", "summary", "account_code", "debit", "credit")
    list_filter = ("item",)
    search_fields = ("account_code", "account_name", "summary")


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("id", "kind", "layout", "status", "rows", "requested_by", "created_at", "finished_at")
    list_filter = ("kind", "layout", "status")
    search_fields = ("requested_by__username", "error")
