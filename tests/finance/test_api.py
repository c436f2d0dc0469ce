"""POST /api/v1/finance/statements/ and GET /api/v1/finance/differences/."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from finance.models import Difference, DifferenceStatus, DifferenceType, Statement
from finance.services.differences import difference_status_set
from finance.services.reconciliation import reconcile
from finance.services.statements import statement_import_file
from tests.finance.helpers import BILLS, paid_order

pytestmark = pytest.mark.django_db

UPLOAD = "/api/v1/finance/statements/"
DIFFERENCES = "/api/v1/finance/differences/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def upload(client, name, **fields):
    data = (BILLS / name).read_bytes()
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, data), **fields}, format="multipart")


def test_urls_are_where_partners_expect_them():
    assert reverse("api-finance-statements") == UPLOAD
    assert reverse("api-finance-differences") == DIFFERENCES


def test_upload_returns_the_import_summary(finance_a):
    response = upload(client_for(finance_a), "alipay_trade_20261111_业务明细.csv")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["format"], body["source"], body["status"], body["lines"], body["entity"]) == (
        "alipay_trade",
        "alipay",
        "imported",
        5,
        "ent-a",
    )
    assert body["totals"]["ok"] is True
    assert body["totals"]["declared"]["trade_amount"] == body["totals"]["parsed"]["trade_amount"] == "914.80"
    assert body["totals"]["principal"] == "826.00"
    assert body["errors"] == [] and body["error_count"] == 0
    assert body["url"].endswith(f"/api/v1/finance/statements/{body['id']}/")


def test_upload_reports_bad_rows(finance_a):
    text = (BILLS / "wechatpay_tradebill_20261111_ALL.csv").read_text("utf-8").replace("`SUCCESS,`CMB", "`PAID,`CMB")
    response = client_for(finance_a).post(
        UPLOAD, {"file": SimpleUploadedFile("wx.csv", text.encode())}, format="multipart"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["errors"] == [
        {"row": 2, "column": "交易状态", "value": "PAID", "reason": "不是 SUCCESS、REFUND 或 REVOKED"}
    ]
    assert body["lines"] == 2 and body["totals"]["ok"] is False


def test_a_second_upload_of_the_same_file_is_refused(finance_a):
    client = client_for(finance_a)
    first = upload(client, "wechatpay_tradebill_20261111_ALL.csv").json()

    response = upload(client, "wechatpay_tradebill_20261111_ALL.csv")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "statement_duplicate"
    assert f"对账单 #{first['id']}" in body["message"]
    assert Statement.objects.count() == 1


def test_an_unknown_file_is_a_400_naming_what_is_missing(finance_a):
    response = client_for(finance_a).post(
        UPLOAD, {"file": SimpleUploadedFile("x.csv", "支付宝交易号,商户订单号,业务类型\n".encode())}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "statement_invalid"
    assert "商家实收（元）" in response.json()["message"]


def test_big_files_are_imported_in_the_background(finance_a, settings, django_capture_on_commit_callbacks):
    settings.FINANCE_SYNC_IMPORT_MAX_BYTES = 100
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client_for(finance_a), "alipay_trade_20261111_业务明细.csv")

    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    poll = client_for(finance_a).get(response.json()["url"])
    assert poll.json()["status"] == "imported" and poll.json()["lines"] == 5


def test_upload_needs_the_finance_role_and_an_entity_of_ones_own(finance_a, outsider, entities):
    assert upload(client_for(outsider), "alipay_trade_20261111_业务明细.csv").status_code == 403

    response = upload(client_for(finance_a), "alipay_trade_20261111_业务明细.csv", entity="ent-b")

    assert response.status_code == 403
    assert response.json()["code"] == "entity_not_allowed"


def test_statements_of_other_entities_are_not_found(finance_a, admin_user, entities):
    other = statement_import_file(
        path_or_file=str(BILLS / "wechatpay_tradebill_20261111_ALL.csv"), user=admin_user, entity=entities["b"]
    )

    response = client_for(finance_a).get(f"{UPLOAD}{other.pk}/")

    assert response.status_code == 404
    assert client_for(finance_a).get(UPLOAD).json()["count"] == 0


@pytest.fixture
def differences(world, entities, admin_user):
    """Entity A: the duplicate charge of 000102 (shop A) and the unknown 000101 (payment, refund) and 000199;
    entity B (its WeChat statement): the unknown 000150's payment and refund."""
    sku = world["skus"][0]
    for n, price, dm in (("000102", "79.80", "10.00"), ("000103", "129.00", "0")):
        paid_order(
            shop=world["shop_a"],
            number=f"OH20261111{n}",
            sku=sku,
            price=price,
            discount_merchant=dm,
            discount_platform="10.00" if n == "000103" else "0",
            paid="2026-11-11 00:10:00",
        )
    statement_import_file(
        path_or_file=str(BILLS / "alipay_trade_20261111_业务明细.csv"), user=admin_user, entity=entities["a"]
    )
    statement_import_file(
        path_or_file=str(BILLS / "wechatpay_tradebill_20261111_ALL.csv"), user=admin_user, entity=entities["b"]
    )
    reconcile(date_from=dt.date(2026, 11, 11))
    return Difference.objects.all()


