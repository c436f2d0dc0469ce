from django.urls import path

from integrations.simulator import views

app_name = "simulator"

urlpatterns = [
    path("", views.peak_run_index, name="index"),
    path("start/", views.peak_run_start, name="start"),
    path("runs/<int:pk>/", views.peak_run_page, name="run"),
    path("runs/<int:pk>/data.json", views.peak_run_data, name="data"),
    path("runs/<int:pk>/report/", views.peak_run_report, name="report"),
    path("runs/<int:pk>/report/<str:name>", views.peak_run_report, name="report-file"),
]
