"""The public tracking page, mounted at /track/ (no login)."""

from django.urls import path

from fulfilment import views

urlpatterns = [
    path("", views.public_track, name="public-track"),
    path("s/<str:token>/", views.public_track_link, name="public-track-link"),
]
