"""Membership applications and memberships: every state change goes through
`_transition`, which checks the table in `states.py`, records an event and an
audit entry."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from chengxin.accounts.services import acts_for, notify, staff_with
from chengxin.core import clock, uploads, workdays
from chengxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from chengxin.core.permissions import check, has_perm
from chengxin.credit import hooks as credit_hooks
from chengxin.ledger import services as audit
from chengxin.lists.services import active_blacklist_entry
from chengxin.registry.models import Site, Subject

from . import states
from .models import (
    CURRENT_MEMBERSHIP,
    IN_REVIEW,
    OPEN_APPLICATION,
    ApplicantType,
    Application,
    ApplicationDocument,
    DocumentKind,
    Event,
    MembershipLevel,
    Payment,
    SizeBand,
    Status,
)


def _snapshot(app: Application) -> dict[str, Any]:
    return {"status": app.status, "subject": app.subject_id, "level": app.level_id,
            "starts_at": app.starts_at, "ends_at": app.ends_at, "review_due_at": app.review_due_at}


def _transition(app: Application, action: str, *, actor: Any, message: str = "", public: bool = True) -> Application:
    to = states.target(app.status, action)
    if to is None:
        raise Conflict(
            _("“%(action)s” is not possible while the application is “%(status)s”.")
            % {"action": action, "status": Status(app.status).label},
            code="illegal_transition", details={"status": app.status, "action": action,
                                                "allowed": states.allowed_actions(app.status)},
        )
    before = _snapshot(app)
    frm = app.status
    app.status = to
    app.status_changed_at = clock.now()
    app.save()
    Event.objects.create(application=app, at=app.status_changed_at, actor=actor, action=action,
                         from_status=frm, to_status=to, message=message, public=public)
    audit.record(actor=actor, action=f"membership.{action}", obj=app, before=before, after=_snapshot(app), reason=message)
    from chengxin.certs.services import on_membership_transition

    on_membership_transition(app, action, actor=actor, reason=message)
    return app


def _lock(app: Application) -> Application:
    return Application.objects.select_for_update().get(pk=app.pk)


def get_application(pk: int | str) -> Application:
    app = Application.objects.select_related("subject", "applicant_type", "level", "applicant").filter(pk=pk).first()
    if app is None:
        raise NotFound(_("No such application."))
    return app


def may_view(user: Any, app: Application) -> bool:
    return has_perm(user, "membership.view_staff") or acts_for(user, app.subject)


def _require_applicant(actor: Any, subject: Subject) -> None:
    check(actor, "membership.apply")
    if not acts_for(actor, subject):
        raise PermissionDenied(_("You do not act for this subject."))


def _refuse_blacklisted(subject: Subject) -> None:
    entry = active_blacklist_entry(subject)
    if entry is not None:
        until = entry.ends_at.date().isoformat() if entry.ends_at else _("further notice")
        raise ValidationFailed(
            _("%(name)s is on the blacklist until %(until)s and cannot apply for membership.")
            % {"name": subject.name, "until": until},
            field="subject", code="blacklisted",
        )


# --- applicant ---------------------------------------------------------------

@transaction.atomic
def start_application(*, actor: Any, subject: Subject, renews: Application | None = None) -> Application:
    _require_applicant(actor, subject)
    _refuse_blacklisted(subject)
    Subject.objects.select_for_update().filter(pk=subject.pk).first()  # serialise per subject
    open_app = Application.objects.filter(subject=subject, status__in=OPEN_APPLICATION).first()
    if open_app is not None:
        raise Conflict(_("%(name)s already has an open application (#%(id)d).") % {"name": subject.name, "id": open_app.pk},
                       code="application_open", details={"existing_id": open_app.pk})
    if renews is None:
        current = Application.objects.filter(subject=subject, status__in=(*CURRENT_MEMBERSHIP, Status.SUSPENDED)).first()
        if current is not None:
            raise Conflict(_("%(name)s is already a member; apply for renewal instead.") % {"name": subject.name},
                           code="already_member", details={"existing_id": current.pk})
    elif renews.subject_id != subject.pk or renews.status not in (*CURRENT_MEMBERSHIP, Status.EXPIRED):
        raise ValidationFailed(_("Only a current or expired membership can be renewed."), field="renews", code="not_renewable")
    now = clock.now()
    prev = renews
    app = Application.objects.create(
        subject=subject, applicant=actor, renews=renews, created_at=now, status_changed_at=now,
        contact_name=(prev.contact_name if prev else subject.contact_name),
        contact_phone=(prev.contact_phone if prev else subject.contact_phone),
        contact_email=(prev.contact_email if prev else subject.contact_email),
        applicant_type=prev.applicant_type if prev else None, level=prev.level if prev else None,
        size_band=prev.size_band if prev else "",
    )
    if prev:
        app.sites.set(prev.sites.filter(removed_at__isnull=True))
    Event.objects.create(application=app, at=now, actor=actor, action="create", to_status=app.status)
    audit.record(actor=actor, action="membership.create", obj=app, after=_snapshot(app))
    return app


DRAFT_FIELDS = ("applicant_type", "level", "sites", "contact_name", "contact_phone", "contact_email", "size_band", "declaration")


@transaction.atomic
def update_application(*, actor: Any, app: Application, data: dict[str, Any]) -> Application:
    _require_applicant(actor, app.subject)
    app = _lock(app)
    if app.status not in (Status.DRAFT, Status.INFO_REQUESTED):
        raise Conflict(_("The application can only be changed as a draft or when information was requested."), code="not_editable")
    errors: list[dict[str, str]] = []
    if "applicant_type" in data:
        code = data["applicant_type"] or None
        app.applicant_type = ApplicantType.objects.filter(code=code, active=True).first() if code else None
        if code and app.applicant_type is None:
            errors.append({"field": "applicant_type", "code": "invalid_choice", "message": _("Unknown applicant type.")})
    if "level" in data:
        code = data["level"] or None
        app.level = MembershipLevel.objects.filter(code=code, active=True).first() if code else None
        if code and app.level is None:
            errors.append({"field": "level", "code": "invalid_choice", "message": _("Unknown membership level.")})
    if "size_band" in data:
        if data["size_band"] and data["size_band"] not in SizeBand.values:
            errors.append({"field": "size_band", "code": "invalid_choice", "message": _("Choose a size band.")})
        else:
            app.size_band = data["size_band"] or ""
    for key in ("contact_name", "contact_phone", "contact_email"):
        if key in data:
            value = (data[key] or "").strip()
            if "<" in value or ">" in value:
                errors.append({"field": key, "code": "unsafe_text", "message": _("HTML is not allowed here.")})
            setattr(app, key, value[:200])
    if data.get("contact_email"):
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        try:
            validate_email(data["contact_email"])
        except ValidationError:
            errors.append({"field": "contact_email", "code": "invalid_email", "message": _("Enter a valid e-mail address.")})
    if "declaration" in data:
        app.declaration_accepted_at = clock.now() if data["declaration"] else None
    sites = None
    if "sites" in data:
        ids = [int(x) for x in data["sites"] or []]
        sites = list(Site.objects.filter(pk__in=ids, subject=app.subject, removed_at__isnull=True))
        if len(sites) != len(set(ids)):
            errors.append({"field": "sites", "code": "invalid_choice", "message": _("Choose sites of this subject.")})
    if errors:
        raise ValidationFailed(errors[0]["message"], field=errors[0]["field"], code=errors[0]["code"], errors=errors)
    app.save()
    if sites is not None:
        app.sites.set(sites)
    return app


def check_upload_size(size: int) -> None:
    uploads.check_size(size, settings.CHENGXIN_DOCUMENT_MAX_BYTES)


@transaction.atomic
def add_document(*, actor: Any, app: Application, kind: str, name: str, data: bytes) -> ApplicationDocument:
    _require_applicant(actor, app.subject)
    app = _lock(app)
    if app.status not in (Status.DRAFT, Status.INFO_REQUESTED):
        raise Conflict(_("Documents can only be added to a draft or when information was requested."), code="not_editable")
    if kind not in DocumentKind.values:
        raise ValidationFailed(_("Choose what the document is."), field="kind", code="invalid_choice")
    ctype = uploads.check_upload(name, data, settings.CHENGXIN_DOCUMENT_MAX_BYTES)
    digest = hashlib.sha256(data).hexdigest()
    doc = ApplicationDocument(application=app, kind=kind, original_name=name[:200], content_type=ctype, size=len(data),
                              sha256=digest, uploaded_at=clock.now(), uploaded_by=actor)
    doc.file.save(uploads.safe_name(name, "document"), ContentFile(data), save=False)
    doc.save()
    audit.record(actor=actor, action="membership.document", obj=app,
                 after={"document": doc.original_name, "kind": kind, "sha256": digest, "size": doc.size})
    return doc


def eligibility(subject: Subject, app: Application | None = None, at: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Checks shown to the reviewer (seed 000 四)."""
    at = at or clock.now()
    out: list[dict[str, Any]] = []
    entry = active_blacklist_entry(subject, at)
    out.append({"check": "not_blacklisted", "ok": entry is None,
                "detail": _("On the blacklist: %(r)s") % {"r": entry.reason} if entry else _("Not on the blacklist.")})
    out.append(_major_complaint_check(subject, at))
    if app is not None:
        sites = list(app.sites.all())
        unverified = [s.domain if s.kind == "domain" else s.url for s in sites if not s.is_verified(at)]
        out.append({"check": "sites_verified", "ok": bool(sites) and not unverified,
                    "detail": (_("Not proven: %(s)s") % {"s": ", ".join(unverified)}) if unverified
                    else (_("All %(n)d sites proven.") % {"n": len(sites)} if sites else _("No site chosen."))})
    return out


