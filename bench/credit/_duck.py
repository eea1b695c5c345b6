"""The DuckDB reference of the credit benchmark.

`load`: the generated CSV files into a DuckDB file, only the columns the
scoring reads (credit_creditrecord: id, subject_id, kind, tag, day, until_day,
retraction, supersedes_id; registry_subject: id, created_at (TIMESTAMPTZ, UTC),
contact_phone, contact_email), under the same table names.

`run` (with Django set up on a bench database, DATABASE_URL …, for the active
policy and the record kinds):

* builds the engine's own SQL for all subjects, `Scorer(policy, conduct_kinds,
  as_of).sql("1 = 1")`, in its PostgreSQL dialect (DuckDB runs it unchanged:
  `AT TIME ZONE`, `::date`, `= FALSE`), and the scoring of `Scorer.score` as
  SQL on top of it (`scoring_sql`: the same float operations in the same
  order, Python's round() as round_even());
* `--time N`: materialises each (aggregates only; aggregates + scoring) into a
  temporary table N times, best time kept (threads = all cores);
* `--check`: compares every subject's grade, score, evidence, tenure and
  factor points with the bench database's credit_grade table, and for
  `--sample` subjects the raw aggregate columns with the engine's own query
  run on the bench database.

Prints one JSON line.

    python bench/credit/_duck.py load --csv DIR --db FILE
    DATABASE_URL=... python bench/credit/_duck.py run --db FILE --as-of 2026-11-23 --time 3 --check
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chengxin.settings")

import duckdb  # noqa: E402

MEMORY = "3GB"


def connect(db: str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(db, read_only=read_only)
    con.execute(f"SET memory_limit = '{MEMORY}'")
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET threads = {os.cpu_count() or 1}")
    return con


def load(csv_dir: Path, db: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    db.unlink(missing_ok=True)
    con = connect(str(db))
    con.execute(
        "CREATE TABLE registry_subject AS SELECT id, created_at, contact_phone, contact_email FROM read_csv(?, header = true, "
        "allow_quoted_nulls = false, columns = {'id': 'BIGINT', 'kind': 'VARCHAR', 'name': 'VARCHAR', 'name_key': 'VARCHAR', "
        "'uscc': 'VARCHAR', 'id_number_enc': 'VARCHAR', 'id_number_hash': 'VARCHAR', 'id_number_masked': 'VARCHAR', "
        "'legal_representative': 'VARCHAR', 'address': 'VARCHAR', 'province_id': 'VARCHAR', 'city_id': 'VARCHAR', "
        "'industry_id': 'VARCHAR', 'contact_name': 'VARCHAR', 'contact_phone': 'VARCHAR', 'contact_email': 'VARCHAR', "
        "'status': 'VARCHAR', 'departed_at': 'VARCHAR', 'retain_until': 'VARCHAR', 'created_at': 'TIMESTAMPTZ', "
        "'updated_at': 'VARCHAR', 'search_text': 'VARCHAR', 'search_grams': 'VARCHAR'})",
        [str(csv_dir / "subjects.csv")])
    con.execute(
        "CREATE TABLE credit_creditrecord AS SELECT id, subject_id, kind, tag, day, until_day, retraction::BOOLEAN AS retraction, "
        "supersedes_id FROM read_csv(?, header = true, allow_quoted_nulls = false, columns = {'id': 'BIGINT', "
        "'subject_id': 'BIGINT', 'kind': 'VARCHAR', 'tag': 'VARCHAR', 'polarity': 'INTEGER', 'source': 'VARCHAR', "
        "'source_name': 'VARCHAR', 'summary': 'VARCHAR', 'summary_en': 'VARCHAR', 'evidence': 'VARCHAR', "
        "'evidence_file': 'VARCHAR', 'evidence_sha256': 'VARCHAR', 'occurred_on': 'DATE', 'day': 'INTEGER', "
        "'disclosed_until': 'DATE', 'until_day': 'INTEGER', 'access': 'VARCHAR', 'ref': 'VARCHAR', "
        "'supersedes_id': 'BIGINT', 'retraction': 'INTEGER', 'reason': 'VARCHAR', 'created_at': 'VARCHAR', "
        "'created_by_id': 'BIGINT'})",
        [str(csv_dir / "records.csv")])
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("registry_subject", "credit_creditrecord")}  # type: ignore[index]
    con.execute("CHECKPOINT")
    con.close()
    return {"seconds": round(time.perf_counter() - t0, 1), "rows": counts}


# --- the engine's SQL and the scoring, for DuckDB -------------------------------------

class _Postgres:
    vendor = "postgresql"


def engine_sql(scorer: Any, where: str) -> tuple[str, str]:
    """The engine's aggregate and size queries in the PostgreSQL dialect,
    whatever database Django is set up on."""
    from chengxin.credit import engine

    saved, bits = engine.connection, getattr(scorer, "bit_sets", False)
    engine.connection = _Postgres()  # type: ignore[assignment]
    scorer.bit_sets = False  # the plain aggregates (the engine's bit-set rewrite is for row-at-a-time databases)
    try:
        return scorer.sql(where), scorer.sizes_sql(where)
    finally:
        engine.connection, scorer.bit_sets = saved, bits


# Python's round(x, 1): the exact binary value of x rounded half to even. DuckDB's
# round()/round_even() work on x * 10 rounded to a double (1.6500000000000001 -> 16.5
# -> 1.6, where Python gives 1.7). Exact: n = floor(10x); compare 10x with n + 1/2
# through s = (16x - (2n + 1)) + 4x, whose sign is exact (16x and 4x are exact, and
# the subtraction is exact by Sterbenz's lemma near a tie). Rounding to 6 places
# (the weighted sums) keeps round_even(): a tie there is far below the sums' own
# rounding noise.
MACROS = [
    "CREATE OR REPLACE TEMP MACRO py_round1_(x, n) AS (CASE WHEN ((16.0::DOUBLE * x - (2.0::DOUBLE * n + 1.0::DOUBLE)) "
    "+ 4.0::DOUBLE * x) > 0 THEN n + 1.0::DOUBLE WHEN ((16.0::DOUBLE * x - (2.0::DOUBLE * n + 1.0::DOUBLE)) + 4.0::DOUBLE * x) < 0 "
    "THEN n WHEN n % 2 = 0 THEN n ELSE n + 1.0::DOUBLE END) / 10.0::DOUBLE",
    "CREATE OR REPLACE TEMP MACRO py_round1(x) AS py_round1_(x, floor(x * 10.0::DOUBLE))",
]


def _d(x: float) -> str:
    return f"CAST({float(x)!r} AS DOUBLE)"


def scoring_sql(scorer: Any, agg_sql: str, sizes_sql: str) -> tuple[str, list[str]]:
    """`Scorer.score` for every row of the engine's query, as SQL. Returns the
    query (sid, score, grade, evidence, tenure_days, then the points of each
    factor) and the factor codes in column order."""
    p = scorer.policy
    ncols = max(1, len(scorer.columns))
    cnames = ", ".join(f"c{i}" for i in range(ncols))
    size_select = "SELECT r.subject_id, r.tag FROM"
    if size_select not in sizes_sql:
        raise SystemExit("the engine's size query changed; adapt _duck.scoring_sql")
    sizes = sizes_sql.replace(size_select, "SELECT r.subject_id, r.tag, r.day, r.id FROM").split(" ORDER BY ")[0]
    # layers of SELECTs, each over the one before, so that no expression is
    # repeated inside another (DuckDB expands a column alias where it is used)
    layers: list[list[str]] = [[] for _ in range(7)]
    layers[0] += [
        f"CASE WHEN created_day IS NULL THEN 0 ELSE GREATEST(0, {scorer.as_of_day} - created_day) END AS tenure_days",
        (f"CAST(COALESCE(c{scorer.evidence_col}, 0) AS BIGINT) AS evidence" if scorer.evidence_col is not None
         else "0 AS evidence"),
        "COALESCE(NULLIF(z.size, ''), 'unknown') AS size_band",
    ]
    layers[1].append("py_round1(CAST(tenure_days AS DOUBLE) / 365.25::DOUBLE) AS years")
    codes: list[str] = []
    for i, (f, cols) in enumerate(scorer.plan):
        codes.append(f.code)
        if f.type == "contact":
            raw = f"CASE WHEN contact <> 0 THEN {_d(f.points)} ELSE 0.0 END"
        elif f.type == "tenure":
            raw = f"{_d(f.points_per_year)} * years"
        else:
            layers[0].append(f"COALESCE(c{cols['n']}, 0) AS n{i}")
            wi = cols.get("w")
            layers[0].append(f"round_even(CAST(COALESCE(c{wi}, 0) AS DOUBLE), 6) AS w{i}" if wi is not None
                             else f"CAST(COALESCE(c{cols['n']}, 0) AS DOUBLE) AS w{i}")
            if f.type == "presence":
                raw = f"CASE WHEN n{i} <> 0 THEN {_d(f.points)} ELSE 0.0 END"
            elif f.type == "count":
                raw = f"{_d(f.points_each)} * w{i}"
            elif f.type == "volume":
                cases = " ".join(f"WHEN '{k}' THEN {_d(v)}" for k, v in sorted(f.normal.items()) if v)
                layers[1].append(f"CASE size_band {cases} ELSE {_d(f.normal['unknown'])} END AS normal{i}")
                raw = f"{_d(f.points_per_excess)} * GREATEST(0.0, w{i} / normal{i} - 1.0)"
            else:  # rate
                hwi = cols.get("hw")
                layers[0].append(f"COALESCE(c{cols['hn']}, 0) AS hn{i}")
                layers[0].append(f"round_even(CAST(COALESCE(c{hwi}, 0) AS DOUBLE), 6) AS hw{i}" if hwi is not None
                                 else f"CAST(COALESCE(c{cols['hn']}, 0) AS DOUBLE) AS hw{i}")
                layers[1].append(f"CASE WHEN (w{i} + {_d(f.prior_weight)}) > 0 THEN (hw{i} + {_d(f.prior * f.prior_weight)}) "
                                 f"/ (w{i} + {_d(f.prior_weight)}) ELSE {_d(f.prior)} END AS rate{i}")
                raw = (f"CASE WHEN rate{i} >= {_d(f.prior)} THEN (rate{i} - {_d(f.prior)}) / {_d(1.0 - f.prior)} * {_d(f.points_above)} "
                       f"ELSE ({_d(f.prior)} - rate{i}) / {_d(f.prior)} * {_d(f.points_below)} END")
        if f.max_points is not None:
            raw = f"LEAST({raw}, {_d(f.max_points)})"
        if f.min_points is not None:
            raw = f"GREATEST({raw}, {_d(f.min_points)})"
        layers[2].append(f"{raw} AS raw{i}")
        layers[3].append(f"py_round1(raw{i}) + 0.0 AS pts{i}")
    total = "0.0"
    for i in range(len(scorer.plan)):
        total = f"({total} + pts{i})"
    layers[4].append(f"LEAST({_d(p.max)}, GREATEST({_d(p.min)}, {_d(p.base)} + {total})) AS unrounded")
    layers[5].append("py_round1(unrounded) AS score")
    grade_for = "CASE " + " ".join(f"WHEN score >= {_d(low)} THEN '{g}'" for g, low in p.grades) + f" ELSE '{p.grades[-1][0]}' END"
    layers[6].append(f"CASE WHEN evidence >= {p.min_evidence} THEN {grade_for} ELSE '' END AS g0")
    rank = {g: j for j, (g, _low) in enumerate(p.grades)}
    for j, (cap, col) in enumerate(scorer.caps):
        better = ", ".join(f"'{g}'" for g, r in rank.items() if r < p.grade_rank(cap.grade))
        layers[0].append(f"COALESCE(c{col}, 0) <> 0 AS cap{j}")
        cond = f"cap{j} AND g{j} IN ({better})" if better else "FALSE"
        layers.append([f"CASE WHEN {cond} THEN '{cap.grade}' ELSE g{j} END AS g{j + 1}"])
    sql = (f"WITH agg(sid, created_day, contact, {cnames}) AS ({agg_sql}), "
           f"sz AS (SELECT subject_id AS sid, last(tag ORDER BY day, id) AS size FROM ({sizes}) m GROUP BY subject_id) ")
    q = f"SELECT a.*, z.size, {', '.join(layers[0])} FROM agg a LEFT JOIN sz z ON z.sid = a.sid"
    for k, exprs in enumerate(layers[1:], 1):
        if exprs:
            q = f"SELECT *, {', '.join(exprs)} FROM ({q}) l{k}"
    out = ["sid", "score", f"g{len(scorer.caps)} AS grade", "evidence", "tenure_days",
           *(f"pts{i}" for i in range(len(scorer.plan)))]
    sql += f"SELECT {', '.join(out)} FROM ({q}) scored"
    return sql, codes


# --- run -------------------------------------------------------------------------------

def best_of(con: duckdb.DuckDBPyConnection, sql: str, n: int, table: str) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds (all of DuckDB's threads) of each of n runs."""
    times, cpus = [], []
    for _ in range(n):
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        t = time.perf_counter()
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {sql}")
        times.append(round(time.perf_counter() - t, 3))
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        cpus.append(round(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime, 2))
    return times, cpus


