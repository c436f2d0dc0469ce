"""``POST /webhooks/<platform>/<shop_code>/``: the raw body and headers go to ``webhook_accept``."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.http.request import HttpHeaders
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.errors import ApplicationError
from config.machine import machine_endpoint
from integrations.exceptions import PayloadInvalid, SignatureInvalid
from integrations.platforms import adapter_for
from integrations.platforms.base import PushRequest
from integrations.services import webhook_accept

UNPREFIXED = HttpHeaders.UNPREFIXED_HEADERS


@machine_endpoint
@csrf_exempt
@require_POST
def webhook_receive(request: HttpRequest, platform: str, shop_code: str) -> JsonResponse:
    push = PushRequest(
        body=request.body,
        headers=_headers(request.META),
        query=request.GET.dict(),
    )
    try:
        stored = webhook_accept(
            platform=platform, shop_code=shop_code, request=push, remote_addr=request.META.get("REMOTE_ADDR")
        )
    except (SignatureInvalid, PayloadInvalid) as exc:
        return _error(exc)
    except ApplicationError as exc:
        return _error(exc)
    return JsonResponse({**adapter_for(platform).ack(), "stored": len(stored.new_ids), "duplicates": stored.duplicates})


def _headers(meta: dict) -> dict[str, str]:
    """The request's headers by lower-case name, read from the WSGI environ as ``request.headers`` reads them
    (``HTTP_X_SHOPIFY_TOPIC`` → ``x-shopify-topic``; ``CONTENT_TYPE`` and ``CONTENT_LENGTH`` too), without
    building its case-insensitive mapping first."""
    headers = {}
    for key, value in meta.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = value
        elif key in UNPREFIXED:
            headers[key.replace("_", "-").lower()] = value
    return headers


def _error(exc: ApplicationError) -> JsonResponse:
    return JsonResponse({"code": exc.code, "message": exc.message, "extra": exc.extra}, status=exc.status)
