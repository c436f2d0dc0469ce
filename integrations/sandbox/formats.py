"""The sandbox's generated orders in each platform's own format (the same shapes as shared/samples), their
order ids, and the push messages each platform would send about them."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from django.utils import timezone

from integrations.mapping import SHANGHAI
from integrations.sandbox.data import GenOrder, shop_tag

PLATFORMS = ("taobao", "jd", "pdd", "douyin", "shopify")


# --- ids ---------------------------------------------------------------------------------------------------


def order_id(platform: str, order: GenOrder) -> str:
    tag = shop_tag(order.app_key)
    if platform == "taobao":
        return f"4{tag:04d}{order.seq:014d}"
    if platform == "jd":
        return f"3{tag:04d}{order.seq:08d}"
    if platform == "pdd":
        return f"{timezone.localtime(order.created, SHANGHAI):%y%m%d}-{tag:04d}{order.seq:011d}"
    if platform == "douyin":
        return f"69{tag:04d}{order.seq:011d}00"
    if platform == "shopify":
        return f"6{tag:04d}{order.seq:08d}"
    raise ValueError(platform)


def seq_of(platform: str, app_key: str, external_id: str) -> int | None:
    """The sequence number inside one of this shop's order ids, or None if the id is not this shop's."""
    tag = f"{shop_tag(app_key):04d}"
    text = str(external_id)
    if platform == "pdd":
        text = text.split("-", 1)[-1]
        head, digits = text[:4], text[4:]
    elif platform == "douyin":
        head, digits = text[2:6], text[6:-2]
    else:
        head, digits = text[1:5], text[5:]
    if head != tag or not digits.isdigit():
        return None
    return int(digits)


# --- helpers -----------------------------------------------------------------------------------------------


def _local(moment: dt.datetime | None) -> str:
    if moment is None:
        return "0001-01-01 00:00:00"
    return timezone.localtime(moment, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def _iso(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment, SHANGHAI).isoformat(timespec="seconds") if moment else None


def _epoch(moment: dt.datetime | None) -> int:
    return int(moment.timestamp()) if moment else 0


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _fen(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


def _mask_name(name: str) -> str:
    return name[0] + "*" * max(1, len(name) - 1)


def _mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


def _cipher(kind: str, value: str, style: str) -> str:
    blob = base64.b64encode(hashlib.sha256(f"{kind}:{value}".encode()).digest()[:24]).decode()
    return f"~{blob}~0~" if style == "pdd" else f"#{blob[:4]}#{blob}#0#"


def _short_province(province: str) -> str:
    for suffix in ("省", "市", "壮族自治区", "回族自治区", "维吾尔自治区", "自治区"):
        if province.endswith(suffix):
            return province[: -len(suffix)]
    return province


# --- formats -----------------------------------------------------------------------------------------------


def taobao_trade(order: GenOrder) -> dict[str, Any]:
    tid = order_id("taobao", order)
    name, phone, province, city, district, detail = order.consignee
    status = {"unpaid": "WAIT_BUYER_PAY", "paid": "WAIT_SELLER_SEND_GOODS", "closed": "TRADE_CLOSED_BY_TAOBAO"}
    lines = []
    for index, line in enumerate(order.lines):
        paid = line.price * line.quantity - line.discount
        refund = order.refund_requested_at is not None and index == 0
        lines.append(
            {
                "oid": int(f"5{tid[1:]}{index}"),
                "num_iid": 680000000000 + index,
                "outer_sku_id": line.sku,
                "title": line.title,
                "price": _money(line.price),
                "num": line.quantity,
                "total_fee": _money(paid),
                "payment": _money(paid),
                "discount_fee": _money(line.discount),
                "divide_order_fee": _money(paid),
                "status": status[order.state],
                "refund_status": "WAIT_SELLER_AGREE" if refund else "NO_REFUND",
            }
        )
    return {
        "tid": int(tid),
        "tid_str": tid,
        "type": "fixed",
        "status": status[order.state],
        "buyer_nick": f"t**{order.seq % 10}",
        "buyer_open_uid": f"AAH{hashlib.md5(tid.encode(), usedforsecurity=False).hexdigest()[:21]}",
        "created": _local(order.created),
        "pay_time": _local(order.paid) if order.paid else None,
        "modified": _local(order.modified),
        "total_fee": _money(order.goods),
        "post_fee": _money(order.shipping),
        "discount_fee": _money(order.shop_discount),
        "coupon_fee": _fen(order.platform_discount),
        "payment": _money(order.payment),
        "buyer_message": order.remark,
        "seller_memo": "",
        "receiver_name": _mask_name(name),
        "receiver_mobile": _mask_phone(phone),
        "receiver_state": province,
        "receiver_city": city,
        "receiver_district": district,
        "receiver_address": detail,
        "receiver_zip": "",
        "oaid": hashlib.sha1(f"oaid{tid}".encode(), usedforsecurity=False).hexdigest()[:24],
        "pay_channel": "alipay",
        "orders": {"order": lines},
    }


def jd_order(order: GenOrder) -> dict[str, Any]:
    name, phone, province, city, district, detail = order.consignee
    short = _short_province(province)
    municipal = city == province
    state = {"unpaid": "NOT_PAY", "paid": "WAIT_SELLER_STOCK_OUT", "closed": "TRADE_CANCELED"}[order.state]
    if order.refund_requested_at is not None:
        state = "LOCKED"
    coupons = []
    for index, line in enumerate(order.lines):
        sku_id = str(100012345000 + index)
        if line.shop_discount:
            coupons.append({"skuId": sku_id, "couponType": "100-店铺优惠", "couponPrice": _money(line.shop_discount)})
        if line.platform_discount:
            coupons.append(
                {"skuId": sku_id, "couponType": "41-京东券优惠", "couponPrice": _money(line.platform_discount)}
            )
    return {
        "orderId": order_id("jd", order),
        "venderId": "10098765",
        "orderType": "22",
        "payType": "4-在线支付",
        "orderTotalPrice": _money(order.goods),
        "orderSellerPrice": _money(order.goods - order.shop_discount),
        "orderPayment": _money(order.payment),
        "freightPrice": _money(order.shipping),
        "sellerDiscount": _money(order.shop_discount),
        "balanceUsed": "0.00",
        "orderState": state,
        "orderRemark": order.remark,
        "venderRemark": "",
        "orderStartTime": _local(order.created),
        "orderEndTime": "0001-01-01 00:00:00",
        "paymentConfirmTime": _local(order.paid),
        "modified": _local(order.modified),
        "pin": f"jd_****{order.seq % 10000:04d}",
        "consigneeInfo": {
            "fullname": name[0] + "**",
            "telephone": "",
            "mobile": _mask_phone(phone),
            "fullAddress": f"{short}{'' if municipal else city}{district}{detail}",
            "province": short,
            "city": district if municipal else city,
            "county": "" if municipal else district,
            "town": "",
        },
        "couponDetailList": coupons,
        "itemInfoList": [
            {
                "skuId": str(100012345000 + index),
                "outerSkuId": line.sku,
                "skuName": line.title,
                "jdPrice": _money(line.price),
                "itemTotal": str(line.quantity),
            }
            for index, line in enumerate(order.lines)
        ],
    }


def pdd_order(order: GenOrder) -> dict[str, Any]:
    name, phone, province, city, district, detail = order.consignee
    return {
        "order_sn": order_id("pdd", order),
        "trade_type": 0,
        "confirm_status": 1,
        "order_status": 1,
        "refund_status": 2 if order.refund_requested_at else 1,
        "created_time": _local(order.created),
        "confirm_time": _local(order.paid),
        "updated_at": _local(order.modified),
        "last_ship_time": _local((order.paid or order.created) + dt.timedelta(hours=48)),
        "goods_amount": float(order.goods),
        "discount_amount": float(order.shop_discount + order.platform_discount),
        "seller_discount": float(order.shop_discount),
        "platform_discount": float(order.platform_discount),
        "postage": float(order.shipping),
        "pay_amount": float(order.payment),
        "pay_type": "WEIXIN",
        "remark": "",
        "buyer_memo": order.remark,
        "receiver_name": _cipher("name", name, "pdd"),
        "receiver_name_mask": _mask_name(name),
        "receiver_phone": _cipher("phone", phone, "pdd"),
        "receiver_phone_mask": _mask_phone(phone),
        "province": province,
        "city": city,
        "town": district,
        "receiver_address": _cipher("address", detail, "pdd"),
        "receiver_address_mask": f"{province}{city}{district}{detail[:6]}****",
        "item_list": [
            {
                "goods_id": 388800000 + index,
                "sku_id": 1200000000 + index,
                "outer_id": line.sku,
                "goods_name": line.title,
                "goods_price": float(line.price),
                "goods_count": line.quantity,
            }
            for index, line in enumerate(order.lines)
        ],
    }


def douyin_order(order: GenOrder) -> dict[str, Any]:
    name, phone, province, city, district, detail = order.consignee
    oid = order_id("douyin", order)
    status = {"unpaid": (1, "待支付"), "paid": (2, "备货中"), "closed": (4, "已取消")}[order.state]
    return {
        "order_id": oid,
        "shop_id": shop_tag(order.app_key),
        "order_status": status[0],
        "order_status_desc": status[1],
        "create_time": _epoch(order.created),
        "pay_time": _epoch(order.paid),
        "update_time": _epoch(order.modified),
        "exp_ship_time": _epoch((order.paid or order.created) + dt.timedelta(hours=48)),
        "order_amount": _fen(order.goods),
        "pay_amount": _fen(order.payment),
        "post_amount": _fen(order.shipping),
        "promotion_amount": _fen(order.shop_discount + order.platform_discount),
        "shop_coupon_amount": _fen(order.shop_discount),
        "platform_coupon_amount": _fen(order.platform_discount),
        "buyer_words": order.remark,
        "seller_words": "",
        "pay_type": 1,
        "post_receiver": _cipher("name", name, "douyin"),
        "post_tel": _cipher("phone", phone, "douyin"),
        "mask_post_receiver": _mask_name(name),
        "mask_post_tel": _mask_phone(phone),
        "mask_post_addr": {
            "province": {"name": province, "id": ""},
            "city": {"name": city, "id": ""},
            "town": {"name": district, "id": ""},
            "street": {"name": "", "id": ""},
            "detail": f"{detail[:8]} ****",
        },
        "sku_order_list": [
            {
                "order_id": f"{oid[:-2]}{index + 1:02d}",
                "parent_order_id": oid,
                "product_name": line.title,
                "out_sku_id": line.sku,
                "code": line.sku,
                "item_num": line.quantity,
                "goods_price": _fen(line.price),
                "origin_amount": _fen(line.price * line.quantity),
                "pay_amount": _fen(line.price * line.quantity - line.discount),
                "is_gift": False,
            }
            for index, line in enumerate(order.lines)
        ],
    }


def _shopify_money_set(amount: Decimal) -> dict[str, Any]:
    money = {"amount": _money(amount), "currency_code": "CNY"}
    return {"shop_money": money, "presentment_money": dict(money)}


def shopify_refunds(order: GenOrder) -> list[dict[str, Any]]:
    """The order's refunds as Shopify's Order resource lists them (``refunds[]``, each a Refund resource of the
    REST Admin API: https://shopify.dev/docs/api/admin-rest/latest/resources/refund). Shopify has no buyer's
    refund request: the merchant refunds in Shopify's admin, so a sandbox order's refund (every 25th paid order,
    two hours in) is a refund already made — its first line, every unit (``refund_line_items`` with
    ``line_item_id``, ``quantity``, ``restock_type`` ``cancel`` as nothing was fulfilled, ``subtotal_set``), and,
    when that line is the whole order, its shipping too (``refund_shipping_lines`` and the ``shipping_refund``
    order adjustment that goes with it); the money in one successful ``refund`` transaction."""
    if not order.refund_requested_at:
        return []
    oid = order_id("shopify", order)
    first = order.lines[0]
    shipping = order.shipping if len(order.lines) == 1 else Decimal("0.00")
    line_id = int(f"15{oid[1:]}0")
    refund_id = int(f"88{oid[1:]}")
    at = _iso(order.refund_requested_at)
    refund: dict[str, Any] = {
        "id": refund_id,
        "admin_graphql_api_id": f"gid://shopify/Refund/{refund_id}",
        "order_id": int(oid),
        "created_at": at,
        "processed_at": at,
        "note": "买家不想要了，商家在 Shopify 后台退款",
        "restock": True,
        "user_id": 80915726473,
        "refund_line_items": [
            {
                "id": int(f"53{oid[1:]}"),
                "line_item_id": line_id,
                "location_id": 71516717193,
                "quantity": first.quantity,
                "restock_type": "cancel",
                # Shopify's REST body carries this one as a JSON number; Order Hub reads `subtotal_set` (a string)
                # first, and a number only through `convert`, into a Decimal.
                "subtotal": float(order.refund_amount),
                "subtotal_set": _shopify_money_set(order.refund_amount),
                "total_tax": 0.0,
                "total_tax_set": _shopify_money_set(Decimal("0.00")),
                "line_item": {
                    "id": line_id,
                    "sku": first.sku,
                    "quantity": first.quantity,
                    "price": _money(first.price),
                },
            }
        ],
        "refund_shipping_lines": [],
        "order_adjustments": [],
        "transactions": [
            {
                "id": int(f"77{oid[1:]}"),
                "order_id": int(oid),
                "kind": "refund",
                "gateway": "alipay",
                "status": "success",
                "amount": _money(order.refund_amount + shipping),
                "currency": "CNY",
                "parent_id": int(f"9{oid}"),
                "created_at": at,
                "processed_at": at,
            }
        ],
    }
    if shipping:
        refund["refund_shipping_lines"] = [
            {
                "id": int(f"62{oid[1:]}"),
                "shipping_line_id": int(f"36{oid[1:]}"),
                "subtotal_amount_set": _shopify_money_set(shipping),
            }
        ]
        refund["order_adjustments"] = [
            {
                "id": int(f"10{oid[1:]}"),
                "order_id": int(oid),
                "refund_id": refund_id,
                "amount": _money(-shipping),
                "amount_set": _shopify_money_set(-shipping),
                "tax_amount": "0.00",
                "tax_amount_set": _shopify_money_set(Decimal("0.00")),
                "kind": "shipping_refund",
                "reason": "Shipping refund",
            }
        ]
    return [refund]


def shopify_refunded(native: dict[str, Any]) -> dict[str, Any]:
    """``native`` (a sandbox Shopify order) with ``financial_status`` as its ``refunds`` leave it: ``refunded``
    when they gave back all of ``total_price``, ``partially_refunded`` when some of it."""
    if native.get("financial_status") not in ("paid", "partially_refunded", "refunded"):
        return native
    back = sum(
        (
            Decimal(str(t["amount"]))
            for refund in native.get("refunds") or []
            for t in refund.get("transactions") or []
            if t.get("kind") == "refund" and t.get("status") == "success"
        ),
        Decimal("0.00"),
    )
    if back > 0:
        total = Decimal(str(native["total_price"]))
        native["financial_status"] = "refunded" if back >= total else "partially_refunded"
    return native


def shopify_order(order: GenOrder) -> dict[str, Any]:
    name, phone, province, city, district, detail = order.consignee
    oid = order_id("shopify", order)
    financial = {"unpaid": "pending", "paid": "paid", "closed": "voided"}[order.state]
    discounts = order.shop_discount + order.platform_discount
    closed_at = order.created + dt.timedelta(minutes=30) if order.state == "closed" else None
    native = {
        "id": int(oid),
        "name": f"#{1000 + order.seq}",
        "order_number": 1000 + order.seq,
        "email": f"buyer{order.seq}@example.com",
        "created_at": _iso(order.created),
        "updated_at": _iso(order.modified),
        "processed_at": _iso(order.paid or order.created),
        "currency": "CNY",
        "financial_status": financial,
        "fulfillment_status": None,
        "cancelled_at": _iso(closed_at),
        "taxes_included": True,
        "total_tax": "0.00",
        "total_line_items_price": _money(order.goods),
        "subtotal_price": _money(order.goods - discounts),
        "total_discounts": _money(discounts),
        "total_price": _money(order.payment),
        "note": order.remark,
        "tags": "",
        "payment_gateway_names": ["alipay"],
        "shipping_lines": [
            {"title": "SF Express", "price": _money(order.shipping), "discounted_price": _money(order.shipping)}
        ],
        "line_items": [
            {
                "id": int(f"15{oid[1:]}{index}"),
                "sku": line.sku,
                "title": line.title,
                "name": line.title,
                "quantity": line.quantity,
                "price": _money(line.price),
                "discount_allocations": [{"amount": _money(line.discount), "discount_application_index": 0}]
                if line.discount
                else [],
            }
            for index, line in enumerate(order.lines)
        ],
        "shipping_address": {
            "name": name,
            "phone": phone,
            "address1": f"{district}{detail}",
            "address2": "",
            "city": city,
            "province": province,
            "country": "China",
            "country_code": "CN",
            "zip": "",
        },
        "customer": {"id": 7000000000 + order.seq, "first_name": name[1:], "last_name": name[0]},
        "refunds": shopify_refunds(order),
    }
    return shopify_refunded(native)


NATIVE = {"taobao": taobao_trade, "jd": jd_order, "pdd": pdd_order, "douyin": douyin_order, "shopify": shopify_order}


def visible(platform: str):
    """Which orders a platform's feeds show: Pinduoduo hands out paid orders only."""
    if platform == "pdd":
        return lambda order: order.state == "paid"
    return None


# --- push messages -----------------------------------------------------------------------------------------


def push_messages(platform: str, order: GenOrder) -> list[dict[str, Any]]:
    """What the platform pushes about the order's latest change (thin notices, except Shopify's full order)."""
    external = order_id(platform, order)
    at = order.modified
    what = order.events[-1][1]
    msg_id = int(hashlib.sha256(f"{platform}{external}{_epoch(at)}".encode()).hexdigest()[:12], 16)
    if platform == "taobao":
        topic = {
            "created": "taobao_trade_TradeCreate",
            "paid": "taobao_trade_TradeBuyerPay",
            "closed": "taobao_trade_TradeClose",
            "address_changed": "taobao_trade_TradeLogisticsAddressChanged",
            "refund_requested": "taobao_trade_TradeChanged",
        }[what]
        content = {"tid": int(external), "status": taobao_trade(order)["status"], "payment": _money(order.payment)}
        return [
            {
                "id": msg_id,
                "topic": topic,
                "user_nick": "沙箱店铺",
                "pub_app_key": order.app_key,
                "pub_time": _local(at),
                "content": json.dumps(content, ensure_ascii=False),
            }
        ]
    if platform == "jd":
        topic = {"created": "jos_order_create", "paid": "jos_order_pay", "closed": "jos_order_cancel"}.get(
            what, "jos_order_change"
        )
        return [{"msgId": str(msg_id), "topic": topic, "orderId": external, "time": _local(at)}]
    if platform == "pdd":
        topic = "pdd_trade_TradeLogisticsAddressChanged" if what == "address_changed" else "pdd_trade_TradeConfirmed"
        return [
            {"id": msg_id, "type": topic, "content": json.dumps({"tid": external, "mall_id": shop_tag(order.app_key)})}
        ]
    if platform == "douyin":
        tag = {"created": "100", "paid": "101", "closed": "106", "address_changed": "105", "refund_requested": "101"}[
            what
        ]
        data = {
            "p_id": external,
            "shop_id": shop_tag(order.app_key),
            "order_status": douyin_order(order)["order_status"],
            "update_time": _epoch(at),
        }
        return [{"tag": tag, "msg_id": str(msg_id), "data": json.dumps(data)}]
    if platform == "shopify":
        return [shopify_order(order)]
    raise ValueError(platform)


def shopify_topic(order: GenOrder) -> str:
    what = order.events[-1][1]
    return {"created": "orders/create", "closed": "orders/cancelled"}.get(what, "orders/updated")
