"""Diagnostics for the search benchmark (run by `search.py --explain`, with
DATABASE_URL / CHENGXIN_VAR_DIR pointing at a bench database): for a few
typical queries, the SQL each endpoint runs (through Django's test client,
in-process), the time of each statement, and the database's query plan."""

from __future__ import annotations

import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chengxin.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from chengxin.registry import services  # noqa: E402
from chengxin.registry.models import Subject  # noqa: E402

SAMPLES = [("common 2 chars", "杭州"), ("brand 2 chars", "华鑫"), ("4 chars", "网络科技"), ("USCC prefix", "91330106"), ("miss", "麒麟饕餮")]


def plan(sql: str, params: tuple) -> list[str]:  # type: ignore[type-arg]
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("EXPLAIN QUERY PLAN " + sql, params)
            return [" " * 2 + str(r[-1]) for r in cur.fetchall()]
        cur.execute("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " + sql, params)
        return ["  " + r[0] for r in cur.fetchall()]


def main() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    print(f"database: {connection.vendor}, subjects: {Subject.objects.count():,}")
    for label, q in SAMPLES:
        for name, url in (("api", f"/api/v1/subjects?q={q}"), ("page", f"/search?q={q}")):
            client.get(url)  # warm
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                resp = client.get(url)
                total = (time.perf_counter() - t0) * 1000
            print(f"\n{label} q={q!r} {name}: HTTP {resp.status_code}, {len(ctx.captured_queries)} queries, "
                  f"{total:.1f} ms in-process (sum of SQL {sum(float(x['time']) for x in ctx.captured_queries) * 1000:.1f} ms)")
            for x in ctx.captured_queries:
                print(f"  {float(x['time']) * 1000:8.1f} ms  {x['sql'][:150]}")
    qs = services.search_subjects(q="华鑫")
    count_sql, count_params = qs.order_by().values("pk").query.sql_with_params()
    print("\nplan of the COUNT (same WHERE):")
    for line in plan(f"SELECT COUNT(*) FROM ({count_sql}) t", count_params):
        print(line)
    page_sql, page_params = qs[:20].query.sql_with_params()
    print("\nplan of the first page (ORDER BY name_key, id LIMIT 20):")
    for line in plan(page_sql, page_params):
        print(line)


if __name__ == "__main__":
    main()
