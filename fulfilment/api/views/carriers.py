"""Routing an order to a warehouse and carrier, and the carrier library."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import error_responses
from fulfilment.carriers.library import carrier_get
from fulfilment.exceptions import NotVisible
from fulfilment.models import Carrier
from fulfilment.routing import order_route
from orders.selectors import order_get_for_user


class OrderRouteApi(APIView):
    """Where an order should ship from (智能分仓), with the candidates and a split proposal."""

    permission_classes = [permissions.IsAuthenticated]

    # Serializes fulfilment.routing.RoutingResult.
    @extend_schema_serializer(component_name="OrderRoute")
    class OutputSerializer(serializers.Serializer):
        order = serializers.CharField(help_text="Order number.")
        warehouse = serializers.CharField(allow_null=True, help_text="The warehouse to ship from, or null: split.")
        reason = serializers.CharField()
        candidates = inline_serializer(
            name="OrderRouteCandidate",
            many=True,
            fields={
                "warehouse": serializers.CharField(help_text="Warehouse code."),
                "fills_order": serializers.BooleanField(),
                "ring": serializers.IntegerField(help_text="0 same province, 1 neighbouring, 2 further."),
                "distance_km": serializers.FloatField(allow_null=True),
                "priority": serializers.IntegerField(),
                "short_lines": inline_serializer(
                    name="OrderRouteShortLine",
                    many=True,
                    fields={
                        "sku": serializers.CharField(help_text="SKU code."),
                        "needed": serializers.IntegerField(),
                        "available": serializers.IntegerField(),
                    },
                ),
            },
            help_text="Every active warehouse, best first.",
        )
        split = inline_serializer(
            name="OrderRouteSplitPart",
            many=True,
            fields={
                "warehouse": serializers.CharField(help_text="Warehouse code."),
                "lines": inline_serializer(
                    name="OrderRouteLine",
                    many=True,
                    fields={
                        "sku": serializers.CharField(help_text="SKU code."),
                        "quantity": serializers.IntegerField(),
                    },
                ),
            },
            help_text="When no warehouse fills the order: the fewest warehouses that can.",
        )
        unfillable = inline_serializer(
            name="OrderRouteUnfillableLine",
            many=True,
            fields={"sku": serializers.CharField(help_text="SKU code."), "quantity": serializers.IntegerField()},
            help_text="What no warehouse has stock for.",
        )

    @extend_schema(
        operation_id="order_route",
        summary="Which warehouse should ship an order",
        responses={200: OutputSerializer, **error_responses(404)},
    )
    def get(self, request, number: str):
        from orders.models import Order

        try:
            order = order_get_for_user(request.user, number=number)
        except Order.DoesNotExist:
            raise NotVisible(_("No order %(number)s visible to you.") % {"number": number}) from None
        return Response(self.OutputSerializer(order_route(order=order)).data)


class CarrierListApi(APIView):
    """The carrier library: standard codes, names and each platform's code."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema_serializer(component_name="Carrier")
    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField(help_text="Standard code, e.g. `YTO`.")
        name = serializers.CharField()
        kind = serializers.CharField()
        max_weight_grams = serializers.IntegerField()
        platform_codes = serializers.SerializerMethodField(
            help_text="Platform → the code that platform uses for this carrier."
        )

        @extend_schema_field(serializers.DictField(child=serializers.CharField()))
        def get_platform_codes(self, carrier: Carrier) -> dict[str, str]:
            return {pc.platform: pc.code for pc in carrier.platform_codes.all()}

    @extend_schema(
        operation_id="carrier_list",
        summary="The carrier library",
        responses={200: OutputSerializer(many=True), **error_responses()},
    )
    def get(self, request):
        carriers = Carrier.objects.filter(is_active=True).prefetch_related("platform_codes").order_by("code")
        return Response(self.OutputSerializer(carriers, many=True).data)


class CarrierCheckApi(APIView):
    """Validate a carrier code: 200 with the carrier, or 400 unknown_carrier with suggestions (YT0 → YTO)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema_serializer(component_name="CarrierCheck")
    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField()
        name = serializers.CharField()

    @extend_schema(
        operation_id="carrier_check",
        summary="Validate a carrier code",
        responses={200: OutputSerializer, **error_responses(400)},
    )
    def get(self, request, code: str):
        carrier = carrier_get(code)
        return Response(self.OutputSerializer(carrier).data)
