"""Templates' ``{variables}``: checked when a manager saves a template, filled for each order when moments are
recorded (what a lot of moments refers to is read once for the lot). Only the names in ``moments.VARIABLES`` may
appear, bare (no attribute, index or format spec)."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integrations.exceptions import NotifyTemplateInvalid
from integrations.notify.moments import VARIABLES, Channel
from orders.models import Order, Platform

_MOBILE = re.compile(r"^1\d{10}$")


def placeholders_check(text: str, *, field: str) -> None:
    """Raise ``NotifyTemplateInvalid`` naming the field and the placeholder that cannot be filled."""
    try:
        parsed = list(string.Formatter().parse(text or ""))
    except ValueError as exc:
        raise NotifyTemplateInvalid(
            _("%(field)s: %(why)s (write a literal brace as {{ or }}).") % {"field": field, "why": exc},
            extra={"field": field},
        ) from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in VARIABLES or spec or conversion:
            raise NotifyTemplateInvalid(
                _("%(field)s: {%(name)s} is not a variable; use one of %(names)s.")
                % {"field": field, "name": name, "names": ", ".join(f"{{{n}}}" for n in VARIABLES)},
                extra={"field": field, "variable": name, "allowed": list(VARIABLES)},
            )


def template_check(*, body: str, subject: str = "", params: Any = None) -> None:
    placeholders_check(body, field="body")
    placeholders_check(subject, field="subject")
    if params in (None, ""):
        return
    if not isinstance(params, dict):
        raise NotifyTemplateInvalid(
            _('params: write an object of parameter → text, e.g. {"order": "{order_number}"}.'),
            extra={"field": "params"},
        )
    for key, value in params.items():
        if not isinstance(value, str | int | float):
            raise NotifyTemplateInvalid(
                _("params.%(key)s: write text, not %(kind)s.") % {"key": key, "kind": type(value).__name__},
                extra={"field": f"params.{key}"},
            )
        placeholders_check(str(value), field=f"params.{key}")


def fill(text: str, values: dict[str, str]) -> str:
    return (text or "").format_map({name: values.get(name, "") for name in VARIABLES})


def tracking_url(token: str) -> str:
    path = reverse("public-track-link", kwargs={"token": token})
    return f"{settings.NOTIFY_PUBLIC_BASE_URL.rstrip('/')}{path}"


def local_text(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def order_values(order: Order, refs: dict[str, Any], loaded: Refs | None = None) -> dict[str, str]:
    """The variables of one moment of ``order``; ``loaded``: its references read for the whole lot
    (``refs_load``), else read now."""
    from fulfilment.selectors import public_tracking_token

    token = public_tracking_token(order)
    values = {
        "shop": order.shop.name,
        "order_number": order.external_id or order.number,
        "buyer": order.consignee_name,
        "amount": f"{order.paid_amount:.2f}",
        "currency": order.currency,
        "tracking_url": tracking_url(token),
        "tracking_token": token,
    }
    found = ref_values(refs, loaded if loaded is not None else refs_load([refs]))
    values.update({key: str(value) for key, value in found.items() if value is not None})
    return values


def phone_of(order: Order) -> str:
    """The consignee's mainland mobile number, or "" (masked, erased or not a mobile number)."""
    digits = "".join(c for c in order.consignee_phone or "" if c.isdigit() or c == "*")
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if _MOBILE.match(digits) else ""


def email_of(order: Order) -> str:
    """The buyer's e-mail address: the one the channel gave (Shopify, own website, the API), else a buyer id or
    name that is an address."""
    for candidate in (order.buyer_email, order.buyer_id, order.buyer_nick):
        try:
            validate_email(candidate or "")
        except ValidationError:
            continue
        return candidate.strip().lower()
    return ""


def recipient_of(order: Order, channel: str) -> str:
    if channel == Channel.SMS:
        return phone_of(order)
    if channel == Channel.WECHAT:
        # Mini-program orders carry the buyer's openid as the buyer id.
        return order.buyer_id if order.shop.platform == Platform.WECHAT and order.buyer_id else ""
    return email_of(order)


def address_normalise(channel: str, address: str) -> str:
    address = (address or "").strip()
    if channel == Channel.SMS:
        digits = "".join(c for c in address if c.isdigit())
        return digits[-11:] if len(digits) >= 11 else digits
    if channel == Channel.EMAIL:
        return address.lower()
    return address


DELAY_REASONS = {
    "no_pickup": gettext_lazy("the carrier has not collected the parcel yet"),
    "stalled": gettext_lazy("the parcel has not moved for two days"),
    "carrier_exception": gettext_lazy("the carrier reported a problem with the parcel"),
}
INTERCEPT_REASON = gettext_lazy("the parcel is stopped and on its way back to the shop")


@dataclass(frozen=True, slots=True)
class Refs:
    """What a lot of moments refer to, by id: parcels (with their carrier), after-sales cases, presale terms."""

    shipments: dict[int, Any] = field(default_factory=dict)
    cases: dict[int, Any] = field(default_factory=dict)
    terms: dict[int, Any] = field(default_factory=dict)


def refs_load(refs_list: Iterable[dict[str, Any]]) -> Refs:
    """The parcels, cases and presale terms ``refs_list`` names, one query for each kind named at all."""
    from aftersales.models import Case
    from fulfilment.models import Shipment
    from orders.models import PresaleTerms

    refs_list = list(refs_list)

    def ids(key: str) -> set[int]:
        return {refs[key] for refs in refs_list if refs.get(key)}

    def by_pk(queryset, pks: set[int]) -> dict[int, Any]:
        return {row.pk: row for row in queryset.filter(pk__in=pks)} if pks else {}

    return Refs(
        shipments=by_pk(Shipment.objects.select_related("carrier"), ids("shipment_id")),
        cases=by_pk(Case.objects.all(), ids("case_id")),
        terms=by_pk(PresaleTerms.objects.all(), ids("terms_id")),
    )


def ref_values(refs: dict[str, Any], loaded: Refs) -> dict[str, Any]:
    """The variables a moment's references give: its parcel (carrier, tracking number, delivered at), why it is
    delayed or intercepted, its after-sales case (amount refunded), its presale balance."""
    values: dict[str, Any] = {}
    shipment = loaded.shipments.get(refs.get("shipment_id"))
    if shipment is not None:
        values["carrier"] = shipment.carrier.name if shipment.carrier_id else ""
        values["tracking_number"] = shipment.tracking_number
        values["delivered_at"] = local_text(shipment.delivered_at)
    if refs.get("delay_kind") in DELAY_REASONS:
        values["reason"] = str(DELAY_REASONS[refs["delay_kind"]])
    if "interception" in refs:
        values["reason"] = str(INTERCEPT_REASON)
    case = loaded.cases.get(refs.get("case_id"))
    if case is not None:
        values["refund_amount"] = f"{case.amount:.2f}"
        values["reason"] = case.reason
    terms = loaded.terms.get(refs.get("terms_id"))
    if terms is not None:
        values["balance"] = f"{terms.balance:.2f}"
        values["due_at"] = local_text(terms.balance_due_at)
    return values
