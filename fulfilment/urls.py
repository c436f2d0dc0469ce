from django.urls import path

from fulfilment import views
from fulfilment.api.views.tracking import TrackingPushApi
from fulfilment.carriers import sandbox
from fulfilment.printing import views as printing

app_name = "fulfilment"

urlpatterns = [
    path("", views.desk, name="desk"),
    path("waves/<int:pk>/picklist/", views.wave_picklist, name="wave-picklist"),
    path("waves/<int:pk>/slips/", views.wave_slips, name="wave-slips"),
    path("shipments/<int:pk>/label/", views.shipment_label, name="shipment-label"),
    path("shipments/<int:pk>/label.pdf", printing.shipment_label_pdf, name="shipment-label-pdf"),
    path("waves/<int:pk>/print/", printing.wave_print, name="wave-print"),
    path("waves/<int:pk>/labels.pdf", printing.wave_labels_pdf, name="wave-labels-pdf"),
    path("waves/<int:pk>/print/results/", printing.print_results, name="wave-print-results"),
    path("work-items/", views.work_items, name="work-items"),
    path("report/", views.report, name="report"),
    path("report.xlsx", views.report_xlsx, name="report-xlsx"),
    path("m/", views.m_home, name="m-home"),
    path("m/waves/<int:pk>/", views.m_pick, name="m-pick"),
    path("m/pack/", views.m_pack, name="m-pack"),
    # Carriers and aggregators push tracking here (their own token, X-Tracking-Token): an inbound route, not
    # part of the partner API under /api/v1/.
    path("tracking/<str:carrier_code>/push/", TrackingPushApi.as_view(), name="tracking-push"),
    path("sandbox/carriers/<str:carrier_code>/waybills/", sandbox.waybill_create, name="sandbox-waybill"),
    path(
        "sandbox/carriers/<str:carrier_code>/waybills/<str:tracking_number>/cancel/",
        sandbox.waybill_cancel,
        name="sandbox-waybill-cancel",
    ),
    path(
        "sandbox/carriers/<str:carrier_code>/waybills/<str:tracking_number>/intercept/",
        sandbox.waybill_intercept,
        name="sandbox-waybill-intercept",
    ),
    path(
        "sandbox/carriers/<str:carrier_code>/tracking/<str:tracking_number>/",
        sandbox.tracking_get,
        name="sandbox-tracking",
    ),
]
