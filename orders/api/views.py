"""The shop and order API under /api/v1/: one small view per operation.

Each view parses its input, calls one selector or service and renders the result. Who sees what is decided
by the selectors (``orders.selectors``); what a role may do by model permissions (``orders.roles``).
Errors are ``{"code", "message", "extra"}`` (config.api.exception_handler).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
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
from config.errors import NotFound
from config.feed import FollowPagination
from orders.api.filters import order_list_filter
from orders.api.serializers import (
    INITIAL_STATUS_CHOICES,
    AmountsInputSerializer,
    BuyerInputSerializer,
    ConsigneeInputSerializer,
    LineInputSerializer,
    OrderDetailOutputSerializer,
    ShopOutputSerializer,
    StatusListField,
    VisibleWarehouseField,
    WebhookSecretField,
    money,
)
from orders.catalog import shop_create, shop_update
from orders.exceptions import ShopNotFound
from orders.models import Order, Platform, Queue, Shop
from orders.selectors import order_get_for_user, order_list_for_user, shop_list_for_user
from orders.services import LineInput, OrderInput, order_request_hash, order_submit
from orders.states import HoldReason, Status

IDEMPOTENCY_KEY_MAX = 255

SHOP_CODE = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description="Shop code.")
ORDER_NUMBER = OpenApiParameter(
    "number", OpenApiTypes.STR, OpenApiParameter.PATH, description="Order Hub order number, e.g. OH20250101000001."
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Makes the submission safe to retry (up to 255 characters, unique per request, e.g. a UUID). The same "
        "key with the same body returns the order it created (200) however often it is sent; the same key "
        "with a different body is refused with 409 `idempotency_key_reused`."
    ),
)


def location_header(*statuses: int) -> OpenApiParameter:
    return OpenApiParameter(
        "Location",
        OpenApiTypes.URI,
        OpenApiParameter.HEADER,
        response=list(statuses),
        description="URL of the resource.",
    )


def visible_shop(user, code: str) -> Shop:
    shop = shop_list_for_user(user).select_related("default_warehouse").filter(code=code).first()
    if shop is None:
        raise ShopNotFound(
            _("shop: no shop with code %(code)r.") % {"code": code}, extra={"field": "shop", "shop": code}
        )
    return shop


# --- shops --------------------------------------------------------------------------------------------------


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


# --- orders -------------------------------------------------------------------------------------------------


class OrderListApi(APIView):
    pagination_class = FollowPagination

    class FilterSerializer(serializers.Serializer):
        shop = serializers.SlugField(required=False, help_text="Shop code.")
        status = StatusListField(
            required=False, help_text="Repeat (`status=paid&status=on_hold`) or comma-separate (`status=paid,on_hold`)."
        )
        external_id = serializers.CharField(required=False, help_text="The platform's order id.")
        created_after = serializers.DateTimeField(
            required=False, help_text="ISO 8601; orders created at or after this time."
        )
        created_before = serializers.DateTimeField(
            required=False, help_text="ISO 8601; orders created before this time."
        )

    @extend_schema_serializer(component_name="OrderListItem")
    class OutputSerializer(serializers.Serializer):
        number = serializers.CharField()
        shop = serializers.CharField(source="shop.code")
        platform = serializers.ChoiceField(source="shop.platform", choices=Platform.choices)
        external_id = serializers.CharField()
        status = serializers.ChoiceField(choices=Status.choices)
        hold_reason = serializers.ChoiceField(choices=HoldReason.choices, allow_blank=True)
        paid_amount = money()
        currency = serializers.CharField()
        created_at = serializers.DateTimeField()
        paid_at = serializers.DateTimeField(allow_null=True)
        promised_ship_at = serializers.DateTimeField(allow_null=True)
        consignee_name = serializers.CharField()
        changed_at = serializers.DateTimeField(
            allow_null=True, help_text="When the order last changed (null: not since following began)."
        )

    @extend_schema(
        operation_id="order_list",
        tags=["orders"],
        summary="List the orders you may see, newest first — or follow their changes",
        description=(
            "Without `cursor` or `updated_after`: newest first, paged by number. With either: every change "
            "in the order the database committed it, after the cursor, never one missed or twice; follow "
            "`next` (see docs/api.md, Following changes)."
        ),
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        orders = order_list_filter(order_list_for_user(request.user), filters=filters.validated_data)
        return paginated_response(view=self, request=request, queryset=orders, serializer_class=self.OutputSerializer)


class OrderDetailApi(APIView):
    @extend_schema(
        operation_id="order_get",
        tags=["orders"],
        summary="One order with its lines, consignee, amounts and timeline",
        description="The consignee's phone and address are masked for roles that may not see personal data.",
        parameters=[ORDER_NUMBER],
        responses={200: OrderDetailOutputSerializer, **error_responses(404)},
    )
    def get(self, request, number: str):
        try:
            order = order_get_for_user(request.user, number=number)
        except Order.DoesNotExist:
            raise order_not_found(number) from None
        return Response(OrderDetailOutputSerializer(order, context={"request": request}).data)


def order_not_found(number: str) -> NotFound:
    """The same answer for a missing order and for one the user may not see."""
    return NotFound(_("No order %(number)s.") % {"number": number}, code="order_not_found", extra={"number": number})


class OrderCreateApi(APIView):
    permission_classes = [IsAuthenticated, permission_required("orders.add_order")]
    parser_classes = [JSONParser]

    @extend_schema_serializer(component_name="OrderCreate")
    class InputSerializer(StrictSerializer):
        shop = serializers.SlugField(max_length=32, help_text="Code of the shop the order was placed in.")
        external_id = serializers.CharField(max_length=64, help_text="Your order id; unique per shop.")
        status = serializers.ChoiceField(choices=INITIAL_STATUS_CHOICES, required=False, default=Status.PENDING_PAYMENT)
        buyer = BuyerInputSerializer(required=False)
        consignee = ConsigneeInputSerializer(required=False)
        buyer_remark = serializers.CharField(required=False, allow_blank=True, max_length=2000)
        seller_memo = serializers.CharField(required=False, allow_blank=True, max_length=2000)
        currency = serializers.RegexField(r"^[A-Z]{3}$", required=False, default="CNY", help_text="ISO 4217 code.")
        amounts = AmountsInputSerializer(required=False)
        payment_method = serializers.CharField(required=False, allow_blank=True, max_length=32)
        placed_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Defaults to now.")
        paid_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Required when status is paid.")
        promised_ship_at = serializers.DateTimeField(
            required=False, allow_null=True, help_text="Defaults to paid_at + the shop's ship_within_hours."
        )
        tags = serializers.ListField(
            child=serializers.CharField(max_length=32), required=False, max_length=20, default=list
        )
        priority = serializers.IntegerField(min_value=-32768, max_value=32767, required=False, default=0)
        queue = serializers.ChoiceField(choices=Queue.choices, required=False, default=Queue.NORMAL)
        lines = LineInputSerializer(many=True, allow_empty=False, max_length=500)

    @extend_schema(
        operation_id="order_create",
        tags=["orders"],
        summary="Submit an order (partner systems)",
        description=(
            "A partner system (own website, mini-program, POS) submits an order for a shop it may work on. "
            "Amounts are decimal strings with at most two decimal places; totals left out are computed from "
            "the lines, totals given must add up. Send an `Idempotency-Key` to make retries safe. Without "
            "one, a second order with the same `external_id` for the shop is refused with 409 "
            "`duplicate_order` (its number is in `extra.order_number`)."
        ),
        parameters=[IDEMPOTENCY_KEY, location_header(200, 201)],
        request=InputSerializer,
        responses={
            201: OpenApiResponse(OrderDetailOutputSerializer, description="The order was created."),
            200: OpenApiResponse(
                OrderDetailOutputSerializer,
                description="This Idempotency-Key was already used with this body: the order it created.",
            ),
            **error_responses(400, 403, 404, 409),
        },
        examples=[
            OpenApiExample(
                "A paid website order",
                request_only=True,
                value={
                    "shop": "website",
                    "external_id": "W20250101-0001",
                    "status": "paid",
                    "buyer": {"id": "u-1001", "nick": "小王"},
                    "consignee": {
                        "name": "张三",
                        "phone": "13812345678",
                        "province": "浙江省",
                        "city": "杭州市",
                        "district": "西湖区",
                        "address": "文三路100号2幢301室",
                    },
                    "amounts": {"discount_merchant": "10.00", "shipping_fee": "8.00", "paid_amount": "196.00"},
                    "paid_at": "2025-01-01T10:00:00+08:00",
                    "lines": [
                        {"sku": "SKU-0009", "quantity": 2, "unit_price": "99.00", "discount": "10.00"},
                    ],
                },
            )
        ],
    )
    def post(self, request):
        key = request.headers.get("Idempotency-Key", "")
        if len(key) > IDEMPOTENCY_KEY_MAX:
            raise serializers.ValidationError({"Idempotency-Key": [f"At most {IDEMPOTENCY_KEY_MAX} characters."]})
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        shop = visible_shop(request.user, serializer.validated_data["shop"])
        order, created = order_submit(
            user=request.user,
            shop=shop,
            data=order_input_from(serializer.validated_data),
            idempotency_key=key,
            request_hash=order_request_hash(request.data),
        )
        order = order_get_for_user(request.user, number=order.number)
        location = request.build_absolute_uri(reverse("api-order-detail", kwargs={"number": order.number}))
        return Response(
            OrderDetailOutputSerializer(order, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers={"Location": location},
        )


def order_input_from(data: dict[str, Any]) -> OrderInput:
    """The API's order body in Order Hub's standard form; what was left out keeps ``OrderInput``'s default."""
    buyer = data.get("buyer", {})
    consignee = data.get("consignee", {})
    amounts = data.get("amounts", {})
    fields = {
        "status": data.get("status"),
        "buyer_id": buyer.get("id"),
        "buyer_nick": buyer.get("nick"),
        "buyer_level": buyer.get("level"),
        "buyer_email": buyer.get("email"),
        "consignee_name": consignee.get("name"),
        "consignee_phone": consignee.get("phone"),
        "country": consignee.get("country"),
        "province": consignee.get("province"),
        "city": consignee.get("city"),
        "district": consignee.get("district"),
        "address": consignee.get("address"),
        "postal_code": consignee.get("postal_code"),
        "buyer_remark": data.get("buyer_remark"),
        "seller_memo": data.get("seller_memo"),
        "currency": data.get("currency"),
        "goods_amount": amounts.get("goods_amount"),
        "discount_platform": amounts.get("discount_platform"),
        "discount_merchant": amounts.get("discount_merchant"),
        "shipping_fee": amounts.get("shipping_fee"),
        "paid_amount": amounts.get("paid_amount"),
        "payment_method": data.get("payment_method"),
        "placed_at": data.get("placed_at"),
        "paid_at": data.get("paid_at"),
        "promised_ship_at": data.get("promised_ship_at"),
        "tags": data.get("tags"),
        "priority": data.get("priority"),
        "queue": data.get("queue"),
    }
    lines = [
        LineInput(
            sku_code=line["sku"],
            quantity=line["quantity"],
            unit_price=line["unit_price"],
            discount=line["discount"],
            is_gift=line["is_gift"],
            title=line["title"],
            external_line_id=line["external_line_id"],
        )
        for line in data["lines"]
    ]
    return OrderInput(
        external_id=data["external_id"],
        lines=lines,
        **{name: value for name, value in fields.items() if value is not None},
    )
