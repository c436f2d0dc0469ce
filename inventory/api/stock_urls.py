"""/api/v1/stock/ routes."""

from django.urls import path

from inventory.api import stock_views as views

urlpatterns = [
    path("stock/", views.StockListApi.as_view(), name="api-stock"),
    path("stock/levels/", views.StockLevelListApi.as_view(), name="api-stock-levels"),
    path("stock/adjustments/", views.StockAdjustmentCreateApi.as_view(), name="api-stock-adjustments"),
    path("stock/receipts/", views.StockReceiptCreateApi.as_view(), name="api-stock-receipts"),
    path("stock/transfers/", views.StockTransferCreateApi.as_view(), name="api-stock-transfers"),
    path("stock/counts/", views.StockCountCreateApi.as_view(), name="api-stock-counts"),
    path("stock/accuracy/", views.StockAccuracyApi.as_view(), name="api-stock-accuracy"),
    path("stock/reservations/", views.ReservationListApi.as_view(), name="api-stock-reservations"),
]
