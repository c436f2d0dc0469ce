"""The one application error every domain error derives from.

Each subclass has a stable machine-readable ``code`` and an HTTP ``status``; the API renders it as
``{"code", "message", "extra"}`` (config.api.exception_handler) and back-office views show ``message``.
An error raised with a ``config.messages.message`` reads in the language active when it is raised (``message``)
and keeps the message as raised (``said``), for a row that records it to store. ``permanent`` tells background
work (config.retry) that no retry can fix the error.
"""

from typing import Any

from config.messages import message_text


class ApplicationError(Exception):
    code = "application_error"
    status = 400
    permanent = False  # True: retrying the work cannot help (config.retry parks it as dead at once)

    def __init__(self, message: str, *, code: str | None = None, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message_text(message)
        self.said = message
        if code:
            self.code = code
        self.extra = extra or {}

    def __str__(self) -> str:
        return self.message


class NotFound(ApplicationError):
    code = "not_found"
    status = 404


class Conflict(ApplicationError):
    code = "conflict"
    status = 409


class PermissionDenied(ApplicationError):
    code = "permission_denied"
    status = 403
