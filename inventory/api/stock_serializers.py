"""Output serializers shared by the stock API views (inventory/api/stock_views.py)."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from inventory.models import Pool, Reservation, StockMovement, Warehouse


@extend_schema_serializer(component_name="StockLevel")
class StockLevelOutputSerializer(serializers.Serializer):
    warehouse = serializers.CharField(source="warehouse.code")
    warehouse_name = serializers.CharField(source="warehouse.name")
    kind = serializers.ChoiceField(source="warehouse.kind", choices=Warehouse.Kind.choices)
    pool = serializers.ChoiceField(choices=Pool.choices)
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField(help_text="Held by paid orders until they ship or are cancelled.")
    available = serializers.IntegerField(help_text="on_hand − reserved.")


@extend_schema_serializer(component_name="StockPoolTotals")
class StockPoolTotalsOutputSerializer(serializers.Serializer):
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    available = serializers.IntegerField()


@extend_schema_serializer(component_name="StockMovement")
class StockMovementOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=StockMovement.Kind.choices)
    sku = serializers.CharField(source="sku.code")
    warehouse = serializers.CharField(source="warehouse.code")
    pool = serializers.ChoiceField(choices=Pool.choices)
    on_hand_delta = serializers.IntegerField()
    reserved_delta = serializers.IntegerField()
    reference = serializers.CharField()
    reason = serializers.CharField(source="reason_display", help_text="In the language of the request.")
    by = serializers.CharField(source="actor_display")
    at = serializers.DateTimeField()


@extend_schema_serializer(component_name="Reservation")
class ReservationOutputSerializer(serializers.Serializer):
    order_number = serializers.CharField(source="reference")
    order_line_id = serializers.IntegerField()
    sku = serializers.CharField(source="stock.sku.code")
    warehouse = serializers.CharField(source="stock.warehouse.code")
    pool = serializers.ChoiceField(source="stock.pool", choices=Pool.choices)
    quantity = serializers.IntegerField()
    state = serializers.ChoiceField(choices=Reservation.State.choices)
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
