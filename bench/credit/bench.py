"""Credit benchmark (issue 6): a full recomputation of the credit grades of
1,000,000 subjects from 10,000,000 credit records, on SQLite and on
PostgreSQL, as users run it (`chengxin credit recompute` in a fresh
process), with wall time and peak memory, first run (empty
credit_grade: every grade written), second run (nothing changed: nothing
written) and a run for the next day (what an installation's daily run does:
every grade's date and age change, so every grade is rewritten); beside
it the engine's aggregation (and the scoring, as SQL) run as one query by
DuckDB over the same data, as the speed reference.
Targets: under 5 minutes, under 4 GB, within 10 x DuckDB.
See bench/credit/README.md.

    bash bench/credit/run.sh                       # everything (the first run also generates and loads the data: ~30-40 min)
    bash bench/credit/run.sh --db sqlite
    bash bench/credit/run.sh --explain --profile   # also query plans of one batch and cProfile of a run
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import selectors
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
ROOT = BENCH.parent
DATA = BENCH / ".data" / "credit"
RESULTS = BENCH / "results"
PY = BENCH / ".venv" / "bin" / "python"  # the project's lock plus the `bench` group (run.sh syncs it)
TARGET_S = 300.0
TARGET_RSS_MB = 4096.0
TARGET_RATIO = 10.0
RUNS = ("first", "second", "next_day")  # see bench_db

sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(HERE))
import _data  # noqa: E402
import _gen  # noqa: E402
import search as common  # noqa: E402  (private PostgreSQL cluster, CPU from /proc, load average)

log = common.log


def env_for(url: str, var: Path) -> dict[str, str]:
    return common.env_for(url, var, CHENGXIN_LOG_LEVEL="WARNING")


def run_json(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    res = common.run(cmd, env=env, quiet=True, cwd=str(ROOT))
    for line in res.stdout.splitlines():
        if not line.startswith("{"):
            log("  " + line)
    return json.loads(res.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def migrate(env: dict[str, str]) -> None:
    common.run([str(PY), "-m", "chengxin.cli", "migrate", "--noinput", "-v", "0"], env=env, cwd=str(ROOT))


# --- data: CSV once, then each database ----------------------------------------------------

def csv_want(args: argparse.Namespace) -> dict[str, Any]:
    return {"gen": _gen.GEN_VERSION, "subjects_generator": _data.GENERATOR_VERSION, "subjects": args.subjects,
            "records": args.records, "seed": args.seed}


def prepare_csv(args: argparse.Namespace) -> dict[str, Any]:
    """The generated data (bench/.data/credit/csv), made once; `meta.json`
    holds the parameters, the anchor day and the generation time."""
    d = DATA / "csv"
    meta_path = d / "meta.json"
    want = csv_want(args)
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError):
        meta = {}
    if not args.rebuild and meta.get("want") == want and (d / "records.csv").exists():
        log(f"data: reusing {d.relative_to(ROOT)} (generated {meta['anchor']} in {meta['seconds']:.0f} s)")
        return meta  # type: ignore[no-any-return]
    anchor = dt.date.today().isoformat()
    log(f"data: generating {args.subjects:,} subjects and {args.records:,} credit records (anchor {anchor}) ...")
    shutil.rmtree(d, ignore_errors=True)
    t = time.perf_counter()
    stats = run_json([str(PY), str(HERE / "_gen.py"), "--subjects", str(args.subjects), "--records", str(args.records),
                      "--seed", str(args.seed), "--anchor", anchor, "--out", str(d)])
    meta = {"want": want, "anchor": anchor, "seconds": round(time.perf_counter() - t, 1), "stats": stats,
            "bytes": sum(p.stat().st_size for p in d.glob("*.csv"))}
    meta_path.write_text(json.dumps(meta))
    return meta


def db_want(csv_meta: dict[str, Any]) -> dict[str, Any]:
    return {"csv": csv_meta["want"], "anchor": csv_meta["anchor"]}


def prepare_sqlite(args: argparse.Namespace, csv_meta: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    d = DATA / "sqlite"
    db, meta = d / "credit.sqlite3", d / "meta.json"
    env = env_for(f"sqlite:///{db}", d / "var")
    info: dict[str, Any] = {"file": str(db.relative_to(ROOT))}
    if args.rebuild or not db.exists() or not common.meta_ok(meta, db_want(csv_meta)):
        log(f"SQLite: building {db.relative_to(ROOT)}: migrate, then the CSV files in bulk ...")
        d.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        meta.unlink(missing_ok=True)
        t = time.perf_counter()
        migrate(env)
        info["migrate_s"] = round(time.perf_counter() - t, 1)
        info["load"] = run_json([str(PY), str(HERE / "_load.py"), "--csv", str(DATA / "csv"), "--sqlite", str(db)])
        meta.write_text(json.dumps(db_want(csv_meta)))
        (d / "load.json").write_text(json.dumps(info))
    else:
        log(f"SQLite: reusing {db.relative_to(ROOT)}")
        migrate(env)  # new migrations, if any
        try:
            info = json.loads((d / "load.json").read_text())
        except (OSError, ValueError):
            pass
    info["bytes"] = db.stat().st_size
    return env, info


# what an operator sets on a machine like this one (23 GB, 2 cores) for a
# database of ~6.4 GB, as docs/operations.md recommends; `--pg-settings
# default` runs the cluster with PostgreSQL's defaults (128 MB of shared
# buffers, 4 MB of WAL buffers, a checkpoint at least every 1 GB of WAL)
PG_SETTINGS = {"shared_buffers": "4GB", "wal_buffers": "64MB", "max_wal_size": "8GB", "checkpoint_timeout": "30min"}


class BenchPostgres(common.PrivatePostgres):
    """The search bench's private cluster code, with its own directory."""

    def __init__(self, port: int, settings: dict[str, str]) -> None:
        super().__init__(port, DATA / "pg")
        self.settings = dict(settings)

    def effective(self) -> dict[str, str]:
        """The settings the running server uses (a cluster left running by
        --keep-pg keeps those it was started with)."""
        names = ", ".join(f"'{k}'" for k in PG_SETTINGS)
        out = self.psql(f"SELECT name || '=' || current_setting(name) FROM pg_settings WHERE name IN ({names}) ORDER BY name")
        return dict(line.split("=", 1) for line in out.splitlines() if line)


