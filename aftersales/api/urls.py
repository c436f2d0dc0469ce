"""/api/v1/aftersales/ routes; cases are addressed by id."""

from django.urls import path

from aftersales.api import views
from config.api import by_method

urlpatterns = [
    path("", by_method("AftersalesApi", get=views.CaseListApi, post=views.CaseCreateApi), name="api-case-list"),
    path("<int:id>/", views.CaseDetailApi.as_view(), name="api-case-detail"),
    path("<int:id>/approve/", views.CaseApproveApi.as_view(), name="api-case-approve"),
    path("<int:id>/reject/", views.CaseRejectApi.as_view(), name="api-case-reject"),
    path("<int:id>/receive/", views.CaseReceiveApi.as_view(), name="api-case-receive"),
    path("<int:id>/refund/", views.CaseRefundApi.as_view(), name="api-case-refund"),
]
