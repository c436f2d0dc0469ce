"""The stock API under /api/v1/stock/: levels per location, and receipts, adjustments, transfers and counts
for partner systems and WMS. One small view per operation; the work is done by inventory.services.

Locations are scoped like everywhere else: ``inventory.access_warehouse`` on the location (django-guardian)
or the global ``orders.view_all_orders``; writing needs ``inventory.adjust_stock`` as well. POSTs accept an
``Idempotency-Key`` header: repeating a request with the same key returns what the first one did (200).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import StrictSerializer, error_responses, paginated_response, permission_required
from config.feed import FollowPagination
from inventory.api.stock_serializers import (
    ReservationOutputSerializer,
    StockLevelOutputSerializer,
    StockMovementOutputSerializer,
    StockPoolTotalsOutputSerializer,
)
from inventory.exceptions import WarehouseNotFound
from inventory.models import Pool, Stock, StockMovement, Warehouse
from inventory.selectors import (
    reservation_list,
    sku_get,
    stock_accuracy_report,
    stock_level_list,
    stock_levels_for_sku,
    stock_warehouses_for_user,
)
from inventory.services import (
    StockLine,
    stock_adjust,
    stock_count_apply,
    stock_count_open,
    stock_count_record,
    stock_receive,
    stock_transfer,
)

ADJUST = "inventory.adjust_stock"
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Optional. The same key again returns the first result (200) and changes nothing.",
)


def visible_location(user, code: str) -> Warehouse:
    warehouse = stock_warehouses_for_user(user).filter(code=code).first()
    if warehouse is None:
        raise WarehouseNotFound(_("warehouse: no location %(code)r.") % {"code": code}, extra={"warehouse": code})
    return warehouse


def _key(request) -> str:
    return request.headers.get("Idempotency-Key", "").strip()[:100]


def _replayed(key: str) -> bool:
    return bool(key) and StockMovement.objects.filter(idempotency_key=key).exists()


# A stock write through one service call that records movements: validated input, the ``Idempotency-Key`` passed
# on (a repeated key answers 200 with the movements first recorded), the movements and the levels they changed
# returned. (A comment, not a docstring: the schema would show it on every such operation.)
class MovementsCreateApi(APIView):
    permission_classes = [IsAuthenticated, permission_required(ADJUST)]
    parser_classes = [JSONParser]

    def record(self, request, write) -> Response:
        """``write(validated_data, idempotency_key)`` calls the service and returns its movements."""
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key = _key(request)
        replay = _replayed(key)
        return _movements_response(request, write(data.validated_data, key), replay=replay)


def _movements_response(request, movements, *, replay: bool) -> Response:
    keys = {(m.sku_id, m.warehouse_id, m.pool) for m in movements}
    levels = Stock.objects.filter(
        sku_id__in={k[0] for k in keys}, warehouse_id__in={k[1] for k in keys}
    ).select_related("sku", "warehouse")
    body = {
        "movements": StockMovement.objects.filter(pk__in=[m.pk for m in movements])
        .select_related("sku", "warehouse", "actor")
        .order_by("pk"),
        "levels": [row for row in levels if (row.sku_id, row.warehouse_id, row.pool) in keys],
    }
    return Response(
        MovementsOutputSerializer(body).data, status=status.HTTP_200_OK if replay else status.HTTP_201_CREATED
    )


class LineInputSerializer(StrictSerializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1)


class CountLineInputSerializer(StrictSerializer):
    sku = serializers.CharField(max_length=64)
    counted = serializers.IntegerField(min_value=0)
    pool = serializers.ChoiceField(choices=Pool.choices, required=False, default=Pool.SPOT)


def _lines(lines: list[dict]) -> list[StockLine]:
    return [StockLine(sku_get(code=line["sku"]), line["quantity"]) for line in lines]


@extend_schema_serializer(component_name="SKUStockLevel")
class SKUStockLevelOutputSerializer(StockLevelOutputSerializer):
    sku = serializers.CharField(source="sku.code", help_text="SKU code.")


@extend_schema_serializer(component_name="StockMovementsResult")
class MovementsOutputSerializer(serializers.Serializer):
    movements = StockMovementOutputSerializer(many=True)
    levels = SKUStockLevelOutputSerializer(many=True, help_text="The stock levels the movements changed.")


class StockListApi(APIView):
    class FilterSerializer(serializers.Serializer):
        sku = serializers.CharField(help_text="SKU code.")

    @extend_schema_serializer(component_name="SKUStock")
    class OutputSerializer(serializers.Serializer):
        sku = serializers.CharField()
        name = serializers.CharField()
        is_presale = serializers.BooleanField()
        locations = StockLevelOutputSerializer(many=True)
        totals = serializers.DictField(
            child=StockPoolTotalsOutputSerializer(), help_text="By pool (spot, presale, damaged): the locations' sums."
        )

    @extend_schema(
        operation_id="stock_get",
        tags=["stock"],
        summary="Stock of one SKU per location you may see",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer, **error_responses(400, 404)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        sku = sku_get(code=filters.validated_data["sku"])
        return Response(sku_stock_render(user=request.user, sku=sku))


def sku_stock_render(*, user, sku) -> dict:
    """The SKU's stock at the locations ``user`` may see, as ``GET /api/v1/stock/?sku=`` shows it (also the
    body of the ``stock.changed`` webhook)."""
    rows = list(stock_levels_for_sku(user=user, sku=sku))
    totals: dict[str, dict[str, int]] = {}
    for row in rows:
        total = totals.setdefault(row.pool, {"on_hand": 0, "reserved": 0, "available": 0})
        total["on_hand"] += row.on_hand
        total["reserved"] += row.reserved
        total["available"] += row.available
    return StockListApi.OutputSerializer(
        {
            "sku": sku.code,
            "name": sku.name,
            "is_presale": sku.is_presale,
            "locations": rows,
            "totals": totals,
        }
    ).data


class StockLevelListApi(APIView):
    pagination_class = FollowPagination

    class FilterSerializer(serializers.Serializer):
        sku = serializers.CharField(required=False, help_text="SKU code.")
        warehouse = serializers.CharField(required=False, help_text="Location code.")
        pool = serializers.ChoiceField(required=False, choices=Pool.choices)

    @extend_schema_serializer(component_name="StockLevelListItem")
    class OutputSerializer(serializers.Serializer):
        sku = serializers.CharField(source="sku.code")
        warehouse = serializers.CharField(source="warehouse.code")
        pool = serializers.ChoiceField(choices=Pool.choices)
        on_hand = serializers.IntegerField()
        reserved = serializers.IntegerField(help_text="Held by paid orders until they ship or are cancelled.")
        available = serializers.IntegerField(help_text="on_hand − reserved.")
        changed_at = serializers.DateTimeField(
            allow_null=True, help_text="When the level last changed (null: not since following began)."
        )

    @extend_schema(
        operation_id="stock_level_list",
        tags=["stock"],
        summary="Stock levels (SKU × location × pool) at the locations you may see — or follow their changes",
        description=(
            "Without `cursor` or `updated_after`: by SKU, location and pool, paged by number. With either: every "
            "change of a level in commit order (docs/api.md, Following changes)."
        ),
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True), **error_responses(400)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        levels = stock_level_list(user=request.user, **filters.validated_data)
        return paginated_response(view=self, request=request, queryset=levels, serializer_class=self.OutputSerializer)


def movements_schema(operation_id: str, summary: str, request, *, conflict: bool = True):
    """The OpenAPI description of a stock movement endpoint: an Idempotency-Key, 201 when recorded, 200 when
    the key was seen before; 409 where stock can run short."""
    errors = (400, 403, 404, 409) if conflict else (400, 403, 404)
    return extend_schema(
        operation_id=operation_id,
        tags=["stock"],
        summary=summary,
        request=request,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: MovementsOutputSerializer, 200: MovementsOutputSerializer, **error_responses(*errors)},
    )


def _recorded(values, request, key) -> dict:
    """What every stock movement records besides its quantities: why, the document, who, its idempotency key."""
    return {"reason": values["reason"], "reference": values["reference"], "actor": request.user, "idempotency_key": key}


class StockAdjustmentCreateApi(MovementsCreateApi):
    @extend_schema_serializer(component_name="StockAdjustment")
    class InputSerializer(StrictSerializer):
        sku = serializers.CharField(max_length=64)
        warehouse = serializers.CharField(max_length=32)
        quantity = serializers.IntegerField(help_text="Signed change of on hand; negative takes units away.")
        reason = serializers.CharField(max_length=255)
        pool = serializers.ChoiceField(choices=Pool.choices, required=False, default=Pool.SPOT)
        reference = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")

    @movements_schema("stock_adjust", "Adjust on hand by a signed quantity, with a reason", InputSerializer)
    def post(self, request):
        return self.record(
            request,
            lambda v, key: stock_adjust(
                sku=sku_get(code=v["sku"]),
                warehouse=visible_location(request.user, v["warehouse"]),
                quantity=v["quantity"],
                pool=v["pool"],
                **_recorded(v, request, key),
            ),
        )


class StockReceiptCreateApi(MovementsCreateApi):
    @extend_schema_serializer(component_name="StockReceipt")
    class InputSerializer(StrictSerializer):
        warehouse = serializers.CharField(max_length=32)
        lines = LineInputSerializer(many=True, allow_empty=False)
        reference = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
        reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
        pool = serializers.ChoiceField(choices=Pool.choices, required=False, default=Pool.SPOT)

    @movements_schema("stock_receive", "Record goods received at a location", InputSerializer, conflict=False)
    def post(self, request):
        return self.record(
            request,
            lambda v, key: stock_receive(
                warehouse=visible_location(request.user, v["warehouse"]),
                lines=_lines(v["lines"]),
                pool=v["pool"],
                **_recorded(v, request, key),
            ),
        )


class StockTransferCreateApi(MovementsCreateApi):
    @extend_schema_serializer(component_name="StockTransfer")
    class InputSerializer(StrictSerializer):
        from_warehouse = serializers.CharField(max_length=32)
        to_warehouse = serializers.CharField(max_length=32)
        lines = LineInputSerializer(many=True, allow_empty=False)
        reason = serializers.CharField(max_length=255)
        reference = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
        from_pool = serializers.ChoiceField(choices=Pool.choices, required=False, default=Pool.SPOT)
        to_pool = serializers.ChoiceField(choices=Pool.choices, required=False, default=Pool.SPOT)

    @movements_schema(
        "stock_transfer", "Move available units between locations or pools (all lines or none)", InputSerializer
    )
    def post(self, request):
        return self.record(
            request,
            lambda v, key: stock_transfer(
                from_warehouse=visible_location(request.user, v["from_warehouse"]),
                to_warehouse=visible_location(request.user, v["to_warehouse"]),
                lines=_lines(v["lines"]),
                from_pool=v["from_pool"],
                to_pool=v["to_pool"],
                **_recorded(v, request, key),
            ),
        )


class StockCountCreateApi(APIView):
    permission_classes = [IsAuthenticated, permission_required(ADJUST)]
    parser_classes = [JSONParser]

    @extend_schema_serializer(component_name="StockCountInput")
    class InputSerializer(StrictSerializer):
        warehouse = serializers.CharField(max_length=32)
        reason = serializers.CharField(max_length=255)
        lines = CountLineInputSerializer(many=True, allow_empty=False)
        apply = serializers.BooleanField(required=False, default=True, help_text="Apply the differences now.")

    @extend_schema_serializer(component_name="StockCount")
    class OutputSerializer(serializers.Serializer):
        count = serializers.CharField(source="reference", help_text="The count's reference.")
        warehouse = serializers.CharField(source="warehouse.code")
        state = serializers.CharField()
        lines = inline_serializer(
            name="StockCountLine",
            many=True,
            fields={
                "sku": serializers.CharField(source="sku.code", help_text="SKU code."),
                "pool": serializers.ChoiceField(choices=Pool.choices),
                "system": serializers.IntegerField(source="system_quantity"),
                "counted": serializers.IntegerField(source="counted_quantity"),
                "difference": serializers.IntegerField(help_text="counted − system."),
            },
        )

    @extend_schema(
        operation_id="stock_count",
        tags=["stock"],
        summary="Record a stock count (盘点) and apply its differences",
        request=InputSerializer,
        responses={201: OutputSerializer, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        warehouse = visible_location(request.user, v["warehouse"])
        lines = [(sku_get(code=line["sku"]), line) for line in v["lines"]]
        count = stock_count_open(warehouse=warehouse, reason=v["reason"], actor=request.user)
        recorded = [
            stock_count_record(count=count, sku=sku, counted_quantity=line["counted"], pool=line["pool"])
            for sku, line in lines
        ]
        if v["apply"]:
            stock_count_apply(count=count, actor=request.user)
            count.refresh_from_db()
        body = {"reference": count.reference, "warehouse": warehouse, "state": count.state, "lines": recorded}
        return Response(self.OutputSerializer(body).data, status=status.HTTP_201_CREATED)


class StockAccuracyApi(APIView):
    class FilterSerializer(serializers.Serializer):
        warehouse = serializers.CharField(required=False, help_text="Location code.")
        since = serializers.DateTimeField(required=False, help_text="Counts applied at or after.")
        until = serializers.DateTimeField(required=False, help_text="Counts applied before.")

    # Serializes the dict built by inventory.selectors.stock_accuracy_report.
    @extend_schema_serializer(component_name="StockAccuracy")
    class OutputSerializer(serializers.Serializer):
        rows = inline_serializer(
            name="StockAccuracyRow",
            many=True,
            fields={
                "count": serializers.CharField(help_text="The count's reference."),
                "applied_at": serializers.DateTimeField(),
                "warehouse": serializers.CharField(help_text="Location code."),
                "sku": serializers.CharField(help_text="SKU code."),
                "sku_name": serializers.CharField(),
                "pool": serializers.ChoiceField(choices=Pool.choices),
                "system": serializers.IntegerField(),
                "counted": serializers.IntegerField(),
                "difference": serializers.IntegerField(),
                "accurate": serializers.BooleanField(),
            },
        )
        lines = serializers.IntegerField()
        accurate_lines = serializers.IntegerField()
        line_accuracy = serializers.DecimalField(
            max_digits=6, decimal_places=4, allow_null=True, help_text="Lines exactly right / lines; null: none."
        )
        system_units = serializers.IntegerField()
        counted_units = serializers.IntegerField()
        difference_units = serializers.IntegerField()
        unit_accuracy = serializers.DecimalField(
            max_digits=6, decimal_places=4, allow_null=True, help_text="1 − Σ|difference| / Σ system units."
        )

    @extend_schema(
        operation_id="stock_accuracy",
        tags=["stock"],
        summary="Inventory-accuracy report over applied counts (system vs counted)",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer, **error_responses(400, 404)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        v = filters.validated_data
        warehouse = visible_location(request.user, v["warehouse"]) if v.get("warehouse") else None
        report = stock_accuracy_report(
            user=request.user, warehouse=warehouse, since=v.get("since"), until=v.get("until")
        )
        return Response(self.OutputSerializer(report).data)


class ReservationListApi(APIView):
    class FilterSerializer(serializers.Serializer):
        order = serializers.CharField(help_text="Order number.")

    @extend_schema(
        operation_id="stock_reservations",
        tags=["stock"],
        summary="The stock reservations of one order, at the locations you may see",
        parameters=[FilterSerializer],
        responses={200: ReservationOutputSerializer(many=True), **error_responses(400)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        reservations = reservation_list(user=request.user, reference=filters.validated_data["order"])
        return Response(ReservationOutputSerializer(reservations, many=True).data)
