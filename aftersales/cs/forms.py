"""Forms of the CS pages: the queue's filters, a case opened from the order page, the risk policy. They parse
input only; the services check the rules."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from aftersales.models import Case, RiskPolicy
from aftersales.selectors import DEADLINE_FILTERS, RISK_BANDS
from aftersales.services.risk import POLICY_FIELDS
from orders.models import Shop

RISK_LABELS = {"low": _("Low"), "watch": _("Watch"), "high": _("High risk"), "unscored": _("Not scored yet")}
DEADLINE_LABELS = {
    "overdue": _("Past the platform deadline"),
    "due": _("Deadline within the hours below"),
    "none": _("No platform deadline"),
}


def _blank(label):
    return [("", label)]


class CaseFilterForm(forms.Form):
    """The queue's filters, from the query string. Only shops the user may see are offered."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"placeholder": _("Case number, order number, platform order id, refund id or return waybill")}
        ),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=_blank(_("All kinds")) + Case.Kind.choices)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_blank(_("All statuses")) + Case.Status.choices
    )
    shop = forms.ModelChoiceField(
        label=_("Shop"), required=False, queryset=Shop.objects.none(), to_field_name="code", empty_label=_("All shops")
    )
    risk = forms.ChoiceField(
        label=_("Risk"),
        required=False,
        choices=_blank(_("Any risk")) + [(band, RISK_LABELS[band]) for band in RISK_BANDS],
    )
    risk_from = forms.IntegerField(label=_("Risk score from"), required=False, min_value=0, max_value=100)
    deadline = forms.ChoiceField(
        label=_("Platform deadline"),
        required=False,
        choices=_blank(_("Any deadline")) + [(name, DEADLINE_LABELS[name]) for name in DEADLINE_FILTERS],
    )
    hours = forms.IntegerField(label=_("Due within (hours)"), required=False, min_value=1, max_value=24 * 30)

    def __init__(self, *args, shops: QuerySet[Shop], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = shops

    def values(self) -> dict:
        """The valid filters as the queue selector's keyword arguments (an invalid one is shown and ignored)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else getattr(self, "cleaned_data", {})
        return {
            "kind": data.get("kind") or "",
            "status": data.get("status") or "",
            "shop": data.get("shop"),
            "risk": data.get("risk") or "",
            "risk_from": data.get("risk_from"),
            "deadline": data.get("deadline") or "",
            "due_hours": data.get("hours") or 24,
            "query": data.get("q") or "",
        }

    @property
    def is_filtered(self) -> bool:
        return any(getattr(self, "cleaned_data", {}).get(name) not in (None, "") for name in self.fields)


class CaseCreateForm(forms.Form):
    """A case opened by CS on one order: the quantities of its lines come as ``qty-<order line id>`` fields."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Case.Kind.choices)
    amount = forms.DecimalField(
        label=_("Amount"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("Empty: what the lines are worth. An exchange or a re-ship gives no money back."),
    )
    reason_code = forms.ChoiceField(
        label=_("Reason code"), required=False, choices=_blank(_("Choose a reason")) + Case.ReasonCode.choices
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500, widget=forms.TextInput)
    buyer_words = forms.CharField(
        label=_("Buyer's words"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )

    def __init__(self, *args, order_lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_lines = list(order_lines)
        for line in self.order_lines:
            self.fields[f"qty-{line.pk}"] = forms.IntegerField(
                label=line.sku.code, required=False, min_value=0, max_value=line.quantity
            )

    def line_fields(self):
        return [(line, self[f"qty-{line.pk}"]) for line in self.order_lines]

    def lines(self) -> list[tuple[str, int]]:
        """(SKU code, quantity) of the lines given a quantity above 0."""
        return [
            (line.sku.code, self.cleaned_data[f"qty-{line.pk}"])
            for line in self.order_lines
            if self.cleaned_data.get(f"qty-{line.pk}")
        ]


class RiskPolicyForm(forms.Form):
    """The risk policy's thresholds, look-back days and points (``aftersales.models.risk``), with the model's
    labels and limits; whether they fit together is ``risk_policy_save``'s to say."""

    risky_reasons = forms.MultipleChoiceField(
        label=_("risky reason codes"),
        required=False,
        choices=Case.ReasonCode.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Reason codes the buyer need not prove: a case with one of them gets the points below."),
    )

    def __init__(self, *args, policy: RiskPolicy, **kwargs):
        kwargs.setdefault("initial", forms.model_to_dict(policy, fields=POLICY_FIELDS))
        super().__init__(*args, **kwargs)
        numbers = [name for name in POLICY_FIELDS if name != "risky_reasons"]
        self.fields.update(forms.fields_for_model(RiskPolicy, fields=numbers))
        self.order_fields(POLICY_FIELDS)
