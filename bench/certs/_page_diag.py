"""Where the verification page's time goes, in-process (no HTTP server):
each part of certs.views.verify_page timed on its own, best of several
repeats, in milliseconds per call; then, with --profile, a cProfile of the
whole request through the test client.

Run by bench/certs/bench.py (DJANGO_SETTINGS_MODULE=benchsite.settings,
PYTHONPATH=bench/certs, CHENGXIN_VAR_DIR=the bench var dir); prints JSON.

    python bench/certs/_page_diag.py NUMBER [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import timeit
from typing import Any

import django

django.setup()

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.contrib.messages.storage.fallback import FallbackStorage  # noqa: E402
from django.db import connection  # noqa: E402
from django.middleware.csrf import get_token  # noqa: E402
from django.shortcuts import render  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402

from chengxin.certs import services, views  # noqa: E402
from chengxin.certs.models import Certificate  # noqa: E402
from chengxin.core import clock  # noqa: E402


def best_ms(fn: Any, number: int = 100, repeat: int = 5) -> float:
    fn()
    return round(min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1000, 3)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("number")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    number = args.number
    client = Client()
    page, const = f"/v/{number}", "/bench/constant"
    assert client.get(page).status_code == 200 and client.get(const).status_code == 200

    qs = Certificate.objects.select_related("subject", "subject__province", "subject__city", "level",
                                            "membership", "superseded_by").filter(number=number)
    first_qs = qs.order_by(*Certificate._meta.ordering)[:1]  # what .first() runs
    sql, params = first_qs.query.sql_with_params()

    def raw_sql() -> None:
        with connection.cursor() as cur:
            cur.execute(sql, params)
            cur.fetchall()

    cert = services.get_certificate(number)
    rf = RequestFactory()
    req = rf.get(page)
    req.user = AnonymousUser()
    req.session = {}  # type: ignore[assignment]
    req._messages = FallbackStorage(req)  # type: ignore[attr-defined]
    now = clock.now()
    ctx = {"cert": cert, "origin": services.origin_verdict(cert, referer="", site="", own_host="testserver"),
           "in_force": True, "now": now, "expired": False, "subject_claims": cert.claims.get("credentialSubject", {}),
           "membership": cert.membership}

    def reopen() -> None:
        connection.close()
        connection.ensure_connection()

    executed: list[str] = []

    def count(execute: Any, sql_: str, params_: Any, many: bool, context: Any) -> Any:
        executed.append(sql_)
        return execute(sql_, params_, many, context)

    with connection.execute_wrapper(count):
        client.get(page)
    parts = {
        "whole request /v/<n> (test client: all middleware; connection kept open; cached page if the view caches)": best_ms(lambda: client.get(page)),
        "whole request /bench/constant (test client)": best_ms(lambda: client.get(const)),
        "cache hit path: views._stamp (one raw query)": best_ms(lambda: views._stamp(number)) if hasattr(views, "_stamp") else None,
        "cache hit path: django.middleware.csrf.get_token": best_ms(lambda: get_token(rf.get(page))),
        "cache miss path: services.get_certificate (1 query, 6 joins, 116 columns)": best_ms(lambda: services.get_certificate(number)),
        "  of which: building the SQL (ORM compiler)": best_ms(lambda: first_qs.query.sql_with_params()),
        "  of which: running that SQL with a raw cursor": best_ms(raw_sql),
        "  the same certificate by number, no select_related": best_ms(lambda: Certificate.objects.filter(number=number).first()),
        "services.origin_verdict (no Referer)": best_ms(lambda: services.origin_verdict(cert, referer="", site="", own_host="testserver")),
        "cache miss path: render certs/verify.html (with context processors)": best_ms(lambda: render(req, "certs/verify.html", ctx)),
        "render certs/unknown.html (base.html + a line)": best_ms(lambda: render(req, "certs/unknown.html", {"message": "x", "number": "CX"})),
        "open a new database connection (SQLite: init_command PRAGMAs); per request unless CONN_MAX_AGE": best_ms(reopen),
    }
    out: dict[str, Any] = {"ms": parts, "queries_per_request": len(executed),
                           "sql_columns": sql.split(" FROM ")[0].count(",") + 1}
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(200):
            client.get(page)
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(35)
        out["profile"] = buf.getvalue()
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
