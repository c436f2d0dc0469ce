"""Fulfilment API: one small view per operation, nested Input/Output serializers, errors rendered by
config.api.exception_handler as {"code", "message", "extra"}. The mobile pick and pack pages use these
with the session (and its CSRF token); partners and carriers with tokens."""

from __future__ import annotations

import hmac

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ErrorSerializer, error_responses
from fulfilment import selectors
from fulfilment.carriers.library import carrier_get
from fulfilment.exceptions import NotVisible
from fulfilment.models import Carrier, PickTask, ScanEvent, Shipment, WaveStrategy
from fulfilment.routing import order_route
from fulfilment.services import (
    pack_complete,
    pick_confirm,
    scan_refused_record,
    shipment_label_print,
    shipment_ship,
    shipment_update,
    tracking_push_receive,
    wave_build,
    wave_claim,
    waves_build_auto,
)
from fulfilment.services.packing import pack_expected
from orders.api.serializers import ConsigneeOutputSerializer
from orders.models import Platform
from orders.selectors import order_get_for_user, warehouse_list_for_user
from orders.states import Status as OrderStatus


class FloorPermission(permissions.BasePermission):
    """Floor work needs ``orders.change_order`` (the 仓库 role has it); which warehouses is scoped in the
    selectors."""

    message = "Picking, packing and shipping need the warehouse role."

    def has_permission(self, request, view):
        return selectors.user_works_floor(request.user)


class WaveOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    warehouse = serializers.CharField(source="warehouse.code")
    strategy = serializers.CharField()
    carrier = serializers.CharField(source="carrier.code", allow_null=True, default=None)
    capacity = serializers.IntegerField()
    status = serializers.CharField()
    assignee = serializers.CharField(source="assignee.username", allow_null=True, default=None)
    order_count = serializers.IntegerField(required=False)
    open_tasks = serializers.IntegerField(required=False)


class WaveListApi(APIView):
    permission_classes = [FloorPermission]

    @extend_schema(
        operation_id="wave_list",
        summary="The waves in your warehouses",
        responses={200: WaveOutput(many=True), **error_responses(403)},
    )
    def get(self, request):
        return Response(WaveOutput(selectors.my_waves(request.user), many=True).data)


def _warehouse(user, code: str):
    warehouse = warehouse_list_for_user(user).filter(code=code).first()
    if warehouse is None:
        raise NotVisible(f"No warehouse {code!r} you may work in.", extra={"warehouse": code})
    return warehouse


