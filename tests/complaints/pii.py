"""Personal data of the complainants the tests create. A test-only middleware
(tests/pii_guard.py, installed by tests/settings.py) fails any test whose
public page or API response (anonymous, or a merchant's) contains one of these
values; merchants may see order numbers."""

from __future__ import annotations

SEEDED: set[str] = set()
ORDER_REFS: set[str] = set()


def remember(*values: str) -> None:
    SEEDED.update(v for v in values if v and len(v) >= 3)


def remember_order(value: str) -> None:
    remember(value)
    ORDER_REFS.add(value)
