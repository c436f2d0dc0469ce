"""Back-office forms: the order list's filters and the order page's actions. They parse input only."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.widgets import PlainSelect
from orders.board import AGE_LABELS, orders_by_age
from orders.models import Order, Platform, Queue, Shop
from orders.selectors import order_list_search
from orders.states import HoldReason, Status

MAX_NUMBERS = 1000  # order numbers a drill-down link may name


def _blank(label):
    return [("", label)]


class OrderFilterForm(forms.Form):
    """The order list's filters, from the query string. Only shops the user may see are offered."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"placeholder": _("Order number, platform order id, buyer, consignee or full phone number")}
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_blank(_("All statuses")) + Status.choices, widget=PlainSelect
    )
    shop = forms.ModelChoiceField(
        label=_("Shop"),
        required=False,
        queryset=Shop.objects.none(),
        to_field_name="code",
        empty_label=_("All shops"),
        widget=PlainSelect,
    )
    hold_reason = forms.ChoiceField(
        label=_("Hold reason"),
        required=False,
        choices=_blank(_("Any hold reason")) + HoldReason.choices,
        widget=PlainSelect,
    )
    queue = forms.ChoiceField(
        label=_("Queue"), required=False, choices=_blank(_("All queues")) + Queue.choices, widget=PlainSelect
    )
    created_from = forms.DateField(
        label=_("Created from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(label=_("Created to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    # The command center's drill-down links (/board/) filter on these too.
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=_blank(_("All channels")) + Platform.choices, widget=PlainSelect
    )
    age = forms.ChoiceField(
        label=_("Time in status"),
        required=False,
        choices=_blank(_("Any time in status")) + list(AGE_LABELS.items()),
        widget=PlainSelect,
    )
    since = forms.DateTimeField(
        label=_("Created since"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    until = forms.DateTimeField(
        label=_("Created before"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    numbers = forms.CharField(required=False, max_length=20000, widget=forms.HiddenInput)

    def __init__(self, *args, shops: QuerySet[Shop], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = shops

    def clean(self):
        data = super().clean()
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", _("The end date is before the start date."))
        return data

    def filter(self, orders: QuerySet[Order]) -> QuerySet[Order]:
        """Apply the filters that are valid (an invalid one is reported on the form and ignored)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        if data.get("status"):
            orders = orders.filter(status=data["status"])
        if data.get("shop"):
            orders = orders.filter(shop=data["shop"])
        if data.get("hold_reason"):
            orders = orders.filter(hold_reason=data["hold_reason"])
        if data.get("queue"):
            orders = orders.filter(queue=data["queue"])
        if data.get("created_from"):
            orders = orders.filter(created_at__gte=_start_of(data["created_from"]))
        if data.get("created_to"):
            orders = orders.filter(created_at__lt=_start_of(data["created_to"] + dt.timedelta(days=1)))
        if data.get("channel"):
            orders = orders.filter(shop__platform=data["channel"])
        if data.get("since"):
            orders = orders.filter(created_at__gte=data["since"])
        if data.get("until"):
            orders = orders.filter(created_at__lt=data["until"])
        if data.get("numbers"):
            orders = orders.filter(
                number__in=[n.strip() for n in data["numbers"].split(",") if n.strip()][:MAX_NUMBERS]
            )
        if data.get("age"):
            orders = orders_by_age(orders, bucket=data["age"], now=timezone.now())
        orders = order_list_search(orders, query=data.get("q") or "")
        return orders

    @property
    def is_filtered(self) -> bool:
        return any(getattr(self, "cleaned_data", {}).get(name) for name in self.fields)


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the current time zone (Asia/Shanghai), as an aware datetime."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    hold_reason = forms.ChoiceField(
        label=_("Hold reason"), required=False, choices=_blank(_("Choose a hold reason")) + HoldReason.choices
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), max_length=255, widget=forms.Textarea(attrs={"rows": 2, "maxlength": 255}))
