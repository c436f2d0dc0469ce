"""Back-office stock pages, mounted at /stock/ by config/urls.py."""

from django.urls import path

from inventory import views

urlpatterns = [
    path("", views.stock_index, name="stock-index"),
    path("sku/<str:code>/", views.stock_sku, name="stock-sku"),
    path("movements/", views.stock_movements, name="stock-movements"),
    path("reservations/", views.stock_reservations, name="stock-reservations"),
    path("receive/", views.stock_receive_view, name="stock-receive"),
    path("adjust/", views.stock_adjust_view, name="stock-adjust"),
    path("transfer/", views.stock_transfer_view, name="stock-transfer"),
    path("counts/", views.stock_counts, name="stock-counts"),
    path("counts/<int:pk>/", views.stock_count, name="stock-count"),
    path("counts/<int:pk>/<str:action>/", views.stock_count_action, name="stock-count-action"),
    path("accuracy/", views.stock_accuracy, name="stock-accuracy"),
    path("allocations/", views.stock_allocations, name="stock-allocations"),
]
