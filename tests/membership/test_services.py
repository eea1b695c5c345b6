from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from chengxin.core.errors import Conflict, PermissionDenied, ValidationFailed
from chengxin.core.models import OutboxMessage
from chengxin.ledger.models import AuditEntry
from chengxin.lists.services import add_entry
from chengxin.membership import services, states
from chengxin.membership.models import Application, Event, Status
from chengxin.membership.sweeps import flag_overdue_reviews, remind_and_expire

from .conftest import MONDAY, PDF, fill

pytestmark = pytest.mark.django_db


def test_full_flow_to_an_active_one_year_membership(frozen_clock, applicant, reviewer, admin_user):
    frozen_clock.set(MONDAY)
    user, subject, site = applicant
    app = services.start_application(actor=user, subject=subject)
    fill(app, user, site)
    app = services.submit(actor=user, app=app)
    assert app.status == Status.SUBMITTED
    # due at the end of the second working day after Monday: Wednesday 23:59:59 Beijing time
    local_due = app.review_due_at.astimezone(MONDAY.tzinfo)
    assert local_due.date() == dt.date(2026, 3, 4)
    assert all(c["ok"] for c in app.eligibility)
    services.start_review(actor=reviewer, app=app)
    app = services.approve(actor=reviewer, app=app, reason="complete")
    assert app.status == Status.APPROVED and app.fee_amount == Decimal("3000.00")
    services.record_payment(actor=admin_user, app=app, amount="3000", method="bank", reference="TX-1", receipt_number="R-1")
    app.refresh_from_db()
    assert app.status == Status.ACTIVE
    assert app.starts_at == MONDAY and (app.ends_at - app.starts_at).days == 365
    assert services.public_membership(subject)["status"] == "active"
    actions = list(Event.objects.filter(application=app).values_list("action", flat=True))
    assert actions == ["create", "submit", "start_review", "approve", "activate"]
    assert AuditEntry.objects.filter(action="membership.activate", object_id=str(app.pk)).exists()


def test_incomplete_submission_lists_what_is_missing_and_changes_nothing(applicant):
    user, subject, _site = applicant
    app = services.start_application(actor=user, subject=subject)
    with pytest.raises(ValidationFailed) as err:
        services.submit(actor=user, app=app)
    fields = {e["field"] for e in err.value.errors}
    assert {"applicant_type", "level", "sites", "size_band", "documents", "declaration"} <= fields
    app.refresh_from_db()
    assert app.status == Status.DRAFT and app.submitted_at is None


def test_second_open_application_is_refused(submitted, applicant):
    user, subject, _ = applicant
    with pytest.raises(Conflict) as err:
        services.start_application(actor=user, subject=subject)
    assert err.value.code == "application_open" and err.value.details["existing_id"] == submitted.pk


def test_blacklisted_subject_cannot_apply(applicant, admin_user):
    user, subject, _ = applicant
    add_entry(actor=admin_user, subject=subject, kind="blacklist", reason="fraud", legal_basis="章程第十条")
    count = Application.objects.count()
    with pytest.raises(ValidationFailed) as err:
        services.start_application(actor=user, subject=subject)
    assert err.value.code == "blacklisted"
    assert Application.objects.count() == count


def test_blacklisting_after_submission_blocks_submit_and_approval(applicant, admin_user, reviewer):
    user, subject, site = applicant
    app = fill(services.start_application(actor=user, subject=subject), user, site)
    add_entry(actor=admin_user, subject=subject, kind="blacklist", reason="fraud")
    with pytest.raises(ValidationFailed):
        services.submit(actor=user, app=app)


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("big.pdf", PDF + b"0" * (10 * 1024 * 1024), "file_too_big"),
        ("virus.exe", b"MZ\x90\x00", "file_type"),
        ("fake.pdf", b"\x89PNG\r\n\x1a\n....", "file_type_mismatch"),
        ("empty.pdf", b"", "empty_file"),
    ],
)
def test_bad_uploads_are_refused(applicant, name, data, code):
    user, subject, _ = applicant
    app = services.start_application(actor=user, subject=subject)
    with pytest.raises(ValidationFailed) as err:
        services.add_document(actor=user, app=app, kind="licence", name=name, data=data)
    assert err.value.code == code and err.value.field == "file"
    assert app.documents.count() == 0


def test_upload_keeps_a_content_hash(applicant):
    import hashlib

    user, subject, _ = applicant
    app = services.start_application(actor=user, subject=subject)
    doc = services.add_document(actor=user, app=app, kind="licence", name="licence.pdf", data=PDF)
    assert doc.sha256 == hashlib.sha256(PDF).hexdigest() and doc.size == len(PDF)
    assert doc.file.read() == PDF


