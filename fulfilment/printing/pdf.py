"""PDF labels in the carriers' standard sizes (100×150 mm, 100×180 mm) with a Code 128 barcode of the tracking
number, for channels whose e-waybill has no print component (SF open platform, Kuaidi100, Order Hub's carrier
protocol). One page per parcel, in the order given (a wave's pick order). Rendered with reportlab (its CID
font STSong-Light for Chinese, nothing embedded)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from reportlab.graphics.barcode import code128
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

SIZES = {"100x150": (100 * mm, 150 * mm), "100x180": (100 * mm, 180 * mm)}
FONT = "STSong-Light"
_registered = False


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def labels_pdf(labels: Iterable[dict], *, size: str = "100x150") -> bytes:
    """``labels``: dicts with ``tracking_number``, ``carrier_name``, ``sort_code``, ``receiver`` (name, phone,
    address lines as the user may see them), ``sender``, ``order_number``, ``instructions``."""
    width, height = SIZES[size]
    font = _font()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(width, height))
    pdf.setTitle("Order Hub labels")
    for label in labels:
        top = height - 8 * mm
        pdf.setFont(font, 11)
        pdf.drawString(5 * mm, top, label.get("carrier_name", ""))
        pdf.setFont(font, 22)
        pdf.drawRightString(width - 5 * mm, top - 3 * mm, label.get("sort_code") or "")
        barcode = code128.Code128(label["tracking_number"], barHeight=18 * mm, barWidth=0.38 * mm, humanReadable=True)
        barcode.drawOn(pdf, max((width - barcode.width) / 2, 2 * mm), top - 32 * mm)
        y = top - 42 * mm
        pdf.setFont(font, 9)
        pdf.drawString(5 * mm, y, "收")
        pdf.setFont(font, 12)
        receiver = label.get("receiver") or {}
        pdf.drawString(12 * mm, y, f"{receiver.get('name', '')}  {receiver.get('phone', '')}")
        y -= 6 * mm
        for line in _wrap(receiver.get("address", ""), 22):
            pdf.drawString(12 * mm, y, line)
            y -= 5.5 * mm
        y -= 2 * mm
        sender = label.get("sender") or {}
        pdf.setFont(font, 9)
        pdf.drawString(5 * mm, y, "寄")
        pdf.drawString(12 * mm, y, f"{sender.get('name', '')}  {sender.get('phone', '')}")
        y -= 4.5 * mm
        for line in _wrap(sender.get("address", ""), 30):
            pdf.drawString(12 * mm, y, line)
            y -= 4.5 * mm
        if label.get("instructions"):
            y -= 3 * mm
            pdf.setFont(font, 16)
            pdf.drawString(5 * mm, y, "  ".join(label["instructions"]))
        pdf.setFont(font, 8)
        pdf.drawString(5 * mm, 6 * mm, f"{label.get('order_number', '')}  {label['tracking_number']}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def _wrap(text: str, width: int) -> list[str]:
    text = text or ""
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]
