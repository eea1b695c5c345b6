"""The DATABASE_URL switch: set but empty means the default SQLite file; a
value that is not a database URL stops the start with a one-line reason."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CODE = ("import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'chengxin.settings'); django.setup(); "
        "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])")


def _run(url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(DATABASE_URL=url, CHENGXIN_VAR_DIR=str(tmp_path), PYTHONPATH=str(ROOT / "src"))
    return subprocess.run([sys.executable, "-c", CODE], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("url", "engine"), [("", "sqlite3"), ("  ", "sqlite3"), ("postgres://u@127.0.0.1:1/db", "postgresql")])
def test_database_url_selects_the_engine(url: str, engine: str, tmp_path: Path) -> None:
    out = _run(url, tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"django.db.backends.{engine}"


@pytest.mark.parametrize(("url", "reason"), [("mysqll://x/y", "unknown scheme 'mysqll'"), ("garbage", "not a URL")])
def test_a_bad_database_url_says_why(url: str, reason: str, tmp_path: Path) -> None:
    out = _run(url, tmp_path)
    assert out.returncode != 0
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: DATABASE_URL: ") and reason in last
    assert "sqlite:///" in last and "postgres://" in last
