"""Complaints benchmark (issue 5): filing complaints through the real HTTP
API (`POST /api/v1/complaints`, granian started as `chengxin serve` starts
it), from a second process on loopback, sustained for 60 s, on SQLite and on
PostgreSQL; beside it, the database's own raw insert rate for the same rows.
See bench/complaints/README.md.

    .venv/bin/python bench/complaints/bench.py                 # everything
    .venv/bin/python bench/complaints/bench.py --db sqlite --duration 20
    .venv/bin/python bench/complaints/bench.py --profile       # also cProfile of a filing, in-process
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
ROOT = BENCH.parent
DATA = BENCH / ".data" / "complaints"
RESULTS = BENCH / "results"
VENV_PY = ROOT / ".venv" / "bin" / "python"
TARGETS = {"sqlite": 300.0, "postgres": 1000.0}
DATA_VERSION = 1  # bump when _prepare.py writes different data

sys.path.insert(0, str(BENCH))
import search as common  # noqa: E402  (server, private PostgreSQL, CPU from /proc)

log = common.log
env_for = common.env_for


def meta_want(args: argparse.Namespace) -> dict[str, int]:
    return {"version": DATA_VERSION, "consumers": args.consumers, "subjects": args.subjects}


def build_base(env: dict[str, str], tokens: Path, args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    common.run([str(VENV_PY), "-m", "chengxin.cli", "migrate", "--noinput", "-v", "0"], env=env)
    log(f"  migrated in {time.perf_counter() - t0:.1f} s; accounts and subjects through the services (first run only) ...")
    common.run([str(VENV_PY), str(HERE / "_prepare.py"), "--consumers", str(args.consumers),
                "--subjects", str(args.subjects), "--out", str(tokens)], env=env)


# --- per-database preparation: a cached base, a fresh copy for each run --------

def prepare_sqlite(args: argparse.Namespace) -> tuple[dict[str, str], Path, str]:
    d = DATA / "sqlite"
    base, run_db, tokens, meta = d / "base.sqlite3", d / "run.sqlite3", d / "tokens.json", d / "meta.json"
    want = meta_want(args)
    if args.rebuild or not base.exists() or not tokens.exists() or not common.meta_ok(meta, want):
        log(f"SQLite: building {base.relative_to(ROOT)}")
        d.mkdir(parents=True, exist_ok=True)
        for p in (base, Path(f"{base}-wal"), Path(f"{base}-shm"), meta):
            p.unlink(missing_ok=True)
        build_base(env_for(f"sqlite:///{base}", d / "var"), tokens, args)
        with sqlite3.connect(base) as c:  # fold the WAL in, so the file copies whole
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        meta.write_text(json.dumps(want))
    else:
        log(f"SQLite: reusing {base.relative_to(ROOT)}")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{run_db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(base, run_db)
    env = env_for(f"sqlite:///{run_db}", d / "var")
    common.run([str(VENV_PY), "-m", "chengxin.cli", "migrate", "--noinput", "-v", "0"], env=env)
    common.collect_static(env)
    log(f"SQLite: fresh copy {run_db.relative_to(ROOT)} for this run")
    return env, tokens, env["DATABASE_URL"]


class BenchPostgres(common.PrivatePostgres):
    """The search bench's private cluster code, with its own directory."""

    def __init__(self, port: int) -> None:
        super().__init__(port, DATA / "pg")


