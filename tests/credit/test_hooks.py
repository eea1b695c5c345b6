"""Records created by events elsewhere, and the rule that money never buys a grade."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chengxin.accounts.services import grant_subject_access
from chengxin.complaints import filing
from chengxin.complaints import services as complaints
from chengxin.core.permissions import Role
from chengxin.credit import grading, services
from chengxin.credit.models import CreditRecord, Grade
from chengxin.lists import services as lists
from chengxin.membership import services as membership
from tests.factories import make_subject, make_user

pytestmark = pytest.mark.django_db


def kinds(subject: Any) -> list[str]:
    return sorted(CreditRecord.objects.filter(subject=subject).current().values_list("kind", flat=True))


def grades() -> dict[int, tuple[str, float, dict[str, float]]]:
    grading.run_pending()
    grading.recompute()
    return {g.subject_id: (g.grade, g.score, g.factors) for g in Grade.objects.all()}


def test_paying_the_fee_leaves_every_grade_unchanged(submitted: Any, reviewer: Any, admin_user: Any) -> None:
    """Membership, fees and payments are not evidence about conduct: approving,
    paying (membership active, certificate issued) changes no grade."""
    membership.start_review(actor=reviewer, app=submitted)
    app = membership.approve(actor=reviewer, app=submitted, reason="complete")
    make_subject(admin_user)  # a bystander
    before = grades()
    membership.record_payment(actor=admin_user, app=app, amount=str(app.fee_amount), method="bank", reference="TX-9",
                              receipt_number="R-9")
    app.refresh_from_db()
    assert app.status == "active"
    assert {"membership.held", "certificate.issued"} <= set(kinds(app.subject))  # shown on the file...
    assert grades() == before  # ...but worth nothing


def test_not_paying_changes_nothing_either(submitted: Any, reviewer: Any) -> None:
    membership.start_review(actor=reviewer, app=submitted)
    before = grades()
    app = membership.approve(actor=reviewer, app=submitted, reason="complete")
    # approval is a staff check of the licence and identity: that is evidence
    assert "identity.verified" in kinds(app.subject)
    after = grades()
    assert after[app.subject_id][1] == before[app.subject_id][1] + 6.0
    assert grades() == after  # and without a payment nothing else moves


def test_site_verification_is_recorded(applicant: Any) -> None:
    _user, subject, _site = applicant
    assert kinds(subject) == ["site.verified"]


def _complaint(subject: Any, consumer: Any) -> Any:
    return filing.file_complaint(actor=consumer, data={
        "subject": subject.pk, "category": "quality", "title": "耳机没有声音", "description": "收到的耳机左耳没有声音。",
        "remedies": ["refund"], "consent": True, "public_consent": False})[0]


def test_complaint_outcomes_become_records_and_invalid_ones_leave(admin_user: Any, reviewer: Any) -> None:
    shop = make_subject(admin_user)
    merchant = make_user(Role.MEMBER)
    grant_subject_access(actor=admin_user, user=merchant, subject=shop)
    consumer = make_user(Role.CONSUMER)
    c = _complaint(shop, consumer)
    complaints.answer(actor=merchant, c=c, text="已为您办理退款。")
    complaints.accept(actor=consumer, c=c)
    c.refresh_from_db()
    r = CreditRecord.objects.get(subject=shop, kind="complaint.resolved")
    assert (r.tag, r.evidence, r.ref) == ("on_time", c.number, f"complaint:{c.number}")
    assert c.number not in r.summary  # the summary is public; the number is evidence
    # the same event handled twice records the fact once
    from chengxin.credit import hooks

    hooks.complaint_closed(c)
    assert CreditRecord.objects.filter(subject=shop, kind="complaint.resolved").count() == 1


def test_blacklist_entry_caps_the_grade_until_lifted(admin_user: Any) -> None:
    shop = make_subject(admin_user)
    services.add_record(subject=shop, kind_code="identity.verified", occurred_on=services.today(), summary="x")
    assert grades()[shop.pk][0] == "A"
    entry = lists.add_entry(actor=admin_user, subject=shop, kind="blacklist", reason="售假", legal_basis="章程第十条")
    assert grades()[shop.pk][0] == "D"
    lists.lift_entry(actor=admin_user, entry=entry, reason="整改完成，信用修复")
    assert grades()[shop.pk][0] == "A"
    versions = CreditRecord.objects.filter(subject=shop, kind="blacklist.entry").order_by("pk")
    assert len(versions) == 2 and versions[1].supersedes_id == versions[0].pk  # history kept


def test_major_complaints_block_membership_eligibility(admin_user: Any) -> None:
    shop = make_subject(admin_user)
    ok = {c["check"]: c["ok"] for c in membership.eligibility(shop)}
    assert ok["no_major_complaint"] is True
    services.add_record(subject=shop, kind_code="complaint.unanswered", tag="none",
                        occurred_on=services.today() - dt.timedelta(days=10), summary="x")
    ok = {c["check"]: c["ok"] for c in membership.eligibility(shop)}
    assert ok["no_major_complaint"] is False
