"""Copy the bench SQLite database to DEST/chengxin.sqlite3 and add the
prototype's bigram column and FTS5 index (with the triggers a migration would
create). Run apply_proto.py first.

    .venv/bin/python bench/prototype/build_sqlite.py [DEST]
"""

import sqlite3
import sys
import time
from pathlib import Path

DEST = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / ".data" / "proto"
sys.path.insert(0, str(DEST / "src"))
from chengxin.registry.normalize import search_grams  # noqa: E402

BENCH_DB = Path(__file__).resolve().parents[1] / ".data" / "sqlite" / "chengxin.sqlite3"
(DEST / "var").mkdir(parents=True, exist_ok=True)
target = DEST / "var" / "chengxin.sqlite3"
for suffix in ("", "-wal", "-shm"):
    Path(str(target) + suffix).unlink(missing_ok=True)
with sqlite3.connect(BENCH_DB) as source, sqlite3.connect(target) as copy:
    source.backup(copy)
db = sqlite3.connect(target)
t = time.perf_counter()
db.execute("ALTER TABLE registry_subject ADD COLUMN search_grams text NOT NULL DEFAULT ''")
rows = db.execute("SELECT id, search_text FROM registry_subject").fetchall()
db.executemany("UPDATE registry_subject SET search_grams = ? WHERE id = ?", [(search_grams(st), i) for i, st in rows])
db.execute("CREATE VIRTUAL TABLE registry_subject_fts USING fts5(search_grams, content='registry_subject', content_rowid='id', detail=full)")
db.execute("INSERT INTO registry_subject_fts(registry_subject_fts) VALUES('rebuild')")
# keep it in step with the table (what a migration would create)
db.executescript("""
CREATE TRIGGER registry_subject_fts_ai AFTER INSERT ON registry_subject BEGIN
  INSERT INTO registry_subject_fts(rowid, search_grams) VALUES (new.id, new.search_grams);
END;
CREATE TRIGGER registry_subject_fts_ad AFTER DELETE ON registry_subject BEGIN
  INSERT INTO registry_subject_fts(registry_subject_fts, rowid, search_grams) VALUES('delete', old.id, old.search_grams);
END;
CREATE TRIGGER registry_subject_fts_au AFTER UPDATE OF search_grams ON registry_subject BEGIN
  INSERT INTO registry_subject_fts(registry_subject_fts, rowid, search_grams) VALUES('delete', old.id, old.search_grams);
  INSERT INTO registry_subject_fts(rowid, search_grams) VALUES (new.id, new.search_grams);
END;
""")
db.commit()
db.execute("INSERT INTO registry_subject_fts(registry_subject_fts) VALUES('optimize')")
db.commit()
print(f"{target}: built in {time.perf_counter() - t:.1f} s")