def prepare_postgres(args: argparse.Namespace, pg: BenchPostgres) -> tuple[dict[str, str], Path, str]:
    pg.start()
    tokens, meta = DATA / "pg-tokens.json", DATA / "pg-meta.json"
    want = meta_want(args)
    if pg.psql("SELECT 1 FROM pg_roles WHERE rolname = 'chengxin'") != "1":
        pg.psql("CREATE ROLE chengxin LOGIN CREATEDB")
    exists = pg.psql("SELECT 1 FROM pg_database WHERE datname = 'cx_base'") == "1"
    if args.rebuild or not exists or not tokens.exists() or not common.meta_ok(meta, want):
        log("PostgreSQL: building database cx_base")
        meta.unlink(missing_ok=True)
        pg.psql("DROP DATABASE IF EXISTS cx_base")
        pg.psql("CREATE DATABASE cx_base OWNER chengxin")
        build_base(env_for(f"postgres://chengxin@127.0.0.1:{pg.port}/cx_base", DATA / "pgvar"), tokens, args)
        meta.write_text(json.dumps(want))
    else:
        log("PostgreSQL: reusing database cx_base")
    pg.psql("DROP DATABASE IF EXISTS cx_run")
    pg.psql("CREATE DATABASE cx_run OWNER chengxin TEMPLATE cx_base")
    url = f"postgres://chengxin@127.0.0.1:{pg.port}/cx_run"
    env = env_for(url, DATA / "pgvar")
    common.run([str(VENV_PY), "-m", "chengxin.cli", "migrate", "--noinput", "-v", "0"], env=env)
    common.collect_static(env)
    log("PostgreSQL: fresh copy cx_run (CREATE DATABASE … TEMPLATE cx_base) for this run")
    return env, tokens, url


# --- one database -------------------------------------------------------------

def stored_numbers(url: str) -> set[str]:
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url[len("sqlite:///"):]) as c:
            return {r[0] for r in c.execute("SELECT number FROM complaints_complaint")}
    import urllib.parse

    import psycopg

    u = urllib.parse.urlparse(url)
    with psycopg.connect(host=u.hostname, port=u.port, user=u.username, dbname=u.path.lstrip("/")) as c:
        return {r[0] for r in c.execute("SELECT number FROM complaints_complaint")}


def run_load(name: str, port: int, tokens: Path, args: argparse.Namespace, roots: list[int], *,
             duration: float, warmup: float, floor: bool = False) -> tuple[dict, dict[str, float]]:  # type: ignore[type-arg]
    """One run of the load generator (a separate process); the CPU time of
    the processes `roots` (and their children) over the measured window."""
    out = DATA / f"load-{name}{'-floor' if floor else ''}.json"
    cmd = [str(VENV_PY), str(HERE / "_load.py"), "--port", str(port), "--tokens", str(tokens),
           "--concurrency", str(args.concurrency), "--warmup", str(warmup),
           "--duration", str(duration), "--out", str(out), "--run-id", f"{name}{int(time.time())}"]
    gen = subprocess.Popen([*cmd, *(["--floor"] if floor else [])], stdout=subprocess.PIPE, text=True, cwd=str(ROOT))
    cpu = {}
    assert gen.stdout
    for line in gen.stdout:
        if line.startswith("MEASURE START"):
            cpu["s0"], cpu["g0"], cpu["t0"] = common.tree_cpu(roots), common.tree_cpu([gen.pid]), time.monotonic()
        elif line.startswith("MEASURE END"):
            cpu["s1"], cpu["g1"], cpu["t1"] = common.tree_cpu(roots), common.tree_cpu([gen.pid]), time.monotonic()
    if gen.wait() != 0:
        raise RuntimeError("the load generator failed")
    return json.loads(out.read_text()), cpu


