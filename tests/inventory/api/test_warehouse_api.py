import pytest

from inventory.models import Warehouse

URL = "/api/v1/warehouses/"

pytestmark = pytest.mark.django_db


def codes(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [warehouse["code"] for warehouse in response.json()["results"]]


def test_users_list_only_the_warehouses_they_may_see(api, world, manager, warehouse_b, cs_a):
    assert codes(api(manager).get(URL)) == ["wh-a", "wh-b"]
    assert codes(api(warehouse_b).get(URL)) == ["wh-b"]
    assert codes(api(cs_a).get(URL)) == []
    assert api().get(URL).status_code == 401


def test_a_warehouse_by_code_and_404_when_not_visible(api, world, warehouse_b):
    body = api(warehouse_b).get(f"{URL}wh-b/").json()
    assert (body["code"], body["name"], body["kind"], body["province"]) == ("wh-b", "广州仓", "warehouse", "广东省")
    hidden = api(warehouse_b).get(f"{URL}wh-a/")
    assert (hidden.status_code, hidden.json()["code"]) == (404, "warehouse_not_found")


def test_a_manager_creates_a_store_and_may_then_see_it(api, world, manager):
    client = api(manager)
    response = client.post(
        URL,
        {"code": "store-sh", "name": "上海门店", "kind": "store", "province": "上海市", "priority": 10},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response["Location"] == "http://testserver/api/v1/warehouses/store-sh/"
    assert (response.json()["kind"], response.json()["priority"]) == ("store", 10)
    assert codes(client.get(URL))[0] == "store-sh"  # lowest priority number first
    assert manager.has_perm("inventory.access_warehouse", Warehouse.objects.get(code="store-sh"))


def test_bad_warehouses_are_refused_with_the_field(api, world, manager):
    client = api(manager)
    bad_kind = client.post(URL, {"code": "x", "name": "X", "kind": "depot"}, format="json")
    assert (bad_kind.status_code, bad_kind.json()["message"]) == (400, 'kind: "depot" is not a valid choice.')
    taken = client.post(URL, {"code": "wh-a", "name": "X"}, format="json")
    assert (taken.status_code, taken.json()["code"]) == (409, "warehouse_code_taken")


def test_a_manager_changes_a_warehouse_but_not_its_code(api, world, manager):
    client = api(manager)
    response = client.patch(f"{URL}wh-a/", {"name": "杭州一号仓", "is_active": False}, format="json")
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["is_active"]) == ("杭州一号仓", False)
    assert client.patch(f"{URL}wh-a/", {"code": "wh-z"}, format="json").status_code == 400
    assert Warehouse.objects.get(code="wh-a").name == "杭州一号仓"


def test_non_managers_may_not_create_or_change_warehouses(api, world, warehouse_b, cs_a):
    assert api(cs_a).post(URL, {"code": "x", "name": "X"}, format="json").status_code == 403
    assert api(warehouse_b).patch(f"{URL}wh-b/", {"name": "Y"}, format="json").status_code == 403
    assert not Warehouse.objects.filter(code="x").exists()
