"""What CS adds to a case by hand: a note on its timeline, and evidence (photos, PDFs, short videos the buyer
sent, screenshots of the chat) kept on the default file storage."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.exceptions import CaseInvalid
from aftersales.models import Case, CaseEvent, CaseEvidence
from aftersales.services.cases import case_event_record
from aftersales.signals import case_evidence_added
from config.messages import message

# What may be kept as evidence: photos, PDFs and videos.
EVIDENCE_TYPES = ("image/", "video/", "application/pdf")
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
NOTE_MAX = 500


def evidence_check(files: Sequence[UploadedFile], *, field: str = "evidence") -> None:
    """Raise ``CaseInvalid`` naming the first file that is not a photo, a PDF or a video, or is too large."""
    for upload in files:
        if not (upload.content_type or "").startswith(EVIDENCE_TYPES):
            raise CaseInvalid(
                _("%(field)s: %(name)s is not a photo, a PDF or a video.") % {"field": field, "name": upload.name},
                extra={"field": field, "file": upload.name},
            )
        if upload.size and upload.size > EVIDENCE_MAX_BYTES:
            raise CaseInvalid(
                _("%(field)s: %(name)s is larger than %(mb)s MB.")
                % {"field": field, "name": upload.name, "mb": EVIDENCE_MAX_BYTES // (1024 * 1024)},
                extra={"field": field, "file": upload.name},
            )


@transaction.atomic
def case_evidence_add(
    *, case: Case, files: Sequence[UploadedFile], actor=None, kind: str = CaseEvidence.Kind.BUYER, caption: str = ""
) -> list[CaseEvidence]:
    """Keep ``files`` as the case's evidence; the timeline says how many were added and by whom."""
    if not files:
        raise CaseInvalid(_("evidence: choose at least one file."), extra={"field": "evidence"})
    if kind not in CaseEvidence.Kind.values:
        raise CaseInvalid(_("kind: %(kind)s is not a kind of evidence.") % {"kind": kind}, extra={"field": "kind"})
    evidence_check(files)
    uploader = actor if getattr(actor, "is_authenticated", False) else None
    kept = [
        CaseEvidence.objects.create(case=case, kind=kind, file=upload, caption=caption[:200], uploaded_by=uploader)
        for upload in files
    ]
    case_event_record(
        case=case,
        kind=CaseEvent.Kind.NOTE,
        actor=actor,
        note=message(gettext_noop("%(count)s evidence file(s) added."), count=len(kept)),
        data={"evidence": [item.pk for item in kept]},
    )
    case_evidence_added.send(sender=Case, case_id=case.pk)
    return kept


@transaction.atomic
def case_note_add(*, case: Case, note: str, actor=None) -> CaseEvent:
    """A note on the case's timeline (what the buyer said on the phone, what CS promised)."""
    note = (note or "").strip()
    if not note:
        raise CaseInvalid(_("note: write something."), extra={"field": "note"})
    if len(note) > NOTE_MAX:
        raise CaseInvalid(
            _("note: %(length)s characters; at most %(max)s.") % {"length": len(note), "max": NOTE_MAX},
            extra={"field": "note"},
        )
    return case_event_record(case=case, kind=CaseEvent.Kind.NOTE, actor=actor, note=note)


__all__ = ["EVIDENCE_TYPES", "case_evidence_add", "case_note_add", "evidence_check"]
