"""Grades from records: the recomputation of all subjects (in worker
processes) or of some, the incremental path the credit sweep runs
(`run_pending`), and the daily full run (`daily_due`). Scoring itself is
`engine`; this module reads batches, scores them and stores what changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Min

from chengxin.core import clock
from chengxin.registry.models import Subject

from . import engine
from .models import Grade, PendingRecompute
from .policy import Policy as ParsedPolicy
from .services import active_policy, conduct_kinds, today

BATCH = 20000  # subjects per batch (one query, one write transaction)


def id_ranges(step: int | None = None) -> Iterable[tuple[int, int]]:
    step = step or BATCH
    bounds = Subject.objects.aggregate(lo=Min("id"), hi=Max("id"))
    if bounds["lo"] is None:
        return
    lo = bounds["lo"]
    while lo <= bounds["hi"]:
        yield lo, lo + step
        lo += step


_STAGE = "credit_grade_new"  # a temporary table: one batch's computed grades
_STAGE_COLUMNS = "subject_id, grade, score, evidence, tenure_days, factors"
_GRADE_COLUMNS = _STAGE_COLUMNS + ", policy_version, as_of, computed_at"  # a staged row, then the batch's constants
_HISTORY_COLUMNS = "subject_id, at, as_of, grade, previous, score, policy_version"


# history: a grade that is new (and rated), or whose grade or policy changed
_HISTORY_SQL = (
    f"INSERT INTO credit_gradechange ({_HISTORY_COLUMNS}) "  # noqa: S608 - constants
    "SELECT t.subject_id, %(at)s, %(as_of)s, t.grade, COALESCE(g.grade, ''), t.score, %(version)s "
    "FROM credit_grade_new t LEFT JOIN credit_grade g ON g.subject_id = t.subject_id AND g.subject_id BETWEEN %(lo)s AND %(hi)s "
    "WHERE CASE WHEN g.subject_id IS NULL THEN t.grade <> '' "
    "ELSE g.computed_at <= %(at)s AND (g.grade <> t.grade OR g.policy_version <> %(version)s) END"
)
# the grades that differ in anything; the stored factors are compared as data:
# jsonb on PostgreSQL, on SQLite the text `_write` writes (sorted keys, no spaces)
_UPSERT_SQL = (
    "INSERT INTO credit_grade (subject_id, grade, score, evidence, tenure_days, policy_version, as_of, factors, computed_at) "
    "SELECT t.subject_id, t.grade, t.score, t.evidence, t.tenure_days, %(version)s, %(as_of)s, t.factors, %(at)s "
    "FROM credit_grade_new t LEFT JOIN credit_grade g ON g.subject_id = t.subject_id AND g.subject_id BETWEEN %(lo)s AND %(hi)s "
    "WHERE g.subject_id IS NULL OR g.computed_at <= %(at)s AND (g.grade <> t.grade OR g.score <> t.score "
    "OR g.evidence <> t.evidence OR g.tenure_days <> t.tenure_days OR g.policy_version <> %(version)s "
    "OR g.as_of <> %(as_of)s OR g.factors <> t.factors) "
    # (SQLite needs a WHERE before ON CONFLICT after a SELECT: a parsing ambiguity)
    "ON CONFLICT (subject_id) DO UPDATE SET grade = excluded.grade, score = excluded.score, "
    "evidence = excluded.evidence, tenure_days = excluded.tenure_days, policy_version = excluded.policy_version, "
    "as_of = excluded.as_of, factors = excluded.factors, computed_at = excluded.computed_at "
    "WHERE credit_grade.computed_at <= excluded.computed_at"
)


def _stage_table(cur: Any) -> None:
    if connection.vendor == "postgresql":
        cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} (subject_id bigint PRIMARY KEY, grade varchar(8), "
                    "score double precision, evidence integer, tenure_days integer, factors jsonb) ON COMMIT DELETE ROWS")
    else:
        cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} (subject_id INTEGER PRIMARY KEY, grade TEXT, "
                    "score REAL, evidence INTEGER, tenure_days INTEGER, factors TEXT)")
    cur.execute(f"DELETE FROM {_STAGE}")  # noqa: S608 - constant


def factors_text(points: dict[str, float]) -> str:
    """The stored form of a grade's factor points: JSON with sorted keys and no
    spaces, exactly `json.dumps(points, sort_keys=True, separators=(",", ":"))`
    (factor codes need no escaping; floats are written as repr, as json does),
    built a few times faster: a full recomputation writes a million."""
    return "{" + ",".join(f'"{k}":{v!r}' for k, v in sorted(points.items())) + "}"


def _rows(results: Sequence[engine.Result]) -> list[tuple[Any, ...]]:
    return [(r.subject_id, r.grade, r.score, r.evidence, r.tenure_days, r.factors_text or factors_text(r.points))
            for r in results]


def _write(results: Sequence[engine.Result], policy: ParsedPolicy, as_of: dt.date, mark: dt.datetime) -> int:
    """Store a batch of computed grades (see `_write_rows`)."""
    return _write_rows(_rows(results), policy, as_of, mark)


def _write_rows(rows: list[tuple[Any, ...]], policy: ParsedPolicy, as_of: dt.date, mark: dt.datetime) -> int:
    """Store a batch of computed grades (`_rows`): upsert the ones that differ
    from the stored grade, and append a history row where the grade or the
    policy changed. Returns the number of history rows. Call inside a
    transaction.

    The batch is staged in a temporary table (COPY on PostgreSQL) and compared
    with the stored grades and written by two statements, so no stored grade
    goes through Python. `mark` is when the batch's records were read: a grade
    computed after it (the credit sweep, after a record was added in between)
    is newer than this batch's and is left as it is.

    A batch whose id range has no grade yet is inserted directly
    (`_insert_new`): a first recomputation writes every grade that way."""
    if not rows:
        return 0
    pg = connection.vendor == "postgresql"
    at = connection.ops.adapt_datetimefield_value(mark)
    day = connection.ops.adapt_datefield_value(as_of)
    # the batch's id range, said explicitly: the temporary table has no
    # statistics, and PostgreSQL otherwise read all of credit_grade to join it
    ids = [row[0] for row in rows]
    params = {"version": policy.version, "as_of": day, "at": at, "lo": min(ids), "hi": max(ids)}
    with connection.cursor() as cur:
        if not _graded(cur, params):
            try:
                with transaction.atomic():
                    return _insert_new(cur, rows, params)
            except IntegrityError:  # a grade appeared in the range meanwhile (the credit sweep): compare with it
                pass
        _stage_table(cur)
        if pg:
            with cur.cursor.copy(f"COPY {_STAGE} ({_STAGE_COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            if len(rows) < 2000:  # a few subjects (the credit sweep): statistics let it look them up one by one
                cur.execute(f"ANALYZE {_STAGE}")
        else:
            cur.executemany(f"INSERT INTO {_STAGE} ({_STAGE_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s)", rows)  # noqa: S608 - constant
        cur.execute(_HISTORY_SQL, params)
        changed = max(cur.rowcount, 0)
        cur.execute(_UPSERT_SQL, params)
    return changed


def _graded(cur: Any, params: dict[str, Any]) -> bool:
    cur.execute("SELECT 1 FROM credit_grade WHERE subject_id BETWEEN %(lo)s AND %(hi)s LIMIT 1", params)
    return cur.fetchone() is not None


def _insert_new(cur: Any, rows: list[tuple[Any, ...]], params: dict[str, Any]) -> int:
    """A batch whose id range has no grade yet (a first recomputation, new
    subjects): every grade is new, so the rows go straight into the grade
    table and a history row for each rated one, without the staging and the
    comparison. A grade stored in the range meanwhile makes the insert fail
    (unique subject): the caller then compares as usual."""
    pg = connection.vendor == "postgresql"
    # COPY is text: the constant columns formatted once, not once per row
    at, day = (params["at"].isoformat(), params["as_of"].isoformat()) if pg else (params["at"], params["as_of"])
    tail = (params["version"], day, at)
    history = [(r[0], at, day, r[1], "", r[2], params["version"]) for r in rows if r[1]]
    if pg:
        with connection.wrap_database_errors:  # psycopg's errors as Django's (IntegrityError)
            with cur.cursor.copy(f"COPY credit_grade ({_GRADE_COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row + tail)
            with cur.cursor.copy(f"COPY credit_gradechange ({_HISTORY_COLUMNS}) FROM STDIN") as copy:
                for row in history:
                    copy.write_row(row)
    else:
        cur.executemany(f"INSERT INTO credit_grade ({_GRADE_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",  # noqa: S608 - constant
                        [row + tail for row in rows])
        cur.executemany(f"INSERT INTO credit_gradechange ({_HISTORY_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s)",  # noqa: S608 - constant
                        history)
    return len(history)


def _batch(scorer: engine.Scorer, policy: ParsedPolicy, as_of: dt.date, batch: dict[str, Any]) -> tuple[int, int]:
    """Recompute one batch: read and score (no write lock held: on SQLite a
    write transaction locks the whole database from its start), then write
    in a short transaction. Returns (subjects, grade changes)."""
    mark = clock.now()
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cur:
            # compiling the aggregate query (JIT) costs more than it saves; the
            # set of superseded records is hashed in memory
            cur.execute("SET LOCAL jit = off")
            cur.execute("SET LOCAL work_mem = '64MB'")
            if _JOB:  # one of several processes: parallel workers would only compete for the same cores
                cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            rows = engine.compute_rows(scorer, **batch)
    else:
        rows = engine.compute_rows(scorer, **batch)
    with transaction.atomic():
        if _JOB and connection.vendor == "postgresql":
            # grades are derived data, rebuilt by the next run: a full
            # recomputation's batches need not wait for their WAL flush
            with connection.cursor() as cur:
                cur.execute("SET LOCAL synchronous_commit = off")
        changed = _write_rows(rows, policy, as_of, mark)
    return len(rows), changed


# a full recomputation in worker processes: what they need, set before they fork
_JOB: dict[str, Any] = {}


def _range_job(rng: tuple[int, int]) -> tuple[int, int]:
    if connection.vendor == "sqlite" and not _JOB.get("tuned"):
        # this process's connection (it ends with the recomputation): a larger
        # page cache for the grade tables' B-trees (upserts ~30 % faster), the
        # staged batch in memory, and no checkpoint after every commit (each
        # copied the pages written since the last one into the database file:
        # ~0.1 s per batch); the parent checkpoints once at the end
        with connection.cursor() as cur:
            cur.execute("PRAGMA cache_size = -131072")
            cur.execute("PRAGMA temp_store = MEMORY")
            cur.execute("PRAGMA wal_autocheckpoint = 0")
        _JOB["tuned"] = True
    return _batch(_JOB["scorer"], _JOB["policy"], _JOB["as_of"], {"id_range": rng})


def _parallel(ranges: list[tuple[int, int]], jobs: int, scorer: engine.Scorer, policy: ParsedPolicy,
              as_of: dt.date, progress: Callable[[int, int], None] | None, total: int) -> tuple[int, int]:
    """The batches of a full recomputation in `jobs` forked processes, each
    with its own database connection (batches are independent; the result
    is the same as one process's). Scoring is Python: processes, not threads."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from django.db import connections

    _JOB.update(scorer=scorer, policy=policy, as_of=as_of)
    connections.close_all()  # never share a connection with a child
    done = changed = 0
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            for future in as_completed([pool.submit(_range_job, rng) for rng in ranges]):
                n, c = future.result()
                done += n
                changed += c
                if progress:
                    progress(done, total)
    finally:
        _JOB.clear()
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:  # what the workers wrote, into the database file (once, not per batch)
            cur.execute("PRAGMA wal_checkpoint(PASSIVE)")
    return done, changed


def _forkable() -> bool:
    """Worker processes open their own connections: not possible for an
    in-memory SQLite database (the tests' default), nor inside a transaction
    (they would not see its writes)."""
    if connection.in_atomic_block:
        return False
    in_memory = getattr(connection, "is_in_memory_db", None)  # SQLite's wrapper only
    return not (connection.vendor == "sqlite" and in_memory is not None and in_memory())


def recompute(*, ids: Sequence[int] | None = None, as_of: dt.date | None = None,
              progress: Callable[[int, int], None] | None = None, jobs: int = 1) -> dict[str, Any]:
    """Recompute the grades of these subjects (all when `ids` is None), in
    `jobs` processes for a full recomputation. Returns counts;
    `progress(done, total)` is called after each batch."""
    policy = active_policy()
    as_of = as_of or today()
    scorer = engine.Scorer(policy, conduct_kinds(), as_of)
    scorer.fast()  # compiled once (before any fork)
    done = changed = 0
    if ids is not None:
        batches: list[dict[str, Any]] = [{"ids": list(ids[i:i + BATCH])} for i in range(0, len(ids), BATCH)]
        total = len(ids)
    else:
        ranges = list(id_ranges())
        batches = [{"id_range": rng} for rng in ranges]
        total = Subject.objects.count()
        jobs = max(1, min(jobs, len(ranges)))
        if jobs > 1 and _forkable():
            done, changed = _parallel(ranges, jobs, scorer, policy, as_of, progress, total)
            batches = []
    for batch in batches:
        n, c = _batch(scorer, policy, as_of, batch)
        done += n
        changed += c
        if progress:
            progress(done, total)
    return {"subjects": done, "grade_changes": changed, "policy": policy.version, "as_of": as_of.isoformat()}


def run_pending(limit: int = 5000) -> int:
    """The incremental path: recompute the subjects whose records changed."""
    rows = list(PendingRecompute.objects.order_by("since").values_list("subject_id", "since")[:limit])
    if not rows:
        return 0
    recompute(ids=[sid for sid, _s in rows])
    for sid, since in rows:  # a change after we read the row keeps it pending
        PendingRecompute.objects.filter(subject_id=sid, since=since).delete()
    return len(rows)


def daily_due() -> bool:
    """True when some grade is older than today (ages changed), or when no
    grade was ever computed."""
    if not Grade.objects.exists():
        return Subject.objects.exists()
    return Grade.objects.filter(as_of__lt=today()).exists()


