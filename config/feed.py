"""Lists a partner can page through or follow: one pagination class for both.

- Without ``cursor`` or ``updated_after`` a list is paged by number (``page``, ``page_size``) in its own order,
  and ``count`` is exact only up to ``config.paging.EXACT_UP_TO`` rows — beyond that it is PostgreSQL's
  estimate and ``count_is_estimate`` is true (no ``SELECT count(*)`` over every row on every request).
- With ``cursor`` (``?cursor=`` empty: from the first change) or ``updated_after``, the list **follows
  changes**: rows in the order the database numbered their changes (``config.changes``), only settled ones,
  after the cursor; no count. ``next`` is always there — the link to ask next, now (``has_more``) or later —
  and carries the other parameters along. A row changed again comes again, after the cursor; a change is
  never missed, nor returned twice.

The cursor is ``base64url("<change number>.<id>")``: opaque to partners, not a secret (it only says where in the
list to go on from; what a user may see is decided by the queryset).
"""

from __future__ import annotations

import base64
import binascii
from collections import OrderedDict

from django.db.models import Q
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from config.api import Pagination
from config.changes import settled

CURSOR = "cursor"
UPDATED_AFTER = "updated_after"
BIGINT = 2**63  # change numbers and ids are PostgreSQL bigints


def cursor_encode(change_seq: int, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{change_seq}.{pk}".encode()).decode().rstrip("=")


def cursor_decode(token: str) -> tuple[int, int] | None:
    """(change number, id) of a cursor; None for the empty cursor (from the first change)."""
    if token == "":
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
        seq, pk = (int(part) for part in raw.split("."))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        seq = pk = -1
    if not (0 <= seq < BIGINT and 0 <= pk < BIGINT):
        raise ValidationError({CURSOR: [_("Not a cursor of this list; use the next link of a previous page.")]})
    return seq, pk


class FollowFilterSerializer(serializers.Serializer):
    cursor = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    updated_after = serializers.DateTimeField(required=False)


class FollowPagination(Pagination):
    """Page numbers with an estimated count, or — with ``cursor`` / ``updated_after`` — a change feed."""

    def paginate_queryset(self, queryset, request, view=None):
        self.following = CURSOR in request.query_params or UPDATED_AFTER in request.query_params
        if not self.following:
            return super().paginate_queryset(queryset, request, view)
        params = FollowFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        after = cursor_decode(params.validated_data.get(CURSOR, ""))
        updated_after = params.validated_data.get(UPDATED_AFTER)
        size = self.get_page_size(request)
        rows = queryset.order_by("change_seq", "pk")
        horizon = settled()
        if horizon is not None:
            rows = rows.filter(change_seq__lt=horizon)
        if after is not None:
            seq, pk = after
            rows = rows.filter(Q(change_seq__gt=seq) | Q(change_seq=seq, pk__gt=pk), change_seq__gte=seq)
        if updated_after is not None:
            rows = rows.filter(changed_at__gte=updated_after)
        page = list(rows[: size + 1])
        self.has_more = len(page) > size
        page = page[:size]
        self.request = request
        self.cursor = cursor_encode(page[-1].change_seq, page[-1].pk) if page else params.validated_data.get(CURSOR)
        return page

    def get_paginated_response(self, data):
        if not self.following:
            return super().get_paginated_response(data)
        return Response(OrderedDict([("next", self.get_next_link()), ("has_more", self.has_more), ("results", data)]))

    def get_next_link(self):
        if not getattr(self, "following", False):
            return super().get_next_link()
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        if self.cursor is None:  # nothing yet, and no cursor: ask the same again
            return url
        return replace_query_param(url, CURSOR, self.cursor)

    def get_paginated_response_schema(self, schema):
        body = super().get_paginated_response_schema(schema)
        properties = body["properties"]
        properties["count"]["description"] = "Page-number mode only. " + properties["count"]["description"]
        properties["count_is_estimate"]["description"] = "Page-number mode only."
        properties["next"]["description"] = (
            "The next page. When following changes (cursor or updated_after) it is always there: the link to "
            "ask next, now (has_more) or later."
        )
        properties["previous"]["description"] = "Page-number mode only."
        properties["has_more"] = {
            "type": "boolean",
            "description": "Following changes only: more changes are ready now (ask next at once); false: ask later.",
        }
        body["required"] = ["results"]
        return body

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": CURSOR,
                "required": False,
                "in": "query",
                "description": (
                    "Follow changes from this position: the cursor of a `next` link (empty: from the first "
                    "change). Rows come in the order of their changes, with no count; `page` is ignored."
                ),
                "schema": {"type": "string"},
            },
            {
                "name": UPDATED_AFTER,
                "required": False,
                "in": "query",
                "description": (
                    "ISO 8601. Follow changes, only rows whose last change was at or after this time "
                    "(with or without a cursor)."
                ),
                "schema": {"type": "string", "format": "date-time"},
            },
        ]