def test_difference_list_shows_what_each_concerns(differences, finance_a):
    response = client_for(finance_a).get(DIFFERENCES, {"type": "duplicate_charge"})

    assert response.status_code == 200
    (item,) = response.json()["results"]
    assert item["type"] == "duplicate_charge"
    assert (item["expected"], item["actual"], item["difference"]) == ("69.80", "139.60", "69.80")
    assert (item["order"], item["shop"], item["entity"], item["status"]) == (
        "OH20261111000102",
        "shop-a",
        "ent-a",
        "open",
    )
    assert item["statement_line"]["row"] == 2
    assert item["refund"] is None and item["age_days"] == 0


def test_difference_list_filters(differences, admin_user, finance_a):
    client = client_for(admin_user)
    assert client.get(DIFFERENCES).json()["count"] == 6

    def types(**params):
        return sorted(d["type"] for d in client.get(DIFFERENCES, params).json()["results"])

    assert types(type="missing_in_hub,refund_not_recorded") == ["missing_in_hub"] * 5
    assert types(type=["duplicate_charge", "cross_period"]) == ["duplicate_charge"]
    assert types(shop="shop-a") == ["duplicate_charge"]
    assert types(date_from="2026-11-12") == []
    assert types(date_from="2026-11-11", date_to="2026-11-11") == sorted(["duplicate_charge", *["missing_in_hub"] * 5])
    difference_status_set(
        difference=Difference.objects.get(type=DifferenceType.DUPLICATE_CHARGE),
        status=DifferenceStatus.RESOLVED,
        actor=admin_user,
    )
    assert types(status="resolved") == ["duplicate_charge"]
    assert types(status="open,investigating") == ["missing_in_hub"] * 5
    bad = client.get(DIFFERENCES, {"type": "nonsense"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"


def test_finance_users_see_only_the_differences_of_their_entities(differences, finance_a):
    seen = [(d["entity"], d["type"]) for d in client_for(finance_a).get(DIFFERENCES).json()["results"]]

    assert sorted(seen) == [("ent-a", "duplicate_charge"), *[("ent-a", "missing_in_hub")] * 3]
    assert Difference.objects.filter(entity__code="ent-b").count() == 2


def test_difference_amounts_are_strings_with_two_places(differences, admin_user):
    for item in client_for(admin_user).get(DIFFERENCES).json()["results"]:
        for name in ("expected", "actual", "difference"):
            assert Decimal(item[name]).as_tuple().exponent == -2


def test_a_token_limited_to_a_shop_sees_only_that_shops_differences_and_statements(differences, admin_user, world):
    from rest_framework.authtoken.models import Token

    from orders.tokens import token_policy_save

    token_policy_save(user=admin_user, read_only=True, shops=[world["shop_a"]], rate="")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=admin_user).key}")
    shops = [d["shop"] for d in client.get(DIFFERENCES).json()["results"]]
    assert shops == ["shop-a"] * Difference.objects.filter(shop=world["shop_a"]).count()
    assert shops and Difference.objects.exclude(shop=world["shop_a"]).exists()
    assert client.get(UPLOAD).json()["count"] == Statement.objects.filter(shop=world["shop_a"]).count()
