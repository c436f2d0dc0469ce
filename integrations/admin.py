"""Django admin for shop connections. Secrets are write-only here.

A secret field is a password input that never renders its value; leaving it blank keeps the stored
secret, ticking "clear" empties it. The changelist, the view-only page and the history pages never show
secrets (history does not even record them: ``SECRET_FIELDS`` are excluded from simple-history).

Actions queue background work (no platform call in the request): refresh the access token now, and sync the
catalogue (which platform variant each SKU is, for Shopify stock pushes).
"""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from config.tasks import enqueue_on_commit
from integrations.models import SECRET_FIELDS, ShopConnection
from orders.admin import ScopedAdminMixin
from orders.selectors import shop_list_for_user, user_sees_all_orders

# Cursor and health, written by the poller: shown, never edited here.
WRITTEN_BY_POLLER = (
    "poll_cursor",
    "next_poll_at",
    "rate_limited_until",
    "last_pull_ok_at",
    "last_push_ok_at",
    "consecutive_failures",
    "last_error",
)
# Written by the token refresh and the catalog sync.
WRITTEN_BY_SERVICES = ("token_refreshed_at", "listings_synced_at", "listings_sync_requested_at")


def _unchanged_unless_typed(initial, data) -> bool:
    return bool(data)


class ShopConnectionForm(forms.ModelForm):
    clear_app_secret = forms.BooleanField(label=_("Clear the stored app secret"), required=False)
    clear_access_token = forms.BooleanField(label=_("Clear the stored access token"), required=False)
    clear_refresh_token = forms.BooleanField(label=_("Clear the stored refresh token"), required=False)
    clear_webhook_secret = forms.BooleanField(label=_("Clear the stored webhook secret"), required=False)

    class Meta:
        model = ShopConnection
        fields = [
            "shop",
            "base_url",
            "app_key",
            *SECRET_FIELDS,
            "token_expires_at",
            "poll_interval_minutes",
            "is_enabled",
        ]  # the admin passes its own list (ShopConnectionAdmin.get_fields)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SECRET_FIELDS:
            field = self.fields.get(name)
            if field is None:
                continue
            field.widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
            field.required = False
            field.has_changed = _unchanged_unless_typed
            stored = bool(self.instance.pk and getattr(self.instance, name))
            field.help_text = _("Stored. Leave blank to keep it.") if stored else _("Not set.")

    def clean(self):
        data = super().clean()
        for name in SECRET_FIELDS:
            if name not in self.fields:
                continue
            if data.get(f"clear_{name}"):
                data[name] = ""
            elif not data.get(name) and self.instance.pk:
                data[name] = getattr(self.instance, name)
        return data

    @property
    def changed_data(self):
        changed = [name for name in super().changed_data if not name.startswith("clear_")]
        for name in SECRET_FIELDS:
            if self.cleaned_data.get(f"clear_{name}") and name not in changed:
                changed.append(name)
        return changed


@admin.register(ShopConnection)
class ShopConnectionAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    form = ShopConnectionForm
    list_display = ["shop", "base_url", "app_key", "is_enabled", "poll_interval_minutes", "token_expires_at", "secrets"]
    list_filter = ["is_enabled", "shop__platform"]
    search_fields = ["shop__code", "shop__name", "app_key", "base_url"]
    list_select_related = ["shop"]
    actions = ["token_refresh_now", "catalog_sync_now"]

    @admin.action(description=_("Refresh the access token now"), permissions=["change"])
    def token_refresh_now(self, request, queryset):
        shop_ids = list(queryset.exclude(refresh_token="").values_list("shop_id", flat=True))
        for shop_id in shop_ids:
            enqueue_on_commit("integrations.tasks.connection_token_refresh", shop_id, force=True)
        skipped = queryset.count() - len(shop_ids)
        self.message_user(
            request,
            ngettext("Token refresh queued for %d shop.", "Token refresh queued for %d shops.", len(shop_ids))
            % len(shop_ids)
            + (" " + _("%d without a refresh token skipped.") % skipped if skipped else ""),
            messages.SUCCESS if shop_ids else messages.WARNING,
        )

    @admin.action(description=_("Sync the catalogue (SKU → platform variant)"), permissions=["change"])
    def catalog_sync_now(self, request, queryset):
        from integrations.listings import SYNC_TASK, catalog_syncable

        shop_ids = [c.shop_id for c in queryset.select_related("shop") if catalog_syncable(c)]
        for shop_id in shop_ids:
            enqueue_on_commit(SYNC_TASK, shop_id)
        self.message_user(
            request,
            ngettext("Catalog sync queued for %d shop.", "Catalog sync queued for %d shops.", len(shop_ids))
            % len(shop_ids),
            messages.SUCCESS if shop_ids else messages.WARNING,
        )

    def get_queryset(self, request):
        connections = super().get_queryset(request)
        if user_sees_all_orders(request.user):
            return connections
        return connections.filter(shop__in=shop_list_for_user(request.user).values("pk"))

    def get_fields(self, request, obj=None):
        public = [
            f.name
            for f in ShopConnection._meta.fields
            if f.editable
            and not f.primary_key
            and f.name not in SECRET_FIELDS
            and f.name not in WRITTEN_BY_POLLER
            and f.name not in WRITTEN_BY_SERVICES
        ]
        if self.has_change_permission(request, obj) or (obj is None and self.has_add_permission(request)):
            secrets = [part for name in SECRET_FIELDS for part in (name, f"clear_{name}") if obj or part == name]
        else:
            secrets = []  # view-only: a read-only secret field would print the secret
        return [*public, *secrets, "secrets", *self._status_fields()]

    def get_readonly_fields(self, request, obj=None):
        return ["secrets", *self._status_fields()]

    @staticmethod
    def _status_fields() -> list[str]:
        names = {f.name for f in ShopConnection._meta.fields}
        return [name for name in (*WRITTEN_BY_POLLER, *WRITTEN_BY_SERVICES, "updated_at") if name in names]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "shop":
            kwargs["queryset"] = shop_list_for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("secrets stored"))
    def secrets(self, connection):
        stored = [
            str(ShopConnection._meta.get_field(name).verbose_name)
            for name in SECRET_FIELDS
            if getattr(connection, name)
        ]
        return ", ".join(stored) or "—"


from integrations import admin_channel  # noqa: E402,F401  (inbox, outbox, mappings, health: integrations/admin_channel.py)
from integrations.board import admin as _board_admin  # noqa: E402,F401  (the command center's panels)
from integrations.hooks import admin as _hooks_admin  # noqa: E402,F401  (webhook subscriptions and their deliveries)
from integrations.logistics import admin as _logistics_admin  # noqa: E402,F401  (the logistics services' admin)
from integrations.notify import admin as _notify_admin  # noqa: E402,F401  (buyer notifications admin)
from integrations.payments import admin as _payments_admin  # noqa: E402,F401  (payment providers' notifications)
from integrations.simulator import admin as _simulator_admin  # noqa: E402,F401  (the peak simulator's runs)
