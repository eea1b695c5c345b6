"""The database's own raw insert rate for the rows one filing writes, as the
reference for the complaints benchmark. One process, the DB driver
(sqlite3 / psycopg) with prepared plain SQL, no Django:

  transaction: INSERT complaint, INSERT its "filed" event, INSERT the
               merchant's notification, INSERT the outbox e-mail; COMMIT
  then, autocommit: INSERT the task-queue row (django_tasks_db), as the
               server's on_commit hook does after its COMMIT.

The rows are copies of those a real filing wrote (the complaint `--number`,
read back from the database), with a new number, idempotency key and dedupe
key each time. SQLite is opened with the settings' PRAGMAs (WAL,
synchronous=NORMAL) and BEGIN IMMEDIATE, like the server; PostgreSQL with
its defaults (fsync and synchronous_commit on).

    python _raw.py --url sqlite:///path.sqlite3 --number TS2026... --duration 10
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
import urllib.parse
import uuid
from typing import Any


def connect(url: str) -> tuple[Any, str]:
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url[len("sqlite:///"):], isolation_level=None)
        conn.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                           "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;")
        return conn, "sqlite"
    import psycopg

    u = urllib.parse.urlparse(url)
    conn = psycopg.connect(host=u.hostname, port=u.port or 5432, user=u.username, dbname=u.path.lstrip("/"))
    return conn, "postgres"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--number", required=True, help="a complaint filed through the API, whose rows are copied")
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--max", type=int, default=200_000)
    args = ap.parse_args()
    conn, vendor = connect(args.url)
    ph = "?" if vendor == "sqlite" else "%s"
    cur = conn.cursor()

    def rows(sql: str, *params: Any) -> list[dict[str, Any]]:
        cur.execute(sql.replace("?", ph), params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    c = rows("SELECT * FROM complaints_complaint WHERE number = ?", args.number)[0]
    events = rows("SELECT * FROM complaints_complaintevent WHERE complaint_id = ? ORDER BY id", c["id"])
    url = f"/me/complaints/{c['number']}"
    notes = rows("SELECT * FROM accounts_notification WHERE url = ? ORDER BY id", url)
    mails = rows("SELECT * FROM core_outboxmessage WHERE dedupe_key LIKE ? ORDER BY id", f"m:{c['id']}:filed:%")
    tasks = rows("SELECT * FROM django_tasks_database_dbtaskresult ORDER BY enqueued_at DESC LIMIT 1")
    if vendor == "postgres":
        conn.rollback()
    if not (events and notes and mails and tasks):
        print(json.dumps({"error": "rows of the filing not found",
                          "found": [len(events), len(notes), len(mails), len(tasks)]}))
        return 1
    wrap = (lambda v: v) if vendor == "sqlite" else _pg_wrap()

    def insert_sql(table: str, row: dict[str, Any], returning: bool = False) -> tuple[str, list[str]]:
        cols = [k for k in row if k != "id" or table == "django_tasks_database_dbtaskresult"]
        sql = (f'INSERT INTO {table} ({", ".join(chr(34) + k + chr(34) for k in cols)}) '
               f'VALUES ({", ".join([ph] * len(cols))})' + (" RETURNING id" if returning else ""))
        return sql, cols

    c_sql, c_cols = insert_sql("complaints_complaint", c, returning=True)
    e_sqls = [insert_sql("complaints_complaintevent", e) for e in events]
    n_sqls = [insert_sql("accounts_notification", n) for n in notes]
    m_sqls = [insert_sql("core_outboxmessage", m) for m in mails]
    t_sql, t_cols = insert_sql("django_tasks_database_dbtaskresult", tasks[0])
    base_c = {k: wrap(v) for k, v in c.items()}
    base_e = [{k: wrap(v) for k, v in e.items()} for e in events]
    base_n = [{k: wrap(v) for k, v in n.items()} for n in notes]
    base_m = [{k: wrap(v) for k, v in m.items()} for m in mails]
    base_t = {k: wrap(v) for k, v in tasks[0].items()}
    stamp = time.time_ns() % 10**8
    begin = "BEGIN IMMEDIATE" if vendor == "sqlite" else None
    n = 0
    t0 = time.perf_counter()
    deadline = t0 + args.duration
    while n < args.max and time.perf_counter() < deadline:
        number = f"TR{stamp:08d}{n:010d}"
        cv = dict(base_c, number=number, idempotency_key=f"raw-{stamp}-{n}")
        if begin:
            cur.execute(begin)
        cur.execute(c_sql, [cv[k] for k in c_cols])
        cid = cur.fetchone()[0]
        for (sql, cols), e in zip(e_sqls, base_e, strict=True):
            cur.execute(sql, [cid if k == "complaint_id" else e[k] for k in cols])
        for (sql, cols), nv in zip(n_sqls, base_n, strict=True):
            cur.execute(sql, [f"/me/complaints/{number}" if k == "url" else nv[k] for k in cols])
        for (sql, cols), m in zip(m_sqls, base_m, strict=True):
            cur.execute(sql, [f"m:{cid}:filed:{n}" if k == "dedupe_key" else m[k] for k in cols])
        if vendor == "sqlite":
            cur.execute("COMMIT")
        else:
            conn.commit()
        cur.execute(t_sql, [str(uuid.uuid4()) if k == "id" else base_t[k] for k in t_cols])
        if vendor == "postgres":
            conn.commit()
        n += 1
    elapsed = time.perf_counter() - t0
    print(json.dumps({"vendor": vendor, "complaints": n, "seconds": round(elapsed, 2),
                      "rate": round(n / elapsed, 1),
                      "rows_per_complaint": 1 + len(events) + len(notes) + len(mails) + 1}))
    return 0


def _pg_wrap() -> Any:
    from psycopg.types.json import Jsonb

    def wrap(v: Any) -> Any:
        return Jsonb(v) if isinstance(v, (dict, list)) else v
    return wrap


if __name__ == "__main__":
    sys.exit(main())
