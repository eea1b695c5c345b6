"""Staff entries of the working-day calendar (`CalendarDay`): set, delete and
import holidays and adjusted working days, each validated field by field,
permission-checked ("calendar.edit"; actor=None is the command line) and
audited. How the entries count in deadlines is `chengxin.core.workdays`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from chengxin.core import clock, workdays
from chengxin.core.errors import Conflict, NotFound, ValidationFailed
from chengxin.core.models import CalendarDay
from chengxin.core.permissions import check
from chengxin.ledger import services as audit

PERMISSION = "calendar.edit"
KINDS = (workdays.HOLIDAY, workdays.WORKDAY)

# What staff may enter: a typo such as 2207 for 2027 is refused.
MIN_YEAR = 2000
MAX_YEAR = 2100
NAME_MAX = 100
MAX_IMPORT_ROWS = 2000
MAX_IMPORT_BYTES = 256 * 1024

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UNSAFE = re.compile(r"[<>\x00-\x1f\x7f]")


# --------------------------------------------------------------------------
# Staff entries: validation


def _error(field_name: str, code: str, message: str, row: int | None = None) -> dict[str, Any]:
    err: dict[str, Any] = {"field": field_name, "code": code, "message": message}
    if row is not None:
        err["row"] = row
    return err


def _clean_date(value: Any) -> tuple[dt.date | None, dict[str, Any] | None]:
    if isinstance(value, dt.datetime):
        value = workdays.local_date(value)
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
