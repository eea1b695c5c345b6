"""W3C Bitstring Status Lists: allocation of indexes, bit changes, and the
signed status list credentials published as static files."""

from __future__ import annotations

import base64
import gzip
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction

from chengxin.core import clock

from . import keys, publish
from .models import Certificate, Purpose, StatusList

CONTEXT_V2 = "https://www.w3.org/ns/credentials/v2"


def list_url(purpose: str, number: int) -> str:
    return f"{settings.CHENGXIN_BASE_URL.rstrip('/')}/pub/status/{purpose}/{number}.jwt"


def list_path(purpose: str, number: int) -> str:
    return f"status/{purpose}/{number}.jwt"


def _get_locked(purpose: str, number: int) -> StatusList:
    size = settings.CHENGXIN_STATUS_LIST_SIZE
    StatusList.objects.get_or_create(
        purpose=purpose, number=number,
        defaults={"size": size, "bits": bytes(size // 8), "updated_at": clock.now(), "version": 1},
    )
    return StatusList.objects.select_for_update().get(purpose=purpose, number=number)


def allocate() -> tuple[int, int]:
    """A free (list number, index) pair, chosen at random inside the list so
    that neighbouring indexes say nothing about issue order (the spec's herd
    privacy). The same index is used in the revocation and suspension lists."""
    size = settings.CHENGXIN_STATUS_LIST_SIZE
    number = 1
    while True:
        for purpose in Purpose.values:
            _get_locked(purpose, number)  # exists, and serialises allocations
        taken = set(Certificate.objects.filter(status_list=number).values_list("revocation_index", flat=True))
        if len(taken) < size * 3 // 4:  # keep lists sparse enough for random picks
            break
        number += 1
    while True:
        index = secrets.randbelow(size)
        if index not in taken:
            return number, index


def get_bit(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def set_bit(purpose: str, number: int, index: int, value: bool) -> None:
    """Change one bit (inside the caller's transaction); the file is
    rewritten after commit."""
    row = _get_locked(purpose, number)
    bits = bytearray(row.bits)
    mask = 0x80 >> (index % 8)
    old = bool(bits[index // 8] & mask)
    if old == value:
        return
    bits[index // 8] = bits[index // 8] | mask if value else bits[index // 8] & ~mask
    row.bits = bytes(bits)
    row.version += 1
    row.updated_at = clock.now()
    row.save(update_fields=["bits", "version", "updated_at"])
    transaction.on_commit(lambda: publish_list(purpose, number))


def encode(bits: bytes) -> str:
    """Multibase base64url (prefix "u") of the GZIP-compressed bitstring."""
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).decode().rstrip("=")


def decode(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (prefix 'u')")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def credential(row: StatusList) -> dict[str, Any]:
    url = list_url(row.purpose, row.number)
    return {
        "@context": [CONTEXT_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": settings.CHENGXIN_BASE_URL.rstrip("/"), "name": settings.CHENGXIN_ISSUER_NAME},
        "validFrom": clock.now().replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "id": url + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": row.purpose,
            "encodedList": encode(bytes(row.bits)),
            "ttl": settings.CHENGXIN_PUBLIC_MAX_AGE * 1000,
        },
    }


def publish_list(purpose: str, number: int, *, force: bool = False) -> bool:
    """Sign the list as it is now and write it as a file, unless the file
    already shows this version. Serialised by the row lock."""
    with transaction.atomic():
        row = _get_locked(purpose, number)
        path = list_path(purpose, number)
        if not force and row.published_version == row.version and publish.exists(path):
            return False
        publish.write(path, keys.sign(credential(row)).encode())
        row.published_version = row.version
        row.save(update_fields=["published_version"])
    return True


def signed_list(purpose: str, number: int) -> str:
    """The published status list credential (published now if missing)."""
    path = list_path(purpose, number)
    row = StatusList.objects.filter(purpose=purpose, number=number).values("version", "published_version").first()
    if row is None:  # never created here: nothing to publish (and nothing to create on a stranger's request)
        raise FileNotFoundError(path)
    stale = row["version"] != row["published_version"]
    if stale or not publish.exists(path):
        publish_list(purpose, number, force=True)
    return publish.read(path).decode()
