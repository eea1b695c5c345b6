"""Rankings (诚信企业榜): the live ranking of graded subjects by region and
industry, and dated editions of it that staff publish and that never change.

Who enters a ranking (`live`): an active subject with a grade computed under
the active policy, with at least `ranking_min_evidence` conduct records that
counted and `ranking_min_tenure_days` days on the platform, and not on the
blacklist now. A subject without history is therefore never on a list, however
good its score. Order: grade (best first), score, evidence (more first), id.

An edition (`publish`) copies the first `ranking_size` rows of the live
ranking with the thresholds and the policy version in force, and the SHA-256
of its rows in canonical JSON (`rows_sha256`: sorted keys, no whitespace,
UTF-8), so anyone can check that the rows shown are the rows published.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from chengxin.core import clock
from chengxin.core.errors import NotFound, ValidationFailed
from chengxin.core.permissions import check
from chengxin.ledger import services as audit
from chengxin.lists.models import ListEntry, ListKind
from chengxin.registry.models import Industry, Region, Subject, SubjectStatus

from . import services
from .models import Grade, RankingEdition
from .policy import Policy

TITLE_MAX = 200
_UNSAFE = re.compile(r"[<>\x00-\x1f\x7f]")
ROW_KEYS = ("rank", "subject_id", "name", "grade", "score", "evidence")


# --- filters ----------------------------------------------------------------------------

class BadRankingQuery(ValidationFailed):
    """A malformed ranking query (filters, page): HTTP 400, as for reports.
    Nothing was submitted to change; a bad publication is a plain
    ValidationFailed (422)."""

    status = 400


@dataclass(frozen=True)
class Filters:
    """A checked choice of province, city and industry (each may be empty)."""

    province: Region | None = None
    city: Region | None = None
    industry: Industry | None = None
    industry_codes: tuple[str, ...] = ()  # the industry and those under it (F52 includes F5292)

    def codes(self) -> dict[str, str]:
        return {"province": self.province.code if self.province else "", "city": self.city.code if self.city else "",
                "industry": self.industry.code if self.industry else ""}

    def labels(self) -> list[str]:
        return [x.label for x in (self.province, self.city, self.industry) if x is not None]

    def is_empty(self) -> bool:
        return self.province is None and self.city is None and self.industry is None


def _code(value: Any, field: str, error: type[ValidationFailed]) -> str:
    text = str(value or "").strip()
    if len(text) > 20 or _UNSAFE.search(text):
        raise error(_("This is not a valid code."), field=field, code="invalid_code")
    return text


def clean_filters(province: Any = "", city: Any = "", industry: Any = "", *,
                  error: type[ValidationFailed] = BadRankingQuery) -> Filters:
    """Region codes (GB/T 2260) and an industry code (which includes the
    industries under it); a city alone implies its province. Unknown codes and a city outside the province are refused with
    `error` (a ValidationFailed naming the field)."""
    p_code, c_code = _code(province, "province", error), _code(city, "city", error)
    i_code = _code(industry, "industry", error)
    p = c = ind = None
    if p_code:
        p = Region.objects.filter(code=p_code, level="province").first()
        if p is None:
            raise error(_("Unknown province."), field="province", code="unknown_region")
    if c_code:
        c = Region.objects.select_related("parent").filter(code=c_code, level="city").first()
        if c is None:
            raise error(_("Unknown city."), field="city", code="unknown_region")
        if p is not None and c.parent_id != p.code:
            raise error(_("This city is not in the chosen province."), field="city", code="city_not_in_province")
        p = p or c.parent
    if i_code:
        ind = Industry.objects.filter(code=i_code).first()
        if ind is None:
            raise error(_("Unknown industry."), field="industry", code="unknown_industry")
    codes = ind.with_subdivisions() if ind else ()
    return Filters(province=p, city=c, industry=ind, industry_codes=codes)


# --- the live ranking -----------------------------------------------------------------------

def criteria(policy: Policy) -> dict[str, Any]:
    """The thresholds in force: returned with every ranking and kept in each edition."""
    return {"min_evidence": policy.ranking_min_evidence, "min_tenure_days": policy.ranking_min_tenure_days,
            "size": policy.ranking_size}


def _blacklisted_now() -> QuerySet[ListEntry]:
    """Blacklist entries in effect now, for any subject: the same condition as
    lists.services.active_entries, as a subquery."""
    now = clock.now()
    return ListEntry.objects.filter(kind=ListKind.BLACKLIST, starts_at__lte=now, lifted_at__isnull=True).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now))


def live(filters: Filters | None = None, *, policy: Policy | None = None) -> QuerySet[Grade]:
    """The ranked grades (with their subjects), best first."""
    policy = policy or services.active_policy()
    filters = filters or Filters()
    qs = Grade.objects.filter(
        policy_version=policy.version, evidence__gte=policy.ranking_min_evidence,
        tenure_days__gte=policy.ranking_min_tenure_days, subject__status=SubjectStatus.ACTIVE,
    ).exclude(grade="").filter(~Exists(_blacklisted_now().filter(subject_id=OuterRef("subject_id"))))
    if filters.province is not None:
        qs = qs.filter(subject__province=filters.province)
    if filters.city is not None:
        qs = qs.filter(subject__city=filters.city)
    if filters.industry is not None:
        qs = qs.filter(subject__industry_id__in=filters.industry_codes or (filters.industry.code,))
    rank = Case(*(When(grade=g, then=Value(i)) for i, (g, _low) in enumerate(policy.grades)),
                default=Value(len(policy.grades)), output_field=IntegerField())
    return qs.annotate(grade_rank=rank).order_by("grade_rank", "-score", "-evidence", "subject_id")


def ranked_ids(filters: Filters | None = None, *, policy: Policy | None = None) -> QuerySet[Grade, int]:
    """The subject ids of the live ranking, in order: what is counted and
    paged (sorting narrow rows; a deep page of 100,000 subjects would otherwise
    sort whole subject rows), before `load` reads the rows of one page."""
    return live(filters, policy=policy).values_list("subject_id", flat=True)


_ROW_FIELDS = ("subject_id", "grade", "score", "evidence", "subject__name", "subject__kind", "subject__province",
               "subject__city", "subject__industry",
               *(f"subject__{place}__{col}" for place in ("province", "city", "industry") for col in ("name", "name_en")))


def load(subject_ids: list[int]) -> list[Grade]:
    """The grades (with subject, region and industry) of these subjects, in this order."""
    by_id = {g.subject_id: g for g in Grade.objects.filter(subject_id__in=subject_ids)
             .select_related("subject__province", "subject__city", "subject__industry").only(*_ROW_FIELDS)}
    return [by_id[i] for i in subject_ids if i in by_id]


def row(g: Grade, rank: int) -> dict[str, Any]:
    """One row as an edition keeps it. The name is the registered name, public
    for natural persons too (as on the integrity file); nothing else about
    the subject is copied."""
    return {"rank": rank, "subject_id": g.subject_id, "name": g.subject.name, "grade": g.grade,
            "score": round(float(g.score), 1), "evidence": int(g.evidence)}


def public_row(g: Grade, rank: int) -> dict[str, Any]:
    """A row of the live ranking: the edition's fields plus where the subject is."""
    s: Subject = g.subject
    return {**row(g, rank), "kind": s.kind, "province": s.province_id, "province_name": s.province.label,
            "city": s.city_id, "city_name": s.city.label if s.city else None,
            "industry": s.industry_id, "industry_name": s.industry.label if s.industry else None}


