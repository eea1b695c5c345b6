"""Rankings (诚信企业榜): who is listed (thresholds, blacklist, departed), in
which order, by region and industry; published editions that do not change
afterwards; the API and the pages."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest

from chengxin.core import clock
from chengxin.core.errors import NotAuthenticated, PermissionDenied, ValidationFailed
from chengxin.credit import grading, rankings, services
from chengxin.credit.models import AppendOnlyError, Grade, RankingEdition
from chengxin.credit.policy import default_text
from chengxin.ledger.models import AuditEntry
from chengxin.lists import services as lists
from chengxin.registry import services as registry
from tests.factories import make_id_number, make_subject

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing
LONG_AGO = dt.datetime(2025, 3, 1, 2, 0, tzinfo=dt.UTC)  # 632 days before NOW

HANGZHOU = {"province": "330000", "city": "330100"}
NINGBO = {"province": "330000", "city": "330200"}
BEIJING = {"province": "110000", "city": "110100"}


@pytest.fixture(autouse=True)
def _now() -> Any:
    clock.freeze(NOW)
    yield
    clock.freeze(None)


def subject(actor: Any, *, registered: dt.datetime = LONG_AGO, **kw: Any) -> Any:
    clock.freeze(registered)
    try:
        return make_subject(actor, **kw)
    finally:
        clock.freeze(NOW)


def graded(actor: Any, grade: str, score: float, evidence: int = 5, tenure_days: int = 400, *,
           version: str | None = None, **kw: Any) -> Any:
    """A subject with a stored grade as the engine would leave it (for the
    ordering and threshold rules, independent of the scoring)."""
    s = subject(actor, **kw)
    Grade.objects.create(subject=s, grade=grade, score=score, evidence=evidence, tenure_days=tenure_days,
                         policy_version=version or services.active_policy().version, as_of=TODAY, factors={},
                         computed_at=NOW)
    return s


def add(s: Any, kind: str, days_ago: int = 10, tag: str = "", n: int = 1) -> None:
    for i in range(n):
        services.add_record(subject=s, kind_code=kind, tag=tag, occurred_on=TODAY - dt.timedelta(days=days_ago + i),
                            summary=kind, evidence=f"ref {kind} {i}")


def ids(qs: Any) -> list[int]:
    return [g.subject_id for g in qs]


def sha(rows: Any) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()


# --- who is listed ---------------------------------------------------------------------------

def test_thresholds_keep_subjects_without_history_off_the_list(admin_user: Any) -> None:
    p = services.active_policy()
    ok = graded(admin_user, "B", 65.0, evidence=p.ranking_min_evidence, tenure_days=p.ranking_min_tenure_days)
    graded(admin_user, "AAA", 100.0, evidence=0)  # no history: the best score, and still not listed
    graded(admin_user, "AAA", 99.0, evidence=p.ranking_min_evidence - 1)  # too little evidence
    graded(admin_user, "AAA", 98.0, tenure_days=p.ranking_min_tenure_days - 1)  # too new
    graded(admin_user, "", 97.0)  # not rated
    graded(admin_user, "AAA", 96.0, version="2000.1")  # a grade under another policy
    departed = graded(admin_user, "AAA", 95.0)
    registry.mark_departed(actor=admin_user, subject=departed, reason="closed down")
    assert ids(rankings.live()) == [ok.pk]


def test_real_grades_subject_with_no_history_is_not_listed(admin_user: Any) -> None:
    """Through the engine: a long-registered subject with no records is not
    rated; one with a little history is rated but below the threshold; one
    with enough history is listed."""
    nothing = subject(admin_user)
    little = subject(admin_user)
    add(little, "identity.verified")
    add(little, "award", n=2)  # 3 records but ...
    enough = subject(admin_user)
    add(enough, "identity.verified")
    add(enough, "complaint.resolved", tag="on_time", n=3)
    fresh = subject(admin_user, registered=NOW - dt.timedelta(days=30))
    add(fresh, "identity.verified")
    add(fresh, "award", n=3)
    grading.recompute()
    grades = {g.subject_id: g for g in Grade.objects.all()}
    assert grades[nothing.pk].grade == "" and grades[nothing.pk].evidence == 0
    assert grades[fresh.pk].score > grades[enough.pk].score  # the best score, but too new
    listed = ids(rankings.live())
    assert enough.pk in listed and little.pk in listed
    assert nothing.pk not in listed and fresh.pk not in listed


def test_blacklisted_subjects_are_left_out_while_listed(admin_user: Any, reviewer: Any) -> None:
    top = graded(admin_user, "AAA", 95.0)
    other = graded(admin_user, "A", 75.0)
    entry = lists.add_entry(actor=reviewer, subject=top, kind="blacklist", reason="虚假宣传，拒不整改")
    # even before its grade is recomputed (and capped), a blacklisted subject is not listed
    assert Grade.objects.get(subject=top).grade == "AAA"
    assert lists.active_blacklist_entry(top) is not None
    assert ids(rankings.live()) == [other.pk]
    lists.lift_entry(actor=reviewer, entry=entry, reason="整改完成")
    assert lists.active_blacklist_entry(top) is None
    assert ids(rankings.live()) == [top.pk, other.pk]


def test_a_time_limited_blacklist_entry_ends(admin_user: Any, reviewer: Any) -> None:
    s = graded(admin_user, "AA", 85.0)
    lists.add_entry(actor=reviewer, subject=s, kind="blacklist", reason="限期禁入",
                    ends_at=NOW + dt.timedelta(days=30))
    assert ids(rankings.live()) == []
    clock.freeze(NOW + dt.timedelta(days=31))
    assert lists.active_blacklist_entry(s) is None
    assert ids(rankings.live()) == [s.pk]


def test_other_lists_do_not_exclude(admin_user: Any, reviewer: Any) -> None:
    s = graded(admin_user, "AA", 85.0)
    lists.add_entry(actor=reviewer, subject=s, kind="watchlist", reason="投诉较多")
    assert ids(rankings.live()) == [s.pk]


# --- order and filters ---------------------------------------------------------------------------

def test_order_grade_then_score_then_evidence_then_id(admin_user: Any) -> None:
    b_high = graded(admin_user, "B", 73.9)
    a_low = graded(admin_user, "A", 74.0)
    aa_few = graded(admin_user, "AA", 85.0, evidence=4)
    aa_many_2 = graded(admin_user, "AA", 85.0, evidence=9)
    aa_many_1 = graded(admin_user, "AA", 85.0, evidence=9)
    aa_top = graded(admin_user, "AA", 89.0, evidence=3)
    aaa = graded(admin_user, "AAA", 90.0, evidence=3)
    d = graded(admin_user, "D", 30.0)
    # a capped grade (D with a high score) ranks by its grade, not its score
    capped = graded(admin_user, "D", 88.0)
    expected = [aaa.pk, aa_top.pk, aa_many_2.pk, aa_many_1.pk, aa_few.pk, a_low.pk, b_high.pk, capped.pk, d.pk]
    expected[2:4] = sorted(expected[2:4])
    assert ids(rankings.live()) == expected
    rows = rankings.page_rows(list(rankings.live()[2:4]), 2)
    assert [r["rank"] for r in rows] == [3, 4]


def test_filters_by_province_city_and_industry(admin_user: Any) -> None:
    hz = graded(admin_user, "AA", 85.0, **HANGZHOU, industry="F5292")
    nb = graded(admin_user, "A", 80.0, **NINGBO, industry="F5292")
    hz_other = graded(admin_user, "A", 79.0, **HANGZHOU, industry="I64")
    bj = graded(admin_user, "AAA", 95.0, **BEIJING, industry="F5292")
    f = rankings.clean_filters
    assert ids(rankings.live(f("330000"))) == [hz.pk, nb.pk, hz_other.pk]
    assert ids(rankings.live(f("330000", "330100"))) == [hz.pk, hz_other.pk]
    assert ids(rankings.live(f("", "330200"))) == [nb.pk]  # a city alone implies its province
    assert f("", "330200").province.code == "330000"
    assert ids(rankings.live(f(industry="F5292"))) == [bj.pk, hz.pk, nb.pk]
    assert ids(rankings.live(f("330000", "330100", "I64"))) == [hz_other.pk]
    assert ids(rankings.live(f("440000"))) == []
    retail = graded(admin_user, "B", 70.0, **HANGZHOU, industry="F52")
    # an industry includes those under it: retail (F52) includes internet retail (F5292)
    assert ids(rankings.live(f("330000", industry="F52"))) == [hz.pk, nb.pk, retail.pk]
    assert ids(rankings.live(f("330000", industry="F5292"))) == [hz.pk, nb.pk]


@pytest.mark.parametrize(("filters", "field", "code"), [
    ({"province": "999999"}, "province", "unknown_region"),
    ({"province": "330100"}, "province", "unknown_region"),  # a city is not a province
    ({"city": "330000"}, "city", "unknown_region"),
    ({"city": "123456"}, "city", "unknown_region"),
    ({"province": "110000", "city": "330100"}, "city", "city_not_in_province"),
    ({"industry": "ZZZ"}, "industry", "unknown_industry"),
    ({"province": "<script>"}, "province", "invalid_code"),
    ({"industry": "x" * 50}, "industry", "invalid_code"),
])
def test_bad_filters_are_refused_with_the_field(filters: dict[str, str], field: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as e:
        rankings.clean_filters(**filters)
    assert (e.value.field, e.value.code, e.value.status) == (field, code, 400)


# --- publishing -----------------------------------------------------------------------------------

def test_publish_copies_the_top_rows_with_criteria_and_checksum(admin_user: Any, reviewer: Any) -> None:
    a = graded(admin_user, "AA", 85.0, evidence=7, **HANGZHOU)
    b = graded(admin_user, "A", 78.5, evidence=4, **HANGZHOU)
    graded(admin_user, "AAA", 95.0, **BEIJING)
    e = rankings.publish(actor=reviewer, filters=HANGZHOU, title="  2026年杭州市诚信企业榜 ")
    e = RankingEdition.objects.get(pk=e.pk)
    p = services.active_policy()
    assert e.title == "2026年杭州市诚信企业榜"
    assert (e.province_id, e.city_id, e.industry_id) == ("330000", "330100", None)
    assert e.as_of == TODAY and e.policy_version == p.version and e.published_by == reviewer
    assert e.criteria == {"min_evidence": p.ranking_min_evidence, "min_tenure_days": p.ranking_min_tenure_days,
                          "size": p.ranking_size, "filters": {"province": "330000", "city": "330100", "industry": ""}}
    assert e.rows == [
        {"rank": 1, "subject_id": a.pk, "name": a.name, "grade": "AA", "score": 85.0, "evidence": 7},
        {"rank": 2, "subject_id": b.pk, "name": b.name, "grade": "A", "score": 78.5, "evidence": 4},
    ]
    assert e.sha256 == sha(e.rows) and rankings.intact(e)
    entry = AuditEntry.objects.get(action="credit.ranking_publish")
    assert entry.object_id == str(e.pk) and entry.actor_id == reviewer.pk
    assert entry.after["sha256"] == e.sha256 and entry.after["rows"] == 2


def test_publish_keeps_only_the_ranking_size(admin_user: Any) -> None:
    text = default_text().replace('version = "2026.1"', 'version = "2026.1-small"', 1).replace("size = 50", "size = 2", 1)
    row = services.upload_policy(actor=admin_user, text=text)
    services.activate(actor=admin_user, row=row)
    graded(admin_user, "AA", 85.0, version="2026.1")  # computed under the retired policy: not listed
    top = [graded(admin_user, "A", 80.0 - i, version="2026.1-small") for i in range(3)]
    assert rankings.live().count() == 3
    e = rankings.publish(actor=admin_user, filters={}, title="前两名")
    assert [r["subject_id"] for r in e.rows] == [top[0].pk, top[1].pk]
    assert e.policy_version == "2026.1-small" and e.criteria["size"] == 2


def test_a_published_ranking_does_not_change_afterwards(admin_user: Any, reviewer: Any) -> None:
    """The test named in issue 6: grades change, the live ranking follows,
    the published edition stays as published."""
    first, second, third = subject(admin_user), subject(admin_user), subject(admin_user)
    for s, awards in ((first, 3), (second, 2), (third, 1)):
        add(s, "identity.verified")
        add(s, "complaint.resolved", tag="on_time", n=2)
        add(s, "award", n=awards)
    grading.recompute()
    assert ids(rankings.live()) == [first.pk, second.pk, third.pk]
    edition = rankings.publish(actor=reviewer, filters={}, title="2026年度诚信企业榜")
    published = json.loads(json.dumps(edition.rows))
    digest = edition.sha256

    # the leader is penalised and renamed, the last one is blacklisted; grades are recomputed
    add(first, "penalty.admin", n=2, days_ago=1)
    grading.run_pending()
    registry.update_subject(actor=admin_user, subject=first, data={"name": "改名后的有限公司"}, reason="更名")
    lists.add_entry(actor=reviewer, subject=third, kind="blacklist", reason="严重失信")
    grading.run_pending()
    grading.recompute()
    clock.freeze(NOW + dt.timedelta(days=40))
    grading.recompute()
    live_now = ids(rankings.live())
    assert live_now[0] == second.pk and third.pk not in live_now
    assert Grade.objects.get(subject=first).grade != published[0]["grade"]

    again = RankingEdition.objects.get(pk=edition.pk)
    assert again.rows == published
    assert again.sha256 == digest == sha(again.rows)
    assert again.as_of == TODAY and again.title == "2026年度诚信企业榜"
    assert [r["subject_id"] for r in again.rows] == [first.pk, second.pk, third.pk]
    assert again.rows[0]["name"] == first.name != registry.get_subject(first.pk).name
    assert RankingEdition.objects.count() == 1


def test_an_edition_cannot_be_updated_or_deleted(admin_user: Any, reviewer: Any) -> None:
    graded(admin_user, "AA", 85.0)
    e = rankings.publish(actor=reviewer, filters={}, title="不可更改")
    e.title = "changed"
    e.rows = []
    with pytest.raises(AppendOnlyError):
        e.save()
    with pytest.raises(AppendOnlyError):
        e.delete()
    again = RankingEdition.objects.get(pk=e.pk)
    assert again.title == "不可更改" and len(again.rows) == 1


@pytest.mark.parametrize(("filters", "title", "field", "code"), [
    ({"province": "999999"}, "标题", "province", "unknown_region"),
    ({"province": "110000", "city": "330100"}, "标题", "city", "city_not_in_province"),
    ({"industry": "nope"}, "标题", "industry", "unknown_industry"),
    ({}, "   ", "title", "required"),
    ({}, "<b>榜单</b>", "title", "unsafe_text"),
    ({}, "x" * 201, "title", "too_long"),
    ({"province": "440000"}, "广东省榜", "rows", "empty_ranking"),
])
def test_bad_publication_changes_nothing(admin_user: Any, reviewer: Any, filters: dict[str, str], title: str,
                                         field: str, code: str) -> None:
    graded(admin_user, "AA", 85.0, **BEIJING)
    audit_before = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as e:
        rankings.publish(actor=reviewer, filters=filters, title=title)
    assert (e.value.field, e.value.code, e.value.status) == (field, code, 422)
    assert not RankingEdition.objects.exists() and AuditEntry.objects.count() == audit_before


def test_only_staff_with_credit_publish_can_publish(admin_user: Any, consumer: Any, member: Any, mediator: Any) -> None:
    graded(admin_user, "AA", 85.0)
    for user in (consumer, member, mediator):
        with pytest.raises(PermissionDenied):
            rankings.publish(actor=user, filters={}, title="榜")
    with pytest.raises(NotAuthenticated):
        rankings.publish(actor=None, filters={}, title="榜")
    assert not RankingEdition.objects.exists()
    assert rankings.publish(actor=admin_user, filters={}, title="榜").rows


# --- API -----------------------------------------------------------------------------------

def _bearer(admin_user: Any, user: Any) -> dict[str, str]:
    from chengxin.accounts.services import create_token

    _t, raw = create_token(actor=admin_user, user=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_api_live_ranking_is_public_and_paginated(client: Any, admin_user: Any) -> None:
    subjects = [graded(admin_user, "A", 80.0 - i, **HANGZHOU, industry="F5292") for i in range(5)]
    graded(admin_user, "AAA", 95.0, **BEIJING)
    r = client.get("/api/v1/rankings", {"province": "330000", "page": 2, "page_size": 2})
    assert r.status_code == 200
    body = r.json()
    p = services.active_policy()
    assert (body["count"], body["page"], body["page_size"], body["pages"]) == (5, 2, 2, 3)
    assert body["policy_version"] == p.version and body["as_of"] == TODAY.isoformat()
    assert body["criteria"] == {"min_evidence": p.ranking_min_evidence, "min_tenure_days": p.ranking_min_tenure_days,
                                "size": p.ranking_size}
    assert body["filters"] == {"province": "330000", "city": "", "industry": ""}
    items = body["items"]
    assert [i["rank"] for i in items] == [3, 4]
    assert [i["subject_id"] for i in items] == [subjects[2].pk, subjects[3].pk]
    assert items[0]["city"] == "330100" and items[0]["industry"] == "F5292" and items[0]["province_name"]
    assert set(items[0]) == {"rank", "subject_id", "name", "grade", "score", "evidence", "kind", "province",
                             "province_name", "city", "city_name", "industry", "industry_name"}


@pytest.mark.parametrize(("query", "field"), [
    ({"province": "999999"}, "province"), ({"province": "110000", "city": "330100"}, "city"),
    ({"industry": "nope"}, "industry"), ({"page": 0}, "page"), ({"page_size": 1000}, "page_size"),
    ({"province": "1" * 30}, "province"),
])
def test_api_bad_filters_answer_with_the_field(client: Any, db: Any, query: dict[str, Any], field: str) -> None:
    r = client.get("/api/v1/rankings", query)
    assert r.status_code == 400  # a malformed query, as for reports
    assert r.json()["field"] == field


def test_api_bad_page_of_editions_answers_400(client: Any, db: Any) -> None:
    r = client.get("/api/v1/rankings/editions", {"page_size": 0})
    assert r.status_code == 400 and r.json()["field"] == "page_size"


def test_api_publish_and_read_editions(client: Any, admin_user: Any, reviewer: Any, consumer: Any) -> None:
    s = graded(admin_user, "AA", 85.0, **HANGZHOU)
    payload = {"title": "杭州市诚信企业榜", **HANGZHOU}
    assert client.post("/api/v1/rankings/editions", payload, content_type="application/json").status_code == 401
    r = client.post("/api/v1/rankings/editions", payload, content_type="application/json",
                    **_bearer(admin_user, consumer))
    assert r.status_code == 403
    r = client.post("/api/v1/rankings/editions", {**payload, "title": "<i>x</i>"}, content_type="application/json",
                    **_bearer(admin_user, reviewer))
    assert r.status_code == 422 and r.json()["field"] == "title"
    assert not RankingEdition.objects.exists()

    r = client.post("/api/v1/rankings/editions", payload, content_type="application/json",
                    **_bearer(admin_user, reviewer))
    assert r.status_code == 201, r.content
    created = r.json()
    assert created["rows"] == [{"rank": 1, "subject_id": s.pk, "name": s.name, "grade": "AA", "score": 85.0,
                                "evidence": 5}]
    assert created["sha256"] == sha(created["rows"])  # anyone can check the rows against the checksum
    assert created["filters"] == {"province": "330000", "city": "330100", "industry": ""}
    assert created["url"] == f"/rankings/editions/{created['id']}/"

    r = client.get(f"/api/v1/rankings/editions/{created['id']}")
    assert r.status_code == 200 and r.json() == created
    listing = client.get("/api/v1/rankings/editions").json()
    assert listing["count"] == 1 and listing["items"][0]["row_count"] == 1
    assert "rows" not in listing["items"][0]
    assert client.get("/api/v1/rankings/editions/999999").status_code == 404
    assert client.get(f"/api/v1/rankings/editions/{2**70}").status_code in (404, 422)


def test_api_shows_no_personal_data_of_natural_persons(client: Any, admin_user: Any) -> None:
    person = graded(admin_user, "AA", 85.0, kind="individual", uscc=None, id_number=make_id_number(),
                    legal_representative="欧阳明月", name="义乌市欧阳明月日用百货商行",
                    contact_name="欧阳明月", contact_phone="13912345678", contact_email="oyang@example.org")
    for url in ("/api/v1/rankings", "/rankings/"):
        text = client.get(url).content.decode()
        assert person.name in text  # the registered name is public, as on the integrity file
        for private in ("13912345678", "oyang@example.org", person.id_number_masked, "北京市朝阳区建国路1号"):
            assert private not in text


# --- pages ------------------------------------------------------------------------------------

def test_anonymous_reads_the_ranking_page_with_links_to_integrity_files(client: Any, admin_user: Any) -> None:
    hz = graded(admin_user, "AA", 85.0, **HANGZHOU)
    bj = graded(admin_user, "AAA", 95.0, **BEIJING)
    r = client.get("/rankings/")
    assert r.status_code == 200
    text = r.content.decode()
    assert f'href="/s/{bj.pk}"' in text and f'href="/s/{hz.pk}"' in text
    assert text.index(bj.name) < text.index(hz.name)
    assert 'id="publish-form"' not in text
    r = client.get("/rankings/", {"province": "330000"})
    text = r.content.decode()
    assert hz.name in text and bj.name not in text
    assert 'value="330100"' in text and 'value="110100"' not in text  # only the province's cities
    r = client.get("/rankings/", {"city": "330100", "industry": "F5292"})
    assert r.status_code == 200 and hz.name in r.content.decode()


def test_bad_filters_on_the_page_say_what_is_wrong(client: Any, db: Any) -> None:
    for query in ({"province": "999999"}, {"province": "110000", "city": "330100"}, {"industry": "<x>"},
                  {"page": "abc"}, {"page": "99999999999999999999"}):
        r = client.get("/rankings/", query)
        assert r.status_code in (200, 400), (query, r.status_code)
    r = client.get("/rankings/", {"province": "110000", "city": "330100"})
    assert r.status_code == 400 and 'data-field="city"' in r.content.decode()
    assert 'id="ranking-filters"' in r.content.decode()  # the form is still there to correct the choice


def test_consumer_cannot_publish_from_the_page(login: Any, admin_user: Any, consumer: Any) -> None:
    graded(admin_user, "AA", 85.0)
    client = login(consumer)
    assert 'id="publish-form"' not in client.get("/rankings/").content.decode()
    r = client.post("/rankings/editions/new", {"title": "榜"})
    assert r.status_code == 403
    assert not RankingEdition.objects.exists()


def test_staff_publish_from_the_page_and_anyone_reads_the_edition(client: Any, login: Any, admin_user: Any,
                                                                   reviewer: Any) -> None:
    hz = graded(admin_user, "AA", 85.0, **HANGZHOU)
    graded(admin_user, "AAA", 95.0, **BEIJING)
    staff = login(reviewer)
    page = staff.get("/rankings/", HANGZHOU).content.decode()
    assert 'id="publish-form"' in page and "csrfmiddlewaretoken" in page
    r = staff.post("/rankings/editions/new", {**HANGZHOU, "title": "<b>x</b>"})
    assert r.status_code == 302 and r["Location"] == "/rankings/?province=330000&city=330100"
    assert not RankingEdition.objects.exists()
    r = staff.post("/rankings/editions/new", {**HANGZHOU, "title": "杭州市诚信企业榜（2026年11月）"})
    e = RankingEdition.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/rankings/editions/{e.pk}/"
    staff.logout()

    text = client.get(f"/rankings/editions/{e.pk}/").content.decode()
    assert "杭州市诚信企业榜（2026年11月）" in text and e.sha256 in text and e.policy_version in text
    assert "2026-11-23" in text and f'href="/s/{hz.pk}"' in text
    text = client.get("/rankings/editions/").content.decode()
    assert f'href="/rankings/editions/{e.pk}/"' in text
    assert client.get("/rankings/editions/999999/").status_code == 404
    assert client.get(f"/rankings/editions/{2**70}/").status_code == 404


def test_the_nav_links_to_the_rankings(client: Any, db: Any) -> None:
    assert 'href="/rankings/"' in client.get("/search").content.decode()


def test_staff_form_needs_a_user_with_the_permission(client: Any, db: Any) -> None:
    r = client.post("/rankings/editions/new", {"title": "x"})
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_editions_page_for_a_mediator_has_no_publish_form(login: Any, admin_user: Any, mediator: Any) -> None:
    graded(admin_user, "AA", 85.0)
    client = login(mediator)
    assert 'id="publish-form"' not in client.get("/rankings/").content.decode()
