"""JD POP: the order of ``jingdong.pop.order.search`` / ``jingdong.pop.order.get`` → the standard order.
Staff overrides: profile ``jd``."""

DEFAULTS: dict[str, dict[str, str]] = {
    "order": {
        "external_id": "orderId",
        "status": "orderState",
        "modified_at": "modified @datetime",
        "placed_at": "orderStartTime @datetime",
        "paid_at": "paymentConfirmTime @datetime",
        "buyer_nick": "pin",
        "consignee_name": "consigneeInfo.fullname",
        "consignee_phone": "consigneeInfo.mobile|consigneeInfo.telephone",
        "province": "consigneeInfo.province",
        "city": "consigneeInfo.city",
        # JD's own third level (e.g. 三环到四环之间) is not always a district; the address parser decides.
        "district": "consigneeInfo.county",
        "full_address": "consigneeInfo.fullAddress",
        "buyer_remark": "orderRemark",
        "seller_memo": "venderRemark",
        # orderTotalPrice: goods at list price; sellerDiscount: shop-funded; orderPayment: what the buyer
        # pays (balanceUsed is a way of paying, added back). The rest is JD-funded (京东券, 京豆…).
        "goods_amount": "orderTotalPrice @yuan",
        "discount_merchant": "sellerDiscount @yuan",
        "shipping_fee": "freightPrice @yuan",
        "paid_amount": "_oh_paid @yuan",
        "payment_method": "payType",
        "lines": "itemInfoList @raw",
    },
    "line": {
        "sku_code": "outerSkuId",
        "quantity": "itemTotal @int",
        "unit_price": "jdPrice @yuan",
        "title": "skuName",
        "external_line_id": "skuId",
    },
    "cipher": {},
    "status": {
        "WAIT_SELLER_STOCK_OUT": "paid",
        "WAIT_SELLER_DELIVERY": "paid",
        "LOCKED": "paid",
        "POP_ORDER_PAUSE": "paid",
        "WAIT_GOODS_RECEIVE_CONFIRM": "shipped",
        "FINISHED_L": "completed",
        "TRADE_CANCELED": "cancelled",
        "NOT_PAY": "pending_payment",
    },
}

# Fields of a JD POP order that may be absent, empty or "0001-01-01 00:00:00"; an order without them still
# maps. Source: JOS jingdong.pop.order.search / jingdong.pop.order.get response (orderInfoList, consigneeInfo,
# couponDetailList, itemInfoList), https://jos.jd.com/apilist?apiGroupName=%E8%AE%A2%E5%8D%95API — JD answers
# optional fields with "" rather than leaving them out; consigneeInfo.mobile / telephone: either one;
# couponDetailList only when coupons were used. The JOS page could not be fetched here: this list follows
# the sample and the field descriptions quoted in the JOS SDKs, and is to be checked against the live page.
OPTIONAL_FIELDS: tuple[str, ...] = (
    "venderId",
    "orderType",
    "orderSellerPrice",
    "orderRemark",
    "venderRemark",
    "orderEndTime",
    "paymentConfirmTime",
    "modified",
    "balanceUsed",
    "pin",
    "waybill",
    "logisticsId",
    "storeOrder",
    "idSopShipmenttype",
    "parentOrderId",
    "consigneeInfo.telephone",
    "consigneeInfo.mobile",
    "consigneeInfo.county",
    "consigneeInfo.town",
    "consigneeInfo.provinceId",
    "consigneeInfo.cityId",
    "consigneeInfo.countyId",
    "consigneeInfo.townId",
    "couponDetailList",
    "itemInfoList[].wareId",
    "itemInfoList[].productNo",
    "itemInfoList[].giftPoint",
    "itemInfoList[].newStoreId",
)
