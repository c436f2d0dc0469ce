"""Tracking pushes from carriers and aggregators, stored before they are processed."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ErrorSerializer, error_responses
from fulfilment.exceptions import TrackingPushRefused
from fulfilment.services import tracking_push_receive


class TrackingPushApi(APIView):
    """A carrier pushes tracking events. Authenticated by the ``X-Tracking-Token`` header when
    ``FULFILMENT_TRACKING_PUSH_TOKEN`` is set, else only staff may post (the sandbox, tests)."""

    permission_classes = [permissions.AllowAny]  # the token (or staff session) is checked in post()

    @extend_schema_serializer(component_name="TrackingPush")
    class InputSerializer(serializers.Serializer):
        tracking_number = serializers.CharField(required=False)
        events = serializers.ListField(child=serializers.DictField(), required=False)
        items = serializers.ListField(child=serializers.DictField(), required=False)

    @extend_schema_serializer(component_name="TrackingPushAccepted")
    class OutputSerializer(serializers.Serializer):
        push = serializers.IntegerField(source="pk", help_text="The stored push; it is processed in the background.")
        status = serializers.CharField()

    @extend_schema(
        operation_id="tracking_push_receive",
        summary="A carrier pushes tracking events",
        parameters=[
            OpenApiParameter(
                "X-Tracking-Token",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="The shared token, when FULFILMENT_TRACKING_PUSH_TOKEN is set.",
            )
        ],
        request=InputSerializer,
        responses={
            202: OutputSerializer,
            **error_responses(400),
            403: OpenApiResponse(
                ErrorSerializer,
                description="`bad_token`: X-Tracking-Token missing or wrong; `not_configured`: no token is set "
                "and the caller is not staff.",
            ),
        },
    )
    def post(self, request, carrier_code: str):
        token = settings.FULFILMENT_TRACKING_PUSH_TOKEN
        given = request.headers.get("X-Tracking-Token", "")
        if token:
            if not hmac.compare_digest(token, given):
                raise TrackingPushRefused(_("X-Tracking-Token is missing or wrong."), code="bad_token")
        elif not (request.user and request.user.is_authenticated and request.user.is_staff):
            raise TrackingPushRefused(_("Tracking pushes need FULFILMENT_TRACKING_PUSH_TOKEN."), code="not_configured")
        push = tracking_push_receive(carrier_code=carrier_code, body=request.data)
        return Response(self.OutputSerializer(push).data, status=status.HTTP_202_ACCEPTED)
