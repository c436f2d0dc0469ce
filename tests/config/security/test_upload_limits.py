"""Every import refuses a file that is too large, or an XLSX (a zip) that would unpack to too much."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook

from config.uploads import UploadRefused, upload_check
from finance.exceptions import StatementInvalid
from finance.models import Statement
from finance.services.statements import statement_upload
from integrations.exceptions import ImportInvalid
from integrations.imports import file_parse, import_job_create
from integrations.models import ImportJob

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _xlsx() -> bytes:
    workbook = Workbook()
    workbook.active.append(["订单编号", "商家编码", "购买数量"])
    workbook.active.append(["A1", "CUP", 2])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _bomb(*, size: int = 300 * MB, parts: int = 1) -> bytes:
    """A zip that starts like an XLSX: each part is ``size`` bytes of zeros deflated (about 1,000:1)."""
    buffer = io.BytesIO()
    chunk = b"\0" * MB
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for index in range(parts):
            with archive.open(f"xl/worksheets/sheet{index + 1}.xml", "w", force_zip64=True) as part:
                for _ in range(size // MB):
                    part.write(chunk)
    return buffer.getvalue()


def test_a_normal_workbook_passes():
    upload_check(_xlsx(), name="orders.xlsx")


def test_a_file_over_the_size_limit_is_refused_naming_file_and_limit(settings):
    settings.UPLOAD_MAX_BYTES = 1 * MB
    with pytest.raises(UploadRefused, match=r"big.csv: the file is 2.0 MB; at most 1.0 MB can be imported"):
        upload_check(b"x" * (2 * MB), name="big.csv")


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_opened():
    bomb = _bomb()
    assert len(bomb) < 1 * MB
    with pytest.raises(UploadRefused, match=r"bomb.xlsx: the workbook unpacks to 300.0 MB; at most 256.0 MB"):
        upload_check(bomb, name="bomb.xlsx")


def test_a_part_compressed_beyond_any_spreadsheet_is_refused(settings):
    with pytest.raises(UploadRefused, match=r"the part xl/worksheets/sheet1.xml is compressed \d+ times"):
        upload_check(_bomb(size=20 * MB), name="small-bomb.xlsx")


def test_an_archive_with_too_many_parts_is_refused(settings):
    settings.UPLOAD_ZIP_MAX_ENTRIES = 3
    with pytest.raises(UploadRefused, match="has 4 parts inside; at most 3"):
        upload_check(_bomb(size=0, parts=4), name="many.xlsx")


def test_a_stream_is_left_where_it_was():
    stream = io.BytesIO(_xlsx())
    stream.seek(10)
    upload_check(stream, name="orders.xlsx")
    assert stream.tell() == 10


@pytest.mark.django_db
def test_order_file_import_refuses_a_bomb_and_stores_nothing(world):
    with pytest.raises(ImportInvalid, match="unpacks to"):
        import_job_create(shop=world["shop_a"], profile="pdd_export", upload=SimpleUploadedFile("bomb.xlsx", _bomb()))
    assert ImportJob.objects.count() == 0
    with pytest.raises(ImportInvalid, match="unpacks to"):
        file_parse(_bomb(), "bomb.xlsx", "pdd_export")


@pytest.mark.django_db
def test_statement_import_refuses_a_file_over_the_limit_and_stores_nothing(admin_user, settings):
    settings.UPLOAD_MAX_BYTES = 1 * MB
    big = "交易号,金额\n" + "1,1.00\n" * (MB // 6)
    with pytest.raises(StatementInvalid, match=r"big.csv: .*at most 1.0 MB"):
        statement_upload(file=io.BytesIO(big.encode()), filename="big.csv", user=admin_user)
    assert Statement.objects.count() == 0


@pytest.mark.django_db
def test_statement_import_refuses_a_bomb(admin_user):
    with pytest.raises(StatementInvalid, match="unpacks to"):
        statement_upload(file=io.BytesIO(_bomb()), filename="bill.xlsx", user=admin_user)


@pytest.mark.django_db
def test_channel_allocations_import_refuses_a_bomb_and_a_file_over_the_limit(client, manager, settings):
    from django.urls import reverse

    from inventory.models import ChannelStock

    client.force_login(manager)
    bomb_file = SimpleUploadedFile("allocations.xlsx", _bomb())
    bomb = client.post(reverse("stock-allocations"), {"file": bomb_file}, HTTP_ACCEPT_LANGUAGE="en")
    assert bomb.status_code == 200 and "unpacks to" in bomb.content.decode()

    settings.UPLOAD_MAX_BYTES = 1 * MB
    big = SimpleUploadedFile("allocations.csv", ("店铺,SKU,规则\n" + "shop-a,SKU-1,默认\n" * (MB // 16)).encode())
    refused = client.post(reverse("stock-allocations"), {"file": big}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200 and "at most 1.0 MB" in refused.content.decode()
    assert not ChannelStock.objects.exists()


@pytest.mark.django_db
def test_an_allocations_file_over_the_limit_is_refused_before_it_is_read(client, manager, settings, monkeypatch):
    from django.core.files.uploadedfile import InMemoryUploadedFile
    from django.urls import reverse

    def read(self, *args):
        raise AssertionError("an upload over the limit was read into memory")

    settings.UPLOAD_MAX_BYTES = 1 * MB
    big = io.BytesIO(b"x" * (MB + 1))
    big.name = "allocations.csv"
    client.force_login(manager)
    monkeypatch.setattr(InMemoryUploadedFile, "read", read)

    refused = client.post(reverse("stock-allocations"), {"file": big}, HTTP_ACCEPT_LANGUAGE="en")

    assert refused.status_code == 200 and "at most 1.0 MB" in refused.content.decode()
