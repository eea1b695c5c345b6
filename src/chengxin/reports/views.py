"""Public report pages: the figures of a period, region and industry with
server-drawn SVG charts, and the same figures as CSV and JSON."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from chengxin.core.permissions import EVERYONE, requires
from chengxin.registry.models import Industry, Region

from . import charts, params, services, tables
from .params import BadReportQuery


def _query(period: params.Period, scope: params.Scope) -> str:
    """The normalised query of a report: explicit dates, so a download made
    tomorrow covers the same days."""
    return urlencode({"start": period.start.isoformat(), "end": period.end.isoformat(), **scope.query()})


def _choices(province: str) -> dict[str, Any]:
    provinces = list(Region.objects.filter(level="province"))
    cities = Region.objects.filter(level="city").select_related("parent")
    if province:
        cities = cities.filter(parent_id=province)
    groups: dict[str, list[Region]] = {}
    for c in cities:
        groups.setdefault(c.parent.label if c.parent else "", []).append(c)
    return {"provinces": provinces, "city_groups": sorted(groups.items(), key=lambda kv: kv[1][0].code),
            "industries": list(Industry.objects.all()), "presets": params.preset_choices()}


def _charts(built: dict[str, Any]) -> list[dict[str, Any]]:
    from chengxin.certs.models import CertificateLevel

    report, ms = built["report"], built["series"]["months"]
    labels = [m["month"] for m in ms]
    out = []

    def add(chart_id: str, title: str, draw: Any, *args: Any, **kw: Any) -> None:
        out.append({"id": chart_id, "title": title, "svg": draw(chart_id, title, *args, **kw)})

    add("chart-index", _("Integrity index by month"), charts.line_chart,
        _("Integrity index from 0 to 100 for each month of the period; months without enough data have no point."),
        labels, [charts.Series(_("Integrity index"), [m["index"] for m in ms])], y_max=100,
        empty=_("No month has enough data for the index."))
    add("chart-complaints", _("Complaints per month"), charts.line_chart,
        _("Valid complaints filed each month, and those against members."),
        labels, [charts.Series(_("Complaints (valid)"), [m["complaints"] for m in ms]),
                 charts.Series(_("Against members"), [m["against_members"] for m in ms], "#1f5fa8")], whole=True)
    grades = report.get("grades")
    if grades is not None:
        dist = grades["distribution"]
        add("chart-grades", _("Credit grades at the end of the period"), charts.bar_chart,
            _("Number of subjects at each credit grade."),
            list(dist), [charts.Series(_("Subjects"), list(dist.values()), "#1b6e3a")], empty=_("No subject is graded."))
    certs = report["certificates"]
    names = {lv.code: lv.label for lv in CertificateLevel.objects.all()}
    codes = list(dict.fromkeys([*certs["issued"], *certs["live"]]))
    add("chart-certificates", _("Certificates by level"), charts.bar_chart,
        _("Certificates issued in the period and certificates valid at its end, by level."),
        [names.get(c, c) for c in codes],
        [charts.Series(_("Issued"), [certs["issued"].get(c, 0) for c in codes], "#b3261e"),
         charts.Series(_("Valid at the end"), [certs["live"].get(c, 0) for c in codes], "#1f5fa8")],
        empty=_("No certificates."))
    return out


@requires(EVERYONE)
def report_page(request: HttpRequest) -> HttpResponse:
    form = {k: request.GET.get(k, "")[:40] for k in ("period", "start", "end", "province", "city", "industry")}
    ctx: dict[str, Any] = {"form": form, "errors": {}, "built": None}
    status = 200
    try:
        period, scope = params.parse(request.GET)
    except BadReportQuery as exc:
        ctx["errors"] = {exc.field or "__all__": str(exc.message)}
        status = 400
    else:
        built = services.cached_build(period, scope)
        sections: dict[str, list[tables.Row]] = {}
        for row in tables.rows(built):
            sections.setdefault(row.section, []).append(row)
        series_rows = [(m["month"], [tables.display(key, m.get(key)) for key, _label in tables.SERIES])
                       for m in built["series"]["months"]]
        ctx.update({
            "built": built, "report": built["report"], "period": period, "scope": scope, "sections": sections,
            "section_titles": tables.SECTIONS, "months": [m["month"] for m in built["series"]["months"]],
            "series_rows": series_rows, "series_labels": [label for _key, label in tables.SERIES], "charts": _charts(built), "query": _query(period, scope),
            "definition": services.index_definition(),
        })
        if period.preset:  # the dates came from the preset: leave the date fields empty
            form["period"], form["start"], form["end"] = period.preset, "", ""
    ctx.update(_choices(form["province"] if not ctx["errors"].get("province") else ""))
    return render(request, "reports/report.html", ctx, status=status)


def _error_response(exc: BadReportQuery) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.status, json_dumps_params={"ensure_ascii": False})


@requires(EVERYONE)
def export_json(request: HttpRequest) -> HttpResponse:
    try:
        period, scope = params.parse(request.GET)
    except BadReportQuery as exc:
        return _error_response(exc)
    built = services.cached_build(period, scope)
    response = HttpResponse(json.dumps(built, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="chengxin-report-{period.start}-{period.end}.json"'
    return response


@requires(EVERYONE)
def export_csv(request: HttpRequest) -> HttpResponse:
    try:
        period, scope = params.parse(request.GET)
    except BadReportQuery as exc:
        return _error_response(exc)
    response = HttpResponse(tables.to_csv(services.cached_build(period, scope)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="chengxin-report-{period.start}-{period.end}.csv"'
    return response
