"""The review queue (orders.review): tasks with tiered approvals."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.messages import message_recognise, message_render
from orders.models.fields import user_fk
from orders.models.orders import Order
from orders.models.rules import RuleSetVersion
from orders.models.written import DECISION_NOTES_WRITTEN_BEFORE, REVIEW_REASONS_WRITTEN_BEFORE
from orders.states import HoldReason


class ReviewTask(models.Model):
    """An order waiting for a person: held by the rules, by a low health score, or by staff."""

    class Kind(models.TextChoices):
        RULES = "rules", _("Rules")
        HEALTH = "health", _("Low health score")
        MANUAL = "manual", _("Manual")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RELEASED = "released", _("Released")
        CANCELLED = "cancelled", _("Cancelled")

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="review_tasks")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    hold_reason = models.CharField(_("hold reason"), max_length=20, choices=HoldReason.choices)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    reason_message = models.JSONField(_("reason (to translate)"), null=True, blank=True, editable=False)
    rule_version = models.ForeignKey(
        RuleSetVersion,
        verbose_name=_("rule set version"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    matched = models.JSONField(_("matched rules"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    decided_by = user_fk(_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=255, blank=True)
    decision_note_message = models.JSONField(_("decision note (to translate)"), null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review task")
        verbose_name_plural = _("review tasks")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "kind"], condition=Q(status="open"), name="reviewtask_one_open_per_kind"
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="reviewtask_status_created_idx")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} ({self.status})"

    @property
    def reason_display(self) -> str:
        """The reason in the reader's language when the system wrote it (``config.messages``); as typed otherwise
        (a manual hold's, a rule's note or names)."""
        stored = self.reason_message or (
            None if self.kind == self.Kind.MANUAL else message_recognise(self.reason, REVIEW_REASONS_WRITTEN_BEFORE)
        )
        return message_render(stored, self.reason)

    @property
    def decision_note_display(self) -> str:
        """The decision note in the reader's language when the system wrote it (``config.messages``); as typed
        otherwise (the note of whoever decided)."""
        stored = self.decision_note_message or message_recognise(self.decision_note, DECISION_NOTES_WRITTEN_BEFORE)
        return message_render(stored, self.decision_note)


class Approval(models.Model):
    """One tier of a review task's approvals: a member of ``role`` must approve, lower tiers first."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    task = models.ForeignKey(
        ReviewTask, verbose_name=_("review task"), on_delete=models.CASCADE, related_name="approvals"
    )
    tier = models.PositiveSmallIntegerField(_("tier"))
    role = models.CharField(_("role required"), max_length=32)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    rule = models.CharField(_("required by rule"), max_length=80, blank=True)
    decided_by = user_fk(_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["task", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["task", "tier"], name="approval_tier_unique"),
            models.CheckConstraint(condition=Q(tier__gte=1), name="approval_tier_from_1"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} tier {self.tier} {self.role} ({self.status})"
