"""Back-office forms for stock pages. They parse input only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.models import SKU, Pool, StockMovement, Warehouse


class SKUCodeField(forms.CharField):
    def clean(self, value):
        code = super().clean(value)
        if not code:
            return None
        try:
            return SKU.objects.get(code=code.strip())
        except SKU.DoesNotExist:
            raise forms.ValidationError(_("No SKU with code %(code)s."), params={"code": code}) from None


class LocationForm(forms.Form):
    """A form whose location fields offer only the locations the user may work on."""

    location_fields: tuple[str, ...] = ("warehouse",)

    def __init__(self, *args, warehouses=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.location_fields:
            self.fields[name].queryset = warehouses if warehouses is not None else Warehouse.objects.none()


class ReceiptForm(LocationForm):
    warehouse = forms.ModelChoiceField(label=_("Location"), queryset=Warehouse.objects.none())
    sku = SKUCodeField(label=_("SKU code"), max_length=64)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)
    pool = forms.ChoiceField(label=_("Pool"), choices=Pool.choices, initial=Pool.SPOT)
    reference = forms.CharField(label=_("Reference (PO, delivery note)"), max_length=64, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)


class AdjustmentForm(LocationForm):
    warehouse = forms.ModelChoiceField(label=_("Location"), queryset=Warehouse.objects.none())
    sku = SKUCodeField(label=_("SKU code"), max_length=64)
    quantity = forms.IntegerField(label=_("Change (+ adds, − removes)"))
    pool = forms.ChoiceField(label=_("Pool"), choices=Pool.choices, initial=Pool.SPOT)
    reason = forms.CharField(label=_("Reason"), max_length=255)
    reference = forms.CharField(label=_("Reference"), max_length=64, required=False)


class TransferForm(LocationForm):
    location_fields = ("from_warehouse", "to_warehouse")
    from_warehouse = forms.ModelChoiceField(label=_("From"), queryset=Warehouse.objects.none())
    to_warehouse = forms.ModelChoiceField(label=_("To"), queryset=Warehouse.objects.none())
    sku = SKUCodeField(label=_("SKU code"), max_length=64)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)
    from_pool = forms.ChoiceField(label=_("From pool"), choices=Pool.choices, initial=Pool.SPOT)
    to_pool = forms.ChoiceField(label=_("To pool"), choices=Pool.choices, initial=Pool.SPOT)
    reason = forms.CharField(label=_("Reason"), max_length=255)
    reference = forms.CharField(label=_("Reference"), max_length=64, required=False)


class CountOpenForm(LocationForm):
    warehouse = forms.ModelChoiceField(label=_("Location"), queryset=Warehouse.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=255)


class CountLineForm(forms.Form):
    sku = SKUCodeField(label=_("SKU code"), max_length=64)
    counted = forms.IntegerField(label=_("Counted"), min_value=0)
    pool = forms.ChoiceField(label=_("Pool"), choices=Pool.choices, initial=Pool.SPOT)


class MovementFilterForm(forms.Form):
    sku = forms.CharField(label=_("SKU code"), required=False)
    warehouse = forms.CharField(label=_("Location code"), required=False)
    reference = forms.CharField(label=_("Reference"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *StockMovement.Kind.choices], required=False)


class AccuracyFilterForm(forms.Form):
    warehouse = forms.CharField(label=_("Location code"), required=False)
    since = forms.DateField(label=_("Applied from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Applied before"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
