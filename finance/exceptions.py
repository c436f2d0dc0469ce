"""Finance errors: each with a stable code and HTTP status (rendered as {"code", "message", "extra"})."""

from config.errors import ApplicationError, Conflict, NotFound, PermissionDenied


class StatementInvalid(ApplicationError):
    """The file is not a statement Order Hub can read (unknown format, missing columns, encoding)."""

    code = "statement_invalid"
    status = 400


class StatementDuplicate(Conflict):
    """The same file (same SHA-256) was imported before."""

    code = "statement_duplicate"


class StatementNotFound(NotFound):
    code = "statement_not_found"


class EntityRequired(ApplicationError):
    code = "entity_required"
    status = 400


class EntityNotAllowed(PermissionDenied):
    code = "entity_not_allowed"


class ReconciliationBusy(Conflict):
    code = "reconciliation_running"


class DifferenceInvalid(ApplicationError):
    code = "difference_invalid"
    status = 400


class ExportInvalid(ApplicationError):
    code = "export_invalid"
    status = 400


class VoucherInvalid(ApplicationError):
    code = "voucher_invalid"
    status = 400
