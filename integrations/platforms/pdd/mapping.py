"""Pinduoduo: ``pdd.order.information.get`` / increment list → the standard order. Amounts are numbers in
yuan; receiver fields come encrypted (``~…~``) with ``_mask`` twins. Staff overrides: profile ``pdd``."""

DEFAULTS: dict[str, dict[str, str]] = {
    "order": {
        "external_id": "order_sn",
        "status": "_oh_status",
        "modified_at": "updated_at @datetime",
        "placed_at": "created_time @datetime",
        "paid_at": "confirm_time|pay_time @datetime",
        "promised_ship_at": "last_ship_time @datetime",
        "consignee_name": "receiver_name_mask",
        "consignee_phone": "receiver_phone_mask",
        "province": "province",
        "city": "city",
        "district": "town",
        "address": "receiver_address_mask",
        "buyer_remark": "buyer_memo",
        "seller_memo": "remark",
        "goods_amount": "goods_amount @yuan",
        "discount_merchant": "seller_discount @yuan",
        "shipping_fee": "postage @yuan",
        "paid_amount": "pay_amount @yuan",
        "payment_method": "pay_type",
        "lines": "item_list @raw",
    },
    "line": {
        "sku_code": "outer_id|outer_goods_id",
        "quantity": "goods_count @int",
        "unit_price": "goods_price @yuan",
        "title": "goods_name",
        "external_line_id": "sku_id",
    },
    "cipher": {
        "receiver_name": "receiver_name",
        "receiver_phone": "receiver_phone",
        "receiver_address": "receiver_address",
    },
    # _oh_status = order_status, or "refunded" when refund_status says the money went back (4).
    "status": {
        "1": "paid",
        "2": "shipped",
        "3": "completed",
        "refunded": "closed",
    },
}
# refund_status: 1 无售后或售后关闭, 2 售后处理中, 3 退款中, 4 退款成功
REFUND_PENDING = frozenset({2, 3})
REFUNDED = 4

# Fields of a Pinduoduo order that may be absent or null; an order without them still maps. Source:
# pdd.order.information.get (https://open.pinduoduo.com/application/document/api?id=pdd.order.information.get)
# — step_order_info is "定金订单信息，非定金订单该字段为null"; remark / buyer_memo empty unless written;
# last_ship_time, confirm_time only once the order is confirmed; item_list[].outer_id only when the merchant
# set a SKU code — then outer_goods_id, the goods' code, stands for it (single-spec goods), so dropping
# outer_id maps the line to the goods' code. The page itself could not be fetched here: the field
# descriptions were read from the SDKs generated from it.
OPTIONAL_FIELDS: tuple[str, ...] = (
    "trade_type",
    "confirm_status",
    "group_status",
    "refund_status",
    "confirm_time",
    "updated_at",
    "last_ship_time",
    "discount_amount",
    "platform_discount",
    "capital_free_discount",
    "pay_type",
    "pay_no",
    "remark",
    "remark_tag",
    "buyer_memo",
    "is_lucky_flag",
    "free_sf",
    "receiver_name",
    "receiver_phone",
    "receiver_address",
    "tracking_number",
    "logistics_id",
    "step_order_info",
    "item_list[].goods_id",
    "item_list[].sku_id",
    "item_list[].outer_goods_id",
    "item_list[].goods_spec",
)

# 定金订单: trade_type 1; step_order_info {advanced_paid_fee 已付定金 (yuan), step_paid_fee 分阶段已付金额,
# step_discount_amount 膨胀金额, step_trade_status 0 定金未付尾款未付 / 1 定金已付尾款未付 / 2 定金已付尾款已付}, null
# for other orders. No balance deadline is given. Source: pdd.order.information.get (see OPTIONAL_FIELDS).
STEP_STATES = {0: (False, False), 1: (True, False), 2: (True, True)}
