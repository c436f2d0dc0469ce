"""Forms of the review queue and alert pages. They parse input only; the services decide."""

from __future__ import annotations

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
