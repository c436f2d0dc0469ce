"""Refund decisions on the platforms, through the outbox: agree a refund (the money goes back), agree a return (the
buyer may send the goods), refuse a refund (staff rejected the case).

After-sales announces each decision on a platform order (``aftersales.signals.case_platform_decision``) inside
the decision's transaction; ``refund_decision_enqueue`` writes the outbox message there, so the decision and the
call commit together. One message per decision: the dedup key is the refund request number for an agreement to
pay (``refund_agree:<case number>R01``) and the case number for the others, and a decision already delivered is
never sent again — approving or executing twice makes one call.

Delivery (``refund_decision_send``, from ``integrations.outbox.outbox_deliver``, outside any transaction) calls the
platform client's ``refund_agree`` / ``return_agree`` / ``refund_refuse`` with the case's platform refund id and
writes the answer on the case's timeline (``aftersales.services.case_platform_answer_record``):

- done: the platform took the decision; the money is settled by the platform's own "refunded" notice
  (``refund_record`` → the execution succeeds once) on the platforms whose feed brings one (adapter capability
  ``refund_notice``: Taobao/Tmall, Douyin, Shopify). JD's ``replyRefund`` and Pinduoduo's ``pdd.refund.agree``
  refund the buyer when they answer success and Order Hub reads no refunded notice from them: there the answer
  settles the case (once — a settled case is not settled again);
- the refund had already moved on there (``RefundStateChanged``: refunded, closed by the buyer, decided in the
  platform's back office): nothing to retry, the message is done and the timeline says so; when the platform
  shows the money back, the case is settled as its notice would;
- an expired token is refreshed once and the call made again (``TokenRefresher``); a passing failure (HTTP 5xx,
  rate limit, the platform's system error) is retried with the one retry policy;
- a final refusal (``RefundDecisionRefused``: the platform's refund id unknown, a business refusal) or the last
  attempt parks the message as dead where the outbox parks the others (admin → Outbox messages, *retry now*),
  and the timeline and the open refund execution carry the error. The decision itself stays recorded.

Platforms whose adapter does not declare the action (``capabilities``) get no message: the timeline says the
decision is taken in the platform's own back office.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.models import Case, CaseEvidence
from aftersales.services.platform import REFUND_AGREE, REFUND_REFUSE, RETURN_AGREE, case_platform_answer_record
from config.tasks import enqueue_on_commit
from integrations.exceptions import RefundDecisionRefused, RefundProofMissing, RefundStateChanged
from integrations.models import OutboxMessage, WorkStatus
from integrations.platforms import adapter_for
from integrations.platforms.client import RefundDecision, RefundProof

log = logging.getLogger(__name__)

SYSTEM = "integrations"
Kind = OutboxMessage.Kind
KINDS = {REFUND_AGREE: Kind.REFUND_AGREE, RETURN_AGREE: Kind.RETURN_AGREE, REFUND_REFUSE: Kind.REFUND_REFUSE}
ACTIONS = {kind: action for action, kind in KINDS.items()}
# Platforms that refund a merchant's own decision without a buyer's request on the platform (no refund id needed).
WITHOUT_REFUND_ID = frozenset({"shopify"})
# The image types a refusal's proof may be (Tmall's refuse_proof takes GIF, JPG and PNG).
PROOF_TYPES = {"gif": "image/gif", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}


@transaction.atomic(savepoint=False)
def refund_decision_enqueue(
    *, case_id: int, action: str, request_no: str = "", reason: str = ""
) -> OutboxMessage | None:
    """Write the outbox message telling the case's platform about ``action`` (in the caller's transaction).
    Returns the message (an existing one for the same decision: never a second), or None when there is nothing
    to send: no enabled connection, a platform that takes this decision only in its back office, or a refusal /
    return on a case the platform never opened (no platform refund id)."""
    from integrations.outbox import DELIVER_TASK, _connection, _pending_upsert

    case = Case.objects.select_related("order__shop").get(pk=case_id)
    order = case.order
    connection = _connection(order.shop_id)
    if connection is None:
        return None
    platform = order.shop.platform
    if action not in adapter_for(platform).capabilities:
        case_platform_answer_record(
            case_id=case.pk,
            action=action,
            outcome="unsupported",
            message=_("%(platform)s takes this decision in its own back office.") % {"platform": platform},
            request_no=request_no,
            system=SYSTEM,
        )
        return None
    if action != REFUND_AGREE and not case.external_id and platform not in WITHOUT_REFUND_ID:
        return None  # the buyer asked nothing on the platform: there is nothing there to answer
    kind = KINDS[action]
    key = (f"{action}:{request_no}" if action == REFUND_AGREE and request_no else f"{action}:{case.number}")[:128]
    sent = OutboxMessage.objects.filter(shop_id=order.shop_id, kind=kind, dedup_key=key, status=WorkStatus.DONE).first()
    if sent is not None:
        return sent
    lines = [
        [line.order_line.external_line_id, line.quantity]
        for line in case.lines.select_related("order_line").order_by("pk")
        if line.order_line_id and line.order_line.external_line_id
    ]
    message = _pending_upsert(
        shop_id=order.shop_id,
        kind=kind,
        dedup_key=key,
        order_id=order.pk,
        payload={
            "case_id": case.pk,
            "case_number": case.number,
            "action": action,
            "request_no": request_no,
            "refund_id": case.external_id,
            "external_id": order.external_id,
            "amount": str(case.amount),
            "currency": case.currency,
            "kind": case.kind,
            "reason": (reason or case.reason or "")[:200],
            "lines": lines,
        },
    )
    enqueue_on_commit(DELIVER_TASK, message.pk)
    return message


def refund_decision_send(client, connection, message: OutboxMessage) -> dict[str, Any]:
    """Send one refund decision (outside any transaction) and write the platform's answer on the case's
    timeline. Raises what the platform raised, except ``RefundStateChanged`` (answered here: nothing to retry)."""
    payload = message.payload
    action = ACTIONS[message.kind]
    refund_id = (
        payload.get("refund_id")
        or Case.objects.filter(pk=payload["case_id"]).values_list("external_id", flat=True).first()
    )
    if not refund_id and connection.shop.platform not in WITHOUT_REFUND_ID:
        raise RefundDecisionRefused(
            _(
                "case %(case_number)s: the platform's refund id is not known (the buyer has not asked on the "
                "platform, or its notice has not arrived); replay this message once the case shows it."
            )
            % {"case_number": payload.get("case_number", "")},
            extra={"field": "refund_id"},
        )
    decision = RefundDecision(
        refund_id=str(refund_id or ""),
        order_external_id=str(payload.get("external_id") or ""),
        amount=Decimal(str(payload.get("amount") or "0")),
        currency=str(payload.get("currency") or "CNY"),
        request_no=str(payload.get("request_no") or ""),
        reason=str(payload.get("reason") or ""),
        lines=tuple((str(line_id), int(quantity)) for line_id, quantity in payload.get("lines") or []),
        return_address_id=connection.return_address_id,
        return_address=connection.return_address or {},
        kind=str(payload.get("kind") or Case.Kind.REFUND_ONLY),
        proof=_refusal_proof(payload["case_id"]) if action == REFUND_REFUSE else None,
    )
    call = {REFUND_AGREE: client.refund_agree, RETURN_AGREE: client.return_agree, REFUND_REFUSE: client.refund_refuse}
    try:
        answer = call[action](decision)
    except RefundStateChanged as exc:
        answer = {"state_changed": exc.platform_status, "refunded": exc.refunded}
        if exc.refunded and action == REFUND_AGREE:
            _settle(payload=payload, refund_id=decision.refund_id)
        case_platform_answer_record(
            case_id=payload["case_id"],
            action=action,
            outcome="state_changed",
            answer=answer,
            message=str(exc),
            request_no=decision.request_no,
            system=connection.shop.platform,
        )
        return answer
    case_platform_answer_record(
        case_id=payload["case_id"],
        action=action,
        outcome="done",
        answer=_brief(answer),
        request_no=decision.request_no,
        system=connection.shop.platform,
    )
    if action == REFUND_AGREE and "refund_notice" not in adapter_for(connection.shop.platform).capabilities:
        _settle(payload=payload, refund_id=decision.refund_id)  # no "refunded" notice will come: the answer is it
    return answer


def _refusal_proof(case_id: int) -> RefundProof | None:
    """The case's newest evidence image (GIF, JPG or PNG, by its name) as a refusal's proof, or None."""
    for evidence in CaseEvidence.objects.filter(case_id=case_id).order_by("-uploaded_at", "-pk"):
        name = evidence.file.name.rsplit("/", 1)[-1]
        content_type = PROOF_TYPES.get(name.rsplit(".", 1)[-1].lower()) if "." in name else None
        if content_type is None:
            continue
        with evidence.file.open("rb") as file:
            return RefundProof(name=name, content=file.read(), content_type=content_type)
    return None


@transaction.atomic(savepoint=False)
def refusal_proof_attached(*, case_id: int) -> int:
    """Customer service added evidence to a case whose refusal parked for want of a proof image: send it again
    (after commit). Returns how many refusals were queued again."""
    from integrations.outbox import outbox_retry

    parked = OutboxMessage.objects.filter(
        kind=Kind.REFUND_REFUSE, status=WorkStatus.DEAD, error_code=RefundProofMissing.code, payload__case_id=case_id
    ).values_list("pk", flat=True)
    return outbox_retry(message_ids=list(parked)) if parked else 0


def _settle(*, payload: dict[str, Any], refund_id: str) -> None:
    """The platform shows the money back already: record it as its "refunded" notice would (idempotent)."""
    from aftersales.services import refund_record

    case = Case.objects.select_related("order").get(pk=payload["case_id"])
    if case.status == Case.Status.REFUNDED:
        return
    refund_record(
        order=case.order,
        amount=case.amount,
        external_id=refund_id or case.external_id,
        status=Case.Status.REFUNDED,
        kind=case.kind,
        system=SYSTEM,
    )


def refund_decision_parked(message: OutboxMessage, exc: Exception) -> None:
    """The decision's message is dead (refused for good, or out of attempts): say so on the case's timeline and
    on its open refund execution, so staff see it where they look and replay it from the outbox."""
    payload = message.payload or {}
    if "case_id" not in payload:
        return
    try:
        case_platform_answer_record(
            case_id=payload["case_id"],
            action=ACTIONS.get(message.kind, message.kind),
            outcome="parked",
            answer={"code": str(getattr(exc, "code", "") or type(exc).__name__)},
            message=str(exc),
            request_no=str(payload.get("request_no") or ""),
            system=SYSTEM,
        )
    except Exception:  # noqa: BLE001 - the message is parked whatever the timeline says
        log.exception("outbox %s: could not note the parked refund decision on its case", message.pk)


def _brief(answer: Any) -> dict[str, Any]:
    """The platform's answer as kept on the timeline (a JSON object, small)."""
    if not isinstance(answer, dict):
        return {"answer": str(answer)[:500]}
    text = str(answer)
    return answer if len(text) <= 2000 else {"answer": text[:2000]}
