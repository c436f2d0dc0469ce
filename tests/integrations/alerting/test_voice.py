"""Phone calls for red alerts: Aliyun voice SingleCallByTts (https://help.aliyun.com/document_detail/393519.html)
through the sandbox, which checks the RPC signature as Aliyun does; a channel of kind voice takes red alerts only."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from integrations import transport
from integrations.alerting import voice
from orders.models import NotificationChannel
from orders.notifications import NotificationFailed, notification_broadcast
from orders.services.alerts import alert_raise

pytestmark = pytest.mark.django_db
SANDBOX = "http://127.0.0.1:8000/sandbox/notify"


@pytest.fixture
def aliyun(sandbox_http, settings):
    settings.NOTIFY_ALIYUN_VOICE_ENDPOINT = f"{SANDBOX}/aliyun-voice/"
    settings.NOTIFY_ALIYUN_ACCESS_KEY_ID = "test-aliyun-id"
    settings.NOTIFY_ALIYUN_ACCESS_KEY_SECRET = "test-aliyun-secret"
    settings.NOTIFY_ALIYUN_VOICE_TTS_CODE = "TTS_10001"
    settings.NOTIFY_ALIYUN_VOICE_SHOW_NUMBER = ""
    return sandbox_http


@pytest.fixture
def on_call(db):
    return NotificationChannel.objects.create(
        name="值班电话", kind="voice", phones="13800138000\n13900139000", min_severity="critical"
    )


def test_the_request_carries_aliyuns_fields_and_a_verifiable_signature(settings):
    settings.NOTIFY_ALIYUN_ACCESS_KEY_ID = "id"
    settings.NOTIFY_ALIYUN_VOICE_TTS_CODE = "TTS_10001"
    settings.NOTIFY_ALIYUN_VOICE_SHOW_NUMBER = "057100000000"
    params = voice.request_params(phone="13800138000", title="卡单超过 20 单" * 10, out_id="alert-1")
    assert params["Action"] == "SingleCallByTts" and params["Version"] == "2017-05-25"
    assert (params["CalledNumber"], params["TtsCode"], params["CalledShowNumber"]) == (
        "13800138000",
        "TTS_10001",
        "057100000000",
    )
    assert int(params["PlayTimes"]) <= 3  # Aliyun plays a message at most three times
    assert len(json.loads(params["TtsParam"])["title"]) == voice.TITLE_MAX
    settings.NOTIFY_ALIYUN_VOICE_SHOW_NUMBER = ""  # public number pool: the field is left out
    assert "CalledShowNumber" not in voice.request_params(phone="13800138000", title="x", out_id="alert-1")


def test_a_red_alert_calls_every_on_call_number(aliyun, on_call, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        alert, _new = alert_raise(kind="board", key="board:stuck", severity="critical", title="卡单 35 单，超过 20 单")
    assert list(alert.deliveries.values_list("status", flat=True)) == ["sent"]
    calls = [path for method, path in aliyun.calls if path.endswith("/aliyun-voice/")]
    assert len(calls) == 2


def test_an_amber_alert_does_not_ring_anyone(aliyun, on_call):
    assert notification_broadcast(title="卡单 12 单", text="-", severity="warning", kind="board") == {
        "sent": 0,
        "failed": 0,
    }
    assert not aliyun.calls


def test_one_refused_number_does_not_stop_the_others(aliyun, on_call):
    on_call.phones = "13800130000\n13900139000"  # …0000: the sandbox says the number is malformed
    on_call.save()
    voice.send(on_call, title="库存超卖", text="-")
    on_call.phones = "13800130000, 13800139999"  # malformed, and flow-controlled
    with pytest.raises(NotificationFailed) as refused:
        voice.send(on_call, title="库存超卖", text="-")
    codes = [e["provider_code"] for e in refused.value.extra["errors"]]
    assert codes == ["isv.MOBILE_NUMBER_ILLEGAL", "isv.BUSINESS_LIMIT_CONTROL"]
    assert [e["retryable"] for e in refused.value.extra["errors"]] == [False, True]
    assert "138****0000" in str(refused.value) and "13800130000" not in str(refused.value)


def test_a_wrong_signature_is_refused_by_the_signature_check(aliyun, monkeypatch, on_call):
    monkeypatch.setattr(voice, "aliyun_rpc_signature", lambda params, secret, method: "forged=")
    with pytest.raises(NotificationFailed) as refused:
        voice.call(phone="13800138000", title="x", out_id="1")
    assert refused.value.extra["provider_code"] == "SignatureDoesNotMatch"


@pytest.mark.parametrize(
    "body, code",
    [
        (b'{"Code": "OK", "Message": "OK", "RequestId": "R", "CallId": "116012354148^10281378"}', None),
        (b'{"Code": "OK", "RequestId": "R"}', None),  # no CallId: still placed
        (b'{"Code": "isv.OUT_OF_SERVICE", "Message": "\\u4e1a\\u52a1\\u505c\\u673a"}', "isv.OUT_OF_SERVICE"),
        (b"<html>bad gateway</html>", "http_502"),
        (b"null", "http_200"),
    ],
)
def test_aliyuns_answers_are_read_as_documented(monkeypatch, settings, body, code):
    settings.NOTIFY_ALIYUN_ACCESS_KEY_ID = "id"
    settings.NOTIFY_ALIYUN_VOICE_TTS_CODE = "TTS_10001"
    status = 502 if body.startswith(b"<") else 200
    sent = []

    def send(method, url, *, body=None, **kwargs):
        sent.append(dict(urllib.parse.parse_qsl(body.decode())))
        return transport.Response(status, answer)

    answer = body
    monkeypatch.setattr(transport, "send", send)
    if code is None:
        voice.call(phone="13800138000", title="x", out_id="alert-7")
        assert sent[0]["OutId"] == "alert-7"
    else:
        with pytest.raises(NotificationFailed) as refused:
            voice.call(phone="13800138000", title="x", out_id="alert-7")
        assert refused.value.extra["provider_code"] == code


def test_without_a_template_nothing_is_called(settings, monkeypatch):
    settings.NOTIFY_ALIYUN_VOICE_TTS_CODE = ""
    monkeypatch.setattr(transport, "send", lambda *a, **k: pytest.fail("called without a template"))
    with pytest.raises(NotificationFailed, match="NOTIFY_ALIYUN_VOICE_TTS_CODE"):
        voice.call(phone="13800138000", title="x", out_id="1")
