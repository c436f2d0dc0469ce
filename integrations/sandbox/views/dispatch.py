"""The sandbox's entry points: a platform API call routed to its platform's module (after the fault mode of
the base URL), and the push endpoint that makes a platform push orders to Order Hub's webhook."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from integrations.models import ShopConnection
from integrations.sandbox import formats
from integrations.sandbox.views import douyin, jd, pdd, shopify, taobao
from integrations.sandbox.views.shared import FAULTS, fault_apply, sandbox_enabled_check

HANDLERS = {
    "taobao": taobao.handle,
    "tmall": taobao.handle,
    "jd": jd.handle,
    "pdd": pdd.handle,
    "douyin": douyin.handle,
    "shopify": shopify.handle,
}


@csrf_exempt
def sandbox_api(request: HttpRequest, platform: str, rest: str, fault: str = "") -> HttpResponse:
    sandbox_enabled_check()
    if fault and fault not in FAULTS:
        raise Http404(f"unknown fault mode {fault!r} (one of {', '.join(FAULTS)})")
    early = fault_apply(fault)
    if early is not None:
        return early
    handler = HANDLERS.get(platform)
    if handler is None:
        raise Http404(f"no sandbox for {platform!r}")
    return handler(request, rest.strip("/"), fault)


@csrf_exempt
def sandbox_push_view(request: HttpRequest, platform: str, shop_code: str) -> HttpResponse:
    """POST → the platform pushes its latest ``count`` orders of the shop to Order Hub's webhook."""
    sandbox_enabled_check()
    if request.method != "POST":
        return JsonResponse({"message": "POST to push"}, status=405)
    from integrations.sandbox.push import sandbox_push

    if platform not in formats.PLATFORMS:
        raise Http404(platform)
    count = min(max(int(request.GET.get("count", 5)), 1), 200)
    target = request.GET.get("target") or request.build_absolute_uri(f"/webhooks/{platform}/{shop_code}/")
    try:
        results = sandbox_push(platform=platform, shop_code=shop_code, count=count, target=target)
    except ShopConnection.DoesNotExist:
        raise Http404(f"shop {shop_code} has no connection") from None
    return JsonResponse({"pushed": results}, json_dumps_params={"ensure_ascii": False})
