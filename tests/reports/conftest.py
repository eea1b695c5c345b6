"""A small hand-made data set whose report figures are computed by hand in
the tests. The clock stands at 2026-03-15 12:00 China time.

Subjects (all registered 2025-01-01):
  S1  浙江 杭州 F5292  member 2026-01-10 → 2027-01-10, blue certificate (valid)
  S2  浙江 宁波 C      member 2025-06-01 → 2026-06-01, terminated 2026-02-20;
                       red certificate revoked 2026-02-20
  S3  北京 北京 F5292  blacklisted from 2026-02-01
  S4  北京 北京 F5292  blacklisted 2025-12-01, lifted 2026-01-15

Complaints (filed → answered, due; status):
  c1 S1 2026-01-20 → 01-21 (24 h), due 02-03; resolved            quality
  c2 S1 2026-02-05 → 02-25 (480 h), due 02-19; answered_unconfirmed refund
  c3 S1 2026-03-10, due 03-24 (not yet due); awaiting_response    quality
  c4 S2 2026-01-05, due 01-19, never answered; unanswered          delivery
  c5 S2 2026-02-25 → 03-01 (96 h), due 03-11; mediation → resolved_mediation  quality
  c6 S3 2026-01-15; invalid                                         other
  c7 S3 2026-02-10 → 02-11 (24 h), due 02-24; mediation failed → unresolved   fraud
  c8 S1 2025-12-20 → 12-21 (24 h); resolved (before 2026)          quality

Grade history: S1 ""→B 2025-12-01, B→AA 2026-02-10; S2 ""→C 2026-01-05;
S3 ""→A 2026-01-05, A→D 2026-03-01. Current grades: S1 AA, S2 C, S3 D.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from chengxin.certs.models import Certificate
from chengxin.complaints.models import Complaint
from chengxin.complaints.models import Status as CS
from chengxin.core import clock
from chengxin.core.permissions import Role
from chengxin.lists.models import ListEntry
from chengxin.membership.models import Application
from chengxin.membership.models import Status as MS
from chengxin.registry.models import Subject
from tests.complaints.pii import remember
from tests.factories import make_subject, make_user

CST = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 15, 12, 0, tzinfo=CST)
_n = itertools.count(1)


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=CST)


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Reports are cached under a stamp of the data; start each test empty."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client(client: Any) -> Any:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def now() -> Any:
    clock.freeze(NOW)
    try:
        yield NOW
    finally:
        clock.freeze(None)


def membership(subject: Subject, user: Any, start: str, end: str, status: str = MS.ACTIVE, changed: str | None = None) -> Application:
    return Application.objects.create(
        subject=subject, applicant=user, status=status, created_at=at(start, 0), starts_at=at(start, 0), ends_at=at(end, 0),
        status_changed_at=at(changed, 0) if changed else at(start, 0))


def certificate(subject: Subject, app: Application, level: str, start: str, end: str, status: str = "active",
                changed: str | None = None) -> Certificate:
    n = next(_n)
    return Certificate.objects.create(
        number=f"TESTCERT{n:04d}", subject=subject, membership=app, level_id=level, status=status,
        status_changed_at=at(changed, 0) if changed else at(start, 0), valid_from=at(start, 0), valid_until=at(end, 0),
        token="x", kid="k", revocation_index=n, suspension_index=n, issued_at=at(start, 0))


def complaint(subject: Subject, user: Any, filed: str, due: str, status: str, category: str, *, answered: str | None = None,
              mediation: str | None = None) -> Complaint:
    n = next(_n)
    filed_at = at(filed)
    return Complaint.objects.create(
        number=f"TS-REPORT-{n:04d}", subject=subject, complainant=user, category_id=category, title="耳机没有声音",
        description="收到的耳机没有声音。", contact_name=user.display_name, contact_phone=user.phone, contact_email=user.email,
        consent_at=filed_at, status=status, status_changed_at=filed_at, filed_at=filed_at, confirm_due_at=filed_at + dt.timedelta(days=7),
        response_due_at=at(due), answered_at=at(answered) if answered else None, answer="已处理" if answered else "",
        mediation_started_at=at(mediation) if mediation else None,
        closed_at=filed_at + dt.timedelta(days=20) if status not in (CS.AWAITING_RESPONSE,) else None)


def blacklist(subject: Subject, start: str, *, lifted: str | None = None, kind: str = "blacklist") -> ListEntry:
    return ListEntry.objects.create(subject=subject, kind=kind, reason="测试", starts_at=at(start, 0), created_at=at(start, 0),
                                    lifted_at=at(lifted, 0) if lifted else None)


def grade_change(subject: Subject, when: str, previous: str, grade: str) -> None:
    from chengxin.credit.models import GradeChange

    GradeChange.objects.create(subject=subject, at=at(when, 3), as_of=dt.date.fromisoformat(when), grade=grade, previous=previous,
                               score=80.0, policy_version="2026.1")


def current_grade(subject: Subject, grade: str) -> None:
    from chengxin.credit.models import Grade

    Grade.objects.create(subject=subject, grade=grade, score=80.0, policy_version="2026.1", as_of=NOW.date(), computed_at=NOW)


@pytest.fixture
def dataset(db: Any, now: Any, admin_user: Any) -> dict[str, Any]:
    s1 = make_subject(admin_user, name="杭州诚品电子商务有限公司", province="330000", city="330100", industry="F5292")
    s2 = make_subject(admin_user, name="宁波好物制造有限公司", province="330000", city="330200", industry="C")
    s3 = make_subject(admin_user, name="北京速购网络科技有限公司", province="110000", city="110100", industry="F5292")
    s4 = make_subject(admin_user, name="北京优选网络科技有限公司", province="110000", city="110100", industry="F5292")
    Subject.objects.filter(pk__in=[s1.pk, s2.pk, s3.pk, s4.pk]).update(created_at=at("2025-01-01", 0))
    applicant = make_user(Role.MEMBER)
    consumer = make_user(Role.CONSUMER, display_name="欧阳报告娜", phone="13912340001", email="report-complainant@mail.example")
    remember(consumer.display_name, consumer.phone, consumer.email)

    m1 = membership(s1, applicant, "2026-01-10", "2027-01-10")
    m2 = membership(s2, applicant, "2025-06-01", "2026-06-01", MS.TERMINATED, changed="2026-02-20")
    certificate(s1, m1, "blue", "2026-01-10", "2027-01-10")
    certificate(s2, m2, "red", "2025-06-01", "2026-06-01", "revoked", changed="2026-02-20")

    complaint(s1, consumer, "2026-01-20", "2026-02-03", CS.RESOLVED, "quality", answered="2026-01-21")
    complaint(s1, consumer, "2026-02-05", "2026-02-19", CS.ANSWERED_UNCONFIRMED, "refund", answered="2026-02-25")
    complaint(s1, consumer, "2026-03-10", "2026-03-24", CS.AWAITING_RESPONSE, "quality")
    complaint(s2, consumer, "2026-01-05", "2026-01-19", CS.UNANSWERED, "delivery")
    complaint(s2, consumer, "2026-02-25", "2026-03-11", CS.RESOLVED_MEDIATION, "quality", answered="2026-03-01", mediation="2026-03-05")
    complaint(s3, consumer, "2026-01-15", "2026-01-29", CS.INVALID, "other")
    complaint(s3, consumer, "2026-02-10", "2026-02-24", CS.UNRESOLVED, "fraud", answered="2026-02-11", mediation="2026-02-15")
    complaint(s1, consumer, "2025-12-20", "2026-01-05", CS.RESOLVED, "quality", answered="2025-12-21")

    blacklist(s3, "2026-02-01")
    blacklist(s4, "2025-12-01", lifted="2026-01-15")
    blacklist(s1, "2026-01-01", kind="watchlist")

    grade_change(s1, "2025-12-01", "", "B")
    grade_change(s1, "2026-02-10", "B", "AA")
    grade_change(s2, "2026-01-05", "", "C")
    grade_change(s3, "2026-01-05", "", "A")
    grade_change(s3, "2026-03-01", "A", "D")
    current_grade(s1, "AA")
    current_grade(s2, "C")
    current_grade(s3, "D")
    return {"s1": s1, "s2": s2, "s3": s3, "s4": s4, "consumer": consumer}
