"""Fulfilment under /api/v1/: waves, pick tasks, packing, shipments, routing and carriers — for partner systems
(a WMS) and for the floor's mobile pages, which call these same routes. Carriers push tracking to their own
inbound route (``fulfilment/urls.py``: /fulfilment/tracking/<carrier>/push/), outside the partner API."""

from django.urls import path

from config.api import by_method
from fulfilment.api.shipments import OrderShipmentListApi, ShipmentDetailApi, ShipmentListApi
from fulfilment.api.views import carriers, packing, waves

urlpatterns = [
    path("waves/", by_method("WavesApi", get=waves.WaveListApi, post=waves.WaveBuildApi), name="api-wave-list"),
    path("waves/auto/", waves.WaveAutoBuildApi.as_view(), name="api-wave-auto"),
    path("waves/<int:pk>/", waves.WaveDetailApi.as_view(), name="api-wave-detail"),
    path("waves/<int:pk>/claim/", waves.WaveClaimApi.as_view(), name="api-wave-claim"),
    path("pick-tasks/<int:pk>/confirm/", waves.PickConfirmApi.as_view(), name="api-pick-confirm"),
    path("pick-tasks/<int:pk>/refusals/", waves.PickRefusalApi.as_view(), name="api-pick-refusal"),
    path("packing/lookup/", packing.PackLookupApi.as_view(), name="api-pack-lookup"),
    path("packing/<int:pk>/complete/", packing.PackCompleteApi.as_view(), name="api-pack-complete"),
    path("shipments/", ShipmentListApi.as_view(), name="api-shipment-list"),
    path("shipments/<int:pk>/", ShipmentDetailApi.as_view(), name="api-shipment-detail"),
    path("shipments/<int:pk>/label/", packing.ShipmentLabelApi.as_view(), name="api-shipment-label"),
    path("shipments/<int:pk>/update/", packing.ShipmentUpdateApi.as_view(), name="api-shipment-update"),
    path("shipments/<int:pk>/ship/", packing.ShipmentShipApi.as_view(), name="api-shipment-ship"),
    path("orders/<str:number>/shipments/", OrderShipmentListApi.as_view(), name="api-order-shipments"),
    path("orders/<str:number>/route/", carriers.OrderRouteApi.as_view(), name="api-order-route"),
    path("carriers/", carriers.CarrierListApi.as_view(), name="api-carrier-list"),
    path("carriers/<str:code>/", carriers.CarrierCheckApi.as_view(), name="api-carrier-check"),
]
