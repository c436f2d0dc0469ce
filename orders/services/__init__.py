"""Writes on orders: numbering, creation, partner submission and the lifecycle.

``order_transition`` is the only function that changes an order's status (``order_transition_many`` is its
set-based form for a batch, judged by the same helpers). Other apps change orders only through these
functions, imported from here.
"""

from orders.services.creation import (
    INITIAL_STATUSES,
    CreatedMany,
    LineInput,
    OrderInput,
    order_create,
    order_create_many,
    order_line_build,
    order_request_hash,
    order_submit,
    order_validate,
)
from orders.services.lifecycle import (
    order_event_record,
    order_events_record,
    order_hold_release,
    order_note_add,
    order_transition,
    order_transition_many,
)
from orders.services.lines import order_lines_cancel
from orders.services.numbering import (
    DEFAULT_PREFIX,
    order_number_allocate,
)
from orders.services.pii import RevealReasonMissing, consignee_reveal, consignees_anonymise_due

__all__ = [
    "order_lines_cancel",
    "CreatedMany",
    "RevealReasonMissing",
    "consignee_reveal",
    "consignees_anonymise_due",
    "DEFAULT_PREFIX",
    "INITIAL_STATUSES",
    "LineInput",
    "OrderInput",
    "order_create",
    "order_create_many",
    "order_event_record",
    "order_events_record",
    "order_hold_release",
    "order_line_build",
    "order_note_add",
    "order_number_allocate",
    "order_request_hash",
    "order_submit",
    "order_transition",
    "order_transition_many",
    "order_validate",
]
