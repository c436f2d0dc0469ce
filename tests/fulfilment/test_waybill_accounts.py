"""E-waybill accounts: which service issues a parcel's number, encrypted receivers kept encrypted, the
balance per account and its alert, and unused numbers given back."""

import datetime as dt
import time
from unittest import mock

import pytest
from django.contrib.admin.sites import site
from django.utils import translation

from fulfilment.admin import WaybillCancellationAdmin
from fulfilment.carriers.adapters.base import WaybillResult
from fulfilment.exceptions import LabelBlocked
from fulfilment.models import (
    BlockReason,
    SandboxWaybill,
    Shipment,
    WaybillAccount,
    WaybillCancellation,
    WaybillProvider,
)
from fulfilment.services import (
    carrier_choose,
    pack_complete,
    shipment_label_print,
    shipment_label_void,
    shipment_update,
    waybill_balance_check,
)
from fulfilment.signals import waybill_balance_low
from tests.concurrency import run_together
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db

CIPHER = {"oaid": "1oqmSnXPEe2fXmWFeHk3Fq3w", "tid": "3920193810012"}


class RecordingService:
    """A platform e-waybill service that records what it was asked (the real clients live in integrations)."""

    def __init__(self):
        self.requests, self.cancelled = [], []

    def factory(self, account, carrier_code):
        service = self

        class Adapter:
            def waybill_request(self, request):
                service.requests.append(request)
                return WaybillResult(
                    tracking_number=f"{carrier_code}88{len(service.requests):010d}",
                    label={"sort_code": "310-A1"},
                    print_data={"encryptedData": "AES:opaque", "templateURL": account.template_url},
                )

            def waybill_cancel(self, *, tracking_number, request):
                service.cancelled.append(tracking_number)

            def tracking_fetch(self, tracking_number):
                return []

        return Adapter()


@pytest.fixture
def register(monkeypatch):
    """Install an adapter factory for this test only (the registry is global: restore it afterwards)."""
    from fulfilment.carriers.adapters import registry

    def install(provider, factory):
        monkeypatch.setitem(registry._FACTORIES, provider, factory)

    return install


@pytest.fixture
def cainiao(register):
    service = RecordingService()
    register(WaybillProvider.CAINIAO, service.factory)
    return service


@pytest.fixture
def packed(floor, approved_order, picked, manager):
    def make(*, carrier="ZTO", weight=800, **fields):
        order = approved_order(**fields)
        wave_order = picked(order)
        return pack_complete(
            wave_order=wave_order, verified={"SKU-1": 1}, weight_grams=weight, carrier_code=carrier, actor=manager
        )

    return make


def _encrypted(**fields):
    return {"consignee_name": "王*", "consignee_phone": "138****0000", "address": "文三路****", **fields}


def test_an_encrypted_taobao_order_is_refused_without_a_cainiao_account(floor, packed, sandbox, manager):
    shipment = packed(consignee_cipher=CIPHER, **_encrypted())
    with pytest.raises(LabelBlocked) as exc:
        shipment_label_print(shipment=shipment, actor=manager)
    assert exc.value.extra["reason"] == BlockReason.PLATFORM_WAYBILL_REQUIRED
    assert "Cainiao" in exc.value.message and "encrypts" in exc.value.message
    assert sandbox == []  # the encrypted order never went to another service


def test_the_platform_service_gets_the_ciphertext_and_the_order_id_never_a_decrypted_receiver(
    floor, packed, cainiao, manager
):
    account = WaybillAccount.objects.create(
        provider=WaybillProvider.CAINIAO,
        carrier=_carrier("ZTO"),
        shop=floor["shop_a"],
        branch_code="571001",
        branch_name="杭州西湖网点",
        template_url="https://cloudprint.cainiao.com/template/standard/101/123",
        balance=900,
    )
    shipment = packed(consignee_cipher=CIPHER, external_id="3920193810012", **_encrypted())
    shipment = shipment_label_print(shipment=shipment, actor=manager)
    assert shipment.status == Shipment.Status.LABELLED and shipment.waybill_account == account
    (request,) = cainiao.requests
    assert request.receiver_cipher == CIPHER and request.receiver.phone == "138****0000"
    assert (request.platform, request.platform_order_id, request.platform_carrier_code) == (
        "tmall",
        "3920193810012",
        "ZTO",
    )
    assert request.account.branch_code == "571001"
    assert shipment.label["print_data"]["encryptedData"] == "AES:opaque"
    account.refresh_from_db()
    assert account.balance == 899


