from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from chengxin.core.permissions import EVERYONE, requires
from chengxin.registry.models import Subject


@requires(EVERYONE)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"subject_count": Subject.objects.count()})


@requires(EVERYONE)
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
    except Exception as exc:  # noqa: BLE001
        return JsonResponse({"status": "error", "database": str(exc)}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})
