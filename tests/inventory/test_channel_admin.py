"""The channel allocation admin names shops by code and name although a channel row holds only the shop id."""

import pytest
from django.urls import reverse

from inventory.models import ChannelStock

pytestmark = pytest.mark.django_db


def test_an_allocation_is_added_in_the_admin_by_picking_the_shop(client, admin_user, world):
    client.force_login(admin_user)
    shop, sku = world["shop_b"], world["skus"][0]

    form = client.get(reverse("admin:inventory_channelstock_add")).content.decode()
    response = client.post(
        reverse("admin:inventory_channelstock_add"),
        {"shop_id": shop.pk, "sku": sku.pk, "rule": "fixed", "percent": 100, "quota": 4, "is_active": "on"},
    )

    assert f'<option value="{shop.pk}">{shop.code} · {shop.name}</option>' in form
    assert response.status_code == 302
    row = ChannelStock.objects.get()
    assert (row.shop_id, row.sku, row.rule, row.quota) == (shop.pk, sku, "fixed", 4)


def test_the_allocation_list_shows_and_filters_by_shop(client, admin_user, world):
    client.force_login(admin_user)
    sku = world["skus"][0]
    ChannelStock.objects.create(shop_id=world["shop_a"].pk, sku=sku)
    ChannelStock.objects.create(shop_id=world["shop_b"].pk, sku=sku)

    response = client.get(reverse("admin:inventory_channelstock_changelist"), {"shop_id": world["shop_b"].pk})

    assert [row.shop_id for row in response.context["cl"].result_list] == [world["shop_b"].pk]
    assert f"{world['shop_b'].code} · {world['shop_b'].name}" in response.content.decode()


def test_the_allocation_list_reads_shop_names_once_however_many_rows(client, admin_user, world, monkeypatch):
    client.force_login(admin_user)
    for sku in world["skus"]:
        ChannelStock.objects.create(shop_id=world["shop_a"].pk, sku=sku)
        ChannelStock.objects.create(shop_id=world["shop_b"].pk, sku=sku)
    from inventory import shops

    calls = []
    directory_names = shops._directory.names
    monkeypatch.setattr(shops._directory, "names", lambda ids: calls.append(ids) or directory_names(ids))

    response = client.get(reverse("admin:inventory_channelstock_changelist"))

    assert len(response.context["cl"].result_list) == 2 * len(world["skus"])
    # One call for the listed rows (the shop filter's choices read every shop once more).
    assert [ids for ids in calls if ids is not None] == [sorted({world["shop_a"].pk, world["shop_b"].pk})]
