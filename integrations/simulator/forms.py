"""The back office's form to start a simulation (the command's main options)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from integrations.simulator.curves import BUNDLED
from integrations.simulator.options import FAULTS


class PeakRunForm(forms.Form):
    curve = forms.ChoiceField(label=_("Traffic curve"), choices=[(name, name) for name in BUNDLED], initial="double11")
    orders = forms.IntegerField(label=_("Orders to offer"), min_value=10, max_value=500_000, initial=5_000)
    peak_per_s = forms.FloatField(label=_("Peak (orders/s)"), min_value=1, max_value=100_000, initial=1_000)
    hot_share = forms.FloatField(label=_("Share on hot SKUs"), min_value=0, max_value=1, initial=0.2)
    hot_skus = forms.IntegerField(label=_("Hot SKUs"), min_value=1, max_value=50, initial=5)
    thin_share = forms.FloatField(label=_("Share of Taobao thin notices"), min_value=0, max_value=1, initial=0.2)
    web = forms.IntegerField(label=_("Web processes"), min_value=1, max_value=16, initial=2)
    workers = forms.IntegerField(label=_("Ingestion workers"), min_value=1, max_value=16, initial=2)
    review_workers = forms.IntegerField(label=_("Review workers"), min_value=1, max_value=16, initial=2)
    faults = forms.MultipleChoiceField(
        label=_("Faults"), choices=[(f, f) for f in FAULTS], required=False, widget=forms.CheckboxSelectMultiple
    )
    fresh = forms.BooleanField(label=_("Start from a fresh database"), required=False)
