"""Report figures against numbers computed by hand from the data set in
conftest.py (its docstring lists every record)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chengxin.complaints import reputation
from chengxin.core.errors import ValidationFailed
from chengxin.reports import params, services

Q1 = {"start": "2026-01-01", "end": "2026-03-31"}


def test_figures_of_the_first_quarter(dataset: Any) -> None:
    r = services.report(**Q1)
    assert r["period"] == {"start": "2026-01-01", "end": "2026-03-15", "requested_end": "2026-03-31", "days": 74, "preset": ""}
    assert r["subjects"] == {"registered": 4}
    assert r["members"] == {"active": 2, "new": 1, "at_end": 1}
    assert r["certificates"]["issued"] == {"red": 0, "blue": 1}
    assert r["certificates"]["live"] == {"red": 0, "blue": 1}
    c = r["complaints"]
    assert (c["filed"], c["invalid"], c["withdrawn"], c["counted"]) == (7, 1, 0, 6)
    assert (c["due"], c["answered"], c["on_time"]) == (5, 4, 3)
    assert c["response_rate"] == 0.8
    assert c["on_time_response_rate"] == 0.6
    assert c["median_response_hours"] == 60.0  # 24, 24, 96, 480
    assert (c["closed"], c["resolved"], c["consumer_confirmed"], c["open"], c["unanswered"]) == (5, 2, 1, 1, 1)
    assert c["resolution_rate"] == 0.4
    assert c["consumer_confirmed_rate"] == 0.2
    assert c["against_members"] == 4  # c5 came after S2's membership was terminated
    assert c["against_members_per_100_members"] == 200.0
    assert c["by_category"] == {"false_advertising": 0, "quality": 3, "after_sales": 0, "refund": 1, "delivery": 1, "fraud": 1,
                                "personal_information": 0, "other": 0}
    assert c["by_outcome"]["invalid"] == 1 and c["by_outcome"]["resolved_mediation"] == 1 and sum(c["by_outcome"].values()) == 7
    assert r["mediation"] == {"started": 2, "settled": 1, "failed": 1, "ongoing": 0}
    assert r["satisfaction"] == {"responses": 0, "average": None}
    assert r["blacklist"] == {"added": 1, "active": 1}
    g = r["grades"]
    assert g["source"] == "current"
    assert g["distribution"] == {"AAA": 0, "AA": 1, "A": 0, "B": 0, "C": 1, "D": 1}
    assert (g["graded"], g["not_rated"], g["top_share"]) == (3, 1, 0.3333)
    assert r["index"]["value"] == 45.0  # mean of January 36.7 and February 53.3; March has no index
    assert r["index"]["months_with_value"] == 2


def test_past_period_rebuilds_grades_from_history(dataset: Any) -> None:
    r = services.report("2026-01-01", "2026-01-31")
    g = r["grades"]
    assert g["source"] == "history"
    assert g["distribution"] == {"AAA": 0, "AA": 0, "A": 1, "B": 1, "C": 1, "D": 0}
    assert g["top_share"] == 0.3333
    # at the end of January S2 was still a member, the red certificate still valid, S4's blacklisting lifted
    assert r["members"] == {"active": 2, "new": 1, "at_end": 2}
    assert r["certificates"]["live"] == {"red": 1, "blue": 1}
    assert r["blacklist"] == {"added": 0, "active": 0}


def test_series_month_by_month_and_the_index(dataset: Any) -> None:
    s = services.series(**Q1)
    jan, feb, mar = s["months"]
    assert [m["month"] for m in s["months"]] == ["2026-01", "2026-02", "2026-03"]
    assert (mar["start"], mar["end"]) == ("2026-03-01", "2026-03-15")
    assert [m["complaints_filed"] for m in s["months"]] == [3, 3, 1]
    assert [m["complaints"] for m in s["months"]] == [2, 3, 1]
    assert [m["members"] for m in s["months"]] == [2, 1, 1]
    assert [m["new_members"] for m in s["months"]] == [1, 0, 0]
    assert [m["against_members"] for m in s["months"]] == [2, 1, 1]
    assert [m["response_rate"] for m in s["months"]] == [0.5, 1.0, None]
    assert [m["on_time_response_rate"] for m in s["months"]] == [0.5, 0.6667, None]
    assert [m["resolution_rate"] for m in s["months"]] == [0.5, 0.3333, None]
    assert [m["median_response_hours"] for m in s["months"]] == [24.0, 96.0, None]
    assert [m["certificates_issued"] for m in s["months"]] == [1, 0, 0]
    assert [m["certificates_live"] for m in s["months"]] == [2, 1, 1]
    assert [m["blacklist_added"] for m in s["months"]] == [0, 1, 0]
    assert [m["blacklist_active"] for m in s["months"]] == [0, 1, 1]
    assert [m["graded"] for m in s["months"]] == [3, 3, 3]
    assert [m["top_grade_share"] for m in s["months"]] == [0.3333, 0.6667, 0.3333]
    # 100 × (0.3·0.5 + 0.3·0.5 + 0.2·⅓ + 0.2·0) = 36.7 — 100 complaints per 100 members scores 0
    assert jan["components"] == {"response": 0.5, "resolution": 0.5, "grades": 0.3333, "complaints": 0.0}
    assert jan["index"] == 36.7
    assert feb["index"] == 53.3  # 100 × (0.3·1 + 0.3·⅓ + 0.2·⅔)
    # March: nothing due and nothing closed yet; grades and complaints weigh 0.4 < 0.5
    assert mar["index"] is None
    assert s["index_definition"]["weights"] == services.INDEX_WEIGHTS


def test_month_without_data_is_null_not_zero(dataset: Any) -> None:
    s = services.series("2025-10-01", "2025-12-31")
    by = {m["month"]: m for m in s["months"]}
    assert by["2025-10"]["complaints"] == 0 and by["2025-10"]["index"] is None
    assert by["2025-11"]["index"] is None
    dec = by["2025-12"]
    assert dec["complaints"] == 1 and dec["response_rate"] == 1.0 and dec["resolution_rate"] == 1.0
    # S2 is a member in December (no complaint against a member): complaints component 1; S1 graded B: grades 0
    assert dec["components"] == {"response": 1.0, "resolution": 1.0, "grades": 0.0, "complaints": 1.0}
    assert dec["index"] == 80.0
    assert services.report("2025-10-01", "2025-11-30")["index"] == {
        "value": None, "months_with_value": 0, "months": 2, "definition": services.index_definition()}


def test_series_adds_up_to_the_report(dataset: Any) -> None:
    data = services.build(*params.parse({"start": "2025-11-01", "end": "2026-03-15"}))
    r, ms = data["report"], data["series"]["months"]
    assert sum(m["complaints_filed"] for m in ms) == r["complaints"]["filed"] == 8
    assert sum(m["complaints"] for m in ms) == r["complaints"]["counted"]
    assert sum(m["against_members"] for m in ms) == r["complaints"]["against_members"]
    assert sum(m["certificates_issued"] for m in ms) == r["certificates"]["issued_total"]
    assert sum(m["blacklist_added"] for m in ms) == r["blacklist"]["added"]
    assert ms[-1]["certificates_live"] == r["certificates"]["live_total"]
    assert ms[-1]["blacklist_active"] == r["blacklist"]["active"]
    assert ms[-1]["members"] == r["members"]["at_end"]
    assert ms[-1]["graded"] == r["grades"]["graded"]


@pytest.mark.parametrize(("scope", "filed", "counted", "members"), [
    ({"province": "330000"}, 5, 5, 2),
    ({"city": "330100"}, 3, 3, 1),  # the province follows from the city
    ({"province": "330000", "city": "330200"}, 2, 2, 1),
    ({"industry": "C"}, 2, 2, 1),
    ({"industry": "F52"}, 5, 4, 1),  # F52 retail includes F5292 internet retail
    ({"industry": "F5292"}, 5, 4, 1),
    ({"province": "110000"}, 2, 1, 0),
    ({"province": "110000", "industry": "C"}, 0, 0, 0),
])
def test_filters_by_region_and_industry(dataset: Any, scope: dict[str, str], filed: int, counted: int, members: int) -> None:
    r = services.report(**Q1, **scope)
    assert r["complaints"]["filed"] == filed
    assert r["complaints"]["counted"] == counted
    assert r["members"]["active"] == members


def test_scope_of_beijing(dataset: Any) -> None:
    r = services.report(**Q1, province="110000")
    assert r["scope"]["province"]["code"] == "110000"
    assert r["blacklist"] == {"added": 1, "active": 1}
    assert r["grades"]["distribution"]["D"] == 1 and r["grades"]["graded"] == 1
    assert r["subjects"]["registered"] == 2
    assert r["complaints"]["against_members_per_100_members"] is None  # no members: no density


def test_rates_agree_with_the_merchants_reputation_figures(dataset: Any) -> None:
    """One merchant alone in its city: the report's rates are its 网誉 figures."""
    period = params.parse_period("2025-12-01", "2026-03-15")
    r = services.report("2025-12-01", "2026-03-15", city="330100")["complaints"]
    f = reputation.figures(dataset["s1"], start=period.start_at, end=period.end_at)
    assert f["received"] == r["counted"] == 4
    for key in ("response_rate", "on_time_response_rate", "median_response_hours", "resolution_rate", "consumer_confirmed_rate",
                "open", "unanswered"):
        assert f[key] == r[key], key


