"""A shop's connection to its platform. Secrets live here, never in logs or API output."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# Fields whose values are secret: admin forms show them as password inputs, history and logs skip them.
SECRET_FIELDS = ("app_secret", "access_token", "refresh_token", "webhook_secret")


class ShopConnection(models.Model):
    shop = models.OneToOneField(
        "orders.Shop", verbose_name=_("shop"), on_delete=models.CASCADE, related_name="connection"
    )
    base_url = models.URLField(_("API base URL"), blank=True, help_text=_("The platform's API, or the sandbox."))
    app_key = models.CharField(_("app key"), max_length=128, blank=True)
    app_secret = models.CharField(_("app secret"), max_length=256, blank=True)
    access_token = models.CharField(_("access token"), max_length=512, blank=True)
    refresh_token = models.CharField(_("refresh token"), max_length=512, blank=True)
    token_expires_at = models.DateTimeField(_("token expires at"), null=True, blank=True)
    webhook_secret = models.CharField(_("webhook secret"), max_length=256, blank=True)
    poll_interval_minutes = models.PositiveSmallIntegerField(_("poll every (minutes)"), default=5)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=list(SECRET_FIELDS))

    class Meta:
        verbose_name = _("shop connection")
        verbose_name_plural = _("shop connections")

    def __str__(self) -> str:
        return f"{self.shop_id} connection"

    def __repr__(self) -> str:  # never print secrets, even in a traceback
        return f"<ShopConnection shop={self.shop_id} enabled={self.is_enabled}>"
