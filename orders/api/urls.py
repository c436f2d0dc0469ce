"""/api/v1/ routes for shops and orders. Shops are addressed by code, orders by Order Hub order number."""

from django.urls import path

from config.api import by_method
from orders.api import actions, views

urlpatterns = [
    path("shops/", by_method("ShopsApi", get=views.ShopListApi, post=views.ShopCreateApi), name="api-shop-list"),
    path(
        "shops/<slug:code>/",
        by_method("ShopApi", get=views.ShopDetailApi, patch=views.ShopUpdateApi),
        name="api-shop-detail",
    ),
    path("orders/", by_method("OrdersApi", get=views.OrderListApi, post=views.OrderCreateApi), name="api-order-list"),
    path("orders/<str:number>/", views.OrderDetailApi.as_view(), name="api-order-detail"),
    path("orders/<str:number>/cancel/", actions.OrderCancelApi.as_view(), name="api-order-cancel"),
    path("orders/<str:number>/hold/", actions.OrderHoldApi.as_view(), name="api-order-hold"),
    path("orders/<str:number>/release/", actions.OrderReleaseApi.as_view(), name="api-order-release"),
    path("orders/<str:number>/approve/", actions.OrderApproveApi.as_view(), name="api-order-approve"),
    path("orders/<str:number>/pay/", actions.OrderPayApi.as_view(), name="api-order-pay"),
    path("orders/<str:number>/address/", actions.OrderAddressUpdateApi.as_view(), name="api-order-address"),
    path("orders/<str:number>/notes/", actions.OrderNoteCreateApi.as_view(), name="api-order-notes"),
]