PG_DB = "cx_credit"


def prepare_postgres(args: argparse.Namespace, csv_meta: dict[str, Any], pg: BenchPostgres) -> tuple[dict[str, str], dict[str, Any]]:
    pg.start()
    meta = DATA / "pg-meta.json"
    env = env_for(f"postgres://chengxin@127.0.0.1:{pg.port}/{PG_DB}", DATA / "pgvar")
    info: dict[str, Any] = {"database": PG_DB}
    if pg.psql("SELECT 1 FROM pg_roles WHERE rolname = 'chengxin'") != "1":
        pg.psql("CREATE ROLE chengxin LOGIN")
    exists = pg.psql(f"SELECT 1 FROM pg_database WHERE datname = '{PG_DB}'") == "1"
    if args.rebuild or not exists or not common.meta_ok(meta, db_want(csv_meta)):
        log(f"PostgreSQL: building database {PG_DB}: migrate, then COPY from the CSV files ...")
        meta.unlink(missing_ok=True)
        pg.psql(f"DROP DATABASE IF EXISTS {PG_DB}")
        pg.psql(f"CREATE DATABASE {PG_DB} OWNER chengxin")
        t = time.perf_counter()
        migrate(env)
        info["migrate_s"] = round(time.perf_counter() - t, 1)
        info["load"] = run_json([str(PY), str(HERE / "_load.py"), "--csv", str(DATA / "csv"), "--pg-dsn",
                                 f"host=127.0.0.1 port={pg.port} user=postgres dbname={PG_DB}"])
        meta.write_text(json.dumps(db_want(csv_meta)))
        (DATA / "pg-load.json").write_text(json.dumps(info))
    else:
        log(f"PostgreSQL: reusing database {PG_DB}")
        migrate(env)
        try:
            info = json.loads((DATA / "pg-load.json").read_text())
        except (OSError, ValueError):
            pass
    info["bytes"] = int(pg.psql(f"SELECT pg_database_size('{PG_DB}')"))
    return env, info


