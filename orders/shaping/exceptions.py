from config.errors import ApplicationError, Conflict


class ShapingInvalid(ApplicationError):
    """A merge, split or presale step that the orders do not allow (different buyer, shipped, …)."""

    code = "shaping_invalid"
    status = 400


class PresaleInvalid(ApplicationError):
    code = "presale_invalid"
    status = 400


class PresaleClosed(Conflict):
    code = "presale_closed"
