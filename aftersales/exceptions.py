"""After-sales errors: each has a stable code and HTTP status (config.errors.ApplicationError)."""

from config.errors import ApplicationError, Conflict, NotFound


class CaseInvalid(ApplicationError):
    """The request names something wrong (a field, a line, a SKU not on the order)."""

    code = "case_invalid"
    permanent = True


class RefundExceedsPaid(Conflict):
    """The step would take the order's live cases past what was paid for it."""

    code = "refund_exceeds_paid"
    permanent = True


class CaseStateError(Conflict):
    """The case is not in a status that allows this step."""

    code = "case_state"
    permanent = True


class CaseNotFound(NotFound):
    code = "case_not_found"


class ApprovalNotAllowed(ApplicationError):
    """No approval tier lets this user approve this amount."""

    code = "approval_not_allowed"
    status = 403
    permanent = True


class RefundExecutionRefused(ApplicationError):
    """The money cannot go back this way (a finance check is missing, no client for the provider)."""

    code = "refund_execution_refused"
    status = 409
    permanent = True


class CaseLinesOnOrder(Conflict):
    """An after-sales case has lines on the order: it cannot be split from under the case."""

    code = "case_lines_on_order"
    permanent = True


class CaseOpenOnOrder(Conflict):
    """An after-sales case of the order is open: the order cannot be merged into another (or another into it)."""

    code = "case_open_on_order"
    permanent = True


class CaseRefundedOnOrder(Conflict):
    """Money of the order already went back through an after-sales case: the order cannot be merged into another
    (or another into it)."""

    code = "case_refunded_on_order"
    permanent = True