def bench_db(name: str, env: dict[str, str], tokens: Path, url: str, args: argparse.Namespace,
             db_pids: list[int]) -> dict:  # type: ignore[type-arg]
    port = common.pick_port(args.port)
    res: dict = {"database": name}  # type: ignore[type-arg]
    with common.Server(env, port, f"complaints-{name}", args.workers, args.threads) as server:
        assert server.proc
        log(f"{name}: granian on 127.0.0.1:{port} ({args.workers} workers x {args.threads} blocking threads, as `chengxin serve`)")
        common.wait_quiet(args.wait_quiet)
        load_before = common.loadavg()
        log(f"{name}: load generator (separate process): {args.concurrency} connections, {args.warmup:.0f} s warm-up, "
            f"{args.duration:.0f} s measured (load average {load_before:.2f}) ...")
        roots = [server.proc.pid, *db_pids]
        load, cpu = run_load(name, port, tokens, args, roots, duration=args.duration, warmup=args.warmup)
        if args.floor_duration:
            # the same endpoint with an empty body: authenticated and validated, nothing filed
            floor, fcpu = run_load(name, port, tokens, args, roots, duration=args.floor_duration, warmup=2, floor=True)
            n_floor = max(floor["requests"], 1)
            res["floor"] = {"rps": floor["rps"], "p50": floor["p50"], "errors": floor["errors"],
                            "error_samples": floor["error_samples"],
                            "cpu_ms_per_request": round((fcpu["s1"] - fcpu["s0"]) * 1000 / n_floor, 2)}
            log(f"  floor (empty body, 422, nothing filed): {floor['rps']}/s, server CPU "
                f"{res['floor']['cpu_ms_per_request']} ms/req, {floor['errors']} unexpected answers")
    numbers = load.pop("numbers")
    res.update(load)
    n = max(res["requests"], 1)
    res["loadavg_before"] = round(load_before, 2)
    res["cpu_ms_per_request"] = round((cpu["s1"] - cpu["s0"]) * 1000 / n, 2)
    res["loadgen_cpu_ms_per_request"] = round((cpu["g1"] - cpu["g0"]) * 1000 / n, 2)
    res["server_cores_busy"] = round((cpu["s1"] - cpu["s0"]) / (cpu["t1"] - cpu["t0"]), 2)
    stored = stored_numbers(url)
    res["found"] = sum(1 for x in numbers if x in stored)
    res["duplicate_numbers"] = len(numbers) - len(set(numbers))
    log(f"  {res['created']} filed in {res['seconds']} s = {res['rps']}/s, p50 {res['p50']} ms, p99 {res['p99']} ms, "
        f"{res['errors']} errors; acknowledged {res['acknowledged']} (with warm-up), found {res['found']}; "
        f"server CPU {res['cpu_ms_per_request']} ms/req, load generator {res['loadgen_cpu_ms_per_request']} ms/req"
        + (f"; e.g. {res['error_samples'][0]}" if res["errors"] else "")
        + ("; RAN OUT OF CONSUMER ACCOUNTS (--consumers)" if res["tokens_exhausted"] else ""))
    # the reference: the same rows with plain SQL, one process, one transaction per complaint
    common.wait_quiet(min(args.wait_quiet, 30))
    raw = common.run([str(VENV_PY), str(HERE / "_raw.py"), "--url", url, "--number", numbers[-1],
                      "--duration", str(args.raw_duration)], quiet=True, cwd=str(ROOT))
    res["raw"] = json.loads(raw.stdout.strip().splitlines()[-1])
    res["raw_rate"] = res["raw"]["rate"]
    res["ratio"] = round(res["rps"] / res["raw_rate"], 3) if res["raw_rate"] else float("nan")
    log(f"  raw inserts (same {res['raw']['rows_per_complaint']} rows per complaint, plain SQL): "
        f"{res['raw_rate']}/s; server / raw = {res['ratio'] * 100:.1f} %")
    if args.profile or res["rps"] < TARGETS[name]:
        prof = subprocess.run([str(VENV_PY), str(HERE / "_profile.py"), "--tokens", str(tokens), "--n", "200",
                               "--first", str(len(json.loads(tokens.read_text())["tokens"]) - 100)],
                              env=dict(env, CHENGXIN_LOG_LEVEL="WARNING"), text=True, capture_output=True, cwd=str(ROOT))
        res["profile"] = "\n".join(x for x in prof.stdout.splitlines() if '"logger"' not in x)
        (DATA / f"profile-{name}.txt").write_text(res["profile"] + prof.stderr[-3000:])
        log(f"  in-process profile of a filing: {(DATA / f'profile-{name}.txt').relative_to(ROOT)}")
    return res


def verdict(r: dict) -> bool:  # type: ignore[type-arg]
    return (r["rps"] >= TARGETS[r["database"]] and r["errors"] == 0 and r["found"] == r["acknowledged"]
            and not r["tokens_exhausted"])


