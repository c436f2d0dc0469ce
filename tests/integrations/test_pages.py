"""Back-office pages: health, dead letters with one-click and bulk replay, alerts, imports, mappings —
scoped to the shops a user may see."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from integrations.health import health_alert_raise
from integrations.models import ImportJob, ShopConnection, WorkStatus
from orders.models import Order
from tests.factories import InboxMessageFactory
from tests.integrations.helpers import shopify_sample
from tests.samples import SAMPLES

pytestmark = pytest.mark.django_db


@pytest.fixture
def connected(world, skus):
    """Shop A (Tmall) and shop B (JD) of the shared world, each with a connection."""
    a = ShopConnection.objects.create(shop=world["shop_a"], app_key="a-key", app_secret="s")
    b = ShopConnection.objects.create(shop=world["shop_b"], app_key="b-key", app_secret="s")
    return a, b


def dead_letter(shop, body="{}", error="PayloadInvalid: broken"):
    return InboxMessageFactory(
        shop=shop,
        content_hash=str(hash(body)),
        body=body,
        status=WorkStatus.DEAD,
        last_error=error,
        attempts=6,
    )


def test_health_index_shows_the_shops_the_user_may_see(client, manager, cs_a, connected):
    client.force_login(manager)
    page = client.get("/integrations/")
    assert page.status_code == 200
    assert "天猫旗舰店" in page.content.decode() and "京东自营店" in page.content.decode()
    assert client.get("/integrations/shops/shop-a/").status_code == 200


def test_users_without_the_permission_are_refused(client, cs_a, outsider, connected):
    client.force_login(outsider)
    assert client.get("/integrations/").status_code == 403
    assert client.get("/integrations/dead-letters/").status_code == 403


def test_dead_letters_list_shows_error_and_payload_and_replays_one(
    client, manager, connected, django_capture_on_commit_callbacks
):
    shop_a = connected[0].shop
    letter = dead_letter(shop_a, body='{"broken": true}', error="PayloadInvalid: lines: the order has no line items.")
    client.force_login(manager)

    listing = client.get("/integrations/dead-letters/").content.decode()
    assert "the order has no line items" in listing
    detail = client.get(f"/integrations/inbox/{letter.pk}/").content.decode()
    assert "&quot;broken&quot;: true" in detail

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/integrations/dead-letters/replay/", {"ids": [letter.pk]})
    assert response.status_code == 302
    letter.refresh_from_db()
    # Replayed: processed again (and, still broken, dead again with a fresh count of attempts).
    assert letter.status == WorkStatus.DEAD and letter.attempts == 1


def test_bulk_replay_of_everything_the_filter_shows_only_touches_visible_shops(
    client, cs_a, connected, django_capture_on_commit_callbacks, monkeypatch
):
    from django.contrib.auth.models import Permission

    cs_a.user_permissions.add(*Permission.objects.filter(codename__in=["view_shopconnection", "change_shopconnection"]))
    mine = [dead_letter(connected[0].shop, body=f'{{"n": {i}}}') for i in range(3)]
    other = dead_letter(connected[1].shop, body='{"n": 99}')
    replayed = []
    monkeypatch.setattr("integrations.inbox.queueing.enqueue_on_commit", lambda func, ids: replayed.extend(ids))
    client.force_login(cs_a)

    client.post("/integrations/dead-letters/replay/", {"all": "1"})

    assert sorted(replayed) == sorted(m.pk for m in mine)
    other.refresh_from_db()
    assert other.status == WorkStatus.DEAD
    assert client.get(f"/integrations/inbox/{other.pk}/").status_code == 404


def test_admin_action_replays_dead_letters(client, admin_user, connected, django_capture_on_commit_callbacks, shopify):
    _headers, body = shopify_sample()
    import json

    letter = dead_letter(shopify.shop, body=json.dumps(body), error="OrderInvalid: unknown sku")
    letter.topic = "orders/create"
    letter.save()
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/integrations/inboxmessage/",
            {"action": "replay_dead_letters", "_selected_action": [letter.pk]},
        )

    assert response.status_code == 302
    letter.refresh_from_db()
    assert (letter.status, letter.result) == (WorkStatus.DONE, "created")
    assert Order.objects.filter(external_id=str(body["id"])).exists()


def test_alerts_page_lists_and_resolves(client, manager, connected):
    alert = health_alert_raise(
        shop=connected[0].shop, kind="lag", dedup_key="x", message="pulled only up to 40 minutes ago"
    )
    client.force_login(manager)
    assert "pulled only up to 40 minutes ago" in client.get("/integrations/alerts/").content.decode()
    client.post("/integrations/alerts/resolve/", {"ids": [alert.pk]})
    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_import_upload_preview_start_and_progress(
    client, manager, connected, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(manager)
    path = SAMPLES / "imports" / "pos_store_sales_20261111.csv"
    upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")

    response = client.post("/integrations/imports/", {"shop": connected[0].shop.pk, "profile": "pos", "file": upload})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/integrations/imports/{job.pk}/"
    preview = client.get(f"/integrations/imports/{job.pk}/").content.decode()
    assert "NO-SUCH-SKU" in preview and "不是已知的 SKU 编码" in preview
    assert "Row 4 repeats row 3" in preview or "第 4 行" in preview or "4" in preview

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/integrations/imports/{job.pk}/start/")
    progress = client.get(f"/integrations/imports/{job.pk}/progress.json").json()
    assert progress == {
        "status": "done",
        "percent": 100,
        "processed": 2,
        "total": 2,
        "created": 2,
        "duplicates": 0,
        "failed": 0,
    }


def test_import_of_an_unreadable_file_says_why_on_the_form(client, manager, connected):
    client.force_login(manager)
    upload = SimpleUploadedFile("orders.csv", "货号,数量\nX,1\n".encode(), content_type="text/csv")
    page = client.post("/integrations/imports/", {"shop": connected[0].shop.pk, "profile": "pos", "file": upload})
    assert page.status_code == 200
    assert "缺少必需的列" in page.content.decode()
    assert ImportJob.objects.count() == 0


def test_mapping_pages_show_defaults_and_overrides(client, manager, connected):
    from integrations.models import FieldMapping

    FieldMapping.objects.create(
        profile="pdd", section="order", key="consignee_name", value="receiver_name_mask|receiver_name"
    )
    client.force_login(manager)
    page = client.get("/integrations/mappings/pdd/").content.decode()
    assert "receiver_name_mask|receiver_name" in page and "last_ship_time @datetime" in page
    assert client.get("/integrations/mappings/nope/").status_code == 404


def test_field_mapping_form_refuses_what_cannot_work(db):
    from integrations.forms import FieldMappingForm

    bad_path = FieldMappingForm(
        {"profile": "jd", "section": "order", "key": "consignee_name", "value": "consignee Info.name"}
    )
    bad_status = FieldMappingForm({"profile": "jd", "section": "status", "key": "NEW_STATE", "value": "teleported"})
    bad_field = FieldMappingForm({"profile": "jd", "section": "order", "key": "colour", "value": "a.b"})
    bad_transform = FieldMappingForm(
        {"profile": "jd", "section": "order", "key": "paid_amount", "value": "orderPayment @euros"}
    )
    good = FieldMappingForm({"profile": "jd", "section": "status", "key": "NEW_STATE", "value": "paid"})

    assert not bad_path.is_valid() and "value" in bad_path.errors
    assert not bad_status.is_valid() and "value" in bad_status.errors
    assert not bad_field.is_valid() and "key" in bad_field.errors
    assert not bad_transform.is_valid() and "euros" in str(bad_transform.errors)
    assert good.is_valid(), good.errors
