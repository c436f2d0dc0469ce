"""Printing: PDF labels with a Code 128 barcode in the carriers' sizes, print-component commands in pick order
with the platform's encrypted data, and the print log with reprints."""

import json

import pytest
from django.urls import reverse

from fulfilment.models import LabelPrint, Shipment
from fulfilment.printing import component
from fulfilment.printing.pdf import labels_pdf
from fulfilment.services import pack_complete, shipment_label_print
from fulfilment.services.printing import label_prints_record, print_tasks, wave_labels

pytestmark = pytest.mark.django_db


def _label(number="ZTO0070000000011"):
    return {
        "tracking_number": number,
        "carrier_name": "中通快递",
        "sort_code": "571-A1",
        "receiver": {"name": "王小明", "phone": "138****5678", "address": "江苏省南京市玄武区中山路****"},
        "sender": {"name": "杭州仓", "phone": "", "address": "浙江省杭州市文一西路969号"},
        "order_number": "OH20261111000042",
        "instructions": ["赠品", "加急"],
    }


@pytest.mark.parametrize(("size", "height_mm"), [("100x150", 150), ("100x180", 180)])
def test_a_pdf_label_is_one_page_per_parcel_in_the_carriers_size(size, height_mm):
    import re

    content = labels_pdf([_label("ZTO1"), _label("ZTO2")], size=size)
    assert content.startswith(b"%PDF")
    assert content.count(b"/Type /Page") - content.count(b"/Type /Pages") == 2
    width, height = (float(v) for v in re.search(rb"/MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", content).groups())
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (100, height_mm)


def test_each_page_carries_a_code_128_barcode_of_its_tracking_number(monkeypatch):
    from reportlab.graphics.barcode import code128

    from fulfilment.printing import pdf

    drawn = []
    real = code128.Code128

    def recording(value, **kwargs):
        drawn.append(value)
        return real(value, **kwargs)

    monkeypatch.setattr(pdf.code128, "Code128", recording)
    labels_pdf([_label("ZTO1"), _label("SF2")])
    assert drawn == ["ZTO1", "SF2"]


@pytest.fixture
def labelled(floor, approved_order, picked, sandbox, manager):
    def make(count=2, **fields):
        shipments = []
        orders = [approved_order(**fields) for _ in range(count)]  # one wave takes them all
        for order in orders:
            wave_order = picked(order)
            shipment = pack_complete(
                wave_order=wave_order, verified={"SKU-1": 1}, weight_grams=600, carrier_code="ZTO", actor=manager
            )
            shipments.append(shipment_label_print(shipment=shipment, actor=manager))
        return shipments

    return make


def test_a_wave_prints_in_pick_order_and_parcels_without_a_component_go_to_pdf(labelled, floor):
    from fulfilment.models import WaveOrder

    shipments = labelled(3)

    wave = WaveOrder.objects.get(order=shipments[0].order).wave
    listed = wave_labels(wave=wave)
    sequences = [WaveOrder.objects.get(order=s.order).sequence for s in listed]
    assert sequences == sorted(sequences) and len(listed) == 3
    assert print_tasks(shipments=listed) == {}  # Order Hub's carrier protocol has no print component


def test_component_documents_carry_the_platforms_print_data_and_the_custom_area(labelled):
    shipment = labelled(1)[0]
    Shipment.objects.filter(pk=shipment.pk).update(
        label={
            **shipment.label,
            "print_data": {
                "component": "cainiao",
                "encryptedData": "ENC",
                "signature": "S",
                "templateURL": "https://cloudprint.cainiao.com/t/1",
                "ver": "v1",
            },
        }
    )
    shipment.refresh_from_db()
    document = component.document(
        shipment, custom_template_url="https://cloudprint.cainiao.com/c/9", custom_data={"a": 1}
    )
    assert document == {
        "documentID": shipment.tracking_number,
        "contents": [
            {
                "encryptedData": "ENC",
                "signature": "S",
                "templateURL": "https://cloudprint.cainiao.com/t/1",
                "ver": "v1",
            },
            {"templateURL": "https://cloudprint.cainiao.com/c/9", "data": {"a": 1}},
        ],
    }
    command = component.print_command(documents=[document])
    assert command["cmd"] == "print" and command["task"]["documents"] == [document]


def test_the_print_log_marks_reprints_and_keeps_the_number(labelled, manager):
    shipment = labelled(1)[0]
    first = label_prints_record(shipments=[shipment], method=LabelPrint.Method.PDF, actor=manager)
    again = label_prints_record(shipments=[shipment], method=LabelPrint.Method.PDF, actor=manager)
    assert (first[0].reprint, again[0].reprint) == (False, True)
    assert {p.tracking_number for p in first + again} == {shipment.tracking_number}


