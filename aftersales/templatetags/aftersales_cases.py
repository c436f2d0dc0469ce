"""``{% order_cases order %}``: the order's after-sales cases and its buyer's return history across all shops,
for the order page (the order page is the orders app's; it asks after-sales through this tag, never by importing
it)."""

from django import template

from aftersales.selectors import buyer_cases
from aftersales.services.risk import risk_level, risk_policy_get

register = template.Library()


@register.inclusion_tag("aftersales/_order_cases.html", takes_context=True)
def order_cases(context, order):
    policy = risk_policy_get()
    cases = list(order.cases.order_by("-created_at", "-pk"))
    others = buyer_cases(order=order).exclude(order_id=order.pk)
    user = context.get("user")
    return {
        "order": order,
        "cases": [(case, risk_level(score=case.risk_score, policy=policy)) for case in cases],
        "buyer_cases": others.count(),
        "buyer_frauds": others.filter(fraud_flag=True).count(),
        "reveal": bool(user and user.has_perm("orders.view_consignee_pii")),
        "can_create": bool(user and user.has_perm("aftersales.add_case")),
    }
