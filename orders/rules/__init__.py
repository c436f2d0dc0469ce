"""The rules engine: condition trees over order facts → actions, in versioned rule sets.

- ``facts``: the whitelist of facts a rule may test, and their extraction from an order.
- ``operators``: the whitelist of comparisons, per fact type.
- ``actions``: the whitelist of actions and how matched rules combine into one ``Plan``.
- ``engine``: validation (path-precise errors), compilation to closures, evaluation. No ``eval`` anywhere.
- ``services`` / ``selectors``: rule sets and versions, sandbox preview, publishing, ``order_rules_apply``.
- ``demo``: the shipped templates (``demo_rules_seed``).
- ``views`` / ``forms``: the rule editor's pages (routes in ``orders.review.urls``).

See docs/rules.md.
"""
