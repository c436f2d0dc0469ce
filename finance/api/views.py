"""The finance API under /api/v1/finance/: statement upload and status, the difference list.

Who sees what is decided by ``finance.selectors`` (legal entities granted with guardian); what a role may
do by model permissions (``orders.roles``: 财务 holds them).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import Pagination, error_responses, paginated_response, permission_required
from config.tasks import enqueue_on_commit
from finance.api.serializers import (
    DifferenceOutputSerializer,
    StatementSummarySerializer,
    status_list,
    type_list,
)
from finance.exceptions import EntityNotAllowed, StatementNotFound
from finance.models import LegalEntity, Statement
from finance.selectors import difference_list_for_user, entity_list_for_user, statement_list_for_user
from finance.services.statements import (
    statement_import,
    statement_summary,
    statement_upload,
    sync_import_max_bytes,
)
from orders.selectors import shop_list_for_user

STATEMENT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Statement id.")


def _summary(request, statement: Statement) -> dict:
    url = request.build_absolute_uri(reverse("api-finance-statement-detail", kwargs={"pk": statement.pk}))
    return StatementSummarySerializer({**statement_summary(statement), "url": url}).data


class StatementUploadApi(APIView):
    permission_classes = [IsAuthenticated, permission_required("finance.add_statement")]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema_serializer(component_name="StatementUpload")
    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(help_text="The statement file (CSV or XLSX) exactly as downloaded.")
        entity = serializers.SlugField(required=False, help_text="Legal entity code (default: your only one).")
        shop = serializers.SlugField(required=False, help_text="Shop code, when the account is one shop's.")

    @extend_schema(
        operation_id="finance_statement_upload",
        tags=["finance"],
        summary="Upload a statement (multipart)",
        description=(
            "The format is detected from the content (Alipay trade bill and ledger, WeChat Pay, UnionPay, "
            "Taobao/Tmall, JD, Pinduoduo and Douyin settlements, bank statements). Small files are imported at "
            "once (201, with the import summary); large ones in the background (202 — poll the `url`). A file "
            "imported before is refused with 409 `statement_duplicate`; a file in no known format with 400 "
            "`statement_invalid`. Rows that cannot be read are listed in `errors` (row, column, value, reason) "
            "and every other row is imported."
        ),
        request={"multipart/form-data": InputSerializer},
        responses={201: StatementSummarySerializer, 202: StatementSummarySerializer, **error_responses(400, 403, 409)},
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entity = shop = None
        if data.get("entity"):
            entity = entity_list_for_user(request.user).filter(code=data["entity"]).first()
            if entity is None:
                exists = LegalEntity.objects.filter(code=data["entity"]).exists()
                message = (
                    _("entity: you may not use legal entity %(code)r.")
                    if exists
                    else _("entity: no legal entity %(code)r.")
                )
                raise EntityNotAllowed(
                    message % {"code": data["entity"]},
                    extra={"field": "entity"},
                )
        if data.get("shop"):
            shop = shop_list_for_user(request.user).filter(code=data["shop"]).first()
            if shop is None:
                raise serializers.ValidationError({"shop": [f"No shop with code {data['shop']!r} that you may see."]})
        upload = data["file"]
        statement = statement_upload(file=upload, filename=upload.name, user=request.user, entity=entity, shop=shop)
        if statement.size > sync_import_max_bytes():
            enqueue_on_commit("finance.tasks.statement_import", statement.pk)
            return Response(_summary(request, statement), status=status.HTTP_202_ACCEPTED)
        statement = statement_import(statement_id=statement.pk)
        return Response(_summary(request, statement), status=status.HTTP_201_CREATED)


class StatementListApi(APIView):
    permission_classes = [IsAuthenticated, permission_required("finance.view_statement")]
    pagination_class = Pagination

    @extend_schema(
        operation_id="finance_statement_list",
        tags=["finance"],
        summary="Statements you may see, newest first",
        responses={200: StatementSummarySerializer(many=True), **error_responses(403)},
    )
    def get(self, request):
        statements = list(statement_list_for_user(request.user))
        page = Pagination()
        items = page.paginate_queryset(statements, request, view=self)
        return page.get_paginated_response([_summary(request, s) for s in items])


class StatementDetailApi(APIView):
    permission_classes = [IsAuthenticated, permission_required("finance.view_statement")]

    @extend_schema(
        operation_id="finance_statement_get",
        tags=["finance"],
        summary="One statement's import summary (poll it while importing)",
        parameters=[STATEMENT_ID],
        responses={200: StatementSummarySerializer, **error_responses(403, 404)},
    )
    def get(self, request, pk: int):
        statement = statement_list_for_user(request.user).filter(pk=pk).first()
        if statement is None:
            raise StatementNotFound(_("No statement %(pk)s that you may see.") % {"pk": pk}, extra={"statement_id": pk})
        return Response(_summary(request, statement))


class DifferenceListApi(APIView):
    permission_classes = [IsAuthenticated, permission_required("finance.view_difference")]
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer):
        date_from = serializers.DateField(required=False, help_text="Business date on or after (YYYY-MM-DD).")
        date_to = serializers.DateField(required=False, help_text="Business date on or before.")
        type = type_list(required=False, help_text="Difference types, repeated or comma-separated.")
        status = status_list(required=False, help_text="open, investigating, resolved, accepted, auto_closed.")
        shop = serializers.SlugField(required=False, help_text="Shop code.")
        entity = serializers.SlugField(required=False, help_text="Legal entity code.")

        def validate(self, attrs):
            if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
                raise serializers.ValidationError({"date_to": ["Must not be before date_from."]})
            return attrs

    @extend_schema(
        operation_id="finance_difference_list",
        tags=["finance"],
        summary="Reconciliation differences you may see",
        description="Each with its type, expected, actual and difference (actual − expected), and the order, "
        "refund or statement line it concerns. Newest business date first.",
        parameters=[FilterSerializer],
        responses={200: DifferenceOutputSerializer(many=True), **error_responses(400, 403)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        differences = difference_list_for_user(
            request.user,
            date_from=f.get("date_from"),
            date_to=f.get("date_to"),
            types=f.get("type") or None,
            statuses=f.get("status") or None,
            shop_code=f.get("shop"),
            entity_code=f.get("entity"),
        ).order_by("-business_date", "-id")
        return paginated_response(
            view=self, request=request, queryset=differences, serializer_class=DifferenceOutputSerializer
        )
