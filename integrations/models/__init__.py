"""Channel integrations' models, one module per concern; every model is importable from here by its name.

- ``connections``: a shop's platform connection (credentials, cursor, health counters)
- ``work``: the statuses of every work queue (inbox, outbox, deliveries)
- ``inbox``: raw inbound messages, the channel order state they update, refused pushes
- ``outbox``: outbound calls to the platforms
- ``catalog``: channel listings and field-mapping overrides
- ``imports``: uploaded order files and the daily count check
- ``webhooks``: webhooks to partners
- and the sub-packages' own models: the command center's panels, logistics services, buyer notifications,
  payment providers' notifications, the peak simulator's runs.

Hot-path writes (claiming inbox/outbox work, counters, cursors) are single conditional ``UPDATE``s, which
simple-history does not record; the inbox and outbox rows are themselves the audit trail of that work.
"""

from integrations.board.models import BoardSnapshot  # the command center's panels
from integrations.logistics.models import LogisticsConnection, TrackingCallback, TrackingSubscription
from integrations.models.catalog import ChannelListing, FieldMapping
from integrations.models.connections import SECRET_FIELDS, ShopConnection
from integrations.models.imports import CountCheck, ImportJob
from integrations.models.inbox import ChannelOrderState, InboxMessage, WebhookRejection
from integrations.models.outbox import OutboxMessage
from integrations.models.webhooks import WebhookDelivery, WebhookEvent, WebhookSubscription
from integrations.models.work import DUE_STATUSES, WorkStatus
from integrations.notify.models import BuyerMessage, BuyerOptOut, NotificationTemplate
from integrations.payments.models import PaymentNotice
from integrations.simulator.models import PeakRun  # the peak simulator's runs

__all__ = [
    "DUE_STATUSES",
    "SECRET_FIELDS",
    "BoardSnapshot",
    "BuyerMessage",
    "BuyerOptOut",
    "ChannelListing",
    "ChannelOrderState",
    "CountCheck",
    "FieldMapping",
    "ImportJob",
    "InboxMessage",
    "LogisticsConnection",
    "NotificationTemplate",
    "OutboxMessage",
    "PaymentNotice",
    "PeakRun",
    "ShopConnection",
    "TrackingCallback",
    "TrackingSubscription",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookRejection",
    "WebhookSubscription",
    "WorkStatus",
]
