"""The providers that carry buyer messages, one module each (request format, signature, documented error
codes): ``aliyun`` and ``tencent`` (SMS), ``wechat`` (mini-program subscribe messages), ``email`` (Django mail).

Each has ``NAME`` and ``send(message) -> str`` (the provider's message id), raising
``integrations.exceptions.NotifyProviderError`` with the provider's code and whether a retry can help. The SMS
providers also send many messages in one call: ``BATCH_LIMIT`` (the most numbers a call takes),
``batch_key(message)`` (messages with the same key can go in one call) and ``send_batch(messages)`` (each
message with its provider message id or its error)."""

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


# What a provider call did for each of its messages: the provider's message id, or the error it met.
Outcome = tuple[Any, "str | Exception"]


class SendAlone(Exception):  # noqa: N818 - an outcome, not a failure
    """A batch's outcome for each of its messages when the provider refused the whole call for a reason one of
    them may cause (Aliyun answers a batch once): each is to be sent again on its own. ``refusal``: the batch's
    error."""

    def __init__(self, refusal: Exception):
        super().__init__(str(refusal))
        self.refusal = refusal


def calls_plan(messages: list) -> list[list]:
    """How ``messages`` go out, call by call, in the order they come: the messages a provider can send together
    (the same ``batch_key``: for Aliyun the template, for Tencent Cloud the template and the same values) share
    a call, up to its ``BATCH_LIMIT`` numbers and never the same number twice (Tencent answers per number);
    every other message (WeChat, e-mail) is a call of its own."""
    calls: list[list] = []
    open_calls: dict[tuple, tuple[list, set[str]]] = {}
    for message in messages:
        module = provider_module(message.provider)
        key_of = getattr(module, "batch_key", None)
        if key_of is None:
            calls.append([message])
            continue
        key = (message.provider, *key_of(message))
        call, phones = open_calls.get(key, (None, set()))
        if call is None or len(call) >= module.BATCH_LIMIT or message.recipient in phones:
            call, phones = [], set()
            open_calls[key] = (call, phones)
            calls.append(call)
        call.append(message)
        phones.add(message.recipient)
    return calls


def provider_call(messages: list) -> list[Outcome]:
    """Send the messages of one call (``calls_plan``): one message by the provider's ``send``, several by its
    ``send_batch``. An error the call itself meets (the network, a refused call) is every message's outcome;
    ``SendAlone`` asks for each message to be sent again alone."""
    if not messages:
        return []
    module = provider_module(messages[0].provider)
    try:
        if len(messages) == 1:
            return [(messages[0], module.send(messages[0]))]
        return module.send_batch(messages)
    except Exception as exc:  # noqa: BLE001 - recorded on each message
        return [(message, exc) for message in messages]
