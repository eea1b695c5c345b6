"""Query plans and times of one batch of the full recomputation (the first
id range `grading.id_ranges()` yields), on the database of DATABASE_URL:
the engine's two queries with their plans (SQLite: EXPLAIN QUERY PLAN;
PostgreSQL: EXPLAIN (ANALYZE, BUFFERS)), then the time of each step of the
batch (queries, scoring, reading old grades and writing, in a transaction
that is rolled back).

    DATABASE_URL=... python bench/credit/_explain.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chengxin.settings")


def main() -> None:
    import django

    django.setup()
    from django.db import connection, transaction

    from chengxin.core import clock
    from chengxin.credit import engine, grading, services

    policy = services.active_policy()
    as_of = services.today()
    scorer = engine.Scorer(policy, services.conduct_kinds(), as_of)
    lo, hi = next(iter(grading.id_ranges()))
    where = f"s.id >= {lo} AND s.id < {hi}"
    print(f"{connection.vendor}, batch {lo} <= id < {hi}, {len(scorer.columns)} aggregate columns\n")
    with connection.cursor() as cur:
        for label, sql in (("sizes", scorer.sizes_sql(where)), ("aggregate", scorer.sql(where))):
            print(f"--- {label} query ({len(sql)} characters):\n{sql[:700]} …\n")
            if connection.vendor == "sqlite":
                cur.execute("EXPLAIN QUERY PLAN " + sql)
                for row in cur.fetchall():
                    print("   ", row)
            else:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                for (line,) in cur.fetchall():
                    print("   ", line)
            t = time.perf_counter()
            cur.execute(sql)
            n = len(cur.fetchall())
            print(f"\n    {n} rows in {time.perf_counter() - t:.2f} s\n")
    t = time.perf_counter()
    results = list(engine.compute(scorer, id_range=(lo, hi), explain=False))
    t_compute = time.perf_counter() - t
    t = time.perf_counter()
    engine.compute_rows(scorer, id_range=(lo, hi))
    t_compute_rows = time.perf_counter() - t
    with connection.cursor() as cur:
        cur.execute(scorer.sizes_sql(where))
        sizes = dict(cur.fetchall())
        cur.execute(scorer.sql(where))
        rows = cur.fetchall()
        cur.execute(scorer.sql(where, lean=True))  # what the compiled scorer reads
        lean_rows = cur.fetchall()
    t = time.perf_counter()
    for row in rows:
        scorer.score(row, sizes.get(row[0]) or "unknown")
    t_explained = time.perf_counter() - t
    fast = scorer.fast()
    t = time.perf_counter()
    for row in lean_rows:
        fast(row, sizes.get(row[0]) or "unknown")
    t_score = time.perf_counter() - t
    t = time.perf_counter()
    scorer.fast_rows()(lean_rows, sizes)
    t_score_rows = time.perf_counter() - t
    with transaction.atomic():
        t = time.perf_counter()
        grading._write(results, policy, as_of, clock.now())
        t_write = time.perf_counter() - t
        transaction.set_rollback(True)
    n = max(1, len(rows))
    print(f"engine.compute(explain=False) (queries + scoring): {t_compute:.2f} s, of which scoring {t_score:.2f} s "
          f"({t_score / n * 1e6:.1f} µs per subject; with the explanation, Scorer.score: {t_explained / n * 1e6:.1f} µs); "
          f"_write: {t_write:.2f} s (rolled back)\n"
          f"engine.compute_rows (what the recomputation runs: queries + scoring into the stored rows): {t_compute_rows:.2f} s, "
          f"of which scoring {t_score_rows:.2f} s ({t_score_rows / n * 1e6:.1f} µs per subject)")


if __name__ == "__main__":
    main()