def _carrier(code):
    from fulfilment.carriers import carrier_get

    return carrier_get(code)


def test_an_account_without_numbers_blocks_before_any_request(floor, packed, cainiao, manager):
    WaybillAccount.objects.create(
        provider=WaybillProvider.CAINIAO, carrier=_carrier("ZTO"), shop=floor["shop_a"], balance=0
    )
    with pytest.raises(LabelBlocked) as exc:
        shipment_label_print(shipment=packed(consignee_cipher=CIPHER, **_encrypted()), actor=manager)
    assert exc.value.extra["reason"] == BlockReason.NO_WAYBILL_BALANCE
    assert cainiao.requests == []


def test_a_low_balance_is_announced_once_it_falls_under_the_threshold(floor):
    account = WaybillAccount.objects.create(
        provider=WaybillProvider.CAINIAO,
        carrier=_carrier("ZTO"),
        shop=floor["shop_a"],
        balance=501,
        balance_alert_below=500,
    )
    heard = []
    waybill_balance_low.connect(lambda **kw: heard.append(kw), weak=False, dispatch_uid="test-low")
    try:
        assert waybill_balance_check(account_id=account.pk) is False
        WaybillAccount.objects.filter(pk=account.pk).update(balance=499)
        assert waybill_balance_check(account_id=account.pk) is True
    finally:
        waybill_balance_low.disconnect(dispatch_uid="test-low")
    assert [(h["balance"], h["threshold"], h["carrier_code"]) for h in heard] == [(499, 500, "ZTO")]


def test_an_own_site_order_uses_the_carrier_direct_account_of_its_carrier(floor, packed, sandbox, manager):
    website = ShopFactory(code="site", platform="website", default_warehouse=floor["wh_a"])
    WaybillAccount.objects.create(provider=WaybillProvider.SANDBOX, carrier=_carrier("ZTO"), account_number="K-1")
    shipment = shipment_label_print(shipment=packed(shop=website), actor=manager)
    assert shipment.waybill_account.account_number == "K-1"
    assert sandbox[0][2]["account"]["account_number"] == "K-1"


def test_a_relabelled_parcel_gives_its_first_number_back(
    floor, packed, sandbox, manager, django_capture_on_commit_callbacks, sync_tasks
):
    shipment = shipment_label_print(shipment=packed(), actor=manager)
    first = shipment.tracking_number
    with django_capture_on_commit_callbacks(execute=True):
        shipment = shipment_label_void(shipment=shipment, reason="re-weighed")
    assert (shipment.status, shipment.tracking_number) == (Shipment.Status.PACKED, "")
    shipment = shipment_update(shipment=shipment, weight_grams=1200)
    second = shipment_label_print(shipment=shipment, actor=manager).tracking_number
    assert second != first
    cancellation = WaybillCancellation.objects.get()
    assert (cancellation.tracking_number, cancellation.status) == (first, WaybillCancellation.Status.DONE)
    assert SandboxWaybill.objects.get(tracking_number=first).cancelled_at is not None
    assert SandboxWaybill.objects.get(tracking_number=second).cancelled_at is None


def test_a_cancelled_parcel_cancels_its_number_once_even_if_asked_twice(
    floor, packed, cainiao, manager, django_capture_on_commit_callbacks, sync_tasks
):
    WaybillAccount.objects.create(provider=WaybillProvider.CAINIAO, carrier=_carrier("ZTO"), shop=floor["shop_a"])
    shipment = shipment_label_print(shipment=packed(consignee_cipher=CIPHER, **_encrypted()), actor=manager)
    with django_capture_on_commit_callbacks(execute=True):
        shipment_label_void(shipment=shipment, reason="order cancelled", cancel_parcel=True)
    assert cainiao.cancelled == [shipment.tracking_number]
    assert Shipment.objects.get(pk=shipment.pk).status == Shipment.Status.CANCELLED
    with pytest.raises(Exception):  # noqa: B017 - a cancelled parcel has no number in use any more
        shipment_label_void(shipment=Shipment.objects.get(pk=shipment.pk), reason="again")
    assert cainiao.cancelled == [shipment.tracking_number]


