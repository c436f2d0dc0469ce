"""The shop and order API under /api/v1/: one small view per operation, a module per part.

- ``shops``: shops (list, read, create, update);
- ``orders``: the order list and one order's detail;
- ``submission``: partner order submission;
- ``common``: the schema parameters, the visible shop, the not-found answer they share (and ``actions``, the
  actions on one order, and fulfilment's shipment endpoints, use).

Each view parses its input, calls one selector or service and renders the result. Who sees what is decided
by the selectors (``orders.selectors``); what a role may do by model permissions (``orders.roles``).
Errors are ``{"code", "message", "extra"}`` (config.api.exception_handler).
"""

from orders.api.views.orders import OrderDetailApi, OrderListApi
from orders.api.views.shops import ShopCreateApi, ShopDetailApi, ShopListApi, ShopUpdateApi
from orders.api.views.submission import OrderCreateApi

__all__ = [
    "OrderCreateApi",
    "OrderDetailApi",
    "OrderListApi",
    "ShopCreateApi",
    "ShopDetailApi",
    "ShopListApi",
    "ShopUpdateApi",
]
