from django.urls import path

from integrations.board import views

app_name = "board"

urlpatterns = [
    path("", views.board_page, name="page"),
    path("data.json", views.board_data, name="data"),
]
