"""Forms of the split and merge pages. They parse input only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


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
