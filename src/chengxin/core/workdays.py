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

Staff entries are written by `chengxin.core.calendar_entries` (`set_day`,
`delete_day`, `import_days`), which checks permissions and audits every change.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from zoneinfo import ZoneInfo

import chinese_calendar
from django.db import connection
from django.utils.translation import gettext as _

from chengxin.core import clock
from chengxin.core.models import CalendarDay

log = logging.getLogger("chengxin.workdays")

CALENDAR_TZ = ZoneInfo("Asia/Shanghai")

HOLIDAY = CalendarDay.Kind.HOLIDAY.value
WORKDAY = CalendarDay.Kind.WORKDAY.value

# year_coverage() answers
PACKAGE = "package"
STAFF = "staff"
NONE = "none"

_DAY = dt.timedelta(days=1)


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
