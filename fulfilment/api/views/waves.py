"""Waves and picking: list, build (by hand or by the rules), claim and show a wave; confirm or refuse a pick."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiResponse,
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
from fulfilment.models import PickTask, ScanEvent, WaveStrategy
from fulfilment.services import (
    pick_confirm,
    scan_refused_record,
    wave_build,
    wave_claim,
    waves_build_auto,
)
from orders.selectors import warehouse_list_for_user
from orders.states import Status as OrderStatus


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
        raise NotVisible(_("No warehouse %(code)r you may work in.") % {"code": code}, extra={"warehouse": code})
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

    # Serializes the dict built by selectors.wave_pick_payload (the offline pick page reads the same).
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
        return Response(self.OutputSerializer(selectors.wave_pick_payload(wave=wave)).data)


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
        raise NotVisible(_("No pick task %(pk)s in your warehouses.") % {"pk": pk})
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
