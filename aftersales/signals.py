"""What after-sales tells other apps.

``case_interception_wanted`` (sender ``aftersales.models.Case``): a refund or return case was opened on an order
already handed to the carrier; the parcel should be stopped. Keyword arguments ``case_id``, ``order_id``. Sent
inside the case's transaction: receivers queue work after commit (integrations asks the carrier through
``fulfilment.services.shipment_intercept`` and records the answer with
``aftersales.services.case_interception_record``).
"""

from django.dispatch import Signal

case_interception_wanted = Signal()
