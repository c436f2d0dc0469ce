"""After-sales rows for tests that read them (the CS queue, the case page, lists): a case on a paid order, its
lines, evidence and timeline; approval tiers and the risk policy. Cases that must behave as in production — the
order stopped, the money checked, the automatic tier deciding — are opened through ``make_case``
(``aftersales.services.case_create``), never by writing rows.

``CaseFactory(order=order)`` writes the row only: no line, no timeline, no risk score unless told
(``CaseFactory(risk_score=80, deadline_at=…)``); without ``order`` it makes a paid order of 99.00 in a fresh shop.
"""

from __future__ import annotations

import base64
from decimal import Decimal

import factory
from django.core.files.base import ContentFile

from aftersales.models import ApprovalTier, Case, CaseEvent, CaseEvidence, CaseLine, RiskPolicy
from aftersales.services import LineRequest, case_create
from orders.states import Status
from tests.factories.orders import make_order

# A 1×1 PNG, as a photo the buyer or CS uploads.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def _paid_order():
    return make_order(status=Status.PAID)


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    order = factory.LazyFunction(_paid_order)
    number = factory.Sequence(lambda n: f"AS20261111{n + 900000:06d}")
    kind = Case.Kind.REFUND_ONLY
    status = Case.Status.REQUESTED
    source = Case.Source.STAFF
    amount = Decimal("10.00")
    currency = factory.LazyAttribute(lambda case: case.order.currency)
    reason_code = Case.ReasonCode.QUALITY
    reason = "质量问题"
    buyer_words = "收到就坏了"


class CaseLineFactory(factory.django.DjangoModelFactory):
    """A line of ``case`` (required) on the order's first line unless told."""

    class Meta:
        model = CaseLine

    order_line = factory.LazyAttribute(lambda line: line.case.order.lines.first())
    sku = factory.LazyAttribute(lambda line: line.order_line.sku)
    quantity = 1
    amount = factory.LazyAttribute(lambda line: line.case.amount)


class CaseEvidenceFactory(factory.django.DjangoModelFactory):
    """A photo on ``case`` (required), from the buyer unless told."""

    class Meta:
        model = CaseEvidence

    kind = CaseEvidence.Kind.BUYER
    file = factory.LazyFunction(lambda: ContentFile(PNG, name="photo.png"))
    caption = "买家照片"


class CaseEventFactory(factory.django.DjangoModelFactory):
    """A note on the timeline of ``case`` (required)."""

    class Meta:
        model = CaseEvent

    kind = CaseEvent.Kind.NOTE
    note = factory.Sequence(lambda n: f"备注 {n}")


class ApprovalTierFactory(factory.django.DjangoModelFactory):
    """CS approves up to 500.00 unless told (``ApprovalTierFactory(approver=ApprovalTier.Approver.AUTOMATIC,
    max_amount=Decimal("50.00"))``)."""

    class Meta:
        model = ApprovalTier

    name = factory.Sequence(lambda n: f"tier {n}")
    approver = ApprovalTier.Approver.CS
    max_amount = Decimal("500.00")
    clean_history_only = False


class RiskPolicyFactory(factory.django.DjangoModelFactory):
    """An active risk policy with the documented defaults unless told."""

    class Meta:
        model = RiskPolicy

    name = factory.Sequence(lambda n: f"policy {n}")


def make_case(*, order, kind: str = Case.Kind.REFUND_ONLY, lines=None, amount=None, actor=None, **fields) -> Case:
    """Open a case through ``case_create``: ``lines`` = [(sku code, quantity), …], by default one unit of the
    order's first line (none for a compensation)."""
    if lines is None:
        first = order.lines.select_related("sku").first()
        lines = [] if kind == Case.Kind.COMPENSATION else [(first.sku.code, 1)]
    return case_create(
        order=order,
        kind=kind,
        amount=amount,
        lines=[LineRequest(sku_code=code, quantity=quantity) for code, quantity in lines],
        actor=actor,
        system="tests",
        **fields,
    )
