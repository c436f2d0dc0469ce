"""Forms of the rule editor. They parse input only; the services check the rules."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _


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
