"""/api/v1/aftersales/: list, create and read cases; approve, reject, receive and refund them. One small view
per operation: parse, call one service or selector, answer with the case as the detail shows it. Cases are
looked up among those of the orders the user may see (404 otherwise); each step needs the role's model
permission (403), and a decision a tier covering the amount (403 ``approval_not_allowed``). Errors are
``{"code", "message", "extra"}``; a step that would take the order past what was paid is 409
``refund_exceeds_paid``."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.api.serializers import CaseOutputSerializer
from aftersales.exceptions import CaseNotFound
from aftersales.models import Case, CaseLine
from aftersales.selectors import case_get_for_user, case_list_for_user
from aftersales.services import (
    LineRequest,
    ReceivedLine,
    case_approve,
    case_create,
    case_receive,
    case_reject,
    refund_execute,
)
from config.api import StrictSerializer, error_responses, paginated_response, permission_required
from config.feed import FollowPagination
from inventory.models import Warehouse
from orders.api.actions import visible_order
from orders.api.serializers import money

CASE_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The case's id.")
TAG = ["aftersales"]


def visible_case(user, case_id: int) -> Case:
    try:
        return case_get_for_user(user, case_id=case_id)
    except Case.DoesNotExist:
        raise CaseNotFound(_("No after-sales case %(id)s.") % {"id": case_id}, extra={"id": case_id}) from None


def case_response(request, case_id: int, code: int = status.HTTP_200_OK) -> Response:
    return Response(CaseOutputSerializer(visible_case(request.user, case_id)).data, status=code)


class CaseListApi(APIView):
    permission_classes = [IsAuthenticated, permission_required("aftersales.view_case")]
    pagination_class = FollowPagination

    class FilterSerializer(serializers.Serializer):
        order = serializers.CharField(required=False, help_text="Order Hub order number.")
        status = serializers.ChoiceField(choices=Case.Status.choices, required=False)
        shop = serializers.SlugField(required=False, help_text="Shop code.")

    @extend_schema(
        operation_id="aftersales_list",
        tags=TAG,
        summary="List the after-sales cases you may see, newest first — or follow their changes",
        description="With `cursor` or `updated_after` the list follows changes like /api/v1/orders/ "
        "(docs/api.md, Following changes).",
        parameters=[FilterSerializer],
        responses={200: CaseOutputSerializer(many=True), **error_responses(400, 403)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        cases = case_list_for_user(request.user).prefetch_related("lines__sku", "decisions__actor")
        data = filters.validated_data
        if "order" in data:
            cases = cases.filter(order__number=data["order"])
        if "status" in data:
            cases = cases.filter(status=data["status"])
        if "shop" in data:
            cases = cases.filter(order__shop__code=data["shop"])
        return paginated_response(view=self, request=request, queryset=cases, serializer_class=CaseOutputSerializer)


class CaseCreateApi(APIView):
    permission_classes = [IsAuthenticated, permission_required("aftersales.add_case")]
    parser_classes = [JSONParser]

    class LineSerializer(StrictSerializer):
        sku = serializers.CharField(max_length=64)
        quantity = serializers.IntegerField(min_value=1)

    @extend_schema_serializer(component_name="AftersalesCaseCreate")
    class InputSerializer(StrictSerializer):
        order = serializers.CharField(help_text="Order Hub order number.")
        kind = serializers.ChoiceField(choices=Case.Kind.choices)
        amount = money(required=False, min_value=0, help_text="Default: what the lines are worth (0 for goods).")
        reason = serializers.CharField(required=False, allow_blank=True, default="", help_text="Free text.")
        reason_code = serializers.ChoiceField(choices=Case.ReasonCode.choices, required=False, default="")
        buyer_words = serializers.CharField(required=False, allow_blank=True, default="")
        deadline_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
        lines = serializers.ListField(child=serializers.DictField(), required=False, default=list)

    @extend_schema(
        operation_id="aftersales_create",
        tags=TAG,
        summary="Open an after-sales case on an order",
        description="A compensation may have no lines. A refund or return on an order not shipped yet stops "
        "it at once. 409 `refund_exceeds_paid` when the amount would take the order past what was paid.",
        request=InputSerializer,
        responses={201: CaseOutputSerializer, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        lines = []
        for raw in data["lines"]:
            line = self.LineSerializer(data=raw)
            line.is_valid(raise_exception=True)
            lines.append(LineRequest(sku_code=line.validated_data["sku"], quantity=line.validated_data["quantity"]))
        order = visible_order(request.user, data["order"])
        case = case_create(
            order=order,
            kind=data["kind"],
            amount=data.get("amount"),
            lines=lines,
            reason=data["reason"],
            reason_code=data["reason_code"],
            buyer_words=data["buyer_words"],
            deadline_at=data["deadline_at"],
            source=Case.Source.API,
            actor=request.user,
            system="api",
        )
        return case_response(request, case.pk, status.HTTP_201_CREATED)


class CaseDetailApi(APIView):
    permission_classes = [IsAuthenticated, permission_required("aftersales.view_case")]

    @extend_schema(
        operation_id="aftersales_get",
        tags=TAG,
        summary="One after-sales case with its lines and decisions",
        parameters=[CASE_ID],
        responses={200: CaseOutputSerializer, **error_responses(403, 404)},
    )
    def get(self, request, id: int):
        return case_response(request, id)


class CaseActionApi(APIView):
    permission_classes = [IsAuthenticated, permission_required("aftersales.change_case")]
    parser_classes = [JSONParser]


class CaseApproveApi(CaseActionApi):
    @extend_schema_serializer(component_name="AftersalesApprove")
    class InputSerializer(StrictSerializer):
        reason = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        operation_id="aftersales_approve",
        tags=TAG,
        summary="Approve a requested case (a tier must cover its amount)",
        parameters=[CASE_ID],
        request=InputSerializer,
        responses={200: CaseOutputSerializer, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request, id: int):
        body = self.InputSerializer(data=request.data or {})
        body.is_valid(raise_exception=True)
        case_approve(case=visible_case(request.user, id), actor=request.user, reason=body.validated_data["reason"])
        return case_response(request, id)


class CaseRejectApi(CaseActionApi):
    @extend_schema_serializer(component_name="AftersalesReject")
    class InputSerializer(StrictSerializer):
        reason = serializers.CharField()

    @extend_schema(
        operation_id="aftersales_reject",
        tags=TAG,
        summary="Reject a case (the reason is required); its order goes back where it was",
        parameters=[CASE_ID],
        request=InputSerializer,
        responses={200: CaseOutputSerializer, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request, id: int):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case_reject(case=visible_case(request.user, id), actor=request.user, reason=body.validated_data["reason"])
        return case_response(request, id)


class CaseReceiveApi(CaseActionApi):
    class LineSerializer(StrictSerializer):
        sku = serializers.CharField(max_length=64)
        quantity = serializers.IntegerField(min_value=0)
        condition = serializers.ChoiceField(choices=CaseLine.Condition.choices)

    @extend_schema_serializer(component_name="AftersalesReceive")
    class InputSerializer(StrictSerializer):
        lines = serializers.ListField(child=serializers.DictField(), required=False, default=list)
        warehouse = serializers.CharField(
            required=False, default="", help_text="Only when neither the order nor its shop has a warehouse."
        )

    @extend_schema(
        operation_id="aftersales_receive",
        tags=TAG,
        summary="Record the returned parcel: good lines go back to sellable stock",
        description="No lines: every line arrived in good condition. Restocked at the order's warehouse, else "
        "the shop's default, else `warehouse`.",
        parameters=[CASE_ID],
        request=InputSerializer,
        responses={200: CaseOutputSerializer, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request, id: int):
        body = self.InputSerializer(data=request.data or {})
        body.is_valid(raise_exception=True)
        lines = []
        for raw in body.validated_data["lines"]:
            line = self.LineSerializer(data=raw)
            line.is_valid(raise_exception=True)
            v = line.validated_data
            lines.append(ReceivedLine(sku_code=v["sku"], quantity=v["quantity"], condition=v["condition"]))
        code = body.validated_data["warehouse"]
        warehouse = Warehouse.objects.filter(code=code).first() if code else None
        case_receive(case=visible_case(request.user, id), lines=lines, warehouse=warehouse, actor=request.user)
        return case_response(request, id)


class CaseRefundApi(CaseActionApi):
    @extend_schema(
        operation_id="aftersales_refund",
        tags=TAG,
        summary="Give the case's money back (once; again returns the same execution)",
        description="On the platform for platform orders, through the payment provider for own-site orders, "
        "else recorded as refunded offline by staff.",
        parameters=[CASE_ID],
        request=None,
        responses={200: CaseOutputSerializer, **error_responses(403, 404, 409)},
    )
    def post(self, request, id: int):
        refund_execute(case=visible_case(request.user, id), actor=request.user, system="api")
        return case_response(request, id)
