"""Orders: the list (filters, pages, following changes) and one order's detail."""

from __future__ import annotations

from drf_spectacular.utils import (
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import (
    error_responses,
    paginated_response,
)
from config.feed import FollowPagination
from orders.api.filters import order_list_filter
from orders.api.serializers import (
    OrderDetailOutputSerializer,
    StatusListField,
    money,
)
from orders.api.views.common import ORDER_NUMBER, order_not_found
from orders.models import Order, Platform
from orders.selectors import order_get_for_user, order_list_for_user
from orders.states import HoldReason, Status

# What ``OrderListApi.OutputSerializer`` reads of an order, and the cursor of the change feed (config.feed).
LIST_COLUMNS = (
    "number",
    "shop__code",
    "shop__platform",
    "external_id",
    "status",
    "hold_reason",
    "paid_amount",
    "currency",
    "created_at",
    "paid_at",
    "promised_ship_at",
    "consignee_name",
    "changed_at",
    "change_seq",
)


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

        # What the fields above render, read straight off the order and its shop: DRF's generic path costs
        # several calls per field of each of the page's 50 rows. The amount and the times are rendered by their
        # own fields; the other values are the order's strings as they are. (A comment, not a docstring: the
        # schema would show it.) tests/orders/api/test_order_list_api.py holds both paths equal.
        def to_representation(self, order):
            fields = self.fields
            shop = order.shop
            when = fields["created_at"].to_representation
            return {
                "number": order.number,
                "shop": shop.code,
                "platform": shop.platform,
                "external_id": order.external_id,
                "status": order.status,
                "hold_reason": order.hold_reason,
                "paid_amount": fields["paid_amount"].to_representation(order.paid_amount),
                "currency": order.currency,
                "created_at": when(order.created_at),
                "paid_at": None if order.paid_at is None else when(order.paid_at),
                "promised_ship_at": None if order.promised_ship_at is None else when(order.promised_ship_at),
                "consignee_name": order.consignee_name,
                "changed_at": None if order.changed_at is None else when(order.changed_at),
            }

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
        # Only the columns a row shows (and the change feed's cursor): 16 of the order's 41, its shop's code and
        # platform, no warehouse.
        orders = orders.select_related(None).select_related("shop").only(*LIST_COLUMNS)
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
