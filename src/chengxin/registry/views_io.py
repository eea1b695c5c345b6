"""Pages for bulk import and CSV export of subjects."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chengxin.core import clock
from chengxin.core.errors import ValidationFailed
from chengxin.core.permissions import requires

from . import exporter, importer
from .forms import SearchForm

MAX_REPORT_ROWS = 1000  # rows of the report shown on the page


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("If some rows are invalid"),
        choices=[
            (importer.ALL_OR_NOTHING, gettext_lazy("Import nothing (all or nothing)")),
            (importer.SKIP_INVALID, gettext_lazy("Import the valid rows, skip the invalid ones")),
        ],
        initial=importer.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: only check the file, import nothing"), required=False,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (recorded in the audit trail)"), required=False, max_length=500,
    )


def _read_upload(upload: Any) -> bytes:
    """The upload's bytes, or at most one byte more than the limit (the
    importer then refuses it as too big)."""
    limit = settings.CHENGXIN_IMPORT_MAX_BYTES
    upload.seek(0)
    return upload.read(limit + 1)


@requires("registry.import")
def import_view(request: HttpRequest) -> HttpResponse:
    result = None
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = importer.import_file(
                actor=request.user,
                filename=upload.name,
                data=_read_upload(upload),
                mode=form.cleaned_data["mode"],
                dry_run=form.cleaned_data["dry_run"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationFailed as exc:
            form.add_error("file" if exc.field == "file" else None, str(exc.message))
    report = []
    if result is not None:
        report = [
            {**e, "label": importer.field_label(e["field"])} for e in result.errors[:MAX_REPORT_ROWS]
        ]
    return render(request, "registry/import.html", {
        "form": form,
        "result": result,
        "report": report,
        "report_truncated": bool(result and len(result.errors) > MAX_REPORT_ROWS),
        "max_report_rows": MAX_REPORT_ROWS,
        "columns": [(aliases[0], aliases[1]) for aliases in importer.COLUMNS.values()],
        "max_rows": settings.CHENGXIN_IMPORT_MAX_ROWS,
        "max_mb": settings.CHENGXIN_IMPORT_MAX_BYTES // (1024 * 1024),
    })


@requires("registry.export")
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    form = SearchForm(request.GET)
    if not form.is_valid():
        raise ValidationFailed(_("The filter is not valid: %(err)s") % {
            "err": "; ".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in form.errors.items())
        }, code="invalid_filter")
    lines = exporter.export_subjects(
        actor=request.user,
        q=form.cleaned_data["q"],
        province=form.cleaned_data["province"],
        industry=form.cleaned_data["industry"],
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = clock.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="chengxin-subjects-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
