"""The payload variation harness: every sample of every platform, varied the ways real payloads vary.

For each sample (shared/samples/platforms) the harness builds variants — every field dropped, every field
null, numbers sent as strings and numeric strings sent as numbers, the line list and every other list
reversed — and maps each
one with the platform's adapter, then checks the amounts the way order creation does (``order_validate``).
Each variant must either

- map to the same order: the same platform order id and status, the same totals (goods, discounts in total,
  shipping, paid), the same lines as a multiset (SKU, quantity, unit price) and — unless the variant
  removed a consignee field — the same consignee; or
- fail with the project's error (``PayloadInvalid`` from mapping, ``OrderInvalid`` from the amount
  check) whose message names the field that was changed.

A field on the platform's documented optional list (``OPTIONAL_FIELDS`` in each mapping module) must map:
dropping or nulling it is never an error. Failures are collected and reported together, one line per
variant, so one run shows everything that is wrong.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from importlib import import_module
from typing import Any

import pytest

from config.errors import ApplicationError
from integrations.platforms import adapter_for
from orders.services import order_validate
from tests.integrations.helpers import sample, shopify_sample

pytestmark = pytest.mark.django_db

DROP = object()


@dataclass(frozen=True)
class Case:
    platform: str
    native: Callable[[], dict[str, Any]]
    lines: str  # where the line list is, as a path
    consignee: tuple[str, ...]  # top-level keys whose change may change the consignee (and nothing else)
    # Documented stand-ins: without the first field of a line, the second is read in its place (PDD: the
    # goods' code for a single-spec goods' SKU code). Such a variant must map as if the second were the first.
    fallbacks: tuple[tuple[str, str], ...] = ()
    name: str = ""  # a real-shop shape built on a sample; empty for the sample itself
    # Fields on the optional list that this shape needs (a step trade's step_trade_status).
    needed: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.name or self.platform


def _taobao() -> dict:
    return sample("taobao_trade_fullinfo.json")["trade_fullinfo_get_response"]["trade"]


def _jd() -> dict:
    return sample("jd_pop_order_search.json")["jingdong_pop_order_search_responce"]["searchorderinfo_result"][
        "orderInfoList"
    ][0]


def _pdd() -> dict:
    return sample("pdd_order_information.json")["order_info_get_response"]["order_info"]


def _douyin() -> dict:
    return sample("douyin_order_searchlist.json")["data"]["shop_order_list"][0]


def _shopify() -> dict:
    return shopify_sample()[1]


def _money_set(amount: str) -> dict:
    return {"shop_money": {"amount": amount, "currency_code": "CNY"}}


def _shopify_guest_deposit_free_shipping() -> dict:
    """A guest's pre-order: no customer, a free-shipping code, total_shipping_price_set, a deposit paid."""
    body = _shopify()
    del body["customer"]
    body.update(
        note=None,
        phone=None,
        email=None,
        financial_status="partially_paid",
        total_discounts="45.00",
        total_price="326.00",
        total_outstanding="226.00",
        total_shipping_price_set=_money_set("15.00"),
        payment_terms={
            "payment_terms_name": "Deposit",
            "payment_schedules": [
                {"amount": "100.00", "completed_at": "2026-11-11T00:03:10+08:00", "due_at": None},
                {"amount": "226.00", "completed_at": None, "due_at": "2026-12-01T00:00:00+08:00"},
            ],
        },
    )
    body["discount_codes"].append({"code": "FREESHIP", "amount": "15.00", "type": "shipping"})
    body["shipping_lines"] = [
        {
            "id": 1,
            "title": "SF Express",
            "price": "15.00",
            "discounted_price": "0.00",
            "discount_allocations": [{"amount": "15.00", "discount_application_index": 1}],
        }
    ]
    return body


def _taobao_step_trade() -> dict:
    trade = _taobao()
    trade.update(
        type="step", status="WAIT_BUYER_PAY", step_trade_status="FRONT_PAID_FINAL_NOPAID", step_paid_fee="50.00"
    )
    return trade


def _pdd_deposit_order() -> dict:
    native = _pdd()
    native.update(
        trade_type=1,
        step_order_info={"advanced_paid_fee": 20.0, "step_paid_fee": 20.0, "step_discount_amount": 0.0,
                         "step_trade_status": 1},
    )  # fmt: skip
    return native


def _douyin_presale() -> dict:
    native = _douyin()
    native["trade_type"] = 2
    native["order_phase_list"] = [
        {"phase_order_id": "P1", "current_phase": 1, "total_phase": 2, "pay_success": True,
         "phase_payable_price": 2000, "phase_pay_amount": 2000, "phase_pay_time": 1762790660},
        {"phase_order_id": "P2", "current_phase": 2, "total_phase": 2, "pay_success": False,
         "phase_payable_price": 9900, "phase_close_time": 1763049600},
    ]  # fmt: skip
    return native


# A Taobao trade's receiver fields: a variant of them may change the consignee and nothing else.
TAOBAO_RECEIVER = (
    "receiver_name",
    "receiver_mobile",
    "receiver_phone",
    "receiver_state",
    "receiver_city",
    "receiver_district",
    "receiver_address",
)

