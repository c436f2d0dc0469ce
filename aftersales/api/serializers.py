"""What the after-sales API shows of a case."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from aftersales.models import Case, CaseDecision, CaseLine
from orders.api.serializers import money


class CaseLineOutputSerializer(serializers.Serializer):
    sku = serializers.CharField(source="sku.code")
    quantity = serializers.IntegerField()
    amount = money()
    received_quantity = serializers.IntegerField()
    condition = serializers.ChoiceField(choices=CaseLine.Condition.choices, allow_blank=True)


class CaseDecisionOutputSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=CaseDecision.Verdict.choices)
    by = serializers.CharField(source="actor.username", allow_null=True, default=None)
    automatic = serializers.BooleanField()
    amount = money()
    reason = serializers.CharField()
    at = serializers.DateTimeField()


@extend_schema_serializer(component_name="AftersalesCase")
class CaseOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Used in the /api/v1/aftersales/<id>/ URLs.")
    number = serializers.CharField(help_text="The case number staff see, e.g. AS20261111000001.")
    order = serializers.CharField(source="order.number")
    shop = serializers.CharField(source="order.shop.code")
    kind = serializers.ChoiceField(choices=Case.Kind.choices)
    status = serializers.ChoiceField(choices=Case.Status.choices)
    source = serializers.ChoiceField(choices=Case.Source.choices)
    external_id = serializers.CharField(help_text="The platform's own after-sales/refund id, if any.")
    amount = money()
    currency = serializers.CharField()
    reason = serializers.CharField()
    reason_code = serializers.ChoiceField(choices=Case.ReasonCode.choices, allow_blank=True)
    buyer_words = serializers.CharField()
    lines = CaseLineOutputSerializer(many=True)
    decisions = CaseDecisionOutputSerializer(many=True)
    requested_at = serializers.DateTimeField(allow_null=True)
    deadline_at = serializers.DateTimeField(allow_null=True)
    refunded_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    changed_at = serializers.DateTimeField(allow_null=True)
