"""The one table of allowed transitions of an application / membership."""

from __future__ import annotations

from chengxin.core.statemachine import TransitionTable

from .models import Status as S

# (from status, action) -> to status
TRANSITIONS = TransitionTable({
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
})

ACTIONS = TRANSITIONS.actions
target = TRANSITIONS.target
allowed_actions = TRANSITIONS.allowed_actions
