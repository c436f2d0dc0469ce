"""The one application error every domain error derives from.

Each subclass has a stable machine-readable ``code`` and an HTTP ``status``; the API renders it as
``{"code", "message", "extra"}`` (config.api.exception_handler) and back-office views show ``message``.
``permanent`` tells background work (config.retry) that no retry can fix the error.
"""

from typing import Any


class ApplicationError(Exception):
    code = "application_error"
    status = 400
    permanent = False  # True: retrying the work cannot help (config.retry parks it as dead at once)

    def __init__(self, message: str, *, code: str | None = None, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
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
