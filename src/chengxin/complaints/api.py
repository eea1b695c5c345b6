"""Complaints API: consumers file and follow, merchants answer, staff and
mediators handle; the public sees filtered complaints and reputation figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from chengxin.core.api import ERROR_RESPONSES, Access, Page, paginate
from chengxin.core.errors import ValidationFailed

from . import filing, mediation, queries, reputation, services
from .models import Complaint, Remedy, Survey

router = Router(tags=["complaints"])


class ComplaintIn(Schema):
    subject: int
    category: str
    title: str
    description: str
    remedies: list[str]
    order_ref: str = ""
    site: str = ""
    amount: Decimal | None = None
    consent: bool = False
    public_consent: bool = False


class FiledOut(Schema):
    number: str
    status: str
    filed_at: dt.datetime
    response_due_at: dt.datetime
    url: str


class EventOut(Schema):
    at: dt.datetime
    party: str
    kind: str
    message: str
    from_status: str
    to_status: str


class EvidenceOut(Schema):
    id: int
    party: str
    name: str
    content_type: str
    size: int
    sha256: str


class ComplaintOut(Schema):
    number: str
    subject_id: int
    subject_name: str
    category: str
    title: str
    description: str
    remedies: list[str]
    amount: Decimal | None = None
    status: str
    status_label: str
    filed_at: dt.datetime
    confirmed_at: dt.datetime | None = None
    response_due_at: dt.datetime
    final_due_at: dt.datetime | None = None
    answered_at: dt.datetime | None = None
    answer: str
    consumer_due_at: dt.datetime | None = None
    mediation_due_at: dt.datetime | None = None
    settlement: str
    closed_at: dt.datetime | None = None
    allowed_actions: list[str]
    consumer: dict[str, str] | None = None
    merchant_contact: dict[str, str] | None = None
    checks: list[dict[str, Any]] | None = None
    events: list[EventOut]
    evidence: list[EvidenceOut]


class ListItemOut(Schema):
    number: str
    subject_id: int
    subject_name: str
    category: str
    title: str
    status: str
    filed_at: dt.datetime
    response_due_at: dt.datetime
    confirmed: bool


class PublicOut(Schema):
    number: str
    subject_id: int
    subject_name: str
    category: str
    category_label: str
    remedies: list[str]
    amount: Decimal | None = None
    filed_at: dt.datetime
    answered_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    status: str
    status_label: str
    answer: str


class TextIn(Schema):
    text: str = ""


class InvalidateIn(Schema):
    reason: str
    note: str


class DeadlineIn(Schema):
    due: dt.datetime
    reason: str


class UrgeIn(Schema):
    message: str = ""
    at: dt.datetime | None = None


class SurveyIn(Schema):
    rating: int
    handled_well: bool
    comment: str = ""


class FlagDecisionIn(Schema):
    uphold: bool
    note: str


class FlagOut(Schema):
    id: int
    complaint: str
    subject_id: int
    reason: str
    decision: str
    at: dt.datetime


def _actions_for(c: Complaint, who: set[str]) -> list[str]:
    from . import states

    out = [a for a in states.allowed_actions(c.status) if states.ACTORS.get(a) in who]
    if services.MERCHANT in who and c.is_open:
        out.append("flag")
    if c.is_open and who & {services.CONSUMER, services.MERCHANT} and c.settlement and c.status == "in_mediation":
        out.append("agree_settlement")
    if services.STAFF in who and c.confirmed_at is None and c.status not in ("invalid", "withdrawn"):
        out.append("confirm")
    if services.CONSUMER in who and c.survey_requested_at and not Survey.objects.filter(complaint=c).exists():
        out.append("survey")
    return sorted(set(out))


def detail(c: Complaint, who: set[str]) -> dict[str, Any]:
    staff = bool(who & {services.STAFF, services.MEDIATOR})
    consumer = None
    if services.MERCHANT in who and not staff and services.CONSUMER not in who:
        consumer = queries.merchant_view_of_consumer(c)
    elif staff or services.CONSUMER in who:
        consumer = {"name": c.contact_name, "phone": c.contact_phone, "email": c.contact_email, "order_ref": c.order_ref}

    def shown(text: str) -> str:  # the merchant gets every text without the consumer's contact data
        return text if (staff or services.CONSUMER in who or not text) else queries.redact_for_merchant(c, text)

    return {
        "number": c.number, "subject_id": c.subject_id, "subject_name": c.subject.name, "category": c.category_id,
        "title": shown(c.title),
        "description": queries.description_for(c, who), "remedies": c.remedies, "amount": c.amount,
        "status": c.status, "status_label": str(c.get_status_display()), "filed_at": c.filed_at,
        "confirmed_at": c.confirmed_at, "response_due_at": c.response_due_at, "final_due_at": c.final_due_at,
        "answered_at": c.answered_at, "answer": shown(c.answer), "consumer_due_at": c.consumer_due_at,
        "mediation_due_at": c.mediation_due_at, "settlement": shown(c.settlement), "closed_at": c.closed_at,
        "allowed_actions": _actions_for(c, who), "consumer": consumer,
        "merchant_contact": queries.released_contact(c) if (staff or services.CONSUMER in who) else None,
        "checks": c.checks if staff else None,
        "events": [{"at": e.at, "party": e.party, "kind": e.kind, "message": shown(e.message), "from_status": e.from_status,
                    "to_status": e.to_status} for e in queries.timeline(c, who)],
        "evidence": [{"id": ev.pk, "party": ev.party, "name": ev.original_name, "content_type": ev.content_type,
                      "size": ev.size, "sha256": ev.sha256} for ev in c.evidence.all()],
    }


def _item(c: Complaint) -> dict[str, Any]:
    return {"number": c.number, "subject_id": c.subject_id, "subject_name": c.subject.name, "category": c.category_id,
            "title": c.title, "status": c.status, "filed_at": c.filed_at, "response_due_at": c.response_due_at,
            "confirmed": c.confirmed_at is not None}


def _filed(c: Complaint) -> dict[str, Any]:
    return {"number": c.number, "status": c.status, "filed_at": c.filed_at, "response_due_at": c.response_due_at,
            "url": f"/me/complaints/{c.number}"}


# --- consumer ------------------------------------------------------------------

@router.post("/complaints", response={201: FiledOut, 200: FiledOut, **ERROR_RESPONSES}, auth=Access("complaints.file"),
             summary="File a complaint",
             description="Send an `Idempotency-Key` header to make retries safe: the same key returns the complaint "
                         "already filed (200) instead of filing it again. Remedies: " + ", ".join(Remedy.values) + ".")
def file(request: HttpRequest, payload: ComplaintIn) -> tuple[int, dict[str, Any]]:
    c, created = filing.file_complaint(actor=request.user, data=payload.dict(),  # type: ignore[arg-type]
                                         idempotency_key=request.headers.get("Idempotency-Key"))
    return (201 if created else 200), _filed(c)


@router.get("/me/complaints", response={200: Page[ListItemOut], **ERROR_RESPONSES}, auth=Access("complaints.file"),
            summary="My complaints (consumer)")
def mine(request: HttpRequest, page: int = 1, page_size: int = 20) -> dict[str, Any]:
    result = paginate(queries.consumer_complaints(request.user), page=page, page_size=page_size)  # type: ignore[arg-type]
    result["items"] = [_item(c) for c in result["items"]]
    return result


@router.get("/me/received-complaints", response={200: Page[ListItemOut], **ERROR_RESPONSES}, auth=Access("complaints.respond"),
            summary="Complaints about the subjects I act for (merchant)")
def received(request: HttpRequest, page: int = 1, page_size: int = 20) -> dict[str, Any]:
    result = paginate(queries.merchant_complaints(request.user), page=page, page_size=page_size)  # type: ignore[arg-type]
    result["items"] = [_item(c) for c in result["items"]]
    return result


@router.get("/complaints/{number}", response={200: ComplaintOut, **ERROR_RESPONSES}, auth=Access("authenticated"),
            summary="One complaint, as its parties and staff see it")
def get(request: HttpRequest, number: str) -> dict[str, Any]:
    c, who = services.get_for(request.user, number)
    return detail(c, who)


@router.post("/complaints/{number}/evidence", response={201: EvidenceOut, **ERROR_RESPONSES}, auth=Access("authenticated"),
             summary="Add a file (JPEG, PNG or PDF)")
def evidence(request: HttpRequest, number: str, file: File[UploadedFile]) -> tuple[int, dict[str, Any]]:
    from django.conf import settings

    from chengxin.core import uploads

    c, _who = services.get_for(request.user, number)
    uploads.check_size(file.size or 0, settings.CHENGXIN_COMPLAINT_EVIDENCE_MAX_BYTES)
    ev = filing.add_evidence(actor=request.user, c=c, name=file.name or "", data=file.read())  # type: ignore[arg-type]
    return 201, {"id": ev.pk, "party": ev.party, "name": ev.original_name, "content_type": ev.content_type, "size": ev.size, "sha256": ev.sha256}


def _act(request: HttpRequest, number: str, fn: Any, **kw: Any) -> dict[str, Any]:
    c, _who = services.get_for(request.user, number)
    result = fn(actor=request.user, c=c, **kw)
    c = services.get_complaint(result.number if isinstance(result, Complaint) else number)
    return detail(c, services.parties(request.user, c))


@router.post("/complaints/{number}/answer", response={200: ComplaintOut, **ERROR_RESPONSES}, auth=Access("complaints.respond"))
def answer(request: HttpRequest, number: str, payload: TextIn) -> dict[str, Any]:
    return _act(request, number, services.answer, text=payload.text)


@router.post("/complaints/{number}/accept", response={200: ComplaintOut, **ERROR_RESPONSES}, auth=Access("complaints.file"))
def accept(request: HttpRequest, number: str) -> dict[str, Any]:
    return _act(request, number, services.accept)


@router.post("/complaints/{number}/dispute", response={200: ComplaintOut, **ERROR_RESPONSES}, auth=Access("complaints.file"))
def dispute(request: HttpRequest, number: str, payload: TextIn) -> dict[str, Any]:
    return _act(request, number, services.dispute, reason=payload.text)


@router.post("/complaints/{number}/withdraw", response={200: ComplaintOut, **ERROR_RESPONSES}, auth=Access("complaints.file"))
def withdraw(request: HttpRequest, number: str, payload: TextIn) -> dict[str, Any]:
    return _act(request, number, services.withdraw, reason=payload.text)


@router.post("/complaints/{number}/survey", response={200: ComplaintOut, **ERROR_RESPONSES}, auth=Access("complaints.file"))
def survey(request: HttpRequest, number: str, payload: SurveyIn) -> dict[str, Any]:
    return _act(request, number, services.submit_survey, rating=payload.rating, handled_well=payload.handled_well, comment=payload.comment)


@router.post("/complaints/{number}/messages", response={200: ComplaintOut, **ERROR_RESPONSES}, auth=Access("authenticated"))
def message(request: HttpRequest, number: str, payload: TextIn) -> dict[str, Any]:
    return _act(request, number, services.post_message, text=payload.text)


@router.post("/complaints/{number}/flag", response={200: ComplaintOut, **ERROR_RESPONSES}, auth=Access("complaints.respond"),
             summary="Flag a complaint as malicious (merchant)")
def flag(request: HttpRequest, number: str, payload: TextIn) -> dict[str, Any]:
    return _act(request, number, services.flag_malicious, reason=payload.text)


@router.post("/complaints/{number}/settlement/agree", response={200: ComplaintOut, **ERROR_RESPONSES}, auth=Access("authenticated"))
def agree(request: HttpRequest, number: str) -> dict[str, Any]:
    return _act(request, number, mediation.agree_settlement)


# --- staff and mediators -----------------------------------------------------------

@router.get("/complaints-queue", response={200: Page[ListItemOut], **ERROR_RESPONSES}, auth=Access("complaints.view_staff"),
            summary="The staff queue (view: unconfirmed, confirm_overdue, flagged, mediation, open)")
def queue(request: HttpRequest, view: str = "", status: str = "", q: str = "", page: int = 1, page_size: int = 50) -> dict[str, Any]:
    result = paginate(queries.staff_queue(view=view[:20], status=status[:24], q=q[:100]), page=page, page_size=page_size)
    result["items"] = [_item(c) for c in result["items"]]
    return result


@router.post("/complaints/{number}/confirm", response={200: ComplaintOut, **ERROR_RESPONSES}, auth=Access("complaints.handle"))
def confirm(request: HttpRequest, number: str, payload: TextIn) -> dict[str, Any]:
    return _act(request, number, services.confirm, note=payload.text)


@router.post("/complaints/{number}/invalidate", response={200: ComplaintOut, **ERROR_RESPONSES}, auth=Access("complaints.handle"))
def invalidate(request: HttpRequest, number: str, payload: InvalidateIn) -> dict[str, Any]:
    return _act(request, number, services.invalidate, reason=payload.reason, note=payload.note)


@router.post("/complaints/{number}/deadline", response={200: ComplaintOut, **ERROR_RESPONSES}, auth=Access("complaints.handle"))
def deadline(request: HttpRequest, number: str, payload: DeadlineIn) -> dict[str, Any]:
    if payload.due.tzinfo is None:
        raise ValidationFailed(_("Give the deadline with a time zone, e.g. 2026-12-01T18:00:00+08:00."), field="due", code="naive_datetime")
    return _act(request, number, services.set_deadline, due=payload.due, reason=payload.reason)


@router.post("/complaints/{number}/urge", response={200: ComplaintOut, **ERROR_RESPONSES}, auth=Access("complaints.handle"))
def urge(request: HttpRequest, number: str, payload: UrgeIn) -> dict[str, Any]:
    if payload.at is not None and payload.at.tzinfo is None:
        raise ValidationFailed(_("Give the time with a time zone, e.g. 2026-12-01T09:00:00+08:00."), field="at", code="naive_datetime")
    return _act(request, number, services.urge, message=payload.message, at=payload.at)


@router.post("/complaints/{number}/close-unresolved", response={200: ComplaintOut, **ERROR_RESPONSES}, auth=Access("complaints.handle"))
def close_unresolved(request: HttpRequest, number: str, payload: TextIn) -> dict[str, Any]:
    return _act(request, number, services.close_unresolved, reason=payload.text)


@router.get("/complaint-flags", response={200: Page[FlagOut], **ERROR_RESPONSES}, auth=Access("complaints.handle"),
            summary="Malicious-complaint flags waiting for a decision")
def flags(request: HttpRequest, page: int = 1, page_size: int = 50) -> dict[str, Any]:
    result = paginate(queries.pending_flags(), page=page, page_size=page_size)
    result["items"] = [{"id": f.pk, "complaint": f.complaint.number, "subject_id": f.subject_id, "reason": f.reason,
                        "decision": f.decision, "at": f.at} for f in result["items"]]
    return result


@router.post("/complaint-flags/{flag_id}/decide", response={200: FlagOut, **ERROR_RESPONSES}, auth=Access("complaints.handle"))
def decide(request: HttpRequest, flag_id: int, payload: FlagDecisionIn) -> dict[str, Any]:
    f = services.decide_flag(actor=request.user, flag=services.get_flag(flag_id), uphold=payload.uphold, note=payload.note)  # type: ignore[arg-type]
    return {"id": f.pk, "complaint": f.complaint.number, "subject_id": f.subject_id, "reason": f.reason, "decision": f.decision, "at": f.at}


@router.post("/complaints/{number}/mediation/start", response={200: ComplaintOut, **ERROR_RESPONSES}, auth=Access("complaints.mediate"))
def mediation_start(request: HttpRequest, number: str) -> dict[str, Any]:
    return _act(request, number, mediation.start_mediation)


@router.post("/complaints/{number}/mediation/propose", response={200: ComplaintOut, **ERROR_RESPONSES}, auth=Access("complaints.mediate"))
def mediation_propose(request: HttpRequest, number: str, payload: TextIn) -> dict[str, Any]:
    return _act(request, number, mediation.propose_settlement, text=payload.text)


@router.post("/complaints/{number}/mediation/settle", response={200: ComplaintOut, **ERROR_RESPONSES}, auth=Access("complaints.mediate"))
def mediation_settle(request: HttpRequest, number: str, payload: TextIn) -> dict[str, Any]:
    return _act(request, number, mediation.settle, text=payload.text)


@router.post("/complaints/{number}/mediation/fail", response={200: ComplaintOut, **ERROR_RESPONSES}, auth=Access("complaints.mediate"))
def mediation_fail(request: HttpRequest, number: str, payload: TextIn) -> dict[str, Any]:
    return _act(request, number, mediation.fail_mediation, reason=payload.text)


# --- public ---------------------------------------------------------------------

@router.get("/subjects/{subject_id}/complaints", response={200: Page[PublicOut], **ERROR_RESPONSES}, auth=Access("public"),
            summary="Public complaints about a subject, personal data removed")
def public_list(request: HttpRequest, subject_id: int, page: int = 1, page_size: int = 20) -> dict[str, Any]:
    from chengxin.registry.services import get_subject

    result = paginate(queries.public_complaints(get_subject(subject_id)), page=page, page_size=page_size)
    result["items"] = [queries.public_view(c) for c in result["items"]]
    return result


@router.get("/public/complaints/{number}", response={200: PublicOut, **ERROR_RESPONSES}, auth=Access("public"),
            summary="One public complaint, personal data removed")
def public_one(request: HttpRequest, number: str) -> dict[str, Any]:
    from chengxin.core.errors import NotFound

    c = queries.public_complaints().filter(number=number[:20]).first()
    if c is None:
        raise NotFound(_("No public complaint with number %(n)s.") % {"n": number[:20]})
    return queries.public_view(c)


class ReputationOut(Schema):
    period_start: dt.datetime
    period_end: dt.datetime
    received: int
    open: int
    response_rate: float | None = None
    on_time_response_rate: float | None = None
    median_response_hours: float | None = None
    resolution_rate: float | None = None
    consumer_confirmed_rate: float | None = None
    unanswered: int
    mediation: dict[str, int]
    satisfaction: dict[str, Any]
    outcomes: dict[str, int]


@router.get("/subjects/{subject_id}/reputation", response={200: ReputationOut, **ERROR_RESPONSES}, auth=Access("public"),
            summary="Complaint figures (网誉) of a subject over a period (default: the last 365 days)")
def subject_reputation(request: HttpRequest, subject_id: int, start: dt.date | None = None, end: dt.date | None = None) -> dict[str, Any]:
    from chengxin.core import workdays
    from chengxin.registry.services import get_subject

    def at(d: dt.date | None) -> dt.datetime | None:
        return dt.datetime.combine(d, dt.time.min, tzinfo=workdays.CALENDAR_TZ) if d else None

    s, e = at(start), at(end)
    if s and e and s >= e:
        raise ValidationFailed(_("start must be before end."), field="start", code="invalid_period")
    return reputation.figures(get_subject(subject_id), start=s, end=e)
