import pytest

from orders.masking import consignee_for, mask_address, mask_email, mask_phone, user_sees_pii
from tests.factories import make_order


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+8613812345678", "+86****5678"),
        ("12345", "***45"),
        ("", ""),
        ("138****5678", "138****5678"),
    ],
)
def test_phone_masking(phone, masked):
    assert mask_phone(phone) == masked


def test_email_masking_keeps_only_the_first_letter_and_the_domain():
    assert mask_email("wang.lei@example.com") == "w***@example.com"
    assert (mask_email(""), mask_email("no-at-sign")) == ("", "***")


def test_address_masking_keeps_only_the_start():
    assert mask_address("文三路478号华星时代广场A座1203") == "文三路****"
    assert mask_address("") == ""
    assert "1203" not in mask_address("文三路478号华星时代广场A座1203")


@pytest.mark.django_db
def test_roles_that_need_the_address_see_it_and_finance_does_not(cs_a, warehouse_b, manager, finance, outsider):
    assert [user_sees_pii(u) for u in (cs_a, warehouse_b, manager, finance, outsider)] == [
        True,
        True,
        True,
        False,
        False,
    ]
    order = make_order(consignee_phone="13812345678", address="文三路478号华星时代广场A座1203")
    assert consignee_for(cs_a, order)["phone"] == "13812345678"
    shown = consignee_for(finance, order)
    assert (shown["phone"], shown["address"], shown["masked"]) == ("138****5678", "文三路****", True)
    assert shown["province"] == order.province  # the region is not personal data
