from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chengxin.accounts.models import Notification
from chengxin.complaints import filing as complaint_filing
from chengxin.complaints import mediation, queries, services, sweeps
from chengxin.complaints.models import Complaint, ComplaintEvent, Status
from chengxin.core import workdays
from chengxin.core.errors import Conflict, NotFound, PermissionDenied, Throttled, ValidationFailed
from chengxin.core.models import OutboxMessage
from chengxin.core.permissions import Role
from chengxin.ledger.models import AuditEntry
from tests.factories import make_user

from .conftest import PNG, filing

pytestmark = pytest.mark.django_db


def test_filing_forwards_at_once_and_sets_deadlines(file_one: Any, merchant: Any, frozen_clock: Any) -> None:
    c = file_one()
    assert c.number.startswith("TS20260302") and len(c.number) == 18
    assert c.status == Status.AWAITING_RESPONSE
    # 10 working days from Monday 2 March 2026: Monday 16 March, end of day, China time.
    assert workdays.local_date(c.response_due_at) == dt.date(2026, 3, 16)
    assert workdays.local_date(c.confirm_due_at) == dt.date(2026, 3, 11)
    assert workdays.local_date(c.remind_at) == dt.date(2026, 3, 11)  # 3 working days before
    note = Notification.objects.get(user=merchant)
    assert c.number in note.text
    assert OutboxMessage.objects.filter(recipient=merchant.email).count() == 1
    assert [chk["ok"] for chk in c.checks] == [True, True, True]
    assert ComplaintEvent.objects.filter(complaint=c, kind="filed").exists()


def test_filing_validation_names_every_field(shop: Any, complainant: Any) -> None:
    bad = filing(shop, category="nope", title="", description="短", remedies=["gold"], amount="-5", consent=False)
    with pytest.raises(ValidationFailed) as err:
        complaint_filing.file_complaint(actor=complainant, data=bad)
    fields = {e["field"] for e in err.value.errors}
    assert fields == {"category", "title", "description", "remedies", "amount", "consent"}
    assert Complaint.objects.count() == 0


