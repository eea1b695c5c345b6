"""Mediation of a disputed complaint: a mediator takes it up, proposes a
settlement both parties agree to, or ends it without agreement."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from chengxin.accounts.models import User
from chengxin.core import clock, workdays
from chengxin.core.errors import Conflict, PermissionDenied

from .models import Complaint, Status
from .services import (
    CONSUMER,
    MEDIATOR,
    MERCHANT,
    _clean_text,
    _event,
    _lock,
    _require,
    _tell_consumer,
    _tell_merchant,
    _transition,
    parties,
)


def _require_mediator(actor: User, c: Complaint) -> None:
    _require(actor, c, MEDIATOR)
    if c.mediator_id and c.mediator_id != actor.pk:
        raise PermissionDenied(_("Another mediator handles this complaint."))


@transaction.atomic
def start_mediation(*, actor: User, c: Complaint) -> Complaint:
    _require(actor, c, MEDIATOR)
    c = _lock(c)
    now = clock.now()
    c.mediator = actor
    c.mediation_started_at = now
    c.mediation_due_at = workdays.add_working_days(now, settings.CHENGXIN_COMPLAINT_MEDIATION_WORKING_DAYS)
    _transition(c, "start_mediation", actor=actor, party=MEDIATOR,
                message=_("Mediation started; it ends by %(d)s at the latest.") % {"d": workdays.local_date(c.mediation_due_at).isoformat()})
    text = _("A mediator has taken up complaint %(n)s.") % {"n": c.number}
    _tell_consumer(c, text, "mediation")
    _tell_merchant(c, text, "mediation")
    return c


@transaction.atomic
def propose_settlement(*, actor: User, c: Complaint, text: str) -> Complaint:
    _require_mediator(actor, c)
    text = _clean_text(text, "settlement", max_len=3000, min_len=5)
    c = _lock(c)
    if c.status != Status.IN_MEDIATION:
        raise Conflict(_("A settlement can only be proposed in mediation."), code="illegal_transition")
    c.settlement = text
    c.settlement_consumer_agreed_at = None
    c.settlement_merchant_agreed_at = None
    c.save(update_fields=["settlement", "settlement_consumer_agreed_at", "settlement_merchant_agreed_at"])
    _event(c, actor=actor, party=MEDIATOR, kind="settlement_proposed", message=text)
    msg = _("The mediator proposes a settlement for complaint %(n)s. Please agree or reply.") % {"n": c.number}
    _tell_consumer(c, msg, f"proposal:{clock.now().timestamp()}")
    _tell_merchant(c, msg, f"proposal:{clock.now().timestamp()}")
    return c


@transaction.atomic
def agree_settlement(*, actor: User, c: Complaint) -> Complaint:
    who = parties(actor, c) & {CONSUMER, MERCHANT}
    if not who:
        raise PermissionDenied(_("Only the consumer and the merchant agree to a settlement."))
    c = _lock(c)
    if c.status != Status.IN_MEDIATION or not c.settlement:
        raise Conflict(_("There is no settlement proposal to agree to."), code="no_proposal")
    now = clock.now()
    party = CONSUMER if CONSUMER in who else MERCHANT
    if party == CONSUMER:
        c.settlement_consumer_agreed_at = now
    else:
        c.settlement_merchant_agreed_at = now
    c.save(update_fields=["settlement_consumer_agreed_at", "settlement_merchant_agreed_at"])
    _event(c, actor=actor, party=party, kind="settlement_agreed")
    if c.settlement_consumer_agreed_at and c.settlement_merchant_agreed_at:
        _transition(c, "settle", actor=actor, party=party, message=_("Both parties agreed: %(s)s") % {"s": c.settlement})
        _tell_mediation_end(c)
    return c


@transaction.atomic
def settle(*, actor: User, c: Complaint, text: str) -> Complaint:
    """The mediator records an agreement reached with both parties."""
    _require_mediator(actor, c)
    text = _clean_text(text, "settlement", max_len=3000, min_len=5)
    c = _lock(c)
    c.settlement = text
    _transition(c, "settle", actor=actor, party=MEDIATOR, message=text)
    _tell_mediation_end(c)
    return c


@transaction.atomic
def fail_mediation(*, actor: User, c: Complaint, reason: str) -> Complaint:
    _require_mediator(actor, c)
    reason = _clean_text(reason, "reason", max_len=2000, min_len=5)
    c = _lock(c)
    _transition(c, "fail_mediation", actor=actor, party=MEDIATOR, message=reason)
    _tell_mediation_end(c)
    return c


def _tell_mediation_end(c: Complaint) -> None:
    text = _("Mediation of complaint %(n)s has ended: %(outcome)s.") % {"n": c.number, "outcome": Status(c.status).label}
    _tell_consumer(c, text, "mediation_end")
    _tell_merchant(c, text, "mediation_end")


