"""Display helpers for the finance pages."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def amount(value, places: int = 2) -> str:
    """``Decimal("-1234.5")`` → ``-1,234.50``; empty for None."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"{number:,.{int(places)}f}"


@register.filter
def sign_class(value) -> str:
    """``neg`` / ``pos`` / ``""`` for colouring amounts."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError):
        return ""
    return "neg" if number < 0 else "pos" if number > 0 else ""
