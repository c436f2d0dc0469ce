"""Actions on one order under /api/v1/orders/<number>/: cancel, hold, release, approve, pay, address, notes.

The order is looked up among those the user may see (404 otherwise, as the detail); each action needs the
role's model permission (403) and goes through one service of ``orders.actions`` (409 with a stable code
when the order's state does not allow it). The answer is the order as ``GET /api/v1/orders/<number>/``
shows it, so a partner sees the result of its action at once.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import StrictSerializer, error_responses, permission_required
from orders.actions import order_address_change, order_approve, order_cancel, order_hold, order_pay, order_release
from orders.api.serializers import EventOutputSerializer, OrderDetailOutputSerializer
from orders.api.views.common import ORDER_NUMBER, order_not_found
from orders.models import Order
from orders.selectors import order_get_for_user
from orders.services import order_note_add

REASON_MAX = 200


def visible_order(user, number: str) -> Order:
    try:
        return order_get_for_user(user, number=number)
    except Order.DoesNotExist:
        raise order_not_found(number) from None


class OrderActionApi(APIView):
    """One action: find the order the user may see, parse the body, call ``act``, answer with the order."""

    permission_classes = [IsAuthenticated, permission_required("orders.change_order")]
    parser_classes = [JSONParser]
    InputSerializer: type[serializers.Serializer]

    def act(self, *, order: Order, user, data: dict) -> None:
        raise NotImplementedError

    def respond(self, request, number: str) -> Response:
        order = visible_order(request.user, number)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.act(order=order, user=request.user, data=serializer.validated_data)
        order = visible_order(request.user, number)
        return Response(OrderDetailOutputSerializer(order, context={"request": request}).data)


def action_schema(operation_id: str, summary: str, description: str, request):
    return extend_schema(
        operation_id=operation_id,
        tags=["orders"],
        summary=summary,
        description=description,
        parameters=[ORDER_NUMBER],
        request=request,
        responses={200: OrderDetailOutputSerializer, **error_responses(400, 403, 404, 409)},
    )


@extend_schema_serializer(component_name="OrderReasonInput")
class ReasonInputSerializer(StrictSerializer):
    reason = serializers.CharField(
        max_length=REASON_MAX, required=False, allow_blank=True, default="", help_text="Shown on the timeline."
    )


class OrderCancelApi(OrderActionApi):
    InputSerializer = ReasonInputSerializer

    @action_schema(
        "order_cancel",
        "Cancel an order whose goods have not left",
        "Pending payment, paid, on hold, approved or picking orders can be cancelled; the stock they reserve is "
        "released. Cancelling a cancelled order changes nothing. Otherwise 409 `invalid_transition`.",
        ReasonInputSerializer,
    )
    def post(self, request, number: str):
        return self.respond(request, number)

    def act(self, *, order, user, data):
        order_cancel(order=order, actor=user, reason=data["reason"])


class OrderHoldApi(OrderActionApi):
    @extend_schema_serializer(component_name="OrderHoldInput")
    class InputSerializer(StrictSerializer):
        reason = serializers.CharField(max_length=REASON_MAX, help_text="Why the order is held; shown to staff.")

    @action_schema(
        "order_hold",
        "Hold an order for a person",
        "A paid, approved or picking order goes on hold (`hold_reason` `manual`) with a task in the review queue. "
        "Holding it again changes nothing. 409 `order_on_hold` when it is held for another reason, "
        "`invalid_transition` in any other status.",
        InputSerializer,
    )
    def post(self, request, number: str):
        return self.respond(request, number)

    def act(self, *, order, user, data):
        order_hold(order=order, actor=user, reason=data["reason"])


class OrderReleaseApi(OrderActionApi):
    InputSerializer = ReasonInputSerializer

    @action_schema(
        "order_release",
        "Release a hold",
        "Lifts a `manual`, `risk`, `address` or `approval` hold: the order goes back to the status it was held "
        "from (back in paid, the automatic review runs again). 409 `order_not_on_hold`, `hold_not_releasable` "
        "(out-of-stock, presale and refund holds are lifted by their own flows) or `approval_pending`.",
        ReasonInputSerializer,
    )
    def post(self, request, number: str):
        return self.respond(request, number)

    def act(self, *, order, user, data):
        order_release(order=order, actor=user, reason=data["reason"])


class OrderApproveApi(OrderActionApi):
    InputSerializer = ReasonInputSerializer

    @action_schema(
        "order_approve",
        "Approve a paid order for the warehouse",
        "Approving an approved order changes nothing. 409 `order_on_hold` (release it first) or `invalid_transition`.",
        ReasonInputSerializer,
    )
    def post(self, request, number: str):
        return self.respond(request, number)

    def act(self, *, order, user, data):
        order_approve(order=order, actor=user, reason=data["reason"])


class OrderPayApi(OrderActionApi):
    @extend_schema_serializer(component_name="OrderPayInput")
    class InputSerializer(StrictSerializer):
        paid_at = serializers.DateTimeField(required=False, allow_null=True, default=None, help_text="Defaults to now.")
        payment_method = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")

    @action_schema(
        "order_pay",
        "Record the payment of an order you submitted unpaid (own website, mini-program, POS)",
        "Its stock is reserved (short: it goes on hold, `out_of_stock`) and the automatic review runs. Paying a "
        "paid order changes nothing. 409 `payment_not_here` for orders of other platforms (paid on the "
        "platform) or not submitted through the API, `invalid_transition` for cancelled or closed orders.",
        InputSerializer,
    )
    def post(self, request, number: str):
        return self.respond(request, number)

    def act(self, *, order, user, data):
        order_pay(order=order, actor=user, paid_at=data["paid_at"], payment_method=data["payment_method"])


# The API's consignee field names → the order's.
ADDRESS_FIELDS = {
    "name": "consignee_name",
    "phone": "consignee_phone",
    "country": "country",
    "province": "province",
    "city": "city",
    "district": "district",
    "address": "address",
    "postal_code": "postal_code",
}


class OrderAddressUpdateApi(OrderActionApi):
    @extend_schema_serializer(component_name="OrderAddressUpdate")
    class InputSerializer(StrictSerializer):
        """Only the fields sent are changed."""

        name = serializers.CharField(max_length=100, required=False, allow_blank=True)
        phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
        country = serializers.RegexField(r"^[A-Z]{2}$", required=False, help_text="ISO 3166 code.")
        province = serializers.CharField(max_length=32, required=False, allow_blank=True)
        city = serializers.CharField(max_length=32, required=False, allow_blank=True)
        district = serializers.CharField(max_length=32, required=False, allow_blank=True)
        address = serializers.CharField(max_length=255, required=False, help_text="The detail address; not empty.")
        postal_code = serializers.CharField(max_length=16, required=False, allow_blank=True)

    @extend_schema(
        operation_id="order_address_update",
        tags=["orders"],
        summary="Change the consignee of an order that has not shipped",
        description=(
            "Recorded on the timeline (which fields changed, not their values). 409 `address_locked` once the "
            "order has shipped, or was cancelled or closed."
        ),
        parameters=[ORDER_NUMBER],
        request=InputSerializer,
        responses={200: OrderDetailOutputSerializer, **error_responses(400, 403, 404, 409)},
    )
    def patch(self, request, number: str):
        return self.respond(request, number)

    def act(self, *, order, user, data):
        order_address_change(order=order, actor=user, **{ADDRESS_FIELDS[name]: value for name, value in data.items()})


class OrderNoteCreateApi(APIView):
    permission_classes = [IsAuthenticated, permission_required("orders.add_orderevent")]
    parser_classes = [JSONParser]

    @extend_schema_serializer(component_name="OrderNoteCreate")
    class InputSerializer(StrictSerializer):
        text = serializers.CharField(max_length=255)

    @extend_schema(
        operation_id="order_note_create",
        tags=["orders"],
        summary="Add a note to an order's timeline",
        parameters=[ORDER_NUMBER],
        request=InputSerializer,
        responses={201: EventOutputSerializer, **error_responses(400, 403, 404)},
    )
    def post(self, request, number: str):
        order = visible_order(request.user, number)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = order_note_add(order=order, text=serializer.validated_data["text"], actor=request.user)
        return Response(EventOutputSerializer(event).data, status=status.HTTP_201_CREATED)
