"""Grades and explanations for hand-computed cases, on the default policy."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from chengxin.core import clock
from chengxin.core.errors import Conflict, PermissionDenied, ValidationFailed
from chengxin.credit import grading, services
from chengxin.credit.models import AppendOnlyError, CreditRecord, Grade, GradeChange
from chengxin.credit.policy import default_text, parse
from tests.factories import make_subject

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
COMPLAINTS = ["complaint.resolved", "complaint.resolved_mediation", "complaint.answered_unconfirmed",
              "complaint.unresolved", "complaint.mediation_failed", "complaint.unanswered"]


@pytest.fixture(autouse=True)
def _now() -> Any:
    clock.freeze(NOW)
    yield
    clock.freeze(None)


@pytest.fixture
def subject(admin_user: Any) -> Any:
    s = make_subject(admin_user, contact_phone="", contact_email="")
    # registered today: no tenure points
    return s


def add(subject: Any, kind: str, days_ago: int = 0, tag: str = "", **kw: Any) -> CreditRecord:
    return services.add_record(subject=subject, kind_code=kind, tag=tag, occurred_on=TODAY - dt.timedelta(days=days_ago),
                               summary=kind, **kw)


def grade_of(subject: Any) -> Grade:
    grading.run_pending()
    return Grade.objects.get(subject=subject)


def w(days: int) -> float:
    return math.exp(-days * math.log(2) / 365)


def test_no_records_means_not_rated(subject: Any) -> None:
    grading.recompute()
    g = Grade.objects.get(subject=subject)
    assert g.grade == "" and g.score == 70.0 and g.evidence == 0


def test_identity_and_one_resolved_complaint(subject: Any) -> None:
    add(subject, "identity.verified")
    add(subject, "complaint.resolved", tag="on_time")
    g = grade_of(subject)
    # identity +6; response: (1 + .8*5)/(1+5) = .8333 -> (.8333-.8)/.2*4 = +0.7;
    # on time: (1 + .7*5)/6 = .75 -> (.75-.7)/.3*3 = +0.5; resolution: (1+.5*5)/6 = .5833 -> .0833/.5*8 = +1.3
    assert g.factors == {"identity": 6.0, "response": 0.7, "on_time": 0.5, "resolution": 1.3}
    assert g.score == 78.5
    assert g.grade == "A"
    assert g.evidence == 2


def test_unanswered_complaints_cost_points_and_decay(subject: Any) -> None:
    add(subject, "complaint.unanswered", days_ago=0, tag="none")
    add(subject, "complaint.unanswered", days_ago=365, tag="none")  # a year old: half weight, outside the 12-month window
    g = grade_of(subject)
    # unanswered (window 365 days): 1 record, weight 1 -> -4
    assert g.factors["unanswered"] == -4.0
    # response: hits 0, weight 1 + 0.5 = 1.5 -> (0 + 4)/(1.5 + 5) = .6154 -> -(.8-.6154)/.8*14 = -3.2
    assert g.factors["response"] == -3.2
    e = services.explanation(subject, lang="en")
    text = {f["code"]: f["text"] for f in e["factors"]}
    assert text["unanswered"] == "unanswered complaints in the last 12 months: 1"
    assert "complaints answered: 0/2" in text["response"] and "weighted by age: 1.5" in text["response"]
    assert sum(f["points"] for f in e["factors"]) == pytest.approx(e["score"] - e["base"])


def test_nothing_counts_after_its_disclosure_period(subject: Any) -> None:
    add(subject, "identity.verified")
    add(subject, "penalty.minor", days_ago=100, evidence="处罚决定书 1")  # minor: 92 days
    assert "penalties" not in grade_of(subject).factors
    add(subject, "penalty.minor", days_ago=10, evidence="处罚决定书 2")
    assert grade_of(subject).factors["penalties"] == round(-8 * w(10), 1)


def test_blacklist_caps_the_grade(subject: Any) -> None:
    add(subject, "identity.verified")
    add(subject, "award", evidence="x")
    add(subject, "award", evidence="y")
    g = grade_of(subject)
    assert (g.score, g.grade) == (84.0, "AA")  # 70 + 6 (identity) + 2 x 4 (awards)
    add(subject, "blacklist.entry")
    g = grade_of(subject)
    assert g.grade == "D"
    e = services.explanation(subject, lang="en")
    assert e["caps"] == [{"grade": "D", "label": "On the blacklist: grade at most D"}]


def test_membership_and_certificates_give_no_points(subject: Any) -> None:
    add(subject, "identity.verified")
    before = grade_of(subject)
    add(subject, "membership.held", tag="large")
    add(subject, "certificate.issued", tag="red")
    after = grade_of(subject)
    assert (after.score, after.grade, after.factors) == (before.score, before.grade, before.factors)


def test_volume_relative_to_declared_size(subject: Any) -> None:
    for _ in range(6):
        add(subject, "complaint.resolved", tag="on_time")
    small = grade_of(subject).factors.get("volume", 0.0)
    assert small == -6.0  # micro/unknown: normal 2 a year, 6 = 2 excess multiples x -3
    add(subject, "membership.held", tag="medium")
    assert "volume" not in grade_of(subject).factors  # 6 is normal for a medium business


def test_declared_size_is_the_latest_membership(subject: Any, admin_user: Any) -> None:
    """The sizes query (its own partial index of the membership records) takes
    the latest declared size; another subject's membership does not count."""
    other = make_subject(admin_user, contact_phone="", contact_email="")
    for _ in range(6):
        add(subject, "complaint.resolved", tag="on_time")
    add(subject, "membership.held", days_ago=400, tag="medium")
    add(subject, "membership.held", days_ago=30, tag="micro")  # shrank: 6 a year is again above normal
    add(other, "membership.held", tag="large")
    assert grade_of(subject).factors.get("volume") == -6.0
    add(subject, "membership.held", days_ago=1, tag="large")
    assert "volume" not in grade_of(subject).factors


