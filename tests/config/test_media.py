"""Uploaded files under /media/ in production (DEBUG off): a file goes to the users who may see the row it
belongs to (here an order import of shop A: CS of shop A and managers), 404 to everyone else exactly as for a
missing file, and anonymous visitors to the login page."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from integrations.models import ImportJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def upload(settings, tmp_path, world, cs_a):
    settings.DEBUG = False
    settings.MEDIA_ROOT = tmp_path / "media"
    job = ImportJob(shop=world["shop_a"], profile="generic", file_name="orders.csv", file_hash="x", created_by=cs_a)
    job.file.save("orders.csv", ContentFile("订单号,收货人\nA-1,王小明\n".encode()), save=False)
    job.save()
    return job


def _get(user, path: str):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(path)


def test_a_user_who_may_see_the_import_gets_its_file(upload, cs_a, manager):
    for user in (cs_a, manager):
        response = _get(user, upload.file.url)

        assert response.status_code == 200
        assert b"".join(response.streaming_content).decode() == "订单号,收货人\nA-1,王小明\n"
        assert response["Content-Type"] == "text/csv"
        assert response["Cache-Control"] == "private, no-store"


def test_a_user_who_may_not_see_it_gets_the_answer_of_a_missing_file(upload, warehouse_b):
    assert upload.file.url.startswith("/media/integrations/imports/")

    assert _get(warehouse_b, upload.file.url).status_code == 404
    assert _get(warehouse_b, "/media/integrations/imports/no-such-file.csv").status_code == 404


def test_an_anonymous_visitor_is_sent_to_the_login_page(upload):
    response = _get(None, upload.file.url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/media/")


def test_a_path_out_of_the_media_folder_is_refused(upload, manager, settings):
    (settings.MEDIA_ROOT / ".." / "secret.txt").write_text("no")

    assert _get(manager, "/media/../secret.txt").status_code == 404
    assert _get(manager, "/media/integrations/../../secret.txt").status_code == 404
