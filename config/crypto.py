"""Secrets at rest: platform tokens, app secrets, webhook and robot keys are stored encrypted.

Fernet (AES-128-CBC + HMAC-SHA256, from the ``cryptography`` package) with a list of keys, newest first
(``MultiFernet``): values are always encrypted with the first key and can be read with any of them, so a key
is rotated by putting a new one first, running ``manage.py secrets_rotate`` (which re-encrypts every stored
secret with it) and then dropping the old one.

The keys come from ``FIELD_ENCRYPTION_KEYS`` (comma-separated Fernet keys; ``manage.py secrets_rotate
--generate-key`` prints a new one). Unset, one key is derived from ``SECRET_KEY`` (HKDF-SHA256), which is
enough for a single machine but ties the secrets to ``SECRET_KEY``: set real keys in production.

A stored value reads ``fernet:<token>``; an empty value stays empty (so "is a secret set?" needs no
decryption), and a value without the prefix — written before encryption was introduced — is read as it is
and encrypted by the next ``secrets_rotate``.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from config.errors import ApplicationError

PREFIX = "fernet:"


class SecretUnreadable(ApplicationError):
    code = "secret_unreadable"
    status = 500


def key_derive(secret_key: str) -> bytes:
    """A Fernet key derived from Django's ``SECRET_KEY`` (used when no key is configured)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"order-hub", info=b"field encryption").derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(raw)


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        return MultiFernet([Fernet(key_derive(secret_key))])
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS: each key must be 32 url-safe base64-encoded bytes "
            "(make one with `manage.py secrets_rotate --generate-key`)."
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS), settings.SECRET_KEY)


def secret_encrypt(value: str) -> str:
    if not value:
        return ""
    return PREFIX + fernet().encrypt(value.encode()).decode()


def secret_decrypt(stored: str) -> str:
    if not stored or not stored.startswith(PREFIX):
        return stored or ""
    try:
        return fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            _(
                "A stored secret cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS: the key it was "
                "written with is missing (keep the old key after the new one until `secrets_rotate` has run)."
            )
        ) from None


def encrypted_fields() -> dict[type, list[str]]:
    """Every model with encrypted fields, and their names."""
    from django.apps import apps

    from config.fields import EncryptedTextField

    found: dict[type, list[str]] = {}
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names and not model._meta.proxy:
            found[model] = names
    return found


def secrets_rotate(*, batch: int = 200) -> dict[str, int]:
    """Rewrite every stored secret encrypted with the current key: read through the field (decrypted with
    whichever key wrote it; clear text as it is) and written back (encrypted with the first key). Rows are
    locked in primary-key order, a batch per transaction."""
    from django.db import transaction

    counts: dict[str, int] = {}
    for model, names in encrypted_fields().items():
        done, last = 0, 0
        while True:
            with transaction.atomic():
                rows = model._base_manager.filter(pk__gt=last).order_by("pk").select_for_update()
                page = list(rows.values_list("pk", *names)[:batch])
                for pk, *values in page:
                    model._base_manager.filter(pk=pk).update(**dict(zip(names, values, strict=True)))
            done += len(page)
            if len(page) < batch:
                break
            last = page[-1][0]
        counts[model._meta.label] = done
    return counts
