"""Taobao/Tmall: the trade of ``taobao.trade.fullinfo.get`` (and ``taobao.trades.sold.increment.get``)
→ the standard order. Staff overrides: profile ``taobao`` in Field mappings."""

DEFAULTS: dict[str, dict[str, str]] = {
    "order": {
        "external_id": "tid_str|tid",
        "status": "status",
        "modified_at": "modified @datetime",
        "placed_at": "created @datetime",
        "paid_at": "pay_time @datetime",
        "buyer_id": "buyer_open_uid",
        "buyer_nick": "buyer_nick",
        "consignee_name": "receiver_name",
        "consignee_phone": "receiver_mobile|receiver_phone",
        "province": "receiver_state",
        "city": "receiver_city",
        "district": "receiver_district",
        "address": "receiver_address",
        "postal_code": "receiver_zip",
        "buyer_remark": "buyer_message",
        "seller_memo": "seller_memo",
        "goods_amount": "total_fee @yuan",
        # Promotions the shop funds (店铺优惠); what the buyer was spared beyond that is platform-funded and
        # is worked out from total_fee + post_fee − discount_fee − payment.
        "discount_merchant": "discount_fee @yuan",
        "shipping_fee": "post_fee @yuan",
        "paid_amount": "payment @yuan",
        "payment_method": "pay_channel",
        "lines": "orders.order @raw",
    },
    "line": {
        "sku_code": "outer_sku_id|outer_iid",
        "quantity": "num @int",
        "unit_price": "price @yuan",
        # divide_order_fee: what the buyer paid for the line after the order discount was shared out.
        "paid": "divide_order_fee|payment @yuan",
        "title": "title",
        "external_line_id": "oid",
    },
    "cipher": {
        # Receiver data is masked; the real one is reached only through the oaid (decrypt / e-waybill).
        "oaid": "oaid",
    },
    "status": {
        "TRADE_NO_CREATE_PAY": "pending_payment",
        "WAIT_BUYER_PAY": "pending_payment",
        "PAY_PENDING": "pending_payment",
        "WAIT_PRE_AUTH_CONFIRM": "pending_payment",
        "WAIT_SELLER_SEND_GOODS": "paid",
        "SELLER_CONSIGNED_PART": "shipped",
        "WAIT_BUYER_CONFIRM_GOODS": "shipped",
        "TRADE_BUYER_SIGNED": "delivered",
        "TRADE_FINISHED": "completed",
        "TRADE_CLOSED": "closed",
        "TRADE_CLOSED_BY_TAOBAO": "closed",
    },
}

# Line refund_status values meaning a refund is being asked for or handled.
REFUND_PENDING = frozenset(
    {"WAIT_SELLER_AGREE", "WAIT_BUYER_RETURN_GOODS", "WAIT_SELLER_CONFIRM_GOODS", "SELLER_REFUSE_BUYER"}
)

# TMC topics: trade notices are thin (tid only) — the trade is fetched; refund notices carry the refund.
TRADE_TOPICS = frozenset(
    {
        "taobao_trade_TradeCreate",
        "taobao_trade_TradeBuyerPay",
        "taobao_trade_TradeChanged",
        "taobao_trade_TradeLogisticsAddressChanged",
        "taobao_trade_TradeMemoModified",
        "taobao_trade_TradeClose",
        "taobao_trade_TradeCloseAndModifyDetailOrder",
        "taobao_trade_TradeSellerShip",
        "taobao_trade_TradePartlySellerShip",
        "taobao_trade_TradeSuccess",
        "taobao_trade_TradeModifyFee",
    }
)
REFUND_TOPICS = {
    "taobao_refund_RefundCreated": "requested",
    "taobao_refund_RefundSellerAgreeAgreement": "approved",
    "taobao_refund_RefundSellerRefuseAgreement": "rejected",
    "taobao_refund_RefundSuccess": "refunded",
    "taobao_refund_RefundClosed": "withdrawn",
}

# Fields of the trade that may be absent or null; an order without them still maps. TOP leaves empty values
# out of its JSON answers, and several fields exist only for some trades. Source: taobao.trade.fullinfo.get
# (https://open.taobao.com/api.htm?docId=54&docType=2) and its Trade / Order structures — receiver_district
# holds the city for 省直辖县 and receiver_city may be empty; receiver_mobile / receiver_phone: either one;
# divide_order_fee only where the trade has it; outer_sku_id only on items without SKUs (a line with a
# sku_id needs it); step_* only on step (分阶段) trades.
# Paths: ``a.b``; ``[]`` is every element of a list.
OPTIONAL_FIELDS: tuple[str, ...] = (
    "tid_str",
    "buyer_open_uid",
    "buyer_message",
    "seller_memo",
    "seller_flag",
    "pay_time",
    "adjust_fee",
    "received_payment",
    "coupon_fee",
    "paid_coupon_fee",
    "receiver_mobile",
    "receiver_phone",
    "receiver_city",
    "receiver_country",
    "receiver_town",
    "receiver_zip",
    "oaid",
    "trade_from",
    "pay_channel",
    "step_trade_status",
    "step_paid_fee",
    "send_time",
    "promotion_details",
    "orders.order[].sku_id",
    "orders.order[].sku_properties_name",
    "orders.order[].divide_order_fee",
    "orders.order[].part_mjz_discount",
    "orders.order[].discount_fee",
    "orders.order[].adjust_fee",
    "orders.order[].refund_status",
    "orders.order[].is_oversold",
    "orders.order[].store_code",
)

# Step (分阶段付款) trades — presale 定金/尾款: type "step", step_trade_status
# FRONT_NOPAID_FINAL_NOPAID (定金未付尾款未付), FRONT_PAID_FINAL_NOPAID (定金已付尾款未付),
# FRONT_PAID_FINAL_PAID (定金和尾款都付); step_paid_fee is what has been paid so far (分阶段付款的已付金额).
# The trade carries no balance deadline: Taobao closes a trade whose balance is not paid in time.
# Source: the Trade structure of taobao.trade.fullinfo.get (https://open.taobao.com/api.htm?docId=54&docType=2),
# as mirrored in the TOP SDKs' Trade domain.
STEP_STATES = {
    "FRONT_NOPAID_FINAL_NOPAID": (False, False),
    "FRONT_PAID_FINAL_NOPAID": (True, False),
    "FRONT_PAID_FINAL_PAID": (True, True),
}
