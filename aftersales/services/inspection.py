"""The returns desk at the warehouse: a parcel inspected against its case with photos (``case_inspect``), and a
parcel that matches no case registered as unknown (``parcel_register``) and linked to its case later
(``parcel_link``).

The counting and grading is the one receive service (``aftersales.services.receiving.case_receive``): good units
back to sellable stock, damaged ones to the damaged pool, a wrong item or an empty box a fraud flag. Photos of
the parcel and of the items are required here (the partner API's ``receive`` takes them later); they are kept as
the case's evidence.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.exceptions import CaseInvalid, CaseStateError
from aftersales.models import Case, CaseEvent, CaseEvidence, UnknownParcel
from aftersales.services.cases import case_event_record
from aftersales.services.receiving import ReceivedLine, case_receive
from config.messages import message
from inventory.models import Warehouse

PHOTO_TYPES = ("image/",)


def _photos_check(photos: Sequence[UploadedFile], field: str, label: str) -> None:
    if not photos:
        raise CaseInvalid(_("%(what)s: at least one photo is required.") % {"what": label}, extra={"field": field})
    for photo in photos:
        if not (photo.content_type or "").startswith(PHOTO_TYPES):
            raise CaseInvalid(
                _("%(what)s: %(name)s is not a photo.") % {"what": label, "name": photo.name}, extra={"field": field}
            )


def case_inspect(
    *,
    case: Case,
    lines: list[ReceivedLine],
    parcel_photos: Sequence[UploadedFile],
    item_photos: Sequence[UploadedFile],
    warehouse: Warehouse | None = None,
    actor=None,
) -> Case:
    """Receive ``case``'s parcel as counted and graded, with its photos (both kinds required)."""
    _photos_check(parcel_photos, "parcel_photos", _("Photos of the parcel"))
    _photos_check(item_photos, "item_photos", _("Photos of the items"))
    case = case_receive(case=case, lines=lines, warehouse=warehouse, actor=actor, system="returns desk")
    with transaction.atomic():
        for kind, photos in ((CaseEvidence.Kind.PARCEL, parcel_photos), (CaseEvidence.Kind.ITEM, item_photos)):
            for photo in photos:
                CaseEvidence.objects.create(case=case, kind=kind, file=photo, uploaded_by=actor)
    return case


@transaction.atomic
def parcel_register(
    *, scanned: str, warehouse: Warehouse, photo: UploadedFile | None, sender: str = "", note: str = "", actor=None
) -> UnknownParcel:
    """Register a returned parcel that matches no case, with a photo of it."""
    scanned = (scanned or "").strip()
    if not scanned:
        raise CaseInvalid(_("scanned: scan the waybill or write what is on the parcel."), extra={"field": "scanned"})
    if photo is None:
        raise CaseInvalid(_("photo: a photo of the parcel is required."), extra={"field": "photo"})
    _photos_check([photo], "photo", _("Photo of the parcel"))
    return UnknownParcel.objects.create(
        scanned=scanned[:64],
        tracking_number=scanned[:64],
        warehouse=warehouse,
        photo=photo,
        sender=sender[:100],
        note=note,
        registered_by=actor,
    )


@transaction.atomic
def parcel_link(*, parcel: UnknownParcel, case: Case, actor=None) -> UnknownParcel:
    """Link an unknown parcel to the case it belongs to; the case's timeline says so."""
    parcel = UnknownParcel.objects.select_for_update().get(pk=parcel.pk)
    if parcel.case_id is not None:
        raise CaseStateError(
            _("Parcel %(parcel)s is already linked to case %(number)s.")
            % {"parcel": parcel, "number": parcel.case.number},
            extra={"case": parcel.case.number},
        )
    parcel.case, parcel.linked_by, parcel.linked_at = case, actor, timezone.now()
    parcel.save(update_fields=["case", "linked_by", "linked_at"])
    if not case.return_waybill and parcel.tracking_number:
        Case.objects.filter(pk=case.pk).update(return_waybill=parcel.tracking_number)
    case_event_record(
        case=case,
        kind=CaseEvent.Kind.NOTE,
        actor=actor,
        note=message(gettext_noop("Unknown parcel %(parcel)s linked to this case."), parcel=parcel),
        data={"unknown_parcel": parcel.pk},
    )
    return parcel
