"""The templates every installation starts with (one per moment and channel, for every shop), written by a
migration and editable by managers. SMS and WeChat templates need the provider's template code before anything
is sent on them (``services.NEEDS_CODE``); e-mail ones work as they are. Plain data: the migration reads it."""

from __future__ import annotations

TEXTS = {
    "paid": ("订单已付款", "【{shop}】您的订单{order_number}已付款{amount}元，我们会尽快为您发货。"),
    "shipped": (
        "订单已发货",
        "【{shop}】您的订单{order_number}已由{carrier}发出，运单号{tracking_number}，查看物流：{tracking_url}",
    ),
    "delivered": ("订单已签收", "【{shop}】您的订单{order_number}已于{delivered_at}签收，感谢惠顾。"),
    "delayed": (
        "物流延误提醒",
        "【{shop}】抱歉，您的订单{order_number}（{carrier} {tracking_number}）物流延误：{reason}。"
        "我们正在跟进，查看物流：{tracking_url}",
    ),
    "intercepted": (
        "包裹已拦截",
        "【{shop}】您的订单{order_number}的包裹（{carrier} {tracking_number}）已拦截：{reason}。",
    ),
    "refunded": ("退款已完成", "【{shop}】您的订单{order_number}已退款{refund_amount}元，请留意原支付账户。"),
    "presale_due": ("预售尾款提醒", "【{shop}】您预订的订单{order_number}尾款{balance}元，请在{due_at}前支付。"),
}

# The provider template's parameters (Aliyun names them; for Tencent Cloud key them 1, 2, 3…). Aliyun refuses a
# link as a variable (isv.PARAM_NOT_SUPPORT_URL): its templates fix the address and take the token,
# e.g. "查看物流 https://oms.example.com/track/s/${token}/".
SMS_PARAMS = {
    "paid": {"order": "{order_number}", "amount": "{amount}"},
    "shipped": {
        "order": "{order_number}",
        "carrier": "{carrier}",
        "number": "{tracking_number}",
        "token": "{tracking_token}",
    },
    "delivered": {"order": "{order_number}", "time": "{delivered_at}"},
    "delayed": {"order": "{order_number}", "reason": "{reason}", "token": "{tracking_token}"},
    "intercepted": {"order": "{order_number}", "reason": "{reason}"},
    "refunded": {"order": "{order_number}", "amount": "{refund_amount}"},
    "presale_due": {"order": "{order_number}", "amount": "{balance}", "time": "{due_at}"},
}

# Keys of the WeChat subscribe message template (the kinds limit the values: thing ≤ 20 characters …).
WECHAT_PARAMS = {
    "paid": {"character_string1": "{order_number}", "amount2": "{amount}", "thing3": "{shop}"},
    "shipped": {"character_string1": "{order_number}", "thing2": "{carrier}", "character_string3": "{tracking_number}"},
    "delivered": {"character_string1": "{order_number}", "time2": "{delivered_at}"},
    "delayed": {"character_string1": "{order_number}", "thing2": "{reason}"},
    "intercepted": {"character_string1": "{order_number}", "thing2": "{reason}"},
    "refunded": {"character_string1": "{order_number}", "amount2": "{refund_amount}"},
    "presale_due": {"character_string1": "{order_number}", "amount2": "{balance}", "time3": "{due_at}"},
}


def default_rows() -> list[dict]:
    rows = []
    for moment, (subject, body) in TEXTS.items():
        rows.append({"moment": moment, "channel": "sms", "body": body, "params": SMS_PARAMS[moment]})
        rows.append({"moment": moment, "channel": "wechat", "body": body, "params": WECHAT_PARAMS[moment]})
        rows.append({"moment": moment, "channel": "email", "subject": subject, "body": body, "params": {}})
    return rows
