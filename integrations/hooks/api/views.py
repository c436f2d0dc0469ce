"""``/api/v1/webhooks/``: a partner subscribes its URLs to events, reads each subscription's delivery log,
replays a delivery and resumes a paused subscription. A user sees only their own subscriptions."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import Pagination, StrictSerializer, error_responses, paginated_response
from integrations.exceptions import WebhookDeliveryBusy
from integrations.hooks.events import EVENT_TYPES
from integrations.hooks.selectors import (
    delivery_get,
    delivery_list,
    subscription_get_for_user,
    subscription_list_for_user,
)
from integrations.hooks.services import (
    delivery_replay,
    subscription_create,
    subscription_delete,
    subscription_resume,
    subscription_update,
)
from integrations.models import WorkStatus

WEBHOOK_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Subscription id.")
DELIVERY_ID = OpenApiParameter("delivery_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Delivery id.")
EVENTS_HELP = "Event types: " + ", ".join(EVENT_TYPES) + "."
SECRET_HELP = "Write-only, at least 16 characters: the key of the X-OrderHub-Signature HMAC. Never returned."


@extend_schema_serializer(component_name="WebhookSubscription")
class SubscriptionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.CharField(), help_text=EVENTS_HELP)
    is_paused = serializers.BooleanField(help_text="True: nothing is sent until it is resumed.")
    paused_at = serializers.DateTimeField(allow_null=True)
    pause_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="WebhookDelivery")
class DeliveryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event_id = serializers.UUIDField(source="event.id", help_text="The id in the body; the same on every attempt.")
    event_type = serializers.CharField(source="event.type")
    status = serializers.ChoiceField(choices=WorkStatus.choices, help_text="dead = parked after the last attempt.")
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField()
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    response_status = serializers.IntegerField(allow_null=True, help_text="Your endpoint's last HTTP status.")
    last_error = serializers.CharField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True, help_text="When your endpoint answered 2xx.")
    body = serializers.CharField(help_text="The exact JSON body sent.")


class WebhookListApi(APIView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="webhook_list",
        tags=["webhooks"],
        summary="Your webhook subscriptions",
        responses={200: SubscriptionOutputSerializer(many=True), **error_responses()},
    )
    def get(self, request):
        return paginated_response(
            view=self,
            request=request,
            queryset=subscription_list_for_user(request.user),
            serializer_class=SubscriptionOutputSerializer,
        )


class WebhookCreateApi(APIView):
    parser_classes = [JSONParser]

    class InputSerializer(StrictSerializer):
        url = serializers.URLField(max_length=500, help_text="http(s) URL on a public address.")
        events = serializers.ListField(child=serializers.CharField(max_length=32), help_text=EVENTS_HELP)
        secret = serializers.CharField(write_only=True, max_length=256, help_text=SECRET_HELP)

    @extend_schema(
        operation_id="webhook_create",
        tags=["webhooks"],
        summary="Subscribe a URL to events",
        request=InputSerializer,
        responses={201: SubscriptionOutputSerializer, **error_responses(400)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = subscription_create(owner=request.user, **data.validated_data)
        return Response(SubscriptionOutputSerializer(subscription).data, status=status.HTTP_201_CREATED)


class WebhookDetailApi(APIView):
    @extend_schema(
        operation_id="webhook_get",
        tags=["webhooks"],
        summary="One of your webhook subscriptions",
        parameters=[WEBHOOK_ID],
        responses={200: SubscriptionOutputSerializer, **error_responses(404)},
    )
    def get(self, request, id: int):
        return Response(SubscriptionOutputSerializer(subscription_get_for_user(request.user, subscription_id=id)).data)


class WebhookUpdateApi(APIView):
    parser_classes = [JSONParser]

    class InputSerializer(StrictSerializer):
        url = serializers.URLField(max_length=500, required=False)
        events = serializers.ListField(
            child=serializers.CharField(max_length=32), required=False, help_text=EVENTS_HELP
        )
        secret = serializers.CharField(write_only=True, max_length=256, required=False, help_text=SECRET_HELP)

    @extend_schema(
        operation_id="webhook_update",
        tags=["webhooks"],
        summary="Change a subscription's URL, events or secret",
        parameters=[WEBHOOK_ID],
        request=InputSerializer,
        responses={200: SubscriptionOutputSerializer, **error_responses(400, 404)},
    )
    def patch(self, request, id: int):
        subscription = subscription_get_for_user(request.user, subscription_id=id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = subscription_update(subscription=subscription, **data.validated_data)
        return Response(SubscriptionOutputSerializer(subscription).data)


class WebhookDeleteApi(APIView):
    @extend_schema(
        operation_id="webhook_delete",
        tags=["webhooks"],
        summary="Unsubscribe (the delivery log goes with it)",
        parameters=[WEBHOOK_ID],
        responses={204: None, **error_responses(404)},
    )
    def delete(self, request, id: int):
        subscription_delete(subscription=subscription_get_for_user(request.user, subscription_id=id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookResumeApi(APIView):
    @extend_schema(
        operation_id="webhook_resume",
        tags=["webhooks"],
        summary="Resume a paused subscription (its waiting deliveries are sent now)",
        parameters=[WEBHOOK_ID],
        request=None,
        responses={200: SubscriptionOutputSerializer, **error_responses(404)},
    )
    def post(self, request, id: int):
        subscription = subscription_get_for_user(request.user, subscription_id=id)
        subscription_resume(subscription=subscription)
        return Response(SubscriptionOutputSerializer(subscription).data)


class WebhookDeliveryListApi(APIView):
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=WorkStatus.choices, required=False)

    @extend_schema(
        operation_id="webhook_delivery_list",
        tags=["webhooks"],
        summary="A subscription's delivery log, newest first",
        parameters=[WEBHOOK_ID, FilterSerializer],
        responses={200: DeliveryOutputSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request, id: int):
        subscription = subscription_get_for_user(request.user, subscription_id=id)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return paginated_response(
            view=self,
            request=request,
            queryset=delivery_list(subscription=subscription, status=filters.validated_data.get("status", "")),
            serializer_class=DeliveryOutputSerializer,
        )


class WebhookDeliveryReplayApi(APIView):
    @extend_schema(
        operation_id="webhook_delivery_replay",
        tags=["webhooks"],
        summary="Send a parked or delivered delivery again (same body, same event id)",
        parameters=[WEBHOOK_ID, DELIVERY_ID],
        request=None,
        responses={202: DeliveryOutputSerializer, **error_responses(404, 409)},
    )
    def post(self, request, id: int, delivery_id: int):
        subscription = subscription_get_for_user(request.user, subscription_id=id)
        delivery = delivery_get(subscription=subscription, delivery_id=delivery_id)
        if not delivery_replay(delivery=delivery):
            raise WebhookDeliveryBusy(
                _(
                    "Delivery %(id)s is still on its way (%(status)s): only a parked (dead) or delivered (done) "
                    "delivery can be replayed."
                )
                % {"id": delivery.pk, "status": delivery.status},
                extra={"id": delivery.pk, "status": delivery.status},
            )
        delivery.refresh_from_db()
        return Response(DeliveryOutputSerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
