"""/api/v1/ routes for shops and orders. Shops are addressed by code, orders by Order Hub order number."""

from django.urls import path

from config.api import by_method
from orders.api import views

urlpatterns = [
    path("shops/", by_method("ShopsApi", get=views.ShopListApi, post=views.ShopCreateApi), name="api-shop-list"),
    path(
        "shops/<slug:code>/",
        by_method("ShopApi", get=views.ShopDetailApi, patch=views.ShopUpdateApi),
        name="api-shop-detail",
    ),
    path("orders/", by_method("OrdersApi", get=views.OrderListApi, post=views.OrderCreateApi), name="api-order-list"),
    path("orders/<str:number>/", views.OrderDetailApi.as_view(), name="api-order-detail"),
]
