"""Create database chengxin_proto (a copy of chengxin_bench) in the bench
cluster, with the prototype's bigram column, a stored tsvector and its GIN
index. Start the cluster first (e.g. `bench/search.py --db postgres --keep-pg`,
or it is left running by another run). Run apply_proto.py first.

    .venv/bin/python bench/prototype/build_pg.py [DEST] [PORT]
"""

import sys
import time
from pathlib import Path

DEST = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / ".data" / "proto"
PORT = sys.argv[2] if len(sys.argv) > 2 else "55433"
sys.path.insert(0, str(DEST / "src"))
import psycopg  # noqa: E402

from chengxin.registry.normalize import search_grams  # noqa: E402

t = time.perf_counter()
with psycopg.connect(f"host=127.0.0.1 port={PORT} user=postgres dbname=postgres", autocommit=True) as c:
    c.execute("DROP DATABASE IF EXISTS chengxin_proto")
    c.execute("CREATE DATABASE chengxin_proto TEMPLATE chengxin_bench OWNER chengxin")
with psycopg.connect(f"host=127.0.0.1 port={PORT} user=postgres dbname=chengxin_proto") as c:
    c.execute("ALTER TABLE registry_subject ADD COLUMN search_grams text NOT NULL DEFAULT ''")
    rows = c.execute("SELECT id, search_text FROM registry_subject").fetchall()
    with c.cursor() as cur:
        cur.execute("CREATE TEMP TABLE g (id bigint, grams text)")
        with cur.copy("COPY g (id, grams) FROM STDIN") as cp:
            for i, st in rows:
                cp.write_row((i, search_grams(st)))
        cur.execute("UPDATE registry_subject s SET search_grams = g.grams FROM g WHERE g.id = s.id")
    c.execute("ALTER TABLE registry_subject ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_grams)) STORED")
    c.execute("CREATE INDEX registry_subject_search_vector ON registry_subject USING gin (search_vector)")
    c.execute("ALTER TABLE registry_subject OWNER TO chengxin")
with psycopg.connect(f"host=127.0.0.1 port={PORT} user=postgres dbname=chengxin_proto", autocommit=True) as c:
    c.execute("VACUUM FULL ANALYZE registry_subject")
    print(c.execute("SELECT pg_size_pretty(pg_total_relation_size('registry_subject')), pg_size_pretty(pg_relation_size('registry_subject_search_vector'))").fetchone())
with psycopg.connect(f"host=127.0.0.1 port={PORT} user=postgres dbname=chengxin_bench") as c:
    print("bench:", c.execute("SELECT pg_size_pretty(pg_total_relation_size('registry_subject'))").fetchone())
print(f"chengxin_proto: built in {time.perf_counter() - t:.1f} s")
