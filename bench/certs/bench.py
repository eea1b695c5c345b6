"""Certificates benchmark (see bench/certs/README.md): three figures, each
measured beside a reference in the same run.

  a. the seal SVG and a status list under /pub/, served by granian started
     exactly as `chengxin serve` starts it, vs nginx serving the same files with
     the same number of worker processes (target: >= 40 % of nginx's req/s);
  b. the verification page /v/<number> vs a bare Django view returning a
     constant, same granian server and workers (target: >= 50 %);
  c. certificate verification with the Verifier `chengxin cert verify` uses,
     in-process, vs raw Ed25519 verification with `cryptography`
     (target: >= 70 %); plus, for information, the wall time of one
     `chengxin cert verify FILE` process.

    bash bench/certs/run.sh                      # everything, about 3 minutes on a quiet machine
    .venv/bin/python bench/certs/bench.py --only a --duration 5
    .venv/bin/python bench/certs/bench.py --profile   # also: cProfile of the page and of the Verifier

HTTP load: wrk (a separate process) on 127.0.0.1, `-t2 -c32 -d10s --latency`
after a short warm-up. Bench var dir: bench/.data/certs/ (git-ignored);
results: bench/results/certs-*.json (git-ignored). Exit status 0 only if
every target is met.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DATA = ROOT / "bench" / ".data" / "certs"  # bench/.gitignore: .data/
VAR = DATA / "var"
LOGS = DATA / "logs"
RESULTS = ROOT / "bench" / "results"  # .gitignore: /bench/results/
VENV_PY = ROOT / ".venv" / "bin" / "python"
CLI = [str(VENV_PY), "-m", "chengxin.cli"]

TARGETS = {"static": 0.40, "page": 0.50, "verify": 0.70}
ARGS: argparse.Namespace


def log(msg: str) -> None:
    print(f"[bench] {msg}", flush=True)


# --- helpers -------------------------------------------------------------------

def base_env(settings_module: str = "chengxin.settings") -> dict[str, str]:
    drop = ("DATABASE_URL", "CHENGXIN_VAR_DIR", "CHENGXIN_PUBLIC_DIR", "DEBUG", "DJANGO_SETTINGS_MODULE",
            "PYTHONPATH", "CHENGXIN_DNS_RESOLVER", "CHENGXIN_BASE_URL", "CHENGXIN_PUBLIC_MAX_AGE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["CHENGXIN_VAR_DIR"] = str(VAR)
    env["DJANGO_SETTINGS_MODULE"] = settings_module
    env.setdefault("CHENGXIN_ENV", "development")
    env["PYTHONUNBUFFERED"] = "1"
    if settings_module.startswith("benchsite"):
        env["PYTHONPATH"] = str(HERE)
    return env


def run(cmd: list[str], env: dict[str, str] | None = None, quiet: bool = False, check: bool = True,
        **kw: Any) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(cmd, env=env, text=True, capture_output=True, cwd=str(ROOT), **kw)
    if check and res.returncode != 0:
        sys.stderr.write(res.stdout[-3000:] + res.stderr[-3000:])
        raise RuntimeError(f"command failed ({res.returncode}): {' '.join(cmd)}")
    if not quiet and res.stdout.strip():
        for line in res.stdout.strip().splitlines():
            log("  " + line)
    return res


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def loadavg() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def wait_quiet(limit_s: float) -> float:
    """Wait (at most limit_s) until the 1-minute load is below 1: other work on
    the machine (test suites on this 2-core box) skews every figure. Returns
    the load average the run starts with."""
    deadline = time.monotonic() + limit_s
    if loadavg() >= 1.0 and limit_s > 0:
        log(f"  load average {loadavg():.2f}: waiting up to {limit_s:.0f} s for the machine to be quiet ...")
    while loadavg() >= 1.0 and time.monotonic() < deadline:
        time.sleep(3)
    return round(loadavg(), 2)


_TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu(roots: list[int]) -> float:
    """CPU seconds used so far by the processes `roots` and their descendants."""
    table: dict[int, tuple[int, float]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                raw = (d / "stat").read_text()
            except OSError:
                continue
            f = raw[raw.rfind(")") + 2:].split()
            table[int(d.name)] = (int(f[1]), (int(f[11]) + int(f[12])) / _TICK)
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


def http_get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


# --- tools: wrk and nginx from Debian -------------------------------------------

def find_nginx() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def install_tools() -> None:
    missing = [pkg for pkg, found in (("wrk", shutil.which("wrk")), ("nginx", find_nginx())) if not found]
    if not missing:
        return
    if os.geteuid() != 0:
        raise SystemExit(f"missing {', '.join(missing)} and not root: apt-get install {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    log(f"installing {', '.join(missing)} from Debian (apt-get update, apt-get install) ...")
    for attempt in range(60):  # another process may hold the apt/dpkg lock
        upd = subprocess.run(["apt-get", "update", "-q"], env=env, text=True, capture_output=True)
        res = subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],
                             env=env, text=True, capture_output=True) if upd.returncode == 0 else upd
        if res.returncode == 0:
            break
        if "lock" in (res.stderr + res.stdout).lower():
            log(f"  apt/dpkg is locked, waiting ({attempt + 1}) ...")
            time.sleep(10)
            continue
        sys.stderr.write(res.stdout[-2000:] + res.stderr[-2000:])
        raise SystemExit("apt-get install failed")
    if not (shutil.which("wrk") and find_nginx()):
        raise SystemExit("wrk or nginx still missing after apt-get install")
    # Debian's postinst may try to start the packaged nginx service (policy-rc.d
    # usually stops it in containers); this bench never uses it.


# --- bench data ------------------------------------------------------------------

def prepare() -> dict[str, Any]:
    """Migrate the bench var dir, make (or reuse) the subject, membership and
    certificate through the real services, then write every artifact."""
    VAR.mkdir(parents=True, exist_ok=True)
    LOGS.mkdir(parents=True, exist_ok=True)
    env = base_env()
    t0 = time.perf_counter()
    run([*CLI, "migrate", "--noinput", "-v", "0"], env=env)
    penv = dict(env, CHENGXIN_DNS_RESOLVER="chengxin.registry.ownership.StaticDnsResolver")
    res = run([str(VENV_PY), str(HERE / "_prepare.py")], env=penv, quiet=True, check=False)
    if res.returncode != 0:
        log("could not reuse the bench database; starting over:\n" + res.stderr[-1500:])
        shutil.rmtree(VAR)
        VAR.mkdir(parents=True)
        run([*CLI, "migrate", "--noinput", "-v", "0"], env=env)
        res = run([str(VENV_PY), str(HERE / "_prepare.py")], env=penv, quiet=True)
    info: dict[str, Any] = json.loads(res.stdout)
    run([*CLI, "cert", "publish", "--all"], env=env)
    # as `chengxin serve` does before starting granian (the page links /static/)
    run([*CLI, "collectstatic", "--noinput", "-v", "0"], env=env, quiet=True)
    public = Path(info["public_dir"])
    for rel in [info["seal"], *info["status_lists"].values()]:
        if not (public / rel).is_file():
            raise RuntimeError(f"artifact missing after `cert publish --all`: {public / rel}")
    token_file = DATA / f"{info['number']}.jwt"
    token_file.write_text(info["token"] + "\n", encoding="utf-8")
    info["token_file"] = str(token_file)
    log(f"certificate {info['number']} ({'issued now' if info['created'] else 'reused'}), "
        f"seal {(public / info['seal']).stat().st_size} bytes, "
        f"revocation list {(public / info['status_lists']['revocation']).stat().st_size} bytes; "
        f"ready in {time.perf_counter() - t0:.1f} s")
    return info


# --- servers ----------------------------------------------------------------------

class Server:
    """A server process in its own session, output to a log file, ready when
    `ready_path` answers 200."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str] | None, port: int, ready_path: str) -> None:
        self.name, self.cmd, self.env, self.port, self.ready_path = name, cmd, env, port, ready_path
        self.log_path = LOGS / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.log_file = open(self.log_path, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(self.cmd, env=self.env, stdout=self.log_file, stderr=subprocess.STDOUT,
                                     cwd=str(ROOT), start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}); see {self.log_path}")
            try:
                if http_get(self.port, self.ready_path)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not become ready; see {self.log_path}")

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:  # workers left behind in the session we created, if any
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.log_file.close()

    @property
    def pid(self) -> int:
        assert self.proc
        return self.proc.pid


