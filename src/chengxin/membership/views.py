from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chengxin.core import clock, workdays
from chengxin.core.errors import ChengxinError, NotFound, PermissionDenied, ValidationFailed
from chengxin.core.permissions import EVERYONE, has_perm, requires
from chengxin.registry.forms import province_choices
from chengxin.registry.services import get_subject
from chengxin.web.feedback import flash_error

from . import services, states
from .models import (
    CURRENT_MEMBERSHIP,
    ApplicantType,
    ApplicationDocument,
    DocumentKind,
    MembershipLevel,
    Payment,
    SizeBand,
    Status,
)


def _own_app(request: HttpRequest, pk: int) -> Any:
    app = services.get_application(pk)
    if not services.may_view(request.user, app):
        raise PermissionDenied(_("This is not your application."))
    return app


# --- applicant -------------------------------------------------------------

@requires("membership.apply")
def my_applications(request: HttpRequest) -> HttpResponse:
    subjects = list(request.user.subjects.all())  # type: ignore[union-attr]
    rows = []
    for subject in subjects:
        apps = list(subject.applications.select_related("level").order_by("-created_at"))
        open_app = next((a for a in apps if a.status in (Status.DRAFT, Status.SUBMITTED, Status.UNDER_REVIEW, Status.INFO_REQUESTED, Status.APPROVED)), None)
        current = next((a for a in apps if a.status in CURRENT_MEMBERSHIP), None)
        expired = next((a for a in apps if a.status == Status.EXPIRED), None)
        rows.append({"subject": subject, "apps": apps, "open": open_app, "current": current, "renewable": current or expired})
    return render(request, "membership/my_applications.html", {"rows": rows})


@requires("membership.apply")
def new_subject(request: HttpRequest) -> HttpResponse:
    """Apply for a subject that is not in the registry yet: register it (with
    the same real-name checks staff use) and open the application."""
    from chengxin.registry import services as registry
    from chengxin.registry.forms import SubjectForm

    form = SubjectForm(request.POST or None)
    del form.fields["reason"]
    if request.method == "POST" and form.is_valid():
        try:
            subject = registry.create_subject(actor=request.user, data=dict(form.cleaned_data), reason="registered with a membership application", own=True)
            app = services.start_application(actor=request.user, subject=subject)
        except ChengxinError as exc:
            for err in exc.errors or [{"field": exc.field, "message": str(exc.message)}]:
                form.add_error(err["field"] if err["field"] in form.fields else None, err["message"])
        else:
            messages.success(request, _("The subject was registered. Add its sites in My subjects and complete the application."))
            return redirect("membership:application", pk=app.pk)
    return render(request, "membership/new_subject.html", {"form": form})


@require_POST
@requires("membership.apply")
def start(request: HttpRequest) -> HttpResponse:
    try:
        subject = get_subject(request.POST.get("subject", ""))
        renews = services.get_application(request.POST["renews"]) if request.POST.get("renews") else None
        app = services.start_application(actor=request.user, subject=subject, renews=renews)
    except ChengxinError as exc:
        flash_error(request, exc)
        return redirect("membership:mine")
    return redirect("membership:application", pk=app.pk)


@requires("membership.apply")
def application(request: HttpRequest, pk: int) -> HttpResponse:
    app = _own_app(request, pk)
    if request.method == "POST":
        op = request.POST.get("op", "")
        try:
            if op == "save" or op == "submit":
                services.update_application(actor=request.user, app=app, data={
                    "applicant_type": request.POST.get("applicant_type", ""),
                    "level": request.POST.get("level", ""),
                    "sites": request.POST.getlist("sites"),
                    "contact_name": request.POST.get("contact_name", ""),
                    "contact_phone": request.POST.get("contact_phone", ""),
                    "contact_email": request.POST.get("contact_email", ""),
                    "size_band": request.POST.get("size_band", ""),
                    "declaration": request.POST.get("declaration") == "on",
                })
                if op == "submit":
                    services.submit(actor=request.user, app=app)
                    messages.success(request, _("Your application was submitted. The secretariat reviews it within two working days."))
                else:
                    messages.success(request, _("The draft was saved."))
            elif op == "upload":
                upload = request.FILES.get("file")
                if upload is None:
                    raise ValidationFailed(_("Choose a file to upload."), field="file", code="required")
                services.check_upload_size(upload.size or 0)  # before reading it into memory
                services.add_document(actor=request.user, app=app, kind=request.POST.get("kind", ""), name=upload.name or "", data=upload.read())
                messages.success(request, _("The document was uploaded."))
            elif op == "answer":
                services.answer(actor=request.user, app=app, message=request.POST.get("message", ""))
                messages.success(request, _("Your answer was sent to the secretariat."))
            elif op == "withdraw":
                services.withdraw(actor=request.user, app=app, reason=request.POST.get("message", ""))
                messages.success(request, _("The application was withdrawn."))
        except ChengxinError as exc:
            flash_error(request, exc)
        return redirect("membership:application", pk=app.pk)
    return render(request, "membership/application.html", {
        "app": app, "editable": app.status in (Status.DRAFT, Status.INFO_REQUESTED),
        "types": ApplicantType.objects.filter(active=True), "levels": MembershipLevel.objects.filter(active=True),
        "sizes": SizeBand.choices, "doc_kinds": DocumentKind.choices,
        "sites": app.subject.sites.filter(removed_at__isnull=True), "chosen": set(app.sites.values_list("pk", flat=True)),
        "events": app.events.filter(public=True), "missing": services.missing_for_submission(app) if app.status == Status.DRAFT else [],
    })