def test_wave_pdf_and_single_label_pdf_pages_log_the_print(client, labelled, manager):
    shipments = labelled(2)
    from fulfilment.models import WaveOrder

    wave = WaveOrder.objects.get(order=shipments[0].order).wave
    client.force_login(manager)
    response = client.get(reverse("fulfilment:wave-labels-pdf", args=[wave.pk]) + "?size=100x180")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert LabelPrint.objects.filter(method="pdf").count() == 2
    single = client.get(reverse("fulfilment:shipment-label-pdf", args=[shipments[0].pk]))
    assert single.status_code == 200
    assert LabelPrint.objects.filter(shipment=shipments[0], reprint=True).count() == 1


def test_the_print_page_records_what_the_component_answered(client, labelled, manager):
    shipments = labelled(2)
    from fulfilment.models import WaveOrder

    wave = WaveOrder.objects.get(order=shipments[0].order).wave
    client.force_login(manager)
    page = client.get(reverse("fulfilment:wave-print", args=[wave.pk]))
    assert page.status_code == 200 and shipments[0].tracking_number in page.content.decode()
    body = {
        "component": "cainiao",
        "task_id": "T1",
        "documents": [
            {"documentID": shipments[0].tracking_number, "status": "printed"},
            {"documentID": shipments[1].tracking_number, "status": "failed", "msg": "缺纸"},
        ],
    }
    response = client.post(
        reverse("fulfilment:wave-print-results", args=[wave.pk]), data=json.dumps(body), content_type="application/json"
    )
    assert response.json() == {"recorded": 2, "reprints": 0}
    assert set(LabelPrint.objects.values_list("status", "message")) == {("printed", ""), ("failed", "缺纸")}


def test_printing_pages_are_for_floor_staff_only(client, labelled, outsider):
    shipments = labelled(1)
    client.force_login(outsider)
    assert client.get(reverse("fulfilment:shipment-label-pdf", args=[shipments[0].pk])).status_code == 403


@pytest.mark.parametrize(
    "name", ["fulfilment:wave-print", "fulfilment:wave-labels-pdf", "fulfilment:shipment-label-pdf"]
)
def test_printing_pages_send_an_anonymous_visitor_to_the_login_page_and_back(client, name):
    path = reverse(name, args=[1])

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={path}"


@pytest.mark.parametrize("writer", ["zh-hans", "en"])
def test_a_label_that_did_not_print_says_why_in_each_readers_language(client, labelled, manager, writer):
    """The page found no print component, or the component failed without a word: the print log keeps Order Hub's
    words as a message, read in the reader's language in the admin; the component's own words stay as it gave them."""
    from django.contrib.admin.sites import site
    from django.utils import translation

    from fulfilment.admin import LabelPrintAdmin
    from fulfilment.models import WaveOrder

    shipments = labelled(3)
    wave = WaveOrder.objects.get(order=shipments[0].order).wave
    client.force_login(manager)
    numbers = [s.tracking_number for s in shipments]
    body = {
        "component": "cainiao",
        "task_id": "T2",
        "documents": [
            {"documentID": numbers[0], "status": "failed", "msg": "", "problem": "not_running"},
            {"documentID": numbers[1], "status": "failed"},
            {"documentID": numbers[2], "status": "failed", "msg": "缺纸"},
        ],
    }
    with translation.override(writer):
        client.post(
            reverse("fulfilment:wave-print-results", args=[wave.pk]),
            data=json.dumps(body),
            content_type="application/json",
            headers={"accept-language": writer},
        )
    prints = [LabelPrint.objects.get(tracking_number=n) for n in numbers]
    assert [p.message for p in prints] == [  # stored in English: searchable
        "The print component is not running on this computer.",
        "the print component reported a failure without saying why",
        "缺纸",
    ]
    admin = LabelPrintAdmin(LabelPrint, site)
    for language, shown in (
        (
            "en",
            [
                "The print component is not running on this computer.",
                "the print component reported a failure without saying why",
                "缺纸",
            ],
        ),
        ("zh-hans", ["本机未运行打印组件。", "打印组件报告失败，但未说明原因", "缺纸"]),
    ):
        with translation.override(language):
            assert [admin.message_shown(p) for p in prints] == shown


@pytest.mark.parametrize(
    ("written", "english", "chinese"),
    [
        ("The print component is not running on this computer.", None, "本机未运行打印组件。"),
        ("failed", "the print component reported a failure without saying why", "打印组件报告失败，但未说明原因"),
        ("本机未运行打印组件。", None, "本机未运行打印组件。"),  # written in Chinese before: as written
        ("缺纸", None, "缺纸"),  # the component's own words
    ],
)
def test_a_print_log_message_written_before_is_recognised(labelled, written, english, chinese):
    from django.utils import translation

    shipment = labelled(1)[0]
    row = LabelPrint.objects.create(
        shipment=shipment,
        tracking_number=shipment.tracking_number,
        method="component",
        status="failed",
        message=written,
    )
    with translation.override("zh-hans"):
        assert row.message_display == chinese
    with translation.override("en"):
        assert row.message_display == (english or written)
