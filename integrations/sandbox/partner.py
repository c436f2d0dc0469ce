"""The sandbox partner: a webhook receiver the demo subscription delivers to, so ``make run`` shows deliveries
done (``/sandbox/partner/webhooks/``) and one endpoint that is down (``…/down/``: answers 503), whose
subscription the demo shows paused with a parked delivery. The receiver checks the signature like a partner
would (docs/api.md, "Verifying the signature") with the demo secret."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.hooks.signing import HEADER, signature_verify
from integrations.sandbox.views.shared import sandbox_enabled_check

DEMO_WEBHOOK_SECRET = "demo-partner-webhook-secret"


@csrf_exempt
@require_POST
def partner_webhook_receive(request: HttpRequest) -> JsonResponse:
    sandbox_enabled_check()
    if not signature_verify(secret=DEMO_WEBHOOK_SECRET, header=request.headers.get(HEADER, ""), body=request.body):
        return JsonResponse({"received": False, "error": "signature"}, status=401)
    return JsonResponse({"received": True})


@csrf_exempt
@require_POST
def partner_webhook_down(request: HttpRequest) -> JsonResponse:
    sandbox_enabled_check()
    return JsonResponse({"error": "the partner's endpoint is down (sandbox)"}, status=503)
