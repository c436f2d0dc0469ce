from config.errors import ApplicationError, Conflict, PermissionDenied


class ReviewInvalid(ApplicationError):
    code = "review_invalid"
    status = 400


class ReviewClosed(Conflict):
    """The task was already decided (by someone else, or by this user a moment ago)."""

    code = "review_closed"


class ApprovalRoleRequired(PermissionDenied):
    """This tier must be approved by a member of another role (or the user approved an earlier tier)."""

    code = "approval_role_required"
