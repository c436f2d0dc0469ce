"""Back office for webhook subscriptions: every partner's subscriptions (the secret is write-only, never shown),
subscribing a URL for a partner, changing and deleting a subscription, each one's delivery log, replaying parked
deliveries and resuming paused subscriptions. Every write goes through the services (the same checks as the
API: event types, a secret of at least 16 characters, public addresses only)."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_protect
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ReadOnlyAdminMixin
from config.errors import ApplicationError
from integrations.hooks.addresses import url_target
from integrations.hooks.events import EVENT_TYPES
from integrations.hooks.services import (
    SECRET_MIN_LENGTH,
    delivery_replay,
    subscription_create,
    subscription_delete,
    subscription_resume,
    subscription_update,
)
from integrations.models import WebhookDelivery, WebhookEvent, WebhookSubscription


class WebhookSubscriptionForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"), choices=list(EVENT_TYPES.items()), widget=forms.CheckboxSelectMultiple
    )
    secret = forms.CharField(
        label=_("signing secret"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Write-only, at least %(count)s characters. Leave empty to keep the current one.")
        % {"count": SECRET_MIN_LENGTH},
    )

    class Meta:
        model = WebhookSubscription
        fields = ("owner", "url", "events")

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            url_target(url)  # the check the service makes again: http(s), public addresses only
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from None
        return url

    def clean_secret(self):
        secret = self.cleaned_data["secret"]
        if not secret and self.instance.pk is None:
            raise forms.ValidationError(_("A new subscription needs a secret."))
        if secret and len(secret) < SECRET_MIN_LENGTH:
            raise forms.ValidationError(_("Use at least %(count)s characters.") % {"count": SECRET_MIN_LENGTH})
        return secret


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(SimpleHistoryAdmin):
    form = WebhookSubscriptionForm
    list_display = ("url", "owner", "events", "is_paused", "paused_at", "deliveries_link", "created_at")
    list_filter = ("is_paused",)
    search_fields = ("url", "owner__username")
    list_select_related = ("owner",)
    readonly_fields = ("is_paused", "paused_at", "pause_reason", "created_at", "updated_at")
    actions = ["resume"]

    # The services open their own (durable) transaction after checking the URL over the network, so these
    # views do not wrap the request in one (Django's admin does: ``changeform_view``, ``delete_view``).
    @method_decorator(csrf_protect)
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._changeform_view(request, object_id, form_url, extra_context)

    @method_decorator(csrf_protect)
    def delete_view(self, request, object_id, extra_context=None):
        return self._delete_view(request, object_id, extra_context)

    def get_fields(self, request, obj=None):
        editable = ["owner", "url", "events", "secret"]
        return editable if obj is None else [*editable, *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return ("owner", *self.readonly_fields) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            subscription_update(subscription=obj, url=data["url"], events=data["events"], secret=data["secret"] or None)
        else:
            form.instance = subscription_create(
                owner=data["owner"], url=data["url"], events=data["events"], secret=data["secret"]
            )
            obj.pk = form.instance.pk

    def save_related(self, request, form, formsets, change):
        pass  # no related rows: everything was written by the service

    def delete_model(self, request, obj):
        subscription_delete(subscription=obj)

    def delete_queryset(self, request, queryset):
        for subscription in queryset:
            subscription_delete(subscription=subscription)

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
