"""Signature schemes of the platforms, for pushes we verify and API calls we sign.

Every comparison is constant-time (``hmac.compare_digest``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from collections.abc import Mapping


def equal(expected: str, given: str) -> bool:
    return hmac.compare_digest((expected or "").encode(), (given or "").encode())


def _concat(params: Mapping[str, object]) -> str:
    return "".join(f"{key}{value}" for key, value in sorted(params.items()) if value is not None and key != "sign")


def top_sign(params: Mapping[str, object], secret: str, *, sign_method: str = "md5", body: bytes | str = b"") -> str:
    """Taobao TOP / Qimen, JD JOS and Pinduoduo: parameters sorted by name, name+value concatenated,
    the raw body (Qimen push) appended.

    ``md5``: MD5(secret + text + secret); ``hmac``: HMAC-MD5(secret, text); ``hmac-sha256``:
    HMAC-SHA256(secret, text); all as upper-case hex.
    """
    text = _concat(params) + (body.decode() if isinstance(body, bytes) else body)
    if sign_method == "md5":
        digest = hashlib.md5((secret + text + secret).encode(), usedforsecurity=False).hexdigest()
    elif sign_method == "hmac":
        digest = hmac.new(secret.encode(), text.encode(), hashlib.md5).hexdigest()
    elif sign_method in ("hmac-sha256", "hmac_sha256"):
        digest = hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    else:
        raise ValueError(f"unknown sign_method {sign_method!r}")
    return digest.upper()


def douyin_api_sign(*, app_key: str, secret: str, method: str, param_json: str, timestamp: str, v: str = "2") -> str:
    """Douyin shop open API: HMAC-SHA256(secret, secret + app_key…method…param_json…timestamp…v… + secret)."""
    text = f"{secret}app_key{app_key}method{method}param_json{param_json}timestamp{timestamp}v{v}{secret}"
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def douyin_push_sign(*, app_key: str, secret: str, body: bytes, sign_method: str = "md5") -> str:
    """Douyin shop message push header ``event-sign``: MD5(app_key + body + secret), or HMAC-SHA256 keyed
    by the secret over the same text when the ``sign-method`` header says ``hmac-sha256``."""
    text = app_key.encode() + body + secret.encode()
    if sign_method == "hmac-sha256":
        return hmac.new(secret.encode(), text, hashlib.sha256).hexdigest()
    return hashlib.md5(text, usedforsecurity=False).hexdigest()


def shopify_hmac(body: bytes, secret: str) -> str:
    """Shopify webhooks: base64(HMAC-SHA256(secret, raw body))."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def dingtalk_sign(*, secret: str, timestamp_ms: int) -> str:
    """DingTalk robot 加签: base64(HMAC-SHA256(secret, "timestamp\\nsecret")), URL-encoded by the caller."""
    text = f"{timestamp_ms}\n{secret}"
    return base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()).decode()


def sf_msg_digest(msg_data: str, timestamp: str, check_word: str) -> str:
    """SF Express open platform ``msgDigest``: base64(MD5(urlencode(msgData + timestamp + checkWord))), the
    text URL-encoded as Java's URLEncoder does (space → ``+``)."""
    text = urllib.parse.quote_plus(msg_data + timestamp + check_word, safe="*").replace("~", "%7E")
    return base64.b64encode(hashlib.md5(text.encode(), usedforsecurity=False).digest()).decode()


def kuaidi100_sign(*parts: str) -> str:
    """Kuaidi100: upper-case hex MD5 of the parts joined (``param + key + customer`` for queries,
    ``param + t + key + secret`` for the e-waybill API, ``param + salt`` for subscription callbacks)."""
    return hashlib.md5("".join(parts).encode(), usedforsecurity=False).hexdigest().upper()


def kdniao_data_sign(request_data: str, app_key: str) -> str:
    """KDNiao ``DataSign``: base64 of the lower-case hex MD5 of RequestData + AppKey (URL-encoded by the
    form encoding that carries it)."""
    digest = hashlib.md5((request_data + app_key).encode(), usedforsecurity=False).hexdigest()
    return base64.b64encode(digest.encode()).decode()


