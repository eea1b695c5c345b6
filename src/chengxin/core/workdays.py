"""The working-day calendar that every deadline uses ("within 2 working days",
"within 7 working days").

Whether a date is a working day is decided in this order:

1. the staff table (`CalendarDay`): an entry is a correction of the package
   or supplies a year the package does not know yet;
2. the `chinesecalendar` package, for the years it covers (2004–2026 in
   1.11; it raises NotImplementedError for other years);
3. otherwise Monday–Friday. A year with neither package data nor a staff
   holiday is *uncovered*: `coverage_warnings` says so, and the first
   fall-back per year and process is logged on "chengxin.workdays".

Dates are calendar dates in China: a moment's date is its date in
Asia/Shanghai, whatever the active time zone, and a deadline is the end of a
day there (23:59:59.999999+08:00).

The package never changes while the process runs, so its answers are cached.
The staff table is read on every call (one query per calendar year a call
touches), so a change made by any process counts at once. Inside
`with one_reading():` the calls share one reading of it (a request that
computes several deadlines reads each year once).

Writes go through `set_day`, `delete_day` and `import_days`; they check the
"calendar.edit" permission (actor=None is the command line) and audit every
change.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import os
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from chengxin.core import clock
from chengxin.core.errors import Conflict, NotFound, ValidationFailed
from chengxin.core.models import CalendarDay
from chengxin.core.permissions import check
from chengxin.ledger import services as audit

log = logging.getLogger("chengxin.workdays")

CALENDAR_TZ = ZoneInfo("Asia/Shanghai")
PERMISSION = "calendar.edit"

HOLIDAY = CalendarDay.Kind.HOLIDAY.value
WORKDAY = CalendarDay.Kind.WORKDAY.value
KINDS = (HOLIDAY, WORKDAY)

# year_coverage() answers
PACKAGE = "package"
STAFF = "staff"
NONE = "none"

# What staff may enter: a typo such as 2207 for 2027 is refused.
MIN_YEAR = 2000
MAX_YEAR = 2100
NAME_MAX = 100
MAX_IMPORT_ROWS = 2000
MAX_IMPORT_BYTES = 256 * 1024

_DAY = dt.timedelta(days=1)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UNSAFE = re.compile(r"[<>\x00-\x1f\x7f]")


# --------------------------------------------------------------------------
# Dates and times


def local_date(moment: dt.datetime) -> dt.date:
    """The date of `moment` in China. `moment` must be time-zone aware."""
    if not isinstance(moment, dt.datetime):
        raise TypeError(f"expected a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("working-day arithmetic needs a time-zone aware datetime")
    return moment.astimezone(CALENDAR_TZ).date()


def end_of_day(day: dt.date) -> dt.datetime:
    """The last microsecond of `day` in China, time-zone aware."""
    return dt.datetime.combine(day, dt.time.max, tzinfo=CALENDAR_TZ)


def _as_date(day: dt.date) -> dt.date:
    if isinstance(day, dt.datetime):
        return local_date(day)
    if not isinstance(day, dt.date):
        raise TypeError(f"expected a date, got {type(day).__name__}")
    return day


# --------------------------------------------------------------------------
# Sources


@lru_cache(maxsize=1024)
def _package_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=1 << 16)
def _package_day(day: dt.date) -> bool | None:
    """The package's answer for `day`, or None for a year it does not know."""
    if not _package_covers(day.year):
        return None
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def package_says(day: dt.date) -> bool | None:
    """Whether the package counts `day` as a working day (None: no data)."""
    return _package_day(_as_date(day))


@lru_cache(maxsize=1)
def package_years() -> tuple[int, int] | None:
    """The first and last year the installed package covers."""
    years = [y for y in range(1990, 2101) if _package_covers(y)]
    return (years[0], years[-1]) if years else None


def package_version() -> str:
    try:
        return metadata.version("chinesecalendar")
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "?"


def _year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _staff_year(year: int) -> dict[dt.date, str]:
    """The staff entries of `year`, date -> kind. Plain SQL: every deadline
    reads this, and building the ORM query cost ~0.4 ms, several times more
    than running it (unique index on date)."""
    first, last = (connection.ops.adapt_datefield_value(d) for d in _year_bounds(year))
    with connection.cursor() as cur:
        cur.execute(f"SELECT date, kind FROM {CalendarDay._meta.db_table} WHERE date BETWEEN %s AND %s",  # noqa: S608 - placeholders only
                    [first, last])
        return dict(cur.fetchall())


