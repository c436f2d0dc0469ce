"""Where a webhook may be delivered: http(s) URLs whose host resolves only to public addresses.

Checked when a partner subscribes and again before every delivery, because the DNS answer can change between
the two (DNS rebinding); the delivery then connects to the address that was checked (``transport``). Private
(RFC 1918, ULA), loopback, link-local (cloud metadata at 169.254.169.254), multicast, unspecified and reserved
addresses are refused — ``ipaddress``'s ``is_global`` says what is public (IPv4-mapped IPv6 judged as IPv4) —
unless ``WEBHOOK_ALLOW_PRIVATE_URLS`` is on (by default only with DEBUG: the demo sandbox and the tests).
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from integrations.exceptions import WebhookInvalid, WebhookUrlRefused


@dataclass(frozen=True, slots=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line
    address: str  # the checked IP address the delivery connects to


def url_parse(url: str) -> tuple[str, str, int, str]:
    parts = urllib.parse.urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookInvalid(_("url: %(url)r is not an http or https URL.") % {"url": url}, extra={"field": "url"})
    if parts.username or parts.password:
        raise WebhookInvalid(_("url: credentials in the URL are not accepted."), extra={"field": "url"})
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise WebhookInvalid(_("url: the port is not a number."), extra={"field": "url"}) from None
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.scheme, parts.hostname, port, path


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def host_resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise WebhookUrlRefused(
            _("url: the host %(host)s does not resolve (%(error)s).") % {"host": host, "error": exc},
            extra={"field": "url", "host": host},
        ) from None
    return sorted({info[4][0] for info in infos})


def url_target(url: str) -> Target:
    """Check ``url`` and choose the address to connect to. Refused: not http(s), does not resolve, or any of
    its addresses is not public (unless private URLs are allowed)."""
    scheme, host, port, path = url_parse(url)
    addresses = host_resolve(host, port)
    if not settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        refused = [address for address in addresses if not address_is_public(address)]
        if refused:
            raise WebhookUrlRefused(
                _("url: %(host)s resolves to %(address)s, which is not a public address.")
                % {"host": host, "address": refused[0]},
                extra={"field": "url", "host": host, "address": refused[0]},
            )
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])
