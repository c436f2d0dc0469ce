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

# The review queue and alerts (CS, managers), rule sets (managers edit, preview and publish).
_REVIEW = [
    "orders.view_reviewtask",
    "orders.change_reviewtask",
    "orders.view_approval",
    "orders.view_orderruleresult",
    "orders.view_orderlink",
    "orders.view_presaleterms",
    "orders.view_alert",
    "orders.change_alert",
]
_RULES = [
    "orders.view_ruleset",
    "orders.add_ruleset",
    "orders.change_ruleset",
    "orders.publish_ruleset",
    "orders.view_rulesetversion",
    "orders.view_rulepreview",
]

# Statements, reconciliation, differences, reports and vouchers (scoped by legal entity with guardian).
_FINANCE = [
    "finance.view_legalentity",
    "finance.view_shopentity",
    "finance.view_statement",
    "finance.add_statement",
    "finance.view_statementline",
    "finance.view_reconciliationrun",
    "finance.add_reconciliationrun",
    "finance.view_difference",
    "finance.change_difference",
    "finance.view_differencecomment",
    "finance.add_differencecomment",
    "finance.view_dailybalance",
    "finance.view_tolerance",
    "finance.view_feerate",
    "finance.view_accountmapping",
    "finance.view_voucher",
    "finance.add_voucher",
    "finance.view_voucherline",
    "finance.view_exportjob",
    "finance.add_exportjob",
    "aftersales.view_case",
    "aftersales.view_payout",
    "aftersales.view_reports",
    "aftersales.change_payout",  # gives a case's money back after the second finance check (the case page)
]
# After-sales cases: CS handles them, the warehouse receives returns, managers set the approval tiers.
# Parcels matching no case: the warehouse registers them, CS and the warehouse link them to a case.
_AFTERSALES = [
    "aftersales.view_case",
    "aftersales.change_case",
    "aftersales.view_payout",
    "aftersales.view_unknownparcel",
    "aftersales.change_unknownparcel",
]
_AFTERSALES_TIERS = [
    "aftersales.view_approvaltier",
    "aftersales.add_approvaltier",
    "aftersales.change_approvaltier",
    "aftersales.view_riskpolicy",
    "aftersales.add_riskpolicy",
    "aftersales.change_riskpolicy",
]

# The warehouse floor (waves, picking, packing, labels, tracking, exceptions).
_FULFILMENT_VIEW = [
    f"fulfilment.view_{model}"
    for model in (
        "carrier",
        "carrierplatformcode",
        "warehousecarrier",
        "location",
        "skuplacement",
        "shipment",
        "waybillattempt",
        "trackingevent",
        "wave",
        "waveorder",
        "picktask",
        "workitem",
    )
]
_FULFILMENT_WORK = [*_FULFILMENT_VIEW, "fulfilment.change_workitem"]  # shipping alerts: orders.*_alert

ROLE_PERMISSIONS: dict[str, list[str]] = {
    SALES_CS: [
        *_VIEW_ORDERS,
        "orders.add_order",
        "orders.change_order",
        "orders.add_orderevent",
        "orders.view_consignee_pii",
        *_REVIEW,  # review queue and alerts
        *_AFTERSALES,
        "aftersales.add_case",
        "aftersales.view_reports",
    ],
    WAREHOUSE: [
        *_VIEW_ORDERS,
        *_FULFILMENT_WORK,
        "orders.change_order",
        "orders.add_orderevent",
        "orders.view_consignee_pii",
        "inventory.view_stock",  # stock pages
        "inventory.adjust_stock",  # receipts, adjustments, transfers, counts
        "orders.view_alert",  # late shipments
        "orders.change_alert",
        "aftersales.view_case",  # returns arriving at the warehouse
        "aftersales.change_case",
        "aftersales.view_unknownparcel",
        "aftersales.add_unknownparcel",
        "aftersales.change_unknownparcel",
    ],
    # Finance sees consignees masked; revealing one order's phone and address takes a reason and is logged.
    FINANCE: [*_VIEW_ORDERS, *_FINANCE, "orders.reveal_consignee_pii", "orders.view_consigneereveal"],
    MANAGER: [
        *_VIEW_ORDERS,
        *_FULFILMENT_WORK,
        "fulfilment.change_warehousecarrier",
        "fulfilment.add_warehousecarrier",
        "fulfilment.change_carrierplatformcode",
        "orders.add_order",
        "orders.change_order",
        "orders.add_orderevent",
        "orders.view_consignee_pii",
        "orders.view_consigneereveal",  # who revealed which consignee, and why
        "orders.add_shop",
        "orders.change_shop",
        "inventory.add_sku",
        "inventory.change_sku",
        "inventory.add_warehouse",
        "inventory.change_warehouse",
        "inventory.view_stock",  # stock pages
        "inventory.adjust_stock",  # receipts, adjustments, transfers, counts
        "inventory.view_channelstock",  # channel allocations, set in bulk
        "inventory.add_channelstock",
        "inventory.change_channelstock",
        "integrations.view_shopconnection",
        "integrations.change_shopconnection",
        "integrations.add_shopconnection",
        "integrations.view_board",  # the command center (/board/) and its alert rules
        "integrations.view_boardalertrule",
        "integrations.add_boardalertrule",
        "integrations.change_boardalertrule",
        "integrations.view_peakrun",  # the peak simulator (/simulator/): start runs, watch them, open reports
        "integrations.run_peakrun",
        # buyer notifications: templates, opt-outs, the message log (replaying parked messages)
        "integrations.view_notificationtemplate",
        "integrations.change_notificationtemplate",
        "integrations.add_notificationtemplate",
        "integrations.view_buyeroptout",
        "integrations.add_buyeroptout",
        "integrations.delete_buyeroptout",
        "integrations.view_buyermessage",
        "integrations.change_buyermessage",
        # alert deliveries: what went to which channel, what is parked (replaying it)
        "orders.view_alertdelivery",
        "orders.change_alertdelivery",
        *_REVIEW,  # review queue, alerts, rule sets
        *_RULES,
        *_AFTERSALES,
        "aftersales.add_case",
        *_AFTERSALES_TIERS,
        "aftersales.view_reports",
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
