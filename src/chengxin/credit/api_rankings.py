"""Rankings API (诚信企业榜): the live ranking by region and industry, and
published editions, which never change. Public data only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from chengxin.core.api import ERROR_RESPONSES, Access, Page, paginate
from chengxin.core.errors import ValidationFailed

from . import rankings, services
from .models import RankingEdition

router = Router(tags=["rankings"])


class CriteriaOut(Schema):
    min_evidence: int = Field(..., description="conduct records that counted, at least")
    min_tenure_days: int = Field(..., description="days since registration on the platform, at least")
    size: int = Field(..., description="rows a published edition keeps")


class FiltersOut(Schema):
    province: str
    city: str
    industry: str


class RowOut(Schema):
    rank: int
    subject_id: int
    name: str
    grade: str
    score: float
    evidence: int


class LiveRowOut(RowOut):
    kind: str
    province: str
    province_name: str
    city: str | None = None
    city_name: str | None = None
    industry: str | None = None
    industry_name: str | None = None


class RankingOut(Page[LiveRowOut]):
    policy_version: str
    as_of: dt.date
    criteria: CriteriaOut
    filters: FiltersOut


class EditionSummaryOut(Schema):
    id: int
    title: str
    as_of: dt.date
    published_at: dt.datetime
    policy_version: str
    filters: FiltersOut
    scope: list[str]
    row_count: int
    sha256: str
    url: str


class EditionOut(EditionSummaryOut):
    criteria: CriteriaOut
    rows: list[RowOut]


class PublishIn(Schema):
    title: str = Field(..., max_length=1000)
    province: str = Field("", max_length=20)
    city: str = Field("", max_length=20)
    industry: str = Field("", max_length=20)


def _summary(e: RankingEdition) -> dict[str, Any]:
    return {
        "id": e.pk, "title": e.title, "as_of": e.as_of, "published_at": e.published_at,
        "policy_version": e.policy_version,
        "filters": {"province": e.province_id or "", "city": e.city_id or "", "industry": e.industry_id or ""},
        "scope": rankings.edition_scope(e), "row_count": len(e.rows), "sha256": e.sha256,
        "url": f"/rankings/editions/{e.pk}/",
    }


def _edition(e: RankingEdition) -> dict[str, Any]:
    crit = e.criteria or {}
    return {**_summary(e), "criteria": {k: crit.get(k, 0) for k in ("min_evidence", "min_tenure_days", "size")},
            "rows": e.rows}


def _paginate(qs: Any, page: int, page_size: int) -> dict[str, Any]:
    """The API's pagination; a bad page is a bad query (400), like a bad filter."""
    try:
        return paginate(qs, page=page, page_size=page_size)
    except ValidationFailed as exc:
        raise rankings.BadRankingQuery(exc.message, field=exc.field, code=exc.code) from None


@router.get("/rankings", response={200: RankingOut, **ERROR_RESPONSES}, auth=Access("public"),
            summary="The live ranking (诚信企业榜), by province, city and industry")
def live_ranking(
    request: HttpRequest,
    province: str = "",
    city: str = "",
    industry: str = "",
    page: int = 1,
    page_size: int = 20,
) -> dict[str, Any]:
    """Subjects with a grade, enough evidence and tenure (see `criteria`), not
    departed and not blacklisted, best grade first, then score, then evidence.
    `province` and `city` are GB/T 2260 codes (the city must lie in the
    province; a city alone implies its province), `industry` an industry code
    (with the industries under it: F52 includes F5292).
    A bad filter or page answers 400 with the `field` concerned."""
    f = rankings.clean_filters(province, city, industry)
    policy = services.active_policy()
    result = _paginate(rankings.ranked_ids(f, policy=policy), page, page_size)
    result["items"] = rankings.page_rows(rankings.load(result["items"]), (result["page"] - 1) * result["page_size"])
    result.update(policy_version=policy.version, as_of=services.today(), criteria=rankings.criteria(policy),
                  filters=f.codes())
    return result


@router.get("/rankings/editions", response={200: Page[EditionSummaryOut], **ERROR_RESPONSES}, auth=Access("public"),
            summary="Published ranking editions, newest first")
def list_editions(request: HttpRequest, page: int = 1, page_size: int = 20) -> dict[str, Any]:
    result = _paginate(rankings.editions(), page, page_size)
    result["items"] = [_summary(e) for e in result["items"]]
    return result


@router.get("/rankings/editions/{edition_id}", response={200: EditionOut, **ERROR_RESPONSES}, auth=Access("public"),
            summary="One published edition with its rows, as published")
def get_edition(request: HttpRequest, edition_id: int) -> dict[str, Any]:
    """`sha256` is the SHA-256 of `rows` as canonical JSON (keys sorted, no
    whitespace, UTF-8): recompute it to check the rows."""
    return _edition(rankings.get_edition(edition_id))


@router.post("/rankings/editions", response={201: EditionOut, **ERROR_RESPONSES}, auth=Access("credit.publish"),
             summary="Publish a dated edition of the live ranking (staff)")
def publish_edition(request: HttpRequest, payload: PublishIn) -> tuple[int, dict[str, Any]]:
    data = payload.dict()
    title = data.pop("title")
    edition = rankings.publish(actor=request.user, filters=data, title=title)
    return 201, _edition(rankings.get_edition(edition.pk))
