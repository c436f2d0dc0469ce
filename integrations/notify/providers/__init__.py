"""The providers that carry buyer messages, one module each (request format, signature, documented error
codes): ``aliyun`` and ``tencent`` (SMS), ``wechat`` (mini-program subscribe messages), ``email`` (Django mail).

Each has ``NAME`` and ``send(message) -> str`` (the provider's message id), raising
``integrations.exceptions.NotifyProviderError`` with the provider's code and whether a retry can help."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from integrations.notify.moments import Channel


def provider_name(channel: str) -> str:
    """Which provider carries a channel: SMS goes through ``NOTIFY_SMS_PROVIDER`` (aliyun or tencent; checked at
    start by ``integrations.notify.checks``)."""
    if channel == Channel.SMS:
        return settings.NOTIFY_SMS_PROVIDER
    return {Channel.WECHAT: "wechat", Channel.EMAIL: "email"}[channel]


def provider_module(name: str):
    from integrations.notify.providers import aliyun, email, tencent, wechat

    modules = {module.NAME: module for module in (aliyun, tencent, wechat, email)}
    if name not in modules:
        raise LookupError(f"no buyer notification provider {name!r} (one of {', '.join(sorted(modules))})")
    return modules[name]


def reply_json(raw: bytes) -> Any:
    """A provider's answer as JSON, or None when it is not JSON (the caller says what that means)."""
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return None