CASES = [
    Case(
        "taobao",
        _taobao,
        "orders.order",
        TAOBAO_RECEIVER,
    ),
    Case("jd", _jd, "itemInfoList", ("consigneeInfo",)),
    Case(
        "pdd",
        _pdd,
        "item_list",
        ("receiver_name_mask", "receiver_phone_mask", "province", "city", "town", "receiver_address_mask"),
        (("item_list[].outer_id", "outer_goods_id"),),
    ),
    Case("douyin", _douyin, "sku_order_list", ("mask_post_receiver", "mask_post_tel", "mask_post_addr")),
    Case("shopify", _shopify, "line_items", ("shipping_address", "customer", "phone")),
    Case(
        "shopify",
        _shopify_guest_deposit_free_shipping,
        "line_items",
        ("shipping_address", "customer", "phone"),
        name="shopify-guest-deposit-free-shipping",
    ),
    Case(
        "taobao",
        _taobao_step_trade,
        "orders.order",
        TAOBAO_RECEIVER,
        name="taobao-step-trade",
        needed=("step_trade_status", "step_paid_fee"),
    ),
    Case(
        "pdd",
        _pdd_deposit_order,
        "item_list",
        ("receiver_name_mask", "receiver_phone_mask", "province", "city", "town", "receiver_address_mask"),
        (("item_list[].outer_id", "outer_goods_id"),),
        name="pdd-deposit-order",
        needed=("trade_type", "step_order_info"),
    ),
    Case(
        "douyin",
        _douyin_presale,
        "sku_order_list",
        ("mask_post_receiver", "mask_post_tel", "mask_post_addr"),
        name="douyin-presale",
        needed=("order_phase_list",),
    ),
]


# --- paths and variants ------------------------------------------------------------------------------------


def _paths(value: Any, prefix: str = "") -> Iterator[str]:
    """Every key of every object in ``value``, as ``a.b`` / ``list[2].c`` paths, parents before children."""
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            yield path
            yield from _paths(item, path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, f"{prefix}[{index}]")


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _steps(path: str) -> list[str | int]:
    return [key if key else int(index) for key, index in _STEP.findall(path)]


def _get(data: Any, path: str) -> Any:
    for step in _steps(path):
        data = data[step]
    return data


def _set(data: Any, path: str, value: Any) -> None:
    *parents, last = _steps(path)
    for step in parents:
        data = data[step]
    if value is DROP:
        del data[last]
    else:
        data[last] = value


def _generic(path: str) -> str:
    """``orders.order[1].num`` → ``orders.order[].num``, the form of the optional-field lists."""
    return re.sub(r"\[\d+\]", "[]", path)


def _leaf(path: str) -> str:
    return [step for step in _steps(path) if isinstance(step, str)][-1]