def test_a_failed_cancellation_is_retried_then_parked(floor, packed, manager, register, settings):
    from django.utils import timezone

    from fulfilment.carriers.adapters import CarrierCallFailed
    from fulfilment.services.labels import waybill_cancellation_process, waybill_cancellations_retry

    settings.RETRY_MAX_ATTEMPTS = 3
    service = RecordingService()

    def refuse(*, tracking_number, request):
        raise CarrierCallFailed("branch closed", code="isv.branch-closed")

    def factory(account, carrier_code):
        adapter = service.factory(account, carrier_code)
        adapter.waybill_cancel = refuse
        return adapter

    register(WaybillProvider.CAINIAO, factory)
    WaybillAccount.objects.create(provider=WaybillProvider.CAINIAO, carrier=_carrier("ZTO"), shop=floor["shop_a"])
    shipment = shipment_label_print(shipment=packed(consignee_cipher=CIPHER, **_encrypted()), actor=manager)
    shipment_label_void(shipment=shipment, reason="order cancelled", cancel_parcel=True)
    cancellation = WaybillCancellation.objects.get()
    assert waybill_cancellation_process(cancellation_id=cancellation.pk) == "failed"
    cancellation.refresh_from_db()
    assert cancellation.next_attempt_at > timezone.now()  # config.retry's back-off
    assert waybill_cancellation_process(cancellation_id=cancellation.pk) == "failed"  # too early: not tried again
    assert WaybillCancellation.objects.get(pk=cancellation.pk).attempts == 1
    assert waybill_cancellations_retry() == 0
    assert waybill_cancellations_retry(now=cancellation.next_attempt_at) == 1
    statuses = []
    for _ in range(2):
        cancellation.refresh_from_db()
        with mock.patch("django.utils.timezone.now", return_value=cancellation.next_attempt_at):  # back-off over
            statuses.append(waybill_cancellation_process(cancellation_id=cancellation.pk))
    assert statuses == ["failed", WaybillCancellation.Status.PARKED]
    cancellation.refresh_from_db()
    assert "isv.branch-closed" in cancellation.error
    assert waybill_cancellations_retry(now=timezone.now() + dt.timedelta(days=1)) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_cancellation_cancel_the_number_once_and_credit_the_account_once(
    floor, packed, register, manager
):
    from fulfilment.services.labels import waybill_cancellation_process

    service = RecordingService()

    def factory(account, carrier_code):
        adapter = service.factory(account, carrier_code)
        cancel = adapter.waybill_cancel

        def slow_cancel(*, tracking_number, request):
            time.sleep(0.3)  # the service takes its time: the other worker is at the row meanwhile
            cancel(tracking_number=tracking_number, request=request)

        adapter.waybill_cancel = slow_cancel
        return adapter

    register(WaybillProvider.CAINIAO, factory)
    account = WaybillAccount.objects.create(
        provider=WaybillProvider.CAINIAO, carrier=_carrier("ZTO"), shop=floor["shop_a"], balance=10
    )
    shipment = shipment_label_print(shipment=packed(consignee_cipher=CIPHER, **_encrypted()), actor=manager)
    shipment_label_void(shipment=shipment, reason="order cancelled", cancel_parcel=True)
    cancellation = WaybillCancellation.objects.get()
    assert WaybillAccount.objects.get(pk=account.pk).balance == 9  # the label took one number

    results, errors = run_together([lambda: waybill_cancellation_process(cancellation_id=cancellation.pk)] * 2)

    assert errors == []
    assert results.count(WaybillCancellation.Status.DONE) == 1
    assert service.cancelled == [shipment.tracking_number]
    cancellation.refresh_from_db()
    assert (cancellation.status, cancellation.attempts, cancellation.claimed_at) == ("done", 1, None)
    assert WaybillAccount.objects.get(pk=account.pk).balance == 10  # credited once