def granian_server(name: str, env: dict[str, str], port: int, workers: int, threads: int, ready_path: str) -> Server:
    """granian with the command line `chengxin serve` builds (its own
    granian_command(), evaluated under the same settings)."""
    code = ("import django, json; django.setup(); from django.conf import settings; "
            "from chengxin.core.management.commands.serve import granian_command; "
            f"print(json.dumps(granian_command({{'host': '127.0.0.1', 'port': {port}, 'workers': {workers}, "
            f"'threads': {threads}}}, settings.CHENGXIN_PUBLIC_DIR)))")
    cmd = json.loads(run([str(VENV_PY), "-c", code], env=env, quiet=True).stdout.strip().splitlines()[-1])
    return Server(name, cmd, env, port, ready_path)


def nginx_server(public_dir: Path, port: int, workers: int, access_log: bool, max_age: int) -> Server:
    ndir = DATA / "nginx"
    for sub in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        (ndir / sub).mkdir(parents=True, exist_ok=True)
    access = f"access_log {LOGS / 'nginx-access.log'} combined;" if access_log else "access_log off;"
    conf = f"""# written by bench/certs/bench.py: nginx serving CHENGXIN_PUBLIC_DIR at /pub/ like granian does
{'user root;' if os.geteuid() == 0 else ''}
daemon off;
master_process on;
worker_processes {workers};
pid {ndir / 'nginx.pid'};
error_log {LOGS / 'nginx-error.log'} warn;
events {{ worker_connections 1024; }}
http {{
    types {{ image/svg+xml svg; application/jwt jwt; text/plain txt; }}
    default_type application/octet-stream;
    {access}
    sendfile on;
    keepalive_timeout 65;
    keepalive_requests 100000;
    server_tokens off;
    client_body_temp_path {ndir / 'tmp/body'};
    proxy_temp_path {ndir / 'tmp/proxy'};
    fastcgi_temp_path {ndir / 'tmp/fastcgi'};
    uwsgi_temp_path {ndir / 'tmp/uwsgi'};
    scgi_temp_path {ndir / 'tmp/scgi'};
    server {{
        listen 127.0.0.1:{port};
        location /pub/ {{
            alias {public_dir}/;
            expires {max_age}s;
        }}
        location = /ready {{ return 200 "ok"; }}
    }}
}}
"""
    (ndir / "nginx.conf").write_text(conf)
    nginx = find_nginx()
    assert nginx
    cmd = [nginx, "-p", str(ndir), "-c", str(ndir / "nginx.conf"), "-e", str(LOGS / "nginx-error.log")]
    return Server("nginx", cmd, None, port, "/ready")


