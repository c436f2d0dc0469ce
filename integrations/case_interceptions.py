"""After-sales asks for its parcel back: a refund or return case opened on an order already handed to the
carrier (``aftersales.signals.case_interception_wanted``) has each of the order's parcels on the road
intercepted through the carrier adapter (``fulfilment.services.shipment_intercept``), and the carrier's answer
written on the case's timeline (``aftersales.services.case_interception_record``). Runs after commit, in a task:
the carrier call is never inside a transaction."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from aftersales.models import Case
from aftersales.services import case_interception_record
from config.messages import message, message_restored
from fulfilment.models import Shipment
from fulfilment.services import shipment_intercept

SYSTEM = "aftersales"
ON_THE_ROAD = (Shipment.Status.SHIPPED, Shipment.Status.IN_TRANSIT, Shipment.Status.EXCEPTION)


def case_interception_run(*, case_id: int) -> list[str]:
    """Intercept the case's parcels on the road; returns the carrier's answers (``no_parcel`` when none is)."""
    case = Case.objects.select_related("order").get(pk=case_id)
    shipments = list(Shipment.objects.filter(order_id=case.order_id, status__in=ON_THE_ROAD).order_by("pk"))
    if not shipments:
        case_interception_record(case_id=case.pk, outcome="no_parcel", system=SYSTEM)
        return ["no_parcel"]
    outcomes = []
    for shipment in shipments:
        interception = shipment_intercept(
            shipment=shipment, reason=message(gettext_noop("after-sales %(number)s"), number=case.number), system=SYSTEM
        )
        case_interception_record(
            case_id=case.pk,
            outcome=interception.status,
            answer=message(
                gettext_noop("%(tracking_number)s %(answer)s"),
                tracking_number=shipment.tracking_number,
                answer=message_restored(interception.message_message, interception.message),
            )
            if interception.message
            else shipment.tracking_number,
            system=SYSTEM,
        )
        outcomes.append(interception.status)
    return outcomes
