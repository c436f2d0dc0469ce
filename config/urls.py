from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import health
from config.api import UnknownPathApi
from config.media import media_serve

api_v1 = [
    path("", include("orders.api.urls")),
    path("", include("inventory.api.urls")),
    path("", include("inventory.api.stock_urls")),
    path("", include("fulfilment.api.v1_urls")),
    path("finance/", include("finance.api.urls")),
    path("aftersales/", include("aftersales.api.urls")),
    path("", include("integrations.hooks.api.urls")),
    # Keep last: any other /api/v1/ path is a 401 for anonymous callers and a 404 for authenticated ones.
    re_path(r"^.*$", UnknownPathApi.as_view()),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("board/", include("integrations.board.urls")),
    path("simulator/", include("integrations.simulator.urls")),
    path("", include("integrations.urls")),
    path("fulfilment/", include("fulfilment.urls")),
    path("track/", include("fulfilment.public_urls")),
    path("stock/", include("inventory.urls")),
    path("review/", include("orders.review.urls")),
    path("finance/", include("finance.urls")),
    path("aftersales/", include("aftersales.urls")),
    path("", include("orders.urls")),
    # Uploaded files, to the users allowed to see the row they belong to (config/media.py), with or without DEBUG.
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media_serve, name="media"),
]
