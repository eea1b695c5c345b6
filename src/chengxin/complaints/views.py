"""Complaint pages: filing (works without JavaScript), each party's view with
its actions, the staff queue, and the public, filtered pages."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chengxin.core import uploads, workdays
from chengxin.core.errors import ChengxinError, NotFound, ValidationFailed
from chengxin.core.permissions import AUTHENTICATED, EVERYONE, has_perm, requires
from chengxin.web.feedback import flash_error

from . import filing, mediation, queries, reputation, services
from .api import detail as detail_data
from .models import Category, Evidence, InvalidReason, Remedy, Status


def _page(request: HttpRequest, qs: Any, per: int = 20) -> Any:
    return Paginator(qs, per).get_page(request.GET.get("page"))


# --- consumer: file ------------------------------------------------------------------

@requires(EVERYONE)
def new(request: HttpRequest) -> HttpResponse:
    """Step 1: find the merchant (by name, code or domain). Step 2: the form.
    Anonymous visitors can search, and are asked to log in or register to file."""
    from chengxin.registry.services import get_subject, search_subjects

    subject = None
    results: list[Any] = []
    q = request.GET.get("q", "").strip()[:100]
    if request.GET.get("subject") or request.POST.get("subject"):
        try:
            subject = get_subject(request.POST.get("subject") or request.GET.get("subject", ""))
        except NotFound as exc:
            messages.error(request, str(exc.message))
    elif q:
        results = list(search_subjects(q=q)[:10])
    data: dict[str, Any] = {"remedies": []}
    errors: dict[str, str] = {}
    if request.method == "POST" and subject is not None:
        if not has_perm(request.user, "complaints.file"):
            messages.error(request, _("Only consumer accounts can file complaints. Log in or register as a consumer."))
            return redirect(f"{settings.LOGIN_URL}?next=/complaints/new?subject={subject.pk}")
        data = {
            "subject": subject.pk, "category": request.POST.get("category", ""), "title": request.POST.get("title", ""),
            "description": request.POST.get("description", ""), "order_ref": request.POST.get("order_ref", ""),
            "site": request.POST.get("site", ""), "amount": request.POST.get("amount", ""),
            "remedies": request.POST.getlist("remedies"), "consent": request.POST.get("consent") == "on",
            "public_consent": request.POST.get("public_consent") == "on",
        }
        try:
            files = request.FILES.getlist("files")
            for f in files:
                uploads.check_size(f.size or 0, settings.CHENGXIN_COMPLAINT_EVIDENCE_MAX_BYTES)
            c, _created = filing.file_complaint(
                actor=request.user, data=data, files=[(f.name or "", f.read()) for f in files],  # type: ignore[arg-type]
                idempotency_key=request.POST.get("idempotency_key") or None,
            )
        except ChengxinError as exc:
            for err in exc.errors or [{"field": exc.field, "message": str(exc.message)}]:
                errors[err.get("field") or "__all__"] = str(err["message"])
            if "__all__" in errors or not exc.errors:
                messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Your complaint %(n)s was filed and forwarded to the merchant. It must answer by %(due)s.")
                             % {"n": c.number, "due": workdays.local_date(c.response_due_at).isoformat()})
            return redirect("complaints:detail", number=c.number)
    return render(request, "complaints/new.html", {
        "subject": subject, "results": results, "q": q, "categories": Category.objects.filter(active=True),
        "remedies": Remedy.choices, "data": data, "errors": errors, "can_file": has_perm(request.user, "complaints.file"),
        "idempotency_key": request.POST.get("idempotency_key") or secrets.token_urlsafe(16),
        "max_kb": settings.CHENGXIN_COMPLAINT_EVIDENCE_MAX_BYTES // 1024,
    })


# --- parties ----------------------------------------------------------------------

@requires(AUTHENTICATED)
def mine(request: HttpRequest) -> HttpResponse:
    filed = received = None
    if has_perm(request.user, "complaints.file"):
        filed = _page(request, queries.consumer_complaints(request.user))  # type: ignore[arg-type]
    if has_perm(request.user, "complaints.respond"):
        received = _page(request, queries.merchant_complaints(request.user))  # type: ignore[arg-type]
    figures = []
    if received is not None:
        for s in request.user.subjects.all():  # type: ignore[union-attr]
            figures.append({"subject": s, "figures": reputation.figures(s)})
    return render(request, "complaints/mine.html", {"filed": filed, "received": received, "figures": figures})


_OPS: dict[str, Any] = {
    "answer": lambda u, c, p: services.answer(actor=u, c=c, text=p.get("text", "")),
    "accept": lambda u, c, p: services.accept(actor=u, c=c),
    "dispute": lambda u, c, p: services.dispute(actor=u, c=c, reason=p.get("text", "")),
    "withdraw": lambda u, c, p: services.withdraw(actor=u, c=c, reason=p.get("text", "")),
    "message": lambda u, c, p: services.post_message(actor=u, c=c, text=p.get("text", "")),
    "flag": lambda u, c, p: services.flag_malicious(actor=u, c=c, reason=p.get("text", "")),
    "survey": lambda u, c, p: services.submit_survey(actor=u, c=c, rating=p.get("rating"), handled_well=p.get("handled_well") == "yes",
                                                     comment=p.get("comment", "")),
    "agree_settlement": lambda u, c, p: mediation.agree_settlement(actor=u, c=c),
    "confirm": lambda u, c, p: services.confirm(actor=u, c=c, note=p.get("text", "")),
    "invalidate": lambda u, c, p: services.invalidate(actor=u, c=c, reason=p.get("reason", ""), note=p.get("text", "")),
    "close_unresolved": lambda u, c, p: services.close_unresolved(actor=u, c=c, reason=p.get("text", "")),
    "deadline": lambda u, c, p: services.set_deadline(actor=u, c=c, due=_parse_local(p.get("due", ""), "due"), reason=p.get("text", "")),
    "urge": lambda u, c, p: services.urge(actor=u, c=c, message=p.get("text", ""),
                                          at=_parse_local(p["at"], "at") if p.get("at") else None),
    "start_mediation": lambda u, c, p: mediation.start_mediation(actor=u, c=c),
    "propose": lambda u, c, p: mediation.propose_settlement(actor=u, c=c, text=p.get("text", "")),
    "settle": lambda u, c, p: mediation.settle(actor=u, c=c, text=p.get("text", "")),
    "fail_mediation": lambda u, c, p: mediation.fail_mediation(actor=u, c=c, reason=p.get("text", "")),
}


def _parse_local(value: str, field: str) -> dt.datetime:
    """A date (end of that day) or date and time from a form, in China time."""
    value = (value or "").strip()
    try:
        if len(value) == 10:
            return workdays.end_of_day(dt.date.fromisoformat(value))
        return dt.datetime.fromisoformat(value).replace(tzinfo=workdays.CALENDAR_TZ)
    except ValueError:
        raise ValidationFailed(_("Enter a date like 2026-12-01 or a date and time like 2026-12-01T09:00."), field=field, code="invalid_date") from None


@requires(AUTHENTICATED)
def detail(request: HttpRequest, number: str) -> HttpResponse:
    c, who = services.get_for(request.user, number)
    if request.method == "POST":
        op = request.POST.get("op", "")
        try:
            if op == "evidence":
                upload = request.FILES.get("file")
                if upload is None:
                    raise ValidationFailed(_("Choose a file to upload."), field="file", code="required")
                uploads.check_size(upload.size or 0, settings.CHENGXIN_COMPLAINT_EVIDENCE_MAX_BYTES)
                filing.add_evidence(actor=request.user, c=c, name=upload.name or "", data=upload.read())  # type: ignore[arg-type]
            elif op in _OPS:
                _OPS[op](request.user, c, request.POST)
            else:
                raise ValidationFailed(_("Unknown action."), field="op", code="unknown_action")
        except ChengxinError as exc:
            flash_error(request, exc)
        else:
            messages.success(request, _("Done."))
        return redirect("complaints:detail", number=c.number)
    data = detail_data(c, who)
    return render(request, "complaints/detail.html", {
        "c": c, "d": data, "who": who, "allowed": data["allowed_actions"], "invalid_reasons": InvalidReason.choices,
        "evidence": list(c.evidence.all()), "is_staff": bool(who & {services.STAFF, services.MEDIATOR}),
        "flags": list(c.flags.all()) if who & {services.STAFF, services.MERCHANT} else [],
    })


@requires(AUTHENTICATED)
def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    ev = Evidence.objects.select_related("complaint", "complaint__subject").filter(pk=pk).first()
    if ev is None or not filing.may_see_evidence(request.user, ev):
        raise NotFound(_("No such file."))
    response = FileResponse(ev.file.open("rb"), content_type=ev.content_type, as_attachment=True, filename=ev.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- staff -----------------------------------------------------------------------

@requires("complaints.view_staff")
def queue(request: HttpRequest) -> HttpResponse:
    view = request.GET.get("view", "unconfirmed")[:20]
    status = request.GET.get("status", "")[:24]
    q = request.GET.get("q", "")[:100]
    return render(request, "complaints/queue.html", {
        "page": _page(request, queries.staff_queue(view=view, status=status, q=q), 50), "view": view, "status": status, "q": q,
        "statuses": Status.choices, "frequent": queries.frequent_complainants(), "flags": queries.pending_flags()[:50],
        "can_handle": has_perm(request.user, "complaints.handle"),
    })


@require_POST
@requires("complaints.handle")
def decide_flag(request: HttpRequest, pk: int) -> HttpResponse:
    flag = services.get_flag(pk)
    try:
        services.decide_flag(actor=request.user, flag=flag, uphold=request.POST.get("uphold") == "yes", note=request.POST.get("note", ""))  # type: ignore[arg-type]
    except ChengxinError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("The flag was decided."))
    return redirect("complaints:queue")


@require_POST
@requires("complaints.handle")
def response_promise(request: HttpRequest, subject_id: int) -> HttpResponse:
    from chengxin.registry.services import get_subject

    subject = get_subject(subject_id)
    try:
        raw = request.POST.get("hours", "").strip()
        services.set_response_promise(actor=request.user, subject=subject, hours=int(raw) if raw.isdigit() else None,  # type: ignore[arg-type]
                                      reason=request.POST.get("reason", ""))
    except ChengxinError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("Saved."))
    return redirect("registry:staff_subject", subject.pk)


# --- public ----------------------------------------------------------------------

@requires(EVERYONE)
def public_list(request: HttpRequest, subject_id: int) -> HttpResponse:
    from chengxin.registry.services import get_subject

    subject = get_subject(subject_id)
    page = _page(request, queries.public_complaints(subject))
    return render(request, "complaints/public_list.html", {
        "subject": subject, "page": page, "items": [queries.public_view(c) for c in page], "figures": reputation.figures(subject),
    })


@requires(EVERYONE)
def public_detail(request: HttpRequest, number: str) -> HttpResponse:
    c = queries.public_complaints().filter(number=number[:20]).first()
    if c is None:
        raise NotFound(_("No public complaint with number %(n)s.") % {"n": number[:20]})
    return render(request, "complaints/public_detail.html", {"d": queries.public_view(c)})


@requires(EVERYONE)
def public_export(request: HttpRequest, subject_id: int) -> HttpResponse:
    """The public complaints of a subject as CSV: the same filtered fields as the pages."""
    import csv

    from chengxin.registry.services import get_subject

    subject = get_subject(subject_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="complaints-{subject.pk}.csv"'
    response.write("\ufeff")  # so spreadsheet programs read UTF-8
    writer = csv.writer(response)
    writer.writerow(["number", "subject", "category", "amount", "filed_at", "answered_at", "closed_at", "outcome", "answer"])
    for c in queries.public_complaints(subject)[:10000]:
        d = queries.public_view(c)
        writer.writerow([d["number"], d["subject_name"], d["category_label"], d["amount"] or "",
                         d["filed_at"].date().isoformat(), d["answered_at"].date().isoformat() if d["answered_at"] else "",
                         d["closed_at"].date().isoformat() if d["closed_at"] else "", d["status_label"], d["answer"]])
    return response
