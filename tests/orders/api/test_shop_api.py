import pytest

from orders.models import Shop

URL = "/api/v1/shops/"

pytestmark = pytest.mark.django_db

SHOP_FIELDS = {
    "code",
    "name",
    "platform",
    "platform_shop_id",
    "default_warehouse",
    "ship_within_hours",
    "is_active",
    "created_at",
}


def codes(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [shop["code"] for shop in response.json()["results"]]


def test_users_list_only_the_shops_they_may_see(api, world, manager, cs_a, warehouse_b, outsider, admin_user):
    assert codes(api(manager).get(URL)) == ["shop-a", "shop-b"]
    assert codes(api(cs_a).get(URL)) == ["shop-a"]
    assert codes(api(warehouse_b).get(URL)) == []
    assert codes(api(outsider).get(URL)) == []
    assert codes(api(admin_user).get(URL)) == ["shop-a", "shop-b"]
    assert api().get(URL).status_code == 401


def test_a_shop_shows_its_settings_and_no_credentials(api, world, cs_a):
    response = api(cs_a).get(f"{URL}shop-a/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == SHOP_FIELDS
    assert (body["name"], body["platform"], body["default_warehouse"], body["ship_within_hours"]) == (
        "天猫旗舰店",
        "tmall",
        "wh-a",
        48,
    )


def test_a_shop_the_user_cannot_see_is_a_404(api, world, cs_a):
    response = api(cs_a).get(f"{URL}shop-b/")
    assert response.status_code == 404
    assert response.json()["code"] == "shop_not_found"
    assert api(cs_a).get(f"{URL}nope/").json()["code"] == "shop_not_found"


def test_a_manager_creates_a_shop_and_may_then_work_on_it(api, world, manager):
    client = api(manager)
    response = client.post(
        URL,
        {
            "code": "dy-1",
            "name": "抖音小店",
            "platform": "douyin",
            "default_warehouse": "wh-b",
            "ship_within_hours": 24,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response["Location"] == "http://testserver/api/v1/shops/dy-1/"
    assert response.json() | {"created_at": None} == {
        "code": "dy-1",
        "name": "抖音小店",
        "platform": "douyin",
        "platform_shop_id": "",
        "default_warehouse": "wh-b",
        "ship_within_hours": 24,
        "is_active": True,
        "created_at": None,
    }
    assert "dy-1" in codes(client.get(URL))
    assert client.get(f"{URL}dy-1/").status_code == 200
    shop = Shop.objects.get(code="dy-1")
    assert manager.has_perm("orders.access_shop", shop)


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"code": "x", "name": "X", "platform": "ebay"}, "invalid", 'platform: "ebay" is not a valid choice.'),
        (
            {"code": "x", "name": "X", "platform": "jd", "default_warehouse": "wh-z"},
            "invalid",
            "default_warehouse: no warehouse with code 'wh-z'.",
        ),
        ({"code": "x", "name": "X", "platform": "jd", "app_secret": "s"}, "invalid", "app_secret: Unknown field."),
        (
            {"code": "shop-a", "name": "X", "platform": "jd"},
            "shop_code_taken",
            "code: a shop with code 'shop-a' already exists.",
        ),
    ],
)
def test_bad_shops_are_refused_with_the_field(api, world, manager, body, code, message):
    response = api(manager).post(URL, body, format="json")
    assert (response.json()["code"], response.json()["message"]) == (code, message)
    assert response.status_code == (409 if code == "shop_code_taken" else 400)
    assert Shop.objects.count() == 2


def test_a_manager_changes_a_shop(api, world, manager):
    client = api(manager)
    response = client.patch(
        f"{URL}shop-a/", {"name": "天猫店", "ship_within_hours": 24, "default_warehouse": None}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["name"], response.json()["ship_within_hours"], response.json()["default_warehouse"]) == (
        "天猫店",
        24,
        None,
    )
    shop = Shop.objects.get(code="shop-a")
    assert (shop.name, shop.default_warehouse, shop.platform) == ("天猫店", None, "tmall")
    assert shop.history.count() == 2


def test_the_code_and_platform_of_a_shop_cannot_be_changed(api, world, manager):
    response = api(manager).patch(f"{URL}shop-a/", {"code": "new", "platform": "jd"}, format="json")
    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"code": ["Unknown field."], "platform": ["Unknown field."]}
    assert Shop.objects.filter(code="shop-a", platform="tmall").exists()


def test_cs_may_not_create_or_change_shops(api, world, cs_a):
    client = api(cs_a)
    created = client.post(URL, {"code": "x", "name": "X", "platform": "jd"}, format="json")
    changed = client.patch(f"{URL}shop-a/", {"name": "Y"}, format="json")
    assert (created.status_code, changed.status_code) == (403, 403)
    assert created.json()["code"] == "permission_denied"
    assert Shop.objects.get(code="shop-a").name == "天猫旗舰店"


def test_other_methods_are_405_naming_the_allowed_ones(api, world, manager):
    response = api(manager).delete(f"{URL}shop-a/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "PATCH", "HEAD", "OPTIONS"}


def test_session_authenticated_writes_still_need_the_csrf_token(world, manager):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(manager)
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"code": "x", "name": "X", "platform": "jd"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]
    assert not Shop.objects.filter(code="x").exists()


def test_options_and_head_are_answered(api, world, manager):
    client = api(manager)
    assert client.options(URL).status_code == 200
    assert client.head(URL).status_code == 200


def test_the_shop_list_takes_the_same_number_of_queries_for_2_or_7_shops(
    api, world, admin_user, django_assert_num_queries
):
    from tests.factories import ShopFactory, WarehouseFactory

    client = api(admin_user)
    client.get(URL)  # warm the content-type cache
    # token → user, user permissions, group permissions, count, page (with the default warehouse joined)
    with django_assert_num_queries(5):
        assert len(codes(client.get(URL))) == 2
    for n in range(5):
        ShopFactory(code=f"more-{n}", default_warehouse=WarehouseFactory(code=f"wh-more-{n}"))
    with django_assert_num_queries(5):
        assert len(codes(client.get(URL))) == 7
