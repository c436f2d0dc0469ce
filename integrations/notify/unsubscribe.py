"""The buyer's own way out: e-mails carry a signed link (``/notify/unsubscribe/<token>/``) to a page where the
buyer confirms (a POST, so a mail scanner opening links opts nobody out) and the address is opted out of that
channel. The token names the channel and address and cannot be forged; it does not expire."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from integrations.notify.moments import Channel
from integrations.notify.services import buyer_opt_out, is_opted_out
from orders.masking import mask_phone

SALT = "integrations.notify.unsubscribe"


def unsubscribe_token(*, channel: str, address: str) -> str:
    return signing.dumps({"c": channel, "a": address}, salt=SALT, compress=True)


def unsubscribe_url(*, channel: str, address: str) -> str:
    path = reverse("notify-unsubscribe", kwargs={"token": unsubscribe_token(channel=channel, address=address)})
    return f"{settings.NOTIFY_PUBLIC_BASE_URL.rstrip('/')}{path}"


def _read(token: str) -> tuple[str, str] | None:
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("c") not in Channel.values or not data.get("a"):
        return None
    return data["c"], str(data["a"])


def _shown(channel: str, address: str) -> str:
    return mask_phone(address) if channel == Channel.SMS else address


@require_http_methods(["GET", "POST"])
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    found = _read(token)
    if found is None:
        response = render(request, "integrations/unsubscribe.html", {"invalid": True}, status=404)
    else:
        channel, address = found
        if request.method == "POST":
            buyer_opt_out(channel=channel, address=address, reason="the buyer unsubscribed from a message link")
        context = {
            "address": _shown(channel, address),
            "channel": Channel(channel).label,
            "done": is_opted_out(channel=channel, address=address),
        }
        response = render(request, "integrations/unsubscribe.html", context)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