def _major_complaint_check(subject: Subject, at: dt.datetime) -> dict[str, Any]:
    """No major complaint (unanswered, unresolved, mediation failed) in the
    month before applying (000 四), from the credit records."""
    from chengxin.credit.services import major_complaints_since

    n = major_complaints_since(subject, at - dt.timedelta(days=30))
    return {"check": "no_major_complaint", "ok": n == 0, "detail": _("%(n)d major complaints in the last month.") % {"n": n}}


def missing_for_submission(app: Application) -> list[dict[str, str]]:
    missing = []
    if app.applicant_type is None:
        missing.append({"field": "applicant_type", "code": "required", "message": _("Choose the applicant type.")})
    if app.level is None:
        missing.append({"field": "level", "code": "required", "message": _("Choose the membership level.")})
    if not app.sites.exists():
        missing.append({"field": "sites", "code": "required", "message": _("Choose at least one site to certify.")})
    if not app.contact_name or not (app.contact_phone or app.contact_email):
        missing.append({"field": "contact_name", "code": "required", "message": _("Give a contact person with a phone number or e-mail.")})
    if not app.size_band:
        missing.append({"field": "size_band", "code": "required", "message": _("Declare the size of the business.")})
    if app.renews_id is None and not app.documents.filter(kind=DocumentKind.LICENCE).exists():
        missing.append({"field": "documents", "code": "required", "message": _("Upload the business licence.")})
    if app.declaration_accepted_at is None:
        missing.append({"field": "declaration", "code": "required", "message": _("Confirm that the information is true.")})
    return missing