@requires("authenticated")
def document(request: HttpRequest, pk: int) -> FileResponse:
    doc = ApplicationDocument.objects.select_related("application__subject").filter(pk=pk).first()
    if doc is None:
        raise NotFound(_("No such document."))
    if not services.may_view(request.user, doc.application):
        raise PermissionDenied(_("You may not see this document."))
    response = FileResponse(doc.file.open("rb"), content_type=doc.content_type, as_attachment=True, filename=doc.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- staff -------------------------------------------------------------------

@requires("membership.view_staff")
def queue(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    items = []
    for app in services.review_queue():
        due = app.review_due_at
        items.append({"app": app, "overdue": bool(due and due <= now),
                      "soon": bool(due and now < due <= workdays.add_working_days(now, 0))})
    approved = services.Application.objects.filter(status=Status.APPROVED).select_related("subject", "level")
    return render(request, "membership/queue.html", {"items": items, "approved": approved,
                                                     "warnings": workdays.coverage_warnings(now.date())})


@requires("membership.view_staff")
def staff_application(request: HttpRequest, pk: int) -> HttpResponse:
    app = services.get_application(pk)
    return render(request, "membership/staff_application.html", {
        "app": app, "events": app.events.select_related("actor"), "documents": app.documents.all(),
        "eligibility": services.eligibility(app.subject, app) if app.status in (Status.SUBMITTED, Status.UNDER_REVIEW, Status.INFO_REQUESTED) else app.eligibility,
        "allowed": states.allowed_actions(app.status), "payments": app.payments.all(), "methods": [m for m in Payment.Method.choices if m[0] != "waiver"],
        "can_review": has_perm(request.user, "membership.review"), "can_fees": has_perm(request.user, "membership.fees"),
        "can_manage": has_perm(request.user, "membership.manage"),
    })


STAFF_ACTIONS = {
    "start_review": lambda r, app: services.start_review(actor=r.user, app=app),
    "request_info": lambda r, app: services.request_info(actor=r.user, app=app, message=r.POST.get("message", "")),
    "approve": lambda r, app: services.approve(actor=r.user, app=app, reason=r.POST.get("message", "")),
    "reject": lambda r, app: services.reject(actor=r.user, app=app, reason=r.POST.get("message", "")),
    "payment": lambda r, app: services.record_payment(actor=r.user, app=app, amount=r.POST.get("amount", ""), method=r.POST.get("method", ""),
                                                      reference=r.POST.get("reference", ""), receipt_number=r.POST.get("receipt_number", "")),
    "waive": lambda r, app: services.waive_fee(actor=r.user, app=app, reason=r.POST.get("message", "")),
    "suspend": lambda r, app: services.suspend(actor=r.user, app=app, reason=r.POST.get("message", "")),
    "reinstate": lambda r, app: services.reinstate(actor=r.user, app=app, reason=r.POST.get("message", "")),
    "terminate": lambda r, app: services.terminate(actor=r.user, app=app, reason=r.POST.get("message", "")),
}


@require_POST
@requires("membership.view_staff")
def staff_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    app = services.get_application(pk)
    handler = STAFF_ACTIONS.get(action)
    if handler is None:
        raise NotFound(_("Unknown action."))
    try:
        handler(request, app)  # each service checks its own permission
        messages.success(request, _("Done."))
    except ChengxinError as exc:
        if exc.status == 403:
            raise
        flash_error(request, exc)
    return redirect("membership:staff_application", pk=app.pk)


# --- public --------------------------------------------------------------------

@requires(EVERYONE)
def members(request: HttpRequest) -> HttpResponse:
    qs = services.current_members(applicant_type=request.GET.get("type", ""), province=request.GET.get("province", ""))
    page = Paginator(qs, 30).get_page(request.GET.get("page") or 1)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "membership/members.html", {
        "page": page, "types": ApplicantType.objects.filter(active=True), "provinces": province_choices(),
        "selected_type": request.GET.get("type", ""), "selected_province": request.GET.get("province", ""), "params": query.urlencode(),
    })
