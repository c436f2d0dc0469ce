"""One webhook POST to the address ``addresses.url_target`` checked — not to whatever the host name resolves to
a moment later — with the host name kept for the Host header and TLS (SNI and certificate check). Redirects
are not followed (http.client never follows them): a 3xx is a failed delivery."""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass

from integrations.hooks.addresses import Target


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes


def post(target: Target, *, body: bytes, headers: dict[str, str], timeout: float) -> Reply:
    """POST ``body``; network errors raise ``OSError`` (and subclasses), any HTTP status is returned."""
    if target.scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)

    def _connect(_address, timeout=None, source_address=None, *args):
        return socket.create_connection((target.address, target.port), timeout, source_address)

    connection._create_connection = _connect  # connect to the checked address; TLS still checks target.host
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        return Reply(status=response.status, body=response.read(2048))
    except http.client.HTTPException as exc:
        raise OSError(f"bad HTTP answer: {exc!r}") from exc
    finally:
        connection.close()
