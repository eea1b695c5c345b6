"""Append to and verify the audit hash chain."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from chengxin.core import clock

from .models import AuditEntry, ChainHead

GENESIS = "0" * 64


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def jsonable(value: Any) -> Any:
    """Round-trip through the canonical encoder so what is hashed equals what
    is stored."""
    return json.loads(json.dumps(value, default=_default, ensure_ascii=False))


def canonical(entry: dict[str, Any]) -> bytes:
    """Canonical encoding: JSON with sorted keys, no whitespace, UTF-8,
    timestamps in UTC ISO 8601 with microseconds."""
    return json.dumps(
        entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    ).encode()


def entry_hash(
    *,
    seq: int,
    at: dt.datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    before: Any,
    after: Any,
    reason: str,
    prev_hash: str,
) -> str:
    body = {
        "seq": seq,
        "at": at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "before": before,
        "after": after,
        "reason": reason,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical(body)).hexdigest()


def actor_label_for(actor: Any) -> str:
    if actor is None:
        return "system"
    return f"user:{actor.pk}:{actor.get_username()}"


def record(
    *,
    actor: Any,
    action: str,
    obj: Any = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    """Append one entry. Runs in the caller's transaction (or its own)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk if object_id is None else object_id
    if object_type is None or object_id is None:
        raise ValueError("audit entries need an object")
    before_j = jsonable(before) if before is not None else None
    after_j = jsonable(after) if after is not None else None
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(
            id=1, defaults={"seq": 0, "hash": GENESIS}
        )
        seq = head.seq + 1
        # Truncate to microseconds in UTC: what the database stores.
        at = clock.now().astimezone(dt.UTC)
        label = actor_label_for(actor)
        actor_id = getattr(actor, "pk", None)
        digest = entry_hash(
            seq=seq,
            at=at,
            actor_id=actor_id,
            actor_label=label,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            before=before_j,
            after=after_j,
            reason=reason,
            prev_hash=head.hash,
        )
        entry = AuditEntry(
            seq=seq,
            at=at,
            actor_id=actor_id,
            actor_label=label,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            before=before_j,
            after=after_j,
            reason=reason,
            prev_hash=head.hash,
            hash=digest,
        )
        entry.save()
        ChainHead.objects.filter(id=1).update(seq=seq, hash=digest)
    return entry


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""


def _iter_entries(batch: int = 2000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify_chain() -> VerifyResult:
    """Recompute every hash and link; name the first entry that does not fit."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    for e in _iter_entries():
        if e.seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, f"entry #{expected_seq} is missing")
        if e.prev_hash != prev:
            return VerifyResult(False, checked, e.seq, "previous-hash link does not match")
        digest = entry_hash(
            seq=e.seq,
            at=e.at,
            actor_id=e.actor_id,
            actor_label=e.actor_label,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            before=e.before,
            after=e.after,
            reason=e.reason,
            prev_hash=e.prev_hash,
        )
        if digest != e.hash:
            return VerifyResult(False, checked, e.seq, "content does not match its hash")
        prev = e.hash
        expected_seq += 1
        checked += 1
    head = ChainHead.objects.filter(id=1).first()
    if head is not None and head.seq != checked:
        return VerifyResult(False, checked, checked + 1, "entries after the last one were removed")
    return VerifyResult(True, checked)


def history(obj: Any) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).select_related("actor")
    )
