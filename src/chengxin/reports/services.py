"""Integrity reports (诚信报告/公示): figures for a period, a region and an
industry, month by month, and the integrity index (诚信指数).

Read-only. Every figure is an aggregate query: filtered COUNTs, GROUP BY
month, and for what is "in force at the end of each month" (members,
certificates, blacklist entries, grades) the starts and ends per month added
up — a fixed number of queries whatever the period, no rows read one by one,
and no complaint ever listed, only counts. `cached_build` keeps a result for
a few minutes under a stamp of the data.

What the figures mean (the period is [start 00:00, end + 1 day 00:00) in China
time; "as of" is the end of the period or now, whichever is earlier):

* members: subjects whose membership term overlaps the period (a terminated
  membership until its termination); new: memberships (not renewals) that
  started in it; at the end: members as of the end.
* certificates: issued in the period, by level; live at the end (within their
  validity and not suspended, revoked or superseded then).
* complaints: filed in the period, with their status now. Invalid and
  withdrawn complaints are shown but do not count. Response rate, on-time
  rate, resolution rate, consumer-confirmed rate and median response time are
  defined exactly as in `chengxin.complaints.reputation` (the merchant's 网誉
  figures), so the two agree: a complaint whose answer is not yet due does not
  count against the response rates; the resolution rates are over closed
  complaints.
* grades: the distribution at the end — from the current grades when the
  period ends today, otherwise rebuilt from the grade history (each history
  row moves one subject from `previous` to `grade`).
* blacklist: entries that started in the period; entries in force at the end.

The integrity index (诚信指数) of a month is a number from 0 to 100:

    index = 100 × Σ wᵢ·cᵢ / Σ wᵢ   over the components cᵢ that have data

with the components (each 0..1) and weights of `INDEX_WEIGHTS`:

* response   — response rate of the complaints filed that month;
* resolution — resolution rate of those complaints (resolved, confirmed by
  the consumer or by mediation, over closed);
* grades     — share of graded subjects at grade A or better at the month's end;
* complaints — 1 − (complaints against members per 100 members) /
  `COMPLAINTS_PER_100_AT_ZERO`, not below 0 (no complaints: 1): complaints
  filed that month against subjects that were members when it was filed, per
  100 members at the month's end.

A component has no data when its denominator is 0 (no complaint due, none
closed, no graded subject, no member). When the components with data carry
less than `INDEX_MIN_WEIGHT` of the weight, the month's index is null — a
month without complaints has no index, rather than 0 or 100. The index of a
period is the mean of its months' indices that are not null.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Least, RowNumber

from chengxin.certs.models import Certificate, CertificateLevel, CertStatus
from chengxin.complaints.models import COUNTED, OPEN, Category, Complaint, Survey
from chengxin.complaints.models import Status as CS
from chengxin.complaints.reputation import RESOLVED
from chengxin.core import clock, workdays
from chengxin.lists.models import ListEntry, ListKind
from chengxin.membership.models import Application
from chengxin.membership.models import Status as MS
from chengxin.registry.models import Subject, SubjectStatus

from .params import Period, Scope, local_midnight, parse_period, parse_scope
from .sql import LocalMonth, Seconds

# --- the integrity index: every constant of its definition ------------------------
INDEX_WEIGHTS: dict[str, float] = {"response": 0.30, "resolution": 0.30, "grades": 0.20, "complaints": 0.20}
INDEX_MIN_WEIGHT = 0.5
COMPLAINTS_PER_100_AT_ZERO = 10.0
TOP_GRADE = "A"  # "A or better"
DEFAULT_GRADE_SCALE = ("AAA", "AA", "A", "B", "C", "D")  # the default credit policy's grades, best first

# memberships that were (or are) in force at some time
WAS_MEMBER = (MS.ACTIVE, MS.EXPIRING, MS.EXPIRED, MS.RENEWED, MS.SUSPENDED, MS.TERMINATED)
STEPS = ("month",)


def rate(part: int, whole: int) -> float | None:
    """As in complaints.reputation: 4 decimals, None without a denominator."""
    return round(part / whole, 4) if whole else None


def index_definition() -> dict[str, Any]:
    return {"weights": dict(INDEX_WEIGHTS), "min_weight": INDEX_MIN_WEIGHT,
            "complaints_per_100_members_at_zero": COMPLAINTS_PER_100_AT_ZERO, "top_grade": TOP_GRADE}


def integrity_index(components: dict[str, float | None]) -> float | None:
    """The index (0..100, 1 decimal) from components in 0..1; None without enough data."""
    have = {k: v for k, v in components.items() if v is not None and k in INDEX_WEIGHTS}
    weight = sum(INDEX_WEIGHTS[k] for k in have)
    if weight < INDEX_MIN_WEIGHT - 1e-9:
        return None
    return round(100 * sum(INDEX_WEIGHTS[k] * v for k, v in have.items()) / weight, 1)


def complaint_density_score(per_100: float | None) -> float | None:
    if per_100 is None:
        return None
    return round(max(0.0, 1 - per_100 / COMPLAINTS_PER_100_AT_ZERO), 4)


# --- credit grades (optional: the credit domain may not be installed) ----------------

def credit_installed() -> bool:
    return apps.is_installed("chengxin.credit")


_scales: dict[str, tuple[str, ...]] = {}


def grade_scale() -> tuple[str, ...]:
    """The grades of the active credit policy, best first (the default
    policy's when there is none or it cannot be read)."""
    if not credit_installed():
        return DEFAULT_GRADE_SCALE
    from chengxin.core.errors import ValidationFailed
    from chengxin.credit.models import Policy, PolicyStatus
    from chengxin.credit.policy import parse

    row = Policy.objects.filter(status=PolicyStatus.ACTIVE).only("sha256", "text").first()
    if row is None:
        return DEFAULT_GRADE_SCALE
    if row.sha256 not in _scales:
        try:
            _scales[row.sha256] = tuple(g for g, _low in parse(row.text).grades) or DEFAULT_GRADE_SCALE
        except ValidationFailed:
            _scales[row.sha256] = DEFAULT_GRADE_SCALE
    return _scales[row.sha256]


def top_grades(scale: tuple[str, ...]) -> frozenset[str]:
    """Grade A or better; a scale without an "A": its better half."""
    if TOP_GRADE in scale:
        return frozenset(scale[: scale.index(TOP_GRADE) + 1])
    return frozenset(scale[: max(1, len(scale) // 2)])


def _grade_history(scope: Scope) -> QuerySet[Any]:
    from chengxin.credit.models import GradeChange

    return GradeChange.objects.filter(scope.q())


def _moves(rows: Any) -> dict[str, Counter[str]]:
    """Rows of (`_m`, grade, previous, n) as the net change of subjects per
    grade in each `_m`: a history row moves one subject from `previous` to
    `grade`."""
    out: dict[str, Counter[str]] = {}
    for r in rows:
        net = out.setdefault(r["_m"], Counter())
        net[r["grade"]] += r["n"]
        net[r["previous"]] -= r["n"]
    return out


def grades_at(scope: Scope, at: dt.datetime | None) -> Counter[str] | None:
    """Subjects per grade ("" not rated left out): now from `Grade`, at a past
    moment from the history. None when the credit domain is not installed."""
    if not credit_installed():
        return None
    if at is None:
        from chengxin.credit.models import Grade

        rows = Grade.objects.filter(scope.q()).exclude(grade="").values("grade").annotate(n=Count("pk"))
        return Counter({r["grade"]: r["n"] for r in rows})
    rows = (_grade_history(scope).filter(at__lt=at).annotate(_m=Value("")).values("_m", "grade", "previous")
            .annotate(n=Count("pk")).order_by())
    net = _moves(rows).get("", Counter())
    return Counter({g: n for g, n in net.items() if g and n > 0})


def grade_summary(counts: Counter[str] | None, registered: int, scale: tuple[str, ...]) -> dict[str, Any] | None:
    if counts is None:
        return None
    order = list(scale) + sorted(g for g in counts if g not in scale)
    graded = sum(counts.values())
    top = top_grades(scale)
    return {
        "distribution": {g: counts.get(g, 0) for g in order},
        "graded": graded,
        "not_rated": max(0, registered - graded),
        "top_share": rate(sum(n for g, n in counts.items() if g in top), graded),
    }


# --- building blocks --------------------------------------------------------------

FAR = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


def membership_spans(qs: QuerySet[Application]) -> QuerySet[Any]:  # with the annotations _s, _e
    """Memberships with `_s`/`_e`: in force from its start to its end (a
    terminated one until its termination)."""
    return qs.filter(status__in=WAS_MEMBER, starts_at__isnull=False, ends_at__isnull=False).annotate(
        _s=F("starts_at"),
        _e=Case(When(status=MS.TERMINATED, then=Least("ends_at", "status_changed_at")), default=F("ends_at"),
                output_field=DateTimeField()))


def certificate_spans(qs: QuerySet[Certificate]) -> QuerySet[Certificate]:
    """Certificates with `_s`/`_e`: live within their validity until they
    were suspended, revoked, superseded or expired."""
    return qs.annotate(
        _s=F("valid_from"),
        _e=Case(When(status=CertStatus.ACTIVE, then=F("valid_until")), default=Least("valid_until", "status_changed_at"),
                output_field=DateTimeField()))


def blacklist_spans(qs: QuerySet[ListEntry]) -> QuerySet[ListEntry]:
    """Blacklist entries with `_s`/`_e`: in force until their end or until lifted."""
    far = Value(FAR, output_field=DateTimeField())
    return qs.filter(kind=ListKind.BLACKLIST).annotate(
        _s=F("starts_at"), _e=Least(Coalesce("ends_at", far), Coalesce("lifted_at", far), output_field=DateTimeField()))


def in_force_at(at: dt.datetime) -> Q:
    """A span in force at the last moment before `at` (start < at <= end)."""
    return Q(_s__lt=at, _e__gte=at, _e__gt=F("_s"))


def overlapping(a: dt.datetime, b: dt.datetime) -> Q:
    """A span in force at some time in [a, b)."""
    return Q(_s__lt=b, _e__gt=a) & Q(_e__gt=F("_s"))


def in_force_at_month_ends(spans: QuerySet[Any], ms: list[Month], last: dt.datetime) -> list[int]:
    """How many spans are in force at the end of each month (`last` for the
    last one): spans started before it minus spans ended before it, added up
    from two GROUP BY month queries — not a query per month."""
    spans = spans.filter(_e__gt=F("_s"))
    started = _by_month(spans.filter(_s__lt=last), "_s", n=Count("pk"))
    ended = _by_month(spans.filter(_e__lt=last), "_e", n=Count("pk"))
    out = []
    for m in ms:
        out.append(sum(r["n"] for k, r in started.items() if k <= m.key) - sum(r["n"] for k, r in ended.items() if k <= m.key))
    return out


def _member_when_filed() -> Exists:
    at = OuterRef("filed_at")
    return Exists(membership_spans(Application.objects.filter(subject_id=OuterRef("subject_id")))
                  .filter(_s__lte=at, _e__gt=at))


def _complaint_aggregates(now: dt.datetime) -> dict[str, Any]:
    counted = Q(status__in=COUNTED)
    answered = counted & Q(answered_at__isnull=False)
    mediated = counted & Q(mediation_started_at__isnull=False)
    return {
        "filed": Count("pk"),
        "counted": Count("pk", filter=counted),
        "due": Count("pk", filter=counted & (Q(answered_at__isnull=False) | Q(response_due_at__lte=now))),
        "answered": Count("pk", filter=answered),
        "on_time": Count("pk", filter=answered & Q(answered_at__lte=F("response_due_at"))),
        "closed": Count("pk", filter=counted & ~Q(status__in=OPEN)),
        "resolved": Count("pk", filter=Q(status__in=RESOLVED)),
        "confirmed": Count("pk", filter=Q(status=CS.RESOLVED)),
        "open": Count("pk", filter=Q(status__in=OPEN)),
        "mediation_started": Count("pk", filter=mediated),
        "mediation_failed": Count("pk", filter=mediated & Q(status=CS.UNRESOLVED)),
        "against_members": Count("pk", filter=counted & Q(_member_when_filed())),
    }


def _complaints(scope: Scope, a: dt.datetime, b: dt.datetime) -> QuerySet[Complaint]:
    return Complaint.objects.filter(scope.q(), filed_at__gte=a, filed_at__lt=b)


def median_response_hours(qs: QuerySet[Complaint], *, by_month: bool = False) -> Any:
    """Median of (answered − filed) over the answered counted complaints of
    `qs`, in hours, 1 decimal (as reputation computes it). The database
    numbers the rows (per month with `by_month`) and returns only the one or
    two middle ones. With `by_month`: {month: hours}."""
    qs = qs.filter(status__in=COUNTED, answered_at__isnull=False).annotate(_rt=Seconds("answered_at", "filed_at"))
    partition = []
    if by_month:
        qs = qs.annotate(_m=LocalMonth("filed_at"))
        partition = [F("_m")]
    rows = qs.annotate(
        _rn=Window(RowNumber(), partition_by=partition or None, order_by=[F("_rt").asc(), F("pk").asc()]),
        _n=Window(Count("pk"), partition_by=partition or None),
    ).filter(Q(_rn=(F("_n") + 1) / 2) | Q(_rn=(F("_n") + 2) / 2)).values_list("_m" if by_month else "_n", "_rt")
    middle: dict[str, list[float]] = {}
    for key, secs in rows:
        middle.setdefault(key if by_month else "", []).append(round(float(secs), 3) / 3600)
    medians = {k: round(statistics.median(v), 1) for k, v in middle.items()}
    return medians if by_month else medians.get("")


def _complaint_figures(agg: dict[str, Any]) -> dict[str, Any]:
    return {
        "response_rate": rate(agg["answered"], agg["due"]),
        "on_time_response_rate": rate(agg["on_time"], agg["due"]),
        "resolution_rate": rate(agg["resolved"], agg["closed"]),
        "consumer_confirmed_rate": rate(agg["confirmed"], agg["closed"]),
    }


def _level_counts(qs: QuerySet[Certificate], levels: list[str]) -> dict[str, int]:
    got = {r["level"]: r["n"] for r in qs.values("level").annotate(n=Count("pk")).order_by()}
    return {code: got.get(code, 0) for code in levels + sorted(set(got) - set(levels))}


def _by_month(qs: QuerySet[Any], field: str, **aggregates: Any) -> dict[str, dict[str, Any]]:
    return {r.pop("_m"): r for r in qs.annotate(_m=LocalMonth(field)).values("_m").annotate(**aggregates).order_by()}


@dataclass(frozen=True)
class Month:
    key: str
    start: dt.date  # first day in the period
    end: dt.date  # last day in the period
    start_at: dt.datetime
    end_at: dt.datetime  # exclusive


def months(period: Period) -> list[Month]:
    out = []
    first = period.start
    while first <= period.end:
        nxt = dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
        last = min(nxt - dt.timedelta(days=1), period.end)
        out.append(Month(key=f"{first.year:04d}-{first.month:02d}", start=first, end=last,
                         start_at=local_midnight(first), end_at=local_midnight(last + dt.timedelta(days=1))))
        first = nxt
    return out


# --- the report -------------------------------------------------------------------

def figures(period: Period, scope: Scope) -> dict[str, Any]:
    """Every figure of the period (see the module docstring)."""
    now = clock.now()
    a, b = period.start_at, period.end_at
    as_of = min(b, now)
    # members
    spans = membership_spans(Application.objects.filter(scope.q()))
    members = spans.aggregate(
        active=Count("subject", distinct=True, filter=overlapping(a, b)),
        new=Count("subject", distinct=True, filter=Q(renews__isnull=True, starts_at__gte=a, starts_at__lt=b)),
        at_end=Count("subject", distinct=True, filter=in_force_at(as_of)),
    )
    registered = (Subject.objects.filter(scope.q(""), created_at__lt=as_of)
                  .exclude(status=SubjectStatus.DEPARTED, departed_at__lt=as_of).count())
    # certificates
    levels = list(CertificateLevel.objects.values_list("code", flat=True))
    certs = Certificate.objects.filter(scope.q())
    issued = _level_counts(certs.filter(issued_at__gte=a, issued_at__lt=b), levels)
    live = _level_counts(certificate_spans(certs).filter(in_force_at(as_of)), levels)
    # complaints
    qs = _complaints(scope, a, b)
    categories = list(Category.objects.values_list("code", flat=True))
    # one pass: the figures, the count per status and per category (both short lists)
    agg = qs.aggregate(
        **_complaint_aggregates(now),
        **{f"status:{st.value}": Count("pk", filter=Q(status=st.value)) for st in CS},
        **{f"category:{i}": Count("pk", filter=Q(status__in=COUNTED, category_id=code)) for i, code in enumerate(categories)},
    )
    by_status = {st.value: agg[f"status:{st.value}"] for st in CS}
    by_cat = {code: agg[f"category:{i}"] for i, code in enumerate(categories)}
    survey = Survey.objects.filter(complaint__in=qs.filter(status__in=COUNTED)).aggregate(avg=Avg("rating"), n=Count("pk"))
    member_count = members["active"]
    per_100 = round(100 * agg["against_members"] / member_count, 2) if member_count else None
    complaints = {
        "filed": agg["filed"], "invalid": by_status.get(CS.INVALID, 0), "withdrawn": by_status.get(CS.WITHDRAWN, 0),
        "counted": agg["counted"], "open": agg["open"], "due": agg["due"], "answered": agg["answered"], "on_time": agg["on_time"],
        "closed": agg["closed"], "resolved": agg["resolved"], "consumer_confirmed": agg["confirmed"],
        "unanswered": by_status.get(CS.UNANSWERED, 0),
        **_complaint_figures(agg),
        "median_response_hours": median_response_hours(qs) if agg["answered"] else None,
        "against_members": agg["against_members"], "against_members_per_100_members": per_100,
        "by_category": by_cat,
        "by_outcome": by_status,
    }
    mediation = {"started": agg["mediation_started"], "settled": by_status.get(CS.RESOLVED_MEDIATION, 0),
                 "failed": agg["mediation_failed"], "ongoing": by_status.get(CS.IN_MEDIATION, 0)}
    satisfaction = {"responses": survey["n"], "average": round(survey["avg"], 2) if survey["avg"] is not None else None}
    # grades
    current = period.end >= workdays.local_date(now)
    scale = grade_scale()
    grades = grade_summary(grades_at(scope, None if current else b), registered, scale)
    if grades is not None:
        grades = {"as_of": (now if current else b).isoformat(), "source": "current" if current else "history", **grades}
    # blacklist
    entries = ListEntry.objects.filter(scope.q())
    blacklist = {
        "added": entries.filter(kind=ListKind.BLACKLIST, starts_at__gte=a, starts_at__lt=b).count(),
        "active": blacklist_spans(entries).filter(in_force_at(as_of)).count(),
    }
    return {
        "period": period.as_dict(), "scope": scope.as_dict(), "as_of": as_of.isoformat(),
        "subjects": {"registered": registered},
        "members": members,
        "certificates": {"issued": issued, "issued_total": sum(issued.values()), "live": live, "live_total": sum(live.values())},
        "complaints": complaints, "mediation": mediation, "satisfaction": satisfaction,
        "grades": grades, "blacklist": blacklist,
    }


def monthly(period: Period, scope: Scope) -> dict[str, Any]:
    """The key figures and the integrity index per month of the period."""
    now = clock.now()
    ms = months(period)
    a, b = period.start_at, period.end_at
    last = min(b, now)
    qs = _complaints(scope, a, b)
    comp = _by_month(qs, "filed_at", **_complaint_aggregates(now))
    medians = median_response_hours(qs, by_month=True)
    apps_in_scope = Application.objects.filter(scope.q())
    members = in_force_at_month_ends(membership_spans(apps_in_scope), ms, last)
    new = _by_month(membership_spans(apps_in_scope).filter(renews__isnull=True, starts_at__gte=a, starts_at__lt=b),
                    "starts_at", n=Count("subject", distinct=True))
    certs = Certificate.objects.filter(scope.q())
    issued = _by_month(certs.filter(issued_at__gte=a, issued_at__lt=b), "issued_at", n=Count("pk"))
    live = in_force_at_month_ends(certificate_spans(certs), ms, last)
    entries = ListEntry.objects.filter(scope.q())
    bl_added = _by_month(entries.filter(kind=ListKind.BLACKLIST, starts_at__gte=a, starts_at__lt=b), "starts_at", n=Count("pk"))
    bl_active = in_force_at_month_ends(blacklist_spans(entries), ms, last)
    grades = _grades_by_month(scope, period, ms)
    top = top_grades(grade_scale())
    empty = dict.fromkeys(_complaint_aggregates(now), 0)
    out = []
    for i, m in enumerate(ms):
        c = comp.get(m.key) or empty
        rates = _complaint_figures(c)
        per_100 = round(100 * c["against_members"] / members[i], 2) if members[i] else None
        dist = grades[i] if grades is not None else None
        graded = sum(dist.values()) if dist is not None else None
        top_share = rate(sum(n for g, n in dist.items() if g in top), graded or 0) if dist is not None else None
        components = {"response": rates["response_rate"], "resolution": rates["resolution_rate"],
                      "grades": top_share, "complaints": complaint_density_score(per_100)}
        out.append({
            "month": m.key, "start": m.start.isoformat(), "end": m.end.isoformat(),
            "members": members[i], "new_members": (new.get(m.key) or {}).get("n", 0),
            "complaints_filed": c["filed"], "complaints": c["counted"], "against_members": c["against_members"],
            "complaints_per_100_members": per_100,
            **rates,
            "median_response_hours": medians.get(m.key),
            "certificates_issued": (issued.get(m.key) or {}).get("n", 0), "certificates_live": live[i],
            "blacklist_added": (bl_added.get(m.key) or {}).get("n", 0), "blacklist_active": bl_active[i],
            "graded": graded, "top_grade_share": top_share,
            "components": components, "index": integrity_index(components),
        })
    return {"period": period.as_dict(), "scope": scope.as_dict(), "step": "month", "index_definition": index_definition(), "months": out}


def _grades_by_month(scope: Scope, period: Period, ms: list[Month]) -> list[Counter[str]] | None:
    """Subjects per grade at the end of each month, from the history: the
    state before the period, then each month's moves, added up."""
    if not credit_installed():
        return None
    # one pass over the history: moves before the period under "", then per month
    month = Case(When(at__lt=period.start_at, then=Value("")), default=LocalMonth("at"), output_field=CharField())
    rows = (_grade_history(scope).filter(at__lt=period.end_at).annotate(_m=month).values("_m", "grade", "previous")
            .annotate(n=Count("pk")).order_by())
    delta = _moves(rows)
    running = delta.pop("", Counter())
    out = []
    for m in ms:
        running.update(delta.get(m.key, Counter()))
        out.append(Counter({g: n for g, n in running.items() if g and n > 0}))
    return out


def build(period: Period, scope: Scope) -> dict[str, Any]:
    """Figures and series together, as the page and the exports show them;
    the period's index is the mean of its months' indices."""
    data = figures(period, scope)
    series = monthly(period, scope)
    values = [m["index"] for m in series["months"] if m["index"] is not None]
    data["index"] = {"value": round(sum(values) / len(values), 1) if values else None, "months_with_value": len(values),
                     "months": len(series["months"]), "definition": index_definition()}
    return {"report": data, "series": series}


CACHE_SECONDS = 300


def data_stamp() -> list[Any]:
    """Changes whenever a row is added to a source (the highest ids, read from
    the primary keys) or a status changes (the latest status change): a
    cached report is never older than the data it counts, except for time
    passing (answers falling due), bounded by CACHE_SECONDS."""
    return [
        Complaint.objects.aggregate(a=Max("id"), b=Max("status_changed_at")),
        Application.objects.aggregate(a=Max("id"), b=Max("status_changed_at")),
        Certificate.objects.aggregate(a=Max("id"), b=Max("status_changed_at")),
        ListEntry.objects.aggregate(a=Max("id"), b=Max("lifted_at")),
        Subject.objects.aggregate(a=Max("id")),
        _grade_history(Scope()).aggregate(a=Max("id")) if credit_installed() else None,
    ]


def cached_build(period: Period, scope: Scope) -> dict[str, Any]:
    """`build`, kept in the cache for a few minutes under the period, the
    scope and the data stamp: the page, its downloads and the API then show
    the same figures, and a busy public page does not recount everything."""
    from django.core.cache import cache
    from django.db import connection

    raw = json.dumps([connection.alias, period.as_dict(), scope.query(), data_stamp()], default=str, sort_keys=True)
    key = "reports.build:" + hashlib.sha256(raw.encode()).hexdigest()
    data = cache.get(key)
    if data is None:
        data = build(period, scope)
        cache.set(key, data, CACHE_SECONDS)
    return data


# --- entry points for callers with raw values ------------------------------------------

def report(start: Any = None, end: Any = None, province: Any = None, city: Any = None, industry: Any = None,
           *, period: Any = None) -> dict[str, Any]:
    """The figures of a period, with the period's integrity index (see the
    module docstring). Dates as `datetime.date` or ISO text; region and
    industry codes. Raises ValidationFailed (BadReportQuery) on bad input."""
    return cached_build(parse_period(start, end, preset=period), parse_scope(province, city, industry))["report"]


def series(start: Any = None, end: Any = None, step: str = "month", province: Any = None, city: Any = None,
           industry: Any = None, *, period: Any = None) -> dict[str, Any]:
    """The key figures and the integrity index per month."""
    from django.utils.translation import gettext as _

    from .params import BadReportQuery

    if step not in STEPS:
        raise BadReportQuery(_("Reports go month by month (step=month)."), field="step", code="invalid_step")
    return cached_build(parse_period(start, end, preset=period), parse_scope(province, city, industry))["series"]
