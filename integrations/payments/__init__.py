"""Refunds through payment providers: the money of an own-site or WeChat order paid with Alipay or WeChat Pay goes
back through the provider's refund API (``alipay``: ``alipay.trade.refund``; ``wechatpay``: WeChat Pay v3
``POST /v3/refund/domestic/refunds`` and its refund notification). Each client plugs into after-sales' refund
execution as a provider (``code`` + ``refund(request)``), keyed by the order's ``payment_method``; the refund
request number is the provider's idempotency key (``out_request_no`` / ``out_refund_no``), so a retried call never
pays twice. Failures raise ``PaymentProviderError`` saying whether a retry can help (``config.retry`` decides)."""


def providers_register() -> None:
    """Plug the Alipay and WeChat Pay clients into after-sales' refund execution (``payment_method`` codes
    ``alipay`` and ``wechatpay``)."""
    from aftersales.services import refund_provider_register
    from integrations.payments.alipay import AlipayRefunds
    from integrations.payments.wechatpay import WechatPayRefunds

    refund_provider_register(AlipayRefunds())
    refund_provider_register(WechatPayRefunds())
