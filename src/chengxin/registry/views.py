from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chengxin.accounts.services import acts_for
from chengxin.core.errors import ChengxinError, NotFound, PermissionDenied
from chengxin.core.permissions import EVERYONE, has_perm, requires
from chengxin.ledger import services as audit

from . import services
from .forms import SearchForm, SiteForm, SubjectForm, VerifyForm
from .models import Site, Subject


def _page(request: HttpRequest, qs: Any, per_page: int = 20) -> Any:
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    paginator = Paginator(qs, per_page)
    return paginator.get_page(number)


@requires(EVERYONE)
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    page = None
    params = ""
    if form.is_valid() and any(form.cleaned_data.values()):
        qs = services.search_subjects(
            q=form.cleaned_data["q"], province=form.cleaned_data["province"],
            industry=form.cleaned_data["industry"],
        )
        page = _page(request, qs)
        query = request.GET.copy()
        query.pop("page", None)
        params = query.urlencode()
    template = "registry/_results.html" if request.headers.get("HX-Request") else "registry/search.html"
    return render(request, template, {"form": form, "page": page, "params": params})


@requires(EVERYONE)
def integrity_file(request: HttpRequest, subject_id: int) -> HttpResponse:
    subject = services.get_subject(subject_id)
    data = services.public_view(subject)
    from chengxin.membership.services import public_membership

    return render(request, "registry/file.html", {"subject": subject, "data": data, "membership": public_membership(subject)})


@requires("registry.view_staff")
def staff_subjects(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    qs = services.search_subjects(
        q=form.cleaned_data["q"], province=form.cleaned_data["province"],
        industry=form.cleaned_data["industry"],
    ) if form.is_valid() else Subject.objects.none()
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "registry/staff_list.html", {"form": form, "page": _page(request, qs, 50), "params": query.urlencode()})


@requires("registry.view_staff")
def staff_subject(request: HttpRequest, subject_id: int) -> HttpResponse:
    subject = services.get_subject(subject_id)
    return render(request, "registry/staff_subject.html", {
        "subject": subject,
        "data": services.staff_view(subject, request.user),
        "history": list(reversed(audit.history(subject))),
        "sites": subject.sites.all(),
        "site_form": SiteForm(),
        "revealed": None,
    })


@require_POST
@requires("registry.view_pii")
def reveal_id_number(request: HttpRequest, subject_id: int) -> HttpResponse:
    subject = services.get_subject(subject_id)
    value = services.reveal_id_number(actor=request.user, subject=subject, reason=request.POST.get("reason", ""))
    return render(request, "registry/staff_subject.html", {
        "subject": subject,
        "data": services.staff_view(subject, request.user),
        "history": list(reversed(audit.history(subject))),
        "sites": subject.sites.all(),
        "site_form": SiteForm(),
        "revealed": value,
    })


def _form_errors(form: SubjectForm, exc: ChengxinError) -> None:
    if exc.errors:
        for err in exc.errors:
            form.add_error(err["field"] if err["field"] in form.fields else None, err["message"])
    else:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


@requires("registry.edit")
def subject_create(request: HttpRequest) -> HttpResponse:
    form = SubjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason", "")
        try:
            subject = services.create_subject(actor=request.user, data=data, reason=reason)
        except ChengxinError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The subject was registered."))
            return redirect("registry:staff_subject", subject_id=subject.pk)
    return render(request, "registry/subject_form.html", {"form": form, "subject": None})


@requires("registry.edit")
def subject_edit(request: HttpRequest, subject_id: int) -> HttpResponse:
    subject = services.get_subject(subject_id)
    initial = {
        "kind": subject.kind, "name": subject.name, "uscc": subject.uscc or "",
        "legal_representative": subject.legal_representative, "address": subject.address,
        "province": subject.province_id, "city": subject.city_id or "",
        "industry": subject.industry_id or "", "contact_name": subject.contact_name,
        "contact_phone": subject.contact_phone, "contact_email": subject.contact_email,
    }
    form = SubjectForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason", "")
        if not data.get("id_number"):
            data.pop("id_number", None)
        try:
            services.update_subject(actor=request.user, subject=subject, data=data, reason=reason)
        except ChengxinError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("registry:staff_subject", subject_id=subject.pk)
    return render(request, "registry/subject_form.html", {"form": form, "subject": subject})


def _site_owner_or_staff(request: HttpRequest, subject: Subject) -> None:
    if has_perm(request.user, "registry.edit"):
        return
    if not acts_for(request.user, subject):
        raise PermissionDenied(_("You do not act for this subject."))


def _site_back(request: HttpRequest, subject: Subject) -> HttpResponse:
    if has_perm(request.user, "registry.view_staff"):
        return redirect("registry:staff_subject", subject_id=subject.pk)
    return redirect("registry:console")


@require_POST
@requires("registry.verify_site")
def site_add(request: HttpRequest, subject_id: int) -> HttpResponse:
    subject = services.get_subject(subject_id)
    _site_owner_or_staff(request, subject)
    form = SiteForm(request.POST)
    if form.is_valid():
        try:
            services.add_site(actor=request.user, subject=subject, **form.cleaned_data)
            messages.success(request, _("The site was added. Put the token in place, then check it."))
        except ChengxinError as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(request, _("Enter the site's kind and address."))
    return _site_back(request, subject)


@require_POST
@requires("registry.verify_site")
def site_verify(request: HttpRequest, site_id: int) -> HttpResponse:
    site = Site.objects.select_related("subject").filter(pk=site_id).first()
    if site is None:
        raise NotFound(_("No such site."))
    _site_owner_or_staff(request, site.subject)
    form = VerifyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how to check."))
        return _site_back(request, site.subject)
    try:
        result = services.verify_site(actor=request.user, site=site, method=form.cleaned_data["method"])
    except ChengxinError as exc:
        messages.error(request, str(exc.message))
    else:
        if result.success:
            messages.success(request, _("Ownership of %(d)s is proven.") % {"d": site.domain})
        else:
            messages.error(request, _("The check failed: %(why)s") % {"why": result.detail})
    return _site_back(request, site.subject)


@requires("registry.edit_own")
def console(request: HttpRequest) -> HttpResponse:
    subjects = request.user.subjects.select_related("province", "city").prefetch_related("sites")  # type: ignore[union-attr]
    return render(request, "registry/console.html", {"subjects": subjects, "site_form": SiteForm()})