def prepare_duckdb(args: argparse.Namespace, csv_meta: dict[str, Any]) -> tuple[Path, dict[str, Any]]:
    d = DATA / "duckdb"
    db, meta = d / "credit.duckdb", d / "meta.json"
    if args.rebuild or not db.exists() or not common.meta_ok(meta, db_want(csv_meta)):
        log("DuckDB: loading the CSV files (the columns the scoring reads) ...")
        d.mkdir(parents=True, exist_ok=True)
        meta.unlink(missing_ok=True)
        info = run_json([str(PY), str(HERE / "_duck.py"), "load", "--csv", str(DATA / "csv"), "--db", str(db)])
        meta.write_text(json.dumps(db_want(csv_meta)))
        (d / "load.json").write_text(json.dumps(info))
    else:
        log(f"DuckDB: reusing {db.relative_to(ROOT)}")
        info = json.loads((d / "load.json").read_text())
    info["bytes"] = db.stat().st_size
    return db, info


# --- measurements -------------------------------------------------------------------------------

def reset(name: str, env: dict[str, str], pg: BenchPostgres | None) -> None:
    """No grades, no history, no policy row (the first recomputation creates
    it from policies/default.toml, as on a new installation)."""
    if name == "sqlite":
        with sqlite3.connect(env["DATABASE_URL"][len("sqlite:///"):]) as c:
            for t in ("credit_grade", "credit_gradechange", "credit_pendingrecompute", "credit_policy"):
                c.execute(f"DELETE FROM {t}")
        with sqlite3.connect(env["DATABASE_URL"][len("sqlite:///"):]) as c:
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        assert pg
        pg.psql("TRUNCATE credit_grade, credit_gradechange, credit_pendingrecompute; DELETE FROM credit_policy; CHECKPOINT",
                db=PG_DB)


