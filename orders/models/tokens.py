"""What a partner's API token may do: read only or also write, which shops' orders, how many requests."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# DRF's throttle rate: a number of requests per second, minute, hour or day ("600/min", "10000/day").
RATE_SHAPE = RegexValidator(
    r"^[1-9][0-9]{0,6}/(s|sec|second|m|min|minute|h|hour|d|day)$",
    _("Write a number of requests per period: 600/min, 100/s, 10000/hour or 50000/day."),
)


class TokenPolicy(models.Model):
    """The limits of a user's API token (``rest_framework.authtoken``'s Token, one per user). Kept on the user,
    so rotating the token (``drf_create_token -r``) keeps them. They apply to requests made with the token, not
    to the user's browser session. A user without a policy, or with an empty rate, is not throttled and the
    token may do what the user may do."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_token_policy"
    )
    read_only = models.BooleanField(
        _("read only"), default=False, help_text=_("Refuse every write (POST, PUT, PATCH, DELETE) made with it.")
    )
    shops = models.ManyToManyField(
        "orders.Shop",
        verbose_name=_("shops"),
        blank=True,
        related_name="+",
        help_text=_(
            "Only these shops and their orders are visible with the token (within its user's grants). Empty: every "
            "shop the user may see."
        ),
    )
    rate = models.CharField(
        _("rate limit"),
        max_length=24,
        blank=True,
        validators=[RATE_SHAPE],
        help_text=_("Requests allowed per period, e.g. 600/min. Empty: not limited."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True, help_text=_("Who holds the token, and why."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("API token policy")
        verbose_name_plural = _("API token policies")

    def __str__(self) -> str:
        return str(self.user)
