"""Forms of the review, rules and alerts pages. They parse input only; the services decide."""

from __future__ import annotations

import json

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from orders.models import Alert, Order, ReviewTask
from orders.review.services import ADDRESS_FIELDS, BULK_ACTIONS


class QueueFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *ReviewTask.Kind.choices])
    shop = forms.CharField(label=_("Shop code"), required=False, max_length=32)
    mine = forms.BooleanField(label=_("Waiting for my role"), required=False)


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=255)


class RejectForm(forms.Form):
    note = forms.CharField(label=_("Why is it rejected?"), max_length=255)


class BulkForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=[(a, a) for a in BULK_ACTIONS])
    tasks = forms.TypedMultipleChoiceField(label=_("Tasks"), coerce=int, choices=())
    note = forms.CharField(label=_("Note"), required=False, max_length=255)

    def __init__(self, *args, task_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tasks"].choices = [(pk, pk) for pk in task_ids]

    def clean(self):
        data = super().clean()
        if data.get("action") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why the orders are rejected."))
        return data


class AddressForm(forms.ModelForm):
    class Meta:
        model = Order
        fields = list(ADDRESS_FIELDS)


class HoldForm(forms.Form):
    reason = forms.CharField(label=_("Why hold it?"), max_length=200)


class SplitForm(forms.Form):
    """One quantity field per line: how many units move to the new order."""

    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=f"{line.sku.code} {line.title}", min_value=0, max_value=line.quantity, initial=0, required=False
            )

    def parts(self) -> dict[int, int]:
        return {
            line.pk: self.cleaned_data.get(f"line_{line.pk}") or 0
            for line in self.lines
            if self.cleaned_data.get(f"line_{line.pk}")
        }


class MergeForm(forms.Form):
    orders = forms.CharField(label=_("Order numbers"), help_text=_("Separated by spaces or commas."))
    target = forms.CharField(label=_("Merge into (order number)"), required=False, max_length=32)

    def numbers(self) -> list[str]:
        return [n for n in self.cleaned_data["orders"].replace(",", " ").split() if n]


class RuleSetForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RulesForm(forms.Form):
    """The rules as a JSON tree. Parsed here; checked against the whitelists by the service."""

    rules = forms.CharField(label=_("Rules (JSON)"), widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}))
    note = forms.CharField(label=_("Change note"), required=False, max_length=200)

    def clean_rules(self):
        text = self.cleaned_data["rules"]
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                _("Not valid JSON: %(msg)s at line %(line)s, column %(col)s.")
                % {"msg": error.msg, "line": error.lineno, "col": error.colno}
            ) from None
        if not isinstance(value, list):
            raise forms.ValidationError(_("The rules are a JSON list: [ {rule}, {rule} ]."))
        return value


class PreviewForm(forms.Form):
    days = forms.IntegerField(label=_("Orders of the last (days)"), min_value=1, max_value=90, initial=7)


class PublishForm(forms.Form):
    preview = forms.IntegerField(widget=forms.HiddenInput)


class AlertFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("open", _("Open")),
            ("mine", _("Assigned to me")),
            ("unacknowledged", _("Not acknowledged")),
            ("all", _("All, resolved too")),
        ],
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *Alert.Kind.choices])
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=[("", _("Any severity")), *Alert.Severity.choices]
    )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), required=False, queryset=get_user_model().objects.none(), empty_label=_("Nobody")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = (
            get_user_model().objects.filter(is_active=True, is_staff=True).order_by("username")
        )
