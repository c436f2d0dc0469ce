"""Shops: list, read, create, update (by code)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import (
    Pagination,
    StrictSerializer,
    error_responses,
    paginated_response,
    permission_required,
)
from orders.api.serializers import (
    ShopOutputSerializer,
    VisibleWarehouseField,
    WebhookSecretField,
)
from orders.api.views.common import SHOP_CODE, location_header, visible_shop
from orders.catalog import shop_create, shop_update
from orders.models import Platform
from orders.selectors import shop_list_for_user


class ShopListApi(APIView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="shop_list",
        tags=["shops"],
        summary="List the shops you may see",
        responses={200: ShopOutputSerializer(many=True), **error_responses()},
    )
    def get(self, request):
        shops = shop_list_for_user(request.user).select_related("default_warehouse").order_by("code")
        return paginated_response(view=self, request=request, queryset=shops, serializer_class=ShopOutputSerializer)


class ShopDetailApi(APIView):
    @extend_schema(
        operation_id="shop_get",
        tags=["shops"],
        summary="One shop",
        parameters=[SHOP_CODE],
        responses={200: ShopOutputSerializer, **error_responses(404)},
    )
    def get(self, request, code: str):
        return Response(ShopOutputSerializer(visible_shop(request.user, code)).data)


class ShopCreateApi(APIView):
    permission_classes = [IsAuthenticated, permission_required("orders.add_shop")]
    parser_classes = [JSONParser]

    @extend_schema_serializer(component_name="ShopCreate")
    class InputSerializer(StrictSerializer):
        code = serializers.SlugField(max_length=32)
        name = serializers.CharField(max_length=100)
        platform = serializers.ChoiceField(choices=Platform.choices)
        platform_shop_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
        default_warehouse = VisibleWarehouseField(
            required=False, allow_null=True, default=None, help_text="Warehouse code, or null."
        )
        ship_within_hours = serializers.IntegerField(min_value=1, max_value=32767, required=False, default=48)
        is_active = serializers.BooleanField(required=False, default=True)
        webhook_secret = WebhookSecretField()

    @extend_schema(
        operation_id="shop_create",
        tags=["shops"],
        summary="Create a shop (managers)",
        description=(
            "You are granted access to the new shop. Platform credentials are not part of this API, except the "
            "write-only `webhook_secret`, which is never returned."
        ),
        request=InputSerializer,
        parameters=[location_header(201)],
        responses={201: ShopOutputSerializer, **error_responses(400, 403, 409)},
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        shop = shop_create(actor=request.user, **serializer.validated_data)
        location = request.build_absolute_uri(reverse("api-shop-detail", kwargs={"code": shop.code}))
        return Response(ShopOutputSerializer(shop).data, status=status.HTTP_201_CREATED, headers={"Location": location})


class ShopUpdateApi(APIView):
    permission_classes = [IsAuthenticated, permission_required("orders.change_shop")]
    parser_classes = [JSONParser]

    @extend_schema_serializer(component_name="ShopUpdate")
    class InputSerializer(StrictSerializer):
        """Only the fields sent are changed. The code and the platform are fixed once a shop exists."""

        name = serializers.CharField(max_length=100, required=False)
        platform_shop_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
        default_warehouse = VisibleWarehouseField(required=False, allow_null=True, help_text="Warehouse code, or null.")
        ship_within_hours = serializers.IntegerField(min_value=1, max_value=32767, required=False)
        is_active = serializers.BooleanField(required=False)
        webhook_secret = WebhookSecretField()

    @extend_schema(
        operation_id="shop_update",
        tags=["shops"],
        summary="Change a shop (managers)",
        parameters=[SHOP_CODE],
        request=InputSerializer,
        responses={200: ShopOutputSerializer, **error_responses(400, 403, 404)},
    )
    def patch(self, request, code: str):
        shop = visible_shop(request.user, code)
        serializer = self.InputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        shop = shop_update(shop=shop, **serializer.validated_data)
        return Response(ShopOutputSerializer(shop).data)
