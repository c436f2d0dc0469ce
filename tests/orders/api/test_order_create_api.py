import copy

import pytest

from orders.models import IdempotencyKey, Order, OrderEvent, Source
from tests.concurrency import run_together
from tests.factories import make_order

URL = "/api/v1/orders/"

pytestmark = pytest.mark.django_db


def order_body(**changes) -> dict:
    """A valid paid order for shop-a: 2 × SKU-1 at 99.00, 10.00 merchant discount, 8.00 shipping = 196.00."""
    body = {
        "shop": "shop-a",
        "external_id": "W-1001",
        "status": "paid",
        "buyer": {"id": "u-1", "nick": "小王", "level": 2},
        "consignee": {
            "name": "张三",
            "phone": "13812345678",
            "province": "浙江省",
            "city": "杭州市",
            "district": "西湖区",
            "address": "文三路100号2幢301室",
            "postal_code": "310000",
        },
        "buyer_remark": "周末送货",
        "amounts": {"discount_merchant": "10.00", "shipping_fee": "8.00", "paid_amount": "196.00"},
        "paid_at": "2025-01-01T10:00:00+08:00",
        "tags": ["website"],
        "lines": [
            {"sku": "SKU-1", "quantity": 2, "unit_price": "99.00", "discount": "10.00", "external_line_id": "L1"}
        ],
    }
    body.update(changes)
    return body