def close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return (a or 0) == (b or 0)
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def run(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection

    from chengxin.credit import engine, services

    as_of = dt.date.fromisoformat(args.as_of)
    scorer = engine.Scorer(services.active_policy(), services.conduct_kinds(), as_of)
    agg_sql, sizes_sql = engine_sql(scorer, "1 = 1")
    score_sql, codes = scoring_sql(scorer, agg_sql, sizes_sql)
    names = ", ".join(["sid", "created_day", "contact", *(f"c{i}" for i in range(max(1, len(scorer.columns))))])
    agg_sql = f"SELECT * FROM ({agg_sql}) t({names})"
    con = connect(args.db)
    for m in MACROS:
        con.execute(m)
    res: dict[str, Any] = {"as_of": args.as_of, "threads": os.cpu_count(), "columns": len(scorer.columns),
                           "version": duckdb.__version__}
    if args.show_sql:
        print(score_sql, file=sys.stderr)
    if args.time:
        res["loadavg_before"] = round(os.getloadavg()[0], 2)
        res["aggregate_s"], res["aggregate_cpu_s"] = best_of(con, agg_sql, args.time, "agg")
        res["scored_s"], res["scored_cpu_s"] = best_of(con, score_sql, args.time, "scored")
        res["aggregate_best_s"] = min(res["aggregate_s"])
        res["scored_best_s"] = min(res["scored_s"])
        res["scored_best_cpu_s"] = min(res["scored_cpu_s"])
    if not args.check:
        return res
    if not args.time:
        con.execute(f"CREATE OR REPLACE TEMP TABLE agg AS {agg_sql}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE scored AS {score_sql}")
    # 1. every subject's grade against the bench database's credit_grade
    t = time.perf_counter()
    hi = con.execute("SELECT max(sid) FROM scored").fetchone()[0]  # type: ignore[index]
    checked = mismatched = 0
    examples: list[Any] = []
    kinds: dict[str, int] = {}
    step = 50_000
    for lo in range(0, hi + 1, step):
        ours = con.execute("SELECT * FROM scored WHERE sid >= ? AND sid < ? ORDER BY sid", [lo, lo + step]).fetchall()
        with connection.cursor() as cur:
            cur.execute("SELECT subject_id, grade, score, evidence, tenure_days, factors FROM credit_grade "
                        "WHERE subject_id >= %s AND subject_id < %s ORDER BY subject_id", [lo, lo + step])
            theirs = {r[0]: r for r in cur.fetchall()}
        for row in ours:
            sid, score, grade, evidence, tenure, *pts = row
            checked += 1
            g = theirs.pop(sid, None)
            if g is None:
                mismatched += 1
                kinds["missing in credit_grade"] = kinds.get("missing in credit_grade", 0) + 1
                continue
            factors = g[5] if isinstance(g[5], dict) else json.loads(g[5])
            mine = {c: v for c, v in zip(codes, pts, strict=True) if v}
            diff = [name for name, a, b in (("grade", grade, g[1]), ("score", score, g[2]), ("evidence", evidence, g[3]),
                                            ("tenure_days", tenure, g[4]), ("factors", mine, factors)) if a != b]
            if diff:
                mismatched += 1
                for d in diff:
                    kinds[d] = kinds.get(d, 0) + 1
                if len(examples) < 10:
                    examples.append({"subject": sid, "duckdb": [grade, score, evidence, tenure, mine],
                                     "engine": [g[1], g[2], g[3], g[4], factors]})
        if theirs:
            mismatched += len(theirs)
            kinds["missing in duckdb"] = kinds.get("missing in duckdb", 0) + len(theirs)
    res["grades_checked"] = checked
    res["grades_mismatched"] = mismatched
    res["mismatch_fields"] = kinds
    res["mismatch_examples"] = examples
    # 2. the raw aggregates of a sample, against the engine's query on the bench database
    ids = [r[0] for r in con.execute(
        "(SELECT sid FROM scored WHERE sid % 997 = 1 LIMIT ?) UNION (SELECT sid FROM agg ORDER BY c0 DESC NULLS LAST LIMIT 50)",
        [args.sample]).fetchall()]
    where = "s.id IN (" + ",".join(str(i) for i in ids) + ")"
    with connection.cursor() as cur:
        cur.execute(scorer.sql(where))
        engine_rows = {r[0]: r for r in cur.fetchall()}
    duck_rows = {r[0]: r for r in con.execute(f"SELECT * FROM agg WHERE {where.replace('s.id', 'sid')}").fetchall()}
    bad = [i for i in ids if i not in engine_rows or len(engine_rows[i]) != len(duck_rows[i])
           or not all(close(a, b) for a, b in zip(engine_rows[i][1:], duck_rows[i][1:], strict=True))]
    res["aggregates_sample"] = len(ids)
    res["aggregates_mismatched"] = len(bad)
    res["aggregates_examples"] = [{"subject": i, "engine": list(engine_rows.get(i, ())), "duckdb": list(duck_rows[i])}
                                  for i in bad[:3]]
    res["check_s"] = round(time.perf_counter() - t, 1)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    lo = sub.add_parser("load")
    lo.add_argument("--csv", required=True)
    lo.add_argument("--db", required=True)
    ru = sub.add_parser("run")
    ru.add_argument("--db", required=True)
    ru.add_argument("--as-of", required=True)
    ru.add_argument("--time", type=int, default=0, help="best of N")
    ru.add_argument("--check", action="store_true")
    ru.add_argument("--sample", type=int, default=1000)
    ru.add_argument("--show-sql", action="store_true")
    args = ap.parse_args()
    res = load(Path(args.csv), Path(args.db)) if args.cmd == "load" else run(args)
    print(json.dumps(res, default=str))


if __name__ == "__main__":
    main()
