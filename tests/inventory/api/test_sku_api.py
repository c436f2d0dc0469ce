import pytest
from django.urls import reverse

from inventory.models import SKU
from tests.factories import SKUFactory

URL = "/api/v1/skus/"

pytestmark = pytest.mark.django_db


def codes(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [sku["code"] for sku in response.json()["results"]]


@pytest.fixture
def catalogue(world):
    return [
        SKUFactory(code="TEA-LJ.250g", name="龙井 250g", barcode="6901234567890"),
        SKUFactory(code="TEA-BLC.100g", name="碧螺春 100g", barcode="6901234567891"),
        SKUFactory(code="CUP-01", name="茶杯", is_active=False),
    ]


def test_skus_are_listed_and_filtered(api, catalogue, cs_a):
    client = api(cs_a)
    assert codes(client.get(URL)) == ["CUP-01", "SKU-1", "SKU-2", "SKU-3", "TEA-BLC.100g", "TEA-LJ.250g"]
    assert codes(client.get(URL, {"code": "TEA-LJ.250g"})) == ["TEA-LJ.250g"]
    assert codes(client.get(URL, {"barcode": "6901234567891"})) == ["TEA-BLC.100g"]
    assert codes(client.get(URL, {"search": "龙井"})) == ["TEA-LJ.250g"]
    assert codes(client.get(URL, {"search": "tea-"})) == ["TEA-BLC.100g", "TEA-LJ.250g"]
    assert codes(client.get(URL, {"is_active": "false"})) == ["CUP-01"]
    assert "CUP-01" not in codes(client.get(URL, {"is_active": "true"}))
    assert client.get(URL, {"is_active": "maybe"}).status_code == 400


def test_a_sku_is_addressed_by_a_code_with_dashes_and_dots(api, catalogue, cs_a):
    response = api(cs_a).get(f"{URL}TEA-LJ.250g/")
    assert response.status_code == 200
    assert response.json() | {"created_at": None} == {
        "code": "TEA-LJ.250g",
        "barcode": "6901234567890",
        "name": "龙井 250g",
        "weight_grams": 500,
        "is_fragile": False,
        "is_cold_chain": False,
        "is_presale": False,
        "category": "",
        "attributes": {},
        "is_active": True,
        "created_at": None,
    }
    assert api(cs_a).get(f"{URL}NOPE/").json()["code"] == "sku_not_found"


def test_a_sku_code_with_non_ascii_characters_round_trips_through_the_url(api, world, cs_a):
    SKUFactory(code="茶-01.红", name="红茶")
    url = reverse("api-sku-detail", kwargs={"code": "茶-01.红"})
    assert url == "/api/v1/skus/%E8%8C%B6-01.%E7%BA%A2/"
    assert api(cs_a).get(url).json()["name"] == "红茶"


def test_reading_skus_needs_a_role(api, catalogue, outsider):
    assert api(outsider).get(URL).status_code == 403
    assert api().get(URL).status_code == 401


def test_a_manager_creates_and_changes_a_sku(api, world, manager):
    client = api(manager)
    response = client.post(
        URL,
        {
            "code": "ICE-1.5kg",
            "name": "冰淇淋",
            "is_cold_chain": True,
            "weight_grams": 1500,
            "attributes": {"口味": "香草"},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response["Location"] == "http://testserver/api/v1/skus/ICE-1.5kg/"
    assert (response.json()["is_cold_chain"], response.json()["attributes"]) == (True, {"口味": "香草"})

    changed = client.patch(f"{URL}ICE-1.5kg/", {"is_presale": True, "name": "香草冰淇淋"}, format="json")
    assert changed.status_code == 200
    sku = SKU.objects.get(code="ICE-1.5kg")
    assert (sku.name, sku.is_presale, sku.is_cold_chain, sku.weight_grams) == ("香草冰淇淋", True, True, 1500)
    assert sku.history.count() == 2


@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [
        ({"code": "A/B", "name": "x"}, 400, "sku_code_invalid", None),
        ({"code": "A B", "name": "x"}, 400, "sku_code_invalid", None),
        ({"code": "SKU-1", "name": "x"}, 409, "sku_code_taken", "code: a SKU with code 'SKU-1' already exists."),
        (
            {"code": "N", "name": "x", "weight_grams": -1},
            400,
            "invalid",
            "weight_grams: Ensure this value is greater than or equal to 0.",
        ),
        ({"code": "N", "name": "x", "attributes": ["red"]}, 400, "invalid", None),
    ],
)
def test_bad_skus_are_refused(api, world, manager, body, status, code, message):
    response = api(manager).post(URL, body, format="json")
    assert (response.status_code, response.json()["code"]) == (status, code)
    if message:
        assert response.json()["message"] == message
    assert SKU.objects.count() == 3


def test_the_code_of_a_sku_cannot_be_changed(api, world, manager):
    response = api(manager).patch(f"{URL}SKU-1/", {"code": "SKU-9"}, format="json")
    assert (response.status_code, response.json()["message"]) == (400, "code: Unknown field.")


def test_cs_may_read_but_not_create_or_change_skus(api, world, cs_a):
    client = api(cs_a)
    assert client.get(f"{URL}SKU-1/").status_code == 200
    assert client.post(URL, {"code": "N", "name": "x"}, format="json").status_code == 403
    assert client.patch(f"{URL}SKU-1/", {"name": "x"}, format="json").status_code == 403
