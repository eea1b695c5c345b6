"""The one table of allowed certificate status changes."""

from __future__ import annotations

from .models import CertStatus as C

# (from status, action) -> to status
TRANSITIONS: dict[tuple[str, str], str] = {
    (C.ACTIVE, "suspend"): C.SUSPENDED,
    (C.SUSPENDED, "reinstate"): C.ACTIVE,
    (C.ACTIVE, "revoke"): C.REVOKED,
    (C.SUSPENDED, "revoke"): C.REVOKED,
    (C.SUPERSEDED, "revoke"): C.REVOKED,
    (C.ACTIVE, "expire"): C.EXPIRED,
    (C.SUSPENDED, "expire"): C.EXPIRED,
    (C.SUPERSEDED, "expire"): C.EXPIRED,
    (C.ACTIVE, "supersede"): C.SUPERSEDED,
    (C.SUSPENDED, "supersede"): C.SUPERSEDED,
}

# What each status means for the two status lists: (revoked bit, suspended bit).
BITS: dict[str, tuple[bool, bool]] = {
    C.ACTIVE: (False, False),
    C.SUPERSEDED: (False, False),  # still valid until its validUntil
    C.EXPIRED: (False, False),  # carried by validUntil
    C.SUSPENDED: (False, True),
    C.REVOKED: (True, False),
}

ACTIONS = sorted({action for _, action in TRANSITIONS})


def target(status: str, action: str) -> str | None:
    return TRANSITIONS.get((status, action))


def allowed_actions(status: str) -> list[str]:
    return sorted(a for (s, a) in TRANSITIONS if s == status)
