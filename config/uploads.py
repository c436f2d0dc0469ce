"""Limits every imported file passes before it is read: its size, and for XLSX (a zip archive) what it unpacks to.

An XLSX is a zip of XML parts; a crafted one of a few kilobytes can unpack to gigabytes (a "zip bomb") and
take a worker's memory with it. Before a reader opens a file, ``upload_check`` refuses:

- a file larger than ``UPLOAD_MAX_BYTES``;
- an archive with more than ``UPLOAD_ZIP_MAX_ENTRIES`` parts, or whose parts declare more than
  ``UPLOAD_ZIP_MAX_UNPACKED_BYTES`` together, or a part larger than 1 MiB that is compressed more than
  ``UPLOAD_ZIP_MAX_RATIO`` times (spreadsheet XML compresses 5–50×; a bomb 1,000× and more).

The declared sizes can be trusted because Python's zipfile never unpacks more than a part declares (it stops
and reports a bad CRC instead).
"""

from __future__ import annotations

import io
import os
import zipfile
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from config.errors import ApplicationError

ZIP_MAGIC = b"PK\x03\x04"
RATIO_CHECKED_FROM = 1024 * 1024


class UploadRefused(ApplicationError):
    code = "upload_refused"
    status = 413


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _size(source: bytes | IO[bytes]) -> int:
    if isinstance(source, bytes | bytearray):
        return len(source)
    size = getattr(source, "size", None)  # Django's UploadedFile knows it
    if isinstance(size, int):
        return size
    position = source.tell()
    source.seek(0, os.SEEK_END)
    size = source.tell()
    source.seek(position)
    return size


def upload_check(source: bytes | IO[bytes], *, name: str) -> None:
    """Raise ``UploadRefused`` (message names the file and the limit) when ``source`` is over a limit.
    A stream is left at the position it had."""
    size = _size(source)
    if size > settings.UPLOAD_MAX_BYTES:
        raise UploadRefused(
            _("%(name)s: the file is %(size)s; at most %(limit)s can be imported.")
            % {"name": name, "size": _megabytes(size), "limit": _megabytes(settings.UPLOAD_MAX_BYTES)},
            extra={"file": name, "size": size, "limit": settings.UPLOAD_MAX_BYTES},
        )
    if isinstance(source, bytes | bytearray):
        stream: IO[bytes] = io.BytesIO(source)
        position = 0
    else:
        stream, position = source, source.tell()
    try:
        stream.seek(0)
        if stream.read(4) != ZIP_MAGIC:
            return
        stream.seek(0)
        try:
            parts = zipfile.ZipFile(stream).infolist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return  # not a readable archive: the reader says so in its own words
        _archive_check(parts, name=name)
    finally:
        stream.seek(position)


def _archive_check(parts: list[zipfile.ZipInfo], *, name: str) -> None:
    if len(parts) > settings.UPLOAD_ZIP_MAX_ENTRIES:
        raise UploadRefused(
            _("%(name)s: the workbook has %(count)d parts inside; at most %(limit)d are accepted.")
            % {"name": name, "count": len(parts), "limit": settings.UPLOAD_ZIP_MAX_ENTRIES},
            extra={"file": name, "entries": len(parts)},
        )
    unpacked = sum(part.file_size for part in parts)
    if unpacked > settings.UPLOAD_ZIP_MAX_UNPACKED_BYTES:
        raise UploadRefused(
            _("%(name)s: the workbook unpacks to %(size)s; at most %(limit)s are accepted.")
            % {
                "name": name,
                "size": _megabytes(unpacked),
                "limit": _megabytes(settings.UPLOAD_ZIP_MAX_UNPACKED_BYTES),
            },
            extra={"file": name, "unpacked": unpacked},
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > RATIO_CHECKED_FROM and ratio > settings.UPLOAD_ZIP_MAX_RATIO:
            raise UploadRefused(
                _("%(name)s: the part %(part)s is compressed %(ratio)d times; at most %(limit)d is accepted.")
                % {"name": name, "part": part.filename, "ratio": ratio, "limit": settings.UPLOAD_ZIP_MAX_RATIO},
                extra={"file": name, "part": part.filename, "ratio": int(ratio)},
            )