def test_unverified_site_shows_in_eligibility(applicant, admin_user):
    from chengxin.registry import services as registry

    user, subject, site = applicant
    other = registry.add_site(actor=admin_user, subject=subject, kind="domain", address="unproven.example.cn")
    app = services.start_application(actor=user, subject=subject)
    fill(app, user, site)
    services.update_application(actor=user, app=app, data={"sites": [site.pk, other.pk]})
    app = services.submit(actor=user, app=app)
    checks = {c["check"]: c for c in app.eligibility}
    assert not checks["sites_verified"]["ok"] and "unproven.example.cn" in checks["sites_verified"]["detail"]


def test_other_members_cannot_apply_for_a_subject(member, applicant):
    _user, subject, _ = applicant
    with pytest.raises(PermissionDenied):
        services.start_application(actor=member, subject=subject)


def test_rejection_needs_a_reason_the_applicant_sees(submitted, reviewer, applicant):
    with pytest.raises(ValidationFailed):
        services.reject(actor=reviewer, app=submitted, reason="")
    app = services.reject(actor=reviewer, app=submitted, reason="营业执照不清晰")
    assert app.status == Status.REJECTED
    user = applicant[0]
    assert user.notifications.filter(text__contains="营业执照不清晰").exists()
    assert OutboxMessage.objects.filter(recipient=user.email, body__contains="营业执照不清晰").exists()


def test_information_request_stops_the_clock(frozen_clock, submitted, reviewer, applicant):
    # submitted "now" (frozen clock fixture: Mon 2026-03-02 17:00 Beijing) -> due Wed end of day
    user = applicant[0]
    due = submitted.review_due_at
    services.start_review(actor=reviewer, app=submitted)
    app = services.request_info(actor=reviewer, app=submitted, message="请补充ICP备案")
    assert app.status == Status.INFO_REQUESTED and app.review_due_at is None
    assert app.remaining_working_days == 2
    frozen_clock.advance(days=7)  # the applicant takes a week; the reviewer is not late
    app = services.answer(actor=user, app=app, message="已上传")
    assert app.status == Status.UNDER_REVIEW
    assert app.review_due_at > due + dt.timedelta(days=6)


def test_fee_must_match_and_payment_has_a_reference(submitted, reviewer, admin_user):
    app = services.approve(actor=reviewer, app=submitted)
    with pytest.raises(ValidationFailed) as err:
        services.record_payment(actor=admin_user, app=app, amount="100", method="bank", reference="x")
    assert err.value.code == "wrong_amount"
    with pytest.raises(ValidationFailed):
        services.record_payment(actor=admin_user, app=app, amount="3000", method="bank")
    with pytest.raises(PermissionDenied):
        services.record_payment(actor=reviewer, app=app, amount="3000", method="bank", reference="x")
    services.waive_fee(actor=admin_user, app=app, reason="founding member")
    app.refresh_from_db()
    assert app.status == Status.ACTIVE


def _active(submitted, reviewer, admin_user):
    app = services.approve(actor=reviewer, app=submitted)
    services.record_payment(actor=admin_user, app=app, amount="3000", method="bank", reference="TX")
    app.refresh_from_db()
    return app


def test_reminders_then_expiry_driven_by_the_clock(frozen_clock, submitted, reviewer, admin_user, applicant):
    app = _active(submitted, reviewer, admin_user)
    user = applicant[0]
    assert remind_and_expire() == {"reminded_30": 0, "reminded_7": 0, "expired": 0}
    frozen_clock.advance(days=336)  # 29 days left
    assert remind_and_expire()["reminded_30"] == 1
    assert remind_and_expire()["reminded_30"] == 0  # once only
    app.refresh_from_db()
    assert app.status == Status.EXPIRING
    frozen_clock.advance(days=23)  # 6 days left
    assert remind_and_expire()["reminded_7"] == 1
    frozen_clock.advance(days=7)
    assert remind_and_expire()["expired"] == 1
    app.refresh_from_db()
    assert app.status == Status.EXPIRED
    texts = list(user.notifications.values_list("text", flat=True))
    assert sum("ends on" in t or "到期" in t for t in texts) == 2
    assert remind_and_expire() == {"reminded_30": 0, "reminded_7": 0, "expired": 0}


