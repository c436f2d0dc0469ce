from django.urls import include, path

from aftersales import views

app_name = "aftersales"

urlpatterns = [
    path("m/returns/", views.returns_scan, name="m-returns"),
    path("m/returns/<int:case_id>/", views.return_inspect, name="m-return"),
    path("m/parcels/new/", views.parcel_new, name="m-parcel-new"),
    path("parcels/", views.parcel_list, name="parcels"),
    path("buyers/", views.risky_buyers, name="risky-buyers"),
    path("parcels/<int:parcel_id>/link/", views.parcel_link_view, name="parcel-link"),
    path("reports/", include("aftersales.reports.urls")),
    path("", include("aftersales.cs.urls")),  # CS: the queue, the case page, new cases, risk thresholds
]
