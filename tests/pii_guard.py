"""Test-only middleware: scans every response the suite produces for the
seeded personal data of complainants (tests/complaints/pii.py) and records a
violation when an anonymous visitor or a merchant (member account) receives
any of it. Merchants may see the order number, nothing else. An autouse
fixture in tests/conftest.py fails the test that caused a violation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

VIOLATIONS: list[str] = []


def _viewer(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return "anonymous"
    return "member" if getattr(user, "role", "") == "member" else "other"


class PiiGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        try:
            self._scan(request, response)
        except Exception as exc:  # noqa: BLE001 - never break the response itself
            VIOLATIONS.append(f"pii guard failed: {exc!r}")
        return response

    def _scan(self, request: HttpRequest, response: Any) -> None:
        from tests.complaints.pii import ORDER_REFS, SEEDED

        if not SEEDED or getattr(response, "streaming", False) or request.path.startswith("/static/"):
            return
        viewer = _viewer(request)
        if viewer == "other":
            return
        text = response.content.decode("utf-8", "replace")
        for value in SEEDED:
            if viewer == "member" and value in ORDER_REFS:
                continue
            if value in text:
                VIOLATIONS.append(f"{viewer} got {value!r} from {request.method} {request.get_full_path()}")
