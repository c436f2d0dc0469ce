"""Masking of personal data for roles that don't need it (finance, auditors, outsiders).

Who may see consignee phone and detail address unmasked is the model permission
``orders.view_consignee_pii``; everybody else sees the masked form everywhere (pages, admin, API, exports).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

PII_PERMISSION = "orders.view_consignee_pii"
REVEAL_PERMISSION = "orders.reveal_consignee_pii"


def user_may_reveal(user) -> bool:
    """Sees the consignee masked, but may reveal it with a reason (``orders.services.consignee_reveal``)."""
    return bool(user and user.is_authenticated and not user_sees_pii(user) and user.has_perm(REVEAL_PERMISSION))


def user_sees_pii(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(PII_PERMISSION))


def mask_phone(phone: str) -> str:
    """``13812345678`` → ``138****5678``; short or odd numbers keep only their last two characters."""
    phone = phone or ""
    digits = phone.strip()
    if not digits:
        return ""
    if "*" in digits:  # already masked by the platform
        return digits
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * max(len(digits) - 2, 1) + digits[-2:]


def mask_email(email: str) -> str:
    """``wang.lei@example.com`` → ``w***@example.com``: the mailbox hidden, the domain kept."""
    name, at, domain = (email or "").strip().partition("@")
    if not at:
        return "***" if name else ""
    return f"{name[:1]}***@{domain}"


def mask_address(address: str) -> str:
    """Keep the first few characters (the road) and hide the rest: ``文三路100号2幢`` → ``文三路****``."""
    address = (address or "").strip()
    if not address:
        return ""
    keep = min(3, max(len(address) // 3, 1))
    return address[:keep] + "****"


def consignee_for(user, order, *, reveal: bool = False) -> dict[str, str]:
    """The consignee block as this user may see it (``reveal``: unmasked — only
    ``orders.services.consignee_reveal`` passes it, after logging why)."""
    visible = reveal or user_sees_pii(user)
    return {
        "name": order.consignee_name,
        "phone": order.consignee_phone if visible else mask_phone(order.consignee_phone),
        "country": order.country,
        "province": order.province,
        "city": order.city,
        "district": order.district,
        "address": order.address if visible else mask_address(order.address),
        "postal_code": order.postal_code,
        "masked": not visible,
    }
