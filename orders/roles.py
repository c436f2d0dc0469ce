"""The back-office roles: Django groups and the model permissions each one holds.

Object-level scope (which shops and warehouses) is granted separately with django-guardian
(``orders.access``); these groups only say *what kind* of work a role does.
Later apps add their permissions to the lists below.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext_lazy as _

SALES_CS = "客服/销售"
WAREHOUSE = "仓库"
FINANCE = "财务"
MANAGER = "主管"
ADMIN = "管理员"

ROLE_LABELS = {
    SALES_CS: _("Sales & customer service"),
    WAREHOUSE: _("Warehouse"),
    FINANCE: _("Finance"),
    MANAGER: _("Manager"),
    ADMIN: _("Administrator"),
}

_VIEW_ORDERS = [
    "orders.view_order",
    "orders.view_orderline",
    "orders.view_orderevent",
    "orders.view_shop",
    "inventory.view_sku",
    "inventory.view_warehouse",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    SALES_CS: [
        *_VIEW_ORDERS,
        "orders.add_order",
        "orders.change_order",
        "orders.add_orderevent",
        "orders.view_consignee_pii",
    ],
    WAREHOUSE: [
        *_VIEW_ORDERS,
        "orders.change_order",
        "orders.add_orderevent",
        "orders.view_consignee_pii",
    ],
    FINANCE: [*_VIEW_ORDERS],
    MANAGER: [
        *_VIEW_ORDERS,
        "orders.add_order",
        "orders.change_order",
        "orders.add_orderevent",
        "orders.view_consignee_pii",
        "orders.add_shop",
        "orders.change_shop",
        "inventory.add_sku",
        "inventory.change_sku",
        "inventory.add_warehouse",
        "inventory.change_warehouse",
        "integrations.view_shopconnection",
        "integrations.change_shopconnection",
        "integrations.add_shopconnection",
    ],
}

# Administrators hold every permission of Order Hub's own apps, and see every shop and warehouse.
ADMIN_APPS = ("orders", "inventory", "fulfilment", "finance", "aftersales", "integrations")


@transaction.atomic
def roles_sync() -> dict[str, int]:
    """Create the role groups and set their permissions to exactly the lists above. Idempotent."""
    counts = {}
    for name, codes in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        permissions = _permissions(codes)
        group.permissions.set(permissions)
        counts[name] = len(permissions)
    admin, _created = Group.objects.get_or_create(name=ADMIN)
    admin_permissions = Permission.objects.filter(content_type__app_label__in=ADMIN_APPS)
    admin.permissions.set(admin_permissions)
    counts[ADMIN] = admin_permissions.count()
    return counts


def _permissions(codes: list[str]) -> list[Permission]:
    wanted = {tuple(code.split(".", 1)) for code in codes}
    found = [
        p
        for p in Permission.objects.filter(codename__in=[c for _a, c in wanted]).select_related("content_type")
        if (p.content_type.app_label, p.codename) in wanted
    ]
    missing = wanted - {(p.content_type.app_label, p.codename) for p in found}
    if missing:
        raise LookupError(f"Role permissions that do not exist: {sorted('.'.join(m) for m in missing)}")
    return found
