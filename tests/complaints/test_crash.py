"""Crash safety with real processes: a complaint acknowledged by the server
survives `kill -9` of the server, and the notifications it queued are
delivered once, by a worker started after the crash, to a real SMTP sink."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

SETUP = r"""
import django, json; django.setup()
from chengxin.accounts import services as accounts
from chengxin.core.permissions import Role
from tests.factories import make_subject, make_user
admin = make_user(Role.ADMIN)
shop = make_subject(admin)
merchant = make_user(Role.MEMBER, email="merchant@shop.example")
accounts.grant_subject_access(actor=None, user=merchant, subject=shop)
consumer = make_user(Role.CONSUMER, phone="13912345678", display_name="赵敏")
_t, raw = accounts.create_token(actor=admin, user=consumer, name="crash test")
print(json.dumps({"token": raw, "subject": shop.pk}))
"""

CHECK = r"""
import django, json, sys; django.setup()
from chengxin.complaints.models import Complaint
from chengxin.core.models import OutboxMessage
numbers = json.loads(sys.argv[1])
found = set(Complaint.objects.filter(number__in=numbers).values_list("number", flat=True))
print(json.dumps({"found": sorted(found), "pending": OutboxMessage.objects.filter(status="pending", recipient="merchant@shop.example").count(),
                  "sent": OutboxMessage.objects.filter(status="sent", recipient="merchant@shop.example").count()}))
"""

DELIVER = "import django; django.setup()\nfrom chengxin.core.outbox import deliver_due\nprint(deliver_due())"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def separate_database(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A database of its own for the processes (the test database is not
    visible to them): a SQLite file, or a new PostgreSQL database."""
    env = {**os.environ, "CHENGXIN_VAR_DIR": str(tmp_path / "var"), "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
           "DJANGO_SETTINGS_MODULE": "chengxin.settings", "CHENGXIN_PUBLIC_DIR": str(tmp_path / "public"),
           "CHENGXIN_BASE_URL": "https://chengxin.test"}
    env.pop("DATABASE_URL", None)
    dbname = None
    admin: Any = None
    if connection.vendor == "postgresql":
        import psycopg

        s = connection.settings_dict
        dbname = f"crash_{uuid.uuid4().hex[:10]}"
        # CREATE DATABASE cannot run in the test's transaction: a connection of its own.
        admin = psycopg.connect(host=s["HOST"], port=s["PORT"], user=s["USER"], password=s.get("PASSWORD") or None,
                                dbname=s["NAME"], autocommit=True)
        admin.execute(f"CREATE DATABASE {dbname}")
        env["DATABASE_URL"] = f"postgres://{s['USER']}:{s.get('PASSWORD') or ''}@{s['HOST']}:{s['PORT']}/{dbname}"
    try:
        yield env
    finally:
        if admin is not None:
            admin.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
            admin.close()


def _run(env: dict[str, str], code: str, *args: str) -> Any:
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _file(port: int, token: str, subject: int, n: int) -> str:
    body = json.dumps({"subject": subject, "category": "delivery", "title": f"快递丢件 {n}", "description": "快递显示签收但我没有收到包裹。",
                       "remedies": ["refund"], "consent": True}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/complaints", data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": f"crash-{n}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 201
        return str(json.loads(r.read())["number"])


@pytest.mark.django_db
def test_acknowledged_complaint_survives_kill_and_mail_goes_once(separate_database: dict[str, str], smtp_sink: list[Any]) -> None:
    env = separate_database
    subprocess.run([sys.executable, "-m", "chengxin.cli", "migrate", "-v", "0"], env=env, cwd=ROOT, check=True, timeout=300)
    ids = _run(env, SETUP)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "chengxin.cli", "serve", "--no-worker", "--no-demo", "--port", str(port)],
                              env=env, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "server did not start"
                time.sleep(0.3)
        numbers = [_file(port, ids["token"], ids["subject"], n) for n in range(3)]
    finally:
        os.killpg(server.pid, signal.SIGKILL)  # the whole server, no chance to clean up
        server.wait(timeout=30)
    state = _run(env, CHECK, json.dumps(numbers))
    assert state["found"] == sorted(numbers)
    assert state["pending"] == 3 and state["sent"] == 0
    env = {**env, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_sink_port(smtp_sink))}
    assert _run(env, DELIVER) == 3
    assert _run(env, DELIVER) == 0  # a second worker run (or a second worker) sends nothing again
    state = _run(env, CHECK, json.dumps(numbers))
    assert state["pending"] == 0 and state["sent"] == 3
    got = [m for m in smtp_sink if m["To"] == "merchant@shop.example"]
    assert len(got) == 3 and len({m["Message-ID"] for m in got}) == 3
    from email.header import decode_header, make_header

    subjects = [str(make_header(decode_header(m["Subject"]))) for m in got]
    assert sorted(n for n in numbers if any(n in s for s in subjects)) == sorted(numbers)


def smtp_sink_port(_sink: Any) -> int:
    from django.conf import settings

    return int(settings.EMAIL_PORT)
