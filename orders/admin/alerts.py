"""Alerts (read-only, with acknowledge/assign actions through orders.services.alerts), their deliveries (read-only,
replaying parked ones through orders.services.alert_delivery) and the notification channels they go to (their
secrets never shown)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from orders.admin.mixins import ReadOnlyAdminMixin, ScopedAdminMixin
from orders.masking import mask_phone
from orders.models import (
    Alert,
    AlertDelivery,
    NotificationChannel,
)
from orders.services.alert_delivery import alert_deliveries_replay
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


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    """Every send of an alert to a channel: sent, waiting (quiet hours, back-off), parked — replayed from here."""

    list_display = ["alert", "channel", "step", "status", "attempts", "next_attempt_at", "error_code", "sent_at"]
    list_filter = ["status", "step", "channel__kind", "created_at"]
    search_fields = ["alert__title", "alert__key", "error_code"]
    list_select_related = ["alert", "channel"]
    readonly_fields = ["last_error"]
    actions = ["replay"]

    def get_queryset(self, request):
        from orders.review.selectors import alert_list_for_user

        visible = alert_list_for_user(request.user, state="all").values("pk")
        return super().get_queryset(request).filter(alert__in=visible)

    def has_replay_permission(self, request) -> bool:
        return request.user.has_perm("orders.change_alertdelivery")

    @admin.action(description=_("Send the selected parked deliveries again"), permissions=["replay"])
    def replay(self, request, queryset):
        sent = alert_deliveries_replay(delivery_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request, ngettext("%(n)d delivery sent again.", "%(n)d deliveries sent again.", sent) % {"n": sent}
        )


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
            "quiet_from",
            "quiet_to",
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
        if (data.get("quiet_from") is None) != (data.get("quiet_to") is None):
            self.add_error("quiet_to", _("Quiet hours need both a start and an end."))
        if kind == NotificationChannel.Kind.VOICE and data.get("quiet_from") is not None:
            self.add_error("quiet_from", _("A phone call channel has no quiet hours: its calls always go."))
        return data


@admin.register(NotificationChannel)
class NotificationChannelAdmin(SimpleHistoryAdmin):
    form = NotificationChannelForm
    list_display = ["name", "kind", "min_severity", "quiet_from", "quiet_to", "numbers", "is_active"]
    list_filter = ["kind", "is_active", "min_severity"]
    search_fields = ["name", "emails"]

    @admin.display(description=_("phone numbers"))
    def numbers(self, channel: NotificationChannel) -> str:
        """On-call numbers, masked (nobody reads them back from the admin)."""
        return ", ".join(mask_phone(p) for p in channel.phones.replace(",", "\n").splitlines() if p.strip())