class _StaffView:
    """The staff table as one call sees it, read a calendar year at a time."""

    def __init__(self) -> None:
        self._years: dict[int, dict[dt.date, str]] = {}

    def year(self, year: int) -> dict[dt.date, str]:
        entries = self._years.get(year)
        if entries is None:
            entries = self._years[year] = _staff_year(year)
        return entries

    def kind(self, day: dt.date) -> str | None:
        return self.year(day.year).get(day)

    def has_holiday(self, year: int) -> bool:
        return HOLIDAY in self.year(year).values()


_reading: ContextVar[_StaffView | None] = ContextVar("workdays_reading", default=None)


@contextmanager
def one_reading(*, around: dt.datetime | None = None) -> Iterator[None]:
    """Within the block, the working-day questions share one reading of the
    staff table (each calendar year is read once, on first use): for several
    deadlines computed together. With `around`, that moment's year (in
    China) is read at once, e.g. before a write transaction takes its lock.
    Nested blocks share the outer reading."""
    reading = _reading.get()
    token = None
    if reading is None:
        reading = _StaffView()
        token = _reading.set(reading)
    try:
        if around is not None:
            reading.year(local_date(around).year)
        yield
    finally:
        if token is not None:
            _reading.reset(token)


def _staff() -> _StaffView:
    return _reading.get() or _StaffView()


_warned_years: set[int] = set()
_warn_lock = threading.Lock()


def _warn_uncovered(year: int) -> None:
    with _warn_lock:
        if year in _warned_years:
            return
        _warned_years.add(year)
    log.warning(
        "no holiday calendar for %s: counting Monday to Friday as working days "
        "(load the year in the staff calendar)", year, extra={"year": year},
    )


def _is_workday(day: dt.date, staff: _StaffView) -> bool:
    kind = staff.kind(day)
    if kind is not None:
        return kind == WORKDAY
    package = _package_day(day)
    if package is not None:
        return package
    if not staff.has_holiday(day.year):
        _warn_uncovered(day.year)
    return day.weekday() < 5


# --------------------------------------------------------------------------
# Questions


def is_workday(day: dt.date) -> bool:
    """Whether `day` is a working day (a datetime counts by its date in China)."""
    return _is_workday(_as_date(day), _staff())


def add_working_days(start: dt.datetime, n: int) -> dt.datetime:
    """The deadline for "within `n` working days of `start`": the end of the
    n-th working day after `start`'s date in China (that date itself never
    counts). For n == 0: the end of `start`'s date if it is a working day,
    else the end of the next working day."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("n must be an int")
    if n < 0:
        raise ValueError("n must not be negative")
    staff = _staff()
    day = local_date(start)
    if n == 0:
        while not _is_workday(day, staff):
            day += _DAY
        return end_of_day(day)
    counted = 0
    while counted < n:
        day += _DAY
        if _is_workday(day, staff):
            counted += 1
    return end_of_day(day)


def working_day_before(moment: dt.datetime, n: int) -> dt.date:
    """The n-th working day before `moment`'s date in China (n >= 1)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    staff = _staff()
    day = local_date(moment)
    counted = 0
    while counted < n:
        day -= _DAY
        if _is_workday(day, staff):
            counted += 1
    return day


def working_days_between(a: dt.datetime, b: dt.datetime) -> int:
    """The number of working days d with date(a) < d <= date(b), dates in
    China; 0 if b <= a. working_days_between(s, add_working_days(s, n)) == n
    for n >= 1."""
    first, last = local_date(a), local_date(b)
    if b <= a:
        return 0
    staff = _staff()
    count = 0
    day = first + _DAY
    while day <= last:
        count += _is_workday(day, staff)
        day += _DAY
    return count


def year_coverage(year: int) -> str:
    """Where `year`'s holidays come from: "package" (the package covers the
    year; staff entries, if any, are corrections), "staff" (the staff table
    has at least one holiday in it) or "none" (Monday–Friday only)."""
    if _package_covers(year):
        return PACKAGE
    if CalendarDay.objects.filter(date__range=_year_bounds(year), kind=HOLIDAY).exists():
        return STAFF
    return NONE


@dataclass(frozen=True)
class YearStatus:
    year: int
    coverage: str
    staff_holidays: int
    staff_workdays: int

    @property
    def staff_entries(self) -> int:
        return self.staff_holidays + self.staff_workdays