def _pop_encode(value: str) -> str:
    """Aliyun's percent-encoding (RFC 3986: only A-Z a-z 0-9 - _ . ~ stay as they are; space is %20)."""
    return urllib.parse.quote(str(value), safe="-_.~")


def aliyun_rpc_signature(params: Mapping[str, object], secret: str, *, method: str = "POST") -> str:
    """Aliyun RPC signature v1 (``SignatureMethod=HMAC-SHA1``, ``SignatureVersion=1.0``), used by dysmsapi
    ``SendSms``: the parameters but ``Signature`` sorted by name and percent-encoded into a query string;
    StringToSign = METHOD + "&" + encode("/") + "&" + encode(query); base64(HMAC-SHA1(secret + "&", text)).
    Documented with a worked example (testId / testSecret → ``zJDF+Lrzhj/ThnlvIToysFRq6t4=``) at
    https://help.aliyun.com/document_detail/56189.html and
    https://www.alibabacloud.com/help/en/sms/signature-method."""
    query = "&".join(
        f"{_pop_encode(key)}={_pop_encode(value)}" for key, value in sorted(params.items()) if key != "Signature"
    )
    text = f"{method.upper()}&{_pop_encode('/')}&{_pop_encode(query)}"
    digest = hmac.new(f"{secret}&".encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def tc3_authorization(
    *,
    secret_id: str,
    secret_key: str,
    service: str,
    host: str,
    timestamp: int,
    payload: bytes,
    content_type: str = "application/json; charset=utf-8",
) -> str:
    """Tencent Cloud API 3.0 ``TC3-HMAC-SHA256`` (POST, signed headers content-type and host):
    CanonicalRequest = "POST\\n/\\n\\ncontent-type:…\\nhost:…\\n\\ncontent-type;host\\n" + hex(SHA256(payload));
    StringToSign = "TC3-HMAC-SHA256\\n<timestamp>\\n<UTC date>/<service>/tc3_request\\n" + hex(SHA256(canonical));
    the key is HMAC-SHA256 chained over "TC3"+SecretKey → date → service → "tc3_request". Documented with a worked
    example (DescribeInstances, 1551113065 → ``72e494ea…5168``) on the "签名方法 v3 / Signature v3" page that the
    SMS API docs link from SendSms (https://cloud.tencent.com/document/api/382/55981)."""
    import datetime as dt

    date = dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).strftime("%Y-%m-%d")
    signed_headers = "content-type;host"
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{content_type}\nhost:{host}\n",
            signed_headers,
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()])

    def _hmac(key: bytes, text: str) -> bytes:
        return hmac.new(key, text.encode(), hashlib.sha256).digest()

    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"


def rsa2_sign(private_key_pem: str, text: str) -> str:
    """SHA256withRSA (PKCS#1 v1.5) of ``text`` as base64: Alipay's ``RSA2`` and WeChat Pay v3's
    ``WECHATPAY2-SHA256-RSA2048``."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa2_verify(public_key_pem: str, text: str, signature: str) -> bool:
    """Whether ``signature`` (base64) is the SHA256withRSA signature of ``text`` by the key's owner."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    try:
        key = serialization.load_pem_public_key(public_key_pem.encode())
        key.verify(base64.b64decode(signature), text.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def alipay_sign_content(params: Mapping[str, object]) -> str:
    """Alipay open API: every parameter but ``sign`` (and empty ones), sorted by name, as ``k=v`` joined by
    ``&``, values not URL-encoded (https://opendocs.alipay.com/common/02kf5q — 自行实现签名)."""
    return "&".join(
        f"{key}={value}" for key, value in sorted(params.items()) if key != "sign" and value not in ("", None)
    )


def wechatpay_message(*parts: str) -> str:
    """WeChat Pay v3 signed message: each part followed by a newline — the request's ``METHOD``, URL path with
    query, timestamp, nonce, body; an answer's or a notification's timestamp, nonce, body
    (https://pay.weixin.qq.com/docs/merchant/development/interface-rules/signature-generation.html)."""
    return "".join(f"{part}\n" for part in parts)
