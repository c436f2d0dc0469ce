"""Buyer notifications: telling the buyer, at the moments that matter, by SMS (Aliyun or Tencent Cloud), WeChat
mini-program subscribe messages or e-mail (docs/notifications.md).

- ``moments``: the moments (paid, shipped, delivered, delayed, intercepted, refunded, presale balance due), the
  variables a template may use, and which platforms tell their buyers themselves (nothing is sent for them).
- ``models``: templates per moment, channel and shop; opt-outs; the message log (one row per message).
- ``rendering``: checking a template's placeholders and filling them for one order.
- ``services``: recording moments in lots (one message per channel, after opt-out and template checks), sending
  them (claimed, rate-limited per phone, SMS of one template in one provider call, retried with
  ``config.retry``, parked), replay, opt-out.
- ``retention``: personal data leaves the log after ``CONSIGNEE_RETENTION_DAYS``.
- ``providers``: one module per provider — its request format (the SMS providers' batch calls too), signature
  and documented error codes; which messages share a call.
- ``receivers``: which domain signals are moments (connected from ``IntegrationsConfig.ready``).
- ``admin``, ``demo``: the back office and the demo's part.
"""
