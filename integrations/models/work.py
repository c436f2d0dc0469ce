"""The life of an inbox, outbox or delivery row: one set of statuses for all the work queues."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkStatus(models.TextChoices):
    """The life of an inbox or outbox row."""

    PENDING = "pending", _("Pending")
    PROCESSING = "processing", _("Processing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Dead letter")
    SUPERSEDED = "superseded", _("Superseded")


DUE_STATUSES = (WorkStatus.PENDING, WorkStatus.FAILED)