class WaveBuildApi(APIView):
    permission_classes = [FloorPermission]

    @extend_schema_serializer(component_name="WaveBuild")
    class InputSerializer(serializers.Serializer):
        warehouse = serializers.CharField()
        strategy = serializers.ChoiceField(choices=WaveStrategy.choices)
        capacity = serializers.IntegerField(min_value=1, max_value=500, default=30)
        carrier = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        operation_id="wave_build",
        summary="Build a wave with one strategy",
        request=InputSerializer,
        responses={201: WaveOutput, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        wave = wave_build(
            warehouse=_warehouse(request.user, v["warehouse"]),
            strategy=v["strategy"],
            capacity=v["capacity"],
            carrier_code=v["carrier"],
            actor=request.user,
        )
        return Response(
            WaveOutput(selectors.wave_get_for_user(request.user, pk=wave.pk)).data, status=status.HTTP_201_CREATED
        )


class WaveAutoBuildApi(APIView):
    permission_classes = [FloorPermission]

    @extend_schema_serializer(component_name="WaveAutoBuild")
    class InputSerializer(serializers.Serializer):
        warehouse = serializers.CharField()
        capacity = serializers.IntegerField(min_value=1, max_value=500, default=30)

    @extend_schema(
        operation_id="wave_auto_build",
        summary="Build the waves every strategy calls for",
        request=InputSerializer,
        responses={201: WaveOutput(many=True), **error_responses(400, 403, 404, 409)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        waves = waves_build_auto(
            warehouse=_warehouse(request.user, data.validated_data["warehouse"]),
            capacity=data.validated_data["capacity"],
            actor=request.user,
        )
        visible = selectors.wave_list_for_user(request.user).filter(pk__in=[w.pk for w in waves]).order_by("pk")
        return Response(WaveOutput(visible, many=True).data, status=status.HTTP_201_CREATED)


class WaveDetailApi(APIView):
    """The wave with its pick tasks in walking order (what the mobile page caches for offline work)."""

    permission_classes = [FloorPermission]

    # Documents the dict built by selectors.wave_pick_payload (returned as it is).
    @extend_schema_serializer(component_name="WavePickList")
    class OutputSerializer(serializers.Serializer):
        wave = inline_serializer(
            name="WavePickListWave",
            fields={
                "id": serializers.IntegerField(),
                "number": serializers.CharField(),
                "status": serializers.CharField(),
                "strategy": serializers.CharField(help_text="The strategy's label, e.g. `Urgent queue`."),
            },
        )
        tasks = inline_serializer(
            name="WavePickListTask",
            many=True,
            fields={
                "id": serializers.IntegerField(),
                "sequence": serializers.IntegerField(),
                "location": serializers.CharField(help_text="Location code, or blank."),
                "zone": serializers.CharField(help_text="The zone's label, or blank."),
                "sku": serializers.CharField(help_text="SKU code."),
                "barcode": serializers.CharField(),
                "name": serializers.CharField(),
                "quantity": serializers.IntegerField(),
                "picked_quantity": serializers.IntegerField(),
                "status": serializers.CharField(),
                "order": serializers.CharField(help_text="Order number."),
                "order_status": serializers.ChoiceField(choices=OrderStatus.choices),
                "tote": serializers.CharField(),
            },
        )
        order_skus = serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="Order number → the SKU codes and barcodes the order contains.",
        )

    @extend_schema(
        operation_id="wave_get",
        summary="A wave with its pick tasks in walking order",
        responses={200: OutputSerializer, **error_responses(403, 404)},
    )
    def get(self, request, pk: int):
        wave = selectors.wave_get_for_user(request.user, pk=pk)
        return Response(selectors.wave_pick_payload(wave=wave))


class WaveClaimApi(APIView):
    permission_classes = [FloorPermission]

    @extend_schema(
        operation_id="wave_claim",
        summary="Claim a wave to pick it",
        request=None,
        responses={200: WaveOutput, **error_responses(403, 404, 409)},
    )
    def post(self, request, pk: int):
        wave = wave_claim(wave=selectors.wave_get_for_user(request.user, pk=pk), user=request.user)
        return Response(WaveOutput(selectors.wave_get_for_user(request.user, pk=wave.pk)).data)


def _task(user, pk: int) -> PickTask:
    task = PickTask.objects.filter(pk=pk, wave__in=selectors.wave_list_for_user(user).values("pk")).first()
    if task is None:
        raise NotVisible(f"No pick task {pk} in your warehouses.")
    return task


class PickConfirmApi(APIView):
    permission_classes = [FloorPermission]

    @extend_schema_serializer(component_name="PickConfirm")
    class InputSerializer(serializers.Serializer):
        location = serializers.CharField(allow_blank=True, default="")
        sku = serializers.CharField()
        quantity = serializers.IntegerField(min_value=0)
        client_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")

    @extend_schema_serializer(component_name="PickTask")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        status = serializers.CharField()
        picked_quantity = serializers.IntegerField()
        quantity = serializers.IntegerField()

    @extend_schema(
        operation_id="pick_confirm",
        summary="Confirm a pick task (location, SKU and quantity scanned)",
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        task = pick_confirm(
            task=_task(request.user, pk),
            location_code=v["location"],
            sku_code=v["sku"],
            quantity=v["quantity"],
            actor=request.user,
            client_id=v["client_id"],
        )
        return Response(self.OutputSerializer(task).data)


class PickRefusalApi(APIView):
    """The page refused a scan on its own (it works offline): record it for the floor's error count."""

    permission_classes = [FloorPermission]

    @extend_schema_serializer(component_name="PickRefusal")
    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(
            choices=[ScanEvent.Kind.WRONG_LOCATION, ScanEvent.Kind.WRONG_SKU, ScanEvent.Kind.WRONG_QUANTITY]
        )
        scanned = serializers.CharField(allow_blank=True, max_length=64)
        client_id = serializers.CharField(max_length=64)

    @extend_schema(
        operation_id="pick_refusal_record",
        summary="Record a scan the pick page refused",
        request=InputSerializer,
        responses={
            201: OpenApiResponse(description="Recorded (posting the same `client_id` again is a no-op)."),
            **error_responses(400, 403, 404),
        },
    )
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = _task(request.user, pk)
        v = data.validated_data
        expected = (
            task.location.code if v["kind"] == ScanEvent.Kind.WRONG_LOCATION and task.location_id else task.sku.code
        )
        scan_refused_record(
            task=task,
            kind=v["kind"],
            scanned=v["scanned"],
            expected=expected,
            actor=request.user,
            client_id=v["client_id"],
        )
        return Response(status=status.HTTP_201_CREATED)


class ShipmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.CharField(source="order.number")
    status = serializers.CharField()
    carrier = serializers.CharField(source="carrier.code")
    carrier_name = serializers.CharField(source="carrier.name")
    tracking_number = serializers.CharField()
    weight_grams = serializers.IntegerField()
    block_reason = serializers.CharField()
    block_message = serializers.CharField()
    label_url = serializers.SerializerMethodField()

    def get_label_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("fulfilment:shipment-label", args=[obj.pk]) if obj.tracking_number else ""


class PackLookupApi(APIView):
    """Scan an order number or tote at the pack station: the lines to verify and what to watch out for."""

    permission_classes = [FloorPermission]

    # Documents the dict built in get() (returned as it is).
    @extend_schema_serializer(component_name="PackLookup")
    class OutputSerializer(serializers.Serializer):
        wave_order = serializers.IntegerField(help_text="The order's entry in its wave: `POST pack/{id}/complete/`.")
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
        parameters=[
            OpenApiParameter(
                "code",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=True,
                description="Order number, tote or platform order id, as scanned.",
            )
        ],
        responses={200: OutputSerializer, **error_responses(403, 404)},
    )
    def get(self, request):
        from fulfilment.carriers.library import carrier_choices
        from orders.masking import consignee_for

        wave_order = selectors.pack_lookup_for_user(request.user, code=request.query_params.get("code", ""))
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
        return Response(
            {
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
                "shipment": ShipmentOutput(shipment).data if shipment else None,
            }
        )


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
            raise NotVisible(f"No order {pk} at your pack stations.")
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
        raise NotVisible(f"No parcel {pk} in your warehouses.")
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


class TrackingPushApi(APIView):
    """A carrier pushes tracking events. Authenticated by the ``X-Tracking-Token`` header when
    ``FULFILMENT_TRACKING_PUSH_TOKEN`` is set, else only staff may post (the sandbox, tests)."""

    permission_classes = [permissions.AllowAny]  # the token (or staff session) is checked in post()

    @extend_schema_serializer(component_name="TrackingPush")
    class InputSerializer(serializers.Serializer):
        tracking_number = serializers.CharField(required=False)
        events = serializers.ListField(child=serializers.DictField(), required=False)
        items = serializers.ListField(child=serializers.DictField(), required=False)

    @extend_schema_serializer(component_name="TrackingPushAccepted")
    class OutputSerializer(serializers.Serializer):
        push = serializers.IntegerField(help_text="The stored push; it is processed in the background.")
        status = serializers.CharField()

    @extend_schema(
        operation_id="tracking_push_receive",
        summary="A carrier pushes tracking events",
        parameters=[
            OpenApiParameter(
                "X-Tracking-Token",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="The shared token, when FULFILMENT_TRACKING_PUSH_TOKEN is set.",
            )
        ],
        request=InputSerializer,
        responses={
            202: OutputSerializer,
            **error_responses(400),
            403: OpenApiResponse(
                ErrorSerializer,
                description="`bad_token`: X-Tracking-Token missing or wrong; `not_configured`: no token is set "
                "and the caller is not staff.",
            ),
        },
    )
    def post(self, request, carrier_code: str):
        token = settings.FULFILMENT_TRACKING_PUSH_TOKEN
        given = request.headers.get("X-Tracking-Token", "")
        if token:
            if not hmac.compare_digest(token, given):
                return Response(
                    {"code": "bad_token", "message": "X-Tracking-Token is missing or wrong.", "extra": {}}, status=403
                )
        else:
            if not (request.user and request.user.is_authenticated and request.user.is_staff):
                return Response(
                    {
                        "code": "not_configured",
                        "message": "Tracking pushes need FULFILMENT_TRACKING_PUSH_TOKEN.",
                        "extra": {},
                    },
                    status=403,
                )
        push = tracking_push_receive(carrier_code=carrier_code, body=request.data)
        return Response({"push": push.pk, "status": push.status}, status=status.HTTP_202_ACCEPTED)


class OrderRouteApi(APIView):
    """Where an order should ship from (智能分仓), with the candidates and a split proposal."""

    permission_classes = [permissions.IsAuthenticated]

    # Documents fulfilment.routing.RoutingResult.as_dict() (returned as it is).
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
            raise NotVisible(f"No order {number} visible to you.") from None
        return Response(order_route(order=order).as_dict())


class CarrierListApi(APIView):
    """The carrier library: standard codes, names and each platform's code."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema_serializer(component_name="Carrier")
    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField(help_text="Standard code, e.g. `YTO`.")
        name = serializers.CharField()
        kind = serializers.CharField()
        max_weight_grams = serializers.IntegerField()
        platform_codes = serializers.DictField(
            child=serializers.CharField(), help_text="Platform → the code that platform uses for this carrier."
        )

    @extend_schema(
        operation_id="carrier_list",
        summary="The carrier library",
        responses={200: OutputSerializer(many=True), **error_responses()},
    )
    def get(self, request):
        carriers = Carrier.objects.filter(is_active=True).prefetch_related("platform_codes").order_by("code")
        return Response(
            [
                {
                    "code": c.code,
                    "name": c.name,
                    "kind": c.kind,
                    "max_weight_grams": c.max_weight_grams,
                    "platform_codes": {pc.platform: pc.code for pc in c.platform_codes.all()},
                }
                for c in carriers
            ]
        )


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
        return Response({"code": carrier.code, "name": carrier.name})
