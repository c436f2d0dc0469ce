"""Form widgets the back-office pages share.

``PlainSelect`` is Django's ``Select`` written out in Python: the same HTML as Django's templates
(``django/forms/widgets/select.html``, ``select_option.html``, ``attrs.html``) without rendering two templates per
option. A list's filter form offers some eighty options (statuses, shops, hold reasons, queues, channels, ages),
rendered on every page of the list; through the templates they were a large part of the page's CPU.
"""

from __future__ import annotations

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe


def attrs_html(attrs: dict) -> str:
    """What ``django/forms/widgets/attrs.html`` renders: `` name="value"`` each, `` name`` for True, nothing for
    False, in the attributes' order."""
    parts = []
    for name, value in attrs.items():
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        elif value is not False:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(value)}"')
    return "".join(parts)


class PlainSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"', widget["name"]), attrs_html(widget["attrs"]), ">"]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                parts.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"{attrs_html(option["attrs"])}>'
                    f"{conditional_escape(option['label'])}</option>\n"  # the option template's own line end
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
