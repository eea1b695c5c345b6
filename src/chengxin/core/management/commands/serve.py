"""`chengxin serve`: migrate, build, load demo data on first start (unless in
production), then run the web server and the task worker together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from chengxin.core.build import collect_static, compile_messages


def granian_command(opts: dict, public_dir: object) -> list[str]:
    """granian runs the WSGI application and serves the signed static
    artifacts under /pub/ itself (Rust, no Python per request); see
    docs/decisions/0002-granian.md."""
    return [
        sys.executable, "-m", "granian", "--interface", "wsgi", "chengxin.wsgi:application",
        "--host", opts["host"], "--port", str(opts["port"]),
        "--workers", str(opts["workers"]), "--blocking-threads", str(opts["threads"]),
        "--static-path-route", "/pub", "--static-path-mount", str(public_dir),
        "--static-path-expires", str(settings.CHENGXIN_PUBLIC_MAX_AGE),
        # granian reads static files on tokio's blocking pool; one thread per
        # worker avoids waking a different idle thread for every read, which
        # cost ~50 µs per small file (bench/certs, test a).
        "--runtime-blocking-threads", str(opts.get("io_threads", 1)),
        "--no-ws", "--log", "--access-log", "--workers-kill-timeout", "15",
    ]


class Command(BaseCommand):
    help = "Run chengxin: web server and task worker in one command."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--host", default=os.environ.get("CHENGXIN_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "1")),
                            help="Python threads per worker process (see docs/decisions/0002-granian.md)")
        parser.add_argument("--io-threads", type=int, default=int(os.environ.get("WEB_IO_THREADS", "1")),
                            help="granian's file I/O threads per worker (static /pub/ files)")
        parser.add_argument("--no-worker", action="store_true", help="do not start the task worker here")
        parser.add_argument("--no-demo", action="store_true", help="never load demo data")

    def handle(self, *args, **opts):  # type: ignore[no-untyped-def]
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        compile_messages()
        collect_static()
        if not settings.PRODUCTION and not opts["no_demo"]:
            from chengxin.demo.loader import demo_needed, load_demo

            if demo_needed():
                self.stdout.write("first start: loading demo data (chengxin demo) ...")
                load_demo(stdout=self.stdout)
        env = os.environ.copy()
        procs: list[subprocess.Popen[bytes]] = []
        if not opts["no_worker"]:
            procs.append(subprocess.Popen([sys.executable, "-m", "chengxin.cli", "worker"], env=env))
        bind = f"{opts['host']}:{opts['port']}"
        from chengxin.certs.services import publish_pending

        public_dir = settings.CHENGXIN_PUBLIC_DIR
        public_dir.mkdir(parents=True, exist_ok=True)
        publish_pending()  # seals and status lists whose files are missing or behind
        procs.append(subprocess.Popen(granian_command(opts, public_dir), env=env))
        self.stdout.write(f"chengxin is running at http://{bind}/ (Ctrl-C stops it)")

        stopping = False

        def stop(*_args: object) -> None:
            nonlocal stopping
            stopping = True
            for p in procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while not stopping:
                if any(p.poll() is not None for p in procs):
                    break
                time.sleep(0.5)
        finally:
            stop()
            for p in procs:
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
        code = next((p.returncode for p in procs if p.returncode not in (0, None, -signal.SIGTERM)), 0)
        if code and not stopping:
            raise SystemExit(code)
