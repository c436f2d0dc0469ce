"""The warehouse and SKU API under /api/v1/: one small view per operation, addressed by code.

Warehouses are listed as the user may see them (django-guardian grants, ``stock_warehouses_for_user``); the
SKU catalogue is shared and needs ``inventory.view_sku``. Creating and changing needs the model's add/change
permission (the 主管 manager role).
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import Pagination, StrictSerializer, error_responses, paginated_response, permission_required
from config.errors import NotFound
from inventory.api.serializers import SKUOutputSerializer, WarehouseOutputSerializer
from inventory.catalog import sku_create, sku_update, warehouse_create, warehouse_update
from inventory.models import SKU, Warehouse
from inventory.selectors import stock_warehouses_for_user

# Which warehouses a user may see is decided with the shop grants, in orders.selectors: the API layer is
# the one place in inventory that reads it (inventory's models and services do not import orders).

WAREHOUSE_CODE = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description="Warehouse code.")
SKU_CODE = OpenApiParameter(
    "code", OpenApiTypes.STR, OpenApiParameter.PATH, description="SKU code (may contain '-', '.', '_' …)."
)
LOCATION = OpenApiParameter(
    "Location", OpenApiTypes.URI, OpenApiParameter.HEADER, response=[201], description="URL of the new resource."
)


def visible_warehouse(user, code: str) -> Warehouse:
    warehouse = stock_warehouses_for_user(user).filter(code=code).first()
    if warehouse is None:
        raise NotFound(_("No warehouse %(code)r.") % {"code": code}, code="warehouse_not_found", extra={"code": code})
    return warehouse


def sku_by_code(code: str) -> SKU:
    sku = SKU.objects.filter(code=code).first()
    if sku is None:
        raise NotFound(_("No SKU %(code)r.") % {"code": code}, code="sku_not_found", extra={"code": code})
    return sku


# --- warehouses ---------------------------------------------------------------------------------------------


class WarehouseListApi(APIView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="warehouse_list",
        tags=["warehouses"],
        summary="List the warehouses, stores and in-transit locations you may see",
        responses={200: WarehouseOutputSerializer(many=True), **error_responses()},
    )
    def get(self, request):
        warehouses = stock_warehouses_for_user(request.user).order_by("priority", "code")
        return paginated_response(
            view=self, request=request, queryset=warehouses, serializer_class=WarehouseOutputSerializer
        )


class WarehouseDetailApi(APIView):
    @extend_schema(
        operation_id="warehouse_get",
        tags=["warehouses"],
        summary="One warehouse",
        parameters=[WAREHOUSE_CODE],
        responses={200: WarehouseOutputSerializer, **error_responses(404)},
    )
    def get(self, request, code: str):
        return Response(WarehouseOutputSerializer(visible_warehouse(request.user, code)).data)


class WarehouseCreateApi(APIView):
    permission_classes = [IsAuthenticated, permission_required("inventory.add_warehouse")]
    parser_classes = [JSONParser]

    @extend_schema_serializer(component_name="WarehouseCreate")
    class InputSerializer(StrictSerializer):
        code = serializers.SlugField(max_length=32)
        name = serializers.CharField(max_length=100)
        kind = serializers.ChoiceField(choices=Warehouse.Kind.choices, required=False, default=Warehouse.Kind.WAREHOUSE)
        province = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
        city = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
        address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        priority = serializers.IntegerField(min_value=0, max_value=32767, required=False, default=100)
        is_active = serializers.BooleanField(required=False, default=True)

    @extend_schema(
        operation_id="warehouse_create",
        tags=["warehouses"],
        summary="Create a warehouse, store or in-transit location (managers)",
        description="You are granted access to the new location.",
        request=InputSerializer,
        parameters=[LOCATION],
        responses={201: WarehouseOutputSerializer, **error_responses(400, 403, 409)},
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        warehouse = warehouse_create(actor=request.user, **serializer.validated_data)
        location = request.build_absolute_uri(reverse("api-warehouse-detail", kwargs={"code": warehouse.code}))
        return Response(
            WarehouseOutputSerializer(warehouse).data, status=status.HTTP_201_CREATED, headers={"Location": location}
        )


class WarehouseUpdateApi(APIView):
    permission_classes = [IsAuthenticated, permission_required("inventory.change_warehouse")]
    parser_classes = [JSONParser]

    @extend_schema_serializer(component_name="WarehouseUpdate")
    class InputSerializer(StrictSerializer):
        """Only the fields sent are changed; the code is fixed."""

        name = serializers.CharField(max_length=100, required=False)
        kind = serializers.ChoiceField(choices=Warehouse.Kind.choices, required=False)
        province = serializers.CharField(max_length=32, required=False, allow_blank=True)
        city = serializers.CharField(max_length=32, required=False, allow_blank=True)
        address = serializers.CharField(max_length=200, required=False, allow_blank=True)
        priority = serializers.IntegerField(min_value=0, max_value=32767, required=False)
        is_active = serializers.BooleanField(required=False)

    @extend_schema(
        operation_id="warehouse_update",
        tags=["warehouses"],
        summary="Change a warehouse (managers)",
        parameters=[WAREHOUSE_CODE],
        request=InputSerializer,
        responses={200: WarehouseOutputSerializer, **error_responses(400, 403, 404)},
    )
    def patch(self, request, code: str):
        warehouse = visible_warehouse(request.user, code)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        warehouse = warehouse_update(warehouse=warehouse, **serializer.validated_data)
        return Response(WarehouseOutputSerializer(warehouse).data)


# --- SKUs ---------------------------------------------------------------------------------------------------


class SKUFilter(django_filters.FilterSet):
    code = django_filters.CharFilter()
    barcode = django_filters.CharFilter()
    search = django_filters.CharFilter(method="filter_search")
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = SKU
        fields = ["code", "barcode", "search", "is_active"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))


class SKUListApi(APIView):
    permission_classes = [IsAuthenticated, permission_required("inventory.view_sku")]
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer):
        code = serializers.CharField(required=False, help_text="Exact SKU code.")
        barcode = serializers.CharField(required=False, help_text="Exact barcode.")
        search = serializers.CharField(required=False, help_text="Part of the name or the code.")
        is_active = serializers.BooleanField(required=False, allow_null=True, default=None)

    @extend_schema(
        operation_id="sku_list",
        tags=["skus"],
        summary="List SKUs",
        parameters=[FilterSerializer],
        responses={200: SKUOutputSerializer(many=True), **error_responses(400, 403, 404)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        given = {name: value for name, value in filters.validated_data.items() if value is not None}
        filterset = SKUFilter(given, queryset=SKU.objects.order_by("code"))
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return paginated_response(
            view=self, request=request, queryset=filterset.qs, serializer_class=SKUOutputSerializer
        )


class SKUDetailApi(APIView):
    permission_classes = [IsAuthenticated, permission_required("inventory.view_sku")]

    @extend_schema(
        operation_id="sku_get",
        tags=["skus"],
        summary="One SKU",
        parameters=[SKU_CODE],
        responses={200: SKUOutputSerializer, **error_responses(403, 404)},
    )
    def get(self, request, code: str):
        return Response(SKUOutputSerializer(sku_by_code(code)).data)


class SKUCreateApi(APIView):
    permission_classes = [IsAuthenticated, permission_required("inventory.add_sku")]
    parser_classes = [JSONParser]

    @extend_schema_serializer(component_name="SKUCreate")
    class InputSerializer(StrictSerializer):
        code = serializers.CharField(max_length=64, help_text="No slashes, spaces, '?', '#' or '%'.")
        barcode = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
        name = serializers.CharField(max_length=200)
        weight_grams = serializers.IntegerField(min_value=0, required=False, default=0)
        is_fragile = serializers.BooleanField(required=False, default=False)
        is_cold_chain = serializers.BooleanField(required=False, default=False)
        is_presale = serializers.BooleanField(required=False, default=False)
        category = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
        attributes = serializers.DictField(required=False, default=dict)
        is_active = serializers.BooleanField(required=False, default=True)

    @extend_schema(
        operation_id="sku_create",
        tags=["skus"],
        summary="Create a SKU (managers)",
        request=InputSerializer,
        parameters=[LOCATION],
        responses={201: SKUOutputSerializer, **error_responses(400, 403, 409)},
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sku = sku_create(**serializer.validated_data)
        location = request.build_absolute_uri(reverse("api-sku-detail", kwargs={"code": sku.code}))
        return Response(SKUOutputSerializer(sku).data, status=status.HTTP_201_CREATED, headers={"Location": location})


class SKUUpdateApi(APIView):
    permission_classes = [IsAuthenticated, permission_required("inventory.change_sku")]
    parser_classes = [JSONParser]

    @extend_schema_serializer(component_name="SKUUpdate")
    class InputSerializer(StrictSerializer):
        """Only the fields sent are changed; the code is fixed (orders refer to it)."""

        barcode = serializers.CharField(max_length=64, required=False, allow_blank=True)
        name = serializers.CharField(max_length=200, required=False)
        weight_grams = serializers.IntegerField(min_value=0, required=False)
        is_fragile = serializers.BooleanField(required=False)
        is_cold_chain = serializers.BooleanField(required=False)
        is_presale = serializers.BooleanField(required=False)
        category = serializers.CharField(max_length=64, required=False, allow_blank=True)
        attributes = serializers.DictField(required=False)
        is_active = serializers.BooleanField(required=False)

    @extend_schema(
        operation_id="sku_update",
        tags=["skus"],
        summary="Change a SKU (managers)",
        parameters=[SKU_CODE],
        request=InputSerializer,
        responses={200: SKUOutputSerializer, **error_responses(400, 403, 404)},
    )
    def patch(self, request, code: str):
        sku = sku_by_code(code)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sku = sku_update(sku=sku, **serializer.validated_data)
        return Response(SKUOutputSerializer(sku).data)
