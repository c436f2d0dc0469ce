"""Rule sets and their versions (orders.rules), previews of a draft, and what the rules decided per order."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orders.models.fields import user_fk
from orders.models.orders import Order


class RuleSet(models.Model):
    """A named set of order rules. Its content lives in versions; at most one version is published."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Inactive sets are not applied."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")
        ordering = ["code"]
        permissions = [("publish_ruleset", _("Can publish a previewed rule set version"))]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class RuleSetVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PREVIEWED = "previewed", _("Previewed")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    rule_set = models.ForeignKey(RuleSet, verbose_name=_("rule set"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    rules = models.JSONField(_("rules"), default=list, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    preview_hash = models.CharField(
        _("previewed content hash"), max_length=64, blank=True, help_text=_("The content the last preview ran.")
    )
    note = models.CharField(_("change note"), max_length=200, blank=True)
    created_by = user_fk(_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    published_by = user_fk(_("published by"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rule set version")
        verbose_name_plural = _("rule set versions")
        ordering = ["rule_set", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "number"], name="rulesetversion_number_unique"),
            models.UniqueConstraint(
                fields=["rule_set"], condition=Q(status="published"), name="rulesetversion_one_published"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_set.code} v{self.number} ({self.status})"

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.PREVIEWED)


class RulePreview(models.Model):
    """A sandbox run of one version's exact content against recent orders, next to the live rules."""

    version = models.ForeignKey(
        RuleSetVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="previews"
    )
    rules_hash = models.CharField(_("content hash"), max_length=64)
    baseline = models.JSONField(_("live versions compared with"), default=list, blank=True)
    window_days = models.PositiveSmallIntegerField(_("days of orders"))
    orders_scanned = models.PositiveIntegerField(_("orders scanned"), default=0)
    orders_changed = models.PositiveIntegerField(_("orders that would change"), default=0)
    rows = models.JSONField(_("changed orders"), default=list, blank=True)
    rule_counts = models.JSONField(_("matches per rule"), default=dict, blank=True)
    created_by = user_fk(_("run by"))
    created_at = models.DateTimeField(_("run at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rule preview")
        verbose_name_plural = _("rule previews")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"preview of {self.version} at {self.created_at:%Y-%m-%d %H:%M}"


class OrderRuleResult(models.Model):
    """What the rules (and the health check) decided for one order. Services and carrier live here."""

    order = models.OneToOneField(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="rule_result")
    evaluated_at = models.DateTimeField(_("rules evaluated at"), null=True, blank=True)
    versions = models.JSONField(_("rule set versions"), default=list, blank=True)
    matched = models.JSONField(_("matched rules"), default=list, blank=True)
    effects = models.JSONField(_("effects"), default=dict, blank=True)
    services = models.JSONField(_("services"), default=list, blank=True, help_text=_("e.g. 保价, 上门安装"))
    carrier = models.CharField(_("carrier"), max_length=16, blank=True)
    health_score = models.PositiveSmallIntegerField(_("health score"), null=True, blank=True)
    health = models.JSONField(_("health dimensions"), default=dict, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("order rule result")
        verbose_name_plural = _("order rule results")
        constraints = [
            models.CheckConstraint(
                condition=Q(health_score__isnull=True) | Q(health_score__lte=100), name="orderruleresult_health_0_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {', '.join(self.matched) or '-'}"
