from django.urls import path

from config.api import by_method
from finance.api import views

urlpatterns = [
    path(
        "statements/",
        by_method("StatementsApi", get=views.StatementListApi, post=views.StatementUploadApi),
        name="api-finance-statements",
    ),
    path("statements/<int:pk>/", views.StatementDetailApi.as_view(), name="api-finance-statement-detail"),
    path("differences/", views.DifferenceListApi.as_view(), name="api-finance-differences"),
]
