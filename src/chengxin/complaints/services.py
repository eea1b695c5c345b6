"""Complaints: filing, the three parties' actions, staff decisions, mediation.

Every status change goes through `_transition`, which checks the table in
`states.py`, records a timeline event and (for everything that can weigh on
a merchant's credit) an audit entry. Filing itself is recorded on the
complaint's own timeline; the complaint enters the audit trail when staff
confirm or reject it (docs/decisions/0003-complaint-filing.md).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chengxin.accounts.models import User
from chengxin.accounts.services import acts_for, notify, staff_with
from chengxin.core import clock, fastsql, workdays
from chengxin.core.errors import (
    Conflict,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    Throttled,
    ValidationFailed,
)
from chengxin.core.permissions import Role, check, has_perm, user_roles
from chengxin.credit import hooks as credit_hooks
from chengxin.ledger import services as audit
from chengxin.registry.models import Subject

from . import states
from .models import (
    OPEN,
    Category,
    Complaint,
    ComplaintEvent,
    InvalidReason,
    MaliciousFlag,
    ResponsePromise,
    Status,
    Survey,
    Visibility,
)

CONSUMER, MERCHANT, STAFF, MEDIATOR, SYSTEM = "consumer", "merchant", "staff", "mediator", "system"
_HTML = re.compile(r"<\s*[a-zA-Z/!?]")


# --- who is looking --------------------------------------------------------

def parties(user: Any, c: Complaint) -> set[str]:
    """The roles `user` holds on complaint `c`."""
    out: set[str] = set()
    if not getattr(user, "is_authenticated", False):
        return out
    if c.complainant_id == user.pk:
        out.add(CONSUMER)
    roles = user_roles(user)
    if Role.MEMBER in roles and acts_for(user, c.subject):
        out.add(MERCHANT)
    if has_perm(user, "complaints.handle"):
        out.add(STAFF)
    if Role.MEDIATOR in roles:
        out.add(MEDIATOR)
    return out


def get_complaint(number: str) -> Complaint:
    c = Complaint.objects.select_related("subject", "category", "complainant", "mediator").filter(number=str(number)[:20]).first()
    if c is None:
        raise NotFound(_("No complaint with number %(n)s.") % {"n": str(number)[:20]})
    return c


def get_for(user: Any, number: str) -> tuple[Complaint, set[str]]:
    """The complaint and the viewer's parties; a stranger gets "not found"
    (whether a complaint exists is not told to people who may not see it)."""
    c = get_complaint(number)
    who = parties(user, c)
    if not who:
        if not getattr(user, "is_authenticated", False):
            raise NotAuthenticated(_("Please log in to continue."))
        raise NotFound(_("No complaint with number %(n)s.") % {"n": number})
    return c, who


def _require(user: Any, c: Complaint, party: str) -> None:
    if party not in parties(user, c):
        raise PermissionDenied({
            CONSUMER: gettext_lazy("Only the consumer who filed this complaint can do this."),
            MERCHANT: gettext_lazy("Only the merchant this complaint is about can do this."),
            STAFF: gettext_lazy("Only the secretariat can do this."),
            MEDIATOR: gettext_lazy("Only a mediator can do this."),
        }[party])


def _lock(c: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().select_related("subject", "category", "complainant").get(pk=c.pk)


def _clean_text(value: Any, field: str, *, max_len: int, min_len: int = 0, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(_("This field is required."), field=field, code="required")
    if _HTML.search(text):
        raise ValidationFailed(_("HTML is not allowed here."), field=field, code="unsafe_text")
    if len(text) > max_len:
        raise ValidationFailed(_("At most %(n)d characters.") % {"n": max_len}, field=field, code="too_long")
    if text and len(text) < min_len:
        raise ValidationFailed(_("Please write at least %(n)d characters.") % {"n": min_len}, field=field, code="too_short")
    return text


def _event(c: Complaint, *, actor: Any, party: str, kind: str, message: str = "",
           visibility: str = Visibility.ALL, frm: str = "", to: str = "") -> ComplaintEvent:
    return fastsql.insert(ComplaintEvent(complaint=c, at=clock.now(), actor=actor, party=party, kind=kind,
                                         from_status=frm, to_status=to, message=message, visibility=visibility))


def _snapshot(c: Complaint) -> dict[str, Any]:
    return {"status": c.status, "subject": c.subject_id, "category": c.category_id,
            "response_due_at": c.response_due_at, "confirmed_at": c.confirmed_at, "closed_at": c.closed_at,
            "invalid_reason": c.invalid_reason}


def _transition(c: Complaint, action: str, *, actor: Any, party: str, message: str = "",
                visibility: str = Visibility.ALL) -> Complaint:
    to = states.target(c.status, action)
    if to is None:
        raise Conflict(
            _("“%(action)s” is not possible while the complaint is “%(status)s”.")
            % {"action": action, "status": Status(c.status).label},
            code="illegal_transition",
            details={"status": c.status, "action": action, "allowed": states.allowed_actions(c.status)},
        )
    before = _snapshot(c)
    frm = c.status
    now = clock.now()
    c.status = to
    c.status_changed_at = now
    if to not in OPEN:
        c.closed_at = now
    c.save()
    _event(c, actor=actor, party=party, kind=action, message=message, visibility=visibility, frm=frm, to=to)
    audit.record(actor=actor, action=f"complaint.{action}", obj=c, before=before, after=_snapshot(c), reason=message)
    if to not in OPEN:
        _on_closed(c)
        credit_hooks.complaint_closed(c, actor=actor)
    return c


# --- notifications -----------------------------------------------------------

def _url(c: Complaint) -> str:
    return f"/me/complaints/{c.number}"


def merchant_users(subject: Subject) -> list[User]:
    return list(User.objects.filter(subjectaccess__subject=subject, is_active=True, role=Role.MEMBER.value))


def _tell_consumer(c: Complaint, text: str, key: str) -> None:
    notify(user=c.complainant, text=text, url=_url(c), dedupe_key=f"c:{c.pk}:{key}")


def _tell_merchant(c: Complaint, text: str, key: str, users: list[User] | None = None) -> None:
    """`users`: the merchant's users if the caller has just read them."""
    for user in merchant_users(c.subject) if users is None else users:
        notify(user=user, text=text, url=_url(c), dedupe_key=f"m:{c.pk}:{key}")


