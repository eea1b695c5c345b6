"""The staff calendar page: which years have a holiday calendar, the staff
entries (corrections and years the package does not know), a form to add
one day and a CSV upload. Works without JavaScript; every change goes
through `chengxin.core.workdays`, which audits it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chengxin.core import calendar_entries, clock, workdays
from chengxin.core.errors import ChengxinError, NotFound, ValidationFailed
from chengxin.core.models import CalendarDay
from chengxin.core.permissions import requires

MAX_REPORT_ROWS = 200

COVERAGE_LABELS = {
    workdays.PACKAGE: gettext_lazy("Holiday package"),
    workdays.STAFF: gettext_lazy("Staff calendar"),
    workdays.NONE: gettext_lazy("None: Monday–Friday only"),
}


class DayForm(forms.Form):
    """Only shapes the input; the rules are in calendar_entries.set_day."""

    date = forms.CharField(
        label=gettext_lazy("Date"), max_length=20,
        widget=forms.TextInput(attrs={"type": "date", "placeholder": "YYYY-MM-DD"}),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=CalendarDay.Kind.choices, widget=forms.RadioSelect,
        initial=CalendarDay.Kind.HOLIDAY,
    )
    name = forms.CharField(label=gettext_lazy("Name (e.g. Spring Festival)"), required=False, max_length=200)
    reason = forms.CharField(label=gettext_lazy("Reason (recorded in the audit trail)"), required=False, max_length=500)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"), widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    dry_run = forms.BooleanField(label=gettext_lazy("Dry run: only check the file, import nothing"), required=False)
    reason = forms.CharField(label=gettext_lazy("Reason (recorded in the audit trail)"), required=False, max_length=500)


def _add(request: HttpRequest, form: DayForm) -> HttpResponse | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        entry = calendar_entries.set_day(request.user, data["date"], data["kind"], data["name"], reason=data["reason"])
    except ChengxinError as exc:
        errors = exc.errors or [{"field": exc.field, "message": str(exc.message)}]
        for err in errors:
            form.add_error(err["field"] if err.get("field") in form.fields else None, err["message"])
        return None
    messages.success(request, _("%(date)s is now marked: %(kind)s.") % {
        "date": entry.date.isoformat(), "kind": entry.get_kind_display(),
    })
    return redirect("web:calendar")


def _import(request: HttpRequest, form: UploadForm) -> tuple[HttpResponse | None, list[dict[str, Any]]]:
    if not form.is_valid():
        return None, []
    upload = form.cleaned_data["file"]
    upload.seek(0)
    data = upload.read(calendar_entries.MAX_IMPORT_BYTES + 1)
    try:
        report = calendar_entries.import_days(
            request.user, data, reason=form.cleaned_data["reason"], dry_run=form.cleaned_data["dry_run"],
        )
    except ValidationFailed as exc:
        problems = [e for e in exc.errors if e.get("row")]
        if not problems:
            form.add_error("file", str(exc.message))
        else:
            form.add_error(None, _("Nothing was imported: the file has problems (listed below)."))
        return None, problems
    except ChengxinError as exc:
        form.add_error(None, str(exc.message))
        return None, []
    messages.success(request, report.summary())
    return redirect("web:calendar"), []


@requires("calendar.edit")
def calendar_page(request: HttpRequest) -> HttpResponse:
    add_form = DayForm(prefix="add")
    upload_form = UploadForm(prefix="upload")
    problems: list[dict[str, Any]] = []
    done: HttpResponse | None = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "add":
            add_form = DayForm(request.POST, prefix="add")
            done = _add(request, add_form)
        elif action == "import":
            upload_form = UploadForm(request.POST, request.FILES, prefix="upload")
            done, problems = _import(request, upload_form)
        else:
            raise ValidationFailed(_("Unknown action."), code="unknown_action")
        if done is not None:
            return done

    today = workdays.local_date(clock.now())
    years = [workdays.year_status(y) for y in range(today.year, today.year + 3)]
    show_all = request.GET.get("all") == "1"
    since = None if show_all else dt.date(today.year - 1, 1, 1)
    entries = []
    for entry in calendar_entries.staff_entries(since=since):
        package = workdays.package_says(entry.date)
        entries.append({"entry": entry, "package": package, "weekday": entry.date.weekday()})
    return render(request, "web/calendar.html", {
        "today": today,
        "years": [{"status": s, "label": COVERAGE_LABELS[s.coverage]} for s in years],
        "warnings": workdays.coverage_warnings(today),
        "entries": entries,
        "show_all": show_all,
        "since": since,
        "add_form": add_form,
        "upload_form": upload_form,
        "problems": problems[:MAX_REPORT_ROWS],
        "problems_truncated": len(problems) > MAX_REPORT_ROWS,
        "package_version": workdays.package_version(),
        "package_years": workdays.package_years(),
        "max_rows": calendar_entries.MAX_IMPORT_ROWS,
    })


@require_POST
@requires("calendar.edit")
def calendar_delete(request: HttpRequest, day: str) -> HttpResponse:
    try:
        date = dt.date.fromisoformat(day) if len(day) == 10 else None
    except ValueError:
        date = None
    if date is None:
        raise NotFound(_("There is no calendar entry for %(date)s.") % {"date": day})
    try:
        calendar_entries.delete_day(request.user, date, reason=request.POST.get("reason", ""))
    except NotFound as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The entry for %(date)s was removed.") % {"date": date.isoformat()})
    return redirect("web:calendar")