def test_a_pending_cancellation_whose_task_was_lost_is_cancelled_by_the_sweeper(
    floor, packed, cainiao, manager, django_capture_on_commit_callbacks, sync_tasks
):
    from fulfilment.services.labels import waybill_cancellations_retry

    WaybillAccount.objects.create(provider=WaybillProvider.CAINIAO, carrier=_carrier("ZTO"), shop=floor["shop_a"])
    shipment = shipment_label_print(shipment=packed(consignee_cipher=CIPHER, **_encrypted()), actor=manager)
    shipment_label_void(shipment=shipment, reason="order cancelled", cancel_parcel=True)  # its task never runs
    assert WaybillCancellation.objects.get().status == WaybillCancellation.Status.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        assert waybill_cancellations_retry() == 1

    assert cainiao.cancelled == [shipment.tracking_number]
    assert WaybillCancellation.objects.get().status == WaybillCancellation.Status.DONE


def test_a_cancellation_left_processing_by_a_killed_worker_counts_as_a_failed_attempt_and_is_retried(
    floor, packed, cainiao, manager, django_capture_on_commit_callbacks, sync_tasks, settings
):
    from django.utils import timezone

    from config.sweep import CLAIM_EXPIRED
    from fulfilment.services.labels import waybill_cancellations_retry

    settings.FULFILMENT_WAYBILL_CANCEL_CLAIM_EXPIRY_SECONDS = 300
    WaybillAccount.objects.create(provider=WaybillProvider.CAINIAO, carrier=_carrier("ZTO"), shop=floor["shop_a"])
    shipment = shipment_label_print(shipment=packed(consignee_cipher=CIPHER, **_encrypted()), actor=manager)
    shipment_label_void(shipment=shipment, reason="order cancelled", cancel_parcel=True)
    killed = WaybillCancellation.objects.get()
    WaybillCancellation.objects.filter(pk=killed.pk).update(
        status=WaybillCancellation.Status.PROCESSING, attempts=1, claimed_at=timezone.now() - dt.timedelta(seconds=301)
    )

    assert waybill_cancellations_retry() == 0  # the failed attempt waits for config.retry's back-off

    killed.refresh_from_db()
    assert (killed.status, killed.attempts, killed.error) == ("failed", 1, CLAIM_EXPIRED)
    with mock.patch("django.utils.timezone.now", return_value=killed.next_attempt_at):  # its back-off is over
        with django_capture_on_commit_callbacks(execute=True):
            assert waybill_cancellations_retry() == 1
    killed.refresh_from_db()
    assert (killed.status, killed.attempts) == ("done", 2)
    assert cainiao.cancelled == [shipment.tracking_number]


def test_carrier_choice_is_unchanged_by_accounts(floor, approved_order):
    order = approved_order()
    assert carrier_choose(order=order, warehouse=order.warehouse).code == "ZTO"


CHANGED_EN = "parcel changed while the label was requested"
CHANGED_ZH = "申请面单期间包裹已变更"


@pytest.mark.parametrize("writer", ["zh-hans", "en"])
def test_a_number_given_back_says_why_in_each_readers_language(floor, packed, register, manager, writer):
    """A parcel that changed while its label was requested gives the new number back; the reason Order Hub
    wrote is stored in English and read in each reader's language (the admin), whatever language it ran in."""
    service = RecordingService()
    parcel = packed(consignee_cipher=CIPHER, **_encrypted())

    def factory(account, carrier_code):
        adapter = service.factory(account, carrier_code)
        issue = adapter.waybill_request

        def changed_meanwhile(request):
            Shipment.objects.filter(pk=parcel.pk).update(status=Shipment.Status.CANCELLED)
            return issue(request)

        adapter.waybill_request = changed_meanwhile
        return adapter

    register(WaybillProvider.CAINIAO, factory)
    WaybillAccount.objects.create(provider=WaybillProvider.CAINIAO, carrier=_carrier("ZTO"), shop=floor["shop_a"])
    with translation.override(writer):
        shipment_label_print(shipment=parcel, actor=manager)
    cancellation = WaybillCancellation.objects.get()
    assert cancellation.reason == CHANGED_EN  # stored in English: searchable

    for language, shown in (("en", CHANGED_EN), ("zh-hans", CHANGED_ZH)):
        with translation.override(language):
            assert cancellation.reason_display == shown
            assert WaybillCancellationAdmin(WaybillCancellation, site).reason_shown(cancellation) == shown

    WaybillCancellation.objects.update(reason_message=None)  # a row written before: only the English text
    cancellation.refresh_from_db()
    with translation.override("zh-hans"):
        assert cancellation.reason_display == CHANGED_ZH