def page_rows(grades: list[Grade], start: int) -> list[dict[str, Any]]:
    """Rows of one page; `start` is the number of rows before it."""
    return [public_row(g, start + i + 1) for i, g in enumerate(grades)]


# --- editions ------------------------------------------------------------------------------

def rows_sha256(rows: list[dict[str, Any]]) -> str:
    """SHA-256 of the rows in canonical JSON (sorted keys, no whitespace, UTF-8)."""
    text = json.dumps(rows, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def clean_title(value: Any) -> str:
    title = unicodedata.normalize("NFC", str(value or "")).strip()
    if not title:
        raise ValidationFailed(_("Give the ranking a title."), field="title", code="required")
    if _UNSAFE.search(title):
        raise ValidationFailed(_("The title must not contain HTML or control characters (< > etc.)."), field="title",
                               code="unsafe_text")
    if len(title) > TITLE_MAX:
        raise ValidationFailed(_("The title is too long (at most %(n)d characters).") % {"n": TITLE_MAX},
                               field="title", code="too_long")
    return title


@transaction.atomic
def publish(*, actor: Any, filters: dict[str, Any], title: Any) -> RankingEdition:
    """Publish a dated edition of the live ranking for these filters
    (province, city, industry codes): its first `ranking_size` rows, copied."""
    check(actor, "credit.publish")
    f = clean_filters(filters.get("province", ""), filters.get("city", ""), filters.get("industry", ""),
                      error=ValidationFailed)
    clean = clean_title(title)
    policy = services.active_policy()
    rows = [row(g, i + 1) for i, g in enumerate(load(list(ranked_ids(f, policy=policy)[: policy.ranking_size])))]
    if not rows:
        raise ValidationFailed(_("No subject meets the ranking's thresholds here: there is nothing to publish."),
                               field="rows", code="empty_ranking")
    crit = {**criteria(policy), "filters": f.codes()}
    edition = RankingEdition(
        title=clean, province=f.province, city=f.city, industry=f.industry, as_of=services.today(),
        policy_version=policy.version, criteria=crit, rows=rows, published_at=clock.now(), published_by=actor,
        sha256=rows_sha256(rows),
    )
    edition.save()
    audit.record(actor=actor, action="credit.ranking_publish", obj=edition, after={
        "title": edition.title, "filters": f.codes(), "as_of": edition.as_of, "policy_version": edition.policy_version,
        "criteria": crit, "rows": len(rows), "sha256": edition.sha256,
    })
    return edition


def editions() -> QuerySet[RankingEdition]:
    return RankingEdition.objects.select_related("province", "city", "industry").order_by("-published_at", "-pk")


def get_edition(pk: Any) -> RankingEdition:
    try:
        pk_int = int(pk)
    except (TypeError, ValueError):
        pk_int = None
    edition = editions().filter(pk=pk_int).first() if pk_int is not None and 0 < pk_int < 2**63 else None
    if edition is None:
        raise NotFound(_("No published ranking with number %(id)s.") % {"id": pk})
    return edition


def intact(edition: RankingEdition) -> bool:
    """True when the stored rows still hash to the published SHA-256."""
    return rows_sha256(list(edition.rows)) == edition.sha256


def edition_scope(edition: RankingEdition) -> list[str]:
    return [x.label for x in (edition.province, edition.city, edition.industry) if x is not None]
