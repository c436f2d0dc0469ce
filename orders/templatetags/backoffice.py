"""Template helpers for the back office: server-side SVG bar charts and small display filters."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()

ROW_HEIGHT = 40  # px per bar: a label line above a 14px bar
BAR_SPAN = 82  # the longest bar takes this share of the width (%), leaving room for its number


def _rows(items: Iterable[Sequence]) -> list[tuple[str, int, str]]:
    rows = []
    for item in items:
        label, value, *rest = item
        rows.append((str(label), int(value), str(rest[0]) if rest and rest[0] else ""))
    return rows


def bar_chart_svg(items: Iterable[Sequence], *, title: str = "", css_class: str = "") -> SafeString:
    """An accessible horizontal bar chart as inline SVG, from ``[(label, value)]`` or ``[(label, value, url)]``.

    Widths are percentages and text is in pixels, so the chart stays legible from 360px to wide screens.
    Each bar has a ``<title>`` (read by screen readers, shown as a tooltip) and its number written next to
    it; with a url the whole row is a link.
    """
    rows = _rows(items)
    if not rows:
        return format_html('<p class="muted">{}</p>', _("No orders yet."))
    top = max(value for _label, value, _url in rows) or 1
    height = len(rows) * ROW_HEIGHT + 2
    bars = []
    for index, (label, value, url) in enumerate(rows):
        y = index * ROW_HEIGHT
        width = max(value / top * BAR_SPAN, 0.4)
        body = format_html(
            "<title>{label}: {value}</title>"
            '<text class="chart-label" x="0" y="{ly}">{label}</text>'
            '<rect class="chart-track" x="0" y="{by}" width="{span}%" height="14" rx="3"></rect>'
            '<rect class="chart-bar" x="0" y="{by}" width="{width}%" height="14" rx="3"></rect>'
            '<text class="chart-value" x="{width}%" dx="6" y="{vy}">{value}</text>',
            label=label,
            value=value,
            ly=y + 13,
            by=y + 19,
            vy=y + 31,
            span=BAR_SPAN,
            width=f"{width:.2f}",
        )
        if url:
            bars.append(format_html('<a href="{}" class="chart-row">{}</a>', url, body))
        else:
            bars.append(format_html('<g class="chart-row">{}</g>', body))
    return format_html(
        '<svg class="chart {css}" width="100%" height="{h}" role="group" aria-label="{title}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{title}</title>{bars}</svg>',
        css=css_class,
        h=height,
        title=title,
        bars=mark_safe("".join(bars)),
    )


@register.simple_tag
def bar_chart(items, title="", css_class=""):
    """``{% bar_chart rows title=_("Orders by status") %}`` — see ``bar_chart_svg``."""
    return bar_chart_svg(items, title=str(title), css_class=css_class)


@register.filter
def is_under(path, prefix):
    """``{% if request.path|is_under:orders_url %}``: the current page is ``prefix`` or below it."""
    return bool(prefix) and str(path).startswith(str(prefix))


@register.filter
def money(amount, currency="CNY"):
    """``{{ order.paid_amount|money:order.currency }}`` → ``1,234.50 CNY``: an amount never loses its currency."""
    if amount is None or amount == "":
        return ""
    return f"{amount:,.2f} {currency}"