def server_cpu(roots: list[int]) -> float:
    """CPU seconds of the database server so far: its live processes, plus
    what its children that exited (the session's backend, parallel workers)
    used, which the kernel adds to the postmaster's cutime/cstime."""
    if not roots:
        return 0.0
    total = common.tree_cpu(roots)
    for pid in roots:
        try:
            raw = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rfind(")") + 2:].split()
        total += (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
    return total


CLI_LINE = re.compile(r"(\d+) subjects graded under policy (\S+) as of (\S+); (\d+) grade changes; ([\d.]+) s")


def recompute(name: str, env: dict[str, str], args: argparse.Namespace, db_pids: list[int], label: str,
              profile: Path | None = None, as_of: str | None = None) -> dict[str, Any]:
    """One full recomputation as users run it, `chengxin credit recompute`,
    in a fresh process: its wall time, peak RSS and CPU time (wait4), and the
    database server's CPU time (PostgreSQL: the postmaster's process tree,
    from /proc)."""
    common.wait_quiet(args.wait_quiet)
    load = common.loadavg()
    cli = ["-m", "chengxin.cli", "credit", "recompute", "--progress", "never", "--as-of", as_of or args.as_of]
    cmd = [str(PY), *(["-m", "cProfile", "-o", str(profile)] if profile else []), *cli]
    if args.pythonpath:  # a patched copy of src/ first (the DuckDB reference keeps the repository's engine)
        env = dict(env, PYTHONPATH=os.pathsep.join([args.pythonpath, env.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    cpu0 = server_cpu(db_pids)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(ROOT))
    out, err = b"", b""
    sel = selectors.DefaultSelector()
    assert proc.stdout and proc.stderr
    sel.register(proc.stdout, selectors.EVENT_READ)
    sel.register(proc.stderr, selectors.EVENT_READ)
    while sel.get_map():
        for key, _ev in sel.select():
            chunk = os.read(key.fd, 65536)
            if not chunk:
                sel.unregister(key.fileobj)
            elif key.fileobj is proc.stdout:
                out += chunk
            else:
                err += chunk
    _pid, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu1 = server_cpu(db_pids)
    text = out.decode()
    m = CLI_LINE.search(text)
    if proc.returncode != 0 or not m:
        sys.stderr.write(text + err.decode()[-5000:])
        raise RuntimeError(f"chengxin credit recompute failed on {name}")
    res = {"run": label, "wall_s": round(wall, 1), "command_s": float(m.group(5)),
           "cpu_s": round(ru.ru_utime + ru.ru_stime, 1), "peak_rss_mb": round(ru.ru_maxrss / 1024, 1),
           "subjects": int(m.group(1)), "grade_changes": int(m.group(4)), "policy": m.group(2), "as_of": m.group(3),
           "loadavg_before": round(load, 2)}
    if db_pids:
        res["db_cpu_s"] = round(cpu1 - cpu0, 1)
    log(f"  {name} {label} run: {res['wall_s']} s wall ({res['command_s']} s reported by the command, {res['cpu_s']} s CPU"
        + (f", server {res['db_cpu_s']} s CPU" if db_pids else "") + f"), peak RSS {res['peak_rss_mb']} MB, "
        f"{res['subjects']:,} subjects, {res['grade_changes']:,} grade changes (load average before {res['loadavg_before']})")
    return res


def bench_db(name: str, env: dict[str, str], args: argparse.Namespace, duck: Path, pg: BenchPostgres | None,
             timing: dict[str, Any]) -> dict[str, Any]:
    db_pids = [pg.postmaster_pid()] if pg else []
    res: dict[str, Any] = {"database": name}
    if pg:
        res["settings"] = pg.effective()
        log(f"  PostgreSQL settings: {', '.join(f'{k}={v}' for k, v in res['settings'].items())}")
    # an installation's database has been serving for a while: its caches
    # hold what the recomputation reads. One unmeasured run first (the
    # cluster may just have been started, with empty shared buffers)
    res["warm_up"] = recompute(name, env, args, db_pids, "warm-up (not judged)")
    reset(name, env, pg)
    res["first"] = recompute(name, env, args, db_pids, "first")
    res["second"] = recompute(name, env, args, db_pids, "second")
    if args.profile:
        prof = DATA / f"profile-{name}.prof"
        recompute(name, env, args, db_pids, "profiled (second)", profile=prof)
        txt = subprocess.run([str(PY), "-c", f"import pstats; pstats.Stats({str(prof)!r}).sort_stats('cumulative').print_stats(30); "
                              f"pstats.Stats({str(prof)!r}).sort_stats('tottime').print_stats(20)"],
                             capture_output=True, text=True).stdout
        (DATA / f"profile-{name}.txt").write_text(txt)
        log(f"  cProfile: {(DATA / f'profile-{name}.txt').relative_to(ROOT)}")
    if args.explain:
        out = subprocess.run([str(PY), str(HERE / "_explain.py")], env=env, capture_output=True, text=True, cwd=str(ROOT))
        (DATA / f"explain-{name}.txt").write_text(out.stdout + out.stderr[-3000:])
        log(f"  plans of one batch: {(DATA / f'explain-{name}.txt').relative_to(ROOT)}")
    as_of = args.as_of
    if not timing:  # the reference, once
        log(f"DuckDB: the engine's query for all subjects, and the scoring, best of {args.duck_repeat} ...")
        common.wait_quiet(args.wait_quiet)
        timing.update(run_json([str(PY), str(HERE / "_duck.py"), "run", "--db", str(duck), "--as-of", as_of,
                                "--time", str(args.duck_repeat)], env=env))
        log(f"  DuckDB: aggregates {timing['aggregate_best_s']} s, aggregates + scoring {timing['scored_best_s']} s "
            f"({timing['scored_best_cpu_s']} s CPU; runs {timing['aggregate_s']} / {timing['scored_s']}; "
            f"load average before {timing['loadavg_before']})")
    log(f"{name}: checking every grade against DuckDB, and the aggregates of a sample against the engine's own query ...")
    check = run_json([str(PY), str(HERE / "_duck.py"), "run", "--db", str(duck), "--as-of", as_of, "--check",
                      "--sample", str(args.sample)], env=env)
    res["check"] = {k: check[k] for k in ("grades_checked", "grades_mismatched", "mismatch_fields", "mismatch_examples",
                                          "aggregates_sample", "aggregates_mismatched", "aggregates_examples")}
    log(f"  {check['grades_checked']:,} grades compared, {check['grades_mismatched']} differ {check['mismatch_fields'] or ''}; "
        f"aggregates of {check['aggregates_sample']} subjects compared, {check['aggregates_mismatched']} differ")
    # the daily run of an installation: the next day every grade's date and
    # age change, so every grade is rewritten (updated in place), with a
    # history row only where the grade itself changed
    next_day = (dt.date.fromisoformat(as_of) + dt.timedelta(days=1)).isoformat()
    res["next_day"] = recompute(name, env, args, db_pids, "next day", as_of=next_day)
    ref, ref_cpu = timing["scored_best_s"], timing["scored_best_cpu_s"]
    for run in RUNS:
        res[run]["ratio"] = round(res[run]["wall_s"] / ref, 1) if ref else None
        # the same in CPU time (ours + the server's, against all of DuckDB's threads): what other load changes least
        res[run]["cpu_ratio"] = round((res[run]["cpu_s"] + res[run].get("db_cpu_s", 0.0)) / ref_cpu, 1) if ref_cpu else None
    return res


def verdict(r: dict[str, Any]) -> bool:
    return all(r[k]["wall_s"] < TARGET_S and r[k]["peak_rss_mb"] < TARGET_RSS_MB and (r[k]["ratio"] or 1e9) <= TARGET_RATIO
               for k in RUNS) and r["check"]["grades_mismatched"] == 0 and r["check"]["aggregates_mismatched"] == 0


def print_table(results: list[dict[str, Any]], timing: dict[str, Any], skipped: dict[str, str]) -> None:
    print()
    h = (f"{'database':<11}{'run':<10}{'wall s':>8}{'command s':>10}{'CPU s':>7}{'DB CPU s':>9}{'peak RSS MB':>12}"
         f"{'changes':>10}{'x DuckDB':>9}{'CPU x':>7}{'load':>6}  verdict")
    print(h)
    print("-" * len(h))
    for r in results:
        for run in RUNS:
            x = r[run]
            ok = x["wall_s"] < TARGET_S and x["peak_rss_mb"] < TARGET_RSS_MB and (x["ratio"] or 1e9) <= TARGET_RATIO
            print(f"{r['database']:<11}{run:<10}{x['wall_s']:>8}{x['command_s']:>10}{x['cpu_s']:>7}{x.get('db_cpu_s', ''):>9}"
                  f"{x['peak_rss_mb']:>12}{x['grade_changes']:>10,}{x['ratio']:>9}{x['cpu_ratio']:>7}{x['loadavg_before']:>6}  "
                  f"{'PASS' if ok else 'FAIL'}")
    for db, why in skipped.items():
        print(f"{db:<11}(skipped) {why}")
    if timing:
        print(f"DuckDB {timing.get('version', '')} ({timing['threads']} threads): aggregates {timing['aggregate_best_s']} s, "
              f"aggregates + scoring {timing['scored_best_s']} s, {timing['scored_best_cpu_s']} s CPU (best of "
              f"{len(timing['scored_s'])}, load average before {timing['loadavg_before']}).\nx DuckDB = wall s / DuckDB's "
              "aggregates + scoring; CPU x = (CPU s + DB CPU s) / DuckDB's CPU s.")
    for r in results:
        c = r["check"]
        print(f"{r['database']}: {c['grades_checked']:,} grades compared with DuckDB's, {c['grades_mismatched']} differ; "
              f"aggregates of {c['aggregates_sample']} subjects compared with the engine's query, {c['aggregates_mismatched']} differ")
    print(f"targets: wall < {TARGET_S:.0f} s, peak RSS < {TARGET_RSS_MB:.0f} MB, wall <= {TARGET_RATIO:.0f} x DuckDB.")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default="sqlite,postgres")
    ap.add_argument("--subjects", type=int, default=1_000_000)
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--rebuild", action="store_true", help="generate the data again and reload every database")
    ap.add_argument("--pg-port", type=int, default=55435)
    ap.add_argument("--keep-pg", action="store_true", help="leave the private PostgreSQL cluster running")
    ap.add_argument("--pg-settings", choices=("operator", "default"), default="operator",
                    help="start the cluster with the settings docs/operations.md recommends for this machine (default), "
                    "or with PostgreSQL's own defaults (a cluster already running keeps its settings)")
    ap.add_argument("--duck-repeat", type=int, default=3, help="DuckDB: best of N")
    ap.add_argument("--sample", type=int, default=1000, help="subjects whose raw aggregates are compared")
    ap.add_argument("--profile", action="store_true", help="also a cProfile'd (second) run per database")
    ap.add_argument("--explain", action="store_true", help="also the query plans and times of one batch")
    ap.add_argument("--as-of", help="the date the grades are computed for (default: today, Asia/Shanghai, at the start): "
                    "given to every run, so that a second run on the next day still changes nothing")
    ap.add_argument("--pythonpath", default="", help="run `chengxin credit recompute` from this copy of src/ (e.g. the engine "
                    "before a change); the DuckDB reference and the checks use the repository's")
    ap.add_argument("--prepare-only", action="store_true", help="generate and load the data, measure nothing")
    ap.add_argument("--wait-quiet", type=float, default=60,
                    help="before each measured run, wait up to this many seconds for the load average to drop below 1")
    args = ap.parse_args()
    started = time.time()
    if not args.as_of:
        from zoneinfo import ZoneInfo

        args.as_of = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()  # settings.TIME_ZONE
    csv_meta = prepare_csv(args)
    duck, duck_load = prepare_duckdb(args, csv_meta)
    results: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    timing: dict[str, Any] = {}
    loads: dict[str, Any] = {"duckdb": duck_load}
    for db in [d for d in args.db.split(",") if d]:
        if db == "sqlite":
            env, loads["sqlite"] = prepare_sqlite(args, csv_meta)
            if args.prepare_only:
                continue
            results.append(bench_db("sqlite", env, args, duck, None, timing))
        elif db == "postgres":
            pg = BenchPostgres(common.pick_port(args.pg_port), PG_SETTINGS if args.pg_settings == "operator" else {})
            if not pg.install():
                skipped["postgres"] = "PostgreSQL is not available"
                continue
            try:
                env, loads["postgres"] = prepare_postgres(args, csv_meta, pg)
                if args.prepare_only:
                    continue
                results.append(bench_db("postgres", env, args, duck, pg, timing))
            finally:
                if not args.keep_pg:
                    pg.stop()
        else:
            ap.error(f"unknown database {db!r}")
    if args.prepare_only:
        log("prepared: " + json.dumps(loads, default=str))
        return 0
    print_table(results, timing, skipped)
    print(f"data: generated in {csv_meta['seconds']:.0f} s ({csv_meta['bytes'] / 1e9:.1f} GB of CSV); loads: "
          + "; ".join(f"{k} {v.get('load', v).get('seconds', '?')} s" for k, v in loads.items()))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / time.strftime("credit-%Y%m%d-%H%M%S.json", time.localtime(started))
    src_rev = subprocess.run(["git", "log", "-1", "--format=%h", "--", "src"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "src/chengxin/credit"], capture_output=True, text=True,
                           cwd=ROOT).stdout.strip()
    out.write_text(json.dumps({"args": vars(args), "cpus": os.cpu_count(), "src": src_rev, "credit_dirty": bool(dirty),
                               "data": csv_meta, "loads": loads, "duckdb": timing, "results": results,
                               "skipped": skipped}, ensure_ascii=False, indent=1, default=str))
    print(f"results: {out.relative_to(ROOT)}")
    return 0 if results and not skipped and all(verdict(r) for r in results) else 1


if __name__ == "__main__":
    if Path(sys.prefix).resolve() != PY.parent.parent.resolve() and PY.exists():
        os.execv(str(PY), [str(PY), *sys.argv])  # noqa: S606  (re-run in the bench venv)
    sys.exit(main())
