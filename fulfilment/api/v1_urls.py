"""Fulfilment routes under /api/v1/ (the floor's operations stay under /fulfilment/api/)."""

from django.urls import path

from fulfilment.api.shipments import OrderShipmentListApi, ShipmentListApi

urlpatterns = [
    path("shipments/", ShipmentListApi.as_view(), name="api-shipment-list"),
    path("orders/<str:number>/shipments/", OrderShipmentListApi.as_view(), name="api-order-shipments"),
]
