"""API wiring shared by every app: pagination and the error format."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import ApplicationError


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def exception_handler(exc, context):
    """Render every error as ``{"code", "message", "extra"}``.

    Application errors keep their own code; DRF's validation errors keep their per-field detail in
    ``extra`` so a partner sees which field was wrong and why.
    """
    if isinstance(exc, ApplicationError):
        return Response({"code": exc.code, "message": exc.message, "extra": exc.extra}, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = {"code": "invalid", "message": _first_message(exc.detail), "extra": {"fields": exc.detail}}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        body = {"code": code, "message": str(detail), "extra": {}}
    response.data = body
    return response


def _first_message(detail, path: str = "") -> str:
    """The first error, prefixed with where it was: ``lines[1].quantity: Must be greater than 0``."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            where = key if not path else f"{path}.{key}"
            if key == "non_field_errors":
                where = path
            return _first_message(value, where)
    if isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                inner = _first_message(value, f"{path}[{index}]")
                if inner:
                    return inner
            else:
                return f"{path}: {value}" if path else str(value)
        return ""
    return f"{path}: {detail}" if path else str(detail)


__all__ = ["Pagination", "exception_handler", "status"]
