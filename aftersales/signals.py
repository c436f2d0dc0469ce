"""What after-sales tells other apps.

``case_interception_wanted`` (sender ``aftersales.models.Case``): a refund or return case was opened on an order
already handed to the carrier; the parcel should be stopped. Keyword arguments ``case_id``, ``order_id``. Sent
inside the case's transaction: receivers queue work after commit (integrations asks the carrier through
``fulfilment.services.shipment_intercept`` and records the answer with
``aftersales.services.case_interception_record``).

``case_platform_decision`` (sender ``aftersales.models.Case``): a decision on a case of a platform order that the
platform must hear — ``action`` is ``refund_agree`` (the money goes back: sent by ``refund_execute``, with the
execution's ``request_no``), ``return_agree`` (a return or exchange approved: the buyer may send the goods) or
``refund_refuse`` (the case rejected, with its ``reason``). Keyword arguments ``case_id``, ``action``,
``request_no``, ``reason``. Sent inside the decision's transaction: the receiver (integrations) writes its outbox
message in that transaction, so the decision and the call to make commit together and neither is lost.

``case_evidence_added`` (sender ``aftersales.models.Case``): evidence files were added to a case (keyword argument
``case_id``), inside the adding transaction: a refusal the platform takes only with a proof image can be sent again
(integrations queues it after commit).
"""

from django.dispatch import Signal

case_interception_wanted = Signal()
case_platform_decision = Signal()
case_evidence_added = Signal()