def test_the_index_formula() -> None:
    w = services.INDEX_WEIGHTS
    assert sum(w.values()) == pytest.approx(1.0)
    assert services.integrity_index({"response": 1.0, "resolution": 1.0, "grades": 1.0, "complaints": 1.0}) == 100.0
    assert services.integrity_index({"response": 0.0, "resolution": 0.0, "grades": 0.0, "complaints": 0.0}) == 0.0
    assert services.integrity_index({"response": None, "resolution": None, "grades": None, "complaints": None}) is None
    # the components with data are weighted up
    assert services.integrity_index({"response": 0.5, "resolution": 1.0, "grades": None, "complaints": None}) == 75.0
    assert services.integrity_index({"response": None, "resolution": None, "grades": 1.0, "complaints": 1.0}) is None
    assert services.complaint_density_score(0) == 1.0
    assert services.complaint_density_score(5) == 0.5
    assert services.complaint_density_score(25) == 0.0
    assert services.complaint_density_score(None) is None


def test_grade_scale_and_top_grades(db: Any) -> None:
    assert services.grade_scale() == services.DEFAULT_GRADE_SCALE
    assert services.top_grades(("AAA", "AA", "A", "B")) == {"AAA", "AA", "A"}
    assert services.top_grades(("A+", "B+", "C+", "D+")) == {"A+", "B+"}


