"""WeChat mini-program subscribe messages: ``subscribeMessage.send``.

1. ``GET /cgi-bin/token?grant_type=client_credential&appid=…&secret=…`` → ``{"access_token", "expires_in": 7200}``
   (kept in the cache until shortly before it expires; errcode 40013 bad appid, 40125 bad secret, 40164 IP not
   whitelisted) — https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getAccessToken.html
2. ``POST /cgi-bin/message/subscribe/send?access_token=…`` with ``{"touser": openid, "template_id", "page",
   "data": {"thing1": {"value": "…"}, …}, "miniprogram_state", "lang": "zh_CN"}`` → ``{"errcode": 0, "errmsg":
   "ok", "msgid": …}`` — https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/sendMessage.html
   errcode 40003 openid empty or wrong, 40037 template_id wrong, 43101 the user refused (did not subscribe, or
   cancelled), 47003 template data not valid (errmsg names the field), 41030 page not valid: final. 40001 / 42001
   (token invalid or expired): the token is dropped and the message retried; -1 (system busy) and 45009 (rate
   limit): retried.

A value must fit its key's kind (``thing`` ≤ 20 characters, ``character_string`` / ``number`` / ``letter`` ≤ 32,
``name`` ≤ 10, ``phrase`` ≤ 5): longer values are cut to fit rather than refused.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from integrations import transport
from integrations.exceptions import NotifyProviderError
from integrations.notify.providers import reply_json

NAME = "wechat"
TOKEN_INVALID = frozenset({40001, 42001, 40014})
RETRYABLE = frozenset({-1, 45009, *TOKEN_INVALID})
VALUE_LIMITS = {"thing": 20, "character_string": 32, "number": 32, "letter": 32, "name": 10, "phrase": 5}
PAGE = "pages/order/detail"


def _token_key() -> str:
    return f"notify:wechat:token:{settings.NOTIFY_WECHAT_APP_ID}"


def access_token() -> str:
    token = cache.get(_token_key())
    if token:
        return token
    reply = transport.send(
        "GET",
        f"{settings.NOTIFY_WECHAT_ENDPOINT.rstrip('/')}/cgi-bin/token",
        params={
            "grant_type": "client_credential",
            "appid": settings.NOTIFY_WECHAT_APP_ID,
            "secret": settings.NOTIFY_WECHAT_APP_SECRET,
        },
        timeout=settings.NOTIFY_TIMEOUT_SECONDS,
    )
    body = reply_json(reply.body)
    token = body.get("access_token") if isinstance(body, dict) else None
    if not token:
        errcode = body.get("errcode") if isinstance(body, dict) else None
        raise NotifyProviderError(
            _("WeChat access token: %(errcode)s %(value)s")
            % {"errcode": errcode, "value": body.get("errmsg", "") if isinstance(body, dict) else reply.status},
            provider_code=str(errcode if errcode is not None else f"http_{reply.status}"),
            retryable=errcode in (-1, None) or reply.status >= 500,
        )
    expires = int(body.get("expires_in") or 7200)
    cache.set(_token_key(), token, timeout=max(expires - 300, 60))
    return token


def value_fit(key: str, value: Any) -> str:
    kind = re.sub(r"\d+$", "", key)
    text = str(value)
    limit = VALUE_LIMITS.get(kind)
    return text[:limit] if limit else text


def request_body(*, openid: str, template_id: str, params: dict[str, Any], order_ref: str) -> dict[str, Any]:
    return {
        "touser": openid,
        "template_id": template_id,
        "page": f"{PAGE}?order={order_ref}",
        "data": {key: {"value": value_fit(key, value)} for key, value in params.items()},
        "miniprogram_state": settings.NOTIFY_WECHAT_MINIPROGRAM_STATE,
        "lang": "zh_CN",
    }


def answer_read(status: int, body: Any) -> str:
    if not isinstance(body, dict):
        raise NotifyProviderError(
            _("WeChat answered HTTP %(status)s without a JSON object.") % {"status": status},
            provider_code=f"http_{status}",
            retryable=True,
        )
    errcode = body.get("errcode", 0)
    try:
        errcode = int(errcode)
    except (TypeError, ValueError):
        errcode = -1
    if errcode == 0:
        return str(body.get("msgid") or "")
    if errcode in TOKEN_INVALID:
        cache.delete(_token_key())
    raise NotifyProviderError(
        (
            _("WeChat subscribeMessage.send %(errcode)s: %(errmsg)s")
            % {"errcode": errcode, "errmsg": body.get("errmsg") or ""}
        ).strip(),
        provider_code=str(errcode),
        retryable=errcode in RETRYABLE,
    )


def send(message) -> str:
    if not settings.NOTIFY_WECHAT_APP_ID or not settings.NOTIFY_WECHAT_APP_SECRET:
        raise NotifyProviderError(
            _("WeChat is not configured (NOTIFY_WECHAT_APP_ID / _APP_SECRET)."),
            provider_code="not_configured",
            retryable=False,
        )
    token = access_token()
    payload = request_body(
        openid=message.recipient,
        template_id=message.code,
        params=message.params or {},
        order_ref=str(message.order_id),
    )
    reply = transport.send(
        "POST",
        f"{settings.NOTIFY_WECHAT_ENDPOINT.rstrip('/')}/cgi-bin/message/subscribe/send",
        params={"access_token": token},
        body=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        timeout=settings.NOTIFY_TIMEOUT_SECONDS,
    )
    return answer_read(reply.status, reply_json(reply.body))
