"""Search benchmark: partial-name search over 100,000 subjects through the
real HTTP stack (granian serving chengxin.wsgi, with the command line
`chengxin serve` builds), on SQLite and on PostgreSQL, for the JSON API
(`/api/v1/subjects?q=`) and the HTML page (`/search?q=`).

    .venv/bin/python bench/search.py                  # everything (see --help)
    .venv/bin/python bench/search.py --db sqlite --requests 500
    .venv/bin/python bench/search.py --explain        # queries per request + query plans

The database is generated once and cached under bench/.data/ (SQLite file
and a private PostgreSQL cluster); `--rebuild` regenerates it. The load
generator is this process: a pool of threads, each with its own keep-alive
http.client connection to 127.0.0.1, bounded by --requests and --duration.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / ".data"
RESULTS = BENCH / "results"
VENV_PY = ROOT / ".venv" / "bin" / "python"
TARGET_P95_MS = 50.0

sys.path.insert(0, str(BENCH))
import _data  # noqa: E402


def log(msg: str) -> None:
    print(f"[bench] {msg}", flush=True)


# --- helpers ---------------------------------------------------------------

def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CHENGXIN_VAR_DIR", "DEBUG")}
    env["DJANGO_SETTINGS_MODULE"] = "chengxin.settings"
    env.setdefault("CHENGXIN_ENV", "development")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def env_for(url: str, var: Path, **extra: str) -> dict[str, str]:
    """The environment of a `chengxin` process on a bench database."""
    env = base_env()
    env["DATABASE_URL"] = url
    env["CHENGXIN_VAR_DIR"] = str(var)
    env.update(extra)
    return env


def run(cmd: list[str], env: dict[str, str] | None = None, quiet: bool = False, **kw) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def, type-arg]
    res = subprocess.run(cmd, env=env, text=True, capture_output=True, **kw)
    if res.returncode != 0:
        sys.stderr.write(res.stdout + res.stderr)
        raise RuntimeError(f"command failed ({res.returncode}): {' '.join(cmd)}")
    if not quiet and res.stdout.strip():
        for line in res.stdout.strip().splitlines():
            log("  " + line)
    return res


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pick_port(preferred: int) -> int:
    if port_free(preferred):
        return preferred
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def meta_ok(path: Path, want: dict[str, int]) -> bool:
    try:
        return bool(json.loads(path.read_text()) == want)
    except (OSError, ValueError):
        return False


def migrate_and_load(env: dict[str, str], n: int, seed: int) -> None:
    t0 = time.perf_counter()
    run([str(VENV_PY), "-m", "chengxin.cli", "migrate", "--noinput", "-v", "0"], env=env)
    log(f"  migrated in {time.perf_counter() - t0:.1f} s; loading {n:,} subjects in bulk (first run only) ...")
    run([str(VENV_PY), str(BENCH / "_data.py"), "load", "--n", str(n), "--seed", str(seed)], env=env)


def collect_static(env: dict[str, str]) -> None:
    """What `chengxin serve` does before starting granian (into the bench var dir)."""
    run([str(VENV_PY), "-m", "chengxin.cli", "collectstatic", "--noinput", "-v", "0"], env=env, quiet=True)


# --- SQLite ----------------------------------------------------------------

def prepare_sqlite(args: argparse.Namespace) -> dict[str, str]:
    var = DATA / "sqlite"
    db = var / "chengxin.sqlite3"
    meta = var / "bench-meta.json"
    want = _data.meta(args.n, args.seed)
    env = base_env()
    env["CHENGXIN_VAR_DIR"] = str(var)
    env["DATABASE_URL"] = f"sqlite:///{db}"
    if args.sqlite_db:
        env["DATABASE_URL"] = f"sqlite:///{Path(args.sqlite_db).resolve()}"
        log(f"SQLite: serving {args.sqlite_db} as it is")
        var.mkdir(parents=True, exist_ok=True)
        collect_static(env)
        return env
    if args.rebuild or not db.exists() or not meta_ok(meta, want):
        log(f"SQLite: building {db.relative_to(ROOT)}")
        var.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        meta.unlink(missing_ok=True)
        migrate_and_load(env, args.n, args.seed)
        meta.write_text(json.dumps(want))
    else:
        log(f"SQLite: reusing {db.relative_to(ROOT)} ({args.n:,} subjects)")
        # pick up new migrations, if any, without reloading
        run([str(VENV_PY), "-m", "chengxin.cli", "migrate", "--noinput", "-v", "0"], env=env)
    collect_static(env)
    return env


# --- PostgreSQL ------------------------------------------------------------

class PrivatePostgres:
    """A private cluster under bench/.data/pg (or `directory`: each bench has
    its own) on 127.0.0.1 only, kept between runs (so the rows are loaded
    once) but stopped after each run."""

    def __init__(self, port: int, directory: Path | None = None) -> None:
        self.dir = directory or DATA / "pg"
        self.data = self.dir / "data"
        self.sock = self.dir / "run"
        self.port = port
        self.bin = self.find_bin()
        self.started = False
        self.settings: dict[str, str] = {}  # server settings given at start (-c name=value), beyond the defaults

    @staticmethod
    def find_bin() -> Path | None:
        cands = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True)
        for d in cands:
            if all((d / x).exists() for x in ("pg_ctl", "initdb", "postgres")):
                return d
        return None

    def as_pg(self, cmd: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd

    def install(self) -> bool:
        if self.bin:
            return True
        if os.geteuid() != 0:
            log("PostgreSQL is not installed and we are not root (apt-get install postgresql)")
            return False
        log("PostgreSQL is not installed: apt-get install -y postgresql postgresql-contrib ...")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        for attempt in range(60):  # another process may hold the dpkg lock
            res = subprocess.run(["apt-get", "install", "-y", "-q", "postgresql", "postgresql-contrib"],
                                 env=env, text=True, capture_output=True)
            if res.returncode == 0:
                break
            if "lock" in (res.stderr + res.stdout).lower():
                log(f"  apt/dpkg is locked, waiting ({attempt + 1}) ...")
                time.sleep(10)
                continue
            if "Unable to locate" in res.stderr or "has no installation candidate" in res.stderr:
                subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
                continue
            sys.stderr.write(res.stderr[-2000:])
            return False
        self.bin = self.find_bin()
        return self.bin is not None

    def pg_ctl(self, *extra: str, check: bool = True) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
        assert self.bin
        cmd = self.as_pg([str(self.bin / "pg_ctl"), "-D", str(self.data), *extra])
        res = subprocess.run(cmd, text=True, capture_output=True)
        if check and res.returncode != 0:
            sys.stderr.write(res.stdout + res.stderr)
            log_file = self.dir / "server.log"
            if log_file.exists():
                sys.stderr.write(log_file.read_text()[-3000:])
            raise RuntimeError("pg_ctl " + " ".join(extra) + " failed")
        return res

    def start(self) -> None:
        assert self.bin
        owner = ["chown", "-R", "postgres:postgres", str(self.dir)] if os.geteuid() == 0 else None
        if not (self.data / "PG_VERSION").exists():
            log(f"PostgreSQL: initdb {self.data.relative_to(ROOT)} ({self.bin.parent.name})")
            shutil.rmtree(self.dir, ignore_errors=True)
            self.sock.mkdir(parents=True)
            (self.dir / "hba.conf").write_text(
                "local all all trust\nhost all all 127.0.0.1/32 trust\n"
            )
            if owner:
                subprocess.run(owner, check=True)
            os.chmod(self.dir, 0o700)
            res = subprocess.run(self.as_pg([str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                                             "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"]),
                                 text=True, capture_output=True)
            if res.returncode != 0:
                sys.stderr.write(res.stdout + res.stderr)
                raise RuntimeError("initdb failed")
        if self.pg_ctl("status", check=False).returncode == 0:
            # another run (or --keep-pg) has it up: use it and leave it running
            self.port = int((self.data / "postmaster.pid").read_text().splitlines()[3])
            log(f"PostgreSQL: using the bench cluster already running on 127.0.0.1:{self.port} (left running)")
            return
        if owner:
            subprocess.run(owner, check=True)
        opts = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.sock} "
                f"-c hba_file={self.dir / 'hba.conf'} -c max_connections=50"
                + "".join(f" -c {k}={v}" for k, v in self.settings.items()))
        self.pg_ctl("-l", str(self.dir / "server.log"), "-w", "-t", "60", "-o", opts, "start")
        self.started = True
        log(f"PostgreSQL: private cluster on 127.0.0.1:{self.port}"
            + (" (" + ", ".join(f"{k}={v}" for k, v in self.settings.items()) + ")" if self.settings else ""))

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        if self.started:
            self.pg_ctl("-m", "fast", "-w", "stop", check=False)
            self.started = False
            log("PostgreSQL: cluster stopped")

    def psql(self, sql: str, db: str = "postgres") -> str:
        assert self.bin
        res = subprocess.run(
            [str(self.bin / "psql"), "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
             "-p", str(self.port), "-U", "postgres", "-d", db, "-c", sql],
            text=True, capture_output=True,
        )
        if res.returncode != 0:
            raise RuntimeError(f"psql failed: {res.stderr}")
        return res.stdout.strip()


def prepare_postgres(args: argparse.Namespace, pg: PrivatePostgres) -> dict[str, str]:
    pg.start()
    meta = pg.dir / "bench-meta.json"
    want = _data.meta(args.n, args.seed)
    env = base_env()
    env["CHENGXIN_VAR_DIR"] = str(DATA / "pgvar")
    env["DATABASE_URL"] = f"postgres://chengxin@127.0.0.1:{pg.port}/chengxin_bench"
    if args.pg_database:
        env["DATABASE_URL"] = f"postgres://chengxin@127.0.0.1:{pg.port}/{args.pg_database}"
        log(f"PostgreSQL: serving database {args.pg_database} as it is")
        collect_static(env)
        return env
    exists = pg.psql("SELECT 1 FROM pg_database WHERE datname = 'chengxin_bench'") == "1"
    if args.rebuild or not exists or not meta_ok(meta, want):
        log("PostgreSQL: building database chengxin_bench")
        meta.unlink(missing_ok=True)
        if pg.psql("SELECT 1 FROM pg_roles WHERE rolname = 'chengxin'") != "1":
            pg.psql("CREATE ROLE chengxin LOGIN")
        pg.psql("DROP DATABASE IF EXISTS chengxin_bench")
        pg.psql("CREATE DATABASE chengxin_bench OWNER chengxin")
        migrate_and_load(env, args.n, args.seed)
        meta.write_text(json.dumps(want))
        if os.geteuid() == 0:
            subprocess.run(["chown", "postgres:postgres", str(meta)], check=False)
    else:
        log(f"PostgreSQL: reusing database chengxin_bench ({args.n:,} subjects)")
        run([str(VENV_PY), "-m", "chengxin.cli", "migrate", "--noinput", "-v", "0"], env=env)
    collect_static(env)
    return env


# --- CPU accounting (contention-independent cost per request) ----------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_table() -> dict[int, tuple[int, float]]:
    """pid -> (ppid, utime+stime seconds) for every process."""
    out: dict[int, tuple[int, float]] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            raw = (d / "stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rfind(")") + 2 :].split()
        out[int(d.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK)
    return out


def tree_cpu(roots: list[int]) -> float:
    """CPU seconds used so far by the processes `roots` and their descendants."""
    table = _proc_table()
    children: dict[int, list[int]] = defaultdict(list)
    for pid, (ppid, _cpu) in table.items():
        children[ppid].append(pid)
    total, stack, seen = 0.0, list(roots), set()
    while stack:
        pid = stack.pop()
        if pid in seen or pid not in table:
            continue
        seen.add(pid)
        total += table[pid][1]
        stack.extend(children.get(pid, []))
    return total


def loadavg() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def wait_quiet(limit_s: float) -> None:
    """Wait (at most limit_s) until the 1-minute load is below 1: other work on
    the machine skews latency figures."""
    deadline = time.monotonic() + limit_s
    if loadavg() >= 1.0 and limit_s > 0:
        log(f"load average {loadavg():.2f}: waiting up to {limit_s:.0f} s for the machine to be quiet ...")
    while loadavg() >= 1.0 and time.monotonic() < deadline:
        time.sleep(5)


# --- the server --------------------------------------------------------------

def serve_command(env: dict[str, str], port: int, workers: int, threads: int) -> list[str]:
    """The granian command line `chengxin serve` runs: its own granian_command(),
    evaluated under the bench environment (settings, PYTHONPATH), with its
    /pub/ mount created as `serve` does."""
    code = ("import django, json; django.setup(); from django.conf import settings; "
            "from chengxin.core.management.commands.serve import granian_command; "
            "settings.CHENGXIN_PUBLIC_DIR.mkdir(parents=True, exist_ok=True); "
            f"print(json.dumps(granian_command({{'host': '127.0.0.1', 'port': {port}, 'workers': {workers}, "
            f"'threads': {threads}}}, settings.CHENGXIN_PUBLIC_DIR)))")
    res = run([str(VENV_PY), "-c", code], env=env, quiet=True, cwd=str(ROOT))
    cmd: list[str] = json.loads(res.stdout.strip().splitlines()[-1])
    return cmd


class Server:
    """granian, started with the command line `chengxin serve` builds."""

    def __init__(self, env: dict[str, str], port: int, name: str, workers: int, threads: int) -> None:
        self.port = port
        (DATA / "logs").mkdir(parents=True, exist_ok=True)
        self.log_path = DATA / "logs" / f"granian-{name}.log"
        self.cmd = serve_command(env, port, workers, threads)
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.log_file = open(self.log_path, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(self.cmd, env=self.env, stdout=self.log_file, stderr=subprocess.STDOUT,
                                     cwd=str(ROOT), start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"granian exited ({self.proc.returncode}); see {self.log_path}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"granian did not become ready; see {self.log_path}")

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()


# --- queries -----------------------------------------------------------------

MISSES = ["麒麟饕餮", "鲲鹏量子", "霸王龙", "蜂鸟", "熊猫乐园", "zzqxj", "notexist", "量子纠缠", "葫芦娃", "qwertyuiop"]
# What people type into a registry search box: the brand (字号) or part of it,
# the start of the name (region + brand), brand + industry, a broad industry
# word, a (partial) credit code, a domain, and things that are not there.
QUERY_MIX = [("brand", 33), ("prefix", 15), ("brand_ind", 12), ("broad", 5),
             ("uscc", 10), ("domain", 15), ("miss", 10)]


def _han(text: str) -> str:
    return "".join(ch for ch in text if "\u4e00" <= ch <= "\u9fff")


def _window(text: str, rng: random.Random, lo: int = 2, hi: int = 4) -> str | None:
    """2-4 consecutive characters of `text`, starting at its beginning or inside it."""
    if len(text) < lo:
        return None
    k = rng.randint(lo, min(hi, len(text)))
    start = rng.randint(0, len(text) - k)
    return text[start : start + k]


def make_queries(n_rows: int, data_seed: int, count: int, seed: int) -> list[tuple[str, str]]:
    """(class, q) pairs drawn from the generated names, codes and domains."""
    rng = random.Random(seed)
    rows = list(_data.generate(min(n_rows, 20_000), data_seed))  # i.i.d. rows: a prefix is a fair sample
    named = [r for r in rows if r.brand]
    with_code = [r for r in rows if r.uscc]
    with_domain = [r for r in rows if any(s.kind == "domain" for s in r.sites)]
    classes = [c for c, _w in QUERY_MIX]
    weights = [w for _c, w in QUERY_MIX]
    out: list[tuple[str, str]] = []
    while len(out) < count:
        cls = rng.choices(classes, weights=weights)[0]
        q: str | None = None
        if cls == "brand":  # the brand, or 2-3 characters of a longer one
            b = rng.choice(named).brand
            q = b if len(b) <= 3 or rng.random() < 0.5 else _window(b, rng, 2, 3)
        elif cls == "prefix":  # how the name starts: region (+ brand)
            q = _han(rng.choice(rows).name)[: rng.randint(2, 4)]
        elif cls == "brand_ind":  # brand + start of the industry word, at most 4 characters
            r = rng.choice(named)
            q = (r.brand + r.word)[: max(len(r.brand) + 1, 3)][:4]
        elif cls == "broad":
            w = rng.choice(named).word
            q = w if len(w) <= 4 else w[: rng.randint(2, 4)]
        elif cls == "uscc":
            code = rng.choice(with_code).uscc or ""
            q = code if rng.random() < 0.3 else code[: rng.randint(8, 14)]
        elif cls == "domain":
            dom = rng.choice([s.domain for s in rng.choice(with_domain).sites if s.kind == "domain"])
            dom = dom.removeprefix("www.")
            q = dom if rng.random() < 0.5 else dom.split(".")[0].split("-")[0]
        else:
            q = rng.choice(MISSES)
        if q and len(q) >= 2:
            out.append((cls, q))
    return out


# --- the load generator ------------------------------------------------------

ENDPOINTS = {
    "api": "/api/v1/subjects?q={q}",
    "page": "/search?q={q}",
}


def pct(sorted_ms: list[float], p: float) -> float:
    if not sorted_ms:
        return float("nan")
    k = max(0, min(len(sorted_ms) - 1, math.ceil(p / 100 * len(sorted_ms)) - 1))
    return sorted_ms[k]


def load_run(port: int, endpoint: str, queries: list[tuple[str, str]], *, concurrency: int,
             max_requests: int, duration: float) -> dict:  # type: ignore[type-arg]
    path_t = ENDPOINTS[endpoint]
    lock = threading.Lock()
    counter = iter(range(max_requests))
    samples: list[tuple[str, float, int, int]] = []  # class, ms, status, hits (api)
    errors: list[str] = []
    deadline = time.monotonic() + duration
    headers = {"Accept-Language": "zh-CN,zh;q=0.9", "User-Agent": "chengxin-bench/1", "Connection": "keep-alive"}

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        local: list[tuple[str, float, int, int]] = []
        while time.monotonic() < deadline:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            cls, q = queries[i % len(queries)]
            path = path_t.format(q=urllib.parse.quote(q))
            for attempt in (1, 2):
                t0 = time.perf_counter()
                try:
                    conn.request("GET", path, headers=headers)
                    resp = conn.getresponse()
                    body = resp.read()
                    ms = (time.perf_counter() - t0) * 1000
                    break
                except (http.client.HTTPException, OSError) as exc:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    if attempt == 2:
                        with lock:
                            errors.append(f"{type(exc).__name__}: {exc}")
                        resp = None
            if resp is None:
                continue
            hits = -1
            if endpoint == "api" and resp.status == 200:
                hits = int(json.loads(body).get("count", -1))
            if resp.status != 200:
                with lock:
                    errors.append(f"HTTP {resp.status} for {path}")
            local.append((cls, ms, resp.status, hits))
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.close()
        with lock:
            samples.extend(local)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    ok = sorted(ms for _c, ms, st, _h in samples if st == 200)
    by_class: dict[str, list[float]] = defaultdict(list)
    hits_by_class: dict[str, list[int]] = defaultdict(list)
    for cls, ms, st, hits in samples:
        if st == 200:
            by_class[cls].append(ms)
            if hits >= 0:
                hits_by_class[cls].append(hits)
    return {
        "endpoint": endpoint,
        "requests": len(samples),
        "errors": len(errors),
        "error_samples": errors[:5],
        "seconds": round(elapsed, 2),
        "rps": round(len(samples) / elapsed, 1) if elapsed else 0.0,
        "p50": round(pct(ok, 50), 1), "p95": round(pct(ok, 95), 1),
        "p99": round(pct(ok, 99), 1), "max": round(ok[-1], 1) if ok else float("nan"),
        "by_class": {
            c: {
                "n": len(v), "p50": round(pct(sorted(v), 50), 1), "p95": round(pct(sorted(v), 95), 1),
                "median_hits": sorted(hits_by_class[c])[len(hits_by_class[c]) // 2] if hits_by_class[c] else None,
                "zero_hits": sum(1 for h in hits_by_class[c] if h == 0) if hits_by_class[c] else None,
            }
            for c, v in sorted(by_class.items())
        },
    }


def bench_db(name: str, env: dict[str, str], args: argparse.Namespace, queries: list[tuple[str, str]],
             db_pids: list[int] | None = None) -> list[dict]:  # type: ignore[type-arg]
    port = pick_port(args.port)
    results = []
    if args.pythonpath:
        env = dict(env, PYTHONPATH=os.pathsep.join([args.pythonpath, env.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    with Server(env, port, name, args.workers, args.threads) as server:
        log(f"{name}: granian on 127.0.0.1:{port} ({args.workers} workers x {args.threads} blocking threads, "
            f"as `chengxin serve`)"
            + (f", PYTHONPATH={args.pythonpath}" if args.pythonpath else ""))
        assert server.proc
        for endpoint in args.endpoints:
            # warm-up: imports, template loading, connections, page cache
            load_run(port, endpoint, queries[-args.warmup:], concurrency=args.concurrency,
                     max_requests=args.warmup, duration=60)
            wait_quiet(args.wait_quiet)
            load_before = loadavg()
            roots = [server.proc.pid, *(db_pids or [])]
            cpu0 = tree_cpu(roots)
            log(f"{name} {endpoint}: up to {args.requests} requests / {args.duration:.0f} s, concurrency {args.concurrency} "
                f"(load average {load_before:.2f}) ...")
            res = load_run(port, endpoint, queries, concurrency=args.concurrency,
                           max_requests=args.requests, duration=args.duration)
            cpu = tree_cpu(roots) - cpu0
            res["database"] = args.label.get(name, name)
            res["loadavg_before"] = round(load_before, 2)
            res["cpu_ms_per_request"] = round(cpu * 1000 / res["requests"], 1) if res["requests"] else float("nan")
            results.append(res)
            log(f"  {res['requests']} requests, {res['rps']} req/s, p50 {res['p50']} ms, p95 {res['p95']} ms, p99 {res['p99']} ms, "
                f"server+db CPU {res['cpu_ms_per_request']} ms/request"
                + (f", {res['errors']} errors e.g. {res['error_samples'][0]}" if res["errors"] else ""))
    return results


def print_table(results: list[dict], skipped: dict[str, str]) -> None:  # type: ignore[type-arg]
    print()
    w = max([11, *(len(r["database"]) + 2 for r in results)])
    header = (f"{'database':<{w}}{'endpoint':<28}{'requests':>9}{'errors':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}"
              f"{'p99 ms':>9}{'max ms':>9}{'CPU ms/req':>11}{'load':>6}  p95<{TARGET_P95_MS:.0f}ms")
    print(header)
    print("-" * len(header))
    for r in results:
        verdict = "PASS" if r["p95"] < TARGET_P95_MS and not r["errors"] else "FAIL"
        ep = ENDPOINTS[r["endpoint"]].replace("{q}", "…")
        print(f"{r['database']:<{w}}{ep:<28}{r['requests']:>9}{r['errors']:>7}{r['rps']:>8}{r['p50']:>9}{r['p95']:>9}"
              f"{r['p99']:>9}{r['max']:>9}{r['cpu_ms_per_request']:>11}{r['loadavg_before']:>6}  {verdict}")
    for db, why in skipped.items():
        print(f"{db:<{w}}{'(skipped)':<28}  {why}")
    print("CPU ms/req: CPU time of granian (and PostgreSQL) per request, independent of other load;\n"
          "load: 1-minute load average before the run (other work on the machine inflates latency).")
    print()
    print("p95 by query class, ms (the API rows also show the median number of matches)")
    classes = [c for c, _w in QUERY_MIX]
    print(f"{'database':<{w}}{'endpoint':<9}" + "".join(f"{c:>15}" for c in classes))
    for r in results:
        cells = []
        for c in classes:
            s = r["by_class"].get(c)
            if not s:
                cells.append(f"{'-':>15}")
                continue
            cells.append(f"{s['p95']:>15}")
        print(f"{r['database']:<{w}}{r['endpoint']:<9}" + "".join(cells))
    api = next((r for r in results if r["endpoint"] == "api"), None)
    if api:
        print(f"{'matches (median, API)':<{w + 9}}" + "".join(
            f"{(api['by_class'].get(c) or {}).get('median_hits', '-')!s:>15}" for c in classes))
    worst = [r for r in results if r["p95"] >= TARGET_P95_MS or r["errors"]]
    print()
    if not results:
        print("VERDICT: nothing measured")
    elif worst:
        print("VERDICT: target p95 < 50 ms MISSED for " + ", ".join(f"{r['database']} {r['endpoint']} ({r['p95']} ms)" for r in worst))
    else:
        print("VERDICT: target p95 < 50 ms met everywhere")


def explain(env: dict[str, str], name: str, pythonpath: str = "") -> None:
    log(f"{name}: queries per request and query plans")
    if pythonpath:
        env = dict(env, PYTHONPATH=pythonpath)
    subprocess.run([str(VENV_PY), str(BENCH / "_explain.py")], env=env, check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite,postgres", help="comma list: sqlite,postgres")
    parser.add_argument("--endpoint", default="api,page", help="comma list: api,page")
    parser.add_argument("--n", type=int, default=100_000, help="subjects in the bench database")
    parser.add_argument("--seed", type=int, default=20240601, help="data generator seed")
    parser.add_argument("--query-seed", type=int, default=7)
    parser.add_argument("--requests", type=int, default=1500, help="measured requests per endpoint and database (max)")
    parser.add_argument("--duration", type=float, default=60, help="seconds per endpoint and database (max)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2, help="granian workers (chengxin serve: WEB_CONCURRENCY=2)")
    parser.add_argument("--threads", type=int, default=1, help="granian blocking threads per worker (chengxin serve: WEB_THREADS=1)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--pg-port", type=int, default=55433)
    parser.add_argument("--rebuild", action="store_true", help="regenerate the cached databases")
    parser.add_argument("--explain", action="store_true", help="also print queries per request and query plans")
    parser.add_argument("--keep-pg", action="store_true", help="leave the private PostgreSQL cluster running")
    parser.add_argument("--wait-quiet", type=float, default=60,
                        help="before each measured run, wait up to this many seconds for the load average to drop below 1")
    trial = parser.add_argument_group("trying a change (scratch copies; the cached bench databases are not touched)")
    trial.add_argument("--pythonpath", default="", help="put this directory (a patched copy of src/) first on the server's path")
    trial.add_argument("--sqlite-db", default="", help="serve this SQLite file instead of the cached bench database")
    trial.add_argument("--pg-database", default="", help="serve this database of the bench cluster instead of chengxin_bench "
                       "(e.g. one made with CREATE DATABASE x TEMPLATE chengxin_bench)")
    trial.add_argument("--label", default="", help="names for the table, e.g. sqlite=sqlite+fts5,postgres=pg+trgm")
    args = parser.parse_args()
    args.endpoints = [e for e in args.endpoint.split(",") if e]
    args.label = dict(x.split("=", 1) for x in args.label.split(",") if "=" in x)
    dbs = [d for d in args.db.split(",") if d]
    if not VENV_PY.exists():
        print("no .venv: run `bash scripts/bootstrap.sh --dev` first", file=sys.stderr)
        return 2

    queries = make_queries(args.n, args.seed, max(args.requests, 200) + args.warmup, args.query_seed)
    log(f"{len(queries)} queries, e.g. " + ", ".join(q for _c, q in queries[:8]))
    results: list[dict] = []  # type: ignore[type-arg]
    skipped: dict[str, str] = {}
    started = time.time()
    for db in dbs:
        if db == "sqlite":
            env = prepare_sqlite(args)
            if args.explain:
                explain(env, "sqlite", args.pythonpath)
            results += bench_db("sqlite", env, args, queries)
        elif db == "postgres":
            pg = PrivatePostgres(pick_port(args.pg_port))
            if not pg.install():
                skipped["postgres"] = "PostgreSQL is not available"
                log("PostgreSQL is not available: skipped")
                continue
            try:
                env = prepare_postgres(args, pg)
                if args.explain:
                    explain(env, "postgres", args.pythonpath)
                results += bench_db("postgres", env, args, queries, db_pids=[pg.postmaster_pid()])
            finally:
                if not args.keep_pg:
                    pg.stop()
        else:
            parser.error(f"unknown database {db!r}")

    print_table(results, skipped)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / time.strftime("search-%Y%m%d-%H%M%S.json", time.localtime(started))
    out.write_text(json.dumps({
        "args": dict(vars(args)), "cpus": os.cpu_count(),
        "results": results, "skipped": skipped,
    }, ensure_ascii=False, indent=1))
    print(f"results: {out.relative_to(ROOT)}")
    return 0 if results and all(r["p95"] < TARGET_P95_MS and not r["errors"] for r in results) else 1


if __name__ == "__main__":
    if Path(sys.prefix).resolve() != VENV_PY.parent.parent.resolve() and VENV_PY.exists():
        os.execv(str(VENV_PY), [str(VENV_PY), *sys.argv])  # noqa: S606  (re-run in the project venv)
    sys.exit(main())
