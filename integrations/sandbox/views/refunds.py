"""The sandbox's buyers' refund requests, as the platforms keep them, so refund decisions sent through the outbox
get the platforms' answers under ``make run``: a refund waits for the merchant until it is agreed (Taobao/Tmall,
JD, Pinduoduo and Douyin pay at once when the refund is agreed), its return agreed or it is refused.

Faults by refund id, like the payment sandbox's trade numbers: an id ending in ``0000`` is a refund the buyer
already got back (refunded on the platform), in ``9999`` one the buyer closed, in ``1111`` one the platform wants
handled in its own back office (a final refusal), in ``2222`` a return whose goods are back with the seller, waiting
for the seller to confirm them.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from integrations.sandbox.views.shared import SandboxError, received_record

WAITING = "waiting"
RETURN_WAITING = "return_waiting"
GOODS_BACK = "goods_back"
REFUNDED = "refunded"
CLOSED = "closed"
REFUSED = "refused"
# (app key, refund id) → the refund's state, changed by the merchant's decisions, and when it last changed.
STATES: dict[tuple[str, str], str] = {}
DECIDED: dict[tuple[str, str], dt.datetime] = {}


def refund_state(app_key: str, refund_id: str) -> str:
    if not refund_id:
        raise SandboxError("invalid", "refund id is missing")
    if refund_id.endswith("0000"):
        return REFUNDED
    if refund_id.endswith("9999"):
        return CLOSED
    return STATES.get((app_key, refund_id), GOODS_BACK if refund_id.endswith("2222") else WAITING)


def refund_decide(connection, refund_id: str, *, allowed: tuple[str, ...], to: str, kind: str, payload: dict) -> str:
    """Apply a merchant's decision: refused as the platform refuses it when the refund is not waiting for it
    (``SandboxError("state")``) or must be handled in the back office (``SandboxError("refused")``)."""
    state = refund_state(connection.app_key, refund_id)
    if refund_id.endswith("1111"):
        raise SandboxError("refused", f"refund {refund_id} must be handled in the merchant back office", "manual")
    if state not in allowed:
        raise SandboxError("state", f"refund {refund_id} is {state}", state)
    STATES[(connection.app_key, refund_id)] = to
    DECIDED[(connection.app_key, refund_id)] = timezone.now()
    received_record(connection, kind, payload)
    return to
