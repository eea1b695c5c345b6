"""Bulk load of the generated CSV files (`_gen.py`) into a migrated, empty
bench database. Not through Django or the services: the rows are written as
they are in the files, with the database's own bulk paths.

* SQLite (`--sqlite FILE`): one connection, `journal_mode=OFF`,
  `synchronous=OFF`, a 512 MB page cache, one transaction; the FTS5 triggers
  on registry_subject and the secondary indexes of registry_subject and
  credit_creditrecord are dropped first and created again afterwards (the
  migrations' own SQL, read back from sqlite_master / registry migration
  0004); `executemany` from the csv reader. The file is left in WAL mode, as
  the application uses it. No ANALYZE (the application never runs one).
* PostgreSQL (`--pg-dsn DSN`, a superuser): `session_replication_role =
  replica` (no foreign-key triggers during the load; the generator writes
  consistent keys, and the bench checks them afterwards), secondary indexes
  dropped and created again (`pg_get_indexdef`), `COPY … FROM STDIN (FORMAT
  csv)`, identity sequences moved past the ids, then `VACUUM ANALYZE` (what
  autovacuum would do after such a load).

Both: the search columns (`search_text`, `search_grams`) are empty in the
files, so the FTS5 table (rebuilt) and the tsvector column hold empty
documents; the credit engine does not read them.

    python bench/credit/_load.py --csv DIR --sqlite FILE
    python bench/credit/_load.py --csv DIR --pg-dsn "host=127.0.0.1 port=55435 user=postgres dbname=cx_credit"
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

TABLES = [("registry_subject", "subjects.csv"), ("credit_creditrecord", "records.csv")]


def log(msg: str) -> None:
    print(msg, flush=True)


def header(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as f:
        return next(csv.reader(f))


NULLABLE = {"uscc", "city_id", "industry_id", "departed_at", "retain_until", "disclosed_until", "until_day",
            "supersedes_id", "created_by_id"}


def rows(f: Iterable[str], cols: list[str]) -> Iterator[list[str | None]]:
    """The CSV rows with NULL as None. Python 3.12's csv reader does not tell
    an unquoted empty field (NULL) from "" (it does from 3.13); in these files
    an empty value in a nullable column is always NULL."""
    idx = [i for i, c in enumerate(cols) if c in NULLABLE]
    for row in csv.reader(f):
        for i in idx:
            if row[i] == "":
                row[i] = None  # type: ignore[call-overload]
        yield row  # type: ignore[misc]


def fts_sql() -> tuple[list[str], list[str]]:
    mod = importlib.import_module("chengxin.registry.migrations.0004_subject_search_index")
    return list(mod.SQLITE_DROP), list(mod.SQLITE_CREATE)


def load_sqlite(csv_dir: Path, path: Path) -> dict[str, float]:
    t0 = time.perf_counter()
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-524288")
    con.execute("PRAGMA foreign_keys=OFF")
    out: dict[str, float] = {}
    con.execute("BEGIN")
    for table, _f in TABLES:
        if con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]:
            raise SystemExit(f"{table} is not empty")
    fts_drop, fts_create = fts_sql()
    for sql in fts_drop:
        con.execute(sql)
    indexes = con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (?, ?)",
        [t for t, _f in TABLES]).fetchall()
    for name, _sql in indexes:
        con.execute(f'DROP INDEX "{name}"')
    for table, fname in TABLES:
        t = time.perf_counter()
        cols = header(csv_dir / fname)
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        with (csv_dir / fname).open(encoding="utf-8", newline="") as f:
            next(f)
            con.executemany(sql, rows(f, cols))
        out[f"{table}_rows_s"] = round(time.perf_counter() - t, 1)
        log(f"  {table}: rows in {out[f'{table}_rows_s']} s")
    t = time.perf_counter()
    for _name, sql in indexes:
        con.execute(sql)
    for sql in fts_create:
        con.execute(sql)
    out["indexes_s"] = round(time.perf_counter() - t, 1)
    log(f"  indexes and search triggers in {out['indexes_s']} s")
    t = time.perf_counter()
    con.execute("COMMIT")
    bad = con.execute("PRAGMA foreign_key_check(registry_subject)").fetchall()
    orphans = con.execute(
        "SELECT count(*) FROM credit_creditrecord r WHERE r.subject_id NOT IN (SELECT id FROM registry_subject) "
        "OR r.kind NOT IN (SELECT code FROM credit_recordkind) "
        "OR (r.supersedes_id IS NOT NULL AND r.supersedes_id NOT IN (SELECT id FROM credit_creditrecord))").fetchone()[0]
    if bad or orphans:
        raise SystemExit(f"foreign keys broken: {bad[:5]} {orphans}")
    con.execute("PRAGMA journal_mode=WAL")
    con.close()
    out["check_s"] = round(time.perf_counter() - t, 1)
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out


def load_postgres(csv_dir: Path, dsn: str) -> dict[str, float]:
    import psycopg

    t0 = time.perf_counter()
    out: dict[str, float] = {}
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute("SET session_replication_role = replica")
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET maintenance_work_mem = '512MB'")
        for table, _f in TABLES:
            if con.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]:
                raise SystemExit(f"{table} is not empty")
        indexes = con.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid IN ('registry_subject'::regclass, 'credit_creditrecord'::regclass) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)").fetchall()
        for name, _sql in indexes:
            con.execute(f'DROP INDEX "{name}"')
        for table, fname in TABLES:
            t = time.perf_counter()
            cols = header(csv_dir / fname)
            with con.transaction(), con.cursor() as cur, cur.copy(
                    f"COPY {table} ({', '.join(cols)}) FROM STDIN WITH (FORMAT csv, HEADER true)") as cp, \
                    (csv_dir / fname).open("rb") as f:
                while block := f.read(1 << 20):
                    cp.write(block)
            out[f"{table}_rows_s"] = round(time.perf_counter() - t, 1)
            log(f"  {table}: COPY in {out[f'{table}_rows_s']} s")
        t = time.perf_counter()
        for _name, sql in indexes:
            con.execute(sql)
        out["indexes_s"] = round(time.perf_counter() - t, 1)
        log(f"  indexes in {out['indexes_s']} s")
        for table, _f in TABLES:
            con.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        con.execute("SET session_replication_role = origin")
        t = time.perf_counter()
        orphans = con.execute(
            "SELECT count(*) FROM credit_creditrecord r WHERE NOT EXISTS (SELECT 1 FROM registry_subject s WHERE s.id = r.subject_id) "
            "OR NOT EXISTS (SELECT 1 FROM credit_recordkind k WHERE k.code = r.kind) "
            "OR (r.supersedes_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM credit_creditrecord x WHERE x.id = r.supersedes_id))"
        ).fetchone()[0]
        orphans += con.execute(
            "SELECT count(*) FROM registry_subject s WHERE NOT EXISTS (SELECT 1 FROM registry_region g WHERE g.code = s.province_id) "
            "OR (s.city_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM registry_region g WHERE g.code = s.city_id)) "
            "OR (s.industry_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM registry_industry i WHERE i.code = s.industry_id))"
        ).fetchone()[0]
        if orphans:
            raise SystemExit(f"foreign keys broken: {orphans} rows")
        out["check_s"] = round(time.perf_counter() - t, 1)
        t = time.perf_counter()
        for table, _f in TABLES:
            con.execute(f"VACUUM ANALYZE {table}")
        out["vacuum_s"] = round(time.perf_counter() - t, 1)
        log(f"  VACUUM ANALYZE in {out['vacuum_s']} s")
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--csv", required=True)
    ap.add_argument("--sqlite")
    ap.add_argument("--pg-dsn")
    args = ap.parse_args()
    if args.sqlite:
        res = load_sqlite(Path(args.csv), Path(args.sqlite))
    else:
        res = load_postgres(Path(args.csv), args.pg_dsn)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
