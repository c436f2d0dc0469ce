"""Packing and shipments: look a parcel up at the bench, complete it, print its label, correct it, ship it."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import error_responses
from fulfilment import selectors
from fulfilment.api.views.common import FloorPermission
from fulfilment.exceptions import NotVisible
from fulfilment.models import Shipment
from fulfilment.services import (
    pack_complete,
    shipment_label_print,
    shipment_ship,
    shipment_update,
)
from fulfilment.services.packing import pack_expected
from orders.api.serializers import ConsigneeOutputSerializer
from orders.models import Platform
from orders.selectors import warehouse_list_for_user
from orders.states import Status as OrderStatus


class ShipmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.CharField(source="order.number")
    status = serializers.CharField()
    carrier = serializers.CharField(source="carrier.code")
    carrier_name = serializers.CharField(source="carrier.name")
    tracking_number = serializers.CharField()
    weight_grams = serializers.IntegerField()
    block_reason = serializers.CharField()
    block_message = serializers.CharField(source="block_message_display", help_text="In the language of the request.")
    label_url = serializers.SerializerMethodField()

    def get_label_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("fulfilment:shipment-label", args=[obj.pk]) if obj.tracking_number else ""


class PackLookupApi(APIView):
    """Scan an order number or tote at the pack station: the lines to verify and what to watch out for."""

    permission_classes = [FloorPermission]

    class FilterSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=64, help_text="Order number, tote or platform order id, as scanned.")

    # Serializes the dict built in get().
    @extend_schema_serializer(component_name="PackLookup")
    class OutputSerializer(serializers.Serializer):
        wave_order = serializers.IntegerField(help_text="The order's entry in its wave: `POST packing/{id}/complete/`.")
        order = serializers.CharField(help_text="Order number.")
        tote = serializers.CharField()
        status = serializers.CharField(help_text="The order's status in its wave (picking, picked, packed).")
        order_status = serializers.ChoiceField(choices=OrderStatus.choices)
        shop = serializers.CharField(help_text="Shop name.")
        platform = serializers.ChoiceField(choices=Platform.choices)
        consignee = ConsigneeOutputSerializer()
        buyer_remark = serializers.CharField()
        seller_memo = serializers.CharField()
        instructions = serializers.ListField(
            child=serializers.CharField(),
            help_text=(
                "What to watch out for, the same as on the packing slip and the label: the order's instruction "
                "tags (加急, 需冰袋, 保价, 赠品, 需配赠品 …), then 加急 for the urgent queue and 赠品 for a gift line."
            ),
        )
        lines = inline_serializer(
            name="PackLookupLine",
            many=True,
            fields={
                "sku": serializers.CharField(help_text="SKU code."),
                "barcode": serializers.CharField(),
                "name": serializers.CharField(),
                "quantity": serializers.IntegerField(),
                "is_gift": serializers.BooleanField(),
            },
        )
        expected = serializers.DictField(
            child=serializers.IntegerField(), help_text="SKU code → units the parcel must contain."
        )
        carrier = serializers.CharField(help_text="The carrier planned for the order.")
        carriers = inline_serializer(
            name="PackLookupCarrier",
            many=True,
            fields={"code": serializers.CharField(), "label": serializers.CharField()},
            help_text="The carriers to choose from, the warehouse's own first.",
        )
        shipment = ShipmentOutput(allow_null=True, help_text="The parcel, once packed; else null.")

    @extend_schema(
        operation_id="pack_lookup",
        summary="Look up an order at the pack station",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer, **error_responses(400, 403, 404)},
    )
    def get(self, request):
        from fulfilment.carriers.library import carrier_choices
        from orders.masking import consignee_for

        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)  # a code with a NUL character or too long is a 400, not a 500
        wave_order = selectors.pack_lookup_for_user(request.user, code=filters.validated_data["code"])
        order = wave_order.order
        shipment = selectors.shipment_for_order(order=order)
        lines = [
            {
                "sku": line.sku.code,
                "barcode": line.sku.barcode,
                "name": line.title or line.sku.name,
                "quantity": line.quantity,
                "is_gift": line.is_gift,
            }
            for line in order.lines.select_related("sku").order_by("pk")
        ]
        payload = {
            "wave_order": wave_order.pk,
            "order": order.number,
            "tote": wave_order.tote,
            "status": wave_order.status,
            "order_status": order.status,
            "shop": order.shop.name,
            "platform": order.shop.platform,
            "consignee": consignee_for(request.user, order),
            "buyer_remark": order.buyer_remark,
            "seller_memo": order.seller_memo,
            "instructions": selectors.packing_instructions(order=order),
            "lines": lines,
            "expected": pack_expected(wave_order=wave_order),
            "carrier": wave_order.carrier.code,
            "carriers": [
                {"code": c, "label": label} for c, label in carrier_choices(warehouse=wave_order.wave.warehouse)
            ],
            "shipment": shipment,
        }
        return Response(self.OutputSerializer(payload).data)


class PackCompleteApi(APIView):
    permission_classes = [FloorPermission]

    @extend_schema_serializer(component_name="PackComplete")
    class InputSerializer(serializers.Serializer):
        verified = serializers.DictField(child=serializers.IntegerField(min_value=0))
        weight_grams = serializers.IntegerField(min_value=1)
        carrier = serializers.CharField()
        client_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")

    @extend_schema(
        operation_id="pack_complete",
        summary="Close the parcel: verified contents, weight and carrier",
        request=InputSerializer,
        responses={201: ShipmentOutput, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        from fulfilment.models import WaveOrder

        wave_order = WaveOrder.objects.filter(
            pk=pk, wave__in=selectors.wave_list_for_user(request.user).values("pk")
        ).first()
        if wave_order is None:
            raise NotVisible(_("No order %(pk)s at your pack stations.") % {"pk": pk})
        shipment = pack_complete(
            wave_order=wave_order,
            verified=v["verified"],
            weight_grams=v["weight_grams"],
            carrier_code=v["carrier"],
            actor=request.user,
            client_id=v["client_id"],
        )
        return Response(ShipmentOutput(shipment).data, status=status.HTTP_201_CREATED)


def _floor_shipment(user, pk: int) -> Shipment:
    shipment = (
        Shipment.objects.filter(pk=pk, warehouse__in=warehouse_list_for_user(user).values("pk"))
        .select_related("order", "carrier")
        .first()
    )
    if shipment is None:
        raise NotVisible(_("No parcel %(pk)s in your warehouses.") % {"pk": pk})
    return shipment


class ShipmentLabelApi(APIView):
    """Print the label: the breaker may refuse (409 label_blocked, with the reason)."""

    permission_classes = [FloorPermission]

    @extend_schema(
        operation_id="shipment_label_print",
        summary="Print the parcel's label",
        request=None,
        responses={200: ShipmentOutput, **error_responses(403, 404, 409)},
    )
    def post(self, request, pk: int):
        shipment = shipment_label_print(shipment=_floor_shipment(request.user, pk), actor=request.user)
        return Response(ShipmentOutput(shipment).data)


class ShipmentUpdateApi(APIView):
    permission_classes = [FloorPermission]

    @extend_schema_serializer(component_name="ShipmentUpdate")
    class InputSerializer(serializers.Serializer):
        carrier = serializers.CharField(required=False)
        weight_grams = serializers.IntegerField(required=False, min_value=1)

    @extend_schema(
        operation_id="shipment_update",
        summary="Change a parcel's carrier or weight before its label is printed",
        request=InputSerializer,
        responses={200: ShipmentOutput, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        shipment = shipment_update(
            shipment=_floor_shipment(request.user, pk),
            carrier_code=data.validated_data.get("carrier"),
            weight_grams=data.validated_data.get("weight_grams"),
        )
        return Response(ShipmentOutput(shipment).data)


class ShipmentShipApi(APIView):
    permission_classes = [FloorPermission]

    @extend_schema(
        operation_id="shipment_ship",
        summary="Hand the parcel to the carrier",
        request=None,
        responses={200: ShipmentOutput, **error_responses(403, 404, 409)},
    )
    def post(self, request, pk: int):
        shipment = shipment_ship(shipment=_floor_shipment(request.user, pk), actor=request.user)
        return Response(ShipmentOutput(shipment).data)
