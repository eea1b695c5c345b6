"""Complaints: filing, the three parties' actions, staff decisions, mediation.

Every status change goes through `_transition`, which checks the table in
`states.py`, records a timeline event and (for everything that can weigh on
a merchant's credit) an audit entry. Filing itself is recorded on the
complaint's own timeline; the complaint enters the audit trail when staff
confirm or reject it (docs/decisions/0003-complaint-filing.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chengxin.accounts.models import SubjectAccess, User
from chengxin.accounts.services import acts_for, notify, staff_with
from chengxin.core import clock, outbox, uploads, workdays
from chengxin.core.errors import Conflict, NotFound, PermissionDenied, Throttled, ValidationFailed
from chengxin.core.permissions import Role, check, has_perm, user_roles
from chengxin.ledger import services as audit
from chengxin.registry.models import Subject

from . import states
from .models import (
    OPEN,
    Category,
    Complaint,
    ComplaintEvent,
    Evidence,
    InvalidReason,
    MaliciousFlag,
    Remedy,
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
            from chengxin.core.errors import NotAuthenticated

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
    return ComplaintEvent.objects.create(complaint=c, at=clock.now(), actor=actor, party=party, kind=kind,
                                         from_status=frm, to_status=to, message=message, visibility=visibility)


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
    return c


# --- notifications -----------------------------------------------------------

def _url(c: Complaint) -> str:
    return f"/me/complaints/{c.number}"


def merchant_users(subject: Subject) -> list[User]:
    return list(User.objects.filter(subjectaccess__subject=subject, is_active=True, role=Role.MEMBER.value))


def _tell_consumer(c: Complaint, text: str, key: str) -> None:
    notify(user=c.complainant, text=text, url=_url(c), dedupe_key=f"c:{c.pk}:{key}")


def _tell_merchant(c: Complaint, text: str, key: str) -> None:
    for user in merchant_users(c.subject):
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


def _working_days_before(moment: dt.datetime, n: int) -> dt.datetime:
    """09:00 (China) on the n-th working day before `moment`'s date."""
    day = workdays.local_date(moment)
    counted = 0
    while counted < n:
        day -= dt.timedelta(days=1)
        if workdays.is_workday(day):
            counted += 1
    return _day_start(day)


def response_deadline(subject: Subject, category: Category, start: dt.datetime) -> dt.datetime:
    promise = ResponsePromise.objects.filter(subject=subject).first()
    if promise is not None:
        return start + dt.timedelta(hours=promise.hours)
    days = category.response_working_days or settings.CHENGXIN_COMPLAINT_RESPONSE_WORKING_DAYS
    return workdays.add_working_days(start, days)


def _set_response_due(c: Complaint, due: dt.datetime, now: dt.datetime) -> None:
    c.response_due_at = due
    remind = _working_days_before(due, settings.CHENGXIN_COMPLAINT_REMIND_WORKING_DAYS)
    c.remind_at = remind if remind > now else None
    c.reminded_at = None
    c.reminded_day_at = None


# --- filing --------------------------------------------------------------------

def _rate_limit(user: User, now: dt.datetime) -> None:
    mine = Complaint.objects.filter(complainant=user, filed_at__lte=now)
    if mine.filter(filed_at__gte=now - dt.timedelta(days=1)).count() >= settings.CHENGXIN_COMPLAINT_MAX_PER_DAY:
        raise Throttled(_("You have filed %(n)d complaints today, the most one person may file in a day. Try again tomorrow.")
                        % {"n": settings.CHENGXIN_COMPLAINT_MAX_PER_DAY}, code="complaint_rate")
    if mine.filter(filed_at__gte=now - dt.timedelta(days=30)).count() >= settings.CHENGXIN_COMPLAINT_MAX_PER_30_DAYS:
        raise Throttled(_("You have filed %(n)d complaints in 30 days, the most one person may file. The secretariat can help you by phone.")
                        % {"n": settings.CHENGXIN_COMPLAINT_MAX_PER_30_DAYS}, code="complaint_rate")


