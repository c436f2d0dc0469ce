"""The command center (指挥中心) under /board/: live figures of the whole operation for managers.

It lives in integrations because it is the one app allowed to read every other (docs/architecture.md); each app
computes its own figures in a reads-only module (``orders.board``, ``fulfilment.board``, ``finance.board``,
``inventory.selectors.oversold_units``, ``aftersales.selectors``) and this package puts them together:

- ``figures``: one function per panel, calling those selectors (and this app's own connection figures).
- ``snapshots``: a background task stores each panel in ``BoardSnapshot`` every minute; pages and /metrics read
  the stored panels, so no request scans the orders.
- ``views`` / ``urls``: the board page and its JSON, which the page fetches again every ``BOARD_REFRESH_SECONDS``.

docs/command-center.md explains every figure.
"""
