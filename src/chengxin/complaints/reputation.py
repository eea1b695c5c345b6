"""Reputation figures (网誉) per subject and period, from complaint records.

Invalid and withdrawn complaints do not count. A complaint whose answer is
not yet due does not count against the response rates.
"""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from django.db.models import Avg, Count

from chengxin.core import clock

from .models import COUNTED, OPEN, Complaint, Status, Survey

RESOLVED = (Status.RESOLVED, Status.RESOLVED_MEDIATION)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def figures(subject: Any, *, start: dt.datetime | None = None, end: dt.datetime | None = None) -> dict[str, Any]:
    end = end or clock.now()
    start = start or end - dt.timedelta(days=365)
    rows = list(
        Complaint.objects.filter(subject=subject, filed_at__gte=start, filed_at__lt=end, status__in=COUNTED)
        .values_list("status", "filed_at", "answered_at", "response_due_at", "mediation_started_at")
    )
    now = clock.now()
    received = len(rows)
    due = [r for r in rows if r[2] is not None or r[3] <= now]
    answered = [(r[1], r[2], r[3]) for r in due if r[2] is not None]
    on_time = [a for a in answered if a[1] <= a[2]]
    hours = [(a[1] - a[0]).total_seconds() / 3600 for a in answered]
    closed = [r for r in rows if r[0] not in OPEN]
    resolved = [r for r in closed if r[0] in RESOLVED]
    confirmed = [r for r in closed if r[0] == Status.RESOLVED]
    mediated = [r for r in rows if r[4] is not None]
    survey = Survey.objects.filter(complaint__subject=subject, complaint__filed_at__gte=start, complaint__filed_at__lt=end,
                                   complaint__status__in=COUNTED).aggregate(avg=Avg("rating"), n=Count("pk"))
    by_status: dict[str, int] = {}
    for r in rows:
        by_status[r[0]] = by_status.get(r[0], 0) + 1
    return {
        "period_start": start, "period_end": end,
        "received": received,
        "open": sum(1 for r in rows if r[0] in OPEN),
        "response_rate": _rate(len(answered), len(due)),
        "on_time_response_rate": _rate(len(on_time), len(due)),
        "median_response_hours": round(statistics.median(hours), 1) if hours else None,
        "resolution_rate": _rate(len(resolved), len(closed)),
        "consumer_confirmed_rate": _rate(len(confirmed), len(closed)),
        "unanswered": by_status.get(Status.UNANSWERED, 0),
        "mediation": {
            "started": len(mediated),
            "settled": by_status.get(Status.RESOLVED_MEDIATION, 0),
            "failed": sum(1 for r in rows if r[4] is not None and r[0] == Status.UNRESOLVED),
            "ongoing": by_status.get(Status.IN_MEDIATION, 0),
        },
        "satisfaction": {"responses": survey["n"], "average": round(survey["avg"], 2) if survey["avg"] is not None else None},
        "outcomes": by_status,
    }