def year_status(year: int) -> YearStatus:
    kinds = list(
        CalendarDay.objects.filter(date__range=_year_bounds(year)).values_list("kind", flat=True)
    )
    holidays = kinds.count(HOLIDAY)
    coverage = PACKAGE if _package_covers(year) else STAFF if holidays else NONE
    return YearStatus(year, coverage, holidays, kinds.count(WORKDAY))


def uncovered_message(year: int) -> str:
    return _(
        "Working days in %(year)s are counted as Monday–Friday only: no holiday calendar "
        "is loaded for %(year)s. Load it in the staff calendar."
    ) % {"year": year}


def coverage_warnings(today: dt.date | None = None) -> list[str]:
    """Messages for the current and the next year if no holiday calendar
    covers them. Never raises: if the check itself fails it says so."""
    try:
        if today is None:
            today = local_date(clock.now())
        today = _as_date(today)
        return [uncovered_message(y) for y in (today.year, today.year + 1) if year_coverage(y) == NONE]
    except Exception:  # noqa: BLE001 - shown on pages; must not break them
        log.exception("could not check the holiday calendar coverage")
        try:
            return [_("The holiday calendar could not be checked; deadlines may count Monday–Friday only.")]
        except Exception:  # noqa: BLE001
            return ["The holiday calendar could not be checked; deadlines may count Monday–Friday only."]


# --------------------------------------------------------------------------
# Staff entries: validation


def _error(field_name: str, code: str, message: str, row: int | None = None) -> dict[str, Any]:
    err: dict[str, Any] = {"field": field_name, "code": code, "message": message}
    if row is not None:
        err["row"] = row
    return err


def _clean_date(value: Any) -> tuple[dt.date | None, dict[str, Any] | None]:
    if isinstance(value, dt.datetime):
        value = local_date(value)
    if isinstance(value, dt.date):
        day = value
    else:
        text = unicodedata.normalize("NFKC", str(value if value is not None else "")).strip()
        if not text:
            return None, _error("date", "required", _("A date is required."))
        if not _ISO_DATE.match(text):
            return None, _error("date", "invalid_date", _("“%(v)s” is not a date in the form YYYY-MM-DD.") % {"v": text})
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            return None, _error("date", "invalid_date", _("“%(v)s” is not a date in the form YYYY-MM-DD.") % {"v": text})
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        return None, _error("date", "out_of_range", _("The date must be in the years %(a)d–%(b)d.") % {"a": MIN_YEAR, "b": MAX_YEAR})
    return day, None


def _clean_kind(value: Any) -> tuple[str | None, dict[str, Any] | None]:
    text = str(value if value is not None else "").strip().lower()
    if text in KINDS:
        return text, None
    if not text:
        return None, _error("kind", "required", _("A kind is required: holiday or workday."))
    return None, _error("kind", "invalid_choice", _("“%(v)s” is not a kind: use holiday or workday (a make-up working day).") % {"v": text})


def _clean_name(value: Any) -> tuple[str, dict[str, Any] | None]:
    text = unicodedata.normalize("NFC", str(value if value is not None else "")).strip()
    if _UNSAFE.search(text):
        return "", _error("name", "unsafe_text", _("The name must not contain HTML or control characters (< > etc.)."))
    if len(text) > NAME_MAX:
        return "", _error("name", "too_long", _("The name is too long (at most %(n)d characters).") % {"n": NAME_MAX})
    return text, None


def _raise(errors: list[dict[str, Any]]) -> None:
    first = errors[0]
    message = first["message"]
    if "row" in first and first["field"]:
        message = _("Row %(row)d, %(field)s: %(message)s") % {
            "row": first["row"], "field": first["field"], "message": message,
        }
    elif "row" in first:
        message = _("Row %(row)d: %(message)s") % {"row": first["row"], "message": message}
    raise ValidationFailed(
        message, field=first["field"], code=first["code"],
        details={"row": first["row"]} if "row" in first else None, errors=errors,
    )


def _check_actor(actor: Any) -> None:
    if actor is not None:  # None: the command line / the system
        check(actor, PERMISSION)


def snapshot(day: CalendarDay) -> dict[str, Any]:
    return {"date": day.date.isoformat(), "kind": day.kind, "name": day.name}


