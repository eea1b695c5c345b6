"""The one table of allowed transitions of an application / membership."""

from __future__ import annotations

from .models import Status as S

# (from status, action) -> to status
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.DRAFT, "submit"): S.SUBMITTED,
    (S.DRAFT, "withdraw"): S.WITHDRAWN,
    (S.SUBMITTED, "start_review"): S.UNDER_REVIEW,
    (S.SUBMITTED, "withdraw"): S.WITHDRAWN,
    (S.SUBMITTED, "request_info"): S.INFO_REQUESTED,
    (S.UNDER_REVIEW, "request_info"): S.INFO_REQUESTED,
    (S.INFO_REQUESTED, "answer"): S.UNDER_REVIEW,
    (S.INFO_REQUESTED, "withdraw"): S.WITHDRAWN,
    (S.SUBMITTED, "approve"): S.APPROVED,
    (S.UNDER_REVIEW, "approve"): S.APPROVED,
    (S.SUBMITTED, "reject"): S.REJECTED,
    (S.UNDER_REVIEW, "reject"): S.REJECTED,
    (S.APPROVED, "activate"): S.ACTIVE,  # fee paid or waived
    (S.ACTIVE, "mark_expiring"): S.EXPIRING,
    (S.ACTIVE, "expire"): S.EXPIRED,
    (S.EXPIRING, "expire"): S.EXPIRED,
    (S.ACTIVE, "renewed"): S.RENEWED,
    (S.EXPIRING, "renewed"): S.RENEWED,
    (S.ACTIVE, "suspend"): S.SUSPENDED,
    (S.EXPIRING, "suspend"): S.SUSPENDED,
    (S.SUSPENDED, "reinstate"): S.ACTIVE,
    (S.SUSPENDED, "expire"): S.EXPIRED,
    (S.ACTIVE, "terminate"): S.TERMINATED,
    (S.EXPIRING, "terminate"): S.TERMINATED,
    (S.SUSPENDED, "terminate"): S.TERMINATED,
    (S.APPROVED, "terminate"): S.TERMINATED,
}

ACTIONS = sorted({action for _, action in TRANSITIONS})


def target(status: str, action: str) -> str | None:
    return TRANSITIONS.get((status, action))


def allowed_actions(status: str) -> list[str]:
    return sorted(a for (s, a) in TRANSITIONS if s == status)
