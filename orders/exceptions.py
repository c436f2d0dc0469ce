from config.errors import ApplicationError, Conflict, NotFound


class InvalidTransition(ApplicationError):
    code = "invalid_transition"
    status = 409


class OrderInvalid(ApplicationError):
    code = "order_invalid"
    status = 400


class DuplicateOrder(Conflict):
    code = "duplicate_order"


class IdempotencyConflict(Conflict):
    code = "idempotency_key_reused"


class ShopNotFound(NotFound):
    code = "shop_not_found"
