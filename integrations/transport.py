"""The one way Order Hub talks HTTP to platforms and robots: ``send``.

Stdlib only (urllib), no connection reuse needed at our volumes. Timeouts, refused connections and DNS
failures become ``PlatformUnavailable``; HTTP error statuses are returned for the caller to classify.
Tests replace ``send`` (``integrations.transport.send``) to mock the network or route to the sandbox.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from integrations.exceptions import PayloadInvalid, PlatformUnavailable


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            raise PayloadInvalid(
                _("the platform answered HTTP %(status)s with a body that is not JSON: %(value)r")
                % {"status": self.status, "value": self.body[:200]}
            ) from None

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


def multipart(files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body carrying ``files`` (field → (file name, content, content type)), and the
    Content-Type header naming its boundary."""
    boundary = f"----OrderHub{uuid.uuid4().hex}"
    parts = []
    for field_name, (name, content, content_type) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field_name}"; filename="{name}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def default_timeout() -> float:
    return settings.INTEGRATIONS_HTTP_TIMEOUT_SECONDS


def send(
    method: str,
    url: str,
    *,
    params: dict[str, Any] | None = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float | None = None,
) -> Response:
    if params:
        url = f"{url}{'&' if '?' in url else '?'}{urllib.parse.urlencode(params)}"
    request = urllib.request.Request(url, data=body, method=method.upper(), headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout or default_timeout()) as reply:  # noqa: S310
            return Response(reply.status, reply.read(), {k.lower(): v for k, v in reply.headers.items()})
    except urllib.error.HTTPError as exc:
        return Response(exc.code, exc.read() or b"", {k.lower(): v for k, v in (exc.headers or {}).items()})
    except TimeoutError as exc:
        raise PlatformUnavailable(
            _("%(method)s %(where)s: no answer within %(value)s s.")
            % {"method": method, "where": _where(url), "value": timeout or default_timeout()}
        ) from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError | socket.timeout):
            raise PlatformUnavailable(
                _("%(method)s %(where)s: timed out.") % {"method": method, "where": _where(url)}
            ) from exc
        raise PlatformUnavailable(
            _("%(method)s %(where)s: %(exc_reason)s.")
            % {"method": method, "where": _where(url), "exc_reason": exc.reason}
        ) from exc
    except (ConnectionError, OSError) as exc:
        raise PlatformUnavailable(
            _("%(method)s %(where)s: %(exc)s.") % {"method": method, "where": _where(url), "exc": exc}
        ) from exc


def _where(url: str) -> str:
    """The URL without its query string (which may carry tokens)."""
    return url.split("?", 1)[0]
