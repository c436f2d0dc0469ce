"""``POST /webhooks/<platform>/<shop_code>/``: the raw body and headers go to ``webhook_accept``."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.errors import ApplicationError
from config.machine import machine_endpoint
from integrations.exceptions import PayloadInvalid, SignatureInvalid
from integrations.platforms import adapter_for
from integrations.platforms.base import PushRequest
from integrations.services import webhook_accept


@machine_endpoint
@csrf_exempt
@require_POST
def webhook_receive(request: HttpRequest, platform: str, shop_code: str) -> JsonResponse:
    push = PushRequest(
        body=request.body,
        headers={key.lower(): value for key, value in request.headers.items()},
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


def _error(exc: ApplicationError) -> JsonResponse:
    return JsonResponse({"code": exc.code, "message": exc.message, "extra": exc.extra}, status=exc.status)
