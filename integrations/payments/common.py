"""What the payment-provider clients share: the provider's error, money in fen, and
the keys (PEM text or a file path in settings; sandbox key pairs while the sandbox is on)."""

from __future__ import annotations

import os
import tempfile
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from config.errors import ApplicationError


class PaymentProviderError(ApplicationError):
    """The provider refused or failed the refund; ``permanent`` when no retry can help (its error code says)."""

    code = "payment_provider_error"
    status = 502

    def __init__(self, message: str, *, code: str, permanent: bool, extra: dict | None = None):
        super().__init__(message, code=code, extra=extra)
        self.permanent = permanent


def fen(amount: Decimal) -> int:
    """Yuan (two decimals) as whole fen, the unit of WeChat Pay amounts."""
    return int((amount * 100).quantize(Decimal("1")))


def pem(value: str) -> str:
    """A key given as PEM text, or as the path of a PEM file."""
    value = (value or "").strip()
    if not value or value.startswith("-----BEGIN"):
        return value
    return Path(value).read_text()


def sandbox_key(name: str) -> tuple[str, str]:
    """(private PEM, public PEM) of the sandbox key pair ``name``, made once and kept in
    ``PAYMENTS_SANDBOX_KEY_DIR`` so the client and the sandbox (other processes too) use the same pair."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    directory = Path(settings.PAYMENTS_SANDBOX_KEY_DIR)
    path = directory / f"{name}.pem"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        text = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        with tempfile.NamedTemporaryFile(dir=directory, delete=False) as handle:
            handle.write(text)
        try:
            os.link(handle.name, path)  # the first process to get here wins; the others read its key
        except FileExistsError:
            pass
        finally:
            os.unlink(handle.name)
    private = path.read_text()
    key = serialization.load_pem_private_key(private.encode(), password=None)
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public.decode()


def key_or_sandbox(configured: str, *, sandbox: str, public: bool = False) -> str:
    """The configured key, else (sandbox on) the sandbox pair's private or public half, else empty."""
    value = pem(configured)
    if value or not settings.SANDBOX_ENABLED:
        return value
    private, public_pem = sandbox_key(sandbox)
    return public_pem if public else private