def _write(actor: Any, day: dt.date, kind: str, name: str, reason: str, *, now: dt.datetime) -> tuple[str, CalendarDay]:
    """Create or change one entry (inside the caller's transaction)."""
    creator = actor if getattr(actor, "pk", None) is not None else None
    existing = CalendarDay.objects.select_for_update().filter(date=day).first()
    if existing is None:
        entry = CalendarDay(date=day, kind=kind, name=name, created_by=creator, created_at=now)
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError:
            raise Conflict(
                _("The calendar entry for %(date)s was just changed by someone else; try again.") % {"date": day.isoformat()},
                field="date", code="concurrent_change",
            ) from None
        audit.record(actor=actor, action="calendar_day.create", obj=entry, after=snapshot(entry), reason=reason)
        return "created", entry
    if existing.kind == kind and existing.name == name:
        return "unchanged", existing
    before = snapshot(existing)
    existing.kind, existing.name = kind, name
    existing.created_by, existing.created_at = creator, now
    existing.save(update_fields=["kind", "name", "created_by", "created_at"])
    audit.record(actor=actor, action="calendar_day.update", obj=existing, before=before, after=snapshot(existing), reason=reason)
    return "updated", existing


# --------------------------------------------------------------------------
# Staff entries: services


def set_day(actor: Any, date: dt.date | str, kind: str, name: str = "", reason: str = "") -> CalendarDay:
    """Mark `date` a holiday or a (make-up) working day, replacing any entry
    for that date. A weekend marked "workday" (调休上班) and a weekday marked
    "holiday" are both fine."""
    _check_actor(actor)
    day, date_err = _clean_date(date)
    clean_kind, kind_err = _clean_kind(kind)
    clean_name, name_err = _clean_name(name)
    errors = [e for e in (date_err, kind_err, name_err) if e]
    if errors:
        _raise(errors)
    assert day is not None and clean_kind is not None
    with transaction.atomic():
        _, entry = _write(actor, day, clean_kind, clean_name, reason, now=clock.now())
    return entry


def delete_day(actor: Any, date: dt.date | str, reason: str = "") -> None:
    """Remove the staff entry for `date`: the package (or Monday–Friday)
    decides that date again."""
    _check_actor(actor)
    day, err = _clean_date(date)
    if err:
        _raise([err])
    assert day is not None
    with transaction.atomic():
        entry = CalendarDay.objects.select_for_update().filter(date=day).first()
        if entry is None:
            raise NotFound(_("There is no calendar entry for %(date)s.") % {"date": day.isoformat()})
        audit.record(actor=actor, action="calendar_day.delete", obj=entry, before=snapshot(entry), reason=reason)
        entry.delete()


@dataclass
class ImportReport:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    years: list[int] = field(default_factory=list)

    def summary(self) -> str:
        text = _(
            "%(total)d rows: %(created)d added, %(updated)d changed, %(unchanged)d already so."
        ) % {"total": self.total, "created": self.created, "updated": self.updated, "unchanged": self.unchanged}
        if self.dry_run:
            text = _("Checked only, nothing written.") + " " + text
        return text


COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("date", "日期"),
    "kind": ("kind", "类型"),
    "name": ("name", "名称"),
}


