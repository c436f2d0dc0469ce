"""What the shop and order API views share: path and header parameters of the schema, the shop a user may
address, the one answer for an order not there or not visible."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
)

from config.errors import NotFound
from orders.exceptions import ShopNotFound
from orders.models import Shop
from orders.selectors import shop_list_for_user

IDEMPOTENCY_KEY_MAX = 255

SHOP_CODE = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description="Shop code.")
ORDER_NUMBER = OpenApiParameter(
    "number", OpenApiTypes.STR, OpenApiParameter.PATH, description="Order Hub order number, e.g. OH20250101000001."
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Makes the submission safe to retry (up to 255 characters, unique per request, e.g. a UUID). The same "
        "key with the same body returns the order it created (200) however often it is sent; the same key "
        "with a different body is refused with 409 `idempotency_key_reused`."
    ),
)


def location_header(*statuses: int) -> OpenApiParameter:
    return OpenApiParameter(
        "Location",
        OpenApiTypes.URI,
        OpenApiParameter.HEADER,
        response=list(statuses),
        description="URL of the resource.",
    )


def visible_shop(user, code: str) -> Shop:
    shop = shop_list_for_user(user).select_related("default_warehouse").filter(code=code).first()
    if shop is None:
        raise ShopNotFound(
            _("shop: no shop with code %(code)r.") % {"code": code}, extra={"field": "shop", "shop": code}
        )
    return shop


# --- shops --------------------------------------------------------------------------------------------------


def order_not_found(number: str) -> NotFound:
    """The same answer for a missing order and for one the user may not see."""
    return NotFound(_("No order %(number)s.") % {"number": number}, code="order_not_found", extra={"number": number})