def test_renewal_continues_the_term_and_marks_the_old_one_renewed(frozen_clock, submitted, reviewer, admin_user, applicant):
    old = _active(submitted, reviewer, admin_user)
    user, subject, _site = applicant
    frozen_clock.advance(days=340)
    with pytest.raises(Conflict) as err:
        services.start_application(actor=user, subject=subject)  # a member renews instead
    assert err.value.code == "already_member"
    new = services.start_application(actor=user, subject=subject, renews=old)
    assert new.level_id == old.level_id and list(new.sites.all()) == list(old.sites.all())
    services.update_application(actor=user, app=new, data={"declaration": True})
    new = services.submit(actor=user, app=new)  # light review: no new licence needed
    assert {c["check"]: c["ok"] for c in new.eligibility}["sites_verified"]
    new = services.approve(actor=reviewer, app=new)
    services.record_payment(actor=admin_user, app=new, amount="3000", method="alipay", reference="AP-2")
    new.refresh_from_db()
    old.refresh_from_db()
    assert new.status == Status.ACTIVE and old.status == Status.RENEWED
    assert new.starts_at == old.ends_at


def test_renewal_after_the_site_proof_lapsed_shows_it(frozen_clock, submitted, reviewer, admin_user, applicant):
    old = _active(submitted, reviewer, admin_user)
    user, subject, _site = applicant
    frozen_clock.advance(days=366)
    remind_and_expire()
    old.refresh_from_db()
    assert old.status == Status.EXPIRED
    new = services.start_application(actor=user, subject=subject, renews=old)
    services.update_application(actor=user, app=new, data={"declaration": True})
    new = services.submit(actor=user, app=new)
    assert not {c["check"]: c["ok"] for c in new.eligibility}["sites_verified"]


def test_suspend_reinstate_terminate(submitted, reviewer, admin_user):
    app = _active(submitted, reviewer, admin_user)
    with pytest.raises(PermissionDenied):
        services.suspend(actor=reviewer, app=app, reason="x")
    app = services.suspend(actor=admin_user, app=app, reason="pending investigation")
    assert services.public_membership(app.subject)["status"] == "suspended"
    app = services.reinstate(actor=admin_user, app=app, reason="cleared")
    assert app.status == Status.ACTIVE
    app = services.terminate(actor=admin_user, app=app, reason="left")
    assert app.status == Status.TERMINATED
    with pytest.raises(Conflict) as err:
        services.reinstate(actor=admin_user, app=app, reason="oops")
    assert err.value.code == "illegal_transition"


def test_overdue_reviews_are_flagged_once(frozen_clock, submitted, reviewer):
    assert flag_overdue_reviews() == 0
    frozen_clock.advance(days=5)
    assert flag_overdue_reviews() == 1
    assert flag_overdue_reviews() == 0
    assert reviewer.notifications.filter(text__contains="OVERDUE").exists() or reviewer.notifications.filter(text__contains="逾期").exists()


def test_paying_is_not_required_to_be_recorded_twice(submitted, reviewer, admin_user):
    app = _active(submitted, reviewer, admin_user)
    with pytest.raises(Conflict):
        services.record_payment(actor=admin_user, app=app, amount="3000", method="bank", reference="TX2")


# --- the state machine table ---------------------------------------------

def _make(app_status, subject, user):
    from chengxin.core import clock

    now = clock.now()
    return Application.objects.create(subject=subject, applicant=user, status=app_status, created_at=now, status_changed_at=now,
                                      starts_at=now, ends_at=now + dt.timedelta(days=365))


@pytest.mark.parametrize(("frm", "action"), sorted(states.TRANSITIONS))
def test_every_allowed_transition(applicant, frm, action):
    user, subject, _ = applicant
    app = _make(frm, subject, user)
    services._transition(app, action, actor=None)
    assert app.status == states.TRANSITIONS[(frm, action)]
    assert Event.objects.filter(application=app, action=action, from_status=frm).exists()


FORBIDDEN = [(s, a) for s in Status.values for a in states.ACTIONS if (s, a) not in states.TRANSITIONS]


@pytest.mark.parametrize(("frm", "action"), FORBIDDEN[::5])
def test_forbidden_transitions_are_refused_clearly(applicant, frm, action):
    user, subject, _ = applicant
    app = _make(frm, subject, user)
    with pytest.raises(Conflict) as err:
        services._transition(app, action, actor=None)
    assert err.value.code == "illegal_transition"
    assert err.value.details["status"] == frm
    app.refresh_from_db()
    assert app.status == frm


@pytest.fixture(autouse=True)
def _english_messages():
    """These tests read the English wording of messages; pages keep their default."""
    from django.utils import translation

    with translation.override("en"):
        yield
