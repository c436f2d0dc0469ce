"""Forms of the integrations back office: field-mapping overrides (checked before saving), alert robots
(secret write-only), and the order-file upload."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from integrations.exceptions import MappingInvalid
from integrations.mapping import spec_parse
from integrations.models import FieldMapping
from orders.channel import CHANNEL_TARGETS


class FieldMappingForm(forms.ModelForm):
    class Meta:
        model = FieldMapping
        fields = ["profile", "section", "key", "value", "note"]

    def clean(self):
        data = super().clean()
        section, key, value = data.get("section"), data.get("key"), data.get("value")
        if not (section and key and value):
            return data
        from integrations.catalog import known_fields, known_profiles

        profile = data.get("profile")
        if profile not in known_profiles():
            self.add_error(
                "profile",
                _("Unknown profile %(p)s (one of %(all)s).") % {"p": profile, "all": ", ".join(known_profiles())},
            )
        if section == FieldMapping.Section.STATUS:
            if value not in CHANNEL_TARGETS:
                self.add_error(
                    "value",
                    _("%(v)s is not a status a platform order can map to (%(all)s).")
                    % {"v": value, "all": ", ".join(sorted(CHANNEL_TARGETS))},
                )
        elif section == FieldMapping.Section.HEADER:
            if not [s for s in value.split("|") if s.strip()]:
                self.add_error("value", _("Give at least one column header."))
        else:
            if section in (FieldMapping.Section.ORDER, FieldMapping.Section.LINE) and key not in known_fields(section):
                self.add_error(
                    "key",
                    _("%(k)s is not a standard %(s)s field (%(all)s).")
                    % {"k": key, "s": section, "all": ", ".join(known_fields(section))},
                )
            try:
                spec_parse(value)
            except MappingInvalid as exc:
                self.add_error("value", exc.message)
        return data


class ImportUploadForm(forms.Form):
    shop = forms.ModelChoiceField(label=_("shop"), queryset=None)
    profile = forms.ChoiceField(label=_("file format"))
    file = forms.FileField(label=_("file"), help_text=_("XLSX, or CSV in UTF-8 or GBK."))

    def __init__(self, *args, shops=None, **kwargs):
        super().__init__(*args, **kwargs)
        from integrations.imports import PROFILES

        self.fields["shop"].queryset = shops
        self.fields["profile"].choices = [(key, profile.label) for key, profile in PROFILES.items()]
