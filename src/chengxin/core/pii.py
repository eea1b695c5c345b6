"""Encryption of personal data at rest (AES-256-GCM, key from settings) and
masking for display."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_VERSION = "v1"


def _key() -> bytes:
    raw = settings.CHENGXIN_PII_KEY
    try:
        key = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except ValueError:
        key = b""
    if len(key) != 32:
        # Derive a 32-byte key from whatever was configured.
        key = hashlib.sha256(raw.encode()).digest()
    return key


def encrypt(plaintext: str, *, context: str) -> str:
    """Encrypt `plaintext`; `context` (e.g. "subject.id_number") is bound as
    associated data so a ciphertext cannot be moved to another field."""
    nonce = os.urandom(12)
    ct = AESGCM(_key()).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{_VERSION}:" + base64.urlsafe_b64encode(nonce + ct).decode()


def decrypt(token: str, *, context: str) -> str:
    version, _, body = token.partition(":")
    if version != _VERSION:
        raise ValueError("unknown PII ciphertext version")
    blob = base64.urlsafe_b64decode(body)
    return AESGCM(_key()).decrypt(blob[:12], blob[12:], context.encode()).decode()


def blind_index(value: str, *, context: str) -> str:
    """A keyed hash for equality look-ups of encrypted values."""
    return hmac.new(_key(), f"{context}:{value}".encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """`110101199003071234` -> `110***********1234`: first three and last four
    characters kept, everything between starred."""
    value = value.strip()
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str) -> str:
    digits = value.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_email(value: str) -> str:
    local, at, domain = value.partition("@")
    if not at:
        return "***"
    return (local[:1] + "***" + "@" + domain) if local else "***@" + domain


def mask_person_name(value: str) -> str:
    """张三丰 -> 张**; keeps the family name only."""
    value = value.strip()
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1) if len(value) > 1 else "*"