@pytest.mark.parametrize(("kw", "field", "code"), [
    ({"start": "2026-03-01", "end": "2026-01-01"}, "end", "end_before_start"),
    ({"start": "2010-01-01", "end": "2026-01-01"}, "start", "period_too_long"),
    ({"start": "2016-01-01", "end": "2026-01-01"}, "start", "period_too_long"),
    ({"start": "2026-13-01", "end": "2026-03-01"}, "start", "invalid_date"),
    ({"start": "2026-01-01", "end": "yesterday"}, "end", "invalid_date"),
    ({"start": "2027-01-01", "end": "2027-02-01"}, "start", "future_period"),
    ({"start": "0001-01-01", "end": "0001-12-31"}, "start", "date_out_of_range"),
    ({"period": "0001"}, "start", "date_out_of_range"),
    ({"start": "2026-01-01", "end": "9999-12-31"}, "start", "period_too_long"),
    ({"period": "2026-Q5"}, "period", "invalid_period"),
    ({"period": "fortnight"}, "period", "invalid_period"),
    ({"province": "999999"}, "province", "unknown_province"),
    ({"province": "330100"}, "province", "unknown_province"),  # a city is not a province
    ({"city": "330000"}, "city", "unknown_city"),
    ({"province": "330000", "city": "110100"}, "city", "city_not_in_province"),
    ({"industry": "ZZZ"}, "industry", "unknown_industry"),
    ({"industry": "F" * 500}, "industry", "unknown_industry"),
])
def test_bad_input(dataset: Any, kw: dict[str, str], field: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        services.report(**kw)
    assert (err.value.field, err.value.code, err.value.status) == (field, code, 400)
    assert str(err.value.message)


def test_a_period_of_ten_years_is_allowed(dataset: Any) -> None:
    s = services.series("2016-03-16", "2026-03-15")
    assert len(s["months"]) == 121  # March 2016 (from the 16th) to March 2026
    with pytest.raises(ValidationFailed):
        services.series(**Q1, step="week")


def test_presets(now: Any) -> None:
    today = dt.date(2026, 3, 15)
    assert params.preset_range("this_year", on=today) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert params.preset_range("last_year", on=today) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert params.preset_range("last_12_months", on=today) == (dt.date(2025, 3, 16), today)
    assert params.preset_range("2025-Q4", on=today) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert params.preset_range("2026q1", on=today) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert params.preset_range("2024", on=today) == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    p = params.parse_period(preset="this_year")
    assert (p.start, p.end, p.requested_end, p.preset) == (dt.date(2026, 1, 1), today, dt.date(2026, 12, 31), "this_year")
    # explicit dates win over the preset
    assert params.parse_period("2026-02-01", "2026-02-28", preset="this_year").start == dt.date(2026, 2, 1)
    assert params.parse_period().preset == "last_12_months"
    assert [v for v, _label in params.preset_choices(on=today)][3:6] == ["2026-Q1", "2025-Q4", "2025-Q3"]


def test_cached_report_follows_the_data(dataset: Any, django_assert_max_num_queries: Any) -> None:
    from tests.reports.conftest import complaint

    first = services.report(**Q1)
    with django_assert_max_num_queries(8):  # the stamp (and the period's regions) only
        assert services.report(**Q1) == first
    complaint(dataset["s1"], dataset["consumer"], "2026-03-12", "2026-03-26", "awaiting_response", "quality")
    assert services.report(**Q1)["complaints"]["filed"] == first["complaints"]["filed"] + 1
