"""Inventory's errors. Each has a stable ``code`` and HTTP ``status`` (config.errors.ApplicationError)."""

from config.errors import ApplicationError, Conflict, NotFound


class StockInvalid(ApplicationError):
    """The request itself is wrong: a zero quantity, a missing reason, an inactive location."""

    code = "stock_invalid"
    status = 400


class InsufficientStock(Conflict):
    """Not enough available stock for what was asked (reserve, remove, transfer, count below reserved)."""

    code = "insufficient_stock"


class StockIdempotencyConflict(Conflict):
    code = "idempotency_key_reused"


class StockCountClosed(Conflict):
    code = "stock_count_closed"


class SKUNotFound(NotFound):
    code = "sku_not_found"


class WarehouseNotFound(NotFound):
    code = "warehouse_not_found"


class LedgerInconsistent(ApplicationError):
    """A reservation and its stock row disagree. Never expected; the transaction is rolled back."""

    code = "ledger_inconsistent"
    status = 500
