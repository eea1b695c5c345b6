"""Credit pages: the grade with its explanation, history and records on the
integrity file; staff entry, correction and retraction of records; the
scoring policy with upload, preview and activation."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chengxin.core.errors import ChengxinError, NotFound
from chengxin.core.permissions import EVERYONE, has_perm, requires
from chengxin.registry.services import get_subject

from . import services
from .models import Access, CreditRecord, Policy, PolicyStatus, RecordKind, Source


def _en() -> bool:
    return (translation.get_language() or "").startswith("en")


@requires(EVERYONE)
def subject_credit(request: HttpRequest, subject_id: int) -> HttpResponse:
    """Why a subject has its grade: factor by factor, the history, and the
    records the viewer may see."""
    subject = get_subject(subject_id)
    level = services.access_level(request.user, subject)
    show_history = request.GET.get("history") == "1"
    records = Paginator(services.visible_records(subject, level, history=show_history), 30).get_page(request.GET.get("page"))
    superseded = set(CreditRecord.objects.filter(supersedes__in=[r.pk for r in records]).values_list("supersedes_id", flat=True))
    return render(request, "credit/subject.html", {
        "subject": subject, "e": services.explanation(subject, lang="en" if _en() else "zh-hans"),
        "history": services.history(subject), "records": records, "level": level, "show_history": show_history,
        "superseded": superseded, "en": _en(),
        "can_enter": has_perm(request.user, "credit.enter"),
    })


def _form_data(request: HttpRequest) -> dict[str, Any]:
    keys = ("kind", "summary", "summary_en", "evidence", "occurred_on", "disclosed_until", "source", "source_name",
            "access", "reason")
    return {k: request.POST.get(k, "").strip() for k in keys}


@requires("credit.enter")
def record_new(request: HttpRequest, subject_id: int) -> HttpResponse:
    subject = get_subject(subject_id)
    data: dict[str, Any] = {"source": Source.PLATFORM, "occurred_on": services.today().isoformat()}
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = _form_data(request)
        upload = request.FILES.get("evidence_file")
        try:
            file = (upload.name or "", upload.read()) if upload is not None else None
            r = services.enter_record(actor=request.user, subject=subject, data=data, evidence_file=file)
        except ChengxinError as exc:
            errors[exc.field or "form"] = str(exc.message)
        else:
            messages.success(request, _("The record was entered; the grade is recomputed within a minute."))
            return redirect("credit:record", r.pk)
    return render(request, "credit/record_form.html", {
        "subject": subject, "data": data, "errors": errors,
        "kinds": RecordKind.objects.filter(staff_entry=True), "sources": Source.choices, "accesses": Access.choices,
    }, status=400 if errors else 200)


@requires("credit.view_staff")
def record(request: HttpRequest, pk: int) -> HttpResponse:
    r = services.get_record(pk)
    versions = [r]
    while versions[0].supersedes_id:  # back to the first version
        versions.insert(0, services.get_record(versions[0].supersedes_id))
    nxt = CreditRecord.objects.filter(supersedes=versions[-1]).first()
    while nxt is not None:
        versions.append(nxt)
        nxt = CreditRecord.objects.filter(supersedes=nxt).first()
    newest = versions[-1]
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not has_perm(request.user, "credit.enter"):
            return redirect("credit:record", r.pk)
        action = request.POST.get("action")
        reason = request.POST.get("reason", "")
        try:
            if action == "retract":
                new = services.retract(actor=request.user, record=r, reason=reason)
                messages.success(request, _("The record was retracted."))
            else:
                data = {k: v for k, v in _form_data(request).items() if k not in ("kind", "source", "source_name", "reason")}
                new = services.correct(actor=request.user, record=r, data=data, reason=reason)
                messages.success(request, _("A corrected version was recorded."))
        except ChengxinError as exc:
            errors[exc.field or "form"] = str(exc.message)
        else:
            return redirect("credit:record", new.pk)
    return render(request, "credit/record.html", {
        "r": r, "versions": versions, "newest": newest, "errors": errors, "accesses": Access.choices,
        "can_edit": has_perm(request.user, "credit.enter") and r.pk == newest.pk and not r.retraction,
    }, status=400 if errors else 200)


@requires(EVERYONE)
def policy(request: HttpRequest) -> HttpResponse:
    """The active policy is public (fair and transparent evaluation, 002
    第二十三条); drafts and their previews are for staff."""
    active = services.active_policy_row()
    return render(request, "credit/policy.html", {
        "active": active, "parsed": services.parsed(active),
        "drafts": Policy.objects.exclude(pk=active.pk) if has_perm(request.user, "credit.view_staff") else [],
        "can_manage": has_perm(request.user, "credit.policy"), "text": "", "errors": {},
    })


@requires("credit.policy")
@require_POST
def policy_upload(request: HttpRequest) -> HttpResponse:
    text = request.POST.get("text", "")
    upload = request.FILES.get("file")
    if upload is not None:
        try:
            text = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            text = ""
            messages.error(request, _("The policy file must be UTF-8 text."))
    try:
        row = services.upload_policy(actor=request.user, text=text)
    except ChengxinError as exc:
        active = services.active_policy_row()
        return render(request, "credit/policy.html", {
            "active": active, "parsed": services.parsed(active), "drafts": Policy.objects.exclude(pk=active.pk),
            "can_manage": True, "text": text, "errors": {"text": str(exc.message)},
        }, status=400)
    messages.success(request, _("Policy %(v)s was uploaded as a draft. Preview it before activating it.") % {"v": row.version})
    return redirect("credit:policy")


def _draft(pk: int) -> Policy:
    row = Policy.objects.filter(pk=pk).first()
    if row is None:
        raise NotFound(_("No such policy."))
    return row


@requires("credit.policy")
@require_POST
def policy_preview(request: HttpRequest, pk: int) -> HttpResponse:
    row = _draft(pk)
    try:
        s = services.preview(actor=request.user, row=row)
    except ChengxinError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Under %(v)s, %(n)d of %(t)d subjects would change grade.")
                         % {"v": row.version, "n": s["changed"], "t": s["subjects"]})
    return redirect("credit:policy")


@requires("credit.policy")
@require_POST
def policy_activate(request: HttpRequest, pk: int) -> HttpResponse:
    row = _draft(pk)
    if row.status != PolicyStatus.ACTIVE and row.preview is None:
        messages.error(request, _("Preview the policy before activating it."))
        return redirect("credit:policy")
    try:
        services.activate(actor=request.user, row=row)
    except ChengxinError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Policy %(v)s is active; all grades are being recomputed.") % {"v": row.version})
    return redirect("credit:policy")
