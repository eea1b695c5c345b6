"""Reports API: the figures of a period, region and industry, and the
integrity index month by month. Public; aggregates only."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from chengxin.core.api import ERROR_RESPONSES, Access

from . import services

router = Router(tags=["reports"])

PARAMS_DOC = (
    "Period: `start` and `end` (YYYY-MM-DD, both days included, China time) or `period` "
    "(`last_12_months` — the default —, `this_year`, `last_year`, `2025`, `2025-Q3`); at most 10 years; figures "
    "are up to today. Scope: `province` and `city` (GB/T 2260 codes; the city must lie in the province) and "
    "`industry` (an industry code; F52 includes F5292). Bad input answers 400 with the `field` concerned."
)


class SummaryOut(Schema):
    period: dict[str, Any]
    scope: dict[str, Any]
    as_of: str
    subjects: dict[str, int]
    members: dict[str, int]
    certificates: dict[str, Any]
    complaints: dict[str, Any]
    mediation: dict[str, int]
    satisfaction: dict[str, Any]
    grades: dict[str, Any] | None = None
    blacklist: dict[str, int]
    index: dict[str, Any]


class MonthOut(Schema):
    month: str
    start: str
    end: str
    members: int
    new_members: int
    complaints_filed: int
    complaints: int
    against_members: int
    complaints_per_100_members: float | None = None
    response_rate: float | None = None
    on_time_response_rate: float | None = None
    resolution_rate: float | None = None
    consumer_confirmed_rate: float | None = None
    median_response_hours: float | None = None
    certificates_issued: int
    certificates_live: int
    blacklist_added: int
    blacklist_active: int
    graded: int | None = None
    top_grade_share: float | None = None
    components: dict[str, float | None]
    index: float | None = None


class SeriesOut(Schema):
    period: dict[str, Any]
    scope: dict[str, Any]
    step: str
    index_definition: dict[str, Any]
    months: list[MonthOut]


@router.get("/reports/summary", response={200: SummaryOut, **ERROR_RESPONSES}, auth=Access("public"),
            summary="Integrity report: the figures of a period, region and industry", description=PARAMS_DOC)
def summary(request: HttpRequest, start: str | None = None, end: str | None = None, period: str | None = None,
            province: str | None = None, city: str | None = None, industry: str | None = None) -> dict[str, Any]:
    return services.report(start, end, province, city, industry, period=period)


@router.get("/reports/series", response={200: SeriesOut, **ERROR_RESPONSES}, auth=Access("public"),
            summary="Integrity index and key figures month by month", description=PARAMS_DOC + " `step`: `month`.")
def series(request: HttpRequest, start: str | None = None, end: str | None = None, period: str | None = None,
           step: str = "month", province: str | None = None, city: str | None = None,
           industry: str | None = None) -> dict[str, Any]:
    return services.series(start, end, step, province, city, industry, period=period)

