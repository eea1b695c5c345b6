"""The scoring engine: current credit records -> score, grade, explanation.

The policy is compiled into one aggregate SQL query per batch of subjects
(records grouped by subject, a conditional sum per factor input, weights
decaying with age computed by the database), and each subject's row is
scored by `Scorer`. A full recomputation and the recomputation of one
subject run exactly this code, the first over id ranges and the second with
a list of ids, so both give the same results.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from .models import day_number
from .policy import Factor, Policy

MEMBERSHIP_KIND = "membership.held"  # its tag is the declared size
_SAFE = re.compile(r"^[a-z0-9_.]+$")
RECORDS = "credit_creditrecord"


def _in(values: Iterable[str]) -> str:
    vals = sorted(set(values))
    for v in vals:
        if not _SAFE.match(v):
            raise ValueError(f"unsafe code in policy: {v!r}")
    return "(" + ",".join(f"'{v}'" for v in vals) + ")"


@dataclass
class Result:
    subject_id: int
    score: float
    grade: str  # "" = not rated
    evidence: int
    tenure_days: int
    points: dict[str, float]  # factor code -> points (non-zero only)
    details: dict[str, dict[str, Any]]  # factor code -> inputs (for the explanation)
    capped_by: list[str]


class Scorer:
    """Compiles a policy into SQL columns and scores the rows the query returns."""

    def __init__(self, policy: Policy, conduct_kinds: set[str], as_of: dt.date) -> None:
        self.policy = policy
        self.as_of = as_of
        self.as_of_day = day_number(as_of)
        self.columns: list[str] = []  # SQL aggregate expressions
        self._index: dict[str, int] = {}
        self.k = math.log(2) / policy.half_life_days
        self.kinds = policy.kinds() | conduct_kinds | {MEMBERSHIP_KIND}
        self.evidence_col = self._col(f"r.kind IN {_in(conduct_kinds)}", weighted=False) if conduct_kinds else None
        self.plan: list[tuple[Factor, dict[str, int | None]]] = []
        for f in policy.factors:
            self.plan.append((f, self._factor_columns(f)))
        self.caps = [(c, self._col(f"r.kind IN {_in(c.kinds)}", weighted=False)) for c in policy.caps]

    # --- SQL

    def _col(self, cond: str, *, weighted: bool, window: int | None = None) -> int:
        if window is not None:
            cond = f"{cond} AND r.day > {self.as_of_day - window}"
        value = f"EXP((r.day - {self.as_of_day}) * {self.k!r})" if weighted else "1"
        expr = f"SUM(CASE WHEN {cond} THEN {value} ELSE 0 END)"
        if expr not in self._index:
            self._index[expr] = len(self.columns)
            self.columns.append(expr)
        return self._index[expr]

    def _factor_columns(self, f: Factor) -> dict[str, int | None]:
        if f.type in ("tenure", "contact"):
            return {}
        base = f"r.kind IN {_in(f.kinds)}"
        cols: dict[str, int | None] = {"n": self._col(base, weighted=False, window=f.window_days)}
        cols["w"] = self._col(base, weighted=True, window=f.window_days) if f.decay and f.type != "presence" else None
        if f.type == "rate":
            hit = " OR ".join(
                ([f"r.tag IN {_in(f.tags)}"] if f.tags else []) + ([f"r.kind IN {_in(f.hit_kinds)}"] if f.hit_kinds else [])
            )
            hit_cond = f"{base} AND ({hit})"
            cols["hn"] = self._col(hit_cond, weighted=False, window=f.window_days)
            cols["hw"] = self._col(hit_cond, weighted=True, window=f.window_days) if f.decay else None
        return cols

    def record_filter(self) -> str:
        false = "0" if connection.vendor == "sqlite" else "FALSE"
        return (
            f"r.day <= {self.as_of_day} AND (r.until_day IS NULL OR r.until_day > {self.as_of_day}) "  # noqa: S608 - see sql()
            f"AND r.retraction = {false} AND r.kind IN {_in(self.kinds)} "
            f"AND r.id NOT IN (SELECT x.supersedes_id FROM {RECORDS} x WHERE x.supersedes_id IS NOT NULL)"
        )

    def sql(self, where_subjects: str) -> str:
        if connection.vendor == "sqlite":
            created = "CAST(julianday(s.created_at) - 2440587.5 AS INTEGER)"
        else:
            created = "((s.created_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01')"
        aggs = ", ".join(f"{c} AS c{i}" for i, c in enumerate(self.columns)) or "0 AS c0"
        agg_where = where_subjects.replace("s.id", "r.subject_id")
        return (
            f"SELECT s.id, {created}, CASE WHEN s.contact_phone <> '' OR s.contact_email <> '' THEN 1 ELSE 0 END, "  # noqa: S608 - codes are checked by _SAFE, numbers are ints
            f"{', '.join(f'a.c{i}' for i in range(max(1, len(self.columns))))} "
            f"FROM registry_subject s LEFT JOIN ("
            f"SELECT r.subject_id AS sid, {aggs} FROM {RECORDS} r "
            f"WHERE {self.record_filter()} AND {agg_where} GROUP BY r.subject_id"
            f") a ON a.sid = s.id WHERE {where_subjects} ORDER BY s.id"
        )

    def sizes_sql(self, where_subjects: str) -> str:
        agg_where = where_subjects.replace("s.id", "r.subject_id")
        false = "0" if connection.vendor == "sqlite" else "FALSE"
        return (
            f"SELECT r.subject_id, r.tag FROM {RECORDS} r WHERE r.kind = '{MEMBERSHIP_KIND}' AND r.retraction = {false} "  # noqa: S608 - see sql()
            f"AND r.day <= {self.as_of_day} "
            f"AND r.id NOT IN (SELECT x.supersedes_id FROM {RECORDS} x WHERE x.supersedes_id IS NOT NULL) "
            f"AND {agg_where} ORDER BY r.subject_id, r.day, r.id"
        )

    # --- scoring

    def score(self, row: Sequence[Any], size: str) -> Result:
        p = self.policy
        sid, created_day, contact = row[0], row[1], row[2]
        vals = row[3:]
        tenure_days = max(0, self.as_of_day - int(created_day)) if created_day is not None else 0
        evidence = int(vals[self.evidence_col] or 0) if self.evidence_col is not None else 0
        points: dict[str, float] = {}
        details: dict[str, dict[str, Any]] = {}
        total = 0.0
        for f, cols in self.plan:
            d: dict[str, Any]
            if f.type == "contact":
                d = {"count": int(contact)}
                pts = f.points if contact else 0.0
            elif f.type == "tenure":
                years = round(tenure_days / 365.25, 1)
                d = {"years": years}
                pts = f.points_per_year * years
            else:
                n = int(vals[cols["n"]] or 0)
                wi = cols.get("w")
                w = round(float(vals[wi] or 0.0), 6) if wi is not None else float(n)
                d = {"count": n}
                if wi is not None:
                    d["weighted"] = round(w, 2)
                if f.type == "presence":
                    pts = f.points if n else 0.0
                elif f.type == "count":
                    pts = f.points_each * w
                elif f.type == "volume":
                    normal = f.normal.get(size) or f.normal["unknown"]
                    d["normal"] = normal
                    d["size"] = size
                    pts = f.points_per_excess * max(0.0, w / normal - 1.0)
                else:  # rate
                    hn = int(vals[cols["hn"]] or 0)
                    hwi = cols.get("hw")
                    hw = round(float(vals[hwi] or 0.0), 6) if hwi is not None else float(hn)
                    rate = (hw + f.prior * f.prior_weight) / (w + f.prior_weight) if (w + f.prior_weight) > 0 else f.prior
                    d.update(hits=hn, rate=round(rate, 3), prior=f.prior)
                    if rate >= f.prior:
                        pts = (rate - f.prior) / (1.0 - f.prior) * f.points_above
                    else:
                        pts = (f.prior - rate) / f.prior * f.points_below
            if f.max_points is not None:
                pts = min(pts, f.max_points)
            if f.min_points is not None:
                pts = max(pts, f.min_points)
            pts = round(pts, 1) + 0.0  # -0.0 -> 0.0
            d["points"] = pts
            details[f.code] = d
            if pts:
                points[f.code] = pts
                total += pts
        score = round(min(p.max, max(p.min, p.base + total)), 1)
        grade = p.grade_for(score) if evidence >= p.min_evidence else ""
        capped: list[str] = []
        for cap, col in self.caps:
            if vals[col] and grade and p.grade_rank(grade) < p.grade_rank(cap.grade):
                grade = cap.grade
            if vals[col]:
                capped.append(cap.grade)
        return Result(sid, score, grade, evidence, tenure_days, points, details, capped)


def compute(scorer: Scorer, *, ids: Sequence[int] | None = None, id_range: tuple[int, int] | None = None) -> Iterator[Result]:
    """Score the subjects with these ids, or with lo <= id < hi."""
    if ids is not None:
        if not ids:
            return
        where = "s.id IN (" + ",".join(str(int(i)) for i in ids) + ")"
    elif id_range is not None:
        where = f"s.id >= {int(id_range[0])} AND s.id < {int(id_range[1])}"
    else:
        where = "1 = 1"
    with connection.cursor() as cur:
        cur.execute(scorer.sizes_sql(where))
        sizes = dict(cur.fetchall())
        cur.execute(scorer.sql(where))
        while True:
            rows = cur.fetchmany(5000)
            if not rows:
                break
            for row in rows:
                yield scorer.score(row, sizes.get(row[0]) or "unknown")
