from config.errors import ApplicationError, Conflict, NotFound


class InvalidTransition(ApplicationError):
    code = "invalid_transition"
    status = 409


class OrderInvalid(ApplicationError):
    code = "order_invalid"
    status = 400

    @property
    def permanent(self) -> bool:
        return self.code != "unknown_sku"  # staff may add the SKU; then a retry succeeds


class DuplicateOrder(Conflict):
    code = "duplicate_order"
    permanent = True


class IdempotencyConflict(Conflict):
    code = "idempotency_key_reused"


class ShopNotFound(NotFound):
    code = "shop_not_found"


class OrderActionRefused(Conflict):
    """An action on an order (hold, release, approve, pay, address change) that its state does not allow; the
    ``code`` says which rule refused it (``order_not_on_hold``, ``order_shipped`` …)."""

    code = "order_action_refused"
