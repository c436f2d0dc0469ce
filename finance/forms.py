"""Back-office forms for finance pages. They parse input; the views call services and selectors."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from finance.models import DifferenceStatus, DifferenceType, ExportJob
from finance.selectors import entity_list_for_user
from finance.services.differences import HUMAN_CHOICES
from orders.selectors import shop_list_for_user

DATE = forms.DateInput(attrs={"type": "date"})


class _UserScoped(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if "entity" in self.fields:
            self.fields["entity"].queryset = entity_list_for_user(user).order_by("code")
        if "shop" in self.fields:
            self.fields["shop"].queryset = shop_list_for_user(user).order_by("code")


class StatementUploadForm(_UserScoped):
    file = forms.FileField(label=_("Statement file (CSV or XLSX)"))
    entity = forms.ModelChoiceField(queryset=None, required=False, label=_("Legal entity"), to_field_name="code")
    shop = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=_("Shop (when the account is one shop's)"),
        to_field_name="code",
    )


class DateRangeForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=DATE, required=False)
    date_to = forms.DateField(label=_("To"), widget=DATE, required=False)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("Must not be before the start."))
        return data

    def range(self, *, default_days: int = 14) -> tuple[dt.date, dt.date]:
        data = self.cleaned_data if self.is_valid() else {}
        today = timezone.localdate()
        date_to = data.get("date_to") or today
        date_from = data.get("date_from") or date_to - dt.timedelta(days=default_days - 1)
        return date_from, date_to


class ReconcileForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=DATE)
    date_to = forms.DateField(label=_("To"), widget=DATE)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to"):
            if data["date_from"] > data["date_to"]:
                self.add_error("date_to", _("Must not be before the start."))
            elif (data["date_to"] - data["date_from"]).days > 92:
                self.add_error("date_to", _("Reconcile at most 93 days at a time."))
        return data


class DifferenceFilterForm(_UserScoped, DateRangeForm):
    type = forms.MultipleChoiceField(
        label=_("Type"), choices=DifferenceType.choices, required=False, widget=forms.SelectMultiple(attrs={"size": 3})
    )
    status = forms.MultipleChoiceField(
        label=_("Status"),
        choices=DifferenceStatus.choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 3}),
    )
    shop = forms.ModelChoiceField(queryset=None, required=False, label=_("Shop"), to_field_name="code")
    entity = forms.ModelChoiceField(queryset=None, required=False, label=_("Legal entity"), to_field_name="code")
    mine = forms.BooleanField(label=_("Mine only"), required=False)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        statuses = data.get("status") or []
        return {
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "types": data.get("type") or None,
            "statuses": statuses or None,
            "unresolved": not statuses,
            "shop_code": data["shop"].code if data.get("shop") else None,
            "entity_code": data["entity"].code if data.get("entity") else None,
            "owner": self.user if data.get("mine") else None,
        }

    @property
    def is_filtered(self) -> bool:
        return any(self.data.get(name) for name in self.fields)


class DifferenceStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[(s.value, s.label) for s in HUMAN_CHOICES])
    note = forms.CharField(label=_("Note (required to write off)"), required=False, max_length=1000)


class DifferenceAssignForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=None, required=False, label=_("Owner"), empty_label=_("nobody"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(is_active=True, groups__name="财务").distinct().order_by("username")
        )


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class ConsistencyForm(_UserScoped, DateRangeForm):
    shop = forms.ModelChoiceField(queryset=None, required=False, label=_("Shop"), to_field_name="code")


class ReportExportForm(_UserScoped, DateRangeForm):
    GROUPS = [
        ("date", _("Date")),
        ("channel", _("Channel")),
        ("shop", _("Shop")),
        ("category", _("Category")),
        ("entity", _("Legal entity")),
    ]
    group_by = forms.ChoiceField(label=_("Group by"), choices=GROUPS, initial="date")
    entity = forms.ModelChoiceField(queryset=None, required=False, label=_("Legal entity"), to_field_name="code")


class VoucherDraftForm(_UserScoped, ReconcileForm):
    entity = forms.ModelChoiceField(queryset=None, label=_("Legal entity"), to_field_name="code")


class VoucherExportForm(_UserScoped, DateRangeForm):
    entity = forms.ModelChoiceField(queryset=None, label=_("Legal entity"), to_field_name="code")
    layout = forms.ChoiceField(label=_("Layout"), choices=ExportJob.Layout.choices)
