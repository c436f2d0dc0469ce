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
REFUND_TAGS = {"200": "requested", "201": "approved", "206": "refunded", "204": "rejected", "207": "withdrawn"}

# Fields of a Douyin shop order that may be absent, null, 0 or empty; an order without them still maps.
# Source: order.orderDetail / order.searchList (https://op.jinritemai.com/docs/api-docs/15/1343) —
# buyer_words / seller_words empty unless written; pay_time 0 before payment; the promotion and coupon
# amounts only where a promotion applied; order_phase_list ("定金预售阶段单") empty for ordinary orders;
# sku_order_list[].out_sku_id only when the merchant set one (code is the fallback). The page itself could not
# be fetched here: the field descriptions were read from the SDKs generated from it.
OPTIONAL_FIELDS: tuple[str, ...] = (
    "shop_id",
    "order_status_desc",
    "main_status",
    "update_time",
    "exp_ship_time",
    "promotion_amount",
    "shop_coupon_amount",
    "platform_coupon_amount",
    "promotion_shop_amount",
    "buyer_words",
    "seller_words",
    "pay_type",
    "post_receiver",
    "post_tel",
    "mask_post_addr.street",
    "mask_post_addr.town",
    "order_phase_list",
    "doudian_open_id",
    "sku_order_list[].parent_order_id",
    "sku_order_list[].product_id",
    "sku_order_list[].sku_id",
    "sku_order_list[].out_sku_id",
    "sku_order_list[].spec",
    "sku_order_list[].origin_amount",
    "sku_order_list[].pay_amount",
    "sku_order_list[].order_status",
    "sku_order_list[].is_gift",
)

# 定金预售: order_phase_list, one entry per payment phase (current_phase 1 = 定金, the last = 尾款), each with
# phase_payable_price / phase_pay_amount (fen), pay_success, phase_pay_time and phase_close_time (epoch seconds,
# the phase's payment deadline); empty for ordinary orders. Source: order.orderDetail
# (https://op.jinritemai.com/docs/api-docs/15/1343); field meanings read from the SDKs generated from it, not
# from the page itself.
# trade_type 2 = 定金预售 (0 普通, 1 拼团, …): such an order must carry its order_phase_list.
PRESALE_TRADE_TYPE = "2"
