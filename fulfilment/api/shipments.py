"""GET /api/v1/shipments/: the shipments of the orders you may see — paged, or followed change by change
(config.feed); GET /api/v1/shipments/<id>/ (one shipment) and GET /api/v1/orders/<number>/shipments/ (one
order's parcels), each with its carrier's tracking events.
The packing and shipping operations on a shipment are in fulfilment/api/views/packing.py."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import Pagination, error_responses, paginated_response
from config.feed import FollowPagination
from fulfilment.models import Shipment, TrackingKind
from fulfilment.selectors import shipment_get_for_user, shipment_list_for_order, shipment_list_for_user
from orders.api.views.common import ORDER_NUMBER, order_not_found
from orders.selectors import order_list_for_user


class ShipmentListApi(APIView):
    pagination_class = FollowPagination

    class FilterSerializer(serializers.Serializer):
        order = serializers.CharField(required=False, help_text="Order Hub order number.")
        status = serializers.ChoiceField(required=False, choices=Shipment.Status.choices)
        warehouse = serializers.CharField(required=False, help_text="Warehouse code.")

    @extend_schema_serializer(component_name="ShipmentListItem")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        order = serializers.CharField(source="order.number")
        shop = serializers.CharField(source="order.shop.code")
        warehouse = serializers.CharField(source="warehouse.code")
        carrier = serializers.CharField(source="carrier.code")
        status = serializers.ChoiceField(choices=Shipment.Status.choices)
        tracking_number = serializers.CharField()
        weight_grams = serializers.IntegerField()
        packed_at = serializers.DateTimeField()
        shipped_at = serializers.DateTimeField(allow_null=True)
        delivered_at = serializers.DateTimeField(allow_null=True)
        changed_at = serializers.DateTimeField(
            allow_null=True, help_text="When the shipment last changed (null: not since following began)."
        )

    @extend_schema(
        operation_id="shipment_list",
        tags=["shipments"],
        summary="List the shipments of the orders you may see, newest first — or follow their changes",
        description="With `cursor` or `updated_after`: every change, in commit order (docs/api.md, Following changes).",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True), **error_responses(400)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        shipments = shipment_list_for_user(request.user).order_by("-packed_at", "-id")
        if "order" in wanted:
            shipments = shipments.filter(order__number=wanted["order"])
        if "status" in wanted:
            shipments = shipments.filter(status=wanted["status"])
        if "warehouse" in wanted:
            shipments = shipments.filter(warehouse__code=wanted["warehouse"])
        return paginated_response(
            view=self, request=request, queryset=shipments, serializer_class=self.OutputSerializer
        )


@extend_schema_serializer(component_name="TrackingEvent")
class TrackingEventOutputSerializer(serializers.Serializer):
    occurred_at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=TrackingKind.choices)
    description = serializers.CharField(help_text="The carrier's words, e.g. 【杭州市】已揽收.")
    province = serializers.CharField()
    city = serializers.CharField()


@extend_schema_serializer(component_name="ShipmentDetail")
class ShipmentDetailOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.CharField(source="order.number", help_text="Order Hub order number.")
    status = serializers.ChoiceField(choices=Shipment.Status.choices)
    carrier = serializers.CharField(source="carrier.code", help_text="Carrier code, e.g. SF, ZTO.")
    carrier_name = serializers.CharField(source="carrier.name")
    tracking_number = serializers.CharField(help_text="Empty until the label is printed.")
    warehouse = serializers.CharField(source="warehouse.code")
    weight_grams = serializers.IntegerField()
    packed_at = serializers.DateTimeField()
    shipped_at = serializers.DateTimeField(allow_null=True)
    picked_up_at = serializers.DateTimeField(allow_null=True, help_text="The carrier's first scan.")
    delivered_at = serializers.DateTimeField(allow_null=True)
    events = TrackingEventOutputSerializer(many=True, help_text="The carrier's tracking events, oldest first.")


class OrderShipmentListApi(APIView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="order_shipment_list",
        tags=["shipments"],
        summary="The shipments (parcels) of one order, with carrier, tracking number and tracking events",
        description="Oldest parcel first; a cancelled parcel stays in the list with status `cancelled`.",
        parameters=[ORDER_NUMBER],
        responses={200: ShipmentDetailOutputSerializer(many=True), **error_responses(404)},
    )
    def get(self, request, number: str):
        order = order_list_for_user(request.user).filter(number=number).first()
        if order is None:
            raise order_not_found(number)
        shipments = shipment_list_for_order(order=order)
        return paginated_response(
            view=self, request=request, queryset=shipments, serializer_class=ShipmentDetailOutputSerializer
        )


class ShipmentDetailApi(APIView):
    @extend_schema(
        operation_id="shipment_get",
        tags=["shipments"],
        summary="One shipment with carrier, tracking number and tracking events",
        responses={200: ShipmentDetailOutputSerializer, **error_responses(404)},
    )
    def get(self, request, pk: int):
        return Response(ShipmentDetailOutputSerializer(shipment_get_for_user(request.user, pk=pk)).data)
