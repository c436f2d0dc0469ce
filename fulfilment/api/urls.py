from django.urls import path

from fulfilment.api.views import carriers, packing, tracking, waves

urlpatterns = [
    path("waves/", waves.WaveListApi.as_view(), name="api-wave-list"),
    path("waves/build/", waves.WaveBuildApi.as_view(), name="api-wave-build"),
    path("waves/auto/", waves.WaveAutoBuildApi.as_view(), name="api-wave-auto"),
    path("waves/<int:pk>/", waves.WaveDetailApi.as_view(), name="api-wave-detail"),
    path("waves/<int:pk>/claim/", waves.WaveClaimApi.as_view(), name="api-wave-claim"),
    path("pick/tasks/<int:pk>/confirm/", waves.PickConfirmApi.as_view(), name="api-pick-confirm"),
    path("pick/tasks/<int:pk>/refusals/", waves.PickRefusalApi.as_view(), name="api-pick-refusal"),
    path("pack/lookup/", packing.PackLookupApi.as_view(), name="api-pack-lookup"),
    path("pack/<int:pk>/complete/", packing.PackCompleteApi.as_view(), name="api-pack-complete"),
    path("shipments/<int:pk>/label/", packing.ShipmentLabelApi.as_view(), name="api-shipment-label"),
    path("shipments/<int:pk>/update/", packing.ShipmentUpdateApi.as_view(), name="api-shipment-update"),
    path("shipments/<int:pk>/ship/", packing.ShipmentShipApi.as_view(), name="api-shipment-ship"),
    path("tracking/<str:carrier_code>/push/", tracking.TrackingPushApi.as_view(), name="api-tracking-push"),
    path("orders/<str:number>/route/", carriers.OrderRouteApi.as_view(), name="api-order-route"),
    path("carriers/", carriers.CarrierListApi.as_view(), name="api-carrier-list"),
    path("carriers/<str:code>/", carriers.CarrierCheckApi.as_view(), name="api-carrier-check"),
]
