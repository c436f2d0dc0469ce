"""Alerts (read-only, with acknowledge/assign actions through orders.services.alerts) and the notification channels
they go to (their secrets never shown)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from orders.admin.mixins import ReadOnlyAdminMixin, ScopedAdminMixin
from orders.masking import mask_phone
from orders.models import (
    Alert,
    NotificationChannel,
)
from orders.services.alerts import alert_acknowledge, alert_assign


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "kind", "severity", "order", "created_at", "acknowledged_by", "assignee", "resolved_at"]
    list_filter = ["severity", "kind", "resolved_at", "created_at"]
    search_fields = ["title", "order__number", "key"]
    list_select_related = ["order", "acknowledged_by", "assignee"]
    actions = ["acknowledge", "assign_to_me"]

    def get_queryset(self, request):
        from orders.review.selectors import alert_list_for_user

        return alert_list_for_user(request.user, state="all")

    @admin.action(description=_("Acknowledge the selected alerts"), permissions=["work"])
    def acknowledge(self, request, queryset):
        for alert in queryset:
            alert_acknowledge(alert_id=alert.pk, actor=request.user)

    @admin.action(description=_("Assign the selected alerts to me"), permissions=["work"])
    def assign_to_me(self, request, queryset):
        for alert in queryset:
            alert_assign(alert_id=alert.pk, assignee=request.user, actor=request.user)

    def has_work_permission(self, request):
        return request.user.has_perm("orders.change_alert")


def _write_only(field_class, label, help_text, **kwargs):
    """A credential field never rendered back (the stored value is kept when left blank)."""
    widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
    return field_class(label=label, required=False, widget=widget, help_text=help_text, **kwargs)


class NotificationChannelForm(forms.ModelForm):
    """The URL and secret are write-only: never rendered back; left blank, the stored ones are kept."""

    webhook_url = _write_only(
        forms.URLField,
        _("webhook URL"),
        _("Leave blank to keep the stored one."),
        max_length=500,
        assume_scheme="https",
    )
    secret = _write_only(
        forms.CharField, _("signing secret"), _("DingTalk 加签 secret (SEC…). Leave blank to keep the stored one.")
    )
    phones = _write_only(
        forms.CharField,
        _("phone numbers"),
        _("Phone call: the on-call numbers, one per line (or comma-separated). Leave blank to keep the stored ones."),
    )

    class Meta:
        model = NotificationChannel
        fields = [
            "name",
            "kind",
            "webhook_url",
            "secret",
            "emails",
            "phones",
            "min_severity",
            "alert_kinds",
            "is_active",
        ]

    def clean_webhook_url(self):
        return self.cleaned_data.get("webhook_url") or (self.instance.webhook_url if self.instance.pk else "")

    def clean_secret(self):
        return self.cleaned_data.get("secret") or (self.instance.secret if self.instance.pk else "")

    def clean_phones(self):
        return self.cleaned_data.get("phones") or (self.instance.phones if self.instance.pk else "")

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind in (NotificationChannel.Kind.DINGTALK, NotificationChannel.Kind.WECOM) and not data.get("webhook_url"):
            self.add_error("webhook_url", _("A group robot needs its webhook URL."))
        if kind == NotificationChannel.Kind.EMAIL and not (data.get("emails") or "").strip():
            self.add_error("emails", _("An e-mail channel needs at least one address."))
        if kind == NotificationChannel.Kind.VOICE and not (data.get("phones") or "").strip():
            self.add_error("phones", _("A phone call channel needs at least one number."))
        return data


@admin.register(NotificationChannel)
class NotificationChannelAdmin(SimpleHistoryAdmin):
    form = NotificationChannelForm
    list_display = ["name", "kind", "min_severity", "numbers", "is_active"]
    list_filter = ["kind", "is_active", "min_severity"]
    search_fields = ["name", "emails"]

    @admin.display(description=_("phone numbers"))
    def numbers(self, channel: NotificationChannel) -> str:
        """On-call numbers, masked (nobody reads them back from the admin)."""
        return ", ".join(mask_phone(p) for p in channel.phones.replace(",", "\n").splitlines() if p.strip())
