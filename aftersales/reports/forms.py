"""The reports' filter: Asia/Shanghai days, the period, one shop of the user's, one kind."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.models import Case
from aftersales.reports.selectors import SHANGHAI, ReportFilter
from orders.selectors import shop_list_for_user

DEFAULT_DAYS = 30
MAX_DAYS = 366
PERIOD_CHOICES = [("day", gettext_lazy("Day")), ("week", gettext_lazy("Week")), ("month", gettext_lazy("Month"))]


class ReportForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("From"), required=False)
    date_to = forms.DateField(label=gettext_lazy("To"), required=False)
    period = forms.ChoiceField(label=gettext_lazy("Period"), choices=PERIOD_CHOICES, required=False)
    shop = forms.ChoiceField(label=gettext_lazy("Shop"), required=False)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=[("", gettext_lazy("All kinds")), *Case.Kind.choices], required=False
    )

    def __init__(self, data, *, user) -> None:
        super().__init__(data)
        self.shops = {shop.code: shop for shop in shop_list_for_user(user).order_by("code")}
        self.fields["shop"].choices = [("", _("All shops")), *((code, shop.name) for code, shop in self.shops.items())]

    def clean(self):
        cleaned = super().clean()
        today = timezone.now().astimezone(SHANGHAI).date()
        date_to = cleaned.get("date_to") or today
        date_from = cleaned.get("date_from") or date_to - dt.timedelta(days=DEFAULT_DAYS - 1)
        if date_from > date_to:
            message = _("date_to: %(to)s is before date_from %(from)s.") % {"to": date_to, "from": date_from}
            self.add_error("date_to", message)
        elif (date_to - date_from).days >= MAX_DAYS:
            self.add_error("date_to", _("date_to: a report covers at most %(days)s days.") % {"days": MAX_DAYS})
        cleaned["date_from"], cleaned["date_to"] = date_from, date_to
        return cleaned

    def report_filter(self) -> ReportFilter:
        """The filter of a valid form (defaults: the last 30 Shanghai days, by day, every shop and kind)."""
        data = self.cleaned_data
        shop = self.shops.get(data.get("shop") or "")
        return ReportFilter(
            date_from=data["date_from"],
            date_to=data["date_to"],
            period=data.get("period") or "day",
            shop_id=shop.pk if shop else None,
            kind=data.get("kind") or "",
        )