def test_correction_supersedes_and_retraction_removes(subject: Any, reviewer: Any) -> None:
    add(subject, "identity.verified")
    r = services.enter_record(actor=reviewer, subject=subject, data={
        "kind": "penalty.admin", "summary": "虚假宣传被罚款", "evidence": "京市监罚〔2026〕12号", "occurred_on": "2026-11-01"})
    assert "penalties" in grade_of(subject).factors
    fixed = services.correct(actor=reviewer, record=r, data={"occurred_on": "2026-10-01"}, reason="日期录入错误")
    assert fixed.supersedes_id == r.pk
    assert list(CreditRecord.objects.filter(subject=subject).current().filter(kind="penalty.admin")) == [fixed]
    services.retract(actor=reviewer, record=fixed, reason="处罚决定已被撤销")
    assert "penalties" not in grade_of(subject).factors
    assert CreditRecord.objects.filter(subject=subject, kind="penalty.admin").count() == 3  # history kept
    with pytest.raises(Conflict) as exc:
        services.correct(actor=reviewer, record=r, data={}, reason="again")
    assert exc.value.code == "superseded"


def test_records_cannot_be_edited_or_deleted(subject: Any) -> None:
    r = add(subject, "identity.verified")
    r.summary = "changed"
    with pytest.raises(AppendOnlyError):
        r.save()
    with pytest.raises(AppendOnlyError):
        CreditRecord.objects.filter(pk=r.pk).update(summary="x")
    with pytest.raises(AppendOnlyError):
        CreditRecord.objects.filter(pk=r.pk).delete()


def test_history_records_grade_changes(subject: Any) -> None:
    add(subject, "identity.verified")
    grade_of(subject)
    add(subject, "penalty.admin", evidence="x")
    add(subject, "penalty.admin", evidence="y")
    grade_of(subject)
    rows = list(GradeChange.objects.filter(subject=subject).order_by("pk").values_list("previous", "grade"))
    assert rows == [("", "A"), ("A", "C")]


def test_staff_entry_errors_change_nothing(subject: Any, reviewer: Any, consumer: Any) -> None:
    base = {"kind": "award", "summary": "年度诚信单位", "evidence": "表彰文件", "occurred_on": "2026-11-01"}
    cases = [({**base, "kind": "complaint.resolved"}, "kind"), ({**base, "summary": ""}, "summary"),
             ({**base, "summary": "<b>x</b>"}, "summary"), ({**base, "evidence": ""}, "evidence"),
             ({**base, "occurred_on": "2026-13-01"}, "occurred_on"), ({**base, "occurred_on": "2027-01-01"}, "occurred_on"),
             ({**base, "source": "authority"}, "source_name"), ({**base, "kind": "nope"}, "kind")]
    for data, field in cases:
        with pytest.raises(ValidationFailed) as e:
            services.enter_record(actor=reviewer, subject=subject, data=data)
        assert e.value.field == field
    with pytest.raises(PermissionDenied):
        services.enter_record(actor=consumer, subject=subject, data=base)
    assert not CreditRecord.objects.filter(subject=subject).exists()


def test_policy_errors_name_the_place() -> None:
    text = default_text()
    with pytest.raises(ValidationFailed, match=r"factor\[0\]\.points: must be a number"):
        parse(text.replace("points = 6", 'points = "six"', 1), kinds=services.kinds_info())
    with pytest.raises(ValidationFailed, match="'membership.held' is not evidence about conduct"):
        parse(text.replace('kinds = ["identity.verified"]', 'kinds = ["membership.held"]', 1), kinds=services.kinds_info())
    with pytest.raises(ValidationFailed, match="not valid TOML"):
        parse("version = ", kinds=services.kinds_info())


def test_published_rankings_refuse_queryset_updates() -> None:
    from chengxin.credit.models import RankingEdition

    with pytest.raises(AppendOnlyError):
        RankingEdition.objects.all().update(title="x")
    with pytest.raises(AppendOnlyError):
        RankingEdition.objects.all().delete()
