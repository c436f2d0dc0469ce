from django.urls import path

from aftersales.reports import views

urlpatterns = [
    path("", views.reports_page, name="reports"),
    path("xlsx/", views.reports_xlsx, name="reports-xlsx"),
]
