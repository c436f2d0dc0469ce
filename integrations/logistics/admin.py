"""Admin for the logistics services: their connections (the secret write-only: blank keeps the stored one,
never shown, never in history), tracking subscriptions and callbacks (replay parked ones)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from integrations.logistics.models import LogisticsConnection, TrackingCallback, TrackingSubscription
from integrations.logistics.tracking import tracking_callback_replay, tracking_subscription_replay


class LogisticsConnectionForm(forms.ModelForm):
    secret = forms.CharField(
        label=_("secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave blank to keep the stored one."),
    )

    callback_salt = forms.CharField(
        label=_("callback salt"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave blank to keep the stored one."),
    )

    class Meta:
        model = LogisticsConnection
        fields = ["service", "base_url", "key", "secret", "customer", "callback_salt", "is_enabled"]

    def clean_secret(self):
        value = self.cleaned_data.get("secret")
        if not value and self.instance.pk:
            return self.instance.secret
        if not value:
            raise forms.ValidationError(_("A new connection needs its secret."))
        return value

    def clean_callback_salt(self):
        value = self.cleaned_data.get("callback_salt")
        if not value and self.instance.pk:
            return self.instance.callback_salt
        return value or ""


@admin.register(LogisticsConnection)
class LogisticsConnectionAdmin(SimpleHistoryAdmin):
    form = LogisticsConnectionForm
    list_display = ("service", "key", "base_url", "is_enabled")


@admin.register(TrackingSubscription)
class TrackingSubscriptionAdmin(SimpleHistoryAdmin):
    list_display = ("created_at", "shipment", "service", "status", "attempts", "next_attempt_at", "error")
    list_filter = ("status", "service")
    raw_id_fields = ("shipment",)
    actions = ["replay"]

    @admin.action(description=_("Subscribe the selected parcels again"))
    def replay(self, request, queryset):
        for subscription in queryset:
            self.message_user(request, f"{subscription.pk}: {tracking_subscription_replay(subscription=subscription)}")


@admin.register(TrackingCallback)
class TrackingCallbackAdmin(SimpleHistoryAdmin):
    list_display = ("received_at", "service", "status", "attempts", "next_attempt_at", "error")
    list_filter = ("status", "service")
    actions = ["replay"]

    @admin.action(description=_("Process the selected callbacks again"))
    def replay(self, request, queryset):
        for callback in queryset:
            self.message_user(request, f"{callback.pk}: {tracking_callback_replay(callback=callback)}")
