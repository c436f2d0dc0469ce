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
