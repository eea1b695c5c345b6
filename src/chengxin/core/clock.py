"""The platform's clock. Everything that asks "what time is it" for a rule
(expiries, deadlines, throttling) asks here, so tests can move time."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    return _frozen if _frozen is not None else timezone.now()


def freeze(at: dt.datetime | None) -> None:
    """Set (or with None release) the clock. For tests and simulations."""
    global _frozen
    _frozen = at
