"""What a report is about: a period (dates in China time) and a scope
(province, city, industry). Parsed once from whatever the page, the API or
a caller gives, with one error per bad value.

Bad input raises `BadReportQuery`, a `ValidationFailed` answered with
HTTP 400 (the request itself is malformed: nothing was submitted to change).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chengxin.core import clock, workdays
from chengxin.core.errors import ValidationFailed
from chengxin.registry.models import Industry, Region

MAX_YEARS = 10
EARLIEST = dt.date(1900, 1, 1)
DEFAULT_PRESET = "last_12_months"
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")
_MAX_INPUT = 40  # longer values are never valid dates or codes


class BadReportQuery(ValidationFailed):
    status = 400


def today() -> dt.date:
    return workdays.local_date(clock.now())


def local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=workdays.CALENDAR_TZ)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included (China time). `requested_end`
    is the end asked for; `end` is never after today (figures are as of now)."""

    start: dt.date
    end: dt.date
    requested_end: dt.date
    preset: str = ""

    @property
    def start_at(self) -> dt.datetime:
        return local_midnight(self.start)

    @property
    def end_at(self) -> dt.datetime:
        """Exclusive: midnight after the last day."""
        return local_midnight(self.end + dt.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(),
                "requested_end": self.requested_end.isoformat(), "days": self.days, "preset": self.preset}


@dataclass(frozen=True)
class Scope:
    province: Region | None = None
    city: Region | None = None
    industry: Industry | None = None
    industry_codes: tuple[str, ...] = ()  # the industry and those under it

    def q(self, prefix: str = "subject__") -> Q:
        """Filter on the subject (through `prefix`) for this scope. Industry
        codes are hierarchical (GB/T 4754): F52 includes F5292."""
        q = Q()
        if self.province is not None:
            q &= Q(**{f"{prefix}province_id": self.province.code})
        if self.city is not None:
            q &= Q(**{f"{prefix}city_id": self.city.code})
        if self.industry is not None:
            q &= Q(**{f"{prefix}industry_id__in": self.industry_codes or (self.industry.code,)})
        return q

    def as_dict(self) -> dict[str, Any]:
        def one(obj: Any) -> dict[str, str] | None:
            return None if obj is None else {"code": obj.code, "name": obj.name, "name_en": obj.name_en}
        return {"province": one(self.province), "city": one(self.city), "industry": one(self.industry)}

    def query(self) -> dict[str, str]:
        out = {}
        for key in ("province", "city", "industry"):
            obj = getattr(self, key)
            if obj is not None:
                out[key] = obj.code
        return out


def _clean(value: Any) -> str:
    return str(value).strip()[:_MAX_INPUT + 1] if value is not None else ""


def _date(value: Any, field: str) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return workdays.local_date(value) if value.tzinfo else value.date()
    if isinstance(value, dt.date):
        return value
    raw = _clean(value)
    if not raw:
        return None
    try:
        if len(raw) > _MAX_INPUT:
            raise ValueError
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise BadReportQuery(_("Enter the date as YYYY-MM-DD, e.g. 2026-01-31."), field=field, code="invalid_date") from None


