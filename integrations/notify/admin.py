"""Back office for buyer notifications: the templates managers edit (checked before saving), buyers' opt-outs,
and the message log — scoped to the orders the user may see, phones masked for roles that may not see
consignee data, parked messages replayable."""

from __future__ import annotations

from contextvars import ContextVar

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ReadOnlyAdminMixin, ScopedAdminMixin
from integrations.exceptions import NotifyTemplateInvalid
from integrations.notify.models import BuyerMessage, BuyerOptOut, NotificationTemplate
from integrations.notify.moments import VARIABLES, Channel
from integrations.notify.rendering import template_check
from integrations.notify.services import buyer_message_replay, buyer_opt_out, notification_template_save
from orders.masking import mask_phone, user_sees_pii
from orders.selectors import order_list_for_user

# Who is looking (set by get_queryset for the request being served): decides whether phones are shown masked.
_viewer: ContextVar = ContextVar("notify_admin_viewer", default=None)


def _sees_pii() -> bool:
    return user_sees_pii(_viewer.get())


class NotificationTemplateForm(forms.ModelForm):
    class Meta:
        model = NotificationTemplate
        fields = ("moment", "channel", "shop", "is_active", "code", "subject", "body", "params")

    def clean(self):
        data = super().clean()
        try:
            template_check(body=data.get("body") or "", subject=data.get("subject") or "", params=data.get("params"))
        except NotifyTemplateInvalid as exc:
            field = str(exc.extra.get("field", "")).split(".")[0]
            raise ValidationError({field if field in self.fields else None: exc.message}) from None
        return data


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(SimpleHistoryAdmin):
    form = NotificationTemplateForm
    list_display = ("moment", "channel", "shop", "is_active", "code", "updated_at")
    list_filter = ("moment", "channel", "is_active", "shop")
    list_select_related = ("shop",)
    fields = ("moment", "channel", "shop", "is_active", "code", "subject", "body", "params", "variables")
    readonly_fields = ("variables",)

    @admin.display(description=_("variables"))
    def variables(self, obj):
        return format_html_join("", "<div><code>{{{}}}</code> {}</div>", ((n, d) for n, d in VARIABLES.items()))

    def save_model(self, request, obj, form, change):
        notification_template_save(template=obj)


@admin.register(BuyerOptOut)
class BuyerOptOutAdmin(SimpleHistoryAdmin):
    list_display = ("channel", "address_shown", "reason", "created_at")
    list_filter = ("channel",)
    fields = ("channel", "address", "reason")

    def get_search_fields(self, request):
        # Only those who may see phone numbers may look one up.
        return ("address",) if user_sees_pii(request.user) else ()

    @admin.display(description=_("phone, openid or e-mail"), ordering="address")
    def address_shown(self, obj):
        if obj.channel == Channel.SMS and not _sees_pii():
            return mask_phone(obj.address)
        return obj.address

    def get_queryset(self, request):
        _viewer.set(request.user)
        return super().get_queryset(request)

    def save_model(self, request, obj, form, change):
        saved = buyer_opt_out(channel=obj.channel, address=obj.address, reason=obj.reason)
        obj.pk = saved.pk


@admin.register(BuyerMessage)
class BuyerMessageAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "created_at",
        "order",
        "shop",
        "moment",
        "channel",
        "provider",
        "recipient_shown",
        "status",
        "attempts",
        "provider_message_id",
        "error_code",
    )
    list_filter = ("status", "moment", "channel", "provider")
    search_fields = ("order__number", "order__external_id")
    list_select_related = ("order", "shop")
    fields = (
        "order",
        "shop",
        "moment",
        "channel",
        "provider",
        "recipient_shown",
        "code",
        "subject",
        "text_shown",
        "status",
        "attempts",
        "next_attempt_at",
        "provider_message_id",
        "error_code",
        "last_error",
        "created_at",
        "sent_at",
    )
    readonly_fields = fields
    actions = ["replay"]

    def get_queryset(self, request):
        _viewer.set(request.user)
        return super().get_queryset(request).filter(order__in=order_list_for_user(request.user).values("pk"))

    @admin.display(description=_("recipient"), ordering="recipient")
    def recipient_shown(self, obj):
        if obj.channel == Channel.SMS and not _sees_pii():
            return mask_phone(obj.recipient)
        return obj.recipient

    @admin.display(description=_("text"))
    def text_shown(self, obj):
        text = obj.text
        if not _sees_pii() and obj.order.consignee_name:
            text = text.replace(obj.order.consignee_name, obj.order.consignee_name[:1] + "**")
        return text

    @admin.action(description=_("Send the selected parked messages again"))
    def replay(self, request, queryset):
        count = sum(1 for message in queryset if buyer_message_replay(message=message))
        self.message_user(
            request,
            ngettext("%(count)d message queued again.", "%(count)d messages queued again.", count) % {"count": count},
            messages.SUCCESS,
        )

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("integrations.change_buyermessage"):
            actions.pop("replay", None)
        return actions
