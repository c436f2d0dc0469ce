"""Output serializers and filter fields shared by the finance API views."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from finance.models import DifferenceStatus, DifferenceType


class ChoiceListField(serializers.MultipleChoiceField):
    """Repeated (``?type=a&type=b``) or comma-separated (``?type=a,b``) choices."""

    def get_value(self, dictionary):
        value = super().get_value(dictionary)
        if isinstance(value, list | tuple):
            return [part.strip() for item in value for part in str(item).split(",") if part.strip()]
        return value

    def to_internal_value(self, data):
        return sorted(super().to_internal_value(data))


def type_list(**kwargs) -> ChoiceListField:
    return ChoiceListField(choices=DifferenceType.choices, **kwargs)


def status_list(**kwargs) -> ChoiceListField:
    return ChoiceListField(choices=DifferenceStatus.choices, **kwargs)


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Row number in the file (1 = first line).")
    column = serializers.CharField(help_text="Header name of the column.")
    value = serializers.CharField(help_text="The value as printed in the file.")
    reason = serializers.CharField()


class TotalsSerializer(serializers.Serializer):
    principal = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="Payments, refunds, settlements…")
    fees = serializers.DecimalField(max_digits=16, decimal_places=2)
    commission = serializers.DecimalField(max_digits=16, decimal_places=2)
    declared = serializers.DictField(help_text="The totals the file states about itself (footer/summary rows).")
    parsed = serializers.DictField(help_text="The same totals computed from the rows that were imported.")
    ok = serializers.BooleanField(allow_null=True, help_text="Declared = parsed; null when the file states none.")


@extend_schema_serializer(component_name="StatementSummary")
class StatementSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    filename = serializers.CharField()
    format = serializers.CharField(help_text="Detected from the content, e.g. `alipay_trade`, `wechat_trade`.")
    format_label = serializers.CharField()
    source = serializers.CharField(help_text="alipay, wechat, unionpay, taobao, jd, pdd, douyin or bank.")
    status = serializers.CharField(help_text="pending, importing, imported or failed.")
    progress = serializers.IntegerField(help_text="Percent; poll the statement until it is imported.")
    entity = serializers.CharField(allow_null=True)
    shop = serializers.CharField(allow_null=True)
    lines = serializers.IntegerField()
    rows_read = serializers.IntegerField()
    matched = serializers.IntegerField(help_text="Lines matched to an order.")
    first_date = serializers.DateField(allow_null=True)
    last_date = serializers.DateField(allow_null=True)
    totals = TotalsSerializer()
    error_count = serializers.IntegerField()
    errors = RowErrorSerializer(many=True, help_text="The first 50 rows that could not be imported.")
    warnings = RowErrorSerializer(many=True)
    message = serializers.CharField()
    url = serializers.CharField(required=False)


@extend_schema_serializer(component_name="Difference")
class DifferenceOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.ChoiceField(choices=DifferenceType.choices)
    type_label = serializers.CharField(source="get_type_display")
    component = serializers.CharField(help_text="paid, settlement, postage, refund, fee, commission, …")
    business_date = serializers.DateField()
    channel = serializers.CharField()
    source = serializers.CharField()
    shop = serializers.CharField(source="shop.code", allow_null=True, default=None)
    entity = serializers.CharField(source="entity.code", allow_null=True, default=None)
    currency = serializers.CharField()
    expected = serializers.DecimalField(max_digits=14, decimal_places=2)
    actual = serializers.DecimalField(max_digits=14, decimal_places=2)
    difference = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="actual − expected")
    detail = serializers.CharField(source="detail_display", help_text="In the language of the request.")
    order = serializers.CharField(source="order.number", allow_null=True, default=None, help_text="Order number.")
    refund = serializers.SerializerMethodField(help_text="Platform refund id (or Order Hub id) it concerns.")
    statement_line = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=DifferenceStatus.choices)
    owner = serializers.CharField(source="owner.username", allow_null=True, default=None)
    age_days = serializers.IntegerField()
    detected_at = serializers.DateTimeField()

    def get_refund(self, obj) -> str | None:
        if not obj.refund_id:
            return None
        return obj.refund.external_id or str(obj.refund_id)

    def get_statement_line(self, obj) -> dict | None:
        if not obj.line_id:
            return None
        return {"statement": obj.line.statement_id, "row": obj.line.row}
