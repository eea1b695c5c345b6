"""Telling the user on the next page what went wrong."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest

from chengxin.core.errors import ChengxinError


def flash_error(request: HttpRequest, exc: ChengxinError) -> None:
    """Each field error of `exc` (or its message) as an error message."""
    if exc.errors:
        for err in exc.errors:
            messages.error(request, str(err["message"]))
    else:
        messages.error(request, str(exc.message))