def _tell_staff(c: Complaint, text: str, key: str) -> None:
    for user in staff_with("complaints.handle"):
        notify(user=user, text=text, url=f"/staff/complaints/{c.number}", dedupe_key=f"s:{c.pk}:{key}")


def _on_closed(c: Complaint) -> None:
    label = Status(c.status).label
    if c.status == Status.INVALID:
        return  # the consumer is told why by `invalidate`
    if c.status != Status.WITHDRAWN:
        c.survey_requested_at = clock.now()
        c.save(update_fields=["survey_requested_at"])
        _tell_consumer(c, _("Complaint %(n)s is closed (%(outcome)s). Please tell us how it was handled: it takes a minute.")
                       % {"n": c.number, "outcome": label}, "closed")
    _tell_merchant(c, _("Complaint %(n)s is closed: %(outcome)s.") % {"n": c.number, "outcome": label}, "closed")


# --- deadlines ---------------------------------------------------------------

def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=workdays.CALENDAR_TZ)


def response_deadline(subject: Subject, category: Category, start: dt.datetime) -> dt.datetime:
    try:  # read here unless the subject came with select_related("response_promise")
        promise: ResponsePromise | None = subject.response_promise
    except ResponsePromise.DoesNotExist:
        promise = None
    if promise is not None:
        return start + dt.timedelta(hours=promise.hours)
    days = category.response_working_days or settings.CHENGXIN_COMPLAINT_RESPONSE_WORKING_DAYS
    return workdays.add_working_days(start, days)


def _set_response_due(c: Complaint, due: dt.datetime, now: dt.datetime) -> None:
    c.response_due_at = due
    remind = _day_start(workdays.working_day_before(due, settings.CHENGXIN_COMPLAINT_REMIND_WORKING_DAYS))
    c.remind_at = remind if remind > now else None
    c.reminded_at = None
    c.reminded_day_at = None


# --- the merchant ------------------------------------------------------------------

