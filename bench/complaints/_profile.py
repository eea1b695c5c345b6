"""Where a filing's time goes, in-process (run with DATABASE_URL /
CHENGXIN_VAR_DIR set on a scratch copy of the bench database):

* the SQL statements one `POST /api/v1/complaints` runs (the whole request
  through Django's test client: middleware, token authentication, ninja,
  `services.file_complaint`, the commit hooks), with their share of time;
* cProfile of `--n` such requests, the biggest costs by cumulative and by own time.

    python bench/complaints/_profile.py --tokens tokens.json --n 300
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import django  # noqa: E402

django.setup()

from _load import body_for  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--first", type=int, default=0, help="first consumer to use (5 filings each)")
    ap.add_argument("--top", type=int, default=30)
    args = ap.parse_args()
    data = json.loads(Path(args.tokens).read_text())
    tokens, subjects = data["tokens"], data["subjects"]
    client = Client(HTTP_HOST="127.0.0.1")
    k = args.first * 5

    def one() -> int:
        nonlocal k
        tok = tokens[k // 5]
        body = body_for(k, subjects)
        resp = client.post("/api/v1/complaints", data=body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {tok}", HTTP_IDEMPOTENCY_KEY=f"prof-{time.time_ns()}-{k}")
        k += 1
        assert resp.status_code == 201, (resp.status_code, resp.content[:300])
        return resp.status_code

    for _ in range(20):  # warm-up
        one()
    with CaptureQueriesContext(connection) as ctx:
        one()
    print(f"SQL of one filing ({connection.vendor}): {len(ctx.captured_queries)} statements")
    for q in ctx.captured_queries:
        print(f"  {float(q['time']) * 1000:6.2f} ms  {q['sql'][:150]}")
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(args.n):
        one()
    plain = (time.perf_counter() - t0) / args.n * 1000
    cpu = (time.process_time() - c0) / args.n * 1000
    print(f"\none filing through the test client, no profiler: {plain:.2f} ms wall, {cpu:.2f} ms CPU (single thread)")
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(args.n):
        one()
    prof.disable()
    for key in ("cumulative", "tottime"):
        s = io.StringIO()
        pstats.Stats(prof, stream=s).strip_dirs().sort_stats(key).print_stats(args.top)
        print(f"\ncProfile, {args.n} filings, sorted by {key}:")
        print("\n".join(line for line in s.getvalue().splitlines() if line.strip())[:12000])


if __name__ == "__main__":
    main()
