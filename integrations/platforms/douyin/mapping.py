"""Douyin shop: ``order.searchList`` / ``order.orderDetail`` → the standard order. Amounts in fen, times in
epoch seconds, receivers encrypted with mask fields. Staff overrides: profile ``douyin``."""

DEFAULTS: dict[str, dict[str, str]] = {
    "order": {
        "external_id": "order_id",
        "status": "order_status",
        "modified_at": "update_time @epoch",
        "placed_at": "create_time @epoch",
        "paid_at": "pay_time @epoch",
        "promised_ship_at": "exp_ship_time @epoch",
        "buyer_id": "doudian_open_id",
        "consignee_name": "mask_post_receiver",
        "consignee_phone": "mask_post_tel",
        "province": "mask_post_addr.province.name",
        "city": "mask_post_addr.city.name",
        "district": "mask_post_addr.town.name",
        "address": "_oh_detail",
        "buyer_remark": "buyer_words",
        "seller_memo": "seller_words",
        "goods_amount": "order_amount @fen",
        # Shop-funded: shop coupons and shop promotions; the rest of promotion_amount is platform/talent-funded.
        "discount_merchant": "_oh_shop_discount @fen",
        "shipping_fee": "post_amount @fen",
        "paid_amount": "pay_amount @fen",
        "payment_method": "pay_type",
        "lines": "sku_order_list @raw",
    },
    "line": {
        "sku_code": "out_sku_id|code",
        "quantity": "item_num @int",
        "unit_price": "goods_price @fen",
        "paid": "pay_amount @fen",
        "title": "product_name",
        "external_line_id": "order_id",
        "is_gift": "is_gift @bool",
    },
    "cipher": {
        "post_receiver": "post_receiver",
        "post_tel": "post_tel",
        "post_addr_detail": "post_addr.detail",
    },
    "status": {
        "1": "pending_payment",
        "105": "paid",
        "2": "paid",
        "101": "shipped",
        "3": "shipped",
        "4": "cancelled",
        "5": "completed",
    },
}

# Message push tags (抖店消息推送): order tags name the order, which is fetched; 200 is an after-sale.
ORDER_TAGS = {"100", "101", "102", "103", "104", "105", "106", "108", "110"}
REFUND_TAGS = {"200": "requested", "201": "approved", "206": "refunded", "204": "rejected", "207": "cancelled"}
