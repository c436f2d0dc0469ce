"""API wiring shared by every app: pagination and the error format."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import ApplicationError
from config.paging import EXACT_UP_TO, EstimatedCountPaginator


class Pagination(PageNumberPagination):
    """Pages by number. ``count`` is exact up to ``config.paging.EXACT_UP_TO`` rows and PostgreSQL's estimate
    beyond (``count_is_estimate``), so a long list is not counted row by row on every request."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    django_paginator_class = EstimatedCountPaginator

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        body = response.data
        response.data = {
            "count": body["count"],
            "count_is_estimate": self.page.paginator.count_is_estimate,
            **{key: value for key, value in body.items() if key != "count"},
        }
        return response

    def get_paginated_response_schema(self, schema):
        body = super().get_paginated_response_schema(schema)
        body["properties"] = {
            "count": {
                **body["properties"]["count"],
                "description": (
                    f"Exact up to {EXACT_UP_TO:,} rows, PostgreSQL's estimate beyond (then count_is_estimate)."
                ),
            },
            "count_is_estimate": {"type": "boolean"},
            **{key: value for key, value in body["properties"].items() if key != "count"},
        }
        return body


def paginated_response(*, view: APIView, request, queryset, serializer_class, **serializer_kwargs) -> Response:
    """One page of ``queryset`` rendered with ``serializer_class``, paginated by ``view.pagination_class``."""
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True, **serializer_kwargs).data)


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
            if isinstance(key, int):  # DRF reports list items by index: {"lines": {1: {...}}}
                where = f"{path}[{key}]"
            elif key == "non_field_errors":
                where = path
            inner = _first_message(value, where)
            if inner:  # a list serializer reports valid items as {}: skip them
                return inner
        return ""
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


# --- the error body in the OpenAPI schema ------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `duplicate_order`, `invalid`.")
    message = serializers.CharField(help_text="What was wrong and where, e.g. `lines[1].sku: no SKU with code 'X'`.")
    extra = serializers.DictField(
        help_text="Details: the field, the existing order number, `fields` with every validation error …"
    )


_ERROR_DESCRIPTIONS = {
    400: "Invalid input; `message` names the field, `extra.fields` lists every error.",
    401: "No or invalid credentials (send `Authorization: Token <key>`).",
    403: "Authenticated but lacking the permission for this operation.",
    404: "Not found, or not visible to this user (the same answer either way).",
    409: "Conflicts with what already exists, or the resource's state does not allow the operation.",
    429: "Over the token's rate limit: `Retry-After` says after how many seconds to try again.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """``@extend_schema(responses=…)`` entries for these error statuses, always including 401 and 429 (every
    operation authenticates and counts against the token's rate limit)."""
    return {
        code: OpenApiResponse(ErrorSerializer, description=_ERROR_DESCRIPTIONS[code])
        for code in sorted({401, 429, *statuses})
    }


# --- input, permissions and routing for one-view-per-operation APIs -----------------------------------------------


def permission_required(perm: str) -> type[BasePermission]:
    """A DRF permission class: the user holds the model permission ``perm`` (from a role group)."""

    class HasPermission(BasePermission):
        message = f"You need the {perm} permission for this."

        def has_permission(self, request, view) -> bool:
            return bool(request.user and request.user.is_authenticated and request.user.has_perm(perm))

    HasPermission.__name__ = HasPermission.__qualname__ = f"HasPermission[{perm}]"
    return HasPermission


# An input serializer that rejects fields it does not know (also in nested serializers), so a typo ("adress")
# or a field that cannot be changed is a 400 rather than silently ignored. (A comment, not a docstring:
# drf-spectacular would copy a docstring into the description of every request schema built on it.)
class StrictSerializer(serializers.Serializer):
    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = [key for key in data if key not in self.fields or self.fields[key].read_only]
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)


BODY_METHODS = ("post", "put", "patch")


def by_method(name: str, **operations: type[APIView]):
    """Serve one URL with one small view per HTTP method.

    ``path("orders/", by_method("OrdersApi", get=OrderListApi, post=OrderCreateApi))``: a GET runs
    ``OrderListApi`` and a POST ``OrderCreateApi``, each with its own permissions, parsers and serializers.
    Any other method gets a 405 naming the allowed ones.

    drf-spectacular reads one view class per URL: ``name`` is that class. It holds each operation's handler
    (with its ``@extend_schema``), the list operation's pagination and the writing operations' parsers.
    """
    handlers = {method.upper(): view.as_view() for method, view in operations.items()}
    if "GET" in handlers:
        handlers.setdefault("HEAD", handlers["GET"])
    attrs = {method: getattr(view, method) for method, view in operations.items()}
    attrs["__module__"] = next(iter(operations.values())).__module__
    if "get" in operations:
        attrs["pagination_class"] = getattr(operations["get"], "pagination_class", None)
    writers = [view for method, view in operations.items() if method in BODY_METHODS]
    if writers:
        attrs["parser_classes"] = list(dict.fromkeys(p for view in writers for p in view.parser_classes))
    schema_view = type(name, (APIView,), attrs)
    fallback = schema_view.as_view()  # OPTIONS, and the 405 for methods no operation handles

    @csrf_exempt  # each operation's own view enforces CSRF for session-authenticated requests
    def view(request, *args, **kwargs):
        return handlers.get(request.method, fallback)(request, *args, **kwargs)

    view.cls = schema_view
    view.initkwargs = {}
    return view


# --- paths that match no operation ---------------------------------------------------------------------------


class UnknownPathApi(APIView):
    """The last route under /api/v1/: a path no operation serves is a 404 in the error body — after the usual
    authentication, so an anonymous caller gets 401 for every /api/v1/ path and cannot probe which exist."""

    schema = None  # not an operation: left out of the OpenAPI schema

    def _not_found(self, request, *args, **kwargs):
        raise exceptions.NotFound(_("No API operation at %(request_path)s.") % {"request_path": request.path})

    get = post = put = patch = delete = _not_found


__all__ = [
    "ErrorSerializer",
    "Pagination",
    "StrictSerializer",
    "UnknownPathApi",
    "by_method",
    "error_responses",
    "paginated_response",
    "exception_handler",
    "permission_required",
    "status",
]
