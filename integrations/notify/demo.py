"""Buyer notifications' part of the demo: the seeded templates get sandbox provider codes (so orders of the own
website and the mini-program shop are messaged while ``make run`` plays the platforms), and the log starts with
a sent message, one not sent because the buyer opted out, and one parked after the provider refused the number
(replay it from the admin: the sandbox refuses numbers ending in 0000 again)."""

from __future__ import annotations

from django.utils import timezone

from integrations.notify.models import BuyerMessage, NotificationTemplate
from integrations.notify.moments import Channel, Moment
from integrations.notify.rendering import fill, order_values
from integrations.notify.services import buyer_opt_out, notification_templates_ensure
from orders.models import Order, Platform


def buyer_notifications_demo_ensure() -> dict[str, int]:
    notification_templates_ensure()
    for template in NotificationTemplate.objects.filter(shop=None, code="", channel__in=[Channel.SMS, Channel.WECHAT]):
        prefix = "SMS_DEMO_" if template.channel == Channel.SMS else "demo-wx-"
        template.code = f"{prefix}{template.moment.upper()}"
        template.save(update_fields=["code", "updated_at"])
    orders = list(
        Order.objects.filter(shop__platform__in=[Platform.WEBSITE, Platform.WECHAT])
        .exclude(paid_at=None)
        .exclude(consignee_phone="")
        .select_related("shop")
        .order_by("pk")[:3]
    )
    if len(orders) < 3:
        return {"buyer_messages": BuyerMessage.objects.count()}
    template = NotificationTemplate.objects.get(shop=None, moment=Moment.PAID, channel=Channel.SMS)
    sent, opted_out, refused = orders
    buyer_opt_out(channel=Channel.SMS, address=opted_out.consignee_phone, reason="演示：买家来电要求不再发送短信")
    now = timezone.now()
    for order, status, recipient, extra in (
        (sent, BuyerMessage.Status.SENT, sent.consignee_phone, {"provider_message_id": "900619746936498440^0"}),
        (opted_out, BuyerMessage.Status.OPTED_OUT, opted_out.consignee_phone, {}),
        (
            refused,
            BuyerMessage.Status.DEAD,
            "13900000000",
            {
                "error_code": "isv.MOBILE_NUMBER_ILLEGAL",
                "last_error": "NotifyProviderError: Aliyun SMS isv.MOBILE_NUMBER_ILLEGAL: 非法手机号",
                "attempts": 1,
            },
        ),
    ):
        values = order_values(order, {})
        BuyerMessage.objects.get_or_create(
            moment=Moment.PAID,
            source_key=f"demo:{order.pk}",
            channel=Channel.SMS,
            defaults={
                "order": order,
                "shop_id": order.shop_id,
                "provider": "aliyun",
                "recipient": recipient,
                "template": template,
                "code": template.code,
                "text": fill(template.body, values),
                "params": {k: fill(str(v), values) for k, v in template.params.items()},
                "status": status,
                "sent_at": now if status == BuyerMessage.Status.SENT else None,
                **extra,
            },
        )
    return {"buyer_messages": BuyerMessage.objects.count()}
