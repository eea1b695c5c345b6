"""The one table of allowed complaint transitions, and who may take each."""

from __future__ import annotations

from chengxin.core.statemachine import TransitionTable

from .models import OPEN
from .models import Status as S

# (from status, action) -> to status
TRANSITIONS = TransitionTable({
    (S.AWAITING_RESPONSE, "answer"): S.ANSWERED,
    (S.OVERDUE, "answer"): S.ANSWERED,
    (S.AWAITING_RESPONSE, "miss_deadline"): S.OVERDUE,  # second notice, final 5 working days
    (S.OVERDUE, "miss_final_deadline"): S.UNANSWERED,
    (S.ANSWERED, "accept"): S.RESOLVED,
    (S.ANSWERED, "dispute"): S.DISPUTED,
    (S.ANSWERED, "consumer_silent"): S.ANSWERED_UNCONFIRMED,
    (S.DISPUTED, "start_mediation"): S.IN_MEDIATION,
    (S.DISPUTED, "close_unresolved"): S.UNRESOLVED,
    (S.IN_MEDIATION, "settle"): S.RESOLVED_MEDIATION,
    (S.IN_MEDIATION, "fail_mediation"): S.UNRESOLVED,
    (S.IN_MEDIATION, "mediation_timeout"): S.UNRESOLVED,
    **{(s, "invalidate"): S.INVALID for s in OPEN},
    **{(s, "withdraw"): S.WITHDRAWN for s in OPEN},
})

# Which party may take an action (the services check the person too).
ACTORS: dict[str, str] = {
    "answer": "merchant",
    "accept": "consumer",
    "dispute": "consumer",
    "withdraw": "consumer",
    "start_mediation": "mediator",
    "settle": "mediator",
    "fail_mediation": "mediator",
    "close_unresolved": "staff",
    "invalidate": "staff",
    "miss_deadline": "system",
    "miss_final_deadline": "system",
    "consumer_silent": "system",
    "mediation_timeout": "system",
}

ACTIONS = TRANSITIONS.actions
target = TRANSITIONS.target
allowed_actions = TRANSITIONS.allowed_actions
