"""A system check: the SMS provider setting names a provider Order Hub has (``manage.py check``, and at start)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

SMS_PROVIDERS = ("aliyun", "tencent")


@register()
def sms_provider_check(app_configs=None, **kwargs) -> list[Error]:
    if settings.NOTIFY_SMS_PROVIDER in SMS_PROVIDERS:
        return []
    return [
        Error(
            f"NOTIFY_SMS_PROVIDER={settings.NOTIFY_SMS_PROVIDER!r} is not an SMS provider.",
            hint=f"Use one of: {', '.join(SMS_PROVIDERS)}.",
            id="integrations.E101",
        )
    ]