@transaction.atomic
def answer(*, actor: User, c: Complaint, text: str) -> Complaint:
    _require(actor, c, MERCHANT)
    text = _clean_text(text, "answer", max_len=5000, min_len=5)
    c = _lock(c)
    now = clock.now()
    c.answer = text
    c.answered_at = now
    c.consumer_due_at = now + dt.timedelta(days=settings.CHENGXIN_COMPLAINT_CONSUMER_DAYS)
    _transition(c, "answer", actor=actor, party=MERCHANT, message=text)
    _tell_consumer(c, _("The merchant answered your complaint %(n)s. Accept the answer or dispute it by %(due)s; without a reply it closes as “answered, not confirmed”.")
                   % {"n": c.number, "due": workdays.local_date(c.consumer_due_at).isoformat()}, "answered")
    return c


@transaction.atomic
def flag_malicious(*, actor: User, c: Complaint, reason: str) -> MaliciousFlag:
    _require(actor, c, MERCHANT)
    reason = _clean_text(reason, "reason", max_len=2000, min_len=10)
    since = clock.now() - dt.timedelta(days=30)
    if MaliciousFlag.objects.filter(subject=c.subject, at__gte=since).count() >= settings.CHENGXIN_COMPLAINT_FLAGS_PER_30_DAYS:
        raise Throttled(_("%(name)s has flagged %(n)d complaints in 30 days, the most allowed. The secretariat reviews the flags first.")
                        % {"name": c.subject.name, "n": settings.CHENGXIN_COMPLAINT_FLAGS_PER_30_DAYS}, code="flag_rate")
    if c.flags.filter(decision=MaliciousFlag.Decision.PENDING).exists():
        raise Conflict(_("This complaint is already flagged and waits for the secretariat."), code="already_flagged")
    flag = MaliciousFlag.objects.create(complaint=c, flagged_by=actor, subject=c.subject, reason=reason, at=clock.now())
    _event(c, actor=actor, party=MERCHANT, kind="flagged", message=reason, visibility=Visibility.MERCHANT)
    audit.record(actor=actor, action="complaint.flag", obj=c, after={"flag": flag.pk}, reason=reason)
    _tell_staff(c, _("Complaint %(n)s was flagged as malicious by the merchant.") % {"n": c.number}, f"flag:{flag.pk}")
    return flag


# --- the consumer ----------------------------------------------------------------

@transaction.atomic
def accept(*, actor: User, c: Complaint) -> Complaint:
    _require(actor, c, CONSUMER)
    c = _lock(c)
    return _transition(c, "accept", actor=actor, party=CONSUMER, message=_("The consumer accepted the answer."))


@transaction.atomic
def dispute(*, actor: User, c: Complaint, reason: str) -> Complaint:
    _require(actor, c, CONSUMER)
    reason = _clean_text(reason, "reason", max_len=2000, min_len=5)
    c = _lock(c)
    c.dispute_reason = reason
    _transition(c, "dispute", actor=actor, party=CONSUMER, message=reason)
    _tell_merchant(c, _("The consumer disputes your answer to complaint %(n)s; a mediator may take it up.") % {"n": c.number}, "disputed")
    for user in User.objects.filter(role=Role.MEDIATOR.value, is_active=True):
        notify(user=user, text=_("Complaint %(n)s is disputed and waits for mediation.") % {"n": c.number},
               url=f"/staff/complaints/{c.number}", dedupe_key=f"med:{c.pk}:disputed")
    return c


@transaction.atomic
def withdraw(*, actor: User, c: Complaint, reason: str = "") -> Complaint:
    _require(actor, c, CONSUMER)
    reason = _clean_text(reason, "reason", max_len=2000, required=False)
    c = _lock(c)
    return _transition(c, "withdraw", actor=actor, party=CONSUMER, message=reason or _("Withdrawn by the consumer."))


@transaction.atomic
def submit_survey(*, actor: User, c: Complaint, rating: Any, handled_well: bool, comment: str = "") -> Survey:
    _require(actor, c, CONSUMER)
    c = _lock(c)
    if c.survey_requested_at is None:
        raise Conflict(_("The survey opens when the complaint is closed."), code="survey_not_open")
    try:
        value = int(rating)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise ValidationFailed(_("Choose a rating from 1 to 5."), field="rating", code="invalid_rating")
    comment = _clean_text(comment, "comment", max_len=1000, required=False)
    if Survey.objects.filter(complaint=c).exists():
        raise Conflict(_("You have already answered the survey. Thank you."), code="survey_done")
    survey = Survey.objects.create(complaint=c, rating=value, handled_well=bool(handled_well), comment=comment, at=clock.now())
    _event(c, actor=actor, party=CONSUMER, kind="survey", message=f"{value}/5", visibility=Visibility.CONSUMER)
    return survey


