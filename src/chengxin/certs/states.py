"""The one table of allowed certificate status changes."""

from __future__ import annotations

from chengxin.core.statemachine import TransitionTable

from .models import CertStatus as C

# (from status, action) -> to status
TRANSITIONS = TransitionTable({
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
})

# What each status means for the two status lists: (revoked bit, suspended bit).
BITS: dict[str, tuple[bool, bool]] = {
    C.ACTIVE: (False, False),
    C.SUPERSEDED: (False, False),  # still valid until its validUntil
    C.EXPIRED: (False, False),  # carried by validUntil
    C.SUSPENDED: (False, True),
    C.REVOKED: (True, False),
}

ACTIONS = TRANSITIONS.actions
target = TRANSITIONS.target
allowed_actions = TRANSITIONS.allowed_actions
