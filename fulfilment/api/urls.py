from django.urls import path

from fulfilment.api import views

urlpatterns = [
    path("waves/", views.WaveListApi.as_view(), name="api-wave-list"),
    path("waves/build/", views.WaveBuildApi.as_view(), name="api-wave-build"),
    path("waves/auto/", views.WaveAutoBuildApi.as_view(), name="api-wave-auto"),
    path("waves/<int:pk>/", views.WaveDetailApi.as_view(), name="api-wave-detail"),
    path("waves/<int:pk>/claim/", views.WaveClaimApi.as_view(), name="api-wave-claim"),
    path("pick/tasks/<int:pk>/confirm/", views.PickConfirmApi.as_view(), name="api-pick-confirm"),
    path("pick/tasks/<int:pk>/refusals/", views.PickRefusalApi.as_view(), name="api-pick-refusal"),
    path("pack/lookup/", views.PackLookupApi.as_view(), name="api-pack-lookup"),
    path("pack/<int:pk>/complete/", views.PackCompleteApi.as_view(), name="api-pack-complete"),
    path("shipments/<int:pk>/label/", views.ShipmentLabelApi.as_view(), name="api-shipment-label"),
    path("shipments/<int:pk>/update/", views.ShipmentUpdateApi.as_view(), name="api-shipment-update"),
    path("shipments/<int:pk>/ship/", views.ShipmentShipApi.as_view(), name="api-shipment-ship"),
    path("tracking/<str:carrier_code>/push/", views.TrackingPushApi.as_view(), name="api-tracking-push"),
    path("orders/<str:number>/route/", views.OrderRouteApi.as_view(), name="api-order-route"),
    path("carriers/", views.CarrierListApi.as_view(), name="api-carrier-list"),
    path("carriers/<str:code>/", views.CarrierCheckApi.as_view(), name="api-carrier-check"),
]
