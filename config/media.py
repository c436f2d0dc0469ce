"""Uploaded files (``MEDIA_URL``, /media/…) served to the users allowed to see them, in production as in
development (docs/deployment.md "Uploaded files").

An uploaded file belongs to a row (an after-sales evidence photo to its case, a statement file to its statement
…). Each app registers, for every model with a file field, who may read it: a "visible to this user" queryset
of that model (``media_readers_register``, from the app's ``ready``). ``/media/<path>`` answers the file to a
logged-in user when one of those querysets holds a row with that file, and 404 otherwise — the same answer as a
missing file, so a path says nothing about what exists. An anonymous visitor is sent to the login page.

With ``MEDIA_STORAGE=s3`` the files' URLs point at the object store (signed, expiring links) and this view is
not on the way; it still answers a /media/ link by redirecting to the signed URL.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.views.decorators.http import require_GET


@dataclass(frozen=True)
class MediaReader:
    field: str  # the file field's name on the queryset's model
    visible_to: Callable[[object], QuerySet]  # user → the rows they may see


_READERS: list[MediaReader] = []


def media_readers_register(*, field: str, visible_to: Callable[[object], QuerySet]) -> None:
    """Files in ``field`` of the rows ``visible_to(user)`` returns may be read by that user."""
    reader = MediaReader(field=field, visible_to=visible_to)
    if reader not in _READERS:
        _READERS.append(reader)


def media_readable(user, name: str) -> bool:
    """Whether ``user`` may read the stored file ``name`` (relative to the storage)."""
    return any(reader.visible_to(user).filter(**{reader.field: name}).exists() for reader in _READERS)


@login_required
@require_GET
def media_serve(request, path: str):
    if not path or ".." in path.split("/") or not media_readable(request.user, path):
        raise Http404
    try:
        default_storage.path(path)
    except NotImplementedError:  # an object store: its own signed, expiring link
        return HttpResponseRedirect(default_storage.url(path))
    if not default_storage.exists(path):
        raise Http404
    content_type, _encoding = mimetypes.guess_type(path)
    response = FileResponse(default_storage.open(path, "rb"), content_type=content_type or "application/octet-stream")
    response["Cache-Control"] = "private, no-store"  # uploads hold personal data
    response["X-Content-Type-Options"] = "nosniff"
    return response
