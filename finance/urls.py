from django.urls import path

from finance import views

urlpatterns = [
    path("", views.consistency, name="finance-home"),
    path("reconcile/", views.reconcile_start, name="finance-reconcile"),
    path("statements/", views.statement_list, name="finance-statements"),
    path("statements/<int:pk>/", views.statement_detail, name="finance-statement-detail"),
    path("statements/<int:pk>/progress/", views.statement_progress, name="finance-statement-progress"),
    path("differences/", views.difference_list, name="finance-differences"),
    path("differences/<int:pk>/", views.difference_detail, name="finance-difference-detail"),
    path("exports/", views.export_list, name="finance-exports"),
    path("exports/<int:pk>/download/", views.export_download, name="finance-export-download"),
    path("vouchers/", views.voucher_list, name="finance-vouchers"),
]