def print_table(results: list[dict], skipped: dict[str, str]) -> None:  # type: ignore[type-arg]
    print()
    h = (f"{'database':<10}{'conc':>5}{'filed/s':>9}{'target':>8}{'p50 ms':>8}{'p99 ms':>8}{'errors':>7}"
         f"{'acknowledged':>13}{'found':>8}{'raw/s':>8}{'ratio':>7}{'CPU ms/req':>11}{'floor ms':>9}{'gen ms/req':>11}"
         f"{'load':>6}  verdict")
    print(h)
    print("-" * len(h))
    for r in results:
        print(f"{r['database']:<10}{r['concurrency']:>5}{r['rps']:>9}{TARGETS[r['database']]:>8.0f}{r['p50']:>8}{r['p99']:>8}"
              f"{r['errors']:>7}{r['acknowledged']:>13}{r['found']:>8}{r['raw_rate']:>8}{r['ratio'] * 100:>6.1f}%"
              f"{r['cpu_ms_per_request']:>11}{r.get('floor', {}).get('cpu_ms_per_request', '-'):>9}"
              f"{r['loadgen_cpu_ms_per_request']:>11}{r['loadavg_before']:>6}  "
              f"{'PASS' if verdict(r) else 'FAIL'}")
    for db, why in skipped.items():
        print(f"{db:<10}(skipped) {why}")
    print("filed/s: 201s per second over the measured window; acknowledged/found: every 201's number (warm-up included)\n"
          "looked up in the database afterwards; raw/s: the same rows with plain SQL, one process, one transaction per\n"
          "complaint; ratio: filed/s over raw/s; CPU ms/req: granian (+ PostgreSQL) CPU per filing; floor: the same per\n"
          "request with an empty body (authenticated, validated, nothing filed: 422); gen: the load generator's per filing.")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default="sqlite,postgres")
    ap.add_argument("--duration", type=float, default=60, help="measured seconds")
    ap.add_argument("--warmup", type=float, default=10, help="seconds of filing before measuring (not counted)")
    ap.add_argument("--concurrency", type=int, default=16, help="connections of the load generator")
    ap.add_argument("--consumers", type=int, default=6000, help="consumer accounts (5 filings each per day)")
    ap.add_argument("--subjects", type=int, default=300)
    ap.add_argument("--raw-duration", type=float, default=10)
    ap.add_argument("--floor-duration", type=float, default=10,
                    help="seconds of the floor run (empty body, nothing filed; 0: skip)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)  # chengxin serve: WEB_THREADS=1
    ap.add_argument("--port", type=int, default=8775)
    ap.add_argument("--pg-port", type=int, default=55434)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--profile", action="store_true", help="cProfile of a filing in-process, even if the target is met")
    ap.add_argument("--wait-quiet", type=float, default=60)
    args = ap.parse_args()
    started = time.time()
    results, skipped = [], {}
    for db in [d for d in args.db.split(",") if d]:
        if db == "sqlite":
            env, tokens, url = prepare_sqlite(args)
            results.append(bench_db("sqlite", env, tokens, url, args, []))
        elif db == "postgres":
            pg = BenchPostgres(common.pick_port(args.pg_port))
            if not pg.install():
                skipped["postgres"] = "PostgreSQL is not available"
                continue
            try:
                env, tokens, url = prepare_postgres(args, pg)
                results.append(bench_db("postgres", env, tokens, url, args, [pg.postmaster_pid()]))
            finally:
                pg.stop()
        else:
            ap.error(f"unknown database {db!r}")
    print_table(results, skipped)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / time.strftime("complaints-%Y%m%d-%H%M%S.json", time.localtime(started))
    src_rev = subprocess.run(["git", "log", "-1", "--format=%h", "--", "src"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    out.write_text(json.dumps({"args": vars(args), "cpus": os.cpu_count(), "src": src_rev,
                               "results": results, "skipped": skipped}, ensure_ascii=False, indent=1))
    print(f"results: {out.relative_to(ROOT)}")
    return 0 if results and not skipped and all(verdict(r) for r in results) else 1


if __name__ == "__main__":
    if Path(sys.prefix).resolve() != VENV_PY.parent.parent.resolve() and VENV_PY.exists():
        os.execv(str(VENV_PY), [str(VENV_PY), *sys.argv])  # noqa: S606
    sys.exit(main())
