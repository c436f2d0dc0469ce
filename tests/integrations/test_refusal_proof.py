"""Tmall takes a refusal only with a proof image (taobao.refund.refuse ``refuse_proof``, a multipart upload): the
case's newest evidence image goes with it; without one the refusal parks saying what is needed, and is sent again
once customer service attaches an image to the case. Taobao shops refuse without one."""

import pytest

from aftersales.models import CaseEvent
from aftersales.services import case_reject
from aftersales.services.notes import case_evidence_add
from integrations.models import OutboxMessage, WorkStatus
from integrations.sandbox.views import RECEIVED
from tests.integrations.helpers import make_shop, platform_case, png_upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("refund_sandbox", "sandbox_http")]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _refusals():
    return [r["payload"] for r in RECEIVED if r["kind"] == "refund_refuse"]


def _answers(case):
    return list(case.events.filter(kind=CaseEvent.Kind.PLATFORM).values_list("data__action", "data__outcome"))


def test_a_tmall_refusal_without_an_image_parks_then_goes_when_cs_attaches_one(
    taobao, skus, manager, django_capture_on_commit_callbacks
):
    case = platform_case(taobao, skus, "880031")
    case_evidence_add(case=case, files=[_pdf()], kind="other", actor=manager)  # not an image: no proof

    with django_capture_on_commit_callbacks(execute=True):
        case_reject(case=case, actor=manager, reason="商品已签收且完好")

    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.REFUND_REFUSE)
    assert (message.status, message.error_code) == (WorkStatus.DEAD, "refund_proof_missing")
    assert "refuse_proof" in message.last_error and "130000" in message.last_error
    assert _refusals() == []  # nothing was sent
    assert _answers(case) == [("refund_refuse", "parked")]

    with django_capture_on_commit_callbacks(execute=True):
        case_evidence_add(case=case, files=[png_upload("快递签收.png", size=4096)], kind="other", actor=manager)

    message.refresh_from_db()
    assert message.status == WorkStatus.DONE, message.last_error
    (sent,) = _refusals()
    name, size, content_type = sent["refuse_proof"].split(":")
    assert (name.endswith(".png"), int(size), content_type) == (True, 4096, "image/png")
    assert sent["refuse_message"] == "商品已签收且完好"
    assert _answers(case) == [("refund_refuse", "parked"), ("refund_refuse", "done")]


def test_an_image_larger_than_tmall_takes_parks_and_names_the_limit(
    taobao, skus, manager, django_capture_on_commit_callbacks
):
    case = platform_case(taobao, skus, "880032")
    case_evidence_add(case=case, files=[png_upload(size=130_001)], kind="other", actor=manager)

    with django_capture_on_commit_callbacks(execute=True):
        case_reject(case=case, actor=manager, reason="商品已签收且完好")

    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.REFUND_REFUSE)
    assert (message.status, message.error_code) == (WorkStatus.DEAD, "refund_proof_missing")
    assert "130000" in message.last_error
    assert _refusals() == []


def test_evidence_on_a_case_with_nothing_parked_sends_nothing(
    taobao, skus, manager, django_capture_on_commit_callbacks
):
    case = platform_case(taobao, skus, "880033")

    with django_capture_on_commit_callbacks(execute=True):
        case_evidence_add(case=case, files=[png_upload()], kind="buyer", actor=manager)

    assert not OutboxMessage.objects.exists()


def test_a_taobao_shop_refuses_without_an_image(skus, warehouse, manager, django_capture_on_commit_callbacks):
    shop = make_shop("taobao-1", "taobao", warehouse)
    case = platform_case(shop, skus, "880034")

    with django_capture_on_commit_callbacks(execute=True):
        case_reject(case=case, actor=manager, reason="不符合退款条件")

    assert OutboxMessage.objects.get(kind=OutboxMessage.Kind.REFUND_REFUSE).status == WorkStatus.DONE
    (sent,) = _refusals()
    assert "refuse_proof" not in sent


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("说明.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


def _returned(connection, skus, manager, refund_id, on_commit):
    """A Tmall return agreed on the platform, its parcel received at the warehouse, the goods back with the seller."""
    from aftersales.services import case_approve, case_receive
    from integrations.sandbox.views import refunds as sandbox_refunds

    connection.return_address_id = "7001"
    connection.save()
    case = platform_case(connection, skus, refund_id, kind="return_refund", shipped=True)
    with on_commit(execute=True):
        case_approve(case=case, actor=manager)
    case_receive(case=case, actor=manager)
    sandbox_refunds.STATES[(connection.app_key, refund_id)] = sandbox_refunds.GOODS_BACK
    return case


def test_refusing_returned_goods_on_tmall_sends_returngoods_refuse_with_the_inspection_photo(
    taobao, skus, manager, django_capture_on_commit_callbacks
):
    case = _returned(taobao, skus, manager, "880041", django_capture_on_commit_callbacks)
    case_evidence_add(case=case, files=[png_upload("空箱.png", size=200_000)], kind="item", actor=manager)

    with django_capture_on_commit_callbacks(execute=True):
        case_reject(case=case, actor=manager, reason="退回的是空箱")

    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.REFUND_REFUSE)
    assert message.status == WorkStatus.DONE, message.last_error
    (sent,) = [r["payload"] for r in RECEIVED if r["kind"] == "returngoods_refuse"]
    assert (sent["refund_id"], sent["refund_phase"]) == ("880041", "aftersale")
    assert sent["refuse_proof"].split(":")[1:] == ["200000", "image/png"]  # larger than refund.refuse takes
    assert _refusals() == []


def test_refusing_returned_goods_without_a_photo_parks_until_one_is_attached(
    taobao, skus, manager, django_capture_on_commit_callbacks
):
    case = _returned(taobao, skus, manager, "880042", django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        case_reject(case=case, actor=manager, reason="退回商品错误")
    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.REFUND_REFUSE)
    assert (message.status, message.error_code) == (WorkStatus.DEAD, "refund_proof_missing")
    assert "rp.returngoods.refuse" in message.last_error

    with django_capture_on_commit_callbacks(execute=True):
        case_evidence_add(case=case, files=[png_upload("错货.png")], kind="item", actor=manager)
    message.refresh_from_db()
    assert message.status == WorkStatus.DONE, message.last_error
    assert [r["kind"] for r in RECEIVED if r["kind"] == "returngoods_refuse"] == ["returngoods_refuse"]


def test_refusing_returned_goods_on_a_taobao_shop_parks_it_for_the_back_office(
    skus, warehouse, manager, django_capture_on_commit_callbacks
):
    shop = make_shop("taobao-2", "taobao", warehouse)
    case = _returned(shop, skus, manager, "880043", django_capture_on_commit_callbacks)
    case_evidence_add(case=case, files=[png_upload()], kind="item", actor=manager)

    with django_capture_on_commit_callbacks(execute=True):
        case_reject(case=case, actor=manager, reason="退回商品错误")

    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.REFUND_REFUSE)
    assert (message.status, message.error_code) == (WorkStatus.DEAD, "refund_decision_refused")
    assert "千牛" in message.last_error