# --- messages (the mediation thread) --------------------------------------------------

@transaction.atomic
def post_message(*, actor: User, c: Complaint, text: str) -> ComplaintEvent:
    who = parties(actor, c)
    if not who:
        raise PermissionDenied(_("Only the parties to this complaint can write here."))
    text = _clean_text(text, "message", max_len=3000)
    c = _lock(c)
    if not c.is_open:
        raise Conflict(_("The complaint is closed."), code="closed")
    party = next(p for p in (CONSUMER, MERCHANT, MEDIATOR, STAFF) if p in who)
    ev = _event(c, actor=actor, party=party, kind="message", message=text)
    if party != CONSUMER:
        _tell_consumer(c, _("New message on complaint %(n)s.") % {"n": c.number}, f"msg:{ev.pk}")
    if party != MERCHANT:
        _tell_merchant(c, _("New message on complaint %(n)s.") % {"n": c.number}, f"msg:{ev.pk}")
    if party in (CONSUMER, MERCHANT) and c.mediator_id:
        notify(user=c.mediator, text=_("New message on complaint %(n)s.") % {"n": c.number},  # type: ignore[arg-type]
               url=f"/staff/complaints/{c.number}", dedupe_key=f"med:{c.pk}:msg:{ev.pk}")
    return ev


# --- staff ---------------------------------------------------------------------

@transaction.atomic
def confirm(*, actor: User, c: Complaint, note: str = "") -> Complaint:
    """Staff accept the complaint as valid (within 7 working days)."""
    check(actor, "complaints.handle")
    c = _lock(c)
    if c.confirmed_at is not None:
        raise Conflict(_("The complaint was already confirmed."), code="already_confirmed")
    if c.status in (Status.INVALID, Status.WITHDRAWN):
        raise Conflict(_("An invalid or withdrawn complaint cannot be confirmed."), code="illegal_transition")
    before = _snapshot(c)
    c.confirmed_at = clock.now()
    c.confirmed_by = actor
    c.save(update_fields=["confirmed_at", "confirmed_by"])
    _event(c, actor=actor, party=STAFF, kind="confirmed", message=note)
    audit.record(actor=actor, action="complaint.confirm", obj=c, before=before, after=_snapshot(c), reason=note or "confirmed")
    return c


@transaction.atomic
def invalidate(*, actor: User, c: Complaint, reason: str, note: str) -> Complaint:
    check(actor, "complaints.handle")
    if reason not in InvalidReason.values:
        raise ValidationFailed(_("Choose why the complaint is invalid."), field="reason", code="invalid_choice")
    note = _clean_text(note, "note", max_len=2000, min_len=5)
    c = _lock(c)
    c.invalid_reason = reason
    c.invalid_note = note
    label = InvalidReason(reason).label
    _transition(c, "invalidate", actor=actor, party=STAFF, message=f"{label}: {note}")
    _tell_consumer(c, _("Your complaint %(n)s was not accepted: %(reason)s. %(note)s") % {"n": c.number, "reason": label, "note": note}, "invalid")
    _tell_merchant(c, _("Complaint %(n)s was found invalid and does not count.") % {"n": c.number}, "invalid")
    return c


@transaction.atomic
def decide_flag(*, actor: User, flag: MaliciousFlag, uphold: bool, note: str) -> MaliciousFlag:
    check(actor, "complaints.handle")
    note = _clean_text(note, "note", max_len=2000, min_len=5)
    flag = MaliciousFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.decision != MaliciousFlag.Decision.PENDING:
        raise Conflict(_("This flag was already decided."), code="already_decided")
    flag.decision = MaliciousFlag.Decision.UPHELD if uphold else MaliciousFlag.Decision.REJECTED
    flag.decided_by = actor
    flag.decided_at = clock.now()
    flag.decision_note = note
    flag.save()
    c = flag.complaint
    audit.record(actor=actor, action="complaint.flag_decision", obj=c, before={"flag": flag.pk, "decision": "pending"},
                 after={"flag": flag.pk, "decision": flag.decision}, reason=note)
    _event(c, actor=actor, party=STAFF, kind="flag_decided", message=f"{flag.get_decision_display()}: {note}", visibility=Visibility.MERCHANT)
    if uphold and c.is_open:
        invalidate(actor=actor, c=c, reason=InvalidReason.MALICIOUS, note=note)
    return flag


