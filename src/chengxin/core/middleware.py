from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .errors import ChengxinError, NotAuthenticated

log = logging.getLogger("chengxin.request")


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - start) * 1000, 2),
                },
            )
        return response


class ChengxinErrorMiddleware:
    """Renders domain errors raised by page views as a page in the user's
    language with the right status (the API has its own handler)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, NotAuthenticated):
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        if isinstance(exc, ChengxinError):
            return render(
                request, "web/error.html", {"error": exc}, status=exc.status
            )
        return None


class RejectNulMiddleware:
    """NUL characters have no place in any text we store (PostgreSQL refuses
    them outright): refuse them at the door with a clear 400 instead of
    failing deep inside a query."""

    CHECKED_TYPES = ("application/json", "application/x-www-form-urlencoded", "text/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from urllib.parse import unquote_to_bytes

        bad = b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")) or "\x00" in request.path
        ctype = request.META.get("CONTENT_TYPE", "")
        if not bad and ctype.startswith(self.CHECKED_TYPES):
            body = request.body
            bad = b"\x00" in body or b"\\u0000" in body or (
                ctype.startswith("application/x-www-form-urlencoded") and b"\x00" in unquote_to_bytes(body)
            )
        if bad:
            from django.http import JsonResponse
            from django.utils.translation import gettext as _

            return JsonResponse(
                {"code": "invalid_characters", "message": _("The request contains a NUL character, which is not allowed.")},
                status=400,
            )
        return self.get_response(request)