def test_a_number_given_back_for_a_reason_a_person_gave_reads_as_given(floor, packed, sandbox, manager):
    shipment = shipment_label_print(shipment=packed(), actor=manager)
    shipment_label_void(shipment=shipment, reason="re-weighed")
    cancellation = WaybillCancellation.objects.get()
    with translation.override("zh-hans"):
        assert (cancellation.reason_message, cancellation.reason_display) == (None, "re-weighed")


@pytest.mark.parametrize("writer", ["zh-hans", "en"])
def test_why_a_number_could_not_be_given_back_reads_in_each_readers_language(
    floor, packed, cainiao, manager, monkeypatch, writer
):
    """Order Hub's own words (no adapter for the service) are kept as a message: the admin shows the last error in the
    reader's language, whatever language the worker ran in; the service's error code is quoted as it is."""
    from fulfilment.carriers.adapters import registry
    from fulfilment.services.labels import waybill_cancellation_process

    WaybillAccount.objects.create(provider=WaybillProvider.CAINIAO, carrier=_carrier("ZTO"), shop=floor["shop_a"])
    shipment = shipment_label_print(shipment=packed(consignee_cipher=CIPHER, **_encrypted()), actor=manager)
    shipment_label_void(shipment=shipment, reason="order cancelled", cancel_parcel=True)
    monkeypatch.delitem(registry._FACTORIES, WaybillProvider.CAINIAO)  # the service's adapter is gone meanwhile
    cancellation = WaybillCancellation.objects.get()
    with translation.override(writer):
        assert waybill_cancellation_process(cancellation_id=cancellation.pk) == "failed"

    cancellation.refresh_from_db()
    english = "provider_missing: no adapter is installed for the e-waybill service 'cainiao'"
    assert cancellation.error == english  # stored in English: searchable
    admin = WaybillCancellationAdmin(WaybillCancellation, site)
    for language, shown in (("en", english), ("zh-hans", "provider_missing：未安装电子面单服务“cainiao”的适配器")):
        with translation.override(language):
            assert (cancellation.error_display, admin.error_shown(cancellation)) == (shown, shown)


@pytest.mark.parametrize(
    ("written", "chinese"),
    [
        (
            "cancel_refused: Cainiao did not cancel 7700123",
            "cancel_refused：Cainiao 未取消 7700123",
        ),
        (
            "connection_missing: no enabled kuaidi100 connection is configured",
            "connection_missing：未配置已启用的 kuaidi100 连接",
        ),
        ("worker did not finish (claim expired)", "工作进程未完成（认领已过期）"),
        ("isv.branch-closed: 网点已关闭", "isv.branch-closed：网点已关闭"),  # the service's own words: as it gave them
        ("connection reset by peer", "connection reset by peer"),  # not Order Hub's words: as written
    ],
)
def test_a_cancellation_error_written_before_is_recognised(floor, packed, cainiao, manager, written, chinese):
    WaybillAccount.objects.create(provider=WaybillProvider.CAINIAO, carrier=_carrier("ZTO"), shop=floor["shop_a"])
    shipment = shipment_label_print(shipment=packed(consignee_cipher=CIPHER, **_encrypted()), actor=manager)
    shipment_label_void(shipment=shipment, reason="order cancelled", cancel_parcel=True)
    WaybillCancellation.objects.update(error=written, error_message=None)
    cancellation = WaybillCancellation.objects.get()
    shown = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            shown[language] = cancellation.error_display
    assert shown == {"zh-hans": chinese, "en": written}
