"""URLs of the CS pages, in the ``aftersales`` namespace (included by ``aftersales.urls``)."""

from django.urls import path

from aftersales.cs import views

urlpatterns = [
    path("", views.case_queue, name="queue"),
    path("bulk-approve/", views.case_bulk_approve, name="bulk-approve"),
    path("<int:case_id>/", views.case_detail, name="case"),
    path("<int:case_id>/approve/", views.case_approve_view, name="case-approve"),
    path("<int:case_id>/reject/", views.case_reject_view, name="case-reject"),
    path("<int:case_id>/refund/", views.case_refund_view, name="case-refund"),
    path("<int:case_id>/intercept/", views.case_intercept_view, name="case-intercept"),
    path("<int:case_id>/note/", views.case_note_view, name="case-note"),
    path("<int:case_id>/evidence/", views.case_evidence_view, name="case-evidence"),
    path("new/<str:number>/", views.case_new, name="case-new"),
    path("risk/", views.risk_policy, name="risk-policy"),
]