def _notify_reviewers(app: Application, text: str, key: str) -> None:
    for user in staff_with("membership.review"):
        notify(user=user, text=text, url=f"/staff/applications/{app.pk}", dedupe_key=f"{key}:{app.pk}")


@transaction.atomic
def submit(*, actor: Any, app: Application) -> Application:
    _require_applicant(actor, app.subject)
    app = _lock(app)
    if app.status != Status.DRAFT:
        _transition(app, "submit", actor=actor)  # raises with a clear message
    _refuse_blacklisted(app.subject)
    missing = missing_for_submission(app)
    if missing:
        raise ValidationFailed(_("The application is incomplete: %(what)s") % {"what": " ".join(m["message"] for m in missing)},
                               field=missing[0]["field"], code="incomplete", errors=missing)
    now = clock.now()
    app.submitted_at = now
    app.review_due_at = workdays.add_working_days(now, settings.CHENGXIN_REVIEW_WORKING_DAYS)
    app.eligibility = audit.jsonable(eligibility(app.subject, app, now))
    _transition(app, "submit", actor=actor)
    _notify_reviewers(app, _("New membership application from %(name)s, due %(due)s.")
                      % {"name": app.subject.name, "due": app.review_due_at.strftime("%Y-%m-%d %H:%M")}, "submitted")
    return app


@transaction.atomic
def withdraw(*, actor: Any, app: Application, reason: str = "") -> Application:
    _require_applicant(actor, app.subject)
    return _transition(_lock(app), "withdraw", actor=actor, message=reason)


@transaction.atomic
def answer(*, actor: Any, app: Application, message: str) -> Application:
    _require_applicant(actor, app.subject)
    app = _lock(app)
    if not message.strip():
        raise ValidationFailed(_("Write your answer."), field="message", code="required")
    now = clock.now()
    app.review_due_at = workdays.add_working_days(now, app.remaining_working_days or 0)
    app.info_requested_at = None
    app.eligibility = audit.jsonable(eligibility(app.subject, app, now))
    _transition(app, "answer", actor=actor, message=message.strip())
    _notify_reviewers(app, _("%(name)s answered the request for information.") % {"name": app.subject.name}, f"answered:{now.timestamp()}")
    return app