def test_html_and_unknown_subject_refused(shop: Any, complainant: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        complaint_filing.file_complaint(actor=complainant, data=filing(shop, description="<script>alert(1)</script> 很差的服务态度"))
    assert err.value.errors[0]["field"] == "description" and err.value.errors[0]["code"] == "unsafe_text"
    with pytest.raises(ValidationFailed) as err:
        complaint_filing.file_complaint(actor=complainant, data=filing(shop, subject=999999))
    assert err.value.errors[0]["code"] == "unknown_subject"
    assert Complaint.objects.count() == 0


def test_disguised_and_oversized_files_refused(shop: Any, complainant: Any, settings: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        complaint_filing.file_complaint(actor=complainant, data=filing(shop), files=[("photo.jpg", b"MZ\x90\x00" + b"\x00" * 100)])
    assert err.value.field == "file"
    with pytest.raises(ValidationFailed) as err:
        complaint_filing.file_complaint(actor=complainant, data=filing(shop), files=[("photo.jpg", PNG)])
    assert err.value.code == "file_type_mismatch"
    settings.CHENGXIN_COMPLAINT_EVIDENCE_MAX_BYTES = 50
    with pytest.raises(ValidationFailed) as err:
        complaint_filing.file_complaint(actor=complainant, data=filing(shop), files=[("photo.png", PNG)])
    assert err.value.code == "file_too_big"
    assert Complaint.objects.count() == 0


def test_evidence_kept_with_hash(shop: Any, complainant: Any, merchant: Any) -> None:
    import hashlib

    c, _ = complaint_filing.file_complaint(actor=complainant, data=filing(shop), files=[("photo.png", PNG)])
    ev = c.evidence.get()
    assert ev.sha256 == hashlib.sha256(PNG).hexdigest() and ev.content_type == "image/png"
    stranger = make_user(Role.CONSUMER)
    assert not complaint_filing.may_see_evidence(stranger, ev)
    assert complaint_filing.may_see_evidence(merchant, ev)


def test_idempotency_key_returns_the_same_complaint(shop: Any, complainant: Any) -> None:
    a, new_a = complaint_filing.file_complaint(actor=complainant, data=filing(shop), idempotency_key="k1")
    b, new_b = complaint_filing.file_complaint(actor=complainant, data=filing(shop), idempotency_key="k1")
    assert (new_a, new_b) == (True, False) and a.pk == b.pk
    assert Complaint.objects.count() == 1


def test_duplicate_is_shown_to_staff_and_rate_limit_refuses(shop: Any, complainant: Any, settings: Any) -> None:
    first, _ = complaint_filing.file_complaint(actor=complainant, data=filing(shop))
    second, _ = complaint_filing.file_complaint(actor=complainant, data=filing(shop))
    dup = next(chk for chk in second.checks if chk["check"] == "not_duplicate")
    assert not dup["ok"] and first.number in dup["detail"]
    settings.CHENGXIN_COMPLAINT_MAX_PER_DAY = 2
    with pytest.raises(Throttled):
        complaint_filing.file_complaint(actor=complainant, data=filing(shop))
    assert Complaint.objects.count() == 2


def test_consumer_counts_windows(file_one: Any, shop: Any, complainant: Any, admin_user: Any, frozen_clock: Any, settings: Any) -> None:
    """The counts behind the rate limits and checks (one plain SQL query):
    windows of 1, 30 and 90 days up to now, open complaints against this
    subject; other consumers, other subjects, closed complaints and complaints
    dated after now (demo data) do not count."""
    from tests.factories import make_subject

    settings.CHENGXIN_COMPLAINT_MAX_PER_DAY = settings.CHENGXIN_COMPLAINT_MAX_PER_30_DAYS = 100
    other_shop = make_subject(admin_user, name="另一家公司")
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    for days_ago, where in [(100, shop), (89, other_shop), (29, shop), (0.5, other_shop)]:
        frozen_clock.set(start - dt.timedelta(days=days_ago))
        file_one(subject=where.pk)
    frozen_clock.set(start + dt.timedelta(days=1))
    file_one()  # after "now": not counted
    file_one(actor=make_user(Role.CONSUMER))  # another consumer
    Complaint.objects.filter(filed_at=start - dt.timedelta(days=29)).update(status=Status.RESOLVED)
    counts = complaint_filing._consumer_counts(complainant, shop, start)
    assert counts == {"day": 1, "month": 2, "quarter": 3, "open_here": 2}  # open here: 100 days ago and tomorrow
    assert complaint_filing._consumer_counts(complainant, other_shop, start)["open_here"] == 2
    frozen_clock.set(start)
    c = file_one()
    assert [chk["ok"] for chk in c.checks] == [True, False, True]
    assert "4 complaints by this consumer in 90 days" in c.checks[2]["detail"]


def test_only_consumers_file(shop: Any, merchant: Any) -> None:
    with pytest.raises(PermissionDenied):
        complaint_filing.file_complaint(actor=merchant, data=filing(shop))


def test_whole_path_answer_dispute_mediation_survey(file_one: Any, complainant: Any, merchant: Any, mediator: Any, reviewer: Any) -> None:
    c = file_one()
    services.confirm(actor=reviewer, c=c)
    services.answer(actor=merchant, c=c, text="已联系快递，安排换货。")
    c.refresh_from_db()
    assert c.status == Status.ANSWERED and c.consumer_due_at is not None
    services.dispute(actor=complainant, c=c, reason="只给换货，不给退款")
    mediation.start_mediation(actor=mediator, c=services.get_complaint(c.number))
    services.post_message(actor=merchant, c=c, text="可以退款 200 元")
    mediation.propose_settlement(actor=mediator, c=c, text="商家退款 250 元，消费者退回耳机。")
    mediation.agree_settlement(actor=complainant, c=c)
    c.refresh_from_db()
    assert c.status == Status.IN_MEDIATION
    mediation.agree_settlement(actor=merchant, c=c)
    c.refresh_from_db()
    assert c.status == Status.RESOLVED_MEDIATION and c.closed_at and c.survey_requested_at
    services.submit_survey(actor=complainant, c=c, rating=4, handled_well=True)
    with pytest.raises(Conflict):
        services.submit_survey(actor=complainant, c=c, rating=5, handled_well=True)
    actions = list(AuditEntry.objects.filter(object_type="complaints.complaint", object_id=str(c.pk)).values_list("action", flat=True))
    assert actions == ["complaint.confirm", "complaint.answer", "complaint.dispute", "complaint.start_mediation", "complaint.settle"]


def test_cross_party_actions_refused(file_one: Any, complainant: Any, merchant: Any, shop: Any) -> None:
    c = file_one()
    other_merchant = make_user(Role.MEMBER)
    other_consumer = make_user(Role.CONSUMER)
    with pytest.raises(PermissionDenied):
        services.answer(actor=other_merchant, c=c, text="不是我的投诉也回复一下")
    with pytest.raises(PermissionDenied):
        services.answer(actor=complainant, c=c, text="自己回复自己的投诉")
    with pytest.raises(NotFound):
        services.get_for(other_consumer, c.number)
    services.answer(actor=merchant, c=c, text="我们会处理这个问题。")
    with pytest.raises(PermissionDenied):
        services.accept(actor=other_consumer, c=c)
    with pytest.raises(PermissionDenied):
        services.accept(actor=merchant, c=c)
    assert services.get_complaint(c.number).status == Status.ANSWERED


def test_illegal_transition_is_a_conflict(file_one: Any, complainant: Any) -> None:
    c = file_one()
    with pytest.raises(Conflict) as err:
        services.accept(actor=complainant, c=c)
    assert err.value.code == "illegal_transition"


def test_invalid_complaint_tells_consumer_and_leaves_statistics(file_one: Any, complainant: Any, reviewer: Any, shop: Any) -> None:
    from chengxin.complaints import reputation

    c = file_one()
    services.invalidate(actor=reviewer, c=c, reason="in_court", note="该纠纷已由法院受理。")
    assert Notification.objects.filter(user=complainant, text__contains="法院").exists()
    assert reputation.figures(shop)["received"] == 0


def test_malicious_flag_rate_limited_and_decided(file_one: Any, merchant: Any, reviewer: Any, settings: Any) -> None:
    c = file_one()
    flag = services.flag_malicious(actor=merchant, c=c, reason="该消费者从未在本店下单，订单号不存在。")
    with pytest.raises(Conflict):
        services.flag_malicious(actor=merchant, c=c, reason="再次标记这个恶意投诉的理由")
    services.decide_flag(actor=reviewer, flag=flag, uphold=True, note="核实订单不存在")
    c.refresh_from_db()
    assert c.status == Status.INVALID and c.invalid_reason == "malicious"
    settings.CHENGXIN_COMPLAINT_FLAGS_PER_30_DAYS = 1
    c2 = file_one()
    with pytest.raises(Throttled):
        services.flag_malicious(actor=merchant, c=c2, reason="又一个恶意投诉，请核查处理")


# --- deadlines across a holiday, with a controllable clock ------------------------

def _at(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=workdays.CALENDAR_TZ)


def test_deadlines_across_national_day_2025(file_one: Any, frozen_clock: Any, merchant: Any, complainant: Any, reviewer: Any) -> None:
    # Filed Friday 26 Sep 2025. National Day holiday 1-8 Oct; 28 Sep and 11 Oct are make-up working days.
    frozen_clock.set(_at(2025, 9, 26))
    c = file_one()
    # Working days after 26 Sep: 28, 29, 30 Sep, 9, 10, 11, 13, 14, 15, 16 Oct -> due 16 Oct.
    assert workdays.local_date(c.response_due_at) == dt.date(2025, 10, 16)
    assert workdays.local_date(c.remind_at) == dt.date(2025, 10, 13)
    frozen_clock.set(_at(2025, 10, 12))
    assert sweeps.run()["reminded"] == 0
    frozen_clock.set(_at(2025, 10, 13))
    assert sweeps.run()["reminded"] == 1
    assert sweeps.run()["reminded"] == 0  # idempotent
    frozen_clock.set(_at(2025, 10, 16, 9))
    assert sweeps.run()["reminded_day"] == 1
    frozen_clock.set(_at(2025, 10, 17, 9))
    done = sweeps.run()
    assert done["overdue"] == 1 and sweeps.run()["overdue"] == 0
    c.refresh_from_db()
    assert c.status == Status.OVERDUE
    assert workdays.local_date(c.final_due_at) == dt.date(2025, 10, 23)  # 5 working days after the 16th
    second = Notification.objects.filter(user=merchant, text__startswith="SECOND NOTICE").count()
    assert second == 1
    # A sweep missed for a week catches up in one run.
    frozen_clock.set(_at(2025, 10, 30))
    assert sweeps.run()["unanswered"] == 1
    c.refresh_from_db()
    assert c.status == Status.UNANSWERED and c.contact_released_at
    contact = queries.released_contact(c)
    assert contact and contact["address"] == c.subject.address
    assert any("registered details" in e.message for e in queries.timeline(c, {"consumer"}))
    assert not any(e.kind == "contact_released" for e in queries.timeline(c, {"merchant"}))
    assert sweeps.run() == dict.fromkeys(sweeps.run(), 0)


def test_consumer_silence_is_a_distinct_outcome(file_one: Any, frozen_clock: Any, merchant: Any) -> None:
    c = file_one()
    services.answer(actor=merchant, c=c, text="已退款，请查收。")
    frozen_clock.advance(days=9)
    assert sweeps.run()["answered_unconfirmed"] == 0
    frozen_clock.advance(days=2)
    assert sweeps.run()["answered_unconfirmed"] == 1
    c.refresh_from_db()
    assert c.status == Status.ANSWERED_UNCONFIRMED != Status.RESOLVED


def test_mediation_ends_after_45_working_days(file_one: Any, frozen_clock: Any, merchant: Any, complainant: Any, mediator: Any) -> None:
    c = file_one()
    services.answer(actor=merchant, c=c, text="不同意退款。")
    services.dispute(actor=complainant, c=c, reason="商品有质量问题")
    mediation.start_mediation(actor=mediator, c=c)
    c.refresh_from_db()
    assert workdays.working_days_between(c.mediation_started_at, c.mediation_due_at) == 45
    frozen_clock.set(c.mediation_due_at + dt.timedelta(minutes=1))
    assert sweeps.run()["mediation_timeout"] == 1
    c.refresh_from_db()
    assert c.status == Status.UNRESOLVED
    assert Notification.objects.filter(user=complainant, text__contains="Mediation").exists()


def test_fast_tier_and_staff_deadline_and_scheduled_urge(file_one: Any, shop: Any, reviewer: Any, merchant: Any, frozen_clock: Any) -> None:
    services.set_response_promise(actor=reviewer, subject=shop, hours=48, reason="member promises 48 h")
    c = file_one()
    assert c.response_due_at - c.filed_at == dt.timedelta(hours=48)
    new_due = c.filed_at + dt.timedelta(days=5)
    services.set_deadline(actor=reviewer, c=c, due=new_due, reason="consumer abroad")
    c.refresh_from_db()
    assert c.response_due_at == new_due
    services.urge(actor=reviewer, c=c, message="请尽快处理", at=c.filed_at + dt.timedelta(hours=3))
    assert sweeps.run()["urged"] == 0
    frozen_clock.advance(hours=4)
    assert sweeps.run()["urged"] == 1 and sweeps.run()["urged"] == 0
    assert Notification.objects.filter(user=merchant, text__contains="urges").count() == 1
    with pytest.raises(ValidationFailed):
        services.set_deadline(actor=reviewer, c=c, due=c.filed_at - dt.timedelta(days=1), reason="past")


def test_confirmation_overdue_alerts_staff_once(file_one: Any, reviewer: Any, frozen_clock: Any) -> None:
    c = file_one()
    frozen_clock.set(c.confirm_due_at + dt.timedelta(minutes=1))
    assert sweeps.run()["confirm_overdue"] == 1
    assert sweeps.run()["confirm_overdue"] == 0
    assert Notification.objects.filter(user=reviewer, text__startswith="OVERDUE").count() == 1


def test_reputation_figures(file_one: Any, shop: Any, merchant: Any, complainant: Any, frozen_clock: Any) -> None:
    from chengxin.complaints import reputation

    a = file_one()
    b = file_one()
    file_one()
    frozen_clock.advance(hours=5)
    services.answer(actor=merchant, c=a, text="已处理，已经退款。")
    services.accept(actor=complainant, c=a)
    frozen_clock.advance(days=30)
    services.answer(actor=merchant, c=b, text="迟到的回复，抱歉。")
    f = reputation.figures(shop)
    assert f["received"] == 3
    assert f["response_rate"] == round(2 / 3, 4)  # the third is past due and unanswered
    assert f["on_time_response_rate"] == round(1 / 3, 4)
    assert f["resolution_rate"] == 1.0 and f["consumer_confirmed_rate"] == 1.0
    assert f["median_response_hours"] == round((5 + 5 + 720) / 2, 1)


def test_staff_alerted_of_new_complaints_once(file_one: Any, complainant: Any, frozen_clock: Any) -> None:
    reviewer = make_user(Role.REVIEWER, email="reviewer@assoc.example")
    mediator = make_user(Role.MEDIATOR)  # does not handle complaints: not told
    first, second = file_one(), file_one(order_ref="DD2026030299999999")
    assert sweeps.alert_staff() == 2
    notes = list(Notification.objects.filter(user=reviewer))
    assert len(notes) == 1 and first.number in notes[0].text and second.number in notes[0].text
    assert notes[0].text.startswith("2 new complaints") and notes[0].url == "/staff/complaints/?view=unconfirmed"
    assert OutboxMessage.objects.filter(recipient="reviewer@assoc.example").count() == 1
    assert not Notification.objects.filter(user=mediator).exists()
    assert Complaint.objects.filter(staff_alerted_at__isnull=True).count() == 0
    # idempotent: a second run (or the complaint sweep) tells nobody again
    assert sweeps.alert_staff() == 0 and sweeps.run()["staff_alerted"] == 0
    assert Notification.objects.filter(user=reviewer).count() == 1
    frozen_clock.advance(minutes=1)
    third = complaint_filing.file_complaint(actor=make_user(Role.CONSUMER), data=filing(first.subject))[0]
    assert sweeps.run()["staff_alerted"] == 1
    latest = Notification.objects.filter(user=reviewer).order_by("-pk").first()
    assert latest is not None and latest.text == f"1 new complaint to confirm: {third.number}."
