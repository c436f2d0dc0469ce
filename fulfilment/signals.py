"""What fulfilment tells other apps. See docs/fulfilment.md, "The shipment_confirmed signal".

``shipment_confirmed`` (sender ``fulfilment.models.Shipment``)
    Sent synchronously inside the transaction that moves the order to ``shipped``, after the order
    transition (and so after inventory's deduction) — with ``Signal.send``, not ``send_robust``: a
    receiver that raises rolls the whole shipment back, so a receiver that writes an outbox row writes it
    in the same transaction or not at all. Keyword arguments, all plain values:

    - ``shipment_id`` (int), ``order_id`` (int), ``order_number`` (str)
    - ``shop_id`` (int), ``platform`` (str, the shop's ``orders.Platform`` value)
    - ``carrier_code`` (str, Order Hub's standard code, e.g. ``YD``)
    - ``platform_carrier_code`` (str, the code of that carrier on ``platform``, e.g. ``YUNDA`` on Taobao;
      the standard code for own-website and POS orders)
    - ``tracking_number`` (str), ``shipped_at`` (aware datetime)

    Receivers must not do network I/O: write a row and let a task push it after commit.
"""

from django.dispatch import Signal

shipment_confirmed = Signal()