def _swapped(value: Any) -> Any:
    """A number as the platform could send it as a string, and a numeric string as a number; ``None`` when
    the value has no such twin (text, booleans, zip codes and ids with leading zeros)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        if re.fullmatch(r"-?[1-9]\d{0,17}|0", value):
            return int(value)
        if re.fullmatch(r"-?(0|[1-9]\d{0,9})\.\d{1,2}", value):
            return float(value)
    return None


@dataclass(frozen=True)
class Variant:
    name: str  # "drop orders.order[0].num", "null buyer_message", "string post_amount", "reversed lines"
    path: str
    native: dict[str, Any]
    kind: str


def variants(case: Case) -> Iterator[Variant]:
    base = case.native()
    for path in _paths(base):
        for kind, value in (("drop", DROP), ("null", None)):
            changed = copy.deepcopy(base)
            _set(changed, path, value)
            yield Variant(f"{kind} {path}", path, changed, kind)
        twin = _swapped(_get(base, path))
        if twin is not None:
            changed = copy.deepcopy(base)
            _set(changed, path, twin)
            yield Variant(f"{type(twin).__name__} {path}", path, changed, "type")
        if isinstance(_get(base, path), list) and len(_get(base, path)) > 1 and path != case.lines:
            changed = copy.deepcopy(base)
            _get(changed, path).reverse()
            yield Variant(f"reversed {path}", path, changed, "reorder")  # coupons, phases, schedules…
    changed = copy.deepcopy(base)
    _get(changed, case.lines).reverse()
    yield Variant("reversed lines", case.lines, changed, "reorder")


# --- what an order is, for comparing ------------------------------------------------------------------------


def mapped(platform: str, native: dict[str, Any]) -> dict[str, Any]:
    order = adapter_for(platform).to_platform_order(copy.deepcopy(native)).order
    data = order.data
    goods, paid = order_validate(data)
    presale = order.presale
    return {
        "external_id": data.external_id,
        "status": (order.target_status, data.status),
        "presale": None
        if presale is None
        else (presale.deposit, presale.balance, presale.deposit_paid, presale.balance_paid),
        "deadline": presale.balance_due_at if presale is not None else None,
        "totals": (goods, data.discount_platform + data.discount_merchant, data.shipping_fee, paid),
        "lines": Counter((line.sku_code, int(line.quantity), line.unit_price) for line in data.lines),
        "line_discounts": Counter((line.sku_code, line.discount) for line in data.lines),
        "consignee": (
            data.consignee_name,
            data.consignee_phone,
            data.province,
            data.city,
            data.district,
            data.address,
        ),
    }


def _optional(case: Case) -> frozenset[str]:
    module = import_module(f"integrations.platforms.{case.platform}.mapping")
    return frozenset(module.OPTIONAL_FIELDS) - set(case.needed)


def judge(case: Case, variant: Variant, expected: dict[str, Any], optional: frozenset[str]) -> str | None:
    """``None`` when the variant behaves; otherwise what is wrong, in one line."""
    generic = _generic(variant.path)
    is_optional = variant.kind in ("drop", "null") and generic in optional
    for field, stand_in in case.fallbacks:
        if variant.kind in ("drop", "null") and generic == field:
            parent = variant.path.rpartition(".")[0]
            instead = copy.deepcopy(case.native())
            _set(instead, variant.path, _get(instead, f"{parent}.{stand_in}"))
            expected = mapped(case.platform, instead)
    try:
        got = mapped(case.platform, variant.native)
    except ApplicationError as exc:
        if is_optional:
            return f"{variant.name}: documented as optional but refused: {exc.message}"
        if variant.kind == "reorder":
            return f"{variant.name}: refused: {exc.message}"
        if _leaf(variant.path) not in exc.message:
            return f"{variant.name}: refused without naming {_leaf(variant.path)!r}: {exc.message}"
        return None
    except Exception as exc:  # noqa: BLE001 - anything else is the bug the harness is here to find
        return f"{variant.name}: crashed with {type(exc).__name__}: {exc}"
    compared = ["external_id", "status", "totals", "lines", "presale"]
    if variant.kind in ("reorder", "type"):
        compared += ["line_discounts", "deadline"]
    touches_consignee = _steps(variant.path)[0] in case.consignee
    if variant.kind in ("reorder", "type") or not touches_consignee:
        compared.append("consignee")
    differences = [f"{key} {expected[key]} → {got[key]}" for key in compared if got[key] != expected[key]]
    if differences:
        return f"{variant.name}: maps to another order: {'; '.join(differences)}"
    return None


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_every_variant_of_every_sample_maps_to_the_same_order_or_names_the_field(
    case, shopify, taobao, jd, pdd, douyin
):
    expected = mapped(case.platform, case.native())
    optional = _optional(case)
    problems = []
    count = 0
    for variant in variants(case):
        count += 1
        problem = judge(case, variant, expected, optional)
        if problem:
            problems.append(problem)
    assert count > 50  # the harness really varied the sample
    assert not problems, f"{len(problems)} of {count} variants misbehave:\n" + "\n".join(problems)


@pytest.mark.parametrize("case", [case for case in CASES if not case.name], ids=lambda case: case.platform)
def test_every_documented_optional_field_is_in_the_sample_or_its_lines(case):
    """The optional lists name real fields: each is a field of the sample (so the harness varies it) or a
    field the sample happens not to carry, spelled as the platform spells its neighbours."""
    known = {_generic(path) for path in _paths(case.native())}
    optional = _optional(case)
    unknown = sorted(field for field in optional if field not in known)
    # Fields the samples do not carry are varied by the hand-written shapes (test_real_shop_shapes).
    assert set(unknown) <= ABSENT_FROM_SAMPLES[case.platform], unknown


ABSENT_FROM_SAMPLES: dict[str, set[str]] = {
    "taobao": {"send_time"},
    "jd": set(),
    "pdd": {"step_order_info"},
    "douyin": {"order_phase_list", "mask_post_addr.street", "promotion_shop_amount", "doudian_open_id"},
    "shopify": {"total_shipping_price_set", "shipping_lines[].discount_allocations", "phone"},
}


def test_the_harness_catches_a_mapping_that_loses_money(shopify, monkeypatch):
    """A harness that cannot fail proves nothing: a mapping that reads shipping from the wrong place is
    reported with the variant that shows it."""
    shopify_adapter = import_module("integrations.platforms.shopify.adapter")
    monkeypatch.setattr(shopify_adapter, "SHIPPING_GROSS", "shipping_lines[].discounted_price @yuan")
    case = next(case for case in CASES if case.id == "shopify")
    expected = {
        "external_id": "6123456789012",
        "status": ("paid", "paid"),
        "totals": (Decimal("356.00"), Decimal("30.00"), Decimal("15.00"), Decimal("341.00")),
        "lines": Counter({("FLW-SERUM-30ML", 2, Decimal("129.00")): 1, ("FLW-MASK-5P", 1, Decimal("98.00")): 1}),
    }
    variant = next(v for v in variants(case) if v.name == "drop shipping_lines[0].discounted_price")

    problem = judge(case, variant, expected | {"consignee": None, "line_discounts": None}, _optional(case))

    assert problem is not None and problem.startswith("drop shipping_lines[0].discounted_price: ")
