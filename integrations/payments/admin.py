"""Payment providers' notifications in the admin: read-only, as received, with what came of them."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ReadOnlyAdminMixin
from integrations.payments.models import PaymentNotice


@admin.register(PaymentNotice)
class PaymentNoticeAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["received_at", "provider", "event_type", "request_no", "status"]
    list_filter = ["provider", "status"]
    search_fields = ["request_no", "error"]
