"""A shop's platform connection: credentials (stored encrypted), polling cursor and health counters."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.fields import EncryptedTextField, HttpsURLField

# Fields whose values are secret: admin forms show them as password inputs, history and logs skip them.
SECRET_FIELDS = ("app_secret", "access_token", "refresh_token", "webhook_secret")


class ShopConnection(models.Model):
    shop = models.OneToOneField(
        "orders.Shop", verbose_name=_("shop"), on_delete=models.CASCADE, related_name="connection"
    )
    base_url = HttpsURLField(_("API base URL"), blank=True, help_text=_("The platform's API, or the sandbox."))
    app_key = models.CharField(_("app key"), max_length=128, blank=True)
    # Secrets are stored encrypted (config.fields.EncryptedTextField); they can be tested for "" only.
    app_secret = EncryptedTextField(_("app secret"), blank=True)
    access_token = EncryptedTextField(_("access token"), blank=True)
    refresh_token = EncryptedTextField(_("refresh token"), blank=True)
    token_expires_at = models.DateTimeField(_("token expires at"), null=True, blank=True)
    refresh_token_expires_at = models.DateTimeField(
        _("refresh token expires at"),
        null=True,
        blank=True,
        help_text=_("After this the shop must be authorised again; the refresh answers say when."),
    )
    webhook_secret = EncryptedTextField(_("webhook secret"), blank=True)
    poll_interval_minutes = models.PositiveSmallIntegerField(_("poll every (minutes)"), default=5)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    location_id = models.CharField(
        _("stock location id"),
        max_length=64,
        blank=True,
        help_text=_(
            "Shopify: the location whose available quantity Order Hub sets. Filled by the catalog sync when the "
            "shop has exactly one active location."
        ),
    )
    seller_id = models.CharField(
        _("platform seller id"),
        max_length=64,
        blank=True,
        help_text=_(
            "The platform's id of the merchant where its calls name it (JD: venderId, which JD's after-sales "
            "service calls take as buId): without it JD's after-sales service orders are neither read nor answered."
        ),
    )
    return_address_id = models.CharField(
        _("return address id"),
        max_length=64,
        blank=True,
        help_text=_(
            "The platform's id of the address buyers send returns to (Taobao/Tmall seller_address_id, Douyin "
            "receiver_address_id, Pinduoduo return_address_id): agreeing a return on the platform names it."
        ),
    )
    return_address = models.JSONField(
        _("return address"),
        default=dict,
        blank=True,
        help_text=_(
            "The address buyers send returns to, for platforms whose return agreement names the address itself "
            'rather than an id (JD): {"name", "tel", "mobile", "zipcode", "province_code", '
            '"city_code", "county_code", "village_code", "detail", "address_type"}, the area codes '
            "being the platform's own (JD's area ids); mobile and village_code may be left out."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Polling cursor and health, written by the poller with single UPDATEs.
    certificate_expires_at = models.DateTimeField(
        _("certificate expires at"),
        null=True,
        blank=True,
        help_text=_("E.g. the platform's app or TLS certificate."),
    )
    poll_cursor = models.DateTimeField(
        _("poll cursor"),
        null=True,
        blank=True,
        help_text=_("Orders modified up to this time have been pulled."),
    )
    next_poll_at = models.DateTimeField(_("next poll at"), null=True, blank=True)
    rate_limited_until = models.DateTimeField(_("rate limited until"), null=True, blank=True)
    last_pull_ok_at = models.DateTimeField(_("last successful pull"), null=True, blank=True)
    last_push_ok_at = models.DateTimeField(_("last accepted push"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # Written by the token refresh and the catalog sync (integrations/tokens.py, integrations/listings.py).
    token_refreshed_at = models.DateTimeField(_("token last refreshed"), null=True, blank=True)
    listings_synced_at = models.DateTimeField(_("catalog last synced"), null=True, blank=True)
    listings_sync_requested_at = models.DateTimeField(_("catalog sync requested at"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=list(SECRET_FIELDS))

    class Meta:
        verbose_name = _("shop connection")
        verbose_name_plural = _("shop connections")

    def __str__(self) -> str:
        return f"{self.shop_id} connection"

    def __repr__(self) -> str:  # never print secrets, even in a traceback
        return f"<ShopConnection shop={self.shop_id} enabled={self.is_enabled}>"
