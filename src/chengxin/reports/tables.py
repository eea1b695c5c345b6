"""The report as labelled rows: what the page shows in its tables and what the
CSV export contains, from one function, so both always say the same.

A row is (section, item, label, month, value): `item` is the key path in the
JSON export (`report.complaints.response_rate`, `series.index`), `month` is
empty outside the monthly series, `value` is the number as in the JSON
(rates as fractions 0..1, null as an empty cell).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from chengxin.certs.models import CertificateLevel
from chengxin.complaints.models import Category
from chengxin.complaints.models import Status as CS

SECTIONS = {
    "overview": _("Overview"),
    "certificates": _("Certificates by level"),
    "disputes": _("Consumer dispute handling (002 第二十三条)"),
    "categories": _("Complaints by category"),
    "grades": _("Credit grades at the end of the period"),
    "series": _("Month by month"),
}

OVERVIEW = [
    ("subjects.registered", _("Subjects registered at the end")),
    ("members.active", _("Members during the period")),
    ("members.new", _("New members (not renewals)")),
    ("members.at_end", _("Members at the end")),
    ("certificates.issued_total", _("Certificates issued")),
    ("certificates.live_total", _("Certificates valid at the end")),
    ("complaints.counted", _("Complaints (valid)")),
    ("complaints.against_members_per_100_members", _("Complaints against members per 100 members during the period")),
    ("blacklist.added", _("Blacklist entries added")),
    ("blacklist.active", _("Blacklist entries in force at the end")),
    ("index.value", _("Integrity index (0–100)")),
]

DISPUTES = [
    ("complaints.filed", _("Complaints filed")),
    ("complaints.invalid", _("of which not accepted (invalid)")),
    ("complaints.withdrawn", _("of which withdrawn by the consumer")),
    ("complaints.counted", _("Complaints handled (counted in the statistics)")),
    ("complaints.due", _("Answer due")),
    ("complaints.answered", _("Answered by the merchant")),
    ("complaints.response_rate", _("Response rate")),
    ("complaints.on_time", _("Answered on time")),
    ("complaints.on_time_response_rate", _("On-time response rate")),
    ("complaints.median_response_hours", _("Median response time (hours)")),
    ("complaints.unanswered", _("Closed unanswered")),
    ("complaints.open", _("Still open")),
    ("complaints.closed", _("Closed")),
    ("complaints.consumer_confirmed", _("Resolved, confirmed by the consumer")),
    ("mediation.settled", _("Resolved by mediation")),
    ("complaints.resolved", _("Resolved in total")),
    ("complaints.resolution_rate", _("Resolution rate (of closed complaints)")),
    ("complaints.consumer_confirmed_rate", _("Confirmed by the consumer (of closed complaints)")),
    ("mediation.started", _("Mediations started")),
    ("mediation.failed", _("Mediations ended without agreement")),
    ("mediation.ongoing", _("Mediations ongoing")),
    ("satisfaction.responses", _("Satisfaction survey answers")),
    ("satisfaction.average", _("Average satisfaction (1–5)")),
]

GRADES = [
    ("grades.graded", _("Subjects graded")),
    ("grades.not_rated", _("Subjects not rated")),
    ("grades.top_share", _("Share of graded subjects at A or better")),
]

SERIES = [
    ("index", _("Integrity index")),
    ("members", _("Members at the end of the month")),
    ("new_members", _("New members")),
    ("complaints", _("Complaints (valid)")),
    ("against_members", _("Complaints against members")),
    ("complaints_per_100_members", _("Complaints against members per 100 members")),
    ("response_rate", _("Response rate")),
    ("on_time_response_rate", _("On-time response rate")),
    ("resolution_rate", _("Resolution rate")),
    ("median_response_hours", _("Median response time (hours)")),
    ("certificates_issued", _("Certificates issued")),
    ("certificates_live", _("Certificates valid at the end of the month")),
    ("blacklist_added", _("Blacklist entries added")),
    ("blacklist_active", _("Blacklist entries in force")),
    ("graded", _("Subjects graded")),
    ("top_grade_share", _("Share at A or better")),
]

# values shown as percentages on the page (fractions in the exports)
RATES = frozenset({
    "complaints.response_rate", "complaints.on_time_response_rate", "complaints.resolution_rate",
    "complaints.consumer_confirmed_rate", "grades.top_share",
    "response_rate", "on_time_response_rate", "resolution_rate", "top_grade_share",
})


@dataclass(frozen=True)
class Row:
    section: str
    item: str
    label: Any
    month: str
    value: Any

    @property
    def is_rate(self) -> bool:
        return self.item.removeprefix("report.").removeprefix("series.") in RATES

    @property
    def display(self) -> str:
        return display(self.item.removeprefix("report.").removeprefix("series."), self.value)


def display(key: str, value: Any) -> str:
    """How the page writes a value: rates as percentages, no value as a dash."""
    if value is None:
        return "—"
    if key in RATES:
        return f"{value * 100:.1f}%"
    return str(value)


def _get(data: dict[str, Any], path: str) -> Any:
    cur: Any = data
    for part in path.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def rows(built: dict[str, Any]) -> Iterator[Row]:
    report, series = built["report"], built["series"]
    for path, label in OVERVIEW:
        yield Row("overview", f"report.{path}", label, "", _get(report, path))
    levels = {lv.code: lv.label for lv in CertificateLevel.objects.all()}
    certs = report["certificates"]
    for code, n in certs["issued"].items():
        yield Row("certificates", f"report.certificates.issued.{code}", _("Issued: %(level)s") % {"level": levels.get(code, code)}, "", n)
    for code, n in certs["live"].items():
        yield Row("certificates", f"report.certificates.live.{code}", _("Valid at the end: %(level)s") % {"level": levels.get(code, code)}, "", n)
    for path, label in DISPUTES:
        yield Row("disputes", f"report.{path}", label, "", _get(report, path))
    outcome_labels = dict(CS.choices)
    for status, n in report["complaints"]["by_outcome"].items():
        yield Row("disputes", f"report.complaints.by_outcome.{status}", _("Outcome: %(s)s") % {"s": outcome_labels.get(status, status)}, "", n)
    cats = {c.code: c.label for c in Category.objects.all()}
    for code, n in report["complaints"]["by_category"].items():
        yield Row("categories", f"report.complaints.by_category.{code}", cats.get(code, code), "", n)
    grades = report.get("grades")
    if grades is not None:
        for grade, n in grades["distribution"].items():
            yield Row("grades", f"report.grades.distribution.{grade}", grade, "", n)
        for path, label in GRADES:
            yield Row("grades", f"report.{path}", label, "", _get(report, path))
    for m in series["months"]:
        for key, label in SERIES:
            yield Row("series", f"series.{key}", label, m["month"], m.get(key))


def _cell(text: str) -> str:
    """Labels come from master data: never let one start like a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(built: dict[str, Any]) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # so spreadsheet programs read UTF-8
    w = csv.writer(out)
    w.writerow(["section", "item", "label", "month", "value"])
    for r in rows(built):
        w.writerow([r.section, r.item, _cell(str(r.label)), r.month, "" if r.value is None else r.value])
    return out.getvalue()
