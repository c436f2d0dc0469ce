"""The public tracking page, mounted at /track/ (no login)."""

from django.urls import path

from fulfilment import views

urlpatterns = [path("", views.public_track, name="public-track")]
