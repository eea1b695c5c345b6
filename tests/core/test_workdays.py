"""The working-day calendar: package data, staff entries, deadlines.

The fixed cases come from what chinesecalendar 1.11 says (checked first in
`test_package_data_the_cases_rely_on`), not from memory:

* Spring Festival 2026: days off Sun 2026-02-15 .. Mon 2026-02-23; make-up
  working days Sat 2026-02-14 and Sat 2026-02-28.
* National Day 2025 (with Mid-Autumn on 10-06): days off Wed 2025-10-01 ..
  Wed 2025-10-08; make-up working days Sun 2025-09-28 and Sat 2025-10-11.

2027 is not in the package. The 2027 entries below are a test fixture, not
the official arrangement.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chengxin.core import calendar_entries, workdays
from chengxin.core.errors import NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from chengxin.core.models import CalendarDay
from chengxin.ledger.models import AuditEntry
from chengxin.ledger.services import verify_chain

SH = ZoneInfo("Asia/Shanghai")
D = dt.date


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0, tz: dt.tzinfo = SH) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=tz)


def end(y: int, m: int, d: int) -> dt.datetime:
    return dt.datetime(y, m, d, 23, 59, 59, 999999, tzinfo=SH)


# A made-up 2027 arrangement for the tests (NOT the official one).
FIXTURE_2027 = [
    ("2027-02-06", "workday", "Spring Festival (test fixture)"),
    *[(f"2027-02-{d:02d}", "holiday", "Spring Festival (test fixture)") for d in range(8, 13)],
]


@pytest.fixture
def staff_2027(db):
    calendar_entries.import_days(None, FIXTURE_2027, reason="test fixture")


@pytest.fixture
def fresh_warnings(monkeypatch):
    monkeypatch.setattr(workdays, "_warned_years", set())


# --------------------------------------------------------------------------
# What the package says


def test_package_data_the_cases_rely_on():
    def off(day: D) -> bool:
        return not chinese_calendar.is_workday(day)

    # Spring Festival 2026
    assert chinese_calendar.is_workday(D(2026, 2, 13))  # Friday before
    assert chinese_calendar.get_holiday_detail(D(2026, 2, 14)) == (False, "Spring Festival")  # make-up Saturday
    assert all(off(D(2026, 2, d)) for d in range(15, 24))
    assert chinese_calendar.get_holiday_detail(D(2026, 2, 15)) == (True, "Spring Festival")
    assert chinese_calendar.is_workday(D(2026, 2, 24))
    assert chinese_calendar.get_holiday_detail(D(2026, 2, 28)) == (False, "Spring Festival")  # make-up Saturday
    assert off(D(2026, 3, 1)) and chinese_calendar.is_workday(D(2026, 3, 2))
    # National Day 2025
    assert off(D(2025, 9, 27))
    assert chinese_calendar.get_holiday_detail(D(2025, 9, 28)) == (False, "National Day")  # make-up Sunday
    assert all(off(D(2025, 10, d)) for d in range(1, 9))
    assert chinese_calendar.get_holiday_detail(D(2025, 10, 6)) == (True, "Mid-autumn Festival")
    assert chinese_calendar.is_workday(D(2025, 10, 9))
    assert chinese_calendar.get_holiday_detail(D(2025, 10, 11)) == (False, "National Day")  # make-up Saturday
    # National Day 2026: Oct 1-7 off, Saturday Oct 10 a make-up working day
    assert all(off(D(2026, 10, d)) for d in range(1, 8))
    assert chinese_calendar.is_workday(D(2026, 10, 10))
    # and nothing after 2026
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 1, 4))


# --------------------------------------------------------------------------
# Fixed cases from the package


@pytest.mark.django_db
class TestPackageYears:
    def test_is_workday_follows_the_package(self):
        assert workdays.is_workday(D(2026, 2, 14))  # make-up Saturday
        assert not workdays.is_workday(D(2026, 2, 16))  # Monday in the holiday
        assert not workdays.is_workday(D(2026, 2, 23))
        assert workdays.is_workday(D(2026, 2, 28))
        assert not workdays.is_workday(D(2026, 3, 1))
        assert workdays.is_workday(D(2025, 9, 28))
        assert workdays.is_workday(D(2025, 10, 11))
        assert not workdays.is_workday(D(2025, 10, 6))

    @pytest.mark.parametrize(("start", "n", "due"), [
        # Friday before the Spring Festival: the make-up Saturday counts, then the holiday
        (at(2026, 2, 13), 1, end(2026, 2, 14)),
        (at(2026, 2, 13), 2, end(2026, 2, 24)),
        (at(2026, 2, 13), 7, end(2026, 3, 2)),  # 14, 24, 25, 26, 27, 28 (Sat), Mar 2
        (at(2026, 2, 13), 10, end(2026, 3, 5)),
        # submitted on the make-up Saturday: that day does not count
        (at(2026, 2, 14), 1, end(2026, 2, 24)),
        # submitted during the holiday
        (at(2026, 2, 18), 1, end(2026, 2, 24)),
        (at(2026, 2, 18), 2, end(2026, 2, 25)),
        # n == 0: today if a working day, else the next one
        (at(2026, 2, 13), 0, end(2026, 2, 13)),
        (at(2026, 2, 14), 0, end(2026, 2, 14)),
        (at(2026, 2, 16), 0, end(2026, 2, 24)),
        # National Day 2025
        (at(2025, 9, 26), 1, end(2025, 9, 28)),  # make-up Sunday
        (at(2025, 9, 27), 0, end(2025, 9, 28)),
        (at(2025, 9, 30), 2, end(2025, 10, 10)),
        (at(2025, 9, 30), 3, end(2025, 10, 11)),  # make-up Saturday
        (at(2025, 9, 30), 4, end(2025, 10, 13)),
        (at(2025, 9, 30), 7, end(2025, 10, 16)),
        (at(2025, 9, 30), 10, end(2025, 10, 21)),
        (at(2025, 10, 1), 0, end(2025, 10, 9)),
    ])
    def test_deadlines(self, start, n, due):
        result = workdays.add_working_days(start, n)
        assert result == due
        assert result.utcoffset() == dt.timedelta(hours=8)
        assert (result.hour, result.minute, result.second, result.microsecond) == (23, 59, 59, 999999)
        if n:
            assert workdays.working_days_between(start, result) == n

    def test_the_date_is_the_date_in_china(self):
        # 23:30 on Friday in Beijing = 15:30 UTC
        assert workdays.add_working_days(dt.datetime(2026, 2, 13, 15, 30, tzinfo=dt.UTC), 1) == end(2026, 2, 14)
        # 00:30 on the make-up Saturday in Beijing = 16:30 UTC on Friday
        assert workdays.add_working_days(dt.datetime(2026, 2, 13, 16, 30, tzinfo=dt.UTC), 1) == end(2026, 2, 24)
        assert workdays.is_workday(dt.datetime(2026, 2, 14, 16, 30, tzinfo=dt.UTC)) is False  # Sunday 00:30 in Beijing

    def test_working_days_between(self):
        assert workdays.working_days_between(at(2026, 2, 13), at(2026, 2, 24, 9)) == 2
        assert workdays.working_days_between(at(2026, 2, 13), at(2026, 2, 13, 18)) == 0
        assert workdays.working_days_between(at(2026, 2, 24), at(2026, 2, 13)) == 0
        assert workdays.working_days_between(at(2025, 9, 30), at(2025, 10, 12)) == 3

    def test_bad_arguments(self):
        with pytest.raises(ValueError):
            workdays.add_working_days(dt.datetime(2026, 2, 13, 10), 1)  # naive
        with pytest.raises(ValueError):
            workdays.add_working_days(at(2026, 2, 13), -1)
        with pytest.raises(TypeError):
            workdays.add_working_days(at(2026, 2, 13), 1.5)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            workdays.working_days_between(dt.datetime(2026, 2, 13), at(2026, 2, 14))


# --------------------------------------------------------------------------
# Years the package does not know


@pytest.mark.django_db
class Test2027:
    def test_without_data_weekends_only_and_a_warning(self, fresh_warnings, caplog):
        caplog.set_level(logging.WARNING, logger="chengxin.workdays")
        assert workdays.is_workday(D(2027, 2, 8))  # a Monday
        assert not workdays.is_workday(D(2027, 2, 6))  # a Saturday
        assert workdays.add_working_days(at(2027, 2, 5), 2) == end(2027, 2, 9)
        # across the year end: 2027-01-01 (New Year's Day) is counted: that is the risk
        assert workdays.add_working_days(at(2026, 12, 31), 1) == end(2027, 1, 1)
        assert workdays.year_coverage(2027) == "none"
        assert workdays.year_coverage(2026) == "package"
        warnings = workdays.coverage_warnings(D(2026, 11, 23))
        assert len(warnings) == 1 and "2027" in warnings[0]
        assert "Monday–Friday" in warnings[0]
        logged = [r for r in caplog.records if r.name == "chengxin.workdays" and "2027" in r.getMessage()]
        assert len(logged) == 1  # once per process and year
        assert logged[0].levelno == logging.WARNING

    def test_coverage_warnings(self, staff_2027):
        assert workdays.coverage_warnings(D(2025, 6, 1)) == []
        assert workdays.coverage_warnings(D(2026, 11, 23)) == []  # 2027 loaded by staff
        later = workdays.coverage_warnings(D(2027, 3, 1))
        assert len(later) == 1 and "2028" in later[0]
        assert [w for w in workdays.coverage_warnings(D(2030, 1, 1)) if "2030" in w]

    def test_coverage_warnings_never_raise(self, db, monkeypatch):
        def broken(year):
            raise RuntimeError("database is gone")

        monkeypatch.setattr(workdays, "year_coverage", broken)
        warnings = workdays.coverage_warnings(D(2026, 11, 23))
        assert len(warnings) == 1 and isinstance(warnings[0], str)

    def test_a_workday_alone_does_not_cover_a_year(self, reviewer):
        calendar_entries.set_day(reviewer, "2027-02-06", "workday", "make-up")
        assert workdays.year_coverage(2027) == "none"
        assert workdays.is_workday(D(2027, 2, 6))

    def test_staff_entries_supply_the_year(self, staff_2027, fresh_warnings, caplog):
        caplog.set_level(logging.WARNING, logger="chengxin.workdays")
        assert workdays.year_coverage(2027) == "staff"
        assert workdays.is_workday(D(2027, 2, 6))  # make-up Saturday
        assert not workdays.is_workday(D(2027, 2, 8))
        assert not workdays.is_workday(D(2027, 2, 7))  # Sunday: still a weekend
        assert workdays.is_workday(D(2027, 2, 15))
        assert workdays.add_working_days(at(2027, 2, 5), 1) == end(2027, 2, 6)
        assert workdays.add_working_days(at(2027, 2, 5), 2) == end(2027, 2, 15)
        assert workdays.working_days_between(at(2027, 2, 5), end(2027, 2, 15)) == 2
        assert workdays.add_working_days(at(2027, 2, 9), 0) == end(2027, 2, 15)
        assert not [r for r in caplog.records if r.name == "chengxin.workdays"]


# --------------------------------------------------------------------------
# Staff entries: corrections, audit, permissions


@pytest.mark.django_db
class TestStaffEntries:
    def test_override_of_a_package_date_counts_at_once(self, reviewer):
        start = at(2026, 2, 27)  # Friday; Saturday the 28th is a make-up working day
        assert workdays.add_working_days(start, 2) == end(2026, 3, 2)
        calendar_entries.set_day(reviewer, D(2026, 3, 2), "holiday", "correction", reason="test")
        assert workdays.is_workday(D(2026, 3, 2)) is False
        assert workdays.add_working_days(start, 2) == end(2026, 3, 3)
        assert workdays.year_coverage(2026) == "package"  # the staff entry is a correction
        status = workdays.year_status(2026)
        assert (status.coverage, status.staff_holidays, status.staff_workdays) == ("package", 1, 0)
        # a package holiday made a working day
        calendar_entries.set_day(reviewer, "2026-02-16", "workday", "correction")
        assert workdays.is_workday(D(2026, 2, 16))
        assert workdays.add_working_days(at(2026, 2, 14), 1) == end(2026, 2, 16)
        calendar_entries.delete_day(reviewer, "2026-03-02", reason="undo")
        assert workdays.add_working_days(start, 2) == end(2026, 3, 2)

    def test_changes_are_audited(self, reviewer):
        entry = calendar_entries.set_day(reviewer, "2027-02-08", "holiday", "Spring Festival", reason="notice")
        assert entry.created_by == reviewer
        calendar_entries.set_day(reviewer, "2027-02-08", "holiday", "Spring Festival")  # no change
        calendar_entries.set_day(reviewer, "2027-02-08", "workday", "Spring Festival", reason="fix")
        calendar_entries.delete_day(reviewer, "2027-02-08", reason="wrong year")
        entries = list(AuditEntry.objects.filter(object_type="core.calendarday").order_by("seq"))
        assert [e.action for e in entries] == ["calendar_day.create", "calendar_day.update", "calendar_day.delete"]
        assert entries[0].after == {"date": "2027-02-08", "kind": "holiday", "name": "Spring Festival"}
        assert entries[1].before["kind"] == "holiday" and entries[1].after["kind"] == "workday"
        assert entries[2].before["kind"] == "workday" and entries[2].reason == "wrong year"
        assert all(e.actor_id == reviewer.pk for e in entries)
        assert verify_chain().ok
        assert not CalendarDay.objects.exists()

    def test_delete_of_nothing_is_not_found(self, reviewer):
        with pytest.raises(NotFound):
            calendar_entries.delete_day(reviewer, "2027-02-08")

    @pytest.mark.parametrize(("kwargs", "field", "code"), [
        ({"date": "2027-2-8"}, "date", "invalid_date"),
        ({"date": "20270208"}, "date", "invalid_date"),
        ({"date": "2027-02-30"}, "date", "invalid_date"),
        ({"date": "1970-01-01"}, "date", "out_of_range"),
        ({"kind": "vacation"}, "kind", "invalid_choice"),
        ({"name": "<script>"}, "name", "unsafe_text"),
        ({"name": "x" * 101}, "name", "too_long"),
    ])
    def test_set_day_validates(self, reviewer, kwargs, field, code):
        args = {"date": "2027-02-08", "kind": "holiday", "name": "Spring Festival", **kwargs}
        with pytest.raises(ValidationFailed) as exc:
            calendar_entries.set_day(reviewer, args["date"], args["kind"], args["name"])
        assert (exc.value.field, exc.value.code) == (field, code)
        assert not CalendarDay.objects.exists()

    @pytest.mark.parametrize("role", ["consumer", "member", "mediator"])
    def test_others_may_not_edit(self, request, role):
        user = request.getfixturevalue(role)
        with pytest.raises(PermissionDenied):
            calendar_entries.set_day(user, "2027-02-08", "holiday", "x")
        with pytest.raises(PermissionDenied):
            calendar_entries.delete_day(user, "2027-02-08")
        with pytest.raises(PermissionDenied):
            calendar_entries.import_days(user, FIXTURE_2027)
        assert not CalendarDay.objects.exists()

    def test_anonymous_may_not_edit(self):
        from django.contrib.auth.models import AnonymousUser

        with pytest.raises(NotAuthenticated):
            calendar_entries.set_day(AnonymousUser(), "2027-02-08", "holiday", "x")

    def test_admin_may_edit(self, admin_user):
        calendar_entries.set_day(admin_user, "2027-02-08", "holiday", "x")
        assert CalendarDay.objects.count() == 1


def test_one_reading_reads_each_year_once_and_only_within_the_block(db, django_assert_num_queries):
    with workdays.one_reading():
        with django_assert_num_queries(1):
            due = workdays.add_working_days(at(2026, 11, 20), 7)
            workdays.working_day_before(due, 2)
            assert workdays.is_workday(D(2026, 11, 23))
        with workdays.one_reading(), django_assert_num_queries(0):  # nested: the same reading
            workdays.add_working_days(at(2026, 11, 20), 7)
        with django_assert_num_queries(1):  # another year
            workdays.is_workday(D(2027, 1, 4))
    calendar_entries.set_day(None, "2026-11-23", "holiday", "test")
    with django_assert_num_queries(1):  # outside the block: every call reads again
        assert not workdays.is_workday(D(2026, 11, 23))
    with django_assert_num_queries(1), workdays.one_reading(around=at(2026, 12, 31, 23, 30, tz=dt.UTC)):
        workdays.is_workday(D(2027, 1, 4))  # read at once: the year in China (2027), not 2026
    with workdays.one_reading(around=at(2026, 11, 20)), django_assert_num_queries(0):
        assert not workdays.is_workday(D(2026, 11, 23))


# --------------------------------------------------------------------------
# Import

GOOD_CSV = (
    "\ufeffdate,kind,name\r\n"
    "2027-02-06,workday,春节调休\r\n"  # a Saturday as a working day: fine
    "2027-02-08,holiday,春节\r\n"
    "2027-02-09,holiday,春节\r\n"
    "2027-02-10,holiday,春节\r\n"
    "2027-02-11,holiday,春节\r\n"
    "2027-02-12,holiday,春节\r\n"
    "\r\n"
)


@pytest.mark.django_db
class TestImport:
    def test_good_file(self, reviewer):
        report = calendar_entries.import_days(reviewer, GOOD_CSV.encode("utf-8"), reason="State Council notice")
        assert (report.total, report.created, report.updated, report.unchanged) == (6, 6, 0, 0)
        assert report.years == [2027]
        assert CalendarDay.objects.get(date=D(2027, 2, 6)).kind == "workday"
        assert workdays.year_coverage(2027) == "staff"
        assert AuditEntry.objects.filter(action="calendar_day.create", reason="State Council notice").count() == 6
        again = calendar_entries.import_days(reviewer, io.BytesIO(GOOD_CSV.encode("utf-8")))
        assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
        assert AuditEntry.objects.filter(object_type="core.calendarday").count() == 6

    def test_gbk_file_and_replacing_an_entry(self, reviewer):
        calendar_entries.set_day(reviewer, "2027-02-08", "workday", "old")
        report = calendar_entries.import_days(reviewer, GOOD_CSV.lstrip("\ufeff").encode("gbk"))
        assert (report.created, report.updated) == (5, 1)
        assert CalendarDay.objects.get(date=D(2027, 2, 8)).name == "春节"

    def test_dry_run_writes_nothing(self, reviewer):
        report = calendar_entries.import_days(reviewer, GOOD_CSV, dry_run=True)
        assert (report.created, report.dry_run) == (6, True)
        assert not CalendarDay.objects.exists()

    def test_rows_and_a_weekday_holiday(self):
        report = calendar_entries.import_days(None, [{"date": "2027-03-03", "kind": "holiday", "name": "x"},
                                             ("2027-03-06", "workday", "y")])
        assert report.created == 2
        assert not workdays.is_workday(D(2027, 3, 3)) and workdays.is_workday(D(2027, 3, 6))
        assert AuditEntry.objects.filter(action="calendar_day.create", actor__isnull=True).count() == 2

    @pytest.mark.parametrize(("bad_row", "field", "code"), [
        ("2027-2-9,holiday,春节", "date", "invalid_date"),
        ("2027/02/09,holiday,春节", "date", "invalid_date"),
        ("2027-02-29,holiday,春节", "date", "invalid_date"),  # not a leap year
        (",holiday,春节", "date", "required"),
        ("2027-02-09,vacation,春节", "kind", "invalid_choice"),
        ("2027-02-09,,春节", "kind", "required"),
        ("2027-02-08,workday,again", "date", "duplicate"),  # row 2 has 2027-02-08
        ("2027-02-09,holiday,<b>", "name", "unsafe_text"),
        ("2027-02-09,holiday,春节,extra", None, "extra_cells"),
    ])
    def test_a_bad_row_writes_nothing(self, reviewer, bad_row, field, code):
        text = f"date,kind,name\n2027-02-08,holiday,春节\n{bad_row}\n2027-02-10,holiday,春节\n"
        before = AuditEntry.objects.count()
        with pytest.raises(ValidationFailed) as exc:
            calendar_entries.import_days(reviewer, text.encode())
        err = exc.value
        assert (err.field, err.code) == (field, code)
        assert err.details == {"row": 3}
        assert err.errors[0]["row"] == 3 and err.errors[0]["field"] == field
        assert str(err.message).startswith("Row 3")
        assert not CalendarDay.objects.exists()
        assert AuditEntry.objects.count() == before

    def test_all_problems_are_listed(self, reviewer):
        text = "date,kind,name\n2027-13-01,holiday,a\n2027-02-08,nope,b\n2027-02-08,holiday,c\n2027-02-08,holiday,d\n"
        with pytest.raises(ValidationFailed) as exc:
            calendar_entries.import_days(reviewer, text)
        assert [(e["row"], e["field"], e["code"]) for e in exc.value.errors] == [
            (2, "date", "invalid_date"), (3, "kind", "invalid_choice"),
            (4, "date", "duplicate"), (5, "date", "duplicate"),
        ]
        assert "row 3" in exc.value.errors[2]["message"]

    @pytest.mark.parametrize(("data", "code"), [
        (b"", "empty"),
        (b"date,kind,name\n", "empty"),
        (b"day,kind,name\n2027-02-08,holiday,x\n", "unknown_column"),
        (b"date,name\n2027-02-08,x\n", "missing_column"),
        (b"\xff\xfe\x00d\x00a\x00t\x00e\x00\xff", "bad_encoding"),
        (b"date,kind,name\n" + b"2027-02-08,holiday,x\n" * 20000, "too_big"),
    ])
    def test_bad_files(self, reviewer, data, code):
        with pytest.raises(ValidationFailed) as exc:
            calendar_entries.import_days(reviewer, data)
        assert (exc.value.field, exc.value.code) == ("file", code)

    def test_chinese_headers(self, reviewer):
        report = calendar_entries.import_days(reviewer, "日期,类型,名称\n2027-02-08,holiday,春节\n")
        assert report.created == 1


# --------------------------------------------------------------------------
# Properties

STARTS = st.datetimes(
    min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2028, 12, 31, 23, 59, 59),
    timezones=st.sampled_from([SH, dt.UTC, ZoneInfo("America/Los_Angeles")]),
)
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture(params=["package only", "with staff 2027"])
def calendar(request, db):
    if request.param == "with staff 2027":
        calendar_entries.import_days(None, FIXTURE_2027)
        calendar_entries.import_days(None, [("2026-03-02", "holiday", "correction"), ("2028-01-03", "holiday", "x")])
    return request.param


@PROPERTY_SETTINGS
@given(start=STARTS, n=st.integers(0, 30))
def test_deadline_properties(calendar, start, n):
    result = workdays.add_working_days(start, n)
    assert result >= start
    assert result.tzinfo is not None
    day = workdays.local_date(result)
    assert result == workdays.end_of_day(day)
    assert workdays.is_workday(day)
    between = workdays.working_days_between(start, result)
    if n >= 1:
        assert between == n
    else:
        assert between == (0 if workdays.is_workday(workdays.local_date(start)) else 1)
    assert workdays.add_working_days(start, n + 1) > result or n == 0
    assert workdays.add_working_days(start, n + 1) >= result


@PROPERTY_SETTINGS
@given(a=STARTS, b=STARTS, n=st.integers(0, 30))
def test_monotonic_in_start(calendar, a, b, n):
    a, b = min(a, b), max(a, b)
    assert workdays.add_working_days(a, n) <= workdays.add_working_days(b, n)


@PROPERTY_SETTINGS
@given(points=st.lists(STARTS, min_size=3, max_size=3))
def test_between_adds_up(calendar, points):
    a, b, c = sorted(points)
    total = workdays.working_days_between(a, c)
    assert workdays.working_days_between(a, b) + workdays.working_days_between(b, c) == total
    assert 0 <= total <= (workdays.local_date(c) - workdays.local_date(a)).days


@PROPERTY_SETTINGS
@given(day=st.dates(min_value=D(1990, 1, 1), max_value=D(2100, 12, 31)))
def test_is_workday_never_raises(calendar, day):
    value = workdays.is_workday(day)
    assert isinstance(value, bool)
    if CalendarDay.objects.filter(date=day).exists():
        return
    if 2004 <= day.year <= 2026:
        assert value == chinese_calendar.is_workday(day)
    else:
        assert value == (day.weekday() < 5)


# --------------------------------------------------------------------------
# The page


@pytest.fixture
def november_2026(frozen_clock):
    frozen_clock.set(dt.datetime(2026, 11, 23, 10, 0, tzinfo=SH))
    return frozen_clock


@pytest.mark.django_db
class TestPage:
    def test_reviewer_sees_coverage_and_warning(self, login, reviewer, november_2026):
        c = login(reviewer)
        page = c.get("/staff/calendar")
        assert page.status_code == 200
        html = page.content.decode()
        assert 'id="coverage-2026" data-coverage="package"' in html
        assert 'id="coverage-2027" data-coverage="none"' in html
        assert 'id="coverage-2028" data-coverage="none"' in html
        assert 'id="calendar-warnings"' in html and "2027" in html.split('id="calendar-warnings"')[1][:500]

    @pytest.mark.parametrize("role", ["consumer", "member"])
    def test_others_are_refused(self, client, login, request, role):
        c = login(request.getfixturevalue(role))
        assert c.get("/staff/calendar").status_code == 403
        assert c.post("/staff/calendar", {"action": "add", "add-date": "2027-02-08", "add-kind": "holiday"}).status_code == 403
        assert c.post("/staff/calendar/2027-02-08/delete").status_code == 403
        assert not CalendarDay.objects.exists()

    def test_anonymous_is_sent_to_login(self, client, db):
        r = client.get("/staff/calendar")
        assert r.status_code == 302 and "/accounts/login/" in r["Location"]

    def test_add_upload_delete(self, login, reviewer, november_2026):
        c = login(reviewer)
        r = c.post("/staff/calendar", {"action": "add", "add-date": "2027-02-08", "add-kind": "holiday",
                                       "add-name": "Spring Festival", "add-reason": "notice"})
        assert r.status_code == 302
        assert CalendarDay.objects.get(date=D(2027, 2, 8)).created_by == reviewer
        html = c.get("/staff/calendar").content.decode()
        assert 'id="day-2027-02-08"' in html and 'data-coverage="staff"' in html
        assert 'id="calendar-warnings"' not in html

        upload = io.BytesIO(GOOD_CSV.encode())
        upload.name = "2027.csv"
        r = c.post("/staff/calendar", {"action": "import", "upload-file": upload, "upload-reason": "notice"})
        assert r.status_code == 302
        assert CalendarDay.objects.count() == 6

        r = c.post("/staff/calendar/2027-02-06/delete", {"reason": "typo"})
        assert r.status_code == 302
        assert not CalendarDay.objects.filter(date=D(2027, 2, 6)).exists()
        assert AuditEntry.objects.filter(action="calendar_day.delete", reason="typo").count() == 1

    def test_bad_input_is_shown_and_nothing_written(self, login, reviewer, november_2026):
        c = login(reviewer)
        r = c.post("/staff/calendar", {"action": "add", "add-date": "8.2.2027", "add-kind": "holiday"})
        assert r.status_code == 200 and "errorlist" in r.content.decode()
        upload = io.BytesIO(b"date,kind,name\n2027-02-08,holiday,a\n2027-02-08,workday,b\n")
        upload.name = "bad.csv"
        r = c.post("/staff/calendar", {"action": "import", "upload-file": upload})
        assert r.status_code == 200
        report = r.content.decode().split('id="calendar-import-report"')[1]
        assert "<td>3</td>" in report and "<code>date</code>" in report
        assert not CalendarDay.objects.exists()
        assert c.post("/staff/calendar/2027-02-30/delete").status_code == 404


# --------------------------------------------------------------------------
# The command


@pytest.mark.django_db
def test_command_status_and_import(tmp_path, november_2026, fresh_warnings):
    out, err = io.StringIO(), io.StringIO()
    call_command("calendar", "status", stdout=out, stderr=err)
    assert "2026  package" in out.getvalue()
    assert "2027  none" in out.getvalue() and "2028  none" in out.getvalue()
    assert "2027" in err.getvalue()
    with pytest.raises(CommandError):
        call_command("calendar", "status", "--check", stdout=io.StringIO(), stderr=io.StringIO())

    bad = tmp_path / "bad.csv"
    bad.write_text("date,kind,name\n2027-02-08,holiday,a\n2027-02-31,holiday,b\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("calendar", "import", str(bad), stdout=io.StringIO(), stderr=err)
    assert "row 3: date" in err.getvalue()
    assert not CalendarDay.objects.exists()

    good = tmp_path / "2027.csv"
    good.write_text(GOOD_CSV, encoding="utf-8")
    out = io.StringIO()
    call_command("calendar", "import", str(good), stdout=out)
    assert CalendarDay.objects.count() == 6
    out = io.StringIO()
    call_command("calendar", "status", stdout=out, stderr=io.StringIO())
    assert "2027  staff table (5 holidays, 1 make-up working days)" in out.getvalue()
    call_command("calendar", "status", "--check", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.fixture(autouse=True)
def _english_messages():
    """These tests read the English wording of messages; pages keep their default."""
    from django.utils import translation

    with translation.override("en"):
        yield