# --- wrk -----------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not m:
        raise ValueError(text)
    return float(m.group(1)) * _UNITS[m.group(2)]


def wrk(port: int, path: str, args: argparse.Namespace, duration: float) -> dict[str, Any]:
    cmd = ["wrk", f"-t{args.wrk_threads}", f"-c{args.connections}", f"-d{duration:g}s", "--latency",
           f"http://127.0.0.1:{port}{path}"]
    out = run(cmd, quiet=True).stdout
    res: dict[str, Any] = {"cmd": " ".join(cmd)}
    res["rps"] = round(float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), 1)  # type: ignore[union-attr]
    res["requests"] = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M)
        res[f"p{pct}_ms"] = round(_ms(m.group(1)), 3) if m else None
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    res["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    res["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
    res["raw"] = out
    return res


def measure(label: str, server: Server, path: str, args: argparse.Namespace) -> dict[str, Any]:
    wrk(server.port, path, args, args.warmup)  # warm-up: connections, caches, lazy imports
    load = wait_quiet(args.wait_quiet)
    cpu0 = tree_cpu([server.pid])
    res = wrk(server.port, path, args, args.duration)
    cpu = tree_cpu([server.pid]) - cpu0
    res.update(label=label, server=server.name, path=path, loadavg_before=load,
               server_cpu_us_per_request=round(cpu * 1e6 / res["requests"], 1) if res["requests"] else None)
    bad = f", {res['non_2xx']} non-2xx, {res['socket_errors']} socket errors" if res["non_2xx"] or res["socket_errors"] else ""
    log(f"  {label:<42} {path:<36} {res['rps']:>9.0f} req/s  p99 {res['p99_ms']:>7.2f} ms  "
        f"server CPU {res['server_cpu_us_per_request']} µs/req  (load {load}){bad}")
    return res


def pair(test: str, what: str, target: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    ok_http = not (target["non_2xx"] or target["socket_errors"] or reference["non_2xx"] or reference["socket_errors"])
    ratio = target["rps"] / reference["rps"] if reference["rps"] else 0.0
    return {"test": test, "what": what, "target": target, "reference": reference, "ratio": round(ratio, 4),
            "goal": TARGETS[test], "met": ok_http and ratio >= TARGETS[test]}


# --- a. static artifacts: granian vs nginx -------------------------------------------

def bench_static(info: dict[str, Any], args: argparse.Namespace) -> list[dict[str, Any]]:
    env = base_env()
    public = Path(info["public_dir"])
    max_age = int(json.loads(run([str(VENV_PY), "-c", "import django, json; django.setup(); from django.conf import settings; "
                                  "print(settings.CHENGXIN_PUBLIC_MAX_AGE)"], env=env, quiet=True).stdout))
    files = [("seal SVG", "/pub/" + info["seal"]), ("revocation list", "/pub/" + info["status_lists"]["revocation"])]
    out = []
    g_port, n_port = free_port(), free_port()
    with granian_server("granian-static", env, g_port, args.workers, args.threads, "/healthz") as gran, \
            nginx_server(public, n_port, args.workers, args.nginx_access_log, max_age) as ngx:
        log(f"a. /pub/: granian ({' '.join(gran.cmd[2:])}) on :{g_port} vs nginx ({args.workers} workers, "
            f"access_log {'on' if args.nginx_access_log else 'off'}) on :{n_port}")
        for what, path in files:
            body = (public / path[len("/pub/"):]).read_bytes()
            for srv in (gran, ngx):
                status, headers, got = http_get(srv.port, path)
                if status != 200 or got != body:
                    raise RuntimeError(f"{srv.name} {path}: status {status}, {len(got)} bytes (file: {len(body)})")
            headers_g, headers_n = http_get(gran.port, path)[1], http_get(ngx.port, path)[1]
            t = measure("granian, as `chengxin serve` runs it", gran, path, args)
            r = measure("nginx, the same file", ngx, path, args)
            p = pair("static", f"/pub/ {what} ({len(body)} B)", t, r)
            p["headers"] = {"granian": headers_g, "nginx": headers_n}
            out.append(p)
    # Equal treatment of access logs: does granian write a line per /pub/ request?
    logged = sum(1 for line in gran.log_path.read_text(errors="replace").splitlines() if "/pub/" in line)
    log(f"  granian access-log lines for /pub/ requests: {logged} (nginx access_log {'on' if args.nginx_access_log else 'off'})")
    for p in out:
        p["granian_pub_log_lines"] = logged
        p["nginx_access_log"] = args.nginx_access_log
    return out


# --- b. verification page vs constant view ---------------------------------------------

def bench_page(info: dict[str, Any], args: argparse.Namespace) -> list[dict[str, Any]]:
    env = base_env("benchsite.settings")
    port = free_port()
    page, const = f"/v/{info['number']}", "/bench/constant"
    with granian_server("granian-django", env, port, args.workers, args.threads, "/healthz") as gran:
        log(f"b. Django pages: granian ({args.workers} workers x {args.threads} blocking threads, "
            f"DJANGO_SETTINGS_MODULE=benchsite.settings) on :{port}")
        for path in (page, const):
            status, _h, body = http_get(port, path)
            if status != 200:
                raise RuntimeError(f"{path}: status {status}")
        page_bytes = len(http_get(port, page)[2])
        t = measure("granian, certs.views.verify_page", gran, page, args)
        r = measure("granian, constant view (/bench/constant)", gran, const, args)
    p = pair("page", f"/v/<number> page ({page_bytes} B)", t, r)
    if not p["met"]:
        # What-if, for the diagnosis only: the same two pages with persistent
        # SQLite connections (benchsite/settings_persistent.py).
        wenv = base_env("benchsite.settings_persistent")
        with granian_server("granian-django-persistent", wenv, free_port(), args.workers, args.threads, "/healthz") as g2:
            log("  what-if (not a target): the same with CONN_MAX_AGE=60 for SQLite (benchsite.settings_persistent)")
            wt = measure("what-if: verify_page, persistent connection", g2, page, args)
            wr = measure("what-if: constant view, persistent connection", g2, const, args)
        p["whatif_persistent_connections"] = {"target": wt, "reference": wr, "ratio": round(wt["rps"] / wr["rps"], 4) if wr["rps"] else 0}
        log(f"  what-if ratio: {p['whatif_persistent_connections']['ratio'] * 100:.1f} %")
    if args.profile or not p["met"]:
        log("  where the page's time goes (in-process, best of 5 x 100 calls, ms per call):")
        cmd = [str(VENV_PY), str(HERE / "_page_diag.py"), info["number"], *(["--profile"] if args.profile else [])]
        diag = json.loads(run(cmd, env=dict(env, LOG_LEVEL="WARNING"), quiet=True).stdout.strip().splitlines()[-1])
        for part, ms in diag["ms"].items():
            log(f"    {part:<100} {ms if ms is not None else '-':>7}")
        log(f"    SQL queries per request: {diag['queries_per_request']}, columns selected: {diag['sql_columns']}")
        p["diagnosis"] = diag
        if diag.get("profile"):
            p["profile"] = diag.pop("profile")
    return [p]


# --- c. certificate verification ----------------------------------------------------------

def bench_verify(info: dict[str, Any], args: argparse.Namespace) -> list[dict[str, Any]]:
    env = base_env()
    log("c. verification in-process: Verifier (as `chengxin cert verify` builds it) vs raw Ed25519 (cryptography)")
    load = wait_quiet(args.wait_quiet)
    cmd = [str(VENV_PY), str(HERE / "_verify.py"), info["token_file"], "--rounds", str(args.verify_rounds)]
    if args.profile:
        cmd.append("--profile")
    res = json.loads(run(cmd, env=env, quiet=True).stdout.strip().splitlines()[-1])
    if "error" in res:
        raise RuntimeError(json.dumps(res, ensure_ascii=False))
    log(f"  Verifier.verify     {res['verifier_per_s']:>9} /s   (rounds: {res['rounds']['verifier']})")
    log(f"  Ed25519 verify      {res['raw_ed25519_per_s']:>9} /s   (rounds: {res['rounds']['raw']})")
    log("  where the time goes (each step on its own, best of 7 x 1000 calls, µs per call):")
    for step, us in res["steps_us"].items():
        log(f"    {step:<84} {us:>9.2f}")
    log(f"  ratio: best rounds {res['ratio'] * 100:.1f} %, median of paired rounds {res['ratio_median_of_paired_rounds'] * 100:.1f} %")
    # one CLI process, for information: dominated by Python and Django start-up
    walls = []
    for _ in range(args.cli_runs):
        t0 = time.perf_counter()
        r = run([*CLI, "cert", "verify", info["token_file"]], env=env, quiet=True, check=False)
        walls.append(time.perf_counter() - t0)
        if r.returncode != 0:
            raise RuntimeError("chengxin cert verify failed:\n" + r.stdout + r.stderr)
    t0 = time.perf_counter()
    run([str(VENV_PY), "-c", "import django; django.setup()"], env=env, quiet=True)
    setup_wall = time.perf_counter() - t0
    cli = {"runs_s": [round(w, 3) for w in walls], "median_s": round(statistics.median(walls), 3),
           "django_setup_only_s": round(setup_wall, 3), "output": r.stdout.strip()}
    log(f"  `chengxin cert verify FILE`: {cli['median_s']} s wall (median of {len(walls)}; "
        f"python + django.setup() alone: {cli['django_setup_only_s']} s)")
    target = {"label": "Verifier.verify (as the CLI builds it)", "rps": res["verifier_per_s"], "p99_ms": None,
              "non_2xx": 0, "socket_errors": 0, "loadavg_before": load}
    reference = {"label": "cryptography Ed25519PublicKey.verify", "rps": res["raw_ed25519_per_s"], "p99_ms": None,
                 "non_2xx": 0, "socket_errors": 0, "loadavg_before": load}
    p = pair("verify", "certificate verification", target, reference)
    p["details"] = res
    p["cli"] = cli
    return [p]


# --- report -----------------------------------------------------------------------------

def print_table(pairs: list[dict[str, Any]], workers: int) -> None:
    print()
    header = f"{'test':<36}{'server / code':<42}{'req/s':>10}{'p99 ms':>9}{'CPU µs/req':>11}{'load':>6}{'ratio':>8}{'target':>8}  verdict"
    print(header)
    print("-" * len(header))
    names = {"static": "a. ", "page": "b. ", "verify": "c. "}
    for p in pairs:
        for i, row in enumerate((p["target"], p["reference"])):
            first = i == 0
            test = (names[p["test"]] + p["what"]) if first else ""
            p99 = f"{row['p99_ms']:.2f}" if row.get("p99_ms") is not None else "-"
            cpu = row.get("server_cpu_us_per_request")
            unit = "/s" if p["test"] == "verify" else ""
            tail = (f"{p['ratio'] * 100:>7.1f}%{p['goal'] * 100:>7.0f}%  {'PASS' if p['met'] else 'FAIL'}") if first else ""
            print(f"{test:<36.36}{row['label']:<42.42}{row['rps']:>8.0f}{unit:<2}{p99:>9}{cpu if cpu is not None else '-'!s:>11}"
                  f"{row['loadavg_before']!s:>6}{tail}")
    print("req/s, p99: wrk -t{t} -c{c} on 127.0.0.1 (c.: verifications per second, in-process, best round); ratio = first row /\n"
          "second row, measured in the same run; CPU µs/req: server processes' CPU time per request (hardly changed by\n"
          "other load); load: 1-minute load average when the run started.".replace("{t}", str(ARGS.wrk_threads)).replace("{c}", str(ARGS.connections)))
    cli = next((p["cli"] for p in pairs if "cli" in p), None)
    if cli:
        print(f"one `chengxin cert verify FILE` process: {cli['median_s']} s wall "
              f"(python + django.setup() alone: {cli['django_setup_only_s']} s), for information")
    missed = [p for p in pairs if not p["met"]]
    print()
    if missed:
        print("VERDICT: target MISSED for " + ", ".join(f"{names[p['test']]}{p['what']} ({p['ratio'] * 100:.1f} % < {p['goal'] * 100:.0f} %)"
                                                   for p in missed))
    else:
        print("VERDICT: every target met")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="a,b,c", help="comma list of a (static), b (page), c (verification)")
    parser.add_argument("--duration", type=float, default=10, help="seconds per wrk run")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of wrk warm-up before each measured run")
    parser.add_argument("--connections", type=int, default=32, help="wrk -c")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk -t")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")),
                        help="granian and nginx worker processes (chengxin serve: WEB_CONCURRENCY, 2)")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "1")),
                        help="granian blocking threads per worker (chengxin serve: WEB_THREADS, 1)")
    parser.add_argument("--nginx-access-log", action=argparse.BooleanOptionalAction, default=False,
                        help="nginx access log for /pub/ (default: off, as granian logs no line for its static "
                        "route even with --access-log; the bench checks that and says so)")
    parser.add_argument("--verify-rounds", type=int, default=10, help="alternating half-second rounds for c.")
    parser.add_argument("--cli-runs", type=int, default=3, help="`chengxin cert verify` processes timed")
    parser.add_argument("--wait-quiet", type=float, default=60,
                        help="before each measured run, wait up to this many seconds for the load average to drop below 1")
    parser.add_argument("--profile", action="store_true",
                        help="also print cProfile of the page (test client) and of the Verifier; the page's breakdown "
                        "by part is printed anyway when its target is missed")
    args = parser.parse_args()
    global ARGS
    ARGS = args
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    if not VENV_PY.exists():
        print("no .venv: run `bash scripts/bootstrap.sh --dev` first", file=sys.stderr)
        return 2
    started = time.time()
    if only & {"a", "b"}:
        install_tools()
    info = prepare()
    pairs: list[dict[str, Any]] = []
    if "a" in only:
        pairs += bench_static(info, args)
    if "b" in only:
        pairs += bench_page(info, args)
    if "c" in only:
        pairs += bench_verify(info, args)
    print_table(pairs, args.workers)
    for p in pairs:
        if p.get("profile"):
            print(f"\nprofile ({p['what']}):\n{p['profile']}")
        if p.get("details", {}).get("profile"):
            print(f"\nprofile (Verifier.verify x 5000):\n{p['details']['profile']}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / time.strftime("certs-%Y%m%d-%H%M%S.json", time.localtime(started))
    out.write_text(json.dumps({
        "args": vars(args), "cpus": os.cpu_count(), "certificate": {k: v for k, v in info.items() if k != "token"},
        "wrk": run(["wrk", "--version"], quiet=True, check=False).stdout.strip().splitlines()[0] if shutil.which("wrk") else None,
        "results": pairs,
    }, ensure_ascii=False, indent=1))
    print(f"results: {out.relative_to(ROOT)}")
    return 0 if pairs and all(p["met"] for p in pairs) else 1


if __name__ == "__main__":
    if Path(sys.prefix).resolve() != VENV_PY.parent.parent.resolve() and VENV_PY.exists():
        os.execv(str(VENV_PY), [str(VENV_PY), *sys.argv])  # noqa: S606  (re-run in the project venv)
    sys.exit(main())
