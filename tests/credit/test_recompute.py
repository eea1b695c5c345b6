"""Full recomputation: unchanged grades are not rewritten, a grade computed
after a batch read its records is not overwritten by that batch, and worker
processes give the same grades as one process."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection, transaction
from hypothesis import given
from hypothesis import strategies as st

from chengxin.core import clock
from chengxin.credit import engine, grading, services
from chengxin.credit.models import Grade, GradeChange
from tests.factories import make_subject

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 23)
KINDS = ["complaint.resolved", "complaint.unresolved", "complaint.unanswered", "award", "penalty.admin",
         "identity.verified", "site.verified", "platform.violation", "membership.held"]


@pytest.fixture(autouse=True)
def _now() -> Any:
    clock.freeze(NOW)
    yield
    clock.freeze(None)


def _population(admin: Any, n: int) -> list[Any]:
    subjects = []
    for i in range(n):
        s = make_subject(admin)
        for j in range(i % 7):
            kind = KINDS[(i * 3 + j) % len(KINDS)]
            services.add_record(subject=s, kind_code=kind, tag=["on_time", "late", "none"][j % 3] if kind.startswith("complaint")
                                else ("small" if kind == "membership.held" else ""),
                                occurred_on=TODAY - dt.timedelta(days=(i * 37 + j * 101) % 1200), summary=kind, evidence="e")
        subjects.append(s)
    return subjects


def _grades() -> dict[int, tuple[Any, ...]]:
    return {g.subject_id: (g.grade, g.score, g.evidence, g.tenure_days, g.policy_version, g.as_of, g.factors)
            for g in Grade.objects.all()}


@pytest.mark.django_db
def test_an_unchanged_grade_is_not_rewritten_and_a_changed_one_is(admin_user: Any) -> None:
    subjects = _population(admin_user, 12)
    first = grading.recompute(as_of=TODAY)
    rated = sum(1 for g in Grade.objects.all() if g.grade)
    assert first["subjects"] == 12 and first["grade_changes"] == rated == GradeChange.objects.count() > 0
    before = {g.subject_id: g.computed_at for g in Grade.objects.all()}
    clock.freeze(NOW + dt.timedelta(hours=1))
    assert grading.recompute(as_of=TODAY)["grade_changes"] == 0
    assert {g.subject_id: g.computed_at for g in Grade.objects.all()} == before  # nothing written
    # a new fact about one subject: only its grade is rewritten
    target = subjects[3]
    services.add_record(subject=target, kind_code="warning.fraud", occurred_on=TODAY, summary="fraud", evidence="e")
    grading.recompute(as_of=TODAY)
    after = {g.subject_id: g.computed_at for g in Grade.objects.all()}
    assert [sid for sid in after if after[sid] != before[sid]] == [target.pk]
    assert "warnings" in Grade.objects.get(subject=target).factors


@pytest.mark.django_db
def test_the_compiled_scorer_gives_the_explained_scores_and_the_stored_factor_text(admin_user: Any) -> None:
    _population(admin_user, 25)
    make_subject(admin_user)  # no records at all: every aggregate NULL
    capped = make_subject(admin_user)  # a good record, and blacklisted: the grade is capped
    for kind in ("award", "blacklist.entry"):
        services.add_record(subject=capped, kind_code=kind, occurred_on=TODAY, summary=kind, evidence="e")
    scorer = engine.Scorer(services.active_policy(), services.conduct_kinds(), TODAY)
    # the compiled scorer reads fewer aggregates: a weighted sum stands in for its count
    assert scorer._presence and len(scorer.lean) < len(scorer.columns)
    fast = list(engine.compute(scorer, id_range=(0, 10**9), explain=False))
    slow = list(engine.compute(scorer, id_range=(0, 10**9)))
    assert len(fast) == len(slow) == 27 and any(r.points for r in fast)
    assert [r.capped_by for r in fast if r.subject_id == capped.pk] == [["D"]]
    for a, b in zip(fast, slow, strict=True):
        assert (a.subject_id, a.score, a.grade, a.evidence, a.tenure_days, a.points, a.capped_by) == \
            (b.subject_id, b.score, b.grade, b.evidence, b.tenure_days, b.points, b.capped_by)
        assert a.factors_text == grading.factors_text(a.points)
    # the batch form the recomputation writes from: the same rows as the results'
    assert engine.compute_rows(scorer, id_range=(0, 10**9)) == grading._rows(fast)
    assert "points" not in scorer.fast_source.split("def score_rows")[1]


@pytest.mark.django_db
def test_a_grade_computed_after_the_batch_read_its_records_is_kept(admin_user: Any) -> None:
    s = make_subject(admin_user)
    services.add_record(subject=s, kind_code="complaint.resolved", tag="on_time", occurred_on=TODAY, summary="x", evidence="e")
    grading.recompute(as_of=TODAY)  # the credit sweep graded it at NOW
    stored = Grade.objects.get(subject=s)
    policy = services.active_policy()
    (result,) = engine.compute(engine.Scorer(policy, services.conduct_kinds(), TODAY), ids=[s.pk], explain=False)
    stale = dataclasses.replace(result, grade="D", score=10.0)  # what a batch that read earlier computed
    with transaction.atomic():
        assert grading._write([stale], policy, TODAY, NOW - dt.timedelta(seconds=1)) == 0
    kept = Grade.objects.get(subject=s)
    assert (kept.grade, kept.score, kept.computed_at) == (stored.grade, stored.score, stored.computed_at)
    with transaction.atomic():  # read after the stored grade was computed: it replaces it
        assert grading._write([stale], policy, TODAY, NOW + dt.timedelta(seconds=1)) == 1
    assert (Grade.objects.get(subject=s).grade, GradeChange.objects.filter(subject=s).first().previous) == ("D", stored.grade)


def _history() -> list[tuple[Any, ...]]:
    return sorted(GradeChange.objects.values_list("subject_id", "grade", "previous", "score", "policy_version", "as_of"))


@pytest.mark.django_db
def test_a_range_without_grades_is_inserted_directly_with_the_grades_and_history_of_the_comparison(
        admin_user: Any, monkeypatch: Any) -> None:
    _population(admin_user, 30)
    make_subject(admin_user)  # no evidence: stored ungraded, no history row
    calls = {"insert": 0}
    real = grading._insert_new

    def counting(*a: Any) -> int:
        calls["insert"] += 1
        return real(*a)

    monkeypatch.setattr(grading, "_insert_new", counting)
    direct = grading.recompute(as_of=TODAY)
    assert calls["insert"] == 1 and direct["subjects"] == 31
    expected, history = _grades(), _history()
    assert len(expected) == 31 and any(g[0] == "" for g in expected.values())
    assert len(history) == direct["grade_changes"] == sum(1 for g in expected.values() if g[0])
    # the same batch through the staged comparison (the range looks graded)
    Grade.objects.all().delete()
    GradeChange.objects.all().delete()
    monkeypatch.setattr(grading, "_graded", lambda cur, params: True)
    compared = grading.recompute(as_of=TODAY)
    assert calls["insert"] == 1 and compared["grade_changes"] == direct["grade_changes"]
    assert _grades() == expected and _history() == history


@pytest.mark.django_db
def test_a_grade_stored_in_the_range_meanwhile_sends_the_batch_to_the_comparison(admin_user: Any, monkeypatch: Any) -> None:
    subjects = _population(admin_user, 10)
    grading.recompute(ids=[subjects[4].pk], as_of=TODAY)  # the credit sweep graded one subject
    swept = Grade.objects.get(subject=subjects[4])
    assert GradeChange.objects.count() == (1 if swept.grade else 0)
    # the batch saw no grade in its range, then the insert meets the sweep's
    monkeypatch.setattr(grading, "_graded", lambda cur, params: False)
    clock.freeze(NOW + dt.timedelta(minutes=1))
    result = grading.recompute(as_of=TODAY)
    assert result["subjects"] == 10 and Grade.objects.count() == 10
    # the sweep's subject was compared, not inserted twice: no second history row for an unchanged grade
    assert GradeChange.objects.filter(subject=subjects[4]).count() == (1 if swept.grade else 0)
    assert result["grade_changes"] == sum(1 for g in Grade.objects.all() if g.grade) - (1 if swept.grade else 0)
    assert Grade.objects.get(subject=subjects[4]).grade == swept.grade


@pytest.mark.django_db
def test_a_deleted_subject_takes_its_grade_with_it_and_one_with_records_cannot_be_deleted(admin_user: Any) -> None:
    # no database constraint ties grades to subjects (decision 0004): Django's on_delete does
    from django.db.models import ProtectedError

    from chengxin.registry.models import Subject

    graded = _population(admin_user, 3)[2]  # two records
    bare = make_subject(admin_user)  # none: stored ungraded
    grading.recompute(as_of=TODAY)
    assert Grade.objects.filter(subject=bare).exists() and GradeChange.objects.filter(subject=graded).exists()
    Subject.objects.filter(pk=bare.pk).delete()
    assert not Grade.objects.filter(subject_id=bare.pk).exists() and Grade.objects.count() == 3
    # a subject with history has records, and records protect their subject
    with pytest.raises(ProtectedError):
        Subject.objects.filter(pk=graded.pk).delete()
    assert GradeChange.objects.filter(subject=graded).exists()


@pytest.mark.django_db(transaction=True)
def test_worker_processes_give_the_grades_of_one_process(admin_user: Any, monkeypatch: Any) -> None:
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("worker processes need a database they can open: the in-memory SQLite test database is not one "
                    "(the suite's PostgreSQL run covers this)")
    _population(admin_user, 40)
    monkeypatch.setattr(grading, "BATCH", 6)  # 7 batches
    seen: list[tuple[int, int]] = []
    one = grading.recompute(as_of=TODAY, jobs=1)
    expected, history = _grades(), GradeChange.objects.count()
    Grade.objects.all().delete()
    GradeChange.objects.all().delete()
    many = grading.recompute(as_of=TODAY, jobs=3, progress=lambda done, total: seen.append((done, total)))
    assert _grades() == expected and GradeChange.objects.count() == history
    assert many["subjects"] == one["subjects"] == 40 and many["grade_changes"] == one["grade_changes"]
    assert len(seen) == 7 and seen[-1] == (40, 40)
    assert grading.recompute(as_of=TODAY, jobs=3)["grade_changes"] == 0


@given(st.dictionaries(st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True),
                       st.floats(allow_nan=False, allow_infinity=False), max_size=15))
def test_factors_text_is_the_canonical_json(points: dict[str, float]) -> None:
    assert grading.factors_text(points) == json.dumps(points, sort_keys=True, separators=(",", ":"))
    assert json.loads(grading.factors_text(points)) == points
