"""Webhooks to partners: events pushed to the URLs partners subscribe (docs/api.md, "Webhooks").

- ``events``: the event types and the body of each (the resource as the API shows the subscription's owner).
- ``signing``: the ``X-OrderHub-Signature`` header.
- ``addresses``: which hosts a delivery may go to (no private addresses: SSRF).
- ``transport``: one POST to the address that was checked, no redirects.
- ``services``: subscriptions, publishing events into the delivery outbox, sending, retry, replay, pause.
- ``selectors``: what a user may see of subscriptions and their delivery logs.
- ``api``: ``/api/v1/webhooks/``.
"""
