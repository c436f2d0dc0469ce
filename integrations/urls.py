from django.urls import path

from integrations import views, webhooks
from integrations.board import metrics
from integrations.logistics import views as logistics_views
from integrations.notify import unsubscribe as notify_unsubscribe
from integrations.payments import notify as payments_notify
from integrations.sandbox import notify as sandbox_notify
from integrations.sandbox import partner as sandbox_partner
from integrations.sandbox import payments as sandbox_payments
from integrations.sandbox import views as sandbox
from integrations.sandbox.logistics import kdniao as sandbox_kdniao
from integrations.sandbox.logistics import kuaidi100 as sandbox_kuaidi100
from integrations.sandbox.logistics import sf as sandbox_sf

urlpatterns = [
    path("metrics", metrics.metrics_view, name="metrics"),
    path("webhooks/logistics/kuaidi100/", logistics_views.kuaidi100_callback, name="logistics-kuaidi100-callback"),
    path("webhooks/logistics/kdniao/", logistics_views.kdniao_callback, name="logistics-kdniao-callback"),
    path("webhooks/logistics/sf/", logistics_views.sf_route_push, name="logistics-sf-route-push"),
    path("webhooks/<slug:platform>/<slug:shop_code>/", webhooks.webhook_receive, name="integrations-webhook"),
    path("sandbox/partner/webhooks/", sandbox_partner.partner_webhook_receive, name="sandbox-partner-webhooks"),
    path("sandbox/partner/webhooks/down/", sandbox_partner.partner_webhook_down, name="sandbox-partner-webhooks-down"),
    path("sandbox/sf/std/service", sandbox_sf.std_service, name="sandbox-sf"),
    path("sandbox/kuaidi100/label/order", sandbox_kuaidi100.label_order, name="sandbox-kuaidi100-label"),
    path("sandbox/kuaidi100/poll", sandbox_kuaidi100.poll, name="sandbox-kuaidi100-poll"),
    path("sandbox/kdniao/api/dist", sandbox_kdniao.api_dist, name="sandbox-kdniao"),
    path(
        "payments/wechatpay/refund-notify/",
        payments_notify.wechatpay_refund_notify,
        name="payments-wechatpay-refund-notify",
    ),
    path("sandbox/payments/alipay/gateway.do", sandbox_payments.alipay_gateway, name="sandbox-payments-alipay"),
    path(
        "sandbox/payments/wechatpay/v3/refund/domestic/refunds",
        sandbox_payments.wechatpay_refunds,
        name="sandbox-payments-wechatpay-refunds",
    ),
    path("notify/unsubscribe/<str:token>/", notify_unsubscribe.unsubscribe_page, name="notify-unsubscribe"),
    path("sandbox/notify/aliyun/", sandbox_notify.aliyun_send_sms, name="sandbox-notify-aliyun"),
    path("sandbox/notify/tencent/", sandbox_notify.tencent_send_sms, name="sandbox-notify-tencent"),
    path("sandbox/notify/dingtalk/robot/send", sandbox_notify.dingtalk_robot_send, name="sandbox-notify-dingtalk"),
    path("sandbox/notify/wecom/webhook/send", sandbox_notify.wecom_robot_send, name="sandbox-notify-wecom"),
    path(
        "sandbox/notify/aliyun-voice/",
        sandbox_notify.aliyun_single_call_by_tts,
        name="sandbox-notify-aliyun-voice",
    ),
    path("sandbox/notify/wechat/cgi-bin/token", sandbox_notify.wechat_token, name="sandbox-notify-wechat-token"),
    path(
        "sandbox/notify/wechat/cgi-bin/message/subscribe/send",
        sandbox_notify.wechat_subscribe_send,
        name="sandbox-notify-wechat-send",
    ),
    path("sandbox/<slug:platform>/push/<slug:shop_code>/", sandbox.sandbox_push_view, name="sandbox-push"),
    path("sandbox/<slug:platform>/fault/<slug:fault>/<path:rest>", sandbox.sandbox_api, name="sandbox-fault"),
    path("sandbox/<slug:platform>/<path:rest>", sandbox.sandbox_api, name="sandbox-api"),
    path("integrations/", views.integrations_index, name="integrations-index"),
    path("integrations/shops/<slug:shop_code>/", views.shop_health_page, name="integrations-shop-health"),
    path("integrations/dead-letters/", views.dead_letter_list, name="integrations-dead-letters"),
    path("integrations/dead-letters/replay/", views.dead_letter_replay_view, name="integrations-dead-letters-replay"),
    path("integrations/inbox/<int:pk>/", views.inbox_message_detail, name="integrations-inbox-message"),
    path("integrations/alerts/", views.alert_list, name="integrations-alerts"),
    path("integrations/alerts/resolve/", views.alert_resolve_view, name="integrations-alerts-resolve"),
    path("integrations/imports/", views.import_upload, name="integrations-imports"),
    path("integrations/imports/<int:pk>/", views.import_detail, name="integrations-import"),
    path("integrations/imports/<int:pk>/start/", views.import_start, name="integrations-import-start"),
    path("integrations/imports/<int:pk>/progress.json", views.import_progress, name="integrations-import-progress"),
    path("integrations/mappings/", views.mapping_list, name="integrations-mappings"),
    path("integrations/mappings/<slug:profile>/", views.mapping_detail, name="integrations-mapping"),
]
