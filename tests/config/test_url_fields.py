"""The admin's forms for every model with a URL field render without a warning: each form URL field says how it
reads a URL typed without a scheme (``https://``, Django 6's default), so Django 5.2's ``RemovedInDjango60Warning``
about ``assume_scheme`` is never printed; and what is typed without a scheme is taken as https."""

import warnings

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.urls import reverse

from config.fields import HttpsURLField

pytestmark = pytest.mark.django_db

OURS = ("orders", "inventory", "fulfilment", "finance", "aftersales", "integrations")


def _models_with_urls():
    return [
        model
        for model in apps.get_models()
        if model.__module__.split(".")[0] in OURS
        and any(isinstance(field, models.URLField) for field in model._meta.get_fields())
    ]


def test_every_url_field_of_the_models_reads_typed_urls_as_https():
    plain = [
        f"{model._meta.label}.{field.name}"
        for model in _models_with_urls()
        for field in model._meta.get_fields()
        if isinstance(field, models.URLField) and not isinstance(field, HttpsURLField)
    ]
    assert _models_with_urls() and plain == []


def test_the_admin_forms_with_url_fields_render_without_a_warning(client):
    registered = [model for model in _models_with_urls() if model in admin.site._registry]
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "x"))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rendered = []
        for model in registered:
            response = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add"))
            assert response.status_code in (200, 403), model  # 403: the admin adds none (read-only records)
            if response.status_code == 200:
                rendered.append(model._meta.label)

    assert len(rendered) >= 4, rendered  # connections, carriers, waybill accounts, webhooks: the forms with URLs
    assert [str(w.message) for w in caught if "assume_scheme" in str(w.message)] == []


def test_a_url_typed_without_a_scheme_is_taken_as_https():
    field = HttpsURLField(blank=True).formfield()

    assert field.clean("api.example.com/v1") == "https://api.example.com/v1"