@transaction.atomic
def set_deadline(*, actor: User, c: Complaint, due: dt.datetime, reason: str) -> Complaint:
    check(actor, "complaints.handle")
    reason = _clean_text(reason, "reason", max_len=1000, min_len=3)
    c = _lock(c)
    now = clock.now()
    if c.status not in (Status.AWAITING_RESPONSE, Status.OVERDUE):
        raise Conflict(_("A deadline can only be set while the merchant's answer is due."), code="illegal_transition")
    if due <= now:
        raise ValidationFailed(_("The deadline must be in the future."), field="due", code="past_deadline")
    before = _snapshot(c)
    if c.status == Status.OVERDUE:
        c.final_due_at = due
    else:
        _set_response_due(c, due, now)
    c.save()
    audit.record(actor=actor, action="complaint.deadline", obj=c, before=before, after=_snapshot(c), reason=reason)
    shown = workdays.local_date(due).isoformat()
    _event(c, actor=actor, party=STAFF, kind="deadline", message=_("New deadline for the answer: %(d)s. %(r)s") % {"d": shown, "r": reason})
    _tell_merchant(c, _("The secretariat set a new deadline for complaint %(n)s: %(d)s.") % {"n": c.number, "d": shown}, f"deadline:{due.timestamp()}")
    return c


@transaction.atomic
def urge(*, actor: User, c: Complaint, message: str = "", at: dt.datetime | None = None) -> Complaint:
    """Urge the merchant now, or at `at` (定时督促: the sweep sends it)."""
    check(actor, "complaints.handle")
    message = _clean_text(message, "message", max_len=1000, required=False)
    c = _lock(c)
    if c.status not in (Status.AWAITING_RESPONSE, Status.OVERDUE):
        raise Conflict(_("The merchant can only be urged while its answer is due."), code="illegal_transition")
    now = clock.now()
    if at is not None and at > now:
        c.urge_at = at
        c.save(update_fields=["urge_at"])
        _event(c, actor=actor, party=STAFF, kind="urge_scheduled", visibility=Visibility.STAFF,
               message=_("Urging scheduled for %(t)s.") % {"t": at.astimezone(workdays.CALENDAR_TZ).strftime("%Y-%m-%d %H:%M")})
        return c
    _send_urge(c, actor, message)
    return c


def _send_urge(c: Complaint, actor: Any, message: str) -> None:
    due = workdays.local_date(c.final_due_at or c.response_due_at).isoformat()
    text = _("The secretariat urges you to answer complaint %(n)s by %(due)s.") % {"n": c.number, "due": due}
    if message:
        text += " " + message
    _event(c, actor=actor, party=STAFF if actor else SYSTEM, kind="urged", message=text, visibility=Visibility.MERCHANT)
    _tell_merchant(c, text, f"urge:{clock.now().timestamp()}")


@transaction.atomic
def close_unresolved(*, actor: User, c: Complaint, reason: str) -> Complaint:
    check(actor, "complaints.handle")
    reason = _clean_text(reason, "reason", max_len=2000, min_len=5)
    c = _lock(c)
    return _transition(c, "close_unresolved", actor=actor, party=STAFF, message=reason)


@transaction.atomic
def set_response_promise(*, actor: User, subject: Subject, hours: int | None, reason: str) -> None:
    check(actor, "complaints.handle")
    before = {"hours": getattr(ResponsePromise.objects.filter(subject=subject).first(), "hours", None)}
    if hours:
        if not 1 <= int(hours) <= 240:
            raise ValidationFailed(_("Between 1 and 240 hours."), field="hours", code="invalid_hours")
        ResponsePromise.objects.update_or_create(subject=subject, defaults={"hours": int(hours), "set_by": actor, "set_at": clock.now()})
    else:
        ResponsePromise.objects.filter(subject=subject).delete()
    audit.record(actor=actor, action="complaint.response_promise", obj=subject, before=before, after={"hours": hours or None}, reason=reason)


def get_flag(pk: int) -> MaliciousFlag:
    flag = MaliciousFlag.objects.select_related("complaint", "complaint__subject").filter(pk=pk).first()
    if flag is None:
        raise NotFound(_("No such flag."))
    return flag
