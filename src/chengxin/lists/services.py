from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from chengxin.core import clock
from chengxin.core.errors import Conflict, ValidationFailed
from chengxin.core.permissions import check
from chengxin.credit import hooks as credit_hooks
from chengxin.ledger import services as audit

from .models import ListEntry, ListKind


def _snapshot(e: ListEntry) -> dict[str, Any]:
    return {"subject": e.subject_id, "kind": e.kind, "reason": e.reason, "legal_basis": e.legal_basis,
            "starts_at": e.starts_at, "ends_at": e.ends_at, "lifted_at": e.lifted_at}


def active_entries(subject: Any, kind: str | None = None, at: dt.datetime | None = None) -> QuerySet[ListEntry]:
    at = at or clock.now()
    qs = ListEntry.objects.filter(subject=subject, starts_at__lte=at, lifted_at__isnull=True).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=at)
    )
    return qs.filter(kind=kind) if kind else qs


def active_blacklist_entry(subject: Any, at: dt.datetime | None = None) -> ListEntry | None:
    return active_entries(subject, ListKind.BLACKLIST, at).first()


@transaction.atomic
def add_entry(*, actor: Any, subject: Any, kind: str, reason: str, legal_basis: str = "",
              ends_at: dt.datetime | None = None) -> ListEntry:
    check(actor, "lists.edit")
    if kind not in ListKind.values:
        raise ValidationFailed(_("Unknown list."), field="kind", code="invalid_choice")
    if not reason.strip():
        raise ValidationFailed(_("Give the reason for the entry."), field="reason", code="required")
    now = clock.now()
    if ends_at is not None and ends_at <= now:
        raise ValidationFailed(_("The end of the entry must be in the future."), field="ends_at", code="invalid")
    if active_entries(subject, kind, now).exists():
        raise Conflict(_("The subject is already on this list."), field="kind", code="already_listed")
    entry = ListEntry.objects.create(subject=subject, kind=kind, reason=reason.strip(), legal_basis=legal_basis.strip(),
                                     starts_at=now, ends_at=ends_at, created_by=actor, created_at=now)
    audit.record(actor=actor, action="list.add", obj=entry, after=_snapshot(entry), reason=reason)
    credit_hooks.list_entry_added(entry, actor=actor)
    if kind == ListKind.BLACKLIST:  # a blacklisted subject keeps no seal
        from chengxin.certs.services import revoke_for_subject

        revoke_for_subject(subject=subject, actor=actor, reason=_("blacklisted: %(r)s") % {"r": reason.strip()})
    return entry


@transaction.atomic
def lift_entry(*, actor: Any, entry: ListEntry, reason: str) -> ListEntry:
    check(actor, "lists.edit")
    if not reason.strip():
        raise ValidationFailed(_("Give the reason for lifting the entry."), field="reason", code="required")
    if entry.lifted_at is not None:
        raise Conflict(_("This entry was already lifted."), code="already_lifted")
    before = _snapshot(entry)
    entry.lifted_at = clock.now()
    entry.lift_reason = reason.strip()
    entry.save(update_fields=["lifted_at", "lift_reason"])
    audit.record(actor=actor, action="list.lift", obj=entry, before=before, after=_snapshot(entry), reason=reason)
    credit_hooks.list_entry_lifted(entry, actor=actor)
    return entry