# --- reviewer --------------------------------------------------------------

@transaction.atomic
def start_review(*, actor: Any, app: Application) -> Application:
    check(actor, "membership.review")
    app = _lock(app)
    app.reviewer = actor
    return _transition(app, "start_review", actor=actor, public=False)


@transaction.atomic
def request_info(*, actor: Any, app: Application, message: str) -> Application:
    check(actor, "membership.review")
    app = _lock(app)
    if not message.strip():
        raise ValidationFailed(_("Say what information is needed."), field="message", code="required")
    now = clock.now()
    if app.status in IN_REVIEW and app.review_due_at:
        app.remaining_working_days = workdays.working_days_between(now, app.review_due_at) if app.review_due_at > now else 0
    app.review_due_at = None  # the clock stops while the applicant is asked
    app.info_requested_at = now
    app.reviewer = app.reviewer or actor
    _transition(app, "request_info", actor=actor, message=message.strip())
    notify(user=app.applicant, text=_("The secretariat needs more information for your application: %(m)s") % {"m": message.strip()},
           url=f"/me/applications/{app.pk}", dedupe_key=f"info:{app.pk}:{now.timestamp()}")
    return app


@transaction.atomic
def approve(*, actor: Any, app: Application, reason: str = "") -> Application:
    check(actor, "membership.review")
    app = _lock(app)
    _refuse_blacklisted(app.subject)
    app.decided_at = clock.now()
    app.decision_reason = reason.strip()
    app.reviewer = app.reviewer or actor
    app.fee_amount = app.level.annual_fee if app.level else Decimal(0)
    app.review_due_at = None
    _transition(app, "approve", actor=actor, message=reason.strip())
    credit_hooks.application_approved(app, actor=actor)
    notify(user=app.applicant, text=_("Your application was approved. The annual fee is CNY %(fee)s.") % {"fee": app.fee_amount},
           url=f"/me/applications/{app.pk}", dedupe_key=f"approved:{app.pk}")
    return app


@transaction.atomic
def reject(*, actor: Any, app: Application, reason: str) -> Application:
    check(actor, "membership.review")
    app = _lock(app)
    if not reason.strip():
        raise ValidationFailed(_("Give the reason for the rejection; the applicant will see it."), field="reason", code="required")
    app.decided_at = clock.now()
    app.decision_reason = reason.strip()
    app.reviewer = app.reviewer or actor
    app.review_due_at = None
    _transition(app, "reject", actor=actor, message=reason.strip())
    notify(user=app.applicant, text=_("Your application was rejected: %(r)s") % {"r": reason.strip()},
           url=f"/me/applications/{app.pk}", dedupe_key=f"rejected:{app.pk}")
    return app


# --- fees and activation -----------------------------------------------------

def _activate(app: Application, *, actor: Any, message: str) -> Application:
    now = clock.now()
    start = now
    prev = app.renews
    if prev is not None and prev.status in CURRENT_MEMBERSHIP and prev.ends_at and prev.ends_at > now:
        start = prev.ends_at  # a renewal continues the current term
    app.starts_at = start
    app.ends_at = start + dt.timedelta(days=settings.CHENGXIN_MEMBERSHIP_DAYS)
    _transition(app, "activate", actor=actor, message=message)
    credit_hooks.membership_activated(app, actor=actor)
    if prev is not None and prev.status in CURRENT_MEMBERSHIP:
        _transition(_lock(prev), "renewed", actor=actor, message=_("renewed by application #%(id)d") % {"id": app.pk})
    notify(user=app.applicant, text=_("Your membership is active until %(end)s.") % {"end": app.ends_at.date().isoformat()},
           url=f"/me/applications/{app.pk}", dedupe_key=f"active:{app.pk}")
    return app


@transaction.atomic
def record_payment(*, actor: Any, app: Application, amount: Any, method: str, reference: str = "",
                   receipt_number: str = "") -> Payment:
    check(actor, "membership.fees")
    app = _lock(app)
    if app.status != Status.APPROVED:
        raise Conflict(_("A fee can only be recorded for an approved application."), code="illegal_transition")
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("Enter the amount as a number."), field="amount", code="invalid") from None
    if method not in Payment.Method.values or method == Payment.Method.WAIVER:
        raise ValidationFailed(_("Choose how it was paid."), field="method", code="invalid_choice")
    if value != app.fee_amount:
        raise ValidationFailed(_("The amount must be the fee of CNY %(fee)s.") % {"fee": app.fee_amount}, field="amount", code="wrong_amount")
    if not (reference.strip() or receipt_number.strip()):
        raise ValidationFailed(_("Give the payment reference or the receipt number."), field="reference", code="required")
    payment = Payment.objects.create(application=app, amount=value, method=method, reference=reference.strip()[:100],
                                     receipt_number=receipt_number.strip()[:100], recorded_by=actor, recorded_at=clock.now())
    _activate(app, actor=actor, message=_("fee of CNY %(a)s received (%(m)s)") % {"a": value, "m": payment.get_method_display()})
    return payment


