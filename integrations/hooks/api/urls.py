"""/api/v1/webhooks/ routes."""

from django.urls import path

from config.api import by_method
from integrations.hooks.api import views

urlpatterns = [
    path(
        "webhooks/",
        by_method("WebhooksApi", get=views.WebhookListApi, post=views.WebhookCreateApi),
        name="api-webhook-list",
    ),
    path(
        "webhooks/<int:id>/",
        by_method(
            "WebhookApi", get=views.WebhookDetailApi, patch=views.WebhookUpdateApi, delete=views.WebhookDeleteApi
        ),
        name="api-webhook-detail",
    ),
    path("webhooks/<int:id>/resume/", views.WebhookResumeApi.as_view(), name="api-webhook-resume"),
    path("webhooks/<int:id>/deliveries/", views.WebhookDeliveryListApi.as_view(), name="api-webhook-deliveries"),
    path(
        "webhooks/<int:id>/deliveries/<int:delivery_id>/replay/",
        views.WebhookDeliveryReplayApi.as_view(),
        name="api-webhook-delivery-replay",
    ),
]
