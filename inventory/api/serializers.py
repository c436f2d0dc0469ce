"""Serializers shared by the warehouse and SKU API views (inventory/api/views.py)."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from inventory.models import Warehouse


@extend_schema_serializer(component_name="Warehouse")
class WarehouseOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Warehouse.Kind.choices)
    province = serializers.CharField()
    city = serializers.CharField()
    address = serializers.CharField()
    priority = serializers.IntegerField(help_text="Lower ships first when several locations can fill an order.")
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="SKU")
class SKUOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    barcode = serializers.CharField()
    name = serializers.CharField()
    weight_grams = serializers.IntegerField()
    is_fragile = serializers.BooleanField()
    is_cold_chain = serializers.BooleanField()
    is_presale = serializers.BooleanField()
    category = serializers.CharField()
    attributes = serializers.DictField(help_text="Other attributes (colour, size, …).")
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()