def preset_range(preset: str, *, on: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """this_year, last_year, last_12_months, a year (2025) or a quarter (2025-Q3)."""
    on = on or today()
    preset = preset.strip()
    if preset == "this_year":
        return dt.date(on.year, 1, 1), dt.date(on.year, 12, 31)
    if preset == "last_year":
        return dt.date(on.year - 1, 1, 1), dt.date(on.year - 1, 12, 31)
    if preset == "last_12_months":
        return _add_years(on, -1) + dt.timedelta(days=1), on
    if m := _QUARTER.match(preset):
        year, q = int(m.group(1)), int(m.group(2))
        if 1 <= year < 9999:
            first = dt.date(year, 3 * q - 2, 1)
            last = dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - dt.timedelta(days=1)
            return first, last
    if (m := _YEAR.match(preset)) and int(m.group(1)) >= 1:
        year = int(m.group(1))
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    raise BadReportQuery(_("Unknown period “%(p)s”: use this_year, last_year, last_12_months, a year like 2025 or a quarter like 2025-Q3.")
                         % {"p": preset[:_MAX_INPUT]}, field="period", code="invalid_period")


def preset_choices(*, on: dt.date | None = None, quarters: int = 8) -> list[tuple[str, Any]]:
    """The presets the form offers: the usual ones and the last quarters."""
    on = on or today()
    out: list[tuple[str, Any]] = [
        ("last_12_months", gettext_lazy("Last 12 months")),
        ("this_year", gettext_lazy("This year")),
        ("last_year", gettext_lazy("Last year")),
    ]
    year, q = on.year, (on.month - 1) // 3 + 1
    for _i in range(quarters):
        out.append((f"{year}-Q{q}", f"{year} Q{q}"))
        year, q = (year - 1, 4) if q == 1 else (year, q - 1)
    return out


def parse_period(start: Any = None, end: Any = None, *, preset: Any = None) -> Period:
    """Explicit dates win over a preset; with neither, the last 12 months.
    A missing start or end is taken from the preset (default last 12 months)."""
    s, e = _date(start, "start"), _date(end, "end")
    preset_s = _clean(preset)
    used = ""
    if s is None or e is None:
        used = preset_s or DEFAULT_PRESET
        ps, pe = preset_range(used)
        if s is not None or e is not None:
            used = ""  # a mixed period is not the preset any more
        s, e = s or ps, e or pe
    elif preset_s:
        preset_range(preset_s)  # still refuse a malformed preset
    assert s is not None and e is not None
    if e < s:
        raise BadReportQuery(_("The end date (%(e)s) is before the start date (%(s)s).") % {"e": e.isoformat(), "s": s.isoformat()},
                             field="end", code="end_before_start")
    if s < EARLIEST:
        raise BadReportQuery(_("Reports start on %(d)s at the earliest.") % {"d": EARLIEST.isoformat()},
                             field="start", code="date_out_of_range")
    now = today()
    if s > now:
        raise BadReportQuery(_("The period starts after today (%(d)s): there are no figures yet.") % {"d": now.isoformat()},
                             field="start", code="future_period")
    if e >= _add_years(s, MAX_YEARS):
        raise BadReportQuery(_("A report covers at most %(n)d years; choose a shorter period.") % {"n": MAX_YEARS},
                             field="start", code="period_too_long")
    return Period(start=s, end=min(e, now), requested_end=e, preset=used)


def parse_scope(province: Any = None, city: Any = None, industry: Any = None) -> Scope:
    p_code, c_code, i_code = _clean(province), _clean(city), _clean(industry)
    p = c = ind = None
    if p_code:
        p = Region.objects.filter(code=p_code[:6], level="province").first() if len(p_code) <= 6 else None
        if p is None:
            raise BadReportQuery(_("Unknown province “%(c)s”: give a GB/T 2260 province code such as 330000.") % {"c": p_code[:_MAX_INPUT]},
                                 field="province", code="unknown_province")
    if c_code:
        c = Region.objects.select_related("parent").filter(code=c_code[:6], level="city").first() if len(c_code) <= 6 else None
        if c is None:
            raise BadReportQuery(_("Unknown city “%(c)s”: give a GB/T 2260 city code such as 330100.") % {"c": c_code[:_MAX_INPUT]},
                                 field="city", code="unknown_city")
        if p is not None and c.parent_id != p.code:
            raise BadReportQuery(_("%(city)s is not in %(province)s.") % {"city": c.label, "province": p.label},
                                 field="city", code="city_not_in_province")
        if p is None:
            p = c.parent
    if i_code:
        ind = Industry.objects.filter(code=i_code[:10]).first() if len(i_code) <= 10 else None
        if ind is None:
            raise BadReportQuery(_("Unknown industry “%(c)s”.") % {"c": i_code[:_MAX_INPUT]}, field="industry", code="unknown_industry")
    codes = ind.with_subdivisions() if ind else ()
    return Scope(province=p, city=c, industry=ind, industry_codes=codes)


def parse(params: Any) -> tuple[Period, Scope]:
    """From a query dict (page, export or API): start, end, period, province, city, industry."""
    get = params.get
    return (parse_period(get("start"), get("end"), preset=get("period")),
            parse_scope(get("province"), get("city"), get("industry")))
