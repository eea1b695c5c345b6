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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from .models import MEMBERSHIP_KIND, day_number
from .policy import Factor, Policy

_SAFE = re.compile(r"^[a-z0-9_.]+$")
RECORDS = "credit_creditrecord"
_KIND_IN = re.compile(r"r\.kind IN (\([^)]*\))")
_TAG_IN = re.compile(r"r\.tag IN (\([^)]*\))")


def _in(values: Iterable[str]) -> str:
    vals = sorted(set(values))
    for v in vals:
        if not _SAFE.match(v):
            raise ValueError(f"unsafe code in policy: {v!r}")
    return "(" + ",".join(f"'{v}'" for v in vals) + ")"


def _scoring_index(name: str = "credit_record_scoring") -> str:
    """SQLite: read the records through the index made for the query
    (`credit_record_scoring`, covering, by subject; `credit_record_sizes`,
    the membership records alone). Without statistics (the application never
    runs ANALYZE) SQLite prefers the (kind, day) index for `kind IN (…) AND
    day <= …` (and for `kind = 'membership.held'`), and then reads every
    record of those kinds, from the table, for each batch of subjects: with
    10 million records, about a minute per batch instead of a second (two
    seconds for the sizes)."""
    return f" INDEXED BY {name}" if connection.vendor == "sqlite" else ""


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
    factors_text: str = ""  # `points` as stored (grading.factors_text), when the scorer built it


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
        self._fast: Callable[[Sequence[Any], str], Result] | None = None
        self._fast_rows: Callable[[Sequence[Sequence[Any]], dict[int, str]], list[tuple[Any, ...]]] | None = None
        self.fast_source = ""
        self.bit_sets = True  # see _bit_records
        self.lean, self._presence = self._lean_columns()
        self._pos = {c: i for i, c in enumerate(self.lean)}

    def _lean_columns(self) -> tuple[list[int], dict[int, int]]:
        """The columns the compiled scorer (`fast`) reads, and the count
        columns it only tests for zero that a weighted sum under the same
        condition stands in for: that sum is NULL exactly when no record
        meets the condition (the weights, EXP(...), are never NULL), so
        `count != 0` is `sum IS NOT NULL`. The default policy: 26 -> 15
        aggregates per record (the explanation, `score`, shows the counts and
        reads all of them)."""
        needed: set[int] = set()
        pair: dict[int, int] = {}
        if self.evidence_col is not None:
            needed.add(self.evidence_col)
        needed.update(col for _cap, col in self.caps)
        for f, cols in self.plan:
            if f.type in ("tenure", "contact"):
                continue
            n, w = cols["n"], cols.get("w")
            assert n is not None  # "n" is always a column
            if w is None:
                needed.add(n)  # the count itself: presence, or the weight of an undecayed factor
            else:  # the same condition gives the same count and sum columns (`_col`)
                needed.add(w)
                pair[n] = w
            if f.type == "rate":
                hn, hw = cols["hn"], cols.get("hw")
                assert hn is not None
                needed.add(hn if hw is None else hw)
        presence = {n: w for n, w in pair.items() if n not in needed}
        return sorted(needed), presence

    # --- SQL

    def _weight(self) -> str:
        return f"EXP((r.day - {self.as_of_day}) * CAST({self.k!r} AS DOUBLE PRECISION))"

    def _col(self, cond: str, *, weighted: bool, window: int | None = None) -> int:
        if window is not None:
            cond = f"{cond} AND r.day > {self.as_of_day - window}"
        # FILTER: a record steps only the aggregates whose condition it meets
        # (with CASE … ELSE 0 every record stepped every one of them). No
        # matching record: COUNT gives 0, SUM gives NULL (read as 0).
        if weighted:
            expr = f"SUM({self._weight()}) FILTER (WHERE {cond})"
        else:
            expr = f"COUNT(*) FILTER (WHERE {cond})"
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

    def sql(self, where_subjects: str, *, lean: bool = False) -> str:
        """The aggregate query: one row per subject (id, created day, contact,
        then `self.columns`, or with `lean` only those of `self.lean`)."""
        agg_where = where_subjects.replace("s.id", "r.subject_id")
        if connection.vendor == "sqlite":
            created = "CAST(julianday(s.created_at) - 2440587.5 AS INTEGER)"
        else:
            created = "((s.created_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01')"
        records = self._bit_records(agg_where) if self.bit_sets else None
        if records is not None:
            columns, source = records
        else:
            columns = self.columns
            source = f"{RECORDS} r{_scoring_index()} WHERE {self.record_filter()} AND {agg_where}"
        if lean:
            columns = [columns[i] for i in self.lean]
        aggs = ", ".join(f"{c} AS c{i}" for i, c in enumerate(columns)) or "0 AS c0"
        return (
            f"SELECT s.id, {created}, CASE WHEN s.contact_phone <> '' OR s.contact_email <> '' THEN 1 ELSE 0 END, "  # noqa: S608 - codes are checked by _SAFE, numbers are ints
            f"{', '.join(f'a.c{i}' for i in range(max(1, len(columns))))} "
            f"FROM registry_subject s LEFT JOIN ("
            f"SELECT r.subject_id AS sid, {aggs} FROM {source} GROUP BY r.subject_id"
            f") a ON a.sid = s.id WHERE {where_subjects} ORDER BY s.id"
        )

    def _bit_records(self, agg_where: str) -> tuple[list[str], str] | None:
        """The databases evaluate every aggregate's condition for every record,
        and each `kind IN (…)` list is a lookup: with the default policy's 26
        columns, ~2.5-3 µs per record. Here each record's kind and tag are
        turned into bit sets once (which of the policy's kind lists and tag
        lists they are in; one CASE each) and its weight is computed once, in
        a subquery the planner keeps apart (SQLite: LIMIT -1, a co-routine;
        PostgreSQL: OFFSET 0, ordered by subject so that the aggregation
        reads the index's order instead of sorting; merged into the
        aggregates, the CASEs would be repeated), and the aggregates test
        bits: one batch of 20,000 subjects 755 -> 604 ms on SQLite, 589 ->
        433-546 ms on PostgreSQL. The columns
        are `self.columns`, in the same order, rewritten (`self.bit_sets =
        False`: the plain form). None: more lists than bits."""
        kind_sets: dict[str, int] = {}
        tag_sets: dict[str, int] = {}

        def bit(sets: dict[str, int], col: str) -> Callable[[re.Match[str]], str]:
            def sub(m: re.Match[str]) -> str:
                n = sets.setdefault(m.group(1), len(sets))
                return f"(r.{col} & {1 << n}) <> 0"
            return sub

        weight = self._weight()
        columns = [_TAG_IN.sub(bit(tag_sets, "tb"), _KIND_IN.sub(bit(kind_sets, "kb"), c.replace(weight, "r.w")))
                   for c in self.columns]
        if len(kind_sets) > 62 or len(tag_sets) > 62 or any(_KIND_IN.search(c) or _TAG_IN.search(c) for c in columns):
            return None

        def members(in_list: str) -> set[str]:
            return {v.strip("'") for v in in_list[1:-1].split(",")}

        kind_bits = {k: sum(1 << n for in_list, n in kind_sets.items() if k in members(in_list)) for k in sorted(self.kinds)}
        kb = "CASE r.kind " + " ".join(f"WHEN '{k}' THEN {b}" for k, b in kind_bits.items() if b) + " ELSE 0 END"
        tb = " + ".join(f"(CASE WHEN r.tag IN {in_list} THEN {1 << n} ELSE 0 END)" for in_list, n in tag_sets.items()) or "0"
        keep_apart = "LIMIT -1" if connection.vendor == "sqlite" else "ORDER BY r.subject_id OFFSET 0"
        source = (f"(SELECT r.subject_id AS subject_id, r.day AS day, {weight} AS w, {kb} AS kb, {tb} AS tb "  # noqa: S608 - as sql()
                  f"FROM {RECORDS} r{_scoring_index()} WHERE {self.record_filter()} AND {agg_where} {keep_apart}) r")
        return columns, source

    def sizes_sql(self, where_subjects: str) -> str:
        agg_where = where_subjects.replace("s.id", "r.subject_id")
        false = "0" if connection.vendor == "sqlite" else "FALSE"
        return (
            f"SELECT r.subject_id, r.tag FROM {RECORDS} r{_scoring_index('credit_record_sizes')} WHERE r.kind = '{MEMBERSHIP_KIND}' AND r.retraction = {false} "  # noqa: S608 - see sql()
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
                n = int(vals[cols["n"]] or 0)  # type: ignore[index]  # "n" and "hn" are always columns
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
                    hn = int(vals[cols["hn"]] or 0)  # type: ignore[index]
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

    # --- scoring without the explanation, for whole populations

    def fast(self) -> Callable[[Sequence[Any], str], Result]:
        """`score` without `details` (the explanation), compiled from the policy
        into one straight Python function: the same operations on the same
        values in the same order, so the same score, grade and points, in a
        fraction of the time (no loop over factors, no dictionaries of inputs;
        the full recomputation scores a million subjects). The generated source
        is `self.fast_source`."""
        if self._fast is None:
            self.fast_source = self._fast_source()
            namespace: dict[str, Any] = {"Result": Result}
            self.fast_source += "\n\n" + _rows_source(self.fast_source)
            exec(compile(self.fast_source, f"<credit policy {self.policy.version}>", "exec"), namespace)  # noqa: S102 - numbers and checked codes only
            self._fast = namespace["score"]
            self._fast_rows = namespace["score_rows"]
        return self._fast

    def fast_rows(self) -> Callable[[Sequence[Sequence[Any]], dict[int, str]], list[tuple[Any, ...]]]:
        """`fast()` for a whole chunk of rows at once, returning what a grade
        is stored as: (subject id, grade, score, evidence, tenure days, factor
        text), `grading._rows` of the results. The same generated body in a
        loop, without building the results (a full recomputation stores a
        million grades and needs nothing else of them)."""
        self.fast()
        assert self._fast_rows is not None
        return self._fast_rows

    def _fast_source(self) -> str:
        """The source of `fast()`. Two shortcuts keep the results identical:
        a factor none of whose records exist (its count is 0: its weighted sums
        and hits are then 0 too) gets the points `score` gives for all-zero
        inputs, computed here once; and the tenure points are remembered per
        number of days. Python's round() with digits is the costly operation
        here, so each weighted column is rounded once per subject."""
        p = self.policy
        off = 3  # row: id, created day, contact, then the aggregate columns
        zero = self.score([0, None, 0, *([None] * len(self.columns))], "unknown").details

        def v(col: int | None) -> str:  # the row of the lean query (`sql(lean=True)`)
            return f"row[{self._pos[int(col)] + off}]"  # type: ignore[arg-type]

        def num(x: float) -> str:
            return repr(float(x))

        prelude: list[str] = []
        out = ["def score(row, size):",
               "    created_day = row[1]",
               f"    tenure_days = {self.as_of_day} - int(created_day) if created_day is not None else 0",
               "    if tenure_days < 0:",
               "        tenure_days = 0",
               f"    evidence = int({v(self.evidence_col)} or 0)" if self.evidence_col is not None else "    evidence = 0",
               "    points = {}",
               "    total = 0.0"]
        rounded: set[int] = set()  # weighted columns already rounded (under the same count != 0)

        def weighted(col: int | None, count: str) -> str:
            if col is None:
                return f"float({count})"
            if col not in rounded:
                rounded.add(col)
                body.append(f"w{col} = round(float({v(col)} or 0.0), 6)")
            return f"w{col}"

        for f, cols in self.plan:
            if not _SAFE.match(f.code):
                raise ValueError(f"unsafe factor code: {f.code!r}")
            body: list[str] = []
            ind = "    "
            if f.type == "contact":
                body.append(f"pts = {num(f.points)} if row[2] else 0.0")
            elif f.type == "tenure":
                prelude.append(f"TENURE_{f.code} = {{}}")
                out.append(f"    pts = TENURE_{f.code}.get(tenure_days)")
                out.append("    if pts is None:")
                body.append(f"pts = {num(f.points_per_year)} * round(tenure_days / 365.25, 1)")
                ind = "        "
            else:
                n = f"n{cols['n']}"
                if cols["n"] in self._presence:  # count != 0: its weighted sum is not NULL
                    out.append(f"    if {v(self._presence[cols['n']])} is not None:")
                else:
                    out.append(f"    {n} = int({v(cols['n'])} or 0)")
                    out.append(f"    if {n}:")
                ind = "        "
                w = weighted(cols.get("w"), n)
                if f.type == "presence":
                    body.append(f"pts = {num(f.points)}")
                elif f.type == "count":
                    body.append(f"pts = {num(f.points_each)} * {w}")
                elif f.type == "volume":
                    normal = {k: num(x) for k, x in f.normal.items() if x and _SAFE.match(k)}
                    prelude.append(f"NORMAL_{f.code} = {{{', '.join(f'{k!r}: {x}' for k, x in normal.items())}}}")
                    body.append(f"x = {w} / (NORMAL_{f.code}.get(size) or {num(f.normal['unknown'])}) - 1.0")
                    body.append(f"pts = {num(f.points_per_excess)} * (x if x > 0.0 else 0.0)")
                else:  # rate
                    hn = f"hn{cols['hn']}"
                    if cols.get("hw") is None:
                        body.append(f"{hn} = int({v(cols['hn'])} or 0)")
                    hw = weighted(cols.get("hw"), hn)
                    body.append(f"rate = ({hw} + {num(f.prior * f.prior_weight)}) / ({w} + {num(f.prior_weight)}) "
                                f"if ({w} + {num(f.prior_weight)}) > 0 else {num(f.prior)}")
                    body.append(f"if rate >= {num(f.prior)}:")
                    body.append(f"    pts = (rate - {num(f.prior)}) / {num(1.0 - f.prior)} * {num(f.points_above)}")
                    body.append("else:")
                    body.append(f"    pts = ({num(f.prior)} - rate) / {num(f.prior)} * {num(f.points_below)}")
            if f.max_points is not None:  # min(pts, max_points)
                body.append(f"if {num(f.max_points)} < pts:")
                body.append(f"    pts = {num(f.max_points)}")
            if f.min_points is not None:  # max(pts, min_points)
                body.append(f"if {num(f.min_points)} > pts:")
                body.append(f"    pts = {num(f.min_points)}")
            body.append("pts = round(pts, 1) + 0.0")
            if f.type == "tenure":
                body.append(f"TENURE_{f.code}[tenure_days] = pts")
            out.extend(ind + line for line in body)
            if f.type not in ("contact", "tenure"):
                out.append("    else:")
                out.append(f"        pts = {num(zero[f.code]['points'])}")
            out.append("    if pts:")
            out.append(f"        points[{f.code!r}] = pts")
            out.append("        total += pts")
            out.append(f"    p_{f.code} = pts")
        out.append(f"    x = {num(p.base)} + total")  # round(min(max, max(min, base + total)), 1)
        out.append(f"    if not x > {num(p.min)}:")
        out.append(f"        x = {num(p.min)}")
        out.append(f"    if not x < {num(p.max)}:")
        out.append(f"        x = {num(p.max)}")
        out.append("    score = round(x, 1)")
        out.append(f"    if evidence >= {int(p.min_evidence)}:")
        for i, (g, low) in enumerate(p.grades):
            out.append(f"        {'if' if i == 0 else 'elif'} score >= {num(low)}:")
            out.append(f"            grade = {g!r}")
        out.append("        else:")
        out.append(f"            grade = {p.grades[-1][0]!r}")
        out.append("    else:")
        out.append("        grade = ''")
        out.append("    capped = []")
        for cap, col in self.caps:
            better = tuple(g for g, _low in p.grades if p.grade_rank(g) < p.grade_rank(cap.grade))
            out.append(f"    if {v(col)}:")
            out.append(f"        if grade in {better!r}:")
            out.append(f"            grade = {cap.grade!r}")
            out.append(f"        capped.append({cap.grade!r})")
        # the stored form of `points` (grading.factors_text): keys in sorted order
        out.append("    parts = []")
        for f, _cols in sorted(self.plan, key=lambda fc: fc[0].code):
            out.append(f"    if p_{f.code}:")
            out.append(f"        parts.append('\"{f.code}\":' + repr(p_{f.code}))")
        out.append("    return Result(row[0], score, grade, evidence, tenure_days, points, {}, capped, '{' + ','.join(parts) + '}')")
        return "\n".join(prelude + out) + "\n"


_UNUSED_IN_ROWS = re.compile(r"^\s*(points = \{\}|points\[.*\] = pts|capped = \[\]|capped\.append\(.*\))$")


def _rows_source(source: str) -> str:
    """`score_rows(rows, sizes)` from the source of `score(row, size)`: its
    body in a loop over the rows, without the lines that only build the
    result's `points` and `capped_by`, appending the stored row instead of
    returning a Result."""
    lines = source.splitlines()
    start = lines.index("def score(row, size):")
    body = lines[start + 1:]
    assert body[-1].startswith("    return Result(row[0], score, grade, evidence, tenure_days, points, {}, capped, "), body[-1]
    out = ["def score_rows(rows, sizes):", "    out = []", "    append = out.append", "    get = sizes.get",
           "    for row in rows:", "        size = get(row[0]) or 'unknown'"]
    out += ["    " + line for line in body[:-1] if not _UNUSED_IN_ROWS.match(line)]
    out += ["        append((row[0], grade, score, evidence, tenure_days, '{' + ','.join(parts) + '}'))", "    return out"]
    return "\n".join(out) + "\n"


def _where(ids: Sequence[int] | None, id_range: tuple[int, int] | None) -> str | None:
    if ids is not None:
        return "s.id IN (" + ",".join(str(int(i)) for i in ids) + ")" if ids else None
    if id_range is not None:
        return f"s.id >= {int(id_range[0])} AND s.id < {int(id_range[1])}"
    return "1 = 1"


def _chunks(scorer: Scorer, where: str, lean: bool) -> Iterator[tuple[list[Any], dict[int, str]]]:
    """The rows of the aggregate query a few thousand at a time, with the
    declared sizes of their subjects."""
    with connection.cursor() as cur:
        cur.execute(scorer.sizes_sql(where))
        sizes = dict(cur.fetchall())
    query = scorer.sql(where, lean=lean)  # the compiled scorer reads the lean row
    with _rows_cursor() as rcur:
        if connection.vendor == "postgresql":
            # binary results: the same integers and doubles, without the
            # server writing ~20 numbers per subject as text and the client
            # parsing them back
            rcur.execute(query, binary=True)
        else:
            rcur.execute(query)
        while rows := rcur.fetchmany(5000):
            yield rows, sizes


def compute(scorer: Scorer, *, ids: Sequence[int] | None = None, id_range: tuple[int, int] | None = None,
            explain: bool = True) -> Iterator[Result]:
    """Score the subjects with these ids, or with lo <= id < hi. Without
    `explain` the results have no `details` (and are computed much faster)."""
    where = _where(ids, id_range)
    if where is None:
        return
    for rows, sizes in _chunks(scorer, where, lean=not explain):
        if explain:
            for row in rows:
                yield scorer.score(row, sizes.get(row[0]) or "unknown")
        else:
            fast = scorer.fast()
            for row in rows:
                yield fast(row, sizes.get(row[0]) or "unknown")


def compute_rows(scorer: Scorer, *, ids: Sequence[int] | None = None,
                 id_range: tuple[int, int] | None = None) -> list[tuple[Any, ...]]:
    """`compute(explain=False)` as the rows a grade is stored as
    (`Scorer.fast_rows`), for the recomputation's writes."""
    where = _where(ids, id_range)
    out: list[tuple[Any, ...]] = []
    if where is not None:
        score_rows = scorer.fast_rows()
        for rows, sizes in _chunks(scorer, where, lean=True):
            out += score_rows(rows, sizes)
    return out


def _rows_cursor() -> Any:
    """A cursor for the aggregate query: on PostgreSQL a psycopg cursor that
    binds on the server (Django's bind on the client, and such cursors cannot
    return binary results; the query has no parameters), else Django's."""
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        return psycopg.Cursor(connection.connection)
    return connection.cursor()
