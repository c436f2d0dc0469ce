"""Partner order submission (POST /api/v1/orders/): idempotent by key and body, in Order Hub's standard form."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiExample,
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
    StrictSerializer,
    error_responses,
    permission_required,
)
from orders.api.serializers import (
    INITIAL_STATUS_CHOICES,
    AmountsInputSerializer,
    BuyerInputSerializer,
    ConsigneeInputSerializer,
    LineInputSerializer,
    OrderDetailOutputSerializer,
)
from orders.api.views.common import (
    IDEMPOTENCY_KEY,
    IDEMPOTENCY_KEY_MAX,
    location_header,
    visible_shop,
)
from orders.models import Queue
from orders.selectors import order_get_for_user
from orders.services import LineInput, OrderInput, order_request_hash, order_submit
from orders.states import Status


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
