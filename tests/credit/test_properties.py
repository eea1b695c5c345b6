"""Properties of the grading (hypothesis): smoothing, decay, disclosure, and
incremental recomputation equal to full recomputation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chengxin.credit import grading, services
from chengxin.credit.models import Grade
from tests.factories import make_subject

pytestmark = pytest.mark.django_db
PROPS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
TODAY = services.today()

COMPLAINT = st.sampled_from(["complaint.resolved", "complaint.resolved_mediation", "complaint.answered_unconfirmed",
                             "complaint.unresolved", "complaint.mediation_failed", "complaint.unanswered"])
TAG = st.sampled_from(["on_time", "late", "none"])
OTHER = st.sampled_from(["identity.verified", "site.verified", "award", "penalty.minor", "penalty.admin",
                         "platform.violation", "warning.fraud", "membership.held"])
RECORD = st.one_of(st.tuples(COMPLAINT, TAG, st.integers(0, 1500)),
                   st.tuples(OTHER, st.sampled_from(["", "small", "large"]), st.integers(0, 1500)))
HISTORY = st.lists(RECORD, max_size=12)


def _subject(records: list[tuple[str, str, int]], admin: Any) -> Any:
    s = make_subject(admin)
    for kind, tag, days in records:
        services.add_record(subject=s, kind_code=kind, tag=tag, occurred_on=TODAY - dt.timedelta(days=days), summary=kind,
                            evidence="e")
    return s


def _score(records: list[tuple[str, str, int]], admin: Any) -> tuple[float, int]:
    s = _subject(records, admin)
    r = services.subject_result(s)
    return r.score, services.active_policy().grade_rank(r.grade)


@PROPS
@given(history=HISTORY, tag=TAG, days=st.integers(0, 1000))
def test_a_resolved_complaint_never_does_worse_than_an_unresolved_one(admin_user: Any, history: Any, tag: str,
                                                                        days: int) -> None:
    good = _score([*history, ("complaint.resolved", tag, days)], admin_user)
    bad = _score([*history, ("complaint.unresolved", tag, days)], admin_user)
    assert good[0] >= bad[0] and good[1] <= bad[1]


@PROPS
@given(history=HISTORY, kind=COMPLAINT, days=st.integers(0, 1000))
def test_answering_on_time_never_does_worse_than_late_or_not_at_all(admin_user: Any, history: Any, kind: str, days: int) -> None:
    on_time = _score([*history, (kind, "on_time", days)], admin_user)[0]
    late = _score([*history, (kind, "late", days)], admin_user)[0]
    never = _score([*history, (kind, "none", days)], admin_user)[0]
    assert on_time >= late >= never


@PROPS
@given(history=HISTORY, kind=st.sampled_from(["complaint.unanswered", "penalty.admin", "warning.fraud"]),
       newer=st.integers(0, 700), gap=st.integers(1, 300))
def test_an_old_negative_event_never_hurts_more_than_a_recent_one(admin_user: Any, history: Any, kind: str, newer: int,
                                                                 gap: int) -> None:
    recent = _score([*history, (kind, "none", newer)], admin_user)[0]
    old = _score([*history, (kind, "none", newer + gap)], admin_user)[0]
    assert old >= recent


@PROPS
@given(history=HISTORY, kind=st.sampled_from(["complaint.unanswered", "penalty.admin", "penalty.minor", "award"]))
def test_records_past_their_disclosure_period_change_nothing(admin_user: Any, history: Any, kind: str) -> None:
    expired = 1100 if kind != "penalty.minor" else 93  # 3 years; minor penalties 3 months
    assert _score([*history, (kind, "none", expired + 5)], admin_user) == _score(history, admin_user)


@PROPS
@given(history=HISTORY, extra=st.integers(1, 30))
def test_small_numbers_move_a_rate_less_than_large_ones(admin_user: Any, history: Any, extra: int) -> None:
    """One unresolved complaint among many resolved ones costs less resolution
    points than one among few (smoothing), and never more than the factor's floor."""
    few = services.subject_result(_subject([("complaint.unresolved", "on_time", 0)], admin_user)).details["resolution"]
    many_records = [("complaint.resolved", "on_time", 0)] * extra + [("complaint.unresolved", "on_time", 0)]
    many = services.subject_result(_subject(many_records, admin_user)).details["resolution"]
    assert many["rate"] > few["rate"]
    assert few["points"] >= -8.0


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories=st.lists(HISTORY, min_size=1, max_size=5))
def test_incremental_recomputation_equals_full(admin_user: Any, histories: Any) -> None:
    Grade.objects.all().delete()
    for h in histories:
        _subject(h, admin_user)
    grading.run_pending()  # incremental: the subjects whose records changed
    incremental = {g.subject_id: (g.grade, g.score, g.evidence, g.factors) for g in Grade.objects.all()}
    Grade.objects.all().delete()
    grading.recompute()  # full
    full = {g.subject_id: (g.grade, g.score, g.evidence, g.factors) for g in Grade.objects.all()}
    assert {k: full[k] for k in incremental} == incremental
