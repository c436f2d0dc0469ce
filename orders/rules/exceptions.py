from config.errors import ApplicationError, Conflict


class RuleSetInvalid(ApplicationError):
    """A rule set failed validation. ``extra["errors"]`` lists every problem as ``{"path", "message"}``."""

    code = "rule_set_invalid"
    status = 400

    def __init__(self, errors: list[dict[str, str]]):
        first = errors[0] if errors else {"path": "", "message": "invalid"}
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"{first['path']}: {first['message']}{more}", extra={"errors": errors})
        self.errors = errors


class RuleVersionNotEditable(Conflict):
    code = "rule_version_not_editable"


class PreviewRequired(Conflict):
    """Publishing needs a sandbox preview of exactly this version against the rules that are live now."""

    code = "rule_preview_required"