@transaction.atomic
def waive_fee(*, actor: Any, app: Application, reason: str) -> Payment:
    check(actor, "membership.fees")
    app = _lock(app)
    if app.status != Status.APPROVED:
        raise Conflict(_("A fee can only be waived for an approved application."), code="illegal_transition")
    if not reason.strip():
        raise ValidationFailed(_("Give the reason for the waiver."), field="reason", code="required")
    payment = Payment.objects.create(application=app, amount=Decimal(0), method=Payment.Method.WAIVER,
                                     waiver_reason=reason.strip(), recorded_by=actor, recorded_at=clock.now())
    _activate(app, actor=actor, message=_("fee waived: %(r)s") % {"r": reason.strip()})
    return payment


# --- staff actions on memberships ----------------------------------------------

@transaction.atomic
def suspend(*, actor: Any, app: Application, reason: str) -> Application:
    check(actor, "membership.manage")
    if not reason.strip():
        raise ValidationFailed(_("Give the reason for the suspension."), field="reason", code="required")
    app = _transition(_lock(app), "suspend", actor=actor, message=reason.strip())
    notify(user=app.applicant, text=_("Your membership is suspended: %(r)s") % {"r": reason.strip()}, url=f"/me/applications/{app.pk}",
           dedupe_key=f"suspend:{app.pk}:{app.status_changed_at.timestamp()}")
    return app


@transaction.atomic
def reinstate(*, actor: Any, app: Application, reason: str) -> Application:
    check(actor, "membership.manage")
    if not reason.strip():
        raise ValidationFailed(_("Give the reason for reinstating."), field="reason", code="required")
    app = _lock(app)
    if app.ends_at and app.ends_at <= clock.now():
        return _transition(app, "expire", actor=actor, message=reason.strip())
    return _transition(app, "reinstate", actor=actor, message=reason.strip())


@transaction.atomic
def terminate(*, actor: Any, app: Application, reason: str) -> Application:
    check(actor, "membership.manage")
    if not reason.strip():
        raise ValidationFailed(_("Give the reason for the termination."), field="reason", code="required")
    app = _transition(_lock(app), "terminate", actor=actor, message=reason.strip())
    notify(user=app.applicant, text=_("Your membership was terminated: %(r)s") % {"r": reason.strip()}, url=f"/me/applications/{app.pk}",
           dedupe_key=f"terminate:{app.pk}")
    return app


# --- queries ---------------------------------------------------------------------

def current_membership(subject: Subject) -> Application | None:
    return (Application.objects.filter(subject=subject, status__in=(*CURRENT_MEMBERSHIP, Status.SUSPENDED))
            .select_related("level", "applicant_type").order_by("-starts_at").first())


def public_membership(subject: Subject) -> dict[str, Any] | None:
    app = current_membership(subject)
    if app is None:
        last = Application.objects.filter(subject=subject, status__in=(Status.EXPIRED, Status.TERMINATED, Status.RENEWED)).order_by("-ends_at").first()
        if last is None:
            return None
        app = last
    return {"status": app.status, "status_label": Status(app.status).label, "level": app.level.label if app.level else None,
            "applicant_type": app.applicant_type.label if app.applicant_type else None,
            "valid_from": app.starts_at, "valid_until": app.ends_at, "application": app.pk}


def review_queue() -> Any:
    return (Application.objects.filter(status__in=IN_REVIEW).select_related("subject", "applicant_type", "reviewer")
            .order_by("review_due_at", "submitted_at"))


def current_members(*, applicant_type: str = "", province: str = "", city: str = "") -> Any:
    qs = Application.objects.filter(status__in=CURRENT_MEMBERSHIP).select_related("subject", "subject__province", "subject__city", "level", "applicant_type")
    if applicant_type:
        qs = qs.filter(applicant_type_id=applicant_type)
    if province:
        qs = qs.filter(subject__province_id=province)
    if city:
        qs = qs.filter(subject__city_id=city)
    return qs.order_by("subject__name_key")
