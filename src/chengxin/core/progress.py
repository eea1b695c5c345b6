"""A progress bar for long CLI commands (import, credit recomputation)."""

from __future__ import annotations

import time
from typing import Any


class ProgressBar:
    """A one-line bar on stderr, redrawn with \\r at most ten times a second."""

    def __init__(self, stream: Any, phases: dict[str, str] | None = None, width: int = 30) -> None:
        self.stream = stream  # a management command's OutputWrapper
        self.phases = phases or {}
        self.width = width
        self.last = 0.0
        self.phase = ""

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase == self.phase and done < total and now - self.last < 0.1:
            return
        if self.phase and phase != self.phase:
            self._write("\n")
        self.phase = phase
        self.last = now
        frac = done / total if total else 1.0
        filled = int(self.width * frac)
        bar = "#" * filled + "-" * (self.width - filled)
        self._write(f"\r{self.phases.get(phase, phase)} [{bar}] {frac:4.0%} {done}/{total}")

    def _write(self, text: str) -> None:
        self.stream.write(text, style_func=str, ending="")
        self.stream.flush()

    def close(self) -> None:
        if self.phase:
            self._write("\n")


def isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