def post(client, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(URL, body, format="json", **headers)


def test_a_partner_submits_an_order_and_gets_it_back_with_its_location(api, world, cs_a):
    response = post(api(cs_a), order_body())
    assert response.status_code == 201, response.json()
    body = response.json()
    order = Order.objects.get()
    assert body["number"] == order.number
    assert response["Location"] == f"http://testserver/api/v1/orders/{order.number}/"
    assert (body["shop"], body["external_id"], body["status"], body["source"]) == ("shop-a", "W-1001", "paid", "api")
    assert body["amounts"] == {
        "currency": "CNY",
        "goods_amount": "198.00",
        "discount_platform": "0.00",
        "discount_merchant": "10.00",
        "shipping_fee": "8.00",
        "paid_amount": "196.00",
    }
    assert body["lines"][0] | {"title": ""} == {
        "sku": "SKU-1",
        "title": "",
        "quantity": 2,
        "unit_price": "99.00",
        "discount": "10.00",
        "line_total": "188.00",
        "is_gift": False,
        "external_line_id": "L1",
    }
    assert body["consignee"]["phone"] == "13812345678"
    assert body["buyer"] == {"id": "u-1", "nick": "小王", "level": 2}
    assert body["paid_at"] == "2025-01-01T10:00:00+08:00"
    assert body["promised_ship_at"] == "2025-01-03T10:00:00+08:00"  # shop's 48 hours
    assert (order.source, order.warehouse.code, order.tags, order.buyer_remark) == (
        Source.API,
        "wh-a",
        ["website"],
        "周末送货",
    )
    event = order.events.get()
    assert (event.kind, event.actor, event.to_status) == (OrderEvent.Kind.CREATED, cs_a, "paid")


def test_totals_left_out_are_computed_from_the_lines(api, world, cs_a):
    body = order_body(status="pending_payment", paid_at=None, amounts={"shipping_fee": 5})
    body["lines"] = [{"sku": "SKU-2", "quantity": 3, "unit_price": "19.90"}]
    response = post(api(cs_a), body)
    assert response.status_code == 201, response.json()
    assert response.json()["amounts"]["goods_amount"] == "59.70"
    assert response.json()["amounts"]["paid_amount"] == "64.70"
    assert response.json()["status"] == "pending_payment"


def test_the_buyers_email_is_kept_for_buyer_notifications(api, world, cs_a):
    response = post(api(cs_a), order_body(buyer={"id": "u-1", "nick": "小王", "email": "wang@example.com"}))
    assert response.status_code == 201, response.json()
    assert Order.objects.get().buyer_email == "wang@example.com"


def test_the_same_idempotency_key_and_body_give_back_the_same_order(api, world, cs_a):
    client = api(cs_a)
    first = post(client, order_body(), key="key-1")
    again = post(client, order_body(), key="key-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["number"] == first.json()["number"]
    assert again["Location"] == first["Location"]
    assert Order.objects.count() == 1
    assert IdempotencyKey.objects.get().order.number == first.json()["number"]


def test_key_order_and_formatting_of_the_body_do_not_make_it_a_different_request(api, world, cs_a):
    client = api(cs_a)
    first = post(client, order_body(), key="key-1")
    reordered = dict(reversed(list(order_body().items())))
    assert post(client, reordered, key="key-1").json()["number"] == first.json()["number"]


def test_the_same_key_with_a_different_body_is_a_409(api, world, cs_a):
    client = api(cs_a)
    first = post(client, order_body(), key="key-1")
    changed = order_body(buyer_remark="改了")
    response = post(client, changed, key="key-1")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert response.json()["extra"] == {"order_number": first.json()["number"]}
    assert Order.objects.count() == 1


def test_keys_belong_to_the_user_who_sent_them(api, world, cs_a, manager):
    post(api(cs_a), order_body(), key="key-1")
    response = post(api(manager), order_body(external_id="W-2002"), key="key-1")
    assert response.status_code == 201
    assert Order.objects.count() == 2


def test_without_a_key_a_repeated_external_id_is_a_409_naming_the_existing_order(api, world, cs_a):
    client = api(cs_a)
    first = post(client, order_body())
    response = post(client, order_body())
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicate_order"
    assert body["extra"]["order_number"] == first.json()["number"]
    assert first.json()["number"] in body["message"]
    assert Order.objects.count() == 1


def test_a_new_key_for_an_order_that_already_exists_is_still_a_duplicate(api, world, cs_a):
    existing = make_order(shop=world["shop_a"], external_id="W-1001")
    response = post(api(cs_a), order_body(), key="key-new")
    assert (response.status_code, response.json()["code"]) == (409, "duplicate_order")
    assert response.json()["extra"]["order_number"] == existing.number


def lines(*items):
    return [{"sku": "SKU-1", "quantity": 1, "unit_price": "10.00"}, *items]


@pytest.mark.parametrize(
    ("changes", "code", "message"),
    [
        (
            {"lines": lines({"sku": "X", "quantity": 1, "unit_price": "1.00"}), "amounts": {}},
            "unknown_sku",
            "lines[1].sku: no SKU with code 'X'.",
        ),
        (
            {"amounts": {"discount_merchant": "10.00", "shipping_fee": "8.00", "paid_amount": "190.00"}},
            "order_invalid",
            "paid_amount: 190.00 is not goods 198.00 − discounts 10.00 + shipping 8.00 = 196.00.",
        ),
        (
            {"amounts": {"goods_amount": "200.00"}},
            "order_invalid",
            "goods_amount: 200.00 does not equal the lines' price × quantity, 198.00.",
        ),
        ({"paid_at": None}, "order_invalid", "paid_at: a paid order needs its payment time."),
        (
            {"amounts": {"shipping_fee": 8.005}},
            "invalid",
            "amounts.shipping_fee: Ensure that there are no more than 2 decimal places.",
        ),
        (
            {"lines": lines({"sku": "SKU-2", "quantity": 0, "unit_price": "1.00"}), "amounts": {}},
            "invalid",
            "lines[1].quantity: Ensure this value is greater than or equal to 1.",
        ),
        (
            {"lines": lines({"sku": "SKU-2", "quantity": 1, "unit_price": "-1.00"}), "amounts": {}},
            "invalid",
            "lines[1].unit_price: Ensure this value is greater than or equal to 0.",
        ),
        ({"lines": []}, "invalid", "lines: This list may not be empty."),
        ({"external_id": None}, "invalid", "external_id: This field may not be null."),
        ({"status": "shipped"}, "invalid", 'status: "shipped" is not a valid choice.'),
        (
            {"shop": "shop a"},
            "invalid",
            'shop: Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.',
        ),
        ({"consignee": {"adress": "x"}}, "invalid", "consignee.adress: Unknown field."),
        ({"buyer": {"email": "wang at example"}}, "invalid", "buyer.email: Enter a valid email address."),
        ({"paid_at": "2025-01-01 10:00"}, None, None),  # naive time: read as Shanghai time, accepted
    ],
)
def test_bad_orders_are_a_400_naming_the_field(api, world, cs_a, changes, code, message):
    response = post(api(cs_a), order_body(**changes))
    if code is None:
        assert response.status_code == 201, response.json()
        assert response.json()["paid_at"] == "2025-01-01T10:00:00+08:00"
        return
    assert response.status_code == 400, response.json()
    assert (response.json()["code"], response.json()["message"]) == (code, message)
    assert not Order.objects.exists()


def test_a_missing_required_field_is_named(api, world, cs_a):
    body = order_body()
    del body["external_id"]
    response = post(api(cs_a), body)
    assert response.json()["message"] == "external_id: This field is required."
    assert response.json()["extra"]["fields"] == {"external_id": ["This field is required."]}


def test_an_idempotency_key_longer_than_255_characters_is_refused(api, world, cs_a):
    response = post(api(cs_a), order_body(), key="k" * 256)
    assert (response.status_code, response.json()["message"]) == (400, "Idempotency-Key: At most 255 characters.")


def test_only_json_bodies_are_accepted(api, world, cs_a):
    response = api(cs_a).post(URL, {"shop": "shop-a"})  # multipart form
    assert response.status_code == 415


def test_a_shop_the_user_cannot_see_is_a_404(api, world, cs_a):
    response = post(api(cs_a), order_body(shop="shop-b"))
    assert response.status_code == 404
    assert response.json() == {
        "code": "shop_not_found",
        "message": "shop: no shop with code 'shop-b'.",
        "extra": {"field": "shop", "shop": "shop-b"},
    }
    assert post(api(cs_a), order_body(shop="no-such-shop")).json()["code"] == "shop_not_found"


def test_users_without_the_add_order_permission_get_403(api, world, finance, outsider):
    response = post(api(finance), order_body())  # finance sees shop-a but may not create orders
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert post(api(outsider), order_body()).status_code == 403
    assert api().post(URL, order_body(), format="json").status_code == 401
    assert not Order.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_with_one_key_create_exactly_one_order(api, world, cs_a):
    clients = [api(cs_a) for _ in range(8)]

    def submit(client):
        response = post(client, copy.deepcopy(order_body()), key="burst-1")
        return response.status_code, response.json().get("number")

    results, errors = run_together([lambda client=client: submit(client) for client in clients])

    assert errors == []

    assert Order.objects.count() == 1
    number = Order.objects.get().number
    assert sorted(status for status, _ in results) == [200] * 7 + [201], results
    assert {n for _, n in results} == {number}
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_of_one_order_without_a_key_create_it_once(api, world, cs_a):
    clients = [api(cs_a) for _ in range(6)]

    def submit(client):
        response = post(client, order_body())
        return response.status_code, response.json()

    results, errors = run_together([lambda client=client: submit(client) for client in clients])

    assert errors == []

    number = Order.objects.get().number
    assert sorted(status for status, _ in results) == [201] + [409] * 5
    assert {body["extra"]["order_number"] for status, body in results if status == 409} == {number}


def test_the_schema_documents_the_order_paths_the_idempotency_key_and_the_error_body(api):
    response = api().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert {"/api/v1/orders/", "/api/v1/orders/{number}/"} <= set(schema["paths"])
    create = schema["paths"]["/api/v1/orders/"]["post"]
    (key,) = [p for p in create["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["in"] == "header"
    assert {"200", "201", "400", "401", "403", "404", "409"} <= set(create["responses"])
    assert create["responses"]["409"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "Location" in create["responses"]["201"]["headers"]
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {"code", "message", "extra"}
    listing = schema["paths"]["/api/v1/orders/"]["get"]
    assert {"shop", "status", "external_id", "created_after", "created_before", "page", "page_size"} <= {
        p["name"] for p in listing["parameters"]
    }
    assert set(schema["paths"]["/api/v1/orders/{number}/"]) == {"get", "parameters"} or set(
        schema["paths"]["/api/v1/orders/{number}/"]
    ) == {"get"}