def _clean_filing(data: dict[str, Any]) -> dict[str, Any]:
    errors: list[dict[str, Any]] = []
    out: dict[str, Any] = {}

    def attempt(field: str, fn: Any) -> None:
        try:
            out[field] = fn()
        except ValidationFailed as exc:
            errors.append({"field": exc.field or field, "code": exc.code, "message": str(exc.message)})

    def subject() -> Subject:
        raw = data.get("subject")
        try:
            pk = int(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValidationFailed(_("Choose the merchant you complain about."), field="subject", code="required") from None
        s = Subject.objects.filter(pk=pk).first()
        if s is None:
            raise ValidationFailed(_("There is no merchant with id %(id)s in the registry.") % {"id": pk}, field="subject", code="unknown_subject")
        return s

    def category() -> Category:
        cat = Category.objects.filter(code=str(data.get("category") or ""), active=True).first()
        if cat is None:
            raise ValidationFailed(_("Choose a category."), field="category", code="invalid_choice")
        return cat

    def amount() -> Decimal | None:
        raw = str(data.get("amount") if data.get("amount") is not None else "").strip()
        if not raw:
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise ValidationFailed(_("Enter the amount as a number, e.g. 299.00."), field="amount", code="invalid_amount") from None
        if not value.is_finite() or value < 0 or value >= Decimal("1000000000"):
            raise ValidationFailed(_("The amount must be between 0 and 999,999,999.99 yuan."), field="amount", code="invalid_amount")
        return value.quantize(Decimal("0.01"))

    def remedies() -> list[str]:
        raw = data.get("remedies") or []
        if isinstance(raw, str):
            raw = [raw]
        chosen = [str(r) for r in raw]
        bad = [r for r in chosen if r not in Remedy.values]
        if bad:
            raise ValidationFailed(_("Unknown remedy: %(r)s.") % {"r": ", ".join(bad)[:100]}, field="remedies", code="invalid_choice")
        if not chosen:
            raise ValidationFailed(_("Say what you want: refund, exchange, repair, apology or compensation."), field="remedies", code="required")
        return sorted(set(chosen), key=Remedy.values.index)

    def consent() -> bool:
        if data.get("consent") is not True:
            raise ValidationFailed(_("Please agree to the processing of your data; without it the complaint cannot be handled."),
                                   field="consent", code="consent_required")
        return True

    attempt("subject", subject)
    attempt("category", category)
    attempt("title", lambda: _clean_text(data.get("title"), "title", max_len=100, min_len=4))
    attempt("description", lambda: _clean_text(data.get("description"), "description", max_len=5000, min_len=10))
    attempt("order_ref", lambda: _clean_text(data.get("order_ref"), "order_ref", max_len=100, required=False))
    attempt("site", lambda: _clean_text(data.get("site"), "site", max_len=300, required=False))
    attempt("amount", amount)
    attempt("remedies", remedies)
    attempt("consent", consent)
    out["public_consent"] = bool(data.get("public_consent"))
    if errors:
        raise ValidationFailed(errors[0]["message"], field=errors[0]["field"], code=errors[0]["code"], errors=errors)
    return out


def _new_number(now: dt.datetime) -> str:
    return "TS" + workdays.local_date(now).strftime("%Y%m%d") + f"{secrets.randbelow(10**8):08d}"


def _checks(user: User, subject: Subject, now: dt.datetime) -> list[dict[str, Any]]:
    """The automatic checks shown to staff (seed 003 §3)."""
    out: list[dict[str, Any]] = []
    members = SubjectAccess.objects.filter(subject=subject, user__is_active=True).count()
    out.append({"check": "respondent", "ok": subject.status == "active" and members > 0,
                "detail": (_("Registered, %(n)d member account(s) received the complaint.") % {"n": members}) if members
                else _("The merchant has no member account here: the secretariat must forward the complaint.")})
    dup = (Complaint.objects.filter(complainant=user, subject=subject, status__in=OPEN)
           .order_by("filed_at").values_list("number", flat=True).first())
    out.append({"check": "not_duplicate", "ok": dup is None,
                "detail": (_("The same consumer has an open complaint against this merchant: %(n)s.") % {"n": dup}) if dup
                else _("No open complaint of this consumer against this merchant.")})
    recent = Complaint.objects.filter(complainant=user, filed_at__gte=now - dt.timedelta(days=90)).count()
    limit = settings.CHENGXIN_COMPLAINT_FREQUENT_90_DAYS
    out.append({"check": "not_frequent", "ok": recent < limit,
                "detail": _("%(n)d complaints by this consumer in 90 days.") % {"n": recent + 1}})
    return out


def file_complaint(*, actor: User, data: dict[str, Any], files: list[tuple[str, bytes]] | None = None,
                   idempotency_key: str | None = None) -> tuple[Complaint, bool]:
    """File a complaint; returns it and whether it is new. With the same
    `idempotency_key` a retried request gets the complaint it already filed."""
    check(actor, "complaints.file")
    key = (idempotency_key or "").strip()[:100] or None
    if key:
        existing = Complaint.objects.filter(complainant=actor, idempotency_key=key).first()
        if existing is not None:
            return existing, False
    clean = _clean_filing(data)
    files = files or []
    if len(files) > settings.CHENGXIN_COMPLAINT_EVIDENCE_MAX_FILES:
        raise ValidationFailed(_("At most %(n)d files.") % {"n": settings.CHENGXIN_COMPLAINT_EVIDENCE_MAX_FILES}, field="files", code="too_many_files")
    checked = [(name, data_, uploads.check_upload(name, data_, settings.CHENGXIN_COMPLAINT_EVIDENCE_MAX_BYTES)) for name, data_ in files]
    for _attempt in range(5):
        try:
            with transaction.atomic():
                c = _create(actor, clean, checked, key)
            return c, True
        except IntegrityError:
            if key and (existing := Complaint.objects.filter(complainant=actor, idempotency_key=key).first()):
                return existing, False
            # a number collision: draw another
    raise Conflict(_("Please try again."), code="retry")


def _create(actor: User, clean: dict[str, Any], files: list[tuple[str, bytes, str]], key: str | None) -> Complaint:
    now = clock.now()
    _rate_limit(actor, now)
    subject: Subject = clean["subject"]
    c = Complaint(
        number=_new_number(now), subject=subject, complainant=actor, category=clean["category"],
        site=clean["site"], order_ref=clean["order_ref"], amount=clean["amount"], remedies=clean["remedies"],
        title=clean["title"], description=clean["description"],
        contact_name=actor.display_name or "", contact_phone=actor.phone or "", contact_email=actor.email or "",
        consent_at=now, public_consent=clean["public_consent"], idempotency_key=key,
        status=Status.AWAITING_RESPONSE, status_changed_at=now, filed_at=now,
        confirm_due_at=workdays.add_working_days(now, settings.CHENGXIN_COMPLAINT_CONFIRM_WORKING_DAYS),
        response_due_at=now, checks=_checks(actor, subject, now),
    )
    _set_response_due(c, response_deadline(subject, clean["category"], now), now)
    c.save(force_insert=True)
    _event(c, actor=actor, party=CONSUMER, kind="filed", to=c.status)
    for name, data, ctype in files:
        _store_evidence(c, actor, CONSUMER, name, data, ctype)
    due = workdays.local_date(c.response_due_at).isoformat()
    _tell_merchant(c, _("New complaint %(n)s about %(name)s: “%(title)s”. Please answer by %(due)s.")
                   % {"n": c.number, "name": subject.name, "title": c.title, "due": due}, "filed")
    if settings.CHENGXIN_COMPLAINT_STAFF_EMAIL:
        outbox.queue_email(to=settings.CHENGXIN_COMPLAINT_STAFF_EMAIL,
                           subject=_("New complaint %(n)s") % {"n": c.number},
                           body=f"{settings.CHENGXIN_BASE_URL}/staff/complaints/{c.number}\n",
                           dedupe_key=f"staff-new:{c.pk}")
    if not all(chk["ok"] for chk in c.checks):
        _event(c, actor=None, party=SYSTEM, kind="checks", visibility=Visibility.STAFF,
               message="; ".join(str(chk["detail"]) for chk in c.checks if not chk["ok"]))
    return c


def _store_evidence(c: Complaint, actor: User, party: str, name: str, data: bytes, ctype: str) -> Evidence:
    digest = hashlib.sha256(data).hexdigest()
    ev = Evidence(complaint=c, party=party, original_name=name[:200], content_type=ctype, size=len(data),
                  sha256=digest, uploaded_at=clock.now(), uploaded_by=actor)
    ev.file.save(uploads.safe_name(name, "evidence")[-10:], ContentFile(data), save=False)
    ev.save()
    _event(c, actor=actor, party=party, kind="evidence", message=f"{ev.original_name} ({ev.size // 1024 or 1} KB, SHA-256 {digest[:16]}…)")
    return ev


@transaction.atomic
def add_evidence(*, actor: User, c: Complaint, name: str, data: bytes) -> Evidence:
    who = parties(actor, c) & {CONSUMER, MERCHANT}
    if not who:
        raise PermissionDenied(_("Only the parties to this complaint can add files."))
    c = _lock(c)
    if not c.is_open:
        raise Conflict(_("The complaint is closed; no more files can be added."), code="closed")
    if c.evidence.count() >= settings.CHENGXIN_COMPLAINT_EVIDENCE_MAX_FILES * 2:
        raise ValidationFailed(_("This complaint has as many files as it may have."), field="file", code="too_many_files")
    ctype = uploads.check_upload(name, data, settings.CHENGXIN_COMPLAINT_EVIDENCE_MAX_BYTES)
    return _store_evidence(c, actor, CONSUMER if CONSUMER in who else MERCHANT, name, data, ctype)


def may_see_evidence(user: Any, ev: Evidence) -> bool:
    return bool(parties(user, ev.complaint))


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


# --- mediation -----------------------------------------------------------------

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


# --- what each party sees --------------------------------------------------------------

def timeline(c: Complaint, who: set[str]) -> list[ComplaintEvent]:
    if who & {STAFF, MEDIATOR}:
        allowed = set(Visibility.values)
    else:
        allowed = {Visibility.ALL.value}
        if CONSUMER in who:
            allowed.add(Visibility.CONSUMER.value)
        if MERCHANT in who:
            allowed.add(Visibility.MERCHANT.value)
    return list(c.events.filter(visibility__in=allowed).select_related("actor"))


def released_contact(c: Complaint) -> dict[str, str] | None:
    """The merchant's registered name, address and contact, given to the
    consumer when the merchant failed to answer (seed 002 第十九条)."""
    if c.contact_released_at is None:
        return None
    s = c.subject
    return {"name": s.name, "uscc": s.uscc or "", "address": s.address, "contact_name": s.contact_name,
            "contact_phone": s.contact_phone, "contact_email": s.contact_email}


def personal_data(c: Complaint) -> list[str]:
    """The complainant's own data, removed from everything public."""
    u = c.complainant
    values = [c.contact_name, c.contact_phone, c.contact_email, c.order_ref, u.display_name, u.phone, u.email, u.username]
    return [v for v in values if v and len(v) >= 2]


def is_public(c: Complaint, at: dt.datetime | None = None) -> bool:
    at = at or clock.now()
    if not c.public_consent or c.confirmed_at is None or c.status in (Status.INVALID, Status.WITHDRAWN):
        return False
    if c.closed_at is not None:
        years = settings.CHENGXIN_COMPLAINT_PUBLIC_YEARS
        return c.closed_at + dt.timedelta(days=365 * years) > at
    return True


def public_complaints(subject: Subject | None = None) -> Any:
    """Complaints that may be shown publicly (see `is_public`), newest first."""
    at = clock.now()
    years = settings.CHENGXIN_COMPLAINT_PUBLIC_YEARS
    from django.db.models import Q

    qs = (Complaint.objects.filter(public_consent=True, confirmed_at__isnull=False)
          .exclude(status__in=(Status.INVALID, Status.WITHDRAWN))
          .filter(Q(closed_at__isnull=True) | Q(closed_at__gt=at - dt.timedelta(days=365 * years)))
          .select_related("category", "subject", "complainant"))
    if subject is not None:
        qs = qs.filter(subject=subject)
    return qs


def public_view(c: Complaint) -> dict[str, Any]:
    """What anyone may see: no personal data of the complainant, also not in
    the merchant's free-text answer."""
    from .redact import redact

    known = personal_data(c)
    return {
        "number": c.number, "subject_id": c.subject_id, "subject_name": c.subject.name,
        "category": c.category.code, "category_label": c.category.label,
        "remedies": list(c.remedies), "amount": c.amount,
        "filed_at": c.filed_at, "answered_at": c.answered_at, "closed_at": c.closed_at,
        "status": c.status, "status_label": str(Status(c.status).label),
        "answer": redact(c.answer, known=known) if c.answer else "",
    }


def merchant_view_of_consumer(c: Complaint) -> dict[str, str]:
    """The merchant sees who complained only as far as needed to find the order."""
    from chengxin.core.pii import mask_person_name

    return {"name": mask_person_name(c.contact_name or c.complainant.display_name or ""), "order_ref": c.order_ref}


def redact_for_merchant(c: Complaint, text: str) -> str:
    """The merchant gets the complaint without the consumer's phone, e-mail,
    address or ID numbers (it has the order number to find the order)."""
    from .redact import redact

    return redact(text, known=[c.contact_phone, c.contact_email, c.complainant.phone, c.complainant.email])


def description_for(c: Complaint, who: set[str]) -> str:
    if who & {CONSUMER, STAFF, MEDIATOR}:
        return c.description
    return redact_for_merchant(c, c.description)


# --- lists -----------------------------------------------------------------------

def consumer_complaints(user: User) -> Any:
    return Complaint.objects.filter(complainant=user).select_related("subject", "category")


def merchant_complaints(user: User) -> Any:
    return Complaint.objects.filter(subject__subjectaccess__user=user).select_related("subject", "category")


def staff_queue(*, status: str = "", view: str = "", q: str = "") -> Any:
    from django.db.models import Count, Q

    qs = Complaint.objects.select_related("subject", "category", "complainant", "mediator")
    now = clock.now()
    if status:
        qs = qs.filter(status=status)
    if view == "unconfirmed":
        qs = qs.filter(confirmed_at__isnull=True).exclude(status__in=(Status.INVALID, Status.WITHDRAWN))
    elif view == "confirm_overdue":
        qs = qs.filter(confirmed_at__isnull=True, confirm_due_at__lt=now).exclude(status__in=(Status.INVALID, Status.WITHDRAWN))
    elif view == "flagged":
        qs = qs.filter(flags__decision=MaliciousFlag.Decision.PENDING)
    elif view == "mediation":
        qs = qs.filter(status__in=(Status.DISPUTED, Status.IN_MEDIATION))
    elif view == "open":
        qs = qs.filter(status__in=OPEN)
    if q:
        qs = qs.filter(Q(number__iexact=q.strip()) | Q(subject__name__icontains=q.strip()))
    return qs.annotate(pending_flags=Count("flags", filter=Q(flags__decision=MaliciousFlag.Decision.PENDING))).order_by("confirm_due_at", "pk")


def frequent_complainants(days: int = 90) -> list[dict[str, Any]]:
    from django.db.models import Count

    since = clock.now() - dt.timedelta(days=days)
    rows = (Complaint.objects.filter(filed_at__gte=since).values("complainant", "complainant__username")
            .annotate(n=Count("pk")).filter(n__gte=settings.CHENGXIN_COMPLAINT_FREQUENT_90_DAYS).order_by("-n"))
    return [{"user_id": r["complainant"], "username": r["complainant__username"], "count": r["n"]} for r in rows]


def pending_flags() -> Any:
    return MaliciousFlag.objects.filter(decision=MaliciousFlag.Decision.PENDING).select_related("complaint", "subject", "flagged_by")


def get_flag(pk: int) -> MaliciousFlag:
    flag = MaliciousFlag.objects.select_related("complaint", "complaint__subject").filter(pk=pk).first()
    if flag is None:
        raise NotFound(_("No such flag."))
    return flag
