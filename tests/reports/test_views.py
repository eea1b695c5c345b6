"""The public report page, its CSV and JSON downloads, and the API."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from chengxin.reports import charts, tables

SVG = "{http://www.w3.org/2000/svg}"
Q1 = "start=2026-01-01&end=2026-03-31"


def svg_root(text: str) -> ET.Element:
    """Parse a chart; it is our own output, so the standard parser is fine."""
    return ET.fromstring(text)  # noqa: S314 - our own SVG, not untrusted input


def _json_at(data: dict[str, Any], item: str) -> Any:
    cur: Any = data
    for part in item.split("."):
        cur = cur[part]
    return cur


def test_page_renders_for_anonymous_visitors(client: Any, dataset: Any) -> None:
    r = client.get(f"/reports/?{Q1}")
    assert r.status_code == 200
    text = r.content.decode()
    assert "Integrity report" in text
    assert 'id="disputes-table"' in text and "第二十三条" in text
    assert "How the integrity index is computed" in text
    assert 'href="/reports/export.csv?start=2026-01-01&amp;end=2026-03-15"' in text
    assert 'href="/reports/export.json?start=2026-01-01&amp;end=2026-03-15"' in text
    assert "figures are up to today, 2026-03-15" in text
    # no external asset: nothing loaded from another host
    assert not re.search(r'(src|href)="(https?:)?//', text)
    # aggregates only: no complaint number, title or the complainant
    assert "TS-REPORT-" not in text and "耳机没有声音" not in text and dataset["consumer"].display_name not in text


def test_default_page_and_nav_link(client: Any, dataset: Any) -> None:
    r = client.get("/reports/")
    assert r.status_code == 200
    assert '<option value="last_12_months" selected>' in r.content.decode()
    assert 'href="/reports/"' in client.get("/search").content.decode()


def test_every_chart_is_well_formed_accessible_svg(client: Any, dataset: Any) -> None:
    text = client.get(f"/reports/?{Q1}").content.decode()
    svgs = re.findall(r"<svg .*?</svg>", text, re.S)
    assert len(svgs) == 4
    for svg in svgs:
        root = svg_root(svg)
        assert root.tag == f"{SVG}svg" and root.get("role") == "img"
        title_id, desc_id = root.get("aria-labelledby", "").split()
        assert root.find(f"{SVG}title").get("id") == title_id and root.find(f"{SVG}title").text
        assert root.find(f"{SVG}desc").get("id") == desc_id and root.find(f"{SVG}desc").text
    index = svg_root(next(s for s in svgs if 'id="chart-index"' in s))
    points = [c.find(f"{SVG}title").text for c in index.iter(f"{SVG}circle")]
    assert points == ["2026-01 · Integrity index: 36.7", "2026-02 · Integrity index: 53.3"]  # March: a gap


def test_charts_escape_text_and_draw_gaps() -> None:
    svg = charts.line_chart("c1", 'A <"title"> & more', "desc", ["a", "b", "c", "d"],
                            [charts.Series("x&y", [1, None, 3, 4]), charts.Series("z", [None, None, None, None])])
    root = svg_root(str(svg))
    assert root.find(f"{SVG}title").text == 'A <"title"> & more'
    assert len(root.findall(f"{SVG}polyline")) == 1  # c–d; a stands alone
    assert len(root.findall(f"{SVG}circle")) == 3
    bars = svg_root(str(charts.bar_chart("c2", "t", "d", ["AAA", "A"], [charts.Series("n", [0, 7])], empty="none")))
    assert [r.find(f"{SVG}title").text for r in bars.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None] == ["AAA · n: 0", "A · n: 7"]
    empty = svg_root(str(charts.line_chart("c3", "t", "d", [], [], empty="nothing")))
    assert any(t.text == "nothing" for t in empty.iter(f"{SVG}text"))
    assert charts.nice_max(0) == 1 and charts.nice_max(7) == 8 and charts.nice_max(230) == 240 and charts.nice_max(0.4) == 0.4
    assert charts.nice_max(1, whole=True) == 4 and charts.nice_max(37, whole=True) == 40 and charts.nice_max(0.9) == 1


def test_downloads_hold_exactly_what_the_page_shows(client: Any, dataset: Any) -> None:
    page = html.unescape(client.get(f"/reports/?{Q1}").content.decode())
    data = json.loads(client.get(f"/reports/export.json?{Q1}").content)
    assert data["report"]["complaints"]["response_rate"] == 0.8
    r = client.get(f"/reports/export.csv?{Q1}")
    assert r["Content-Type"].startswith("text/csv") and "attachment" in r["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows and {row["section"] for row in rows} == set(tables.SECTIONS)
    series = {m["month"]: m for m in data["series"]["months"]}
    for row in rows:
        item, value = row["item"], row["value"]
        if row["month"]:
            expected = series[row["month"]][item.removeprefix("series.")]
        else:
            expected = _json_at(data, item)
            shown = tables.display(item.removeprefix("report."), expected)
            assert f'data-item="{item}">{shown}<' in page, item  # the page shows the same value
        assert value == ("" if expected is None else str(expected)), item
    # the dispute-handling figures are on the page
    assert 'data-item="report.complaints.response_rate">80.0%<' in page
    assert 'data-item="report.complaints.median_response_hours">60.0<' in page
    assert 'data-item="report.mediation.settled">1<' in page
    # and the monthly table has every month with the index
    assert re.search(r"<th scope=\"row\">2026-02</th><td class=\"num\">53.3</td>", page)


def test_filters_on_the_page_and_in_the_downloads(client: Any, dataset: Any) -> None:
    r = client.get(f"/reports/?{Q1}&province=330000&city=330100&industry=F5292")
    assert r.status_code == 200
    text = r.content.decode()
    assert 'href="/reports/export.csv?start=2026-01-01&amp;end=2026-03-15&amp;province=330000&amp;city=330100&amp;industry=F5292"' in text
    assert 'data-item="report.complaints.filed">3<' in text
    # only Zhejiang's cities are offered once Zhejiang is chosen
    assert 'value="330200"' in text and 'value="110100"' not in text
    data = json.loads(client.get(f"/reports/export.json?{Q1}&city=330100").content)
    assert data["report"]["complaints"]["filed"] == 3 and data["report"]["scope"]["province"]["code"] == "330000"


@pytest.mark.parametrize(("query", "field", "message"), [
    ("start=2026-03-01&end=2026-01-01", "end", "before the start date"),
    ("start=2010-01-01&end=2026-01-01", "start", "at most 10 years"),
    ("start=2026-02-30", "start", "YYYY-MM-DD"),
    ("province=330000&city=110100", "city", "is not in"),
    ("province=999999", "province", "Unknown province"),
    ("industry=XYZ", "industry", "Unknown industry"),
    ("period=2026-Q9", "period", "Unknown period"),
])
def test_bad_input_is_a_form_error_and_a_400(client: Any, dataset: Any, query: str, field: str, message: str) -> None:
    r = client.get(f"/reports/?{query}")
    assert r.status_code == 400
    text = html.unescape(r.content.decode())
    assert f'data-field="{field}"' in text and message in text
    assert 'id="report-form"' in text and 'id="overview"' not in text
    for url in ("/reports/export.json", "/reports/export.csv", "/api/v1/reports/summary", "/api/v1/reports/series"):
        r = client.get(f"{url}?{query}")
        assert r.status_code == 400, url
        body = r.json()
        assert body["field"] == field and message in body["message"], url


def test_api_summary_and_series(client: Any, dataset: Any) -> None:
    r = client.get(f"/api/v1/reports/summary?{Q1}&province=330000")
    assert r.status_code == 200
    body = r.json()
    assert body["complaints"]["filed"] == 5 and body["members"]["active"] == 2
    assert body["index"]["definition"]["weights"] == {"response": 0.3, "resolution": 0.3, "grades": 0.2, "complaints": 0.2}
    s = client.get(f"/api/v1/reports/series?{Q1}").json()
    assert [m["index"] for m in s["months"]] == [36.7, 53.3, None]
    assert s["step"] == "month"
    assert client.get("/api/v1/reports/series?period=2026-Q1").json()["months"] == s["months"]
    assert client.get(f"/api/v1/reports/series?{Q1}&step=week").status_code == 400
    # the summary equals the report part of the JSON download
    assert body == json.loads(client.get(f"/reports/export.json?{Q1}&province=330000").content)["report"]


def test_api_is_public_and_documented(client: Any, dataset: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/reports/summary" in schema["paths"] and "/api/v1/reports/series" in schema["paths"]
    assert "400" in schema["paths"]["/api/v1/reports/summary"]["get"]["responses"]
