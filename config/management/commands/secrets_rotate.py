"""Re-encrypt every stored secret with the newest key of FIELD_ENCRYPTION_KEYS (see config/crypto.py).

Rotating a key: ``secrets_rotate --generate-key`` prints a new key; put it FIRST in FIELD_ENCRYPTION_KEYS and
keep the old key after it; restart; run ``secrets_rotate``; then remove the old key. Secrets still in clear
text (written before encryption) are encrypted too. Safe to run again, and while the application runs (each
row is locked while it is rewritten).
"""

from __future__ import annotations

from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand

from config.crypto import secrets_rotate


class Command(BaseCommand):
    help = "Re-encrypt every stored secret with the newest key of FIELD_ENCRYPTION_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--generate-key", action="store_true", help="Print a new key and change nothing.")

    def handle(self, *args, generate_key: bool = False, **options):
        if generate_key:
            self.stdout.write(Fernet.generate_key().decode())
            return
        for label, count in secrets_rotate().items():
            self.stdout.write(f"{label}: {count} rows re-encrypted")
