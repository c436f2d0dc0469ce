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

# ``waybill_balance_low`` (sender ``fulfilment.models.WaybillAccount``): an e-waybill account has fewer
# numbers left than its alert threshold. Keyword arguments: ``account_id``, ``shop_id`` (or None),
# ``provider``, ``carrier_code``, ``branch`` (name or code), ``balance``, ``threshold``. Sent after the
# balance was read, outside any transaction of the label; integrations raises the alert.
waybill_balance_low = Signal()

# ``shipment_delivered`` (sender ``fulfilment.models.Shipment``): tracking says the parcel was signed for.
# Keyword arguments: ``shipment_id``, ``order_id``, ``shop_id``, ``platform``, ``carrier_code``,
# ``tracking_number``, ``delivered_at``. Sent inside the transaction that records it; integrations queues the
# platform's delivery check (or confirmation) in its outbox, which ends in ``shipment_platform_delivered``.
shipment_delivered = Signal()