def _decode(data: bytes) -> str:
    if len(data) > MAX_IMPORT_BYTES:
        _raise([_error("file", "too_big", _("The file is too big (at most %(n)d KB).") % {"n": MAX_IMPORT_BYTES // 1024})])
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    _raise([_error("file", "bad_encoding", _("The file is not UTF-8 or GBK text."))])
    raise AssertionError  # pragma: no cover


def _csv_rows(text: str) -> list[dict[str, Any]]:
    """CSV text -> rows as dicts, each with its spreadsheet row number."""
    records = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    while records and not any(c.strip() for c in records[0]):
        records.pop(0)  # pragma: no cover - leading blank lines
    if not records:
        _raise([_error("file", "empty", _("The file is empty. The first row must name the columns: date,kind,name."))])
    header: list[str | None] = []
    for cell in records[0]:
        key = cell.strip().lower()
        found = next((col for col, names in COLUMNS.items() if key in names), None)
        if found is None and key:
            _raise([_error("file", "unknown_column", _("Unknown column “%(c)s”: the columns are date,kind,name.") % {"c": cell.strip()})])
        if found is not None and found in header:
            _raise([_error("file", "duplicate_column", _("The column “%(c)s” appears twice.") % {"c": cell.strip()})])
        header.append(found)
    for required in ("date", "kind"):
        if required not in header:
            _raise([_error("file", "missing_column", _("The first row must name the columns: date,kind,name (“%(c)s” is missing).") % {"c": required})])
    rows: list[dict[str, Any]] = []
    for index, record in enumerate(records[1:], start=2):
        if not any(c.strip() for c in record):
            continue
        row: dict[str, Any] = {"_row": index}
        for col, cell in zip(header, record, strict=False):
            if col is not None:
                row[col] = cell
        if len(record) > len(header) and any(c.strip() for c in record[len(header):]):
            row["_extra"] = True
        rows.append(row)
    return rows


def _rows_from(source: Any) -> list[dict[str, Any]]:
    if isinstance(source, os.PathLike):
        with open(source, "rb") as fh:
            return _csv_rows(_decode(fh.read(MAX_IMPORT_BYTES + 1)))
    if isinstance(source, bytes | bytearray):
        return _csv_rows(_decode(bytes(source)))
    if isinstance(source, str):
        return _csv_rows(_decode(source.encode("utf-8")))
    if hasattr(source, "read"):
        data = source.read(MAX_IMPORT_BYTES + 1)
        return _csv_rows(_decode(data.encode("utf-8") if isinstance(data, str) else bytes(data)))
    rows = []
    for index, item in enumerate(source, start=2):
        if isinstance(item, Mapping):
            rows.append({"_row": index, **{k: item.get(k) for k in COLUMNS if k in item}})
        else:
            values = list(item)
            rows.append({"_row": index, **dict(zip(COLUMNS, values, strict=False))})
            if len(values) > len(COLUMNS):
                rows[-1]["_extra"] = True
    return rows


def import_days(
    actor: Any, source: Any, *, reason: str = "", dry_run: bool = False
) -> ImportReport:
    """Import calendar entries, all or nothing.

    `source` is CSV (bytes, text, a file object or a path) whose first row
    names the columns date,kind,name — or rows already read: mappings with
    those keys or (date, kind, name) sequences. Row numbers in errors count
    like a spreadsheet: the header is row 1. Every row is checked first;
    any problem raises ValidationFailed (field, code, details["row"], and
    `errors` listing all of them) and nothing is written. A date already in
    the table is replaced; the same date twice in the file is an error."""
    _check_actor(actor)
    rows = _rows_from(source)
    if not rows:
        _raise([_error("file", "empty", _("The file has no rows to import."))])
    if len(rows) > MAX_IMPORT_ROWS:
        _raise([_error("file", "too_many_rows", _("The file has too many rows (at most %(n)d).") % {"n": MAX_IMPORT_ROWS})])

    errors: list[dict[str, Any]] = []
    clean: list[tuple[dt.date, str, str]] = []
    seen: dict[dt.date, int] = {}
    for row in rows:
        number = row["_row"]
        day, date_err = _clean_date(row.get("date"))
        kind, kind_err = _clean_kind(row.get("kind"))
        name, name_err = _clean_name(row.get("name"))
        for err in (date_err, kind_err, name_err):
            if err:
                errors.append({**err, "row": number})
        if row.get("_extra"):
            errors.append(_error("", "extra_cells", _("The row has more cells than the columns date,kind,name."), number))
        if day is not None:
            if day in seen:
                errors.append(_error("date", "duplicate", _("%(date)s is already in row %(other)d.") % {"date": day.isoformat(), "other": seen[day]}, number))
            else:
                seen[day] = number
        if day is not None and kind is not None and not (date_err or kind_err or name_err):
            clean.append((day, kind, name))
    if errors:
        for err in errors:
            err["field"] = err["field"] or None
        _raise(errors)

    report = ImportReport(total=len(clean), dry_run=dry_run, years=sorted({d.year for d, _k, _n in clean}))
    if dry_run:
        existing = {e.date: e for e in CalendarDay.objects.filter(date__in=[d for d, _k, _n in clean])}
        for day, kind, name in clean:
            old = existing.get(day)
            if old is None:
                report.created += 1
            elif (old.kind, old.name) == (kind, name):
                report.unchanged += 1
            else:
                report.updated += 1
        return report
    reason = reason or "calendar import"
    now = clock.now()
    with transaction.atomic():
        for day, kind, name in clean:
            outcome, _entry = _write(actor, day, kind, name, reason, now=now)
            setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def staff_entries(*, since: dt.date | None = None) -> Iterable[CalendarDay]:
    qs = CalendarDay.objects.select_related("created_by").order_by("date")
    return qs.filter(date__gte=since) if since else qs
