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
    "taobao_refund_RefundClosed": "cancelled",
}
