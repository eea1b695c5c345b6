"""Static artifacts (seal SVGs, status lists) written atomically under
CHENGXIN_PUBLIC_DIR and served at /pub/."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.conf import settings


def root() -> Path:
    return Path(settings.CHENGXIN_PUBLIC_DIR)


def path_of(rel: str) -> Path:
    p = (root() / rel).resolve()
    if root().resolve() not in p.parents:
        raise ValueError(f"{rel!r} is outside the public directory")
    return p


def write(rel: str, data: bytes) -> None:
    """Write-then-rename, so a reader sees the old file or the new one,
    never half of one."""
    target = path_of(rel)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def exists(rel: str) -> bool:
    return path_of(rel).is_file()


def read(rel: str) -> bytes:
    return path_of(rel).read_bytes()
