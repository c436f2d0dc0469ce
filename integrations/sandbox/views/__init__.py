"""The sandbox: each platform's API endpoints emulated under ``/sandbox/<platform>/…`` with generated data.

Point a shop's connection at it (base URL ``http://127.0.0.1:8000/sandbox/taobao`` etc.). Requests are
checked like the platform would: the app key must belong to a connection, the signature must be right,
the token must not be ``expired`` (or past ``token_expires_at``). Error modes are chosen by the base URL:
``/sandbox/<platform>/fault/<mode>/…`` with mode ``503``, ``timeout`` (answers after
``SANDBOX_TIMEOUT_SECONDS``), ``expired_token``, ``rate_limit`` or ``flaky`` (503 one call in three).

Each platform's token refresh is emulated too (Taobao ``taobao.top.auth.token.refresh``, JD
``/oauth2/refresh_token``, PDD ``pdd.pop.auth.token.refresh``, Douyin ``token.refresh``, Shopify
``/admin/oauth/access_token``): the connection's refresh token buys a new access token and a new refresh token
(the old one is spent). Tokens the sandbox issued are signed with the app secret, so the ``expired_token``
mode refuses every token except those: an expired token is recoverable by refreshing.

``POST /sandbox/<platform>/push/<shop_code>/?count=N`` makes the platform push its latest N orders'
notices, signed, to Order Hub's webhook (``target`` overrides the URL).

Only served when ``settings.SANDBOX_ENABLED`` (default: DEBUG).

One module per platform (``taobao``, ``jd``, ``pdd``, ``douyin``, ``shopify``), each with its ``handle``;
``shared`` holds what they share (errors, tokens, faults, pages, the record of accepted calls ``RECEIVED``);
``dispatch`` routes a request to its platform.
"""

from integrations.sandbox.views.dispatch import HANDLERS, sandbox_api, sandbox_push_view
from integrations.sandbox.views.shared import RECEIVED

__all__ = ["HANDLERS", "RECEIVED", "sandbox_api", "sandbox_push_view"]
