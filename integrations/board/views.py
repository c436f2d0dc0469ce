"""The command center's pages: the board and the JSON it fetches again every ``BOARD_REFRESH_SECONDS``.

Both need ``integrations.view_board`` (managers and administrators). The figures cover every shop: the board is
for the people who run the whole operation; the drill-down links open the order list, which shows each reader
only the orders they may see.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from integrations.board.present import board_payload
from integrations.board.snapshots import board_snapshot_list

VIEW_BOARD = "integrations.view_board"


@login_required
@permission_required(VIEW_BOARD, raise_exception=True)
def board_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "integrations/board.html",
        {"refresh_seconds": settings.BOARD_REFRESH_SECONDS, "initial": board_payload(board_snapshot_list())},
    )


@never_cache
@login_required
@permission_required(VIEW_BOARD, raise_exception=True)
def board_data(request: HttpRequest) -> JsonResponse:
    return JsonResponse(board_payload(board_snapshot_list()), json_dumps_params={"ensure_ascii": False})
