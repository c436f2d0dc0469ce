"""Back office for webhook subscriptions: every partner's subscriptions (the secret is never shown), each
one's delivery log, replaying parked deliveries and resuming paused subscriptions. Rows are written only by
the services (partners subscribe through the API); the actions call them."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ReadOnlyAdminMixin
from integrations.hooks.services import delivery_replay, subscription_resume
from integrations.models import WebhookDelivery, WebhookEvent, WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("url", "owner", "events", "is_paused", "paused_at", "deliveries_link", "created_at")
    list_filter = ("is_paused",)
    search_fields = ("url", "owner__username")
    list_select_related = ("owner",)
    fields = ("owner", "url", "events", "is_paused", "paused_at", "pause_reason", "created_at", "updated_at")
    actions = ["resume"]

    @admin.display(description=_("delivery log"))
    def deliveries_link(self, obj):
        url = reverse("admin:integrations_webhookdelivery_changelist") + f"?subscription__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("delivery log"))

    @admin.action(description=_("Resume the selected paused subscriptions"))
    def resume(self, request, queryset):
        count = 0
        for subscription in queryset.filter(is_paused=True):
            subscription_resume(subscription=subscription)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d subscription resumed.", "%(count)d subscriptions resumed.", count) % {"count": count},
            messages.SUCCESS,
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "id",
        "subscription",
        "event_type",
        "status",
        "attempts",
        "response_status",
        "next_attempt_at",
        "created_at",
        "sent_at",
    )
    list_filter = ("status", "event__type")
    search_fields = ("subscription__url", "event__id")
    list_select_related = ("subscription", "event")
    fields = (
        "subscription",
        "event",
        "status",
        "attempts",
        "next_attempt_at",
        "last_attempt_at",
        "response_status",
        "last_error",
        "created_at",
        "sent_at",
        "body",
    )
    actions = ["replay"]

    @admin.display(description=_("type"), ordering="event__type")
    def event_type(self, obj):
        return obj.event.type

    @admin.action(description=_("Replay the selected parked or delivered deliveries"))
    def replay(self, request, queryset):
        count = sum(1 for delivery in queryset if delivery_replay(delivery=delivery))
        self.message_user(
            request,
            ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("id", "type", "source_key", "created_at")
    list_filter = ("type",)
    search_fields = ("id", "source_key")
    fields = ("id", "type", "source_key", "created_at")
